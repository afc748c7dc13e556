/*
 * dovecot-keywords: Dovecot's sample, malformed lines skipped (never fatal), the 26
 * letter limit, IMAP atom rules for names, and a write/read round trip.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maildir_keywords.h"
#include "test.h"

static int parse(const char *s, struct maildir_keywords *k)
{
	return maildir_keywords_parse(s, strlen(s), k);
}

static int used(const struct maildir_keywords *k)
{
	int n = 0;

	for (int i = 0; i < MAILDIR_KEYWORDS_MAX; i++)
		n += k->name[i] != NULL;
	return n;
}

static void test_sample(void)
{
	struct maildir_keywords k = { { 0 } };

	test_begin("keywords dovecot sample");
	test_assert(parse("0 $Junk\n1 $NonJunk\n", &k) == 0);
	test_assert_str(k.name[0], "$Junk");
	test_assert_str(k.name[1], "$NonJunk");
	test_assert(used(&k) == 2);
	test_assert(maildir_keywords_index(&k, "$NonJunk") == 1);
	test_assert(maildir_keywords_index(&k, "$nonjunk") == -1);	/* as Dovecot */
	test_assert(maildir_keywords_index(&k, "Other") == -1);
	maildir_keywords_free(&k);
	test_assert(used(&k) == 0);
	test_end();
}

static void test_malformed(void)
{
	static const char text[] =
		"25 $Label5\r\n"	/* CRLF accepted */
		"26 toohigh\n"
		"a letter\n"
		"3\n"
		"4 \n"
		"5 two words\n"
		"6 (paren\n"
		"7 back\\slash\n"
		"8 br]acket\n"
		"9 \x01" "ctl\n"
		"10 \xc3\xa9t\xc3\xa9\n"		/* 8-bit: no IMAP atom */
		" 11 lead\n"
		"12 $Fine\n"
		"12 $Second\n"			/* duplicate index: first wins */
		"013 zero\n"
		"99999999999999999999999 big\n"
		"\n"
		"2 last";			/* no final newline */
	struct maildir_keywords k = { { 0 } };
	char longname[MAILDIR_KEYWORD_LEN_MAX + 8];
	char text2[sizeof longname + 8];

	test_begin("keywords malformed lines skipped");
	test_assert(parse(text, &k) == 0);
	test_assert_str(k.name[25], "$Label5");
	test_assert_str(k.name[12], "$Fine");
	test_assert_str(k.name[13], "zero");
	test_assert_str(k.name[2], "last");
	test_assert(used(&k) == 4);
	maildir_keywords_free(&k);

	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	longname[MAILDIR_KEYWORD_LEN_MAX] = '\0';
	snprintf(text2, sizeof text2, "0 %s\n", longname);
	test_assert(parse(text2, &k) == 0 && k.name[0] != NULL);
	maildir_keywords_free(&k);
	longname[MAILDIR_KEYWORD_LEN_MAX] = 'x';
	snprintf(text2, sizeof text2, "0 %s\n", longname);
	test_assert(parse(text2, &k) == 0 && used(&k) == 0);
	test_assert(parse("", &k) == 0 && used(&k) == 0);
	test_end();
}

static void test_add(void)
{
	struct maildir_keywords k = { { 0 } };
	char name[16];
	int added = -1;

	test_begin("keywords add until full, invalid names");
	test_assert(parse("1 $Junk\n", &k) == 0);
	test_assert(maildir_keywords_add(&k, "$Junk", &added) == 1 && added == 0);
	test_assert(maildir_keywords_add(&k, "first", &added) == 0 && added == 1);
	test_assert_str(k.name[0], "first");
	for (int i = 2; i < MAILDIR_KEYWORDS_MAX; i++) {
		snprintf(name, sizeof name, "kw%d", i);
		test_assert(maildir_keywords_add(&k, name, &added) == i && added == 1);
	}
	errno = 0;
	test_assert(maildir_keywords_add(&k, "one-too-many", &added) == -1 && errno == ENOSPC);
	test_assert(added == 0 && used(&k) == MAILDIR_KEYWORDS_MAX);
	test_assert(maildir_keywords_add(&k, "kw7", &added) == 7 && added == 0);
	maildir_keywords_free(&k);

	static const char *const bad[] = {
		"", "two words", "\\Seen", "a(b", "a)b", "a{b", "a%", "a*", "a\"b", "a]b",
		"tab\tx", "nl\n", "\x7f", "caf\xc3\xa9", NULL
	};
	for (int i = 0; bad[i] != NULL; i++) {
		errno = 0;
		test_assert(maildir_keywords_add(&k, bad[i], &added) == -1 && errno == EINVAL);
		test_assert(!maildir_keyword_valid(bad[i]));
	}
	test_assert(used(&k) == 0);
	test_assert(maildir_keyword_valid("$Label1") && maildir_keyword_valid("a[b"));
	test_end();
}

static void test_files(void)
{
	struct maildir_keywords k = { { 0 } }, r = { { 0 } };
	const char *t = getenv("TMPDIR");
	char dir[512], path[600], got[128];
	int added, fd;
	ssize_t n;

	test_begin("keywords write and read back");
	snprintf(dir, sizeof dir, "%s/test_keywords.XXXXXX", t != NULL && *t ? t : "/tmp");
	test_assert(mkdtemp(dir) != NULL);
	/* No file yet: an empty map. */
	test_assert(maildir_keywords_read(dir, &r) == 0 && used(&r) == 0);
	k.name[4] = strdup("$Forwarded");
	test_assert(maildir_keywords_add(&k, "$Junk", &added) == 0);
	test_assert(maildir_keywords_add(&k, "NonJunk", &added) == 1);
	test_assert(maildir_keywords_write(dir, &k) == 0);
	snprintf(path, sizeof path, "%s/dovecot-keywords", dir);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, got, sizeof got - 1) : -1;
	if (fd >= 0)
		close(fd);
	got[n > 0 ? n : 0] = '\0';
	test_assert_str(got, "0 $Junk\n1 NonJunk\n4 $Forwarded\n");
	test_assert(maildir_keywords_read(dir, &r) == 0 && used(&r) == 3);
	test_assert_str(r.name[4], "$Forwarded");
	test_assert(maildir_keywords_index(&r, "NonJunk") == 1);
	maildir_keywords_free(&r);
	/* A name nobody could read back is not written. */
	free(k.name[4]);
	k.name[4] = strdup("bad name");
	errno = 0;
	test_assert(maildir_keywords_write(dir, &k) == -1 && errno == EINVAL);
	test_assert(maildir_keywords_read(dir, &r) == 0 && used(&r) == 3);
	maildir_keywords_free(&r);
	maildir_keywords_free(&k);
	unlink(path);
	test_assert(rmdir(dir) == 0);	/* no temporary file left */
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_sample, test_malformed, test_add, test_files, NULL
	};
	return test_run(tests);
}
