/*
 * Maildir++ quota: reading, checking and appending to maildirsize (the recount is in
 * maildir_quota_recalc.c). The rules are those of shared/rfc/maildirquota.txt.
 *
 * No locks, as the spec intends: appenders write one line with one O_APPEND write(2),
 * so lines never interleave; a recount replaces the file by rename(), and an append
 * that lands in the old file just before is lost, which the next recount repairs.
 *
 * Trap: maildirsize lives in a directory its owner controls. A FIFO there would block
 * an open() or read() for ever, a symlink to /dev/zero would feed us a device, a
 * symlink to another user's file would make us write there. So the file is lstat()ed
 * first and only a regular file is opened, with O_NOFOLLOW (a symlink swapped in after
 * the lstat fails) and O_NONBLOCK (a FIFO swapped in cannot block the open), and fstat()
 * confirms what was opened. Nothing reads more than MAILDIR_QUOTA_FILE_MAX bytes.
 */
#include "maildir_quota.h"
#include "maildir_quota_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "str.h"

/* --- the parser ------------------------------------------------------------------- */

static int64_t sat_add(int64_t a, int64_t b, int *clipped)
{
	if (b > 0 && a > INT64_MAX - b) {
		*clipped = 1;
		return INT64_MAX;
	}
	if (b < 0 && a < INT64_MIN - b) {
		*clipped = 1;
		return INT64_MIN;
	}
	return a + b;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A signed decimal at *p (before end), saturated to the int64 range (*clipped set).
 * Advances *p. 0, or -1 when there is no number. */
static int parse_signed(const char **p, const char *end, int64_t *r, int *clipped)
{
	const char *s = *p;
	int neg = 0;
	size_t k = 0;
	uint64_t v;

	if (s < end && (*s == '-' || *s == '+')) {
		neg = *s == '-';
		s++;
	}
	while (s + k < end && is_digit(s[k]))
		k++;
	if (k == 0)
		return -1;
	if (str_to_u64(s, k, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &v) < 0) {
		/* Only ERANGE is possible here: the k bytes are digits. */
		*clipped = 1;
		*r = neg ? INT64_MIN : INT64_MAX;
	} else if (neg) {
		*r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		*r = (int64_t)v;
	}
	*p = s + k;
	return 0;
}

/* "10000000S,1000C": members are digits and one letter. Returns 1 when an S or a C was
 * found. Limits past INT64_MAX are cut to it (as Dovecot does): beyond any disk. */
static int parse_definition(const char *s, const char *end, struct maildir_quota *q)
{
	while (end > s && is_blank(end[-1]))
		end--;
	while (s < end) {
		const char *m = s, *comma = memchr(s, ',', (size_t)(end - s));
		const char *mend = comma != NULL ? comma : end;
		size_t k = 0;
		uint64_t v;

		s = comma != NULL ? comma + 1 : end;
		while (m + k < mend && is_digit(m[k]))
			k++;
		if (k == 0 || m + k + 1 != mend || (m[k] != 'S' && m[k] != 'C'))
			continue;	/* not ours to understand (Courier once had 'B') */
		if (str_to_u64(m, k, INT64_MAX, &v) < 0)
			v = INT64_MAX;
		if (m[k] == 'S') {
			q->has_bytes = 1;
			q->max_bytes = v;
		} else {
			q->has_count = 1;
			q->max_count = v;
		}
	}
	return q->has_bytes || q->has_count;
}

/* One usage line: "bytes count", blanks around and between. */
static void parse_usage(const char *s, const char *end, struct maildir_quota *q,
			int64_t *bytes, int64_t *count, int *clipped)
{
	int64_t b, c;

	while (s < end && is_blank(*s))
		s++;
	if (s == end)
		return;		/* an empty line: nothing to add, nothing wrong */
	q->lines++;
	if (parse_signed(&s, end, &b, clipped) < 0 || s == end || !is_blank(*s))
		goto junk;
	while (s < end && is_blank(*s))
		s++;
	if (parse_signed(&s, end, &c, clipped) < 0)
		goto junk;
	while (s < end && is_blank(*s))
		s++;
	if (s != end)
		goto junk;
	*bytes = sat_add(*bytes, b, clipped);
	*count = sat_add(*count, c, clipped);
	return;
junk:
	q->damaged = 1;
}

int maildir_quota_parse(const char *text, size_t len, struct maildir_quota *q)
{
	const char *p = text, *end = text + len;
	int64_t bytes = 0, count = 0;
	int first = 1, defined = 0, clipped = 0;

	memset(q, 0, sizeof *q);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *lend = nl != NULL ? nl : end;

		if (memchr(p, '\0', (size_t)(lend - p)) != NULL) {
			/* A hole left by a crash or an NFS append: the file is not what
			 * anyone wrote. */
			q->damaged = 1;
			if (!first)
				q->lines++;
		} else if (first) {
			defined = parse_definition(p, lend, q);
		} else if (nl != NULL) {
			parse_usage(p, lend, q, &bytes, &count, &clipped);
		}
		/* else: a usage line without LF is an append in progress; not counted. */
		first = 0;
		p = nl != NULL ? nl + 1 : end;
	}
	if (clipped || bytes < 0 || count < 0)
		q->damaged = 1;
	q->bytes = bytes < 0 ? 0 : bytes;
	q->count = count < 0 ? 0 : count;
	return defined;
}

static int over_one(int64_t used, uint64_t add, uint64_t max)
{
	uint64_t u = used < 0 ? 0 : (uint64_t)used;

	if (max == 0)
		return 0;
	return add > UINT64_MAX - u || u + add > max;
}

