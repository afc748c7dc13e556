/*
 * The one line reader: hard limits, a caller-owned line buffer, deadlines, and a
 * "push" half that parsers and fuzzers drive without any fd.
 *
 * A line is returned with its terminator (LF, or CR LF) so the protocol can apply its
 * own bare-CR/bare-LF policy; the caller's buffer is NUL-terminated after it. A line
 * longer than the caller's limit is consumed and discarded through its LF, and only
 * then reported (ERANGE): the stream is back in sync when the caller sends its error.
 */
#ifndef LINE_H
#define LINE_H

#include <stddef.h>
#include <sys/types.h>

#define LINE_INBUF 16384	/* read-ahead buffer; not a line limit */
#define LINE_MORE 2		/* line_take(): no complete line buffered yet */

struct line_reader {
	int fd;			/* -1 for a push-only reader */
	int timeout_ms;		/* deadline per line_read/line_read_raw call; -1: none */
	char in[LINE_INBUF];
	size_t pos, len;	/* unread input is in[pos..len) */
	size_t have;		/* bytes of the current line already in the caller's buffer */
	int discarding;		/* the current line went over the limit */
	int partial_eof;	/* input ended inside a line (that partial line was dropped) */
	size_t partial_len;	/* its length, when it was within the limit: line_read()
				 * leaves those bytes NUL-terminated in the caller's buffer
				 * (a file whose last line has no LF); 0 otherwise */
};

void line_init(struct line_reader *r, int fd, int timeout_ms);

/* Add bytes to the read-ahead buffer (push mode). Returns how many were taken, which is
 * less than n when the buffer is full: take lines out and push the rest. */
size_t line_push(struct line_reader *r, const void *p, size_t n);

/* Take one line from what is buffered, never reading. max is the size of buf and so the
 * longest line is max - 1 bytes including its terminator. Pass the same buf until a
 * line is returned: a partial line is kept there between calls.
 * Returns 1 (line in buf, *len_r bytes), LINE_MORE (need more input), or -1 with errno
 * ERANGE (a too-long line was discarded up to and including its LF). */
int line_take(struct line_reader *r, char *buf, size_t max, size_t *len_r);

/* Like line_take, reading from r->fd as needed with the deadline. Returns 1 (a line),
 * 0 (end of input; see partial_eof), or -1 with errno: ERANGE as above, ETIMEDOUT when
 * the deadline passed, or the read error. The deadline covers the whole call, however
 * many reads it takes; after ETIMEDOUT the partial line is kept and a retry goes on.
 * A push-only reader (fd -1) is at end of input once its buffered lines are taken. */
int line_read(struct line_reader *r, char *buf, size_t max, size_t *len_r);

/* Read up to n raw bytes (literals, BDAT chunks): buffered bytes first, then from fd
 * with the deadline. Returns the count (> 0), 0 at end of input, -1 with errno.
 * Only between lines: bytes of a partial line already in the caller's buffer stay there. */
ssize_t line_read_raw(struct line_reader *r, void *p, size_t n);

/* Like line_read, but reading fd one byte at a time, so that nothing past the line's
 * LF leaves the fd: before login the session process the checker execs inherits fd 0
 * and must find a pipelining client's next commands still unread. The deadline
 * (r->timeout_ms) covers the whole call. Keep r->fd at -1 so that line_read and
 * line_read_raw never read ahead from fd either. Returns as line_read. */
int line_read_bytewise(struct line_reader *r, int fd, char *buf, size_t max, size_t *len_r);

/* Bytes read ahead and not yet consumed (a pipelining client has sent more). */
size_t line_buffered(const struct line_reader *r);
/* 1 when a whole line (through its LF) is buffered: the next line_read will not block.
 * A server batching its replies to a pipelining client flushes when it is 0. */
int line_buffered_line(const struct line_reader *r);

/* Remove the terminator from a line returned above. Returns 2 when it was CR LF, 1 when
 * a bare LF, 0 when there was none; *len is updated and buf stays NUL-terminated. */
int line_chomp(char *buf, size_t *len);

#endif
