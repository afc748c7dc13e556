/*
 * Delivery: byte-exact content, S= and W= for every line-ending mix, nothing left in
 * tmp/, commits into cur/ with flags and a set mtime, aborts that leave no trace, and
 * the Maildir make/check helpers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir_deliver.h"
#include "test.h"

static char root[256];
static char md[300];

static void setup(void)
{
	int n;

	test_tmpdir("test_deliver", root, sizeof root);
	n = snprintf(md, sizeof md, "%s/Maildir", root);
	if (n < 0 || (size_t)n >= sizeof md || maildir_make(md) < 0) {
		perror("maildir_make");
		exit(1);
	}
}

/* Number of entries (dot-files aside) in md/sub; the last one's name into last. */
static int count_dir(const char *sub, char *last, size_t lastsz)
{
	char p[512];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(p, sizeof p, "%s/%s", md, sub);
	d = opendir(p);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		if (last != NULL)
			snprintf(last, lastsz, "%s", e->d_name);
	}
	closedir(d);
	return n;
}

static void empty_subdirs(void)
{
	static const char *const subs[] = { "new", "cur", "tmp" };
	char p[512];

	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", md, subs[i]);
		test_rm_rf(p);
	}
	maildir_make(md);
}

/* Read md/sub/name whole into buf; its length or -1. */
static ssize_t slurp(const char *sub, const char *name, char *buf, size_t bufsz)
{
	char p[1024];
	int fd;
	ssize_t n;

	snprintf(p, sizeof p, "%s/%s/%s", md, sub, name);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, bufsz);
	close(fd);
	return n;
}

struct body_case {
	const char *text;
	unsigned long long size, vsize;
};

static const struct body_case bodies[] = {
	{ "Subject: x\n\nbody\n", 17, 20 },
	{ "Subject: x\r\n\r\nbody\r\n", 20, 20 },
	{ "A\r\nB\nC\r\n\nD", 10, 12 },
	{ "no final newline", 16, 16 },
	{ "", 0, 0 },
	{ "\n\n\n", 3, 6 },
	{ "\r\r\n\r", 4, 4 },
};

static void test_deliver_sizes(void)
{
	test_begin("deliver: content and S=/W= for LF, CRLF, mixed, empty");
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		const struct body_case *b = &bodies[i];
		struct maildir_tmp t;
		struct maildir_name p;
		char name[MAILDIR_NAME_MAX + 1], got[256], listed[MAILDIR_NAME_MAX + 1];
		size_t len = strlen(b->text);

		empty_subdirs();
		test_assert(maildir_tmp_open(&t, md) == 0);
		test_assert(count_dir("tmp", NULL, 0) == 1);
		/* one byte at a time: a CR at the end of a write must count for the next */
		for (size_t j = 0; j < len; j++)
			test_assert(maildir_tmp_write(&t, b->text + j, 1) == 0);
		test_assert(t.size == b->size && t.vsize == b->vsize);
		test_assert(maildir_tmp_commit(&t, "new", 0, 0, name, sizeof name) == 0);
		test_assert(t.fd == -1);
		test_assert(count_dir("tmp", NULL, 0) == 0);
		test_assert(count_dir("new", listed, sizeof listed) == 1);
		test_assert_str(listed, name);
		test_assert(maildir_name_parse(name, &p) == 0);
		test_assert(p.sep == 0 && p.size == b->size && p.vsize == b->vsize);
		test_assert(strncmp(name, t.base, strlen(t.base)) == 0);
		test_assert(slurp("new", name, got, sizeof got) == (ssize_t)len);
		test_assert(memcmp(got, b->text, len) == 0);
	}
	test_end();
}

static void test_deliver_split_crlf(void)
{
	struct maildir_tmp t;

	test_begin("deliver: CR and LF in separate writes");
	empty_subdirs();
	test_assert(maildir_tmp_open(&t, md) == 0);
	test_assert(maildir_tmp_write(&t, "a\r", 2) == 0);
	test_assert(maildir_tmp_write(&t, "\nb\n", 3) == 0);
	test_assert(maildir_tmp_write(&t, "\r", 1) == 0);
	test_assert(maildir_tmp_write(&t, "", 0) == 0);
	test_assert(maildir_tmp_write(&t, "\n\n", 2) == 0);
	test_assert(t.size == 8 && t.vsize == 10);
	maildir_tmp_abort(&t);
	test_assert(count_dir("tmp", NULL, 0) == 0);
	test_end();
}

