/*
 * The daemon side of the checkpassword interface (cr.yp.to/checkpwd/interface.html),
 * shared by pop3d, imapd and smtpd: run CHECKPW [ARGS...] POSTAUTH... with fd 3 the read
 * end of a pipe carrying "user\0password\0timestamp\0", and wait for it. The checker
 * verifies, becomes the user and execs POSTAUTH; its exit status is the answer:
 * 0 (POSTAUTH ran and ended), 1 (bad credentials), 111 (temporary failure).
 */
#ifndef CHECKPW_H
#define CHECKPW_H

#include <stddef.h>

/* The interface: "There must be at most 512 bytes of data before end of file." */
#define CHECKPW_INPUT_MAX 512
#define CHECKPW_FD 3
#define CHECKPW_EXIT_BAD 1
#define CHECKPW_EXIT_TEMP 111
/* *status_r for a checker (or POSTAUTH) killed by signal s: CHECKPW_SIGNALED + s. */
#define CHECKPW_SIGNALED 256

/* Run argv[0] (a path, or a name looked up in PATH) with argv, stdin/stdout/stderr
 * inherited and the credentials on fd 3; wait for it to end. 0 with *status_r set to
 * its exit status (or CHECKPW_SIGNALED + signal), or -1 with errno: E2BIG when the
 * three strings do not fit in CHECKPW_INPUT_MAX, or the pipe/fork error. The copy of
 * the credentials in this process is wiped before returning. In the child SIGPIPE is
 * set back to its default before exec, since the daemon ignores it. */
int checkpw_run(char *const argv[], const char *user, const char *pass,
		const char *timestamp, int *status_r);

/* The same, the checker killed (status CHECKPW_SIGNALED + SIGKILL) when it has not
 * ended after timeout_ms (-1: no limit). */
int checkpw_run_timeout(char *const argv[], const char *user, const char *pass,
			const char *timestamp, int timeout_ms, int *status_r);

/* This program as a path the checker can exec after its chdir to HOME: argv0 made
 * absolute when it holds a '/', else /proc/self/exe, else argv0 itself (found in PATH).
 * Returns buf or argv0. */
const char *checkpw_self_path(const char *argv0, char *buf, size_t bufsz);

#endif
