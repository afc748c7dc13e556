/*
 * Delivery, the only way a message enters a Maildir (Maildir spec; Dovecot's fsync of
 * the directory): tmp/NAME with O_CREAT|O_EXCL, write, fsync, close, link() into new/
 * (rename() where the file system has no link), unlink tmp/NAME, fsync new/. Success
 * means durable. Split in open/write/commit so that smtpd can prepare every recipient's
 * copy before linking any.
 */
#ifndef MAILDIR_DELIVER_H
#define MAILDIR_DELIVER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maildir_name.h"

struct maildir_tmp {
	int fd;				/* -1 when not open */
	char dir[PATH_MAX];		/* the Maildir */
	char base[MAILDIR_NAME_MAX + 1];	/* unique base name, also the tmp/ name */
	uint64_t size;			/* bytes written */
	uint64_t vsize;			/* bytes with every bare LF counted as CR LF */
	int last_cr;			/* last byte written was CR (for vsize) */
	time_t mtime;			/* when not 0, set as the file's mtime (IMAP INTERNALDATE) */
	int sealed;			/* fsynced and closed by maildir_tmp_seal */
};

/* Create tmp/<unique> in the Maildir dir, resetting every field of t (set t->mtime
 * after this call). 0, or -1 with errno (t->fd is then -1). */
int maildir_tmp_open(struct maildir_tmp *t, const char *dir);
/* Append bytes to the message. 0, or -1 with errno (the message is then to be aborted). */
int maildir_tmp_write(struct maildir_tmp *t, const void *p, size_t n);
/* fsync and close the file now (setting mtime), so that a caller preparing many copies
 * holds no descriptor per copy until the commit; tmp/<base> stays. 0, or -1 with errno
 * (then the tmp file is removed, as by abort). */
int maildir_tmp_seal(struct maildir_tmp *t);
/* fsync and close the file (unless sealed), set mtime, link it into dir/subdir ("new" or "cur") as
 * base,S=<size>,W=<vsize> plus ":2,<flags>" when subdir is "cur" or there are flags or
 * keywords (new/ then holds a name with info, \Recent until claimed), unlink the tmp file and
 * fsync the directory. The final name is written to name_r. 0 only when durable;
 * -1 with errno otherwise, and then nothing is left in new/ or cur/ (nor in tmp/). */
int maildir_tmp_commit(struct maildir_tmp *t, const char *subdir, uint32_t flags,
		       uint32_t keywords, char *name_r, size_t namesz);
/* Close and unlink an uncommitted message. Safe to call on a closed one (after a failed
 * open, after commit, twice). */
void maildir_tmp_abort(struct maildir_tmp *t);

/* Deliver everything read from fd into new/ of dir. 0 (durable, name in name_r) or -1
 * with errno. */
int maildir_deliver_fd(const char *dir, int fd, char *name_r, size_t namesz);

/* 1 when path is a Maildir (has cur/, new/ and tmp/ directories), 0 when not, -1 errno. */
int maildir_is_maildir(const char *path);
/* Make path a Maildir: mkdir path (mode 0700) and its cur/ new/ tmp/, keeping what
 * exists. Whatever was made is durable on return (each new directory and the one
 * holding it fsynced); an existing Maildir costs no fsync. The parent of path must
 * exist. 0, or -1 with errno. */
int maildir_make(const char *path);

#endif
