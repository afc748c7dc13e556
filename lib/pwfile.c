/*
 * One line of a passwd-file into its fields (pure: nothing read, logged or kept, so the
 * fuzzer drives it), and the lookup both readers of the file use. The file is read
 * through stdio, a last line without LF still counting (editors leave those). Lines
 * are wiped as they are passed over: they hold password hashes.
 */
#include "pwfile.h"
#include "str.h"
#include "wipe.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* uid_t/gid_t (uint32_t on Linux and the BSDs) minus (uid_t)-1, which setreuid() and
 * chown() read as "unchanged". */
#define PWFILE_ID_MAX (UINT32_MAX - 1)

static int parse_id(const char *s, uint64_t *r)
{
	return str_to_u64z(s, PWFILE_ID_MAX, r);
}

int pwfile_parse_line(char *line, struct pwent *e, const char **why_r)
{
	char *f[PWFILE_MIN_FIELDS + 1], *p = line;
	size_t n = 0, len = strlen(line);
	uint64_t uid, gid;

	/* A file edited on Windows: CR LF endings. */
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return 1;
	/* Fields 1..7 end at a ':'; the eighth (extra fields) is the rest of the line. */
	f[n++] = line;
	for (p = line; *p != '\0' && n < PWFILE_MIN_FIELDS + 1; p++) {
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	if (n < PWFILE_MIN_FIELDS) {
		*why_r = "fewer than 6 fields (user:password:uid:gid:gecos:home)";
		return -1;
	}
	e->user = f[0];
	e->secret = f[1];
	e->gecos = f[4];
	e->home = f[5];
	e->shell = n > 6 && f[6][0] != '\0' ? f[6] : NULL;
	e->extra = "";
	if (n > 6) {
		/* The shell field ends at the next ':'; what follows is extra fields. */
		char *c = strchr(f[6], ':');

		if (c != NULL) {
			*c = '\0';
			e->extra = c + 1;
			e->shell = f[6][0] != '\0' ? f[6] : NULL;
		}
	}
	if (e->user[0] == '\0') {
		*why_r = "empty user name";
		return -1;
	}
	if (e->secret[0] == '\0') {
		*why_r = "empty password field";
		return -1;
	}
	if (parse_id(f[2], &uid) < 0) {
		*why_r = "uid is not a number";
		return -1;
	}
	if (parse_id(f[3], &gid) < 0) {
		*why_r = "gid is not a number";
		return -1;
	}
	/* A uid_t narrower than 32 bits must not wrap to another user, root above all. */
	e->uid = (uid_t)uid;
	e->gid = (gid_t)gid;
	if ((uint64_t)e->uid != uid || (uint64_t)e->gid != gid) {
		*why_r = "uid or gid out of range";
		return -1;
	}
	if (e->home[0] != '/') {
		*why_r = "home is not an absolute path";
		return -1;
	}
	return 0;
}

int pwfile_name_eq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

void pwent_free(struct pwent *e)
{
	if (e->line != NULL) {
		wipe(e->line, e->line_size);
		free(e->line);
	}
	memset(e, 0, sizeof *e);
}

int pwfile_lookup(const char *path, const char *user, struct pwent *e,
		  pwfile_skip_fn *skip, void *arg)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int ret = 0, saved;

	memset(e, 0, sizeof *e);
	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	while (errno = 0, (n = getline(&line, &cap, fp)) >= 0) {
		const char *why = NULL;
		struct pwent t;
		size_t len = (size_t)n;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		memset(&t, 0, sizeof t);
		if (len + 1 > PWFILE_LINE_MAX)
			why = "line too long";
		else if (strlen(line) != len)
			why = "NUL byte in line";
		else if (pwfile_parse_line(line, &t, &why) == 1)
			continue;
		if (why == NULL && (user == NULL || pwfile_name_eq(t.user, user))) {
			/* The fields point into getline's buffer: e takes it over. */
			*e = t;
			e->line = line;
			e->line_size = cap;
			e->lineno = lineno;
			line = NULL;
			ret = 1;
			break;
		}
		if (skip != NULL)
			skip(arg, lineno, why == NULL ? &t : NULL, why);
		wipe(line, cap);
	}
	saved = errno;
	if (ret == 0 && ferror(fp)) {
		ret = -1;
		if (saved == 0)
			saved = EIO;
	}
	if (line != NULL) {
		wipe(line, cap);
		free(line);
	}
	fclose(fp);
	errno = saved;
	return ret;
}
