/*
 * The privileged delivery helper (see helper.h): its loop, and the message transport
 * both sides use. Small on purpose: it parses requests of six kinds made of
 * NUL-terminated names (helper_parse, pure and fuzzed: tests/fuzz/fuzz_smtp_helper.c),
 * and hands everything else to mbox.c and lib/checkpw.c.
 */
#define _DEFAULT_SOURCE	/* setgroups(2), MSG_CMSG_CLOEXEC */
#include "helper.h"

#include "checkpw.h"
#include "io.h"
#include "log.h"
#include "mbox.h"
#include "smtp.h"
#include "str.h"
#include "wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC 0	/* set by fcntl below instead */
#endif

int helper_send(int sock, const void *p, size_t n, int fd)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { (void *)p, n };
	struct msghdr msg;

	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		memset(&cm, 0, sizeof cm);
		msg.msg_control = cm.space;
		msg.msg_controllen = sizeof cm.space;
		cm.h.cmsg_level = SOL_SOCKET;
		cm.h.cmsg_type = SCM_RIGHTS;
		cm.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&cm.h), &fd, sizeof fd);
	}
	for (;;) {
		ssize_t w = sendmsg(sock, &msg, MSG_NOSIGNAL);

		if (w >= 0)
			return (size_t)w == n ? 0 : (errno = EMSGSIZE, -1);
		if (errno != EINTR)
			return -1;
	}
}

ssize_t helper_recv(int sock, void *p, size_t n, int *fd_r, int timeout_ms)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { p, n };
	struct msghdr msg;
	struct cmsghdr *c;
	ssize_t r;
	int fd = -1;

	if (fd_r != NULL)
		*fd_r = -1;
	if (timeout_ms >= 0 && io_wait(sock, POLLIN, timeout_ms) < 0)
		return -1;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.space;
	msg.msg_controllen = sizeof cm.space;
	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int)) && fd < 0) {
			memcpy(&fd, CMSG_DATA(c), sizeof fd);
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		}
	}
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 || fd_r == NULL) {
		if (fd >= 0)
			close(fd);
		fd = -1;
		if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
			errno = EMSGSIZE;
			return -1;
		}
	}
	if (fd_r != NULL)
		*fd_r = fd;
	return r;
}

/* The n NUL-terminated fields at the start of p (len octets): their starts in f, and
 * the offset after the last. -1 when they are not all there. */
static long fields(const char *p, size_t len, const char **f, int n)
{
	size_t off = 0;
	int i;

	for (i = 0; i < n; i++) {
		const char *z = memchr(p + off, '\0', len - off);

		if (z == NULL)
			return -1;
		f[i] = p + off;
		off = (size_t)(z - p) + 1;
	}
	return (long)off;
}

int helper_parse(const char *req, size_t len, struct helper_req *r)
{
	long off;
	int n;

	memset(r, 0, sizeof *r);
	if (len == 0)
		return -1;
	r->op = req[0];
	req++;
	len--;
	switch (r->op) {
	case HELPER_CHECK:
	case HELPER_AUTH:
		n = 2;
		break;
	case HELPER_PREPARE:
	case HELPER_DELIVER:
		n = 3;
		break;
	case HELPER_FIRST:
		return len == 0 ? 0 : -1;
	case HELPER_END:
		if (len != 1 || (req[0] != '0' && req[0] != '1'))
			return -1;
		r->commit = req[0] == '1';
		return 0;
	default:
		return -1;
	}
	off = fields(req, len, r->f, n);
	if (off < 0)
		return -1;
	if (n == 3 && str_to_u64z(r->f[2], SMTP_SIZE_CEILING, &r->size) < 0)
		return -1;
	/* Only a copy's trace headers may follow the fields. */
	if (n != 3 && (size_t)off != len)
		return -1;
	r->data = req + off;
	r->dlen = len - (size_t)off;
	return 0;
}

struct helper {
	int sock;
	const struct smtp_opts *o;
	struct mbox_copy *copies;	/* prepared since the last 'E' */
	size_t n, cap;
	char rep[HELPER_MSG_MAX];
};

static size_t end_transaction(struct helper *h, int commit);

/* Give up: what was prepared goes, and the session gets end of file (451s). */
static void die(struct helper *h, const char *why)
{
	log_warn("helper: %s", why);
	end_transaction(h, 0);
	_exit(111);
}

static void reply(struct helper *h, size_t n)
{
	if (helper_send(h->sock, h->rep, n, -1) < 0)
		die(h, "cannot reply");
}

/* 'E': commit or abort every prepared copy. Also what the end of the session does. */
static size_t end_transaction(struct helper *h, int commit)
{
	size_t i;

	h->rep[0] = MBOX_OK;
	for (i = 0; i < h->n; i++)
		h->rep[1 + i] = (char)mbox_finish(&h->copies[i], commit);
	i = h->n;
	h->n = 0;
	return 1 + i;
}

