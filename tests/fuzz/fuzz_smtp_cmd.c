/*
 * The smtpd command parser over arbitrary lines: the verb split, MAIL parameters and
 * BDAT arguments. Includes the parser's source, as the daemon's objects are not in a
 * library.
 */
#include "../../smtpd/parse.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[SMTP_CMD_BUF];
	struct smtp_cmd c;
	struct smtp_mail_params p;
	size_t len = size < sizeof line - 1 ? size : sizeof line - 1;
	uint64_t n;
	int last;

	memcpy(line, data, len);
	line[len] = '\0';
	if (smtp_cmd_parse(line, len, &c) < 0)
		return 0;
	if (strlen(c.verb) == 0 || strlen(c.verb) > SMTP_VERB_MAX)
		abort();
	if (c.rest < line || c.rest > line + len)
		abort();
	/* No control character survives the parse: no bare CR/LF reaches a handler. */
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\r' || line[i] == '\n' || line[i] == '\0')
			abort();
	}
	(void)smtp_mail_params(c.rest, &p);
	(void)smtp_rcpt_params(c.rest);
	if (smtp_bdat_args(c.rest, &n, &last) == 0 && last != 0 && last != 1)
		abort();
	(void)smtp_keyword_colon(c.rest, "FROM:");
	return 0;
}
