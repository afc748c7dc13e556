/*
 * The command loop: one static table of {verb, handler, states}, the reply helpers, the
 * one function that changes state, and the commands that need no mailbox (EHLO, HELO,
 * LHLO, MAIL, RCPT, RSET, NOOP, VRFY, HELP, QUIT). Every read has the RFC 5321
 * 4.5.3.2.7 deadline; a command line over 512 octets is discarded through its LF before
 * the 500, and a line ending in a bare LF or holding a bare CR is refused (RFC 5321
 * 2.3.8), so no command is ever taken from inside another.
 */
#include "smtp.h"

#include "log.h"
#include "str.h"
#include "wipe.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct smtp_command {
	const char *name;
	smtp_handler *fn;
	unsigned states;
};

#define ANY (SMTP_GREETED | SMTP_READY | SMTP_MAIL | SMTP_RCPT | SMTP_BDAT)
#define SESSION (SMTP_READY | SMTP_MAIL | SMTP_RCPT | SMTP_BDAT)

/* RFC 5321 4.1.1, RFC 2033 (LHLO), RFC 3030 (BDAT), RFC 4954 (AUTH). EXPN, TURN and
 * STARTTLS are not offered: TLS comes from the wrapper in front of us. */
static const struct smtp_command commands[] = {
	{ "EHLO", smtp_cmd_ehlo, ANY },
	{ "HELO", smtp_cmd_helo, ANY },
	{ "LHLO", smtp_cmd_lhlo, ANY },
	{ "MAIL", smtp_cmd_mail, SMTP_READY },
	{ "RCPT", smtp_cmd_rcpt, SMTP_MAIL | SMTP_RCPT },
	{ "DATA", smtp_cmd_data, SMTP_RCPT },
	{ "BDAT", smtp_cmd_bdat, ANY },	/* reads its chunk in every state, to stay in sync */
	{ "RSET", smtp_cmd_rset, ANY },
	{ "NOOP", smtp_cmd_noop, ANY },
	{ "QUIT", smtp_cmd_quit, ANY },
	{ "VRFY", smtp_cmd_vrfy, SESSION },
	{ "HELP", smtp_cmd_help, ANY },
	{ "AUTH", smtp_cmd_auth, SMTP_READY },
	{ NULL, NULL, 0 },
};

static void reply(struct smtp *s, int code, char sep, const char *fmt, va_list ap)
{
	char text[SMTP_CMD_MAX];
	int n = vsnprintf(text, sizeof text, fmt, ap);

	if (n < 0)
		n = 0;
	/* RFC 5321 4.5.3.1.5: a reply line is at most 512 octets with its CRLF. */
	if ((size_t)n >= sizeof text - 8)
		n = (int)sizeof text - 8;
	out_printf(&s->out, "%03d%c", code, sep);
	out_write(&s->out, text, (size_t)n);
	out_write(&s->out, "\r\n", 2);
}

void smtp_reply(struct smtp *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(s, code, ' ', fmt, ap);
	va_end(ap);
}

void smtp_reply_more(struct smtp *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(s, code, '-', fmt, ap);
	va_end(ap);
}

static void transaction_clear(struct smtp *s)
{
	size_t i;

	for (i = 0; i < s->ntg; i++) {
		free(s->tg[i].addr);
		free(s->tg[i].user);
		free(s->tg[i].folder);
	}
	s->ntg = 0;
	s->nrcpt = 0;
	memset(&s->from, 0, sizeof s->from);
	memset(&s->mp, 0, sizeof s->mp);
	buf_free(&s->msg);
}

void smtp_enter_state(struct smtp *s, enum smtp_state st)
{
	/* RFC 5321 4.1.1.1 and 4.1.1.5: EHLO and RSET abort the transaction, as does any
	 * end of one (delivered or refused). */
	if (st == SMTP_READY || st == SMTP_GREETED)
		transaction_clear(s);
	s->state = st;
}

void smtp_free(struct smtp *s)
{
	transaction_clear(s);
	free(s->tg);
	s->tg = NULL;
	s->tgcap = 0;
	free(s->copies);
	s->copies = NULL;
	s->copycap = 0;
	buf_free(&s->aliases);
}

/* The HELO/EHLO argument as it goes into Received: printable ASCII without spaces,
 * cut to SMTP_HELO_MAX. Returns 0, or -1 when there is none. */
