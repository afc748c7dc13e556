/*
 * The part tree (RFC 2046 5.1.1 multipart, 5.2.1 message/rfc822), built in one pass
 * down the bytes with the stack of open boundaries, innermost first, as Dovecot's
 * message_parser does: a line "--" + boundary (anything may follow, so "--b  " and
 * "--b--" both count) ends the current part of the innermost multipart that matches,
 * and ends every part inside it (a missing close delimiter). Checking the innermost
 * boundary first is what makes an inner "--abc" win over an outer "ab".
 *
 * Trap: who owns a line break decides every size a client sees. The CRLF before a
 * boundary line belongs to the boundary (RFC 2046 5.1.1), but only when it is body
 * text of the part that ends there: the line break that ends a close delimiter, or a
 * header line cut off by a boundary, is not given away twice. Dovecot counts it the
 * same way, and tests/interop/mime-dovecot.sh holds us to it.
 */
#include "mime_private.h"

#include "msgmap.h"

#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Arena chunk size; larger requests get a chunk of their own. */
#define MIME_CHUNK_SIZE 8192
/* A body's sizes are counted this much at a time, telling msgmap_read after each. */
#define MIME_COUNT_STEP ((size_t)256 << 10)

struct mime_chunk {
	struct mime_chunk *next;
	size_t used, cap;
	alignas(max_align_t) char data[];
};

struct parser {
	const char *m;
	size_t len;
	struct mime_msg *msg;
	const char *bnd[MIME_DEPTH_MAX + 1];
	size_t bnd_len[MIME_DEPTH_MAX + 1];
	int nbnd;
	int full;	/* MIME_PARTS_MAX reached: no boundary matches any more */
};