static void test_commit_cur(void)
{
	struct maildir_tmp t;
	struct maildir_name p;
	struct stat st;
	char name[MAILDIR_NAME_MAX + 1], path[1024], want[MAILDIR_NAME_MAX + 32];

	test_begin("commit into cur/ with flags and mtime");
	empty_subdirs();
	test_assert(maildir_tmp_open(&t, md) == 0);
	t.mtime = 1000000000;
	test_assert(maildir_tmp_write(&t, "x\n", 2) == 0);
	test_assert(maildir_tmp_commit(&t, "cur", MAILDIR_F_SEEN | MAILDIR_F_FLAGGED,
				       MAILDIR_KW('b'), name, sizeof name) == 0);
	snprintf(want, sizeof want, "%s,S=2,W=3:2,FSb", t.base);
	test_assert_str(name, want);
	test_assert(maildir_name_parse(name, &p) == 0);
	test_assert(p.info_v2 && p.flags == (MAILDIR_F_SEEN | MAILDIR_F_FLAGGED));
	test_assert(p.keywords == MAILDIR_KW('b'));
	snprintf(path, sizeof path, "%s/cur/%s", md, name);
	test_assert(stat(path, &st) == 0);
	test_assert(st.st_mtime == 1000000000);
	test_assert((st.st_mode & 0777) == 0600);
	test_assert(count_dir("tmp", NULL, 0) == 0 && count_dir("new", NULL, 0) == 0);
	/* abort after commit touches nothing */
	maildir_tmp_abort(&t);
	test_assert(count_dir("cur", NULL, 0) == 1);
	test_end();
}

/* Sealed copies: fsynced and closed in tmp/ (no descriptor held), then committed or
 * aborted like open ones, with the same name and mtime. */
static void test_seal(void)
{
	struct maildir_tmp t, u;
	struct stat st;
	char name[MAILDIR_NAME_MAX + 1], path[1024], want[MAILDIR_NAME_MAX + 32];
	char buf[64];

	test_begin("seal: no descriptor until commit or abort");
	empty_subdirs();
	test_assert(maildir_tmp_open(&t, md) == 0);
	t.mtime = 1000000000;
	test_assert(maildir_tmp_write(&t, "sealed\n", 7) == 0);
	test_assert(maildir_tmp_seal(&t) == 0);
	test_assert(t.fd == -1 && t.sealed);
	test_assert(count_dir("tmp", NULL, 0) == 1 && count_dir("new", NULL, 0) == 0);
	errno = 0;
	test_assert(maildir_tmp_seal(&t) < 0 && errno == EBADF);
	test_assert(maildir_tmp_open(&u, md) == 0);
	test_assert(maildir_tmp_write(&u, "gone\n", 5) == 0);
	test_assert(maildir_tmp_seal(&u) == 0);
	test_assert(count_dir("tmp", NULL, 0) == 2);
	maildir_tmp_abort(&u);
	test_assert(count_dir("tmp", NULL, 0) == 1 && !u.sealed);
	test_assert(maildir_tmp_commit(&t, "new", 0, 0, name, sizeof name) == 0);
	snprintf(want, sizeof want, "%s,S=7,W=8", t.base);
	test_assert_str(name, want);
	test_assert(count_dir("tmp", NULL, 0) == 0 && count_dir("new", NULL, 0) == 1);
	test_assert(slurp("new", name, buf, sizeof buf) == 7 && memcmp(buf, "sealed\n", 7) == 0);
	snprintf(path, sizeof path, "%s/new/%s", md, name);
	test_assert(stat(path, &st) == 0 && st.st_mtime == 1000000000);
	/* abort after the commit touches nothing */
	maildir_tmp_abort(&t);
	test_assert(count_dir("new", NULL, 0) == 1);
	test_end();
}

static void test_abort_and_errors(void)
{
	struct maildir_tmp t;
	char name[MAILDIR_NAME_MAX + 1];

	test_begin("abort and failed commits leave nothing");
	empty_subdirs();
	test_assert(maildir_tmp_open(&t, md) == 0);
	test_assert(maildir_tmp_write(&t, "data\n", 5) == 0);
	maildir_tmp_abort(&t);
	maildir_tmp_abort(&t);
	test_assert(count_dir("tmp", NULL, 0) == 0 && count_dir("new", NULL, 0) == 0);
	errno = 0;
	test_assert(maildir_tmp_write(&t, "x", 1) < 0 && errno == EBADF);

	/* bad subdir */
	test_assert(maildir_tmp_open(&t, md) == 0);
	test_assert(maildir_tmp_commit(&t, "tmp", 0, 0, name, sizeof name) < 0);
	test_assert(errno == EINVAL && t.fd == -1);
	test_assert(count_dir("tmp", NULL, 0) == 0);

	/* name buffer too small: refused before anything is linked */
	test_assert(maildir_tmp_open(&t, md) == 0);
	test_assert(maildir_tmp_commit(&t, "new", 0, 0, name, 10) < 0);
	test_assert(errno == ENAMETOOLONG);
	test_assert(count_dir("tmp", NULL, 0) == 0 && count_dir("new", NULL, 0) == 0);

	/* new/ missing: the link fails, tmp/ is cleaned */
	{
		char p[512];

		snprintf(p, sizeof p, "%s/new", md);
		test_assert(rmdir(p) == 0);
		test_assert(maildir_tmp_open(&t, md) == 0);
		test_assert(maildir_tmp_write(&t, "x", 1) == 0);
		test_assert(maildir_tmp_commit(&t, "new", 0, 0, name, sizeof name) < 0);
		test_assert(errno == ENOENT);
		test_assert(count_dir("tmp", NULL, 0) == 0);
		test_assert(mkdir(p, 0700) == 0);
	}

	/* no tmp/ at all */
	{
		char p[512];

		snprintf(p, sizeof p, "%s/nomaildir", root);
		errno = 0;
		test_assert(maildir_tmp_open(&t, p) < 0 && errno == ENOENT);
		maildir_tmp_abort(&t);
	}
	test_end();
}