static int take_helo(struct smtp *s, const char *arg)
{
	size_t i, o = 0;

	while (*arg == ' ')
		arg++;
	for (i = 0; arg[i] != '\0' && arg[i] != ' ' && o < SMTP_HELO_MAX; i++) {
		unsigned char c = (unsigned char)arg[i];
		s->helo[o++] = c > 0x20 && c < 0x7f && c != '(' && c != ')' ? (char)c : '?';
	}
	s->helo[o] = '\0';
	return o == 0 ? -1 : 0;
}

static int greet(struct smtp *s, struct smtp_cmd *c, int esmtp)
{
	int auth = s->opt.checkpw_argv != NULL && s->secure && !s->authed;

	if (take_helo(s, c->rest) < 0) {
		smtp_reply(s, 501, "5.5.4 Syntax: %s hostname", c->verb);
		return 1;
	}
	s->esmtp = esmtp;
	smtp_enter_state(s, SMTP_READY);
	if (!esmtp) {
		smtp_reply(s, 250, "%s", s->host);
		return 0;
	}
	/* RFC 1869 section 4.3: the first line is the greeting, then one keyword each. */
	smtp_reply_more(s, 250, "%s", s->host);
	smtp_reply_more(s, 250, "PIPELINING");
	smtp_reply_more(s, 250, "SIZE %llu", (unsigned long long)s->opt.size);
	smtp_reply_more(s, 250, "8BITMIME");
	smtp_reply_more(s, 250, "ENHANCEDSTATUSCODES");
	smtp_reply_more(s, 250, "SMTPUTF8");
	if (auth)
		smtp_reply_more(s, 250, "AUTH PLAIN LOGIN");
	smtp_reply(s, 250, "CHUNKING");
	return 0;
}

int smtp_cmd_ehlo(struct smtp *s, struct smtp_cmd *c)
{
	if (s->opt.lmtp) {
		/* RFC 2033 section 4.1: an LMTP server must not answer EHLO or HELO. */
		smtp_reply(s, 500, "5.5.1 This is LMTP: use LHLO");
		return 1;
	}
	return greet(s, c, 1);
}

int smtp_cmd_helo(struct smtp *s, struct smtp_cmd *c)
{
	if (s->opt.lmtp) {
		smtp_reply(s, 500, "5.5.1 This is LMTP: use LHLO");
		return 1;
	}
	return greet(s, c, 0);
}

int smtp_cmd_lhlo(struct smtp *s, struct smtp_cmd *c)
{
	if (!s->opt.lmtp) {
		smtp_reply(s, 500, "5.5.1 Unknown command");
		return 1;
	}
	return greet(s, c, 1);
}

int smtp_cmd_mail(struct smtp *s, struct smtp_cmd *c)
{
	int off = smtp_keyword_colon(c->rest, "FROM:"), n;
	size_t len;

	if (off < 0) {
		smtp_reply(s, 501, "5.5.4 Syntax: MAIL FROM:<address>");
		return 1;
	}
	len = strlen(c->rest + off);
	/* Non-ASCII is checked against SMTPUTF8 once the parameters are known. */
	n = smtp_path_parse(c->rest + off, len, 1, 0, 1, &s->from);
	if (n < 0) {
		smtp_reply(s, 501, "5.1.7 Bad sender address syntax");
		return 1;
	}
	switch (smtp_mail_params(c->rest + off + n, &s->mp)) {
	case SMTP_PARAM_OK:
		break;
	case SMTP_PARAM_SYNTAX:
		smtp_reply(s, 501, "5.5.4 Bad MAIL parameters");
		return 1;
	case SMTP_PARAM_UNKNOWN:
		smtp_reply(s, 555, "5.5.4 Unsupported MAIL parameter");
		return 1;
	}
	if (s->from.utf8 && !s->mp.smtputf8) {
		/* RFC 6531 section 3.4: non-ASCII addresses need the SMTPUTF8 parameter. */
		smtp_reply(s, 553, "5.6.7 Non-ASCII address needs the SMTPUTF8 parameter");
		return 1;
	}
	if (s->mp.has_size && s->mp.size > s->opt.size) {
		/* RFC 1870 section 6.1 */
		log_info("refused from=<%s> declared size=%llu peer=%s", s->from.text,
			 (unsigned long long)s->mp.size, s->peer);
		smtp_reply(s, 552, "5.3.4 Message size exceeds fixed maximum message size");
		return 1;
	}
	if (s->authed && !s->opt.any_sender && !s->from.null) {
		/* Submission: no user sends as another (RFC 6409 6.1 lets the server
		 * check). The null sender names nobody: notices (vacation replies, RFC 3834)
		 * may use it. */
		n = smtp_sender_owned(s, &s->from);
		if (n < 0) {
			smtp_reply(s, 451, "4.3.0 Temporary failure checking the sender");
			return 0;
		}
		if (n == 0) {
			log_info("refused from=<%s> not owned by user=%.64s peer=%s",
				 s->from.text, s->auth_user, s->peer);
			smtp_reply(s, 553, "5.7.1 Sender address not owned by the "
				   "authenticated user");
			return 1;
		}
	}
	smtp_enter_state(s, SMTP_MAIL);
	smtp_reply(s, 250, "2.1.0 Ok");
	return 0;
}

