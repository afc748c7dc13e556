/* Unit tests for lib/out.c: buffering, large writes, printf, and the sticky error
 * after the reader went away (SIGPIPE ignored, as the daemons do). */
#include "buf.h"
#include "io.h"
#include "out.h"
#include "test.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static struct out o;	/* 64 KiB: static rather than on the stack */

/* Everything readable from fd right now (the write end is still open). */
static size_t drain(int fd, char *p, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n && (r = io_read_timeout(fd, p + got, n - got, 0)) > 0)
		got += (size_t)r;
	return got;
}

static void test_buffered(void)
{
	int p[2];
	char got[64];

	test_begin("out_write/puts/printf are buffered until out_flush");
	test_assert(pipe(p) == 0);
	out_init(&o, p[1], 1000);
	test_assert(out_puts(&o, "+OK ") == 0);
	test_assert(out_printf(&o, "%d messages (%s)\r\n", 3, "1024 octets") == 0);
	test_assert(out_write(&o, "", 0) == 0);
	test_assert(drain(p[0], got, sizeof got) == 0);
	test_assert(out_flush(&o) == 0);
	test_assert(out_flush(&o) == 0);
	test_assert(drain(p[0], got, sizeof got - 1) == 30);
	got[30] = '\0';
	test_assert_str(got, "+OK 3 messages (1024 octets)\r\n");
	close(p[0]);
	close(p[1]);
	test_end();
}

static void test_large(void)
{
	static char big[3 * OUT_BUF + 11], small[100], pp[70000], qq[60000], rr[10000];
	int p[2], status = -1;
	struct buf want;
	size_t i;
	pid_t pid;

	test_begin("large writes and printfs keep the bytes in order through every path");
	for (i = 0; i < sizeof big; i++)
		big[i] = (char)('a' + i % 23);
	memset(small, 'S', sizeof small);
	memset(pp, 'P', sizeof pp - 1);
	memset(qq, 'Q', sizeof qq - 1);
	memset(rr, 'R', sizeof rr - 1);
	buf_init(&want, 1 << 20);
	test_assert(buf_append(&want, small, sizeof small) == 0);
	test_assert(buf_append(&want, big, sizeof big) == 0);
	test_assert(buf_puts(&want, pp) == 0);
	test_assert(buf_append(&want, small, sizeof small) == 0);
	test_assert(buf_puts(&want, qq) == 0);
	test_assert(buf_puts(&want, rr) == 0);
	test_assert(pipe(p) == 0);
	pid = fork();
	if (pid == 0) {
		struct buf b;

		close(p[1]);
		buf_init(&b, 1 << 20);
		if (io_read_fd(p[0], &b) != 0)
			_exit(2);
		_exit(b.len == want.len && memcmp(b.s, want.s, b.len) == 0 ? 0 : 3);
	}
	test_assert(pid > 0);
	close(p[0]);
	out_init(&o, p[1], 5000);
	test_assert(out_write(&o, small, sizeof small) == 0);
	test_assert(o.len == sizeof small);
	test_assert(out_write(&o, big, sizeof big) == 0);	/* flush, then direct */
	test_assert(o.len == 0);
	test_assert(out_printf(&o, "%s", pp) == 0);	/* longer than the buffer */
	test_assert(o.len == 0);
	test_assert(out_write(&o, small, sizeof small) == 0);
	test_assert(out_printf(&o, "%s", qq) == 0);	/* fits what is left */
	test_assert(o.len == sizeof small + sizeof qq - 1);
	test_assert(out_printf(&o, "%s", rr) == 0);	/* does not: flush, format again */
	test_assert(o.len == sizeof rr - 1);
	test_assert(out_flush(&o) == 0);
	close(p[1]);
	test_assert(waitpid(pid, &status, 0) == pid);
	test_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	buf_free(&want);
	test_end();
}

