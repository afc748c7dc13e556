/*
 * Command-line parsing for pop3d. RFC 1939 section 3: a keyword of 3 or 4 characters,
 * case-insensitive, then arguments separated by single spaces (we accept runs of
 * spaces, as every deployed server does). PASS takes the rest of the line as one
 * argument, because passwords may contain spaces. Nothing here does I/O.
 */
#include "parse.h"
#include "limits.h"

#include "base64.h"
#include "str.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

int pop3_cmd_parse(char *line, size_t len, struct pop3_cmd *c)
{
	size_t v = 0;

	memset(c, 0, sizeof *c);
	c->rest = line + len;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];
		/* A NUL would cut the line short for everything downstream; other
		 * controls (tabs, bare CR) have no place in a POP3 command either. */
		if (ch < 0x20 || ch == 0x7f) {
			errno = EILSEQ;
			return -1;
		}
	}
	while (v < len && line[v] != ' ') {
		if (v >= POP3_VERB_MAX) {
			errno = EINVAL;
			return -1;
		}
		c->verb[v] = (char)toupper((unsigned char)line[v]);
		v++;
	}
	if (v == 0) {
		errno = EINVAL;
		return -1;
	}
	c->verb[v] = '\0';
	c->rest = v < len ? line + v + 1 : line + len;
	return 0;
}

void pop3_cmd_split_args(struct pop3_cmd *c)
{
	char *p = c->rest;

	c->argc = 0;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return;
		if (c->argc == POP3_ARGS_MAX) {
			c->argc = POP3_ARGS_MAX + 1;
			return;
		}
		c->argv[c->argc++] = p;
		while (*p != '\0' && *p != ' ')
			p++;
		if (*p == ' ')
			*p++ = '\0';
	}
}

int pop3_msgno(const char *s, size_t count, size_t *n_r)
{
	uint64_t v;

	if (str_to_u64z(s, UINT64_MAX, &v) < 0)
		return -1;
	if (v == 0 || v > count) {
		errno = ERANGE;
		return -1;
	}
	*n_r = (size_t)v;
	return 0;
}

int pop3_count(const char *s, uint64_t *n_r)
{
	return str_to_u64z(s, UINT64_MAX, n_r);
}
