/*
 * Password schemes, named as Dovecot names them so that one users file serves both.
 * Every hashed scheme goes through the system's crypt(3) (libxcrypt on Linux: $6$,
 * $5$, $2b$/$2y$, $y$, $1$), and the scheme name only has to agree with the hash
 * prefix, so a typo in either is reported instead of silently tried. Clear-text
 * secrets exist for APOP (RFC 1939 section 7), whose digest needs the secret itself.
 * All comparisons run in time independent of where the inputs differ.
 */
#include "pwcheck.h"
#include "md5.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<crypt.h>)
#include <crypt.h>
#endif
#endif

enum scheme_kind { KIND_CRYPT, KIND_PLAIN };

struct scheme {
	const char *name;
	enum scheme_kind kind;
	/* The hash must start with one of these ($2 variants: RFC-less bcrypt history);
	 * none listed: anything crypt(3) takes. */
	const char *prefix[3];
};

static const struct scheme schemes[] = {
	{ "SHA512-CRYPT", KIND_CRYPT, { "$6$" } },
	{ "SHA256-CRYPT", KIND_CRYPT, { "$5$" } },
	{ "BLF-CRYPT", KIND_CRYPT, { "$2y$", "$2b$", "$2a$" } },
	{ "YESCRYPT", KIND_CRYPT, { "$y$" } },
	{ "MD5-CRYPT", KIND_CRYPT, { "$1$" } },
	{ "CRYPT", KIND_CRYPT, { NULL } },
	{ "PLAIN", KIND_PLAIN, { NULL } },
	{ "CLEAR", KIND_PLAIN, { NULL } },
	{ "CLEARTEXT", KIND_PLAIN, { NULL } },
};

/* A secret without "{SCHEME}" is a crypt(3) string, as in Dovecot. */
static const struct scheme *scheme_find(const char *secret, const char **data_r)
{
	const char *close;
	size_t i, n;

	if (secret[0] != '{') {
		*data_r = secret;
		return &schemes[5];
	}
	close = strchr(secret, '}');
	if (close == NULL)
		return NULL;
	n = (size_t)(close - secret - 1);
	*data_r = close + 1;
	for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strlen(schemes[i].name) == n && strncasecmp(schemes[i].name, secret + 1, n) == 0)
			return &schemes[i];
	return NULL;
}

static int prefix_ok(const struct scheme *s, const char *data)
{
	size_t i;

	if (s->prefix[0] == NULL)
		return 1;
	for (i = 0; i < sizeof s->prefix / sizeof s->prefix[0] && s->prefix[i] != NULL; i++)
		if (strncmp(data, s->prefix[i], strlen(s->prefix[i])) == 0)
			return 1;
	return 0;
}

int pw_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	const unsigned char *x = a, *y = b;
	size_t i, n = alen > blen ? alen : blen;
	unsigned d = alen != blen;

	for (i = 0; i < n; i++)
		d |= (unsigned)((i < alen ? x[i] : 0) ^ (i < blen ? y[i] : 0));
	return d == 0;
}

/*
 * One crypt(3) call. With compare: 1 when the result equals it, 0 when not; with out:
 * the result copied there (ERANGE when it does not fit). -1 when crypt(3) refused the
 * setting: NULL, or libxcrypt's failure token starting with '*' (a trap: by default it
 * returns that string rather than NULL). The library's copy of the result is wiped.
 */
static int pw_crypt(const char *pass, const char *setting, const char *compare,
		    char *out, size_t outsz)
{
	const char *r;
	size_t n;
	int ret = -1;
#ifdef CRYPT_OUTPUT_SIZE
	/* libxcrypt: the reentrant form, zeroed once (static) as crypt_r(3) requires. */
	static struct crypt_data cd;

	r = crypt_r(pass, setting, &cd);
#else
	r = crypt(pass, setting);
#endif
	if (r == NULL || r[0] == '*' || r[0] == '\0') {
		errno = EINVAL;
		goto out;
	}
	n = strlen(r);
	ret = 0;
	if (compare != NULL)
		ret = pw_equal(r, n, compare, strlen(compare));
	if (out != NULL) {
		if (n >= outsz) {
			errno = ERANGE;
			ret = -1;
			goto out;
		}
		memcpy(out, r, n + 1);
	}
out:
#ifdef CRYPT_OUTPUT_SIZE
	wipe(&cd, sizeof cd);
#endif
	return ret;
}

