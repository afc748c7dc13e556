/*
 * Change notification for IDLE. Every way a folder changes shows in one of three
 * directories: a delivery links into new/ (IN_CREATE, or IN_MOVED_TO from tmp/), a
 * move to cur/, a flag change or an expunge renames or unlinks in cur/ or new/
 * (IN_MOVED_FROM, IN_MOVED_TO, IN_DELETE), and a UID or keyword change replaces or
 * appends to dovecot-uidlist / dovecot-keywords in the folder directory (IN_MOVED_TO,
 * IN_CREATE, IN_CLOSE_WRITE on those names). Events in the folder directory for any
 * other name (Dovecot's index files change all the time) are not changes.
 *
 * Trap (inotify): a watch whose directory goes away gets IN_IGNORED and never fires
 * again, and a full event queue drops events (IN_Q_OVERFLOW). Either way the watch
 * reports a change and polls from then on, which also sees the folder come back.
 *
 * Trap (polling): an mtime says "changed" only when it moved, and it moves in file
 * system ticks. A snapshot taken while a directory's mtime was younger than
 * MAILDIR_WATCH_MTIME_SLACK_SEC may not show a change made in the same tick, so
 * such a snapshot is not trusted: once the slack has passed the watch reports a
 * change (perhaps spurious) and takes a fresh one.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#include "io.h"
#include "maildir_watch.h"

#define UIDLIST_FILE "dovecot-uidlist"
#define KEYWORDS_FILE "dovecot-keywords"

/* What the poll compares: the folder, new/, cur/, the uidlist, the keywords. */
enum { ST_DIR, ST_NEW, ST_CUR, ST_UIDLIST, ST_KEYWORDS, ST_COUNT };
static const char *const stamp_name[ST_COUNT] = {
	".", "new", "cur", UIDLIST_FILE, KEYWORDS_FILE
};

struct stamp {
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct maildir_watch {
	char path[ST_COUNT][PATH_MAX];
	struct stamp snap[ST_COUNT];
	struct timespec untrusted_until; /* the snapshot may hide a change until then
					  * (0: it does not) */
	int ifd;		/* inotify instance, -1 when polling */
	int wd_dir, wd_new, wd_cur;
};

static void stamp_take(const char *path, struct stamp *s)
{
	struct stat st;

	memset(s, 0, sizeof *s);
	if (stat(path, &st) < 0)
		return;		/* gone is a state like any other; the caller rescans */
	s->exists = 1;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
}

/* For the folder directory only its identity counts: its mtime moves whenever
 * Dovecot touches an index or lock file, which is no change to the messages. */
static int stamp_same(const struct stamp *a, const struct stamp *b, int identity_only)
{
	if (a->exists != b->exists || a->dev != b->dev || a->ino != b->ino)
		return 0;
	return identity_only || (a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
				 a->mtime.tv_nsec == b->mtime.tv_nsec);
}

static int ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void snapshot(struct maildir_watch *w)
{
	struct timespec now, newest = { 0, 0 };

	for (int i = 0; i < ST_COUNT; i++) {
		stamp_take(w->path[i], &w->snap[i]);
		if (i != ST_DIR && w->snap[i].exists && ts_before(&newest, &w->snap[i].mtime))
			newest = w->snap[i].mtime;
	}
	/* Read after the stats: a clock step back only makes this more careful. */
	clock_gettime(CLOCK_REALTIME, &now);
	newest.tv_sec += MAILDIR_WATCH_MTIME_SLACK_SEC;
	w->untrusted_until = ts_before(&now, &newest) ? newest : (struct timespec){ 0, 0 };
}

/* 1 when the folder changed since the snapshot (which is then renewed), else 0. */
static int poll_changed(struct maildir_watch *w)
{
	struct stamp now;

	for (int i = 0; i < ST_COUNT; i++) {
		stamp_take(w->path[i], &now);
		if (!stamp_same(&now, &w->snap[i], i == ST_DIR)) {
			snapshot(w);
			return 1;
		}
	}
	if (w->untrusted_until.tv_sec != 0) {
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		if (!ts_before(&t, &w->untrusted_until)) {
			snapshot(w);
			return 1;
		}
	}
	return 0;
}

static void stop_inotify(struct maildir_watch *w)
{
	if (w->ifd >= 0)
		close(w->ifd);
	w->ifd = -1;
}

#ifdef __linux__
/* Set up inotify; 0, or -1 when the watch must poll instead (errno kept for ENOENT). */
static int start_inotify(struct maildir_watch *w)
{
	const uint32_t sub = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
			     IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
	const uint32_t top = IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF |
			     IN_MOVE_SELF | IN_ONLYDIR;

	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ifd < 0)
		return -1;
	if ((w->wd_dir = inotify_add_watch(w->ifd, w->path[ST_DIR], top)) < 0 ||
	    (w->wd_new = inotify_add_watch(w->ifd, w->path[ST_NEW], sub)) < 0 ||
	    (w->wd_cur = inotify_add_watch(w->ifd, w->path[ST_CUR], sub)) < 0) {
		int saved = errno;
		stop_inotify(w);
		errno = saved;
		return -1;
	}
	return 0;
}

