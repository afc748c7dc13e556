/*
 * The command loop of every state: one static table of {name, handler, states}, the
 * replies through a few helpers, and the one function that changes state. The reader
 * (cmdread.c) hands over whole commands; what it refused is answered here, after the
 * stream is past it.
 */
#include "imap.h"

#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct imap_command {
	const char *name;
	imap_handler *fn;
	unsigned states;
};

#define ANY (IMAP_NOT_AUTH | IMAP_AUTH | IMAP_SELECTED)
#define NOT_AUTH IMAP_NOT_AUTH
#define AUTHED (IMAP_AUTH | IMAP_SELECTED)
#define SELECTED IMAP_SELECTED

/* RFC 3501 6.1-6.4, RFC 2342 NAMESPACE, RFC 2971 ID, RFC 5161 ENABLE, RFC 3691
 * UNSELECT, RFC 4315 UID EXPUNGE, RFC 6851 MOVE, RFC 2177 IDLE, RFC 4731 ESEARCH.
 * STARTTLS is not offered: TLS comes from a wrapper in front (see the man page). */
static const struct imap_command commands[] = {
	{ "CAPABILITY", imap_cmd_capability, ANY },
	{ "NOOP", imap_cmd_noop, ANY },
	{ "LOGOUT", imap_cmd_logout, ANY },
	{ "ID", imap_cmd_id, ANY },
	{ "LOGIN", imap_cmd_login, NOT_AUTH },
	{ "AUTHENTICATE", imap_cmd_authenticate, NOT_AUTH },
	{ "SELECT", imap_cmd_select, AUTHED },
	{ "EXAMINE", imap_cmd_examine, AUTHED },
	{ "CREATE", imap_cmd_create, AUTHED },
	{ "DELETE", imap_cmd_delete, AUTHED },
	{ "RENAME", imap_cmd_rename, AUTHED },
	{ "LIST", imap_cmd_list, AUTHED },
	{ "LSUB", imap_cmd_lsub, AUTHED },
	{ "SUBSCRIBE", imap_cmd_subscribe, AUTHED },
	{ "UNSUBSCRIBE", imap_cmd_unsubscribe, AUTHED },
	{ "IDLE", imap_cmd_idle, AUTHED },
	{ "STATUS", imap_cmd_status, AUTHED },
	{ "APPEND", imap_cmd_append, AUTHED },
	{ "NAMESPACE", imap_cmd_namespace, AUTHED },
	{ "ENABLE", imap_cmd_enable, AUTHED },
	{ "CHECK", imap_cmd_check, SELECTED },
	{ "CLOSE", imap_cmd_close, SELECTED },
	{ "UNSELECT", imap_cmd_unselect, SELECTED },
	{ "EXPUNGE", imap_cmd_expunge, SELECTED },
	{ "UID EXPUNGE", imap_cmd_uid_expunge, SELECTED },
	{ "STORE", imap_cmd_store, SELECTED },
	{ "UID STORE", imap_cmd_uid_store, SELECTED },
	{ "FETCH", imap_cmd_fetch, SELECTED },
	{ "UID FETCH", imap_cmd_uid_fetch, SELECTED },
	{ "COPY", imap_cmd_copy, SELECTED },
	{ "UID COPY", imap_cmd_uid_copy, SELECTED },
	{ "MOVE", imap_cmd_move, SELECTED },
	{ "UID MOVE", imap_cmd_uid_move, SELECTED },
	{ "SEARCH", imap_cmd_search, SELECTED },
	{ "UID SEARCH", imap_cmd_uid_search, SELECTED },
	{ NULL, NULL, 0 },
};

static const char *cur_tag;	/* the tag of the command being served */

static void put_text(struct imap *s, const char *fmt, va_list ap)
{
	char text[1024];
	int n = vsnprintf(text, sizeof text, fmt, ap);

	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof text)
		n = (int)sizeof text - 1;
	out_write(&s->out, text, (size_t)n);
	out_write(&s->out, "\r\n", 2);
}

void imap_tagged(struct imap *s, const char *status, const char *fmt, ...)
{
	va_list ap;

	out_printf(&s->out, "%s %s ", cur_tag != NULL ? cur_tag : "*", status);
	va_start(ap, fmt);
	put_text(s, fmt, ap);
	va_end(ap);
}

