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
	int timeout_ms;		/* time for a response (see out_start); -1: for ever */
	long long deadline;	/* of the response under way (io.h), 0 when none */
	int error;		/* errno of the first failure, 0 while fine */
	size_t len;
	char buf[OUT_BUF];
};

void out_init(struct out *o, int fd, int timeout_ms);
/* A response begins (a command was read): its writes share one deadline, timeout_ms
 * from now, moved on only by the bytes the client takes (IO_MIN_DATA_RATE). Without it
 * each flush has a deadline of its own. */
void out_start(struct out *o);
/* Queue n bytes (large writes go straight through after a flush). 0 or -1 (sticky). */
int out_write(struct out *o, const void *p, size_t n);
int out_puts(struct out *o, const char *s);
int out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write everything queued. 0 or -1 with errno (sticky). */
int out_flush(struct out *o);

#endif
