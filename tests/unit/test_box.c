/* The mailbox view: UID assignment, the unchanged-folder shortcut, foreign changes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "io.h"
#include "maildir_box.h"
#include "maildir_deliver.h"
#include "maildir_folder.h"
#include "maildir_lock.h"
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
	struct maildir_box *b;
	struct maildir_uidlist u = { 0 };

	test_begin("empty maildir gets a uidlist");
	fresh_maildir();
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(maildir_box_count(b) == 0);
	test_assert(maildir_box_uidvalidity(b) != 0);
	test_assert(maildir_box_nextuid(b) == 1);
	test_assert(maildir_uidlist_read(root, &u) == 0);
	test_assert(u.uidvalidity == maildir_box_uidvalidity(b));
	test_assert(strlen(u.guid) == 32);
	maildir_uidlist_free(&u);
	maildir_box_close(b);
	test_end();
}

static void test_delivery_order(void)
{
	struct maildir_box *b;
	uint32_t v;

	test_begin("UIDs follow delivery order, not readdir order");
	fresh_maildir();
	put("new", "1000.M5P1Q1.h,S=1", "a");
	put("new", "1000.M30P1Q1.h,S=1", "b");
	put("new", "999.M999999P1Q1.h,S=1", "c");
	put("cur", "1000.M7P2Q1.h,S=1:2,S", "d");
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(maildir_box_count(b) == 4);
	if (maildir_box_count(b) == 4) {
		test_assert_str(maildir_box_msg(b, 0)->name, "999.M999999P1Q1.h,S=1");
		test_assert_str(maildir_box_msg(b, 1)->name, "1000.M5P1Q1.h,S=1");
		test_assert_str(maildir_box_msg(b, 2)->name, "1000.M7P2Q1.h,S=1:2,S");
		test_assert_str(maildir_box_msg(b, 3)->name, "1000.M30P1Q1.h,S=1");
		test_assert(maildir_box_msg(b, 0)->uid == 1 && maildir_box_msg(b, 3)->uid == 4);
		test_assert(maildir_box_msg(b, 2)->flags == MAILDIR_F_SEEN && !maildir_box_msg(b, 2)->in_new && maildir_box_msg(b, 0)->in_new);
		test_assert(maildir_box_msg_size(b, 0) == 1);
	}
	v = maildir_box_uidvalidity(b);
	maildir_box_close(b);
	/* A second open assigns nothing new and keeps UIDVALIDITY. */
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(maildir_box_uidvalidity(b) == v && maildir_box_count(b) == 4 && maildir_box_nextuid(b) == 5);
	maildir_box_close(b);
	test_end();
}

static void test_unchanged_no_readdir(void)
{
	struct maildir_box *b;
	char from[PATH_MAX * 2], to[PATH_MAX * 2];
	struct maildir_changes c;

	test_begin("an unchanged folder opens without readdir");
	fresh_maildir();
	for (int i = 0; i < 20; i++)
		deliver("Subject: x\n\nbody\n");
	age_dirs();
	test_assert(maildir_box_open(&b, root) == 0);	/* records the mtimes */
	test_assert(maildir_box_readdirs(b) >= 1);
	maildir_box_close(b);
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(maildir_box_readdirs(b) == 0);
	test_assert(maildir_box_count(b) == 20);
	test_assert(maildir_box_msg(b, 19)->uid == 20);
	/* Nothing changed: a sync is two stats, no readdir. */
	age_dirs();
	test_assert(maildir_box_sync(b, &c) == 0);
	test_assert(c.n_expunged == 0 && c.n_flagged == 0 && c.first_new == 20);
	maildir_changes_free(&c);

	/* Someone else marks message 3 seen: the mtime moves, the view follows. */
	snprintf(from, sizeof from, "%s/new/%s", root, maildir_box_msg(b, 2)->name);
	snprintf(to, sizeof to, "%s/cur/%s:2,S", root, maildir_box_msg(b, 2)->name);
	test_assert(rename(from, to) == 0);
	test_assert(maildir_box_sync(b, &c) == 0);
	test_assert(c.n_expunged == 0 && c.n_flagged == 1 && c.first_new == 20);
	test_assert(c.n_flagged == 1 && c.flagged[0] == 3);
	maildir_changes_free(&c);
	test_assert(maildir_box_readdirs(b) >= 1);
	test_assert(maildir_box_count(b) == 20 && maildir_box_msg(b, 2)->uid == 3 && maildir_box_msg(b, 2)->flags == MAILDIR_F_SEEN);
	maildir_box_close(b);
	test_end();
}

static void test_expunge_and_new(void)
{
	struct maildir_box *b;
	struct maildir_changes c;

	test_begin("expunged UIDs are never reused");
	fresh_maildir();
	for (int i = 0; i < 5; i++)
		deliver("x\n");
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(maildir_box_expunge(b, 4) == 0);
	test_assert(maildir_box_expunge(b, 1) == 0);
	test_assert(maildir_box_sync(b, &c) == 0);
	test_assert(c.n_expunged == 2 && c.n_flagged == 0 && c.first_new == 3);
	test_assert(c.n_expunged == 2 && c.expunged[0] == 2 && c.expunged[1] == 5);
	maildir_changes_free(&c);
	test_assert(maildir_box_count(b) == 3);
	test_assert(maildir_box_msg(b, 0)->uid == 1 && maildir_box_msg(b, 1)->uid == 3 && maildir_box_msg(b, 2)->uid == 4);
	deliver("y\n");
	test_assert(maildir_box_sync(b, &c) == 0);
	test_assert(c.n_expunged == 0 && c.first_new == 3);
	maildir_changes_free(&c);
	test_assert(maildir_box_count(b) == 4 && maildir_box_msg(b, 3)->uid == 6);
	maildir_box_close(b);
	test_end();
}