/* 'P' (kept for the 'E' to come), or 'D' (committed at once). */
static void prepare(struct helper *h, const struct helper_req *r, int fd)
{
	/* The session never sends these: it is broken, or no longer ours. */
	if (fd < 0 || h->n >= SMTP_TARGETS_MAX)
		die(h, "malformed delivery request");
	if (h->n == h->cap) {
		size_t cap = h->cap == 0 ? 4 : h->cap * 2;
		struct mbox_copy *c = realloc(h->copies, cap * sizeof *c);

		if (c == NULL)
			die(h, "out of memory");
		h->copies = c;
		h->cap = cap;
	}
	h->rep[0] = (char)mbox_prepare(h->o->users, r->f[0], r->f[1], r->data, r->dlen, fd,
				       r->size, &h->copies[h->n]);
	if (r->op == HELPER_DELIVER)
		h->rep[0] = (char)mbox_finish(&h->copies[h->n], 1);
	else
		h->n++;
	reply(h, 1);
}

static void check(struct helper *h, const struct helper_req *r)
{
	struct mbox m;

	h->rep[0] = (char)mbox_check(h->o->users, r->f[0], r->f[1], &m);
	h->rep[1] = h->rep[0] == MBOX_OK && m.folder ? '1' : '0';
	reply(h, 2);
}

static void first_user(struct helper *h)
{
	h->rep[0] = MBOX_OK;
	if (mbox_first_user(h->o->users, h->rep + 1, SMTP_LOCAL_MAX + 1) < 0) {
		h->rep[0] = MBOX_TEMP;
		h->rep[1] = '\0';
	}
	reply(h, 2 + strlen(h->rep + 1));
}

static void auth(struct helper *h, const struct helper_req *r)
{
	int status = CHECKPW_EXIT_TEMP, n;

	if (h->o->checkpw_argv == NULL) {
		log_warn("helper: login request without a checkpassword program");
	} else if (checkpw_run_timeout(h->o->checkpw_argv, r->f[0], r->f[1], "",
				       h->o->checkpw_timeout_ms, &status) < 0) {
		log_warn("cannot run %s: %s", h->o->checkpw_argv[0], strerror(errno));
		status = CHECKPW_EXIT_TEMP;
	}
	n = snprintf(h->rep, sizeof h->rep, "%d", status);
	reply(h, (size_t)n);
}

static void helper_loop(struct helper *h)
{
	static char req[HELPER_MSG_MAX];
	struct helper_req r;

	for (;;) {
		int fd = -1;
		ssize_t len = helper_recv(h->sock, req, sizeof req, &fd, -1);

		if (len <= 0)
			break;	/* the session is over: what it did not commit goes */
		if (helper_parse(req, (size_t)len, &r) < 0)
			die(h, "malformed request");
		switch (r.op) {
		case HELPER_CHECK:
			check(h, &r);
			break;
		case HELPER_FIRST:
			first_user(h);
			break;
		case HELPER_PREPARE:
		case HELPER_DELIVER:
			prepare(h, &r, fd);
			break;
		case HELPER_END:
			reply(h, end_transaction(h, r.commit));
			break;
		case HELPER_AUTH:
			auth(h, &r);
			/* No password stays in memory longer than its request. */
			wipe(req, (size_t)len);
			break;
		}
		if (fd >= 0)
			close(fd);
	}
	end_transaction(h, 0);
	free(h->copies);
}

int helper_start(const struct smtp_opts *o, pid_t *pid_r)
{
	static struct helper h;
	int sv[2], null;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return -1;
	if (fcntl(sv[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(sv[1], F_SETFD, FD_CLOEXEC) < 0 ||
	    (pid = fork()) < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		errno = e;
		return -1;
	}
	if (pid > 0) {
		char ready;

		close(sv[1]);
		*pid_r = pid;
		/* Not a byte from the client is read until the helper has let go of the
		 * connection: it says so once it has. */
		errno = 0;
		if (helper_recv(sv[0], &ready, 1, NULL, HELPER_REPLY_TIMEOUT_MS) != 1 ||
		    ready != MBOX_OK) {
			int e = errno;
			close(sv[0]);
			errno = e != 0 ? e : EPROTO;
			return -1;
		}
		return sv[0];
	}
	/* The helper: nothing of the client's connection stays open here (fd 2 too when
	 * it is the connection: the log then goes to syslog, lib/log.c). */
	close(sv[0]);
	null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    (!log_stderr_usable() && dup2(null, 2) < 0)) {
		log_fatal("helper: /dev/null: %s", strerror(errno));
		_exit(111);
	}
	if (null > 2)
		close(null);
	if (setgroups(0, NULL) < 0) {
		log_fatal("helper: setgroups: %s", strerror(errno));
		_exit(111);
	}
	h.sock = sv[1];
	h.o = o;
	h.rep[0] = MBOX_OK;
	reply(&h, 1);
	helper_loop(&h);
	_exit(0);
}
