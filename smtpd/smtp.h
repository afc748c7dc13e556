/*
 * The smtpd session: one struct owns the state of the connection. The SMTP/LMTP state
 * is one enum, changed only by smtp_enter_state (cmd.c); the transaction (sender,
 * recipients, their resolved mailboxes, the message) lives beside it and is cleared
 * whenever the state drops back to READY.
 */
#ifndef SMTPD_SMTP_H
#define SMTPD_SMTP_H

#include "data.h"
#include "limits.h"
#include "mbox.h"
#include "parse.h"

#include "buf.h"
#include "line.h"
#include "out.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bits, so that a command table row can allow several. */
enum smtp_state {
	SMTP_GREETED = 1,	/* before EHLO/HELO (LHLO) */
	SMTP_READY = 2,		/* after EHLO, no transaction */
	SMTP_MAIL = 4,		/* MAIL accepted, no recipient yet */
	SMTP_RCPT = 8,		/* at least one recipient accepted */
	SMTP_BDAT = 16,		/* BDAT chunks arriving (RFC 3030) */
};

struct smtp_opts {
	const char *users;		/* --users FILE (passwd-file), else system accounts */
	const char **domains;		/* --domain D ..., NULL-ended; NULL: host name */
	const char *aliases;		/* --aliases FILE */
	uint64_t size;			/* --size N */
	int lmtp;			/* --lmtp */
	int allow_plaintext;		/* --allow-plaintext */
	const char *relay_via;		/* --relay-via PROGRAM */
	const char *postmaster;		/* --postmaster NAME; NULL: smtpd(8)'s default */
	const char *session_user;	/* --session-user NAME (started as root) */
	int any_sender;			/* --any-sender: no MAIL FROM check after AUTH */
	char **checkpw_argv;		/* CHECKPW ARGS... POSTAUTH, NULL-ended; NULL: no AUTH */
	int checkpw_timeout_ms;		/* HELPER_CHECKPW_TIMEOUT_MS; shorter only in tests */
};

/* One RCPT as the client gave it. */
struct smtp_rcpt {
	struct smtp_addr addr;
	int code;			/* LMTP: the reply after the data (0: 250) */
	char text[128];			/* LMTP: its enhanced code and text */
};

/* Where a message goes: one account's Maildir folder, or a remote address (relay).
 * A local target is named, never a path: the paths are the mailbox side's (mbox.c). */
struct smtp_target {
	size_t rcpt;			/* index of the RCPT it came from */
	int remote;
	char *addr;			/* remote: the address; local: the mailbox's address
					 * after aliases, user[+folder]@domain (Delivered-To) */
	char *user;			/* local: the account's name (lower case) */
	char *folder;			/* local: an existing folder of it, NULL: INBOX */
	int result;			/* enum smtp_result after delivery */
};

/* The outcome of one delivery, and its reply. */
enum smtp_result {
	SMTP_R_OK = 0,
	SMTP_R_TEMP,		/* 451 4.3.0 */
	SMTP_R_QUOTA,		/* 552 5.2.2 */
	SMTP_R_RELAY_TEMP,	/* 451 4.4.0: the relay program exited 75 */
	SMTP_R_RELAY_FAIL,	/* 554 5.4.0: the relay program failed otherwise */
};

struct smtp {
	enum smtp_state state;
	struct smtp_opts opt;
	struct line_reader in;
	struct out out;
	int errors;		/* protocol errors in a row */
	int auth_fails;
	int done;		/* end the connection after this reply */
	int exit_code;
	int cmd_timeout_ms;	/* SMTP_CMD_TIMEOUT_MS, shortened only by a test hook */
	int data_timeout_ms;	/* SMTP_DATA_TIMEOUT_MS, likewise */
	char line[SMTP_CMD_BUF];
	char host[SMTP_HOST_MAX + 1];	/* our name in replies and Received: */
	char peer[64];		/* the client's address, "-" when unknown */
	char helo[SMTP_HELO_MAX + 1];
	const char *test_date;	/* pinned Received: date for transcripts, else NULL */
	int esmtp;		/* EHLO (or LHLO) rather than HELO */
	int tls;		/* the wrapper says the connection is TLS */
	int secure;		/* plaintext AUTH allowed (TLS, loopback, --allow-plaintext) */
	int authed;
	char auth_user[SASL_FIELD_MAX + 1];

	/* The transaction. */
	struct smtp_addr from;
	struct smtp_mail_params mp;
	struct smtp_rcpt rcpt[SMTP_RCPT_MAX];
	size_t nrcpt;
	struct smtp_target *tg;
	size_t ntg, tgcap;
	struct buf msg;		/* the data not yet in the spool (LF line ends) */
	struct smtp_data data;	/* BDAT: the machine across chunks */

	/* The message as it will be stored, on disk as it arrives (spool.c): an unlinked
	 * file made before privileges were dropped, reused for every message. */
	int spool;
	uint64_t spool_len;
	int spool_err;		/* a write to it failed: the message gets 451 */

	/* The aliases file, read once at the start (it may be readable by root only). */
	struct buf aliases;
	int aliases_errno;	/* it could not be read: every lookup fails (451) */

