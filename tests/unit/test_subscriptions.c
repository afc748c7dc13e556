/*
 * Subscriptions: the file Dovecot 2.3 wrote in a real session (version 2), its version
 * 1, Courier's file, bad lines skipped, the edit that keeps every other line, and
 * add/remove on disk under the lock, seeded from Courier's file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "maildir_subscriptions.h"
#include "test.h"

static int parse(const char *s, enum maildir_subscriptions_format f,
		 struct maildir_subscriptions *r)
{
	return maildir_subscriptions_parse(s, strlen(s), f, r);
}

/* The names of r joined by '|', for one comparison. */
static const char *joined(const struct maildir_subscriptions *r)
{
	static char out[4096];

	out[0] = '\0';
	for (size_t i = 0; i < r->n; i++) {
		if (i > 0)
			strcat(out, "|");
		strcat(out, r->name[i]);
	}
	return out;
}

static void test_dovecot(void)
{
	struct maildir_subscriptions r;

	test_begin("subscriptions: Dovecot 2.3 file (version 2)");
	/* Byte for byte what Dovecot 2.3.19 wrote after SUBSCRIBE Archive/2024,
	 * Entw&APw-rfe, INBOX with "separator = /". */
	test_assert(parse("V\t2\n\nArchive\t2024\nEntw&APw-rfe\nINBOX\n",
			  MAILDIR_SUBSCRIPTIONS_DOVECOT, &r) == 0);
	test_assert_str(joined(&r), "Archive/2024|Entw\xc3\xbcrfe|INBOX");
	test_assert(maildir_subscriptions_has(&r, "Archive/2024"));
	test_assert(maildir_subscriptions_has(&r, "inbox"));
	test_assert(!maildir_subscriptions_has(&r, "Archive"));
	test_assert(!maildir_subscriptions_has(&r, "Entw&APw-rfe"));
	maildir_subscriptions_free(&r);
	test_assert(r.n == 0 && r.name == NULL);

	/* No trailing LF, a '.' inside a level as our folders store it. */
	test_assert(parse("V\t2\n\na\\2eb\tc", MAILDIR_SUBSCRIPTIONS_DOVECOT, &r) == 0);
	test_assert_str(joined(&r), "a.b/c");
	maildir_subscriptions_free(&r);

	test_assert(parse("", MAILDIR_SUBSCRIPTIONS_DOVECOT, &r) == 0 && r.n == 0);
	test_assert(parse("V\t2\n\n", MAILDIR_SUBSCRIPTIONS_DOVECOT, &r) == 0 && r.n == 0);
	test_end();
}

static void test_v1_courier(void)
{
	struct maildir_subscriptions r;

	test_begin("subscriptions: version 1 and Courier");
	test_assert(parse("Archive.2024\nINBOX\nSent\nArchive\tx\n",
			  MAILDIR_SUBSCRIPTIONS_DOVECOT, &r) == 0);
	test_assert_str(joined(&r), "Archive/2024|INBOX|Sent");
	maildir_subscriptions_free(&r);

	test_assert(parse("INBOX\nINBOX.Sent\nINBOX.Archive.2024\nshared.x.y\n"
			  "INBOX.Entw&APw-rfe\nSent\nINBOX.\n",
			  MAILDIR_SUBSCRIPTIONS_COURIER, &r) == 0);
	test_assert_str(joined(&r), "Archive/2024|Entw\xc3\xbcrfe|INBOX|Sent");
	maildir_subscriptions_free(&r);
	test_end();
}

