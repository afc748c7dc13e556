/*
 * Text to UTF-8 for SEARCH (RFC 3501 6.4.4): conversion from a MIME charset through
 * iconv(3), and a case-insensitive substring test over UTF-8. Folding covers ASCII,
 * Latin-1, Latin Extended-A, Greek and Cyrillic capitals (simple one-to-one case
 * mappings); other scripts are compared as they are.
 */
#ifndef CHARSET_H
#define CHARSET_H

#include <stddef.h>

#include "buf.h"

/* Longest charset name we pass to iconv (IANA names are at most 40, RFC 2978). */
#define CHARSET_NAME_MAX 64

/* Append p[0..n) converted from charset cs to UTF-8 to b. Bytes that do not convert
 * become U+FFFD. us-ascii and utf-8 are copied. 0, or -1 with errno EINVAL (charset
 * unknown to iconv; b unchanged), ENOMEM or E2BIG. */
int charset_to_utf8(const char *cs, const char *p, size_t n, struct buf *b);
/* 1 when the charset is one iconv knows (or us-ascii/utf-8), else 0. */
int charset_known(const char *cs);
/* 1 when needle occurs in hay ignoring case as described above, 0 when not, -1 with
 * errno ENOMEM. An empty needle occurs everywhere. */
/* Fold s[0..n) for comparison as charset_utf8_contains does into out (n bytes): the
 * result has the same length, as every folded pair encodes in the same number of
 * octets; bytes that are not valid UTF-8 are copied. Folded texts can then be compared
 * byte by byte, in pieces, without allocating. out may be s. */
void charset_utf8_fold(const char *s, size_t n, char *out);
int charset_utf8_contains(const char *hay, size_t hn, const char *needle, size_t nn);

#endif
