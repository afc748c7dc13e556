/*
 * Base64 for SASL exchanges. Decoding is strict on purpose (RFC 5034 section 4: servers
 * MUST reject any character outside the alphabet and any misplaced '='), so two
 * implementations never disagree about what a client sent.
 */
#include "base64.h"

#include <errno.h>
#include <stdint.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *in, size_t inlen, unsigned char *out, size_t outsz,
		  size_t *outlen_r)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	if (inlen % 4 != 0) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < inlen; i += 4) {
		int v[4], pads = 0;
		uint32_t w;

		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '=') {
				/* Padding only in the last quantum, only its last two
				 * places, and nothing but padding after it. */
				if (i + 4 != inlen || k < 2)
					goto bad;
				pads++;
				v[k] = 0;
				continue;
			}
			if (pads > 0)
				goto bad;
			v[k] = base64_sextet(s[i + k]);
			if (v[k] < 0)
				goto bad;
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
		    (uint32_t)v[3];
		/* RFC 4648 section 3.5: the bits a pad leaves over must be zero. */
		if ((pads == 2 && (w & 0xffff) != 0) || (pads == 1 && (w & 0xff) != 0))
			goto bad;
		if (o + (size_t)(3 - pads) > outsz) {
			errno = ERANGE;
			return -1;
		}
		out[o++] = (unsigned char)(w >> 16);
		if (pads < 2)
			out[o++] = (unsigned char)(w >> 8);
		if (pads < 1)
			out[o++] = (unsigned char)w;
	}
	*outlen_r = o;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

long base64_encode(const void *p, size_t n, char *out, size_t outsz)
{
	const unsigned char *s = p;
	size_t o = 0, i;

	if (n > (SIZE_MAX - 1) / 4 * 3 - 2 || outsz < BASE64_ENCODED_SIZE(n)) {
		errno = ERANGE;
		return -1;
	}
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t w = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		out[o++] = alphabet[w >> 18];
		out[o++] = alphabet[(w >> 12) & 63];
		out[o++] = alphabet[(w >> 6) & 63];
		out[o++] = alphabet[w & 63];
	}
	if (i < n) {
		uint32_t w = (uint32_t)s[i] << 16;
		if (i + 1 < n)
			w |= (uint32_t)s[i + 1] << 8;
		out[o++] = alphabet[w >> 18];
		out[o++] = alphabet[(w >> 12) & 63];
		out[o++] = i + 1 < n ? alphabet[(w >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return (long)o;
}
