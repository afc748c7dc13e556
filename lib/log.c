/*
 * Logging to fd 2, one write(2) per line so that lines from concurrent sessions sharing
 * one log pipe (s6-log, journald) never interleave inside a line (a pipe write of at
 * most PIPE_BUF bytes is atomic, and a line here stays close to that). Every byte of
 * the message is escaped by log_sanitize, format string included, because client data
 * reaches it through %s. errno is preserved so callers may log before returning -1.
 *
 * One exception to "stderr only": inetd and xinetd hand the client connection to the
 * server as fd 2 too, and Exim's lmtp transport gives its command one pipe for stdout
 * and stderr, so a log line would reach the client in the middle of the protocol.
 * When fd 2 is the very socket or pipe fd 1 is, lines go to syslog(3) (LOG_MAIL)
 * instead, which is where inetd and Exim users look for them.
 */
#include "log.h"
#include "peer.h"
#include "str.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

/* The program name and the peer are cut to these; an IPv6 address with a zone id fits. */
#define LOG_PROG_MAX 64
#define LOG_PEER_MAX 80

static char log_prog[LOG_PROG_MAX] = "?";
static char log_peer_addr[LOG_PEER_MAX];
static int log_peer_read;
static int log_syslog;		/* fd 2 is the client connection */

/* The escaped form of byte c into e (at most 4 bytes); returns its length. */
static size_t escape(unsigned char c, char e[4])
{
	static const char hex[] = "0123456789ABCDEF";

	if (c == '\\') {
		e[0] = '\\';
		e[1] = '\\';
		return 2;
	}
	if (c >= 0x20 && c <= 0x7e) {
		e[0] = (char)c;
		return 1;
	}
	e[0] = '\\';
	e[1] = 'x';
	e[2] = hex[c >> 4];
	e[3] = hex[c & 0xf];
	return 4;
}

/* log_sanitize, where cut says the source was already truncated by the caller. */
static size_t sanitize(char *dst, size_t dstsz, const char *src, size_t srclen, int cut)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t full = 0, o = 0, i, room;
	char e[4];

	if (dstsz == 0)
		return 0;
	room = dstsz - 1;
	for (i = 0; i < srclen; i++)
		full += escape(s[i], e);
	if (full > room)
		cut = 1;
	for (i = 0; i < srclen; i++) {
		size_t el = escape(s[i], e);

		/* Escapes are never split, and a cut keeps room for its "...". */
		if (o + el + (cut ? 3 : 0) > room)
			break;
		memcpy(dst + o, e, el);
		o += el;
	}
	if (cut) {
		for (i = 0; i < 3 && o < room; i++)
			dst[o++] = '.';
	}
	dst[o] = '\0';
	return o;
}

size_t log_sanitize(char *dst, size_t dstsz, const char *src, size_t srclen)
{
	return sanitize(dst, dstsz, src, srclen, 0);
}

static void read_peer(void)
{
	char addr[64];	/* an IPv6 address in text, with room */
	const char *p = getenv("TCPREMOTEIP");

	if (p == NULL || *p == '\0')
		p = getenv("REMOTE_ADDR");
	/* inetd, xinetd and systemd Accept=yes set no variable: ask the socket. */
	if (p == NULL || *p == '\0')
		p = peer_addr(addr, sizeof addr) > 0 ? addr : "-";
	/* The environment is the superserver's, but escape it all the same. */
	log_sanitize(log_peer_addr, sizeof log_peer_addr, p, strlen(p));
	log_peer_read = 1;
}

/* 1 when fd 2 is the very socket or pipe fd 1 is: the client's connection under inetd
 * and xinetd, or the one pipe Exim's lmtp transport gives a command for both. A log
 * line there would land in the protocol. (Under systemd fd 2 is a socket too, but
 * journald's, not fd 1's.) */
static int stderr_is_client(void)
{
	struct stat o, e;

	return fstat(1, &o) == 0 && fstat(2, &e) == 0 &&
	       (S_ISSOCK(e.st_mode) || S_ISFIFO(e.st_mode)) &&
	       o.st_dev == e.st_dev && o.st_ino == e.st_ino;
}

int log_stderr_usable(void)
{
	return !log_syslog;
}

void log_init(const char *prog)
{
	if (prog != NULL && *prog != '\0')
		log_sanitize(log_prog, sizeof log_prog, prog, strlen(prog));
	read_peer();
	log_syslog = stderr_is_client();
	if (log_syslog)
		openlog(log_prog, LOG_PID, LOG_MAIL);
}

const char *log_peer(void)
{
	if (!log_peer_read)
		read_peer();
	return log_peer_addr;
}

static void log_line(int prio, const char *level, const char *fmt, va_list ap)
{
	char raw[LOG_LINE_MAX], msg[LOG_LINE_MAX];
	char line[LOG_PROG_MAX + LOG_LINE_MAX + 64];
	int saved = errno, n;
	size_t rawlen, off;

	n = vsnprintf(raw, sizeof raw, fmt, ap);
	if (n < 0) {
		rawlen = str_lcpy(raw, "(unformattable log message)", sizeof raw);
	} else {
		rawlen = (size_t)n < sizeof raw ? (size_t)n : sizeof raw - 1;
	}
	sanitize(msg, sizeof msg, raw, rawlen, n >= 0 && (size_t)n >= sizeof raw);
	if (log_syslog) {
		syslog(prio, "%s: %s", level, msg);
		goto out;
	}
	n = snprintf(line, sizeof line, "%s[%ld]: %s: %s\n", log_prog, (long)getpid(),
		     level, msg);
	if (n < 0)
		goto out;
	if ((size_t)n >= sizeof line) {	/* cannot happen with the sizes above */
		n = (int)sizeof line - 1;
		line[n - 1] = '\n';
	}
	for (off = 0; off < (size_t)n;) {
		ssize_t w = write(2, line + off, (size_t)n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;	/* nowhere left to report it */
		off += (size_t)w;
	}
out:
	errno = saved;
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_INFO, "info", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_WARNING, "warn", fmt, ap);
	va_end(ap);
}

void log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_ERR, "fatal", fmt, ap);
	va_end(ap);
}
