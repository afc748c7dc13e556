/*
 * File-descriptor helpers. Deadlines are poll(2) on a monotonic clock, recomputed after
 * every EINTR so a stream of signals cannot stretch them. The descriptors are used as
 * the program got them: fd 0/1 are usually blocking and shared with the parent
 * (tcpserver, inetd), so their O_NONBLOCK flag is never changed here.
 */
#include "io.h"
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A blocking write only keeps the deadline if it cannot block after POLLOUT: POSIX
 * promises PIPE_BUF bytes of room in a writable pipe, so larger writes are cut. */
#define IO_WRITE_CHUNK PIPE_BUF
/* Read size for whole files and streams. */
#define IO_READ_CHUNK 65536

long long io_now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on any system we build for. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int io_ms_left(long long deadline)
{
	long long left;

	if (deadline < 0)
		return -1;
	left = deadline - io_now_ms();
	if (left < 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

long long io_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : io_now_ms() + timeout_ms;
}

/* io_wait with an absolute deadline (-1: none). */
static int wait_until(int fd, short events, long long deadline)
{
	struct pollfd pfd;
	int rc;

	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, io_ms_left(deadline));
		if (rc > 0)
			break;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
	if (pfd.revents & POLLNVAL) {
		errno = EBADF;
		return -1;
	}
	/* POLLERR/POLLHUP count as ready: the read or write that follows reports them. */
	return 1;
}

int io_wait(int fd, short events, int timeout_ms)
{
	return wait_until(fd, events, io_deadline(timeout_ms));
}

int io_write_all(int fd, const void *p, size_t n, int timeout_ms)
{
	long long deadline = io_deadline(timeout_ms);

	return io_write_until(fd, p, n, &deadline, IO_MIN_DATA_RATE, timeout_ms);
}

int io_write_until(int fd, const void *p, size_t n, long long *deadline, unsigned min_rate,
		   int max_ahead_ms)
{
	const char *s = p;
	int blocking = 1, sock = 0;
	unsigned long long credit = 0;	/* bytes taken not yet turned into time */

	if (*deadline >= 0) {
		int fl = fcntl(fd, F_GETFL);
		struct stat st;

		if (fl == -1)
			return -1;
		blocking = !(fl & O_NONBLOCK);
#ifdef MSG_DONTWAIT
		/* A socket (tcpserver, inetd, systemd) can be written without blocking
		 * per call, leaving the descriptor's flags to the parent it is shared with;
		 * a blocking write could wait past the deadline for a slow reader. */
		sock = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
#else
		(void)st;
#endif
	}
	while (n > 0) {
		size_t chunk = n;
		ssize_t w;

		if (*deadline >= 0 && blocking && !sock) {
			if (wait_until(fd, POLLOUT, *deadline) == -1)
				return -1;
			if (chunk > IO_WRITE_CHUNK)
				chunk = IO_WRITE_CHUNK;
		}
#ifdef MSG_DONTWAIT
		if (sock)
			w = send(fd, s, chunk, MSG_DONTWAIT);
		else
#endif
			w = write(fd, s, chunk);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (wait_until(fd, POLLOUT, *deadline) == -1)
					return -1;
				continue;
			}
			return -1;
		}
		if (w == 0) {	/* not allowed for n > 0; never spin on it */
			errno = EIO;
			return -1;
		}
		s += w;
		n -= (size_t)w;
		/* The deadline moves only with what the client really took: a reader that
		 * keeps up with min_rate never runs out of time, a trickle always does.
		 * Never more than max_ahead_ms ahead: what fills the kernel's buffers at
		 * first, which no client has read yet, buys no time beyond that. */
		if (*deadline >= 0 && min_rate > 0) {
			long long cap = io_now_ms() + max_ahead_ms;
			credit += (unsigned long long)w * 1000;
			*deadline += (long long)(credit / min_rate);
			credit %= min_rate;
			if (*deadline > cap)
				*deadline = cap;
		}
	}
	return 0;
}

ssize_t io_read_timeout(int fd, void *p, size_t n, int timeout_ms)
{
	long long deadline = io_deadline(timeout_ms);
	ssize_t r;

	for (;;) {
		if (deadline >= 0 && wait_until(fd, POLLIN, deadline) == -1)
			return -1;
		r = read(fd, p, n);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		/* A non-blocking fd woke us for nothing: wait again (for ever without deadline). */
		if (deadline < 0 && wait_until(fd, POLLIN, -1) == -1)
			return -1;
	}
}

int io_read_fd(int fd, struct buf *b)
{
	size_t start = b->len;
	int saved;

	for (;;) {
		size_t want = b->max - b->len;
		ssize_t r;

		if (want == 0) {
			/* At the limit: only end of file makes this a success. */
			char c;

			r = io_read_timeout(fd, &c, 1, -1);
			if (r == 0)
				return 0;
			if (r > 0)
				errno = E2BIG;
			goto fail;
		}
		if (want > IO_READ_CHUNK)
			want = IO_READ_CHUNK;
		if (buf_reserve(b, want) == -1)
			goto fail;
		r = io_read_timeout(fd, b->s + b->len, want, -1);
		if (r < 0)
			goto fail;
		if (r == 0)
			return 0;
		b->len += (size_t)r;
		b->s[b->len] = '\0';
	}
fail:
	saved = errno;
	b->len = start;
	if (b->s != NULL)
		b->s[start] = '\0';
	errno = saved;
	return -1;
}

int io_open_regular(const char *path)
{
	struct stat st;
	int fd, fl, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int io_read_file(const char *path, struct buf *b)
{
	struct stat st;
	int fd, rc, saved;

	fd = io_open_regular(path);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (st.st_size > 0) {
		/* Fail early on a file that cannot fit, and allocate once for one that can
		 * (it may still grow or shrink: io_read_fd keeps the real bound). */
		if ((unsigned long long)st.st_size > b->max - b->len) {
			errno = E2BIG;
			goto fail;
		}
		if (buf_reserve(b, (size_t)st.st_size) == -1)
			goto fail;
	}
	rc = io_read_fd(fd, b);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int io_fsync_dir(const char *path)
{
	int fd, rc, saved;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	/* Some file systems cannot fsync a directory and say EINVAL; there is nothing
	 * better to do there (Dovecot ignores it the same way). */
	if (rc == -1 && errno == EINVAL)
		rc = 0;
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}
