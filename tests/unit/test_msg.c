/*
 * Changing one message while "another process" (the test itself, renaming or unlinking
 * behind the library's back) changes it too: flag renames that follow the file,
 * expunges of messages already gone, opens of renamed messages.
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
#include "maildir_msg.h"
#include "test.h"

static char root[256];
static char md[300];

static void setup(void)
{
	int n;

	test_tmpdir("test_msg", root, sizeof root);
	n = snprintf(md, sizeof md, "%s/Maildir", root);
	if (n < 0 || (size_t)n >= sizeof md || maildir_make(md) < 0) {
		perror("maildir_make");
		exit(1);
	}
}

/* out = a b; the test fails loudly rather than run on a cut name. */
static void join(char *out, size_t outsz, const char *a, const char *b)
{
	int n = snprintf(out, outsz, "%s%s", a, b);

	if (n < 0 || (size_t)n >= outsz) {
		fprintf(stderr, "name too long: %s%s\n", a, b);
		exit(1);
	}
}

/* A message delivered into new/, its name into name. */
static int deliver(const char *text, char *name, size_t namesz)
{
	struct maildir_tmp t;

	if (maildir_tmp_open(&t, md) < 0)
		return -1;
	if (maildir_tmp_write(&t, text, strlen(text)) < 0) {
		maildir_tmp_abort(&t);
		return -1;
	}
	return maildir_tmp_commit(&t, "new", 0, 0, name, namesz);
}

static int exists(int in_new, const char *name)
{
	char p[1024];
	struct stat st;

	if (maildir_msg_path(md, in_new, name, p, sizeof p) < 0)
		return 0;
	return stat(p, &st) == 0;
}

/* What another process would do: rename (from_new, from) to (to_new, to). */
static int other_rename(int from_new, const char *from, int to_new, const char *to)
{
	char a[1024], b[1024];

	if (maildir_msg_path(md, from_new, from, a, sizeof a) < 0 ||
	    maildir_msg_path(md, to_new, to, b, sizeof b) < 0)
		return -1;
	return rename(a, b);
}

static int other_unlink(int in_new, const char *name)
{
	char p[1024];

	if (maildir_msg_path(md, in_new, name, p, sizeof p) < 0)
		return -1;
	return unlink(p);
}

static void test_set_flags(void)
{
	char name[MAILDIR_NAME_MAX + 1], n1[MAILDIR_NAME_MAX + 1], n2[MAILDIR_NAME_MAX + 1];
	char want[MAILDIR_NAME_MAX + 1];

	test_begin("set_flags: new/ -> cur/, flag change, nothing to do");
	test_assert(deliver("hello\n", name, sizeof name) == 0);
	test_assert(maildir_msg_set_flags(md, 1, name, MAILDIR_F_SEEN, 0, n1, sizeof n1) == 0);
	join(want, sizeof want, name, ":2,S");
	test_assert_str(n1, want);
	test_assert(!exists(1, name) && exists(0, n1));

	test_assert(maildir_msg_set_flags(md, 0, n1, MAILDIR_F_SEEN | MAILDIR_F_REPLIED,
					  MAILDIR_KW('c'), n2, sizeof n2) == 0);
	join(want, sizeof want, name, ":2,RSc");
	test_assert_str(n2, want);
	test_assert(!exists(0, n1) && exists(0, n2));

	/* the same flags in cur/: the same name back, the file untouched */
	test_assert(maildir_msg_set_flags(md, 0, n2, MAILDIR_F_SEEN | MAILDIR_F_REPLIED,
					  MAILDIR_KW('c'), n1, sizeof n1) == 0);
	test_assert_str(n1, n2);
	test_assert(exists(0, n2));

	/* newname buffer too small: refused before renaming */
	errno = 0;
	test_assert(maildir_msg_set_flags(md, 0, n2, 0, 0, n1, 10) < 0 &&
		    errno == ENAMETOOLONG);
	test_assert(exists(0, n2));
	test_assert(maildir_msg_expunge(md, 0, n2) == 0);
	test_assert(!exists(0, n2));
	test_end();
}

/* A file in new/ that carries flags (APPEND, COPY with flags): a flag change starts
 * from the flags of its name and moves it to cur/ with one info. */
