/*
 * Maildir++ quota: the maildirsize parser on good and hostile text, the over-quota
 * arithmetic at its edges, and check/add/recalc on real Maildirs with folders and
 * Trash, including when maildirsize is a FIFO, a device, a symlink or a directory
 * (an alarm turns a hang into a failure).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maildir_deliver.h"
#include "maildir_folder.h"
#include "maildir_quota.h"
#include "test.h"

/* A test that blocks on a FIFO is killed by SIGALRM after this long: a failure. */
#define HANG_SEC 10

static char tmp[256];
static char md[300];

static int parse(const char *s, struct maildir_quota *q)
{
	return maildir_quota_parse(s, strlen(s), q);
}

static void test_parse_definition(void)
{
	struct maildir_quota q;

	test_begin("parse: S only, C only, both, neither, unknown members");
	test_assert(parse("10000000S\n", &q) == 1);
	test_assert(q.has_bytes && !q.has_count && q.max_bytes == 10000000 && q.max_count == 0);
	test_assert(parse("1000C\n", &q) == 1);
	test_assert(!q.has_bytes && q.has_count && q.max_count == 1000);
	test_assert(parse("10000000S,1000C\n", &q) == 1);
	test_assert(q.max_bytes == 10000000 && q.max_count == 1000);
	test_assert(parse("1000C,5S\r\n", &q) == 1);
	test_assert(q.max_bytes == 5 && q.max_count == 1000);
	test_assert(parse("12B,7S,xyzC,C,9\n", &q) == 1);
	test_assert(q.has_bytes && !q.has_count && q.max_bytes == 7);
	test_assert(parse("", &q) == 0);
	test_assert(parse("\n100 1\n", &q) == 0);
	test_assert(parse("hello\n", &q) == 0);
	test_assert(parse("S,C\n", &q) == 0);
	test_assert(parse("5S", &q) == 1 && q.max_bytes == 5);	/* no LF: still read */
	test_assert(parse("0S\n", &q) == 1 && q.has_bytes && q.max_bytes == 0);
	test_assert(parse("99999999999999999999999999S\n", &q) == 1);
	test_assert(q.max_bytes == INT64_MAX);
	test_end();
}

static void test_parse_usage(void)
{
	struct maildir_quota q;

	test_begin("parse: usage lines summed, negatives, blanks, partial last line");
	test_assert(parse("1000S\n100 1\n  200   2 \n-50 -1\n", &q) == 1);
	test_assert(q.bytes == 250 && q.count == 2 && q.lines == 3 && !q.damaged);
	test_assert(parse("1000S\n100 1\n\n   \n", &q) == 1);
	test_assert(q.bytes == 100 && q.lines == 1 && !q.damaged);
	test_assert(parse("1000S\n100 1\n200 2", &q) == 1);	/* append in progress */
	test_assert(q.bytes == 100 && q.count == 1 && q.lines == 1 && !q.damaged);
	test_assert(parse("1000S\r\n100 1\r\n", &q) == 1);
	test_assert(q.bytes == 100 && q.count == 1 && !q.damaged);
	test_assert(parse("1000S\n+7 +1\n", &q) == 1 && q.bytes == 7 && !q.damaged);
	test_end();

	test_begin("parse: junk lines are damage, not numbers");
	test_assert(parse("1000S\n100 1\nabc def\n", &q) == 1);
	test_assert(q.bytes == 100 && q.lines == 2 && q.damaged);
	test_assert(parse("1000S\n100\n", &q) == 1 && q.damaged && q.bytes == 0);
	test_assert(parse("1000S\n100 1 3\n", &q) == 1 && q.damaged);
	test_assert(parse("1000S\n100,1\n", &q) == 1 && q.damaged);
	test_assert(parse("1000S\n1e3 1\n", &q) == 1 && q.damaged);
	test_assert(parse("1000S\n- 1\n", &q) == 1 && q.damaged);
	test_assert(parse("1000S\n--5 1\n", &q) == 1 && q.damaged);
	test_assert(maildir_quota_parse("1000S\n10\0 1\n", 12, &q) == 1 && q.damaged);
	test_assert(maildir_quota_parse("10\0S\n", 5, &q) == 0 && q.damaged);
	test_end();

	test_begin("parse: negative sums clamp at 0 and call for a recount");
	test_assert(parse("1000S\n100 1\n-500 -3\n", &q) == 1);
	test_assert(q.bytes == 0 && q.count == 0 && q.damaged);
	test_end();

	test_begin("parse: huge numbers saturate, never wrap");
	test_assert(parse("1S\n9223372036854775807 1\n9223372036854775807 1\n", &q) == 1);
	test_assert(q.bytes == INT64_MAX && q.count == 2 && q.damaged);
	test_assert(parse("1S\n99999999999999999999999 1\n", &q) == 1);
	test_assert(q.bytes == INT64_MAX && q.damaged);
	test_assert(parse("1S\n-9223372036854775808 0\n-99999999999999999999 0\n", &q) == 1);
	test_assert(q.bytes == 0 && q.damaged);
	test_assert(parse("1S\n9223372036854775807 0\n-9223372036854775807 0\n", &q) == 1);
	test_assert(q.bytes == 0 && !q.damaged);
	test_end();
}

