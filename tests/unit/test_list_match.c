/*
 * LIST/LSUB patterns (imapd/list_match.c): '*' and '%' (RFC 3501 6.3.8), the INBOX
 * rule, modified UTF-7, and time linear in the name whatever the pattern; the
 * SPECIAL-USE table and its override file's parser (imapd/special_use.c).
 */
#include "test.h"

#include "list_match.h"
#include "special_use.h"

#include <time.h>

static int m(const char *ref, const char *pat, const char *name)
{
	struct imap_match mt;
	int r;

	if (imap_match_init(&mt, ref, pat) != 0)
		return -1;
	r = imap_match(&mt, name);
	imap_match_free(&mt);
	return r;
}

static void test_wildcards(void)
{
	test_begin("wildcards");
	test_assert(m("", "*", "A/B/C") == 1);
	test_assert(m("", "%", "A") == 1);
	test_assert(m("", "%", "A/B") == 0);
	test_assert(m("", "%/%", "A/B") == 1);
	test_assert(m("", "A/%", "A/B") == 1);
	test_assert(m("", "A/%", "A/B/C") == 0);
	test_assert(m("", "A*", "A/B/C") == 1);
	test_assert(m("", "A*C", "A/B/C") == 1);
	test_assert(m("", "A%C", "A/B/C") == 0);
	test_assert(m("", "A%", "AB") == 1);
	test_assert(m("", "A", "AB") == 0);
	test_assert(m("", "AB", "A") == 0);
	test_assert(m("", "", "") == 1);
	test_assert(m("", "*", "") == 1);
	test_assert(m("A/", "%", "A/B") == 1);
	test_assert(m("A/", "%", "A") == 0);
	test_end();
}

static void test_inbox_and_mutf7(void)
{
	test_begin("INBOX in any case, modified UTF-7");
	test_assert(m("", "inbox", "INBOX") == 1);
	test_assert(m("", "InBoX/%", "INBOX/sub") == 1);
	test_assert(m("", "inboxes", "INBOXES") == 0);	/* only INBOX itself */
	test_assert(m("", "caf&AOk-", "caf\xc3\xa9") == 1);
	test_assert(m("", "caf&AOk-", "cafe") == 0);
	test_assert(m("", "caf&AOk", "caf\xc3\xa9") == -1);	/* not mUTF-7: no match */
	test_end();
}

/* A backtracking matcher takes exponential time on "*a*a*...*b" against a long run
 * of a's; the position-set run takes the name's length times the pattern's. */
static void test_linear_time(void)
{
	char name[1025], pat[1025];
	struct imap_match mt;
	struct timespec t0, t1;
	size_t k = 0;
	double secs;
	int r = 0;

	test_begin("linear time");
	memset(name, 'a', 1024);
	name[1024] = '\0';
	while (k + 2 < 1000) {
		pat[k++] = '*';
		pat[k++] = 'a';
	}
	pat[k++] = '*';
	pat[k++] = 'b';
	pat[k] = '\0';
	test_assert(imap_match_init(&mt, "", pat) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 10; i++)
		r |= imap_match(&mt, name);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	test_assert(r == 0);
	/* 10 runs of 1024 x 1000 steps: milliseconds, seconds under sanitizers at most */
	test_assert(secs < 5.0);
	name[1023] = 'b';
	test_assert(imap_match(&mt, name) == 1);
	imap_match_free(&mt);
	test_assert(m("", "%a%a%a%a%a%a%a%a%a%a%a%a%b", name) == 1);
	test_end();
}

static void test_special_use(void)
{
	struct imap_special_use su;
	const char file[] = "# mine\n\\Sent Gesendet\r\n\\bogus X\n\\archive A/B\nnospace\n"
			    "\\Trash \n\\Junk Sp\0am\n\\Drafts Entw\xc3\xbcrfe";

	test_begin("special-use");
	memset(&su, 0, sizeof su);
	test_assert_str(imap_special_use_get(&su, "sent messages"), "\\Sent");
	test_assert_str(imap_special_use_get(&su, "DELETED ITEMS"), "\\Trash");
	test_assert_str(imap_special_use_get(&su, "Archives"), "\\Archive");
	test_assert_str(imap_special_use_get(&su, "spam"), "\\Junk");
	test_assert(imap_special_use_get(&su, "X/Sent") == NULL);
	test_assert(imap_special_use_get(&su, "Sent2") == NULL);
	test_assert(imap_special_use_parse(file, sizeof file - 1, &su) == 0);
	test_assert(su.n == 3);
	test_assert(imap_special_use_get(&su, "Sent") == NULL);	/* replaced */
	test_assert_str(imap_special_use_get(&su, "gesendet"), "\\Sent");
	test_assert_str(imap_special_use_get(&su, "A/B"), "\\Archive");
	test_assert_str(imap_special_use_get(&su, "Entw\xc3\xbcrfe"), "\\Drafts");
	test_assert(imap_special_use_get(&su, "X") == NULL);
	test_assert(imap_special_use_get(&su, "Sp") == NULL);
	imap_special_use_free(&su);
	test_assert(imap_special_use_parse("", 0, &su) == 0);
	test_assert(imap_special_use_get(&su, "Trash") == NULL);	/* empty file: off */
	imap_special_use_free(&su);
	test_end();
}

int main(void)
{
	static void (*const t[])(void) = { test_wildcards, test_inbox_and_mutf7, test_linear_time,
					   test_special_use, NULL };
	return test_run(t);
}
