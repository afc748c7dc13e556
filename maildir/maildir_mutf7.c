/*
 * Modified UTF-7 (RFC 3501 5.1.3), the form IMAP mailbox names and Maildir++ folder
 * directories take on the wire and on disk. Printable US-ASCII (0x20-0x7e) stands for
 * itself, "&" is written "&-", and any run of other characters is UTF-16 (with
 * surrogate pairs above U+FFFF) in base64 with ',' for '/', between "&" and "-".
 * The decoder is strict: it accepts exactly what the encoder writes, so one folder
 * has one spelling and a name read from disk is written back byte for byte. NUL is
 * refused both ways: it cannot live in a file name or a C string.
 */
#include "maildir_folder.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>

/* RFC 3501 5.1.3: RFC 2045 base64 with ',' in place of '/'. */
static const char b64_alphabet[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

#define MUTF7_SHIFT '&'
#define MUTF7_UNSHIFT '-'

static int is_direct(uint32_t c)
{
	return c >= 0x20 && c <= 0x7e;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

/*
 * One code point from strict UTF-8 (RFC 3629 section 4): no overlong forms, no
 * surrogates, nothing above U+10FFFF. Returns its length in bytes, or 0 when invalid.
 */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp_r)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80) {
		*cp_r = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return n;
}

struct out {
	char *s;
	size_t len, size;
	int full;
};

static void out_put(struct out *o, char c)
{
	/* Keep one byte for the NUL; remember the overflow and report it at the end. */
	if (o->len + 1 < o->size)
		o->s[o->len] = c;
	else
		o->full = 1;
	o->len++;
}

static int out_finish(struct out *o)
{
	if (o->size > 0)
		o->s[o->len < o->size ? o->len : o->size - 1] = '\0';
	if (o->full || o->size == 0 || o->len > INT_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return (int)o->len;
}

struct b64_enc {
	uint32_t bits;
	unsigned nbits;
	int open;
};

static void enc_unit(struct out *o, struct b64_enc *e, uint32_t unit)
{
	if (!e->open) {
		out_put(o, MUTF7_SHIFT);
		e->open = 1;
	}
	e->bits = (e->bits << 16) | unit;
	e->nbits += 16;
	while (e->nbits >= 6) {
		e->nbits -= 6;
		out_put(o, b64_alphabet[(e->bits >> e->nbits) & 0x3f]);
	}
	e->bits &= (1u << e->nbits) - 1;
}

static void enc_close(struct out *o, struct b64_enc *e)
{
	if (!e->open)
		return;
	/* Leftover bits are padded with zeros (RFC 2152: "must be zero"). */
	if (e->nbits > 0)
		out_put(o, b64_alphabet[(e->bits << (6 - e->nbits)) & 0x3f]);
	out_put(o, MUTF7_UNSHIFT);
	e->bits = 0;
	e->nbits = 0;
	e->open = 0;
}

int maildir_mutf7_encode(const char *utf8, size_t len, char *out, size_t outsz)
{
	const unsigned char *s = (const unsigned char *)utf8;
	struct out o = { out, 0, outsz, 0 };
	struct b64_enc e = { 0, 0, 0 };
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_next(s + i, len - i, &cp);

		if (n == 0 || cp == 0) {
			if (outsz > 0)
				out[0] = '\0';
			errno = EINVAL;
			return -1;
		}
		i += n;
		if (is_direct(cp)) {
			/* One shift holds one run: any direct character ends it. */
			enc_close(&o, &e);
			out_put(&o, (char)cp);
			if (cp == MUTF7_SHIFT)
				out_put(&o, MUTF7_UNSHIFT);
		} else if (cp >= 0x10000) {
			cp -= 0x10000;
			enc_unit(&o, &e, 0xd800 | (cp >> 10));
			enc_unit(&o, &e, 0xdc00 | (cp & 0x3ff));
		} else {
			enc_unit(&o, &e, cp);
		}
	}
	enc_close(&o, &e);
	return out_finish(&o);
}

static void put_utf8(struct out *o, uint32_t cp)
{
	if (cp < 0x80) {
		out_put(o, (char)cp);
	} else if (cp < 0x800) {
		out_put(o, (char)(0xc0 | (cp >> 6)));
		out_put(o, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		out_put(o, (char)(0xe0 | (cp >> 12)));
		out_put(o, (char)(0x80 | ((cp >> 6) & 0x3f)));
		out_put(o, (char)(0x80 | (cp & 0x3f)));
	} else {
		out_put(o, (char)(0xf0 | (cp >> 18)));
		out_put(o, (char)(0x80 | ((cp >> 12) & 0x3f)));
		out_put(o, (char)(0x80 | ((cp >> 6) & 0x3f)));
		out_put(o, (char)(0x80 | (cp & 0x3f)));
	}
}

/*
 * The base64 run after '&' up to and including its '-'. Returns the bytes consumed,
 * or 0 when the run is not exactly what maildir_mutf7_encode() would write.
 */
static size_t dec_shift(const unsigned char *s, size_t len, struct out *o)
{
	uint32_t bits = 0, high = 0;
	unsigned nbits = 0;
	size_t i, units = 0;

	for (i = 0; i < len && s[i] != MUTF7_UNSHIFT; i++) {
		int v = b64_value(s[i]);

		if (v < 0)
			return 0;
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		uint32_t unit = (bits >> nbits) & 0xffff;
		bits &= (1u << nbits) - 1;
		units++;
		if (high != 0) {
			if (unit < 0xdc00 || unit > 0xdfff)
				return 0;
			put_utf8(o, 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00));
			high = 0;
		} else if (unit >= 0xd800 && unit <= 0xdbff) {
			high = unit;
		} else if (unit >= 0xdc00 && unit <= 0xdfff) {
			return 0;	/* a low surrogate alone */
		} else if (unit == 0 || is_direct(unit)) {
			/* Trap: printable ASCII must stand for itself (RFC 3501
			 * 5.1.3); accepting it shifted gives one name two spellings. */
			return 0;
		} else {
			put_utf8(o, unit);
		}
	}
	/* Unterminated, empty ("&-" is handled by the caller), a broken surrogate
	 * pair, a partial unit of 6 bits or more, or non-zero padding bits. */
	if (i == len || units == 0 || high != 0 || nbits >= 6 || bits != 0)
		return 0;
	return i + 1;
}

int maildir_mutf7_decode(const char *mutf7, size_t len, char *out, size_t outsz)
{
	const unsigned char *s = (const unsigned char *)mutf7;
	struct out o = { out, 0, outsz, 0 };
	size_t i = 0;

	while (i < len) {
		if (s[i] != MUTF7_SHIFT) {
			if (!is_direct(s[i]))
				goto invalid;
			out_put(&o, (char)s[i++]);
			continue;
		}
		i++;
		if (i < len && s[i] == MUTF7_UNSHIFT) {
			out_put(&o, MUTF7_SHIFT);
			i++;
			continue;
		}
		size_t n = dec_shift(s + i, len - i, &o);
		if (n == 0)
			goto invalid;
		i += n;
		/* Two shifts back to back would have been written as one. */
		if (i + 1 < len && s[i] == MUTF7_SHIFT && s[i + 1] != MUTF7_UNSHIFT)
			goto invalid;
	}
	return out_finish(&o);
invalid:
	if (outsz > 0)
		out[0] = '\0';
	errno = EINVAL;
	return -1;
}
