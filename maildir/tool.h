/*
 * The commands of the maildir tool, one file per concern. Each takes the arguments after
 * the command name and returns a sysexits(3) code. The values are those of BSD
 * <sysexits.h>, defined here because that header is not POSIX.
 */
#ifndef TOOL_H
#define TOOL_H

#include <stddef.h>

#include "str.h"

#define EX_OK 0
#define EX_USAGE 64
#define EX_DATAERR 65
#define EX_NOINPUT 66
#define EX_SOFTWARE 70
#define EX_CANTCREAT 73
#define EX_IOERR 74
#define EX_TEMPFAIL 75
#define EX_NOPERM 77		/* over quota (Courier deliverquota, dovecot-lda -e); root's
				 * refusals (see tool_owner.c) */

#define TOOL_PROBLEMS 1		/* `check` found something to report */

/* Path of FOLDER ("", NULL or "INBOX" = the root) of the Maildir root. 0 or -1 (logged). */
int tool_folder_path(const char *root, const char *folder, char *out, size_t outsz);

/* How a command uses its MAILDIR, for tool_owner_become. */
#define TOOL_OWNER_CREATE 1	/* may make MAILDIR: a new one belongs to its parent's owner */
#define TOOL_OWNER_DELIVER 2	/* delivers (and may make MAILDIR): refused as root... */
#define TOOL_OWNER_AS_ROOT 4	/* ...unless this says so (--as-root) */

/* Run as root, become the owner of the Maildir at path (see tool_owner.c), with the
 * resolved path in out (PATH_MAX bytes); otherwise out is path. EX_OK, or a sysexits
 * code to exit with (logged). */
int tool_owner_become(const char *path, int how, char *out, size_t outsz);

int tool_deliver(int argc, char **argv);
int tool_list(int argc, char **argv);
int tool_check(int argc, char **argv);
int tool_subscriptions(int argc, char **argv);

#endif