static void test_bad_lines(void)
{
	struct maildir_subscriptions r;
	char text[1024];
	int n;

	test_begin("subscriptions: bad lines skipped, duplicates once");
	n = snprintf(text, sizeof text, "V\t2\n\n"
		     "a.b\n"		/* '.' is a level break: not version 2 */
		     "\n"
		     "\tlead\n" "trail\t\n" "x\t\ty\n"
		     "ctl\x01" "t\n"	/* Dovecot's tab escape: a control character */
		     "cr\r\n"
		     "&AMQ\n"		/* unterminated modified UTF-7 */
		     "&AGE-\n"		/* 'a' shifted: not canonical */
		     "..\n" ".\n"
		     "\xc3\xa4rger\n"	/* raw UTF-8 is no modified UTF-7 */
		     "inbox\n" "INBOX\n" "Work\n" "Work\n"
		     "%.*s\n", 300, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	test_assert(n > 300 && (size_t)n < sizeof text);
	test_assert(maildir_subscriptions_parse(text, (size_t)n, MAILDIR_SUBSCRIPTIONS_DOVECOT,
						&r) == 0);
	test_assert_str(joined(&r), "INBOX|Work");
	maildir_subscriptions_free(&r);
	/* A NUL inside a line ends nothing: the line is skipped. */
	test_assert(maildir_subscriptions_parse("V\t2\n\nab\0c\nd\n", 12,
						MAILDIR_SUBSCRIPTIONS_DOVECOT, &r) == 0);
	test_assert_str(joined(&r), "d");
	maildir_subscriptions_free(&r);
	test_end();
}

/* The new text of an edit, or NULL; *changed_r the return. */
static const char *edit(const char *text, const char *name, int sub, int *changed_r)
{
	static struct buf b;

	buf_free(&b);
	buf_init(&b, 4096);
	*changed_r = maildir_subscriptions_edit(text, strlen(text), name, sub, &b);
	return *changed_r < 0 ? NULL : buf_str(&b);
}

static void test_edit(void)
{
	struct buf small;
	int ch;

	test_begin("subscriptions: edit keeps every other line");
	test_assert_str(edit("", "Archive/2024", 1, &ch), "V\t2\n\nArchive\t2024\n");
	test_assert(ch == 1);
	test_assert_str(edit("", "Entw\xc3\xbcrfe", 1, &ch), "V\t2\n\nEntw&APw-rfe\n");
	test_assert_str(edit("", "inbox", 1, &ch), "V\t2\n\nINBOX\n");
	test_assert_str(edit("", "a.b/c", 1, &ch), "V\t2\n\na\\2eb\tc\n");
	test_assert_str(edit("V\t2\n\nINBOX\n", "INBOX", 1, &ch), "V\t2\n\nINBOX\n");
	test_assert(ch == 0);
	test_assert_str(edit("V\t2\n\nINBOX\n", "Sent", 0, &ch), "V\t2\n\nINBOX\n");
	test_assert(ch == 0);
	/* Lines we cannot read stay, in their place. */
	test_assert_str(edit("V\t2\n\nodd.line\nSent\n\xff\nINBOX", "Sent", 0, &ch),
			"V\t2\n\nodd.line\n\xff\nINBOX\n");
	test_assert(ch == 1);
	test_assert_str(edit("V\t2\n\nodd.line\n", "Neu/Ordner", 1, &ch),
			"V\t2\n\nodd.line\nNeu\tOrdner\n");
	/* Every form of the name goes. */
	test_assert_str(edit("V\t2\n\ninbox\nINBOX\nSent\n", "Inbox", 0, &ch), "V\t2\n\nSent\n");
	test_assert_str(edit("V\t2\n\ninbox\n", "INBOX", 1, &ch), "V\t2\n\ninbox\n");
	test_assert(ch == 0);
	/* Version 1 stays version 1. */
	test_assert_str(edit("Sent\n", "Archive/2024", 1, &ch), "Sent\nArchive.2024\n");
	test_assert_str(edit("Sent\nArchive.2024\n", "Archive/2024", 0, &ch), "Sent\n");
	/* ... but never gets a line that could turn into the version 2 header. */
	test_assert_str(edit("Sent\nV\t2\n\nx.y\n", "Sent", 0, &ch), "\nx.y\n");
	/* Refused names. */
	test_assert(edit("", "", 1, &ch) == NULL && ch == -1 && errno == EINVAL);
	test_assert(edit("", "a//b", 1, &ch) == NULL && errno == EINVAL);
	test_assert(edit("", "../x", 1, &ch) == NULL && errno == EINVAL);
	test_assert(edit("", "a\nb", 1, &ch) == NULL && errno == EINVAL);
	test_assert(edit("", "a\tb", 1, &ch) == NULL && errno == EINVAL);
	test_assert(edit("", "\xff", 1, &ch) == NULL && errno == EINVAL);
	buf_init(&small, 8);
	test_assert(maildir_subscriptions_edit("", 0, "Archive", 1, &small) == -1 &&
		    errno == E2BIG);
	buf_free(&small);
	edit("", "x", 1, &ch);
	test_end();
}

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		perror(p);
	close(fd);
}

