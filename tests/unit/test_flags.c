/*
 * IMAP flag names: the RFC 3501 2.3.2 system flags and their Maildir letters both
 * ways, case-insensitive lookup, and the flag list with keywords and \Recent.
 */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "maildir_flags.h"
#include "maildir_name.h"
#include "test.h"

static uint32_t bit(const char *s)
{
	return maildir_imap_flag_bit(s, strlen(s));
}

static void test_names(void)
{
	test_begin("imap flags: names and letters");
	test_assert(bit("\\Seen") == MAILDIR_F_SEEN);
	test_assert(bit("\\Answered") == MAILDIR_F_REPLIED);
	test_assert(bit("\\Flagged") == MAILDIR_F_FLAGGED);
	test_assert(bit("\\Deleted") == MAILDIR_F_TRASHED);
	test_assert(bit("\\Draft") == MAILDIR_F_DRAFT);
	test_assert(bit("\\SEEN") == MAILDIR_F_SEEN);
	test_assert(bit("\\dRaFt") == MAILDIR_F_DRAFT);
	test_assert(bit("\\Recent") == 0);
	test_assert(bit("\\Passed") == 0);
	test_assert(bit("Seen") == 0);
	test_assert(bit("\\Seenx") == 0);
	test_assert(bit("\\See") == 0);
	test_assert(bit("") == 0);
	test_assert(maildir_imap_flag_bit("\\Seen)", 5) == MAILDIR_F_SEEN);
	for (size_t i = 0; i < MAILDIR_IMAP_SYSFLAGS; i++) {
		uint32_t b = MAILDIR_FLAG(maildir_imap_flags[i].letter);
		test_assert(bit(maildir_imap_flags[i].name) == b);
		test_assert_str(maildir_imap_flag_name(b), maildir_imap_flags[i].name);
		if (i > 0)
			test_assert(maildir_imap_flags[i - 1].letter < maildir_imap_flags[i].letter);
	}
	test_assert(maildir_imap_flag_name(MAILDIR_F_PASSED) == NULL);
	test_assert(maildir_imap_flag_name(0) == NULL);
	test_assert(maildir_imap_flag_name(MAILDIR_F_SEEN | MAILDIR_F_DRAFT) == NULL);
	test_end();
}

static const char *fmt(struct buf *b, uint32_t f, uint32_t kw, int recent,
		       const struct maildir_keywords *k)
{
	buf_reset(b);
	if (maildir_imap_flags_format(f, kw, recent, k, b) < 0)
		return NULL;
	return buf_str(b);
}

static void test_format(void)
{
	struct maildir_keywords k = { { 0 } };
	struct buf b;

	test_begin("imap flags: flag list");
	buf_init(&b, 4096);
	k.name[0] = "$Junk";
	k.name[2] = "Work";
	test_assert_str(fmt(&b, 0, 0, 0, &k), "()");
	test_assert_str(fmt(&b, 0, 0, 1, NULL), "(\\Recent)");
	test_assert_str(fmt(&b, MAILDIR_F_SEEN | MAILDIR_F_REPLIED, 0, 0, &k),
			"(\\Answered \\Seen)");
	test_assert_str(fmt(&b, MAILDIR_F_PASSED, 0, 0, &k), "()");
	test_assert_str(fmt(&b, MAILDIR_F_TRASHED | MAILDIR_F_FLAGGED | MAILDIR_F_DRAFT, 0, 1, &k),
			"(\\Draft \\Flagged \\Deleted \\Recent)");
	/* letter b has no name in dovecot-keywords: not shown */
	test_assert_str(fmt(&b, MAILDIR_F_SEEN, MAILDIR_KW('a') | MAILDIR_KW('b') |
			    MAILDIR_KW('c'), 0, &k), "(\\Seen $Junk Work)");
	test_assert_str(fmt(&b, 0, MAILDIR_KW('c'), 1, &k), "(\\Recent Work)");
	test_assert_str(fmt(&b, 0, MAILDIR_KW('c'), 0, NULL), "()");
	buf_free(&b);
	buf_init(&b, 5);
	test_assert(maildir_imap_flags_format(MAILDIR_F_SEEN, 0, 0, &k, &b) == -1 &&
		    errno == E2BIG);
	buf_free(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_names, test_format, NULL };
	return test_run(tests);
}
