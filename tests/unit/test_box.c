/* The mailbox view: UID assignment, the unchanged-folder shortcut, foreign changes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "io.h"
#include "maildir_box.h"
#include "maildir_deliver.h"
#include "maildir_msg.h"
#include "maildir_uidlist.h"
#include "test.h"

static char root[PATH_MAX];

static void fresh_maildir(void)
{
	char cmd[PATH_MAX + 16];

	if (root[0] != '\0') {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
		if (system(cmd) != 0)
			abort();
	}
	snprintf(root, sizeof root, "%s/test_box.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(root) == NULL || maildir_make(root) < 0)
		abort();
}

static void put(const char *sub, const char *name, const char *body)
{
	char path[PATH_MAX * 2];
	int fd;

	snprintf(path, sizeof path, "%s/%s/%s", root, sub, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, body, strlen(body)) != (ssize_t)strlen(body))
		abort();
	close(fd);
}

static void deliver(const char *body)
{
	struct maildir_tmp t;
	char name[MAILDIR_NAME_MAX + 1];

	if (maildir_tmp_open(&t, root) < 0 || maildir_tmp_write(&t, body, strlen(body)) < 0 ||
	    maildir_tmp_commit(&t, "new", 0, 0, name, sizeof name) < 0)
		abort();
}

/* Make new/ and cur/ look untouched for a while, so a sync may record them. */
static void age_dirs(void)
{
	struct timespec ts[2] = { { time(NULL) - 100, 0 }, { time(NULL) - 100, 0 } };
	char path[PATH_MAX * 2];

	snprintf(path, sizeof path, "%s/new", root);
	utimensat(AT_FDCWD, path, ts, 0);
	snprintf(path, sizeof path, "%s/cur", root);
	utimensat(AT_FDCWD, path, ts, 0);
}

static void test_empty(void)
{
	struct maildir_box b;
	struct maildir_uidlist u = { 0 };

	test_begin("empty maildir gets a uidlist");
	fresh_maildir();
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(b.n == 0);
	test_assert(b.uidvalidity != 0);
	test_assert(b.nextuid == 1);
	test_assert(maildir_uidlist_read(root, &u) == 0);
	test_assert(u.uidvalidity == b.uidvalidity);
	test_assert(strlen(u.guid) == 32);
	maildir_uidlist_free(&u);
	maildir_box_close(&b);
	test_end();
}

static void test_delivery_order(void)
{
	struct maildir_box b;
	uint32_t v;

	test_begin("UIDs follow delivery order, not readdir order");
	fresh_maildir();
	put("new", "1000.M5P1Q1.h,S=1", "a");
	put("new", "1000.M30P1Q1.h,S=1", "b");
	put("new", "999.M999999P1Q1.h,S=1", "c");
	put("cur", "1000.M7P2Q1.h,S=1:2,S", "d");
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(b.n == 4);
	if (b.n == 4) {
		test_assert_str(b.v[0].name, "999.M999999P1Q1.h,S=1");
		test_assert_str(b.v[1].name, "1000.M5P1Q1.h,S=1");
		test_assert_str(b.v[2].name, "1000.M7P2Q1.h,S=1:2,S");
		test_assert_str(b.v[3].name, "1000.M30P1Q1.h,S=1");
		test_assert(b.v[0].uid == 1 && b.v[3].uid == 4);
		test_assert(b.v[2].flags == MAILDIR_F_SEEN && !b.v[2].in_new && b.v[0].in_new);
		test_assert(b.v[0].size == 1);
	}
	v = b.uidvalidity;
	maildir_box_close(&b);
	/* A second open assigns nothing new and keeps UIDVALIDITY. */
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(b.uidvalidity == v && b.n == 4 && b.nextuid == 5);
	maildir_box_close(&b);
	test_end();
}

