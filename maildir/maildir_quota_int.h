/*
 * Shared between maildir_quota.c and maildir_quota_recalc.c; not part of the API.
 */
#ifndef MAILDIR_QUOTA_INT_H
#define MAILDIR_QUOTA_INT_H

#include <stddef.h>
#include <sys/stat.h>

#include "maildir_quota.h"

/* The Maildir root that holds the quota of dir: dir, or dir/.. when dir is a folder
 * (has maildirfolder). 0, or -1 with errno ENAMETOOLONG. */
int maildir_quota_root(const char *dir, char *out, size_t outsz);
/* root/name into out; 0, or -1 with errno ENAMETOOLONG. */
int maildir_quota_path(const char *root, const char *name, char *out, size_t outsz);
/* Open path only if it is a regular file (see the Trap in maildir_quota.c); *st is its
 * fstat. The fd, or -1 with errno (EINVAL: it is something else). */
int maildir_quota_open(const char *path, int oflags, struct stat *st);
/* Recount the messages of root into q (the definition in q is kept) and write a new
 * maildirsize. 0 when the numbers are right, -1 with errno when counting failed.
 * *write_errno_r (may be NULL) is 0 when the new file was written, else its errno. */
int maildir_quota_recount(const char *root, struct maildir_quota *q, int *write_errno_r);

#endif
