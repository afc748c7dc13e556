/* BODY / BODYSTRUCTURE writer; see bodystructure.h for whose format it follows. */
#include "bodystructure.h"

#include <string.h>
#include <strings.h>

#include "envelope.h"
#include "imap_string.h"

static int put_str(struct buf *b, const char *s)
{
	return imap_nstring_append(b, s);
}

/* ("name" "value" ...) or NIL; with add_charset, "charset" "us-ascii" at the end. */
static int put_params(struct buf *b, const struct mime_param *ps, size_t n, int add_charset)
{
	if (n == 0 && !add_charset)
		return buf_puts(b, "NIL");
	if (buf_putc(b, '(') < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((i > 0 && buf_putc(b, ' ') < 0) || put_str(b, ps[i].name) < 0 ||
		    buf_putc(b, ' ') < 0 || put_str(b, ps[i].value) < 0)
			return -1;
	if (add_charset && buf_puts(b, n > 0 ? " \"charset\" \"us-ascii\"" :
				    "\"charset\" \"us-ascii\"") < 0)
		return -1;
	return buf_putc(b, ')');
}

/* body-ext-1part / body-ext-mpart after the MD5 or the parameters: disposition,
 * language, location. */
static int put_ext_tail(struct buf *b, const struct mime_part *p)
{
	if (buf_putc(b, ' ') < 0)
		return -1;
	if (p->disposition == NULL) {
		if (buf_puts(b, "NIL") < 0)
			return -1;
	} else if (buf_putc(b, '(') < 0 || put_str(b, p->disposition) < 0 ||
		   buf_putc(b, ' ') < 0 ||
		   put_params(b, p->disp_params, p->ndisp_params, 0) < 0 ||
		   buf_putc(b, ')') < 0) {
		return -1;
	}
	if (buf_putc(b, ' ') < 0)
		return -1;
	if (p->nlanguages == 0) {
		if (buf_puts(b, "NIL") < 0)
			return -1;
	} else {
		if (buf_putc(b, '(') < 0)
			return -1;
		for (size_t i = 0; i < p->nlanguages; i++)
			if ((i > 0 && buf_putc(b, ' ') < 0) || put_str(b, p->languages[i]) < 0)
				return -1;
		if (buf_putc(b, ')') < 0)
			return -1;
	}
	return buf_putc(b, ' ') < 0 ? -1 : put_str(b, p->location);
}

static int put_multipart(struct buf *b, const char *msg, const struct mime_part *p,
			 int ext)
{
	if (buf_putc(b, '(') < 0)
		return -1;
	for (const struct mime_part *c = p->children; c != NULL; c = c->next)
		if (bodystructure_append(b, msg, c, ext) < 0)
			return -1;
	if (buf_putc(b, ' ') < 0 || put_str(b, mime_part_subtype(p)) < 0)
		return -1;
	if (ext && (buf_putc(b, ' ') < 0 || put_params(b, p->params, p->nparams, 0) < 0 ||
		    put_ext_tail(b, p) < 0))
		return -1;
	return buf_putc(b, ')');
}

/*
 * Dovecot writes BODY of a message that is plain 7-bit text from a template, in lower
 * case, whatever case its header used (imap_bodystructure_is_plain_7bit); BODYSTRUCTURE
 * keeps the header's case. The test is the same: text/plain at the root, no parameter
 * but charset=us-ascii, 7bit or no encoding, no other Content-* field.
 */
static int is_plain_7bit(const struct mime_part *p)
{
	if (p->parent != NULL || !(p->flags & MIME_TEXT) || p->children != NULL ||
	    strcasecmp(mime_part_subtype(p), "plain") != 0)
		return 0;
	if (p->nparams > 1 || (p->nparams == 1 &&
			       (strcasecmp(p->params[0].name, "charset") != 0 ||
				strcasecmp(p->params[0].value, "us-ascii") != 0)))
		return 0;
	if (p->encoding != NULL && strcasecmp(p->encoding, "7bit") != 0)
		return 0;
	return p->id == NULL && p->description == NULL && p->md5 == NULL &&
	       p->disposition == NULL && p->nlanguages == 0 && p->location == NULL;
}

int bodystructure_append(struct buf *b, const char *msg, const struct mime_part *p,
			 int ext)
{
	int text = (p->flags & MIME_TEXT) != 0;

	if (!ext && is_plain_7bit(p))
		return buf_printf(b, "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
				  "\"7bit\" %zu %zu)", p->body_size, p->body_lines);

	if (p->flags & MIME_MULTIPART)
		return put_multipart(b, msg, p, ext);
	if (buf_putc(b, '(') < 0 || put_str(b, mime_part_type(p)) < 0 ||
	    buf_putc(b, ' ') < 0 || put_str(b, mime_part_subtype(p)) < 0 ||
	    buf_putc(b, ' ') < 0 ||
	    put_params(b, p->params, p->nparams,
		       text && mime_param_get(p->params, p->nparams, "charset") == NULL) < 0 ||
	    buf_putc(b, ' ') < 0 || put_str(b, p->id) < 0 ||
	    buf_putc(b, ' ') < 0 || put_str(b, p->description) < 0 ||
	    buf_putc(b, ' ') < 0 || put_str(b, p->encoding != NULL ? p->encoding : "7bit") < 0 ||
	    buf_printf(b, " %zu", p->body_size) < 0)
		return -1;
	if (p->flags & MIME_MESSAGE) {
		const struct mime_part *m = p->children;
		if (buf_putc(b, ' ') < 0 ||
		    envelope_append(b, msg + m->hdr_off, m->hdr_len) < 0 ||
		    buf_putc(b, ' ') < 0 || bodystructure_append(b, msg, m, ext) < 0 ||
		    buf_printf(b, " %zu", p->body_lines) < 0)
			return -1;
	} else if (text && buf_printf(b, " %zu", p->body_lines) < 0) {
		return -1;
	}
	if (ext && (buf_putc(b, ' ') < 0 || put_str(b, p->md5) < 0 || put_ext_tail(b, p) < 0))
		return -1;
	return buf_putc(b, ')');
}
