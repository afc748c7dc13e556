/*
 * The command reader's state machine: LINE (a line of the command), LITERAL (bytes of
 * an accepted literal, into memory or its spool file), DISCARD (bytes of a refused
 * non-synchronizing literal, thrown away). A literal is announced only by "{n}" or
 * "{n+}" at the very end of a line (RFC 3501 4.3, RFC 7888 3): that is the one place
 * the reader looks at the text.
 *
 * Trap: before login the session process inherits fd 0, so lines are read one byte at
 * a time (line_read_bytewise) and literal bytes with reads of exactly what is left:
 * nothing of a pipelining client's next command is consumed here.
 */
#include "cmdread.h"

#include "io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { ST_LINE, ST_LITERAL, ST_DISCARD };

#define SPOOL_CHUNK 65536

void imap_reader_init(struct imap_reader *r, int fd, int timeout_ms, uint64_t literal_max)
{
	memset(r->lit, 0, sizeof r->lit);
	r->fd = fd;
	r->bytewise = 0;
	line_init(&r->in, fd, timeout_ms);
	r->literal_max = literal_max;
	buf_init(&r->cmd, IMAP_CMD_MAX);
	r->n_lit = 0;
	r->reject = IMAP_REJ_NONE;
	r->state = ST_LINE;
	r->fresh = 1;
	r->left = 0;
}

void imap_reader_bytewise(struct imap_reader *r, int on)
{
	r->bytewise = on;
	r->in.fd = on ? -1 : r->fd;
}

static void drop_command(struct imap_reader *r)
{
	for (size_t i = 0; i < r->n_lit; i++) {
		if (r->lit[i].fd >= 0)
			close(r->lit[i].fd);
	}
	r->n_lit = 0;
	buf_reset(&r->cmd);
	r->reject = IMAP_REJ_NONE;
	r->state = ST_LINE;
	r->left = 0;
}

void imap_reader_free(struct imap_reader *r)
{
	drop_command(r);
	buf_free(&r->cmd);
}

size_t imap_reader_push(struct imap_reader *r, const void *p, size_t n)
{
	return line_push(&r->in, p, n);
}

/* 1 line, 0 EOF, IMAP_RD_MORE (push mode), -1 errno (ERANGE: too long, discarded). */
static int read_line(struct imap_reader *r, size_t *len_r)
{
	int rc;

	if (r->fd < 0) {
		rc = line_take(&r->in, r->line, sizeof r->line, len_r);
		return rc == LINE_MORE ? IMAP_RD_MORE : rc;
	}
	if (r->bytewise)
		return line_read_bytewise(&r->in, r->fd, r->line, sizeof r->line, len_r);
	return line_read(&r->in, r->line, sizeof r->line, len_r);
}

/* Up to n raw bytes: read-ahead first, then exactly what is asked from the fd (never
 * more, so bytewise input stays bytewise). Count, 0 EOF, IMAP_RD_MORE as -2, -1. */
static ssize_t read_raw(struct imap_reader *r, void *p, size_t n)
{
	ssize_t got;

	if (line_buffered(&r->in) > 0 || r->in.fd >= 0)
		return line_read_raw(&r->in, p, n);
	if (r->fd < 0)
		return -2;
	got = io_read_timeout(r->fd, p, n, r->in.timeout_ms);
	return got;
}

/* "{n}" or "{n+}" ending the line s[0..len): 1 with the size and kind, else 0. */
static int literal_marker(const char *s, size_t len, uint64_t *n_r, int *sync_r)
{
	size_t end, i;
	uint64_t v = 0;

	if (len < 3 || s[len - 1] != '}')
		return 0;
	end = len - 1;
	*sync_r = 1;
	if (s[end - 1] == '+') {
		*sync_r = 0;
		end--;
	}
	i = end;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == end || i == 0 || s[i - 1] != '{')
		return 0;
	/* RFC 3501 9: number is a 32-bit value; more digits are an oversized literal. */
	if (end - i > 19) {
		*n_r = UINT64_MAX;
		return 1;
	}
	for (; i < end; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	*n_r = v;
	return 1;
}

static int spool_open(void)
{
	const char *t = getenv("TMPDIR");
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/imapd-literal.XXXXXX",
			 t != NULL && t[0] == '/' ? t : "/tmp");
	int fd;

	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	/* Unlinked at once: nothing is left behind however the session ends. */
	unlink(path);
	return fd;
}