void pw_burn(const char *pass, const char *setting)
{
	(void)pw_crypt(pass, setting, NULL, NULL, 0);
}

const char *pw_crypt_part(const char *secret)
{
	const char *data;
	const struct scheme *s = scheme_find(secret, &data);

	if (s == NULL || s->kind != KIND_CRYPT || !prefix_ok(s, data) || data[0] == '\0')
		return NULL;
	return data;
}

static int is_hex_digest(const char *s)
{
	size_t i;

	for (i = 0; i < MD5_HEX_LEN; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return s[MD5_HEX_LEN] == '\0';
}

/*
 * A clear-text secret matches the password itself, or, when the caller sent a
 * timestamp and the "password" is a 32-hex-digit digest, the APOP digest
 * MD5(timestamp secret). Both are tried: qmail-popup style callers send the APOP
 * banner as timestamp with every USER/PASS login too. RFC 1939 shows the digest in
 * lowercase; clients sending uppercase are accepted.
 */
static int plain_verify(const char *secret, const char *pass, const char *timestamp)
{
	int ok = pw_equal(pass, strlen(pass), secret, strlen(secret));

	if (timestamp[0] != '\0' && is_hex_digest(pass)) {
		char want[MD5_HEX_LEN + 1], got[MD5_HEX_LEN + 1];
		unsigned char d[MD5_DIGEST_LEN];
		struct md5_ctx c;
		size_t i;

		md5_init(&c);
		md5_update(&c, timestamp, strlen(timestamp));
		md5_update(&c, secret, strlen(secret));
		md5_final(&c, d);
		for (i = 0; i < MD5_DIGEST_LEN; i++) {
			want[2 * i] = "0123456789abcdef"[d[i] >> 4];
			want[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
		}
		for (i = 0; i < MD5_HEX_LEN; i++)
			got[i] = (char)tolower((unsigned char)pass[i]);
		ok |= pw_equal(want, MD5_HEX_LEN, got, MD5_HEX_LEN);
		wipe(want, sizeof want);
		wipe(d, sizeof d);
	}
	return ok;
}

int pw_verify(const char *secret, const char *pass, const char *timestamp,
	      struct pw_check *c)
{
	const struct scheme *s;
	const char *data;
	int r;

	memset(c, 0, sizeof *c);
	s = scheme_find(secret, &data);
	if (s == NULL) {
		c->problem = "unknown password scheme";
		return 0;
	}
	if (s->kind == KIND_PLAIN) {
		c->plain = 1;
		/* checkpassword's rule: an empty password never logs in. */
		if (data[0] == '\0') {
			c->problem = "empty clear-text password";
			return 0;
		}
		return pass[0] != '\0' && plain_verify(data, pass, timestamp);
	}
	if (!prefix_ok(s, data)) {
		c->problem = "the hash does not start as its {SCHEME} requires";
		return 0;
	}
	if (pass[0] == '\0')
		return 0;
	c->apop_needs_plain = timestamp[0] != '\0' && is_hex_digest(pass);
	c->crypt_spent = 1;
	r = pw_crypt(pass, data, data, NULL, 0);
	if (r < 0) {
		c->problem = "crypt(3) cannot use this hash (locked, or a method this libcrypt lacks)";
		return 0;
	}
	return r;
}

int pw_make(const char *pass, const unsigned char rnd[PW_SALT_LEN], char *out, size_t outsz)
{
	/* crypt(3)'s salt alphabet: 64 characters, so six random bits each, unbiased. */
	static const char salt_chars[] =
		"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	static const char tag[] = "{SHA512-CRYPT}";
	char setting[3 + PW_SALT_LEN + 1] = "$6$";
	size_t i;

	for (i = 0; i < PW_SALT_LEN; i++)
		setting[3 + i] = salt_chars[rnd[i] & 63];
	setting[3 + PW_SALT_LEN] = '\0';
	if (outsz < sizeof tag) {
		errno = ERANGE;
		return -1;
	}
	memcpy(out, tag, sizeof tag - 1);
	if (pw_crypt(pass, setting, NULL, out + sizeof tag - 1, outsz - (sizeof tag - 1)) < 0)
		return -1;
	if (strncmp(out + sizeof tag - 1, setting, 3) != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
