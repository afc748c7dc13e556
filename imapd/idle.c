/*
 * IDLE (RFC 2177): "+ idling", then changes to the selected mailbox as untagged
 * responses (EXISTS, RECENT, EXPUNGE, FETCH FLAGS: imap_mailbox_sync) as they happen,
 * until the client sends DONE.
 *
 * One loop waits on two things at once through maildir_watch_wait(): the client's fd
 * and the folder's change notification (inotify, or the mtime poll where inotify is
 * missing or MAILDIR_WATCH_FORCE_POLL=1 is set in the environment, as network file
 * systems need). A change wakes it, the rescan finds what changed, and the responses
 * go out at once: within MAILDIR_WATCH_POLL_MS plus the file system's tick when
 * polling, at once with inotify.
 *
 * Input is read with the bounded command reader (imap_reader_line), never more than
 * is there: a wake-up for input reads what is readable without waiting, keeps a
 * partial line, and goes back to the wait, so a client that dribbles "DO" "NE" is
 * neither a busy loop nor a block that would hold back notifications.
 *
 * Timers (RFC 3501 5.4): IDLE does not stop the autologout. A client that says
 * nothing for the session's idle timeout (IMAP_IDLE_TIMEOUT_MS, 30 minutes) is
 * logged out with BYE, as at any other time; RFC 2177 asks clients to end and
 * re-issue IDLE at least every 29 minutes for this reason. In between, "* OK Still
 * here" every IMAP_IDLE_KEEPALIVE_MS keeps NAT boxes and firewalls from dropping a
 * quiet connection (Dovecot's imap_idle_notify_interval); it does not count as
 * client activity.
 */
#include "imap.h"

#include "io.h"
#include "log.h"
#include "maildir_watch.h"
#include "str.h"
#include "testhook.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The keepalive interval; IMAPD_TEST_KEEPALIVE_MS shortens it in test builds only. */
static int keepalive_ms(void)
{
	const char *t = testhook_getenv("IMAPD_TEST_KEEPALIVE_MS");
	uint64_t ms;

	if (t != NULL && str_to_u64z(t, IMAP_IDLE_KEEPALIVE_MS, &ms) == 0 && ms > 0)
		return (int)ms;
	return IMAP_IDLE_KEEPALIVE_MS;
}

static int watch_flags(void)
{
	const char *p = getenv("MAILDIR_WATCH_FORCE_POLL");

	return p != NULL && strcmp(p, "1") == 0 ? MAILDIR_WATCH_FORCE_POLL : 0;
}

/* The line that ended IDLE: DONE ends it well, anything else is a client error. */
static int idle_done(struct imap *s, const char *line)
{
	/* RFC 2177: "DONE"; case as for any IMAP atom */
	if (strcasecmp(line, "DONE") != 0)
		return imap_bad(s, "Expected DONE");
	if (s->state == IMAP_SELECTED && imap_mailbox_sync(s, 1) < 0)
		return -1;
	imap_tagged(s, "OK", "Idle completed.");
	return 0;
}

/* Wait for input or a change up to ms. A MAILDIR_WATCH_* result or -1 with errno. */
static int wait_event(struct imap *s, struct maildir_watch *w, int ms)
{
	int r;

	if (w != NULL)
		return maildir_watch_wait(w, s->rd.fd, ms);
	if (s->state == IMAP_SELECTED) {
		/* no watch for this folder: rescan at the poll interval instead */
		if (ms > MAILDIR_WATCH_POLL_MS) {
			r = io_wait(s->rd.fd, POLLIN, MAILDIR_WATCH_POLL_MS);
			if (r < 0 && errno == ETIMEDOUT)
				return MAILDIR_WATCH_CHANGED;
			return r < 0 ? -1 : MAILDIR_WATCH_INPUT;
		}
	}
	r = io_wait(s->rd.fd, POLLIN, ms);
	if (r < 0 && errno == ETIMEDOUT)
		return MAILDIR_WATCH_TIMEOUT;
	return r < 0 ? -1 : MAILDIR_WATCH_INPUT;
}

int imap_cmd_idle(struct imap *s, struct imap_cmd *c)
{
	struct maildir_watch *w = NULL;
	long long logout_at, keepalive_at;
	int every = keepalive_ms(), rc = 0;

	if (c->n_args != 0)
		return imap_bad(s, "IDLE takes no arguments");
	if (s->state == IMAP_SELECTED &&
	    maildir_watch_open_flags(&w, maildir_box_dir(s->box), watch_flags()) < 0)
		log_warn("idle: cannot watch %s: %s; rescanning every %d ms",
			 maildir_box_dir(s->box), strerror(errno), MAILDIR_WATCH_POLL_MS);
	/* The watch is armed before this first sync, so no change falls in between. */
	if (s->state == IMAP_SELECTED && imap_mailbox_sync(s, 1) < 0) {
		rc = -1;
		goto out;
	}
	if (s->done)
		goto out;
	out_puts(&s->out, "+ idling\r\n");
	logout_at = io_now_ms() + s->idle_ms;
	keepalive_at = io_now_ms() + every;
	for (;;) {
		long long now, until;
		size_t len;
		int r;

		/* Each notification is a response of its own with its own write
		 * deadline: the one the IDLE command started may be long past. */
		out_start(&s->out);
		if (out_flush(&s->out) < 0) {
			s->done = 1;
			goto out;
		}
		/* Whatever input is there now, without waiting for more. */
		r = imap_reader_line(&s->rd, 0, &len);
		if (r == 1) {
			rc = idle_done(s, s->rd.line);
			goto out;
		}
		if (r == 0) {
			log_info("connection closed in IDLE user=%.64s peer=%s", s->user,
				 log_peer());
			s->done = 1;
			goto out;
		}
		if (r < 0 && errno == ERANGE) {
			rc = imap_bad(s, "Line too long");
			goto out;
		}
		if (r < 0 && errno != ETIMEDOUT) {
			if (errno == ENOMEM)
				rc = -1;
			else
				log_info("read: %s peer=%s", strerror(errno), log_peer());
			s->done = 1;
			goto out;
		}
		now = io_now_ms();
		if (now >= logout_at) {
			log_info("autologout in IDLE after idle timeout user=%.64s peer=%s",
				 s->user, log_peer());
			imap_untagged(s, "BYE Autologout; idle for too long");
			s->done = 1;
			goto out;
		}
		if (now >= keepalive_at) {
			imap_untagged(s, "OK Still here");
			keepalive_at = now + every;
			continue;
		}
		until = logout_at < keepalive_at ? logout_at : keepalive_at;
		r = wait_event(s, w, (int)(until - now));
		if (r < 0 && errno != EINTR) {
			log_warn("idle: wait: %s", strerror(errno));
			rc = -1;
			goto out;
		}
		if (r == MAILDIR_WATCH_CHANGED && imap_mailbox_sync(s, 1) < 0) {
			rc = -1;
			goto out;
		}
		if (s->done)
			goto out;	/* the mailbox is gone: the sync said BYE */
		/* MAILDIR_WATCH_INPUT and TIMEOUT: the top of the loop reads and checks */
	}
out:
	maildir_watch_close(w);
	return rc;
}
