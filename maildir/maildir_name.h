/*
 * Maildir file names: unique names of the form
 *   <sec>.M<usec>P<pid>Q<n>.<host>,S=<size>,W=<vsize>
 * and the info part after ':' (also ';' or '!' as some systems must use):
 *   2,<FLAGS>[,<foreign fields>]
 * Standard flags are upper case (D F P R S T), keywords lower case (a-z, mapped to names
 * by dovecot-keywords). Any flag letter and any field we do not know is kept exactly:
 * mbsync's ,U=, offlineimap's ,FMD5= in the base, ",extra" after the flags.
 */
#ifndef MAILDIR_NAME_H
#define MAILDIR_NAME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MAILDIR_NAME_MAX 255		/* NAME_MAX of common file systems */
#define MAILDIR_SIZE_UNKNOWN UINT64_MAX

/* Flag bits: upper case letter c is bit (c - 'A'); keyword letter c is bit (c - 'a'). */
#define MAILDIR_FLAG(c) (UINT32_C(1) << ((c) - 'A'))
#define MAILDIR_KW(c) (UINT32_C(1) << ((c) - 'a'))
#define MAILDIR_F_DRAFT   MAILDIR_FLAG('D')
#define MAILDIR_F_FLAGGED MAILDIR_FLAG('F')
#define MAILDIR_F_PASSED  MAILDIR_FLAG('P')
#define MAILDIR_F_REPLIED MAILDIR_FLAG('R')
#define MAILDIR_F_SEEN    MAILDIR_FLAG('S')
#define MAILDIR_F_TRASHED MAILDIR_FLAG('T')

struct maildir_name {
	size_t base_len;	/* the unique part: name[0..base_len) (no info separator) */
	char sep;		/* info separator ':' ';' '!' or 0 when the name has no info */
	int info_v2;		/* info is "2,..." (flags parsed); 0 for none or another version */
	uint32_t flags;		/* upper case flags, MAILDIR_FLAG() bits */
	uint32_t keywords;	/* keyword letters, MAILDIR_KW() bits */
	size_t tail_off;	/* start of whatever follows the flags (",extra"), else strlen */
	uint64_t size;		/* ,S= in the base, or MAILDIR_SIZE_UNKNOWN */
	uint64_t vsize;		/* ,W= in the base, or MAILDIR_SIZE_UNKNOWN */
	uint64_t sec;		/* leading <sec> of the base (0 when not numeric) */
	uint64_t usec;		/* M<usec> of the second field (0 when absent) */
};

/* Parse a file name (no directory part). Returns 0, or -1 with errno EINVAL for names
 * that are no message: empty, starting with '.', containing '/' or a control character
 * (< 0x20, 0x7f: no uidlist line could hold it), longer than the max.
 * Foreign forms parse with what can be read: an unknown info version leaves info_v2 0.
 * The separator is the first ':'; without one, the first ';' or '!' followed by
 * "<digit>,". In a "2," info a character other than a letter ends the flag letters;
 * the tail still starts at the first ',' (what lies between is not kept by
 * maildir_name_with_flags). A malformed or overflowing S= / W= is left unknown. */
int maildir_name_parse(const char *name, struct maildir_name *r);

/* Write into out the name with its flags replaced: base, separator (':' when there was
 * none), "2,", flags then keywords in ASCII order, then the old tail unchanged.
 * A name with an info of another version gets a fresh "2," info (the old one dropped).
 * Returns the length, or -1 with errno ENAMETOOLONG (out too small) or EINVAL. */
int maildir_name_with_flags(const char *name, uint32_t flags, uint32_t keywords,
			    char *out, size_t outsz);

/* Flags then keywords as letters in ASCII order, NUL-terminated. Returns the length, or
 * -1 with errno ENAMETOOLONG. */
int maildir_flags_format(uint32_t flags, uint32_t keywords, char *out, size_t outsz);

/* Parse flag letters (as after "2,") into the two masks; stops at ',' or NUL. */
void maildir_flags_parse(const char *s, uint32_t *flags_r, uint32_t *keywords_r);

/* A new unique base name <sec>.M<usec>P<pid>Q<n>.<host> (host from gethostname, or
 * $MAILDIR_HOSTNAME when set, with '/' ':' ',' written as \057 \072 \054, space and
 * anything but printable ASCII dropped, cut at 64 bytes). Q counts per process.
 * Returns length or -1 ENAMETOOLONG. */
int maildir_unique(char *out, size_t outsz);

/* Compare two names by delivery order: sec, then usec, then the whole base bytewise. */
int maildir_name_cmp_delivery(const char *a, const char *b);

#endif
