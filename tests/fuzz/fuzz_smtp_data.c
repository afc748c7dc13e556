/*
 * The DATA/BDAT content machine over arbitrary bytes, fed whole and in pieces: the
 * same result either way, the end marker found only after a real CR LF "." CR LF,
 * and a message without errors stored without any CR LF pair (they became LF).
 */
#include "../../smtpd/data.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t run(struct smtp_data *d, struct buf *b, enum smtp_data_mode m,
		  const uint8_t *data, size_t size, size_t step)
{
	size_t used = 0;

	buf_init(b, 1 << 20);
	smtp_data_init(d, m, 1 << 16, b);
	while (used < size && !d->done) {
		size_t n = size - used < step ? size - used : step;
		used += smtp_data_feed(d, data + used, n);
	}
	return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_data d1, d2;
	struct buf b1, b2;
	size_t u1, u2;

	for (int m = 0; m < 2; m++) {
		u1 = run(&d1, &b1, (enum smtp_data_mode)m, data, size, size + 1);
		u2 = run(&d2, &b2, (enum smtp_data_mode)m, data, size, 3);
		if (m == SMTP_DATA_BDAT) {
			smtp_data_finish(&d1);
			smtp_data_finish(&d2);
		}
		if (u1 != u2 || d1.done != d2.done || d1.err != d2.err || d1.size != d2.size ||
		    b1.len != b2.len || (b1.len > 0 && memcmp(b1.s, b2.s, b1.len) != 0))
			abort();
		if (m == SMTP_DATA_DOT && d1.done) {
			/* The "." CR LF just consumed follows a CR LF (or the DATA line). */
			if (u1 < 3 || memcmp(data + u1 - 3, ".\r\n", 3) != 0)
				abort();
			if (u1 > 3 && (u1 < 5 || memcmp(data + u1 - 5, "\r\n", 2) != 0))
				abort();
		}
		if (m == SMTP_DATA_DOT && d1.err == 0) {
			for (size_t i = 0; i < b1.len; i++) {
				if (b1.s[i] == '\r' || b1.s[i] == '\0')
					abort();
			}
		}
		buf_free(&b1);
		buf_free(&b2);
	}
	return 0;
}
