/*
 * MD5 as RFC 1321 specifies it, written from the RFC: a 64-byte block buffer, the four
 * rounds driven by tables (the T[i] constants of section 3.4 in step order, the
 * per-round shifts and message-word orders), little-endian words throughout. Checked
 * against the RFC 1321 appendix A.5 test suite and the RFC 1939 APOP example.
 */
#include "md5.h"

#include <string.h>

/* T[i] = floor(2^32 * abs(sin(i + 1))), RFC 1321 section 3.4, steps 1 to 64. */
static const uint32_t md5_t[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee,
	0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
	0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05,
	0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039,
	0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* S11..S44 of the RFC's reference code: four shifts per round, repeated. */
static const unsigned md5_s[4][4] = {
	{ 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 }, { 6, 10, 15, 21 },
};

static uint32_t rotl(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void md5_block(uint32_t state[4], const unsigned char *p)
{
	uint32_t x[16], a = state[0], b = state[1], c = state[2], d = state[3];
	unsigned i;

	/* Section 3.4: the block is sixteen little-endian 32-bit words. */
	for (i = 0; i < 16; i++)
		x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
			(uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;

	for (i = 0; i < 64; i++) {
		uint32_t f, tmp;
		unsigned k, round = i / 16;

		switch (round) {
		case 0:	/* F(X,Y,Z) = XY v not(X) Z */
			f = (b & c) | (~b & d);
			k = i;
			break;
		case 1:	/* G(X,Y,Z) = XZ v Y not(Z) */
			f = (b & d) | (c & ~d);
			k = (5 * i + 1) % 16;
			break;
		case 2:	/* H(X,Y,Z) = X xor Y xor Z */
			f = b ^ c ^ d;
			k = (3 * i + 5) % 16;
			break;
		default:	/* I(X,Y,Z) = Y xor (X v not(Z)) */
			f = c ^ (b | ~d);
			k = (7 * i) % 16;
			break;
		}
		/* a = b + ((a + f(b,c,d) + X[k] + T[i]) <<< s), then rotate the roles. */
		tmp = d;
		d = c;
		c = b;
		b = b + rotl(a + f + x[k] + md5_t[i], md5_s[round][i % 4]);
		a = tmp;
	}
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
}

void md5_init(struct md5_ctx *c)
{
	/* Section 3.3: the initial buffer, as the words 01 23 45 67 ... low byte first. */
	c->state[0] = 0x67452301;
	c->state[1] = 0xefcdab89;
	c->state[2] = 0x98badcfe;
	c->state[3] = 0x10325476;
	c->bytes = 0;
}

void md5_update(struct md5_ctx *c, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t used = (size_t)(c->bytes % 64);

	c->bytes += n;
	if (used > 0) {
		size_t take = 64 - used < n ? 64 - used : n;

		memcpy(c->block + used, s, take);
		s += take;
		n -= take;
		if (used + take < 64)
			return;
		md5_block(c->state, c->block);
	}
	for (; n >= 64; s += 64, n -= 64)
		md5_block(c->state, s);
	if (n > 0)
		memcpy(c->block, s, n);
}

void md5_final(struct md5_ctx *c, unsigned char out[MD5_DIGEST_LEN])
{
	/* Sections 3.1 and 3.2: a 1 bit, zeros up to 56 mod 64, then the bit length as a
	 * 64-bit little-endian number (mod 2^64). */
	static const unsigned char pad[64] = { 0x80 };
	unsigned char len[8];
	uint64_t bits = c->bytes * 8;
	size_t used = (size_t)(c->bytes % 64);
	volatile unsigned char *w = (volatile unsigned char *)c;
	unsigned i;

	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (8 * i));
	md5_update(c, pad, used < 56 ? 56 - used : 120 - used);
	md5_update(c, len, sizeof len);
	for (i = 0; i < 16; i++)
		out[i] = (unsigned char)(c->state[i / 4] >> (8 * (i % 4)));
	/* The context held the message (a password, for APOP): do not leave it around. */
	for (i = 0; i < sizeof *c; i++)
		w[i] = 0;
}

void md5_hex(const void *p, size_t n, char out[MD5_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[MD5_DIGEST_LEN];
	struct md5_ctx c;
	unsigned i;

	md5_init(&c);
	md5_update(&c, p, n);
	md5_final(&c, d);
	for (i = 0; i < MD5_DIGEST_LEN; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[MD5_HEX_LEN] = '\0';
}
