/*
 * Finding a login in the users file (lib/pwfile.h parses and looks up).
 */
#ifndef CHECKPW_USERS_H
#define CHECKPW_USERS_H

#include <stddef.h>
#include <sys/types.h>

#include "pwfile.h"

/* Find user in the file at path (pwfile_lookup: names match without case, the first
 * entry wins). Malformed lines are logged by number and skipped. Returns 1 with *e
 * filled (free it with pwent_free), 0 when there is no such user, -1 with errno when
 * the file cannot be read. While scanning, the secret of the first crypt(3) entry is
 * copied into dummy (dummysz bytes; left "" when there is none) so an unknown user can
 * cost the same time. */
int users_lookup(const char *path, const char *user, struct pwent *e, char *dummy,
		 size_t dummysz);

#endif
