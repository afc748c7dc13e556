/*
 * Logging to stderr only (fd 1 is the client): one line per event,
 *   prog[pid]: info|warn|fatal: message
 * The whole formatted message goes through log_sanitize(), so client bytes can never
 * forge a line or a terminal escape. Nothing here exits: the program's die helpers do.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

/* Set the program name and read the peer address once (TCPREMOTEIP under UCSPI,
 * REMOTE_ADDR under systemd Accept=yes / inetd wrappers). */
void log_init(const char *prog);
/* 0 when fd 2 is the client's connection (inetd, xinetd, a pipe shared with fd 1), and
 * logs go to syslog: a child process must then not inherit fd 2 as its stderr. */
int log_stderr_usable(void);

/* The peer address, or "-" when none is known. */
const char *log_peer(void);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copy src (srclen bytes, may hold NULs) into dst as printable ASCII: bytes outside
 * 0x20..0x7e become \xHH, backslash becomes \\; truncated to fit dst (always
 * NUL-terminated when dstsz > 0), with "..." marking a cut. Returns strlen(dst). */
size_t log_sanitize(char *dst, size_t dstsz, const char *src, size_t srclen);

/* Longest message a log line carries; longer ones are cut with "...". */
#define LOG_LINE_MAX 1024

#endif