static void test_over(void)
{
	struct maildir_quota q;

	test_begin("over: past the limit, not at it; 0 is no limit; no overflow");
	parse("1000S,10C\n900 9\n", &q);
	test_assert(!maildir_quota_over(&q, 0, 0));
	test_assert(!maildir_quota_over(&q, 100, 1));
	test_assert(maildir_quota_over(&q, 101, 1));
	test_assert(maildir_quota_over(&q, 1, 2));
	test_assert(maildir_quota_over(&q, UINT64_MAX, 0));
	test_assert(maildir_quota_over(&q, 0, UINT64_MAX));
	parse("0S,0C\n999999 99999\n", &q);
	test_assert(!maildir_quota_over(&q, UINT64_MAX, UINT64_MAX));
	parse("10C\n", &q);
	test_assert(!maildir_quota_over(&q, UINT64_MAX, 10));
	test_assert(maildir_quota_over(&q, 0, 11));
	test_end();
}

/* --- on disk ---------------------------------------------------------------------- */

static void put(const char *dir, const char *name, const char *content)
{
	char p[600];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	f = fopen(p, "w");
	if (f == NULL || fputs(content, f) < 0 || fclose(f) != 0) {
		perror(p);
		exit(1);
	}
}

static void put_size(const char *content)
{
	put(md, "maildirsize", content);
}

