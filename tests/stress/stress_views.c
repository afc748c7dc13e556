/*
 * Held views under concurrency, as imapd keeps them: 2 readers hold one mailbox view
 * each for the whole run and sync it again and again, sometimes at once and sometimes
 * after pauses longer than the 2-second "dirty" window (MAILDIR_DIRTY_SEC), while 2
 * deliverers, 2 flaggers (relative changes, one flag each) and an expunger work on
 * the same folder. Checked:
 *  - every change set a reader gets is exactly the difference between its old and new
 *    views: expunged UIDs were there and are gone, new messages are above every UID the
 *    view ever held, flag changes are reported for exactly the messages whose flags
 *    changed;
 *  - no UID is ever seen naming two messages, and no message under two UIDs, by any
 *    reader;
 *  - at the end every delivered message that was not expunged is in every view, and
 *    the views agree with a fresh one on UIDs and flags;
 *  - each message's final \Flagged and \Answered are what their flagger last set;
 *  - UIDVALIDITY never changed.
 *
 * usage: stress_views DIR [SECONDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "maildir_box.h"
#include "maildir_deliver.h"
#include "maildir_msg.h"
#include "maildir_name.h"

#define DELIVERERS 2
#define FLAGGERS 2
#define READERS 2
#define MAX_MSGS 4096
#define BASE_MAX (MAILDIR_NAME_MAX + 1)

static const char *dir;
static char work[PATH_MAX];
static int seconds = 20;
static uint32_t flag_of[FLAGGERS] = { MAILDIR_F_FLAGGED, MAILDIR_F_REPLIED };

static void die(const char *what)
{
	fprintf(stderr, "stress_views[%d]: %s: %s\n", (int)getpid(), what, strerror(errno));
	_exit(1);
}

static void fail(const char *what, unsigned long a, unsigned long b)
{
	fprintf(stderr, "stress_views[%d]: FAIL %s (%lu, %lu)\n", (int)getpid(), what, a, b);
	_exit(2);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void base_of(const char *name, char *out)
{
	struct maildir_name mn;
	size_t n = maildir_name_parse(name, &mn) == 0 ? mn.base_len : strlen(name);

	memcpy(out, name, n);
	out[n] = '\0';
}

static FILE *log_open(const char *kind, int p)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s.%d", work, kind, p);
	f = fopen(path, "w");
	if (f == NULL)
		die(path);
	return f;
}

static int flagged_file(const char *name)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof path, "%s/%s", work, name);
	return access(path, F_OK) == 0;
}

/* Writers stop at "stop"; readers go on until every writer has exited ("done"). */
static int stopping(void)
{
	return flagged_file("stop");
}

static void touch(const char *name)
{
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof path, "%s/%s", work, name);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
}

static void deliverer(int p)
{
	FILE *log = log_open("delivered", p);
	unsigned seed = (unsigned)getpid();

	for (int i = 0; !stopping() && i < MAX_MSGS / DELIVERERS / 2; i++) {
		struct maildir_tmp t;
		char body[96], name[MAILDIR_NAME_MAX + 1], base[BASE_MAX];
		int n = snprintf(body, sizeof body, "Subject: %d/%d\n\nmessage %d %d\n", p, i, p, i);

		if (maildir_tmp_open(&t, dir) < 0 || maildir_tmp_write(&t, body, (size_t)n) < 0 ||
		    maildir_tmp_commit(&t, "new", 0, 0, name, sizeof name) < 0)
			die("deliver");
		base_of(name, base);
		fprintf(log, "%s\n", base);
		fflush(log);
		/* Bursts and gaps, so that deliveries fall in the tick of a reader's sync. */
		if (rand_r(&seed) % 4 != 0)
			nap_ms(rand_r(&seed) % 60);
	}
	fclose(log);
	_exit(0);
}

/* Flagger p owns one flag and toggles it on random messages; it logs, per message,
 * the value it set last (later lines win). */
