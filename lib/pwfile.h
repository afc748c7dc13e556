/*
 * The users file: Dovecot's passwd-file format, one account per line,
 *   user:{SCHEME}secret:uid:gid:gecos:home[:shell[:extra_fields]]
 * with '#' comments and blank lines (passwd-file(5)). Read by checkpassword-file for
 * logins and by smtpd for recipients; this is the one parser of a line and the one
 * lookup, so that a name means the same account to both.
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

/* The one rule for names: ASCII case-insensitive, as mail local parts are matched
 * (RFC 5321 2.4 lets a server; every MTA does), so a login and a recipient find the
 * same entry. 1 when a and b name the same user. */
int pwfile_name_eq(const char *a, const char *b);

/* Called by pwfile_lookup for every line before the match that is not a comment: e
 * for another user's entry, or why (as pwfile_parse_line's) for a malformed line. */
typedef void pwfile_skip_fn(void *arg, unsigned long lineno, const struct pwent *e,
			    const char *why);

/* Find user (pwfile_name_eq; NULL: the first entry) in the file at path; the first
 * matching entry wins, malformed lines are skipped. Returns 1 with *e filled (its
 * line owned by e: pwent_free), 0 when there is none, -1 with errno when the file
 * cannot be read. skip (may be NULL) sees the lines passed over. */
int pwfile_lookup(const char *path, const char *user, struct pwent *e,
		  pwfile_skip_fn *skip, void *arg);

/* Wipe (it holds a password hash) and free e's line; e is zeroed. */
void pwent_free(struct pwent *e);

#endif
