/* The SEARCH program parser, the evaluator's passes and the SENT* date parser. */
#include "test.h"

#include "imap_args.h"
#include "maildir_name.h"
#include "search.h"

#include <errno.h>

static struct imap_cmd c;
static struct search_prog p;
static const char *err;

/* Parse "SEARCH args": 0 or the errno of the failure. */
static int parse(const char *args)
{
	char text[8192];

	search_prog_free(&p);
	snprintf(text, sizeof text, "t SEARCH %s", args);
	if (imap_cmd_parse_text(&c, text, strlen(text)) < 0)
		return -2;
	err = NULL;
	return search_parse(c.args, &p, &err) == 0 ? 0 : errno;
}

/* Every RFC 3501 6.4.4 key, in every case the grammar allows. */
static void test_keys(void)
{
	static const char *const ok[] = {
		"ALL", "ANSWERED", "BCC x", "BEFORE 1-Feb-2024", "BODY \"two words\"", "CC x",
		"DELETED", "DRAFT", "FLAGGED", "FROM x", "HEADER X-Spam yes", "KEYWORD $Work",
		"LARGER 10", "NEW", "NOT SEEN", "OLD", "ON 01-Feb-2024", "OR SEEN DRAFT",
		"RECENT", "SEEN", "SENTBEFORE 1-Feb-2024", "SENTON 1-Feb-2024",
		"SENTSINCE 1-Feb-2024", "SINCE \"1-Feb-2024\"", "SMALLER 18446744073709551615",
		"SUBJECT hi", "TEXT \"a\\\"bc\"", "TO x", "UID 1:*,7", "UNANSWERED",
		"UNDELETED", "UNDRAFT", "UNFLAGGED", "UNKEYWORD x", "UNSEEN", "1,3:*",
		"all seen Not deleted", "(SEEN (FLAGGED DRAFT))", "OR (SEEN FLAGGED) NOT 2:3",
		"CHARSET UTF-8 ALL", "CHARSET us-ascii TEXT x", "RETURN () ALL",
		"RETURN (MIN MAX COUNT ALL) CHARSET UTF-8 SEEN", "HEADER Subject \"\"",
	};

	test_begin("search: every key parses");
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int rc = parse(ok[i]);

		if (rc != 0)
			fprintf(stderr, "  %s: %d %s\n", ok[i], rc, err ? err : "");
		test_assert(rc == 0);
	}
	test_end();
}

static void test_tree(void)
{
	const struct search_node *n;

	test_begin("search: tree shape");
	test_assert(parse("OR SEEN NOT FLAGGED SUBJECT \"Caf\xc3\x89\"") == 0);
	n = p.root;
	test_assert(n->kind == SEARCH_AND && n->child != NULL);
	n = n->child;
	test_assert(n->kind == SEARCH_OR);
	test_assert(n->child->kind == SEARCH_FLAGS && n->child->bits == MAILDIR_F_SEEN);
	test_assert(n->child->next->kind == SEARCH_NOT);
	test_assert(n->child->next->child->kind == SEARCH_FLAGS);
	n = n->next;
	test_assert(n->kind == SEARCH_HEADER && strcmp(n->name, "Subject") == 0);
	/* folded at parse time: É (U+00C9) became e and U+0301 */
	test_assert(n->needle_len == 6 && memcmp(n->needle, "cafe\xcc\x81", 6) == 0);
	test_assert(n->next == NULL && p.reads_message && !p.esearch);

	test_assert(parse("NEW") == 0);
	n = p.root->child;
	test_assert(n->kind == SEARCH_AND && n->child->kind == SEARCH_RECENT &&
		    n->child->next->kind == SEARCH_UNFLAGS && !p.reads_message);
	test_assert(parse("OLD") == 0);
	test_assert(p.root->child->kind == SEARCH_NOT);

	test_assert(parse("RETURN () SEEN") == 0);
	test_assert(p.esearch && p.ret == SEARCH_RET_ALL);
	test_assert(parse("RETURN (count MIN) SEEN") == 0);
	test_assert(p.ret == (SEARCH_RET_COUNT | SEARCH_RET_MIN));
	test_assert(parse("LARGER 4294967296") == 0 && p.root->child->number == 4294967296ULL);
	test_assert(parse("ON 2-Jan-1970") == 0 && p.root->child->date == 86400);
	test_end();
}