static void test_flags_keywords(void)
{
	struct maildir_box *b, *c;
	int k;

	test_begin("flags and keywords by rename, names in dovecot-keywords");
	fresh_maildir();
	deliver("x\n");
	deliver("y\n");
	test_assert(maildir_box_open(&b, root) == 0);
	k = maildir_box_keyword(b, "$Junk");
	test_assert(k == 0);
	test_assert(maildir_box_keyword(b, "$Junk") == 0);
	test_assert(maildir_box_keyword(b, "Work") == 1);
	test_assert(maildir_box_set_flags(b, 1, MAILDIR_F_SEEN | MAILDIR_F_FLAGGED,
					  MAILDIR_KW('a') | MAILDIR_KW('b')) == 0);
	test_assert(strstr(maildir_box_msg(b, 1)->name, ":2,FSab") != NULL);
	test_assert(maildir_box_msg(b, 1)->in_new == 0);
	test_assert(maildir_box_open(&c, root) == 0);
	test_assert(maildir_box_count(c) == 2 && maildir_box_msg(c, 1)->uid == 2);
	test_assert(maildir_box_msg(c, 1)->keywords == (MAILDIR_KW('a') | MAILDIR_KW('b')));
	test_assert_str(maildir_box_keywords(c)->name[0], "$Junk");
	test_assert_str(maildir_box_keywords(c)->name[1], "Work");
	maildir_box_close(c);
	maildir_box_close(b);
	test_end();
}

static void test_change_flags(void)
{
	struct maildir_box *b;
	struct maildir_flag_change seen = { MAILDIR_F_SEEN, 0, 0, 0 };
	struct maildir_flag_change unflag = { 0, 0, MAILDIR_F_FLAGGED, 0 };
	char from[PATH_MAX * 2], to[PATH_MAX * 2];

	test_begin("relative flag changes keep what others changed meanwhile");
	fresh_maildir();
	deliver("x\n");
	test_assert(maildir_box_open(&b, root) == 0 && maildir_box_count(b) == 1);
	/* Another process flags and answers the message behind our view's back. */
	snprintf(from, sizeof from, "%s/new/%s", root, maildir_box_msg(b, 0)->name);
	snprintf(to, sizeof to, "%s/cur/%s:2,FR", root, maildir_box_msg(b, 0)->name);
	test_assert(rename(from, to) == 0);
	test_assert(maildir_box_msg(b, 0)->flags == 0);
	test_assert(maildir_box_change_flags(b, 0, &seen) == 0);
	test_assert(maildir_box_msg(b, 0)->flags == (MAILDIR_F_FLAGGED | MAILDIR_F_REPLIED | MAILDIR_F_SEEN));
	test_assert(strstr(maildir_box_msg(b, 0)->name, ":2,FRS") != NULL && !maildir_box_msg(b, 0)->in_new);
	test_assert(maildir_box_change_flags(b, 0, &unflag) == 0);
	test_assert(strstr(maildir_box_msg(b, 0)->name, ":2,RS") != NULL);
	maildir_box_close(b);
	test_end();
}

static void test_courier(void)
{
	struct maildir_box *b;
	struct maildir_uidlist u = { 0 };

	test_begin("courierimapuiddb UIDs are kept");
	fresh_maildir();
	put("cur", "1234567880.12345_0.host:2,S", "a");
	put("cur", "1234567890.12399_0.host:2,", "b");
	put("new", "1234567999.1_0.host", "c");
	put("", "courierimapuiddb", "1 1234567890 5\n2 1234567880.12345_0.host\n"
	    "4 1234567890.12399_0.host\n");
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(maildir_box_uidvalidity(b) == 1234567890);
	test_assert(maildir_box_count(b) == 3);
	if (maildir_box_count(b) == 3) {
		test_assert(maildir_box_msg(b, 0)->uid == 2 && maildir_box_msg(b, 1)->uid == 4 && maildir_box_msg(b, 2)->uid == 5);
		test_assert(maildir_box_msg(b, 0)->flags == MAILDIR_F_SEEN);
	}
	test_assert(maildir_uidlist_read(root, &u) == 0);
	test_assert(u.version == 3 && u.uidvalidity == 1234567890 && u.n == 3);
	maildir_uidlist_free(&u);
	maildir_box_close(b);
	test_end();
}

static void test_corrupt_uidlist(void)
{
	struct maildir_box *b;

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
	struct maildir_box *b;

	test_begin("sizes from uidlist keys, else from the file");
	fresh_maildir();
	put("cur", "1276533073.M242911P3632.kurkku:2,F", "a\nbc\n");
	put("new", "1276533074.M1P1.kurkku", "a\r\nb\n");
	put("", "dovecot-uidlist", "3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1\n"
	    "25017 W2481 :1276533073.M242911P3632.kurkku:2,F\n");
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(maildir_box_count(b) == 2);
	if (maildir_box_count(b) == 2) {
		test_assert(maildir_box_msg(b, 0)->uid == 25017 && maildir_box_msg_vsize(b, 0) == 2481);
		test_assert(maildir_box_msg(b, 0)->flags == MAILDIR_F_FLAGGED);
		test_assert(maildir_box_msg(b, 1)->uid == 25022);
		test_assert(maildir_box_msg_size(b, 1) == MAILDIR_SIZE_UNKNOWN);
		test_assert(maildir_box_sizes(b, 1) == 0);
		test_assert(maildir_box_msg_size(b, 1) == 5 && maildir_box_msg_vsize(b, 1) == 6);
	}
	test_assert(maildir_box_nextuid(b) == 25023 && maildir_box_uidvalidity(b) == 1275660208);
	maildir_box_close(b);
	test_end();
}

