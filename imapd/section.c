/* BODY[section] resolution and the CRLF-converting writer; the rules are in section.h. */
#include "section.h"

#include "crlf.h"
#include "msgmap.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/* Octets of the message handed to the CRLF stream at a time. */
#define SECTION_WRITE_STEP ((size_t)256 << 10)

const struct mime_part *section_find_part(const struct mime_msg *m, const unsigned *parts,
					  size_t nparts)
{
	const struct mime_part *p = m->root;

	for (size_t i = 0; i < nparts && p != NULL; i++) {
		int more = i + 1 < nparts;
		if (p->flags & MIME_MULTIPART) {
			const struct mime_part *c = p->children;
			for (unsigned k = parts[i]; c != NULL && k > 1; k--)
				c = c->next;
			p = parts[i] >= 1 ? c : NULL;
		} else if (parts[i] != 1 || (more && !(p->flags & MIME_MESSAGE))) {
			/* "1" names a single part itself, and only a message/rfc822
			 * part has anything below it. */
			p = NULL;
		}
		/* Numbers after a message/rfc822 part count its message's parts. */
		if (p != NULL && more && (p->flags & MIME_MESSAGE))
			p = p->children;
	}
	return p;
}

static int field_listed(const struct section_spec *s, const struct mime_field *f)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (strlen(s->fields[i]) == f->name_len &&
		    strncasecmp(s->fields[i], f->name, f->name_len) == 0)
			return 1;
	return 0;
}

/*
 * HEADER.FIELDS octets are made a piece at a time into a small buffer and passed on
 * every SECTION_FIELDS_STEP: counted when the section is resolved, made again and
 * written when it is sent. A header may be the whole message (no blank line), and
 * HEADER.FIELDS.NOT of it is about as large, so it is never held whole.
 */
struct fields_out {
	struct buf b;		/* converted octets not yet passed on */
	size_t total;		/* octets passed on */
	struct crlf *c;		/* the writer's stream, or NULL: only counting */
	struct out *o;
};

static void fields_init(struct fields_out *f, struct crlf *c, struct out *o)
{
	buf_init(&f->b, 2 * SECTION_FIELDS_STEP);
	f->total = 0;
	f->c = c;
	f->o = o;
}

static int fields_flush(struct fields_out *f)
{
	if (f->b.len > 0 && f->c != NULL && crlf_write(f->c, f->o, f->b.s, f->b.len) < 0)
		return -1;
	f->total += f->b.len;
	buf_reset(&f->b);
	return 0;
}

static int fields_puts(struct fields_out *f, const char *s)
{
	if (buf_puts(&f->b, s) < 0)
		return -1;
	return f->b.len >= SECTION_FIELDS_STEP ? fields_flush(f) : 0;
}

/* Append p[0..n) with bare LF made CR LF. */
static int append_crlf(struct fields_out *f, const char *p, size_t n)
{
	size_t told = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r') && buf_putc(&f->b, '\r') < 0)
			return -1;
		if (buf_putc(&f->b, p[i]) < 0)
			return -1;
		if (f->b.len >= SECTION_FIELDS_STEP) {
			if (fields_flush(f) < 0)
				return -1;
			msgmap_read(i + 1 - told);
			told = i + 1;
		}
	}
	msgmap_read(n - told);
	return 0;
}

/*
 * HEADER.FIELDS: the listed fields in header order, then a blank line.
 * HEADER.FIELDS.NOT: the header with the listed fields cut out, everything else as it
 * was, so its blank line is there only when the header had one (Dovecot does this).
 */
static int build_fields(const char *h, size_t len, const struct section_spec *s,
			struct fields_out *b)
{
	struct mime_field f;
	size_t pos = 0, copied = 0;
	int not = s->kind == SECTION_HEADER_FIELDS_NOT;

	while (mime_header_next(h, len, &pos, &f) == 1) {
		if (field_listed(s, &f) == not) {
			if (not && (append_crlf(b, h + copied, f.off - copied) < 0))
				return -1;
			copied = f.off + f.len;
			continue;
		}
		if (!not && (append_crlf(b, h + f.off, f.len) < 0 ||
			     (h[f.off + f.len - 1] != '\n' && fields_puts(b, "\r\n") < 0)))
			return -1;
	}
	if (not) {
		if (append_crlf(b, h + copied, len - copied) < 0)
			return -1;
	} else if (len == 0 || h[len - 1] == '\n') {
		/* A header cut off at the end of the message gets its last line ended, but
		 * no blank line it never had (Dovecot's header filter does the same). */
		if (fields_puts(b, "\r\n") < 0)
			return -1;
	}
	return fields_flush(b);
}