/* A line ended: the command is whole, or a literal follows. */
static int end_of_line(struct imap_reader *r, size_t len)
{
	struct imap_literal *l;
	uint64_t n;
	int sync;

	line_chomp(r->line, &len);
	if (r->reject == IMAP_REJ_NONE && buf_append(&r->cmd, r->line, len) < 0)
		r->reject = IMAP_REJ_COMMAND;
	if (!literal_marker(r->line, len, &n, &sync))
		return r->reject != IMAP_REJ_NONE ? IMAP_RD_REJECT : IMAP_RD_COMMAND;
	if (r->reject == IMAP_REJ_NONE) {
		if (r->n_lit >= IMAP_LITERALS_MAX)
			r->reject = IMAP_REJ_LITERALS;
		else if (n > r->literal_max)
			r->reject = IMAP_REJ_LITERAL;
		else if (n <= IMAP_LITERAL_MEM_MAX && n > r->cmd.max - r->cmd.len)
			r->reject = IMAP_REJ_COMMAND;
	}
	if (r->reject != IMAP_REJ_NONE) {
		/* Never ask for a literal we refuse; the client drops the command. */
		if (sync)
			return IMAP_RD_REJECT;
		if (n > IMAP_LITERAL_DISCARD_MAX)
			return IMAP_RD_FATAL;
		r->state = ST_DISCARD;
		r->left = n;
		return -2;
	}
	l = &r->lit[r->n_lit];
	l->off = r->cmd.len;
	l->len = n;
	l->sync = sync;
	l->fd = -1;
	if (n > IMAP_LITERAL_MEM_MAX) {
		l->fd = spool_open();
		if (l->fd < 0) {
			r->reject = IMAP_REJ_SPOOL;
			if (sync)
				return IMAP_RD_REJECT;
			r->state = ST_DISCARD;
			r->left = n;
			return -2;
		}
	} else if (buf_reserve(&r->cmd, (size_t)n) < 0) {
		return -1;
	}
	r->n_lit++;
	r->state = ST_LITERAL;
	r->left = n;
	return sync ? IMAP_RD_CONTINUE : -2;
}

static int literal_bytes(struct imap_reader *r)
{
	struct imap_literal *l = &r->lit[r->n_lit - 1];
	char chunk[SPOOL_CHUNK];

	while (r->left > 0) {
		size_t want = r->left < sizeof chunk ? (size_t)r->left : sizeof chunk;
		char *dst = l->fd < 0 ? r->cmd.s + r->cmd.len : chunk;
		ssize_t n = read_raw(r, dst, want);

		if (n == -2)
			return IMAP_RD_MORE;
		if (n <= 0)
			return (int)n;
		if (l->fd < 0) {
			r->cmd.len += (size_t)n;
			r->cmd.s[r->cmd.len] = '\0';
		} else if (io_write_all(l->fd, chunk, (size_t)n, -1) < 0) {
			return -1;
		}
		r->left -= (uint64_t)n;
	}
	if (l->fd >= 0 && lseek(l->fd, 0, SEEK_SET) < 0)
		return -1;
	r->state = ST_LINE;
	return -2;
}

static int discard_bytes(struct imap_reader *r)
{
	char chunk[SPOOL_CHUNK];

	while (r->left > 0) {
		size_t want = r->left < sizeof chunk ? (size_t)r->left : sizeof chunk;
		ssize_t n = read_raw(r, chunk, want);

		if (n == -2)
			return IMAP_RD_MORE;
		if (n <= 0)
			return (int)n;
		r->left -= (uint64_t)n;
	}
	r->state = ST_LINE;
	return -2;
}

int imap_reader_next(struct imap_reader *r)
{
	if (r->fresh) {
		drop_command(r);
		r->fresh = 0;
	}
	for (;;) {
		size_t len;
		int rc;

		switch (r->state) {
		case ST_LITERAL:
			rc = literal_bytes(r);
			break;
		case ST_DISCARD:
			rc = discard_bytes(r);
			break;
		default:
			rc = read_line(r, &len);
			if (rc == 1)
				rc = end_of_line(r, len);
			else if (rc < 0 && errno == ERANGE)
				/* Discarded through its LF; a literal it announced is lost
				 * with it (see the man page). */
				r->reject = IMAP_REJ_LINE, rc = IMAP_RD_REJECT;
			break;
		}
		if (rc == -2)
			continue;
		if (rc != IMAP_RD_MORE && rc != IMAP_RD_CONTINUE)
			r->fresh = 1;
		if (rc == IMAP_RD_EOF)
			drop_command(r);
		return rc;
	}
}

int imap_reader_line(struct imap_reader *r, int timeout_ms, size_t *len_r)
{
	int saved = r->in.timeout_ms, rc;

	if (r->fd < 0 || r->bytewise) {
		errno = EINVAL;
		return -1;
	}
	r->in.timeout_ms = timeout_ms;
	rc = read_line(r, len_r);
	r->in.timeout_ms = saved;
	if (rc == 1)
		line_chomp(r->line, len_r);
	return rc;
}

void imap_reader_tag(const struct imap_reader *r, char *out, size_t outsz)
{
	const char *s = buf_str(&r->cmd);
	size_t n = 0;

	/* RFC 3501 9: tag = 1*<any ASTRING-CHAR except "+">. */
	while (s[n] != '\0' && s[n] != ' ' && n < IMAP_TAG_MAX) {
		unsigned char c = (unsigned char)s[n];

		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\+", c) != NULL)
			break;
		n++;
	}
	if (n == 0 || (s[n] != ' ' && s[n] != '\0') || n >= outsz) {
		snprintf(out, outsz, "*");
		return;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}
