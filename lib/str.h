/*
 * Small string and number helpers. Numbers are parsed with explicit overflow and range
 * checks (never atoi): digits only, no sign, no leading space.
 */
#ifndef STR_H
#define STR_H

#include <stddef.h>
#include <stdint.h>

/* strlcpy/strlcat semantics (libbsd's when built with LIBBSD=1). Return the length of
 * the string they tried to create; truncation when that is >= size. */
size_t str_lcpy(char *dst, const char *src, size_t size);
size_t str_lcat(char *dst, const char *src, size_t size);

/* Parse exactly len decimal digits into *r. 0, or -1 with errno EINVAL (empty, not a
 * digit) or ERANGE (value > max). */
int str_to_u64(const char *s, size_t len, uint64_t max, uint64_t *r);
/* Same, for a NUL-terminated string. */
int str_to_u64z(const char *s, uint64_t max, uint64_t *r);

/* 1 when s starts with prefix, ASCII case-insensitively. */
int str_has_prefix_ci(const char *s, const char *prefix);

#endif
