/*
 * Modified UTF-7 (RFC 3501 5.1.3): the RFC's own example, round trips through every
 * UTF-8 length, and the non-canonical and broken forms the strict decoder refuses.
 */
#include "test.h"
#include "maildir_folder.h"

#include <errno.h>

static char buf[512];

static const char *enc(const char *s)
{
	return maildir_mutf7_encode(s, strlen(s), buf, sizeof buf) < 0 ? NULL : buf;
}

static const char *dec(const char *s)
{
	return maildir_mutf7_decode(s, strlen(s), buf, sizeof buf) < 0 ? NULL : buf;
}

static int dec_fails(const char *s)
{
	errno = 0;
	return maildir_mutf7_decode(s, strlen(s), buf, sizeof buf) == -1 && errno == EINVAL;
}

static int enc_fails(const char *s, size_t len)
{
	errno = 0;
	return maildir_mutf7_encode(s, len, buf, sizeof buf) == -1 && errno == EINVAL;
}

static void test_rfc_example(void)
{
	test_begin("mutf7 RFC 3501 example");
	/* "~peter/mail/" + U+53F0 U+5317 "/" + U+65E5 U+672C U+8A9E */
	test_assert_str(dec("~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
			"~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	test_assert_str(enc("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"),
			"~peter/mail/&U,BTFw-/&ZeVnLIqe-");
	test_end();
}

static void test_round_trips(void)
{
	static const struct { const char *utf8, *mutf7; } v[] = {
		{ "", "" },
		{ "Sent", "Sent" },
		{ "&", "&-" },
		{ "a&b&", "a&-b&-" },
		{ "Entw\xc3\xbcrfe", "Entw&APw-rfe" },
		{ "\xc3\xa4&", "&AOQ-&-" },
		{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "&ZeVnLIqe-" },
		/* U+1F600 is the surrogate pair D83D DE00 */
		{ "\xf0\x9f\x98\x80", "&2D3eAA-" },
		{ "x\xf0\x9f\x98\x80y", "x&2D3eAA-y" },
		/* U+10FFFF, the last code point: DBFF DFFF */
		{ "\xf4\x8f\xbf\xbf", "&2,,f,w-" },
		/* a control character is not direct */
		{ "a\x01", "a&AAE-" },
		{ "\x7f", "&AH8-" },
		{ " ~", " ~" },
	};

	test_begin("mutf7 round trips");
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		test_assert_str(enc(v[i].utf8), v[i].mutf7);
		test_assert_str(dec(v[i].mutf7), v[i].utf8);
	}
	test_end();
}

static void test_encode_refusals(void)
{
	test_begin("mutf7 encode refuses invalid UTF-8");
	test_assert(enc_fails("\xc0\xaf", 2));		/* overlong '/' */
	test_assert(enc_fails("\xe0\x80\xaf", 3));	/* overlong, 3 bytes */
	test_assert(enc_fails("\xf0\x80\x80\xaf", 4));	/* overlong, 4 bytes */
	test_assert(enc_fails("\xed\xa0\x80", 3));	/* surrogate U+D800 */
	test_assert(enc_fails("\xf4\x90\x80\x80", 4));	/* U+110000 */
	test_assert(enc_fails("\xc3", 1));		/* truncated */
	test_assert(enc_fails("\x80", 1));		/* lone continuation */
	test_assert(enc_fails("\xff", 1));
	test_assert(enc_fails("a\0b", 3));		/* NUL */
	test_end();
}

static void test_decode_refusals(void)
{
	test_begin("mutf7 decode refuses non-canonical and broken forms");
	test_assert(dec_fails("&"));			/* unterminated */
	test_assert(dec_fails("&AOQ"));			/* unterminated */
	test_assert(dec_fails("&AGE-"));		/* shifted 'a' */
	test_assert(dec_fails("&ACY-"));		/* shifted '&' */
	test_assert(dec_fails("&AOQAYQ-"));		/* printable ASCII inside a shift */
	test_assert(dec_fails("&AOQ-&AOQ-"));		/* two adjacent shifts */
	test_assert(dec_fails("&AOR-"));		/* non-zero padding bits */
	test_assert(dec_fails("&AOQA-"));		/* 6 extra bits */
	test_assert(dec_fails("&A-"));			/* not one whole unit */
	test_assert(dec_fails("&2D0-"));		/* high surrogate alone */
	test_assert(dec_fails("&3gA-"));		/* low surrogate alone */
	test_assert(dec_fails("&2D3YPQ-"));		/* high followed by high */
	test_assert(dec_fails("&AAA-"));		/* U+0000 */
	test_assert(dec_fails("&U/BTFw-"));		/* '/' is not modified base64 */
	test_assert(dec_fails("a\x01"));		/* control character direct */
	test_assert(dec_fails("\xc3\xa4"));		/* 8-bit */
	test_assert(dec_fails("a\x7f"));
	test_end();
}

static void test_buffer_limits(void)
{
	char small[4];

	test_begin("mutf7 output buffer limits");
	errno = 0;
	test_assert(maildir_mutf7_encode("&&", 2, small, sizeof small) == -1 &&
		    errno == ENAMETOOLONG);
	test_assert(maildir_mutf7_encode("&", 1, small, sizeof small) == 2);
	test_assert_str(small, "&-");
	errno = 0;
	test_assert(maildir_mutf7_decode("abcd", 4, small, sizeof small) == -1 &&
		    errno == ENAMETOOLONG);
	test_assert(maildir_mutf7_decode("abc", 3, small, sizeof small) == 3);
	test_assert_str(small, "abc");
	errno = 0;
	test_assert(maildir_mutf7_decode("", 0, small, 0) == -1 && errno == ENAMETOOLONG);
	/* Decoding stops at len, not at a NUL. */
	test_assert(maildir_mutf7_decode("ab&-zz", 4, small, sizeof small) == 3);
	test_assert_str(small, "ab&");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_rfc_example,
		test_round_trips,
		test_encode_refusals,
		test_decode_refusals,
		test_buffer_limits,
		NULL,
	};
	return test_run(tests);
}
