/*
 * MD5 (RFC 1321), only for APOP (RFC 1939 section 7), where the digest is fixed by the
 * protocol. MD5 is broken for collisions; never use it to store a password.
 */
#ifndef CHECKPW_MD5_H
#define CHECKPW_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_DIGEST_LEN 16	/* RFC 1321 section 3.5: 128 bits */
#define MD5_HEX_LEN 32		/* two lowercase hex digits per byte, no NUL */

struct md5_ctx {
	uint32_t state[4];	/* A, B, C, D of RFC 1321 section 3.3 */
	uint64_t bytes;		/* message length so far, in bytes */
	unsigned char block[64];	/* a partial 512-bit block */
};

void md5_init(struct md5_ctx *c);
void md5_update(struct md5_ctx *c, const void *p, size_t n);
/* Pad, write the digest and wipe c (it must be md5_init()ed again before reuse). */
void md5_final(struct md5_ctx *c, unsigned char out[MD5_DIGEST_LEN]);
/* The digest of p as MD5_HEX_LEN lowercase hex digits and a NUL. */
void md5_hex(const void *p, size_t n, char out[MD5_HEX_LEN + 1]);

#endif
