/*
 * The IMAP command reader: one whole command, its lines and literals (RFC 3501 4.3,
 * 7.5; RFC 7888 LITERAL+), framed but not parsed. The command text is kept as its
 * lines without their CRLF, each literal's bytes right after the "{n}" that announced
 * it, so "a LOGIN {5}\r\nalice {6}\r\nsecret\r\n" becomes "a LOGIN {5}alice {6}secret"
 * with two literal records saying where their bytes are. The parser (imap_args.h)
 * never has to guess where a literal ends.
 *
 * Resumable: imap_reader_next() returns IMAP_RD_MORE in push mode when it needs more
 * input, and IMAP_RD_CONTINUE when the client waits for "+" before sending a
 * synchronizing literal; calling it again goes on where it stopped.
 *
 * Bounded: a line over IMAP_LINE_MAX, a command over IMAP_CMD_MAX, more than
 * IMAP_LITERALS_MAX literals, or a literal over the reader's literal_max reject the
 * command (IMAP_RD_REJECT) only once the stream is past it: a refused synchronizing
 * literal is never asked for (RFC 3501 7.5: the client sends no more of the command
 * after a tagged reply), a refused non-synchronizing one is read and thrown away (RFC
 * 7888 section 4, option 1) up to IMAP_LITERAL_DISCARD_MAX, beyond which the session
 * must end (IMAP_RD_FATAL, option 2). Literals over IMAP_LITERAL_MEM_MAX are spooled
 * to an unlinked temporary file: the record carries its fd.
 */
#ifndef IMAP_CMDREAD_H
#define IMAP_CMDREAD_H

#include "imap_limits.h"

#include "buf.h"
#include "line.h"

#include <stddef.h>
#include <stdint.h>

#define IMAP_RD_EOF 0		/* end of input (a partial command is dropped) */
#define IMAP_RD_COMMAND 1	/* a whole command: r->cmd and r->lit */
#define IMAP_RD_MORE 2		/* push mode: push more input, then call again */
#define IMAP_RD_CONTINUE 3	/* send "+ ..." for a synchronizing literal, call again */
#define IMAP_RD_REJECT 4	/* the command was refused (r->reject); stream in sync */
#define IMAP_RD_FATAL 5		/* a literal too large even to discard: BYE and close */

enum imap_reject {
	IMAP_REJ_NONE,
	IMAP_REJ_LINE,		/* a line over IMAP_LINE_MAX (its tag may be lost) */
	IMAP_REJ_LITERAL,	/* a literal over literal_max: NO [TOOBIG] */
	IMAP_REJ_COMMAND,	/* the command over IMAP_CMD_MAX */
	IMAP_REJ_LITERALS,	/* more than IMAP_LITERALS_MAX literals */
	IMAP_REJ_SPOOL,		/* no temporary file for a large literal (server fault) */
};

struct imap_literal {
	size_t off;		/* where its bytes start in cmd (in memory), or would */
	uint64_t len;
	int fd;			/* spooled (unlinked file, offset 0 = start), else -1 */
	int sync;		/* {n} rather than {n+} */
};

struct imap_reader {
	struct line_reader in;
	int fd;			/* input; -1 in push mode */
	int bytewise;		/* before login: never read past a line's LF (see line.h) */
	uint64_t literal_max;	/* literals over this are refused */
	struct buf cmd;		/* the command so far, as described above */
	struct imap_literal lit[IMAP_LITERALS_MAX];
	size_t n_lit;
	enum imap_reject reject;	/* why the command is being refused, or NONE */
	/* internal state between calls */
	int state;
	int fresh;		/* the next call starts a new command */
	uint64_t left;		/* literal bytes still to read (or throw away) */
	char line[IMAP_LINE_MAX + 1];
};

/* Set up r reading fd (-1: push mode) with a deadline per read (-1: none) and the
 * given literal limit. Allocates nothing yet. */
void imap_reader_init(struct imap_reader *r, int fd, int timeout_ms, uint64_t literal_max);
/* Switch between bytewise (before login) and read-ahead input; only between commands. */
void imap_reader_bytewise(struct imap_reader *r, int on);
/* Free memory and close spool files. */
void imap_reader_free(struct imap_reader *r);
/* Push mode: add input; returns how much was taken (push the rest after a call). */
size_t imap_reader_push(struct imap_reader *r, const void *p, size_t n);

/* Read on until one of the IMAP_RD_* results above, or -1 with errno (ETIMEDOUT, a
 * read error, ENOMEM). A result other than MORE and CONTINUE ends the command: the
 * next call drops it (closing its spool files) and starts the next one. */
int imap_reader_next(struct imap_reader *r);

/* One bare line, no command (IDLE's "DONE", RFC 2177), waiting at most timeout_ms
 * (0: only what is buffered or readable now). Only between commands, with an fd.
 * 1 with the line, CRLF removed, in r->line (*len_r bytes); 0 at end of input; -1
 * with errno: ETIMEDOUT (no whole line yet: a partial one is kept for the next call),
 * ERANGE (over IMAP_LINE_MAX, discarded through its LF), or the read error. */
int imap_reader_line(struct imap_reader *r, int timeout_ms, size_t *len_r);

/* The command's tag (its first word, when that is a valid tag) into out, else "*".
 * Usable after COMMAND and REJECT. */
void imap_reader_tag(const struct imap_reader *r, char *out, size_t outsz);

#endif
