/*
 * The dovecot-uidlist dotlock: taking and releasing, a second taker timing out, a stale
 * lock taken over, mutual exclusion between processes (a counter incremented under the
 * lock by four processes ends exactly right), and the atomic file replacement.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "maildir_lock.h"
#include "test.h"

#define COUNTER_PROCS 4
#define COUNTER_ROUNDS 200

static char dir[512], base[600];

static int setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/test_lock.XXXXXX", t != NULL && *t ? t : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(base, sizeof base, "%s/dovecot-uidlist", dir);
	return 0;
}

/* Number of entries in dir (no leftovers expected). */
static int count_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	if (d != NULL)
		closedir(d);
	return n;
}

static void cleanup(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[1200];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_take_release(void)
{
	struct maildir_lock l = { { 0 } }, l2 = { { 0 } };
	char want[1200], got[64];
	struct stat st;
	int fd;
	ssize_t n;

	test_begin("lock take and release");
	test_assert(maildir_lock_take(&l, base, 1) == 0);
	snprintf(want, sizeof want, "%s.lock", base);
	test_assert_str(l.path, want);
	test_assert(stat(want, &st) == 0 && st.st_nlink == 1);
	/* The holder is written for people to read: "<pid>:<host>". */
	fd = open(want, O_RDONLY);
	n = fd >= 0 ? read(fd, got, sizeof got - 1) : -1;
	if (fd >= 0)
		close(fd);
	got[n > 0 ? n : 0] = '\0';
	test_assert(strtol(got, NULL, 10) == (long)getpid() && strchr(got, ':') != NULL);
	test_assert(count_files() == 1);
	/* Not re-entrant: a second take in the same process waits like any other. */
	errno = 0;
	test_assert(maildir_lock_take(&l2, base, 0) == -1 && errno == EWOULDBLOCK);
	test_assert(l2.path[0] == '\0');
	test_assert(maildir_lock_touch(&l) == 0);
	test_assert(maildir_lock_release(&l) == 0);
	test_assert(l.path[0] == '\0' && access(want, F_OK) == -1 && errno == ENOENT);
	test_assert(maildir_lock_release(&l) == 0);
	test_assert(maildir_lock_touch(&l) == -1 && errno == EINVAL);
	test_assert(count_files() == 0);
	errno = 0;
	test_assert(maildir_lock_take(&l, "/nonexistent-dir-xyz/dovecot-uidlist", 1) == -1 &&
		    errno == ENOENT);
	test_end();
}

static void test_second_taker(void)
{
	struct maildir_lock l = { { 0 } };
	int status = -1;
	pid_t pid;

	test_begin("lock second taker times out");
	test_assert(maildir_lock_take(&l, base, 1) == 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct maildir_lock c = { { 0 } };
		double t0 = now_sec(), dt;
		int r = maildir_lock_take(&c, base, 1);

		dt = now_sec() - t0;
		_exit(r == -1 && errno == EWOULDBLOCK && dt >= 0.9 && dt < 3 ? 0 : 1);
	}
	test_assert(pid > 0);
	if (pid > 0)
		test_assert(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0);
	test_assert(maildir_lock_release(&l) == 0);
	test_assert(count_files() == 0);
	test_end();
}

static void test_stale(void)
{
	struct maildir_lock l = { { 0 } };
	struct timespec ts[2];
	char lock[1200];
	double t0;
	int fd;

	test_begin("lock stale takeover");
	snprintf(lock, sizeof lock, "%s.lock", base);
	fd = open(lock, O_WRONLY | O_CREAT | O_EXCL, 0600);
	test_assert(fd >= 0);
	if (fd >= 0) {
		test_assert(write(fd, "1:elsewhere\n", 12) == 12);
		close(fd);
	}
	/* Fresh: not taken. */
	test_assert(maildir_lock_take(&l, base, 0) == -1 && errno == EWOULDBLOCK);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 200;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	test_assert(utimensat(AT_FDCWD, lock, ts, 0) == 0);
	t0 = now_sec();
	test_assert(maildir_lock_take(&l, base, 1) == 0);
	test_assert(now_sec() - t0 < 0.5);

	/* Ours was then taken over (we looked stale): release leaves the new one. */
	test_assert(unlink(lock) == 0);
	fd = open(lock, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd >= 0) {
		test_assert(write(fd, "2:elsewhere\n", 12) == 12);
		close(fd);
	}
	test_assert(maildir_lock_touch(&l) == -1 && errno == ENOENT);
	test_assert(maildir_lock_release(&l) == 0);
	test_assert(access(lock, F_OK) == 0);
	unlink(lock);
	test_assert(count_files() == 0);
	test_end();
}

static void test_dead_holder(void)
{
	struct maildir_lock l = { { 0 } };
	char lock[1200];
	int status = -1;
	double t0;
	pid_t pid;

	test_begin("lock of a dead local process taken at once");
	snprintf(lock, sizeof lock, "%s.lock", base);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct maildir_lock c = { { 0 } };
		_exit(maildir_lock_take(&c, base, 1) == 0 ? 0 : 1);	/* dies holding it */
	}
	test_assert(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0);
	test_assert(access(lock, F_OK) == 0);
	t0 = now_sec();
	test_assert(maildir_lock_take(&l, base, 0) == 0);
	test_assert(now_sec() - t0 < 0.5);
	test_assert(maildir_lock_release(&l) == 0);
	test_assert(count_files() == 0);
	test_end();
}

