/*
 * Crash safety: a process that delivers and assigns UIDs is killed with SIGKILL at a
 * random moment, ROUNDS times. After each kill new/ and cur/ hold only complete
 * messages (every file ends with its trailer and matches its ,S= size), and the
 * uidlist still parses with UIDVALIDITY unchanged. A lock left by a killed process must
 * not stop the next one for long.
 *
 * usage: stress_crash DIR [ROUNDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "maildir_box.h"
#include "maildir_deliver.h"
#include "maildir_name.h"
#include "maildir_scan.h"
#include "maildir_uidlist.h"

#define TRAILER "\nEND OF MESSAGE\n"
#define BODY_MAX (256 * 1024)

static const char *dir;

static void die(const char *what)
{
	fprintf(stderr, "stress_crash[%d]: %s: %s\n", (int)getpid(), what, strerror(errno));
	_exit(1);
}

/* Deliver messages of random size, written in pieces, and sync UIDs, for ever. */
static void victim(unsigned seed)
{
	static char body[BODY_MAX];

	memset(body, 'x', sizeof body);
	for (int i = 0;; i++) {
		struct maildir_tmp t;
		char name[MAILDIR_NAME_MAX + 1];
		size_t len = (size_t)rand_r(&seed) % BODY_MAX, off = 0;

		if (maildir_tmp_open(&t, dir) < 0)
			die("open");
		while (off < len) {
			size_t n = len - off < 4096 ? len - off : 4096;
			if (maildir_tmp_write(&t, body, n) < 0)
				die("write");
			off += n;
		}
		if (maildir_tmp_write(&t, TRAILER, strlen(TRAILER)) < 0 ||
		    maildir_tmp_commit(&t, "new", 0, 0, name, sizeof name) < 0)
			die("commit");
		if (i % 3 == 0) {
			struct maildir_box *b;
			if (maildir_box_open(&b, dir) < 0)
				die("box");
			if (maildir_box_count(b) > 0)
				maildir_box_set_flags(b, (size_t)rand_r(&seed) % maildir_box_count(b),
						      MAILDIR_F_SEEN, 0);
			maildir_box_close(b);
		}
	}
}

static int check_file(const char *sub, const char *name)
{
	char path[PATH_MAX], tail[sizeof TRAILER];
	struct maildir_name mn;
	struct stat st;
	int fd, bad = 0;
	size_t tl = strlen(TRAILER);

	snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
	if ((fd = open(path, O_RDONLY)) < 0)
		die(path);
	if (fstat(fd, &st) < 0 || maildir_name_parse(name, &mn) < 0)
		die(path);
	if (mn.size != (uint64_t)st.st_size) {
		fprintf(stderr, "%s: size %lld, name says %llu\n", path, (long long)st.st_size,
			(unsigned long long)mn.size);
		bad = 1;
	} else if ((size_t)st.st_size < tl ||
		   pread(fd, tail, tl, st.st_size - (off_t)tl) != (ssize_t)tl ||
		   memcmp(tail, TRAILER, tl) != 0) {
		fprintf(stderr, "%s: partial message\n", path);
		bad = 1;
	}
	close(fd);
	return bad;
}

int main(int argc, char **argv)
{
	int rounds = 200, bad = 0;
	unsigned seed = (unsigned)time(NULL);
	struct maildir_box *b;
	uint32_t v0;
	size_t files = 0;

	if (argc < 2)
		return 2;
	dir = argv[1];
	if (argc > 2)
		rounds = atoi(argv[2]);
	if (maildir_make(dir) < 0 || maildir_box_open(&b, dir) < 0)
		die("setup");
	v0 = maildir_box_uidvalidity(b);
	maildir_box_close(b);
	printf("seed %u\n", seed);

	for (int r = 0; r < rounds && !bad; r++) {
		struct maildir_list l = { 0 };
		struct maildir_uidlist u = { 0 };
		struct timespec ts = { 0, (long)(1 + rand_r(&seed) % 15) * 1000000L };
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0)
			victim(seed + (unsigned)r);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);

		if (maildir_scan(dir, &l) < 0)
			die("scan");
		for (size_t i = 0; i < l.n; i++)
			bad |= check_file(l.v[i].in_new ? "new" : "cur", l.v[i].name);
		files = l.n;
		maildir_list_free(&l);
		if (maildir_uidlist_read(dir, &u) < 0) {
			fprintf(stderr, "round %d: uidlist does not parse: %s\n", r, strerror(errno));
			bad = 1;
		} else if (u.uidvalidity != v0) {
			fprintf(stderr, "round %d: UIDVALIDITY changed\n", r);
			bad = 1;
		}
		maildir_uidlist_free(&u);
	}
	/* Whatever the kills left, a sync gives every message a UID. */
	if (!bad) {
		if (maildir_box_open(&b, dir) < 0)
			die("final open");
		if (maildir_box_count(b) != files || maildir_box_uidvalidity(b) != v0) {
			fprintf(stderr, "final view has %zu of %zu messages\n", maildir_box_count(b), files);
			bad = 1;
		}
		maildir_box_close(b);
	}
	printf("%d rounds, %zu complete messages, %s\n", rounds, files, bad ? "FAIL" : "ok");
	return bad;
}
