/*
 * The SPECIAL-USE override file (imapd/special_use.c) on arbitrary bytes: parsing fails
 * only on memory, keeps at most IMAP_SPECIAL_USE_MAX entries, each with an RFC 6154
 * attribute and a non-empty name without NUL, CR or LF that looks itself up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "special_use.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_special_use su;

	memset(&su, 0, sizeof su);
	if (size > IMAP_SPECIAL_USE_FILE_MAX)
		return 0;
	if (imap_special_use_parse((const char *)data, size, &su) < 0)
		return 0;
	if (su.n > IMAP_SPECIAL_USE_MAX)
		abort();
	for (size_t i = 0; i < su.n; i++) {
		if (su.attr[i][0] != '\\' || su.name[i][0] == '\0' ||
		    strpbrk(su.name[i], "\r\n") != NULL)
			abort();
		if (imap_special_use_get(&su, su.name[i]) == NULL)
			abort();
	}
	imap_special_use_free(&su);
	return 0;
}
