/*
 * Scanning new/ and cur/: dot-files skipped, junk names counted, both directories
 * listed; and the tmp/ cleaner removing only regular files past 36 hours.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maildir_deliver.h"
#include "maildir_scan.h"
#include "test.h"

static char root[256];
static char md[300];

static void setup(void)
{
	int n;

	test_tmpdir("test_scan", root, sizeof root);
	n = snprintf(md, sizeof md, "%s/Maildir", root);
	if (n < 0 || (size_t)n >= sizeof md || maildir_make(md) < 0) {
		perror("maildir_make");
		exit(1);
	}
}

static int touch(const char *sub, const char *name)
{
	char p[1024];
	int fd;

	snprintf(p, sizeof p, "%s/%s/%s", md, sub, name);
	fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	return close(fd);
}

static int age(const char *sub, const char *name, time_t mtime)
{
	char p[1024];
	struct timespec ts[2] = { { .tv_sec = mtime }, { .tv_sec = mtime } };

	snprintf(p, sizeof p, "%s/%s/%s", md, sub, name);
	return utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

static int exists(const char *sub, const char *name)
{
	char p[1024];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s/%s", md, sub, name);
	return lstat(p, &st) == 0;
}

static const struct maildir_entry *find(const struct maildir_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	}
	return NULL;
}

static void test_scan(void)
{
	struct maildir_list l = { 0 };
	const struct maildir_entry *e;
	char name[MAILDIR_NAME_MAX + 1];

	test_begin("scan lists new/ and cur/, skips dot-files and junk");
	test_assert(touch("new", "1700000000.M1P1.h,S=10") == 0);
	test_assert(touch("cur", "1700000001.M1P1.h,S=20:2,S") == 0);
	test_assert(touch("cur", "1700000002.x,U=3;2,FS") == 0);
	test_assert(touch("cur", ".hidden") == 0);
	test_assert(touch("new", ".qmail") == 0);
	test_assert(touch("tmp", "1700000003.M1P1.h") == 0);
	{
		struct maildir_tmp t;

		test_assert(maildir_tmp_open(&t, md) == 0);
		test_assert(maildir_tmp_write(&t, "x\n", 2) == 0);
		test_assert(maildir_tmp_commit(&t, "new", 0, 0, name, sizeof name) == 0);
	}
	test_assert(maildir_scan(md, &l) == 0);
	test_assert(l.n == 4);
	test_assert(l.skipped == 0);
	e = find(&l, "1700000000.M1P1.h,S=10");
	test_assert(e != NULL && e->in_new == 1);
	e = find(&l, "1700000001.M1P1.h,S=20:2,S");
	test_assert(e != NULL && e->in_new == 0);
	e = find(&l, "1700000002.x,U=3;2,FS");
	test_assert(e != NULL && e->in_new == 0);
	e = find(&l, name);
	test_assert(e != NULL && e->in_new == 1);
	test_assert(find(&l, ".hidden") == NULL && find(&l, ".qmail") == NULL);
	test_assert(find(&l, "1700000003.M1P1.h") == NULL);
	maildir_list_free(&l);
	test_assert(l.v == NULL && l.n == 0);
	test_end();
}

static void test_scan_junk_and_many(void)
{
	struct maildir_list l = { 0 };
	char p[64];

	test_begin("scan counts names that are no message; grows past its first array");
	/* control characters could not be written to the line-based dovecot-uidlist */
	test_assert(touch("cur", "1700000004.M1P1.h\n:2,S") == 0);
	test_assert(touch("new", "1700000005\t.M1P1.h") == 0);
	test_assert(touch("new", "\x7f") == 0);
	for (int i = 0; i < 150; i++) {
		snprintf(p, sizeof p, "%d.M%dP1.h:2,S", 1700001000 + i, i);
		test_assert(touch("cur", p) == 0);
	}
	test_assert(maildir_scan(md, &l) == 0);
	test_assert(l.n == 4 + 150);
	test_assert(l.skipped == 3);
	for (size_t i = 0; i < l.n; i++)
		test_assert(strpbrk(l.v[i].name, "\n\t\x7f") == NULL);
	maildir_list_free(&l);
	test_assert(l.skipped == 0);
	test_end();
}

static void test_scan_errors(void)
{
	struct maildir_list l = { 0 };
	char p[512];

	test_begin("scan of no Maildir is ENOENT");
	snprintf(p, sizeof p, "%s/none", root);
	errno = 0;
	test_assert(maildir_scan(p, &l) < 0 && errno == ENOENT);
	test_assert(l.n == 0);
	maildir_list_free(&l);
	test_end();
}

static void test_clean_tmp(void)
{
	time_t now = time(NULL);
	char p[1024];

	test_begin("clean_tmp removes only old regular files");
	test_assert(touch("tmp", "old") == 0);
	test_assert(age("tmp", "old", now - MAILDIR_TMP_STALE_SEC - 60) == 0);
	test_assert(touch("tmp", ".old-dot") == 0);
	test_assert(age("tmp", ".old-dot", now - 40 * 3600) == 0);
	test_assert(touch("tmp", "young") == 0);
	test_assert(age("tmp", "young", now - MAILDIR_TMP_STALE_SEC + 600) == 0);
	test_assert(touch("tmp", "fresh") == 0);
	snprintf(p, sizeof p, "%s/tmp/olddir", md);
	test_assert(mkdir(p, 0700) == 0);
	test_assert(age("tmp", "olddir", now - 100 * 3600) == 0);
	snprintf(p, sizeof p, "%s/tmp/oldlink", md);
	test_assert(symlink("/nonexistent", p) == 0);
	test_assert(age("tmp", "oldlink", now - 100 * 3600) == 0);

	test_assert(maildir_clean_tmp(md, now) == 2);
	test_assert(!exists("tmp", "old") && !exists("tmp", ".old-dot"));
	test_assert(exists("tmp", "young") && exists("tmp", "fresh"));
	test_assert(exists("tmp", "olddir") && exists("tmp", "oldlink"));
	test_assert(exists("tmp", "1700000003.M1P1.h"));
	test_assert(maildir_clean_tmp(md, now) == 0);
	/* a day later only the young one is stale too */
	test_assert(maildir_clean_tmp(md, now + 24 * 3600) == 1);
	test_assert(!exists("tmp", "young") && exists("tmp", "fresh"));
	test_assert(maildir_clean_tmp(md, now + 37 * 3600) == 2);
	test_assert(!exists("tmp", "fresh") && !exists("tmp", "1700000003.M1P1.h"));
	test_assert(exists("tmp", "olddir"));
	snprintf(p, sizeof p, "%s/none", root);
	errno = 0;
	test_assert(maildir_clean_tmp(p, now) < 0 && errno == ENOENT);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_scan, test_scan_junk_and_many, test_scan_errors, test_clean_tmp, NULL
	};
	int r;

	setup();
	r = test_run(tests);
	test_rm_rf(root);
	return r;
}
