/*
 * The TRANSACTION and UPDATE states (RFC 1939 sections 5-6), run as the user. The view
 * is frozen at login: the folder is read once and messages are numbered 1..n in UID
 * order; later deliveries wait for the next session, and changes other processes make
 * (flags, expunges) are met when a message is opened, never by rescanning. A second
 * POP3 session on the same Maildir is kept out by an fcntl lock on pop3d.lock, which
 * the kernel drops if we die; IMAP sessions and deliveries do not take it.
 * Nothing on disk changes before QUIT: a dropped connection leaves the mailbox as it was.
 */
#include "pop3.h"

#include "log.h"
#include "str.h"
#include "testhook.h"
#include "maildir_msg.h"
#include "maildir_name.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POP3_LOCK_FILE "pop3d.lock"

/* The mailbox: $MAILDIR (absolute, or relative to HOME), default HOME/Maildir. */
static int mailbox_path(char *out, size_t outsz)
{
	const char *home = getenv("HOME"), *md = getenv("MAILDIR");
	int n;

	if (md != NULL && md[0] == '/') {
		n = snprintf(out, outsz, "%s", md);
	} else {
		if (home == NULL || home[0] == '\0') {
			errno = ENOENT;
			return -1;
		}
		n = snprintf(out, outsz, "%s/%s", home,
			     md != NULL && md[0] != '\0' ? md : "Maildir");
	}
	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* How long to wait for another session's lock: POP3_LOCK_WAIT_MS, or in a test build
 * POP3D_TEST_LOCK_WAIT_MS (lib/testhook.h). */
static long lock_wait_ms(void)
{
	const char *t = testhook_getenv("POP3D_TEST_LOCK_WAIT_MS");
	uint64_t ms;

	if (t != NULL && str_to_u64z(t, POP3_LOCK_WAIT_MS, &ms) == 0)
		return (long)ms;
	return POP3_LOCK_WAIT_MS;
}

/* 0 locked, 1 still held by another session after lock_wait_ms(), -1 with errno. */
static int mailbox_lock(struct pop3 *s, const char *dir)
{
	char path[PATH_MAX];
	struct flock fl;
	int n = snprintf(path, sizeof path, "%s/" POP3_LOCK_FILE, dir);
	long waited = 0, wait = lock_wait_ms();
	const struct timespec poll = { 0, POP3_LOCK_POLL_MS * 1000000L };

	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0)
		return -1;
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	/* Polled rather than F_SETLKW under alarm(): no signal handler to get right, and
	 * the wait stays bounded whatever the other session does. */
	while (fcntl(s->lock_fd, F_SETLK, &fl) < 0) {
		if (errno != EAGAIN && errno != EACCES)
			return -1;
		if (waited >= wait)
			return 1;
		nanosleep(&poll, NULL);
		waited += POP3_LOCK_POLL_MS;
	}
	return 0;
}

int pop3_session_main(struct pop3 *s)
{
	char dir[PATH_MAX];
	const char *user = getenv("USER");
	int rc;

	s->login = user != NULL ? user : "-";
	s->lock_fd = -1;
	if (mailbox_path(dir, sizeof dir) < 0) {
		log_fatal("no mailbox: HOME unset or path too long user=%.64s", s->login);
		return 111;
	}
	rc = mailbox_lock(s, dir);
	if (rc < 0) {
		log_fatal("cannot lock %s: %s user=%.64s", dir, strerror(errno), s->login);
		return 111;
	}
	if (rc > 0) {
		log_info("mailbox in use user=%.64s peer=%s", s->login, log_peer());
		pop3_err(s, "[IN-USE] Mailbox is locked by another POP3 session");
		out_flush(&s->out);
		return 0;
	}
	if (maildir_box_open(&s->box, dir) < 0) {
		log_fatal("cannot open mailbox %s: %s user=%.64s", dir, strerror(errno), s->login);
		return 111;
	}
	s->m = calloc(maildir_box_count(s->box) > 0 ? maildir_box_count(s->box) : 1, sizeof *s->m);
	if (s->m == NULL) {
		log_fatal("out of memory user=%.64s", s->login);
		return 111;
	}
	pop3_sizes_load(s);
	log_info("login user=%.64s messages=%zu peer=%s", s->login, maildir_box_count(s->box), log_peer());
	pop3_enter_state(s, POP3_TRANSACTION);
	if (s->opt.preauth)
		pop3_ok(s, "POP3 ready, preauthenticated");
	else
		pop3_ok(s, "Logged in.");
	return pop3_serve(s);
}

