/*
 * The process model (docs/ARCHITECTURE.md, smtpd(8) PRIVILEGES). Started as root,
 * smtpd forks the delivery helper (helper.c), which stays root and never sees the
 * client's connection, makes its spool file, then becomes --session-user (all three
 * ids and the groups) for good before it reads the first byte from the client. Started
 * as anybody else, it stays who it is and delivers as itself.
 */
#define _DEFAULT_SOURCE	/* setgroups(2) */
#include "smtp.h"

#include "helper.h"
#include "log.h"
#include "proc.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int smtp_privsep(struct smtp *s)
{
	const char *name = s->opt.session_user != NULL ? s->opt.session_user
						       : SMTP_SESSION_USER;
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	s->helper = -1;
	s->helper_pid = 0;
	if (geteuid() != 0)
		return smtp_spool_open(s);
	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL) {
		log_fatal("session user %.64s does not exist%s%s: create it, or name another "
			  "with --session-user", name, errno != 0 ? ": " : "",
			  errno != 0 ? strerror(errno) : "");
		return -2;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0) {
		log_fatal("session user %.64s has uid 0: the session must not run as root",
			  name);
		return -2;
	}
	s->helper = helper_start(&s->opt, &s->helper_pid);
	if (s->helper < 0) {
		log_fatal("cannot start the delivery helper: %s", strerror(errno));
		return -1;
	}
	if (smtp_spool_open(s) < 0)
		return -1;
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		log_fatal("cannot become %.64s (uid %ld gid %ld): %s", name, (long)uid,
			  (long)gid, strerror(errno));
		return -1;
	}
	/* For good: no id of ours may be root's any more. */
	if (setuid(0) == 0 || seteuid(0) == 0 || getuid() != uid || geteuid() != uid ||
	    getgid() != gid || getegid() != gid) {
		log_fatal("privileges were not dropped: refusing to run");
		return -1;
	}
	return 0;
}

void smtp_privsep_end(struct smtp *s)
{
	int status;

	if (s->helper >= 0) {
		/* End of file for the helper, which aborts what is left and exits; its
		 * end of the socket closing tells us it is on its way out. */
		char c;
		(void)shutdown(s->helper, SHUT_WR);
		(void)helper_recv(s->helper, &c, 1, NULL, HELPER_EXIT_TIMEOUT_MS);
		close(s->helper);
	}
	s->helper = -1;
	if (s->helper_pid > 0 &&
	    proc_wait(s->helper_pid, &status, HELPER_EXIT_TIMEOUT_MS) < 0)
		log_warn("delivery helper %ld did not end: %s", (long)s->helper_pid,
			 strerror(errno));
	s->helper_pid = 0;
}
