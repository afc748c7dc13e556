/*
 * The not-authenticated state (RFC 3501 6.2): greeting, LOGIN, AUTHENTICATE PLAIN
 * (RFC 4616, with RFC 4959 SASL-IR), and the checkpassword call that becomes the
 * session. This process runs as whoever the superserver started it as (often root, so
 * that the checker can change user); it never opens a mailbox.
 *
 * Trap: the session process, exec'd by the checker, inherits fd 0. Anything read here
 * past the end of the authenticating command would be lost to it, so before login the
 * reader is bytewise (cmdread.h), and the session answers the LOGIN's tag itself: it
 * gets the tag as `--session TAG`.
 */
#include "imap.h"

#include "sasl.h"
#include "wipe.h"
#include "checkpw.h"
#include "log.h"
#include "peer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* No password stays in memory longer than its command: the command text, the
 * parser's string copies and the reader's line. */
static void wipe_command(struct imap *s)
{
	if (s->rd.cmd.s != NULL)
		wipe(s->rd.cmd.s, s->rd.cmd.cap);
	if (s->cmd.str != NULL)
		wipe(s->cmd.str, s->cmd.str_cap);
	wipe(s->rd.line, sizeof s->rd.line);
}

int imap_auth_main(struct imap *s)
{
	s->secure = s->opt.allow_plaintext || peer_secure();
	imap_enter_state(s, IMAP_NOT_AUTH);
	out_puts(&s->out, "* OK [CAPABILITY ");
	imap_put_capability(s);
	out_puts(&s->out, "] IMAP4rev1 ready\r\n");
	return imap_serve(s);
}

/* Run CHECKPW ARGS... SELF --session TAG with the credentials on fd 3. */
static int login(struct imap *s, struct imap_cmd *c, const char *user, const char *pass)
{
	char **argv = s->opt.login_argv;
	int status;

	argv[s->opt.login_argc - 1] = c->tag;
	if (out_flush(&s->out) < 0)
		return -1;
	if (checkpw_run(argv, user, pass, "", &status) < 0) {
		log_warn("cannot run %s: %s", argv[0], strerror(errno));
		imap_tagged(s, "NO", "[UNAVAILABLE] Temporary authentication failure");
		return 0;
	}
	if (status == 0) {
		/* The session ran in the child, on our fd 0 and 1, and is over. */
		s->done = 1;
		return 0;
	}
	if (status == CHECKPW_EXIT_BAD) {
		log_info("login failed user=%.64s peer=%s", user, log_peer());
		imap_tagged(s, "NO", "[AUTHENTICATIONFAILED] Authentication failed.");
		if (++s->auth_fails >= IMAP_AUTH_FAILS_MAX) {
			imap_untagged(s, "BYE Too many authentication failures");
			s->done = 1;
		}
		return 0;
	}
	log_warn("login temporary failure user=%.64s peer=%s: %s status %d", user, log_peer(),
		 argv[0], status >= CHECKPW_SIGNALED ? status - CHECKPW_SIGNALED : status);
	imap_tagged(s, "NO", "[UNAVAILABLE] Temporary authentication failure");
	if (status >= CHECKPW_SIGNALED) {
		/* We cannot tell whether the session had begun: do not go on. */
		s->done = 1;
		s->exit_code = 111;
	}
	return 0;
}

static int refuse_plaintext(struct imap *s)
{
	if (s->secure)
		return 0;
	/* RFC 3501 6.2.3: LOGINDISABLED advertised, so this is a NO */
	imap_tagged(s, "NO", "[PRIVACYREQUIRED] Plaintext authentication disallowed on "
		    "non-secure connection");
	return 1;
}

