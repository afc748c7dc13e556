/*
 * The dotlock on dovecot-uidlist, compatible with Dovecot's: the lock is <file>.lock,
 * made by link()ing a private temporary file to that name, because link() is atomic on
 * NFS where O_CREAT|O_EXCL is not. On NFS link() may report an error for a link that was
 * made (the reply to a retransmitted request is lost), so the link count of the
 * temporary file, not link()'s return, decides. A lock whose mtime is older than
 * MAILDIR_LOCK_STALE_SEC is a dead process's and is removed, and so, at once, is one
 * whose holder was a process of this host that is gone; holders that work long keep it
 * fresh with maildir_lock_touch(). Also here: the atomic file replacement the
 * lock holder uses to rewrite the files the lock guards.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "str.h"
#include "maildir_lock.h"

#define LOCK_SLEEP_MIN_MS 10	/* first wait between tries */
#define LOCK_SLEEP_MAX_MS 100	/* waits grow up to this */
#define LOCK_ID_MAX 320		/* "<pid>:<host>\n": host up to 255 (POSIX HOST_NAME_MAX) */
#define UNIQUE_MAX 400		/* "<sec>.M<usec>P<pid>Q<n>.<host>" */
#define CREATE_TRIES 10		/* O_EXCL name clashes before giving up (never expected) */
#define QUICK_RETRIES 100	/* retries without a wait after a lock vanished */

/* The host name with characters that cannot be in a file name or a one-line file
 * replaced ('/' as in the Maildir spec's unique names, ':' the info separator). */
static void host_name(char *out, size_t outsz)
{
	if (gethostname(out, outsz) < 0 || out[0] == '\0')
		str_lcpy(out, "localhost", outsz);
	out[outsz - 1] = '\0';
	for (char *p = out; *p != '\0'; p++)
		if (*p == '/' || *p == ':' || *p == '\n' || (unsigned char)*p < 0x20)
			*p = '_';
}

