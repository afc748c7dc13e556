/*
 * Concurrency: 4 processes deliver 2,000 messages in all while 2 processes change flags
 * and 2 processes assign and read UIDs, all on one Maildir. Afterwards every message is
 * present exactly once, every UID is unique and increasing, UIDVALIDITY is unchanged,
 * and no process ever saw a message under two UIDs or a UID on two messages.
 *
 * usage: stress_concurrent DIR [MESSAGES]
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maildir_box.h"
#include "maildir_deliver.h"
#include "maildir_name.h"

#define DELIVERERS 4
#define FLAGGERS 2
#define READERS 2

static const char *dir;
static int total = 2000;

static void die(const char *what)
{
	fprintf(stderr, "stress_concurrent[%d]: %s: %s\n", (int)getpid(), what,
		strerror(errno));
	_exit(1);
}

static void deliverer(int p)
{
	for (int i = 0; i < total / DELIVERERS; i++) {
		struct maildir_tmp t;
		char body[128], name[MAILDIR_NAME_MAX + 1];
		int n = snprintf(body, sizeof body, "Subject: %d/%d\n\nmessage %d %d\n", p, i, p, i);

		if (maildir_tmp_open(&t, dir) < 0 || maildir_tmp_write(&t, body, (size_t)n) < 0 ||
		    maildir_tmp_commit(&t, "new", 0, 0, name, sizeof name) < 0)
			die("deliver");
	}
	_exit(0);
}

static int done(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/../delivered", dir);
	return access(path, F_OK) == 0;
}

static void flagger(int p)
{
	unsigned seed = (unsigned)getpid();
	long changes = 0;

	while (!done() || changes == 0) {
		struct maildir_box *b;
		if (maildir_box_open(&b, dir) < 0)
			die("flagger open");
		for (int k = 0; k < 20 && maildir_box_count(b) > 0; k++) {
			size_t i = (size_t)rand_r(&seed) % maildir_box_count(b);
			uint32_t f = maildir_box_msg(b, i)->flags ^ (p ? MAILDIR_F_FLAGGED : MAILDIR_F_SEEN);
			if (maildir_box_set_flags(b, i, f, maildir_box_msg(b, i)->keywords) < 0)
				die("set flags");	/* nothing is expunged here: ENOENT is a bug */
			changes++;
		}
		maildir_box_close(b);
	}
	_exit(0);
}

/* Log every (uid, base) seen; the parent checks them against the final state. */
static void reader(int p)
{
	char path[PATH_MAX];
	FILE *log;
	uint32_t v0 = 0;

	snprintf(path, sizeof path, "%s/../seen.%d", dir, p);
	if ((log = fopen(path, "w")) == NULL)
		die("reader log");
	do {
		struct maildir_box *b;
		if (maildir_box_open(&b, dir) < 0)
			die("reader open");
		if (v0 == 0)
			v0 = maildir_box_uidvalidity(b);
		if (maildir_box_uidvalidity(b) != v0) {
			fprintf(stderr, "UIDVALIDITY changed from %u to %u\n", v0, maildir_box_uidvalidity(b));
			_exit(1);
		}
		for (size_t i = 0; i < maildir_box_count(b); i++) {
			struct maildir_name mn;
			if (i > 0 && maildir_box_msg(b, i)->uid <= maildir_box_msg(b, i - 1)->uid) {
				fprintf(stderr, "UIDs not increasing at %zu\n", i);
				_exit(1);
			}
			if (maildir_name_parse(maildir_box_msg(b, i)->name, &mn) < 0)
				die("bad name in view");
			fprintf(log, "%u %.*s\n", maildir_box_msg(b, i)->uid, (int)mn.base_len, maildir_box_msg(b, i)->name);
		}
		maildir_box_close(b);
	} while (!done());
	if (fclose(log) != 0)
		die("reader log close");
	_exit(0);
}

static pid_t spawn(void (*fn)(int), int p)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0)
		fn(p);
	return pid;
}

static int wait_all(pid_t *pids, int n)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		int st;
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	return bad;
}