static void flagger(int p)
{
	FILE *log = log_open("flagged", p);
	unsigned seed = (unsigned)getpid();
	struct maildir_box *b;

	if (maildir_box_open(&b, dir) < 0)
		die("flagger open");
	for (int k = 0; !stopping(); k++) {
		size_t n = maildir_box_count(b), i;
		struct maildir_flag_change c = { 0, 0, 0, 0 };
		char base[BASE_MAX];
		int on = rand_r(&seed) % 2;

		if (k % 10 == 0 && maildir_box_sync(b, NULL) < 0)
			die("flagger sync");
		if (n == 0) {
			nap_ms(20);
			continue;
		}
		i = (size_t)rand_r(&seed) % n;
		if (on)
			c.add_flags = flag_of[p];
		else
			c.del_flags = flag_of[p];
		base_of(maildir_box_msg(b, i)->name, base);
		if (maildir_box_change_flags(b, i, &c) < 0) {
			if (errno == ENOENT)
				continue;	/* expunged meanwhile */
			die("change flags");
		}
		fprintf(log, "%s %d\n", base, on);
		fflush(log);
		nap_ms(rand_r(&seed) % 15);
	}
	fclose(log);
	maildir_box_close(b);
	_exit(0);
}

static void expunger(void)
{
	FILE *log = log_open("expunged", 0);
	unsigned seed = (unsigned)getpid();
	struct maildir_box *b;

	if (maildir_box_open(&b, dir) < 0)
		die("expunger open");
	while (!stopping()) {
		size_t n;
		char base[BASE_MAX];

		if (maildir_box_sync(b, NULL) < 0)
			die("expunger sync");
		n = maildir_box_count(b);
		if (n > 5) {
			size_t i = (size_t)rand_r(&seed) % n;
			base_of(maildir_box_msg(b, i)->name, base);
			if (maildir_box_expunge(b, i) < 0)
				die("expunge");
			fprintf(log, "%s\n", base);
			fflush(log);
		}
		nap_ms(100 + rand_r(&seed) % 200);
	}
	fclose(log);
	maildir_box_close(b);
	_exit(0);
}

struct seen {
	uint32_t uid;
	uint32_t flags;
	char base[BASE_MAX];
};

static int find_uid(const struct seen *v, size_t n, uint32_t uid)
{
	for (size_t lo = 0, hi = n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].uid == uid)
			return (int)mid;
		if (v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int in_list(const uint32_t *v, size_t n, uint32_t uid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == uid)
			return 1;
	return 0;
}

/* One sync of a held view, checked against what the view held before. */
static size_t reader_step(struct maildir_box *b, struct seen *prev, size_t np,
			  uint32_t *horizon, uint32_t uidv, FILE *sightings)
{
	static struct seen cur[MAX_MSGS];
	struct maildir_changes c;
	size_t n, gone = 0, changed = 0;

	if (maildir_box_sync(b, &c) < 0)
		die("reader sync");
	if (maildir_box_uidvalidity(b) != uidv)
		fail("UIDVALIDITY changed", uidv, maildir_box_uidvalidity(b));
	n = maildir_box_count(b);
	if (n > MAX_MSGS)
		fail("too many messages", n, MAX_MSGS);
	for (size_t i = 0; i < n; i++) {
		const struct maildir_msg *m = maildir_box_msg(b, i);
		int k;

		cur[i].uid = m->uid;
		cur[i].flags = m->flags & (flag_of[0] | flag_of[1]);
		base_of(m->name, cur[i].base);
		if (i > 0 && cur[i].uid <= cur[i - 1].uid)
			fail("UIDs not increasing", cur[i - 1].uid, cur[i].uid);
		k = find_uid(prev, np, m->uid);
		if (i < c.first_new) {
			if (k < 0)
				fail("an old message the view never held", m->uid, i);
			if (strcmp(prev[k].base, cur[i].base) != 0)
				fail("a UID now names another message", m->uid, 0);
			if (prev[k].flags != cur[i].flags) {
				changed++;
				if (!in_list(c.flagged, c.n_flagged, m->uid))
					fail("a flag change not reported", m->uid, cur[i].flags);
			}
		} else {
			if (m->uid <= *horizon)
				fail("a new message below the horizon", m->uid, *horizon);
			fprintf(sightings, "%lu %s\n", (unsigned long)m->uid, cur[i].base);
		}
	}
	for (size_t k = 0; k < np; k++) {
		if (find_uid(cur, n, prev[k].uid) >= 0)
			continue;
		gone++;
		if (!in_list(c.expunged, c.n_expunged, prev[k].uid))
			fail("an expunge not reported", prev[k].uid, 0);
	}
	if (gone != c.n_expunged)
		fail("expunges reported that did not happen", c.n_expunged, gone);
	if (c.n_flagged < changed)
		fail("fewer flag changes reported than happened", c.n_flagged, changed);
	for (size_t i = 0; i < c.n_flagged; i++)
		if (find_uid(cur, n, c.flagged[i]) < 0)
			fail("a flag change reported for a message not in the view", c.flagged[i], 0);
	if (n > 0 && cur[n - 1].uid > *horizon)
		*horizon = cur[n - 1].uid;
	maildir_changes_free(&c);
	memcpy(prev, cur, n * sizeof *cur);
	fflush(sightings);
	return n;
}

