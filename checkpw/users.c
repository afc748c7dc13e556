/*
 * Reading the users file, Dovecot's passwd-file format. The file is read line by line
 * through stdio (a last line without LF still counts: editors leave those) and the
 * first entry for the user wins. A malformed line is reported by number only, since
 * any part of it may be a password, and skipped so that one bad edit does not lock
 * every other user out.
 */
#include "users.h"
#include "pwcheck.h"

#include "log.h"
#include "str.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pwent_free(struct pwent *e)
{
	if (e->line != NULL) {
		wipe(e->line, e->line_size);
		free(e->line);
	}
	memset(e, 0, sizeof *e);
}

int pwfile_lookup(const char *path, const char *user, struct pwent *e,
		  char *dummy, size_t dummysz)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int ret = 0, saved;

	memset(e, 0, sizeof *e);
	if (dummysz > 0)
		dummy[0] = '\0';
	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	while (errno = 0, (n = getline(&line, &cap, fp)) >= 0) {
		const char *why = NULL, *cp;
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
		if (why != NULL) {
			log_warn("%s: line %lu ignored: %s", path, lineno, why);
			continue;
		}
		if (strcmp(t.user, user) == 0) {
			/* The fields point into getline's buffer: e takes it over. */
			*e = t;
			e->line = line;
			e->line_size = cap;
			e->lineno = lineno;
			line = NULL;
			ret = 1;
			break;
		}
		cp = pw_crypt_part(t.secret);
		if (dummysz > 0 && dummy[0] == '\0' && cp != NULL && strlen(cp) < dummysz)
			memcpy(dummy, cp, strlen(cp) + 1);
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