/* Read the queued events: 1 when one of them is a change, 0 when none is, -1 on a
 * read error. A lost watch or an overflow is a change, and the watch polls after. */
static int drain_inotify(struct maildir_watch *w)
{
	/* Aligned as the kernel writes whole struct inotify_event records. */
	_Alignas(struct inotify_event) char buf[4096];
	int changed = 0, lost = 0;

	for (;;) {
		ssize_t n = read(w->ifd, buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -1;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			if (e->mask & (IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
				lost = 1;
			else if (e->wd != w->wd_dir)
				changed = 1;	/* anything in new/ or cur/ */
			else if (e->len > 0 && (strcmp(e->name, UIDLIST_FILE) == 0 ||
						strcmp(e->name, KEYWORDS_FILE) == 0))
				changed = 1;
			p += sizeof *e + e->len;
		}
	}
	if (lost) {
		stop_inotify(w);
		snapshot(w);
	}
	return changed || lost;
}
#else
static int start_inotify(struct maildir_watch *w)
{
	(void)w;
	errno = ENOSYS;
	return -1;
}

static int drain_inotify(struct maildir_watch *w)
{
	(void)w;
	return 0;
}
#endif

int maildir_watch_open_flags(struct maildir_watch **w_r, const char *dir, int flags)
{
	struct maildir_watch *w;
	struct stat st;

	*w_r = NULL;
	w = calloc(1, sizeof *w);
	if (w == NULL)
		return -1;
	w->ifd = -1;
	for (int i = 0; i < ST_COUNT; i++) {
		int n = snprintf(w->path[i], sizeof w->path[i], "%s/%s", dir, stamp_name[i]);
		if (n < 0 || (size_t)n >= sizeof w->path[i]) {
			free(w);
			errno = ENAMETOOLONG;
			return -1;
		}
	}
	for (int i = ST_DIR; i <= ST_CUR; i++) {
		int bad = stat(w->path[i], &st) < 0 ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR : 0;

		if (bad != 0) {
			free(w);
			errno = bad;
			return -1;
		}
	}
	/* Armed before the snapshot, so nothing falls between the two. */
	if (!(flags & MAILDIR_WATCH_FORCE_POLL) && start_inotify(w) < 0 && errno == ENOENT) {
		free(w);
		return -1;
	}
	snapshot(w);
	*w_r = w;
	return 0;
}

int maildir_watch_open(struct maildir_watch **w, const char *dir)
{
	return maildir_watch_open_flags(w, dir, 0);
}

int maildir_watch_polling(const struct maildir_watch *w)
{
	return w->ifd < 0;
}

void maildir_watch_close(struct maildir_watch *w)
{
	if (w == NULL)
		return;
	stop_inotify(w);
	free(w);
}

int maildir_watch_wait(struct maildir_watch *w, int fd, int timeout_ms)
{
	long long deadline = io_deadline(timeout_ms);

	for (;;) {
		struct pollfd p[2];
		nfds_t n = 0;
		int left = io_ms_left(deadline), r, polling = w->ifd < 0;

		if (fd >= 0) {
			p[n].fd = fd;
			p[n++].events = POLLIN;
		}
		if (!polling) {
			p[n].fd = w->ifd;
			p[n++].events = POLLIN;
		} else {
			/* Input first, as with inotify, where both come from one poll(). */
			if (n > 0 && (r = poll(p, n, 0)) != 0)
				return r < 0 ? -1 : MAILDIR_WATCH_INPUT;
			if (poll_changed(w))
				return MAILDIR_WATCH_CHANGED;
			if (left < 0 || left > MAILDIR_WATCH_POLL_MS)
				left = MAILDIR_WATCH_POLL_MS;
		}
		r = poll(p, n, left);
		if (r < 0)
			return -1;
		if (fd >= 0 && p[0].revents != 0)
			return MAILDIR_WATCH_INPUT;
		if (!polling && p[n - 1].revents != 0) {
			r = drain_inotify(w);
			if (r != 0)
				return r < 0 ? -1 : MAILDIR_WATCH_CHANGED;
		}
		if (io_ms_left(deadline) == 0) {
			/* One last look, so a change in the final interval is not held
			 * back for the next wait. */
			if (w->ifd < 0 && poll_changed(w))
				return MAILDIR_WATCH_CHANGED;
			return MAILDIR_WATCH_TIMEOUT;
		}
	}
}
