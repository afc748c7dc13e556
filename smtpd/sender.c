/*
 * Whose addresses an authenticated user may send from (RFC 6409 6.1: a submission
 * server may refuse a MAIL FROM the user has no right to). An address in one of our
 * domains belongs to the users its local delivery reaches: the user's own name (with
 * any +tag), and every alias whose targets lead to the user, through the aliases
 * file as RCPT resolves it. A login that is itself an address owns that address.
 * Addresses elsewhere belong to nobody here. Names compare ASCII case-insensitively,
 * as local parts do in rcpt.c.
 */
#include "smtp.h"

#include "buf.h"
#include "str.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static int owns_local(struct smtp *s, const char *user, const char *name, int depth);

/* One alias target: a name, or an address in one of our domains. -1, 0 or 1. */
static int owns_target(struct smtp *s, const char *user, char *t, int depth)
{
	char *e = t + strlen(t), *at;

	while (*t == ' ' || *t == '\t')
		t++;
	while (e > t && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	if (*t == '<' && e > t + 1 && e[-1] == '>') {
		t++;
		*--e = '\0';
	}
	at = strrchr(t, '@');
	if (at != NULL) {
		if (!smtp_domain_is_local(s, at + 1))
			return 0;
		*at = '\0';
	}
	return t[0] == '\0' ? 0 : owns_local(s, user, t, depth + 1);
}

static int owns_local(struct smtp *s, const char *user, const char *name, int depth)
{
	char base[SMTP_LOCAL_MAX + 1], *plus, *p, *save = NULL;
	struct buf targets;
	int rc, owned = 0;

	if (depth > SMTP_ALIAS_DEPTH_MAX)
		return 0;
	if (str_lcpy(base, name, sizeof base) >= sizeof base)
		return 0;
	for (p = base; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	plus = strchr(base, '+');
	if (plus != NULL && plus != base)
		*plus = '\0';
	if (strcasecmp(base, user) == 0)
		return 1;
	buf_init(&targets, SMTP_ALIAS_LINE_MAX);
	rc = smtp_alias_lookup(s, base, &targets);
	if (rc != 1 || targets.s == NULL) {
		buf_free(&targets);
		return rc == 1 ? 0 : rc;
	}
	for (p = strtok_r(targets.s, ",", &save); p != NULL && owned == 0;
	     p = strtok_r(NULL, ",", &save))
		owned = owns_target(s, user, p, depth);
	buf_free(&targets);
	return owned;
}

int smtp_sender_owned(struct smtp *s, const struct smtp_addr *a)
{
	char user[SASL_FIELD_MAX + 1], *at;

	if (strcasecmp(a->text, s->auth_user) == 0)
		return 1;
	if (a->domain[0] == '\0' || !smtp_domain_is_local(s, a->domain))
		return 0;
	/* A login "name@our.domain" (virtual-user checkers) is the user name. */
	str_lcpy(user, s->auth_user, sizeof user);
	at = strrchr(user, '@');
	if (at != NULL) {
		if (!smtp_domain_is_local(s, at + 1))
			return 0;
		*at = '\0';
	}
	if (user[0] == '\0')
		return 0;
	return owns_local(s, user, a->local, 0);
}