int maildir_quota_over(const struct maildir_quota *q, uint64_t add_bytes,
		       uint64_t add_count)
{
	/* Over means past the limit, not at it (Courier's qcalc, Dovecot's quota). */
	return over_one(q->bytes, add_bytes, q->max_bytes) ||
	       over_one(q->count, add_count, q->max_count);
}

/* --- the file --------------------------------------------------------------------- */

int maildir_quota_root(const char *dir, char *out, size_t outsz)
{
	char p[PATH_MAX];
	struct stat st;
	int n = snprintf(p, sizeof p, "%s/maildirfolder", dir);

	if (n < 0 || (size_t)n >= sizeof p) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* maildirquota.txt: "If we find a maildirfolder within the directory, we're
	 * delivering to a folder, so back up to the parent directory". */
	n = snprintf(out, outsz, lstat(p, &st) == 0 ? "%s/.." : "%s", dir);
	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int maildir_quota_path(const char *root, const char *name, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%s", root, name);

	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int maildir_quota_open(const char *path, int oflags, struct stat *st)
{
	int fd, e;

	if (lstat(path, st) < 0)
		return -1;
	if (!S_ISREG(st->st_mode)) {
		errno = EINVAL;
		return -1;
	}
	fd = open(path, oflags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		/* ELOOP (EMLINK on FreeBSD): it became a symlink since the lstat. */
		if (errno == ELOOP || errno == EMLINK || errno == ENXIO)
			errno = EINVAL;
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		e = S_ISREG(st->st_mode) ? errno : EINVAL;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Read maildirsize of root into buf (at most MAILDIR_QUOTA_FILE_MAX bytes). The count
 * read, or -1 with errno (ENOENT when there is none). *mtime_r is the file's mtime. */
static ssize_t quota_read(const char *root, char *buf, time_t *mtime_r)
{
	char path[PATH_MAX];
	struct stat st;
	size_t got = 0;
	int fd, e;

	if (maildir_quota_path(root, "maildirsize", path, sizeof path) < 0)
		return -1;
	fd = maildir_quota_open(path, O_RDONLY, &st);
	if (fd < 0)
		return -1;
	*mtime_r = st.st_mtime;
	/* maildirquota.txt: some NFS clients return short reads before the end. */
	while (got < MAILDIR_QUOTA_FILE_MAX) {
		ssize_t k = read(fd, buf + got, MAILDIR_QUOTA_FILE_MAX - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	return (ssize_t)got;
}

/* The quota of root (a Maildir root, not a folder) given a message to add. Returns 1,
 * 0 (no quota) or -1 as maildir_quota_get. */
static int quota_load(const char *root, int flags, uint64_t add_bytes, uint64_t add_count,
		      struct maildir_quota *q)
{
	char buf[MAILDIR_QUOTA_FILE_MAX];
	time_t mtime = 0;
	ssize_t n = quota_read(root, buf, &mtime);
	int recalc;

	if (n < 0) {
		memset(q, 0, sizeof *q);
		return errno == ENOENT ? 0 : -1;
	}
	if (maildir_quota_parse(buf, (size_t)n, q) == 0)
		return 0;
	/* No usage line at all: every writer puts one with the definition, so this is a
	 * file an administrator just made with the definition alone. Count it. */
	recalc = n >= MAILDIR_QUOTA_FILE_MAX || q->damaged || q->lines == 0;
	/* maildirquota.txt: numbers saying "over" are believed only from a file of one
	 * usage line (a fresh recount) younger than 15 minutes. */
	if (!recalc && maildir_quota_over(q, add_bytes, add_count) &&
	    (q->lines > 1 || mtime < time(NULL) - MAILDIR_QUOTA_STALE_SEC))
		recalc = 1;
	if (!recalc)
		return 1;
	if (flags & MAILDIR_QUOTA_NORECALC) {
		q->stale = 1;
		return 1;
	}
	/* The recount's numbers are right even when the new file could not be written
	 * (maildirquota.txt: "return the calculated values"). */
	if (maildir_quota_recount(root, q, NULL) < 0)
		return -1;
	return 1;
}

int maildir_quota_get(const char *dir, int flags, struct maildir_quota *q)
{
	char root[PATH_MAX];

	if (maildir_quota_root(dir, root, sizeof root) < 0)
		return -1;
	return quota_load(root, flags, 0, 0, q);
}

int maildir_quota_check(const char *dir, uint64_t add_bytes, uint64_t add_count,
			int flags, int *over_r)
{
	char root[PATH_MAX];
	struct maildir_quota q;
	int rc;

	*over_r = 0;
	if (maildir_quota_root(dir, root, sizeof root) < 0)
		return -1;
	rc = quota_load(root, flags, add_bytes, add_count, &q);
	if (rc < 0)
		return -1;
	if (rc == 1 && !q.stale)
		*over_r = maildir_quota_over(&q, add_bytes, add_count);
	return 0;
}

int maildir_quota_add(const char *dir, int64_t bytes, int64_t count)
{
	char root[PATH_MAX], path[PATH_MAX], line[64];
	struct stat st;
	ssize_t w;
	int fd, n, e;

	if (maildir_quota_root(dir, root, sizeof root) < 0 ||
	    maildir_quota_path(root, "maildirsize", path, sizeof path) < 0)
		return -1;
	fd = maildir_quota_open(path, O_WRONLY | O_APPEND, &st);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	n = snprintf(line, sizeof line, "%lld %lld\n", (long long)bytes, (long long)count);
	/* One write(2) with O_APPEND: concurrent appenders never interleave lines. */
	do {
		w = write(fd, line, (size_t)n);
	} while (w < 0 && errno == EINTR);
	e = w < 0 ? errno : EIO;
	if (close(fd) < 0 && w == n) {
		w = -1;
		e = errno;
	}
	if (w != n) {
		errno = e;
		return -1;
	}
	return 0;
}
