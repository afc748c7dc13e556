/*
 * Parsing is one left-to-right pass with no backtracking; resolving sorts the ranges
 * (qsort) and merges neighbours, so membership is a binary search and iteration walks
 * ranges in order without visiting numbers twice, whatever order the client wrote.
 */
#include "seqset.h"

#include "imap_limits.h"

#include <errno.h>
#include <stdlib.h>

/* nz-number or '*': advances *s. 0 or -1. */
static int number(const char **s, uint32_t *v_r, struct imap_seqset *set)
{
	const char *p = *s;
	uint64_t v = 0;

	if (*p == '*') {
		*v_r = IMAP_SEQ_STAR;
		*s = p + 1;
		return 0;
	}
	/* RFC 3501 9: nz-number = digit-nz *DIGIT, a 32-bit value */
	if (*p < '1' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return -1;
		p++;
	}
	*v_r = (uint32_t)v;
	if (*v_r > set->max_number)
		set->max_number = *v_r;
	*s = p;
	return 0;
}

int imap_seqset_parse(const char *s, struct imap_seqset *set)
{
	size_t cap = 0;

	set->r = NULL;
	set->n = 0;
	set->max_number = 0;
	for (;;) {
		struct imap_range r;

		if (number(&s, &r.lo, set) < 0)
			goto inval;
		r.hi = r.lo;
		if (*s == ':') {
			s++;
			if (number(&s, &r.hi, set) < 0)
				goto inval;
		}
		if (set->n == cap) {
			struct imap_range *nr;

			if (cap >= IMAP_SEQSET_RANGES_MAX) {
				errno = E2BIG;
				return -1;
			}
			cap = cap == 0 ? 8 : cap * 2;
			if (cap > IMAP_SEQSET_RANGES_MAX)
				cap = IMAP_SEQSET_RANGES_MAX;
			nr = realloc(set->r, cap * sizeof *nr);
			if (nr == NULL)
				return -1;
			set->r = nr;
		}
		set->r[set->n++] = r;
		if (*s == '\0')
			return 0;
		if (*s++ != ',')
			goto inval;
	}
inval:
	errno = EINVAL;
	return -1;
}

static int cmp_range(const void *a, const void *b)
{
	const struct imap_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

void imap_seqset_resolve(struct imap_seqset *set, uint32_t max)
{
	size_t i, k = 0;

	for (i = 0; i < set->n; i++) {
		struct imap_range r = set->r[i];

		if (r.lo == IMAP_SEQ_STAR)
			r.lo = max;
		if (r.hi == IMAP_SEQ_STAR)
			r.hi = max;
		if (r.lo > r.hi) {
			uint32_t t = r.lo;

			r.lo = r.hi;
			r.hi = t;
		}
		if (r.hi == 0)
			continue;	/* '*' of an empty mailbox */
		if (r.lo == 0)
			r.lo = 1;
		set->r[k++] = r;
	}
	set->n = k;
	if (k == 0)
		return;
	qsort(set->r, k, sizeof *set->r, cmp_range);
	k = 0;
	for (i = 1; i < set->n; i++) {
		if (set->r[i].lo <= set->r[k].hi ||
		    (set->r[k].hi != UINT32_MAX && set->r[i].lo == set->r[k].hi + 1)) {
			if (set->r[i].hi > set->r[k].hi)
				set->r[k].hi = set->r[i].hi;
		} else {
			set->r[++k] = set->r[i];
		}
	}
	set->n = k + 1;
}

int imap_seqset_has(const struct imap_seqset *set, uint32_t v)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v < set->r[mid].lo)
			hi = mid;
		else if (v > set->r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

uint32_t imap_seqset_last(const struct imap_seqset *set)
{
	return set->n == 0 ? 0 : set->r[set->n - 1].hi;
}

void imap_seqset_free(struct imap_seqset *set)
{
	free(set->r);
	set->r = NULL;
	set->n = 0;
}
