/*
 * Every limit imapd enforces, with its source. Over a limit a command gets BAD or NO
 * and the stream stays in sync: the reader consumes the rest of the command (or never
 * asks for a synchronizing literal it refuses), then answers.
 *
 * The name is imap_limits.h, not limits.h: imapd/ is on every compile's include path,
 * and a local limits.h would shadow the system's <limits.h>.
 */
#ifndef IMAP_LIMITS_H
#define IMAP_LIMITS_H

/* RFC 7162 section 4: clients limit their lines to about 8192 octets and "servers
 * should accept ... at least 8192"; Dovecot's imap_max_line_length is 64 KiB. One line
 * of a command (between literals), with CRLF, must fit in this. */
#define IMAP_LINE_MAX 65536
/* A whole command in memory: its lines and the literals kept in memory. */
#define IMAP_CMD_MAX (256 * 1024)
/* Literals larger than this go to an unlinked temporary file, not to memory, so a
 * session's memory does not grow with the size of an APPENDed message. */
#define IMAP_LITERAL_MEM_MAX (64 * 1024)
/* RFC 7889 (APPENDLIMIT): the largest literal accepted, announced as APPENDLIMIT. */
#define IMAP_LITERAL_MAX (64ULL * 1024 * 1024)
/* Before login a literal can only carry a user name or password (checkpassword's 512
 * bytes in all, cr.yp.to/checkpwd/interface.html) or a SASL response. */
#define IMAP_PRELOGIN_LITERAL_MAX 1024
/* RFC 7888 section 4: a non-synchronizing literal over the limit is read and thrown
 * away, so the stream stays in sync, up to this many octets; a larger one ends the
 * session with BYE (the choice between the RFC's two options). */
#define IMAP_LITERAL_DISCARD_MAX (256ULL * 1024 * 1024)
/* Literals in one command (APPEND with MULTIAPPEND would need several). */
#define IMAP_LITERALS_MAX 64
/* Arguments (every token and list) in one command, and list nesting depth: no command
 * we serve needs more than a few levels (FETCH's BODY[HEADER.FIELDS (...)] is 2). */
#define IMAP_ARGS_MAX 8192
#define IMAP_LIST_DEPTH_MAX 16
/* Ranges in one sequence set (RFC 3501 9 sequence-set); clients with a fragmented
 * selection send long ones, so this follows the line limit. */
#define IMAP_SEQSET_RANGES_MAX 8192
/* RFC 3501 9 tag: at least one ASTRING-CHAR but '+'; nobody needs more. */
#define IMAP_TAG_MAX 64

/* RFC 3501 5.4: "An inactivity autologout timer MUST be of at least 30 minutes'
 * duration" once logged in; before login, RFC 3501 leaves it to us: a minute of
 * silence, as Dovecot's login processes allow about that. */
#define IMAP_IDLE_TIMEOUT_MS (30 * 60 * 1000)
#define IMAP_PRELOGIN_TIMEOUT_MS (60 * 1000)
/* RFC 2177 IDLE: "* OK Still here" this often while idling, so that NAT and firewall
 * state for a quiet connection is not dropped; Dovecot's imap_idle_notify_interval
 * default. Not client activity: the autologout above still applies. */
#define IMAP_IDLE_KEEPALIVE_MS (2 * 60 * 1000)
/* A client that stops reading replies is gone after this long. */
#define IMAP_WRITE_TIMEOUT_MS (10 * 60 * 1000)

/* Bad commands in a row before BYE; failed logins before BYE (each already costs the
 * checker's fail delay). */
#define IMAP_ERRORS_MAX 10
#define IMAP_AUTH_FAILS_MAX 3

/* RFC 4616 section 2: authzid, authcid and passwd at most 255 octets each. */
#define IMAP_SASL_FIELD_MAX 255
/* The base64 of a PLAIN message (3 * 255 + 2 octets), 1024 characters. */
#define IMAP_SASL_B64_MAX 1024

/* RFC 2971 section 3.3: at most 30 field-value pairs, fields at most 30 octets,
 * values at most 1024. */
#define IMAP_ID_PAIRS_MAX 30

/* Mailbox names (UTF-8, '/' between levels) as the folder layer accepts them. */
#define IMAP_MAILBOX_MAX 1024
/* FETCH items that read the message (RFC 3501 sets no limit): a client asks for a few;
 * more in one command would only multiply the work per message. */
#define IMAP_FETCH_BODY_ITEMS_MAX 32
/* Header field names in one BODY[HEADER.FIELDS (...)] and their total length. */
#define IMAP_FETCH_FIELDS_MAX 64
#define IMAP_FETCH_SECTION_MAX 2048

#endif
