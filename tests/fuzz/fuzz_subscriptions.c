/*
 * Subscription files on arbitrary bytes, read as Dovecot's and as Courier's: parsing
 * fails only on memory; the names come out sorted, once each, and each is one the
 * writer accepts and reads back as itself. Then the edit on the same bytes: after
 * subscribing a name it is listed, after unsubscribing it is not, and every other
 * name is still there.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "maildir_subscriptions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_sorted_valid(const struct maildir_subscriptions *s)
{
	struct maildir_subscriptions back;
	struct buf b;

	for (size_t i = 0; i < s->n; i++) {
		if (i > 0 && strcmp(s->name[i - 1], s->name[i]) >= 0)
			abort();
		buf_init(&b, MAILDIR_SUBSCRIPTIONS_FILE_MAX);
		if (maildir_subscriptions_edit("", 0, s->name[i], 1, &b) != 1)
			abort();
		if (maildir_subscriptions_parse(buf_str(&b), b.len, MAILDIR_SUBSCRIPTIONS_DOVECOT,
						&back) < 0)
			abort();
		if (back.n != 1 || strcmp(back.name[0], s->name[i]) != 0)
			abort();
		maildir_subscriptions_free(&back);
		buf_free(&b);
	}
}

/* Subscribe or unsubscribe name in text; the result must list name as asked and keep
 * every name of before that is not name. */
static void check_edit(const char *text, size_t len, const struct maildir_subscriptions *before,
		       const char *name, int sub)
{
	struct maildir_subscriptions after;
	struct buf b;

	buf_init(&b, MAILDIR_SUBSCRIPTIONS_FILE_MAX + 1024);
	if (maildir_subscriptions_edit(text, len, name, sub, &b) < 0)
		abort();
	if (maildir_subscriptions_parse(buf_str(&b), b.len, MAILDIR_SUBSCRIPTIONS_DOVECOT,
					&after) < 0)
		abort();
	if (maildir_subscriptions_has(&after, name) != sub)
		abort();
	for (size_t i = 0; i < before->n; i++)
		if (strcmp(before->name[i], name) != 0 &&
		    !maildir_subscriptions_has(&after, before->name[i]))
			abort();
	maildir_subscriptions_free(&after);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct maildir_subscriptions s;

	if (maildir_subscriptions_parse(text, size, MAILDIR_SUBSCRIPTIONS_COURIER, &s) == 0) {
		check_sorted_valid(&s);
		maildir_subscriptions_free(&s);
	}
	if (maildir_subscriptions_parse(text, size, MAILDIR_SUBSCRIPTIONS_DOVECOT, &s) < 0)
		return 0;
	check_sorted_valid(&s);
	check_edit(text, size, &s, "INBOX", 0);
	check_edit(text, size, &s, "INBOX", 1);
	check_edit(text, size, &s, "Archive/2024", 1);
	if (s.n > 0) {
		check_edit(text, size, &s, s.name[0], 0);
		check_edit(text, size, &s, s.name[s.n - 1], 1);
	}
	maildir_subscriptions_free(&s);
	return 0;
}
