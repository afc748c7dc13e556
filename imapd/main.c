/*
 * imapd: an IMAP4rev1 server (RFC 3501) for one connection on fd 0/1, started by a
 * superserver, serving a Maildir.
 *
 * Design rationale: pop3d's split. Before login imapd runs as whatever the superserver
 * chose, holds no mailbox, and hands the credentials to a checkpassword program, which
 * becomes the user and execs `imapd --session TAG`: the session code never runs with
 * more privilege than the user it serves, and never as root. `--preauth` is the
 * session for the invoking user (tunnels over ssh: mutt, mbsync, offlineimap).
 * Exit codes: 0 normal end, 100 usage or refusal to run, 111 temporary failure.
 */
#include "imap.h"

#include "checkpw.h"
#include "log.h"
#include "str.h"
#include "testhook.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 100
#define EXIT_TEMP 111

static int usage(void)
{
	fputs("usage: imapd [--allow-plaintext] CHECKPW [ARGS...]\n"
	      "       imapd --preauth\n", stderr);
	return EXIT_USAGE;
}

/* RFC 3501 5.4's autologout. IMAPD_TEST_IDLE_MS shortens it in test builds only
 * (lib/testhook.h): elsewhere the RFC's thirty-minute minimum holds. */
static int idle_timeout_ms(void)
{
	const char *t = testhook_getenv("IMAPD_TEST_IDLE_MS");
	uint64_t ms;

	if (t != NULL && str_to_u64z(t, IMAP_IDLE_TIMEOUT_MS, &ms) == 0)
		return (int)ms;
	return IMAP_IDLE_TIMEOUT_MS;
}

int main(int argc, char **argv)
{
	static struct imap s;
	char self[PATH_MAX];
	char **login_argv;
	int i, rc;
	size_t k = 0;

	log_init("imapd");
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--allow-plaintext") == 0) {
			s.opt.allow_plaintext = 1;
		} else if (strcmp(argv[i], "--preauth") == 0) {
			s.opt.preauth = 1;
		} else if (strcmp(argv[i], "--session") == 0 && i + 1 < argc) {
			s.opt.session = 1;
			s.opt.login_tag = argv[++i];
		} else {
			return usage();
		}
	}
	s.idle_ms = idle_timeout_ms();
	out_init(&s.out, 1, IMAP_WRITE_TIMEOUT_MS);
	imap_reader_init(&s.rd, 0, s.idle_ms, IMAP_LITERAL_MAX);
	if (s.opt.preauth || s.opt.session) {
		if (i != argc)
			return usage();
		/* "A session never touches a mailbox as root." */
		if (geteuid() == 0) {
			log_fatal("refusing to serve a mailbox as root");
			return EXIT_USAGE;
		}
		rc = imap_session_main(&s);
		goto out;
	}
	if (i == argc)
		return usage();
	login_argv = calloc((size_t)(argc - i) + 4, sizeof *login_argv);
	if (login_argv == NULL) {
		log_fatal("out of memory");
		return EXIT_TEMP;
	}
	while (i < argc)
		login_argv[k++] = argv[i++];
	login_argv[k++] = (char *)checkpw_self_path(argv[0], self, sizeof self);
	login_argv[k++] = "--session";
	login_argv[k++] = NULL;	/* the tag, set per login */
	s.opt.login_argv = login_argv;
	s.opt.login_argc = k;
	rc = imap_auth_main(&s);
	free(login_argv);
out:
	imap_reader_free(&s.rd);
	imap_cmd_free(&s.cmd);
	return rc;
}
