/*
 * checkpassword-file: a checkpassword-compatible login checker over a Dovecot-style
 * passwd-file (cr.yp.to/checkpwd/interface.html). The daemon runs
 *   checkpassword-file USERSFILE PROG [ARGS...]
 * with user\0password\0timestamp\0 on fd 3; on success this becomes the user (uid, gid,
 * USER, HOME, SHELL, cwd HOME) and execs PROG, else it exits 1 (bad credentials, after
 * a fixed delay) or 111 (temporary failure), or 2 when misused.
 *
 * Design rationale: the checker is the only code that may run as root, so it does as
 * little as it can before dropping privileges, refuses to hand out uid 0, and never
 * logs a password or a hash. Unknown users and clear-text entries cost one crypt(3)
 * call like every other attempt, so timing does not tell which user names exist.
 */
/* setgroups(2) is outside POSIX but on every Unix; glibc and musl show it only here. */
#define _DEFAULT_SOURCE

#include "pwcheck.h"
#include "users.h"

#include "log.h"
#include "str.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PROG_NAME "checkpassword-file"
/* The interface: "There must be at most 512 bytes of data before end of file." */
#define CHECKPW_INPUT_MAX 512
#define CHECKPW_FD 3
/* Exit codes of the interface: bad password, misuse, temporary problem. */
#define EXIT_BAD 1
#define EXIT_USAGE 2
#define EXIT_TEMP 111
/* The pause before reporting bad credentials, against online guessing; tests set it
 * through the environment variable of the same name. */
#define CHECKPW_FAIL_DELAY_MS 1000
#define CHECKPW_FAIL_DELAY_MAX_MS 60000
#define URANDOM "/dev/urandom"

struct creds {
	const char *user, *pass, *timestamp;
};

/* The fd 3 data; static so that it can be wiped before exec whatever path is taken. */
static char input[CHECKPW_INPUT_MAX + 1];

static int usage(void)
{
	fputs("usage: " PROG_NAME " USERSFILE PROG [ARGS...]\n"
	      "       " PROG_NAME " --hash < password\n", stderr);
	return EXIT_USAGE;
}

static unsigned fail_delay_ms(void)
{
	const char *v = getenv("CHECKPW_FAIL_DELAY_MS");
	uint64_t ms;

	if (v == NULL)
		return CHECKPW_FAIL_DELAY_MS;
	if (str_to_u64z(v, CHECKPW_FAIL_DELAY_MAX_MS, &ms) < 0) {
		log_warn("CHECKPW_FAIL_DELAY_MS is not a number of at most %d; using %d",
			 CHECKPW_FAIL_DELAY_MAX_MS, CHECKPW_FAIL_DELAY_MS);
		return CHECKPW_FAIL_DELAY_MS;
	}
	return (unsigned)ms;
}

static int bad_login(unsigned delay_ms)
{
	struct timespec ts = { (time_t)(delay_ms / 1000), (long)(delay_ms % 1000) * 1000000L };

	wipe(input, sizeof input);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return EXIT_BAD;
}

/*
 * Read fd 3 through end of file and close it, as the interface requires. Returns 0 with
 * c filled, EXIT_TEMP when fd 3 cannot be read, EXIT_BAD for more than 512 bytes (what
 * checkpassword itself answers), EXIT_USAGE when the three fields are not there.
 */
static int creds_read(struct creds *c)
{
	const char *f[3];
	size_t len = 0, i, n = 0, start = 0;

	for (;;) {
		ssize_t r = read(CHECKPW_FD, input + len, sizeof input - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			log_fatal("cannot read the credentials on fd %d: %s", CHECKPW_FD,
				  strerror(errno));
			return EXIT_TEMP;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > CHECKPW_INPUT_MAX) {
			close(CHECKPW_FD);
			log_warn("more than %d bytes of credentials on fd %d", CHECKPW_INPUT_MAX,
				 CHECKPW_FD);
			return EXIT_BAD;
		}
	}
	close(CHECKPW_FD);
	for (i = 0; i < len && n < 3; i++) {
		if (input[i] == '\0') {
			f[n++] = input + start;
			start = i + 1;
		}
	}
	if (n < 3) {
		log_fatal("fd %d does not hold three NUL-terminated fields"
			  " (user, password, timestamp)", CHECKPW_FD);
		return EXIT_USAGE;
	}
	c->user = f[0];
	c->pass = f[1];
	c->timestamp = f[2];
	return 0;
}

/*
 * Take on the entry's identity. As root: the entry's gid as the only group, then the
 * uid, and a check that root cannot be regained. Otherwise nothing can change, so the
 * entry must be the invoking user. 0, or -1 after logging.
 */
static int become_user(const struct pwent *e)
{
	if (geteuid() == 0) {
		if (setgroups(1, &e->gid) < 0 || setgid(e->gid) < 0 || setuid(e->uid) < 0) {
			log_fatal("cannot switch to uid %lu gid %lu: %s", (unsigned long)e->uid,
				  (unsigned long)e->gid, strerror(errno));
			return -1;
		}
		if (getuid() != e->uid || geteuid() != e->uid || setuid(0) == 0)
			abort();
		return 0;
	}
	if (getuid() != e->uid || geteuid() != e->uid) {
		log_fatal("cannot switch to uid %lu: not running as root",
			  (unsigned long)e->uid);
		return -1;
	}
	return 0;
}

