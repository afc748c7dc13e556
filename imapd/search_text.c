/*
 * Text search over a message; see search_text.h.
 *
 * The pipeline for a body: raw octets, a window at a time, cut after a line end (or a
 * space) -> transfer decoding (base64 carries its bit state across windows; quoted-
 * printable needs none, as windows end at line ends) -> decoded octets, converted to
 * UTF-8 up to their last line end or space (so no multibyte character is cut; the
 * rest waits for the next window) -> folding (search_fold.h; a UTF-8 sequence cut
 * anyway waits for its rest) -> the matcher, which keeps the last needle-length-1
 * folded octets so that a match across two pieces is found.
 *
 * Which parts count follows Dovecot's message-search: the bodies of text/\* and
 * message/\* leaves (a part without Content-Type is text/plain), never those of
 * multipart preambles or of application/\* and the like; TEXT adds every header of
 * every part (the message's, each part's MIME header, attached messages' headers).
 */
#include "search_text.h"

#include "base64.h"
#include "buf.h"
#include "charset.h"
#include "envelope.h"
#include "msgmap.h"
#include "rfc2047.h"
#include "search_fold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct matcher {
	const char *needle;
	size_t nn;
	char *carry;		/* the last nn - 1 folded octets fed */
	size_t carry_len;
	struct buf fold;	/* carry + the piece, folded */
	char pend[4];		/* a UTF-8 sequence cut at the end of the last piece */
	size_t pend_len;
	int found;
};

static int matcher_init(struct matcher *mt, const char *needle, size_t nn)
{
	mt->needle = needle;
	mt->nn = nn;
	mt->carry_len = 0;
	mt->pend_len = 0;
	mt->found = nn == 0;
	/* at most a conversion (3 windows, each octet at most 3 in UTF-8, or U+FFFD)
	 * or a decoded field, folded, plus the carry */
	buf_init(&mt->fold, ((size_t)SEARCH_WINDOW * 12 + SEARCH_FIELD_MAX * 4) *
		 SEARCH_FOLD_GROWTH + nn + 1);
	mt->carry = malloc(nn + 1);
	return mt->carry == NULL ? -1 : 0;
}

static void matcher_free(struct matcher *mt)
{
	buf_free(&mt->fold);
	free(mt->carry);
}

/* Where to cut p[0..n) so that no character is split: after the last LF, else after
 * the last space or tab (no multibyte charset uses those octets inside a character),
 * else nowhere (0). */
static size_t cut_point(const char *p, size_t n)
{
	size_t k = n;

	while (k > 0 && p[k - 1] != '\n')
		k--;
	if (k > 0)
		return k;
	for (k = n; k > 0 && p[k - 1] != ' ' && p[k - 1] != '\t'; k--)
		;
	return k;
}

static int occurs(const char *h, size_t hn, const char *nd, size_t nn)
{
	const char *end = h + hn, *p = h;

	while (nn <= (size_t)(end - p)) {
		p = memchr(p, nd[0], (size_t)(end - p) - nn + 1);
		if (p == NULL)
			return 0;
		if (memcmp(p, nd, nn) == 0)
			return 1;
		p++;
	}
	return 0;
}

/* A new text: no match may run into it from the one before. */
static void matcher_restart(struct matcher *mt)
{
	mt->carry_len = 0;
	mt->pend_len = 0;
}

/* The octets a UTF-8 sequence starting with c has, 1 for anything else. */
static size_t seq_len(unsigned char c)
{
	return c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 :
	       c >= 0xf0 && c < 0xf5 ? 4 : 1;
}

/* How many octets at the end of p[0..n) are an unfinished UTF-8 sequence. */
static size_t unfinished(const char *p, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++) {
		unsigned char c = (unsigned char)p[n - k];

		if ((c & 0xc0) != 0x80)
			return seq_len(c) > k ? k : 0;
	}
	return 0;
}

