/*
 * Every limit pop3d enforces, with its source. A client over a limit gets -ERR and the
 * stream stays in sync (the line reader discards through the LF); repeated offences end
 * the session.
 */
#ifndef POP3D_LIMITS_H
#define POP3D_LIMITS_H

#include "sasl.h"

/* RFC 2449 section 4: "command lines ... MUST NOT exceed 255 octets, including the
 * terminating CRLF". The reader's buffer holds the line, its terminator and a NUL. */
#define POP3_CMD_MAX 255
#define POP3_CMD_BUF (POP3_CMD_MAX + 1)

/* RFC 2449 section 4: keywords (command names) are 3 or 4 characters; longer verbs are
 * unknown commands, never parsed further. */
#define POP3_VERB_MAX 4

/* A PLAIN message in base64 is at most SASL_B64_MAX characters (lib/sasl.h, from RFC
 * 4616's field limits), plus CRLF: the bound on an AUTH continuation line (RFC 5034
 * lets them be long). */
#define POP3_SASL_LINE_BUF (SASL_B64_MAX + 2 + 1)

/* User names we carry between USER and PASS: the checkpassword interface allows 512
 * bytes for user, password and timestamp together (cr.yp.to/checkpwd/interface.html). */
#define POP3_USER_MAX 255

/* Protocol errors in a row (unknown commands, bad arguments, over-long lines) before
 * the session is ended, as qmail and OpenSMTPD do against confused or hostile peers. */
#define POP3_ERRORS_MAX 5
/* Failed logins before the connection is closed (each already costs the checker's
 * fail delay). */
#define POP3_AUTH_FAILS_MAX 3

/* RFC 1939 section 3: "An POP3 server MAY have an inactivity autologout timer. Such a
 * timer MUST be of at least 10 minutes' duration." */
#define POP3_IDLE_TIMEOUT_MS (10 * 60 * 1000)

/* A client whose connection dropped often reconnects at once, before the old session
 * has read its EOF (or, on a dead peer, its write error) and let go of pop3d.lock. The
 * new session retries the lock this long, every POP3_LOCK_POLL_MS, before [IN-USE]
 * (RFC 2449 section 8.1.2); well under any client's timeout for the reply to PASS. */
#define POP3_LOCK_WAIT_MS 5000
#define POP3_LOCK_POLL_MS 100
/* A client that stops reading a reply is gone after this long. */
#define POP3_WRITE_TIMEOUT_MS (10 * 60 * 1000)

/* Message streaming: read this much of the file at a time (RETR, TOP). */
#define POP3_RETR_CHUNK 65536

/* The APOP timestamp <pid.time@host> (RFC 1939 section 7); host cut to fit. */
#define POP3_HOST_MAX 64
#define POP3_TIMESTAMP_MAX 128

/* UIDL strings: RFC 1939 section 7, "The unique-id of a message ... consists of one to
 * 70 characters in the range 0x21 to 0x7E". */
#define POP3_UIDL_MAX 70

#endif
