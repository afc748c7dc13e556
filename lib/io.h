/*
 * File-descriptor helpers: whole writes, whole-file reads with a bound, waits with a
 * deadline, and directory fsync. All return 0 (or a count) or -1 with errno.
 */
#ifndef IO_H
#define IO_H

#include <stddef.h>
#include <sys/types.h>

struct buf;

/* The slowest reader a write waits for, in bytes per second (Postfix's
 * smtpd_min_data_rate default): each byte the reader takes moves the deadline on by
 * 1/IO_MIN_DATA_RATE s, so a slow but real link gets its data and a client that takes
 * a byte a second cannot hold a session for hours. */
#define IO_MIN_DATA_RATE 500

/* Write all n bytes, retrying on EINTR/EAGAIN, within timeout_ms (-1 waits for ever)
 * moved on by what the reader takes at IO_MIN_DATA_RATE. 0, or -1 with errno
 * (ETIMEDOUT on deadline, EPIPE when the reader is gone: callers ignore SIGPIPE, as the
 * library never touches signal dispositions). On a blocking fd with a deadline, writes
 * go in PIPE_BUF pieces after POLLOUT so that no single write(2) can block past it. */
int io_write_all(int fd, const void *p, size_t n, int timeout_ms);
/* The same with an absolute deadline (io_deadline(); -1: none) that the call moves on
 * by 1000 / min_rate ms per byte written (min_rate 0: never), but never to more than
 * max_ahead_ms from now: for a deadline that spans several writes (a whole response).
 * A reader slower than min_rate runs out of time after about
 * max_ahead_ms / (1 - its rate / min_rate). */
int io_write_until(int fd, const void *p, size_t n, long long *deadline, unsigned min_rate,
		   int max_ahead_ms);
/* Read up to n bytes, waiting at most timeout_ms (-1: for ever) for the first one.
 * Returns the count, 0 at end of file, -1 with errno (ETIMEDOUT on deadline). */
ssize_t io_read_timeout(int fd, void *p, size_t n, int timeout_ms);
/* Wait until fd is ready for events (POLLIN/POLLOUT). 1 ready, -1 with errno
 * (ETIMEDOUT when timeout_ms passed; -1 waits for ever). */
int io_wait(int fd, short events, int timeout_ms);
/* Open path read-only, only when it is a regular file: another user or process can
 * leave a FIFO (whose open() and read() would block for ever) or a device where a
 * file belongs. O_NONBLOCK keeps the open() itself from waiting and is cleared again;
 * EINVAL for anything but a regular file. An fd (close-on-exec), or -1 with errno. */
int io_open_regular(const char *path);
/* Append the whole file at path to b (bounded by b->max: E2BIG past it); a path that
 * is not a regular file is EINVAL (io_open_regular).
 * 0, or -1 with errno (ENOENT when the file does not exist); on error b keeps exactly
 * what it held before. */
int io_read_file(const char *path, struct buf *b);
/* Read everything from fd into b, same bound and returns as io_read_file. */
int io_read_fd(int fd, struct buf *b);
/* Deadline helpers on CLOCK_MONOTONIC, in milliseconds. io_deadline(timeout_ms) is the
 * absolute deadline (-1 when timeout_ms < 0: none); io_ms_left() the poll(2) timeout
 * left until it (0 once passed, -1 for none). */
long long io_now_ms(void);
long long io_deadline(int timeout_ms);
int io_ms_left(long long deadline);
/* fsync() a directory, so that a link/rename/unlink in it is durable. */
int io_fsync_dir(const char *path);

#endif
