/* Unit tests for lib/line.c: byte-at-a-time input, limits and resynchronisation after
 * over-long lines, terminators, end of input, reads over pipes with a deadline, and
 * raw reads that mix read-ahead and fd bytes. */
#include "io.h"
#include "line.h"
#include "test.h"

#include <errno.h>
#include <unistd.h>

static struct line_reader rd;	/* 16 KiB: static rather than on the stack */

/* Push all of s (taking lines out is the caller's job; s must fit the read-ahead). */
static void push(struct line_reader *r, const char *s, size_t n)
{
	if (line_push(r, s, n) != n)
		abort();
}

/* push() of a string literal, NUL bytes inside included. */
#define PUSH(lit) push(&rd, (lit), sizeof(lit) - 1)

static void test_byte_at_a_time(void)
{
	static const char in[] = "a1 NOOP\r\nb2 LOGOUT\n";
	char buf[64];
	size_t len = 0, i, lines = 0;
	int rc;

	test_begin("line_push one byte at a time: LINE_MORE until the LF");
	line_init(&rd, -1, -1);
	test_assert(line_take(&rd, buf, sizeof buf, &len) == LINE_MORE);
	for (i = 0; i < sizeof in - 1; i++) {
		test_assert(line_push(&rd, in + i, 1) == 1);
		rc = line_take(&rd, buf, sizeof buf, &len);
		if (in[i] != '\n') {
			test_assert(rc == LINE_MORE);
			continue;
		}
		test_assert(rc == 1);
		lines++;
		if (lines == 1) {
			test_assert(len == 9);
			test_assert_str(buf, "a1 NOOP\r\n");
		} else {
			test_assert(len == 10);
			test_assert_str(buf, "b2 LOGOUT\n");
		}
	}
	test_assert(lines == 2);
	test_assert(line_buffered(&rd) == 0);
	test_assert(line_take(&rd, buf, sizeof buf, &len) == LINE_MORE);
	test_end();
}

/* Feed s byte by byte into a reader with a 16-byte buffer; the result at the LF. */
static int feed_slowly(const char *s, char *buf, size_t *len)
{
	int rc = LINE_MORE;

	for (; *s != '\0'; s++) {
		push(&rd, s, 1);
		rc = line_take(&rd, buf, 16, len);
		if (*s != '\n' && rc != LINE_MORE)
			return 99;
	}
	return rc;
}

static void test_limits(void)
{
	char buf[16];
	size_t len = 0;

	test_begin("max - 1 bytes with the LF fit; one more is ERANGE; stream stays in sync");
	line_init(&rd, -1, -1);
	PUSH("12345678901234\n");	/* 15 = max - 1 */
	test_assert(line_take(&rd, buf, sizeof buf, &len) == 1);
	test_assert(len == 15 && buf[15] == '\0');
	PUSH("123456789012345\nok\n");	/* 16: one over */
	errno = 0;
	test_assert(line_take(&rd, buf, sizeof buf, &len) == -1 && errno == ERANGE);
	test_assert(line_take(&rd, buf, sizeof buf, &len) == 1);
	test_assert_str(buf, "ok\n");
	PUSH("1234567890123\r\n");	/* CRLF at the limit */
	test_assert(line_take(&rd, buf, sizeof buf, &len) == 1 && len == 15);
	PUSH("12345678901234\r\n");	/* the CR fits, its LF does not */
	errno = 0;
	test_assert(line_take(&rd, buf, sizeof buf, &len) == -1 && errno == ERANGE);
	test_assert(line_take(&rd, buf, sizeof buf, &len) == LINE_MORE);

	/* The same cut points, arriving one byte at a time (the partial-line path). */
	test_assert(feed_slowly("12345678901234\n", buf, &len) == 1);
	test_assert(len == 15 && strcmp(buf, "12345678901234\n") == 0);
	errno = 0;
	test_assert(feed_slowly("123456789012345\n", buf, &len) == -1 && errno == ERANGE);
	test_assert(feed_slowly("next\n", buf, &len) == 1);
	test_assert_str(buf, "next\n");
	test_end();
}