/* Message number argument: 0 with *i_r the index, 1 after -ERR (client error). */
static int msg_arg(struct pop3 *s, const char *arg, size_t *i_r, int allow_deleted)
{
	size_t n;

	if (pop3_msgno(arg, maildir_box_count(s->box), &n) < 0) {
		if (errno == ERANGE)
			pop3_err(s, "No such message");
		else
			pop3_err(s, "Invalid message number");
		return 1;
	}
	if (!allow_deleted && s->m[n - 1].deleted) {
		pop3_err(s, "Message %zu is deleted", n);
		return 1;
	}
	*i_r = n - 1;
	return 0;
}

static int no_args(struct pop3 *s, struct pop3_cmd *c, const char *name)
{
	if (c->rest[0] == '\0')
		return 0;
	pop3_err(s, "%s takes no arguments", name);
	return 1;
}

int pop3_cmd_noop(struct pop3 *s, struct pop3_cmd *c)
{
	if (no_args(s, c, "NOOP"))
		return 1;
	pop3_ok(s, "Nothing done");
	return 0;
}

/* A size for a message another process expunged: it still has its number. */
static uint64_t size_or_zero(struct pop3 *s, size_t i)
{
	uint64_t size;

	if (pop3_msg_size(s, i, &size) < 0) {
		if (errno != ENOENT)
			log_warn("size of %s: %s", maildir_box_msg(s->box, i)->name, strerror(errno));
		return 0;
	}
	return size;
}

int pop3_cmd_stat(struct pop3 *s, struct pop3_cmd *c)
{
	uint64_t total = 0;
	size_t count = 0;

	if (no_args(s, c, "STAT"))
		return 1;
	for (size_t i = 0; i < maildir_box_count(s->box); i++) {
		if (s->m[i].deleted)
			continue;
		count++;
		total += size_or_zero(s, i);
	}
	pop3_ok(s, "%zu %llu", count, (unsigned long long)total);
	pop3_sizes_save(s);
	return 0;
}

int pop3_cmd_list(struct pop3 *s, struct pop3_cmd *c)
{
	size_t i;

	pop3_cmd_split_args(c);
	if (c->argc > 1) {
		pop3_err(s, "Syntax: LIST [message]");
		return 1;
	}
	if (c->argc == 1) {
		if (msg_arg(s, c->argv[0], &i, 0))
			return 1;
		pop3_ok(s, "%zu %llu", i + 1, (unsigned long long)size_or_zero(s, i));
		return 0;
	}
	pop3_ok(s, "Scan list follows");
	for (i = 0; i < maildir_box_count(s->box); i++) {
		if (!s->m[i].deleted)
			pop3_line(s, "%zu %llu", i + 1, (unsigned long long)size_or_zero(s, i));
	}
	pop3_line(s, ".");
	pop3_sizes_save(s);
	return 0;
}

int pop3_cmd_uidl(struct pop3 *s, struct pop3_cmd *c)
{
	char uidl[POP3_UIDL_MAX + 1];
	size_t i;

	pop3_cmd_split_args(c);
	if (c->argc > 1) {
		pop3_err(s, "Syntax: UIDL [message]");
		return 1;
	}
	if (c->argc == 1) {
		if (msg_arg(s, c->argv[0], &i, 0))
			return 1;
		pop3_msg_uidl(s, i, uidl, sizeof uidl);
		pop3_ok(s, "%zu %s", i + 1, uidl);
		return 0;
	}
	pop3_ok(s, "Unique-ID list follows");
	for (i = 0; i < maildir_box_count(s->box); i++) {
		if (s->m[i].deleted)
			continue;
		pop3_msg_uidl(s, i, uidl, sizeof uidl);
		pop3_line(s, "%zu %s", i + 1, uidl);
	}
	pop3_line(s, ".");
	return 0;
}