static void test_errors(void)
{
	static const char *const bad[] = {
		"", "FOO", "SEEN FOO", "SUBJECT", "()", "OR SEEN", "NOT", "LARGER",
		"LARGER -1", "LARGER 18446744073709551616", "LARGER 1x", "BEFORE 32-Jan-2024",
		"BEFORE 1-Foo-2024", "BEFORE (1-Jan-2024)", "UID", "UID x", "UID 0",
		"KEYWORD", "KEYWORD (x)", "HEADER", "HEADER X", "HEADER \"\" x",
		"HEADER \"A:B\" x", "SUBJECT (x)", "CHARSET", "CHARSET UTF-8", "RETURN",
		"RETURN ALL", "RETURN (SAVE) ALL", "RETURN () ", "0", "1:0x", "CHARSET (x) ALL",
	};
	char deep[8192];
	size_t k = 0;

	test_begin("search: syntax errors are EINVAL with a text");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = parse(bad[i]);

		if (rc != EINVAL)
			fprintf(stderr, "  \"%s\": %d\n", bad[i], rc);
		test_assert(rc == EINVAL && err != NULL);
	}
	test_end();

	test_begin("search: charsets and depth");
	test_assert(parse("CHARSET KOI8-R ALL") == ENOTSUP);
	test_assert(err != NULL && strncmp(err, "[BADCHARSET (UTF-8 US-ASCII)]", 29) == 0);
	test_assert(parse("CHARSET ISO-8859-1 SUBJECT x") == ENOTSUP);
	/* SEARCH_DEPTH_MAX levels of NOT are fine, one more is not */
	for (int i = 0; i < SEARCH_DEPTH_MAX - 1; i++)
		k += (size_t)snprintf(deep + k, sizeof deep - k, "NOT ");
	snprintf(deep + k, sizeof deep - k, "SEEN");
	test_assert(parse(deep) == 0);
	snprintf(deep + k, sizeof deep - k, "NOT SEEN");
	test_assert(parse(deep) == ELOOP);
	k = 0;
	for (int i = 0; i < SEARCH_DEPTH_MAX + 1; i++)
		k += (size_t)snprintf(deep + k, sizeof deep - k, "OR SEEN ");
	snprintf(deep + k, sizeof deep - k, "SEEN");
	test_assert(parse(deep) == ELOOP);
	test_end();
}

/* A fake message: counts what the evaluator asks for. */
struct fake {
	const char *text;
	uint64_t size;
	time_t date;
	int gone;
	int loads, sizes, dates;
};

static int fake_get(struct search_msg *m, int need)
{
	struct fake *f = m->ctx;

	if (f->gone) {
		errno = ENOENT;
		return -1;
	}
	if (need == SEARCH_NEED_SIZE) {
		f->sizes++;
		m->size = f->size;
	} else if (need == SEARCH_NEED_DATE) {
		f->dates++;
		m->internaldate = f->date;
	} else {
		f->loads++;
		m->data = f->text;
		m->len = strlen(f->text);
	}
	return 0;
}

static int match(const char *prog, struct fake *f, uint32_t flags)
{
	struct search_msg m;
	struct maildir_keywords kw = { { NULL } };

	kw.name[2] = (char *)"$Work";
	if (parse(prog) != 0)
		return -2;
	search_prog_bind(&p, 10, 100, &kw);
	memset(&m, 0, sizeof m);
	m.seq = 3;
	m.uid = 30;
	m.flags = flags;
	m.keywords = MAILDIR_KW('c');
	m.get = fake_get;
	m.ctx = f;
	return search_match(&p, &m);
}

static const char msg[] =
	"From: =?UTF-8?B?SsO8cmdlbg==?= <j@example.de>\n"
	"Subject: =?ISO-8859-1?Q?caf=E9?= time\n"
	"Date: Tue, 2 Jan 2024 23:59:59 -1200\n"
	"Content-Type: multipart/mixed; boundary=b\n\n"
	"preamble hidden\n"
	"--b\nContent-Type: text/plain; charset=iso-8859-1\n"
	"Content-Transfer-Encoding: quoted-printable\n\n"
	"Gr=FC=DFe, soft=\nbreak\n"
	"--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
	"c2VjcmV0\n"
	"--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
	"w6l0w6kg\nY2hhdWQK\n"
	"--b--\n";

