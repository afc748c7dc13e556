/*
 * RFC 2047 header decoding and body decoding (base64, quoted-printable, charsets) on
 * any bytes: no failure but ENOMEM/E2BIG, and text without "=?" comes out unchanged
 * apart from the removed CR/LF.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "rfc2047.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct buf b;
	static const char *const cs[] = { "utf-8", "iso-8859-1", "utf-16", "iso-2022-jp",
					  "x-unknown" };

	buf_init(&b, (size_t)1 << 24);
	if (rfc2047_decode(s, size, &b) < 0)
		abort();
	int plain = 1;
	for (size_t i = 0; i + 1 < size; i++)
		if (s[i] == '=' && s[i + 1] == '?')
			plain = 0;
	if (plain) {
		size_t k = 0;
		for (size_t i = 0; i < size; i++)
			if (s[i] != '\r' && s[i] != '\n' && (k >= b.len || b.s[k++] != s[i]))
				abort();
		if (k != b.len)
			abort();
	}
	buf_reset(&b);
	if (rfc2047_body_decode(s, size, size % 2 ? "base64" : "quoted-printable",
				cs[size % 5], &b) < 0)
		abort();
	charset_utf8_contains(b.s != NULL ? b.s : "", b.len, s, size < 8 ? size : 8);
	buf_free(&b);
	return 0;
}
