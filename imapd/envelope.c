/*
 * ENVELOPE and the RFC 5322 3.4 address parser behind it. The parser is lenient in
 * the ways Dovecot's message_address_parse() is, so both servers show the same:
 * a comment after a bare addr-spec is its display name ("a@b (Ann)"), a phrase before
 * "<" loses its comments, obsolete routes (RFC 5322 4.4 obs-route) become the adl,
 * a group "g: a, b;" is a start marker, its members, an end marker, a missing
 * domain or mailbox gets a placeholder. Junk that fits nowhere is skipped up to the
 * next comma.
 */
#include "envelope.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_string.h"
#include "mime.h"

struct lex {
	const char *s, *end;
	char *last_comment;	/* the most recent comment's text, for "a@b (Name)" */
	int nomem;
};

struct sbuf {
	char *s;
	size_t len, cap;
};

static int sb_add(struct lex *lx, struct sbuf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *s = realloc(b->s, cap);
		if (s == NULL) {
			lx->nomem = 1;
			return -1;
		}
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int is_atext(unsigned char c)
{
	return c > ' ' && c != 0x7f && strchr("()<>[]:;@\\,.\"", c) == NULL;
}

static void skip_cfws(struct lex *lx)
{
	while (lx->s < lx->end) {
		unsigned char c = (unsigned char)*lx->s;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			lx->s++;
			continue;
		}
		if (c != '(')
			return;
		struct sbuf cm = { 0 };
		int depth = 0;
		for (; lx->s < lx->end; lx->s++) {
			char ch = *lx->s;
			if (ch == '\\' && lx->s + 1 < lx->end) {
				lx->s++;
				if (depth == 1)
					sb_add(lx, &cm, lx->s, 1);
				continue;
			}
			if (ch == '(' && depth++ == 0)
				continue;
			if (ch == ')' && --depth == 0) {
				lx->s++;
				break;
			}
			if (ch != '\r' && ch != '\n')
				sb_add(lx, &cm, lx->s, 1);
		}
		free(lx->last_comment);
		lx->last_comment = cm.s != NULL ? cm.s : strdup("");
		if (lx->last_comment == NULL)
			lx->nomem = 1;
	}
}

/* An atom or quoted-string into b (unquoted); 0, or -1 when there is none. */
static int word(struct lex *lx, struct sbuf *b)
{
	const char *s = lx->s;

	if (s < lx->end && *s == '"') {
		for (s++; s < lx->end && *s != '"'; s++) {
			if (*s == '\\' && s + 1 < lx->end)
				s++;
			if (*s != '\r' && *s != '\n')
				sb_add(lx, b, s, 1);
		}
		lx->s = s < lx->end ? s + 1 : s;
		if (b->s == NULL)
			sb_add(lx, b, "", 0);
		return 0;
	}
	while (s < lx->end && is_atext((unsigned char)*s))
		s++;
	if (s == lx->s)
		return -1;
	sb_add(lx, b, lx->s, (size_t)(s - lx->s));
	lx->s = s;
	return 0;
}

/* RFC 5322 3.2.5 phrase: words joined by one space (obs-phrase allows dots). */
static void phrase(struct lex *lx, struct sbuf *b)
{
	for (;;) {
		skip_cfws(lx);
		if (lx->s < lx->end && *lx->s == '.') {
			sb_add(lx, b, ".", 1);
			lx->s++;
			continue;
		}
		size_t before = b->len;
		if (b->len > 0 && b->s[b->len - 1] != '.')
			sb_add(lx, b, " ", 1);
		size_t mark = b->len;
		if (word(lx, b) < 0) {
			b->len = before;
			if (b->s != NULL)
				b->s[b->len] = '\0';
			return;
		}
		(void)mark;
	}
}

/* local-part (dot-atom or quoted string, obs-local-part) into b. */
static void local_part(struct lex *lx, struct sbuf *b)
{
	for (;;) {
		skip_cfws(lx);
		if (word(lx, b) < 0)
			return;
		skip_cfws(lx);
		if (lx->s >= lx->end || *lx->s != '.')
			return;
		sb_add(lx, b, ".", 1);
		lx->s++;
	}
}

/* domain (dot-atom or domain-literal) into b. */
static void domain(struct lex *lx, struct sbuf *b)
{
	skip_cfws(lx);
	if (lx->s < lx->end && *lx->s == '[') {
		const char *s = lx->s;
		while (s < lx->end && *s != ']')
			s++;
		if (s < lx->end)
			s++;
		sb_add(lx, b, lx->s, (size_t)(s - lx->s));
		lx->s = s;
		return;
	}
	for (;;) {
		skip_cfws(lx);
		const char *s = lx->s;
		while (s < lx->end && is_atext((unsigned char)*s))
			s++;
		if (s == lx->s)
			return;
		sb_add(lx, b, lx->s, (size_t)(s - lx->s));
		lx->s = s;
		skip_cfws(lx);
		if (lx->s >= lx->end || *lx->s != '.')
			return;
		sb_add(lx, b, ".", 1);
		lx->s++;
	}
}

