/* The peer of fd 0: from the superserver's environment, else from the socket. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "peer.h"
#include "test.h"

static void clear_env(void)
{
	unsetenv("TCPREMOTEIP");
	unsetenv("REMOTE_ADDR");
	unsetenv("SSL_PROTOCOL");
	unsetenv("MAILD_TLS");
}

static void test_env(void)
{
	char a[64];

	test_begin("peer from TCPREMOTEIP, then REMOTE_ADDR; loopback forms");
	clear_env();
	setenv("REMOTE_ADDR", "192.0.2.7", 1);
	test_assert(peer_addr(a, sizeof a) == 9);
	test_assert_str(a, "192.0.2.7");
	test_assert(!peer_is_loopback() && !peer_secure());
	setenv("TCPREMOTEIP", "127.0.0.1", 1);
	test_assert(peer_addr(a, sizeof a) > 0);
	test_assert_str(a, "127.0.0.1");
	test_assert(peer_is_loopback() && peer_secure());
	setenv("TCPREMOTEIP", "::1", 1);
	test_assert(peer_is_loopback());
	setenv("TCPREMOTEIP", "::ffff:127.0.0.9", 1);
	test_assert(peer_is_loopback());
	setenv("TCPREMOTEIP", "128.0.0.1", 1);
	test_assert(!peer_is_loopback());
	/* Only address characters survive into logs and headers. */
	setenv("TCPREMOTEIP", "1.2.3.4\r\nX: y", 1);
	peer_addr(a, sizeof a);
	test_assert(strchr(a, '\n') == NULL && strchr(a, ' ') == NULL);
	test_assert(peer_addr(a, 4) == 3);	/* cut to fit, NUL-terminated */
	clear_env();
	test_end();
}

static void test_tls(void)
{
	test_begin("a TLS wrapper declares itself: SSL_PROTOCOL or MAILD_TLS=1");
	clear_env();
	setenv("TCPREMOTEIP", "192.0.2.1", 1);
	test_assert(!peer_tls() && !peer_secure());
	setenv("MAILD_TLS", "0", 1);
	test_assert(!peer_tls());
	setenv("MAILD_TLS", "1", 1);
	test_assert(peer_tls() && peer_secure());
	unsetenv("MAILD_TLS");
	setenv("SSL_PROTOCOL", "TLSv1.3", 1);
	test_assert(peer_tls() && peer_secure());
	clear_env();
	test_end();
}

/* inetd: no variables, fd 0 is the accepted TCP socket. */
static void test_socket(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int lsn, cli, srv, save;
	char a[64];

	test_begin("peer from getpeername when fd 0 is a socket");
	clear_env();
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lsn = socket(AF_INET, SOCK_STREAM, 0);
	test_assert(lsn >= 0 && bind(lsn, (struct sockaddr *)&sa, sizeof sa) == 0 &&
		    listen(lsn, 1) == 0 && getsockname(lsn, (struct sockaddr *)&sa, &sl) == 0);
	cli = socket(AF_INET, SOCK_STREAM, 0);
	test_assert(connect(cli, (struct sockaddr *)&sa, sizeof sa) == 0);
	srv = accept(lsn, NULL, NULL);
	save = dup(0);
	dup2(srv, 0);
	test_assert(peer_addr(a, sizeof a) > 0);
	test_assert_str(a, "127.0.0.1");
	test_assert(peer_is_loopback());
	/* A pipe (a TLS wrapper, ssh): nothing known, and not loopback. */
	{
		int p[2];
		test_assert(pipe(p) == 0);
		dup2(p[0], 0);
		test_assert(peer_addr(a, sizeof a) == 0 && a[0] == '\0');
		test_assert(!peer_is_loopback());
		close(p[0]);
		close(p[1]);
	}
	dup2(save, 0);
	close(save);
	close(srv);
	close(cli);
	close(lsn);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_env, test_tls, test_socket, NULL };

	return test_run(tests);
}