static void test_very_long(void)
{
	static char junk[4096];
	char buf[16];
	size_t len = 0, i;

	test_begin("a line many KB over the limit: LINE_MORE while discarding, then ERANGE");
	memset(junk, 'x', sizeof junk);
	line_init(&rd, -1, -1);
	PUSH("first\n");
	test_assert(line_take(&rd, buf, sizeof buf, &len) == 1);
	for (i = 0; i < 100; i++) {	/* 400 KiB, far past the 16 KiB read-ahead */
		push(&rd, junk, sizeof junk);
		test_assert(line_take(&rd, buf, sizeof buf, &len) == LINE_MORE);
		test_assert(rd.discarding);
	}
	PUSH("xx\r\nA1 NOOP\r\n");
	errno = 0;
	test_assert(line_take(&rd, buf, sizeof buf, &len) == -1 && errno == ERANGE);
	test_assert(!rd.discarding);
	test_assert(line_take(&rd, buf, sizeof buf, &len) == 1);
	test_assert_str(buf, "A1 NOOP\r\n");
	test_assert(line_take(&rd, buf, sizeof buf, &len) == LINE_MORE);
	test_end();
}

static void test_terminators(void)
{
	char buf[32];
	size_t len = 0;

	test_begin("CRLF, bare LF and bare CR; line_chomp says which");
	line_init(&rd, -1, -1);
	PUSH("a\rb\r\na\rb\nabc\r\r\n\r\n\n");
	test_assert(line_take(&rd, buf, sizeof buf, &len) == 1 && len == 5);
	test_assert(line_chomp(buf, &len) == 2);
	test_assert(len == 3 && strcmp(buf, "a\rb") == 0);
	test_assert(line_take(&rd, buf, sizeof buf, &len) == 1 && len == 4);
	test_assert(line_chomp(buf, &len) == 1);
	test_assert(len == 3 && strcmp(buf, "a\rb") == 0);
	test_assert(line_take(&rd, buf, sizeof buf, &len) == 1 && len == 6);
	test_assert(line_chomp(buf, &len) == 2);
	test_assert(len == 4 && strcmp(buf, "abc\r") == 0);
	test_assert(line_take(&rd, buf, sizeof buf, &len) == 1 && len == 2);
	test_assert(line_chomp(buf, &len) == 2 && len == 0 && buf[0] == '\0');
	test_assert(line_take(&rd, buf, sizeof buf, &len) == 1 && len == 1);
	test_assert(line_chomp(buf, &len) == 1 && len == 0);
	len = 3;
	memcpy(buf, "a\rb", 4);
	test_assert(line_chomp(buf, &len) == 0 && len == 3);
	len = 1;
	memcpy(buf, "\r", 2);
	test_assert(line_chomp(buf, &len) == 0 && len == 1);
	len = 0;
	test_assert(line_chomp(buf, &len) == 0 && buf[0] == '\0');
	/* The NUL byte is data: only the length tells where the line ends. */
	PUSH("a\0b\n");
	test_assert(line_take(&rd, buf, sizeof buf, &len) == 1 && len == 4);
	test_assert(buf[1] == '\0' && buf[2] == 'b');
	test_end();
}

static void test_tiny_max(void)
{
	char buf[2];
	size_t len = 0;

	test_begin("max 0 is EINVAL; max 1 turns every line into ERANGE, in sync");
	line_init(&rd, -1, -1);
	PUSH("\nab\n");
	errno = 0;
	test_assert(line_take(&rd, buf, 0, &len) == -1 && errno == EINVAL);
	errno = 0;
	test_assert(line_take(&rd, buf, 1, &len) == -1 && errno == ERANGE);
	errno = 0;
	test_assert(line_take(&rd, buf, 1, &len) == -1 && errno == ERANGE);
	test_assert(line_take(&rd, buf, 1, &len) == LINE_MORE);
	PUSH("\n");
	test_assert(line_take(&rd, buf, 2, &len) == 1 && len == 1);
	test_end();
}

