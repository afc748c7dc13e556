/*
 * smtpd's pure parsers: command lines, RFC 5321 paths, MAIL/RCPT parameters and BDAT
 * arguments (SASL messages are lib/sasl.c's). No I/O and no global state, so the fuzz targets include
 * this file and call it over arbitrary bytes.
 */
#include "parse.h"

#include "str.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

int smtp_cmd_parse(char *line, size_t len, struct smtp_cmd *c)
{
	size_t i, v = 0;

	c->verb[0] = '\0';
	c->rest = line + len;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return errno = EILSEQ, -1;
	}
	while (v < len && line[v] != ' ') {
		if (v >= SMTP_VERB_MAX || !isalpha((unsigned char)line[v]))
			return errno = EINVAL, -1;
		c->verb[v] = (char)toupper((unsigned char)line[v]);
		v++;
	}
	if (v == 0)
		return errno = EINVAL, -1;
	c->verb[v] = '\0';
	c->rest = v < len ? line + v + 1 : line + len;
	return 0;
}

/* RFC 5322 3.2.3 atext, as RFC 5321 4.1.2 uses it. */
static int is_atext(unsigned char ch)
{
	return isalnum(ch) || (ch != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL);
}

/* Length of a well-formed UTF-8 sequence (RFC 3629) at s, 0 when there is none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t k, i;
	unsigned cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	k = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n < k)
		return 0;
	cp = s[0] & (0x7f >> k);
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

struct cursor {
	const unsigned char *s;
	size_t len, i;
	int utf8_ok;
	int utf8_seen;
	int err;
};

/* One non-ASCII character at the cursor if allowed; its length, or 0 with c->err. */
static size_t take_utf8(struct cursor *c)
{
	size_t k;

	if (!c->utf8_ok) {
		c->err = EILSEQ;
		return 0;
	}
	k = utf8_len(c->s + c->i, c->len - c->i);
	if (k == 0)
		c->err = EILSEQ;
	else
		c->utf8_seen = 1;
	return k;
}

/* Domain = sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str] (or a U-label
 * under SMTPUTF8), or an address-literal "[...]" (4.1.3, checked for its characters
 * only). Returns 0 with the domain copied, -1 otherwise. */
static int parse_domain(struct cursor *c, char *out, size_t outsz)
{
	size_t start = c->i, n;

	if (c->i < c->len && c->s[c->i] == '[') {
		c->i++;
		while (c->i < c->len && c->s[c->i] != ']') {
			unsigned char ch = c->s[c->i];
			/* dcontent: %d33-90 / %d94-126 */
			if (ch < 33 || ch > 126 || ch == '[' || ch == '\\')
				return -1;
			c->i++;
		}
		if (c->i >= c->len || c->i - start < 2)
			return -1;
		c->i++;
	} else {
		for (;;) {
			size_t lab = c->i;
			while (c->i < c->len) {
				unsigned char ch = c->s[c->i];
				if (isalnum(ch) || (ch == '-' && c->i > lab)) {
					c->i++;
				} else if (ch >= 0x80) {
					size_t k = take_utf8(c);
					if (k == 0)
						return -1;
					c->i += k;
				} else {
					break;
				}
			}
			/* Ldh-str must not end in '-' */
			if (c->i == lab || c->s[c->i - 1] == '-')
				return -1;
			if (c->i < c->len && c->s[c->i] == '.' && c->i + 1 < c->len) {
				c->i++;
				continue;
			}
			break;
		}
	}
	n = c->i - start;
	if (n > SMTP_DOMAIN_MAX || n >= outsz) {
		c->err = ENAMETOOLONG;
		return -1;
	}
	memcpy(out, c->s + start, n);
	out[n] = '\0';
	return 0;
}

