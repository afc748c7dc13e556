/*
 * Delivery of a complete message to its targets. No queue: the reply waits until every
 * copy is durable. In two phases, so that a failure found while writing leaves nothing
 * behind: first every local copy is written to tmp/ (maildir_tmp_open/write), then,
 * only if that went well (SMTP) or per recipient (LMTP), each is committed to new/.
 * A commit failing half-way gives 451: the client sends again, and a duplicate is
 * better than a loss.
 *
 * Running as root, files are written by a child per owner (uid, gid) that has dropped
 * to that owner: never a root-owned file in a user's Maildir. The child inherits the
 * message in memory and talks to us over two pipes, one status byte per target.
 * Otherwise we write directly, and a Maildir we cannot write is a 451 for its target.
 * Remote targets (authenticated senders only) go to the --relay-via program, executed
 * without a shell as `PROGRAM -i -f SENDER -- RCPT...`, the message on its stdin.
 */
#define _DEFAULT_SOURCE	/* setgroups(2): not POSIX, but root's groups must go */
#include "smtp.h"

#include "io.h"
#include "log.h"
#include "maildir_deliver.h"
#include "maildir_quota.h"
#include "str.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* sysexits.h EX_TEMPFAIL: the sendmail convention for "try again later". */
#define RELAY_EXIT_TEMP 75

/* Status bytes between the delivering child and us. */
#define ST_OK 'o'
#define ST_TEMP 't'
#define ST_QUOTA 'q'
#define GO_COMMIT 'c'
#define GO_ABORT 'a'

