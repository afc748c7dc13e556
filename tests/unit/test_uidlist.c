/*
 * dovecot-uidlist / courierimapuiddb: exact samples of what Dovecot and Courier write,
 * byte-exact round trips, the errors (with their lines) that must stop a reader rather
 * than renumber a folder, and the file operations (replace, append) on a real directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "io.h"
#include "maildir_uidlist.h"
#include "test.h"

static const char dovecot_sample[] =
	"3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1\n"
	"25006 :1276528487.M364837P9451.kurkku,S=1355,W=1394:2,\n"
	"25017 W2481 :1276533073.M242911P3632.kurkku:2,F\n";

static const char courier_sample[] =
	"1 1234567890 4\n"
	"1 1234567880.12345_0.host\n"
	"3 1234567890.12399_0.host\n";

static int parse(const char *s, int courier, struct maildir_uidlist *u, size_t *line)
{
	return maildir_uidlist_parse(s, strlen(s), courier, u, line);
}

/* Parse s expecting EINVAL at line want. */
static int fails_at(const char *s, int courier, size_t want)
{
	struct maildir_uidlist u;
	size_t line = 99;
	int r;

	errno = 0;
	r = parse(s, courier, &u, &line);
	if (r == 0)
		maildir_uidlist_free(&u);
	return r == -1 && errno == EINVAL && line == want && u.v == NULL && u.n == 0;
}

static char *mktmpdir(void)
{
	const char *t = getenv("TMPDIR");
	static char path[512];

	snprintf(path, sizeof path, "%s/test_uidlist.XXXXXX", t != NULL && *t ? t : "/tmp");
	return mkdtemp(path);
}

/* Remove dir and its plain files; returns how many files there were. */
static int rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[1024];
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
		n++;
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
	return n;
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char p[1024];
	int fd;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("write");
		close(fd);
	}
}

static void test_dovecot_sample(void)
{
	struct maildir_uidlist u;
	size_t line = 7;

	test_begin("uidlist dovecot v3 sample");
	test_assert(parse(dovecot_sample, 0, &u, &line) == 0);
	test_assert(line == 0);
	test_assert(u.version == 3);
	test_assert(u.uidvalidity == 1275660208u);
	test_assert(u.nextuid == 25022);
	test_assert_str(u.guid, "3085f01b7f11094c501100008c4a11c1");
	test_assert_str(u.hdr_extra, "");
	test_assert(u.n == 2);
	if (u.n == 2) {
		test_assert(u.v[0].uid == 25006);
		test_assert_str(u.v[0].keys, "");
		test_assert_str(u.v[0].name, "1276528487.M364837P9451.kurkku,S=1355,W=1394:2,");
		test_assert(u.v[1].uid == 25017);
		test_assert_str(u.v[1].keys, "W2481");
		test_assert_str(u.v[1].name, "1276533073.M242911P3632.kurkku:2,F");
	}
	maildir_uidlist_free(&u);
	test_assert(u.v == NULL && u.n == 0 && u.hdr_extra == NULL);
	test_end();
}

static void test_courier_sample(void)
{
	struct maildir_uidlist u;

	test_begin("uidlist courierimapuiddb and dovecot v1");
	test_assert(parse(courier_sample, 1, &u, NULL) == 0);
	test_assert(u.version == 1 && u.uidvalidity == 1234567890u && u.nextuid == 4);
	test_assert(u.guid[0] == '\0');
	test_assert(u.n == 2);
	if (u.n == 2) {
		test_assert(u.v[0].uid == 1 && u.v[1].uid == 3);
		test_assert_str(u.v[0].name, "1234567880.12345_0.host");
		test_assert_str(u.v[1].name, "1234567890.12399_0.host");
		test_assert_str(u.v[1].keys, "");
	}
	maildir_uidlist_free(&u);

	/* Dovecot 1.0 wrote the same format as dovecot-uidlist, with the info. */
	test_assert(parse("1 1100000000 10\n5 1100000000.P1.host:2,S\n12 b\n", 0, &u, NULL) == 0);
	test_assert(u.version == 1 && u.nextuid == 13 && u.n == 2);
	if (u.n == 2) {
		test_assert_str(u.v[0].name, "1100000000.P1.host:2,S");
		test_assert(u.v[1].uid == 12);
	}
	maildir_uidlist_free(&u);

	/* A courier file must be version 1. */
	test_assert(fails_at(dovecot_sample, 1, 1));
	test_end();
}

