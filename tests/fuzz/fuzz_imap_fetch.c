/*
 * FETCH message items (BODY[section]<partial> and the rest) on arbitrary bytes: the
 * parser must stay inside its buffers, and what it accepts must be consistent: part
 * numbers non-zero, field lists only for HEADER.FIELDS(.NOT), MIME only after a part.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fetch_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fetch_body_item it;
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (fetch_body_parse(s, &it) == 0 && it.kind == FB_SECTION) {
		const struct section_spec *sp = &it.spec;
		for (size_t i = 0; i < sp->nparts; i++)
			if (sp->parts[i] == 0)
				abort();
		if ((sp->nfields > 0) != (sp->kind == SECTION_HEADER_FIELDS ||
					  sp->kind == SECTION_HEADER_FIELDS_NOT))
			abort();
		if (sp->kind == SECTION_MIME && sp->nparts == 0)
			abort();
		for (size_t i = 0; i < sp->nfields; i++)
			if (strlen(sp->fields[i]) == 0)
				abort();
		if (it.partial && it.length == 0)
			abort();
	}
	free(s);
	return 0;
}
