/*
 * The client's address as the superserver tells it (TCPREMOTEIP under UCSPI,
 * REMOTE_ADDR under systemd Accept=yes or inetd wrappers), or from getpeername(2) on
 * fd 0 when it is a socket; and whether that peer is on this host.
 */
#ifndef PEER_H
#define PEER_H

#include <stddef.h>

/* The peer's numeric address into out (NUL-terminated); "" when none is known.
 * Returns the length. Only address characters (hex digits, '.', ':') are kept. */
size_t peer_addr(char *out, size_t outsz);

/* 1 when the peer is a loopback address (127.0.0.0/8, ::1, ::ffff:127.x): traffic
 * that cannot be sniffed off a wire. 0 otherwise, also when unknown. */
int peer_is_loopback(void);

/* 1 when a TLS wrapper declared the connection encrypted: SSL_PROTOCOL is set
 * (ucspi-ssl, s6-tlsserver) or MAILD_TLS=1 (any wrapper script). */
int peer_tls(void);

/* 1 when a password may cross this connection in plain text: TLS, or a loopback peer. */
int peer_secure(void);

#endif