/* A password line from stdin, echo off when it is a terminal. 0, or -1 after logging. */
static int hash_read_password(char *pass, size_t passsz)
{
	struct termios old, quiet;
	int tty = isatty(0) && tcgetattr(0, &old) == 0;
	size_t len;
	char *got;

	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		fputs("Password: ", stderr);
		(void)tcsetattr(0, TCSAFLUSH, &quiet);
	}
	got = fgets(pass, (int)passsz, stdin);
	if (tty) {
		(void)tcsetattr(0, TCSAFLUSH, &old);
		fputs("\n", stderr);
	}
	if (got == NULL) {
		log_fatal("no password on standard input");
		return -1;
	}
	len = strlen(pass);
	if (len > 0 && pass[len - 1] == '\n')
		pass[--len] = '\0';
	else if (!feof(stdin)) {
		log_fatal("password longer than %d bytes", CHECKPW_INPUT_MAX);
		return -1;
	}
	if (len > 0 && pass[len - 1] == '\r')
		pass[--len] = '\0';
	if (len == 0) {
		log_fatal("empty password");
		return -1;
	}
	return 0;
}

/* --hash: print a {SHA512-CRYPT} users-file secret for the password on stdin. */
static int hash_main(void)
{
	char pass[CHECKPW_INPUT_MAX + 2], out[PW_HASH_MAX];
	unsigned char rnd[PW_SALT_LEN];
	size_t got = 0;
	int fd, ret = EXIT_TEMP;

	if (hash_read_password(pass, sizeof pass) < 0) {
		ret = EXIT_USAGE;
		goto out;
	}
	fd = open(URANDOM, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_fatal("cannot open %s: %s", URANDOM, strerror(errno));
		goto out;
	}
	while (got < sizeof rnd) {
		ssize_t r = read(fd, rnd + got, sizeof rnd - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			log_fatal("cannot read %s: %s", URANDOM, r < 0 ? strerror(errno) : "EOF");
			close(fd);
			goto out;
		}
		got += (size_t)r;
	}
	close(fd);
	if (pw_make(pass, rnd, out, sizeof out) < 0) {
		log_fatal("crypt(3) cannot make a SHA512-CRYPT hash: %s", strerror(errno));
		goto out;
	}
	if (printf("%s\n", out) < 0 || fflush(stdout) != 0) {
		log_fatal("cannot write the hash: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	wipe(pass, sizeof pass);
	wipe(rnd, sizeof rnd);
	return ret;
}

static int set_env(const struct pwent *e)
{
	if (setenv("USER", e->user, 1) < 0 || setenv("HOME", e->home, 1) < 0 ||
	    (e->shell != NULL && setenv("SHELL", e->shell, 1) < 0)) {
		log_fatal("cannot set the environment: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *path;
	char dummy[PW_HASH_MAX];
	struct pw_check chk;
	struct creds cr;
	struct pwent e;
	unsigned delay;
	int r, ok;

	log_init(PROG_NAME);
	if (argc == 2 && strcmp(argv[1], "--hash") == 0)
		return hash_main();
	if (argc < 3 || argv[1][0] == '-')
		return usage();
	path = argv[1];
	delay = fail_delay_ms();
	r = creds_read(&cr);
	if (r == EXIT_BAD)
		return bad_login(delay);
	if (r != 0)
		return r;

	r = users_lookup(path, cr.user, &e, dummy, sizeof dummy);
	if (r < 0) {
		log_fatal("cannot read %s: %s", path, strerror(errno));
		wipe(input, sizeof input);
		return EXIT_TEMP;
	}
	if (r == 0) {
		pw_burn(cr.pass, dummy[0] != '\0' ? dummy : PW_DUMMY_SETTING);
		log_info("login failed: unknown user %s from %s", cr.user, log_peer());
		return bad_login(delay);
	}
	ok = pw_verify(e.secret, cr.pass, cr.timestamp, &chk);
	if (!chk.crypt_spent)
		pw_burn(cr.pass, PW_DUMMY_SETTING);
	wipe(input, sizeof input);
	if (chk.plain)
		log_warn("%s: line %lu: user %s has a clear-text password;"
			 " store a hash from " PROG_NAME " --hash instead", path, e.lineno, e.user);
	if (chk.problem != NULL)
		log_warn("%s: line %lu: user %s: %s", path, e.lineno, e.user, chk.problem);
	if (!ok) {
		log_info("login failed: wrong password for %s from %s%s", e.user, log_peer(),
			 chk.apop_needs_plain ? " (APOP works only with a {PLAIN} secret)" : "");
		pwent_free(&e);
		return bad_login(delay);
	}
	if (e.uid == 0) {
		log_warn("%s: line %lu: user %s has uid 0; refusing to run anything as root",
			 path, e.lineno, e.user);
		pwent_free(&e);
		return bad_login(delay);
	}
	if (become_user(&e) < 0 || set_env(&e) < 0)
		goto temp;
	if (chdir(e.home) < 0) {
		log_fatal("cannot chdir to %s: %s", e.home, strerror(errno));
		goto temp;
	}
	pwent_free(&e);
	execvp(argv[2], argv + 2);
	log_fatal("cannot run %s: %s", argv[2], strerror(errno));
	return EXIT_TEMP;
temp:
	pwent_free(&e);
	return EXIT_TEMP;
}
