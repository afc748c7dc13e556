/*
 * The SASL decoder (lib/sasl.c) that pop3d's and smtpd's AUTH use, over arbitrary client
 * responses: strict base64 (RFC 5034 section 4), then authzid NUL authcid NUL passwd
 * (RFC 4616). A decoded user or password is bounded and holds no NUL; a round trip
 * through the encoder must give back what was accepted; refusals leave empty outputs.
 */
#include "base64.h"
#include "sasl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char user[SASL_FIELD_MAX + 1], pass[SASL_FIELD_MAX + 1], field[SASL_FIELD_MAX + 1];
	char msg[SASL_MSG_MAX], enc[BASE64_ENCODED_SIZE(SASL_MSG_MAX)];
	size_t ul, pl, n;

	if (size > 2048)
		return 0;
	if (sasl_field_decode((const char *)data, size, field) != SASL_OK) {
		if (field[0] != '\0')
			abort();
	} else if (strlen(field) == 0 || strlen(field) > SASL_FIELD_MAX) {
		abort();
	}
	if (sasl_plain_decode((const char *)data, size, user, pass) != SASL_OK) {
		if (user[0] != '\0' || pass[0] != '\0')
			abort();
		return 0;
	}
	ul = strlen(user);
	pl = strlen(pass);
	if (ul == 0 || pl == 0 || ul > SASL_FIELD_MAX || pl > SASL_FIELD_MAX)
		abort();
	/* Re-encode as "\0user\0pass" and decode again: the same credentials. */
	n = 0;
	msg[n++] = '\0';
	memcpy(msg + n, user, ul + 1);
	n += ul + 1;
	memcpy(msg + n, pass, pl);
	n += pl;
	if (base64_encode(msg, n, enc, sizeof enc) < 0)
		abort();
	{
		char u2[SASL_FIELD_MAX + 1], p2[SASL_FIELD_MAX + 1];
		if (sasl_plain_decode(enc, strlen(enc), u2, p2) != SASL_OK ||
		    strcmp(u2, user) != 0 || strcmp(p2, pass) != 0)
			abort();
	}
	return 0;
}