static void test_unchanged_no_readdir(void)
{
	struct maildir_box b;
	char from[PATH_MAX * 2], to[PATH_MAX * 2];
	int changed = 0;

	test_begin("an unchanged folder opens without readdir");
	fresh_maildir();
	for (int i = 0; i < 20; i++)
		deliver("Subject: x\n\nbody\n");
	age_dirs();
	test_assert(maildir_box_open(&b, root) == 0);	/* records the mtimes */
	test_assert(b.readdirs >= 1);
	maildir_box_close(&b);
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(b.readdirs == 0);
	test_assert(b.n == 20);
	test_assert(b.v[19].uid == 20);
	/* Nothing changed: a sync is two stats, no readdir. */
	age_dirs();
	test_assert(maildir_box_sync(&b, &changed) == 0);
	test_assert(changed == 0);

	/* Someone else marks message 3 seen: the mtime moves, the view follows. */
	snprintf(from, sizeof from, "%s/new/%s", root, b.v[2].name);
	snprintf(to, sizeof to, "%s/cur/%s:2,S", root, b.v[2].name);
	test_assert(rename(from, to) == 0);
	test_assert(maildir_box_sync(&b, &changed) == 0);
	test_assert(changed == 1);
	test_assert(b.readdirs >= 1);
	test_assert(b.n == 20 && b.v[2].uid == 3 && b.v[2].flags == MAILDIR_F_SEEN);
	maildir_box_close(&b);
	test_end();
}

static void test_expunge_and_new(void)
{
	struct maildir_box b;
	int changed;

	test_begin("expunged UIDs are never reused");
	fresh_maildir();
	for (int i = 0; i < 5; i++)
		deliver("x\n");
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(maildir_box_expunge(&b, 4) == 0);
	test_assert(maildir_box_expunge(&b, 1) == 0);
	test_assert(maildir_box_sync(&b, &changed) == 0 && changed);
	test_assert(b.n == 3);
	test_assert(b.v[0].uid == 1 && b.v[1].uid == 3 && b.v[2].uid == 4);
	deliver("y\n");
	test_assert(maildir_box_sync(&b, &changed) == 0 && changed);
	test_assert(b.n == 4 && b.v[3].uid == 6);
	maildir_box_close(&b);
	test_end();
}

static void test_flags_keywords(void)
{
	struct maildir_box b, c;
	int k;

	test_begin("flags and keywords by rename, names in dovecot-keywords");
	fresh_maildir();
	deliver("x\n");
	deliver("y\n");
	test_assert(maildir_box_open(&b, root) == 0);
	k = maildir_box_keyword(&b, "$Junk");
	test_assert(k == 0);
	test_assert(maildir_box_keyword(&b, "$Junk") == 0);
	test_assert(maildir_box_keyword(&b, "Work") == 1);
	test_assert(maildir_box_set_flags(&b, 1, MAILDIR_F_SEEN | MAILDIR_F_FLAGGED,
					  MAILDIR_KW('a') | MAILDIR_KW('b')) == 0);
	test_assert(strstr(b.v[1].name, ":2,FSab") != NULL);
	test_assert(b.v[1].in_new == 0);
	test_assert(maildir_box_open(&c, root) == 0);
	test_assert(c.n == 2 && c.v[1].uid == 2);
	test_assert(c.v[1].keywords == (MAILDIR_KW('a') | MAILDIR_KW('b')));
	test_assert_str(c.kw.name[0], "$Junk");
	test_assert_str(c.kw.name[1], "Work");
	maildir_box_close(&c);
	maildir_box_close(&b);
	test_end();
}