int smtp_cmd_rcpt(struct smtp *s, struct smtp_cmd *c)
{
	int off = smtp_keyword_colon(c->rest, "TO:"), n;
	struct smtp_rcpt *r;
	int rc;

	if (off < 0) {
		smtp_reply(s, 501, "5.5.4 Syntax: RCPT TO:<address>");
		return 1;
	}
	if (s->nrcpt >= SMTP_RCPT_MAX) {
		smtp_reply(s, 452, "4.5.3 Too many recipients");
		return 0;
	}
	r = &s->rcpt[s->nrcpt];
	memset(r, 0, sizeof *r);
	n = smtp_path_parse(c->rest + off, strlen(c->rest + off), 0, 1, 1, &r->addr);
	if (n < 0) {
		smtp_reply(s, 501, "5.1.3 Bad recipient address syntax");
		return 1;
	}
	if (r->addr.utf8 && !s->mp.smtputf8) {
		smtp_reply(s, 553, "5.6.7 Non-ASCII address needs the SMTPUTF8 parameter");
		return 1;
	}
	if (smtp_rcpt_params(c->rest + off + n) != SMTP_PARAM_OK) {
		smtp_reply(s, 555, "5.5.4 Unsupported RCPT parameter");
		return 1;
	}
	rc = smtp_rcpt_resolve(s, s->nrcpt);
	if (rc != 0)
		return rc;
	s->nrcpt++;
	smtp_enter_state(s, SMTP_RCPT);
	smtp_reply(s, 250, "2.1.5 Ok");
	return 0;
}

int smtp_cmd_rset(struct smtp *s, struct smtp_cmd *c)
{
	(void)c;
	if (s->state != SMTP_GREETED)
		smtp_enter_state(s, SMTP_READY);
	smtp_reply(s, 250, "2.0.0 Ok");
	return 0;
}

int smtp_cmd_noop(struct smtp *s, struct smtp_cmd *c)
{
	(void)c;
	smtp_reply(s, 250, "2.0.0 Ok");
	return 0;
}

int smtp_cmd_quit(struct smtp *s, struct smtp_cmd *c)
{
	(void)c;
	smtp_reply(s, 221, "2.0.0 %s closing connection", s->host);
	s->done = 1;
	return 0;
}

int smtp_cmd_vrfy(struct smtp *s, struct smtp_cmd *c)
{
	if (c->rest[0] == '\0') {
		smtp_reply(s, 501, "5.5.4 Syntax: VRFY address");
		return 1;
	}
	/* RFC 5321 3.5.3: 252 when we will not say; no user list for harvesters. */
	smtp_reply(s, 252, "2.5.0 Cannot VRFY user, but will accept message and attempt "
		   "delivery");
	return 0;
}

int smtp_cmd_help(struct smtp *s, struct smtp_cmd *c)
{
	(void)c;
	smtp_reply_more(s, 214, "2.0.0 Commands: %s MAIL RCPT DATA BDAT RSET NOOP VRFY "
			"HELP QUIT%s", s->opt.lmtp ? "LHLO" : "EHLO HELO",
			s->opt.checkpw_argv != NULL ? " AUTH" : "");
	smtp_reply(s, 214, "2.0.0 See smtpd(8)");
	return 0;
}

