/*
 * Maildir++ folders: name <-> directory name conversion and its refusals, then create,
 * list, delete and rename on a temporary Maildir, checking the directories on disk.
 */
#include "test.h"
#include "maildir_folder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAMES_MAX 32

static char buf[MAILDIR_FOLDER_NAME_MAX + 1];
static char root[256];

static const char *enc(const char *name)
{
	return maildir_folder_encode(name, buf, sizeof buf) < 0 ? NULL : buf;
}

static const char *dec(const char *dirname)
{
	return maildir_folder_decode(dirname, buf, sizeof buf) < 0 ? NULL : buf;
}

static int enc_err(const char *name)
{
	errno = 0;
	if (maildir_folder_encode(name, buf, sizeof buf) != -1)
		return 0;
	return errno;
}

static int dec_err(const char *dirname)
{
	errno = 0;
	if (maildir_folder_decode(dirname, buf, sizeof buf) != -1)
		return 0;
	return errno;
}

static void test_encode_decode(void)
{
	static const struct { const char *name, *dir; } v[] = {
		{ "Sent", ".Sent" },
		{ "Archive/2024", ".Archive.2024" },
		{ "a.b", ".a\\2eb" },
		{ "back\\slash", ".back\\5cslash" },
		{ "Entw\xc3\xbcrfe", ".Entw&APw-rfe" },
		{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", ".&ZeVnLIqe-" },
		{ "Fun/\xf0\x9f\x98\x80", ".Fun.&2D3eAA-" },
		{ "&", ".&-" },
		{ "A & B/x.y\\z", ".A &- B.x\\2ey\\5cz" },
		{ "\\2e", ".\\5c2e" },
		{ "...x", ".\\2e\\2e\\2ex" },
	};

	test_begin("folder encode/decode round trips");
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		test_assert_str(enc(v[i].name), v[i].dir);
		test_assert_str(dec(v[i].dir), v[i].name);
	}
	test_end();
}