void imap_untagged(struct imap *s, const char *fmt, ...)
{
	va_list ap;

	out_write(&s->out, "* ", 2);
	va_start(ap, fmt);
	put_text(s, fmt, ap);
	va_end(ap);
}

int imap_bad(struct imap *s, const char *text)
{
	imap_tagged(s, "BAD", "%s", text);
	return 1;
}

int imap_no(struct imap *s, const char *text)
{
	imap_tagged(s, "NO", "%s", text);
	return 0;
}

int imap_no_expungeissued(struct imap *s)
{
	/* Dovecot's words, which clients and test tools (imaptest) recognise */
	return imap_no(s, "[EXPUNGEISSUED] Some of the requested messages no longer exist.");
}

void imap_put_string(struct imap *s, const char *str, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)str[i];

		if (ch == '\0' || ch == '\r' || ch == '\n' || ch >= 0x80)
			break;
	}
	if (i < len) {
		out_printf(&s->out, "{%zu}\r\n", len);
		out_write(&s->out, str, len);
		return;
	}
	out_write(&s->out, "\"", 1);
	for (i = 0; i < len; i++) {
		if (str[i] == '"' || str[i] == '\\')
			out_write(&s->out, "\\", 1);
		out_write(&s->out, str + i, 1);
	}
	out_write(&s->out, "\"", 1);
}

void imap_put_capability(struct imap *s)
{
	out_puts(&s->out, "IMAP4rev1 LITERAL+ ID ENABLE");
	if (s->state == IMAP_NOT_AUTH) {
		/* RFC 3501 6.2.3 / 7.2.1: no plaintext password where it can be sniffed */
		out_puts(&s->out, s->secure ? " SASL-IR AUTH=PLAIN" : " LOGINDISABLED");
		return;
	}
	out_printf(&s->out, " NAMESPACE UNSELECT UIDPLUS MOVE IDLE CHILDREN SPECIAL-USE "
		   "APPENDLIMIT=%llu", (unsigned long long)IMAP_LITERAL_MAX);
	out_puts(&s->out, " ESEARCH");
}

void imap_enter_state(struct imap *s, enum imap_state st)
{
	s->state = st;
	/* Before login the session process inherits fd 0: nothing may be read ahead,
	 * and literals can only be credentials. */
	if (st == IMAP_NOT_AUTH) {
		imap_reader_bytewise(&s->rd, 1);
		s->rd.literal_max = IMAP_PRELOGIN_LITERAL_MAX;
		s->rd.in.timeout_ms = s->idle_ms < IMAP_PRELOGIN_TIMEOUT_MS ?
			s->idle_ms : IMAP_PRELOGIN_TIMEOUT_MS;
	} else if (st == IMAP_AUTH || st == IMAP_SELECTED) {
		imap_reader_bytewise(&s->rd, 0);
		s->rd.literal_max = IMAP_LITERAL_MAX;
		s->rd.in.timeout_ms = s->idle_ms;
	}
}

int imap_cmd_capability(struct imap *s, struct imap_cmd *c)
{
	if (c->n_args != 0)
		return imap_bad(s, "CAPABILITY takes no arguments");
	out_puts(&s->out, "* CAPABILITY ");
	imap_put_capability(s);
	out_puts(&s->out, "\r\n");
	imap_tagged(s, "OK", "Capability completed.");
	return 0;
}

int imap_cmd_noop(struct imap *s, struct imap_cmd *c)
{
	if (c->n_args != 0)
		return imap_bad(s, "NOOP takes no arguments");
	if (s->state == IMAP_SELECTED && imap_mailbox_sync(s, 1) < 0)
		return -1;
	imap_tagged(s, "OK", "NOOP completed.");
	return 0;
}

int imap_cmd_logout(struct imap *s, struct imap_cmd *c)
{
	if (c->n_args != 0)
		return imap_bad(s, "LOGOUT takes no arguments");
	imap_untagged(s, "BYE Logging out");
	imap_tagged(s, "OK", "Logout completed.");
	if (s->state != IMAP_NOT_AUTH)
		log_info("logout user=%.64s peer=%s", s->user, log_peer());
	imap_enter_state(s, IMAP_LOGOUT);
	s->done = 1;
	return 0;
}

