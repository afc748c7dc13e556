/*
 * The login's entry in the users file, through lib/pwfile's lookup (the one name rule
 * smtpd shares). What checkpassword-file adds: a malformed line is reported by number
 * only, since any part of it may be a password, and skipped so that one bad edit does
 * not lock every other user out; and a crypt(3) secret is kept to hash for an unknown
 * user, so that a failed lookup costs the time of a failed password.
 */
#include "users.h"
#include "pwcheck.h"

#include "log.h"

#include <string.h>

struct skip {
	const char *path;
	char *dummy;
	size_t dummysz;
};

static void skip_line(void *arg, unsigned long lineno, const struct pwent *e,
		      const char *why)
{
	struct skip *k = arg;
	const char *cp;

	if (why != NULL) {
		log_warn("%s: line %lu ignored: %s", k->path, lineno, why);
		return;
	}
	cp = pw_crypt_part(e->secret);
	if (k->dummysz > 0 && k->dummy[0] == '\0' && cp != NULL && strlen(cp) < k->dummysz)
		memcpy(k->dummy, cp, strlen(cp) + 1);
}

int users_lookup(const char *path, const char *user, struct pwent *e, char *dummy,
		 size_t dummysz)
{
	struct skip k = { path, dummy, dummysz };

	if (dummysz > 0)
		dummy[0] = '\0';
	return pwfile_lookup(path, user, e, skip_line, &k);
}