int imap_cmd_login(struct imap *s, struct imap_cmd *c)
{
	const char *user = imap_arg_astring(imap_cmd_arg(c, 0));
	const char *pass = imap_arg_astring(imap_cmd_arg(c, 1));
	int rc;

	if (c->n_args != 2 || user == NULL || pass == NULL) {
		wipe_command(s);
		return imap_bad(s, "Syntax: LOGIN user password");
	}
	if (refuse_plaintext(s)) {
		wipe_command(s);
		return 1;
	}
	if (user[0] == '\0' || strlen(user) > IMAP_SASL_FIELD_MAX ||
	    strlen(pass) > IMAP_SASL_FIELD_MAX) {
		wipe_command(s);
		imap_tagged(s, "NO", "[AUTHENTICATIONFAILED] Authentication failed.");
		return 1;
	}
	rc = login(s, c, user, pass);
	wipe_command(s);
	return rc;
}

/* SASL PLAIN (RFC 4616 section 2), decoded by the one decoder of client secrets
 * (lib/sasl.h). An authzid must name the same user: we offer no proxy login.
 * 0, or -1 after NO/BAD. */
static int auth_plain(struct imap *s, struct imap_cmd *c, const char *b64, size_t len)
{
	char user[SASL_FIELD_MAX + 1], pass[SASL_FIELD_MAX + 1];
	int rc = 1;

	switch (sasl_plain_decode(b64, len, user, pass)) {
	case SASL_OK:
		rc = login(s, c, user, pass);
		break;
	case SASL_BAD_BASE64:
		imap_bad(s, "Invalid base64 data");
		break;
	case SASL_BAD_MESSAGE:
		imap_bad(s, "Invalid PLAIN message");
		break;
	case SASL_BAD_AUTHZID:
		imap_tagged(s, "NO", "[AUTHENTICATIONFAILED] Authorization identity must be "
			    "the user name");
		rc = 0;
		break;
	}
	wipe(pass, sizeof pass);
	return rc;
}

int imap_cmd_authenticate(struct imap *s, struct imap_cmd *c)
{
	const struct imap_arg *mech = imap_cmd_arg(c, 0), *ir = imap_cmd_arg(c, 1);
	char line[IMAP_SASL_B64_MAX + 3];
	size_t len;
	int rc;

	if (c->n_args < 1 || c->n_args > 2 || mech->type != IMAP_ARG_ATOM ||
	    (ir != NULL && ir->type != IMAP_ARG_ATOM)) {
		wipe_command(s);
		return imap_bad(s, "Syntax: AUTHENTICATE mechanism [initial-response]");
	}
	if (!imap_arg_atom_is(mech, "PLAIN")) {
		wipe_command(s);
		imap_tagged(s, "NO", "Unsupported authentication mechanism");
		return 1;
	}
	if (refuse_plaintext(s)) {
		wipe_command(s);
		return 1;
	}
	if (ir != NULL) {
		/* RFC 4959 section 3: "=" is an empty initial response */
		rc = auth_plain(s, c, ir->s, strcmp(ir->s, "=") == 0 ? 0 : ir->len);
		wipe_command(s);
		return rc;
	}
	/* RFC 3501 7.5: an empty challenge is "+ " */
	out_puts(&s->out, "+ \r\n");
	if (out_flush(&s->out) < 0)
		return -1;
	rc = line_read_bytewise(&s->rd.in, s->rd.fd, line, sizeof line, &len);
	if (rc == 0) {
		s->done = 1;
		return 0;
	}
	if (rc < 0 && errno == ERANGE) {
		wipe(line, sizeof line);
		return imap_bad(s, "Response too long");
	}
	if (rc < 0 && errno == ETIMEDOUT) {
		imap_untagged(s, "BYE Autologout; idle for too long");
		s->done = 1;
		return 0;
	}
	if (rc < 0)
		return -1;
	line_chomp(line, &len);
	if (len == 1 && line[0] == '*') {
		/* RFC 3501 6.2.2: the client cancelled */
		wipe_command(s);
		return imap_bad(s, "Authentication cancelled");
	}
	rc = auth_plain(s, c, line, len);
	wipe(line, sizeof line);
	wipe_command(s);
	return rc;
}
