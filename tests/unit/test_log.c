/* Unit tests for lib/log.c: the exact line format on fd 2, escaping of client bytes,
 * truncation, the peer address from the environment, and errno preservation. */
#include "log.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <unistd.h>

static int saved_stderr = -1, cap_r = -1;

/* Point fd 2 at a pipe until capture_end(). */
static void capture_begin(void)
{
	int p[2];

	if (pipe(p) != 0)
		abort();
	saved_stderr = dup(2);
	if (saved_stderr < 0 || dup2(p[1], 2) < 0)
		abort();
	close(p[1]);
	cap_r = p[0];
}

/* Restore fd 2 and return what was written (at most sz - 1 bytes) in out. */
static size_t capture_end(char *out, size_t sz)
{
	size_t len = 0;
	ssize_t n;

	dup2(saved_stderr, 2);
	close(saved_stderr);
	while (len + 1 < sz && (n = read(cap_r, out + len, sz - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(cap_r);
	return len;
}

static void expect_line(char *want, size_t sz, const char *prog, const char *level,
			const char *msg)
{
	int n = snprintf(want, sz, "%s[%ld]: %s: %s\n", prog, (long)getpid(), level, msg);

	if (n < 0 || (size_t)n >= sz)
		abort();
}

static void test_defaults(void)
{
	char got[256], want[256];

	test_begin("without log_init: prog is ?, peer read lazily from TCPREMOTEIP");
	setenv("TCPREMOTEIP", "192.0.2.1", 1);
	setenv("REMOTE_ADDR", "198.51.100.9", 1);
	capture_begin();
	log_info("hello %d", 42);
	capture_end(got, sizeof got);
	expect_line(want, sizeof want, "?", "info", "hello 42");
	test_assert_str(got, want);
	test_assert_str(log_peer(), "192.0.2.1");
	test_end();
}

static void test_format(void)
{
	char got[256], want[256];

	test_begin("one line per event: prog[pid]: info|warn|fatal: message");
	log_init("pop3d");
	capture_begin();
	log_info("login user=%s", "alice");
	log_warn("slow");
	log_fatal("disk %s", "full");
	capture_end(got, sizeof got);
	{
		char w1[80], w2[80], w3[80];

		expect_line(w1, sizeof w1, "pop3d", "info", "login user=alice");
		expect_line(w2, sizeof w2, "pop3d", "warn", "slow");
		expect_line(w3, sizeof w3, "pop3d", "fatal", "disk full");
		snprintf(want, sizeof want, "%s%s%s", w1, w2, w3);
	}
	test_assert_str(got, want);
	test_end();
}

static void test_escaping(void)
{
	char got[256], want[256];

	test_begin("client bytes are escaped: CR, LF, ESC, DEL, 8-bit, backslash");
	log_init("imapd");
	capture_begin();
	log_info("cmd=%s", "a\r\nimapd[1]: fatal: x\x1b[2J\x7f\xff\\");
	capture_end(got, sizeof got);
	expect_line(want, sizeof want, "imapd", "info",
		    "cmd=a\\x0D\\x0Aimapd[1]: fatal: x\\x1B[2J\\x7F\\xFF\\\\");
	test_assert_str(got, want);
	test_assert(strchr(got, '\n') == got + strlen(got) - 1);
	test_end();
}

static void test_long_message(void)
{
	static char big[3 * LOG_LINE_MAX], got[2 * LOG_LINE_MAX + 256];
	char prefix[64];
	size_t len;
	int n;

	test_begin("a long message is cut to LOG_LINE_MAX with ... and still one line");
	log_init("smtpd");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[5] = '\n';
	capture_begin();
	log_warn("%s", big);
	len = capture_end(got, sizeof got);
	n = snprintf(prefix, sizeof prefix, "smtpd[%ld]: warn: ", (long)getpid());
	test_assert(n > 0 && strncmp(got, prefix, (size_t)n) == 0);
	test_assert(len == (size_t)n + LOG_LINE_MAX - 1 + 1);
	test_assert(memcmp(got + n, "xxxxx\\x0Axxx", 12) == 0);
	test_assert(memcmp(got + len - 4, "...\n", 4) == 0);
	test_assert(strchr(got, '\n') == got + len - 1);
	test_end();
}

static void test_sanitize(void)
{
	char d[16];

	test_begin("log_sanitize truncates whole escapes and marks the cut");
	test_assert(log_sanitize(d, sizeof d, "plain", 5) == 5);
	test_assert_str(d, "plain");
	test_assert(log_sanitize(d, sizeof d, "a\0b", 3) == 6);
	test_assert_str(d, "a\\x00b");
	test_assert(log_sanitize(d, sizeof d, "0123456789abcde", 15) == 15);	/* fits */
	test_assert_str(d, "0123456789abcde");
	test_assert(log_sanitize(d, sizeof d, "0123456789abcdef", 16) == 15);
	test_assert_str(d, "0123456789ab...");
	/* The escape of \n would cross the end: it is dropped whole, not split. */
	test_assert(log_sanitize(d, sizeof d, "0123456789\n\n", 12) == 13);
	test_assert_str(d, "0123456789...");
	test_assert(log_sanitize(d, 3, "abcdef", 6) == 2);
	test_assert_str(d, "..");
	test_assert(log_sanitize(d, 1, "abc", 3) == 0);
	test_assert_str(d, "");
	d[0] = 'q';
	test_assert(log_sanitize(d, 0, "abc", 3) == 0);
	test_assert(d[0] == 'q');
	test_end();
}

static void test_peer_and_errno(void)
{
	char got[128];

	test_begin("log_peer falls back to REMOTE_ADDR then -; logging keeps errno");
	unsetenv("TCPREMOTEIP");
	setenv("REMOTE_ADDR", "2001:db8::1", 1);
	log_init("x");
	test_assert_str(log_peer(), "2001:db8::1");
	setenv("TCPREMOTEIP", "", 1);
	log_init("x");
	test_assert_str(log_peer(), "2001:db8::1");
	unsetenv("TCPREMOTEIP");
	unsetenv("REMOTE_ADDR");
	log_init("x");
	test_assert_str(log_peer(), "-");
	setenv("TCPREMOTEIP", "evil\nline", 1);
	log_init("x");
	test_assert_str(log_peer(), "evil\\x0Aline");
	unsetenv("TCPREMOTEIP");

	capture_begin();
	errno = ENOSPC;
	log_warn("x");
	test_assert(errno == ENOSPC);
	capture_end(got, sizeof got);
	test_end();
}

/* Under inetd, fds 0, 1 and 2 are all the client's TCP socket: the peer comes from
 * getpeername, and no log line may reach the client. */
static void test_inetd_socket(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int lsn, cli, srv, save[3];
	char got[64];
	ssize_t n;

	test_begin("inetd: peer from the socket, logs kept off the client connection");
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lsn = socket(AF_INET, SOCK_STREAM, 0);
	test_assert(lsn >= 0 && bind(lsn, (struct sockaddr *)&a, sizeof a) == 0 &&
		    listen(lsn, 1) == 0 && getsockname(lsn, (struct sockaddr *)&a, &al) == 0);
	cli = socket(AF_INET, SOCK_STREAM, 0);
	test_assert(connect(cli, (struct sockaddr *)&a, sizeof a) == 0);
	srv = accept(lsn, NULL, NULL);
	test_assert(srv >= 0);
	for (int fd = 0; fd < 3; fd++) {
		save[fd] = dup(fd);
		dup2(srv, fd);
	}
	unsetenv("TCPREMOTEIP");
	unsetenv("REMOTE_ADDR");
	log_init("x");
	test_assert_str(log_peer(), "127.0.0.1");
	log_info("must not reach the client");
	for (int fd = 0; fd < 3; fd++) {
		dup2(save[fd], fd);
		close(save[fd]);
	}
	close(srv);	/* the client now sees EOF, after whatever was written */
	n = read(cli, got, sizeof got);
	test_assert(n == 0);
	close(cli);
	close(lsn);
	log_init("x");
	test_end();
}

/* Exim's lmtp transport: stdout and stderr are one pipe. */
static void test_shared_pipe(void)
{
	int p[2], save1, save2;
	char got[64];
	ssize_t n;

	test_begin("a pipe shared by stdout and stderr gets no log lines");
	test_assert(pipe(p) == 0);
	save1 = dup(1);
	save2 = dup(2);
	dup2(p[1], 1);
	dup2(p[1], 2);
	log_init("x");
	log_info("must not reach the LMTP client");
	dup2(save1, 1);
	dup2(save2, 2);
	close(save1);
	close(save2);
	close(p[1]);
	n = read(p[0], got, sizeof got);
	test_assert(n == 0);
	close(p[0]);
	log_init("x");
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_defaults,	/* must run first: it checks the state before log_init */
		test_format,
		test_escaping,
		test_long_message,
		test_sanitize,
		test_peer_and_errno,
		test_inetd_socket,
		test_shared_pipe,
		NULL,
	};

	return test_run(tests);
}
