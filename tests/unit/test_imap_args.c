/* imapd's argument parser, grammar helpers and sequence sets. */
#include "test.h"

#include <errno.h>

#include "imap_args.h"
#include "maildir_name.h"
#include "seqset.h"

static struct imap_cmd c;

static int parse(const char *s)
{
	return imap_cmd_parse_text(&c, s, strlen(s));
}

static void test_tree(void)
{
	const struct imap_arg *a;

	test_begin("args: atoms, quoted, lists, nesting");
	test_assert(parse("A1 fetch 1:* (FLAGS (X \"q\\\\\\\"\") BODY[HEADER.FIELDS (From To)]<0.10>)") == 0);
	test_assert_str(c.tag, "A1");
	test_assert_str(c.name, "FETCH");
	test_assert(c.n_args == 2);
	a = imap_cmd_arg(&c, 1);
	test_assert(a->type == IMAP_ARG_LIST && a->n == 3);
	test_assert_str(a->child->s, "FLAGS");
	test_assert(a->child->next->type == IMAP_ARG_LIST && a->child->next->n == 2);
	test_assert_str(a->child->next->child->next->s, "q\\\"");
	test_assert_str(a->child->next->next->s, "BODY[HEADER.FIELDS (From To)]<0.10>");
	test_assert(parse("b UID fetch 1 FLAGS") == 0);
	test_assert_str(c.name, "UID FETCH");
	test_assert(parse("c NOOP") == 0 && c.n_args == 0);
	test_end();
}

static void test_errors(void)
{
	static const char *const bad[] = {
		"", "a", "+x NOOP", "a NOOP (", "a NOOP )", "a NOOP \"open", "a NOOP \"\\x\"",
		"a NOOP {3}", "a NOOP x\x80y", "a NOOP ((((((((((((((((((x))))))))))))))))))",
		"a NOOP a(b)", "a NOOP \"a\"\"b\"", NULL,
	};

	test_begin("args: syntax errors");
	for (int i = 0; bad[i] != NULL; i++) {
		int rc = parse(bad[i]);

		test_assert(rc < 0 && c.error != NULL);
		if (rc == 0)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
	}
	test_assert(parse("a NOOP \"caf\xc3\xa9\"") == 0);	/* 8-bit as Dovecot */
	test_end();
}

static void test_mailbox(void)
{
	char out[256];

	test_begin("args: mailbox names");
	test_assert(parse("a SELECT inbox") == 0);
	test_assert(imap_arg_mailbox(c.args, out, sizeof out) == 0);
	test_assert_str(out, "INBOX");
	test_assert(parse("a SELECT \"Inbox/Sub\"") == 0);
	test_assert(imap_arg_mailbox(c.args, out, sizeof out) == 0);
	test_assert_str(out, "INBOX/Sub");
	test_assert(parse("a SELECT &AOk-t&AOk-") == 0);
	test_assert(imap_arg_mailbox(c.args, out, sizeof out) == 0);
	test_assert_str(out, "\xc3\xa9t\xc3\xa9");
	test_assert(parse("a SELECT \"a&-b\"") == 0);
	test_assert(imap_arg_mailbox(c.args, out, sizeof out) == 0);
	test_assert_str(out, "a&b");
	test_assert(parse("a SELECT foo*") == 0);
	test_assert(imap_arg_mailbox(c.args, out, sizeof out) < 0);
	test_assert(parse("a SELECT (x)") == 0);
	test_assert(imap_arg_mailbox(c.args, out, sizeof out) < 0);
	test_end();
}

static void test_flags(void)
{
	const char *kw[4];
	uint32_t f;
	size_t n;

	test_begin("args: flag lists");
	test_assert(parse("a STORE 1 FLAGS (\\Seen \\deleted $Junk \\Draft)") == 0);
	test_assert(imap_arg_flags(imap_cmd_arg(&c, 2), 0, &f, kw, 4, &n) == 0);
	test_assert(f == (MAILDIR_F_SEEN | MAILDIR_F_TRASHED | MAILDIR_F_DRAFT));
	test_assert(n == 1 && strcmp(kw[0], "$Junk") == 0);
	test_assert(parse("a STORE 1 FLAGS (\\Recent)") == 0);
	test_assert(imap_arg_flags(imap_cmd_arg(&c, 2), 0, &f, kw, 4, &n) < 0);
	test_assert(parse("a STORE 1 FLAGS (\\Bogus)") == 0);
	test_assert(imap_arg_flags(imap_cmd_arg(&c, 2), 0, &f, kw, 4, &n) < 0);
	test_assert(parse("a STORE 1 FLAGS \\Seen") == 0);
	test_assert(imap_arg_flags(imap_cmd_arg(&c, 2), 0, &f, kw, 4, &n) < 0);
	test_assert(imap_arg_flags(imap_cmd_arg(&c, 2), 1, &f, kw, 4, &n) == 0 &&
		    f == MAILDIR_F_SEEN);
	test_end();
}

