/*
 * One line of a passwd-file into its fields. Pure: nothing is read, logged or kept, so
 * both readers of the file and the fuzzer share it.
 */
#include "pwfile.h"
#include "str.h"

#include <stdint.h>
#include <string.h>

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