static void test_change_flags_in_new(void)
{
	struct maildir_flag_change c = { MAILDIR_F_REPLIED, 0, MAILDIR_F_FLAGGED, 0 };
	struct maildir_tmp t;
	char name[MAILDIR_NAME_MAX + 1], n1[MAILDIR_NAME_MAX + 1], want[MAILDIR_NAME_MAX + 1];
	char *info;
	uint32_t flags = 0, keywords = 0;

	test_begin("change_flags on a new/ file with flags: merged, moved to cur/");
	test_assert(maildir_tmp_open(&t, md) == 0 && maildir_tmp_write(&t, "x\n", 2) == 0);
	test_assert(maildir_tmp_commit(&t, "new", MAILDIR_F_FLAGGED | MAILDIR_F_SEEN,
				       MAILDIR_KW('b'), name, sizeof name) == 0);
	info = strstr(name, ":2,");
	test_assert(info != NULL && strcmp(info, ":2,FSb") == 0 && exists(1, name));
	test_assert(maildir_msg_change_flags(md, 1, name, &c, n1, sizeof n1, &flags,
					     &keywords) == 0);
	test_assert(flags == (MAILDIR_F_REPLIED | MAILDIR_F_SEEN) &&
		    keywords == MAILDIR_KW('b'));
	if (info != NULL) {
		memcpy(want, name, (size_t)(info - name));
		join(want + (info - name), sizeof want - (size_t)(info - name), ":2,", "RSb");
		test_assert_str(n1, want);
	}
	test_assert(!exists(1, name) && exists(0, n1));
	test_assert(maildir_msg_expunge(md, 0, n1) == 0);
	test_end();
}

static void test_set_flags_race(void)
{
	char name[MAILDIR_NAME_MAX + 1], theirs[MAILDIR_NAME_MAX + 1];
	char out[MAILDIR_NAME_MAX + 1], want[MAILDIR_NAME_MAX + 1];

	test_begin("set_flags after another process renamed the file");
	/* they moved it new/ -> cur/ with \Seen and a foreign tail */
	test_assert(deliver("race\n", name, sizeof name) == 0);
	join(theirs, sizeof theirs, name, ":2,S,extra");
	test_assert(other_rename(1, name, 0, theirs) == 0);
	test_assert(maildir_msg_set_flags(md, 1, name, MAILDIR_F_FLAGGED, 0, out,
					  sizeof out) == 0);
	join(want, sizeof want, name, ":2,F,extra");
	test_assert_str(out, want);
	test_assert(exists(0, want) && !exists(0, theirs) && !exists(1, name));

	/* they changed flags in cur/ with the Windows-friendly separator */
	join(theirs, sizeof theirs, name, ";2,T");
	test_assert(other_rename(0, want, 0, theirs) == 0);
	test_assert(maildir_msg_set_flags(md, 0, want, MAILDIR_F_SEEN, 0, out,
					  sizeof out) == 0);
	join(want, sizeof want, name, ";2,S");
	test_assert_str(out, want);
	test_assert(exists(0, want) && !exists(0, theirs));

	/* they already set exactly our flags: found, no change needed */
	join(theirs, sizeof theirs, name, ";2,DS");
	test_assert(other_rename(0, want, 0, theirs) == 0);
	test_assert(maildir_msg_set_flags(md, 0, want, MAILDIR_F_SEEN | MAILDIR_F_DRAFT, 0,
					  out, sizeof out) == 0);
	test_assert_str(out, theirs);
	test_assert(exists(0, theirs));

	/* they expunged it */
	test_assert(other_unlink(0, theirs) == 0);
	errno = 0;
	test_assert(maildir_msg_set_flags(md, 0, want, MAILDIR_F_FLAGGED, 0, out,
					  sizeof out) < 0);
	test_assert(errno == ENOENT);
	test_end();
}

static void test_find_same_prefix(void)
{
	char name[MAILDIR_NAME_MAX + 1], longer[MAILDIR_NAME_MAX + 1];
	char out[MAILDIR_NAME_MAX + 1];
	int in_new = -1;

	test_begin("find compares whole bases");
	test_assert(deliver("a\n", name, sizeof name) == 0);
	join(longer, sizeof longer, name, "X:2,S");
	test_assert(other_rename(1, name, 0, longer) == 0);
	/* only "<name>X" exists: <name> itself is gone */
	errno = 0;
	test_assert(maildir_msg_find(md, name, strlen(name), &in_new, out, sizeof out) < 0);
	test_assert(errno == ENOENT);
	test_assert(maildir_msg_expunge(md, 1, name) == 0);
	test_assert(exists(0, longer));
	test_assert(maildir_msg_find(md, longer, strlen(longer) - 4, &in_new, out,
				     sizeof out) == 0);
	test_assert(in_new == 0);
	test_assert_str(out, longer);
	errno = 0;
	test_assert(maildir_msg_find(md, longer, strlen(longer) - 4, &in_new, out, 5) < 0);
	test_assert(errno == ENAMETOOLONG);
	test_assert(maildir_msg_expunge(md, 0, longer) == 0);
	test_assert(!exists(0, longer));
	test_end();
}

