/*
 * dovecot-keywords reader on arbitrary bytes: it never fails on content (only memory),
 * and every name it keeps is a valid keyword that is found again at its own index.
 */
#include <stdint.h>
#include <stdlib.h>

#include "maildir_keywords.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct maildir_keywords k = { { 0 } };

	if (maildir_keywords_parse((const char *)data, size, &k) < 0)
		return 0;
	for (int i = 0; i < MAILDIR_KEYWORDS_MAX; i++) {
		if (k.name[i] == NULL)
			continue;
		if (!maildir_keyword_valid(k.name[i]))
			abort();
		/* A name listed twice is found at its first index. */
		int at = maildir_keywords_index(&k, k.name[i]);
		if (at < 0 || at > i)
			abort();
	}
	maildir_keywords_free(&k);
	return 0;
}
