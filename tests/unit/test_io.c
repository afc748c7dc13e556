/* Unit tests for lib/io.c: whole writes and reads over pipes, deadlines, bounded
 * whole-file reads and directory fsync. */
#include "buf.h"
#include "io.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BIG (1024 * 1024 + 7)

static void test_write_read_pipe(void)
{
	int p[2];
	char got[16];

	test_begin("io_write_all then io_read_timeout over a pipe; EOF is 0");
	test_assert(pipe(p) == 0);
	test_assert(io_write_all(p[1], "hello", 5, 1000) == 0);
	test_assert(io_write_all(p[1], "", 0, 1000) == 0);
	test_assert(io_read_timeout(p[0], got, sizeof got, 1000) == 5);
	test_assert(memcmp(got, "hello", 5) == 0);
	close(p[1]);
	test_assert(io_read_timeout(p[0], got, sizeof got, 1000) == 0);
	test_assert(io_read_timeout(p[0], got, sizeof got, -1) == 0);
	close(p[0]);
	test_end();
}

static void test_read_deadline(void)
{
	int p[2];
	char c;
	long long t0, dt;

	test_begin("io_read_timeout and io_wait give ETIMEDOUT when nobody writes");
	test_assert(pipe(p) == 0);
	t0 = io_now_ms();
	errno = 0;
	test_assert(io_read_timeout(p[0], &c, 1, 100) == -1);
	test_assert(errno == ETIMEDOUT);
	dt = io_now_ms() - t0;
	test_assert(dt >= 90 && dt < 2000);
	errno = 0;
	test_assert(io_wait(p[0], POLLIN, 0) == -1 && errno == ETIMEDOUT);
	test_assert(io_wait(p[1], POLLOUT, 0) == 1);
	close(p[0]);
	close(p[1]);
	test_assert(io_ms_left(-1) == -1);
	test_assert(io_ms_left(io_now_ms() - 5) == 0);
	test_assert(io_deadline(-1) == -1);
	test_assert(io_ms_left(io_deadline(10000)) > 9000);
	test_end();
}

static void test_write_deadline(void)
{
	int p[2], fl;
	static char chunk[65536];
	int rc = 0, i;

	test_begin("io_write_all gives ETIMEDOUT on a full pipe, blocking or not");
	test_assert(pipe(p) == 0);
	/* Blocking: the pipe fills (64 KiB on Linux), then the deadline must fire. */
	for (i = 0; i < 64 && rc == 0; i++)
		rc = io_write_all(p[1], chunk, sizeof chunk, 100);
	test_assert(rc == -1 && errno == ETIMEDOUT);
	fl = fcntl(p[1], F_GETFL);
	test_assert(fcntl(p[1], F_SETFL, fl | O_NONBLOCK) == 0);
	errno = 0;
	test_assert(io_write_all(p[1], chunk, sizeof chunk, 100) == -1);
	test_assert(errno == ETIMEDOUT);
	close(p[0]);
	close(p[1]);
	test_end();
}

static void test_write_big(void)
{
	int p[2], status = -1;
	pid_t pid;
	char *data = malloc(BIG);

	test_begin("io_write_all writes 1 MiB through a slow reader intact");
	test_assert(data != NULL && pipe(p) == 0);
	for (size_t i = 0; i < BIG; i++)
		data[i] = (char)(i * 7 + i / 251);
	pid = fork();
	if (pid == 0) {
		struct buf b;

		close(p[1]);
		struct timespec slow = { 0, 50000000 };

		nanosleep(&slow, NULL);	/* let the writer find the pipe full */
		buf_init(&b, BIG);
		if (io_read_fd(p[0], &b) != 0 || b.len != BIG || memcmp(b.s, data, BIG) != 0)
			_exit(1);
		_exit(0);
	}
	close(p[0]);
	test_assert(pid > 0);
	test_assert(io_write_all(p[1], data, BIG, 5000) == 0);
	close(p[1]);
	test_assert(waitpid(pid, &status, 0) == pid);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(data);
	test_end();
}

static void test_read_fd_bound(void)
{
	int p[2];
	struct buf b;

	test_begin("io_read_fd is bounded by max; E2BIG leaves the buffer as it was");
	test_assert(pipe(p) == 0);
	test_assert(write(p[1], "0123456789", 10) == 10);
	close(p[1]);
	buf_init(&b, 12);
	test_assert(buf_puts(&b, "ab") == 0);
	test_assert(io_read_fd(p[0], &b) == 0);	/* exactly max */
	test_assert_str(buf_str(&b), "ab0123456789");
	close(p[0]);

	test_assert(pipe(p) == 0);
	test_assert(write(p[1], "0123456789X", 11) == 11);
	close(p[1]);
	buf_reset(&b);
	test_assert(buf_puts(&b, "ab") == 0);
	errno = 0;
	test_assert(io_read_fd(p[0], &b) == -1 && errno == E2BIG);
	test_assert_str(buf_str(&b), "ab");
	test_assert(b.len == 2);
	close(p[0]);
	buf_free(&b);
	test_end();
}

static void test_files(void)
{
	char dir[] = "/tmp/test_io.XXXXXX", path[64], missing[64];
	struct buf b;
	int fd, n;

	test_begin("io_read_file reads whole files, ENOENT, E2BIG; io_fsync_dir");
	test_assert(mkdtemp(dir) != NULL);
	n = snprintf(path, sizeof path, "%s/f", dir);
	test_assert(n > 0 && (size_t)n < sizeof path);
	n = snprintf(missing, sizeof missing, "%s/missing", dir);
	test_assert(n > 0 && (size_t)n < sizeof missing);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	test_assert(fd >= 0);
	test_assert(write(fd, "line 1\nline 2\n", 14) == 14);
	close(fd);

	buf_init(&b, 14);
	test_assert(io_read_file(path, &b) == 0);
	test_assert_str(buf_str(&b), "line 1\nline 2\n");
	errno = 0;
	test_assert(io_read_file(path, &b) == -1 && errno == E2BIG);
	test_assert(b.len == 14);
	buf_free(&b);
	buf_init(&b, 13);
	errno = 0;
	test_assert(io_read_file(path, &b) == -1 && errno == E2BIG);
	test_assert(b.len == 0);
	errno = 0;
	test_assert(io_read_file(missing, &b) == -1 && errno == ENOENT);
	buf_free(&b);

	test_assert(io_fsync_dir(dir) == 0);
	errno = 0;
	test_assert(io_fsync_dir(path) == -1 && errno == ENOTDIR);
	errno = 0;
	test_assert(io_fsync_dir(missing) == -1 && errno == ENOENT);
	test_assert(unlink(path) == 0);
	test_assert(rmdir(dir) == 0);
	test_end();
}

static void test_epipe(void)
{
	int p[2];

	test_begin("io_write_all reports EPIPE when the reader is gone");
	test_assert(pipe(p) == 0);
	close(p[0]);
	errno = 0;
	test_assert(io_write_all(p[1], "x", 1, 100) == -1 && errno == EPIPE);
	errno = 0;
	test_assert(io_write_all(p[1], "x", 1, -1) == -1 && errno == EPIPE);
	close(p[1]);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_write_read_pipe,
		test_read_deadline,
		test_write_deadline,
		test_write_big,
		test_read_fd_bound,
		test_files,
		test_epipe,
		NULL,
	};

	signal(SIGPIPE, SIG_IGN);
	return test_run(tests);
}