static char *take(struct sbuf *b)
{
	char *s = b->s;

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

static char *dup_or(struct lex *lx, struct sbuf *b, const char *dflt)
{
	if (b->s != NULL && b->len > 0)
		return take(b);
	free(take(b));
	char *s = strdup(dflt);
	if (s == NULL)
		lx->nomem = 1;
	return s;
}

/* "<[route:]addr-spec>" after the '<'; fills a. */
static void angle_addr(struct lex *lx, struct envelope_addr *a)
{
	struct sbuf route = { 0 }, lp = { 0 }, dom = { 0 };

	skip_cfws(lx);
	if (lx->s < lx->end && *lx->s == '@') {
		/* RFC 5322 4.4 obs-route: "@a,@b:" kept as written for the adl. */
		const char *s = lx->s;
		while (s < lx->end && *s != ':' && *s != '>')
			s++;
		for (const char *p = lx->s; p < s; p++)
			if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				sb_add(lx, &route, p, 1);
		lx->s = s < lx->end && *s == ':' ? s + 1 : s;
	}
	local_part(lx, &lp);
	skip_cfws(lx);
	if (lx->s < lx->end && *lx->s == '@') {
		lx->s++;
		domain(lx, &dom);
	}
	skip_cfws(lx);
	if (lx->s < lx->end && *lx->s == '>')
		lx->s++;
	a->adl = route.len > 0 ? take(&route) : NULL;
	free(route.s);
	a->mailbox = dup_or(lx, &lp, "MISSING_MAILBOX");
	a->host = dup_or(lx, &dom, "MISSING_DOMAIN");
}

/* One mailbox (name-addr or addr-spec) or group start; returns 1 for a group. */
static int mailbox(struct lex *lx, struct envelope_addr *a)
{
	struct sbuf ph = { 0 }, dom = { 0 };
	const char *start;

	memset(a, 0, sizeof *a);
	free(lx->last_comment);
	lx->last_comment = NULL;
	skip_cfws(lx);
	start = lx->s;
	phrase(lx, &ph);
	skip_cfws(lx);
	if (lx->s < lx->end && *lx->s == '<') {
		lx->s++;
		angle_addr(lx, a);
		a->name = ph.len > 0 ? take(&ph) : NULL;
		free(ph.s);
		return 0;
	}
	if (lx->s < lx->end && *lx->s == ':' && ph.len > 0) {
		lx->s++;
		a->mailbox = take(&ph);
		return 1;
	}
	/* An addr-spec: reparse from the start as local-part "@" domain. */
	free(ph.s);
	ph = (struct sbuf){ 0 };
	lx->s = start;
	free(lx->last_comment);
	lx->last_comment = NULL;
	local_part(lx, &ph);
	skip_cfws(lx);
	if (lx->s < lx->end && *lx->s == '@') {
		lx->s++;
		domain(lx, &dom);
	}
	skip_cfws(lx);
	a->mailbox = dup_or(lx, &ph, "MISSING_MAILBOX");
	a->host = dup_or(lx, &dom, "MISSING_DOMAIN");
	if (lx->last_comment != NULL && lx->last_comment[0] != '\0') {
		a->name = lx->last_comment;
		lx->last_comment = NULL;
	}
	return 0;
}

static void skip_to_comma(struct lex *lx, int in_group)
{
	while (lx->s < lx->end && *lx->s != ',' && !(in_group && *lx->s == ';')) {
		if (*lx->s == '"' || *lx->s == '(') {
			struct sbuf junk = { 0 };
			if (*lx->s == '"')
				word(lx, &junk);
			else
				skip_cfws(lx);
			free(junk.s);
			continue;
		}
		lx->s++;
	}
}

void envelope_addrs_free(struct envelope_addr *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].adl);
		free(a[i].mailbox);
		free(a[i].host);
	}
}

long envelope_addrs_parse(const char *v, size_t n, struct envelope_addr *out, size_t max)
{
	struct lex lx = { .s = v, .end = v + n };
	size_t k = 0;
	int in_group = 0;

	while (k < max && !lx.nomem) {
		skip_cfws(&lx);
		if (lx.s >= lx.end)
			break;
		if (*lx.s == ',') {
			lx.s++;
			continue;
		}
		if (in_group && *lx.s == ';') {
			lx.s++;
			memset(&out[k++], 0, sizeof *out);
			in_group = 0;
			continue;
		}
		const char *before = lx.s;
		int group = mailbox(&lx, &out[k]);
		if (group) {
			if (in_group) {
				/* RFC 5322 groups do not nest: treat it as a member name. */
				envelope_addrs_free(&out[k], 1);
				skip_to_comma(&lx, in_group);
				continue;
			}
			in_group = 1;
			k++;
			continue;
		}
		if (lx.s == before || (lx.s < lx.end && *lx.s != ',' &&
				       !(in_group && *lx.s == ';'))) {
			/* Nothing usable here (or trailing junk): skip to the next comma. */
			if (lx.s == before) {
				envelope_addrs_free(&out[k], 1);
				skip_to_comma(&lx, in_group);
				if (lx.s == before)
					lx.s++;
				continue;
			}
			skip_to_comma(&lx, in_group);
		}
		k++;
	}
	if (in_group && k < max && !lx.nomem)
		memset(&out[k++], 0, sizeof *out);	/* a group never closed */
	free(lx.last_comment);
	if (lx.nomem) {
		envelope_addrs_free(out, k);
		errno = ENOMEM;
		return -1;
	}
	return (long)k;
}

