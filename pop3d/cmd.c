/*
 * The command loop shared by both phases: one static table of {keyword, handler,
 * states}, replies through three helpers, and the one function that changes state.
 * Every read has the RFC 1939 section 3 autologout deadline; a line over the RFC 2449
 * limit is discarded through its LF before -ERR, so the next command is read in sync.
 */
#include "pop3.h"

#include "io.h"
#include "log.h"
#include "wipe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct pop3_command {
	const char *name;
	pop3_handler *fn;
	unsigned states;
};

#define AUTH_ONLY POP3_AUTHORIZATION
#define TRANS_ONLY POP3_TRANSACTION
#define ANY_STATE (POP3_AUTHORIZATION | POP3_TRANSACTION)

/* RFC 1939 sections 4-7, RFC 2449 (CAPA), RFC 5034 (AUTH). STLS is not offered: TLS
 * comes from the wrapper in front of us (see the man page). */
static const struct pop3_command commands[] = {
	{ "USER", pop3_cmd_user, AUTH_ONLY },
	{ "PASS", pop3_cmd_pass, AUTH_ONLY },
	{ "APOP", pop3_cmd_apop, AUTH_ONLY },
	{ "AUTH", pop3_cmd_auth, AUTH_ONLY },
	{ "CAPA", pop3_cmd_capa, ANY_STATE },
	{ "QUIT", pop3_cmd_quit, ANY_STATE },
	{ "NOOP", pop3_cmd_noop, TRANS_ONLY },
	{ "STAT", pop3_cmd_stat, TRANS_ONLY },
	{ "LIST", pop3_cmd_list, TRANS_ONLY },
	{ "RETR", pop3_cmd_retr, TRANS_ONLY },
	{ "DELE", pop3_cmd_dele, TRANS_ONLY },
	{ "RSET", pop3_cmd_rset, TRANS_ONLY },
	{ "TOP", pop3_cmd_top, TRANS_ONLY },
	{ "UIDL", pop3_cmd_uidl, TRANS_ONLY },
	{ NULL, NULL, 0 },
};

static void reply(struct pop3 *s, const char *prefix, const char *fmt, va_list ap)
{
	char text[POP3_CMD_BUF * 2];
	int n = vsnprintf(text, sizeof text, fmt, ap);

	if (n < 0)
		n = 0;
	/* Replies are ours and short; one cut to 510 octets would still be a line. */
	if ((size_t)n >= sizeof text)
		n = (int)sizeof text - 1;
	if (prefix != NULL) {
		out_puts(&s->out, prefix);
		if (n > 0)
			out_write(&s->out, " ", 1);
	}
	out_write(&s->out, text, (size_t)n);
	out_write(&s->out, "\r\n", 2);
}

void pop3_ok(struct pop3 *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(s, "+OK", fmt, ap);
	va_end(ap);
}

void pop3_err(struct pop3 *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(s, "-ERR", fmt, ap);
	va_end(ap);
}

void pop3_line(struct pop3 *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(s, NULL, fmt, ap);
	va_end(ap);
}

void pop3_enter_state(struct pop3 *s, enum pop3_state st)
{
	s->state = st;
	/* Before login the session process inherits fd 0: nothing may be read ahead.
	 * Afterwards read-ahead is what makes pipelining cheap (RFC 2449 section 6.6). */
	s->bytewise = st == POP3_AUTHORIZATION;
}

int pop3_read_line(struct pop3 *s, char *buf, size_t max, size_t *len_r)
{
	if (out_flush(&s->out) < 0)
		return -1;
	/* The reply to what is read now has one deadline that only the bytes the client
	 * takes move on (a RETR to a client reading a byte a second ends). */
	if (!s->bytewise) {
		int rc = line_read(&s->in, buf, max, len_r);
		out_start(&s->out);
		return rc;
	}
	return line_read_bytewise(&s->in, 0, buf, max, len_r);
}

void pop3_capa(struct pop3 *s)
{
	int plain = s->state == POP3_AUTHORIZATION && s->secure;

	/* RFC 2449 section 6: the capabilities of the state we are in. */
	pop3_ok(s, "Capability list follows");
	pop3_line(s, "TOP");
	if (plain)
		pop3_line(s, "USER");
	pop3_line(s, "UIDL");
	if (plain)
		pop3_line(s, "SASL PLAIN");
	pop3_line(s, "RESP-CODES");
	pop3_line(s, "AUTH-RESP-CODE");
	pop3_line(s, "PIPELINING");
	pop3_line(s, "IMPLEMENTATION maild-pop3d");
	pop3_line(s, ".");
}

int pop3_cmd_capa(struct pop3 *s, struct pop3_cmd *c)
{
	if (c->rest[0] != '\0') {
		pop3_err(s, "CAPA takes no arguments");
		return 1;
	}
	pop3_capa(s);
	return 0;
}

static int dispatch(struct pop3 *s, char *line, size_t len)
{
	const struct pop3_command *t;
	struct pop3_cmd c;

	if (pop3_cmd_parse(line, len, &c) < 0) {
		if (errno == EILSEQ)
			pop3_err(s, "Invalid characters in command");
		else
			pop3_err(s, "Unknown command");
		return 1;
	}
	for (t = commands; t->name != NULL; t++) {
		if (strcmp(t->name, c.verb) == 0)
			break;
	}
	if (t->name == NULL) {
		pop3_err(s, "Unknown command");
		return 1;
	}
	if ((t->states & s->state) == 0) {
		pop3_err(s, "Command not valid in this state");
		return 1;
	}
	return t->fn(s, &c);
}

int pop3_serve(struct pop3 *s)
{
	while (!s->done) {
		size_t len;
		int rc = pop3_read_line(s, s->line, POP3_CMD_BUF, &len);

		if (rc == 0) {
			/* RFC 1939 section 6: without QUIT there is no UPDATE. */
			if (s->state == POP3_TRANSACTION)
				log_info("connection dropped, nothing changed user=%.64s peer=%s",
					 s->login, log_peer());
			break;
		}
		if (rc < 0 && errno == ERANGE) {
			rc = 1;
			pop3_err(s, "Line too long");
		} else if (rc < 0 && errno == ETIMEDOUT) {
			log_info("autologout after idle timeout peer=%s", log_peer());
			pop3_err(s, "Autologout; idle for too long");
			break;
		} else if (rc < 0) {
			if (s->out.error == 0)
				log_info("read: %s peer=%s", strerror(errno), log_peer());
			break;
		} else {
			line_chomp(s->line, &len);
			rc = dispatch(s, s->line, len);
			/* No password stays in memory longer than its command. */
			wipe(s->line, sizeof s->line);
		}
		if (rc < 0) {
			if (s->exit_code == 0)
				s->exit_code = 111;
			break;
		}
		s->errors = rc > 0 ? s->errors + 1 : 0;
		if (s->errors >= POP3_ERRORS_MAX) {
			log_info("too many errors, closing peer=%s", log_peer());
			pop3_err(s, "Too many errors, closing connection");
			break;
		}
	}
	out_flush(&s->out);
	return s->exit_code;
}