int pop3_cmd_retr(struct pop3 *s, struct pop3_cmd *c)
{
	size_t i;

	pop3_cmd_split_args(c);
	if (c->argc != 1) {
		pop3_err(s, "Syntax: RETR message");
		return 1;
	}
	if (msg_arg(s, c->argv[0], &i, 0))
		return 1;
	return pop3_msg_send(s, i, 0, 0);
}

int pop3_cmd_top(struct pop3 *s, struct pop3_cmd *c)
{
	uint64_t lines;
	size_t i;

	pop3_cmd_split_args(c);
	if (c->argc != 2) {
		pop3_err(s, "Syntax: TOP message lines");
		return 1;
	}
	if (msg_arg(s, c->argv[0], &i, 0))
		return 1;
	if (pop3_count(c->argv[1], &lines) < 0) {
		if (errno != ERANGE) {
			pop3_err(s, "Invalid line count");
			return 1;
		}
		lines = UINT64_MAX;
	}
	return pop3_msg_send(s, i, 1, lines);
}

int pop3_cmd_dele(struct pop3 *s, struct pop3_cmd *c)
{
	size_t i;

	pop3_cmd_split_args(c);
	if (c->argc != 1) {
		pop3_err(s, "Syntax: DELE message");
		return 1;
	}
	if (msg_arg(s, c->argv[0], &i, 0))
		return 1;
	s->m[i].deleted = 1;
	pop3_ok(s, "Message %zu deleted", i + 1);
	return 0;
}

int pop3_cmd_rset(struct pop3 *s, struct pop3_cmd *c)
{
	size_t count = 0;

	if (no_args(s, c, "RSET"))
		return 1;
	for (size_t i = 0; i < maildir_box_count(s->box); i++) {
		s->m[i].deleted = 0;
		count++;
	}
	pop3_ok(s, "Maildrop has %zu messages", count);
	return 0;
}

int pop3_update(struct pop3 *s)
{
	static const struct maildir_flag_change seen = { MAILDIR_F_SEEN, 0, 0, 0 };
	size_t retrieved = 0, deleted = 0, failed = 0;

	pop3_sizes_save(s);	/* sizes learnt by LIST n, RETR, TOP */

	for (size_t i = 0; i < maildir_box_count(s->box); i++) {
		const struct maildir_msg *m = maildir_box_msg(s->box, i);

		if (s->m[i].deleted) {
			if (maildir_box_expunge(s->box, i) < 0) {
				log_warn("cannot delete %s: %s", m->name, strerror(errno));
				failed++;
			} else {
				deleted++;
			}
			continue;
		}
		if (!s->m[i].retrieved)
			continue;
		retrieved++;
		if ((m->flags & MAILDIR_F_SEEN) != 0 && !m->in_new)
			continue;
		/* Read mail moves to cur/ with \Seen, where IMAP clients expect it; only S
		 * is added, so flags an IMAP session set meanwhile stay. A message gone
		 * meanwhile has nothing left to mark. */
		if (maildir_box_change_flags(s->box, i, &seen) < 0 && errno != ENOENT)
			log_warn("cannot mark %s seen: %s", m->name, strerror(errno));
	}
	log_info("logout user=%.64s retrieved=%zu deleted=%zu failed=%zu peer=%s", s->login,
		 retrieved, deleted, failed, log_peer());
	return failed > 0 ? -1 : 0;
}

int pop3_cmd_quit(struct pop3 *s, struct pop3_cmd *c)
{
	(void)c;
	s->done = 1;
	if (s->state == POP3_AUTHORIZATION) {
		/* RFC 1939 section 6: QUIT before login ends without UPDATE. */
		pop3_ok(s, "Bye");
		return 0;
	}
	pop3_enter_state(s, POP3_UPDATE);
	if (pop3_update(s) < 0) {
		/* RFC 1939 section 6: -ERR when some deleted messages could not be removed. */
		pop3_err(s, "[SYS/TEMP] Some deleted messages were not removed");
		return 0;
	}
	pop3_ok(s, "Logging out.");
	return 0;
}
