/*
 * Change notification for IDLE, inotify and the mtime poll alike: a child delivers,
 * moves, flags, expunges, replaces or appends to dovecot-uidlist, replaces
 * dovecot-keywords or removes the folder after a delay, and the wait must say
 * "changed" within the bound (1 s with inotify, MAILDIR_WATCH_POLL_MS + 1 s polling);
 * unrelated writes (tmp/, Dovecot's index files) must let it time out; client input
 * wins. Every case runs in its own process, all at once, to keep the test short.
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

#include "io.h"
#include "maildir_watch.h"
#include "test.h"

#define ACT_DELAY_MS 200	/* the child acts after this */
#define WAIT_MS 5000		/* a wait that sees nothing fails at this */
#define INOTIFY_BOUND_MS 1000
#define POLL_BOUND_MS (MAILDIR_WATCH_POLL_MS + 1000)
#define MSG_CUR "1000.M1P1.host:2,S"
#define MSG_NEW "1001.M2P1.host"

enum action {
	A_DELIVER, A_TO_CUR, A_FLAG, A_EXPUNGE, A_EXPUNGE_NEW, A_UIDLIST_REPLACE,
	A_UIDLIST_APPEND, A_KEYWORDS, A_FOLDER_GONE, A_SAME_TICK, A_UNRELATED, A_INPUT,
	A_INPUT_FIRST, A_COUNT
};
static const char *const action_name[A_COUNT] = {
	"deliver into new/", "move new/ -> cur/", "flag change in cur/", "expunge in cur/",
	"expunge in new/", "dovecot-uidlist replaced", "dovecot-uidlist appended",
	"dovecot-keywords replaced", "folder removed", "change in the same tick as open",
	"unrelated writes: timeout", "client input", "input before a pending change",
};

static char root[256];

static void put(const char *dir, const char *name, const char *text, int flags)
{
	char p[512];
	int fd;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | flags, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		perror(p);
	close(fd);
}

static void path(char *out, size_t outsz, const char *dir, const char *a, const char *b)
{
	snprintf(out, outsz, "%s/%s/%s", dir, a, b);
}

/* A folder with one message in cur/ and one in new/; aged: every mtime 100 s old, so
 * a snapshot of it is trusted and only a real change can wake a polling wait. */
static void make_folder(const char *dir, int aged)
{
	static const char *const sub[] = { "", "/new", "/cur", "/tmp" };
	const struct timespec old[2] = { { time(NULL) - 100, 0 }, { time(NULL) - 100, 0 } };
	char p[512];

	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		snprintf(p, sizeof p, "%s%s", dir, sub[i]);
		mkdir(p, 0700);
	}
	snprintf(p, sizeof p, "%s/cur", dir);
	put(p, MSG_CUR, "Subject: a\n\nx\n", O_TRUNC);
	snprintf(p, sizeof p, "%s/new", dir);
	put(p, MSG_NEW, "Subject: b\n\ny\n", O_TRUNC);
	put(dir, "dovecot-uidlist", "3 V1 N3 G0\n1 :1000.M1P1.host\n2 :1001.M2P1.host\n", O_TRUNC);
	put(dir, "dovecot-keywords", "0 $Junk\n", O_TRUNC);
	if (!aged)
		return;
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
		snprintf(p, sizeof p, "%s%s", dir, sub[i]);
		utimensat(AT_FDCWD, p, old, 0);
	}
	snprintf(p, sizeof p, "%s/dovecot-uidlist", dir);
	utimensat(AT_FDCWD, p, old, 0);
	snprintf(p, sizeof p, "%s/dovecot-keywords", dir);
	utimensat(AT_FDCWD, p, old, 0);
}