/* Local-part = Dot-string / Quoted-string, unquoted into a->local. */
static int parse_local(struct cursor *c, struct smtp_addr *a)
{
	size_t o = 0;

	if (c->i < c->len && c->s[c->i] == '"') {
		c->i++;
		for (;;) {
			unsigned char ch;
			if (c->i >= c->len)
				return -1;
			ch = c->s[c->i];
			if (ch == '"')
				break;
			if (ch == '\\') {
				/* quoted-pairSMTP = %d92 %d32-126 */
				if (c->i + 1 >= c->len || c->s[c->i + 1] < 32 ||
				    c->s[c->i + 1] > 126)
					return -1;
				c->i++;
				ch = c->s[c->i];
			} else if (ch >= 0x80) {
				size_t k = take_utf8(c);
				if (k == 0 || o + k > SMTP_LOCAL_MAX) {
					if (k != 0)
						c->err = ENAMETOOLONG;
					return -1;
				}
				memcpy(a->local + o, c->s + c->i, k);
				o += k;
				c->i += k;
				continue;
			} else if (ch < 32 || ch > 126) {
				return -1;
			}
			if (o >= SMTP_LOCAL_MAX) {
				c->err = ENAMETOOLONG;
				return -1;
			}
			a->local[o++] = (char)ch;
			c->i++;
		}
		c->i++;
	} else {
		int need_atom = 1;
		while (c->i < c->len) {
			unsigned char ch = c->s[c->i];
			size_t k = 1;
			if (ch == '.' && !need_atom) {
				need_atom = 1;
			} else if (is_atext(ch)) {
				need_atom = 0;
			} else if (ch >= 0x80) {
				k = take_utf8(c);
				if (k == 0)
					return -1;
				need_atom = 0;
			} else {
				break;
			}
			if (o + k > SMTP_LOCAL_MAX) {
				c->err = ENAMETOOLONG;
				return -1;
			}
			memcpy(a->local + o, c->s + c->i, k);
			o += k;
			c->i += k;
		}
		if (need_atom)
			return -1;
	}
	a->local[o] = '\0';
	return 0;
}

int smtp_path_parse(const char *s, size_t len, int allow_null, int allow_postmaster,
		    int allow_utf8, struct smtp_addr *a)
{
	struct cursor c = { (const unsigned char *)s, len, 0, allow_utf8, 0, 0 };
	char route[SMTP_DOMAIN_MAX + 1];
	size_t mstart, n;

	memset(a, 0, sizeof *a);
	if (len < 2 || s[0] != '<')
		goto bad;
	c.i = 1;
	if (s[1] == '>') {
		if (!allow_null)
			goto bad;
		a->null = 1;
		return 2;
	}
	/* A-d-l: "@" Domain *("," "@" Domain) ":" -- accepted and ignored (4.1.1.3). */
	if (s[1] == '@') {
		for (;;) {
			if (c.i >= len || s[c.i] != '@')
				goto bad;
			c.i++;
			if (parse_domain(&c, route, sizeof route) < 0)
				goto bad;
			if (c.i < len && s[c.i] == ',') {
				c.i++;
				continue;
			}
			if (c.i < len && s[c.i] == ':') {
				c.i++;
				break;
			}
			goto bad;
		}
	}
	mstart = c.i;
	if (parse_local(&c, a) < 0)
		goto bad;
	if (c.i < len && s[c.i] == '>' && allow_postmaster &&
	    strlen(a->local) == 10 && str_has_prefix_ci(a->local, "postmaster")) {
		/* RFC 5321 4.5.1: "<Postmaster>" without a domain must be accepted. */
	} else {
		if (c.i >= len || s[c.i] != '@')
			goto bad;
		c.i++;
		if (parse_domain(&c, a->domain, sizeof a->domain) < 0)
			goto bad;
	}
	if (c.i >= len || s[c.i] != '>')
		goto bad;
	n = c.i - mstart;
	if (c.i + 1 > SMTP_PATH_MAX || n >= sizeof a->text) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(a->text, s + mstart, n);
	a->text[n] = '\0';
	a->utf8 = c.utf8_seen;
	return (int)(c.i + 1);
bad:
	errno = c.err != 0 ? c.err : EINVAL;
	return -1;
}

