/*
 * Header and body text as UTF-8 for SEARCH (RFC 3501 6.4.4 matches decoded text):
 * RFC 2047 encoded words in a header value, and a body part's RFC 2045 6
 * Content-Transfer-Encoding (base64, quoted-printable) plus its charset.
 */
#ifndef RFC2047_H
#define RFC2047_H

#include <stddef.h>

#include "buf.h"

/* RFC 2047 2: an encoded word is at most 75 characters; real mail breaks this, so
 * longer ones are decoded up to this length and left as they are past it. */
#define RFC2047_WORD_MAX 1024

/* Append the header value v[0..n) unfolded, with encoded words ("=?cs?B|Q?text?=")
 * decoded to UTF-8; whitespace between adjacent encoded words is dropped (RFC 2047 6.2)
 * and words in an unknown charset are kept as written. 0, or -1 with errno. */
int rfc2047_decode(const char *v, size_t n, struct buf *b);

/* Append the body bytes p[0..n) decoded from encoding ("base64", "quoted-printable",
 * anything else as is; NULL = 7bit) and converted from charset (NULL = us-ascii) to
 * UTF-8. Bad base64/QP is decoded leniently (skipped or kept). 0, or -1 with errno. */
int rfc2047_body_decode(const char *p, size_t n, const char *encoding, const char *charset,
			struct buf *b);

#endif
