/*
 * Modified UTF-7 both ways. Decoding arbitrary bytes must either fail or give a name
 * whose encoding is the input byte for byte (the decoder accepts canonical forms
 * only); encoding must succeed exactly for valid UTF-8 without NUL, and decode back.
 */
#include "maildir_folder.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An independent strict UTF-8 check (Unicode Table 3-7), with NUL refused. */
static int valid_utf8(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t k;
		uint8_t lo = 0x80, hi = 0xbf;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3;
		else
			return 0;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (n - i <= k || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xbf)
				return 0;
		i += k + 1;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	size_t decsz = 2 * size + 16, encsz = 6 * size + 16;
	char *dec = malloc(decsz), *enc = malloc(encsz);
	int r, r2;

	if (dec == NULL || enc == NULL)
		abort();

	r = maildir_mutf7_decode(in, size, dec, decsz);
	if (r >= 0) {
		r2 = maildir_mutf7_encode(dec, (size_t)r, enc, encsz);
		if (r2 < 0 || (size_t)r2 != size || memcmp(enc, in, size) != 0)
			abort();
	}

	r = maildir_mutf7_encode(in, size, enc, encsz);
	if ((r >= 0) != valid_utf8(data, size))
		abort();
	if (r >= 0) {
		r2 = maildir_mutf7_decode(enc, (size_t)r, dec, decsz);
		if (r2 < 0 || (size_t)r2 != size || memcmp(dec, in, size) != 0)
			abort();
	}
	free(dec);
	free(enc);
	return 0;
}
