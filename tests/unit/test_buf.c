/* Unit tests for lib/buf.c: the hard maximum, printf appends, reset and free. */
#include "buf.h"
#include "test.h"

#include <errno.h>

static void test_append_and_max(void)
{
	struct buf b;

	test_begin("buf append up to max, E2BIG past it, buffer unchanged");
	buf_init(&b, 10);
	test_assert(b.s == NULL);
	test_assert_str(buf_str(&b), "");
	test_assert(buf_puts(&b, "hello") == 0);
	test_assert(buf_putc(&b, ' ') == 0);
	test_assert(b.len == 6);
	errno = 0;
	test_assert(buf_puts(&b, "world") == -1);
	test_assert(errno == E2BIG);
	test_assert(b.len == 6);
	test_assert_str(buf_str(&b), "hello ");
	test_assert(buf_append(&b, "abcd", 4) == 0);	/* exactly max */
	test_assert(b.len == 10);
	test_assert_str(buf_str(&b), "hello abcd");
	errno = 0;
	test_assert(buf_putc(&b, 'x') == -1);
	test_assert(errno == E2BIG);
	test_assert(buf_append(&b, "", 0) == 0);
	test_assert_str(buf_str(&b), "hello abcd");
	test_assert(b.cap <= 11);	/* never allocates past what max can use */
	buf_free(&b);
	test_assert(b.s == NULL && b.len == 0 && b.max == 10);
	test_end();
}

static void test_binary(void)
{
	struct buf b;

	test_begin("buf holds NUL bytes and grows across many appends");
	buf_init(&b, 100000);
	test_assert(buf_append(&b, "a\0b", 3) == 0);
	test_assert(b.len == 3 && b.s[1] == '\0' && b.s[2] == 'b' && b.s[3] == '\0');
	for (int i = 0; i < 9999; i++)
		test_assert(buf_append(&b, "0123456789", 10) == 0);
	test_assert(b.len == 3 + 99990);
	errno = 0;
	test_assert(buf_append(&b, "0123456789", 10) == -1 && errno == E2BIG);
	test_assert(b.len == 3 + 99990);
	test_assert(b.s[b.len] == '\0' && b.s[b.len - 1] == '9');
	buf_free(&b);
	test_end();
}

static void test_printf(void)
{
	struct buf b;

	test_begin("buf_printf appends, grows, and respects max");
	buf_init(&b, 20);
	test_assert(buf_printf(&b, "%d-%s", 42, "x") == 0);
	test_assert_str(buf_str(&b), "42-x");
	test_assert(buf_printf(&b, "%s", "") == 0);
	test_assert(b.len == 4);
	errno = 0;
	test_assert(buf_printf(&b, "%s", "0123456789abcdefg") == -1);	/* 4 + 17 > 20 */
	test_assert(errno == E2BIG);
	test_assert_str(buf_str(&b), "42-x");
	test_assert(buf_printf(&b, "%s", "0123456789abcdef") == 0);	/* exactly 20 */
	test_assert_str(buf_str(&b), "42-x0123456789abcdef");
	buf_free(&b);

	/* Once memory is there, an over-max result must be undone, not kept. */
	buf_init(&b, 5);
	test_assert(buf_reserve(&b, 5) == 0);
	test_assert(buf_puts(&b, "ab") == 0);
	errno = 0;
	test_assert(buf_printf(&b, "%s", "cdef") == -1 && errno == E2BIG);
	test_assert_str(buf_str(&b), "ab");
	test_assert(b.len == 2);
	buf_free(&b);

	/* A long first printf goes through the second, sized attempt. */
	buf_init(&b, 1000);
	test_assert(buf_printf(&b, "%0300d", 7) == 0);
	test_assert(b.len == 300 && b.s[299] == '7' && b.s[0] == '0');
	buf_free(&b);
	test_end();
}

static void test_reserve_reset(void)
{
	struct buf b;
	char *before;

	test_begin("buf_reserve and buf_reset keep memory and len rules");
	buf_init(&b, 64);
	test_assert(buf_reserve(&b, 64) == 0);
	test_assert(b.len == 0 && b.cap >= 65);
	test_assert_str(buf_str(&b), "");
	errno = 0;
	test_assert(buf_reserve(&b, 65) == -1 && errno == E2BIG);
	test_assert(buf_puts(&b, "data") == 0);
	before = b.s;
	buf_reset(&b);
	test_assert(b.len == 0 && b.s == before);
	test_assert_str(buf_str(&b), "");
	test_assert(buf_puts(&b, "again") == 0);
	test_assert_str(buf_str(&b), "again");
	buf_free(&b);
	buf_reset(&b);	/* on a freed buffer: harmless */
	test_assert_str(buf_str(&b), "");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_append_and_max,
		test_binary,
		test_printf,
		test_reserve_reset,
		NULL,
	};

	return test_run(tests);
}
