/*
 * The LF -> CRLF stream (crlf.h). The loops visit line ends only: memchr finds the next
 * LF, and the byte before it says whether a CR is already there (the previous chunk's
 * last byte when the LF starts the chunk). The whole-stream case (write_plain) copies
 * each line and its CR LF into the writer's buffer; the windowed one keeps a pending
 * span [span, q) of input and writes it only when something must be inserted: a CR
 * before a bare LF, a '.' before a line's leading '.'.
 *
 * Trap: the window counts output octets, inserted ones included, so every piece goes
 * through emit(), which clips it; the input that follows a full window is not scanned.
 */
#include "crlf.h"

#include <string.h>

void crlf_init(struct crlf *c, unsigned flags)
{
	c->flags = flags;
	c->at_bol = 1;
	c->prev_cr = 0;
	c->skip = 0;
	c->want = UINT64_MAX;
}

void crlf_window(struct crlf *c, uint64_t skip, uint64_t want)
{
	c->skip = skip;
	c->want = want;
}

int crlf_full(const struct crlf *c)
{
	return c->want == 0;
}

/* Queue with a straight copy while the writer's buffer has room (the common case, one
 * line of a message), else through out_write (which writes big spans directly). */
static int put(struct out *o, const char *p, size_t n)
{
	if (n <= OUT_BUF - o->len && o->error == 0) {
		memcpy(o->buf + o->len, p, n);
		o->len += n;
		return 0;
	}
	return out_write(o, p, n);
}

/* NUL as 0x80, the rest as it is. */
static int put_nul80(struct out *o, const char *p, size_t n)
{
	const char *z;

	while ((z = memchr(p, '\0', n)) != NULL) {
		size_t before = (size_t)(z - p);
		if (put(o, p, before) < 0 || put(o, "\x80", 1) < 0)
			return -1;
		p += before + 1;
		n -= before + 1;
	}
	return put(o, p, n);
}

/* n output octets, clipped to the window. */
static int emit(struct crlf *c, struct out *o, const char *p, size_t n)
{
	if (c->skip > 0) {
		if (c->skip >= n) {
			c->skip -= n;
			return 0;
		}
		p += c->skip;
		n -= (size_t)c->skip;
		c->skip = 0;
	}
	if (n > c->want)
		n = (size_t)c->want;
	if (n == 0)
		return 0;
	c->want -= n;
	if (c->flags & CRLF_NUL_80)
		return put_nul80(o, p, n);
	return put(o, p, n);
}

/* The whole stream, no window, no NUL rule (POP3 RETR, the hot case): lines are copied
 * straight into the writer's buffer with their CR LF, and the buffer goes out when
 * full. Same result as the general loop below. */
static int write_plain(struct crlf *c, struct out *o, const char *p, size_t n)
{
	const char *end = p + n, *q = p, *nl;
	const int stuff = (c->flags & CRLF_DOTSTUFF) != 0;
	int at_bol = c->at_bol, prev_cr = c->prev_cr;

	while (q < end) {
		size_t len, room;

		nl = memchr(q, '\n', (size_t)(end - q));
		len = nl == NULL ? (size_t)(end - q) : (size_t)(nl - q);
		/* Room for the line, a stuffed dot and the CR LF: a longer line goes in
		 * pieces through out_write. */
		room = OUT_BUF - o->len;
		if (len + 3 > room) {
			if (out_flush(o) < 0)
				return -1;
			if (len + 3 > OUT_BUF) {
				if (at_bol && stuff && *q == '.' && out_write(o, ".", 1) < 0)
					return -1;
				if (out_write(o, q, len) < 0)
					return -1;
				if (len > 0)
					prev_cr = q[len - 1] == '\r';
				at_bol = 0;
				q += len;
				if (nl == NULL)
					break;
				if (out_write(o, prev_cr ? "\n" : "\r\n", prev_cr ? 1 : 2) < 0)
					return -1;
				q++;
				at_bol = 1;
				prev_cr = 0;
				continue;
			}
		}
		char *d = o->buf + o->len;
		if (at_bol && stuff && len > 0 && *q == '.')
			*d++ = '.';
		memcpy(d, q, len);
		d += len;
		if (len > 0) {
			prev_cr = q[len - 1] == '\r';
			at_bol = 0;
		}
		q += len;
		if (nl != NULL) {
			if (!prev_cr)
				*d++ = '\r';
			*d++ = '\n';
			q++;
			at_bol = 1;
			prev_cr = 0;
		}
		o->len = (size_t)(d - o->buf);
	}
	c->at_bol = at_bol;
	c->prev_cr = prev_cr;
	return 0;
}

int crlf_write(struct crlf *c, struct out *o, const void *buf, size_t n)
{
	const char *p = buf, *end = p + n, *span = p, *q = p, *nl;

	if (o->error != 0)
		return out_write(o, "", 0);
	if (c->skip == 0 && c->want == UINT64_MAX && !(c->flags & CRLF_NUL_80))
		return write_plain(c, o, p, n);
	while (q < end && c->want > 0) {
		if (c->at_bol) {
			c->at_bol = 0;
			if ((c->flags & CRLF_DOTSTUFF) && *q == '.') {
				if (emit(c, o, span, (size_t)(q - span)) < 0 ||
				    emit(c, o, ".", 1) < 0)
					return -1;
				span = q;
			}
		}
		nl = memchr(q, '\n', (size_t)(end - q));
		if (nl == NULL) {
			q = end;
			break;
		}
		if (!(nl > p ? nl[-1] == '\r' : c->prev_cr)) {
			if (emit(c, o, span, (size_t)(nl - span)) < 0 || emit(c, o, "\r", 1) < 0)
				return -1;
			span = nl;
		}
		q = nl + 1;
		c->at_bol = 1;
	}
	if (emit(c, o, span, (size_t)(q - span)) < 0)
		return -1;
	if (q > p)
		c->prev_cr = q[-1] == '\r';
	return 0;
}

int crlf_end(struct crlf *c, struct out *o)
{
	if (c->at_bol)
		return o->error != 0 ? out_write(o, "", 0) : 0;
	c->at_bol = 1;
	c->prev_cr = 0;
	return emit(c, o, "\r\n", 2);
}
