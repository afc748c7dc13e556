/*
 * String and number helpers. str_to_u64 is the only number parser of the project: it
 * takes digits only (no sign, no space, which strtoull would silently accept) and
 * reports overflow instead of wrapping, so "UID FETCH 99999999999999999999" is a range
 * error rather than some other UID.
 */
#include "str.h"

#include <errno.h>
#include <string.h>

#ifdef HAVE_LIBBSD
#include <bsd/string.h>
#endif

size_t str_lcpy(char *dst, const char *src, size_t size)
{
#ifdef HAVE_LIBBSD
	return strlcpy(dst, src, size);
#else
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
#endif
}

size_t str_lcat(char *dst, const char *src, size_t size)
{
#ifdef HAVE_LIBBSD
	return strlcat(dst, src, size);
#else
	/* Like strlcat, a dst without a NUL in its first size bytes counts as size long. */
	size_t d = strnlen(dst, size);

	if (d == size)
		return size + strlen(src);
	return d + str_lcpy(dst + d, src, size - d);
#endif
}

int str_to_u64(const char *s, size_t len, uint64_t max, uint64_t *r)
{
	uint64_t v = 0;
	int over = 0;
	size_t i;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	/* Look at every byte before reporting ERANGE: "999...9x" is not a number at all. */
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9') {
			errno = EINVAL;
			return -1;
		}
		d = (unsigned)(s[i] - '0');
		if (over)
			continue;
		if (v > (UINT64_MAX - d) / 10)
			over = 1;
		else
			v = v * 10 + d;
	}
	if (over || v > max) {
		errno = ERANGE;
		return -1;
	}
	*r = v;
	return 0;
}

int str_to_u64z(const char *s, uint64_t max, uint64_t *r)
{
	return str_to_u64(s, strlen(s), max, r);
}

/* ASCII only: protocol keywords must not depend on the locale (Turkish dotless i). */
static int lower_ascii(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int str_has_prefix_ci(const char *s, const char *prefix)
{
	for (; *prefix != '\0'; s++, prefix++) {
		if (*s == '\0')
			return 0;
		if (lower_ascii(*s) != lower_ascii(*prefix))
			return 0;
	}
	return 1;
}
