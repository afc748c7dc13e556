/*
 * The one buffered writer (normally for fd 1, the client). Errors are sticky: after the
 * first failed write every call returns -1, so a session can write a whole reply and
 * check once. A write error or a missed deadline means the client is gone.
 * Programs ignore SIGPIPE (signal(SIGPIPE, SIG_IGN)) so that a vanished client is an
 * EPIPE error here rather than a silent death; the library never changes signals.
 */
#ifndef OUT_H
#define OUT_H

#include <stddef.h>

#define OUT_BUF 65536

struct out {
	int fd;
	int timeout_ms;		/* deadline for each blocked write; -1 waits for ever */
	int error;		/* errno of the first failure, 0 while fine */
	size_t len;
	char buf[OUT_BUF];
};

void out_init(struct out *o, int fd, int timeout_ms);
/* Queue n bytes (large writes go straight through after a flush). 0 or -1 (sticky). */
int out_write(struct out *o, const void *p, size_t n);
int out_puts(struct out *o, const char *s);
int out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write everything queued. 0 or -1 with errno (sticky). */
int out_flush(struct out *o);

#endif