static void test_roundtrip(void)
{
	static const char text[] =
		"3 V1 N10 G0123456789abcdef0123456789ABCDEF Zx.1:2.3 Qfoo\n"
		"1 :a\n"
		"2 W100 P0000abcd :b:2,S\n"
		"5 O1 G00ff :c d  \n";
	struct maildir_uidlist u;
	struct buf b;

	test_begin("uidlist format round trip");
	buf_init(&b, 1 << 20);
	test_assert(parse(text, 0, &u, NULL) == 0);
	test_assert_str(u.hdr_extra, "Zx.1:2.3 Qfoo");
	test_assert(maildir_uidlist_format(&u, &b) == 0);
	test_assert_str(buf_str(&b), text);
	maildir_uidlist_free(&u);

	/* Field order and spacing are normalised; values survive. */
	buf_reset(&b);
	test_assert(parse("3  Qa N7 V9 Qb\r\n3   W1   P2   :x\r\n", 0, &u, NULL) == 0);
	test_assert(u.n == 1 && u.v[0].uid == 3);
	if (u.n == 1)
		test_assert_str(u.v[0].keys, "W1   P2");
	test_assert(maildir_uidlist_format(&u, &b) == 0);
	test_assert_str(buf_str(&b), "3 V9 N7 Qa Qb\n3 W1   P2 :x\n");
	maildir_uidlist_free(&u);

	/* Version 1 is written back as version 3. */
	buf_reset(&b);
	test_assert(parse(courier_sample, 1, &u, NULL) == 0);
	test_assert(maildir_uidlist_format(&u, &b) == 0);
	test_assert_str(buf_str(&b), "3 V1234567890 N4\n1 :1234567880.12345_0.host\n"
			"3 :1234567890.12399_0.host\n");
	maildir_uidlist_free(&u);

	/* Nothing to write back that could not be read: uidvalidity 0. */
	memset(&u, 0, sizeof u);
	buf_reset(&b);
	errno = 0;
	test_assert(maildir_uidlist_format(&u, &b) == -1 && errno == EINVAL && b.len == 0);
	buf_free(&b);
	test_end();
}

static void test_errors(void)
{
	test_begin("uidlist errors and their lines");
	test_assert(fails_at("", 0, 1));
	test_assert(fails_at("garbage\n1 :a\n", 0, 1));
	test_assert(fails_at("2 V1 N2\n", 0, 1));		/* version 2: never released */
	test_assert(fails_at("3 N2 G00\n", 0, 1));		/* no V, bad G */
	test_assert(fails_at("3 V1\n", 0, 1));			/* no N */
	test_assert(fails_at("3 V0 N1\n", 0, 1));		/* RFC 3501: nz-number */
	test_assert(fails_at("3 V4294967296 N1\n", 0, 1));	/* 32-bit overflow */
	test_assert(fails_at("3 V1 N-1\n", 0, 1));
	test_assert(fails_at("1 5\n", 0, 1));
	test_assert(fails_at("3 V1 N2\n1 :a\n0 :b\n", 0, 3));	/* uid 0 */
	test_assert(fails_at("3 V1 N2\n0 :b\n", 0, 2));
	test_assert(fails_at("3 V1 N2\n1 :a\n5 :b\n4 :c\n", 0, 4));	/* decreasing */
	test_assert(fails_at("3 V1 N2\n1 :a\n5 :b\n5 :c\n", 0, 4));	/* repeated */
	test_assert(fails_at("3 V1 N2\n4294967296 :a\n", 0, 2));	/* overflow */
	test_assert(fails_at("3 V1 N2\n4294967295 :a\n99999999999999999999999 :b\n", 0, 3));
	test_assert(fails_at("3 V1 N2\n1 W2\n", 0, 2));	/* no name */
	test_assert(fails_at("3 V1 N2\n1 :\n", 0, 2));	/* empty name */
	test_assert(fails_at("3 V1 N2\n1:a\n", 0, 2));
	test_assert(fails_at("3 V1 N2\n-1 :a\n", 0, 2));
	test_assert(fails_at("3 V1 N2\n1 :../../etc/passwd\n", 0, 2));
	test_assert(fails_at("1 7 2\n1 a\n1 b\n", 1, 3));
	test_assert(fails_at("1 7 2\n1\n", 1, 2));
	test_end();
}