static void set_mtime(const char *sub, time_t sec)
{
	struct timespec ts[2] = { { sec, 0 }, { sec, 0 } };
	char path[PATH_MAX * 2];

	snprintf(path, sizeof path, "%s/%s", root, sub);
	if (utimensat(AT_FDCWD, path, ts, 0) < 0)
		abort();
}

static void test_same_tick_delivery(void)
{
	struct maildir_box *b;
	time_t t = time(NULL) - 1;

	test_begin("a delivery in the tick of the view's readdir is seen later");
	fresh_maildir();
	deliver("x\n");
	set_mtime("new", t);
	set_mtime("cur", t - 100);
	test_assert(maildir_box_open(&b, root) == 0 && maildir_box_count(b) == 1);
	/* A delivery the file system stamps with the same mtime (a coarse clock). */
	deliver("y\n");
	set_mtime("new", t);
	/* Once the mtime is old, it still equals what the view saw: only the view's
	 * memory that its readdir was dirty makes it look again. */
	while (time(NULL) < t + 3) {
		struct timespec pause = { 0, 100000000 };
		nanosleep(&pause, NULL);
	}
	test_assert(maildir_box_sync(b, NULL) == 0);
	test_assert(maildir_box_count(b) == 2);
	maildir_box_close(b);
	/* And a new view, which trusts the uidlist's mtime record, sees it too. */
	test_assert(maildir_box_open(&b, root) == 0 && maildir_box_count(b) == 2);
	maildir_box_close(b);
	test_end();
}

