/*
 * The RFC 5321 path parser over arbitrary bytes: whatever it accepts fits its limits,
 * holds no control character, and is non-ASCII only when that was allowed.
 */
#include "../../smtpd/parse.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *s, size_t len, int null, int pm, int utf8)
{
	struct smtp_addr a;
	int n = smtp_path_parse(s, len, null, pm, utf8, &a);

	if (n < 0)
		return;
	if ((size_t)n > len || (size_t)n > SMTP_PATH_MAX || s[n - 1] != '>')
		abort();
	if (a.null && !null)
		abort();
	if (strlen(a.local) > SMTP_LOCAL_MAX || strlen(a.domain) > SMTP_DOMAIN_MAX)
		abort();
	if (a.utf8 && !utf8)
		abort();
	for (const char *p = a.text; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
			abort();
	}
	if (!a.null && a.domain[0] == '\0' && !pm)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[SMTP_CMD_BUF];
	size_t len = size < sizeof buf - 1 ? size : sizeof buf - 1;

	memcpy(buf, data, len);
	buf[len] = '\0';
	check(buf, len, 0, 0, 0);
	check(buf, len, 1, 1, 1);
	return 0;
}
