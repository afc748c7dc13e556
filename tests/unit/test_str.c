/* Unit tests for lib/str.c: number parsing limits and strlcpy/strlcat truncation. */
#include "str.h"
#include "test.h"

#include <errno.h>

static void test_u64(void)
{
	uint64_t v = 7;

	test_begin("str_to_u64 accepts digits within max");
	test_assert(str_to_u64("0", 1, 10, &v) == 0 && v == 0);
	test_assert(str_to_u64("10", 2, 10, &v) == 0 && v == 10);
	test_assert(str_to_u64("123xyz", 3, UINT64_MAX, &v) == 0 && v == 123);
	test_assert(str_to_u64z("007", 100, &v) == 0 && v == 7);
	test_assert(str_to_u64z("18446744073709551615", UINT64_MAX, &v) == 0);
	test_assert(v == UINT64_MAX);
	test_assert(str_to_u64z("4294967295", 4294967295u, &v) == 0 && v == 4294967295u);
	test_end();
}

static void test_u64_errors(void)
{
	uint64_t v = 7;

	test_begin("str_to_u64 rejects empty, signs, spaces (EINVAL) and overflow (ERANGE)");
	errno = 0;
	test_assert(str_to_u64("", 0, 10, &v) == -1 && errno == EINVAL);
	errno = 0;
	test_assert(str_to_u64z("", 10, &v) == -1 && errno == EINVAL);
	errno = 0;
	test_assert(str_to_u64z("-1", UINT64_MAX, &v) == -1 && errno == EINVAL);
	errno = 0;
	test_assert(str_to_u64z("+1", UINT64_MAX, &v) == -1 && errno == EINVAL);
	errno = 0;
	test_assert(str_to_u64z(" 1", UINT64_MAX, &v) == -1 && errno == EINVAL);
	errno = 0;
	test_assert(str_to_u64z("1 ", UINT64_MAX, &v) == -1 && errno == EINVAL);
	errno = 0;
	test_assert(str_to_u64("1\0", 2, UINT64_MAX, &v) == -1 && errno == EINVAL);
	errno = 0;
	test_assert(str_to_u64z("11", 10, &v) == -1 && errno == ERANGE);
	errno = 0;
	test_assert(str_to_u64z("4294967296", 4294967295u, &v) == -1 && errno == ERANGE);
	errno = 0;
	test_assert(str_to_u64z("18446744073709551616", UINT64_MAX, &v) == -1);
	test_assert(errno == ERANGE);
	errno = 0;
	test_assert(str_to_u64z("99999999999999999999999999", UINT64_MAX, &v) == -1);
	test_assert(errno == ERANGE);
	/* A non-digit anywhere wins over overflow: it is not a number at all. */
	errno = 0;
	test_assert(str_to_u64z("99999999999999999999999999x", UINT64_MAX, &v) == -1);
	test_assert(errno == EINVAL);
	test_assert(v == 7);	/* untouched on every error */
	test_end();
}

static void test_lcpy_lcat(void)
{
	char d[8];

	test_begin("str_lcpy/str_lcat truncate, terminate and report the wanted length");
	test_assert(str_lcpy(d, "abc", sizeof d) == 3);
	test_assert_str(d, "abc");
	test_assert(str_lcpy(d, "0123456789", sizeof d) == 10);
	test_assert_str(d, "0123456");
	test_assert(str_lcpy(d, "1234567", sizeof d) == 7);	/* exactly fits */
	test_assert_str(d, "1234567");
	d[0] = 'z';
	test_assert(str_lcpy(d, "abc", 0) == 3);
	test_assert(d[0] == 'z');
	test_assert(str_lcpy(d, "abc", 1) == 3);
	test_assert_str(d, "");

	str_lcpy(d, "ab", sizeof d);
	test_assert(str_lcat(d, "cd", sizeof d) == 4);
	test_assert_str(d, "abcd");
	test_assert(str_lcat(d, "efghij", sizeof d) == 10);
	test_assert_str(d, "abcdefg");
	test_assert(str_lcat(d, "x", sizeof d) == 8);
	test_assert_str(d, "abcdefg");
	test_assert(str_lcat(d, "xy", 3) == 3 + 2);	/* size smaller than dst's length */
	test_assert_str(d, "abcdefg");
	test_end();
}

static void test_prefix(void)
{
	test_begin("str_has_prefix_ci is ASCII case-insensitive");
	test_assert(str_has_prefix_ci("AUTH PLAIN", "auth "));
	test_assert(str_has_prefix_ci("mail from:<a>", "MAIL FROM:"));
	test_assert(str_has_prefix_ci("x", ""));
	test_assert(!str_has_prefix_ci("AUT", "auth"));
	test_assert(!str_has_prefix_ci("", "a"));
	test_assert(!str_has_prefix_ci("AUTX", "auth"));
	test_assert(!str_has_prefix_ci("\xc4\xb0", "\xc4\xb1"));
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_u64,
		test_u64_errors,
		test_lcpy_lcat,
		test_prefix,
		NULL,
	};

	return test_run(tests);
}
