/*
 * Recounting a Maildir++ quota (shared/rfc/maildirquota.txt, "Calculating
 * maildirsize"): every message in new/ and cur/ of the root and of each folder but
 * Trash, its size from ",S=" in the name (written by every Maildir++ writer, this
 * project's included), else from stat().
 *
 * The count races with deliveries and expunges, and no lock stops them. The spec's
 * answer, followed here: note the latest mtime of every new/ and cur/ before reading
 * it, write the new maildirsize (tmp/ then rename()), then stat the directories again.
 * A later mtime means something changed during the count, and the count is repeated.
 * After MAILDIR_QUOTA_RECALC_TRIES the last file stays, with a second usage line
 * "0 0", so that its numbers are never believed to refuse mail and the next "over
 * quota" recounts again. (The spec allows removing the file instead, but the file is
 * the only place the definition lives: removing it would remove the quota.)
 *
 * Trap: a file that vanishes between readdir and stat was expunged or moved: skip it.
 * A message moved from one directory to another during the count may be counted twice
 * or not at all; the mtime check catches that.
 */
#include "maildir_quota.h"
#include "maildir_quota_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "maildir_name.h"

/* "NNNS,NNNC\nNNN NNN\n" */
#define QUOTA_TEXT_MAX 128

static void stamp_max(struct timespec *m, const struct stat *st)
{
	if (st->st_mtim.tv_sec > m->tv_sec ||
	    (st->st_mtim.tv_sec == m->tv_sec && st->st_mtim.tv_nsec > m->tv_nsec))
		*m = st->st_mtim;
}

static void add_sat(int64_t *v, uint64_t n)
{
	*v = n > (uint64_t)(INT64_MAX - *v) ? INT64_MAX : *v + (int64_t)n;
}

/* One new/ or cur/ of a folder: its mtime into *stamp, and when q is not NULL its
 * messages into q. A directory that is not there counts as empty. 0, or -1 errno. */