	/* The mailbox side (agent.c): the helper when started as root, else here. */
	int helper;		/* socket to the helper; -1 when there is none */
	pid_t helper_pid;
	size_t nprepared;	/* copies prepared in this transaction */
	struct mbox_copy *copies;	/* without a helper: those copies */
	size_t copycap;
};

/* Replies (cmd.c): "code text" with CRLF; smtp_reply_more the "code-text" lines of a
 * multi-line reply. Every reply but the greeting and EHLO's carries an enhanced code
 * (RFC 2034 section 3), written by the caller at the start of fmt. */
void smtp_reply(struct smtp *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void smtp_reply_more(struct smtp *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The only place the state changes (cmd.c). READY clears the transaction. */
void smtp_enter_state(struct smtp *s, enum smtp_state st);
/* Serve commands until QUIT, end of input or a fatal error. Returns the exit code. */
int smtp_serve(struct smtp *s);
/* Send the 220 greeting and serve (cmd.c). */
int smtp_main(struct smtp *s);
/* Free everything the session holds. */
void smtp_free(struct smtp *s);

/* The command handlers. Each returns 0 (served, even with an error reply that is not
 * the client's fault), 1 (a client error: counts towards SMTP_ERRORS_MAX) or -1 (fatal:
 * end the session). */
typedef int smtp_handler(struct smtp *s, struct smtp_cmd *c);
smtp_handler smtp_cmd_ehlo, smtp_cmd_helo, smtp_cmd_lhlo, smtp_cmd_mail, smtp_cmd_rcpt,
	smtp_cmd_data, smtp_cmd_bdat, smtp_cmd_rset, smtp_cmd_noop, smtp_cmd_quit,
	smtp_cmd_vrfy, smtp_cmd_help, smtp_cmd_auth;

/* privsep.c: started as root, fork the delivery helper and become --session-user
 * and make the spool file. 0, -1 (logged) when that cannot be done, -2 (logged) when
 * the session user is unfit (missing, or root). */
int smtp_privsep(struct smtp *s);
/* The end of the session: the helper is told and waited for (with a deadline). */
void smtp_privsep_end(struct smtp *s);

/* agent.c: the mailbox side, through the helper or here. Each returns an enum
 * mbox_status (mbox.h). RCPT: name's mailbox, tag's folder (folder_r 1: it exists). */
int smtp_agent_check(struct smtp *s, const char *name, const char *tag, int *folder_r);
/* The first user of the users file into name. 0, or -1. */
int smtp_agent_first_user(struct smtp *s, char *name, size_t size);
/* Phase one: the copy for user's folder (NULL: INBOX), hdr then the spool. */
int smtp_agent_prepare(struct smtp *s, const char *user, const char *folder,
		       const char *hdr, size_t hlen);
/* Both phases at once, for a copy that waits for no other (LMTP, or the only copy). */
int smtp_agent_deliver(struct smtp *s, const char *user, const char *folder,
		       const char *hdr, size_t hlen);
/* Phase two: commit (or abort) every prepared copy, their outcomes into st (one per
 * prepare, in order; n of them). */
void smtp_agent_end(struct smtp *s, int commit, char *st, size_t n);
/* AUTH: run the checkpassword program; *status_r as checkpw_run's. 0, or -1. */
int smtp_agent_auth(struct smtp *s, const char *user, const char *pass, int *status_r);

/* spool.c: the spool file, opened once (before privileges are dropped). 0, or -1. */
int smtp_spool_open(struct smtp *s);
/* Start it over for a new message (its blocks are reused, not freed). */
void smtp_spool_reset(struct smtp *s);
/* Move what s->msg holds to the spool (when it holds SMTP_SPOOL_CHUNK, or always when
 * all is set). A failure sets s->spool_err. */
void smtp_spool_flush(struct smtp *s, int all);

/* rcpt.c: resolve a RCPT address into targets (appended to s->tg). Returns 0 when
 * accepted, else the reply was sent: 1 (refused). -1 on a fatal error. */
int smtp_rcpt_resolve(struct smtp *s, size_t index);
/* The targets of alias name (case-insensitive) into targets: 1 found, 0 not (or no
 * aliases file), -1 with errno when the file cannot be read (logged). */
int smtp_alias_lookup(struct smtp *s, const char *name, struct buf *targets);
/* Read the aliases file into s->aliases (before privileges are dropped). A missing
 * file is no aliases; an unreadable one makes every lookup fail. 0. */
int smtp_aliases_load(struct smtp *s);
/* sender.c: 1 when the authenticated user may send as a (smtpd(8) SENDERS), 0 when
 * not, -1 when that cannot be told now (the aliases file unreadable). */
int smtp_sender_owned(struct smtp *s, const struct smtp_addr *a);
/* 1 when domain (ASCII case-insensitive) is one of ours. */
int smtp_domain_is_local(const struct smtp *s, const char *domain);

/* deliver.c: deliver s->msg to every target, setting each target's result. The trace
 * headers are written here. 0, or -1 on a fatal error. all_or_nothing (SMTP): when any
 * local copy cannot be prepared, none is committed and the remote ones are not sent. */
int smtp_deliver(struct smtp *s, int all_or_nothing);


#endif
