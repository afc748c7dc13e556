/*
 * The AUTHORIZATION state (RFC 1939 section 4): greeting with the APOP timestamp,
 * USER/PASS, APOP, AUTH PLAIN (RFC 5034) and the checkpassword call that becomes the
 * session. This process runs as whoever the superserver started it as (often root, so
 * that the checker can change user); it never opens a mailbox.
 *
 * Trap: the session process, exec'd by the checker, inherits fd 0. Anything read here
 * past the end of the authenticating command would be lost to it, so before login
 * input is read one byte at a time (pop3_read_line with s->bytewise), and a pipelining
 * client's next commands are still unread in fd 0 when the session starts.
 */
#include "pop3.h"

#include "checkpw.h"
#include "log.h"
#include "peer.h"
#include "sasl.h"
#include "str.h"
#include "testhook.h"
#include "wipe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* RFC 1939 section 7: a timestamp unique to this greeting, <pid.clock@host>. */
static void make_timestamp(struct pop3 *s)
{
	const char *fixed = testhook_getenv("POP3D_TEST_TIMESTAMP");
	char host[POP3_HOST_MAX + 1];
	int n;

	/* Pinned in test builds only (lib/testhook.h): in any other, a constant
	 * timestamp would let a sniffed APOP digest be replayed. */
	if (fixed != NULL && str_lcpy(s->timestamp, fixed, sizeof s->timestamp) < sizeof s->timestamp)
		return;
	if (gethostname(host, sizeof host) < 0)
		str_lcpy(host, "localhost", sizeof host);
	host[sizeof host - 1] = '\0';
	for (char *p = host; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '>' ||
		    *p == '<')
			*p = '_';
	}
	n = snprintf(s->timestamp, sizeof s->timestamp, "<%ld.%lld@%s>", (long)getpid(),
		     (long long)time(NULL), host);
	if (n < 0 || (size_t)n >= sizeof s->timestamp)
		snprintf(s->timestamp, sizeof s->timestamp, "<%ld.%lld@localhost>",
			 (long)getpid(), (long long)time(NULL));
}

int pop3_auth_main(struct pop3 *s)
{
	s->secure = s->opt.allow_plaintext || peer_secure();
	make_timestamp(s);
	pop3_enter_state(s, POP3_AUTHORIZATION);
	pop3_ok(s, "POP3 ready %s", s->timestamp);
	return pop3_serve(s);
}

static int refuse_plaintext(struct pop3 *s)
{
	if (s->secure)
		return 0;
	pop3_err(s, "[AUTH] Plaintext authentication disallowed on non-secure connection");
	return 1;
}

/* Run CHECKPW ARGS... SELF --session [options] (built by main) with the credentials on
 * fd 3. Exit 0: the session ran in the child and is over; 1: bad credentials. */
static int login(struct pop3 *s, const char *user, const char *pass, const char *ts)
{
	char *const *argv = s->opt.login_argv;
	int status;

	if (out_flush(&s->out) < 0)
		return -1;
	if (checkpw_run(argv, user, pass, ts, &status) < 0) {
		log_warn("cannot run %s: %s", argv[0], strerror(errno));
		pop3_err(s, "[SYS/TEMP] Temporary authentication failure, try again later");
		return 0;
	}
	if (status == 0) {
		/* The session ran in the child, on our fd 0 and 1, and is over. */
		s->done = 1;
		s->exit_code = 0;
		return 0;
	}
	if (status == CHECKPW_EXIT_BAD) {
		log_info("login failed user=%.64s peer=%s", user, log_peer());
		/* One reply per command, even the last one before closing. */
		if (++s->auth_fails >= POP3_AUTH_FAILS_MAX) {
			pop3_err(s, "[AUTH] Authentication failed. Too many failures, closing");
			s->done = 1;
		} else {
			pop3_err(s, "[AUTH] Authentication failed.");
		}
		return 0;
	}
	log_warn("login temporary failure user=%.64s peer=%s: %s status %d", user, log_peer(),
		 argv[0], status >= CHECKPW_SIGNALED ? status - CHECKPW_SIGNALED : status);
	pop3_err(s, "[SYS/TEMP] Temporary authentication failure, try again later");
	if (status >= CHECKPW_SIGNALED) {
		/* We cannot tell whether the session had begun: do not go on. */
		s->done = 1;
		s->exit_code = 111;
	}
	return 0;
}

