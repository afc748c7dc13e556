/*
 * Decoding happens into one stack buffer that is wiped on the single way out (a
 * base64 error may leave part of a password in it too), so no path forgets it.
 */
#include "sasl.h"

#include "base64.h"
#include "wipe.h"

#include <string.h>

enum sasl_result sasl_plain_decode(const char *b64, size_t len, char *user_r,
				   char *pass_r)
{
	unsigned char msg[BASE64_DECODED_MAX(SASL_B64_MAX)];
	const unsigned char *nul1, *nul2, *authc, *pass, *end;
	enum sasl_result r = SASL_BAD_MESSAGE;
	size_t n = 0;

	user_r[0] = pass_r[0] = '\0';
	if (len > SASL_B64_MAX)
		goto out;
	if (base64_decode(b64, len, msg, sizeof msg, &n) < 0) {
		r = SASL_BAD_BASE64;
		goto out;
	}
	/* message = [authzid] UTF8NUL authcid UTF8NUL passwd (RFC 4616 section 2) */
	end = msg + n;
	nul1 = memchr(msg, '\0', n);
	if (nul1 == NULL)
		goto out;
	authc = nul1 + 1;
	nul2 = memchr(authc, '\0', (size_t)(end - authc));
	if (nul2 == NULL)
		goto out;
	pass = nul2 + 1;
	if (nul2 == authc || pass == end || (size_t)(nul1 - msg) > SASL_FIELD_MAX ||
	    (size_t)(nul2 - authc) > SASL_FIELD_MAX || (size_t)(end - pass) > SASL_FIELD_MAX ||
	    memchr(pass, '\0', (size_t)(end - pass)) != NULL)
		goto out;
	/* Only a login as oneself: an authzid, when given, must be the authcid. */
	if (nul1 != msg && ((size_t)(nul1 - msg) != (size_t)(nul2 - authc) ||
			    memcmp(msg, authc, (size_t)(nul2 - authc)) != 0)) {
		r = SASL_BAD_AUTHZID;
		goto out;
	}
	memcpy(user_r, authc, (size_t)(nul2 - authc));
	user_r[nul2 - authc] = '\0';
	memcpy(pass_r, pass, (size_t)(end - pass));
	pass_r[end - pass] = '\0';
	r = SASL_OK;
out:
	wipe(msg, sizeof msg);
	return r;
}

enum sasl_result sasl_field_decode(const char *b64, size_t len, char *out)
{
	unsigned char dec[BASE64_DECODED_MAX(SASL_B64_MAX)];
	enum sasl_result r = SASL_BAD_MESSAGE;
	size_t n = 0;

	out[0] = '\0';
	if (len > SASL_B64_MAX)
		goto out;
	if (base64_decode(b64, len, dec, sizeof dec, &n) < 0) {
		r = SASL_BAD_BASE64;
		goto out;
	}
	if (n == 0 || n > SASL_FIELD_MAX || memchr(dec, '\0', n) != NULL)
		goto out;
	memcpy(out, dec, n);
	out[n] = '\0';
	r = SASL_OK;
out:
	wipe(dec, sizeof dec);
	return r;
}
