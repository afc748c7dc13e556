/*
 * Base64 (RFC 4648 section 4, the standard alphabet with '=' padding), as SASL needs it
 * in POP3 AUTH (RFC 5034 section 4), IMAP AUTHENTICATE and SMTP AUTH. The decoder is
 * strict, as RFC 5034 demands: any character outside the alphabet, a pad anywhere but
 * at the end, or a length that is not a multiple of 4 is an error, never skipped.
 */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>

/* Output bytes needed to decode / encode n input bytes (encode adds a NUL). */
#define BASE64_DECODED_MAX(n) (((n) / 4) * 3)
#define BASE64_ENCODED_SIZE(n) ((((n) + 2) / 3) * 4 + 1)

/* Decode inlen characters into out (outsz bytes). 0 with *outlen_r set, or -1 with
 * errno EINVAL (not base64 as above, or non-zero bits in the last character, which
 * RFC 4648 section 3.5 lets a decoder reject) or ERANGE (out too small). */
int base64_decode(const char *in, size_t inlen, unsigned char *out, size_t outsz,
		  size_t *outlen_r);

/* The 6-bit value of c, or -1 for anything outside the alphabet (including '='): for
 * the lenient decoders of message bodies and encoded words (RFC 2045 6.8) too. */
int base64_sextet(unsigned char c);

/* Encode n bytes into out as a NUL-terminated string. Returns its length, or -1 with
 * errno ERANGE when outsz < BASE64_ENCODED_SIZE(n). */
long base64_encode(const void *p, size_t n, char *out, size_t outsz);

#endif