static int dispatch(struct smtp *s, char *line, size_t len)
{
	const struct smtp_command *t;
	struct smtp_cmd c;

	if (smtp_cmd_parse(line, len, &c) < 0) {
		if (errno == EILSEQ) {
			smtp_reply(s, 500, "5.5.2 Invalid character in command line");
			return 1;
		}
		goto unknown;
	}
	for (t = commands; t->name != NULL; t++) {
		if (strcmp(t->name, c.verb) == 0)
			break;
	}
	if (t->name == NULL)
		goto unknown;
	if ((t->states & s->state) == 0) {
		if (s->state == SMTP_GREETED)
			smtp_reply(s, 503, "5.5.1 Send %s first", s->opt.lmtp ? "LHLO" : "EHLO");
		else if (strcmp(c.verb, "MAIL") == 0)
			smtp_reply(s, 503, "5.5.1 Nested MAIL command");
		else if (strcmp(c.verb, "RCPT") == 0)
			smtp_reply(s, 503, "5.5.1 Need MAIL before RCPT");
		else if (strcmp(c.verb, "DATA") == 0 && s->state == SMTP_MAIL)
			smtp_reply(s, 503, "5.5.1 Need RCPT before DATA");
		else
			smtp_reply(s, 503, "5.5.1 Bad sequence of commands");
		return 1;
	}
	return t->fn(s, &c);
unknown:
	/* Before the greeting anything unknown is likely another protocol (HTTP) talking
	 * to the wrong port: same answer as a command out of order. */
	if (s->state == SMTP_GREETED)
		smtp_reply(s, 503, "5.5.1 Send %s first", s->opt.lmtp ? "LHLO" : "EHLO");
	else
		smtp_reply(s, 500, "5.5.1 Unknown command");
	return 1;
}

/* One command line. Returns as a handler does. */
static int command(struct smtp *s, size_t len)
{
	int term = line_chomp(s->line, &len);

	if (term != 2) {
		smtp_reply(s, 500, "5.5.2 Bare LF in command line not allowed");
		return 1;
	}
	/* AUTH alone may be longer (RFC 4954 section 4); the buffer bounds it. */
	if (len + 2 > SMTP_CMD_MAX && !str_has_prefix_ci(s->line, "AUTH ")) {
		smtp_reply(s, 500, "5.5.2 Line too long");
		return 1;
	}
	return dispatch(s, s->line, len);
}

int smtp_serve(struct smtp *s)
{
	while (!s->done) {
		size_t len;
		int rc;

		/* RFC 2920 section 3.2: replies to a pipelined group go out together; they
		 * must go before we would wait for input (and before any delivery, which
		 * flushes on its own). */
		if (!line_buffered_line(&s->in) && out_flush(&s->out) < 0)
			break;
		s->in.timeout_ms = s->cmd_timeout_ms;
		rc = line_read(&s->in, s->line, sizeof s->line, &len);
		out_start(&s->out);
		if (rc == 0) {
			if (s->state & (SMTP_MAIL | SMTP_RCPT | SMTP_BDAT))
				log_info("connection lost in a transaction from=<%s> peer=%s",
					 s->from.text, s->peer);
			break;
		}
		if (rc < 0 && errno == ERANGE) {
			smtp_reply(s, 500, "5.5.2 Line too long");
			rc = 1;
		} else if (rc < 0 && errno == ETIMEDOUT) {
			log_info("timeout waiting for a command peer=%s", s->peer);
			smtp_reply(s, 421, "4.4.2 %s Timeout, closing connection", s->host);
			break;
		} else if (rc < 0) {
			if (s->out.error == 0)
				log_info("read: %s peer=%s", strerror(errno), s->peer);
			break;
		} else {
			rc = command(s, len);
			/* No password stays in memory longer than its command. */
			wipe(s->line, sizeof s->line);
		}
		if (rc < 0) {
			if (s->exit_code == 0)
				s->exit_code = 111;
			break;
		}
		/* Counted over the whole session: alternating with NOOP does not reset it. */
		if (rc > 0 && ++s->errors >= SMTP_ERRORS_MAX && !s->done) {
			log_info("too many errors, closing peer=%s", s->peer);
			smtp_reply(s, 421, "4.7.0 %s Too many errors, closing connection", s->host);
			break;
		}
	}
	out_flush(&s->out);
	return s->exit_code;
}

int smtp_main(struct smtp *s)
{
	smtp_enter_state(s, SMTP_GREETED);
	smtp_reply(s, 220, "%s %s ready", s->host, s->opt.lmtp ? "LMTP" : "ESMTP");
	return smtp_serve(s);
}