static void test_no_cache_after_lock_wait(void)
{
	struct maildir_lock lock = { { 0 } };
	struct maildir_uidlist u = { 0 };
	char path[PATH_MAX * 2];
	pid_t pid;
	int st;

	test_begin("the mtime record is judged by the sync's start, not a lock wait");
	fresh_maildir();
	deliver("x\n");
	snprintf(path, sizeof path, "%s/dovecot-uidlist", root);
	test_assert(maildir_lock_take(&lock, path, 5) == 0);
	pid = fork();
	if (pid == 0) {
		struct maildir_box *b;
		/* Dirty when it starts; the lock is free only 3 s later. */
		_exit(maildir_box_open(&b, root) == 0 ? 0 : 1);
	}
	sleep(3);
	maildir_lock_release(&lock);
	test_assert(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	test_assert(maildir_uidlist_read(root, &u) == 0);
	test_assert(u.hdr_extra == NULL || strchr(u.hdr_extra, 'Z') == NULL);
	maildir_uidlist_free(&u);
	test_end();
}

static void test_uid_horizon(void)
{
	struct maildir_box *b;
	struct maildir_changes c;
	char from[PATH_MAX * 2], to[PATH_MAX * 2];

	test_begin("a message reported gone never comes back below the horizon");
	fresh_maildir();
	for (int i = 0; i < 3; i++)
		deliver("x\n");
	test_assert(maildir_box_open(&b, root) == 0 && maildir_box_count(b) == 3);
	snprintf(from, sizeof from, "%s/new/%s", root, maildir_box_msg(b, 1)->name);
	snprintf(to, sizeof to, "%s/%s", root, "hidden");
	test_assert(rename(from, to) == 0);
	test_assert(maildir_box_sync(b, &c) == 0);
	test_assert(c.n_expunged == 1 && c.expunged[0] == 2 && maildir_box_count(b) == 2);
	maildir_changes_free(&c);
	test_assert(rename(to, from) == 0);
	deliver("y\n");
	test_assert(maildir_box_sync(b, &c) == 0);
	test_assert(maildir_box_count(b) == 3 && c.first_new == 2);
	test_assert(maildir_box_msg(b, 1)->uid == 3 && maildir_box_msg(b, 2)->uid == 4);
	maildir_changes_free(&c);
	maildir_box_close(b);
	test_end();
}

static void test_append(void)
{
	struct maildir_box *b;
	struct maildir_changes c;
	struct maildir_tmp t;
	struct maildir_uidlist u = { 0 };
	uint32_t uid = 0, uid2 = 0;

	test_begin("APPEND commits the file and its UID together");
	fresh_maildir();
	deliver("x\n");
	test_assert(maildir_box_open(&b, root) == 0);
	test_assert(maildir_tmp_open(&t, root) == 0 && maildir_tmp_write(&t, "a\n", 2) == 0);
	t.mtime = 1000000000;
	test_assert(maildir_box_append(b, &t, 0, 0, &uid) == 0 && uid == 2);
	test_assert(maildir_tmp_open(&t, root) == 0 && maildir_tmp_write(&t, "b\n", 2) == 0);
	test_assert(maildir_box_append(b, &t, MAILDIR_F_SEEN, 0, &uid2) == 0 && uid2 == 3);
	test_assert(maildir_uidlist_read(root, &u) == 0 && u.n >= 3 &&
		    u.v[u.n - 1].uid == 3 && u.v[u.n - 2].uid == 2);
	maildir_uidlist_free(&u);
	/* A delivery by someone else after the appends gets a later UID. */
	deliver("y\n");
	test_assert(maildir_box_sync(b, &c) == 0);
	test_assert(c.first_new == 1 && maildir_box_count(b) == 4);
	test_assert(maildir_box_msg(b, 1)->uid == 2 && maildir_box_msg(b, 1)->in_new);
	test_assert(maildir_box_msg(b, 2)->flags == MAILDIR_F_SEEN);
	test_assert(maildir_box_msg(b, 3)->uid == 4);
	test_assert(maildir_box_internaldate(b, 1) == 0 &&
		    maildir_box_msg_internaldate(b, 1) == 1000000000);
	maildir_changes_free(&c);
	maildir_box_close(b);
	test_end();
}

static void test_copy_move(void)
{
	struct maildir_box *src, *dst;
	struct maildir_changes c;
	char sub[PATH_MAX * 2];
	uint32_t uids[3];
	size_t idx[3] = { 0, 2, 1 };
	const struct maildir_msg *m;
	int fd;

	test_begin("COPY and MOVE: links, flags, keywords by name, UIDs in order");
	fresh_maildir();
	for (int i = 0; i < 3; i++)
		deliver(i == 0 ? "first\n" : "other\n");
	test_assert(maildir_folder_create(root, "Sub") == 0);
	test_assert(maildir_folder_path(root, "Sub", sub, sizeof sub) > 0);
	test_assert(maildir_box_open(&src, root) == 0 && maildir_box_count(src) == 3);
	test_assert(maildir_box_open(&dst, sub) == 0);
	/* dst knows another keyword first, so letters differ between the folders. */
	test_assert(maildir_box_keyword(dst, "Other") == 0);
	test_assert(maildir_box_keyword(src, "Work") == 0);
	test_assert(maildir_box_set_flags(src, 0, MAILDIR_F_FLAGGED, MAILDIR_KW('a')) == 0);
	test_assert(maildir_box_copy(src, idx, 3, dst, uids) == 0);
	test_assert(uids[0] == 1 && uids[1] == 2 && uids[2] == 3);
	test_assert(maildir_box_sync(dst, NULL) == 0 && maildir_box_count(dst) == 3);
	m = maildir_box_msg(dst, 0);
	test_assert(m->uid == 1 && m->flags == MAILDIR_F_FLAGGED && m->keywords == MAILDIR_KW('b'));
	test_assert_str(maildir_box_keywords(dst)->name[1], "Work");
	test_assert(maildir_box_msg(dst, 1)->in_new);
	fd = maildir_box_open_msg(dst, 0);
	if (fd >= 0) {
		char buf[16] = "";
		test_assert(read(fd, buf, sizeof buf - 1) == 6 && strcmp(buf, "first\n") == 0);
		close(fd);
	}
	test_assert(maildir_box_sync(src, NULL) == 0 && maildir_box_count(src) == 3);
	/* MOVE: gone from src (reported expunged there), in dst with the next UIDs. */
	test_assert(maildir_box_move(src, idx, 2, dst, uids) == 0);
	test_assert(uids[0] == 4 && uids[1] == 5);
	test_assert(maildir_box_sync(src, &c) == 0);
	test_assert(c.n_expunged == 2 && c.expunged[0] == 1 && c.expunged[1] == 3);
	test_assert(maildir_box_count(src) == 1);
	maildir_changes_free(&c);
	test_assert(maildir_box_sync(dst, &c) == 0 && maildir_box_count(dst) == 5);
	test_assert(c.first_new == 3);
	maildir_changes_free(&c);
	maildir_box_close(src);
	maildir_box_close(dst);
	test_end();
}

static void test_renamed_once(void)
{
	struct maildir_box *b;
	char from[PATH_MAX * 2], to[PATH_MAX * 2];
	unsigned long before;
	size_t n = 40;

	test_begin("after many foreign renames, one scan finds them all");
	fresh_maildir();
	for (size_t i = 0; i < n; i++)
		deliver("x\n");
	test_assert(maildir_box_open(&b, root) == 0 && maildir_box_count(b) == n);
	/* Another client marks everything seen. */
	for (size_t i = 0; i < n; i++) {
		snprintf(from, sizeof from, "%s/new/%s", root, maildir_box_msg(b, i)->name);
		snprintf(to, sizeof to, "%s/cur/%s:2,S", root, maildir_box_msg(b, i)->name);
		test_assert(rename(from, to) == 0);
	}
	before = maildir_box_readdirs(b);
	for (size_t i = 0; i < n; i++)
		test_assert(maildir_box_set_flags(b, i, MAILDIR_F_SEEN | MAILDIR_F_REPLIED, 0) == 0);
	/* One refresh (two scans at most), not one search per message. */
	test_assert(maildir_box_readdirs(b) - before <= 2);
	for (size_t i = 0; i < n; i++) {
		snprintf(to, sizeof to, "%s/cur/%s", root, maildir_box_msg(b, i)->name);
		test_assert(access(to, F_OK) == 0 && strstr(to, ":2,RS") != NULL);
	}
	maildir_box_close(b);
	test_end();
}

static void test_claim_once(void)
{
	struct maildir_box *a, *b;
	char path[PATH_MAX * 2];

	test_begin("a message in new/ is claimed by one view only");
	fresh_maildir();
	deliver("x\n");
	test_assert(maildir_box_open(&a, root) == 0 && maildir_box_count(a) == 1);
	test_assert(maildir_box_open(&b, root) == 0 && maildir_box_count(b) == 1);
	test_assert(maildir_box_msg(a, 0)->in_new && maildir_box_msg(b, 0)->in_new);
	test_assert(maildir_box_claim(a, 0) == 1);
	test_assert(!maildir_box_msg(a, 0)->in_new);
	snprintf(path, sizeof path, "%s/cur/%s", root, maildir_box_msg(a, 0)->name);
	test_assert(access(path, F_OK) == 0 && strstr(path, ":2,") != NULL);
	/* b still believes it is in new/: its claim must lose, not follow the rename */
	test_assert(maildir_box_claim(b, 0) == 0);
	test_assert(maildir_box_claim(a, 0) == 0);
	test_assert(access(path, F_OK) == 0);
	maildir_box_close(a);
	maildir_box_close(b);
	test_end();
}

/* age_dirs, but never to the same mtime twice: setting an mtime back to a value a
 * sync recorded would hide the change from any mtime-based check (a real change stamps
 * the current time). */
static void age_dirs_apart_at(const char *dir)
{
	static time_t base;
	struct timespec ts[2] = { { 0, 0 }, { 0, 0 } };
	char path[PATH_MAX * 2];

	if (base == 0)
		base = time(NULL) - 100;
	ts[0].tv_sec = ts[1].tv_sec = --base;
	snprintf(path, sizeof path, "%s/new", dir);
	utimensat(AT_FDCWD, path, ts, 0);
	snprintf(path, sizeof path, "%s/cur", dir);
	utimensat(AT_FDCWD, path, ts, 0);
}

static void age_dirs_apart(void)
{
	age_dirs_apart_at(root);
}

/* 1 when dir/sub/name exists. */
static int exists_in(const char *dir, const char *sub, const char *name)
{
	char path[PATH_MAX * 3];
	int n = snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);

	return n > 0 && (size_t)n < sizeof path && access(path, F_OK) == 0;
}

