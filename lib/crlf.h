/*
 * Messages as stored to messages on the wire. A Maildir file has bare LF line ends (or
 * CRLF, or a mix; a lone CR is kept as it is; the last line may lack its LF); POP3
 * (RFC 1939 3) and IMAP literals (RFC 3501 4.3) carry CRLF. The converter is fed the
 * file in chunks of any size: its state carries over the chunk boundary, so a CR that
 * ends one chunk and the LF that starts the next stay one CRLF.
 *
 * It finds line ends with memchr and never handles a byte on its own: each line is one
 * copy into the writer's buffer (with its CR LF), which goes out in OUT_BUF writes; a
 * line longer than the buffer is written straight through. No byte is looked at twice
 * unless CRLF_NUL_80 asks for a NUL scan.
 *
 * A window of output octets (skip the first `skip`, then send at most `want`) serves
 * IMAP partials, BODY[]<origin.count>, which count CRLF octets (RFC 3501 6.4.5).
 */
#ifndef CRLF_H
#define CRLF_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

/* A line that starts with '.' gets another one (RFC 1939 3, byte-stuffing). */
#define CRLF_DOTSTUFF 1u
/* NUL is sent as 0x80: an IMAP literal cannot hold NUL (RFC 3501 4.3); Dovecot does
 * the same. */
#define CRLF_NUL_80 2u

/* The state of one stream; the fields are the module's, callers only declare one. */
struct crlf {
	unsigned flags;
	int at_bol;		/* the next input byte starts a line */
	int prev_cr;		/* the last input byte was CR */
	uint64_t skip;		/* output octets still to drop */
	uint64_t want;		/* output octets still to send */
};

/* A new stream: at the start of a line, no CR pending, no window (everything sent). */
void crlf_init(struct crlf *c, unsigned flags);
/* Send only output octets [skip, skip + want) of what follows. */
void crlf_window(struct crlf *c, uint64_t skip, uint64_t want);
/* Convert p[0..n) and queue it on o. 0, or -1 (o's sticky error). Input past the
 * window's end is ignored (see crlf_full). */
int crlf_write(struct crlf *c, struct out *o, const void *p, size_t n);
/* 1 when the window is used up: more input would send nothing. */
int crlf_full(const struct crlf *c);
/* The end of the message: a CRLF when its last line had no LF (POP3 needs the CRLF
 * before its "." line; RFC 1939 3). 0, or -1 (o's sticky error). */
int crlf_end(struct crlf *c, struct out *o);

#endif
