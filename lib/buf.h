/*
 * The one growable string type. Every append takes the hard maximum set at init and
 * fails (-1, errno E2BIG) rather than grow past it, so a peer can never make us allocate
 * without bound. Contents are always NUL-terminated once anything was appended.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char *s;	/* NULL until the first append */
	size_t len;	/* bytes used, not counting the NUL */
	size_t cap;	/* bytes allocated */
	size_t max;	/* hard limit on len */
};

/* An empty buffer that may hold at most max bytes. Allocates nothing. */
void buf_init(struct buf *b, size_t max);
/* Append n bytes. 0, or -1 with errno ENOMEM or E2BIG (over max); b unchanged on error. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
/* printf-style append; same returns as buf_append. */
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Make room for n more bytes without changing len; 0 or -1 as buf_append. */
int buf_reserve(struct buf *b, size_t n);
/* Empty it, keeping the memory. */
void buf_reset(struct buf *b);
/* Free the memory; b is then as after buf_init with the same max. */
void buf_free(struct buf *b);
/* The contents as a C string ("" when nothing was appended). */
const char *buf_str(const struct buf *b);

#endif
