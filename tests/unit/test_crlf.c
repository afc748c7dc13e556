/* Unit tests for lib/crlf.c: the streaming LF -> CRLF converter against a byte-at-a-time
 * reference, for every split of tricky inputs into two and three chunks, byte by byte,
 * with and without dot-stuffing, NUL rule and output windows, and with the writer's
 * buffer nearly full so that every flush path runs. */
#include "crlf.h"
#include "crlf_ref.h"
#include "out.h"
#include "test.h"

#include <stdint.h>
#include <stdio.h>

static struct out o;	/* 64 KiB: static rather than on the stack */
static FILE *sink;

/* The obvious converter (crlf_ref.h) into out. */
static size_t reference(const char *in, size_t n, unsigned flags, uint64_t skip,
			uint64_t want, int end, char *out)
{
	static char full[1 << 20];

	return crlf_reference(in, n, flags, skip, want, end, full, out);
}

/* Prefill bytes already queued (to move the flush points), then the chunks of in at
 * the cut points, then crlf_end when asked; returns what the writer sent after the
 * prefill. */
static size_t stream(const char *in, size_t n, const size_t *cuts, size_t ncuts,
		     unsigned flags, uint64_t skip, uint64_t want, int end, size_t prefill,
		     char *got, size_t gotsz)
{
	static char fill[OUT_BUF];
	struct crlf c;
	size_t at = 0, len;
	long size;

	rewind(sink);
	if (ftruncate(fileno(sink), 0) != 0)
		return (size_t)-1;
	out_init(&o, fileno(sink), -1);
	memset(fill, '#', sizeof fill);
	out_write(&o, fill, prefill);
	crlf_init(&c, flags);
	if (skip != 0 || want != UINT64_MAX)
		crlf_window(&c, skip, want);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : n;
		if (crlf_write(&c, &o, in + at, to - at) < 0)
			return (size_t)-1;
		at = to;
	}
	if (end && crlf_end(&c, &o) < 0)
		return (size_t)-1;
	if (out_flush(&o) < 0)
		return (size_t)-1;
	size = lseek(fileno(sink), 0, SEEK_END);
	if (size < (long)prefill || (size_t)size - prefill > gotsz)
		return (size_t)-1;
	len = (size_t)size - prefill;
	if (pread(fileno(sink), got, len, (off_t)prefill) != (ssize_t)len)
		return (size_t)-1;
	return len;
}

static char want_buf[1 << 20], got_buf[1 << 20];

/* 1 when streaming in at the cuts gives the reference's bytes. */
static int same(const char *in, size_t n, const size_t *cuts, size_t ncuts, unsigned flags,
		uint64_t skip, uint64_t want, int end, size_t prefill)
{
	size_t w = reference(in, n, flags, skip, want, end, want_buf);
	size_t g = stream(in, n, cuts, ncuts, flags, skip, want, end, prefill, got_buf,
			  sizeof got_buf);

	if (g != w || memcmp(want_buf, got_buf, w) != 0) {
		fprintf(stderr, "  differs: input %zu bytes, flags %u, window %llu+%llu, end %d, "
			"prefill %zu, %zu cuts (first %zu): want %zu got %zu\n", n, flags,
			(unsigned long long)skip, (unsigned long long)want, end, prefill, ncuts,
			ncuts > 0 ? cuts[0] : 0, w, g);
		return 0;
	}
	return 1;
}

static const char *const tricky[] = {
	"", "\n", "\r", "\r\n", "\n\n", "\r\r\n", "\n\r", ".", ".\n", "..\n", "\n.\n",
	"a\nb\r\nc", "line one\nline two\r\n.dot\n..two\n.\r\n.", "\r\n.\r\n",
	"a\rb\rc\r", "\r\r\r\n\n\r", "x\0y\n\0\n.\0", "From: a\n\nbody\n.\n\n.end",
	"no final newline", "CRLF only\r\nhere\r\n", "mixed\r\nends\nhere\r\n\n",
};

static void test_every_split(void)
{
	static const unsigned flagset[] = { 0, CRLF_DOTSTUFF, CRLF_NUL_80,
					    CRLF_DOTSTUFF | CRLF_NUL_80 };
	int ok = 1;

	test_begin("every split into two and three chunks equals the reference");
	for (size_t t = 0; t < sizeof tricky / sizeof tricky[0]; t++) {
		const char *in = tricky[t];
		size_t n = t == 16 ? 8 : strlen(in);	/* the one with NULs */
		for (size_t f = 0; f < 4; f++)
			for (int end = 0; end < 2; end++)
				for (size_t a = 0; a <= n; a++) {
					size_t cuts[2] = { a, 0 };
					ok &= same(in, n, cuts, 1, flagset[f], 0, UINT64_MAX,
						   end, 0);
					for (size_t b = a; b <= n; b++) {
						cuts[1] = b;
						ok &= same(in, n, cuts, 2, flagset[f], 0,
							   UINT64_MAX, end, 0);
					}
				}
	}
	test_assert(ok);
	test_end();
}

