/*
 * FETCH items that need the message's bytes. The file is mapped read-only (msgmap.h):
 * the page cache serves it, the parser (mime.c) and the section writer work on one
 * pointer, and they report what they went over (msgmap_read) so that its pages are
 * let go behind them: the resident set does not grow with the message. A file that
 * another process expunges stays readable through the mapping; one that is truncated
 * under us (never done by a Maildir writer) would fault, which is why only regular
 * files are mapped and their size is taken from fstat.
 */
#include "fetch_body.h"

#include "bodystructure.h"
#include "buf.h"
#include "envelope.h"
#include "mime.h"
#include "msgmap.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ENVELOPE, BODYSTRUCTURE of one message are built here before being written. */
#define FETCH_STRUCT_MAX ((size_t)16 << 20)

static int digits(const char **p, size_t *r)
{
	size_t v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(*s - '0');
	}
	*p = s;
	*r = v;
	return 0;
}

/* "(A B "C")" into it->fields, names stored at *store (inside it->text). */
static int field_list(const char *p, const char *end, struct fetch_body_item *it, char **store,
		      const char *store_end)
{
	if (p >= end || *p != '(' || end[-1] != ')')
		return -1;
	p++;
	end--;
	while (p < end) {
		const char *b, *e;
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		if (*p == '"') {
			b = ++p;
			while (p < end && *p != '"')
				p++;
			if (p >= end)
				return -1;
			e = p++;
		} else {
			b = p;
			while (p < end && *p != ' ')
				p++;
			e = p;
		}
		if (e == b || it->spec.nfields >= IMAP_FETCH_FIELDS_MAX ||
		    (size_t)(store_end - *store) < (size_t)(e - b) + 1)
			return -1;
		memcpy(*store, b, (size_t)(e - b));
		(*store)[e - b] = '\0';
		it->fields[it->spec.nfields++] = *store;
		*store += (e - b) + 1;
	}
	return it->spec.nfields > 0 ? 0 : -1;
}

/* The section text between '[' and ']'. */
static int section_parse(const char *p, const char *end, struct fetch_body_item *it,
			 char **store, const char *store_end)
{
	struct section_spec *sp = &it->spec;

	sp->parts = it->parts;
	sp->fields = it->fields;
	sp->kind = SECTION_BODY;
	while (p < end && isdigit((unsigned char)*p)) {
		size_t v;
		if (digits(&p, &v) < 0 || v == 0 || v > UINT32_MAX ||
		    sp->nparts >= SECTION_PARTS_MAX)
			return -1;
		it->parts[sp->nparts++] = (unsigned)v;
		if (p < end && *p == '.')
			p++;
		else if (p != end)
			return -1;
		else
			return 0;
	}
	if (p == end)
		return sp->nparts == 0 ? 0 : -1;	/* "1." */
	if ((size_t)(end - p) == 6 && strncasecmp(p, "HEADER", 6) == 0) {
		sp->kind = SECTION_HEADER;
	} else if ((size_t)(end - p) == 4 && strncasecmp(p, "TEXT", 4) == 0) {
		sp->kind = SECTION_TEXT;
	} else if ((size_t)(end - p) == 4 && strncasecmp(p, "MIME", 4) == 0) {
		if (sp->nparts == 0)
			return -1;	/* RFC 3501 6.4.5: MIME needs a part number */
		sp->kind = SECTION_MIME;
	} else if ((size_t)(end - p) > 18 && strncasecmp(p, "HEADER.FIELDS.NOT ", 18) == 0) {
		sp->kind = SECTION_HEADER_FIELDS_NOT;
		return field_list(p + 18, end, it, store, store_end);
	} else if ((size_t)(end - p) > 14 && strncasecmp(p, "HEADER.FIELDS ", 14) == 0) {
		sp->kind = SECTION_HEADER_FIELDS;
		return field_list(p + 14, end, it, store, store_end);
	} else {
		return -1;
	}
	return 0;
}

