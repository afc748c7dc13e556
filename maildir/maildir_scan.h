/*
 * Listing the messages of a Maildir folder: readdir of new/ and cur/.
 * Dot-files are skipped; names that do not parse are skipped and counted. Nothing is
 * stat()ed: sizes come from the names (,S= ,W=) or the uidlist. The list is a snapshot;
 * a file renamed or unlinked by another process after readdir is the caller's ENOENT to
 * handle (see maildir_msg.h), never an error of the scan.
 */
#ifndef MAILDIR_SCAN_H
#define MAILDIR_SCAN_H

#include <dirent.h>
#include <stddef.h>
#include <time.h>

struct maildir_entry {
	char *name;		/* file name, owned by the list */
	int in_new;		/* 1: in new/, 0: in cur/ */
};

struct maildir_list {
	struct maildir_entry *v;
	size_t n, cap;
	size_t skipped;		/* names that are no message (see maildir_name_parse) */
};

/* Scan new/ and cur/ of dir into an empty list (appending). 0, or -1 with errno (the
 * list then holds what was read; free it either way). ENOENT when dir is no Maildir. */
int maildir_scan(const char *dir, struct maildir_list *r);
void maildir_list_free(struct maildir_list *l);

/* opendir() of dir/sub ("new", "cur", "tmp"). A DIR, or NULL with errno (ENAMETOOLONG
 * when the path does not fit). */
DIR *maildir_opendir(const char *dir, const char *sub);

/* Seconds after which a file left in tmp/ is garbage (Maildir spec: 36 hours). */
#define MAILDIR_TMP_STALE_SEC (36 * 60 * 60)
/* Remove files of tmp/ whose mtime is older than now - MAILDIR_TMP_STALE_SEC.
 * Returns how many were removed, or -1 with errno. */
int maildir_clean_tmp(const char *dir, time_t now);

#endif
