/*
 * Content-* fields of one part (RFC 2045, RFC 2183 Content-Disposition, RFC 3282
 * Content-Language, RFC 2231 parameter continuations). Values are kept as written:
 * Dovecot sends type names and parameters in their original case, and so do we.
 * Tokens are RFC 2045 5.1 tokens, except that 8-bit bytes are allowed in them
 * (real mail has them; refusing them would lose the whole field).
 */
#include "mime_private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Parameters of one field; more are ignored (RFC 2045 sets no limit). */
#define MIME_PARAMS_MAX 64
/* Content-Language tokens kept per part. */
#define MIME_LANGUAGES_MAX 32

struct rawparam {
	const char *name, *value;
	size_t name_len, value_len;
};

static int is_tspecial(unsigned char c)
{
	return c <= ' ' || c == 0x7f || strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* Skip whitespace and (nested) comments, RFC 5322 3.2.2 CFWS. */
static const char *skip_cfws(const char *s, const char *end)
{
	while (s < end) {
		if (*s == ' ' || *s == '\t') {
			s++;
		} else if (*s == '(') {
			int depth = 0;
			for (; s < end; s++) {
				if (*s == '\\' && s + 1 < end)
					s++;
				else if (*s == '(')
					depth++;
				else if (*s == ')' && --depth == 0) {
					s++;
					break;
				}
			}
		} else {
			break;
		}
	}
	return s;
}

static const char *token(const char *s, const char *end)
{
	while (s < end && !is_tspecial((unsigned char)*s))
		s++;
	return s;
}

/* A quoted-string at s (s[0] == '"'): its end after the closing quote. */
static const char *quoted_end(const char *s, const char *end)
{
	for (s++; s < end; s++) {
		if (*s == '\\' && s + 1 < end)
			s++;
		else if (*s == '"')
			return s + 1;
	}
	return end;
}

static char *unquote(struct mime_msg *m, const char *s, size_t n)
{
	char *out;
	size_t o = 0;

	if (n == 0 || s[0] != '"')
		return mime_strndup(m, s, n);
	if ((out = mime_alloc(m, n + 1)) == NULL)
		return NULL;
	for (size_t i = 1; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			out[o++] = s[++i];
		else if (s[i] == '"')
			break;
		else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

/* "; name=value" pairs after s; returns how many went into ps. */
static size_t params_scan(const char *s, const char *end, struct rawparam *ps)
{
	size_t n = 0;

	while (n < MIME_PARAMS_MAX) {
		s = skip_cfws(s, end);
		/* Junk up to the next ';' is skipped, as Dovecot does. */
		while (s < end && *s != ';')
			s++;
		if (s >= end)
			break;
		s = skip_cfws(s + 1, end);
		const char *name = s;
		s = token(s, end);
		size_t nl = (size_t)(s - name);
		s = skip_cfws(s, end);
		if (nl == 0 || s >= end || *s != '=')
			continue;
		s = skip_cfws(s + 1, end);
		const char *v = s;
		s = s < end && *s == '"' ? quoted_end(s, end) : token(s, end);
		ps[n].name = name;
		ps[n].name_len = nl;
		ps[n].value = v;
		ps[n].value_len = (size_t)(s - v);
		n++;
	}
	return n;
}

/* The N of "base*N" or "base*N*", with *base_len_r and *ext_r; -1 if not one. */
static long section_number(const struct rawparam *r, size_t *base_len_r, int *ext_r)
{
	size_t n = r->name_len;
	const char *s = r->name;

	*ext_r = n > 0 && s[n - 1] == '*';
	if (*ext_r)
		n--;
	size_t d = n;
	while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9')
		d--;
	if (d == n || d == 0 || s[d - 1] != '*' || n - d > 4)
		return -1;
	*base_len_r = d - 1;
	return strtol(s + d, NULL, 10);
}

/*
 * RFC 2231 3: "name*0", "name*1"... are one parameter. Joined as Dovecot 2.3 does:
 * the name is "name", or "name*" when the first section is extended, and the value is
 * the sections' text in order, charset''%XX encoding left as written.
 */
static int params_build(struct mime_msg *m, struct rawparam *rp, size_t n,
			struct mime_param **out_r, size_t *nout_r)
{
	struct mime_param *out;
	size_t k = 0;
	char used[MIME_PARAMS_MAX] = { 0 };

	*out_r = NULL;
	*nout_r = 0;
	if (n == 0)
		return 0;
	if ((out = mime_alloc(m, n * sizeof *out)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t bl;
		int ext;
		if (section_number(&rp[i], &bl, &ext) >= 0)
			continue;
		used[i] = 1;
		if ((out[k].name = mime_strndup(m, rp[i].name, rp[i].name_len)) == NULL ||
		    (out[k].value = unquote(m, rp[i].value, rp[i].value_len)) == NULL)
			return -1;
		k++;
	}
	for (size_t i = 0; i < n; i++) {
		size_t bl, bl2, total = 0;
		int ext, ext2;
		if (used[i] || section_number(&rp[i], &bl, &ext) != 0)
			continue;
		for (size_t j = 0; j < n; j++)
			if (!used[j] && section_number(&rp[j], &bl2, &ext2) >= 0)
				total += rp[j].value_len;
		char *name = mime_alloc(m, bl + 2), *val = mime_alloc(m, total + 1);
		if (name == NULL || val == NULL)
			return -1;
		memcpy(name, rp[i].name, bl);
		if (ext)
			name[bl++] = '*';
		name[bl] = '\0';
		size_t vl = 0;
		for (long want = 0;; want++) {
			size_t j;
			for (j = 0; j < n; j++) {
				if (used[j] || section_number(&rp[j], &bl2, &ext2) != want ||
				    bl2 != (size_t)(ext ? bl - 1 : bl) ||
				    strncasecmp(rp[j].name, name, bl2) != 0)
					continue;
				char *v = unquote(m, rp[j].value, rp[j].value_len);
				if (v == NULL)
					return -1;
				size_t l = strlen(v);
				if (vl + l > total)	/* cannot happen: total sums them */
					l = total - vl;
				memcpy(val + vl, v, l);
				vl += l;
				used[j] = 1;
				break;
			}
			if (j == n)
				break;
		}
		val[vl] = '\0';
		out[k].name = name;
		out[k].value = val;
		k++;
	}
	*out_r = out;
	*nout_r = k;
	return 0;
}

static int parse_content_type(struct mime_msg *m, struct mime_part *p, const char *v,
			      size_t n)
{
	const char *end = v + n, *s = skip_cfws(v, end), *t = token(s, end);
	struct rawparam rp[MIME_PARAMS_MAX];

	if (t == s)
		return 0;	/* unusable: the RFC 2045 5.2 default applies */
	if ((p->type = mime_strndup(m, s, (size_t)(t - s))) == NULL)
		return -1;
	s = skip_cfws(t, end);
	if (s < end && *s == '/') {
		s = skip_cfws(s + 1, end);
		t = token(s, end);
		p->subtype = mime_strndup(m, s, (size_t)(t - s));
		s = t;
	} else {
		p->subtype = mime_strndup(m, "", 0);
	}
	if (p->subtype == NULL)
		return -1;
	return params_build(m, rp, params_scan(s, end, rp), &p->params, &p->nparams);
}

static int parse_disposition(struct mime_msg *m, struct mime_part *p, const char *v,
			     size_t n)
{
	const char *end = v + n, *s = skip_cfws(v, end), *t = token(s, end);
	struct rawparam rp[MIME_PARAMS_MAX];

	if (t == s)
		return 0;
	if ((p->disposition = mime_strndup(m, s, (size_t)(t - s))) == NULL)
		return -1;
	return params_build(m, rp, params_scan(t, end, rp), &p->disp_params,
			    &p->ndisp_params);
}

/* RFC 3282: Content-Language is a comma-separated list of language tags. */
static int parse_language(struct mime_msg *m, struct mime_part *p, const char *v, size_t n)
{
	const char *end = v + n, *s = v;
	char *tags[MIME_LANGUAGES_MAX];
	size_t k = 0;

	while (s < end && k < MIME_LANGUAGES_MAX) {
		s = skip_cfws(s, end);
		const char *t = token(s, end);
		if (t > s && (tags[k++] = mime_strndup(m, s, (size_t)(t - s))) == NULL)
			return -1;
		s = skip_cfws(t, end);
		if (s < end && *s != ',')
			break;
		s++;
	}
	if (k == 0)
		return 0;
	if ((p->languages = mime_alloc(m, k * sizeof *tags)) == NULL)
		return -1;
	memcpy(p->languages, tags, k * sizeof *tags);
	p->nlanguages = k;
	return 0;
}

int mime_fields_parse(struct mime_msg *m, struct mime_part *p, const char *hdr, size_t len)
{
	static const char *const names[] = {
		"content-type", "content-transfer-encoding", "content-id",
		"content-description", "content-disposition", "content-language",
		"content-location", "content-md5", NULL
	};
	struct mime_field f;
	size_t pos = 0;
	char *buf = NULL;
	int seen[8] = { 0 }, ret = -1;

	while (mime_header_next(hdr, len, &pos, &f) == 1) {
		if (f.name_len < 8 || strncasecmp(f.name, "content-", 8) != 0)
			continue;
		int i;
		for (i = 0; names[i] != NULL; i++)
			if (strlen(names[i]) == f.name_len &&
			    strncasecmp(names[i], f.name, f.name_len) == 0)
				break;
		/* The first of repeated fields counts. */
		if (names[i] == NULL || seen[i])
			continue;
		seen[i] = 1;
		size_t cap = f.value_len < MIME_FIELD_MAX ? f.value_len + 1 : MIME_FIELD_MAX;
		char *nb = realloc(buf, cap);
		if (nb == NULL)
			goto fail;
		buf = nb;
		size_t n = mime_unfold(f.value, f.value_len, buf, cap);
		char **dst = NULL;
		switch (i) {
		case 0: if (parse_content_type(m, p, buf, n) < 0) goto fail; break;
		case 1: dst = &p->encoding; break;
		case 2: dst = &p->id; break;
		case 3: dst = &p->description; break;
		case 4: if (parse_disposition(m, p, buf, n) < 0) goto fail; break;
		case 5: if (parse_language(m, p, buf, n) < 0) goto fail; break;
		case 6: dst = &p->location; break;
		case 7: dst = &p->md5; break;
		}
		if (dst != NULL && (*dst = mime_strndup(m, buf, n)) == NULL)
			goto fail;
	}
	ret = 0;
fail:
	free(buf);
	return ret;
}
