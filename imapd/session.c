/*
 * The authenticated session, run as the user: the mailbox root, the greeting that
 * answers the LOGIN's tag, and the small commands of the authenticated state that
 * touch no mailbox (NAMESPACE, ID, ENABLE).
 *
 * Exit status: once the session has answered the LOGIN it ends with 0 whatever
 * happens after, because the pre-login process (waiting on the checker) reads any
 * other status as a failed login and would answer a tag a second time.
 */
#include "imap.h"

#include "log.h"
#include "maildir_deliver.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The mailbox: $MAILDIR (absolute, or relative to HOME), default HOME/Maildir. */
static int root_path(char *out, size_t outsz)
{
	const char *home = getenv("HOME"), *md = getenv("MAILDIR");
	int n;

	if (md != NULL && md[0] == '/') {
		n = snprintf(out, outsz, "%s", md);
	} else {
		if (home == NULL || home[0] == '\0') {
			errno = ENOENT;
			return -1;
		}
		n = snprintf(out, outsz, "%s/%s", home,
			     md != NULL && md[0] != '\0' ? md : "Maildir");
	}
	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* The user's name for logs and the PREAUTH greeting: USER, as ssh and the checker
 * set it, else the name of the uid we run as (a tunnel started with `env -i`, or by
 * a client that cleans the environment). */
static const char *user_name(void)
{
	static char name[64];
	const char *user = getenv("USER");
	const struct passwd *pw;

	if (user != NULL && user[0] != '\0')
		return user;
	pw = getpwuid(getuid());
	if (pw == NULL || pw->pw_name == NULL ||
	    (size_t)snprintf(name, sizeof name, "%s", pw->pw_name) >= sizeof name)
		return "-";
	return name;
}

int imap_session_main(struct imap *s)
{
	s->user = user_name();
	if (root_path(s->root, sizeof s->root) < 0) {
		log_fatal("no mailbox: HOME unset or path too long user=%.64s", s->user);
		return 111;
	}
	/* INBOX always exists (RFC 3501 5.1); a new user's is made, as Dovecot does */
	if (maildir_make(s->root) < 0) {
		log_fatal("cannot make %s: %s user=%.64s", s->root, strerror(errno), s->user);
		return 111;
	}
	imap_enter_state(s, IMAP_AUTH);
	log_info("login user=%.64s peer=%s", s->user, log_peer());
	if (s->opt.preauth) {
		out_puts(&s->out, "* PREAUTH [CAPABILITY ");
		imap_put_capability(s);
		out_printf(&s->out, "] Logged in as %.64s\r\n", s->user);
	} else {
		out_printf(&s->out, "%s OK [CAPABILITY ", s->opt.login_tag);
		imap_put_capability(s);
		out_puts(&s->out, "] Logged in\r\n");
	}
	imap_serve(s);
	imap_mailbox_close(s);
	return 0;
}

int imap_cmd_namespace(struct imap *s, struct imap_cmd *c)
{
	if (c->n_args != 0)
		return imap_bad(s, "NAMESPACE takes no arguments");
	/* RFC 2342: one personal namespace, no prefix, '/' between levels */
	imap_untagged(s, "NAMESPACE ((\"\" \"/\")) NIL NIL");
	imap_tagged(s, "OK", "Namespace completed.");
	return 0;
}

int imap_cmd_id(struct imap *s, struct imap_cmd *c)
{
	const struct imap_arg *a = imap_cmd_arg(c, 0);

	/* RFC 2971 3.3: NIL, or a list of at most 30 field-value pairs */
	if (c->n_args != 1 || (!imap_arg_is_nil(a) && (a->type != IMAP_ARG_LIST ||
	    a->n % 2 != 0 || a->n > 2 * IMAP_ID_PAIRS_MAX)))
		return imap_bad(s, "Syntax: ID NIL | ID (field value ...)");
	imap_untagged(s, "ID (\"name\" \"maild-imapd\")");
	imap_tagged(s, "OK", "ID completed.");
	return 0;
}

int imap_cmd_enable(struct imap *s, struct imap_cmd *c)
{
	if (c->n_args == 0)
		return imap_bad(s, "Syntax: ENABLE capability ...");
	for (const struct imap_arg *a = c->args; a != NULL; a = a->next) {
		if (a->type != IMAP_ARG_ATOM)
			return imap_bad(s, "Syntax: ENABLE capability ...");
	}
	/* RFC 5161 3.1: none of what a client may ENABLE (CONDSTORE, QRESYNC,
	 * UTF8=ACCEPT) is implemented yet, so the list is empty */
	imap_untagged(s, "ENABLED");
	imap_tagged(s, "OK", "Enabled.");
	return 0;
}