/* RFC 5322 3.3 date-time, or $SMTPD_TEST_DATE for transcripts (see main.c). */
static void trace_date(const struct smtp *s, char *out, size_t outsz)
{
	time_t now = time(NULL);
	struct tm tm;

	if (s->test_date != NULL && str_lcpy(out, s->test_date, outsz) < outsz)
		return;
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(out, outsz, "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
		str_lcpy(out, "Thu, 01 Jan 1970 00:00:00 +0000", outsz);
}

/* RFC 3848 protocol names: SMTP, ESMTP, ESMTPA, ESMTPS, ESMTPSA, LMTP. */
static const char *trace_proto(const struct smtp *s)
{
	if (s->opt.lmtp)
		return s->authed ? (s->tls ? "LMTPSA" : "LMTPA") : (s->tls ? "LMTPS" : "LMTP");
	if (!s->esmtp)
		return "SMTP";
	if (s->authed)
		return s->tls ? "ESMTPSA" : "ESMTPA";
	return s->tls ? "ESMTPS" : "ESMTP";
}

/* Return-Path and Delivered-To (local copies: mailbox is where this copy goes, after
 * aliases, as Postfix and qmail write it, so that a forwarding loop can be seen), and
 * Received (RFC 5321 4.4), whose "for" is the RCPT as the client gave it. */
static int trace_headers(const struct smtp *s, const char *rcpt, const char *mailbox,
			 struct buf *h)
{
	char date[64];

	trace_date(s, date, sizeof date);
	if (mailbox != NULL && (buf_printf(h, "Return-Path: <%s>\n", s->from.text) < 0 ||
				buf_printf(h, "Delivered-To: <%s>\n", mailbox) < 0))
		return -1;
	if (buf_printf(h, "Received: from %s", s->helo) < 0 ||
	    (s->peer[0] != '-' && buf_printf(h, " ([%s])", s->peer) < 0) ||
	    buf_printf(h, "\n\tby %s with %s", s->host, trace_proto(s)) < 0 ||
	    (rcpt != NULL && buf_printf(h, "\n\tfor <%s>", rcpt) < 0) ||
	    buf_printf(h, "; %s\n", date) < 0)
		return -1;
	return 0;
}

struct owner_group {
	size_t *idx;		/* target indexes of this owner */
	size_t n;
	struct maildir_tmp *tmp;	/* in the process that writes */
	pid_t pid;		/* the child, when running as root; 0 otherwise */
	int to, from;		/* pipes to and from the child */
};

/* Phase one for one target: quota, tmp/ file, trace headers and message. */
static int prepare_one(struct smtp *s, struct smtp_target *t, struct maildir_tmp *tmp)
{
	struct buf h;
	int rc = ST_TEMP, over;

	buf_init(&h, 4096);
	if (trace_headers(s, s->rcpt[t->rcpt].addr.text, t->addr, &h) < 0)
		goto out;
	/* As the owner: a maildirsize that needs it is recounted here. */
	if (maildir_quota_check(t->root, h.len + s->msg.len, 1, 0, &over) < 0) {
		smtp_quota_log_error(t->root);
		goto out;
	}
	if (over) {
		rc = ST_QUOTA;
		goto out;
	}
	if (maildir_tmp_open(tmp, t->dir) < 0 && errno == ENOENT &&
	    strcmp(t->dir, t->root) == 0 && maildir_make(t->root) == 0)
		maildir_tmp_open(tmp, t->dir);
	if (tmp->fd < 0) {
		log_warn("cannot deliver to %s: %s", t->dir, strerror(errno));
		goto out;
	}
	if (maildir_tmp_write(tmp, h.s, h.len) < 0 ||
	    (s->msg.len > 0 && maildir_tmp_write(tmp, s->msg.s, s->msg.len) < 0)) {
		log_warn("cannot write to %s: %s", t->dir, strerror(errno));
		maildir_tmp_abort(tmp);
		goto out;
	}
	rc = ST_OK;
out:
	buf_free(&h);
	return rc;
}

static int commit_one(struct smtp_target *t, struct maildir_tmp *tmp)
{
	char name[MAILDIR_NAME_MAX + 1];

	if (maildir_tmp_commit(tmp, "new", 0, 0, name, sizeof name) < 0) {
		log_warn("cannot commit to %s: %s", t->dir, strerror(errno));
		maildir_tmp_abort(tmp);
		return ST_TEMP;
	}
	/* The message is delivered: a usage line that cannot be written is only logged,
	 * and the next recount makes up for it. */
	if (maildir_quota_add(t->root, (int64_t)tmp->size, 1) < 0)
		log_warn("%s/maildirsize: cannot record the delivery: %s", t->root,
			 strerror(errno));
	return ST_OK;
}

/* The child's side: drop to the owner, prepare, wait for the word, commit, report. */
static void child_run(struct smtp *s, struct owner_group *g, int in, int out)
{
	struct smtp_target *t0 = &s->tg[g->idx[0]];
	char st[SMTP_TARGETS_MAX];
	char go;
	size_t i;

	if (setgroups(1, &t0->gid) < 0 || setgid(t0->gid) < 0 || setuid(t0->uid) < 0 ||
	    getuid() == 0 || geteuid() == 0) {
		log_warn("cannot become uid %ld gid %ld: %s", (long)t0->uid, (long)t0->gid,
			 strerror(errno));
		memset(st, ST_TEMP, g->n);
		io_write_all(out, st, g->n, -1);
		_exit(111);
	}
	for (i = 0; i < g->n; i++)
		st[i] = (char)prepare_one(s, &s->tg[g->idx[i]], &g->tmp[i]);
	if (io_write_all(out, st, g->n, -1) < 0 || read(in, &go, 1) != 1)
		go = GO_ABORT;
	for (i = 0; i < g->n; i++) {
		if (st[i] != ST_OK)
			continue;
		if (go == GO_COMMIT)
			st[i] = (char)commit_one(&s->tg[g->idx[i]], &g->tmp[i]);
		else
			maildir_tmp_abort(&g->tmp[i]);
	}
	io_write_all(out, st, g->n, -1);
	_exit(0);
}

static int read_status(int fd, char *st, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, st + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	memset(st + got, ST_TEMP, n - got);
	return got == n ? 0 : -1;
}

/* Phase one for a group: in a child as its owner (root), or here. */
static int group_prepare(struct smtp *s, struct owner_group *g, char *st)
{
	int p1[2], p2[2];
	size_t i;

	if (geteuid() != 0) {
		for (i = 0; i < g->n; i++)
			st[i] = (char)prepare_one(s, &s->tg[g->idx[i]], &g->tmp[i]);
		return 0;
	}
	if (pipe(p1) < 0)
		goto fail;
	if (pipe(p2) < 0) {
		close(p1[0]);
		close(p1[1]);
		goto fail;
	}
	g->pid = fork();
	if (g->pid < 0) {
		close(p1[0]);
		close(p1[1]);
		close(p2[0]);
		close(p2[1]);
		g->pid = 0;
		goto fail;
	}
	if (g->pid == 0) {
		close(p1[1]);
		close(p2[0]);
		child_run(s, g, p1[0], p2[1]);
	}
	close(p1[0]);
	close(p2[1]);
	g->to = p1[1];
	g->from = p2[0];
	return read_status(g->from, st, g->n);
fail:
	log_warn("cannot start a delivery process: %s", strerror(errno));
	memset(st, ST_TEMP, g->n);
	return -1;
}

/* Phase two: commit (or abort) what was prepared; st updated with the outcome. */
static void group_finish(struct smtp *s, struct owner_group *g, char *st, int commit)
{
	char go = commit ? GO_COMMIT : GO_ABORT;
	size_t i;
	int status;

	if (g->pid == 0) {
		for (i = 0; i < g->n; i++) {
			if (st[i] != ST_OK)
				continue;
			if (commit)
				st[i] = (char)commit_one(&s->tg[g->idx[i]], &g->tmp[i]);
			else
				maildir_tmp_abort(&g->tmp[i]);
		}
		return;
	}
	if (io_write_all(g->to, &go, 1, -1) < 0 || read_status(g->from, st, g->n) < 0)
		log_warn("delivery process %ld did not report", (long)g->pid);
	close(g->to);
	close(g->from);
	while (waitpid(g->pid, &status, 0) < 0 && errno == EINTR)
		;
}

/* Run the relay program for the remote targets. Returns an enum smtp_result. */
static int relay(struct smtp *s)
{
	char tmpl[PATH_MAX];
	const char *tmpdir = getenv("TMPDIR");
	char **argv = NULL;
	struct buf h;
	size_t i, k = 0;
	int fd, status, rc = SMTP_R_RELAY_TEMP;
	pid_t pid;

	buf_init(&h, 4096);
	k = (size_t)snprintf(tmpl, sizeof tmpl, "%s/smtpd-relay.XXXXXX",
			     tmpdir != NULL && tmpdir[0] == '/' ? tmpdir : "/tmp");
	if (k >= sizeof tmpl) {
		log_warn("relay: TMPDIR too long");
		return SMTP_R_RELAY_TEMP;
	}
	k = 0;
	fd = mkstemp(tmpl);
	if (fd < 0) {
		log_warn("relay: temporary file: %s", strerror(errno));
		return SMTP_R_RELAY_TEMP;
	}
	unlink(tmpl);
	argv = calloc(s->ntg + 6, sizeof *argv);
	if (argv == NULL || trace_headers(s, NULL, NULL, &h) < 0 ||
	    io_write_all(fd, h.s, h.len, -1) < 0 ||
	    (s->msg.len > 0 && io_write_all(fd, s->msg.s, s->msg.len, -1) < 0) ||
	    lseek(fd, 0, SEEK_SET) < 0)
		goto out;
	argv[k++] = (char *)s->opt.relay_via;
	argv[k++] = "-i";
	argv[k++] = "-f";
	argv[k++] = s->from.null ? "<>" : s->from.text;
	argv[k++] = "--";
	for (i = 0; i < s->ntg; i++) {
		if (s->tg[i].remote)
			argv[k++] = s->tg[i].addr;
	}
	argv[k] = NULL;
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		/* Its output must not reach our client: it goes to our log, or nowhere
		 * when our stderr is the client's connection (inetd). */
		if (!log_stderr_usable()) {
			int null = open("/dev/null", O_WRONLY);
			if (null < 0 || dup2(null, 2) < 0)
				_exit(RELAY_EXIT_TEMP);
		}
		if (dup2(fd, 0) < 0 || dup2(2, 1) < 0)
			_exit(RELAY_EXIT_TEMP);
		signal(SIGPIPE, SIG_DFL);
		alarm(SMTP_RELAY_TIMEOUT_S);
		execvp(argv[0], argv);
		log_warn("relay: cannot run %s: %s", argv[0], strerror(errno));
		_exit(RELAY_EXIT_TEMP);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			goto out;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		rc = SMTP_R_OK;
	else if (WIFEXITED(status) && WEXITSTATUS(status) != RELAY_EXIT_TEMP)
		rc = SMTP_R_RELAY_FAIL;
	if (rc != SMTP_R_OK)
		log_warn("relay: %s exited with status %d", argv[0],
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
out:
	close(fd);
	free(argv);
	buf_free(&h);
	return rc;
}

static int result_of(char st)
{
	return st == ST_OK ? SMTP_R_OK : st == ST_QUOTA ? SMTP_R_QUOTA : SMTP_R_TEMP;
}

int smtp_deliver(struct smtp *s, int all_or_nothing)
{
	struct owner_group *g = calloc(s->ntg + 1, sizeof *g);
	size_t *idx = calloc(s->ntg + 1, sizeof *idx);
	struct maildir_tmp *tmp = calloc(s->ntg + 1, sizeof *tmp);
	char *st = malloc(s->ntg + 1);
	size_t ng = 0, i, j, used = 0;
	int failed = 0, remote = 0, rrc = SMTP_R_OK, rc = -1;

	if (g == NULL || idx == NULL || tmp == NULL || st == NULL) {
		log_warn("delivery: out of memory");
		goto out;
	}
	if (out_flush(&s->out) < 0)
		goto out;
	for (i = 0; i < s->ntg; i++) {
		tmp[i].fd = -1;
		if (s->tg[i].remote)
			remote = 1;
	}
	/* Group the local targets by owner, each group's indexes contiguous in idx. */
	for (i = 0; i < s->ntg; i++) {
		struct owner_group *cur;
		if (s->tg[i].remote)
			continue;
		for (j = 0; j < ng; j++) {
			struct smtp_target *t = &s->tg[g[j].idx[0]];
			if (t->uid == s->tg[i].uid && t->gid == s->tg[i].gid)
				break;
		}
		if (j < ng)
			continue;
		cur = &g[ng++];
		cur->idx = idx + used;
		cur->tmp = tmp + used;
		for (j = i; j < s->ntg; j++) {
			if (!s->tg[j].remote && s->tg[j].uid == s->tg[i].uid &&
			    s->tg[j].gid == s->tg[i].gid)
				cur->idx[cur->n++] = j;
		}
		used += cur->n;
	}
	for (j = 0, used = 0; j < ng; j++) {
		group_prepare(s, &g[j], st + used);
		for (i = 0; i < g[j].n; i++) {
			if (st[used + i] != ST_OK)
				failed = 1;
		}
		used += g[j].n;
	}
	if (remote && !(all_or_nothing && failed))
		rrc = relay(s);
	if (all_or_nothing && rrc != SMTP_R_OK)
		failed = 1;
	for (j = 0, used = 0; j < ng; j++) {
		group_finish(s, &g[j], st + used, !(all_or_nothing && failed));
		for (i = 0; i < g[j].n; i++)
			s->tg[g[j].idx[i]].result = result_of(st[used + i]);
		used += g[j].n;
	}
	for (i = 0; i < s->ntg; i++) {
		if (s->tg[i].remote)
			s->tg[i].result = rrc;
	}
	if (all_or_nothing && failed) {
		/* Nothing was delivered: every target shares the first failure. */
		int why = SMTP_R_TEMP;
		for (i = 0; i < s->ntg; i++) {
			if (s->tg[i].result != SMTP_R_OK) {
				why = s->tg[i].result;
				break;
			}
		}
		for (i = 0; i < s->ntg; i++)
			s->tg[i].result = why;
	}
	rc = 0;
out:
	free(g);
	free(idx);
	free(tmp);
	free(st);
	return rc;
}