static void test_push_full(void)
{
	static char data[LINE_INBUF + 100];
	char buf[64];
	size_t len = 0, n, i, got = 0;

	test_begin("line_push takes what fits; compaction makes room after lines are taken");
	for (i = 0; i < sizeof data; i++)
		data[i] = i % 8 == 7 ? '\n' : 'a';
	line_init(&rd, -1, -1);
	n = line_push(&rd, data, sizeof data);
	test_assert(n == LINE_INBUF);
	test_assert(line_push(&rd, data + n, 1) == 0);
	test_assert(line_buffered(&rd) == LINE_INBUF);
	test_assert(line_take(&rd, buf, sizeof buf, &len) == 1 && len == 8);
	got++;
	test_assert(line_push(&rd, data + n, sizeof data - n) == 8);
	n += 8;
	while (line_take(&rd, buf, sizeof buf, &len) == 1)
		got++;
	test_assert(line_push(&rd, data + n, sizeof data - n) == sizeof data - n);
	while (line_take(&rd, buf, sizeof buf, &len) == 1)
		got++;
	test_assert(got == sizeof data / 8);
	test_assert(line_buffered(&rd) == 0);
	test_end();
}

static void test_pipe_eof(void)
{
	static char big[40000];
	static char buf[65536];
	int p[2];
	size_t len = 0;

	test_begin("line_read over a pipe: lines longer than the read-ahead, EOF mid-line");
	test_assert(pipe(p) == 0);
	memset(big, 'y', sizeof big);
	big[sizeof big - 2] = '\r';
	big[sizeof big - 1] = '\n';
	test_assert(write(p[1], "one\r\n", 5) == 5);
	test_assert(write(p[1], big, sizeof big) == (ssize_t)sizeof big);
	test_assert(write(p[1], "two\r\nthree", 10) == 10);
	close(p[1]);
	line_init(&rd, p[0], 1000);
	test_assert(line_read(&rd, buf, sizeof buf, &len) == 1);
	test_assert_str(buf, "one\r\n");
	test_assert(line_read(&rd, buf, sizeof buf, &len) == 1);
	test_assert(len == sizeof big && memcmp(buf, big, sizeof big) == 0);
	test_assert(buf[len] == '\0');
	test_assert(line_read(&rd, buf, sizeof buf, &len) == 1);
	test_assert_str(buf, "two\r\n");
	test_assert(!rd.partial_eof);
	test_assert(line_read(&rd, buf, sizeof buf, &len) == 0);
	test_assert(rd.partial_eof);
	test_assert(line_read(&rd, buf, sizeof buf, &len) == 0);
	close(p[0]);

	test_assert(pipe(p) == 0);
	test_assert(write(p[1], "end\n", 4) == 4);
	close(p[1]);
	line_init(&rd, p[0], -1);
	test_assert(line_read(&rd, buf, sizeof buf, &len) == 1);
	test_assert(line_read(&rd, buf, sizeof buf, &len) == 0);
	test_assert(!rd.partial_eof);
	close(p[0]);

	/* A push-only reader ends where its pushed input ends. */
	line_init(&rd, -1, -1);
	PUSH("x\ny");
	test_assert(line_read(&rd, buf, sizeof buf, &len) == 1 && len == 2);
	test_assert(line_read(&rd, buf, sizeof buf, &len) == 0 && rd.partial_eof);
	test_end();
}

static void test_deadline(void)
{
	char buf[64];
	size_t len = 0;
	int p[2];
	long long t0, dt;

	test_begin("line_read: ETIMEDOUT when nobody writes; the partial line survives");
	test_assert(pipe(p) == 0);
	line_init(&rd, p[0], 100);
	t0 = io_now_ms();
	errno = 0;
	test_assert(line_read(&rd, buf, sizeof buf, &len) == -1 && errno == ETIMEDOUT);
	dt = io_now_ms() - t0;
	test_assert(dt >= 90 && dt < 2000);
	test_assert(write(p[1], "par", 3) == 3);
	errno = 0;
	test_assert(line_read(&rd, buf, sizeof buf, &len) == -1 && errno == ETIMEDOUT);
	test_assert(write(p[1], "tial\r\n", 6) == 6);
	test_assert(line_read(&rd, buf, sizeof buf, &len) == 1);
	test_assert_str(buf, "partial\r\n");
	close(p[1]);
	close(p[0]);
	test_end();
}