/* Search p[0..n) (UTF-8, not yet folded), continuing the text fed before. A sequence
 * cut at the end of a piece waits for the rest, so folding never sees half of one. */
static int feed(struct matcher *mt, const char *p, size_t n)
{
	size_t len, keep, start = 0, tail;

	if (mt->found || n == 0)
		return 0;
	buf_reset(&mt->fold);
	if (buf_reserve(&mt->fold, mt->carry_len + SEARCH_FOLD_GROWTH * (n + 4) + 1) < 0)
		return -1;
	memcpy(mt->fold.s, mt->carry, mt->carry_len);
	len = mt->carry_len;
	if (mt->pend_len > 0) {
		char seq[8];
		size_t sl = mt->pend_len, need = seq_len((unsigned char)mt->pend[0]);

		memcpy(seq, mt->pend, sl);
		while (start < n && sl < need && ((unsigned char)p[start] & 0xc0) == 0x80)
			seq[sl++] = p[start++];
		len += search_fold(seq, sl, mt->fold.s + len);
		mt->pend_len = 0;
	}
	tail = unfinished(p + start, n - start);
	len += search_fold(p + start, n - start - tail, mt->fold.s + len);
	memcpy(mt->pend, p + n - tail, tail);
	mt->pend_len = tail;
	if (occurs(mt->fold.s, len, mt->needle, mt->nn)) {
		mt->found = 1;
		return 0;
	}
	keep = mt->nn - 1 < len ? mt->nn - 1 : len;
	memcpy(mt->carry, mt->fold.s + len - keep, keep);
	mt->carry_len = keep;
	return 0;
}

