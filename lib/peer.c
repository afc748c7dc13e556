/*
 * Who is on the other end of fd 0: the environment of the superserver first (it knows
 * even when fd 0 is a pipe from a TLS wrapper), then getpeername(2).
 */
#include "peer.h"

#include "str.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char *peer_env(void)
{
	const char *ip = getenv("TCPREMOTEIP");

	if (ip == NULL || *ip == '\0')
		ip = getenv("REMOTE_ADDR");
	return ip != NULL && *ip != '\0' ? ip : NULL;
}

size_t peer_addr(char *out, size_t outsz)
{
	const char *ip = peer_env();
	char tmp[INET6_ADDRSTRLEN];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	size_t i, o = 0;

	if (outsz == 0)
		return 0;
	if (ip == NULL && getpeername(0, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			ip = inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, tmp,
				       sizeof tmp);
		else if (ss.ss_family == AF_INET6)
			ip = inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, tmp,
				       sizeof tmp);
	}
	for (i = 0; ip != NULL && ip[i] != '\0' && o + 1 < outsz; i++) {
		unsigned char c = (unsigned char)ip[i];
		if (isxdigit(c) || c == '.' || c == ':')
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return o;
}

int peer_is_loopback(void)
{
	const char *ip = peer_env();
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	if (ip != NULL)
		return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
		       str_has_prefix_ci(ip, "::ffff:127.");
	if (getpeername(0, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
							  0xff, 0xff };
		const unsigned char *a = in6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return 1;
		return memcmp(a, mapped, sizeof mapped) == 0 && a[12] == 127;
	}
	return 0;
}

int peer_tls(void)
{
	const char *ssl = getenv("SSL_PROTOCOL");
	const char *tls = getenv("MAILD_TLS");

	return (ssl != NULL && *ssl != '\0') || (tls != NULL && strcmp(tls, "1") == 0);
}

int peer_secure(void)
{
	return peer_tls() || peer_is_loopback();
}