static void test_byte_at_a_time(void)
{
	static size_t cuts[64];
	int ok = 1;

	test_begin("one byte at a time equals the reference");
	for (size_t t = 0; t < sizeof tricky / sizeof tricky[0]; t++) {
		size_t n = t == 16 ? 8 : strlen(tricky[t]);
		for (size_t i = 0; i < n; i++)
			cuts[i] = i + 1;
		ok &= same(tricky[t], n, cuts, n, CRLF_DOTSTUFF, 0, UINT64_MAX, 1, 0);
		ok &= same(tricky[t], n, cuts, n, CRLF_NUL_80, 0, UINT64_MAX, 0, 0);
	}
	test_assert(ok);
	test_end();
}

static void test_windows(void)
{
	const char *in = "ab\ncd\r\n\nef\0\n.g\rh\n";
	size_t n = 18;
	int ok = 1;

	test_begin("windows of output octets: every start and length, every split");
	for (uint64_t skip = 0; skip <= 26; skip++)
		for (uint64_t want = 0; want <= 26; want++)
			for (size_t a = 0; a <= n; a++) {
				size_t cuts[1] = { a };
				ok &= same(in, n, cuts, 1, CRLF_NUL_80, skip, want, 0, 0);
				ok &= same(in, n, cuts, 1, CRLF_DOTSTUFF, skip, want, 1, 0);
			}
	test_assert(ok);
	test_end();
}

static void test_concrete(void)
{
	const size_t none[1] = { 0 };
	size_t g;

	test_begin("concrete bytes: CR LF kept, bare LF doubled, dots stuffed, CR at a cut");
	g = stream("a\nb\r\n.c\n", 8, none, 0, CRLF_DOTSTUFF, 0, UINT64_MAX, 1, 0, got_buf,
		   sizeof got_buf);
	test_assert(g == 11 && memcmp(got_buf, "a\r\nb\r\n..c\r\n", 11) == 0);
	{
		const size_t cut[1] = { 2 };
		g = stream("x\r\ny", 4, cut, 1, 0, 0, UINT64_MAX, 1, 0, got_buf, sizeof got_buf);
		test_assert(g == 6 && memcmp(got_buf, "x\r\ny\r\n", 6) == 0);
	}
	g = stream("abc\r", 4, none, 0, 0, 0, UINT64_MAX, 1, 0, got_buf, sizeof got_buf);
	test_assert(g == 6 && memcmp(got_buf, "abc\r\r\n", 6) == 0);
	g = stream("a\nb\n", 4, none, 0, 0, 2, 3, 0, 0, got_buf, sizeof got_buf);
	test_assert(g == 3 && memcmp(got_buf, "\nb\r", 3) == 0);
	test_end();
}

/* Lines longer than the writer's buffer, and a buffer already nearly full: the flush
 * and write-through paths. */
static void test_long_lines(void)
{
	static char in[3 * OUT_BUF];
	static const size_t prefills[] = { 0, 1, OUT_BUF - 3, OUT_BUF - 2, OUT_BUF - 1 };
	size_t n = sizeof in;
	int ok = 1;

	test_begin("long lines and a nearly full buffer");
	for (size_t i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	in[0] = '.';
	in[OUT_BUF + 5] = '\n';
	in[OUT_BUF + 6] = '.';
	in[OUT_BUF + 7] = '\r';
	in[OUT_BUF + 8] = '\n';
	in[2 * OUT_BUF] = '\r';
	in[2 * OUT_BUF + 1] = '\n';
	in[2 * OUT_BUF + 2] = '\n';
	for (size_t p = 0; p < sizeof prefills / sizeof prefills[0]; p++) {
		static const size_t cutset[][2] = {
			{ 1, 2 }, { OUT_BUF - 2, OUT_BUF }, { OUT_BUF + 6, OUT_BUF + 8 },
			{ 2 * OUT_BUF + 1, 2 * OUT_BUF + 2 }, { 0, 3 * OUT_BUF },
		};
		for (size_t c = 0; c < sizeof cutset / sizeof cutset[0]; c++) {
			ok &= same(in, n, cutset[c], 2, CRLF_DOTSTUFF, 0, UINT64_MAX, 1,
				   prefills[p]);
			ok &= same(in, n, cutset[c], 2, CRLF_NUL_80, 3, 2 * OUT_BUF, 0,
				   prefills[p]);
		}
		/* Many short lines across the buffer's end. */
		static char lines[4 * OUT_BUF];
		for (size_t i = 0; i < sizeof lines; i++)
			lines[i] = i % 7 == 6 ? '\n' : i % 7 == 0 ? '.' : 'x';
		const size_t cuts[2] = { OUT_BUF / 2 + 3, 3 * OUT_BUF + 1 };
		ok &= same(lines, sizeof lines, cuts, 2, CRLF_DOTSTUFF, 0, UINT64_MAX, 1,
			   prefills[p]);
	}
	test_assert(ok);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_concrete, test_every_split, test_byte_at_a_time, test_windows,
		test_long_lines, NULL,
	};

	sink = tmpfile();
	if (sink == NULL) {
		perror("tmpfile");
		return 1;
	}
	return test_run(tests);
}