int fetch_body_parse(const char *atom, struct fetch_body_item *it)
{
	static const struct {
		const char *name;
		enum section_kind kind;
		int peek;
	} rfc822[] = {
		{ "RFC822", SECTION_BODY, 0 },
		{ "RFC822.HEADER", SECTION_HEADER, 1 },
		{ "RFC822.TEXT", SECTION_TEXT, 0 },
	};
	const char *p = atom, *open, *close, *end;
	char *store;
	size_t sl;

	memset(it, 0, sizeof *it);
	it->spec.parts = it->parts;
	it->spec.fields = it->fields;
	if (strcasecmp(atom, "ENVELOPE") == 0) {
		it->kind = FB_ENVELOPE;
		return 0;
	}
	if (strcasecmp(atom, "BODY") == 0) {
		it->kind = FB_BODY;
		return 0;
	}
	if (strcasecmp(atom, "BODYSTRUCTURE") == 0) {
		it->kind = FB_BODYSTRUCTURE;
		return 0;
	}
	it->kind = FB_SECTION;
	for (size_t k = 0; k < sizeof rfc822 / sizeof rfc822[0]; k++) {
		if (strcasecmp(atom, rfc822[k].name) == 0) {
			it->name = rfc822[k].name;
			it->spec.kind = rfc822[k].kind;
			it->peek = rfc822[k].peek;
			return 0;
		}
	}
	if (strncasecmp(p, "BODY.PEEK[", 10) == 0) {
		it->peek = 1;
		p += 10;
	} else if (strncasecmp(p, "BODY[", 5) == 0) {
		p += 5;
	} else {
		return -1;
	}
	open = p;
	end = p + strlen(p);
	/* The section ends at the last ']': a quoted field name may hold one. */
	close = end;
	while (close > open && close[-1] != ']')
		close--;
	if (close == open)
		return -1;
	close--;
	sl = (size_t)(close - open);
	if (sl + 1 > sizeof it->text / 2)
		return -1;
	/* The echo (upper case, as the response names it), then field name storage. */
	for (size_t k = 0; k < sl; k++)
		it->text[k] = (char)toupper((unsigned char)open[k]);
	it->text[sl] = '\0';
	store = it->text + sl + 1;
	if (section_parse(open, close, it, &store, it->text + sizeof it->text) < 0)
		return -1;
	p = close + 1;
	if (*p == '<') {
		p++;
		if (digits(&p, &it->start) < 0 || *p++ != '.' || digits(&p, &it->length) < 0 ||
		    it->length == 0 || *p++ != '>')
			return -1;
		it->partial = 1;
	}
	return *p == '\0' ? 0 : -1;
}

int fetch_body_sets_seen(const struct fetch_body_item *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == FB_SECTION && !v[i].peek)
			return 1;
	return 0;
}

static int put_buf(struct imap *s, struct buf *b)
{
	return out_write(&s->out, b->s != NULL ? b->s : "", b->len);
}

static int write_item(struct imap *s, const char *msg, const struct mime_msg *m,
		      const struct fetch_body_item *it)
{
	struct buf b;
	int rc = 0;

	if (it->kind != FB_SECTION) {
		buf_init(&b, FETCH_STRUCT_MAX);
		if (it->kind == FB_ENVELOPE) {
			out_puts(&s->out, "ENVELOPE ");
			rc = envelope_append(&b, msg + m->root->hdr_off, m->root->hdr_len);
		} else {
			out_puts(&s->out, it->kind == FB_BODY ? "BODY " : "BODYSTRUCTURE ");
			rc = bodystructure_append(&b, msg, m->root, it->kind == FB_BODYSTRUCTURE);
		}
		if (rc == 0)
			rc = put_buf(s, &b);
		buf_free(&b);
		return rc;
	}
	{
		struct section_data d;
		size_t n;

		if (section_resolve(msg, m, &it->spec, &d) < 0)
			return -1;
		n = it->partial ? section_partial_len(d.size, it->start, it->length) : d.size;
		if (it->name != NULL)
			out_puts(&s->out, it->name);
		else
			out_printf(&s->out, "BODY[%s]", it->text);
		if (it->partial)
			out_printf(&s->out, "<%zu>", it->start);
		out_printf(&s->out, " {%zu}\r\n", n);
		rc = section_write(&s->out, msg, &d, it->partial ? it->start : 0, n);
		section_data_free(&d);
		return rc;
	}
}

int fetch_body_write(struct imap *s, size_t j, const struct fetch_body_item *v, size_t n,
		     const char *sep)
{
	struct mime_msg *m = NULL;
	struct msgmap map;
	int fd, rc = 0, e;

	/* Everything that can fail on the file happens before the first byte of
	 * output: a message that cannot be read then costs its items, not the session. */
	fd = maildir_box_open_msg(s->box, j);
	if (fd < 0)
		return 1;
	rc = msgmap_open(&map, fd);
	e = errno;
	close(fd);
	errno = e;
	if (rc < 0)
		return 1;
	if (mime_parse(map.data, map.len, &m) < 0) {
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		out_puts(&s->out, sep);
		sep = " ";
		rc = write_item(s, map.data, m, &v[i]);
	}
out:
	e = errno;
	mime_free(m);
	msgmap_close(&map);
	errno = e;
	return rc;
}
