/*
 * The buffered writer for the client (notqmail substdio with sig_pipeignore, Postfix
 * VSTREAM). One error ends output for good: the session may queue a whole multi-line
 * reply and test once at the flush, and nothing is ever sent after a gap. Callers
 * ignore SIGPIPE, so a client that went away shows up here as EPIPE, not as a signal.
 */
#include "out.h"
#include "io.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void out_init(struct out *o, int fd, int timeout_ms)
{
	o->fd = fd;
	o->timeout_ms = timeout_ms;
	o->error = 0;
	o->len = 0;
	o->deadline = 0;
}

void out_start(struct out *o)
{
	o->deadline = io_deadline(o->timeout_ms);
}

/* Write through to the fd under the response's deadline, or one of its own. */
static int out_send(struct out *o, const void *p, size_t n)
{
	long long own = io_deadline(o->timeout_ms);

	return io_write_until(o->fd, p, n, o->deadline != 0 ? &o->deadline : &own,
			      IO_MIN_DATA_RATE, o->timeout_ms);
}

static int out_fail(struct out *o, int err)
{
	o->error = err != 0 ? err : EIO;
	o->len = 0;
	errno = o->error;
	return -1;
}

int out_flush(struct out *o)
{
	if (o->error != 0) {
		errno = o->error;
		return -1;
	}
	if (o->len == 0)
		return 0;
	if (out_send(o, o->buf, o->len) == -1)
		return out_fail(o, errno);
	o->len = 0;
	return 0;
}

int out_write(struct out *o, const void *p, size_t n)
{
	if (o->error != 0) {
		errno = o->error;
		return -1;
	}
	if (n <= OUT_BUF - o->len) {
		if (n > 0)
			memcpy(o->buf + o->len, p, n);
		o->len += n;
		return 0;
	}
	if (out_flush(o) == -1)
		return -1;
	if (n < OUT_BUF) {
		memcpy(o->buf, p, n);
		o->len = n;
		return 0;
	}
	/* Message bodies: no point copying them through the buffer. */
	if (out_send(o, p, n) == -1)
		return out_fail(o, errno);
	return 0;
}

int out_puts(struct out *o, const char *s)
{
	return out_write(o, s, strlen(s));
}

int out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = OUT_BUF - o->len;
	char *big;
	int n, rc;

	if (o->error != 0) {
		errno = o->error;
		return -1;
	}
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, room, fmt, ap);
	va_end(ap);
	/* A reply that cannot be formatted would leave a hole in the output. */
	if (n < 0)
		return out_fail(o, EINVAL);
	if ((size_t)n < room) {
		o->len += (size_t)n;
		return 0;
	}
	if ((size_t)n < OUT_BUF) {
		if (out_flush(o) == -1)
			return -1;
		va_start(ap, fmt);
		n = vsnprintf(o->buf, OUT_BUF, fmt, ap);
		va_end(ap);
		if (n < 0 || (size_t)n >= OUT_BUF)
			return out_fail(o, EINVAL);
		o->len = (size_t)n;
		return 0;
	}
	big = malloc((size_t)n + 1);
	if (big == NULL)
		return out_fail(o, ENOMEM);
	va_start(ap, fmt);
	rc = vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (rc != n) {
		free(big);
		return out_fail(o, EINVAL);
	}
	rc = out_write(o, big, (size_t)n);
	free(big);
	return rc;
}