/* APPEND and COPY with flags: the files wait in new/ with their flags in the name, are
 * \Recent to exactly one view (RFC 3501 6.3.11, 6.4.7) and keep their flags through the
 * claim, also for a view built from a recorded uidlist (which cannot tell new/ from cur/
 * by the name). */
static void test_recent_with_flags(void)
{
	struct maildir_box *src, *a, *b, *c;
	struct maildir_tmp t;
	char sub[PATH_MAX * 2];
	uint32_t uids[2], uid = 0, fl[3];
	size_t idx[2] = { 0, 1 };
	int kw;

	test_begin("APPEND and COPY with flags: recent to one view, flags kept");
	fresh_maildir();
	deliver("one\n");
	deliver("two\n");
	test_assert(maildir_folder_create(root, "Sub") == 0);
	test_assert(maildir_folder_path(root, "Sub", sub, sizeof sub) > 0);
	test_assert(maildir_box_open(&src, root) == 0 && maildir_box_count(src) == 2);
	test_assert(maildir_box_open(&a, sub) == 0);
	kw = maildir_box_keyword(a, "Work");
	test_assert(kw == 0 && maildir_box_keyword(src, "Work") == 0);
	test_assert(maildir_box_set_flags(src, 0, MAILDIR_F_FLAGGED | MAILDIR_F_SEEN,
					  MAILDIR_KW('a')) == 0);
	test_assert(maildir_box_set_flags(src, 1, MAILDIR_F_SEEN, 0) == 0);
	test_assert(maildir_box_copy(src, idx, 2, a, uids) == 0);
	test_assert(uids[0] == 1 && uids[1] == 2);
	test_assert(maildir_tmp_open(&t, sub) == 0 && maildir_tmp_write(&t, "three\n", 6) == 0);
	test_assert(maildir_box_append(a, &t, MAILDIR_F_DRAFT, MAILDIR_KW('a'), &uid) == 0);
	test_assert(uid == 3);
	fl[0] = MAILDIR_F_FLAGGED | MAILDIR_F_SEEN;
	fl[1] = MAILDIR_F_SEEN;
	fl[2] = MAILDIR_F_DRAFT;
	/* Two views see them in new/ with their flags; only one claims each. */
	test_assert(maildir_box_sync(a, NULL) == 0 && maildir_box_count(a) == 3);
	test_assert(maildir_box_open(&b, sub) == 0 && maildir_box_count(b) == 3);
	for (size_t i = 0; i < 3 && maildir_box_count(a) == 3 && maildir_box_count(b) == 3;
	     i++) {
		const struct maildir_msg *m = maildir_box_msg(a, i);
		uint32_t k = i == 1 ? 0 : MAILDIR_KW('a');

		test_assert(m->in_new && maildir_box_msg(b, i)->in_new);
		test_assert(m->flags == fl[i] && m->keywords == k);
		test_assert(maildir_box_msg(b, i)->flags == fl[i]);
		test_assert(exists_in(sub, "new", m->name) && strstr(m->name, ":2,") != NULL);
		test_assert(maildir_box_claim(a, i) == 1);
		test_assert(maildir_box_claim(b, i) == 0);
		m = maildir_box_msg(a, i);
		test_assert(!m->in_new && m->flags == fl[i] && m->keywords == k);
		/* the name as it was: one info, not a second ":2," */
		test_assert(exists_in(sub, "cur", m->name) && strstr(m->name, ":2,") != NULL &&
			    strstr(strstr(m->name, ":2,") + 3, ":2,") == NULL);
	}
	test_assert(maildir_box_sync(b, NULL) == 0 && maildir_box_count(b) == 3);
	for (size_t i = 0; i < 3 && maildir_box_count(b) == 3; i++)
		test_assert(!maildir_box_msg(b, i)->in_new && maildir_box_msg(b, i)->flags == fl[i]);
	maildir_box_close(a);
	maildir_box_close(b);

	/* A flagged file in new/ recorded by a full sync: a later view, whose uidlist
	 * matches the directories, must still find it in new/ and claim it. */
	test_assert(maildir_box_open(&a, sub) == 0);
	test_assert(maildir_box_copy(src, idx, 1, a, uids) == 0 && uids[0] == 4);
	maildir_box_close(a);
	age_dirs_apart_at(sub);
	test_assert(maildir_box_open(&a, sub) == 0 && maildir_box_count(a) == 4);
	test_assert(maildir_box_open(&c, sub) == 0 && maildir_box_count(c) == 4);
	if (maildir_box_count(c) == 4) {
		test_assert(maildir_box_msg(c, 3)->in_new &&
			    maildir_box_msg(c, 3)->flags == fl[0]);
		test_assert(!maildir_box_msg(c, 0)->in_new);
		test_assert(maildir_box_claim(c, 3) == 1);
		test_assert(maildir_box_claim(a, 3) == 0);
		test_assert(maildir_box_msg(c, 3)->flags == fl[0]);
	}
	maildir_box_close(a);
	maildir_box_close(c);
	maildir_box_close(src);
	test_end();
}

