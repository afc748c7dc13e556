/*
 * The IMAP argument parser: a command framed by the reader (cmdread.h) into a tag, a
 * command name and a tree of arguments (RFC 3501 9: atom, quoted string, literal,
 * parenthesized list), plus the grammar helpers commands share: astring, mailbox,
 * flags, dates. Pure: no I/O, so the fuzzer drives it directly.
 *
 * Choices, after Dovecot's imap-parser.c:
 * - Quoted strings take \" and \\ only; other escapes, CR, LF and NUL are errors.
 *   8-bit bytes are accepted in them (RFC 3501 says 7-bit; Dovecot accepts UTF-8,
 *   and a mailbox name still has to be valid modified UTF-7).
 * - An atom holding '[' runs to the matching ']' across spaces and parentheses, so
 *   FETCH's BODY[HEADER.FIELDS (From To)]<0.100> is one atom for the fetch code.
 * - NIL is an atom; imap_arg_is_nil() tells, since NIL is also a valid astring.
 */
#ifndef IMAP_ARGS_H
#define IMAP_ARGS_H

#include "cmdread.h"
#include "imap_limits.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum imap_arg_type {
	IMAP_ARG_ATOM,
	IMAP_ARG_QUOTED,
	IMAP_ARG_LITERAL,
	IMAP_ARG_LIST,
};

struct imap_arg {
	enum imap_arg_type type;
	const char *s;		/* atom, quoted, in-memory literal: NUL-terminated copy */
	size_t len;		/* its length (a literal may hold NULs) */
	uint64_t lit_len;	/* literal: its size (also when spooled) */
	int fd;			/* spooled literal: its file (owned by the reader), else -1 */
	struct imap_arg *child;	/* list: first element, NULL when empty */
	size_t n;		/* list: number of elements */
	struct imap_arg *next;	/* next sibling, NULL at the end */
};

struct imap_cmd {
	char tag[IMAP_TAG_MAX + 1];
	char name[32];		/* upper-cased command name */
	struct imap_arg *args;	/* first argument after the name, NULL when none */
	size_t n_args;		/* top-level arguments */
	const char *error;	/* parse failure: text for the BAD reply */
	/* storage */
	struct imap_arg *pool;	/* IMAP_ARGS_MAX nodes, allocated on first parse */
	size_t used;
	char *str;		/* copies of strings, at most the command's size + 1 */
	size_t str_cap, str_len;
};

/* Parse the command r holds. 0, or -1 with c->error set (and errno EINVAL, or ENOMEM
 * with error "out of memory"); c->tag is "*" when no valid tag was found. c refers to
 * the reader's memory: use it before the next imap_reader_next(). */
int imap_cmd_parse(struct imap_cmd *c, const struct imap_reader *r);
/* Parse text that has no literals (tests, the fuzzer). */
int imap_cmd_parse_text(struct imap_cmd *c, const char *text, size_t len);
/* Free the storage (c can be parsed into again after imap_cmd_free). */
void imap_cmd_free(struct imap_cmd *c);

/* The i-th top-level argument (0-based), or NULL. */
struct imap_arg *imap_cmd_arg(const struct imap_cmd *c, size_t i);

/* A string of any form as a C string: atom, quoted, or in-memory literal holding no
 * NUL. NULL for lists, spooled literals and strings with NUL. */
const char *imap_arg_astring(const struct imap_arg *a);
/* Quoted or literal only (RFC 3501 string), NULL otherwise. */
const char *imap_arg_string(const struct imap_arg *a);
/* 1 when a is the atom name (ASCII case-insensitive). */
int imap_arg_atom_is(const struct imap_arg *a, const char *name);
int imap_arg_is_nil(const struct imap_arg *a);

/* A mailbox argument (RFC 3501 5.1): an astring in modified UTF-7 into out as UTF-8
 * with INBOX (any case, also as the first level) normalised to "INBOX". 0, or -1 with
 * errno EINVAL (not an astring, not valid mUTF-7, NUL) or ENAMETOOLONG. */
int imap_arg_mailbox(const struct imap_arg *a, char *out, size_t outsz);

/* Flags (RFC 3501 9 flag-list, or one flag when allow_single): system flags as
 * MAILDIR_FLAG bits into *flags_r; keyword atoms are counted into *n_kw_r and their
 * args into kw_r[] (up to kw_max). 0, or -1 with errno EINVAL (not flags, \Recent or
 * an unknown \flag, a bad keyword) or ENOSPC (more than kw_max keywords). */
int imap_arg_flags(const struct imap_arg *a, int allow_single, uint32_t *flags_r,
		   const char **kw_r, size_t kw_max, size_t *n_kw_r);

/* RFC 3501 9 date ("dd-Mon-yyyy", optionally quoted, day one or two digits) as the
 * start of that day in UTC (time_t). 0 or -1 EINVAL. */
int imap_parse_date(const char *s, time_t *t_r);
/* RFC 3501 9 date-time "dd-Mon-yyyy hh:mm:ss +zzzz" (day space-padded or two digits)
 * as a time_t. 0 or -1 EINVAL. */
int imap_parse_datetime(const char *s, time_t *t_r);
/* Format t as a date-time in the zone offset the caller gives (minutes east of UTC)
 * into out (at least 27 bytes). */
void imap_format_datetime(time_t t, int tz_min, char *out, size_t outsz);

#endif
