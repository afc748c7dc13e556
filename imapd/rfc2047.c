/*
 * Decoding for SEARCH: RFC 2047 encoded words and RFC 2045 6.7/6.8 body encodings.
 * Everything is lenient, as a search must find text in the mail people really get:
 * base64 skips characters outside its alphabet, quoted-printable keeps a bad "=".
 * Adjacent encoded words in one charset are joined before conversion, because
 * senders split a multibyte character across two words.
 */
#include "rfc2047.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "charset.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int b64_decode(const char *p, size_t n, struct buf *b)
{
	unsigned long acc = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '=')
			break;
		int v = base64_sextet((unsigned char)p[i]);
		if (v < 0)
			continue;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (buf_putc(b, (char)(acc >> bits & 0xff)) < 0)
				return -1;
		}
	}
	return 0;
}

/* Quoted-printable; in_word selects RFC 2047 4.2 Q ('_' is a space, no soft breaks). */
static int qp_decode(const char *p, size_t n, int in_word, struct buf *b)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '_' && in_word)
			c = ' ';
		else if (c == '=' && i + 2 < n + 0 && hexval((unsigned char)p[i + 1]) >= 0 &&
			 hexval((unsigned char)p[i + 2]) >= 0) {
			c = (char)(hexval((unsigned char)p[i + 1]) << 4 |
				   hexval((unsigned char)p[i + 2]));
			i += 2;
		} else if (c == '=' && !in_word) {
			/* A soft line break: "=" then optional whitespace, then the line end. */
			size_t j = i + 1;
			while (j < n && (p[j] == ' ' || p[j] == '\t'))
				j++;
			if (j < n && p[j] == '\r')
				j++;
			if (j >= n || p[j] == '\n') {
				i = j;
				continue;
			}
		}
		if (buf_putc(b, c) < 0)
			return -1;
	}
	return 0;
}

struct word {
	const char *cs, *text;
	size_t cs_len, text_len, len;
	char enc;
};

/* An encoded word at v[0..n): 1 with *w set, else 0. */
static int word_at(const char *v, size_t n, struct word *w)
{
	if (n < 8 || v[0] != '=' || v[1] != '?')
		return 0;
	if (n > RFC2047_WORD_MAX)
		n = RFC2047_WORD_MAX;
	const char *q1 = memchr(v + 2, '?', n - 2);
	if (q1 == NULL || q1 == v + 2 || (size_t)(q1 - v) + 3 >= n || q1[2] != '?')
		return 0;
	char e = q1[1];
	if (e != 'B' && e != 'b' && e != 'Q' && e != 'q')
		return 0;
	const char *t = q1 + 3, *end = v + n;
	for (const char *s = t; s + 1 < end; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			return 0;
		if (s[0] == '?' && s[1] == '=') {
			w->cs = v + 2;
			w->cs_len = (size_t)(q1 - (v + 2));
			w->enc = (char)(e | 0x20);
			w->text = t;
			w->text_len = (size_t)(s - t);
			w->len = (size_t)(s + 2 - v);
			return 1;
		}
	}
	return 0;
}

static void truncate_to(struct buf *b, size_t len)
{
	b->len = len;
	if (b->s != NULL)
		b->s[len] = '\0';
}

/* The pending encoded words' bytes b[start..ws_start) converted from charset cs in
 * place; the whitespace after them (b[ws_start..]) kept after the result. */
static int flush(struct buf *b, size_t start, size_t ws_start, const char *cs,
		 struct buf *tmp)
{
	size_t words = ws_start - start;

	buf_reset(tmp);
	if (b->len > start && buf_append(tmp, b->s + start, b->len - start) < 0)
		return -1;
	truncate_to(b, start);
	if (charset_to_utf8(cs, tmp->s != NULL ? tmp->s : "", words, b) < 0)
		return -1;
	return tmp->len > words ? buf_append(b, tmp->s + words, tmp->len - words) : 0;
}

int rfc2047_decode(const char *v, size_t n, struct buf *b)
{
	struct buf tmp;
	char cs[CHARSET_NAME_MAX] = "";
	size_t i = 0, pending = (size_t)-1, ws_start = 0;
	int ret = -1, prev_word = 0;

	buf_init(&tmp, b->max);
	while (i < n) {
		struct word w;
		if (v[i] == '\r' || v[i] == '\n') {
			i++;
			continue;
		}
		if (word_at(v + i, n - i, &w) && w.cs_len < CHARSET_NAME_MAX) {
			char wcs[CHARSET_NAME_MAX];
			memcpy(wcs, w.cs, w.cs_len);
			wcs[w.cs_len] = '\0';
			if (!charset_known(wcs))
				goto literal;
			if (prev_word)	/* RFC 2047 6.2: whitespace between them goes */
				truncate_to(b, ws_start);
			if (pending != (size_t)-1 && strcasecmp(cs, wcs) != 0) {
				if (flush(b, pending, b->len, cs, &tmp) < 0)
					goto out;
				pending = (size_t)-1;
			}
			if (pending == (size_t)-1) {
				pending = b->len;
				memcpy(cs, wcs, sizeof wcs);
			}
			if ((w.enc == 'b' ? b64_decode(w.text, w.text_len, b) :
			     qp_decode(w.text, w.text_len, 1, b)) < 0)
				goto out;
			i += w.len;
			prev_word = 1;
			ws_start = b->len;
			continue;
		}
literal:
		if (v[i] != ' ' && v[i] != '\t') {
			if (pending != (size_t)-1) {
				/* Text follows: the pending words end here. */
				if (flush(b, pending, ws_start, cs, &tmp) < 0)
					goto out;
				pending = (size_t)-1;
			}
			prev_word = 0;
		}
		if (buf_putc(b, v[i]) < 0)
			goto out;
		i++;
	}
	if (pending != (size_t)-1 && flush(b, pending, ws_start, cs, &tmp) < 0)
		goto out;
	ret = 0;
out:
	buf_free(&tmp);
	return ret;
}

int rfc2047_body_decode(const char *p, size_t n, const char *encoding, const char *charset,
			struct buf *b)
{
	struct buf raw;
	int ret;

	if (charset == NULL)
		charset = "us-ascii";
	if (encoding == NULL || (strcasecmp(encoding, "base64") != 0 &&
				 strcasecmp(encoding, "quoted-printable") != 0)) {
		ret = charset_to_utf8(charset, p, n, b);
		if (ret < 0 && errno == EINVAL)
			ret = buf_append(b, p, n);
		return ret;
	}
	buf_init(&raw, b->max);
	ret = strcasecmp(encoding, "base64") == 0 ? b64_decode(p, n, &raw) :
	      qp_decode(p, n, 0, &raw);
	if (ret == 0) {
		ret = charset_to_utf8(charset, raw.s != NULL ? raw.s : "", raw.len, b);
		if (ret < 0 && errno == EINVAL)
			ret = buf_append(b, raw.s != NULL ? raw.s : "", raw.len);
	}
	buf_free(&raw);
	return ret;
}