/* STATUS from the uidlist header: only while the mtimes recorded with the counts hold. */
static void test_peek_status(void)
{
	struct maildir_box *b;
	struct maildir_box_status st;
	char from[PATH_MAX * 2], to[PATH_MAX * 2];

	test_begin("peek_status answers from the header while the folder is unchanged");
	fresh_maildir();
	test_assert(maildir_box_peek_status(root, &st) == 0);	/* no uidlist yet */
	put("new", "1000.M1P1Q1.h,S=1", "a");
	put("cur", "1000.M2P1Q1.h,S=1:2,S", "b");
	put("cur", "1000.M3P1Q1.h,S=1:2,F", "c");
	put("cur", "1000.M4P1Q1.h,S=1:2,FS", "d");
	age_dirs_apart();
	test_assert(maildir_box_open(&b, root) == 0);	/* a full sync counts */
	maildir_box_close(b);
	memset(&st, 0, sizeof st);
	test_assert(maildir_box_peek_status(root, &st) == 1);
	test_assert(st.messages == 4 && st.unseen == 2 && st.in_new == 1);
	test_assert(st.uidnext == 5 && st.uidvalidity != 0);
	/* Another process marks a message seen: the counts no longer prove anything. */
	snprintf(from, sizeof from, "%s/cur/1000.M3P1Q1.h,S=1:2,F", root);
	snprintf(to, sizeof to, "%s/cur/1000.M3P1Q1.h,S=1:2,FS", root);
	test_assert(rename(from, to) == 0);
	test_assert(maildir_box_peek_status(root, &st) == 0);
	/* A delivery within the same tick as the recording would hide: a fresh mtime is
	 * never recorded, so the header gives no counts until the folder has settled. */
	test_assert(maildir_box_open(&b, root) == 0);
	maildir_box_close(b);
	test_assert(maildir_box_peek_status(root, &st) == 0);
	age_dirs_apart();
	test_assert(maildir_box_open(&b, root) == 0);
	maildir_box_close(b);
	test_assert(maildir_box_peek_status(root, &st) == 1);
	test_assert(st.messages == 4 && st.unseen == 1 && st.in_new == 1 && st.uidnext == 5);
	/* An expunge. */
	snprintf(from, sizeof from, "%s/new/1000.M1P1Q1.h,S=1", root);
	test_assert(unlink(from) == 0);
	test_assert(maildir_box_peek_status(root, &st) == 0);
	age_dirs_apart();
	test_assert(maildir_box_open(&b, root) == 0);
	maildir_box_close(b);
	test_assert(maildir_box_peek_status(root, &st) == 1);
	test_assert(st.messages == 3 && st.unseen == 0 && st.in_new == 0 && st.uidnext == 5);
	test_end();
}

/* A lazy open reads, when loaded, the folder as it was when opened; a sync then
 * reports what others changed meanwhile, even after they rewrote the uidlist. */