static void test_leniency(void)
{
	struct maildir_uidlist u;

	test_begin("uidlist nextuid, newlines, blank lines");
	/* Records appended past N: nextuid follows them (N is never rewritten). */
	test_assert(parse("3 V5 N3\n1 :a\n7 :b\n9 W1 :c\n", 0, &u, NULL) == 0);
	test_assert(u.nextuid == 10 && u.n == 3);
	if (u.n == 3)
		test_assert_str(u.v[2].name, "c");
	maildir_uidlist_free(&u);
	/* A last line without LF is an append cut short: no record, but its UID is
	 * never given again. */
	test_assert(parse("3 V5 N3\n1 :a\n7 :b\n9 W1 :c", 0, &u, NULL) == 0);
	test_assert(u.nextuid == 10 && u.n == 2);
	maildir_uidlist_free(&u);
	test_assert(parse("3 V5 N3\n1 :a\n7 :b\n12 :1234.M5P", 0, &u, NULL) == 0);
	test_assert(u.nextuid == 13 && u.n == 2);
	maildir_uidlist_free(&u);
	test_assert(parse("3 V5 N3\n1 :a\n7 :b\n1", 0, &u, NULL) == 0);
	test_assert(u.nextuid == 8 && u.n == 2);
	maildir_uidlist_free(&u);
	test_assert(parse("3 V5 N3\n1 :a\n7 :b\n\x01\xff garbage :x", 0, &u, NULL) == 0);
	test_assert(u.nextuid == 8 && u.n == 2);
	maildir_uidlist_free(&u);
	/* N above the records stays. */
	test_assert(parse("3 V5 N300\n1 :a\r\n\r\n2 :b\n\n  \n", 0, &u, NULL) == 0);
	test_assert(u.nextuid == 300 && u.n == 2);
	if (u.n == 2)
		test_assert_str(u.v[0].name, "a");
	maildir_uidlist_free(&u);
	/* No records at all. */
	test_assert(parse("3 V5 N1 G3085f01b7f11094c501100008c4a11c1", 0, &u, NULL) == 0);
	test_assert(u.n == 0 && u.nextuid == 1);
	maildir_uidlist_free(&u);
	/* The last possible UID: nothing more can be added. */
	test_assert(parse("3 V5 N1\n4294967295 :z\n", 0, &u, NULL) == 0);
	test_assert(u.nextuid == UINT32_MAX);
	errno = 0;
	test_assert(maildir_uidlist_add(&u, UINT32_MAX, "", "y") == -1 && errno == EINVAL);
	maildir_uidlist_free(&u);
	test_end();
}

