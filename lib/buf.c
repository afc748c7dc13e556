/*
 * The growable string behind every unbounded-looking input (uidlist files, IMAP
 * literals, SMTP bodies). The hard maximum is checked before any allocation, so a peer
 * can make us reach the limit but never past it, and a failed append leaves the buffer
 * exactly as it was: callers can report the error and carry on with what they had.
 */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* First allocation; small enough for the many short buffers of a session. */
#define BUF_MIN_CAP 64

void buf_init(struct buf *b, size_t max)
{
	b->s = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

int buf_reserve(struct buf *b, size_t n)
{
	size_t need, cap;
	char *s;

	/* len <= max always holds, so this cannot wrap. */
	if (n > b->max - b->len) {
		errno = E2BIG;
		return -1;
	}
	if (n == (size_t)-1 - b->len) {	/* no room left for the NUL */
		errno = ENOMEM;
		return -1;
	}
	need = b->len + n + 1;	/* + the NUL */
	if (b->s != NULL && need <= b->cap)
		return 0;
	cap = b->cap < BUF_MIN_CAP ? BUF_MIN_CAP : b->cap;
	while (cap < need) {
		if (cap > ((size_t)-1) / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	/* Never allocate more than max bytes could ever use. */
	if (b->max < (size_t)-1 && cap > b->max + 1)
		cap = b->max + 1;
	if (cap < need)
		cap = need;
	s = realloc(b->s, cap);
	if (s == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (b->s == NULL)
		s[0] = '\0';
	b->s = s;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	size_t room;

	/* First try into whatever room there is, then once more with exactly enough. */
	room = b->s != NULL ? b->cap - b->len : 0;
	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? b->s + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		if (b->s != NULL)
			b->s[b->len] = '\0';
		errno = EINVAL;
		return -1;
	}
	if ((size_t)n < room) {
		if ((size_t)n > b->max - b->len) {
			/* It fitted the allocation but not the limit: undo. */
			b->s[b->len] = '\0';
			errno = E2BIG;
			return -1;
		}
		b->len += (size_t)n;
		return 0;
	}
	if (room > 0)
		b->s[b->len] = '\0';	/* vsnprintf wrote a truncated copy there */
	if (buf_reserve(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->s[b->len] = '\0';
		errno = EINVAL;
		return -1;
	}
	b->len += (size_t)n;
	return 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->s != NULL)
		b->s[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->s);
	buf_init(b, b->max);
}

const char *buf_str(const struct buf *b)
{
	return b->s != NULL ? b->s : "";
}
