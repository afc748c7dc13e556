/*
 * IMAP flag names for Maildir flag letters. The system flags of RFC 3501 2.3.2 map to
 * the letters of the Maildir spec: \Answered R, \Deleted T, \Draft D, \Flagged F,
 * \Seen S. 'P' (passed, i.e. forwarded) has no IMAP system flag and no name here;
 * \Recent is a session flag that no file name holds. Keywords are the letters a..z,
 * named by dovecot-keywords (maildir_keywords.h).
 */
#ifndef MAILDIR_FLAGS_H
#define MAILDIR_FLAGS_H

#include <stddef.h>
#include <stdint.h>

#include "maildir_keywords.h"

struct buf;

#define MAILDIR_IMAP_SYSFLAGS 5	/* RFC 3501 2.3.2 flags that a file name can hold */

struct maildir_imap_flag {
	char letter;		/* Maildir flag letter */
	const char *name;	/* IMAP name, with its backslash */
};

/* The system flags in ASCII order of their letters (D F R S T), the order they take in
 * a file name. */
extern const struct maildir_imap_flag maildir_imap_flags[MAILDIR_IMAP_SYSFLAGS];

/* The MAILDIR_FLAG() bit of the system flag named by the len bytes at name (with its
 * backslash; ASCII case-insensitive, RFC 3501 2.3.2: flag names are not case
 * sensitive), or 0 when it is none of them (\Recent, an unknown \Name, a keyword). */
uint32_t maildir_imap_flag_bit(const char *name, size_t len);
/* The IMAP name of one MAILDIR_FLAG() bit, or NULL (P, any other letter, 0, several). */
const char *maildir_imap_flag_name(uint32_t bit);

/* Append to out the IMAP flag list "(\Seen $Label1 Work)" of a message: its system
 * flags, then \Recent when recent is non-zero, then the names in k of its keyword bits,
 * letter order. Keyword letters without a name in k, and flags with no IMAP name (P),
 * are left out: a client cannot be shown a flag it could not name back. 0, or -1 with
 * errno as buf_append (E2BIG past out's maximum; out may then hold a part). */
int maildir_imap_flags_format(uint32_t flags, uint32_t keywords, int recent,
			      const struct maildir_keywords *k, struct buf *out);

#endif