static void test_expunge(void)
{
	char name[MAILDIR_NAME_MAX + 1], theirs[MAILDIR_NAME_MAX + 1];

	test_begin("expunge: normal, renamed meanwhile, already gone");
	test_assert(deliver("bye\n", name, sizeof name) == 0);
	test_assert(maildir_msg_expunge(md, 1, name) == 0);
	test_assert(!exists(1, name));
	/* already expunged by someone else */
	test_assert(maildir_msg_expunge(md, 1, name) == 0);
	test_assert(maildir_msg_expunge(md, 0, name) == 0);

	test_assert(deliver("bye again\n", name, sizeof name) == 0);
	join(theirs, sizeof theirs, name, ":2,ST");
	test_assert(other_rename(1, name, 0, theirs) == 0);
	test_assert(maildir_msg_expunge(md, 1, name) == 0);
	test_assert(!exists(0, theirs) && !exists(1, name));

	errno = 0;
	test_assert(maildir_msg_expunge(md, 0, ".dot") < 0 && errno == EINVAL);
	test_end();
}

/* EXPUNGE removes only what is \Deleted now: a flag another process cleared after our
 * view was taken (a rename we have not seen) keeps the message. */
static void test_expunge_if(void)
{
	char name[MAILDIR_NAME_MAX + 1], t[MAILDIR_NAME_MAX + 1], u[MAILDIR_NAME_MAX + 1];

	test_begin("expunge_if: only while the file still carries the flag");
	test_assert(deliver("bye\n", name, sizeof name) == 0);
	test_assert(maildir_msg_set_flags(md, 1, name, MAILDIR_F_TRASHED, 0, t, sizeof t) == 0);
	/* someone else clears \Deleted and sets \Seen: our name is stale */
	test_assert(maildir_msg_set_flags(md, 0, t, MAILDIR_F_SEEN, 0, u, sizeof u) == 0);
	test_assert(maildir_msg_expunge_if(NULL, md, 0, t, MAILDIR_F_TRASHED) == 1);
	test_assert(exists(0, u));
	/* they set it again (with \Seen): the stale name still finds and removes it */
	test_assert(maildir_msg_set_flags(md, 0, u, MAILDIR_F_SEEN | MAILDIR_F_TRASHED, 0, t,
					  sizeof t) == 0);
	test_assert(maildir_msg_expunge_if(NULL, md, 0, u, MAILDIR_F_TRASHED) == 0);
	test_assert(!exists(0, t));
	/* gone already: done, not an error */
	test_assert(maildir_msg_expunge_if(NULL, md, 0, t, MAILDIR_F_TRASHED) == 0);
	test_end();
}

static void test_open(void)
{
	char name[MAILDIR_NAME_MAX + 1], theirs[MAILDIR_NAME_MAX + 1], buf[64];
	int in_new = 1, fd;

	test_begin("open follows a rename; ENOENT when expunged");
	test_assert(deliver("content\r\n", name, sizeof name) == 0);
	join(theirs, sizeof theirs, name, "!2,S");
	fd = maildir_msg_open(md, &in_new, name);
	test_assert(fd >= 0 && in_new == 1);
	if (fd >= 0)
		close(fd);
	test_assert(other_rename(1, name, 0, theirs) == 0);
	fd = maildir_msg_open(md, &in_new, name);
	test_assert(fd >= 0);
	test_assert(in_new == 0);
	test_assert_str(name, theirs);
	if (fd >= 0) {
		test_assert(read(fd, buf, sizeof buf) == 9);
		test_assert(memcmp(buf, "content\r\n", 9) == 0);
		test_assert((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
		close(fd);
	}
	test_assert(other_unlink(0, theirs) == 0);
	errno = 0;
	test_assert(maildir_msg_open(md, &in_new, name) < 0 && errno == ENOENT);
	test_end();
}

static void test_path(void)
{
	char out[64];

	test_begin("msg_path");
	test_assert(maildir_msg_path("/m", 1, "x:2,S", out, sizeof out) == 0);
	test_assert_str(out, "/m/new/x:2,S");
	test_assert(maildir_msg_path("/m", 0, "x", out, sizeof out) == 0);
	test_assert_str(out, "/m/cur/x");
	errno = 0;
	test_assert(maildir_msg_path("/m", 0, "x", out, 8) < 0 && errno == ENAMETOOLONG);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_set_flags, test_change_flags_in_new, test_set_flags_race,
		test_find_same_prefix, test_expunge,
		test_expunge_if,
		test_open, test_path, NULL
	};
	int r;

	setup();
	r = test_run(tests);
	test_rm_rf(root);
	return r;
}
