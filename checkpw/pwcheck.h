/*
 * Password schemes of the users file (Dovecot names), verification through crypt(3),
 * APOP against clear-text secrets, and making new {SHA512-CRYPT} entries.
 */
#ifndef CHECKPW_PWCHECK_H
#define CHECKPW_PWCHECK_H

#include <stddef.h>

#include "wipe.h"

/* Salt characters of a new SHA512-CRYPT hash; 16 is the maximum crypt(3) uses for $6$. */
#define PW_SALT_LEN 16
/* Longest crypt(3) string we make or keep (libxcrypt's CRYPT_OUTPUT_SIZE is 384). */
#define PW_HASH_MAX 512
/* The setting spent on unknown users when the file has no crypt entry to imitate:
 * SHA512-CRYPT at its default 5000 rounds, what checkpassword-file --hash makes. */
#define PW_DUMMY_SETTING "$6$cpwdummysaltxyz"

struct pw_check {
	int plain;		/* the secret is stored in clear: the admin should be told */
	int crypt_spent;	/* one crypt(3) call was made (timing equal to a hashed entry) */
	int apop_needs_plain;	/* looked like APOP against a hashed secret, which cannot work */
	const char *problem;	/* why the secret could not be checked at all, or NULL */
};

/* Check pass against the stored secret ("{SCHEME}data", no prefix meaning {CRYPT}).
 * timestamp is the third checkpassword field ("" when none): with a clear-text secret
 * and a pass of 32 hex digits it is also tried as APOP, MD5(timestamp secret) (RFC 1939
 * section 7). Returns 1 on a match, 0 otherwise; *c says what happened, for the log. */
int pw_verify(const char *secret, const char *pass, const char *timestamp,
	      struct pw_check *c);

/* The crypt(3) string of secret when its scheme goes through crypt(3), else NULL. */
const char *pw_crypt_part(const char *secret);

/* One crypt(3) of pass with setting, result thrown away: equal time for a failure that
 * needs no hash (unknown user, clear-text secret). */
void pw_burn(const char *pass, const char *setting);

/* Write "{SHA512-CRYPT}$6$salt$hash" for pass into out, the salt made from the low six
 * bits of each of the PW_SALT_LEN random bytes. 0, or -1 with errno (ERANGE: outsz too
 * small; EINVAL: crypt(3) failed). */
int pw_make(const char *pass, const unsigned char rnd[PW_SALT_LEN], char *out, size_t outsz);

/* 1 when a (alen bytes) equals b (blen bytes), in time that depends only on the lengths. */
int pw_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
