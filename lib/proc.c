/*
 * Child waits with a deadline (see proc.h).
 */
#include "proc.h"

#include "io.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

int proc_wait(pid_t pid, int *status_r, int timeout_ms)
{
	long long deadline = io_deadline(timeout_ms);
	long step_us = PROC_POLL_MIN_US;

	if (timeout_ms < 0) {
		while (waitpid(pid, status_r, 0) < 0) {
			if (errno != EINTR)
				return -1;
		}
		return 0;
	}
	for (;;) {
		pid_t r = waitpid(pid, status_r, WNOHANG);
		struct timespec ts;
		int left;

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		left = io_ms_left(deadline);
		if (left == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (step_us > (long)left * 1000)
			step_us = (long)left * 1000;
		ts.tv_sec = step_us / 1000000;
		ts.tv_nsec = (step_us % 1000000) * 1000L;
		(void)nanosleep(&ts, NULL);
		if (step_us < PROC_POLL_MAX_MS * 1000L)
			step_us *= 2;
	}
}

int proc_wait_or_kill(pid_t pid, int *status_r, int timeout_ms)
{
	if (proc_wait(pid, status_r, timeout_ms) == 0)
		return 0;
	if (errno != ETIMEDOUT)
		return -1;
	(void)kill(pid, SIGKILL);
	return proc_wait(pid, status_r, -1);
}