void *mime_alloc(struct mime_msg *m, size_t n)
{
	struct mime_chunk *c = m->mem;

	n = (n + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	if (c == NULL || c->cap - c->used < n) {
		size_t cap = n > MIME_CHUNK_SIZE ? n : MIME_CHUNK_SIZE;
		if ((c = malloc(sizeof *c + cap)) == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		if (m->mem != NULL && n > MIME_CHUNK_SIZE / 2) {
			/* Keep filling the current chunk; put the big one behind it. */
			c->next = m->mem->next;
			m->mem->next = c;
		} else {
			c->next = m->mem;
			m->mem = c;
		}
	}
	void *p = c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *mime_strndup(struct mime_msg *m, const char *s, size_t n)
{
	char *d = mime_alloc(m, n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

void mime_free(struct mime_msg *m)
{
	if (m == NULL)
		return;
	for (struct mime_chunk *c = m->mem, *n; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	free(m);
}

static size_t next_line(const struct parser *ps, size_t p)
{
	const char *nl = memchr(ps->m + p, '\n', ps->len - p);
	size_t q = nl == NULL ? ps->len : (size_t)(nl - ps->m) + 1;

	msgmap_read(q - p);
	return q;
}

/* The CRLF size (mime_crlf_size) and the LF count of msg[off, off + len), in steps so
 * that the pages behind can go (msgmap.h): a header or a body may be the whole file. */
static void count(const struct parser *ps, size_t off, size_t len, size_t *size_r,
		  size_t *lines_r)
{
	const char *base = ps->m + off, *s = base, *end = base + len;
	size_t size = len, lines = 0;

	while (s < end) {
		const char *e = (size_t)(end - s) > MIME_COUNT_STEP ? s + MIME_COUNT_STEP : end;
		const char *q = s, *nl;

		while ((nl = memchr(q, '\n', (size_t)(e - q))) != NULL) {
			lines++;
			if (nl == base || nl[-1] != '\r')
				size++;
			q = nl + 1;
		}
		msgmap_read((size_t)(e - s));
		s = e;
	}
	*size_r = size;
	if (lines_r != NULL)
		*lines_r = lines;
}

/* The stack level whose boundary starts the line at p, innermost first, or -1. */
static int boundary_at(const struct parser *ps, size_t p)
{
	if (ps->full || ps->len - p < 2 || ps->m[p] != '-' || ps->m[p + 1] != '-')
		return -1;
	for (int i = ps->nbnd - 1; i >= 0; i--)
		if (ps->len - p - 2 >= ps->bnd_len[i] &&
		    memcmp(ps->m + p + 2, ps->bnd[i], ps->bnd_len[i]) == 0)
			return i;
	return -1;
}

static int is_close(const struct parser *ps, size_t p, int level)
{
	size_t q = p + 2 + ps->bnd_len[level];

	return ps->len - q >= 2 && ps->m[q] == '-' && ps->m[q + 1] == '-';
}

/* The first line at or after p that is a boundary line: its offset, level in *lv. */
static size_t scan_to_boundary(const struct parser *ps, size_t p, int *lv)
{
	*lv = -1;
	if (ps->nbnd == 0 || ps->full)
		return ps->len;
	while (p < ps->len && (*lv = boundary_at(ps, p)) < 0)
		p = next_line(ps, p);
	return p < ps->len ? p : ps->len;
}

/* The end of text [start, stop) once the line break before stop is given to the
 * boundary line at stop (when it is this text's own). */
static size_t strip_break(const struct parser *ps, size_t start, size_t stop)
{
	if (stop > start && stop < ps->len && ps->m[stop - 1] == '\n') {
		stop--;
		if (stop > start && ps->m[stop - 1] == '\r')
			stop--;
	}
	return stop;
}

static struct mime_part *new_part(struct parser *ps, struct mime_part *parent)
{
	struct mime_part *p = mime_alloc(ps->msg, sizeof *p);

	if (p == NULL)
		return NULL;
	p->parent = parent;
	if (parent != NULL) {
		struct mime_part **t = &parent->children;
		while (*t != NULL)
			t = &(*t)->next;
		*t = p;
	}
	if (++ps->msg->nparts >= MIME_PARTS_MAX)
		ps->full = 1;
	return p;
}

/*
 * Parse the part starting at pos: header, then body. Sets *stop_r to the boundary line
 * that ended it (or len) with its level in *lv_r, and returns the end of its content,
 * or (size_t)-1 on ENOMEM.
 */
static size_t parse_part(struct parser *ps, struct mime_part *p, size_t pos, int depth,
			 size_t *stop_r, int *lv_r);

static size_t parse_multipart(struct parser *ps, struct mime_part *p, int depth,
			      size_t *stop_r, int *lv_r)
{
	const char *b = mime_param_get(p->params, p->nparams, "boundary");
	size_t blen = b != NULL ? strlen(b) : 0, stop, end = p->body_off;
	int lv, own = ps->nbnd;

	ps->bnd[own] = b;
	ps->bnd_len[own] = blen;
	ps->nbnd++;
	stop = scan_to_boundary(ps, p->body_off, &lv);	/* the preamble */
	while (lv == own && !is_close(ps, stop, own)) {
		struct mime_part *c = new_part(ps, p);
		if (c == NULL)
			return (size_t)-1;
		end = parse_part(ps, c, next_line(ps, stop), depth + 1, &stop, &lv);
		if (end == (size_t)-1)
			return end;
	}
	if (lv == own) {
		/* The close delimiter; the epilogue runs to an outer boundary. */
		size_t epi = next_line(ps, stop);
		ps->nbnd--;
		stop = scan_to_boundary(ps, epi, &lv);
		end = strip_break(ps, epi, stop);
	} else {
		ps->nbnd--;
		if (p->children == NULL)
			end = strip_break(ps, p->body_off, stop);
	}
	if (p->children == NULL) {
		/* Dovecot shows a multipart without parts as holding one empty text/plain. */
		struct mime_part *c = new_part(ps, p);
		if (c == NULL)
			return (size_t)-1;
		c->hdr_off = c->body_off = end;
		c->flags |= MIME_TEXT;
	}
	*stop_r = stop;
	*lv_r = lv;
	return end;
}

static size_t parse_part(struct parser *ps, struct mime_part *p, size_t pos, int depth,
			 size_t *stop_r, int *lv_r)
{
	size_t end;
	int lv = -1;

	p->hdr_off = pos;
	while (pos < ps->len) {
		if (ps->m[pos] == '\n' || (ps->m[pos] == '\r' && pos + 1 < ps->len &&
					   ps->m[pos + 1] == '\n')) {
			pos = next_line(ps, pos);
			break;
		}
		if ((lv = boundary_at(ps, pos)) >= 0) {
			/* A boundary cuts the header short: its last line break stays in
			 * the part (the parent's size counts it), not in the header. */
			p->flags |= MIME_HDR_OPEN;
			p->hdr_len = strip_break(ps, p->hdr_off, pos) - p->hdr_off;
			p->body_off = pos;
			break;
		}
		pos = next_line(ps, pos);
	}
	if (!(p->flags & MIME_HDR_OPEN)) {
		p->hdr_len = pos - p->hdr_off;
		p->body_off = pos;
	}
	if (mime_fields_parse(ps->msg, p, ps->m + p->hdr_off, p->hdr_len) < 0)
		return (size_t)-1;
	const char *type = mime_part_type(p), *sub = mime_part_subtype(p);
	int nested = depth < MIME_DEPTH_MAX && !ps->full;
	if (strcasecmp(type, "text") == 0)
		p->flags |= MIME_TEXT;
	if (p->flags & MIME_HDR_OPEN) {
		*stop_r = p->body_off;
		end = p->body_off;
	} else if (nested && strcasecmp(type, "multipart") == 0 &&
		   mime_param_get(p->params, p->nparams, "boundary") != NULL) {
		p->flags |= MIME_MULTIPART;
		end = parse_multipart(ps, p, depth, stop_r, &lv);
	} else if (nested && strcasecmp(type, "message") == 0 &&
		   strcasecmp(sub, "rfc822") == 0) {
		struct mime_part *c = new_part(ps, p);
		if (c == NULL)
			return (size_t)-1;
		p->flags |= MIME_MESSAGE;
		end = parse_part(ps, c, p->body_off, depth + 1, stop_r, &lv);
	} else {
		*stop_r = scan_to_boundary(ps, p->body_off, &lv);
		end = strip_break(ps, p->body_off, *stop_r);
	}
	if (end == (size_t)-1)
		return end;
	p->body_len = end - p->body_off;
	count(ps, p->hdr_off, p->hdr_len, &p->hdr_size, NULL);
	count(ps, p->body_off, p->body_len, &p->body_size, &p->body_lines);
	*lv_r = lv;
	return end;
}

int mime_parse(const char *msg, size_t len, struct mime_msg **msg_r)
{
	struct parser ps = { .m = msg, .len = len };
	struct mime_msg *m = calloc(1, sizeof *m);
	size_t stop;
	int lv;

	if (m == NULL)
		return -1;
	ps.msg = m;
	if ((m->root = new_part(&ps, NULL)) == NULL ||
	    parse_part(&ps, m->root, 0, 0, &stop, &lv) == (size_t)-1) {
		mime_free(m);
		errno = ENOMEM;
		return -1;
	}
	*msg_r = m;
	return 0;
}

static int in_digest(const struct mime_part *p)
{
	const struct mime_part *q = p->parent;

	return q != NULL && (q->flags & MIME_MULTIPART) && q->subtype != NULL &&
	       strcasecmp(q->subtype, "digest") == 0;
}

const char *mime_part_type(const struct mime_part *p)
{
	return p->type != NULL ? p->type : in_digest(p) ? "message" : "text";
}

const char *mime_part_subtype(const struct mime_part *p)
{
	return p->type != NULL ? p->subtype : in_digest(p) ? "rfc822" : "plain";
}

const char *mime_param_get(const struct mime_param *ps, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(ps[i].name, name) == 0)
			return ps[i].value;
	return NULL;
}