static int dispatch(struct imap *s)
{
	const struct imap_command *t;
	struct imap_cmd *c = &s->cmd;

	if (imap_cmd_parse(c, &s->rd) < 0) {
		if (errno == ENOMEM)
			return -1;
		cur_tag = c->tag;
		return imap_bad(s, c->error);
	}
	cur_tag = c->tag;
	for (t = commands; t->name != NULL; t++) {
		if (strcmp(t->name, c->name) == 0)
			break;
	}
	if (t->name == NULL)
		return imap_bad(s, "Unknown command");
	if ((t->states & s->state) == 0) {
		if (s->state == IMAP_NOT_AUTH)
			return imap_bad(s, "Log in first");
		if (t->states == NOT_AUTH)
			return imap_bad(s, "Already logged in");
		return imap_bad(s, "No mailbox selected");
	}
	/* A SELECT answered from the header reads its view for the next command, unless
	 * that one leaves the mailbox anyway. */
	if (s->view_pending && t->fn != imap_cmd_logout && t->fn != imap_cmd_select &&
	    t->fn != imap_cmd_examine && t->fn != imap_cmd_unselect && imap_mailbox_load(s) < 0)
		return -1;
	return t->fn(s, c);
}

/* The reader refused the command; the stream is already past it. */
static int rejected(struct imap *s)
{
	static char tag[IMAP_TAG_MAX + 1];

	imap_reader_tag(&s->rd, tag, sizeof tag);
	cur_tag = tag;
	switch (s->rd.reject) {
	case IMAP_REJ_LITERAL:
		/* RFC 7889 / RFC 4469: TOOBIG is the response code for this */
		imap_tagged(s, "NO", "[TOOBIG] Literal too large");
		return 1;
	case IMAP_REJ_COMMAND:
		return imap_bad(s, "Command too long");
	case IMAP_REJ_LITERALS:
		return imap_bad(s, "Too many literals");
	case IMAP_REJ_SPOOL:
		imap_tagged(s, "NO", "[UNAVAILABLE] Cannot store the literal");
		return 0;
	default:
		return imap_bad(s, "Line too long");
	}
}

int imap_serve(struct imap *s)
{
	while (!s->done) {
		int rc;

		cur_tag = NULL;
		if (out_flush(&s->out) < 0)
			break;
		rc = imap_reader_next(&s->rd);
		/* The reply to what was read has one deadline that only the bytes the
		 * client takes move on: a client that stops reading cannot hold the
		 * session (and its superserver slot) for ever (lib/out.h). */
		out_start(&s->out);
		if (rc == IMAP_RD_EOF) {
			if (s->state != IMAP_NOT_AUTH)
				log_info("connection closed user=%.64s peer=%s", s->user,
					 log_peer());
			break;
		}
		if (rc == IMAP_RD_CONTINUE) {
			out_puts(&s->out, "+ Ready for literal data\r\n");
			continue;
		}
		if (rc == IMAP_RD_FATAL) {
			imap_untagged(s, "BYE [TOOBIG] Literal too large");
			break;
		}
		if (rc < 0 && errno == ETIMEDOUT) {
			log_info("autologout after idle timeout peer=%s", log_peer());
			imap_untagged(s, "BYE Autologout; idle for too long");
			break;
		}
		if (rc < 0) {
			if (s->out.error == 0 && errno != ENOMEM)
				log_info("read: %s peer=%s", strerror(errno), log_peer());
			if (errno == ENOMEM)
				s->exit_code = 111;
			break;
		}
		rc = rc == IMAP_RD_REJECT ? rejected(s) : dispatch(s);
		if (rc < 0) {
			if (s->exit_code == 0)
				s->exit_code = 111;
			if (s->out.error == 0)
				imap_untagged(s, "BYE Internal error, closing");
			break;
		}
		s->errors = rc > 0 ? s->errors + 1 : 0;
		if (s->errors >= IMAP_ERRORS_MAX) {
			log_info("too many errors, closing peer=%s", log_peer());
			imap_untagged(s, "BYE Too many invalid commands");
			break;
		}
	}
	cur_tag = NULL;
	out_flush(&s->out);
	return s->exit_code;
}
