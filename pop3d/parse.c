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

void pop3_wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
}

enum pop3_sasl_result pop3_sasl_plain(const char *b64, size_t len, char *user_r,
				      char *pass_r)
{
	unsigned char msg[POP3_SASL_MSG_MAX];
	enum pop3_sasl_result rc = POP3_SASL_BAD_MESSAGE;
	const unsigned char *authz, *authc, *pass, *nul1, *nul2, *end;
	size_t n;

	user_r[0] = pass_r[0] = '\0';
	if (len == 1 && b64[0] == '=')
		return POP3_SASL_BAD_MESSAGE;
	if (base64_decode(b64, len, msg, sizeof msg, &n) < 0)
		return errno == ERANGE ? POP3_SASL_BAD_MESSAGE : POP3_SASL_BAD_BASE64;
	end = msg + n;
	authz = msg;
	nul1 = memchr(authz, '\0', n);
	if (nul1 == NULL)
		goto out;
	authc = nul1 + 1;
	nul2 = memchr(authc, '\0', (size_t)(end - authc));
	if (nul2 == NULL)
		goto out;
	pass = nul2 + 1;
	/* RFC 4616: passwd is 1*SAFE (no NUL), authcid 1*SAFE, each at most 255 octets. */
	if (memchr(pass, '\0', (size_t)(end - pass)) != NULL || nul2 == authc || pass == end ||
	    (size_t)(nul2 - authc) > POP3_SASL_FIELD_MAX ||
	    (size_t)(end - pass) > POP3_SASL_FIELD_MAX)
		goto out;
	/* Only a login as oneself: an authzid, when given, must name the authcid. */
	if (nul1 != authz && ((size_t)(nul1 - authz) != (size_t)(nul2 - authc) ||
			      memcmp(authz, authc, (size_t)(nul1 - authz)) != 0)) {
		rc = POP3_SASL_BAD_AUTHZID;
		goto out;
	}
	memcpy(user_r, authc, (size_t)(nul2 - authc));
	user_r[nul2 - authc] = '\0';
	memcpy(pass_r, pass, (size_t)(end - pass));
	pass_r[end - pass] = '\0';
	rc = POP3_SASL_OK;
out:
	pop3_wipe(msg, sizeof msg);
	return rc;
}