int pop3_cmd_user(struct pop3 *s, struct pop3_cmd *c)
{
	pop3_cmd_split_args(c);
	if (refuse_plaintext(s))
		return 1;
	if (c->argc != 1) {
		pop3_err(s, "Syntax: USER name");
		return 1;
	}
	if (str_lcpy(s->user, c->argv[0], sizeof s->user) >= sizeof s->user) {
		s->have_user = 0;
		pop3_err(s, "User name too long");
		return 1;
	}
	s->have_user = 1;
	pop3_ok(s, "Send PASS");
	return 0;
}

int pop3_cmd_pass(struct pop3 *s, struct pop3_cmd *c)
{
	int rc;

	if (refuse_plaintext(s))
		return 1;
	if (!s->have_user) {
		pop3_err(s, "USER first");
		return 1;
	}
	/* RFC 1939 section 7 allows spaces in the password: the rest of the line. */
	if (c->rest[0] == '\0') {
		pop3_err(s, "Syntax: PASS password");
		return 1;
	}
	s->have_user = 0;
	rc = login(s, s->user, c->rest, "");
	return rc;
}

int pop3_cmd_apop(struct pop3 *s, struct pop3_cmd *c)
{
	pop3_cmd_split_args(c);
	s->have_user = 0;
	if (c->argc != 2 || strlen(c->argv[1]) != 32) {
		pop3_err(s, "Syntax: APOP name digest");
		return 1;
	}
	/* The checker compares MD5(timestamp secret) with the digest (RFC 1939 section 7). */
	return login(s, c->argv[0], c->argv[1], s->timestamp);
}

static int auth_plain(struct pop3 *s, const char *resp, size_t len)
{
	char user[SASL_FIELD_MAX + 1], pass[SASL_FIELD_MAX + 1];
	int rc = 1;

	/* RFC 5034 section 4: "=" is the empty initial response (a bad PLAIN message). */
	if (len == 1 && resp[0] == '=')
		len = 0;
	switch (sasl_plain_decode(resp, len, user, pass)) {
	case SASL_OK:
		rc = login(s, user, pass, "");
		break;
	case SASL_BAD_BASE64:
		pop3_err(s, "[AUTH] Invalid base64 data");
		break;
	case SASL_BAD_MESSAGE:
		pop3_err(s, "[AUTH] Invalid PLAIN message");
		break;
	case SASL_BAD_AUTHZID:
		pop3_err(s, "[AUTH] Authorization identity must be the user name");
		break;
	}
	wipe(pass, sizeof pass);
	return rc;
}

int pop3_cmd_auth(struct pop3 *s, struct pop3_cmd *c)
{
	size_t len;
	int rc;

	pop3_cmd_split_args(c);
	s->have_user = 0;
	if (c->argc == 0) {
		/* The mechanism list some clients ask for (draft-myers-sasl-pop3 form). */
		pop3_ok(s, "Supported mechanisms follow");
		if (s->secure)
			pop3_line(s, "PLAIN");
		pop3_line(s, ".");
		return 0;
	}
	if (c->argc > 2) {
		pop3_err(s, "Syntax: AUTH mechanism [initial-response]");
		return 1;
	}
	if (strlen(c->argv[0]) != 5 || !str_has_prefix_ci(c->argv[0], "PLAIN")) {
		pop3_err(s, "Unsupported authentication mechanism");
		return 1;
	}
	if (refuse_plaintext(s))
		return 1;
	if (c->argc == 2)
		return auth_plain(s, c->argv[1], strlen(c->argv[1]));
	/* RFC 5034 section 4: an empty challenge is "+ " and nothing else. */
	pop3_line(s, "+ ");
	rc = pop3_read_line(s, s->line, sizeof s->line, &len);
	if (rc == 0) {
		s->done = 1;
		return 0;
	}
	if (rc < 0 && errno == ERANGE) {
		pop3_err(s, "[AUTH] Response too long");
		return 1;
	}
	if (rc < 0 && errno == ETIMEDOUT) {
		pop3_err(s, "Autologout; idle for too long");
		s->done = 1;
		return 0;
	}
	if (rc < 0)
		return -1;
	line_chomp(s->line, &len);
	if (len == 1 && s->line[0] == '*') {
		pop3_err(s, "Authentication cancelled");
		return 1;
	}
	return auth_plain(s, s->line, len);
}