/* A header field value decoded from RFC 2047 into tmp, then fed. */
static int feed_value(struct matcher *mt, const char *v, size_t n, struct buf *tmp)
{
	buf_reset(tmp);
	if (n > SEARCH_FIELD_MAX)
		n = SEARCH_FIELD_MAX;
	/* leading whitespace is no part of the value (RFC 5322 2.2 folding aside) */
	while (n > 0 && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'))
		v++, n--;
	if (rfc2047_decode(v, n, tmp) < 0)
		return -1;
	return feed(mt, buf_str(tmp), tmp->len);
}

/* Fields whose value is an address list (RFC 5322 3.6.2, 3.6.3). */
static int is_address_field(const char *name)
{
	static const char *const names[] = { "From", "Sender", "Reply-To", "To", "Cc",
					     "Bcc", NULL };

	for (int i = 0; names[i] != NULL; i++)
		if (strcasecmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* An address list as Dovecot searches it: each address written back in its plain
 * form, "Name <mailbox@host>" or "mailbox@host", comments and quoting gone, names
 * decoded from RFC 2047 (so `user@host` finds `<user (c)@ (c) host>`). */
static int feed_addresses(struct matcher *mt, const char *v, size_t n, struct buf *tmp)
{
	struct envelope_addr a[SEARCH_ADDRS_MAX];
	long k;
	int ret = 0;

	if (n > SEARCH_FIELD_MAX)
		n = SEARCH_FIELD_MAX;
	k = envelope_addrs_parse(v, n, a, SEARCH_ADDRS_MAX);
	if (k < 0)
		return -1;
	buf_reset(tmp);
	for (long i = 0; i < k && ret == 0; i++) {
		const struct envelope_addr *e = &a[i];

		if (e->host == NULL || e->mailbox == NULL)
			continue;	/* a group's start or end */
		if (tmp->len > 0)
			ret = buf_append(tmp, ", ", 2);
		if (ret == 0 && e->name != NULL)
			ret = rfc2047_decode(e->name, strlen(e->name), tmp) < 0 ||
			      buf_append(tmp, " <", 2) < 0 ? -1 : 0;
		if (ret == 0)
			ret = buf_append(tmp, e->mailbox, strlen(e->mailbox)) < 0 ||
			      buf_append(tmp, "@", 1) < 0 ||
			      buf_append(tmp, e->host, strlen(e->host)) < 0 ||
			      (e->name != NULL && buf_append(tmp, ">", 1) < 0) ? -1 : 0;
	}
	envelope_addrs_free(a, (size_t)k);
	if (ret < 0)
		return -1;
	return feed(mt, buf_str(tmp), tmp->len);
}

int search_text_header(const char *hdr, size_t n, const char *name, const char *needle,
		       size_t nn)
{
	struct matcher mt;
	struct mime_field f;
	struct buf tmp;
	size_t pos = 0, name_len = strlen(name);
	int ret = -1, seen = 0;

	if (matcher_init(&mt, needle, nn) < 0)
		return -1;
	buf_init(&tmp, SEARCH_FIELD_MAX * 4);
	while (!(seen && mt.found) && mime_header_next(hdr, n, &pos, &f) == 1) {
		if (f.name_len != name_len || strncasecmp(f.name, name, name_len) != 0)
			continue;
		seen = 1;
		matcher_restart(&mt);	/* no match across two fields */
		if (feed_value(&mt, f.value, f.value_len, &tmp) < 0)
			goto out;
		if (!mt.found && is_address_field(name)) {
			matcher_restart(&mt);
			if (feed_addresses(&mt, f.value, f.value_len, &tmp) < 0)
				goto out;
		}
	}
	ret = seen && mt.found;
out:
	buf_free(&tmp);
	matcher_free(&mt);
	return ret;
}

/* Every field of a header as "Name: value". */
static int feed_header(struct matcher *mt, const char *hdr, size_t n, struct buf *tmp)
{
	struct mime_field f;
	size_t pos = 0;

	while (!mt->found && mime_header_next(hdr, n, &pos, &f) == 1) {
		matcher_restart(mt);
		if (feed(mt, f.name, f.name_len) < 0 || feed(mt, ": ", 2) < 0 ||
		    feed_value(mt, f.value, f.value_len, tmp) < 0)
			return -1;
	}
	return 0;
}

enum { ENC_NONE, ENC_BASE64, ENC_QP };

struct body {
	struct matcher *mt;
	int enc;
	const char *charset;	/* NULL: octets as they are */
	unsigned long acc;	/* base64 bits not yet output */
	int bits;
	struct buf raw;		/* decoded octets waiting for conversion */
	struct buf utf;		/* converted */
};

/* Lenient base64 (RFC 2045 6.8: characters outside the alphabet are ignored); '='
 * ends a quantum, so that concatenated encodings still decode. */
static int b64_window(struct body *b, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int v;

		if (p[i] == '=') {
			b->bits = 0;
			continue;
		}
		if ((v = base64_sextet((unsigned char)p[i])) < 0)
			continue;
		b->acc = (b->acc << 6 | (unsigned long)v) & 0xffffff;
		if ((b->bits += 6) >= 8) {
			b->bits -= 8;
			if (buf_putc(&b->raw, (char)(b->acc >> b->bits & 0xff)) < 0)
				return -1;
		}
	}
	return 0;
}

/* Convert raw[0..k) to UTF-8 and feed it; keep raw[k..]. */
static int convert(struct body *b, size_t k)
{
	int rc;

	if (k == 0)
		return 0;
	buf_reset(&b->utf);
	rc = b->charset != NULL ? charset_to_utf8(b->charset, b->raw.s, k, &b->utf) : -1;
	if (rc < 0) {
		if (b->charset != NULL && errno != EINVAL)
			return -1;
		/* no charset, or one iconv does not know: the octets as they are */
		buf_reset(&b->utf);
		if (buf_append(&b->utf, b->raw.s, k) < 0)
			return -1;
	}
	if (feed(b->mt, buf_str(&b->utf), b->utf.len) < 0)
		return -1;
	memmove(b->raw.s, b->raw.s + k, b->raw.len - k);
	b->raw.len -= k;
	b->raw.s[b->raw.len] = '\0';
	return 0;
}

static int body_window(struct body *b, const char *p, size_t n, int last)
{
	size_t k;

	if (b->enc == ENC_BASE64) {
		if (b64_window(b, p, n) < 0)
			return -1;
	} else if (b->enc == ENC_QP) {
		if (rfc2047_body_decode(p, n, "quoted-printable", "utf-8", &b->raw) < 0)
			return -1;
	} else if (buf_append(&b->raw, p, n) < 0) {
		return -1;
	}
	if (b->raw.len == 0)
		return 0;
	/* Convert up to the last line end; the rest waits, unless it grew too long
	 * (binary) or this is the end. */
	k = last ? b->raw.len : cut_point(b->raw.s, b->raw.len);
	if (k == 0) {
		if (b->raw.len < SEARCH_WINDOW)
			return 0;
		k = b->raw.len;	/* binary, or no spaces at all: cut anywhere */
	}
	return convert(b, k);
}

static int feed_body(struct matcher *mt, const char *p, size_t n,
		     const struct mime_part *part)
{
	struct body b = { mt, ENC_NONE, NULL, 0, 0, { 0 }, { 0 } };
	const char *cs = mime_param_get(part->params, part->nparams, "charset");
	char enc[32];
	size_t off = 0;
	int ret = -1;

	if (part->encoding != NULL) {
		mime_unfold(part->encoding, strlen(part->encoding), enc, sizeof enc);
		if (strcasecmp(enc, "base64") == 0)
			b.enc = ENC_BASE64;
		else if (strcasecmp(enc, "quoted-printable") == 0)
			b.enc = ENC_QP;
	}
	if (cs != NULL && cs[0] != '\0' && strcasecmp(cs, "us-ascii") != 0)
		b.charset = cs;
	buf_init(&b.raw, (size_t)SEARCH_WINDOW * 3);
	buf_init(&b.utf, (size_t)SEARCH_WINDOW * 12);
	while (off < n && !mt->found) {
		size_t w = n - off;

		if (w > SEARCH_WINDOW && (w = cut_point(p + off, SEARCH_WINDOW)) == 0)
			w = SEARCH_WINDOW;
		if (body_window(&b, p + off, w, off + w == n) < 0)
			goto out;
		msgmap_read(w);
		off += w;
	}
	ret = 0;
out:
	buf_free(&b.raw);
	buf_free(&b.utf);
	return ret;
}

static int is_text(const struct mime_part *p)
{
	const char *t = mime_part_type(p);

	/* "Content-Type: text" without a subtype is no text type to Dovecot either */
	if (p->type != NULL && (p->subtype == NULL || p->subtype[0] == '\0'))
		return 0;

	return strcasecmp(t, "text") == 0 || strcasecmp(t, "message") == 0;
}

int search_text_message(const char *msg, const struct mime_msg *m, int headers,
			const char *needle, size_t nn)
{
	struct matcher mt;
	struct buf tmp;
	const struct mime_part *p = m->root;
	int ret = -1;

	if (matcher_init(&mt, needle, nn) < 0)
		return -1;
	buf_init(&tmp, SEARCH_FIELD_MAX * 4);
	/* depth first, in the order of the bytes */
	while (p != NULL && !mt.found) {
		if (headers && feed_header(&mt, msg + p->hdr_off, p->hdr_len, &tmp) < 0)
			goto out;
		if (p->children == NULL && is_text(p)) {
			matcher_restart(&mt);
			if (feed_body(&mt, msg + p->body_off, p->body_len, p) < 0)
				goto out;
		}
		if (p->children != NULL) {
			p = p->children;
			continue;
		}
		while (p != NULL && p->next == NULL)
			p = p->parent;
		if (p != NULL)
			p = p->next;
	}
	ret = mt.found;
out:
	buf_free(&tmp);
	matcher_free(&mt);
	return ret;
}
