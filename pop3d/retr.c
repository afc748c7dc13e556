/*
 * Messages on the wire: exact sizes, RETR/TOP streaming, UIDLs.
 *
 * The size a client is told (STAT, LIST) is what RETR sends before the terminating
 * ".": CRLF line ends, before dot-stuffing (RFC 1939 section 11 calls LIST sizes exact;
 * fetchmail and others check them). That is the message's vsize (bare LF counted as
 * CR LF: ,W= in the name, the uidlist's W, or maildir_box_sizes), plus the CRLF we add
 * when the file's last byte is not LF. That last byte is learnt with one pread when a
 * size is first needed, never at login, and kept in pop3d-sizes for later sessions
 * (sizes.c).
 */
#include "pop3.h"

#include "crlf.h"
#include "log.h"
#include "maildir_msg.h"
#include "maildir_name.h"
#include "maildir_uidlist.h"
#include "str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Open message i, following a rename by another process (flags changed); the view
 * learns the new name. An fd, or -1 with errno (ENOENT: expunged). */
static int msg_open(struct pop3 *s, size_t i)
{
	return maildir_box_open_msg(s->box, i);
}

/* 1 when the open file's last byte is LF or it is empty, 0 when not, -1 with errno. */
static int ends_in_lf(int fd)
{
	struct stat st;
	char c;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return -1;
	if (st.st_size == 0)
		return 1;
	do
		n = pread(fd, &c, 1, st.st_size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	return n == 1 && c == '\n';
}

/* Size of message i with its file open as fd. */
static int size_from_fd(struct pop3 *s, size_t i, int fd, uint64_t *size_r)
{
	int lf;

	if (!s->m[i].sized) {
		if (maildir_box_msg_vsize(s->box, i) == MAILDIR_SIZE_UNKNOWN &&
		    maildir_box_sizes(s->box, i) < 0)
			return -1;
		lf = ends_in_lf(fd);
		if (lf < 0)
			return -1;
		s->m[i].wire_size = maildir_box_msg_vsize(s->box, i) + (lf ? 0 : 2);
		s->m[i].sized = 1;
		s->sizes_learnt++;
	}
	*size_r = s->m[i].wire_size;
	return 0;
}

int pop3_msg_size(struct pop3 *s, size_t i, uint64_t *size_r)
{
	int fd, rc, e;

	if (s->m[i].sized) {
		*size_r = s->m[i].wire_size;
		return 0;
	}
	fd = msg_open(s, i);
	if (fd < 0)
		return -1;
	rc = size_from_fd(s, i, fd, size_r);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* TOP (RFC 1939 7): the header, the empty line, then at most `lines` body lines. The
 * header ends at the first line holding nothing but CRs. */
struct top {
	int in_header;
	int line_empty;		/* nothing but CRs on the current line so far */
	uint64_t lines_left;
};

/* How many of p[0..n) TOP sends: n, or fewer when the last wanted line ends here;
 * *stop_r is then set. One memchr per line, as TOP is for headers and short bodies. */
static size_t top_cut(struct top *t, const char *p, size_t n, int *stop_r)
{
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t e = nl == NULL ? n : (size_t)(nl - p);

		for (size_t k = i; k < e && t->line_empty; k++)
			if (p[k] != '\r')
				t->line_empty = 0;
		if (nl == NULL)
			break;
		if (t->in_header) {
			if (t->line_empty)
				t->in_header = 0;
		} else if (t->lines_left > 0) {
			t->lines_left--;
		}
		t->line_empty = 1;
		i = e + 1;
		if (!t->in_header && t->lines_left == 0) {
			*stop_r = 1;
			return i;
		}
	}
	return n;
}

/* The message from fd as RETR or TOP sends it: CRLF, dot-stuffed (crlf.h), ended by
 * the "." line. */
static int send_body(struct pop3 *s, int fd, int top, uint64_t lines)
{
	struct top t = { 1, 1, lines };
	struct crlf c;
	int stop = 0;
	ssize_t n;

	if (s->chunk == NULL) {
		s->chunk = malloc(POP3_RETR_CHUNK);
		if (s->chunk == NULL)
			return -1;
	}
	crlf_init(&c, CRLF_DOTSTUFF);
	while (!stop) {
		n = read(fd, s->chunk, POP3_RETR_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (crlf_write(&c, &s->out, s->chunk,
			       top ? top_cut(&t, s->chunk, (size_t)n, &stop) : (size_t)n) < 0)
			return -1;
	}
	crlf_end(&c, &s->out);
	return out_write(&s->out, ".\r\n", 3);
}

int pop3_msg_send(struct pop3 *s, size_t i, int top, uint64_t body_lines)
{
	uint64_t size;
	int fd = msg_open(s, i);

	if (fd < 0) {
		if (errno != ENOENT) {
			log_warn("cannot open %s: %s", maildir_box_msg(s->box, i)->name, strerror(errno));
			pop3_err(s, "[SYS/TEMP] Cannot read message %zu", i + 1);
			return 0;
		}
		pop3_err(s, "Message %zu was removed by another session", i + 1);
		return 0;
	}
	if (top) {
		pop3_ok(s, "Top of message follows");
	} else if (size_from_fd(s, i, fd, &size) == 0) {
		pop3_ok(s, "%llu octets", (unsigned long long)size);
	} else {
		log_warn("cannot size %s: %s", maildir_box_msg(s->box, i)->name, strerror(errno));
		pop3_ok(s, "Message follows");
	}
	if (send_body(s, fd, top, body_lines) < 0) {
		if (s->out.error == 0)
			log_warn("cannot read %s: %s", maildir_box_msg(s->box, i)->name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (!top)
		s->m[i].retrieved = 1;
	return 0;
}

/* RFC 1939 section 7: 1 to 70 characters in 0x21..0x7E. */
static int uidl_ok(const char *p, size_t n)
{
	if (n == 0 || n > POP3_UIDL_MAX)
		return 0;
	for (size_t k = 0; k < n; k++) {
		if ((unsigned char)p[k] < 0x21 || (unsigned char)p[k] > 0x7e)
			return 0;
	}
	return 1;
}

void pop3_msg_uidl(struct pop3 *s, size_t i, char *out, size_t outsz)
{
	const struct maildir_msg *m = maildir_box_msg(s->box, i);
	struct maildir_name mn;

	/* A P key in the uidlist is the UIDL another server gave this message (Dovecot's
	 * pop3_uidl migration): keeping it spares clients a download of everything. */
	if (maildir_uidrec_key(maildir_box_msg_keys(s->box, i), 'P', out, outsz) == 1 && uidl_ok(out, strlen(out)))
		return;
	/* qmail-pop3d's UIDL: the file name up to the info separator. */
	if (s->opt.uidl_filename && maildir_name_parse(m->name, &mn) == 0 &&
	    uidl_ok(m->name, mn.base_len) && mn.base_len < outsz) {
		memcpy(out, m->name, mn.base_len);
		out[mn.base_len] = '\0';
		return;
	}
	/* Dovecot's default pop3_uidl_format %08Xu%08Xv, which Dovecot prints in lower
	 * case (checked against Dovecot 2.3 on the same Maildir by bench/bench_pop3.py). */
	snprintf(out, outsz, "%08x%08x", (unsigned)m->uid, (unsigned)maildir_box_uidvalidity(s->box));
}