/* The final check: bodies unique and complete, UIDs increasing, sightings agree. */
static int verify(uint32_t v0)
{
	struct maildir_box *b;
	char *seen_body = calloc((size_t)total, 1);
	int bad = 0;

	if (seen_body == NULL || maildir_box_open(&b, dir) < 0)
		die("final open");
	if (maildir_box_uidvalidity(b) != v0) {
		fprintf(stderr, "UIDVALIDITY %u, was %u\n", maildir_box_uidvalidity(b), v0);
		bad++;
	}
	if (maildir_box_count(b) != (size_t)total) {
		fprintf(stderr, "%zu messages, want %d\n", maildir_box_count(b), total);
		bad++;
	}
	for (size_t i = 0; i < maildir_box_count(b); i++) {
		char path[PATH_MAX], buf[256];
		int p, k, fd, n;
		if (i > 0 && maildir_box_msg(b, i)->uid <= maildir_box_msg(b, i - 1)->uid) {
			fprintf(stderr, "UID %u after %u\n", maildir_box_msg(b, i)->uid, maildir_box_msg(b, i - 1)->uid);
			bad++;
		}
		snprintf(path, sizeof path, "%s/%s/%s", dir, maildir_box_msg(b, i)->in_new ? "new" : "cur",
			 maildir_box_msg(b, i)->name);
		if ((fd = open(path, O_RDONLY)) < 0)
			die(path);
		n = (int)read(fd, buf, sizeof buf - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if (sscanf(buf, "Subject: %d/%d", &p, &k) != 2 || p < 0 || p >= DELIVERERS ||
		    k < 0 || k >= total / DELIVERERS || seen_body[p * (total / DELIVERERS) + k]++) {
			fprintf(stderr, "bad or duplicate message %s\n", path);
			bad++;
		}
	}
	/* Every sighting of a reader names the UID the message has now. */
	for (int r = 0; r < READERS; r++) {
		char path[PATH_MAX], base[MAILDIR_NAME_MAX + 1];
		unsigned uid;
		FILE *f;
		long lines = 0;
		snprintf(path, sizeof path, "%s/../seen.%d", dir, r);
		if ((f = fopen(path, "r")) == NULL)
			die(path);
		while (fscanf(f, "%u %255s", &uid, base) == 2) {
			long i = maildir_box_find(b, uid);
			lines++;
			if (i < 0 || strncmp(maildir_box_msg(b, i)->name, base, strlen(base)) != 0) {
				fprintf(stderr, "reader %d saw UID %u on %s, now %s\n", r, uid, base,
					i < 0 ? "nothing" : maildir_box_msg(b, i)->name);
				bad++;
				break;
			}
		}
		fclose(f);
		printf("reader %d: %ld sightings checked\n", r, lines);
	}
	printf("%zu messages, UIDs %u..%u, UIDVALIDITY %u\n", maildir_box_count(b), maildir_box_count(b) ? maildir_box_msg(b, 0)->uid : 0,
	       maildir_box_count(b) ? maildir_box_msg(b, maildir_box_count(b) - 1)->uid : 0, maildir_box_uidvalidity(b));
	maildir_box_close(b);
	free(seen_body);
	return bad;
}

int main(int argc, char **argv)
{
	pid_t workers[DELIVERERS], others[FLAGGERS + READERS];
	struct maildir_box *b;
	char path[PATH_MAX];
	uint32_t v0;
	int bad, fd;

	if (argc < 2)
		return 2;
	dir = argv[1];
	if (argc > 2)
		total = atoi(argv[2]) / DELIVERERS * DELIVERERS;
	if (maildir_make(dir) < 0 || maildir_box_open(&b, dir) < 0)
		die("setup");
	v0 = maildir_box_uidvalidity(b);
	maildir_box_close(b);

	for (int i = 0; i < FLAGGERS; i++)
		others[i] = spawn(flagger, i);
	for (int i = 0; i < READERS; i++)
		others[FLAGGERS + i] = spawn(reader, i);
	for (int i = 0; i < DELIVERERS; i++)
		workers[i] = spawn(deliverer, i);
	bad = wait_all(workers, DELIVERERS);
	snprintf(path, sizeof path, "%s/../delivered", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) < 0)
		die(path);
	close(fd);
	bad += wait_all(others, FLAGGERS + READERS);
	if (bad > 0)
		fprintf(stderr, "%d worker processes failed\n", bad);
	bad += verify(v0);
	printf("%s\n", bad ? "FAIL" : "ok");
	return bad ? 1 : 0;
}
