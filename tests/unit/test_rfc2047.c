/* RFC 2047 header decoding, body decoding, charsets and the folding search. */
#include "test.h"

#include "charset.h"
#include "rfc2047.h"

static struct buf b;

static const char *hdr(const char *v)
{
	buf_free(&b);
	buf_init(&b, 1 << 20);
	if (rfc2047_decode(v, strlen(v), &b) < 0)
		return "(error)";
	return buf_str(&b);
}

static const char *body(const char *p, const char *enc, const char *cs)
{
	buf_free(&b);
	buf_init(&b, 1 << 20);
	if (rfc2047_body_decode(p, strlen(p), enc, cs, &b) < 0)
		return "(error)";
	return buf_str(&b);
}

static void test_words(void)
{
	test_begin("rfc2047 encoded words");
	test_assert_str(hdr("=?ISO-8859-1?Q?Caf=E9?= menu"), "Caf\xc3\xa9 menu");
	test_assert_str(hdr("=?UTF-8?B?SsO8cmdlbg==?="), "J\xc3\xbcrgen");
	test_assert_str(hdr("=?utf-8?q?a_b?=  \r\n =?utf-8?q?c?="), "a bc");
	test_assert_str(hdr("=?utf-8?q?a?= and =?utf-8?q?b?="), "a and b");
	/* A character split across two words is joined before conversion. */
	test_assert_str(hdr("=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?="), "\xc3\xa9\xc3\xa9");
	test_assert_str(hdr("=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?="), "\xc3\xa9");
	test_assert_str(hdr("=?X-UNKNOWN?Q?abc?= x"), "=?X-UNKNOWN?Q?abc?= x");
	test_assert_str(hdr("=?utf-8*en?q?hi?="), "hi");
	test_assert_str(hdr("not =?encoded"), "not =?encoded");
	test_assert_str(hdr("=?utf-8?x?bad?="), "=?utf-8?x?bad?=");
	test_assert_str(hdr("plain\r\n folded"), "plain folded");
	test_end();
}

static void test_bodies(void)
{
	test_begin("rfc2047 body decoding");
	test_assert_str(body("w6l0w6kgY2hhdWQK\n", "base64", "utf-8"), "\xc3\xa9t\xc3\xa9 chaud\n");
	test_assert_str(body("Caf=C3=A9 soup=\n and bread.=\r\n", "Quoted-Printable", "utf-8"),
			"Caf\xc3\xa9 soup and bread.");
	test_assert_str(body("Caf\xe9", NULL, "iso-8859-1"), "Caf\xc3\xa9");
	test_assert_str(body("a=ZZ", "quoted-printable", NULL), "a=ZZ");
	test_assert_str(body("raw", "8bit", "no-such-charset"), "raw");
	test_end();
}

static void test_charset(void)
{
	test_begin("charset conversion and search folding");
	test_assert(charset_known("utf-8") && charset_known("ISO-8859-1"));
	test_assert(!charset_known("x-no-such") && !charset_known(""));
	buf_free(&b);
	buf_init(&b, 100);
	test_assert(charset_to_utf8("x-no-such", "a", 1, &b) < 0);
	test_assert(charset_to_utf8("utf-16be", "\x00" "a\xd8", 3, &b) == 0);
	test_assert_str(buf_str(&b), "a\xef\xbf\xbd");
	test_assert(charset_utf8_contains("Hello World", 11, "WORLD", 5) == 1);
	test_assert(charset_utf8_contains("Gr\xc3\x9c\xc3\x9f" "E", 6, "gr\xc3\xbc\xc3\x9f" "e", 6) == 1);
	test_assert(charset_utf8_contains("\xd0\x9f\xd1\x80\xd0\xb8", 6, "\xd0\xbf\xd0\xa0", 4) == 1);
	test_assert(charset_utf8_contains("abc", 3, "abd", 3) == 0);
	test_assert(charset_utf8_contains("ab", 2, "abc", 3) == 0);
	test_assert(charset_utf8_contains("ab", 2, "", 0) == 1);
	buf_free(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_words, test_bodies, test_charset, NULL };
	return test_run(tests);
}
