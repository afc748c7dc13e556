/*
 * The message on disk as it arrives, so that a session's memory does not grow with the
 * message: one unlinked file per session (mkstemp, then unlink) in $TMPDIR or /tmp,
 * made before privileges are dropped and rewritten from its start for each message. Not O_TMPFILE:
 * on ext4 it costs a millisecond per file (orphan-list work), mkstemp and unlink
 * some twenty microseconds. The data machine (data.c) stores into s->msg; every SMTP_SPOOL_CHUNK
 * of it moves here. The delivery reads it back through its descriptor (the helper
 * gets a copy of that, never a path).
 */
#include "smtp.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int smtp_spool_open(struct smtp *s)
{
	const char *dir = getenv("TMPDIR");
	char tmpl[PATH_MAX];
	int n;

	if (dir == NULL || dir[0] != '/')
		dir = "/tmp";
	n = snprintf(tmpl, sizeof tmpl, "%s/smtpd-spool.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof tmpl) {
		log_fatal("spool: TMPDIR too long");
		return -1;
	}
	s->spool = mkstemp(tmpl);
	if (s->spool < 0) {
		log_fatal("spool: cannot create a file in %s: %s", dir, strerror(errno));
		return -1;
	}
	(void)unlink(tmpl);
	if (fcntl(s->spool, F_SETFD, FD_CLOEXEC) < 0) {
		log_fatal("spool: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void smtp_spool_reset(struct smtp *s)
{
	/* Not truncated: the next message overwrites the blocks of the last one, which
	 * costs the file system no allocation (nor, on ext4, journal work) per message.
	 * Only the first spool_len octets are the message; the delivery is told so. */
	s->spool_len = 0;
	s->spool_err = 0;
}

void smtp_spool_flush(struct smtp *s, int all)
{
	size_t off = 0;

	if (s->msg.len == 0 || (!all && s->msg.len < SMTP_SPOOL_CHUNK))
		return;
	while (!s->spool_err && off < s->msg.len) {
		ssize_t w = pwrite(s->spool, s->msg.s + off, s->msg.len - off,
				   (off_t)(s->spool_len + off));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_warn("spool: cannot write the message: %s",
				 w < 0 ? strerror(errno) : "no progress");
			s->spool_err = 1;
			break;
		}
		off += (size_t)w;
	}
	s->spool_len += off;
	buf_reset(&s->msg);
}
