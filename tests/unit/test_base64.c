/* lib/base64: RFC 4648 test vectors, and the strictness RFC 5034 section 4 demands. */
#include "base64.h"
#include "test.h"

#include <errno.h>
#include <string.h>

static int dec(const char *in, char *out, size_t outsz, size_t *n)
{
	return base64_decode(in, strlen(in), (unsigned char *)out, outsz, n);
}

static void test_vectors(void)
{
	/* RFC 4648 section 10. */
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					   "Zm9vYmFy" };
	char e[16], d[16];
	size_t n;

	test_begin("base64 RFC 4648 vectors");
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		test_assert(base64_encode(plain[i], strlen(plain[i]), e, sizeof e) ==
			    (long)strlen(enc[i]));
		test_assert_str(e, enc[i]);
		test_assert(dec(enc[i], d, sizeof d, &n) == 0);
		test_assert(n == strlen(plain[i]) && memcmp(d, plain[i], n) == 0);
	}
	test_end();
}

static void test_strict(void)
{
	static const char *const bad[] = { "=AAA", "AAA=BBBB", "Zg=", "Zg", "Zm9v!", "Zm 9v",
					   "Zh==", "Zm9=", "Z===", "Zg==Zg==", "Zm9v\n" };
	char d[16];
	size_t n;

	test_begin("base64 rejects what RFC 5034 says to reject");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		test_assert(dec(bad[i], d, sizeof d, &n) == -1 && errno == EINVAL);
	}
	test_end();
}

static void test_bounds(void)
{
	char d[3], e[5];
	size_t n;

	test_begin("base64 output bounds");
	test_assert(dec("Zm9vYg==", d, sizeof d, &n) == -1 && errno == ERANGE);
	test_assert(dec("Zm9v", d, sizeof d, &n) == 0 && n == 3);
	test_assert(base64_encode("foob", 4, e, sizeof e) == -1 && errno == ERANGE);
	test_assert(base64_encode("\0\377\376", 3, e, sizeof e) == 4);
	test_assert_str(e, "AP/+");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_vectors, test_strict, test_bounds, NULL };
	return test_run(tests);
}
