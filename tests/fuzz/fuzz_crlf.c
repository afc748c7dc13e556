/*
 * Fuzz the LF -> CRLF stream (lib/crlf.c): the input's first 8 bytes choose the flags,
 * whether the stream is ended, an output window, how full the writer's buffer already
 * is, and a seed for the chunk sizes; the rest is the message, fed in chunks of
 * pseudo-random sizes (0 included). The bytes written must equal a one-shot,
 * byte-at-a-time reference conversion of the whole message.
 */
#include "crlf.h"
#include "../unit/crlf_ref.h"
#include "out.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct out o;
static FILE *sink;
static char *want_buf, *got_buf, *full;

static void check(int cond)
{
	if (!cond)
		abort();
}

static size_t reference(const uint8_t *in, size_t n, unsigned flags, uint64_t skip,
			uint64_t want, int end)
{
	return crlf_reference((const char *)in, n, flags, skip, want, end, full, want_buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char fill[OUT_BUF];
	struct crlf c;
	unsigned flags;
	uint64_t skip, want;
	uint32_t seed;
	size_t prefill, at = 0, w, got;
	int end;
	long len;

	if (size < 8)
		return 0;
	if (sink == NULL) {
		sink = tmpfile();
		want_buf = malloc(3 * (1 << 20));
		got_buf = malloc(3 * (1 << 20));
		full = malloc(3 * (1 << 20));
		check(sink != NULL && want_buf != NULL && got_buf != NULL && full != NULL);
		memset(fill, '#', sizeof fill);
	}
	if (size - 8 > (1 << 20))
		return 0;
	flags = data[0] & 3;
	end = (data[0] >> 2) & 1;
	skip = (data[0] & 8) ? data[1] : 0;
	want = (data[0] & 16) ? data[2] : UINT64_MAX;
	/* Mostly an empty buffer, sometimes one a few bytes short of full. */
	prefill = (data[0] & 32) ? OUT_BUF - 1 - data[3] % 64 : data[3];
	seed = (uint32_t)data[4] | (uint32_t)data[5] << 8 | (uint32_t)data[6] << 16;
	seed |= 1;
	data += 8;
	size -= 8;

	w = reference(data, size, flags, skip, want, end);
	rewind(sink);
	check(ftruncate(fileno(sink), 0) == 0);
	out_init(&o, fileno(sink), -1);
	check(out_write(&o, fill, prefill) == 0);
	crlf_init(&c, flags);
	if (skip != 0 || want != UINT64_MAX)
		crlf_window(&c, skip, want);
	while (at < size) {
		size_t n;
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 8 == 0 ? 0 : (seed >> 16) % (size - at + 1);
		check(crlf_write(&c, &o, data + at, n) == 0);
		at += n;
	}
	if (end)
		check(crlf_end(&c, &o) == 0);
	check(out_flush(&o) == 0);
	len = lseek(fileno(sink), 0, SEEK_END);
	check(len >= (long)prefill);
	got = (size_t)len - prefill;
	check(got == w);
	check(pread(fileno(sink), got_buf, got, (off_t)prefill) == (ssize_t)got);
	check(memcmp(got_buf, want_buf, w) == 0);
	check(crlf_full(&c) == (want != UINT64_MAX && w == want));
	return 0;
}