static void test_change_flags(void)
{
	struct maildir_box b;
	struct maildir_flag_change seen = { MAILDIR_F_SEEN, 0, 0, 0 };
	struct maildir_flag_change unflag = { 0, 0, MAILDIR_F_FLAGGED, 0 };
	char from[PATH_MAX * 2], to[PATH_MAX * 2];

	test_begin("relative flag changes keep what others changed meanwhile");
	fresh_maildir();
	deliver("x\n");
	test_assert(maildir_box_open(&b, root) == 0 && b.n == 1);
	/* Another process flags and answers the message behind our view's back. */
	snprintf(from, sizeof from, "%s/new/%s", root, b.v[0].name);
	snprintf(to, sizeof to, "%s/cur/%s:2,FR", root, b.v[0].name);
	test_assert(rename(from, to) == 0);
	test_assert(b.v[0].flags == 0);
	test_assert(maildir_box_change_flags(&b, 0, &seen) == 0);
	test_assert(b.v[0].flags == (MAILDIR_F_FLAGGED | MAILDIR_F_REPLIED | MAILDIR_F_SEEN));
	test_assert(strstr(b.v[0].name, ":2,FRS") != NULL && !b.v[0].in_new);
	test_assert(maildir_box_change_flags(&b, 0, &unflag) == 0);
	test_assert(strstr(b.v[0].name, ":2,RS") != NULL);
	maildir_box_close(&b);
	test_end();
}

static void test_courier(void)
{
	struct maildir_box b;
	struct maildir_uidlist u = { 0 };

	test_begin("courierimapuiddb UIDs are kept");
	fresh_maildir();
	put("cur", "1234567880.12345_0.host:2,S", "a");
	put("cur", "1234567890.12399_0.host:2,", "b");
	put("new", "1234567999.1_0.host", "c");
	put("", "courierimapuiddb", "1 1234567890 5\n2 1234567880.12345_0.host\n"
	    "4 1234567890.12399_0.host\n");
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(b.uidvalidity == 1234567890);
	test_assert(b.n == 3);
	if (b.n == 3) {
		test_assert(b.v[0].uid == 2 && b.v[1].uid == 4 && b.v[2].uid == 5);
		test_assert(b.v[0].flags == MAILDIR_F_SEEN);
	}
	test_assert(maildir_uidlist_read(root, &u) == 0);
	test_assert(u.version == 3 && u.uidvalidity == 1234567890 && u.n == 3);
	maildir_uidlist_free(&u);
	maildir_box_close(&b);
	test_end();
}

static void test_corrupt_uidlist(void)
{
	struct maildir_box b;

	test_begin("an unreadable uidlist is an error, never a renumbering");
	fresh_maildir();
	deliver("x\n");
	put("", "dovecot-uidlist", "3 V12345 N3 Gabc\n2 :a\n1 :b\n");
	errno = 0;
	test_assert(maildir_box_open(&b, root) == -1);
	test_assert(errno == EINVAL);
	test_end();
}

static void test_dovecot_sizes(void)
{
	struct maildir_box b;

	test_begin("sizes from uidlist keys, else from the file");
	fresh_maildir();
	put("cur", "1276533073.M242911P3632.kurkku:2,F", "a\nbc\n");
	put("new", "1276533074.M1P1.kurkku", "a\r\nb\n");
	put("", "dovecot-uidlist", "3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1\n"
	    "25017 W2481 :1276533073.M242911P3632.kurkku:2,F\n");
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(b.n == 2);
	if (b.n == 2) {
		test_assert(b.v[0].uid == 25017 && b.v[0].vsize == 2481);
		test_assert(b.v[0].flags == MAILDIR_F_FLAGGED);
		test_assert(b.v[1].uid == 25022);
		test_assert(b.v[1].size == MAILDIR_SIZE_UNKNOWN);
		test_assert(maildir_box_sizes(&b, &b.v[1]) == 0);
		test_assert(b.v[1].size == 5 && b.v[1].vsize == 6);
	}
	test_assert(b.nextuid == 25023 && b.uidvalidity == 1275660208);
	maildir_box_close(&b);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_empty, test_delivery_order, test_unchanged_no_readdir,
		test_expunge_and_new, test_flags_keywords, test_change_flags, test_courier,
		test_corrupt_uidlist, test_dovecot_sizes, NULL
	};
	int r = test_run(tests);
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		r = 1;
	return r;
}