static void test_sticky_epipe(void)
{
	static char big[2 * OUT_BUF];
	int p[2];

	test_begin("after the reader closed: EPIPE at the flush, then every call fails");
	test_assert(pipe(p) == 0);
	close(p[0]);
	out_init(&o, p[1], 1000);
	test_assert(out_puts(&o, "* BYE\r\n") == 0);	/* only queued so far */
	errno = 0;
	test_assert(out_flush(&o) == -1 && errno == EPIPE);
	test_assert(o.error == EPIPE);
	errno = 0;
	test_assert(out_puts(&o, "x") == -1 && errno == EPIPE);
	errno = 0;
	test_assert(out_printf(&o, "%d", 1) == -1 && errno == EPIPE);
	errno = 0;
	test_assert(out_write(&o, "", 0) == -1 && errno == EPIPE);
	errno = 0;
	test_assert(out_flush(&o) == -1 && errno == EPIPE);
	test_assert(o.len == 0);

	/* The same through the direct path of a large write. */
	out_init(&o, p[1], -1);
	errno = 0;
	test_assert(out_write(&o, big, sizeof big) == -1 && errno == EPIPE);
	test_assert(out_flush(&o) == -1 && o.error == EPIPE);
	close(p[1]);
	test_end();
}

static void test_deadline(void)
{
	static char big[2 * OUT_BUF];
	int p[2], rc = 0, i;
	long long t0;

	test_begin("a client that stops reading: ETIMEDOUT, sticky");
	test_assert(pipe(p) == 0);
	out_init(&o, p[1], 100);
	t0 = io_now_ms();
	for (i = 0; i < 8 && rc == 0; i++)
		rc = out_write(&o, big, sizeof big);
	test_assert(rc == -1 && errno == ETIMEDOUT);
	test_assert(io_now_ms() - t0 >= 90);
	test_assert(out_puts(&o, "x") == -1 && errno == ETIMEDOUT);
	test_assert(o.error == ETIMEDOUT);
	close(p[0]);
	close(p[1]);
	test_end();
}

/* A socket pair whose writer side buffers as little as the kernel allows. */
static int small_pair(int sv[2])
{
	int one = 1;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof one);
	(void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &one, sizeof one);
	return 0;
}

/* A child that reads chunk bytes every pause_ms until end of input. */
static pid_t reader(int fd, int other, size_t chunk, long pause_ms)
{
	pid_t pid = fork();

	if (pid == 0) {
		close(other);
		char b[8192];
		struct timespec ts = { pause_ms / 1000, (pause_ms % 1000) * 1000000 };
		while (read(fd, b, chunk < sizeof b ? chunk : sizeof b) > 0)
			nanosleep(&ts, NULL);
		_exit(0);
	}
	return pid;
}

static void test_min_rate(void)
{
	static char big[1 << 20];
	int sv[2];
	long long deadline, t0;
	pid_t pid;

	test_begin("a trickling reader runs out of time; a steady one gets everything");
	/* 16 bytes every 20 ms is 800 B/s, far below 100 kB/s: the deadline 300 ms
	 * away moves on by less than the time that passes. */
	test_assert(small_pair(sv) == 0);
	pid = reader(sv[1], sv[0], 16, 20);
	t0 = io_now_ms();
	deadline = t0 + 300;
	errno = 0;
	test_assert(io_write_until(sv[0], big, sizeof big, &deadline, 100000, 300) == -1 &&
		    errno == ETIMEDOUT);
	test_assert(io_now_ms() - t0 < 5000);
	close(sv[0]);
	close(sv[1]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	/* 8 kB every 10 ms (as much as the small buffers pass: well above 100 kB/s):
	 * 256 KiB take longer than the first 300 ms, and still arrive. */
	test_assert(small_pair(sv) == 0);
	pid = reader(sv[1], sv[0], 8192, 10);
	close(sv[1]);
	t0 = io_now_ms();
	deadline = t0 + 300;
	test_assert(io_write_until(sv[0], big, sizeof big / 4, &deadline, 100000, 300) == 0);
	test_assert(io_now_ms() - t0 > 300);
	close(sv[0]);
	waitpid(pid, NULL, 0);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_buffered,
		test_large,
		test_sticky_epipe,
		test_deadline,
		test_min_rate,
		NULL,
	};

	signal(SIGPIPE, SIG_IGN);
	return test_run(tests);
}
