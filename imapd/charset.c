/* iconv(3) conversion and case folding; see charset.h. */
#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* iconv output is produced in pieces of this size. */
#define CHARSET_CHUNK 4096

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

static int is_utf8_name(const char *cs)
{
	return strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
	       strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0;
}

/* cs without an RFC 2231 5 "*language" suffix, into name. -1 when too long. */
static int clean_name(const char *cs, char *name)
{
	size_t n = strcspn(cs, "*");

	if (n == 0 || n >= CHARSET_NAME_MAX)
		return -1;
	memcpy(name, cs, n);
	name[n] = '\0';
	return 0;
}

int charset_known(const char *cs)
{
	char name[CHARSET_NAME_MAX];

	if (clean_name(cs, name) < 0)
		return 0;
	if (is_utf8_name(name))
		return 1;
	iconv_t cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return 0;
	iconv_close(cd);
	return 1;
}

int charset_to_utf8(const char *cs, const char *p, size_t n, struct buf *b)
{
	char name[CHARSET_NAME_MAX], out[CHARSET_CHUNK];
	size_t start = b->len;

	if (clean_name(cs, name) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (is_utf8_name(name))
		return buf_append(b, p, n);
	iconv_t cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1) {
		errno = EINVAL;
		return -1;
	}
	char *in = (char *)p;
	size_t left = n;
	while (left > 0) {
		char *o = out;
		size_t room = sizeof out;
		size_t r = iconv(cd, &in, &left, &o, &room);
		int e = errno;
		if (buf_append(b, out, (size_t)(o - out)) < 0)
			goto fail;
		if (r != (size_t)-1)
			break;
		if (e == E2BIG)
			continue;
		/* EILSEQ, or EINVAL (a sequence cut off at the end): one byte lost. */
		if (buf_append(b, replacement, 3) < 0)
			goto fail;
		in++;
		left--;
	}
	char *o = out;
	size_t room = sizeof out;
	iconv(cd, NULL, NULL, &o, &room);	/* the shift state's closing bytes */
	if (buf_append(b, out, (size_t)(o - out)) < 0)
		goto fail;
	iconv_close(cd);
	return 0;
fail:
	iconv_close(cd);
	b->len = start;
	if (b->s != NULL)
		b->s[start] = '\0';
	return -1;
}

/* The code point at s (bad UTF-8 is its first byte as a code point), its length. */
static unsigned long utf8_get(const unsigned char *s, size_t n, size_t *len)
{
	unsigned long c = s[0];
	size_t k = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 :
		   c >= 0xf0 && c < 0xf5 ? 4 : 0;

	if (k <= 1 || k > n) {
		*len = 1;
		return c;
	}
	c &= 0x3f >> (k - 1);
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*len = 1;
			return s[0];
		}
		c = c << 6 | (s[i] & 0x3f);
	}
	*len = k;
	return c;
}

static unsigned long fold(unsigned long c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0xc0)
		return c;
	if (c <= 0xde && c != 0xd7)
		return c + 32;
	if (c >= 0x100 && c <= 0x137 && c % 2 == 0)
		return c + 1;
	if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)
		return c + 32;
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	return c;
}

void charset_utf8_fold(const char *s, size_t n, char *out)
{
	size_t len;

	for (size_t i = 0; i < n; i += len) {
		unsigned long c = utf8_get((const unsigned char *)s + i, n - i, &len);

		/* Only one- and two-octet sequences fold (every mapping above stays
		 * below U+0800); a longer one, or an overlong form, is copied. */
		if (len == 1 && c < 0x80) {
			out[i] = (char)fold(c);
		} else if (len == 2) {
			c = fold(c);
			out[i] = (char)(0xc0 | c >> 6);
			out[i + 1] = (char)(0x80 | (c & 0x3f));
		} else {
			memmove(out + i, s + i, len);	/* out may be s */
		}
	}
}

/* s folded into an array of code points; NULL on ENOMEM. */
static unsigned long *fold_all(const char *s, size_t n, size_t *count)
{
	unsigned long *v = malloc((n + 1) * sizeof *v);
	size_t k = 0, len;

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < n; i += len)
		v[k++] = fold(utf8_get((const unsigned char *)s + i, n - i, &len));
	*count = k;
	return v;
}

int charset_utf8_contains(const char *hay, size_t hn, const char *needle, size_t nn)
{
	size_t h, k;
	unsigned long *hv, *nv;
	int found = 0;

	if (nn == 0)
		return 1;
	if ((hv = fold_all(hay, hn, &h)) == NULL)
		return -1;
	if ((nv = fold_all(needle, nn, &k)) == NULL) {
		free(hv);
		return -1;
	}
	for (size_t i = 0; !found && k <= h && i <= h - k; i++)
		found = memcmp(hv + i, nv, k * sizeof *nv) == 0;
	free(hv);
	free(nv);
	return found;
}