/* One child: COUNTER_ROUNDS read-increment-write cycles of the counter, each under the
 * lock, with a pause inside to widen the window a missing exclusion would show in. */
static int counter_child(const char *counter)
{
	for (int i = 0; i < COUNTER_ROUNDS; i++) {
		struct maildir_lock l = { { 0 } };
		char buf[32];
		ssize_t n;
		long v;
		int fd, len;

		if (maildir_lock_take(&l, base, 30) < 0)
			return 1;
		fd = open(counter, O_RDWR);
		if (fd < 0)
			return 1;
		n = pread(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		v = strtol(buf, NULL, 10);
		if (i % 16 == 0)
			sched_yield();
		len = snprintf(buf, sizeof buf, "%ld\n", v + 1);
		if (pwrite(fd, buf, (size_t)len, 0) != len || close(fd) < 0)
			return 1;
		if (maildir_lock_release(&l) < 0)
			return 1;
	}
	return 0;
}

static void test_exclusion(void)
{
	char counter[1200], buf[32];
	pid_t pids[COUNTER_PROCS];
	int fd, ok = 1;
	ssize_t n;

	test_begin("lock mutual exclusion across processes");
	snprintf(counter, sizeof counter, "%s/counter", dir);
	fd = open(counter, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	test_assert(fd >= 0 && write(fd, "0\n", 2) == 2);
	if (fd >= 0)
		close(fd);
	fflush(NULL);
	for (int i = 0; i < COUNTER_PROCS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(counter_child(counter));
	}
	for (int i = 0; i < COUNTER_PROCS; i++) {
		int status = -1;

		if (pids[i] < 0 || waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			ok = 0;
	}
	test_assert(ok);
	fd = open(counter, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	test_assert(strtol(buf, NULL, 10) == COUNTER_PROCS * COUNTER_ROUNDS);
	unlink(counter);
	test_assert(count_files() == 0);
	test_end();
}

static void test_replace(void)
{
	char path[1200], got[32];
	ssize_t n;
	int fd;

	test_begin("file replace");
	test_assert(maildir_file_replace(dir, "f", "one\n", 4) == 0);
	test_assert(maildir_file_replace(dir, "f", "two\n", 4) == 0);
	snprintf(path, sizeof path, "%s/f", dir);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, got, sizeof got - 1) : -1;
	if (fd >= 0)
		close(fd);
	got[n > 0 ? n : 0] = '\0';
	test_assert_str(got, "two\n");
	test_assert(count_files() == 1);
	unlink(path);
	errno = 0;
	test_assert(maildir_file_replace("/nonexistent-dir-xyz", "f", "x", 1) == -1 &&
		    errno == ENOENT);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_take_release, test_second_taker, test_stale, test_dead_holder,
		test_exclusion, test_replace, NULL
	};
	int r;

	if (setup() < 0) {
		perror("mkdtemp");
		return 1;
	}
	r = test_run(tests);
	cleanup();
	return r;
}