int smtp_keyword_colon(const char *s, const char *kw)
{
	size_t n = strlen(kw), i;

	if (!str_has_prefix_ci(s, kw))
		return -1;
	i = n;
	while (s[i] == ' ')
		i++;
	return (int)i;
}

/* xtext (RFC 3461 section 4): "+" HEXCHAR HEXCHAR or %d33-42 / %d44-60 / %d62-126. */
static int is_xtext(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch == '+') {
			if (i + 2 >= n)
				return 0;
			if (!isxdigit((unsigned char)v[i + 1]) || !isxdigit((unsigned char)v[i + 2]))
				return 0;
			i += 2;
		} else if (ch < 33 || ch > 126 || ch == '=') {
			return 0;
		}
	}
	return 1;
}

static int key_is(const char *k, size_t klen, const char *name)
{
	return klen == strlen(name) && str_has_prefix_ci(k, name);
}

enum smtp_param_result smtp_mail_params(const char *s, struct smtp_mail_params *p)
{
	memset(p, 0, sizeof *p);
	while (*s != '\0') {
		const char *k, *v = NULL;
		size_t klen, vlen = 0;

		if (*s != ' ')
			return SMTP_PARAM_SYNTAX;
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		k = s;
		while (*s != '\0' && *s != ' ' && *s != '=')
			s++;
		klen = (size_t)(s - k);
		if (klen == 0)
			return SMTP_PARAM_SYNTAX;
		if (*s == '=') {
			v = ++s;
			while (*s != '\0' && *s != ' ')
				s++;
			vlen = (size_t)(s - v);
			if (vlen == 0)
				return SMTP_PARAM_SYNTAX;
		}
		if (key_is(k, klen, "SIZE")) {
			if (v == NULL || p->has_size ||
			    str_to_u64(v, vlen, UINT64_MAX, &p->size) < 0)
				return SMTP_PARAM_SYNTAX;
			p->has_size = 1;
		} else if (key_is(k, klen, "BODY")) {
			if (v == NULL || p->body != SMTP_BODY_NONE)
				return SMTP_PARAM_SYNTAX;
			if (key_is(v, vlen, "7BIT"))
				p->body = SMTP_BODY_7BIT;
			else if (key_is(v, vlen, "8BITMIME"))
				p->body = SMTP_BODY_8BITMIME;
			else
				return SMTP_PARAM_UNKNOWN;	/* BINARYMIME is not offered */
		} else if (key_is(k, klen, "SMTPUTF8")) {
			if (v != NULL || p->smtputf8)
				return SMTP_PARAM_SYNTAX;
			p->smtputf8 = 1;
		} else if (key_is(k, klen, "AUTH")) {
			if (v == NULL || !is_xtext(v, vlen))
				return SMTP_PARAM_SYNTAX;
		} else {
			return SMTP_PARAM_UNKNOWN;
		}
	}
	return SMTP_PARAM_OK;
}

enum smtp_param_result smtp_rcpt_params(const char *s)
{
	while (*s == ' ')
		s++;
	return *s == '\0' ? SMTP_PARAM_OK : SMTP_PARAM_UNKNOWN;
}

int smtp_bdat_args(const char *s, uint64_t *size_r, int *last_r)
{
	size_t n = 0;

	while (isdigit((unsigned char)s[n]))
		n++;
	if (n == 0)
		return errno = EINVAL, -1;
	if (str_to_u64(s, n, UINT64_MAX, size_r) < 0)
		return -1;
	*last_r = 0;
	if (s[n] == '\0')
		return 0;
	if (s[n] != ' ' || strlen(s + n + 1) != 4 || !str_has_prefix_ci(s + n + 1, "LAST"))
		return errno = EINVAL, -1;
	*last_r = 1;
	return 0;
}
