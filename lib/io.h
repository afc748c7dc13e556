/*
 * File-descriptor helpers: whole writes, whole-file reads with a bound, waits with a
 * deadline, and directory fsync. All return 0 (or a count) or -1 with errno.
 */
#ifndef IO_H
#define IO_H

#include <stddef.h>
#include <sys/types.h>

struct buf;

/* Write all n bytes, retrying on EINTR/EAGAIN (waiting up to timeout_ms for each
 * chunk to be accepted; -1 waits for ever). 0, or -1 with errno (ETIMEDOUT on deadline). */
int io_write_all(int fd, const void *p, size_t n, int timeout_ms);
/* Read up to n bytes, waiting at most timeout_ms (-1: for ever) for the first one.
 * Returns the count, 0 at end of file, -1 with errno (ETIMEDOUT on deadline). */
ssize_t io_read_timeout(int fd, void *p, size_t n, int timeout_ms);
/* Wait until fd is ready for events (POLLIN/POLLOUT). 1 ready, -1 with errno
 * (ETIMEDOUT when timeout_ms passed; -1 waits for ever). */
int io_wait(int fd, short events, int timeout_ms);
/* Append the whole file at path to b (bounded by b->max: E2BIG past it).
 * 0, or -1 with errno (ENOENT when the file does not exist). */
int io_read_file(const char *path, struct buf *b);
/* Read everything from fd into b, same bound and returns as io_read_file. */
int io_read_fd(int fd, struct buf *b);
/* fsync() a directory, so that a link/rename/unlink in it is durable. */
int io_fsync_dir(const char *path);

#endif
