/*
 * Sequence sets over arbitrary strings: after resolving, ranges are ordered, disjoint
 * and within 1..max, and membership agrees with them.
 */
#include "seqset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_seqset s;
	char *str;
	uint32_t max;

	if (size < 2)
		return 0;
	max = (uint32_t)data[0] * 256 + data[1];
	str = malloc(size - 1);
	if (str == NULL)
		return 0;
	memcpy(str, data + 2, size - 2);
	str[size - 2] = '\0';
	if (imap_seqset_parse(str, &s) == 0) {
		imap_seqset_resolve(&s, max);
		for (size_t i = 0; i < s.n; i++) {
			if (s.r[i].lo == 0 || s.r[i].lo > s.r[i].hi ||
			    (i > 0 && s.r[i].lo <= s.r[i - 1].hi + 1))
				abort();
			if (!imap_seqset_has(&s, s.r[i].lo) || !imap_seqset_has(&s, s.r[i].hi))
				abort();
			if (s.r[i].lo > 1 && (i == 0 || s.r[i].lo - 1 > s.r[i - 1].hi) &&
			    imap_seqset_has(&s, s.r[i].lo - 1))
				abort();
		}
	}
	imap_seqset_free(&s);
	free(str);
	return 0;
}
