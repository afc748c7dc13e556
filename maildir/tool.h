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

#define TOOL_PROBLEMS 1		/* `check` found something to report */

/* Path of FOLDER ("", NULL or "INBOX" = the root) of the Maildir root. 0 or -1 (logged). */
int tool_folder_path(const char *root, const char *folder, char *out, size_t outsz);

int tool_deliver(int argc, char **argv);
int tool_list(int argc, char **argv);
int tool_check(int argc, char **argv);
int tool_subscriptions(int argc, char **argv);

#endif
