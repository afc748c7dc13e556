/* ENVELOPE, address lists and IMAP string output. */
#include "test.h"

#include "envelope.h"
#include "imap_string.h"

static struct buf b;

static const char *addrs(const char *v)
{
	buf_free(&b);
	buf_init(&b, 1 << 20);
	if (envelope_addrs_append(&b, v, strlen(v)) < 0)
		return "(error)";
	return buf_str(&b);
}

static const char *env(const char *hdr)
{
	buf_free(&b);
	buf_init(&b, 1 << 20);
	if (envelope_append(&b, hdr, strlen(hdr)) < 0)
		return "(error)";
	return buf_str(&b);
}

static const char *str(int (*f)(struct buf *, const char *, size_t), const char *s)
{
	buf_free(&b);
	buf_init(&b, 1 << 20);
	if (f(&b, s, strlen(s)) < 0)
		return "(error)";
	return buf_str(&b);
}

static void test_imap_string(void)
{
	test_begin("imap strings: quoted, literal, atom, NIL");
	test_assert_str(str(imap_string_append, "a \"b\" \\c"), "\"a \\\"b\\\" \\\\c\"");
	test_assert_str(str(imap_string_append, "\"\"\"\"\""), "{5}\r\n\"\"\"\"\"");
	test_assert_str(str(imap_string_append, "Zo\xc3\xab"), "{4}\r\nZo\xc3\xab");
	test_assert_str(str(imap_string_append, "a\r\nb"), "{4}\r\na\r\nb");
	test_assert_str(str(imap_string_append, ""), "\"\"");
	test_assert_str(str(imap_nstring_nolf_append, "a\r\n b"), "{3}\r\na b");
	test_assert_str(str(imap_astring_append, "INBOX"), "INBOX");
	test_assert_str(str(imap_astring_append, "nil"), "\"nil\"");
	test_assert_str(str(imap_astring_append, "a b"), "\"a b\"");
	test_assert_str(str(imap_astring_append, ""), "\"\"");
	buf_free(&b);
	buf_init(&b, 100);
	test_assert(imap_nstring_append(&b, NULL) == 0);
	test_assert_str(buf_str(&b), "NIL");
	test_end();
}

static void test_addresses(void)
{
	test_begin("address lists: names, comments, routes, placeholders");
	test_assert_str(addrs("Alice <a@example.org>"), "((\"Alice\" NIL \"a\" \"example.org\"))");
	test_assert_str(addrs("a@b (Ann Other)"), "((\"Ann Other\" NIL \"a\" \"b\"))");
	test_assert_str(addrs("(lead) t@e (Trent)"), "((\"Trent\" NIL \"t\" \"e\"))");
	test_assert_str(addrs("\"Carol, Admin\" <c@x>, d@y"),
			"((\"Carol, Admin\" NIL \"c\" \"x\")(NIL NIL \"d\" \"y\"))");
	test_assert_str(addrs("Pete(A \\) chap) <pete(his)@silly.test(host)>"),
			"((\"Pete\" NIL \"pete\" \"silly.test\"))");
	test_assert_str(addrs("<@r1,@r2:u@h>"), "((NIL \"@r1,@r2\" \"u\" \"h\"))");
	test_assert_str(addrs("\"john \\\"q\\\" doe\"@x"), "((NIL NIL \"john \\\"q\\\" doe\" \"x\"))");
	test_assert_str(addrs("local, @"),
			"((NIL NIL \"local\" \"MISSING_DOMAIN\")"
			"(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))");
	test_assert_str(addrs("\"\" <e@x>"), "((NIL NIL \"e\" \"x\"))");
	test_assert_str(addrs("=?utf-8?q?J=C3=BC?= <j@x>"),
			"((\"=?utf-8?q?J=C3=BC?=\" NIL \"j\" \"x\"))");
	test_assert_str(addrs("Zo\xc3\xab <z@x>"), "(({4}\r\nZo\xc3\xab NIL \"z\" \"x\"))");
	test_assert_str(addrs("a@b,\r\n c@d"), "((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\"))");
	test_assert_str(addrs(""), "NIL");
	test_assert_str(addrs("  "), "NIL");
	test_end();
}

static void test_groups(void)
{
	test_begin("address lists: groups");
	test_assert_str(addrs("undisclosed-recipients:;"),
			"((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL))");
	test_assert_str(addrs("F: p@e, \"R, Jr.\" <r@e>;, s@e"),
			"((NIL NIL \"F\" NIL)(NIL NIL \"p\" \"e\")(\"R, Jr.\" NIL \"r\" \"e\")"
			"(NIL NIL NIL NIL)(NIL NIL \"s\" \"e\"))");
	/* A group never closed is closed at the end. */
	test_assert_str(addrs("G: a@b"), "((NIL NIL \"G\" NIL)(NIL NIL \"a\" \"b\")(NIL NIL NIL NIL))");
	test_end();
}

static void test_envelope(void)
{
	test_begin("ENVELOPE fields, defaults and folding");
	test_assert_str(env(""), "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	test_assert_str(env("Subject: a\n folded\nFrom: x@y\nMessage-ID: <m@x>\n\n"),
			"(NIL {8}\r\na folded ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\")) "
			"((NIL NIL \"x\" \"y\")) NIL NIL NIL NIL \"<m@x>\")");
	test_assert_str(env("Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nSender: s@y\r\n"
			    "From: x@y\r\nReply-To: r@y\r\nTo: t@y\r\nCc: c@y\r\nBcc: b@y\r\n"
			    "In-Reply-To: <i@y>\r\nSubject: =?utf-8?q?x?=\r\n\r\n"),
			"(\"Mon, 1 Jan 2024 00:00:00 +0000\" \"=?utf-8?q?x?=\" "
			"((NIL NIL \"x\" \"y\")) ((NIL NIL \"s\" \"y\")) ((NIL NIL \"r\" \"y\")) "
			"((NIL NIL \"t\" \"y\")) ((NIL NIL \"c\" \"y\")) ((NIL NIL \"b\" \"y\")) "
			"\"<i@y>\" NIL)");
	/* The first of repeated fields counts. */
	test_assert_str(env("Subject: one\nSubject: two\n\n"),
			"(NIL \"one\" NIL NIL NIL NIL NIL NIL NIL NIL)");
	test_end();
}

static void test_many_addresses(void)
{
	size_t n = (ENVELOPE_ADDRS_MAX + 10) * 2;
	char *v = malloc(n + 1);

	test_begin("address lists stop at ENVELOPE_ADDRS_MAX");
	for (size_t i = 0; i < n; i += 2)
		memcpy(v + i, "a,", 2);
	v[n] = '\0';
	const char *r = addrs(v);
	size_t count = 0;
	for (const char *p = r; (p = strstr(p, "MISSING_DOMAIN")) != NULL; p++)
		count++;
	test_assert(count == ENVELOPE_ADDRS_MAX);
	free(v);
	buf_free(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_imap_string, test_addresses, test_groups, test_envelope,
		test_many_addresses, NULL
	};
	return test_run(tests);
}
