/*
 * Listing a Maildir folder, and clearing tmp/ of what failed deliveries left.
 *
 * Concurrency model. Maildir has no lock for readers: while we list new/ and cur/,
 * deliveries link files into new/, other sessions (ours, Dovecot, mutt, mbsync) rename
 * files from new/ to cur/ or within cur/ to change flags, and unlink them to expunge.
 * - readdir() gives no snapshot. A file renamed while the directory is being read may
 *   be missed (its old entry already passed, its new one not reached) or listed twice
 *   (under the old and the new name, or once in new/ and once in cur/). This is true of
 *   every common file system (dovecot-maildir.md "Locking"). new/ is read before cur/
 *   so that a move new/ -> cur/ (the only direction files go) during the scan shows the
 *   file at least once.
 * - A name in the list may therefore be gone by the time it is used: ENOENT after
 *   readdir means "moved or expunged", never an error. maildir_msg.h finds the current
 *   name by its base (the name up to the info separator), which no program changes.
 * - Callers resolve entries by base, not by full name: two entries with one base are
 *   one message, and a message missing from a listing may only have been mid-rename
 *   (maildir_box.c decides when it is expunged).
 * - What makes UID assignment safe is dovecot-uidlist.lock (maildir_lock.h, taken by
 *   maildir_box.h's sync, as Dovecot takes it): new files get UIDs only by a process
 *   that holds the lock and has read the uidlist under it, so a file missed or doubled
 *   by an unlocked readdir never gets two UIDs.
 * Nothing is stat()ed here: sizes come from ,S= and ,W= in the names.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir_name.h"
#include "maildir_scan.h"

/* "dir/new" and "dir/cur". */
#define SCAN_PATH_MAX 4096

DIR *maildir_opendir(const char *dir, const char *sub)
{
	char path[SCAN_PATH_MAX];
	int n = snprintf(path, sizeof path, "%s/%s", dir, sub);

	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return opendir(path);
}
/* First allocation of the entry array; it doubles from there. */
#define SCAN_LIST_INITIAL 64

static int list_add(struct maildir_list *l, const char *name, int in_new)
{
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap != 0 ? l->cap * 2 : SCAN_LIST_INITIAL;
		struct maildir_entry *v;

		if (cap < l->cap || cap > SIZE_MAX / sizeof *v) {
			errno = ENOMEM;
			return -1;
		}
		v = realloc(l->v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	copy = strdup(name);
	if (copy == NULL)
		return -1;
	l->v[l->n].name = copy;
	l->v[l->n].in_new = in_new;
	l->n++;
	return 0;
}

static int scan_sub(const char *dir, const char *sub, int in_new, struct maildir_list *r)
{
	struct maildir_name p;
	struct dirent *e;
	DIR *d;
	int saved;

	d = maildir_opendir(dir, sub);
	if (d == NULL)
		return -1;
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (e == NULL)
			break;
		/* ".", "..", and the dot-files other tools keep next to messages */
		if (e->d_name[0] == '.')
			continue;
		if (maildir_name_parse(e->d_name, &p) < 0) {
			r->skipped++;
			continue;
		}
		if (list_add(r, e->d_name, in_new) < 0)
			goto fail;
	}
	if (errno != 0)
		goto fail;
	closedir(d);
	return 0;

fail:
	saved = errno;
	closedir(d);
	errno = saved;
	return -1;
}

int maildir_scan(const char *dir, struct maildir_list *r)
{
	if (scan_sub(dir, "new", 1, r) < 0)
		return -1;
	return scan_sub(dir, "cur", 0, r);
}

void maildir_list_free(struct maildir_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
	l->skipped = 0;
}

/*
 * The Maildir spec has readers clean tmp/ of files not accessed for 36 hours. The file
 * is examined with fstatat on the open directory (no path races, symlinks not
 * followed): only regular files go, a file another cleaner removed first is skipped.
 * An error on one file does not stop the others; the first one is reported at the end.
 */
int maildir_clean_tmp(const char *dir, time_t now)
{
	struct dirent *e;
	DIR *d;
	int removed = 0, err = 0;

	d = maildir_opendir(dir, "tmp");
	if (d == NULL)
		return -1;
	for (;;) {
		struct stat st;

		errno = 0;
		e = readdir(d);
		if (e == NULL) {
			if (errno != 0 && err == 0)
				err = errno;
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && err == 0)
				err = errno;
			continue;
		}
		if (!S_ISREG(st.st_mode) || st.st_mtime >= now - MAILDIR_TMP_STALE_SEC)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			removed++;
		else if (errno != ENOENT && err == 0)
			err = errno;
	}
	closedir(d);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return removed;
}