static void test_lazy_open(void)
{
	struct maildir_box *b, *other;
	struct maildir_box_status st;
	struct maildir_changes c;
	char from[PATH_MAX * 2], to[PATH_MAX * 2];

	test_begin("a lazy open loads its snapshot; the next sync reports the changes");
	fresh_maildir();
	put("cur", "1000.M1P1Q1.h,S=1:2,S", "a");
	put("cur", "1000.M2P1Q1.h,S=1:2,", "b");
	put("cur", "1000.M3P1Q1.h,S=1:2,S", "c");
	age_dirs_apart();
	test_assert(maildir_box_open(&b, root) == 0);
	maildir_box_close(b);
	test_assert(maildir_box_open_lazy(&b, root, &st) == 1);
	test_assert(st.messages == 3 && st.unseen == 1 && st.first_unseen == 2);
	test_assert(maildir_box_pending(b) && maildir_box_count(b) == 0);
	test_assert(maildir_box_nextuid(b) == 4 && maildir_box_uidvalidity(b) == st.uidvalidity);
	/* Meanwhile: message 1 loses \Seen, message 3 is expunged, one is delivered,
	 * and another session rewrites the uidlist. */
	snprintf(from, sizeof from, "%s/cur/1000.M1P1Q1.h,S=1:2,S", root);
	snprintf(to, sizeof to, "%s/cur/1000.M1P1Q1.h,S=1:2,", root);
	test_assert(rename(from, to) == 0);
	snprintf(from, sizeof from, "%s/cur/1000.M3P1Q1.h,S=1:2,S", root);
	test_assert(unlink(from) == 0);
	put("new", "1001.M4P1Q1.h,S=1", "d");
	test_assert(maildir_box_open(&other, root) == 0);
	test_assert(maildir_box_count(other) == 3);
	maildir_box_close(other);
	/* The snapshot: three messages with the flags of then. */
	test_assert(maildir_box_load(b) == 0 && !maildir_box_pending(b));
	test_assert(maildir_box_count(b) == 3);
	if (maildir_box_count(b) == 3) {
		test_assert(maildir_box_msg(b, 0)->uid == 1 &&
			    maildir_box_msg(b, 0)->flags == MAILDIR_F_SEEN);
		test_assert(maildir_box_msg(b, 2)->uid == 3);
	}
	test_assert(maildir_box_sync(b, &c) == 0);
	test_assert(c.n_expunged == 1 && c.expunged[0] == 3);
	test_assert(c.n_flagged == 1 && c.flagged[0] == 1);
	test_assert(c.first_new == 2 && maildir_box_count(b) == 3 &&
		    maildir_box_msg(b, 2)->uid == 4);
	maildir_changes_free(&c);
	maildir_box_close(b);
	/* Something in new/ must be claimed: no lazy open. A changed folder: none. */
	test_assert(maildir_box_open_lazy(&b, root, &st) == 0 && b == NULL);
	/* A lazy view closed unloaded leaks nothing (ASan), and a sync loads it. */
	snprintf(from, sizeof from, "%s/new/1001.M4P1Q1.h,S=1", root);
	snprintf(to, sizeof to, "%s/cur/1001.M4P1Q1.h,S=1:2,", root);
	test_assert(rename(from, to) == 0);
	age_dirs_apart();
	test_assert(maildir_box_open(&b, root) == 0);
	maildir_box_close(b);
	test_assert(maildir_box_open_lazy(&b, root, &st) == 1 && st.messages == 3);
	maildir_box_close(b);
	test_assert(maildir_box_open_lazy(&b, root, &st) == 1);
	test_assert(maildir_box_sync(b, &c) == 0 && maildir_box_count(b) == 3);
	test_assert(c.n_expunged == 0 && c.n_flagged == 0 && c.first_new == 3);
	maildir_changes_free(&c);
	maildir_box_close(b);
	test_end();
}

/* Replace the uidlist's text, keeping the header line (and so its counts). */
static void rewrite_records(const char *records)
{
	char path[PATH_MAX * 2];
	struct buf t;
	const char *nl;
	FILE *f;

	snprintf(path, sizeof path, "%s/dovecot-uidlist", root);
	buf_init(&t, 1 << 20);
	if (io_read_file(path, &t) < 0 || (nl = strchr(buf_str(&t), '\n')) == NULL)
		abort();
	f = fopen(path, "w");
	if (f == NULL || fwrite(buf_str(&t), 1, (size_t)(nl - buf_str(&t)) + 1, f) == 0 ||
	    fputs(records, f) < 0 || fclose(f) != 0)
		abort();
	buf_free(&t);
}

/* What a message's record leaves out (keys, sizes learnt from the file, a date beyond
 * 32 bits) reads the same from a lazily loaded view, survives a rename and carries
 * over a sync; a load refuses records that the uidlist parser would refuse. */
