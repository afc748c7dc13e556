/*
 * maildir_name_parse over arbitrary bytes, and the property the rest of the library
 * relies on: rewriting the flags of a parsed name changes nothing but the flags.
 * Re-parsing the result gives the same base (byte for byte), the same separator, the
 * requested flags and keywords, the old tail (for a "2," info), the same sizes and times.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maildir_name.h"

/* A little past the longest name, to reach the too-long refusal. */
#define FUZZ_NAME_MAX (MAILDIR_NAME_MAX + 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_flags(const char *name, const struct maildir_name *a, uint32_t flags,
			uint32_t keywords)
{
	char out[MAILDIR_NAME_MAX + 1];
	struct maildir_name b;
	int n = maildir_name_with_flags(name, flags, keywords, out, sizeof out);

	if (n < 0)
		return;		/* ENAMETOOLONG: more letters than fit */
	if ((size_t)n != strlen(out) || n > MAILDIR_NAME_MAX)
		abort();
	if (maildir_name_parse(out, &b) < 0)
		abort();
	if (b.base_len != a->base_len || memcmp(out, name, a->base_len) != 0)
		abort();
	if (b.sep != (a->sep != 0 ? a->sep : ':') || !b.info_v2)
		abort();
	if (b.flags != (flags & ((UINT32_C(1) << 26) - 1)) ||
	    b.keywords != (keywords & ((UINT32_C(1) << 26) - 1)))
		abort();
	if (strcmp(out + b.tail_off, a->info_v2 ? name + a->tail_off : "") != 0)
		abort();
	if (b.size != a->size || b.vsize != a->vsize || b.sec != a->sec || b.usec != a->usec)
		abort();
	if (maildir_name_cmp_delivery(name, out) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[FUZZ_NAME_MAX + 1];
	struct maildir_name a;
	uint32_t f, k;

	if (size > FUZZ_NAME_MAX)
		size = FUZZ_NAME_MAX;
	memcpy(name, data, size);
	name[size] = '\0';
	if (maildir_name_parse(name, &a) < 0)
		return 0;
	if (a.base_len > strlen(name) || a.tail_off > strlen(name))
		abort();
	check_flags(name, &a, a.flags, a.keywords);
	check_flags(name, &a, 0, 0);
	/* flags derived from the input, including bits past 'Z' that are never written */
	f = k = 0;
	for (size_t i = 0; i < size && i < 8; i++) {
		f = f * 31 + data[i];
		k = k * 17 + data[size - 1 - i];
	}
	check_flags(name, &a, f, k);
	maildir_flags_parse(name, &f, &k);
	return 0;
}