static const char *slurp(const char *dir, const char *name)
{
	static char out[4096];
	char p[4096];
	ssize_t n;
	int fd;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	out[0] = '\0';
	if ((fd = open(p, O_RDONLY)) < 0)
		return NULL;
	n = read(fd, out, sizeof out - 1);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

static int n_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return n;
}

static void test_disk(void)
{
	struct maildir_subscriptions r;
	char dir[256];

	test_begin("subscriptions: add and remove on disk");
	test_tmpdir("test_subscriptions", dir, sizeof dir);
	test_assert(maildir_subscriptions_read(dir, &r) == 0 && r.n == 0);
	test_assert(maildir_subscriptions_add(dir, "Archive/2024") == 0);
	test_assert(maildir_subscriptions_add(dir, "INBOX") == 0);
	test_assert(maildir_subscriptions_add(dir, "Archive/2024") == 0);
	test_assert(maildir_subscriptions_remove(dir, "Gone") == 0);
	test_assert_str(slurp(dir, "subscriptions"), "V\t2\n\nArchive\t2024\nINBOX\n");
	test_assert(maildir_subscriptions_read(dir, &r) == 0);
	test_assert_str(joined(&r), "Archive/2024|INBOX");
	maildir_subscriptions_free(&r);
	test_assert(maildir_subscriptions_remove(dir, "Archive/2024") == 0);
	test_assert_str(slurp(dir, "subscriptions"), "V\t2\n\nINBOX\n");
	/* Only the file itself: no lock, no temporary file left behind. */
	test_assert(n_files(dir) == 1);
	test_assert(maildir_subscriptions_add(dir, "bad//name") == -1 && errno == EINVAL);
	test_rm_rf(dir);
	test_end();
}

static void test_courier_seed(void)
{
	static const char courier[] = "INBOX\nINBOX.Sent\nINBOX.Entw&APw-rfe\n";
	struct maildir_subscriptions r;
	char dir[256];

	test_begin("subscriptions: Courier's file read, then carried over");
	test_tmpdir("test_subscriptions", dir, sizeof dir);
	write_file(dir, "courierimapsubscribed", courier, sizeof courier - 1);
	test_assert(maildir_subscriptions_read(dir, &r) == 0);
	test_assert_str(joined(&r), "Entw\xc3\xbcrfe|INBOX|Sent");
	maildir_subscriptions_free(&r);
	test_assert(maildir_subscriptions_remove(dir, "Sent") == 0);
	test_assert_str(slurp(dir, "subscriptions"), "V\t2\n\nEntw&APw-rfe\nINBOX\n");
	test_assert_str(slurp(dir, "courierimapsubscribed"), courier);
	test_assert(maildir_subscriptions_read(dir, &r) == 0);
	test_assert_str(joined(&r), "Entw\xc3\xbcrfe|INBOX");
	maildir_subscriptions_free(&r);
	/* Dovecot's file wins once it exists, even empty. */
	write_file(dir, "subscriptions", "", 0);
	test_assert(maildir_subscriptions_read(dir, &r) == 0 && r.n == 0);
	test_rm_rf(dir);
	test_end();
}

static void test_too_big(void)
{
	struct maildir_subscriptions r = { NULL, 7 };
	size_t len = MAILDIR_SUBSCRIPTIONS_FILE_MAX + 1;
	char *big = malloc(len), dir[256];

	test_begin("subscriptions: file over the maximum");
	test_tmpdir("test_subscriptions", dir, sizeof dir);
	memset(big, 'x', len);
	for (size_t i = 99; i < len; i += 100)
		big[i] = '\n';
	write_file(dir, "subscriptions", big, len);
	test_assert(maildir_subscriptions_read(dir, &r) == -1 && errno == E2BIG);
	test_assert(r.n == 0 && r.name == NULL);
	test_assert(maildir_subscriptions_add(dir, "x") == -1 && errno == E2BIG);
	/* Just at the maximum it is read; adding a line would pass it. */
	write_file(dir, "subscriptions", big, len - 1);
	test_assert(maildir_subscriptions_read(dir, &r) == 0 && r.n > 0);
	maildir_subscriptions_free(&r);
	test_assert(maildir_subscriptions_add(dir, "x") == -1 && errno == E2BIG);
	free(big);
	test_rm_rf(dir);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_dovecot, test_v1_courier, test_bad_lines, test_edit, test_disk,
		test_courier_seed, test_too_big, NULL
	};
	return test_run(tests);
}