static void test_lazy_load_records(void)
{
	struct maildir_box *b;
	struct maildir_box_status st;
	struct maildir_changes c;
	struct timespec old[2] = { { -315619200, 0 }, { -315619200, 0 } };	/* 1960 */
	struct timespec late[2] = { { 7258118400LL, 0 }, { 7258118400LL, 0 } };	/* 2200 */
	char path[PATH_MAX * 2];
	int fd;

	test_begin("a lazy load: keys, learnt sizes and dates, renames, strict records");
	fresh_maildir();
	put("cur", "1000.M1P1Q1.h:2,S", "a\nbc\n");
	put("cur", "1000.M2P1Q1.h:2,S", "xyz");
	put("cur", "1000.M3P1Q1.h,S=1,W=1:2,S", "q");
	put("", "dovecot-uidlist", "3 V1275660208 N7 G3085f01b7f11094c501100008c4a11c1\n"
	    "4 W2481 P0123abc :1000.M1P1Q1.h:2,S\n5 :1000.M2P1Q1.h:2,S\n"
	    "6 :1000.M3P1Q1.h,S=1,W=1:2,S\n");
	snprintf(path, sizeof path, "%s/cur/1000.M2P1Q1.h:2,S", root);
	test_assert(utimensat(AT_FDCWD, path, old, 0) == 0);
	snprintf(path, sizeof path, "%s/cur/1000.M3P1Q1.h,S=1,W=1:2,S", root);
	test_assert(utimensat(AT_FDCWD, path, late, 0) == 0);
	age_dirs_apart();
	test_assert(maildir_box_open(&b, root) == 0);	/* records the counts */
	maildir_box_close(b);
	test_assert(maildir_box_open_lazy(&b, root, &st) == 1 && st.messages == 3);
	test_assert(maildir_box_load(b) == 0 && maildir_box_count(b) == 3);
	if (maildir_box_count(b) != 3) {
		maildir_box_close(b);
		test_end();
		return;
	}
	test_assert(strcmp(maildir_box_msg_keys(b, 0), "W2481 P0123abc") == 0);
	test_assert(strcmp(maildir_box_msg_keys(b, 1), "") == 0);
	test_assert(maildir_box_msg_size(b, 0) == MAILDIR_SIZE_UNKNOWN &&
		    maildir_box_msg_vsize(b, 0) == 2481);
	test_assert(maildir_box_msg_size(b, 2) == 1 && maildir_box_msg_vsize(b, 2) == 1);
	test_assert(maildir_box_msg_internaldate(b, 1) == 0);
	test_assert(maildir_box_sizes(b, 1) == 0 && maildir_box_internaldate(b, 1) == 0 &&
		    maildir_box_internaldate(b, 2) == 0);
	test_assert(maildir_box_msg_size(b, 1) == 3 && maildir_box_msg_vsize(b, 1) == 3);
	test_assert(maildir_box_msg_internaldate(b, 1) == -315619200);
	test_assert(maildir_box_msg_internaldate(b, 2) == (time_t)7258118400LL);
	/* A rename through the view keeps the keys with the new name. */
	test_assert(maildir_box_set_flags(b, 0, MAILDIR_F_SEEN | MAILDIR_F_FLAGGED, 0) == 0);
	test_assert(strcmp(maildir_box_msg(b, 0)->name, "1000.M1P1Q1.h:2,FS") == 0);
	test_assert(strcmp(maildir_box_msg_keys(b, 0), "W2481 P0123abc") == 0);
	/* What was learnt carries over a sync that rebuilds the view, even when the file
	 * would now say otherwise (it never changes, so that is a cache). */
	snprintf(path, sizeof path, "%s/cur/1000.M2P1Q1.h:2,S", root);
	fd = open(path, O_WRONLY | O_TRUNC);
	test_assert(fd >= 0);
	if (fd >= 0)
		close(fd);
	put("new", "1001.M4P1Q1.h", "new");
	test_assert(maildir_box_sync(b, &c) == 0 && maildir_box_count(b) == 4);
	maildir_changes_free(&c);
	test_assert(maildir_box_msg_size(b, 1) == 3 && maildir_box_msg_vsize(b, 1) == 3);
	test_assert(maildir_box_msg_internaldate(b, 1) == -315619200);
	test_assert(maildir_box_msg_internaldate(b, 2) == (time_t)7258118400LL);
	test_assert(strcmp(maildir_box_msg_keys(b, 0), "W2481 P0123abc") == 0);
	test_assert(maildir_box_msg_size(b, 3) == MAILDIR_SIZE_UNKNOWN);
	maildir_box_close(b);

	/* Records out of order, a blank line, a malformed record: EINVAL, empty view. */
	static const char *const bad[] = {
		"5 :1000.M2P1Q1.h:2,S\n4 :1000.M1P1Q1.h:2,FS\n6 :x\n7 :y\n",
		"4 :1000.M1P1Q1.h:2,FS\n\n5 :1000.M2P1Q1.h:2,S\n6 :x\n7 :y\n",
		"4 :1000.M1P1Q1.h:2,FS\n5 no-colon\n6 :x\n7 :y\n",
		"4 :1000.M1P1Q1.h:2,FS\n5 :1000.M2P1Q1.h:2,S\n6 :x\n7 :y",
	};
	/* (the last one: a torn line among the counted records) */
	snprintf(path, sizeof path, "%s/new/1001.M4P1Q1.h", root);
	{
		char to[PATH_MAX * 2];
		snprintf(to, sizeof to, "%s/cur/1001.M4P1Q1.h:2,", root);
		test_assert(rename(path, to) == 0);
	}
	age_dirs_apart();
	test_assert(maildir_box_open(&b, root) == 0 && maildir_box_count(b) == 4);
	maildir_box_close(b);
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		rewrite_records(bad[k]);
		test_assert(maildir_box_open_lazy(&b, root, &st) == 1 && st.messages == 4);
		if (b == NULL)
			continue;
		errno = 0;
		test_assert(maildir_box_load(b) < 0 && errno == EINVAL);
		test_assert(maildir_box_count(b) == 0);
		maildir_box_close(b);
	}
	/* The same records, well-formed, load. */
	rewrite_records("4 :a\n5 :b\n6 W3 :c\n7 :d\n");
	test_assert(maildir_box_open_lazy(&b, root, &st) == 1);
	if (b != NULL) {
		test_assert(maildir_box_load(b) == 0 && maildir_box_count(b) == 4);
		test_assert(maildir_box_count(b) == 4 && maildir_box_msg_vsize(b, 2) == 3 &&
			    strcmp(maildir_box_msg(b, 3)->name, "d") == 0);
		maildir_box_close(b);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_empty, test_delivery_order, test_unchanged_no_readdir,
		test_expunge_and_new, test_flags_keywords, test_change_flags, test_courier,
		test_corrupt_uidlist, test_dovecot_sizes, test_same_tick_delivery,
		test_no_cache_after_lock_wait, test_uid_horizon, test_append, test_copy_move,
		test_renamed_once, test_claim_once, test_peek_status, test_lazy_open,
		test_recent_with_flags, test_lazy_load_records, NULL
	};
	int r = test_run(tests);
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		r = 1;
	return r;
}