static char *slurp(const char *name)
{
	static char buf[8192];
	char p[600];
	FILE *f;
	size_t n;

	snprintf(p, sizeof p, "%s/%s", md, name);
	f = fopen(p, "r");
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void age(const char *name, time_t sec)
{
	char p[600];
	struct timespec ts[2];

	snprintf(p, sizeof p, "%s/%s", md, name);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - sec;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (utimensat(AT_FDCWD, p, ts, 0) < 0) {
		perror(p);
		exit(1);
	}
}

static int tmp_files(const char *dir)
{
	char p[600];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(p, sizeof p, "%s/tmp", dir);
	d = opendir(p);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A fresh Maildir with: new/ a 1-byte file named ,S=100 (the name wins) and a
 * 7-byte file without S= (stat); cur/ ,S=50 with flags; folder Sub one ,S=1000;
 * folder Trash one ,S=100000 (not counted); a dot-file (not counted). */
static void setup(void)
{
	char p[600];

	test_rm_rf(tmp);
	test_tmpdir("test_quota", tmp, sizeof tmp);
	snprintf(md, sizeof md, "%s/Maildir", tmp);
	if (maildir_make(md) < 0 || maildir_folder_create(md, "Sub") < 0 ||
	    maildir_folder_create(md, "Trash") < 0) {
		perror("setup");
		exit(1);
	}
	snprintf(p, sizeof p, "%s/new", md);
	put(p, "1.M1P1.host,S=100", "x");
	put(p, "2.M2P2.host", "1234567");
	put(p, ".hidden", "not a message at all");
	snprintf(p, sizeof p, "%s/cur", md);
	put(p, "3.M3P3.host,S=50:2,S", "y");
	snprintf(p, sizeof p, "%s/.Sub/cur", md);
	put(p, "4.M4P4.host,S=1000,W=1020:2,", "z");
	snprintf(p, sizeof p, "%s/.Trash/cur", md);
	put(p, "5.M5P5.host,S=100000:2,ST", "t");
}

static void test_no_file(void)
{
	struct maildir_quota q;
	int over = -1;

	setup();
	test_begin("no maildirsize: no quota, nothing created");
	test_assert(maildir_quota_check(md, UINT64_MAX, 1, 0, &over) == 0 && over == 0);
	test_assert(maildir_quota_get(md, 0, &q) == 0);
	test_assert(maildir_quota_add(md, 100, 1) == 0);
	test_assert(slurp("maildirsize") == NULL);
	test_assert(maildir_quota_recalc(md, &q) == 0);
	test_assert(slurp("maildirsize") == NULL);
	test_end();

	test_begin("a definition-less maildirsize: no quota");
	put_size("\n5 1\n");
	test_assert(maildir_quota_check(md, UINT64_MAX, 1, 0, &over) == 0 && over == 0);
	test_end();
}

static void test_recalc(void)
{
	struct maildir_quota q;
	char p[600];

	setup();
	test_begin("recalc: root and folders, not Trash; S= from names, else stat");
	put_size("5000S,100C\n999999 999\n");
	test_assert(maildir_quota_recalc(md, &q) == 1);
	test_assert(q.bytes == 100 + 7 + 50 + 1000 && q.count == 4);
	test_assert_str(slurp("maildirsize"), "5000S,100C\n1157 4\n");
	test_assert(tmp_files(md) == 0);
	test_end();

	test_begin("recalc from a folder path works on the root");
	put_size("1000C\n0 0\n");
	snprintf(p, sizeof p, "%s/.Sub", md);
	test_assert(maildir_quota_recalc(p, &q) == 1 && q.count == 4);
	test_assert_str(slurp("maildirsize"), "1000C\n1157 4\n");
	test_assert(slurp(".Sub/maildirsize") == NULL);
	test_end();

	test_begin("recalc keeps the definition of an oversized file");
	{
		char big[MAILDIR_QUOTA_FILE_MAX + 200];
		size_t n = (size_t)snprintf(big, sizeof big, "77S\n");
		while (n + 6 < sizeof big - 1)
			n += (size_t)snprintf(big + n, sizeof big - n, "1 1\n");
		put_size(big);
	}
	test_assert(maildir_quota_get(md, 0, &q) == 1);
	test_assert(q.bytes == 1157 && q.count == 4 && q.max_bytes == 77);
	test_assert_str(slurp("maildirsize"), "77S\n1157 4\n");
	test_end();
}

static void test_check(void)
{
	struct maildir_quota q;
	char p[600];
	int over = -1;

	setup();
	test_begin("check: fresh one-line numbers are believed");
	put_size("2000S\n1990 3\n");
	test_assert(maildir_quota_check(md, 10, 1, 0, &over) == 0 && over == 0);
	test_assert(maildir_quota_check(md, 11, 1, 0, &over) == 0 && over == 1);
	test_assert_str(slurp("maildirsize"), "2000S\n1990 3\n");
	test_end();

	test_begin("check: over with more than one line recounts (and is not over)");
	put_size("2000S\n1000 1\n990 2\n");
	test_assert(maildir_quota_check(md, 11, 1, 0, &over) == 0 && over == 0);
	test_assert_str(slurp("maildirsize"), "2000S\n1157 4\n");
	test_end();

	test_begin("check: over in a file older than 15 minutes recounts");
	put_size("2000S\n1990 3\n");
	age("maildirsize", MAILDIR_QUOTA_STALE_SEC + 60);
	test_assert(maildir_quota_check(md, 11, 1, 0, &over) == 0 && over == 0);
	test_assert_str(slurp("maildirsize"), "2000S\n1157 4\n");
	test_end();

	test_begin("check: an old file under quota is not rewritten");
	put_size("2000S\n5 1\n");
	age("maildirsize", MAILDIR_QUOTA_STALE_SEC + 60);
	test_assert(maildir_quota_check(md, 11, 1, 0, &over) == 0 && over == 0);
	test_assert_str(slurp("maildirsize"), "2000S\n5 1\n");
	test_end();

	test_begin("check: damaged file recounts; a recount can still say over");
	put_size("1000S\nbogus\n");
	test_assert(maildir_quota_check(md, 1, 1, 0, &over) == 0 && over == 1);
	test_assert_str(slurp("maildirsize"), "1000S\n1157 4\n");
	test_assert(maildir_quota_check(md, 0, 0, 0, &over) == 0 && over == 1);
	test_end();

	test_begin("check: a definition without usage lines is counted");
	put_size("1000000S\n");
	test_assert(maildir_quota_check(md, 0, 1, MAILDIR_QUOTA_NORECALC, &over) == 0);
	test_assert_str(slurp("maildirsize"), "1000000S\n");
	test_assert(maildir_quota_get(md, 0, &q) == 1 && q.bytes == 1157 && q.count == 4);
	test_assert_str(slurp("maildirsize"), "1000000S\n1157 4\n");
	test_end();

	test_begin("check: the count limit");
	put_size("4C\n0 3\n");
	test_assert(maildir_quota_check(md, 5000, 1, 0, &over) == 0 && over == 0);
	put_size("3C\n0 3\n");
	test_assert(maildir_quota_check(md, 0, 1, 0, &over) == 0 && over == 1);
	test_end();

	test_begin("check NORECALC: stale numbers are not over, nothing written");
	put_size("2000S\n1000 1\n990 2\n");
	test_assert(maildir_quota_check(md, 11, 1, MAILDIR_QUOTA_NORECALC, &over) == 0);
	test_assert(over == 0);
	test_assert_str(slurp("maildirsize"), "2000S\n1000 1\n990 2\n");
	test_assert(maildir_quota_get(md, MAILDIR_QUOTA_NORECALC, &q) == 1 && !q.stale);
	put_size("1000S\n1990 3\n");
	test_assert(maildir_quota_check(md, 0, 1, MAILDIR_QUOTA_NORECALC, &over) == 0);
	test_assert(over == 1);
	test_end();

	test_begin("check from a folder uses the root's maildirsize");
	put_size("1000S\n1990 3\n");
	snprintf(p, sizeof p, "%s/.Sub", md);
	test_assert(maildir_quota_check(p, 1, 1, MAILDIR_QUOTA_NORECALC, &over) == 0);
	test_assert(over == 1);
	test_end();
}

static void test_add(void)
{
	char p[600];

	setup();
	test_begin("add: one line appended per call, negatives for removals");
	put_size("1000S\n10 1\n");
	test_assert(maildir_quota_add(md, 250, 1) == 0);
	test_assert(maildir_quota_add(md, -10, -1) == 0);
	snprintf(p, sizeof p, "%s/.Sub", md);
	test_assert(maildir_quota_add(p, 5, 1) == 0);
	test_assert_str(slurp("maildirsize"), "1000S\n10 1\n250 1\n-10 -1\n5 1\n");
	test_end();
}

/* maildirsize as something other than a regular file: every call fails with EINVAL,
 * at once. */
static void test_not_regular(void)
{
	static const char *const what[] = { "fifo", "dev-symlink", "file-symlink", "dir",
					    "device" };
	char p[600], target[600];
	size_t i;

	for (i = 0; i < sizeof what / sizeof what[0]; i++) {
		struct maildir_quota q;
		struct stat st;
		int over = -1, rc;

		setup();
		snprintf(p, sizeof p, "%s/maildirsize", md);
		snprintf(target, sizeof target, "%s/elsewhere", tmp);
		put(tmp, "elsewhere", "1S\n100 1\n");
		if (strcmp(what[i], "fifo") == 0)
			rc = mkfifo(p, 0600);
		else if (strcmp(what[i], "dev-symlink") == 0)
			rc = symlink("/dev/zero", p);
		else if (strcmp(what[i], "file-symlink") == 0)
			rc = symlink(target, p);
		else if (strcmp(what[i], "dir") == 0)
			rc = mkdir(p, 0700);
		else if (geteuid() != 0 || stat("/dev/null", &st) < 0)
			rc = -2;
		else
			rc = mknod(p, S_IFCHR | 0600, st.st_rdev);
		if (rc == -2) {
			fprintf(stderr, "SKIP: a device node named maildirsize needs root (and /dev/null)\n");
			continue;
		}
		test_begin(what[i]);
		test_assert(rc == 0);
		alarm(HANG_SEC);
		errno = 0;
		test_assert(maildir_quota_check(md, 1, 1, 0, &over) == -1 && errno == EINVAL);
		errno = 0;
		test_assert(maildir_quota_get(md, 0, &q) == -1 && errno == EINVAL);
		errno = 0;
		test_assert(maildir_quota_add(md, 1, 1) == -1 && errno == EINVAL);
		errno = 0;
		test_assert(maildir_quota_recalc(md, &q) == -1 && errno == EINVAL);
		alarm(0);
		test_assert_str(slurp("../elsewhere"), "1S\n100 1\n");
		test_end();
	}
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_parse_definition, test_parse_usage, test_over, test_no_file, test_recalc,
		test_check, test_add, test_not_regular, NULL
	};
	int rc;

	signal(SIGALRM, SIG_DFL);
	rc = test_run(tests);
	test_rm_rf(tmp);
	return rc;
}