int envelope_addrs_append(struct buf *b, const char *v, size_t n)
{
	struct envelope_addr *a;
	size_t max = n / 2 + 2;
	long k;
	int ret = -1;

	if (v == NULL)
		return buf_puts(b, "NIL");
	if (max > ENVELOPE_ADDRS_MAX)
		max = ENVELOPE_ADDRS_MAX;
	if ((a = calloc(max, sizeof *a)) == NULL)
		return -1;
	if ((k = envelope_addrs_parse(v, n, a, max)) < 0)
		goto out;
	if (k == 0) {
		ret = buf_puts(b, "NIL");
		goto done;
	}
	if (buf_putc(b, '(') < 0)
		goto done;
	for (long i = 0; i < k; i++)
		if (buf_putc(b, '(') < 0 || imap_nstring_append(b, a[i].name) < 0 ||
		    buf_putc(b, ' ') < 0 || imap_nstring_append(b, a[i].adl) < 0 ||
		    buf_putc(b, ' ') < 0 || imap_nstring_append(b, a[i].mailbox) < 0 ||
		    buf_putc(b, ' ') < 0 || imap_nstring_append(b, a[i].host) < 0 ||
		    buf_putc(b, ')') < 0)
			goto done;
	ret = buf_putc(b, ')');
done:
	envelope_addrs_free(a, (size_t)k);
out:
	free(a);
	return ret;
}

/* The raw value of the first field named name: value and length, or NULL. */
static const char *field(const char *hdr, size_t len, const char *name, size_t *n_r)
{
	struct mime_field f;

	if (!mime_header_find(hdr, len, name, &f))
		return NULL;
	const char *v = f.value, *e = f.value + f.value_len;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	/* The field's own line end is not part of the value; folds inside it are. */
	if (e > v && e[-1] == '\n')
		e--;
	if (e > v && e[-1] == '\r')
		e--;
	*n_r = (size_t)(e - v);
	return v;
}

static int nstring_field(struct buf *b, const char *hdr, size_t len, const char *name)
{
	size_t n = 0;
	const char *v = field(hdr, len, name, &n);

	return imap_nstring_nolf_append(b, v, n);
}

static int addr_field(struct buf *b, const char *hdr, size_t len, const char *name,
		      const char *fallback)
{
	size_t n = 0, start = b->len;
	const char *v = field(hdr, len, name, &n);

	if (v == NULL && fallback != NULL)
		v = field(hdr, len, fallback, &n);
	else if (fallback != NULL) {
		/* RFC 3501 7.4.2: Sender or Reply-To "present but empty" (no address in
		 * it) is the From member too, as when absent. */
		if (envelope_addrs_append(b, v, n) < 0)
			return -1;
		if (b->len - start != 3 || memcmp(b->s + start, "NIL", 3) != 0)
			return 0;
		b->len = start;
		v = field(hdr, len, fallback, &n);
	}
	return envelope_addrs_append(b, v, n);
}

int envelope_append(struct buf *b, const char *hdr, size_t len)
{
	if (buf_putc(b, '(') < 0 || nstring_field(b, hdr, len, "Date") < 0 ||
	    buf_putc(b, ' ') < 0 || nstring_field(b, hdr, len, "Subject") < 0 ||
	    buf_putc(b, ' ') < 0 || addr_field(b, hdr, len, "From", NULL) < 0 ||
	    buf_putc(b, ' ') < 0 || addr_field(b, hdr, len, "Sender", "From") < 0 ||
	    buf_putc(b, ' ') < 0 || addr_field(b, hdr, len, "Reply-To", "From") < 0 ||
	    buf_putc(b, ' ') < 0 || addr_field(b, hdr, len, "To", NULL) < 0 ||
	    buf_putc(b, ' ') < 0 || addr_field(b, hdr, len, "Cc", NULL) < 0 ||
	    buf_putc(b, ' ') < 0 || addr_field(b, hdr, len, "Bcc", NULL) < 0 ||
	    buf_putc(b, ' ') < 0 || nstring_field(b, hdr, len, "In-Reply-To") < 0 ||
	    buf_putc(b, ' ') < 0 || nstring_field(b, hdr, len, "Message-ID") < 0)
		return -1;
	return buf_putc(b, ')');
}