static void test_rfc_example(void)
{
	test_begin("folder decode RFC 3501 example levels");
	test_assert_str(dec(".~peter.mail.&U,BTFw-.&ZeVnLIqe-"),
			"~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	test_end();
}

static void test_encode_refusals(void)
{
	char deep[3 * (MAILDIR_FOLDER_DEPTH_MAX + 1) + 1];
	char longname[MAILDIR_FOLDER_NAME_MAX + 2];
	char small[8];

	test_begin("folder encode refusals");
	test_assert(enc_err("") == EINVAL);
	test_assert(enc_err("..") == EINVAL);
	test_assert(enc_err(".") == EINVAL);
	test_assert(enc_err("a//b") == EINVAL);
	test_assert(enc_err("/a") == EINVAL);
	test_assert(enc_err("a/") == EINVAL);
	test_assert(enc_err("a/../b") == EINVAL);
	test_assert(enc_err("a/./b") == EINVAL);
	test_assert(enc_err("x\x01") == EINVAL);
	test_assert(enc_err("x\x7f") == EINVAL);
	test_assert(enc_err("tab\there") == EINVAL);
	test_assert(enc_err("bad\xc3") == EINVAL);
	test_assert(enc_err("over\xc0\xaflong") == EINVAL);
	test_assert(enc_err("sur\xed\xa0\x80") == EINVAL);
	test_assert(enc_err("big\xf4\x90\x80\x80") == EINVAL);

	/* DEPTH_MAX levels are fine, one more is not. */
	deep[0] = '\0';
	for (int i = 0; i < MAILDIR_FOLDER_DEPTH_MAX; i++) {
		size_t n = strlen(deep);
		memcpy(deep + n, i ? "/a" : "a", i ? 3 : 2);
	}
	test_assert(enc(deep) != NULL);
	memcpy(deep + strlen(deep), "/a", 3);
	test_assert(enc_err(deep) == EINVAL);

	/* Longer than NAME_MAX bytes: EINVAL; a valid name whose directory name
	 * passes 255 bytes: ENAMETOOLONG. */
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	test_assert(enc_err(longname) == EINVAL);
	longname[MAILDIR_FOLDER_DIRNAME_MAX - 1] = '\0';	/* "." + 254 = 255 */
	test_assert(enc(longname) != NULL && strlen(buf) == MAILDIR_FOLDER_DIRNAME_MAX);
	longname[MAILDIR_FOLDER_DIRNAME_MAX - 1] = 'x';
	longname[MAILDIR_FOLDER_DIRNAME_MAX] = '\0';
	test_assert(enc_err(longname) == ENAMETOOLONG);
	longname[100] = '.';	/* becomes "\2e": 3 bytes */
	longname[MAILDIR_FOLDER_DIRNAME_MAX - 3] = '\0';
	test_assert(enc(longname) != NULL && strlen(buf) == MAILDIR_FOLDER_DIRNAME_MAX);
	/* ...but a refused name stays EINVAL even when long. */
	longname[MAILDIR_FOLDER_DIRNAME_MAX] = 'x';
	longname[MAILDIR_FOLDER_DIRNAME_MAX + 10] = '\0';
	longname[MAILDIR_FOLDER_DIRNAME_MAX - 3] = '\x01';
	test_assert(enc_err(longname) == EINVAL);

	errno = 0;
	test_assert(maildir_folder_encode("Archive", small, sizeof small) == -1 &&
		    errno == ENAMETOOLONG);
	test_assert(maildir_folder_encode("Archiv", small, sizeof small) == 7);
	test_assert_str(small, ".Archiv");
	test_end();
}

static void test_decode_refusals(void)
{
	test_begin("folder decode refusals");
	test_assert(dec_err("") == EINVAL);
	test_assert(dec_err(".") == EINVAL);
	test_assert(dec_err("..") == EINVAL);
	test_assert(dec_err("..deleted.1.2.3") == EINVAL);
	test_assert(dec_err("Sent") == EINVAL);
	test_assert(dec_err(".a..b") == EINVAL);
	test_assert(dec_err(".a.") == EINVAL);
	test_assert(dec_err(".a/b") == EINVAL);
	test_assert(dec_err(".a\\") == EINVAL);
	test_assert(dec_err(".a\\2") == EINVAL);
	test_assert(dec_err(".a\\2E") == EINVAL);	/* upper case is not what we write */
	test_assert(dec_err(".a\\41") == EINVAL);
	test_assert(dec_err(".\\2e") == EINVAL);	/* the level "." */
	test_assert(dec_err(".x.\\2e\\2e") == EINVAL);	/* the level ".." */
	test_assert(dec_err(".&AGE-") == EINVAL);	/* non-canonical mUTF-7 */
	test_assert(dec_err(".&AOQ") == EINVAL);	/* unterminated */
	test_assert(dec_err(".x&AAE-") == EINVAL);	/* control character */
	test_assert(dec_err(".caf\xc3\xa9") == EINVAL);	/* raw 8-bit */
	test_end();
}

static void test_path(void)
{
	char p[64];

	test_begin("folder path");
	test_assert(maildir_folder_path("/m", "", p, sizeof p) == 2);
	test_assert_str(p, "/m");
	test_assert(maildir_folder_path("/m", "A/b.c", p, sizeof p) == 11);
	test_assert_str(p, "/m/.A.b\\2ec");
	errno = 0;
	test_assert(maildir_folder_path("/m", "../x", p, sizeof p) == -1 && errno == EINVAL);
	errno = 0;
	test_assert(maildir_folder_path("/m", "A", p, 4) == -1 && errno == ENAMETOOLONG);
	test_end();
}

/* ---- on disk ---- */

static int path_of(char *p, size_t sz, const char *a, const char *b)
{
	int n = snprintf(p, sz, "%s/%s", a, b);

	return n >= 0 && (size_t)n < sz;
}

static int is_dir(const char *rel)
{
	char p[1024];
	struct stat st;

	return path_of(p, sizeof p, root, rel) && lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *rel)
{
	char p[1024];
	struct stat st;

	return path_of(p, sizeof p, root, rel) && lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int exists(const char *rel)
{
	char p[1024];
	struct stat st;

	return path_of(p, sizeof p, root, rel) && lstat(p, &st) == 0;
}

static int put_file(const char *rel)
{
	char p[1024];
	int fd;

	if (!path_of(p, sizeof p, root, rel))
		return 0;
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return 0;
	return write(fd, "x\n", 2) == 2 && close(fd) == 0;
}

static int make_dir(const char *rel)
{
	char p[1024];

	return path_of(p, sizeof p, root, rel) && mkdir(p, 0700) == 0;
}

/* A complete folder as create makes it. */
static int is_folder(const char *dir)
{
	char p[512];

	for (int i = 0; i < 4; i++) {
		static const char *const sub[] = { "cur", "new", "tmp", "maildirfolder" };

		if (!path_of(p, sizeof p, dir, sub[i]))
			return 0;
		if (i < 3 ? !is_dir(p) : !is_file(p))
			return 0;
	}
	return 1;
}

struct names {
	char *v[NAMES_MAX];
	int n;
	int stop_at;
};

static int collect(const char *name, void *arg)
{
	struct names *ns = arg;

	if (ns->n >= NAMES_MAX)
		return -1;
	ns->v[ns->n] = strdup(name);
	if (ns->v[ns->n] == NULL)
		return -1;
	ns->n++;
	if (ns->stop_at > 0 && ns->n == ns->stop_at) {
		errno = EINTR;
		return 1;
	}
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted listing as "a|b|c", into out. Returns the list count. */
static int list(char *out, size_t outsz)
{
	struct names ns = { .n = 0, .stop_at = 0 };
	int r = maildir_folder_list(root, collect, &ns);

	out[0] = '\0';
	qsort(ns.v, (size_t)ns.n, sizeof ns.v[0], cmp);
	for (int i = 0; i < ns.n; i++) {
		size_t l = strlen(out);

		snprintf(out + l, outsz - l, "%s%s", i ? "|" : "", ns.v[i]);
		free(ns.v[i]);
	}
	return r;
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char p[1024];

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (!path_of(p, sizeof p, path, de->d_name))
				continue;
			if (unlink(p) < 0)
				rm_tree(p);
		}
		closedir(d);
	}
	rmdir(path);
}

static int setup(void)
{
	const char *t = getenv("TMPDIR");
	int n = snprintf(root, sizeof root, "%s/test_folder.XXXXXX", t && *t ? t : "/tmp");

	if (n < 0 || (size_t)n >= sizeof root || mkdtemp(root) == NULL)
		return 0;
	return make_dir("cur") && make_dir("new") && make_dir("tmp");
}

static void test_create_list(void)
{
	char l[1024];
	const char *utf = "Entw\xc3\xbcrfe";

	test_begin("folder create and list");
	test_assert(setup());
	test_assert(maildir_folder_create(root, "Sent") == 0);
	test_assert(is_folder(".Sent"));
	test_assert(maildir_folder_create(root, "a.b") == 0);
	test_assert(is_folder(".a\\2eb"));
	test_assert(maildir_folder_create(root, utf) == 0);
	test_assert(is_folder(".Entw&APw-rfe"));
	test_assert(maildir_folder_create(root, "Sent/2024") == 0);
	test_assert(is_folder(".Sent.2024"));
	errno = 0;
	test_assert(maildir_folder_create(root, "Sent") == -1 && errno == EEXIST);
	errno = 0;
	test_assert(maildir_folder_create(root, "") == -1 && errno == EEXIST);
	errno = 0;
	test_assert(maildir_folder_create(root, "a/../b") == -1 && errno == EINVAL);
	test_assert(!exists(".a.\\2e\\2e.b") && !exists(".b"));
	errno = 0;
	test_assert(maildir_folder_create("/nonexistent-root-for-test", "X") == -1 &&
		    errno == ENOENT);

	/* Things that are not folders: a work dir with files, a plain file, a
	 * directory that does not decode, root's own subdirectories. */
	test_assert(make_dir("..deleted.1.2.3") && put_file("..deleted.1.2.3/msg"));
	test_assert(put_file(".NotADir"));
	test_assert(make_dir(".bad&AGE-"));
	test_assert(make_dir(".bad..level"));
	test_assert(list(l, sizeof l) == 4);
	test_assert_str(l, "Entw\xc3\xbcrfe|Sent|Sent/2024|a.b");
	test_end();
}

static void test_list_stop(void)
{
	struct names ns = { .n = 0, .stop_at = 2 };

	test_begin("folder list stops when the callback says so");
	errno = 0;
	test_assert(maildir_folder_list(root, collect, &ns) == -1 && errno == EINTR);
	test_assert(ns.n == 2);
	for (int i = 0; i < ns.n; i++)
		free(ns.v[i]);
	errno = 0;
	test_assert(maildir_folder_list("/nonexistent-root-for-test", collect, &ns) == -1 &&
		    errno == ENOENT);
	test_end();
}

static int count_work_dirs(void)
{
	DIR *d = opendir(root);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "..deleted.", 10) == 0 &&
		    strcmp(de->d_name, "..deleted.1.2.3") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_delete(void)
{
	char l[1024];

	test_begin("folder delete");
	test_assert(put_file(".Sent/cur/1.M1P1.h:2,S"));
	test_assert(put_file(".Sent/new/2.M2P2.h"));
	test_assert(put_file(".Sent/dovecot-uidlist"));
	test_assert(make_dir(".Sent/courierimapkeywords") &&
		    put_file(".Sent/courierimapkeywords/:list"));
	test_assert(maildir_folder_delete(root, "Sent") == 0);
	test_assert(!exists(".Sent"));
	test_assert(is_folder(".Sent.2024"));	/* children stay */
	test_assert(count_work_dirs() == 0);
	test_assert(list(l, sizeof l) == 3);
	test_assert_str(l, "Entw\xc3\xbcrfe|Sent/2024|a.b");
	errno = 0;
	test_assert(maildir_folder_delete(root, "Sent") == -1 && errno == ENOENT);
	errno = 0;
	test_assert(maildir_folder_delete(root, "") == -1 && errno == EINVAL);
	errno = 0;
	test_assert(maildir_folder_delete(root, "..") == -1 && errno == EINVAL);
	test_assert(is_dir("cur") && is_dir("new") && is_dir("tmp"));

	/* A symlink in a folder is removed, never followed. */
	test_assert(maildir_folder_create(root, "Links") == 0);
	{
		char target[512], link_path[512];

		test_assert(path_of(target, sizeof target, root, "new"));
		test_assert(path_of(link_path, sizeof link_path, root, ".Links/cur/evil"));
		test_assert(put_file("new/keep"));
		test_assert(symlink(target, link_path) == 0);
	}
	test_assert(maildir_folder_delete(root, "Links") == 0);
	test_assert(!exists(".Links") && is_file("new/keep"));
	test_assert(count_work_dirs() == 0);
	test_end();
}

static void test_rename(void)
{
	char l[1024];

	test_begin("folder rename");
	test_assert(maildir_folder_create(root, "A") == 0);
	test_assert(maildir_folder_create(root, "A/B") == 0);
	test_assert(maildir_folder_create(root, "A/B/C") == 0);
	test_assert(maildir_folder_create(root, "AB") == 0);	/* not a child of A */
	test_assert(put_file(".A.B/cur/1.M1P1.h:2,S"));

	test_assert(maildir_folder_rename(root, "A", "X.y") == 0);
	test_assert(is_folder(".X\\2ey") && is_folder(".X\\2ey.B") && is_folder(".X\\2ey.B.C"));
	test_assert(is_file(".X\\2ey.B/cur/1.M1P1.h:2,S"));
	test_assert(!exists(".A") && !exists(".A.B") && !exists(".A.B.C"));
	test_assert(is_folder(".AB"));
	test_assert(list(l, sizeof l) == 7);
	test_assert_str(l, "AB|Entw\xc3\xbcrfe|Sent/2024|X.y|X.y/B|X.y/B/C|a.b");

	/* A child's target exists: EEXIST, and nothing moved. */
	test_assert(maildir_folder_create(root, "Z/B/C") == 0);
	errno = 0;
	test_assert(maildir_folder_rename(root, "X.y", "Z") == -1 && errno == EEXIST);
	test_assert(is_folder(".X\\2ey") && is_folder(".X\\2ey.B") && is_folder(".X\\2ey.B.C"));
	test_assert(!exists(".Z") && !exists(".Z.B") && is_folder(".Z.B.C"));

	/* The target itself exists. */
	errno = 0;
	test_assert(maildir_folder_rename(root, "AB", "a.b") == -1 && errno == EEXIST);
	test_assert(is_folder(".AB"));

	errno = 0;
	test_assert(maildir_folder_rename(root, "X.y", "X.y/B/D") == -1 && errno == EINVAL);
	errno = 0;
	test_assert(maildir_folder_rename(root, "", "Q") == -1 && errno == EINVAL);
	errno = 0;
	test_assert(maildir_folder_rename(root, "AB", "") == -1 && errno == EINVAL);
	errno = 0;
	test_assert(maildir_folder_rename(root, "Nope", "Q") == -1 && errno == ENOENT);
	errno = 0;
	test_assert(maildir_folder_rename(root, "AB", "../Q") == -1 && errno == EINVAL);

	/* Moving a child up to a free name; "X.y/Bx" is no child of "X.y/B". */
	test_assert(maildir_folder_create(root, "X.y/Bx") == 0);
	test_assert(maildir_folder_rename(root, "X.y/B", "Top") == 0);
	test_assert(is_folder(".Top") && is_folder(".Top.C") && is_folder(".X\\2ey.Bx"));
	test_assert(list(l, sizeof l) == 9);
	test_assert_str(l, "AB|Entw\xc3\xbcrfe|Sent/2024|Top|Top/C|X.y|X.y/Bx|Z/B/C|a.b");
	test_end();
	rm_tree(root);
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_encode_decode,
		test_rfc_example,
		test_encode_refusals,
		test_decode_refusals,
		test_path,
		test_create_list,
		test_list_stop,
		test_delete,
		test_rename,
		NULL,
	};
	return test_run(tests);
}
