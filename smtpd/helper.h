/*
 * The privileged delivery helper of smtpd (see docs/ARCHITECTURE.md, smtpd(8)).
 *
 * Started as root, smtpd forks this helper before the session drops to its
 * unprivileged account. The helper keeps root, holds no descriptor of the client's
 * connection and reads nothing but requests on one socket from the session:
 *
 *   'C' name \0 tag \0            RCPT check  -> status, folder (0/1)
 *   'F'                            first user of the users file -> status, name
 *   'P' name \0 folder \0 length \0 header
 *                                  + the spool fd (SCM_RIGHTS): its first length
 *                                  octets are the message -> status
 *   'E' commit                     commit (1) or abort (0) every 'P' so far
 *                                  -> one status per 'P', in order
 *   'D' (as 'P')                   'P' and its commit at once (a
 *                                  copy that waits for no other) -> status
 *   'A' user \0 password \0        run the checkpassword program -> its exit status
 *
 * One request or reply is one SOCK_SEQPACKET message of at most HELPER_MSG_MAX octets.
 * Every name is looked up again in the helper's users file (mbox.c); the header and
 * the message are data written into the owner's Maildir as that owner, nothing more.
 */
#ifndef SMTPD_HELPER_H
#define SMTPD_HELPER_H

#include "limits.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Requests: the names, a folder and the trace headers fit with room to spare; the
 * reply to 'E' is one octet per prepared copy. */
#define HELPER_MSG_MAX (SMTP_TARGETS_MAX + 8192)
/* How long the session waits for any reply: a delivery may copy a message of up to
 * SMTP_SIZE_CEILING octets and recount a quota; within RFC 5321 4.5.3.2.6's 10 minutes
 * the client waits for the reply to the final dot. */
#define HELPER_REPLY_TIMEOUT_MS (SMTP_RELAY_TIMEOUT_S * 1000)
/* The checkpassword program gets this long (checkpassword-file's failure delay is
 * a few seconds). */
#define HELPER_CHECKPW_TIMEOUT_MS (60 * 1000)
/* At the end of the session, the helper has this long to abort and exit. */
#define HELPER_EXIT_TIMEOUT_MS (10 * 1000)

enum helper_op {
	HELPER_CHECK = 'C',
	HELPER_FIRST = 'F',
	HELPER_PREPARE = 'P',
	HELPER_END = 'E',
	HELPER_DELIVER = 'D',
	HELPER_AUTH = 'A',
};

/* A request taken apart (helper_parse). Fields point into the request. */
struct helper_req {
	char op;		/* enum helper_op */
	const char *f[3];	/* C, A: two names; P, D: user, folder, length */
	uint64_t size;		/* P, D: the message's length in the spool */
	const char *data;	/* P, D: the trace headers */
	size_t dlen;
	int commit;		/* E */
};

/* Take a request of len octets apart: every field present and NUL-terminated, the
 * length a number within SMTP_SIZE_CEILING, nothing after the fields of a request
 * that has no headers. 0, or -1 when it is malformed (never from our own session). */
int helper_parse(const char *req, size_t len, struct helper_req *r);

struct smtp_opts;

/* Fork the helper (as root). Returns the session's end of the socket (close-on-exec)
 * with *pid_r, or -1 with errno. In the helper this never returns. */
int helper_start(const struct smtp_opts *o, pid_t *pid_r);

/* One message out, with fd passed along when fd >= 0. 0 or -1 with errno. */
int helper_send(int sock, const void *p, size_t n, int fd);
/* One message in, waiting at most timeout_ms (-1: for ever). The count (0 at the end),
 * or -1 with errno (ETIMEDOUT). A passed descriptor lands in *fd_r (close-on-exec) when
 * fd_r is not NULL, else it is closed; *fd_r is -1 when none came. */
ssize_t helper_recv(int sock, void *p, size_t n, int *fd_r, int timeout_ms);

#endif
