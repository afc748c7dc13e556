/*
 * The imapd session: one struct owns the connection's state, in one of RFC 3501's
 * states (3: not authenticated, authenticated, selected, logout). The same program
 * serves the pre-login phase (as whoever the superserver runs it as) and, exec'd by
 * the checkpassword program as the user, the rest.
 */
#ifndef IMAP_IMAP_H
#define IMAP_IMAP_H

#include "cmdread.h"
#include "imap_args.h"
#include "imap_limits.h"

#include "maildir_box.h"
#include "out.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* Bits, so that a command table row can allow several. */
enum imap_state {
	IMAP_NOT_AUTH = 1,
	IMAP_AUTH = 2,
	IMAP_SELECTED = 4,
	IMAP_LOGOUT = 8,
};

struct imap_opts {
	int allow_plaintext;	/* --allow-plaintext */
	int preauth;		/* --preauth */
	int session;		/* --session: exec'd by the checkpassword program */
	const char *login_tag;	/* --session's tag of the LOGIN/AUTHENTICATE to answer */
	char **login_argv;	/* CHECKPW ARGS... SELF --session, NULL-ended; the tag is
				 * appended per login */
	size_t login_argc;
};

/* Per-message session data, parallel to the view (sequence number n is index n-1). */
struct imap_msg {
	uint32_t uid;
	/* The flags and keywords the session last saw: what FETCH FLAGS answers for a
	 * message expunged by another process but still in the client's view. Keywords
	 * are 26 letters (MAILDIR_KW): \Recent shares their word, 12 bytes a message. */
	uint32_t flags;
	uint32_t keywords : 31;
	uint32_t recent : 1;	/* \Recent: claimed from new/ by this session */
};

struct imap {
	enum imap_state state;
	struct imap_opts opt;
	struct imap_reader rd;
	struct imap_cmd cmd;
	struct out out;
	int idle_ms;
	int errors;		/* bad commands in a row */
	int auth_fails;
	int done;		/* close after this command */
	int exit_code;
	int secure;		/* plaintext logins allowed */

	/* authenticated */
	const char *user;	/* for logs */
	char root[PATH_MAX];	/* the Maildir: INBOX */

	/* selected */
	struct maildir_box *box;
	int readonly;		/* EXAMINE */
	int keywords_told;	/* keywords the last FLAGS response listed */
	char box_name[IMAP_MAILBOX_MAX + 1];
	/* The client's view: the message list as last reported. Sequence numbers index
	 * this array, not the maildir view, which may already hold changes the client
	 * has not been told about (RFC 3501 7.4.1). */
	struct imap_msg *m;
	size_t n, cap;
	int view_pending;	/* SELECT answered from the header: m still to be read */
};

/* Replies (cmd.c). imap_tagged: "TAG OK|NO|BAD text"; imap_untagged: "* text". */
void imap_tagged(struct imap *s, const char *status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void imap_untagged(struct imap *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Recurring replies: BAD with text (counts as a client error), NO with text. */
int imap_bad(struct imap *s, const char *text);
int imap_no(struct imap *s, const char *text);
/* NO [EXPUNGEISSUED] (RFC 5530): some messages asked for were expunged meanwhile. */
int imap_no_expungeissued(struct imap *s);
/* A string in a reply: an atom-safe quoted string, or a literal (RFC 3501 4.3). */
void imap_put_string(struct imap *s, const char *str, size_t len);
/* The capability list for the current state, without "* CAPABILITY" or brackets. */
void imap_put_capability(struct imap *s);

/* The only place the state changes (cmd.c). */
void imap_enter_state(struct imap *s, enum imap_state st);
/* Serve commands until LOGOUT, end of input or a fatal error. The exit code. */
int imap_serve(struct imap *s);

/* The command handlers: 0 (served, even with NO), 1 (a client error: BAD sent,
 * counts towards IMAP_ERRORS_MAX), -1 (fatal: end the session). */
typedef int imap_handler(struct imap *s, struct imap_cmd *c);
imap_handler imap_cmd_capability, imap_cmd_noop, imap_cmd_logout, imap_cmd_login,
	imap_cmd_authenticate, imap_cmd_select, imap_cmd_examine, imap_cmd_create,
	imap_cmd_delete, imap_cmd_rename, imap_cmd_list, imap_cmd_status, imap_cmd_append,
	imap_cmd_namespace, imap_cmd_id, imap_cmd_enable, imap_cmd_check, imap_cmd_close,
	imap_cmd_unselect, imap_cmd_expunge, imap_cmd_uid_expunge, imap_cmd_store,
	imap_cmd_uid_store, imap_cmd_fetch, imap_cmd_uid_fetch, imap_cmd_copy,
	imap_cmd_uid_copy, imap_cmd_move, imap_cmd_uid_move, imap_cmd_idle, imap_cmd_subscribe,
	imap_cmd_unsubscribe, imap_cmd_lsub;
imap_handler imap_cmd_search, imap_cmd_uid_search;	/* search.c */

/* auth.c: greeting and pre-login phase. The exit code. */
int imap_auth_main(struct imap *s);
/* session.c: the session for the user in HOME/USER/MAILDIR. The exit code. */
int imap_session_main(struct imap *s);
/* 1 when fd 0 is a socket: a network connection, where test hooks are ignored. */

/* mailbox.c: the selected mailbox. */
/* The path of a mailbox name (UTF-8, "INBOX" or "A/B") into out. 0 or -1 errno. */
int imap_mailbox_path(struct imap *s, const char *name, char *out, size_t outsz);
/* Report what changed on disk since the client's view (untagged EXPUNGE, FETCH FLAGS,
 * EXISTS, RECENT) when expunges may be sent (allow_expunge: not during FETCH, STORE
 * or SEARCH, RFC 3501 7.4.1). 0 or -1 (fatal). */
int imap_mailbox_sync(struct imap *s, int allow_expunge);
/* Untagged FLAGS and PERMANENTFLAGS when the mailbox's keywords grew since the client
 * was last told: before any FETCH that shows a new keyword (RFC 3501 7.2.6). */
void imap_mailbox_tell_keywords(struct imap *s);
/* Leave the selected state, closing the view. */
void imap_mailbox_close(struct imap *s);
/* Read the view a SELECT answered from the header (view_pending). 0, or -1 (the
 * folder did not hold what its header said: the session ends). */
int imap_mailbox_load(struct imap *s);
/* Untagged "* n FETCH (FLAGS (...))" for message index i (with UID when uid). */
void imap_put_flags_fetch(struct imap *s, size_t i, int uid);
/* "(\Seen ...)" of a message's flags and keywords, and whether it is \Recent. */
void imap_put_flags(struct imap *s, uint32_t flags, uint32_t keywords, int recent);
/* Index of the client's message i (sequence number i + 1) in the maildir view, or -1
 * when the message is gone from it (expunged by another process, not yet reported). */
long imap_view_index(struct imap *s, size_t i);
/* The client's index (sequence number - 1) of uid, or -1 when it has no such message. */
long imap_view_find(const struct imap *s, uint32_t uid);
/* Remember the flags of maildir view message j as client message i's last known ones. */
void imap_view_note_flags(struct imap *s, size_t i, size_t j);
/* Parse a sequence set argument into set, resolved against the client's view: message
 * numbers, or UIDs when uid. 0; 1 after BAD (bad syntax, or a number beyond the
 * mailbox). */
struct imap_seqset;
int imap_msgset(struct imap *s, const struct imap_arg *a, int uid, struct imap_seqset *set);

#endif
