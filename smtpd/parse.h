/*
 * Pure parsing for smtpd, with no I/O, so that fuzzers and tests drive it directly: the
 * command line, the RFC 5321 section 4.1.2 Path and Mailbox grammar, the ESMTP
 * parameters of MAIL and RCPT and BDAT's arguments (SASL is lib/sasl.h's).
 */
#ifndef SMTPD_PARSE_H
#define SMTPD_PARSE_H

#include "limits.h"

#include <stddef.h>
#include <stdint.h>

#define SMTP_VERB_MAX 8

struct smtp_cmd {
	char verb[SMTP_VERB_MAX + 1];	/* upper-cased; "" when the line has none */
	char *rest;			/* after the verb and one space ("" if none) */
};

/* Split a command line (terminator removed, NUL-terminated, len bytes) in place.
 * 0, or -1 with errno EILSEQ (a NUL, CR, LF or other control character except HTAB:
 * RFC 5321 2.3.8 and 4.1.1 forbid them, and bare CR/LF are the smuggling vector) or
 * EINVAL (empty verb, or a verb longer than SMTP_VERB_MAX or not letters). */
int smtp_cmd_parse(char *line, size_t len, struct smtp_cmd *c);

struct smtp_addr {
	int null;			/* the null reverse-path "<>" */
	int utf8;			/* holds a non-ASCII byte (needs SMTPUTF8) */
	char local[SMTP_LOCAL_MAX + 1];	/* unquoted: quotes and quoted-pair backslashes gone */
	char domain[SMTP_DOMAIN_MAX + 1];	/* "" for "<>" and for "<postmaster>" */
	char text[SMTP_PATH_MAX + 1];	/* Mailbox as written, no source route, no < > */
};

/* Parse a Path ("<" [A-d-l ":"] Mailbox ">") at the start of s (len bytes): RFC 5321
 * 4.1.2, with the limits of 4.5.3.1. Source routes are accepted and ignored (4.1.1.3,
 * appendix C). allow_null accepts "<>" (reverse-path), allow_postmaster "<postmaster>"
 * (4.5.1, any case, no domain). Non-ASCII (well-formed UTF-8 only) when allow_utf8
 * (RFC 6531 section 3.3). Returns the bytes used, or -1 with errno EINVAL (syntax),
 * EILSEQ (non-ASCII not allowed or not UTF-8) or ENAMETOOLONG (over a limit). */
int smtp_path_parse(const char *s, size_t len, int allow_null, int allow_postmaster,
		    int allow_utf8, struct smtp_addr *a);

enum smtp_body { SMTP_BODY_NONE, SMTP_BODY_7BIT, SMTP_BODY_8BITMIME };

struct smtp_mail_params {
	uint64_t size;			/* SIZE= (RFC 1870), 0 when not given */
	int has_size;
	enum smtp_body body;		/* BODY= (RFC 6152) */
	int smtputf8;			/* SMTPUTF8 (RFC 6531 3.4) */
};

enum smtp_param_result {
	SMTP_PARAM_OK = 0,
	SMTP_PARAM_SYNTAX,	/* 501 5.5.4: malformed, or a value out of range */
	SMTP_PARAM_UNKNOWN,	/* 555 5.5.4: a parameter we do not implement */
};

/* The MAIL FROM parameters after the path (s: " KEY[=VALUE] ..." or ""), RFC 5321
 * 4.1.2 Mail-parameters. AUTH= (RFC 4954 section 5) is checked for xtext and ignored. */
enum smtp_param_result smtp_mail_params(const char *s, struct smtp_mail_params *p);
/* RCPT TO parameters: none are offered (no DSN), so anything is SMTP_PARAM_UNKNOWN. */
enum smtp_param_result smtp_rcpt_params(const char *s);

/* "FROM:" / "TO:" (case-insensitive, then optional spaces, which many clients send).
 * Returns the offset of the path, or -1. */
int smtp_keyword_colon(const char *s, const char *kw);

/* BDAT arguments, RFC 3030 section 2: "chunk-size [SP end-marker]", end-marker "LAST".
 * 0 with *size_r and *last_r, or -1 with errno EINVAL / ERANGE. */
int smtp_bdat_args(const char *s, uint64_t *size_r, int *last_r);

#endif