/* A name part no other process (on any host) and no earlier call uses. */
static int unique_part(char *out, size_t outsz)
{
	static unsigned long counter;
	char host[256];
	struct timespec ts;
	int n;

	host_name(host, sizeof host);
	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(out, outsz, "%lld.M%ldP%ldQ%lu.%s", (long long)ts.tv_sec,
		     ts.tv_nsec / 1000, (long)getpid(), ++counter, host);
	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* What the lock file says: the holder, for people and for our release check. */
static int lock_id(char *out, size_t outsz)
{
	char host[256];
	int n;

	host_name(host, sizeof host);
	n = snprintf(out, outsz, "%ld:%s\n", (long)getpid(), host);
	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Create a new file prefix<unique>suffix with O_EXCL; its name into path. */
static int create_unique(const char *prefix, const char *suffix, char *path, size_t pathsz)
{
	char u[UNIQUE_MAX];

	for (int i = 0; i < CREATE_TRIES; i++) {
		int fd, n;

		if (unique_part(u, sizeof u) < 0)
			return -1;
		n = snprintf(path, pathsz, "%s%s%s", prefix, u, suffix);
		if (n < 0 || (size_t)n >= pathsz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* One attempt: 1 taken, 0 someone else holds it, -1 error. */
static int try_link(const char *lock, const char *id)
{
	char prefix[PATH_MAX], tmp[PATH_MAX];
	struct stat st;
	int fd, n, lr, lerr, sr;

	/* Next to the lock (link() cannot cross file systems), not a dot-file: a
	 * Maildir++ folder lister must never take it for a folder. */
	n = snprintf(prefix, sizeof prefix, "%s.", lock);
	if (n < 0 || (size_t)n >= sizeof prefix) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = create_unique(prefix, ".tmp", tmp, sizeof tmp);
	if (fd < 0)
		return -1;
	if (io_write_all(fd, id, strlen(id), -1) < 0) {
		lerr = errno;
		close(fd);
		unlink(tmp);
		errno = lerr;
		return -1;
	}
	if (close(fd) < 0) {
		lerr = errno;
		unlink(tmp);
		errno = lerr;
		return -1;
	}
	lr = link(tmp, lock);
	lerr = errno;
	sr = stat(tmp, &st);
	unlink(tmp);
	if (sr == 0 && st.st_nlink == 2)
		return 1;
	if (lr == 0 || lerr == EEXIST)
		return 0;	/* linked, yet not 2 links: already removed; try again */
	errno = lerr;
	return -1;
}

/* The lock file's text ("<pid>:<host>\n" from us or Dovecot) into out; "" if none. */
static void lock_text(const char *lock, char *out, size_t outsz)
{
	size_t len = 0;
	int fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	while (fd >= 0 && len < outsz - 1) {
		ssize_t r = read(fd, out + len, outsz - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (fd >= 0)
		close(fd);
	out[len] = '\0';
}

/* 1 when the holder named in the lock is a process of this host that no longer exists
 * (killed while holding it): as Dovecot does, no need to wait for the stale timeout. */
static int holder_dead(const char *lock)
{
	char text[LOCK_ID_MAX], host[256];
	const char *p = text;
	uint64_t pid;
	size_t n;

	lock_text(lock, text, sizeof text);
	n = strspn(p, "0123456789");
	if (n == 0 || p[n] != ':' || str_to_u64(p, n, INT32_MAX, &pid) < 0 || pid == 0)
		return 0;
	p += n + 1;
	host_name(host, sizeof host);
	n = strlen(host);
	if (strncmp(p, host, n) != 0 || (p[n] != '\n' && p[n] != '\0'))
		return 0;
	return (pid_t)pid != getpid() && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* 1 when the lock was removed as stale or vanished (try again at once), 0 when it is
 * live, -1 error. */
static int remove_stale(const char *lock)
{
	struct stat st, again;

	if (lstat(lock, &st) < 0)
		return errno == ENOENT ? 1 : -1;
	if (time(NULL) - st.st_mtime <= MAILDIR_LOCK_STALE_SEC && !holder_dead(lock))
		return 0;
	/* Another waiter may have removed the stale lock and taken a new one since we
	 * looked: unlink only the very file we judged. A window stays between this
	 * lstat() and unlink(); only another stale-remover can use it. */
	if (lstat(lock, &again) < 0)
		return errno == ENOENT ? 1 : -1;
	if (again.st_dev != st.st_dev || again.st_ino != st.st_ino ||
	    again.st_mtime != st.st_mtime)
		return 1;
	if (unlink(lock) < 0 && errno != ENOENT)
		return -1;
	return 1;
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Random so that waiters do not retry in step. Quality does not matter. */
static unsigned long jitter(unsigned long max)
{
	static uint64_t s;

	if (s == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ULL;
	}
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return max == 0 ? 0 : (unsigned long)(s % max);
}

int maildir_lock_take(struct maildir_lock *l, const char *path, int timeout_sec)
{
	char id[LOCK_ID_MAX];
	struct timespec start;
	long wait_ms = LOCK_SLEEP_MIN_MS;
	int n, quick = 0;

	l->path[0] = '\0';
	n = snprintf(l->path, sizeof l->path, "%s.lock", path);
	if (n < 0 || (size_t)n >= sizeof l->path) {
		l->path[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	if (lock_id(id, sizeof id) < 0)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct timespec ts;
		long left;
		int r = try_link(l->path, id);

		if (r > 0)
			return 0;
		if (r < 0)
			goto fail;
		r = remove_stale(l->path);
		if (r < 0)
			goto fail;
		/* Even with timeout 0 a stale or just released lock is worth a new try. */
		if (r > 0 && quick++ < QUICK_RETRIES)
			continue;
		left = (long)(timeout_sec < 0 ? 0 : timeout_sec) * 1000 - elapsed_ms(&start);
		if (left <= 0) {
			errno = EWOULDBLOCK;
			goto fail;
		}
		n = (int)(wait_ms / 2 + (long)jitter((unsigned long)wait_ms / 2 + 1));
		if (n > left)
			n = (int)left;
		ts.tv_sec = 0;
		ts.tv_nsec = n * 1000000L;
		nanosleep(&ts, NULL);
		if (wait_ms < LOCK_SLEEP_MAX_MS)
			wait_ms = wait_ms * 2 > LOCK_SLEEP_MAX_MS ? LOCK_SLEEP_MAX_MS : wait_ms * 2;
	}
fail:
	l->path[0] = '\0';
	return -1;
}

/* 1 when the lock file is still the one we made (it holds our id), 0 when it is gone
 * or another's, -1 error. */
static int lock_ours(const char *lock)
{
	char id[LOCK_ID_MAX], got[LOCK_ID_MAX];

	if (lock_id(id, sizeof id) < 0)
		return -1;
	if (access(lock, F_OK) < 0)
		return errno == ENOENT ? 0 : -1;
	lock_text(lock, got, sizeof got);
	return strcmp(got, id) == 0;
}

int maildir_lock_touch(struct maildir_lock *l)
{
	int r;

	if (l->path[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	r = lock_ours(l->path);
	if (r <= 0) {
		if (r == 0)
			errno = ENOENT;
		return -1;
	}
	return utimensat(AT_FDCWD, l->path, NULL, 0);
}

int maildir_lock_release(struct maildir_lock *l)
{
	int r;

	if (l->path[0] == '\0')
		return 0;
	r = lock_ours(l->path);
	if (r > 0 && unlink(l->path) < 0 && errno != ENOENT)
		r = -1;
	l->path[0] = '\0';
	return r < 0 ? -1 : 0;
}

int maildir_file_replace(const char *dir, const char *name, const void *data, size_t len)
{
	char prefix[PATH_MAX], tmp[PATH_MAX], dst[PATH_MAX];
	int fd, n, saved;

	n = snprintf(dst, sizeof dst, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof dst)
		goto toolong;
	n = snprintf(prefix, sizeof prefix, "%s/%s.", dir, name);
	if (n < 0 || (size_t)n >= sizeof prefix)
		goto toolong;
	fd = create_unique(prefix, ".tmp", tmp, sizeof tmp);
	if (fd < 0)
		return -1;
	/* fsync before rename: otherwise a crash can leave the new name on an empty file
	 * (ext4 delayed allocation), which would cost every UID. */
	if (io_write_all(fd, data, len, -1) < 0 || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp, dst) < 0) {
		saved = errno;
		goto fail;
	}
	return io_fsync_dir(dir);
fail:
	unlink(tmp);
	errno = saved;
	return -1;
toolong:
	errno = ENAMETOOLONG;
	return -1;
}
