/*
 * AUTH PLAIN and AUTH LOGIN (RFC 4954, RFC 4616, draft-murchison-sasl-login) through
 * the checkpassword interface. Unlike pop3d and imapd, no session is exec'd: the
 * checker runs a POSTAUTH that only exits 0 (/bin/true), and that exit status is the
 * answer. Plaintext passwords only on a secure connection (TLS from the wrapper, or a
 * loopback peer) unless --allow-plaintext, as in pop3d. Credentials are never logged.
 */
#include "smtp.h"

#include "checkpw.h"
#include "log.h"
#include "peer.h"
#include "str.h"
#include "wipe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A SASL continuation line into s->line. 1 with *len_r, 0 when the reply was sent
 * (cancel, bad line) or the session is over. */
static int read_response(struct smtp *s, size_t *len_r)
{
	int rc;

	if (out_flush(&s->out) < 0)
		return 0;
	s->in.timeout_ms = s->cmd_timeout_ms;
	rc = line_read(&s->in, s->line, sizeof s->line, len_r);
	if (rc == 0 || (rc < 0 && errno != ERANGE)) {
		if (rc < 0 && errno == ETIMEDOUT)
			smtp_reply(s, 421, "4.4.2 %s Timeout, closing connection", s->host);
		s->done = 1;
		return 0;
	}
	if (rc < 0) {
		smtp_reply(s, 500, "5.5.2 Line too long");
		return 0;
	}
	if (line_chomp(s->line, len_r) != 2) {
		smtp_reply(s, 500, "5.5.2 Bare LF in command line not allowed");
		return 0;
	}
	if (*len_r == 1 && s->line[0] == '*') {
		/* RFC 4954 section 4 */
		smtp_reply(s, 501, "5.0.0 Authentication cancelled");
		return 0;
	}
	return 1;
}

static int login(struct smtp *s, const char *user, const char *pass)
{
	int status;

	if (out_flush(&s->out) < 0)
		return -1;
	if (smtp_agent_auth(s, user, pass, &status) < 0) {
		log_warn("cannot run %s: %s", s->opt.checkpw_argv[0], strerror(errno));
		status = CHECKPW_EXIT_TEMP;
	}
	if (status == 0) {
		s->authed = 1;
		str_lcpy(s->auth_user, user, sizeof s->auth_user);
		log_info("login user=%.64s peer=%s", user, s->peer);
		smtp_reply(s, 235, "2.7.0 Authentication successful");
		return 0;
	}
	if (status == CHECKPW_EXIT_BAD) {
		log_info("login failed user=%.64s peer=%s", user, s->peer);
		smtp_reply(s, 535, "5.7.8 Authentication credentials invalid");
		if (++s->auth_fails >= SMTP_AUTH_FAILS_MAX) {
			/* RFC 5321 3.8: a server that closes on its own says 421 first, so
			 * the client knows it was not a dropped connection. */
			log_info("too many failed logins, closing peer=%s", s->peer);
			smtp_reply(s, 421, "4.7.0 %s Too many failed authentication attempts, "
				   "closing connection", s->host);
			s->done = 1;
		}
		return 1;
	}
	log_warn("login temporary failure user=%.64s peer=%s: status %d", user, s->peer,
		 status);
	smtp_reply(s, 454, "4.7.0 Temporary authentication failure");
	return 0;
}

static int sasl_error(struct smtp *s, enum sasl_result r)
{
	if (r == SASL_BAD_BASE64)
		smtp_reply(s, 501, "5.5.2 Invalid base64 data");
	else if (r == SASL_BAD_AUTHZID)
		smtp_reply(s, 535, "5.7.8 Authorization identity must be the user name");
	else
		smtp_reply(s, 501, "5.5.2 Invalid authentication message");
	return 1;
}

static int auth_plain(struct smtp *s, const char *resp, size_t len)
{
	char user[SASL_FIELD_MAX + 1], pass[SASL_FIELD_MAX + 1];
	enum sasl_result r = sasl_plain_decode(resp, len, user, pass);
	int rc;

	rc = r == SASL_OK ? login(s, user, pass) : sasl_error(s, r);
	wipe(pass, sizeof pass);
	return rc;
}

static int auth_login(struct smtp *s, const char *initial)
{
	char user[SASL_FIELD_MAX + 1], pass[SASL_FIELD_MAX + 1];
	enum sasl_result r;
	size_t len;
	int rc = 1;

	if (initial != NULL) {
		r = sasl_field_decode(initial, strlen(initial), user);
	} else {
		smtp_reply(s, 334, "VXNlcm5hbWU6");	/* "Username:" */
		if (!read_response(s, &len))
			return 1;
		r = sasl_field_decode(s->line, len, user);
	}
	if (r != SASL_OK)
		return sasl_error(s, r);
	smtp_reply(s, 334, "UGFzc3dvcmQ6");	/* "Password:" */
	if (!read_response(s, &len))
		return 1;
	r = sasl_field_decode(s->line, len, pass);
	wipe(s->line, sizeof s->line);
	if (r != SASL_OK)
		rc = sasl_error(s, r);
	else
		rc = login(s, user, pass);
	wipe(pass, sizeof pass);
	return rc;
}

int smtp_cmd_auth(struct smtp *s, struct smtp_cmd *c)
{
	char *mech = c->rest, *ir;
	size_t len;

	if (s->opt.checkpw_argv == NULL || !s->esmtp) {
		smtp_reply(s, 502, "5.5.1 AUTH not available");
		return 1;
	}
	if (s->authed) {
		smtp_reply(s, 503, "5.5.1 Already authenticated");
		return 1;
	}
	if (!s->secure) {
		/* RFC 4954 section 6 */
		smtp_reply(s, 538, "5.7.11 Encryption required for requested authentication "
			   "mechanism");
		return 1;
	}
	ir = strchr(mech, ' ');
	if (ir != NULL) {
		*ir++ = '\0';
		if (*ir == '\0' || strchr(ir, ' ') != NULL) {
			smtp_reply(s, 501, "5.5.4 Syntax: AUTH mechanism [initial-response]");
			return 1;
		}
	}
	if (strlen(mech) == 5 && str_has_prefix_ci(mech, "PLAIN")) {
		if (ir != NULL)	/* "=" is the empty initial response (RFC 4954 section 4) */
			return auth_plain(s, ir, strcmp(ir, "=") == 0 ? 0 : strlen(ir));
		smtp_reply(s, 334, "%s", "");
		if (!read_response(s, &len))
			return 1;
		return auth_plain(s, s->line, len);
	}
	if (strlen(mech) == 5 && str_has_prefix_ci(mech, "LOGIN"))
		return auth_login(s, ir);
	smtp_reply(s, 504, "5.5.4 Unrecognized authentication type");
	return 1;
}
