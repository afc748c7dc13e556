/*
 * The passwd-file line parser (lib/pwfile.c) that checkpassword-file and smtpd share,
 * over arbitrary lines: the users file is disk input an administrator may get wrong.
 */
#include "pwfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[PWFILE_LINE_MAX];
	struct pwent e;
	const char *why = NULL;
	size_t len = size < sizeof line - 1 ? size : sizeof line - 1;
	int r;

	memcpy(line, data, len);
	line[len] = '\0';
	memset(&e, 0, sizeof e);
	r = pwfile_parse_line(line, &e, &why);
	if (r < 0 && why == NULL)
		abort();	/* a malformed line always says why */
	if (r == 0 && (e.user == NULL || e.secret == NULL || e.home == NULL || e.home[0] != '/'))
		abort();
	return 0;
}