static void act(enum action a, const char *dir, int pipe_w)
{
	char p[512], q[512];

	switch (a) {
	case A_DELIVER:
	case A_SAME_TICK:
	case A_INPUT_FIRST:
		path(p, sizeof p, dir, "tmp", "1002.M3P1.host");
		put(dir, "tmp/1002.M3P1.host", "Subject: c\n\nz\n", O_EXCL);
		path(q, sizeof q, dir, "new", "1002.M3P1.host");
		link(p, q);
		unlink(p);
		if (a == A_INPUT_FIRST && write(pipe_w, "DONE\r\n", 6) < 0)
			perror("write");
		break;
	case A_TO_CUR:
		path(p, sizeof p, dir, "new", MSG_NEW);
		path(q, sizeof q, dir, "cur", MSG_NEW ":2,");
		rename(p, q);
		break;
	case A_FLAG:
		path(p, sizeof p, dir, "cur", MSG_CUR);
		path(q, sizeof q, dir, "cur", "1000.M1P1.host:2,FS");
		rename(p, q);
		break;
	case A_EXPUNGE:
		path(p, sizeof p, dir, "cur", MSG_CUR);
		unlink(p);
		break;
	case A_EXPUNGE_NEW:
		path(p, sizeof p, dir, "new", MSG_NEW);
		unlink(p);
		break;
	case A_UIDLIST_REPLACE:
		put(dir, "dovecot-uidlist.tmp", "3 V1 N4 G0\n", O_TRUNC);
		snprintf(p, sizeof p, "%s/dovecot-uidlist.tmp", dir);
		snprintf(q, sizeof q, "%s/dovecot-uidlist", dir);
		rename(p, q);
		break;
	case A_UIDLIST_APPEND:
		put(dir, "dovecot-uidlist", "3 :1002.M3P1.host\n", O_APPEND);
		break;
	case A_KEYWORDS:
		put(dir, "dovecot-keywords.tmp", "0 $Junk\n1 Work\n", O_TRUNC);
		snprintf(p, sizeof p, "%s/dovecot-keywords.tmp", dir);
		snprintf(q, sizeof q, "%s/dovecot-keywords", dir);
		rename(p, q);
		break;
	case A_FOLDER_GONE:
		snprintf(p, sizeof p, "%s.gone", dir);
		rename(dir, p);
		break;
	case A_UNRELATED:
		/* What Dovecot and a delivery in progress do without changing messages. */
		put(dir, "dovecot.index.log", "x", O_TRUNC);
		put(dir, "dovecot-uidlist.lock", "1:host\n", O_EXCL);
		put(dir, "tmp/1003.M4P1.host", "partial", O_EXCL);
		break;
	case A_INPUT:
		if (write(pipe_w, "DONE\r\n", 6) < 0)
			perror("write");
		break;
	case A_COUNT:
		break;
	}
}

