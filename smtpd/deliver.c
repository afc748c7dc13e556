/*
 * Delivery of a complete message (in the spool) to its targets. No queue: the reply
 * waits until every copy is durable. In two phases, so that a failure found while
 * writing leaves nothing behind: first every local copy is written to tmp/ and fsynced
 * (smtp_agent_prepare), then, only if that went well (SMTP) or per recipient (LMTP),
 * each is linked into new/ (smtp_agent_end). A commit failing half-way gives 451: the
 * client sends again, and a duplicate is better than a loss.
 *
 * The copies are made by the mailbox side (agent.c): the privileged helper, which
 * writes each as its owner, when smtpd was started as root; else this process.
 * Remote targets (authenticated senders only) go to the --relay-via program, executed
 * by this (unprivileged) process without a shell as `PROGRAM -i -f SENDER -- RCPT...`,
 * the message on its stdin.
 */
#include "smtp.h"

#include "io.h"
#include "log.h"
#include "proc.h"
#include "str.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* The relay's copy of the message is written this much at a time. */
#define RELAY_CHUNK (64 * 1024)

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

/* The spool after what fd holds. 0, or -1 with errno. */
static int copy_spool(struct smtp *s, int fd)
{
	char *chunk = malloc(RELAY_CHUNK);
	uint64_t off = 0;

	if (chunk == NULL)
		return -1;
	while (off < s->spool_len) {
		size_t want = s->spool_len - off < RELAY_CHUNK ? (size_t)(s->spool_len - off)
							       : RELAY_CHUNK;
		ssize_t n = pread(s->spool, chunk, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || io_write_all(fd, chunk, (size_t)n, -1) < 0) {
			if (n == 0)
				errno = EIO;
			free(chunk);
			return -1;
		}
		off += (uint64_t)n;
	}
	free(chunk);
	return 0;
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
	if (argv == NULL || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    trace_headers(s, NULL, NULL, &h) < 0 || io_write_all(fd, h.s, h.len, -1) < 0 ||
	    copy_spool(s, fd) < 0 || lseek(fd, 0, SEEK_SET) < 0)
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
			int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
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
	/* The alarm above ends it, unless it ignores SIGALRM: then this does. */
	if (proc_wait_or_kill(pid, &status, SMTP_RELAY_TIMEOUT_S * 1000 + 5000) < 0)
		goto out;
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
	return st == MBOX_OK ? SMTP_R_OK : st == MBOX_QUOTA ? SMTP_R_QUOTA : SMTP_R_TEMP;
}

int smtp_deliver(struct smtp *s, int all_or_nothing)
{
	char *st = malloc(s->ntg + 1);
	size_t *copy = calloc(s->ntg + 1, sizeof *copy);	/* target -> its copy */
	struct buf h;
	size_t i, n = 0, nlocal = 0;
	int failed = 0, remote = 0, now, rrc = SMTP_R_OK, rc = -1;

	buf_init(&h, 4096);
	if (st == NULL || copy == NULL) {
		log_warn("delivery: out of memory");
		goto out;
	}
	if (out_flush(&s->out) < 0)
		goto out;
	for (i = 0; i < s->ntg; i++) {
		if (s->tg[i].remote)
			remote = 1;
		else
			nlocal++;
	}
	/* A copy that waits for no other is committed as soon as it is written: one
	 * request to the helper instead of two. */
	now = !all_or_nothing || (nlocal == 1 && !remote);
	s->nprepared = 0;
	for (i = 0; i < s->ntg; i++) {
		struct smtp_target *t = &s->tg[i];

		if (t->remote)
			continue;
		buf_reset(&h);
		copy[i] = SIZE_MAX;
		if (trace_headers(s, s->rcpt[t->rcpt].addr.text, t->addr, &h) < 0) {
			t->result = SMTP_R_TEMP;
			failed = 1;
		} else if (now) {
			t->result = result_of((char)smtp_agent_deliver(s, t->user, t->folder,
								       h.s, h.len));
			failed |= t->result != SMTP_R_OK;
		} else {
			if (smtp_agent_prepare(s, t->user, t->folder, h.s, h.len) != MBOX_OK)
				failed = 1;
			if (s->nprepared == n + 1)
				copy[i] = n++;
			else
				failed = 1;	/* no copy was asked for */
		}
	}
	if (remote && !(all_or_nothing && failed))
		rrc = relay(s);
	if (all_or_nothing && rrc != SMTP_R_OK)
		failed = 1;
	smtp_agent_end(s, !(all_or_nothing && failed), st, n);
	for (i = 0; i < s->ntg; i++) {
		if (s->tg[i].remote)
			s->tg[i].result = rrc;
		else if (!now)
			s->tg[i].result = copy[i] == SIZE_MAX ? SMTP_R_TEMP
							      : result_of(st[copy[i]]);
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
	buf_free(&h);
	free(st);
	free(copy);
	return rc;
}