static void test_dates(void)
{
	time_t t;
	char out[40];

	test_begin("args: date and date-time");
	test_assert(imap_parse_date("1-Feb-1994", &t) == 0 && t == 760060800);
	test_assert(imap_parse_date("01-feb-1994", &t) == 0 && t == 760060800);
	test_assert(imap_parse_date("30-Feb-1994", &t) < 0);
	test_assert(imap_parse_date("1-Fox-1994", &t) < 0);
	test_assert(imap_parse_datetime("17-Jul-1996 02:44:25 -0700", &t) == 0 &&
		    t == 837596665);
	test_assert(imap_parse_datetime(" 7-Jul-1996 02:44:25 +0000", &t) == 0);
	test_assert(imap_parse_datetime("17-Jul-1996 02:44:25", &t) < 0);
	test_assert(imap_parse_datetime("17-Jul-1996 24:44:25 +0000", &t) < 0);
	imap_format_datetime(837596665, -420, out, sizeof out);
	test_assert_str(out, "17-Jul-1996 02:44:25 -0700");
	imap_format_datetime(0, 0, out, sizeof out);
	test_assert_str(out, "01-Jan-1970 00:00:00 +0000");
	test_end();
}

static void test_seqset(void)
{
	struct imap_seqset s;

	test_begin("seqset: ranges, '*', either order, merging");
	test_assert(imap_seqset_parse("5:3,10,*,8:*", &s) == 0);
	imap_seqset_resolve(&s, 12);
	test_assert(s.n == 2 && s.r[0].lo == 3 && s.r[0].hi == 5 && s.r[1].lo == 8 &&
		    s.r[1].hi == 12);
	test_assert(imap_seqset_has(&s, 4) && !imap_seqset_has(&s, 6) &&
		    imap_seqset_has(&s, 12) && !imap_seqset_has(&s, 13));
	test_assert(imap_seqset_last(&s) == 12);
	imap_seqset_free(&s);
	/* RFC 3501 6.4.8: n:* with n above the maximum still means max:n */
	test_assert(imap_seqset_parse("20:*", &s) == 0);
	imap_seqset_resolve(&s, 7);
	test_assert(s.n == 1 && s.r[0].lo == 7 && s.r[0].hi == 20);
	imap_seqset_free(&s);
	test_assert(imap_seqset_parse("*", &s) == 0);
	imap_seqset_resolve(&s, 0);
	test_assert(s.n == 0);
	imap_seqset_free(&s);
	test_assert(imap_seqset_parse("1:4294967295", &s) == 0);
	imap_seqset_resolve(&s, 3);
	test_assert(imap_seqset_has(&s, 4294967295u));
	imap_seqset_free(&s);
	test_end();
}

static void test_seqset_bad(void)
{
	static const char *const bad[] = {
		"", "0", "1:0", "1,", ",1", "1::2", "a", "1:2:3", "4294967296", "-1", "1 2",
		NULL,
	};
	struct imap_seqset s;
	char *big;

	test_begin("seqset: syntax errors and the range limit");
	for (int i = 0; bad[i] != NULL; i++) {
		test_assert(imap_seqset_parse(bad[i], &s) < 0);
		imap_seqset_free(&s);
	}
	big = malloc(IMAP_SEQSET_RANGES_MAX * 2 + 8);
	for (size_t i = 0; i <= IMAP_SEQSET_RANGES_MAX; i++)
		memcpy(big + 2 * i, "1,", 2);
	big[2 * IMAP_SEQSET_RANGES_MAX + 1] = '\0';
	test_assert(imap_seqset_parse(big, &s) < 0 && errno == E2BIG);
	imap_seqset_free(&s);
	free(big);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_tree, test_errors, test_mailbox, test_flags, test_dates, test_seqset,
		test_seqset_bad, NULL,
	};
	int rc = test_run(tests);

	imap_cmd_free(&c);
	return rc;
}
