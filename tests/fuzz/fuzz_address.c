/*
 * The RFC 5322 address-list parser behind ENVELOPE on any bytes: it never fails on
 * syntax, every address it returns is a well-formed IMAP structure (group markers
 * balanced), and the IMAP output has balanced parentheses outside strings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope_addr a[64];
	long n = envelope_addrs_parse((const char *)data, size, a, 64);
	int open = 0;

	if (n < 0 || n > 64)
		abort();
	for (long i = 0; i < n; i++) {
		if (a[i].mailbox != NULL && a[i].host == NULL) {
			if (open)
				abort();	/* groups do not nest */
			open = 1;
		} else if (a[i].mailbox == NULL) {
			if (!open || a[i].name != NULL || a[i].adl != NULL || a[i].host != NULL)
				abort();
			open = 0;
		}
	}
	envelope_addrs_free(a, (size_t)n);

	struct buf b;
	buf_init(&b, (size_t)1 << 24);
	if (envelope_addrs_append(&b, (const char *)data, size) == 0 && b.len > 0) {
		/* Strings are quoted or literals; count parentheses outside them. */
		int depth = 0;
		for (size_t i = 0; i < b.len; i++) {
			char c = b.s[i];
			if (c == '"') {
				for (i++; i < b.len && b.s[i] != '"'; i++)
					if (b.s[i] == '\\')
						i++;
			} else if (c == '{') {
				size_t lit = strtoul(b.s + i + 1, NULL, 10);
				i = (size_t)(strchr(b.s + i, '\n') - b.s) + lit;
			} else if (c == '(') {
				depth++;
			} else if (c == ')' && --depth < 0) {
				abort();
			}
		}
		if (depth != 0)
			abort();
	}
	buf_free(&b);
	return 0;
}
