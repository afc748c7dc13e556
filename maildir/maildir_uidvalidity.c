/*
 * UIDVALIDITY that never repeats for a Maildir (RFC 3501 2.3.1.1: a mailbox deleted and
 * made again must not get its old UIDVALIDITY back, or clients keep their caches of the
 * old messages). time(NULL) alone repeats when a folder is deleted and re-created within
 * a second; so, as Dovecot does, the Maildir root keeps the last value handed out:
 *
 *   dovecot-uidvalidity            the value, 8 hex digits
 *   dovecot-uidvalidity.<8 hex>    an empty marker named after the same value
 *
 * The next value is max(now, last + 1), last being the higher of the counter and the
 * highest marker. Making the new value's marker exclusively is the atomic step: a
 * link from the old marker (then the old one is removed), or a new file when there is
 * none; of two processes that read the same last value only one makes it, and the
 * other reads again. Dovecot moves the marker with rename(), which replaces; we link,
 * because a rename over a marker another process had just made gave two folders
 * opened at once the same value. The files are shared with Dovecot, so values never
 * repeat whichever of us makes the folder (but for Dovecot's rename racing one of our
 * links in the same instant).
 *
 * A whole Maildir deleted and made again loses the counter with it. A value is
 * therefore handed out only once the clock has passed it: whatever is made later, in
 * this Maildir or in one made anew at the same path, draws a later second. That costs
 * up to one second when a folder gets its first UIDs. (A clock that went back leaves
 * the counter ahead of it; then the counter alone keeps values apart, without a wait.)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maildir_lock.h"
#include "maildir_uidlist.h"

#define UIDV_FILE "dovecot-uidvalidity"
/* Rounds lost to other processes are retried for this long before giving up. A round
 * is lost while the winner writes the counter (an fsync'd replace): spinning through a
 * fixed number of tries gave up long before that, when a client opened several new
 * folders at once, one session each (offlineimap, maxconnections > 1). */
#define UIDV_RETRY_MS 5000
#define UIDV_PAUSE_MS 2		/* the pause after a lost round grows by this much */
#define UIDV_PAUSE_MAX_MS 20
#define UIDV_WAIT_MAX_SEC 2	/* a counter further ahead of the clock: no wait */