static void test_deliver_fd(void)
{
	char name[MAILDIR_NAME_MAX + 1], path[512], got[200000];
	struct maildir_name p;
	char *big;
	size_t bigsz = 150000;
	int fd;

	test_begin("deliver_fd reads to EOF in chunks");
	empty_subdirs();
	big = malloc(bigsz);
	test_assert(big != NULL);
	if (big == NULL)
		return;
	for (size_t i = 0; i < bigsz; i++)
		big[i] = i % 100 == 99 ? '\n' : (char)('a' + i % 26);
	snprintf(path, sizeof path, "%s/input", root);
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	test_assert(fd >= 0);
	test_assert(write(fd, big, bigsz) == (ssize_t)bigsz);
	test_assert(lseek(fd, 0, SEEK_SET) == 0);
	test_assert(maildir_deliver_fd(md, fd, name, sizeof name) == 0);
	close(fd);
	unlink(path);
	test_assert(maildir_name_parse(name, &p) == 0);
	test_assert(p.size == bigsz && p.vsize == bigsz + bigsz / 100);
	test_assert(slurp("new", name, got, sizeof got) == (ssize_t)bigsz);
	test_assert(memcmp(got, big, bigsz) == 0);
	test_assert(count_dir("tmp", NULL, 0) == 0);
	/* a read error aborts */
	test_assert(maildir_deliver_fd(md, -1, name, sizeof name) < 0 && errno == EBADF);
	test_assert(count_dir("tmp", NULL, 0) == 0 && count_dir("new", NULL, 0) == 1);
	free(big);
	test_end();
}

static void test_make(void)
{
	char p[512], q[600];
	int fd;

	test_begin("maildir_make and maildir_is_maildir");
	snprintf(p, sizeof p, "%s/second", root);
	test_assert(maildir_is_maildir(p) == 0);
	test_assert(maildir_make(p) == 0);
	test_assert(maildir_is_maildir(p) == 1);
	test_assert(maildir_make(p) == 0);
	snprintf(q, sizeof q, "%s/tmp", p);
	test_assert(rmdir(q) == 0);
	test_assert(maildir_is_maildir(p) == 0);
	test_assert(maildir_make(p) == 0);
	test_assert(maildir_is_maildir(p) == 1);
	/* a file where a directory should be */
	test_assert(rmdir(q) == 0);
	fd = open(q, O_CREAT | O_WRONLY, 0600);
	test_assert(fd >= 0);
	close(fd);
	test_assert(maildir_is_maildir(p) == 0);
	errno = 0;
	test_assert(maildir_make(p) < 0 && errno == ENOTDIR);
	test_end();
}

/* The parent that maildir_make fsyncs is found for relative names, names with
 * trailing slashes, and under a missing parent the call fails cleanly. */
static void test_make_paths(void)
{
	char cwd[1024], p[600];

	test_begin("maildir_make with relative and slashed paths");
	test_assert(getcwd(cwd, sizeof cwd) != NULL);
	test_assert(chdir(root) == 0);
	test_assert(maildir_make("rel") == 0);
	test_assert(maildir_is_maildir("rel") == 1);
	test_assert(maildir_make("sub//") == 0);
	test_assert(maildir_is_maildir("sub") == 1);
	test_assert(mkdir("a", 0700) == 0);
	test_assert(maildir_make("a//b/") == 0);
	test_assert(maildir_is_maildir("a/b") == 1);
	errno = 0;
	test_assert(maildir_make("none/x") < 0 && errno == ENOENT);
	test_assert(chdir(cwd) == 0);
	snprintf(p, sizeof p, "%s/abs/", root);
	test_assert(maildir_make(p) == 0);
	test_assert(maildir_is_maildir(p) == 1);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_deliver_sizes, test_deliver_split_crlf, test_commit_cur,
		test_abort_and_errors, test_seal, test_deliver_fd, test_make, test_make_paths, NULL
	};
	int r;

	setup();
	r = test_run(tests);
	test_rm_rf(root);
	return r;
}