static int count_dir(const char *folder, const char *sub, struct maildir_quota *q,
		     struct timespec *stamp)
{
	char path[PATH_MAX];
	struct stat st;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (maildir_quota_path(folder, sub, path, sizeof path) < 0)
		return -1;
	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	stamp_max(stamp, &st);
	if (q == NULL)
		return 0;
	d = opendir(path);
	if (d == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((errno = 0, e = readdir(d)) != NULL) {
		struct maildir_name mn;

		if (e->d_name[0] == '.')
			continue;
		if (maildir_name_parse(e->d_name, &mn) == 0 &&
		    mn.size != MAILDIR_SIZE_UNKNOWN) {
			add_sat(&q->bytes, mn.size);
		} else if (fstatat(dirfd(d), e->d_name, &st, 0) == 0) {
			if (!S_ISREG(st.st_mode))
				continue;
			add_sat(&q->bytes, (uint64_t)st.st_size);
		} else if (errno == ENOENT) {
			continue;	/* expunged or moved since the readdir */
		} else {
			rc = -1;
			break;
		}
		add_sat(&q->count, 1);
	}
	if (rc == 0 && errno != 0)
		rc = -1;
	if (rc < 0) {
		int keep = errno;
		closedir(d);
		errno = keep;
		return -1;
	}
	closedir(d);
	return 0;
}

static int count_folder(const char *folder, struct maildir_quota *q, struct timespec *stamp)
{
	if (count_dir(folder, "new", q, stamp) < 0 || count_dir(folder, "cur", q, stamp) < 0)
		return -1;
	return 0;
}

/* The root and its folders (".Name" directories, not "..work" ones, not Trash). With
 * q NULL only the mtimes are taken. 0, or -1 errno. */
static int count_all(const char *root, struct maildir_quota *q, struct timespec *stamp)
{
	struct dirent *e;
	DIR *d;
	int rc = 0;

	stamp->tv_sec = 0;
	stamp->tv_nsec = 0;
	if (count_folder(root, q, stamp) < 0)
		return -1;
	d = opendir(root);
	if (d == NULL)
		return -1;
	while ((errno = 0, e = readdir(d)) != NULL) {
		char path[PATH_MAX];

		if (e->d_name[0] != '.' || e->d_name[1] == '\0' || e->d_name[1] == '.' ||
		    strcmp(e->d_name, MAILDIR_QUOTA_TRASH) == 0)
			continue;
		if (maildir_quota_path(root, e->d_name, path, sizeof path) < 0 ||
		    count_folder(path, q, stamp) < 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && errno != 0)
		rc = -1;
	if (rc < 0) {
		int keep = errno;
		closedir(d);
		errno = keep;
		return -1;
	}
	closedir(d);
	return 0;
}

/* Write root/maildirsize anew: tmp/<unique>.maildirsize, fsync (a crash must not leave
 * an empty file: the definition would be lost), rename. 0, or -1 errno. */
static int write_file(const char *root, const struct maildir_quota *q)
{
	char text[QUOTA_TEXT_MAX], base[MAILDIR_NAME_MAX + 1], tmp[PATH_MAX], dst[PATH_MAX];
	size_t len = 0;
	int n, fd, e;

	if (q->has_bytes) {
		n = snprintf(text, sizeof text, "%lluS", (unsigned long long)q->max_bytes);
		len = (size_t)n;
	}
	if (q->has_count) {
		n = snprintf(text + len, sizeof text - len, "%s%lluC", len > 0 ? "," : "",
			     (unsigned long long)q->max_count);
		len += (size_t)n;
	}
	n = snprintf(text + len, sizeof text - len, "\n%lld %lld\n", (long long)q->bytes,
		     (long long)q->count);
	if (n < 0 || (size_t)n >= sizeof text - len) {
		errno = EOVERFLOW;
		return -1;
	}
	len += (size_t)n;
	if (maildir_unique(base, sizeof base) < 0 ||
	    (n = snprintf(tmp, sizeof tmp, "%s/tmp/%s.maildirsize", root, base)) < 0 ||
	    (size_t)n >= sizeof tmp || maildir_quota_path(root, "maildirsize", dst, sizeof dst) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (io_write_all(fd, text, len, -1) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, dst) < 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

static int stamp_newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

int maildir_quota_recount(const char *root, struct maildir_quota *q, int *write_errno_r)
{
	int tries, werr = 0;

	for (tries = 1;; tries++) {
		struct timespec before, after;

		q->bytes = q->count = 0;
		q->lines = 1;
		q->damaged = q->stale = 0;
		if (count_all(root, q, &before) < 0)
			return -1;
		werr = write_file(root, q) < 0 ? errno : 0;
		if (count_all(root, NULL, &after) < 0)
			return -1;
		if (!stamp_newer(&after, &before))
			break;
		if (tries == MAILDIR_QUOTA_RECALC_TRIES) {
			/* Still changing: keep these numbers, marked as not to be believed
			 * (see the comment at the top). */
			if (werr == 0 && maildir_quota_add(root, 0, 0) < 0)
				werr = errno;
			q->lines = 2;
			break;
		}
	}
	if (write_errno_r != NULL)
		*write_errno_r = werr;
	return 0;
}

int maildir_quota_recalc(const char *dir, struct maildir_quota *q_r)
{
	char root[PATH_MAX];
	struct maildir_quota q;
	int rc, werr;

	if (maildir_quota_root(dir, root, sizeof root) < 0)
		return -1;
	/* The definition, from the file as it is; then a recount whatever it says. */
	rc = maildir_quota_get(root, MAILDIR_QUOTA_NORECALC, &q);
	if (rc <= 0)
		return rc;
	if (maildir_quota_recount(root, &q, &werr) < 0)
		return -1;
	if (q_r != NULL)
		*q_r = q;
	if (werr != 0) {
		errno = werr;
		return -1;
	}
	return 1;
}
