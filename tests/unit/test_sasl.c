/* lib/sasl and lib/wipe: RFC 4616 PLAIN messages, AUTH LOGIN fields, and the outputs
 * left empty on every refusal. */
#include "base64.h"
#include "sasl.h"
#include "test.h"
#include "wipe.h"

#include <string.h>

/* The base64 of n bytes of msg into out (static: one at a time). */
static const char *b64(const char *msg, size_t n)
{
	static char out[BASE64_ENCODED_SIZE(2 * SASL_MSG_MAX)];

	if (base64_encode(msg, n, out, sizeof out) < 0)
		return "";
	return out;
}

static enum sasl_result plain(const char *msg, size_t n, char *u, char *p)
{
	const char *e = b64(msg, n);
	return sasl_plain_decode(e, strlen(e), u, p);
}

static void test_plain_ok(void)
{
	char u[SASL_FIELD_MAX + 1], p[SASL_FIELD_MAX + 1];

	test_begin("sasl PLAIN: with and without authzid");
	test_assert(plain("\0alice\0secret", 13, u, p) == SASL_OK);
	test_assert_str(u, "alice");
	test_assert_str(p, "secret");
	test_assert(plain("alice\0alice\0pass word", 21, u, p) == SASL_OK);
	test_assert_str(u, "alice");
	test_assert_str(p, "pass word");
	test_end();
}

static void test_plain_bad(void)
{
	static const struct { const char *m; size_t n; enum sasl_result r; } bad[] = {
		{ "", 0, SASL_BAD_MESSAGE },
		{ "alice", 5, SASL_BAD_MESSAGE },
		{ "\0alice", 6, SASL_BAD_MESSAGE },
		{ "\0alice\0", 7, SASL_BAD_MESSAGE },		/* empty password */
		{ "\0\0secret", 8, SASL_BAD_MESSAGE },		/* empty user */
		{ "\0alice\0sec\0ret", 14, SASL_BAD_MESSAGE },	/* NUL in the password */
		{ "bob\0alice\0secret", 16, SASL_BAD_AUTHZID },
		{ "alicX\0alice\0secret", 18, SASL_BAD_AUTHZID },
		{ "ali\0alice\0secret", 16, SASL_BAD_AUTHZID },
	};
	char u[SASL_FIELD_MAX + 1], p[SASL_FIELD_MAX + 1];

	test_begin("sasl PLAIN: malformed messages, outputs left empty");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		strcpy(u, "x");
		strcpy(p, "x");
		test_assert(plain(bad[i].m, bad[i].n, u, p) == bad[i].r);
		test_assert(u[0] == '\0' && p[0] == '\0');
	}
	test_assert(sasl_plain_decode("AGFsaWNlAHNlY3JldA=", 19, u, p) == SASL_BAD_BASE64);
	test_assert(sasl_plain_decode("AGFsaWNlAHNlY3J!dA==", 20, u, p) == SASL_BAD_BASE64);
	test_assert(u[0] == '\0' && p[0] == '\0');
	test_end();
}

static void test_plain_limits(void)
{
	char msg[2 * SASL_MSG_MAX], u[SASL_FIELD_MAX + 1], p[SASL_FIELD_MAX + 1];
	char big[SASL_B64_MAX + 8];

	test_begin("sasl PLAIN: 255-octet fields, no more (RFC 4616)");
	memset(msg, 'a', sizeof msg);
	msg[0] = '\0';
	msg[1 + SASL_FIELD_MAX] = '\0';
	test_assert(plain(msg, 2 + 2 * SASL_FIELD_MAX, u, p) == SASL_OK);
	test_assert(strlen(u) == SASL_FIELD_MAX && strlen(p) == SASL_FIELD_MAX);
	test_assert(plain(msg, 3 + 2 * SASL_FIELD_MAX, u, p) == SASL_BAD_MESSAGE);
	msg[1 + SASL_FIELD_MAX] = 'a';
	msg[2 + SASL_FIELD_MAX] = '\0';
	test_assert(plain(msg, 3 + 2 * SASL_FIELD_MAX, u, p) == SASL_BAD_MESSAGE);
	memset(big, 'A', sizeof big);
	test_assert(sasl_plain_decode(big, SASL_B64_MAX + 4, u, p) == SASL_BAD_MESSAGE);
	test_end();
}

static void test_field(void)
{
	char f[SASL_FIELD_MAX + 1];

	test_begin("sasl LOGIN fields");
	test_assert(sasl_field_decode("YWxpY2U=", 8, f) == SASL_OK);
	test_assert_str(f, "alice");
	test_assert(sasl_field_decode("", 0, f) == SASL_BAD_MESSAGE && f[0] == '\0');
	test_assert(sasl_field_decode("YQBi", 4, f) == SASL_BAD_MESSAGE && f[0] == '\0');
	test_assert(sasl_field_decode("YWxpY2U", 7, f) == SASL_BAD_BASE64 && f[0] == '\0');
	test_end();
}

static void test_wipe(void)
{
	char s[16] = "secret password";

	test_begin("wipe zeroes every byte, and nothing with n 0");
	wipe(s, 6);
	test_assert(memcmp(s, "\0\0\0\0\0\0 password", 16) == 0);
	wipe(s, sizeof s);
	for (size_t i = 0; i < sizeof s; i++)
		test_assert(s[i] == '\0');
	wipe(NULL, 0);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_plain_ok, test_plain_bad, test_plain_limits,
					       test_field, test_wipe, NULL };
	return test_run(tests);
}
