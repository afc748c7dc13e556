/*
 * pop3d: a POP3 server (RFC 1939, 2449, 5034) for one connection on fd 0/1, started by
 * a superserver, serving a Maildir.
 *
 * Design rationale: qmail's split, in one binary. Before login pop3d runs as whatever
 * the superserver chose, holds no mailbox, and hands the credentials to a
 * checkpassword program, which becomes the user and execs `pop3d --session`: the
 * session code never runs with more privilege than the user it serves, and never as
 * root. `--preauth` is the session for the invoking user (tunnels over ssh).
 * Exit codes: 0 normal end, 100 usage or refusal to run, 111 temporary failure.
 */
#include "pop3.h"

#include "checkpw.h"
#include "log.h"
#include "str.h"
#include "testhook.h"

#include <limits.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 100
#define EXIT_TEMP 111

static int usage(void)
{
	fputs("usage: pop3d [--allow-plaintext] [--uidl uid|filename] CHECKPW [ARGS...]\n"
	      "       pop3d --preauth [--uidl uid|filename]\n", stderr);
	return EXIT_USAGE;
}

/* RFC 1939 section 3's autologout. POP3D_TEST_IDLE_MS shortens it in test builds only
 * (lib/testhook.h): elsewhere the RFC's ten-minute minimum holds. */
static int idle_timeout_ms(void)
{
	const char *t = testhook_getenv("POP3D_TEST_IDLE_MS");
	uint64_t ms;

	if (t != NULL && str_to_u64z(t, POP3_IDLE_TIMEOUT_MS, &ms) == 0)
		return (int)ms;
	return POP3_IDLE_TIMEOUT_MS;
}

int main(int argc, char **argv)
{
	static struct pop3 s;
	char self[PATH_MAX];
	char **login_argv;
	int i, rc, k = 0;

	log_init("pop3d");
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--allow-plaintext") == 0) {
			s.opt.allow_plaintext = 1;
		} else if (strcmp(argv[i], "--preauth") == 0) {
			s.opt.preauth = 1;
		} else if (strcmp(argv[i], "--session") == 0) {
			s.opt.session = 1;
		} else if (strcmp(argv[i], "--uidl") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "filename") == 0)
				s.opt.uidl_filename = 1;
			else if (strcmp(argv[i], "uid") != 0)
				return usage();
		} else {
			return usage();
		}
	}
	s.idle_ms = idle_timeout_ms();
	out_init(&s.out, 1, POP3_WRITE_TIMEOUT_MS);
	line_init(&s.in, -1, s.idle_ms);
	if (s.opt.preauth || s.opt.session) {
		if (i != argc)
			return usage();
		/* "A session never touches a mailbox as root." */
		if (geteuid() == 0) {
			log_fatal("refusing to serve a mailbox as root");
			return EXIT_USAGE;
		}
		line_init(&s.in, 0, s.idle_ms);
		rc = pop3_session_main(&s);
		goto out;
	}
	if (i == argc)
		return usage();
	login_argv = calloc((size_t)(argc - i) + 5, sizeof *login_argv);
	if (login_argv == NULL) {
		log_fatal("out of memory");
		return EXIT_TEMP;
	}
	while (i < argc)
		login_argv[k++] = argv[i++];
	login_argv[k++] = (char *)checkpw_self_path(argv[0], self, sizeof self);
	login_argv[k++] = "--session";
	if (s.opt.uidl_filename) {
		login_argv[k++] = "--uidl";
		login_argv[k++] = "filename";
	}
	login_argv[k] = NULL;
	s.opt.login_argv = login_argv;
	rc = pop3_auth_main(&s);
	free(login_argv);
out:
	maildir_box_close(s.box);
	free(s.m);
	free(s.chunk);
	if (s.lock_fd > 0)
		close(s.lock_fd);
	return rc;
}