/* The Maildir root of a folder directory: its parent when it holds maildirfolder. */
static int root_of(const char *dir, char *out, size_t outsz)
{
	char probe[PATH_MAX];
	size_t len = strlen(dir);
	int n = snprintf(probe, sizeof probe, "%s/maildirfolder", dir);

	if (n < 0 || (size_t)n >= sizeof probe || len >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(out, dir, len + 1);
	if (access(probe, F_OK) < 0)
		return 0;
	while (len > 1 && out[len - 1] == '/')
		out[--len] = '\0';
	while (len > 0 && out[len - 1] != '/')
		len--;
	while (len > 1 && out[len - 1] == '/')
		len--;
	if (len == 0)
		memcpy(out, ".", 2);
	else
		out[len] = '\0';
	return 0;
}

static int parse_hex8(const char *s, size_t n, uint32_t *r)
{
	uint32_t v = 0;

	if (n != 8)
		return -1;
	for (size_t i = 0; i < 8; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*r = v;
	return 0;
}

/* The highest marker value in root: 1 found, 0 none, -1 error. */
static int scan_markers(const char *root, uint32_t *r)
{
	DIR *d = opendir(root);
	struct dirent *e;
	size_t pl = strlen(UIDV_FILE) + 1;
	int found = 0, saved;

	if (d == NULL)
		return -1;
	for (;;) {
		uint32_t v;
		errno = 0;
		e = readdir(d);
		if (e == NULL)
			break;
		if (strncmp(e->d_name, UIDV_FILE ".", pl) != 0 ||
		    parse_hex8(e->d_name + pl, strlen(e->d_name + pl), &v) < 0)
			continue;
		if (!found || v > *r)
			*r = v;
		found = 1;
	}
	saved = errno;
	closedir(d);
	errno = saved;
	return saved != 0 ? -1 : found;
}

/* The last value handed out: the higher of the counter file and the markers. The
 * counter lags behind while its writer is between its marker and its write, and goes
 * back when two writers finish in the other order; the highest marker does neither.
 * 1 found, 0 none, -1 error. */
static int last_value(const char *root, uint32_t *r)
{
	char path[PATH_MAX], text[16];
	int fd, n = snprintf(path, sizeof path, "%s/%s", root, UIDV_FILE), found = 0;
	uint32_t m = 0;
	ssize_t got;

	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		got = read(fd, text, sizeof text);
		close(fd);
		while (got > 0 && (text[got - 1] == '\n' || text[got - 1] == '\r'))
			got--;
		if (got > 0 && parse_hex8(text, (size_t)got, r) == 0)
			found = 1;
	} else if (errno != ENOENT) {
		return -1;
	}
	/* A counter file lost, damaged or behind: the markers say where we are. */
	n = scan_markers(root, &m);
	if (n < 0)
		return -1;
	if (n == 1 && (!found || m > *r))
		*r = m;
	return found || n == 1;
}

static int marker_path(const char *root, uint32_t v, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%s.%08x", root, UIDV_FILE, (unsigned)v);

	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* After losing round `round' (1, 2, ...): pause, a little longer each time and by a
 * different amount in each process, so that the losers do not collide again at once.
 * -1 once UIDV_RETRY_MS have passed since start. */
static int lost_round_pause(const struct timespec *start, int round)
{
	struct timespec now, pause;
	long ms = (long)round * UIDV_PAUSE_MS, elapsed;

	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed = (long)(now.tv_sec - start->tv_sec) * 1000 +
		(now.tv_nsec - start->tv_nsec) / 1000000;
	if (elapsed >= UIDV_RETRY_MS)
		return -1;
	if (ms > UIDV_PAUSE_MAX_MS)
		ms = UIDV_PAUSE_MAX_MS;
	ms += (long)(getpid() % UIDV_PAUSE_MS) + 1;
	pause.tv_sec = 0;
	pause.tv_nsec = ms * 1000000L;
	nanosleep(&pause, NULL);
	return 0;
}

/* Make the marker of `next' so that no other process can make it at the same time:
 * a link from the marker of `last' when there is one (linked, not renamed: rename
 * would silently replace a marker another process made), else a new file.
 * 1 made (*linked set when made from `last'), 0 someone else has it, -1 error. */
static int make_marker(const char *from, const char *to, int *linked)
{
	int fd;

	*linked = 0;
	if (from != NULL) {
		if (link(from, to) == 0) {
			*linked = 1;
			return 1;
		}
		if (errno == EEXIST)
			return 0;
		/* ENOENT: `last' moved on meanwhile, or a counter without its marker;
		 * a file system without hard links: make the marker as a file */
		if (errno != ENOENT && errno != EPERM && errno != ENOSYS && errno != EOPNOTSUPP)
			return -1;
	}
	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	close(fd);
	return 1;
}

/*
 * The highest marker never goes down: a marker is removed only once a higher one
 * exists (its successor, linked from it; or, for a marker its maker backs off from, the
 * higher one that made it back off). So a value is handed out only when its maker made
 * its marker exclusively and then saw no higher marker: a second maker of the same
 * value, later, necessarily sees the higher marker that replaced the first one.
 */
int maildir_uidvalidity_next(const char *dir, uint32_t *r)
{
	char root[PATH_MAX], from[PATH_MAX + 32], to[PATH_MAX + 32], hex[9];
	struct timespec start;

	if (root_of(dir, root, sizeof root) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int round = 0;; round++) {
		uint32_t last = 0, next, high = 0;
		time_t now;
		int have, made, linked;

		if (round > 0 && lost_round_pause(&start, round) < 0)
			break;
		now = time(NULL);
		have = last_value(root, &last);
		if (have < 0)
			return -1;
		next = now > 0 && (uint64_t)now <= UINT32_MAX ? (uint32_t)now : 1;
		if (have && next <= last) {
			if (last == UINT32_MAX) {
				errno = EOVERFLOW;
				return -1;
			}
			next = last + 1;
		}
		if (marker_path(root, next, to, sizeof to) < 0 ||
		    (have && marker_path(root, last, from, sizeof from) < 0))
			return -1;
		made = make_marker(have ? from : NULL, to, &linked);
		if (made < 0)
			return -1;
		if (made == 0)
			continue;
		/* Another process went higher meanwhile: ours may be a value it passed. */
		if (scan_markers(root, &high) < 0)
			return -1;
		if (high > next) {
			(void)unlink(to);
			continue;
		}
		if (linked)
			(void)unlink(from);
		snprintf(hex, sizeof hex, "%08x", (unsigned)next);
		if (maildir_file_replace(root, UIDV_FILE, hex, 8) < 0)
			return -1;
		if ((time_t)next <= now + UIDV_WAIT_MAX_SEC) {
			while (time(NULL) <= (time_t)next) {
				struct timespec pause = { 0, 50 * 1000 * 1000 };
				nanosleep(&pause, NULL);
			}
		}
		*r = next;
		return 0;
	}
	errno = EAGAIN;
	return -1;
}
