/*
 * maildirsize parser on arbitrary bytes. Whatever it reads must be sane: sums within
 * 0..INT64_MAX, a definition only with an S or C member, no more usage lines than
 * newlines, and the over-quota test total on any message size (UBSan catches any
 * signed overflow on the way).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maildir_quota.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct maildir_quota q;
	size_t nl = 0;
	int defined = maildir_quota_parse((const char *)data, size, &q);

	for (size_t i = 0; i < size; i++)
		nl += data[i] == '\n';
	if (defined != (q.has_bytes || q.has_count) || (defined != 0 && defined != 1))
		abort();
	if (q.bytes < 0 || q.count < 0 || q.lines > nl)
		abort();
	if (q.max_bytes > INT64_MAX || q.max_count > INT64_MAX)
		abort();
	if (!q.has_bytes && q.max_bytes != 0)
		abort();
	(void)maildir_quota_over(&q, 0, 0);
	(void)maildir_quota_over(&q, UINT64_MAX, UINT64_MAX);
	if (size >= 8) {
		uint64_t b;
		memcpy(&b, data, sizeof b);
		if (maildir_quota_over(&q, b, 1) < maildir_quota_over(&q, 0, 0))
			abort();
	}
	return 0;
}