static void test_raw(void)
{
	char buf[64], raw[64];
	size_t len = 0;
	int p[2];

	test_begin("line_read_raw serves read-ahead bytes first, then the fd");
	test_assert(pipe(p) == 0);
	test_assert(write(p[1], "A1 APPEND {5}\r\nhel", 18) == 18);
	line_init(&rd, p[0], 1000);
	test_assert(line_read(&rd, buf, sizeof buf, &len) == 1);
	test_assert_str(buf, "A1 APPEND {5}\r\n");
	test_assert(line_buffered(&rd) == 3);
	test_assert(line_read_raw(&rd, raw, 5) == 3);	/* only what was buffered */
	test_assert(memcmp(raw, "hel", 3) == 0);
	test_assert(line_buffered(&rd) == 0);
	test_assert(write(p[1], "lo\r\nA2 NOOP\r\n", 13) == 13);
	test_assert(line_read_raw(&rd, raw, 2) == 2);	/* from the fd, no read-ahead */
	test_assert(memcmp(raw, "lo", 2) == 0);
	test_assert(line_read(&rd, buf, sizeof buf, &len) == 1);
	test_assert_str(buf, "\r\n");
	test_assert(line_buffered(&rd) == 9);
	test_assert(line_read_raw(&rd, raw, 2) == 2);
	test_assert(memcmp(raw, "A2", 2) == 0);
	test_assert(line_read(&rd, buf, sizeof buf, &len) == 1);
	test_assert_str(buf, " NOOP\r\n");
	errno = 0;
	test_assert(line_read_raw(&rd, raw, sizeof raw) == -1 && errno == ETIMEDOUT);
	test_assert(line_read_raw(&rd, raw, 0) == 0);
	close(p[1]);
	test_assert(line_read_raw(&rd, raw, sizeof raw) == 0);
	close(p[0]);

	line_init(&rd, -1, -1);
	PUSH("xyz");
	test_assert(line_read_raw(&rd, raw, sizeof raw) == 3);
	test_assert(line_read_raw(&rd, raw, sizeof raw) == 0);
	test_end();
}

/* A file whose last line has no LF: line_read ends, and leaves that line in buf. */
static void test_partial_last_line(void)
{
	struct line_reader r;
	char buf[16];
	size_t len;

	test_begin("a last line without LF is left in the buffer at EOF");
	line_init(&r, -1, -1);
	line_push(&r, "abc\ndef", 7);
	test_assert(line_read(&r, buf, sizeof buf, &len) == 1 && len == 4);
	test_assert(line_read(&r, buf, sizeof buf, &len) == 0);
	test_assert(r.partial_eof == 1 && r.partial_len == 3);
	test_assert_str(buf, "def");
	/* An over-long partial line is not offered. */
	line_init(&r, -1, -1);
	line_push(&r, "0123456789abcdefghij", 20);
	test_assert(line_read(&r, buf, sizeof buf, &len) == 0);
	test_assert(r.partial_eof == 1 && r.partial_len == 0);
	/* A clean end offers nothing. */
	line_init(&r, -1, -1);
	line_push(&r, "x\n", 2);
	test_assert(line_read(&r, buf, sizeof buf, &len) == 1);
	test_assert(line_read(&r, buf, sizeof buf, &len) == 0);
	test_assert(r.partial_eof == 0 && r.partial_len == 0);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_partial_last_line,
		test_byte_at_a_time,
		test_limits,
		test_very_long,
		test_terminators,
		test_tiny_max,
		test_push_full,
		test_pipe_eof,
		test_deadline,
		test_raw,
		NULL,
	};

	return test_run(tests);
}
