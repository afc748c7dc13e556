/*
 * Every limit smtpd enforces, with its source. Over a limit the client gets an error
 * reply and the stream stays in sync: a long command line is discarded through its LF,
 * a message over a limit is read to its end before the reply.
 */
#ifndef SMTPD_LIMITS_H
#define SMTPD_LIMITS_H

#include "sasl.h"

/* RFC 5321 4.5.3.1.4: "The maximum total length of a command line including the
 * command word and the <CRLF> is 512 octets." RFC 4954 section 4 lifts it for AUTH
 * (to 12288); PLAIN needs at most "AUTH PLAIN " and 1024 base64 characters (RFC 4616:
 * 3 * 255 + 2 octets), so the reader's buffer holds that, and every other command over
 * 512 octets is refused. */
#define SMTP_CMD_MAX 512
#define SMTP_AUTH_LINE_MAX (16 + SASL_B64_MAX + 2)
#define SMTP_CMD_BUF (SMTP_AUTH_LINE_MAX + 1)

/* RFC 5321 4.5.3.1.6: "The maximum total length of a text line including the <CRLF>
 * is 1000 octets (not counting the leading dot duplicated for transparency)." */
#define SMTP_TEXT_LINE_MAX 1000

/* RFC 5321 4.5.3.1.1-3: local part 64, domain 255, path 256 octets (with < >). */
#define SMTP_LOCAL_MAX 64
#define SMTP_DOMAIN_MAX 255
#define SMTP_PATH_MAX 256

/* RFC 5321 4.5.3.1.8: "The minimum total number of recipients that MUST be buffered
 * is 100 recipients." More get 452 4.5.3 (RFC 5321 4.5.3.1.10). */
#define SMTP_RCPT_MAX 100
/* Mailboxes one message may fan out to after alias expansion. */
#define SMTP_TARGETS_MAX 1000
/* Alias expansion depth (an alias naming an alias ...), and lines of an aliases file. */
#define SMTP_ALIAS_DEPTH_MAX 8
#define SMTP_ALIAS_LINE_MAX 4096

/* RFC 5321 4.5.1: "<postmaster>" and postmaster@ each of our domains are always
 * accepted. Without --users and an alias or account of that name, it goes to root
 * (aliased to a person, as root's own mail is). */
#define SMTP_POSTMASTER "postmaster"
#define SMTP_POSTMASTER_SYSTEM "root"

/* RFC 1870: the SIZE we advertise and enforce, by default (Postfix's default is 10 MB).
 * The message is spooled to disk as it arrives, so memory does not grow with it; the
 * ceiling bounds the disk a client can fill per message. */
#define SMTP_SIZE_DEFAULT (25ULL * 1024 * 1024)
#define SMTP_SIZE_CEILING (1024ULL * 1024 * 1024)

/* The message moves from memory to its spool file in pieces of this size: the session
 * holds at most this much of it (plus one read). */
#define SMTP_SPOOL_CHUNK (64 * 1024)

/* The account the session runs as when smtpd is started as root (--session-user). It
 * must own nothing: a dedicated one (useradd -r smtpd) is better still. */
#define SMTP_SESSION_USER "nobody"
/* Largest aliases file read (it is read whole, once per connection). */
#define SMTP_ALIASES_FILE_MAX (4 * 1024 * 1024)

/* Protocol errors in a row before "421 4.7.0" ends the session (Postfix's
 * smtpd_hard_error_limit is 20, OpenSMTPD closes sooner). */
#define SMTP_ERRORS_MAX 10
/* Failed AUTH attempts before the session is closed. */
#define SMTP_AUTH_FAILS_MAX 3

/* RFC 5321 4.5.3.2.7: "An SMTP server SHOULD have a timeout of at least 5 minutes while
 * it is awaiting the next command from the sender." 4.5.3.2.5: a DATA block may take
 * 3 minutes to arrive (the client's limit; ours must not be shorter). */
#define SMTP_CMD_TIMEOUT_MS (5 * 60 * 1000)
#define SMTP_DATA_TIMEOUT_MS (3 * 60 * 1000)
/* A client that stops reading our replies is gone after this long. */
#define SMTP_WRITE_TIMEOUT_MS (5 * 60 * 1000)
/* The --relay-via program gets this long to take the message (RFC 5321 4.5.3.2.6: the
 * client waits 10 minutes for the reply to the final dot). */
#define SMTP_RELAY_TIMEOUT_S (8 * 60)

/* Host names we put in replies and Received: lines (RFC 1035 section 2.3.4). */
#define SMTP_HOST_MAX 255
/* HELO/EHLO argument kept for the Received: line, cut to this length. */
#define SMTP_HELO_MAX 255

#endif
