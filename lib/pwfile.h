/*
 * The users file: Dovecot's passwd-file format, one account per line,
 *   user:{SCHEME}secret:uid:gid:gecos:home[:shell[:extra_fields]]
 * with '#' comments and blank lines (passwd-file(5)). Read by checkpassword-file for
 * logins and by smtpd for recipients; this is the one parser of a line.
 */
#ifndef PWFILE_H
#define PWFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Longest line accepted, terminator included. Dovecot sets no limit; this is far above
 * any real entry (a 512-byte password, the checkpassword maximum, plus paths). */
#define PWFILE_LINE_MAX 4096
/* The fields before home (user, secret, uid, gid, gecos) and home itself are required. */
#define PWFILE_MIN_FIELDS 6

struct pwent {
	char *line;		/* owned (pwent_free); every field below points into it */
	size_t line_size;	/* bytes allocated at line, all wiped by pwent_free */
	const char *user;
	const char *secret;	/* "{SCHEME}..." or a bare crypt(3) string */
	uid_t uid;
	gid_t gid;
	const char *gecos;
	const char *home;	/* absolute */
	const char *shell;	/* NULL when the line has no shell field or it is empty */
	const char *extra;	/* the rest of the line, "" when none; not interpreted */
	unsigned long lineno;	/* 1-based, for log messages */
};

/* Split line (NUL-terminated, terminator already removed; modified in place) into the
 * fields of e, leaving e->line alone. Returns 0 for an entry, 1 for a comment or a
 * blank line, -1 for a malformed line with *why_r set to a static reason that never
 * quotes the line (it may hold a password). */
int pwfile_parse_line(char *line, struct pwent *e, const char **why_r);

#endif
