/*
 * `maildir subscriptions MAILDIR [add|remove NAME...]`: the IMAP subscriptions of a
 * Maildir, in the file Dovecot keeps (Courier's read when Dovecot's is absent).
 * Without a verb it prints one name a line, sorted; names are UTF-8 with '/' between
 * levels, as `list` prints folders. A name needs no folder: IMAP lets a client
 * subscribe to a mailbox that does not exist (yet).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "maildir_subscriptions.h"
#include "tool.h"

int tool_subscriptions(int argc, char **argv)
{
	struct maildir_subscriptions s;

	if (argc == 1) {
		if (maildir_subscriptions_read(argv[0], &s) < 0) {
			log_warn("%s: subscriptions: %s", argv[0], strerror(errno));
			return errno == E2BIG ? EX_DATAERR : EX_TEMPFAIL;
		}
		for (size_t i = 0; i < s.n; i++)
			printf("%s\n", s.name[i]);
		maildir_subscriptions_free(&s);
		return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
	}
	if (argc < 3 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "remove") != 0))
		return EX_USAGE;
	for (int i = 2; i < argc; i++) {
		int r = strcmp(argv[1], "add") == 0 ?
			maildir_subscriptions_add(argv[0], argv[i]) :
			maildir_subscriptions_remove(argv[0], argv[i]);
		if (r < 0) {
			log_warn("%s: %s \"%s\": %s", argv[0], argv[1], argv[i], strerror(errno));
			return errno == EINVAL || errno == E2BIG ? EX_DATAERR :
			       errno == ENOENT ? EX_NOINPUT : EX_TEMPFAIL;
		}
	}
	return EX_OK;
}
