/*
 * dovecot-keywords: the map from keyword letters (a..z, index 0..25) to IMAP keyword
 * names, one "<index> <name>" per line. Read without a lock; written (replaced by
 * rename()) only with the dovecot-uidlist lock held.
 */
#ifndef MAILDIR_KEYWORDS_H
#define MAILDIR_KEYWORDS_H

#include <stddef.h>

#define MAILDIR_KEYWORDS_FILE "dovecot-keywords"
#define MAILDIR_KEYWORDS_MAX 26
#define MAILDIR_KEYWORD_LEN_MAX 255	/* longest keyword name kept */
#define MAILDIR_KEYWORDS_FILE_MAX (64u << 10)	/* refuse to read a larger file (26 lines) */

struct maildir_keywords {
	char *name[MAILDIR_KEYWORDS_MAX];	/* NULL for an unused letter */
};

/* Read dir/dovecot-keywords into k (all NULL first). A missing file is an empty map.
 * Malformed lines (bad index, a name that is no IMAP atom, RFC 3501 9 flag-keyword) are
 * skipped; of two lines with one index the first counts. 0 or -1 with errno (E2BIG
 * over MAILDIR_KEYWORDS_FILE_MAX); k is unchanged on error. */
int maildir_keywords_read(const char *dir, struct maildir_keywords *k);
/* Parse the file text; same as above (fails only with ENOMEM). */
int maildir_keywords_parse(const char *text, size_t len, struct maildir_keywords *k);
/* Replace dir/dovecot-keywords (temp file, fsync, rename); lock held. 0 or -1 errno. */
int maildir_keywords_write(const char *dir, const struct maildir_keywords *k);
/* 1 when name can be a keyword: an IMAP atom (no space, control, 8-bit or
 * "(){%*\"\\]") of 1..MAILDIR_KEYWORD_LEN_MAX characters. */
int maildir_keyword_valid(const char *name);
/* Index of name (case-sensitive as Dovecot), or -1. */
int maildir_keywords_index(const struct maildir_keywords *k, const char *name);
/* Index of name, adding it at the first free letter when absent; -1 with errno ENOSPC
 * when all 26 are used, EINVAL for a bad name. Sets *added_r to 1 when k changed. */
int maildir_keywords_add(struct maildir_keywords *k, const char *name, int *added_r);
/* Free the names; every slot is NULL afterwards. */
void maildir_keywords_free(struct maildir_keywords *k);

#endif
