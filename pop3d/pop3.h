/*
 * The pop3d session: one struct owns all state of the connection, in one of the three
 * RFC 1939 states. The same program serves the AUTHORIZATION phase (before login, as
 * whoever the superserver runs it as) and, exec'd again by the checkpassword program as
 * the user, the TRANSACTION and UPDATE phases.
 */
#ifndef POP3D_POP3_H
#define POP3D_POP3_H

#include "limits.h"
#include "parse.h"

#include "line.h"
#include "maildir_box.h"
#include "out.h"

#include <stddef.h>
#include <stdint.h>

/* Bits, so that a command table row can allow several. */
enum pop3_state {
	POP3_AUTHORIZATION = 1,
	POP3_TRANSACTION = 2,
	POP3_UPDATE = 4,
};

/* Per-message session data, parallel to box.v (message number n is index n - 1). */
struct pop3_msg {
	uint64_t wire_size;	/* octets RETR sends before the final "."; valid if sized */
	int sized;
	int deleted;		/* DELE'd, undone by RSET */
	int retrieved;		/* RETR'd: \Seen at QUIT unless deleted */
};

struct pop3_opts {
	int allow_plaintext;	/* --allow-plaintext */
	int uidl_filename;	/* --uidl filename */
	int preauth;		/* --preauth */
	int session;		/* --session: exec'd by the checkpassword program */
	char **login_argv;	/* CHECKPW ARGS... SELF --session [options], NULL-ended */
};

struct pop3 {
	enum pop3_state state;
	struct pop3_opts opt;
	struct line_reader in;
	int bytewise;		/* read one byte at a time: the session process inherits fd 0 */
	int idle_ms;		/* autologout timer (RFC 1939 section 3: at least 10 minutes) */
	struct out out;
	int errors;		/* protocol errors in a row */
	int auth_fails;
	int done;		/* end the connection after this reply */
	int exit_code;
	char line[POP3_SASL_LINE_BUF];

	/* AUTHORIZATION */
	int secure;		/* plaintext logins allowed */
	int have_user;
	char user[POP3_USER_MAX + 1];
	char timestamp[POP3_TIMESTAMP_MAX];

	/* TRANSACTION */
	const char *login;	/* USER from the checker, for logs */
	struct maildir_box *box;
	struct pop3_msg *m;
	size_t sizes_learnt;	/* sizes found by reading files, not yet in pop3d-sizes */
	int lock_fd;
	char *chunk;		/* RETR/TOP read buffer, allocated on first use */
};

/* pop3d-sizes (sizes.c): fill in the sizes known from earlier sessions; write the file
 * when this session learnt new ones. Failures only cost the sizes being learnt again. */
void pop3_sizes_load(struct pop3 *s);
void pop3_sizes_save(struct pop3 *s);

/* Replies (cmd.c): "+OK text" / "-ERR text" with CRLF, and one raw line. */
void pop3_ok(struct pop3 *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pop3_err(struct pop3 *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pop3_line(struct pop3 *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The only place the state changes (cmd.c). */
void pop3_enter_state(struct pop3 *s, enum pop3_state st);
/* Read one line into buf with the idle deadline, byte at a time before login.
 * 1, 0 at end of input, -1 with errno (ERANGE too long, ETIMEDOUT). */
int pop3_read_line(struct pop3 *s, char *buf, size_t max, size_t *len_r);
/* Serve commands until QUIT, end of input or a fatal error. Returns the exit code. */
int pop3_serve(struct pop3 *s);
void pop3_capa(struct pop3 *s);

/* The command handlers. Each returns 0 (the command was served, even with -ERR for a
 * reason that is not the client's fault), 1 (a client error: counts towards
 * POP3_ERRORS_MAX) or -1 (fatal: end the session without UPDATE). */
typedef int pop3_handler(struct pop3 *s, struct pop3_cmd *c);
pop3_handler pop3_cmd_user, pop3_cmd_pass, pop3_cmd_apop, pop3_cmd_auth, pop3_cmd_capa,
	pop3_cmd_quit, pop3_cmd_noop, pop3_cmd_stat, pop3_cmd_list, pop3_cmd_retr,
	pop3_cmd_dele, pop3_cmd_rset, pop3_cmd_top, pop3_cmd_uidl;

/* auth.c: greeting and AUTHORIZATION setup. Returns the exit code. */
int pop3_auth_main(struct pop3 *s);
/* session.c: the session for the user in HOME/USER/MAILDIR. Returns the exit code. */
int pop3_session_main(struct pop3 *s);
/* UPDATE (session.c): apply deletions and \Seen; 0, or -1 when a deletion failed. */
int pop3_update(struct pop3 *s);

/* retr.c: the exact wire size of message i (index) into *size_r; 0, or -1 with errno
 * (ENOENT: removed by another process). */
int pop3_msg_size(struct pop3 *s, size_t i, uint64_t *size_r);
/* Send message i as a multi-line reply: all of it, or for TOP (top set) the header, the
 * blank line and body_lines lines of the body. 0 when sent or when -ERR was sent
 * because it vanished, -1 on a fatal error (the reply may be cut: end the session). */
int pop3_msg_send(struct pop3 *s, size_t i, int top, uint64_t body_lines);
/* The UIDL of message i into out (at least POP3_UIDL_MAX + 1 bytes). */
void pop3_msg_uidl(struct pop3 *s, size_t i, char *out, size_t outsz);

#endif