/* One case in this process: 0 when it behaved, 1 (with a message) when not. */
static int run_case(enum action a, int force_poll)
{
	struct maildir_watch *w;
	char dir[300];
	int pfd[2], r, r2, fail = 0, want = MAILDIR_WATCH_CHANGED;
	int bound = force_poll ? POLL_BOUND_MS : INOTIFY_BOUND_MS, delay = ACT_DELAY_MS;
	int wait_ms = WAIT_MS, use_fd = a == A_INPUT || a == A_INPUT_FIRST;
	long long t0, ms;
	pid_t pid;

	snprintf(dir, sizeof dir, "%s/%d-%d", root, (int)a, force_poll);
	make_folder(dir, a != A_SAME_TICK);
	if (a == A_SAME_TICK) {
		delay = 0;
		bound = force_poll ? POLL_BOUND_MS + MAILDIR_WATCH_MTIME_SLACK_SEC * 1000 :
			INOTIFY_BOUND_MS;
	}
	if (a == A_UNRELATED) {
		want = MAILDIR_WATCH_TIMEOUT;
		wait_ms = 1500;
		bound = wait_ms + 1000;
	}
	if (a == A_INPUT)
		want = MAILDIR_WATCH_INPUT;
	if (pipe(pfd) < 0 ||
	    maildir_watch_open_flags(&w, dir, force_poll ? MAILDIR_WATCH_FORCE_POLL : 0) < 0) {
		perror("setup");
		return 1;
	}
#ifdef __linux__
	if (maildir_watch_polling(w) != force_poll) {
		fprintf(stderr, "polling %d, expected %d\n", maildir_watch_polling(w), force_poll);
		fail = 1;
	}
#endif
	pid = fork();
	if (pid == 0) {
		struct timespec ts = { delay / 1000, (long)(delay % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		act(a, dir, pfd[1]);
		_exit(0);
	}
	if (a == A_INPUT_FIRST) {
		/* Both the change and the input are there before the wait starts. */
		waitpid(pid, NULL, 0);
		pid = -1;
		r = maildir_watch_wait(w, pfd[0], WAIT_MS);
		r2 = maildir_watch_wait(w, -1, WAIT_MS);
		if (r != MAILDIR_WATCH_INPUT || r2 != MAILDIR_WATCH_CHANGED) {
			fprintf(stderr, "got %d then %d, expected input then changed\n", r, r2);
			fail = 1;
		}
		goto out;
	}
	t0 = io_now_ms();
	r = maildir_watch_wait(w, use_fd ? pfd[0] : -1, wait_ms);
	ms = io_now_ms() - t0;
	if (r != want || ms > bound) {
		fprintf(stderr, "got %d after %lld ms, expected %d within %d ms\n", r, ms, want,
			bound);
		fail = 1;
	}
	if (want == MAILDIR_WATCH_TIMEOUT && ms < wait_ms - 50) {
		fprintf(stderr, "timeout after %lld ms, asked for %d\n", ms, wait_ms);
		fail = 1;
	}
	/* Once told, quiet again: no wake-up loop on the same change. Polling may wake
	 * once more when the fresh mtime's slack runs out, but never at once. */
	if (want == MAILDIR_WATCH_CHANGED && a != A_FOLDER_GONE && a != A_SAME_TICK) {
		t0 = io_now_ms();
		r = maildir_watch_wait(w, -1, 300);
		ms = io_now_ms() - t0;
		if (r != MAILDIR_WATCH_TIMEOUT && (!force_poll || ms < 100)) {
			fprintf(stderr, "second wait: %d after %lld ms, expected a timeout\n", r, ms);
			fail = 1;
		}
	}
out:
	if (pid > 0)
		waitpid(pid, NULL, 0);
	maildir_watch_close(w);
	close(pfd[0]);
	close(pfd[1]);
	return fail;
}

static void test_cases(int force_poll)
{
	pid_t pid[A_COUNT];

	test_begin(force_poll ? "watch: polling" : "watch: inotify (or the platform's way)");
	for (int a = 0; a < A_COUNT; a++) {
		pid[a] = fork();
		if (pid[a] == 0)
			_exit(run_case((enum action)a, force_poll));
	}
	for (int a = 0; a < A_COUNT; a++) {
		int st = 1;

		if (pid[a] < 0 || waitpid(pid[a], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0) {
			fprintf(stderr, "FAIL %s: %s\n", force_poll ? "poll" : "inotify",
				action_name[a]);
			test_assert(!"case failed");
		}
	}
	test_end();
}

static void test_inotify(void)
{
	test_cases(0);
}

static void test_poll(void)
{
	test_cases(1);
}

static void test_errors(void)
{
	struct maildir_watch *w = (struct maildir_watch *)&w;
	char dir[300];

	test_begin("watch: open errors, timeout 0");
	snprintf(dir, sizeof dir, "%s/none", root);
	test_assert(maildir_watch_open(&w, dir) == -1 && errno == ENOENT && w == NULL);
	snprintf(dir, sizeof dir, "%s/nocur", root);
	mkdir(dir, 0700);
	put(dir, "new", "", O_TRUNC);
	test_assert(maildir_watch_open(&w, dir) == -1 && errno == ENOTDIR);
	snprintf(dir, sizeof dir, "%s/ok", root);
	make_folder(dir, 1);
	test_assert(maildir_watch_open(&w, dir) == 0);
	test_assert(maildir_watch_wait(w, -1, 0) == MAILDIR_WATCH_TIMEOUT);
	maildir_watch_close(w);
	maildir_watch_close(NULL);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = { test_errors, test_inotify, test_poll, NULL };
	int r;

	signal(SIGPIPE, SIG_IGN);
	test_tmpdir("test_watch", root, sizeof root);
	r = test_run(tests);
	test_rm_rf(root);
	return r;
}