static void test_eval(void)
{
	struct fake f = { msg, 500, 1704153600 + 3600, 0, 0, 0, 0 };	/* 2-Jan-2024 01:00 */

	test_begin("search: flags, UIDs, sizes and dates read no message");
	test_assert(match("SEEN", &f, MAILDIR_F_SEEN) == 1);
	test_assert(match("UNSEEN", &f, MAILDIR_F_SEEN) == 0);
	test_assert(match("3 UID 30", &f, 0) == 1);
	test_assert(match("4:* UID 30", &f, 0) == 0);
	test_assert(match("* UID *", &f, 0) == 0);
	test_assert(match("KEYWORD $Work UNKEYWORD other", &f, 0) == 1);
	test_assert(match("KEYWORD $work", &f, 0) == 1);	/* ignoring case, as Dovecot */
	test_assert(match("UNKEYWORD $WORK", &f, 0) == 0);
	test_assert(match("KEYWORD $Wor", &f, 0) == 0);
	test_assert(match("OR ANSWERED FLAGGED", &f, MAILDIR_F_FLAGGED) == 1);
	test_assert(match("LARGER 499 SMALLER 501", &f, 0) == 1);
	test_assert(match("LARGER 500", &f, 0) == 0);
	test_assert(match("ON 2-Jan-2024 SINCE 2-Jan-2024 BEFORE 3-Jan-2024", &f, 0) == 1);
	test_assert(match("BEFORE 2-Jan-2024", &f, 0) == 0);
	test_assert(match("SEEN BODY chaud", &f, 0) == 0);	/* decided by SEEN */
	test_assert(match("OR SEEN BODY chaud", &f, MAILDIR_F_SEEN) == 1);
	test_assert(match("BODY chaud SEEN", &f, 0) == 0);	/* in any order */
	test_assert(match("OR BODY chaud NOT SEEN", &f, 0) == 1);
	test_assert(match("NOT (SUBJECT x SENTON 1-Jan-2000) DRAFT", &f, 0) == 0);
	test_assert(f.loads == 0 && f.sizes > 0 && f.dates > 0);
	test_end();

	test_begin("search: header and body keys");
	test_assert(match("SEEN BODY chaud", &f, MAILDIR_F_SEEN) == 1 && f.loads == 1);
	test_assert(match("FROM \"j\xc3\xbcrgen\"", &f, 0) == 1);
	test_assert(match("FROM \"J\xc3\x9cRGEN\"", &f, 0) == 1);
	test_assert(match("FROM example.de", &f, 0) == 1);
	test_assert(match("SUBJECT \"CAF\xc3\x89 TIME\"", &f, 0) == 1);
	test_assert(match("SUBJECT chaud", &f, 0) == 0);
	/* decomposed, as Dovecot's i;unicode-casemap: e is the base of é */
	test_assert(match("SUBJECT cafe", &f, 0) == 1);
	test_assert(match("SUBJECT \"cafe time\"", &f, 0) == 0);
	test_assert(match("BODY gru", &f, 0) == 1);
	test_assert(match("BODY gruss", &f, 0) == 0);
	test_assert(match("HEADER content-type mixed", &f, 0) == 1);
	test_assert(match("HEADER To \"\"", &f, 0) == 0);
	test_assert(match("HEADER Date \"\"", &f, 0) == 1);
	test_assert(match("BODY \"gr\xc3\xbc\xc3\x9f\x65, softbreak\"", &f, 0) == 1);
	test_assert(match("BODY \"\xc3\xa9t\xc3\xa9 chaud\"", &f, 0) == 1);
	test_assert(match("BODY secret", &f, 0) == 0);		/* an attachment */
	test_assert(match("BODY hidden", &f, 0) == 0);		/* a preamble */
	test_assert(match("BODY Subject", &f, 0) == 0);
	test_assert(match("TEXT \"subject: caf\"", &f, 0) == 1);
	test_assert(match("TEXT octet-stream", &f, 0) == 1);	/* a part's header */
	test_assert(match("TEXT secret", &f, 0) == 0);
	test_assert(match("NOT TEXT nowhere", &f, 0) == 1);
	test_end();

	test_begin("search: address keys also see the plain form of each address");
	f.text = "From: <user-from (comment)@ (comment) domain.org>\n"
		 "To: \"Real, To\" <to@x.org>, =?UTF-8?Q?J=C3=BCrgen?= <j@x.de>\n\nbody\n";
	test_assert(match("FROM user-from@domain.org", &f, 0) == 1);
	test_assert(match("FROM \"user-from (comment)@\"", &f, 0) == 1);	/* as written */
	test_assert(match("TO \"Real, To <to@x.org>\"", &f, 0) == 1);
	test_assert(match("TO \"J\xc3\xbcrgen <j@x.de>\"", &f, 0) == 1);
	test_assert(match("TO \"to@x.org, j\"", &f, 0) == 0);
	test_assert(match("SUBJECT user-from@domain.org", &f, 0) == 0);
	f.text = msg;
	test_end();

	test_begin("search: SENT* take the Date: header's day, zone ignored");
	test_assert(match("SENTON 2-Jan-2024", &f, 0) == 1);
	test_assert(match("SENTBEFORE 3-Jan-2024 SENTSINCE 2-Jan-2024", &f, 0) == 1);
	test_assert(match("SENTBEFORE 2-Jan-2024", &f, 0) == 0);
	f.text = "Subject: no date\n\nbody\n";
	test_assert(match("SENTBEFORE 2-Jan-1971", &f, 0) == 1);	/* the epoch */
	test_assert(match("SENTSINCE 2-Jan-1971", &f, 0) == 0);
	test_end();

	test_begin("search: a message gone meanwhile matches no content key");
	f.gone = 1;
	f.loads = 0;
	test_assert(match("BODY x", &f, 0) == 0);
	test_assert(match("SEEN", &f, MAILDIR_F_SEEN) == 1);
	test_assert(match("LARGER 0", &f, 0) == 0);
	test_end();
}