/* Make the fields of d again and send output octets [start, start + length). */
static int write_fields(struct out *o, const char *msg, const struct section_data *d,
			size_t start, size_t length)
{
	struct fields_out f;
	struct crlf c;
	int rc;

	crlf_init(&c, CRLF_NUL_80);
	crlf_window(&c, start, length);
	fields_init(&f, &c, o);
	rc = build_fields(msg + d->off, d->len, d->spec, &f);
	buf_free(&f.b);
	return rc;
}

int section_resolve(const char *msg, const struct mime_msg *m, const struct section_spec *s,
		    struct section_data *d)
{
	const struct mime_part *p = m->root, *hp = NULL;

	memset(d, 0, sizeof *d);
	if (s->nparts > 0 && (p = section_find_part(m, s->parts, s->nparts)) == NULL)
		return 0;
	switch (s->kind) {
	case SECTION_BODY:
		if (s->nparts == 0) {
			d->off = 0;
			d->len = p->hdr_len + p->body_len;
			d->size = p->hdr_size + p->body_size;
		} else {
			d->off = p->body_off;
			d->len = p->body_len;
			d->size = p->body_size;
		}
		return 0;
	case SECTION_MIME:
		if (s->nparts > 0) {
			d->off = p->hdr_off;
			d->len = p->hdr_len;
			d->size = p->hdr_size;
		}
		return 0;
	case SECTION_HEADER:
	case SECTION_HEADER_FIELDS:
	case SECTION_HEADER_FIELDS_NOT:
	case SECTION_TEXT:
		break;
	}
	if (s->nparts == 0)
		hp = p;
	else if (p->flags & MIME_MESSAGE)
		hp = p->children;
	if (hp == NULL)
		return 0;
	if (s->kind == SECTION_TEXT) {
		d->off = hp->body_off;
		d->len = hp->body_len;
		d->size = hp->body_size;
	} else if (s->kind == SECTION_HEADER) {
		d->off = hp->hdr_off;
		d->len = hp->hdr_len;
		d->size = hp->hdr_size;
	} else {
		struct fields_out f;
		int rc;

		d->generated = 1;
		d->spec = s;
		d->off = hp->hdr_off;
		d->len = hp->hdr_len;
		fields_init(&f, NULL, NULL);
		rc = build_fields(msg + d->off, d->len, s, &f);
		buf_free(&f.b);
		if (rc < 0)
			return -1;
		d->size = f.total;
	}
	return 0;
}

void section_data_free(struct section_data *d)
{
	(void)d;	/* nothing is held: kept so callers need not know */
}

size_t section_partial_len(size_t size, size_t start, size_t length)
{
	if (start >= size)
		return 0;
	return size - start < length ? size - start : length;
}

int section_write_crlf(struct out *o, const char *p, size_t n, size_t start, size_t length)
{
	struct crlf c;

	crlf_init(&c, CRLF_NUL_80);
	crlf_window(&c, start, length);
	return crlf_write(&c, o, p, n);
}

int section_write(struct out *o, const char *msg, const struct section_data *d,
		  size_t start, size_t length)
{
	struct crlf c;
	const char *p = msg + d->off;
	size_t n = d->len;

	if (d->generated)
		return write_fields(o, msg, d, start, length);
	crlf_init(&c, CRLF_NUL_80);
	crlf_window(&c, start, length);
	/* One stream fed in steps: the state carries over (crlf.h), the pages sent can go
	 * (msgmap.h), and a partial stops reading at its last octet. */
	while (n > 0 && !crlf_full(&c)) {
		size_t k = n < SECTION_WRITE_STEP ? n : SECTION_WRITE_STEP;

		if (crlf_write(&c, o, p, k) < 0)
			return -1;
		msgmap_read(k);
		p += k;
		n -= k;
	}
	return 0;
}
