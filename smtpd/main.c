/*
 * smtpd: an SMTP (RFC 5321) or LMTP (RFC 2033) receiver for one connection on fd 0/1,
 * started by a superserver, delivering straight into Maildirs. There is no queue: a
 * message is accepted only once it is durable in every recipient's Maildir, and what
 * is not local is refused, or, for an authenticated sender, handed to an existing MTA
 * (--relay-via). A CHECKPW program enables AUTH (submission).
 * Started as root it splits in two (privsep.c): a delivery helper that stays root and
 * never reads the client (helper.c), and this session, which drops to an unprivileged
 * account before it reads a byte.
 * Exit codes: 0 normal end, 100 usage or refusal to run, 111 temporary failure.
 */
#include "smtp.h"

#include "helper.h"
#include "log.h"
#include "peer.h"
#include "str.h"
#include "testhook.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 100
#define EXIT_TEMP 111

/* What the checker execs after a good password: it must only exit 0 (smtpd(8)). */
#define SMTPD_POSTAUTH "/bin/true"

static int usage(void)
{
	fputs("usage: smtpd [--users FILE] [--domain D]... [--aliases FILE] [--size N]\n"
	      "             [--lmtp] [--allow-plaintext] [--any-sender] [--relay-via PROGRAM]\n"
	      "             [--hostname NAME] [--postmaster NAME] [--session-user NAME]\n"
	      "             [CHECKPW [ARGS...]]\n", stderr);
	return EXIT_USAGE;
}

/* A host name fit for replies and Received: lines. */
static int valid_host(const char *h)
{
	size_t i, n = strlen(h);

	if (n == 0 || n > SMTP_HOST_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];
		if (c <= 0x20 || c >= 0x7f || c == '(' || c == ')' || c == ';')
			return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	static struct smtp s;
	const char *hostname = NULL, *timeout;
	uint64_t ms;
	char **ck = NULL;
	size_t nd = 0;
	uint64_t size = SMTP_SIZE_DEFAULT;
	int i, k = 0, rc;

	log_init("smtpd");
	signal(SIGPIPE, SIG_IGN);
	/* Load the time zone while /etc/localtime is sure to be readable, and once. */
	tzset();
	s.opt.domains = NULL;
	s.spool = -1;
	s.helper = -1;
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--") == 0) {
			i++;
			break;
		} else if (strcmp(o, "--lmtp") == 0) {
			s.opt.lmtp = 1;
		} else if (strcmp(o, "--any-sender") == 0) {
			s.opt.any_sender = 1;
		} else if (strcmp(o, "--allow-plaintext") == 0) {
			s.opt.allow_plaintext = 1;
		} else if (v == NULL) {
			return usage();
		} else if (strcmp(o, "--users") == 0) {
			s.opt.users = v;
			i++;
		} else if (strcmp(o, "--aliases") == 0) {
			s.opt.aliases = v;
			i++;
		} else if (strcmp(o, "--postmaster") == 0) {
			if (v[0] == '\0' || strlen(v) > SMTP_LOCAL_MAX)
				return usage();
			s.opt.postmaster = v;
			i++;
		} else if (strcmp(o, "--session-user") == 0) {
			if (v[0] == '\0')
				return usage();
			s.opt.session_user = v;
			i++;
		} else if (strcmp(o, "--relay-via") == 0) {
			s.opt.relay_via = v;
			i++;
		} else if (strcmp(o, "--hostname") == 0) {
			if (!valid_host(v))
				return usage();
			hostname = v;
			i++;
		} else if (strcmp(o, "--size") == 0) {
			if (str_to_u64z(v, SMTP_SIZE_CEILING, &size) < 0 || size == 0)
				return usage();
			i++;
		} else if (strcmp(o, "--domain") == 0) {
			if (s.opt.domains == NULL) {
				s.opt.domains = calloc((size_t)argc, sizeof *s.opt.domains);
				if (s.opt.domains == NULL)
					return EXIT_TEMP;
			}
			s.opt.domains[nd++] = v;
			i++;
		} else {
			return usage();
		}
	}
	s.opt.size = size;
	if (i < argc) {
		ck = calloc((size_t)(argc - i) + 2, sizeof *ck);
		if (ck == NULL) {
			log_fatal("out of memory");
			return EXIT_TEMP;
		}
		while (i < argc)
			ck[k++] = argv[i++];
		ck[k++] = SMTPD_POSTAUTH;
		ck[k] = NULL;
		s.opt.checkpw_argv = ck;
	}
	if (hostname != NULL) {
		str_lcpy(s.host, hostname, sizeof s.host);
	} else if (gethostname(s.host, sizeof s.host) < 0 || !valid_host(s.host)) {
		str_lcpy(s.host, "localhost", sizeof s.host);
	}
	s.host[sizeof s.host - 1] = '\0';
	/* Pinned for transcripts, in test builds only (lib/testhook.h). */
	s.test_date = testhook_getenv("SMTPD_TEST_DATE");
	if (peer_addr(s.peer, sizeof s.peer) == 0)
		str_lcpy(s.peer, "-", sizeof s.peer);
	s.tls = peer_tls();
	s.secure = s.opt.allow_plaintext || peer_secure();
	s.cmd_timeout_ms = SMTP_CMD_TIMEOUT_MS;
	s.data_timeout_ms = SMTP_DATA_TIMEOUT_MS;
	/* Shortened in test builds only: in any other, RFC 5321 4.5.3.2's minimums
	 * hold. */
	timeout = testhook_getenv("SMTPD_TEST_TIMEOUT_MS");
	s.opt.checkpw_timeout_ms = HELPER_CHECKPW_TIMEOUT_MS;
	if (timeout != NULL && str_to_u64z(timeout, SMTP_DATA_TIMEOUT_MS, &ms) == 0)
		s.cmd_timeout_ms = s.data_timeout_ms = s.opt.checkpw_timeout_ms = (int)ms;
	/* What needs root is done before the first byte from the client is read: the
	 * aliases are read, the helper forked, and we become --session-user (privsep.c). */
	smtp_aliases_load(&s);
	rc = smtp_privsep(&s);
	if (rc < 0) {
		smtp_privsep_end(&s);
		smtp_free(&s);
		free(ck);
		free(s.opt.domains);
		return rc == -2 ? EXIT_USAGE : EXIT_TEMP;
	}
	out_init(&s.out, 1, SMTP_WRITE_TIMEOUT_MS);
	line_init(&s.in, 0, s.cmd_timeout_ms);
	rc = smtp_main(&s);
	smtp_privsep_end(&s);
	if (s.spool >= 0)
		close(s.spool);
	smtp_free(&s);
	free(ck);
	free(s.opt.domains);
	return rc;
}
