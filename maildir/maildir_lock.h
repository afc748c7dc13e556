/*
 * The dotlock Dovecot uses for dovecot-uidlist (and dovecot-keywords): the lock is the
 * file <path>.lock, created by link()ing a uniquely named temporary file to it (safe on
 * NFS, where O_EXCL is not), checked by the link count. A lock older than
 * MAILDIR_LOCK_STALE_SEC belongs to a dead or stuck process and is removed. The lock
 * holds "<pid>:<host>\n" (as Dovecot's), which is how release knows it is still ours.
 */
#ifndef MAILDIR_LOCK_H
#define MAILDIR_LOCK_H

#include <limits.h>
#include <stddef.h>

#define MAILDIR_LOCK_STALE_SEC 120	/* Dovecot's dotlock stale timeout */
#define MAILDIR_LOCK_WAIT_SEC 60	/* how long maildir_lock_take() tries */

struct maildir_lock {
	char path[PATH_MAX];	/* the .lock file; empty when not held */
};

/* Take the lock <path>.lock (path e.g. "<dir>/dovecot-uidlist"), waiting up to timeout_sec
 * (0: one try) and removing a stale lock. 0, or -1 with errno (EWOULDBLOCK after the
 * timeout; ENAMETOOLONG; what creating a file in the directory failed with). */
int maildir_lock_take(struct maildir_lock *l, const char *path, int timeout_sec);
/* Refresh the lock's mtime during long work so others do not take it for stale.
 * 0, or -1 with errno (EINVAL: not held; ENOENT: someone removed it as stale). */
int maildir_lock_touch(struct maildir_lock *l);
/* Remove the lock if held and still ours (one taken over as stale by another process
 * is left alone). 0, or -1 with errno; l is not held afterwards either way. */
int maildir_lock_release(struct maildir_lock *l);

/* Replace dir/name with data: a new file dir/name.<unique>.tmp (O_EXCL, mode 0600),
 * written, fsync()ed, rename()d over dir/name, then dir fsync()ed. Readers see the old
 * or the new file, never a part. For the files written under the lock (dovecot-uidlist,
 * dovecot-keywords). 0, or -1 with errno (the temporary file is removed). */
int maildir_file_replace(const char *dir, const char *name, const void *data, size_t len);

#endif