static void test_big(void)
{
	/* A needle across the 64 KiB decoding windows: plain, base64 (a line of 76
	 * characters, so no window is a multiple of 4 octets), UTF-8 split by a cut. */
	size_t n = 300000, k = 0;
	char *m = malloc(n + 1000), *b64 = malloc(n * 2);
	struct fake f = { NULL, 0, 0, 0, 0, 0, 0 };
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	test_begin("search: bodies larger than a window");
	k = (size_t)sprintf(m, "Subject: big\n\n");
	/* é (2 octets) across the first window's end */
	while (k < 14 + 65536 - 3)
		m[k++] = 'x';
	memcpy(m + k, "Ne\xc3\xa9" "dle", 7);
	k += 7;
	for (; k < n; k++)
		m[k] = (k % 80 == 0) ? '\n' : 'y';
	m[k] = '\0';
	f.text = m;
	test_assert(match("BODY \"ne\xc3\xa9" "dle\"", &f, 0) == 1);
	test_assert(match("BODY \"ne\xc3\xa9" "dlx\"", &f, 0) == 0);
	/* the same body in base64 */
	{
		const char *body = strstr(m, "\n\n") + 2;
		size_t bl = strlen(body), o = 0, line = 0;

		o = (size_t)sprintf(b64, "Subject: b64\nContent-Transfer-Encoding: base64\n"
				    "Content-Type: text/plain; charset=utf-8\n\n");
		for (size_t i = 0; i < bl; i += 3) {
			unsigned long v = (unsigned long)(unsigned char)body[i] << 16;
			size_t left = bl - i;

			if (left > 1)
				v |= (unsigned long)(unsigned char)body[i + 1] << 8;
			if (left > 2)
				v |= (unsigned char)body[i + 2];
			b64[o++] = tbl[v >> 18 & 63];
			b64[o++] = tbl[v >> 12 & 63];
			b64[o++] = left > 1 ? tbl[v >> 6 & 63] : '=';
			b64[o++] = left > 2 ? tbl[v & 63] : '=';
			if ((line += 4) == 76) {
				b64[o++] = '\n';
				line = 0;
			}
		}
		b64[o] = '\0';
		f.text = b64;
		test_assert(match("BODY \"NE\xc3\x89" "DLE\"", &f, 0) == 1);
		test_assert(match("BODY yyyyyyyy", &f, 0) == 1);
		test_assert(match("BODY yyyyxyyy", &f, 0) == 0);
	}
	test_end();
	free(m);
	free(b64);
}

static void test_dates(void)
{
	static const struct { const char *in; const char *day; } cases[] = {
		{ "Tue, 2 Jan 2024 23:59:59 -1200", "2-Jan-2024" },
		{ "2 Jan 2024 00:00 +1400", "2-Jan-2024" },
		{ " (comment) Sun , 31 Dec 23 10:00 +0100", "31-Dec-2023" },
		{ "1 jan 99 10:00 GMT", "1-Jan-1999" },
		{ "5 Mar 104 1:00 GMT", "5-Mar-2004" },
		{ "\r\n 07 Feb 2024 08:00:00 +0000 (UTC)", "7-Feb-2024" },
	};
	static const char *const bad[] = {
		"", "Tue,", "32 Jan 2024", "1 Foo 2024", "1 Jan", "Jan 1 2024", "1 Jan 20245",
	};
	time_t t, want;

	test_begin("search: RFC 5322 dates");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		test_assert(search_date_parse(cases[i].in, strlen(cases[i].in), &t) == 0);
		test_assert(imap_parse_date(cases[i].day, &want) == 0 && t == want);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		test_assert(search_date_parse(bad[i], strlen(bad[i]), &t) < 0 && errno == EINVAL);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_keys, test_tree, test_errors, test_eval, test_big, test_dates, NULL,
	};
	int rc = test_run(tests);

	search_prog_free(&p);
	imap_cmd_free(&c);
	return rc;
}
