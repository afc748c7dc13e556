/*
 * SASL PLAIN (RFC 4616) and the fields of AUTH LOGIN, decoded from base64 for POP3 AUTH
 * (RFC 5034), SMTP AUTH (RFC 4954) and IMAP AUTHENTICATE. The one decoder of client
 * secrets: every copy of the decoded message is wiped on every return path, and the
 * caller owns (and wipes) only the password it asked for.
 */
#ifndef SASL_H
#define SASL_H

#include <stddef.h>

/* RFC 4616 section 2: authzid, authcid and passwd are each at most 255 octets, so a
 * message is at most 3 * 255 + 2 octets and its base64 at most 1024 characters. */
#define SASL_FIELD_MAX 255
#define SASL_MSG_MAX (3 * SASL_FIELD_MAX + 2)
#define SASL_B64_MAX 1024

enum sasl_result {
	SASL_OK = 0,
	SASL_BAD_BASE64,	/* RFC 4954 section 4, RFC 5034 section 4: refuse, never skip */
	SASL_BAD_MESSAGE,	/* not authzid NUL authcid NUL passwd, a field empty or too
				 * long, or the base64 longer than SASL_B64_MAX */
	SASL_BAD_AUTHZID,	/* authzid names another user: proxy logins are not offered */
};

/* The base64 b64 (len characters; "" decodes to the empty message, which is bad) of a
 * PLAIN message into user_r and pass_r, each SASL_FIELD_MAX + 1 bytes, NUL-terminated.
 * On anything but SASL_OK both are "". The decoded message is wiped before returning,
 * whatever the result; the caller wipes pass_r. */
enum sasl_result sasl_plain_decode(const char *b64, size_t len, char *user_r,
				   char *pass_r);

/* One base64 field (AUTH LOGIN's user name or password) into out, SASL_FIELD_MAX + 1
 * bytes, NUL-terminated; a NUL inside or an empty field is SASL_BAD_MESSAGE. out is ""
 * on failure, and the decoded copy is wiped whatever the result. */
enum sasl_result sasl_field_decode(const char *b64, size_t len, char *out);

#endif