static void test_edit(void)
{
	struct maildir_uidlist u;
	char val[16];

	test_begin("uidlist add, find, keys, remove");
	maildir_uidlist_init(&u, 1700000000);
	test_assert(u.version == 3 && u.nextuid == 1 && strlen(u.guid) == 32);
	test_assert(maildir_uidlist_add(&u, 3, "", "x:2,S") == 0);
	test_assert(u.nextuid == 4);
	test_assert(maildir_uidlist_add(&u, 3, "", "y") == -1 && errno == EINVAL);
	test_assert(maildir_uidlist_add(&u, 0, "", "y") == -1 && errno == EINVAL);
	test_assert(maildir_uidlist_add(&u, 4, "", "a/b") == -1 && errno == EINVAL);
	test_assert(maildir_uidlist_add(&u, 4, "", "") == -1 && errno == EINVAL);
	test_assert(maildir_uidlist_add(&u, 4, "", "a\nb") == -1 && errno == EINVAL);
	test_assert(maildir_uidlist_add(&u, 4, "W1 :x", "y") == -1 && errno == EINVAL);
	test_assert(maildir_uidlist_add(&u, 4, " W1", "y") == -1 && errno == EINVAL);
	test_assert(maildir_uidlist_add(&u, 4, ":W1", "y") == -1 && errno == EINVAL);
	for (uint32_t uid = 10; uid < 1000; uid += 2)
		test_assert(maildir_uidlist_add(&u, uid, "W2481 P0000abcd", "m") == 0);
	test_assert(u.n == 496 && u.nextuid == 999);
	test_assert(maildir_uidlist_find(&u, 3) == 0);
	test_assert(maildir_uidlist_find(&u, 10) == 1);
	test_assert(maildir_uidlist_find(&u, 998) == 495);
	test_assert(maildir_uidlist_find(&u, 11) == -1);
	test_assert(maildir_uidlist_find(&u, 1) == -1);
	test_assert(maildir_uidlist_find(&u, 5000) == -1);

	test_assert(maildir_uidrec_key("W2481 P0000abcd", 'P', val, sizeof val) == 1);
	test_assert_str(val, "0000abcd");
	test_assert(maildir_uidrec_key("W2481 P0000abcd", 'W', val, sizeof val) == 1);
	test_assert_str(val, "2481");
	test_assert(maildir_uidrec_key("W2481 P0000abcd", 'S', val, sizeof val) == 0);
	test_assert(maildir_uidrec_key("", 'W', val, sizeof val) == 0);
	test_assert(maildir_uidrec_key("W2481", 'W', val, 4) == -1 && errno == ERANGE);
	test_assert(maildir_uidrec_key("W2481", 'W', val, 5) == 1);

	test_assert(maildir_uidlist_set_name(&u, 0, "x:2,ST") == 0);
	test_assert_str(u.v[0].name, "x:2,ST");
	test_assert(maildir_uidlist_set_name(&u, 0, "a/b") == -1);
	test_assert(maildir_uidlist_set_name(&u, 9999, "ok") == -1);
	maildir_uidlist_remove(&u, 1);
	test_assert(u.n == 495 && u.v[1].uid == 12 && maildir_uidlist_find(&u, 12) == 1);
	maildir_uidlist_free(&u);
	test_end();
}

