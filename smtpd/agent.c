/*
 * The session's way to the mailbox side: requests to the privileged helper (helper.h)
 * when smtpd was started as root, else the same mbox.c calls made here, as ourselves.
 * A helper that does not answer within HELPER_REPLY_TIMEOUT_MS, or is gone, is given
 * up: from then on every request is a temporary failure (451), never a hang.
 */
#include "smtp.h"

#include "checkpw.h"
#include "helper.h"
#include "log.h"
#include "str.h"
#include "wipe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The helper is no more: one log line, then the socket is closed. */
static void helper_lost(struct smtp *s, const char *what)
{
	log_warn("delivery helper %s: %s", what,
		 errno == 0 ? "gone" : strerror(errno));
	close(s->helper);
	s->helper = -2;	/* there was one: nothing is done here instead */
}

/* One request and its reply (at least one octet). The reply's length, or -1. */
static ssize_t ask(struct smtp *s, const void *req, size_t n, int fd, char *rep,
		   size_t repsz)
{
	ssize_t r;

	if (s->helper < 0)
		return -1;
	if (helper_send(s->helper, req, n, fd) < 0) {
		helper_lost(s, "send");
		return -1;
	}
	errno = 0;
	r = helper_recv(s->helper, rep, repsz, NULL, HELPER_REPLY_TIMEOUT_MS);
	if (r <= 0) {
		helper_lost(s, r < 0 && errno == ETIMEDOUT ? "timed out" : "reply");
		return -1;
	}
	return r;
}

/* op, then the strings each with its NUL, into b. -1 when it would not fit. */
static int request(struct buf *b, char op, const char *a, const char *c)
{
	buf_reset(b);
	if (buf_putc(b, op) < 0 || (a != NULL && buf_append(b, a, strlen(a) + 1) < 0) ||
	    (c != NULL && buf_append(b, c, strlen(c) + 1) < 0))
		return -1;
	return 0;
}

int smtp_agent_check(struct smtp *s, const char *name, const char *tag, int *folder_r)
{
	char rep[2];
	struct buf b;
	struct mbox m;
	int rc;

	*folder_r = 0;
	if (s->helper == -1) {
		rc = mbox_check(s->opt.users, name, tag, &m);
		*folder_r = rc == MBOX_OK && m.folder;
		return rc;
	}
	buf_init(&b, HELPER_MSG_MAX);
	rc = MBOX_TEMP;
	if (request(&b, HELPER_CHECK, name, tag != NULL ? tag : "") == 0 &&
	    ask(s, b.s, b.len, -1, rep, sizeof rep) == 2) {
		rc = (unsigned char)rep[0];
		*folder_r = rep[1] == '1';
	}
	buf_free(&b);
	return rc;
}

int smtp_agent_first_user(struct smtp *s, char *name, size_t size)
{
	char rep[SMTP_LOCAL_MAX + 3];
	char op = HELPER_FIRST;
	ssize_t n;

	if (s->helper == -1)
		return mbox_first_user(s->opt.users, name, size);
	n = ask(s, &op, 1, -1, rep, sizeof rep - 1);
	if (n < 2 || rep[0] != MBOX_OK)
		return -1;
	rep[n] = '\0';
	return str_lcpy(name, rep + 1, size) < size ? 0 : -1;
}

/* A copy through the helper: 'P' (counted in s->nprepared) or 'D'. */
static int ask_copy(struct smtp *s, char op, const char *user, const char *folder,
		    const char *hdr, size_t hlen)
{
	struct buf b;
	char rep[1];
	int rc = MBOX_TEMP;

	buf_init(&b, HELPER_MSG_MAX);
	if (request(&b, op, user, folder != NULL ? folder : "") == 0 &&
	    buf_printf(&b, "%llu", (unsigned long long)s->spool_len) == 0 &&
	    buf_append(&b, "", 1) == 0 && buf_append(&b, hdr, hlen) == 0) {
		/* Counted once asked, whatever the answer: the helper's statuses at the
		 * end are one per request. */
		if (op == HELPER_PREPARE)
			s->nprepared++;
		if (ask(s, b.s, b.len, s->spool, rep, 1) == 1)
			rc = (unsigned char)rep[0];
	}
	buf_free(&b);
	return rc;
}

int smtp_agent_prepare(struct smtp *s, const char *user, const char *folder,
		       const char *hdr, size_t hlen)
{
	if (s->helper != -1)
		return ask_copy(s, HELPER_PREPARE, user, folder, hdr, hlen);
	if (s->nprepared == s->copycap) {
		size_t cap = s->copycap == 0 ? 4 : s->copycap * 2;
		struct mbox_copy *c = realloc(s->copies, cap * sizeof *c);

		if (c == NULL)
			return MBOX_TEMP;
		s->copies = c;
		s->copycap = cap;
	}
	return mbox_prepare(s->opt.users, user, folder, hdr, hlen, s->spool, s->spool_len,
			    &s->copies[s->nprepared++]);
}

int smtp_agent_deliver(struct smtp *s, const char *user, const char *folder,
		       const char *hdr, size_t hlen)
{
	struct mbox_copy c;

	if (s->helper != -1)
		return ask_copy(s, HELPER_DELIVER, user, folder, hdr, hlen);
	mbox_prepare(s->opt.users, user, folder, hdr, hlen, s->spool, s->spool_len, &c);
	return mbox_finish(&c, 1);
}

void smtp_agent_end(struct smtp *s, int commit, char *st, size_t n)
{
	char req[2] = { HELPER_END, commit ? '1' : '0' };
	char *rep;
	size_t i;
	ssize_t got;

	memset(st, MBOX_TEMP, n);
	if (s->nprepared == 0)
		return;
	if (s->helper == -1) {
		for (i = 0; i < s->nprepared && i < n; i++)
			st[i] = (char)mbox_finish(&s->copies[i], commit);
		s->nprepared = 0;
		return;
	}
	rep = malloc(s->nprepared + 1);
	if (rep != NULL) {
		got = ask(s, req, sizeof req, -1, rep, s->nprepared + 1);
		if (got == (ssize_t)s->nprepared + 1)
			memcpy(st, rep + 1, n < s->nprepared ? n : s->nprepared);
		else if (got > 0)
			log_warn("delivery helper: %zd statuses for %zu copies", got - 1,
				 s->nprepared);
	}
	free(rep);
	s->nprepared = 0;
}

int smtp_agent_auth(struct smtp *s, const char *user, const char *pass, int *status_r)
{
	char req[1 + 2 * (SASL_FIELD_MAX + 1)], rep[16];
	size_t ul = strlen(user) + 1, pl = strlen(pass) + 1;
	ssize_t n;
	int rc = -1;

	if (s->helper == -1)
		return checkpw_run_timeout(s->opt.checkpw_argv, user, pass, "",
					   s->opt.checkpw_timeout_ms, status_r);
	if (1 + ul + pl > sizeof req) {
		errno = E2BIG;
		return -1;
	}
	req[0] = HELPER_AUTH;
	memcpy(req + 1, user, ul);
	memcpy(req + 1 + ul, pass, pl);
	n = ask(s, req, 1 + ul + pl, -1, rep, sizeof rep - 1);
	wipe(req, sizeof req);
	if (n > 0) {
		rep[n] = '\0';
		*status_r = (int)strtol(rep, NULL, 10);
		rc = 0;
	} else {
		errno = EIO;
	}
	return rc;
}
