/*
 * Running a checkpassword program. The credentials are written into the pipe before the
 * fork: they are at most 512 bytes, far below any pipe's capacity, so the write never
 * blocks and a checker that dies without reading cannot raise SIGPIPE in the daemon.
 */
#include "checkpw.h"
#include "proc.h"
#include "wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int append(char *data, size_t *len, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > CHECKPW_INPUT_MAX - *len)
		return -1;
	memcpy(data + *len, s, n);
	*len += n;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* In the child: the pipe's read end becomes fd 3 (without close-on-exec), then exec. */
static void child(char *const argv[], int rd)
{
	if (rd == CHECKPW_FD) {
		int fl = fcntl(rd, F_GETFD);
		if (fl < 0 || fcntl(rd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
			_exit(CHECKPW_EXIT_TEMP);
	} else if (dup2(rd, CHECKPW_FD) < 0) {
		_exit(CHECKPW_EXIT_TEMP);
	}
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	_exit(CHECKPW_EXIT_TEMP);
}

int checkpw_run(char *const argv[], const char *user, const char *pass,
		const char *timestamp, int *status_r)
{
	return checkpw_run_timeout(argv, user, pass, timestamp, -1, status_r);
}

int checkpw_run_timeout(char *const argv[], const char *user, const char *pass,
			const char *timestamp, int timeout_ms, int *status_r)
{
	char data[CHECKPW_INPUT_MAX];
	size_t len = 0;
	int fds[2], status, e;
	pid_t pid;

	if (append(data, &len, user) < 0 || append(data, &len, pass) < 0 ||
	    append(data, &len, timestamp) < 0) {
		wipe(data, sizeof data);
		errno = E2BIG;
		return -1;
	}
	if (pipe(fds) < 0)
		goto fail;
	if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(fds[1], F_SETFD, FD_CLOEXEC) < 0 ||
	    write_all(fds[1], data, len) < 0) {
		e = errno;
		close(fds[0]);
		close(fds[1]);
		errno = e;
		goto fail;
	}
	wipe(data, sizeof data);
	close(fds[1]);
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(fds[0]);
		errno = e;
		return -1;
	}
	if (pid == 0)
		child(argv, fds[0]);
	close(fds[0]);
	if (proc_wait_or_kill(pid, &status, timeout_ms) < 0)
		return -1;
	if (WIFEXITED(status))
		*status_r = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*status_r = CHECKPW_SIGNALED + WTERMSIG(status);
	else
		*status_r = CHECKPW_SIGNALED;
	return 0;
fail:
	e = errno;
	wipe(data, sizeof data);
	errno = e;
	return -1;
}

const char *checkpw_self_path(const char *argv0, char *buf, size_t bufsz)
{
	ssize_t n;

	if (bufsz == 0)
		return argv0;
	if (strchr(argv0, '/') != NULL) {
		char *r = realpath(argv0, NULL);

		if (r != NULL && strlen(r) < bufsz) {
			memcpy(buf, r, strlen(r) + 1);
			free(r);
			return buf;
		}
		free(r);
		return argv0;
	}
	n = readlink("/proc/self/exe", buf, bufsz - 1);
	if (n <= 0)
		return argv0;
	buf[n] = '\0';
	return buf;
}