static void test_files(void)
{
	struct maildir_uidlist u, r;
	struct maildir_uidrec recs[2] = { { 30, "W9", "new1" }, { 31, "", "new2:2,S" } };
	char *dir = mktmpdir();

	test_begin("uidlist write, read, append");
	test_assert(dir != NULL);
	if (dir == NULL) {
		test_end();
		return;
	}
	errno = 0;
	test_assert(maildir_uidlist_read(dir, &r) == -1 && errno == ENOENT);
	test_assert(maildir_uidlist_append(dir, recs, 2) == -1 && errno == ENOENT);

	test_assert(parse(dovecot_sample, 0, &u, NULL) == 0);
	u.hdr_extra[0] = '\0';
	test_assert(maildir_uidlist_write(dir, &u) == 0);
	test_assert(maildir_uidlist_read(dir, &r) == 0);
	test_assert(r.n == 2 && r.uidvalidity == u.uidvalidity && r.nextuid == 25022);
	test_assert_str(r.guid, u.guid);
	maildir_uidlist_free(&r);
	maildir_uidlist_free(&u);

	/* A torn last line (a crash in the middle of an append): the next append under
	 * the lock replaces the file without it, keeping its UID used, instead of
	 * gluing records onto garbage for good. */
	put_file(dir, "dovecot-uidlist", "3 V7 N2\n1 :a\n27 :1234.M5P9Q");
	test_assert(maildir_uidlist_read(dir, &r) == 0 && r.n == 1 && r.nextuid == 28);
	maildir_uidlist_free(&r);
	test_assert(maildir_uidlist_append(dir, recs, 2) == 0);
	test_assert(maildir_uidlist_read(dir, &r) == 0);
	test_assert(r.n == 3 && r.nextuid == 32);
	if (r.n == 3) {
		test_assert_str(r.v[0].name, "a");
		test_assert_str(r.v[1].keys, "W9");
		test_assert_str(r.v[1].name, "new1");
		test_assert_str(r.v[2].name, "new2:2,S");
	}
	maildir_uidlist_free(&r);
	{
		struct buf t;
		char path[600];
		snprintf(path, sizeof path, "%s/dovecot-uidlist", dir);
		buf_init(&t, 1 << 20);
		test_assert(io_read_file(path, &t) == 0);
		test_assert(t.len > 0 && buf_str(&t)[t.len - 1] == '\n');
		test_assert(strstr(buf_str(&t), "M5P9Q") == NULL);
		buf_free(&t);
	}
	/* Appending again (after a newline this time) adds no blank line. */
	recs[0].uid = 40;
	test_assert(maildir_uidlist_append(dir, recs, 1) == 0);
	test_assert(maildir_uidlist_read(dir, &r) == 0 && r.n == 4);
	maildir_uidlist_free(&r);
	/* Records out of order, or a version 1 file, are refused. */
	recs[0].uid = 50;
	recs[1].uid = 49;
	test_assert(maildir_uidlist_append(dir, recs, 2) == -1 && errno == EINVAL);
	put_file(dir, "dovecot-uidlist", "1 7 2\n1 a\n");
	test_assert(maildir_uidlist_append(dir, recs, 1) == -1 && errno == EINVAL);

	put_file(dir, "courierimapuiddb", courier_sample);
	test_assert(maildir_uidlist_read_courier(dir, &r) == 0 && r.n == 2 && r.nextuid == 4);
	maildir_uidlist_free(&r);
	put_file(dir, "dovecot-uidlist", "3 V7 N2\n2 :a\n1 :b\n");
	test_assert(maildir_uidlist_read(dir, &r) == -1 && errno == EINVAL);
	/* Only our two files: no temporary file left behind. */
	test_assert(rmtree(dir) == 2);
	test_end();
}

