/*
 * The dotlock Dovecot uses for dovecot-uidlist (and dovecot-keywords): the lock is the
 * file <path>.lock, created by link()ing a uniquely named temporary file to it (safe on
 * NFS, where O_EXCL is not), checked by the link count. A lock older than
 * MAILDIR_LOCK_STALE_SEC belongs to a dead or stuck process and is removed.
 */
#ifndef MAILDIR_LOCK_H
#define MAILDIR_LOCK_H

#include <limits.h>

#define MAILDIR_LOCK_STALE_SEC 120	/* Dovecot's dotlock stale timeout */
#define MAILDIR_LOCK_WAIT_SEC 60	/* how long maildir_lock_take() tries */

struct maildir_lock {
	char path[PATH_MAX];	/* the .lock file; empty when not held */
};

/* Take the lock <path>.lock (path e.g. "<dir>/dovecot-uidlist"), waiting up to timeout_sec
 * and removing a stale lock. 0, or -1 with errno (EWOULDBLOCK after the timeout). */
int maildir_lock_take(struct maildir_lock *l, const char *path, int timeout_sec);
/* Refresh the lock's mtime during long work so others do not take it for stale. */
int maildir_lock_touch(struct maildir_lock *l);
/* Remove the lock if held. 0, or -1 with errno. */
int maildir_lock_release(struct maildir_lock *l);

#endif
