/*
 * Header fields of a part (RFC 5322 2.2): the field iterator and unfolding that the
 * parser, ENVELOPE and HEADER.FIELDS share, so they agree on where a field ends.
 * Trap: a header may end at a boundary line or at the end of the bytes rather than at
 * a blank line; the iterator stops at whatever the caller's range says.
 */
#include "mime.h"

#include "msgmap.h"

#include <string.h>
#include <strings.h>

/* The end of the line at p (after its LF), or len. */
static size_t line_end(const char *h, size_t len, size_t p)
{
	const char *nl = memchr(h + p, '\n', len - p);
	size_t e = nl == NULL ? len : (size_t)(nl - h) + 1;

	/* A header may be the whole message (no blank line): its pages go too. */
	msgmap_read(e - p);
	return e;
}

int mime_header_next(const char *h, size_t len, size_t *pos, struct mime_field *f)
{
	size_t p = *pos;

	for (;;) {
		if (p >= len || h[p] == '\n' || (h[p] == '\r' && p + 1 < len && h[p + 1] == '\n'))
			return 0;
		size_t first = line_end(h, len, p), e = first;
		/* Continuation lines belong to the field before; a stray one is skipped. */
		while (e < len && (h[e] == ' ' || h[e] == '\t'))
			e = line_end(h, len, e);
		/* The colon is on the first line (RFC 5322 2.2: the name is not folded);
		 * a field folded over megabytes is not read again to find it. */
		const char *colon = memchr(h + p, ':', first - p);
		if (colon == NULL || colon == h + p || h[p] == ' ' || h[p] == '\t') {
			p = e;
			continue;
		}
		size_t nlen = (size_t)(colon - (h + p));
		while (nlen > 0 && (h[p + nlen - 1] == ' ' || h[p + nlen - 1] == '\t'))
			nlen--;
		f->name = h + p;
		f->name_len = nlen;
		f->value = colon + 1;
		f->value_len = (size_t)(h + e - (colon + 1));
		f->off = p;
		f->len = e - p;
		*pos = e;
		return 1;
	}
}

int mime_header_find(const char *hdr, size_t len, const char *name, struct mime_field *f)
{
	size_t pos = 0, n = strlen(name);

	while (mime_header_next(hdr, len, &pos, f) == 1)
		if (f->name_len == n && strncasecmp(f->name, name, n) == 0)
			return 1;
	return 0;
}

size_t mime_unfold(const char *v, size_t n, char *out, size_t outsz)
{
	size_t o = 0;

	while (n > 0 && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'))
		v++, n--;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' ||
			 v[n - 1] == '\n'))
		n--;
	if (outsz == 0)
		return 0;
	for (size_t i = 0; i < n && o + 1 < outsz; i++)
		if (v[i] != '\r' && v[i] != '\n')
			out[o++] = v[i];
	out[o] = '\0';
	return o;
}

size_t mime_crlf_size(const char *p, size_t n)
{
	size_t size = n;
	const char *s = p, *end = p + n, *nl;

	while ((nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		if (nl == p || nl[-1] != '\r')
			size++;
		s = nl + 1;
	}
	return size;
}