static void test_large(void)
{
	struct maildir_uidlist u, r;
	struct buf b;
	struct timespec t0, t1;
	long ms;

	test_begin("uidlist 100000 records");
	maildir_uidlist_init(&u, 1);
	for (uint32_t i = 1; i <= 100000; i++) {
		char name[96];

		snprintf(name, sizeof name, "17000%05u.M%uP42.host,S=%u,W=%u:2,S", i, i, i, i);
		if (maildir_uidlist_add(&u, i * 2, i % 3 ? "" : "W2481", name) < 0)
			break;
	}
	test_assert(u.n == 100000);
	buf_init(&b, MAILDIR_UIDLIST_MAX);
	test_assert(maildir_uidlist_format(&u, &b) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	test_assert(maildir_uidlist_parse(b.s, b.len, 0, &r, NULL) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	/* Well under 100 ms in an optimised build; sanitizers make it several times slower. */
	test_assert(ms < 2000);
	test_assert(r.n == 100000 && r.v[99999].uid == 200000 && r.nextuid == 200001);
	test_assert(maildir_uidlist_find(&r, 100000) == 49999);
	maildir_uidlist_free(&r);
	maildir_uidlist_free(&u);
	buf_free(&b);
	test_end();
}

static void test_new_ids(void)
{
	char a[33], b[33], sub[600], cmd[1300];
	uint32_t v1 = 0, v2 = 0, v3 = 0, v4 = 0;
	time_t now = time(NULL);
	char *dir = mktmpdir();

	test_begin("uidvalidity never repeats, and guid");
	test_assert(dir != NULL);
	if (dir == NULL) {
		test_end();
		return;
	}
	/* The first value comes from the clock, which has passed it on return. */
	test_assert(maildir_uidvalidity_next(dir, &v1) == 0);
	test_assert((time_t)v1 >= now && (time_t)v1 <= now + 5 && time(NULL) > (time_t)v1);
	/* A folder draws from its Maildir's counter, Dovecot's files. */
	snprintf(sub, sizeof sub, "%s/.F", dir);
	test_assert(mkdir(sub, 0700) == 0);
	put_file(sub, "maildirfolder", "");
	test_assert(maildir_uidvalidity_next(sub, &v2) == 0 && v2 > v1);
	test_assert(maildir_uidvalidity_next(sub, &v3) == 0 && v3 > v2);
	{
		struct buf t;
		char path[700], want[9];
		snprintf(path, sizeof path, "%s/dovecot-uidvalidity", dir);
		snprintf(want, sizeof want, "%08x", (unsigned)v3);
		buf_init(&t, 64);
		test_assert(io_read_file(path, &t) == 0 && strcmp(buf_str(&t), want) == 0);
		buf_free(&t);
		snprintf(path, sizeof path, "%s/dovecot-uidvalidity.%08x", dir, (unsigned)v3);
		test_assert(access(path, F_OK) == 0);
		snprintf(path, sizeof path, "%s/dovecot-uidvalidity.%08x", dir, (unsigned)v1);
		test_assert(access(path, F_OK) < 0);
	}
	/* The whole Maildir removed and made again at once: still a new value. */
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir '%s'", dir, dir);
	test_assert(system(cmd) == 0);
	test_assert(maildir_uidvalidity_next(dir, &v4) == 0);
	test_assert(v4 > v1 && v4 > v2 && v4 > v3);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	test_assert(system(cmd) == 0);
	maildir_guid_new(a);
	maildir_guid_new(b);
	test_assert(strlen(a) == 32 && strspn(a, "0123456789abcdef") == 32);
	test_assert(strcmp(a, b) != 0);
	test_end();
}

/* Several sessions opening new folders of one Maildir at once (offlineimap with
 * maxconnections > 1 does this on its first run): every one gets a value, and no two
 * the same. A process that loses a round must wait for the winner to finish writing
 * the counter, not give up after a few quick retries. */
#define CONCURRENT_FOLDERS 8
static void test_new_ids_concurrent(void)
{
	char *dir = mktmpdir();
	char sub[600], cmd[700];
	int go[2], res[2];
	uint32_t seen[CONCURRENT_FOLDERS];
	int got = 0, ok = 1;

	test_begin("uidvalidity for folders made at once");
	test_assert(dir != NULL && pipe(go) == 0 && pipe(res) == 0);
	if (dir == NULL) {
		test_end();
		return;
	}
	for (int i = 0; i < CONCURRENT_FOLDERS; i++) {
		pid_t pid;

		snprintf(sub, sizeof sub, "%s/.F%d", dir, i);
		test_assert(mkdir(sub, 0700) == 0);
		put_file(sub, "maildirfolder", "");
		pid = fork();
		if (pid == 0) {
			char c;
			uint32_t v = 0;

			close(go[1]);
			/* all start together: when the parent closes its end */
			(void)read(go[0], &c, 1);
			if (maildir_uidvalidity_next(sub, &v) < 0)
				v = 0;
			(void)write(res[1], &v, sizeof v);
			_exit(0);
		}
		test_assert(pid > 0);
	}
	close(go[0]);
	close(go[1]);
	close(res[1]);
	while (got < CONCURRENT_FOLDERS && read(res[0], &seen[got], sizeof seen[got]) ==
	       (ssize_t)sizeof seen[got])
		got++;
	close(res[0]);
	while (wait(NULL) > 0)
		;
	test_assert(got == CONCURRENT_FOLDERS);
	for (int i = 0; i < got; i++) {
		if (seen[i] == 0) {
			fprintf(stderr, "folder process %d got no value\n", i);
			ok = 0;
		}
		for (int k = 0; k < i; k++) {
			if (seen[k] == seen[i]) {
				fprintf(stderr, "two folders got %08x\n", (unsigned)seen[i]);
				ok = 0;
			}
		}
	}
	test_assert(ok);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	test_assert(system(cmd) == 0);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_dovecot_sample, test_courier_sample, test_roundtrip, test_errors,
		test_leniency, test_edit, test_files, test_large, test_new_ids,
		test_new_ids_concurrent, NULL
	};
	return test_run(tests);
}
