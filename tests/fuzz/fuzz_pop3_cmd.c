/*
 * The pop3d command parser over arbitrary lines: split the keyword, split arguments,
 * parse message numbers and counts. Includes the parser's source, as the daemon's
 * objects are not in a library.
 */
#include "../../pop3d/parse.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[POP3_CMD_BUF];
	struct pop3_cmd c;
	size_t n, len = size < sizeof line - 1 ? size : sizeof line - 1;
	uint64_t v;

	memcpy(line, data, len);
	line[len] = '\0';
	if (pop3_cmd_parse(line, len, &c) < 0)
		return 0;
	if (strlen(c.verb) == 0 || strlen(c.verb) > POP3_VERB_MAX)
		abort();
	pop3_cmd_split_args(&c);
	if (c.argc > POP3_ARGS_MAX + 1)
		abort();
	for (int i = 0; i < c.argc && i < POP3_ARGS_MAX; i++) {
		if (c.argv[i][0] == '\0' || strchr(c.argv[i], ' ') != NULL)
			abort();
		if (pop3_msgno(c.argv[i], 5, &n) == 0 && (n < 1 || n > 5))
			abort();
		(void)pop3_count(c.argv[i], &v);
	}
	return 0;
}
