/*
 * The line reader of every daemon, after skalibs getlnmax/timed_getlnmax. Input goes
 * through a fixed read-ahead buffer; a line is assembled in the caller's buffer, so a
 * line limit may exceed the read-ahead size and a partial line survives between calls
 * (push mode, ETIMEDOUT). Over-long lines are eaten through their LF before ERANGE is
 * reported, so the next line_take starts on a command boundary (RFC 5321 4.5.3.1.4 and
 * Postfix SMTP_GET_FLAG_SKIP: a reply sent mid-line would desynchronise the client).
 */
#include "line.h"
#include "io.h"

#include <errno.h>
#include <string.h>

void line_init(struct line_reader *r, int fd, int timeout_ms)
{
	r->fd = fd;
	r->timeout_ms = timeout_ms;
	r->pos = 0;
	r->len = 0;
	r->have = 0;
	r->discarding = 0;
	r->partial_eof = 0;
	r->partial_len = 0;
}

size_t line_push(struct line_reader *r, const void *p, size_t n)
{
	size_t take;

	if (r->pos == r->len) {
		r->pos = 0;
		r->len = 0;
	}
	if (n > LINE_INBUF - r->len && r->pos > 0) {
		memmove(r->in, r->in + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	take = LINE_INBUF - r->len;
	if (take > n)
		take = n;
	if (take > 0)
		memcpy(r->in + r->len, p, take);
	r->len += take;
	return take;
}

int line_take(struct line_reader *r, char *buf, size_t max, size_t *len_r)
{
	const char *start = r->in + r->pos;
	size_t avail = r->len - r->pos, n;
	const char *lf;

	if (max == 0) {
		errno = EINVAL;
		return -1;
	}
	if (avail == 0)
		return LINE_MORE;
	lf = memchr(start, '\n', avail);
	if (lf == NULL) {
		/* All of it is consumed either way, which keeps the read-ahead compact. */
		r->pos = 0;
		r->len = 0;
		if (r->discarding)
			return LINE_MORE;
		/* Still a line only if its LF can follow within max - 1 bytes. */
		if (r->have + avail + 2 > max) {
			r->discarding = 1;
			r->have = 0;
			return LINE_MORE;
		}
		memcpy(buf + r->have, start, avail);
		r->have += avail;
		buf[r->have] = '\0';
		return LINE_MORE;
	}
	n = (size_t)(lf - start) + 1;
	r->pos += n;
	if (r->pos == r->len) {
		r->pos = 0;
		r->len = 0;
	}
	if (r->discarding || r->have + n + 1 > max) {
		r->discarding = 0;
		r->have = 0;
		errno = ERANGE;
		return -1;
	}
	memcpy(buf + r->have, start, n);
	n += r->have;
	buf[n] = '\0';
	r->have = 0;
	*len_r = n;
	return 1;
}

/* End of input: whatever line was under way is not returned as a line; a protocol
 * drops it, a file reader may take it from buf (partial_len). */
static int line_eof(struct line_reader *r, char *buf)
{
	if (r->have > 0 || r->discarding)
		r->partial_eof = 1;
	r->partial_len = 0;
	if (r->have > 0 && !r->discarding && buf != NULL) {
		buf[r->have] = '\0';
		r->partial_len = r->have;
	}
	r->have = 0;
	r->discarding = 0;
	return 0;
}

int line_read(struct line_reader *r, char *buf, size_t max, size_t *len_r)
{
	/* The deadline covers the whole call: a client dribbling a byte at a time cannot
	 * hold a line open longer than one timeout. */
	long long deadline = io_deadline(r->timeout_ms);
	ssize_t n;
	int rc;

	for (;;) {
		rc = line_take(r, buf, max, len_r);
		if (rc != LINE_MORE)
			return rc;
		/* line_take consumed everything, so the whole read-ahead is free. */
		if (r->fd < 0)
			return line_eof(r, buf);
		n = io_read_timeout(r->fd, r->in + r->len, LINE_INBUF - r->len,
				    io_ms_left(deadline));
		if (n < 0)
			return -1;
		if (n == 0)
			return line_eof(r, buf);
		r->len += (size_t)n;
	}
}

int line_read_bytewise(struct line_reader *r, int fd, char *buf, size_t max, size_t *len_r)
{
	long long deadline = io_deadline(r->timeout_ms);

	for (;;) {
		char c;
		ssize_t n;
		int ms, rc = line_take(r, buf, max, len_r);

		if (rc != LINE_MORE)
			return rc;
		ms = io_ms_left(deadline);
		if (ms == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = io_read_timeout(fd, &c, 1, ms);
		if (n < 0)
			return -1;
		if (n == 0)
			return line_eof(r, buf);
		line_push(r, &c, 1);
	}
}

ssize_t line_read_raw(struct line_reader *r, void *p, size_t n)
{
	size_t avail = r->len - r->pos;

	if (n == 0)
		return 0;
	if (avail > 0) {
		if (n > avail)
			n = avail;
		memcpy(p, r->in + r->pos, n);
		r->pos += n;
		if (r->pos == r->len) {
			r->pos = 0;
			r->len = 0;
		}
		return (ssize_t)n;
	}
	if (r->fd < 0)
		return 0;
	/* Straight into the caller's memory: a literal never passes through the
	 * read-ahead, so a pipelined command after it is not read early. */
	return io_read_timeout(r->fd, p, n, r->timeout_ms);
}

size_t line_buffered(const struct line_reader *r)
{
	return r->len - r->pos;
}

int line_buffered_line(const struct line_reader *r)
{
	return r->len > r->pos && memchr(r->in + r->pos, '\n', r->len - r->pos) != NULL;
}

int line_chomp(char *buf, size_t *len)
{
	size_t n = *len;
	int rc = 0;

	if (n >= 1 && buf[n - 1] == '\n') {
		n--;
		rc = 1;
		if (n >= 1 && buf[n - 1] == '\r') {
			n--;
			rc = 2;
		}
	}
	buf[n] = '\0';
	*len = n;
	return rc;
}