static void reader(int p)
{
	static struct seen prev[MAX_MSGS];
	FILE *sightings = log_open("sightings", p), *final;
	unsigned seed = (unsigned)getpid();
	struct maildir_box *b;
	uint32_t horizon = 0, uidv;
	size_t np = 0;

	if (maildir_box_open(&b, dir) < 0)
		die("reader open");
	uidv = maildir_box_uidvalidity(b);
	/* The view as opened: everything in it is "new" to this reader. */
	for (size_t i = 0; i < maildir_box_count(b); i++) {
		const struct maildir_msg *m = maildir_box_msg(b, i);
		prev[np].uid = m->uid;
		prev[np].flags = m->flags & (flag_of[0] | flag_of[1]);
		base_of(m->name, prev[np].base);
		fprintf(sightings, "%lu %s\n", (unsigned long)m->uid, prev[np].base);
		horizon = m->uid;
		np++;
	}
	for (int k = 0; !flagged_file("done"); k++) {
		np = reader_step(b, prev, np, &horizon, uidv, sightings);
		/* Now and then a pause past the dirty window, as an idle IMAP client. */
		nap_ms(k % 7 == 3 ? 2500 : rand_r(&seed) % 40);
	}
	/* Writers are done (the parent said so only after they exited). One sync at
	 * once, then the final one past the dirty window: a delivery in the tick of the
	 * first one's readdir leaves the mtimes as they were, and must still be seen. */
	np = reader_step(b, prev, np, &horizon, uidv, sightings);
	nap_ms(2500);
	np = reader_step(b, prev, np, &horizon, uidv, sightings);
	/* The same tick on purpose: a delivery, a sync that reads it, a second delivery
	 * whose mtime stamp equals the first's (as on a file system with a coarse clock:
	 * the stamp is put back), a pause past the dirty window, a sync: the second
	 * message must be in the view. One reader does it, so nothing else moves new/. */
	for (int round = 0; p == 0 && round < 2; round++) {
		FILE *mine = log_open(round == 0 ? "delivered.r0" : "delivered.r1", p);
		char base[BASE_MAX], name[MAILDIR_NAME_MAX + 1];
		size_t before;

		for (int k = 0; k < 2; k++) {
			struct maildir_tmp t;
			struct stat st;
			char newdir[PATH_MAX + 8];
			snprintf(newdir, sizeof newdir, "%s/new", dir);
			if (stat(newdir, &st) < 0)
				die("stat new");
			if (maildir_tmp_open(&t, dir) < 0 || maildir_tmp_write(&t, "x\n", 2) < 0 ||
			    maildir_tmp_commit(&t, "new", 0, 0, name, sizeof name) < 0)
				die("deliver");
			if (k == 1) {
				struct timespec ts[2] = { st.st_atim, st.st_mtim };
				if (utimensat(AT_FDCWD, newdir, ts, 0) < 0)
					die("utimensat");
			}
			base_of(name, base);
			fprintf(mine, "%s\n", base);
			if (k == 0)
				np = reader_step(b, prev, np, &horizon, uidv, sightings);
		}
		fclose(mine);
		before = np;
		nap_ms(2500);
		np = reader_step(b, prev, np, &horizon, uidv, sightings);
		{
			size_t i = np;
			while (i > 0 && strcmp(prev[i - 1].base, base) != 0)
				i--;
			if (i == 0)
				fail("a delivery in the tick of a sync was never seen", before, np);
		}
	}
	/* Every reader's final view after reader 0's rounds, and past the dirty window. */
	if (p == 0)
		touch("rounds");
	while (!flagged_file("rounds")) {
		np = reader_step(b, prev, np, &horizon, uidv, sightings);
		nap_ms(100);
	}
	nap_ms(2500);
	np = reader_step(b, prev, np, &horizon, uidv, sightings);
	final = log_open("final", p);
	for (size_t i = 0; i < np; i++)
		fprintf(final, "%lu %s %lu\n", (unsigned long)prev[i].uid, prev[i].base,
			(unsigned long)prev[i].flags);
	fclose(final);
	fclose(sightings);
	maildir_box_close(b);
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

static void expunger_entry(int p)
{
	(void)p;
	expunger();
}

static int wait_all(pid_t *v, int n)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		int st;
		if (waitpid(v[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	return bad;
}


int main(int argc, char **argv)
{
	pid_t writers[DELIVERERS + FLAGGERS + 1], readers[READERS];
	int nw = 0, bad;
	struct maildir_box *b;
	char cmd[2 * PATH_MAX + 64];
	uint32_t uidv;

	if (argc < 2)
		return 64;
	if (argc > 2)
		seconds = atoi(argv[2]);
	snprintf(work, sizeof work, "%s.work", argv[1]);
	dir = argv[1];
	if (maildir_make(dir) < 0 || mkdir(work, 0700) < 0 || maildir_box_open(&b, dir) < 0) {
		perror("setup");
		return 1;
	}
	uidv = maildir_box_uidvalidity(b);
	maildir_box_close(b);
	for (int p = 0; p < READERS; p++)
		readers[p] = spawn(reader, p);
	for (int p = 0; p < DELIVERERS; p++)
		writers[nw++] = spawn(deliverer, p);
	for (int p = 0; p < FLAGGERS; p++)
		writers[nw++] = spawn(flagger, p);
	writers[nw++] = spawn(expunger_entry, 0);
	sleep((unsigned)seconds);
	touch("stop");
	bad = wait_all(writers, nw);
	touch("done");
	bad += wait_all(readers, READERS);
	if (bad > 0) {
		fprintf(stderr, "stress_views: %d processes failed\n", bad);
		return 1;
	}
	if (maildir_box_open(&b, dir) < 0 || maildir_box_uidvalidity(b) != uidv) {
		fprintf(stderr, "stress_views: FAIL final view or UIDVALIDITY\n");
		return 1;
	}
	/* The final view for the shell half of the test, which compares the logs. */
	{
		FILE *f;
		snprintf(cmd, sizeof cmd, "%s/view", work);
		f = fopen(cmd, "w");
		if (f == NULL)
			return 1;
		for (size_t i = 0; i < maildir_box_count(b); i++) {
			const struct maildir_msg *m = maildir_box_msg(b, i);
			char base[BASE_MAX];
			base_of(m->name, base);
			fprintf(f, "%lu %s %lu\n", (unsigned long)m->uid, base,
				(unsigned long)(m->flags & (flag_of[0] | flag_of[1])));
		}
		fclose(f);
	}
	maildir_box_close(b);
	return 0;
}
