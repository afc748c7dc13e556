/*
 * `maildir list` and `maildir check`: read-only looks at a Maildir and its folders, and
 * the repairs that are safe. `list` reads directories only (no UID is assigned, nothing
 * is written). `check --repair` removes stale tmp/ files and lets the library's own sync
 * give UIDs to files without one and drop records of files that are gone: the same code
 * the daemons run, so a repair can never change the UID of an existing message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "buf.h"
#include "log.h"
#include "maildir_box.h"
#include "maildir_deliver.h"
#include "maildir_folder.h"
#include "io.h"
#include "maildir_keywords.h"
#include "maildir_lock.h"
#include "maildir_name.h"
#include "maildir_scan.h"
#include "maildir_uidlist.h"
#include "tool.h"

#define TOOL_FOLDERS_MAX 100000	/* folders listed at most */

struct names {
	char **v;
	size_t n, cap;
};

static int names_add(const char *name, void *arg)
{
	struct names *ns = arg;

	if (ns->n >= TOOL_FOLDERS_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		char **v = realloc(ns->v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		ns->v = v;
		ns->cap = cap;
	}
	if ((ns->v[ns->n] = strdup(name)) == NULL)
		return -1;
	ns->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

/* INBOX ("") first, then the folders in byte order. */
static int folders(const char *root, struct names *ns)
{
	memset(ns, 0, sizeof *ns);
	if (names_add("", ns) < 0 || maildir_folder_list(root, names_add, ns) < 0) {
		log_warn("%s: listing folders: %s", root, strerror(errno));
		names_free(ns);
		return -1;
	}
	qsort(ns->v + 1, ns->n - 1, sizeof *ns->v, cmp_str);
	return 0;
}

int tool_list(int argc, char **argv)
{
	struct names ns;
	int ret = EX_OK;

	if (argc != 1)
		return EX_USAGE;
	if (maildir_is_maildir(argv[0]) != 1) {
		log_warn("%s: not a Maildir", argv[0]);
		return EX_NOINPUT;
	}
	if (folders(argv[0], &ns) < 0)
		return EX_TEMPFAIL;
	for (size_t i = 0; i < ns.n; i++) {
		char path[PATH_MAX];
		struct maildir_list l = { 0 };
		size_t unseen = 0;

		if (tool_folder_path(argv[0], ns.v[i], path, sizeof path) < 0 ||
		    maildir_scan(path, &l) < 0) {
			log_warn("%s: %s", path, strerror(errno));
			maildir_list_free(&l);
			ret = EX_TEMPFAIL;
			continue;
		}
		for (size_t k = 0; k < l.n; k++) {
			struct maildir_name mn;
			if (maildir_name_parse(l.v[k].name, &mn) == 0 &&
			    !(mn.flags & MAILDIR_F_SEEN))
				unseen++;
		}
		printf("%s\t%zu\t%zu\n", ns.v[i][0] ? ns.v[i] : "INBOX", l.n, unseen);
		maildir_list_free(&l);
	}
	names_free(&ns);
	if (fflush(stdout) != 0)
		return EX_IOERR;
	return ret;
}

/* Files in tmp/: how many, how many are stale. */
static int count_tmp(const char *dir, size_t *all_r, size_t *stale_r)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *e;
	time_t now = time(NULL);
	int n = snprintf(path, sizeof path, "%s/tmp", dir);

	*all_r = *stale_r = 0;
	if (n < 0 || (size_t)n >= sizeof path || (d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char f[PATH_MAX];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		n = snprintf(f, sizeof f, "%s/%s", path, e->d_name);
		if (n < 0 || (size_t)n >= sizeof f || lstat(f, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		(*all_r)++;
		if (st.st_mtime < now - MAILDIR_TMP_STALE_SEC)
			(*stale_r)++;
	}
	closedir(d);
	return 0;
}

/* Temporary files a killed process can leave beside dovecot-uidlist and
 * dovecot-keywords ("<file>.<unique>.tmp", also the lock's own): stale ones are
 * counted, and removed when repair is set. Returns the count left, or -1. */
static long stray_control_tmp(const char *dir, int repair, size_t *removed_r)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	time_t now = time(NULL);
	long left = 0;

	*removed_r = 0;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		const char *n = e->d_name;
		size_t len = strlen(n);
		char path[PATH_MAX];
		struct stat st;
		int k;

		if ((strncmp(n, MAILDIR_UIDLIST_FILE ".", sizeof MAILDIR_UIDLIST_FILE) != 0 &&
		     strncmp(n, MAILDIR_KEYWORDS_FILE ".", sizeof MAILDIR_KEYWORDS_FILE) != 0) ||
		    len < 4 || strcmp(n + len - 4, ".tmp") != 0)
			continue;
		k = snprintf(path, sizeof path, "%s/%s", dir, n);
		if (k < 0 || (size_t)k >= sizeof path || lstat(path, &st) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_mtime >= now - MAILDIR_TMP_STALE_SEC)
			continue;
		if (repair && unlink(path) == 0)
			(*removed_r)++;
		else
			left++;
	}
	closedir(d);
	return left;
}

static size_t base_len(const char *name)
{
	struct maildir_name mn;

	return maildir_name_parse(name, &mn) == 0 ? mn.base_len : strlen(name);
}

static int cmp_base(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = base_len(x), ly = base_len(y);
	int c = memcmp(x, y, lx < ly ? lx : ly);

	return c != 0 ? c : (lx > ly) - (lx < ly);
}

static int has_base(char **sorted, size_t n, const char *name)
{
	return bsearch(&name, sorted, n, sizeof *sorted, cmp_base) != NULL;
}

/* A damaged dovecot-uidlist, under its lock: the records that can be trusted are kept
 * (maildir_uidlist_salvage); without a readable header no UID can be trusted, and the
 * folder starts again with a new UIDVALIDITY, which clients see as a new mailbox. The
 * damaged file is kept beside it for a look. 0, or -1 after a message. */
static int repair_uidlist(const char *label, const char *dir)
{
	struct maildir_lock lock = { { 0 } };
	struct maildir_uidlist u = { 0 };
	char path[PATH_MAX], kept[PATH_MAX + 32];
	struct buf text;
	size_t dropped;
	int n = snprintf(path, sizeof path, "%s/%s", dir, MAILDIR_UIDLIST_FILE), ret = -1;

	if (n < 0 || (size_t)n >= sizeof path ||
	    maildir_lock_take(&lock, path, MAILDIR_LOCK_WAIT_SEC) < 0) {
		log_warn("%s: cannot lock %s: %s", label, path, strerror(errno));
		return -1;
	}
	buf_init(&text, MAILDIR_UIDLIST_MAX);
	if (io_read_file(path, &text) < 0) {
		log_warn("%s: %s: %s", label, path, strerror(errno));
		goto out;
	}
	for (int k = 0;; k++) {
		n = snprintf(kept, sizeof kept, "%s.damaged.%lld.%d", path, (long long)time(NULL),
			     k);
		if (n >= 0 && (size_t)n < sizeof kept && link(path, kept) == 0)
			break;
		if (n < 0 || (size_t)n >= sizeof kept || errno != EEXIST || k >= 100) {
			log_warn("%s: cannot keep a copy of %s: %s", label, path, strerror(errno));
			goto out;
		}
	}
	if (maildir_uidlist_salvage(buf_str(&text), text.len, &u, &dropped) == 0) {
		if (maildir_uidlist_write(dir, &u) < 0) {
			log_warn("%s: %s: %s", label, path, strerror(errno));
			goto out;
		}
		printf("%s: dovecot-uidlist repaired: %zu records kept, %zu dropped (their "
		       "messages get new UIDs), UIDVALIDITY %lu kept\n", label, u.n, dropped,
		       (unsigned long)u.uidvalidity);
	} else {
		if (unlink(path) < 0) {
			log_warn("%s: %s: %s", label, path, strerror(errno));
			goto out;
		}
		printf("%s: dovecot-uidlist header unreadable: a new UIDVALIDITY, every "
		       "message renumbered\n", label);
	}
	printf("%s: the damaged file is kept as %s\n", label, kept);
	ret = 0;
out:
	maildir_uidlist_free(&u);
	buf_free(&text);
	maildir_lock_release(&lock);
	return ret;
}

/* Problems of one folder, printed; returns how many (or -1 on a failure to look). */
static long check_folder(const char *label, const char *dir, int repair)
{
	struct maildir_list l = { 0 };
	struct maildir_uidlist u = { 0 };
	char **files = NULL, **recs = NULL;
	size_t tmp_all, tmp_stale;
	long problems = 0;

	if (count_tmp(dir, &tmp_all, &tmp_stale) == 0 && tmp_stale > 0) {
		if (repair && maildir_clean_tmp(dir, time(NULL)) >= 0)
			printf("%s: removed %zu stale files from tmp/\n", label, tmp_stale);
		else {
			printf("%s: %zu files in tmp/ older than 36 hours\n", label, tmp_stale);
			problems++;
		}
	}
	{
		size_t removed;
		long left = stray_control_tmp(dir, repair, &removed);
		if (removed > 0)
			printf("%s: removed %zu stale temporary control files\n", label, removed);
		if (left > 0) {
			printf("%s: %ld temporary control files older than 36 hours\n", label, left);
			problems++;
		}
	}
	if (maildir_scan(dir, &l) < 0) {
		log_warn("%s: %s", dir, strerror(errno));
		maildir_list_free(&l);
		return -1;
	}
	if (l.skipped > 0) {
		printf("%s: %zu files in new/ or cur/ with malformed names\n", label, l.skipped);
		problems++;
	}
	if (maildir_uidlist_read(dir, &u) < 0 && errno != ENOENT) {
		if (errno != EINVAL || !repair) {
			printf("%s: dovecot-uidlist unreadable (%s)%s\n", label, strerror(errno),
			       errno == EINVAL ? "; --repair keeps every UID that can be trusted"
			       : "");
			problems++;
			goto out;
		}
		if (repair_uidlist(label, dir) < 0) {
			problems++;
			goto out;
		}
	}
	if (repair) {
		struct maildir_box *b;
		if (maildir_box_open(&b, dir) < 0) {
			log_warn("%s: %s", dir, strerror(errno));
			problems++;
			goto out;
		}
		maildir_box_close(b);
		maildir_uidlist_free(&u);
		memset(&u, 0, sizeof u);
		if (maildir_uidlist_read(dir, &u) < 0 && errno != ENOENT)
			goto out;
	}
	files = malloc((l.n + 1) * sizeof *files);
	recs = malloc((u.n + 1) * sizeof *recs);
	if (files == NULL || recs == NULL)
		goto out;
	for (size_t i = 0; i < l.n; i++)
		files[i] = l.v[i].name;
	for (size_t i = 0; i < u.n; i++)
		recs[i] = u.v[i].name;
	qsort(files, l.n, sizeof *files, cmp_base);
	qsort(recs, u.n, sizeof *recs, cmp_base);
	{
		size_t no_rec = 0, no_file = 0;
		for (size_t i = 0; i < l.n; i++)
			no_rec += !has_base(recs, u.n, files[i]);
		for (size_t i = 0; i < u.n; i++)
			no_file += !has_base(files, l.n, recs[i]);
		/* Neither is damage: new mail gets its UID when a server or `uids` next
		 * opens the folder, and records of expunged messages stay until the next
		 * rewrite (dovecot-maildir.md: the uidlist is updated lazily). */
		if (no_rec > 0)
			printf("%s: %zu new messages without a UID yet (given when the folder is "
			       "next opened)\n", label, no_rec);
		(void)no_file;
	}
out:
	free(files);
	free(recs);
	maildir_uidlist_free(&u);
	maildir_list_free(&l);
	return problems;
}

int tool_check(int argc, char **argv)
{
	struct names ns;
	int repair = 0;
	long problems = 0;

	if (argc == 2 && strcmp(argv[1], "--repair") == 0)
		repair = 1;
	else if (argc != 1)
		return EX_USAGE;
	if (maildir_is_maildir(argv[0]) != 1) {
		log_warn("%s: not a Maildir", argv[0]);
		return EX_NOINPUT;
	}
	if (folders(argv[0], &ns) < 0)
		return EX_TEMPFAIL;
	for (size_t i = 0; i < ns.n; i++) {
		char path[PATH_MAX];
		long p;
		if (tool_folder_path(argv[0], ns.v[i], path, sizeof path) < 0)
			continue;
		p = check_folder(ns.v[i][0] ? ns.v[i] : "INBOX", path, repair);
		if (p < 0) {
			names_free(&ns);
			return EX_TEMPFAIL;
		}
		problems += p;
	}
	names_free(&ns);
	printf("%ld problems\n", problems);
	if (fflush(stdout) != 0)
		return EX_IOERR;
	return problems > 0 ? TOOL_PROBLEMS : EX_OK;
}
