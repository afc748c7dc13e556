/*
 * Child waits with a deadline (lib/proc.c): a child that ends is reaped at once with
 * its status, one that does not is reported (ETIMEDOUT) after the deadline and no
 * later, and proc_wait_or_kill ends it with SIGKILL.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "proc.h"
#include "test.h"

static pid_t child(int seconds, int code)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (seconds > 0)
			sleep((unsigned)seconds);
		_exit(code);
	}
	return pid;
}

static void test_ends(void)
{
	int status = -1;
	long long t0 = io_now_ms();
	pid_t pid = child(0, 3);

	test_begin("a child that ends is reaped with its status, at once");
	test_assert(pid > 0);
	test_assert(proc_wait(pid, &status, 5000) == 0);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	test_assert(io_now_ms() - t0 < 1000);
	test_end();
}

static void test_deadline(void)
{
	int status = -1;
	long long t0;
	pid_t pid = child(30, 0);

	test_begin("a child that does not end: ETIMEDOUT at the deadline, then SIGKILL");
	test_assert(pid > 0);
	t0 = io_now_ms();
	errno = 0;
	test_assert(proc_wait(pid, &status, 200) < 0 && errno == ETIMEDOUT);
	test_assert(io_now_ms() - t0 >= 200 && io_now_ms() - t0 < 2000);
	t0 = io_now_ms();
	test_assert(proc_wait_or_kill(pid, &status, 100) == 0);
	test_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	test_assert(io_now_ms() - t0 < 2000);
	errno = 0;
	test_assert(proc_wait(pid, &status, 100) < 0 && errno == ECHILD);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_ends, test_deadline, NULL };

	return test_run(tests);
}
