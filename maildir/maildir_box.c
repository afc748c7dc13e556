/*
 * The mailbox view: one folder's messages with UIDs, kept in step with the disk.
 *
 * Concurrency. Other processes (our other sessions, deliveries, Dovecot, mbsync) change
 * the folder at any time: deliveries link into new/, flag changes rename within or into
 * cur/, expunges unlink. Only dovecot-uidlist needs a lock, and only to write it; the
 * rules that make this safe:
 *
 * 1. UIDs are assigned only with dovecot-uidlist.lock held, after re-reading the uidlist
 *    under the lock, so two processes never give one file two UIDs or two files one UID.
 *    Files are matched to records by their base name (the part before the info), which
 *    no flag change alters.
 * 2. readdir() may miss a file that is renamed while the directory is being read. A
 *    record whose file the scan did not see may therefore still exist: before calling
 *    it gone we read the directories a second time and merge, and again as long as
 *    the directories changed during the previous read (a file renamed over and over
 *    can be missed twice), so a message is not dropped from the view (and so never
 *    reported expunged) because of a rename race.
 * 3. The "unchanged folder" shortcut. A full sync records in the uidlist header (field
 *    Z<new mtime>:<cur mtime>, nanoseconds) the directory mtimes it saw *before* reading
 *    the directories, together with the then-current names of every message. A later
 *    open that finds the same mtimes knows the uidlist is the whole truth and reads no
 *    directory at all. Any link, rename or unlink in new/ or cur/ changes an mtime, so a
 *    stale uidlist can never match. File systems stamp mtimes with a coarse clock, so a
 *    change within the same tick as the recording could go unseen: mtimes less than
 *    MAILDIR_DIRTY_SEC older than the moment the sync began (taken before the stat and
 *    the readdir, not when the uidlist is finally written after a lock wait) are never
 *    recorded (Dovecot applies the same rule). A held view follows the same rule: its
 *    snapshot counts as complete only when it was clean in that sense; otherwise the
 *    next sync reads the directories again even if the mtimes look unchanged, since a
 *    delivery in the same tick as our readdir leaves them unchanged.
 *    Dovecot ignores header fields it does not know, and a rewrite by Dovecot either
 *    drops Z or keeps it beside records that still describe the same directories.
 * 4. UIDVALIDITY is created once, with the uidlist; it is never changed afterwards. An
 *    unreadable uidlist is an error, never a reason to renumber.
 * 5. UIDs in a held view only grow. A sync reports the UIDs that left the view, the
 *    kept ones whose flags changed, and the new ones, which are all above every UID
 *    the view ever held (uid_horizon): a record that reappears below that line (a file
 *    two readdirs missed) stays out of the view, since IMAP has no way to insert it.
 * 6. APPEND, COPY and MOVE commit their files and give them UIDs in one step under
 *    the lock, so the caller knows the UIDs (RFC 4315) and nobody else can give those
 *    files other ones.
 * 7. Counts in the header. The full sync that records Z also records how many
 *    messages its records hold, how many are unseen, in new/, and the position of the
 *    first unseen one. They hold exactly as long as the mtimes do (rule 3), so STATUS
 *    and SELECT can answer from the header line alone. A lazy open keeps that uidlist
 *    open and reads the view from it only when it is first needed: the file is never
 *    edited in place (records are appended, rewrites rename a new file over it), so
 *    its first <messages> records, read later through the same descriptor, are still
 *    the snapshot the header counted, and the next sync compares against the mtimes
 *    seen then, as after any sync.
 *    Trap: the records do not say which files are in new/. A name without info is
 *    taken to be there and one with info in cur/, but APPEND, COPY and MOVE put
 *    flagged files into new/ (so that they are \Recent, RFC 3501 6.4.7), with their
 *    info: the uidlist stands for the directories only when the count of files in
 *    new/ says that guess is right; otherwise they are read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "maildir_deliver.h"
#include "io.h"
#include "maildir_box.h"
#include "maildir_lock.h"
#include "maildir_msg.h"
#include "maildir_name.h"
#include "maildir_scan.h"
#include "maildir_uidlist.h"
#include "str.h"

#define MAILDIR_DIRTY_SEC 2	/* mtimes younger than this may hide a change */
#define BOX_CACHE_KEY 'Z'	/* our uidlist header field: directory mtimes */
#define BOX_READ_CHUNK 65536
/* A view refreshes all its names by one scan at most this often when files keep being
 * renamed under it; lookups in between search for the one file. */
#define BOX_REFRESH_MIN_MS 1000
/* Directory passes before a record without a file is taken as expunged (rule 2): the
 * second always, later ones only while renames keep racing with the reads. */
#define BOX_SCAN_PASSES_MAX 6
/* A generous bound on the coarse clock that stamps nanosecond mtimes (Linux: a jiffy). */
#define BOX_TICK_NS 50000000LL
/* A Z field without counts (as written before they were added). */
#define BOX_IN_NEW_UNKNOWN SIZE_MAX
/* Names and keys of a view are packed into chunks of this size (a malloc() each would
 * add 16 bytes or more of overhead to some 50 of name), less room for malloc's own
 * header and ours, so that a chunk takes whole pages. */
#define BOX_ARENA_CHUNK ((256u << 10) - 64)

/* What a message's 24-byte record leaves out: sizes learnt from the file where the
 * name and keys do not give them, and an INTERNALDATE that does not fit in 32 bits.
 * Few messages have one (a folder whose names carry ,S= and ,W= has none), so they
 * are kept apart, in a hash by UID (UIDs are never 0: 0 marks a free slot). */
struct extra {
	uint32_t uid;
	uint64_t size, vsize;	/* MAILDIR_SIZE_UNKNOWN: as the name and keys say */
	time_t date;		/* 0: as x_date says */
};

struct extra_tab {
	struct extra *slot;
	size_t cap, n;		/* cap a power of two, or 0 */
};

/* A view's messages and what they point to. Names (each followed by its keys) are
 * packed in the arena's chunks, except a renamed message's new name, which is
 * malloc()ed (the old one stays in its chunk until the view is freed). */
struct view {
	struct maildir_msg *v;
	size_t n;
	struct arena *arena;
	struct extra_tab x;
};

struct maildir_box {
	char dir[PATH_MAX];
	uint32_t uidvalidity;
	uint32_t nextuid;
	uint32_t uid_horizon;	/* highest UID the view ever held (rule 5) */
	struct view w;		/* the messages, ordered by UID */
	struct maildir_keywords kw;
	struct timespec new_mtime, cur_mtime;	/* as of the last sync */
	int synced;		/* a sync has succeeded */
	int complete;		/* that sync's snapshot was clean (rule 3) */
	struct timespec refreshed;	/* last name refresh (CLOCK_MONOTONIC), or 0 */
	unsigned long readdirs;	/* directory scans so far (tests, benchmarks) */
	/* Opened lazily (maildir_box_open_lazy): the view is still to be read from this
	 * uidlist, the one that proved the folder unchanged, as its first pending_n
	 * records (rule 7). */
	int pending;
	int pending_fd;
	size_t pending_n;
};

/* --- a hash of base names to indexes, for matching files to uidlist records --------- */

struct basemap {
	size_t *slot;		/* index + 1, 0 = empty */
	size_t mask;
	char *const *names;	/* full names, keyed by their base */
	size_t *lens;		/* base length of each name */
};

static size_t base_len_of(const char *name)
{
	struct maildir_name mn;

	if (maildir_name_parse(name, &mn) < 0)
		return strlen(name);
	return mn.base_len;
}

static uint64_t base_hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* A map of the n names (which must outlive it), each parsed once. */
static int basemap_init(struct basemap *m, char *const *names, size_t n)
{
	size_t cap = 16;

	while (cap < n * 2)
		cap <<= 1;
	m->names = names;
	m->mask = cap - 1;
	m->slot = calloc(cap, sizeof *m->slot);
	m->lens = malloc((n + 1) * sizeof *m->lens);
	if (m->slot == NULL || m->lens == NULL) {
		free(m->slot);
		free(m->lens);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t h;
		m->lens[i] = base_len_of(names[i]);
		h = (size_t)base_hash(names[i], m->lens[i]) & m->mask;
		while (m->slot[h] != 0)
			h = (h + 1) & m->mask;
		m->slot[h] = i + 1;
	}
	return 0;
}

static void basemap_free(struct basemap *m)
{
	free(m->slot);
	free(m->lens);
}

static long basemap_find(const struct basemap *m, const char *base, size_t len)
{
	size_t h = (size_t)base_hash(base, len) & m->mask;

	for (; m->slot[h] != 0; h = (h + 1) & m->mask) {
		size_t k = m->slot[h] - 1;
		if (m->lens[k] == len && memcmp(m->names[k], base, len) == 0)
			return (long)k;
	}
	return -1;
}

/* --- the directory snapshot ------------------------------------------------------- */

static int stat_mtime(const char *dir, const char *sub, struct timespec *r)
{
	char path[PATH_MAX];
	struct stat st;
	int n = snprintf(path, sizeof path, "%s/%s", dir, sub);

	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (stat(path, &st) < 0)
		return -1;
	*r = st.st_mtim;
	return 0;
}

static int ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* 1 when mtime t is too close to now (when the sync began) to prove that no change
 * in the same clock tick went unrecorded (rule 3). */
static int ts_dirty(struct timespec t, struct timespec now)
{
	return t.tv_sec + MAILDIR_DIRTY_SEC > now.tv_sec;
}

/* Where new/ and cur/ stood before a directory pass: the clock, then their mtimes. */
struct scan_mark {
	struct timespec now, mn, mc;
};

static int scan_mark(const struct maildir_box *b, struct scan_mark *k)
{
	if (clock_gettime(CLOCK_REALTIME, &k->now) < 0)
		return -1;
	if (stat_mtime(b->dir, "new", &k->mn) < 0 || stat_mtime(b->dir, "cur", &k->mc) < 0)
		return -1;
	return 0;
}

/* mtime t is within the file system's clock tick of now: a change in that tick would
 * not have moved it. Nanosecond stamps come from a coarse kernel clock (a few ms);
 * stamps in whole seconds get the dirty window. */
static int ts_recent(struct timespec t, struct timespec now)
{
	long long dt = ((long long)now.tv_sec - t.tv_sec) * 1000000000LL +
		       (now.tv_nsec - t.tv_nsec);

	if (t.tv_nsec == 0)
		return ts_dirty(t, now);
	return dt < BOX_TICK_NS;
}

/* 1 when new/ or cur/ may have changed while the pass that began at k read them: only
 * then can readdir() have missed a renamed file (rule 2). */
static int scan_raced(const struct maildir_box *b, const struct scan_mark *k)
{
	struct timespec mn, mc;

	if (stat_mtime(b->dir, "new", &mn) < 0 || stat_mtime(b->dir, "cur", &mc) < 0)
		return 1;
	return !ts_eq(mn, k->mn) || !ts_eq(mc, k->mc) || ts_recent(k->mn, k->now) ||
	       ts_recent(k->mc, k->now);
}

/* Z<sec>.<nsec>:<sec>.<nsec> of new/ and cur/, as written in the uidlist header. */
static int cache_format(struct timespec n, struct timespec c, char *out, size_t sz)
{
	int len = snprintf(out, sz, "%c%lld.%09ld:%lld.%09ld", BOX_CACHE_KEY,
			   (long long)n.tv_sec, n.tv_nsec, (long long)c.tv_sec, c.tv_nsec);

	return len < 0 || (size_t)len >= sz ? -1 : 0;
}

/* 1 when the uidlist header carries exactly these mtimes. A recorded pair was clean
 * when its sync began, so equal mtimes now mean nothing moved since (rule 3). When
 * in_new_r is not NULL it gets the recorded count of files in new/, or
 * BOX_IN_NEW_UNKNOWN when the field carries no counts. */
/* The counts after our Z field's mtimes: ",messages,unseen,in_new,first_unseen", each
 * at most UINT32_MAX, then the end of the field. Read from disk, so checked digit by
 * digit (no sscanf: its overflow is undefined). 0, or -1 when they are not there. */
static int counts_parse(const char *p, uint64_t v[4])
{
	for (int i = 0; i < 4; i++) {
		size_t n = 0;

		if (*p != ',')
			return -1;
		p++;
		while (p[n] >= '0' && p[n] <= '9')
			n++;
		if (n == 0 || str_to_u64(p, n, UINT32_MAX, &v[i]) < 0)
			return -1;
		p += n;
	}
	return *p == '\0' || *p == ' ' ? 0 : -1;
}

static int cache_matches(const struct maildir_uidlist *u, struct timespec n,
			 struct timespec c, size_t *in_new_r)
{
	char want[96];
	const char *p = u->hdr_extra;
	size_t wl;

	if (cache_format(n, c, want, sizeof want) < 0)
		return 0;
	wl = strlen(want);
	while (p != NULL && *p != '\0') {
		if (strncmp(p, want, wl) == 0 &&
		    (p[wl] == ' ' || p[wl] == '\0' || p[wl] == ',')) {
			uint64_t v[4];

			if (in_new_r != NULL)
				*in_new_r = counts_parse(p + wl, v) == 0 && v[2] <= v[0] ?
					(size_t)v[2] : BOX_IN_NEW_UNKNOWN;
			return 1;
		}
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	return 0;
}

/* hdr_extra without our Z field, plus the new one when given. Caller frees. */
static char *cache_header(const char *old, const char *z)
{
	struct buf b;
	const char *p = old != NULL ? old : "";

	buf_init(&b, 4096);
	while (*p != '\0') {
		const char *e = strchr(p, ' ');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
		if (len > 0 && p[0] != BOX_CACHE_KEY) {
			if ((b.len > 0 && buf_putc(&b, ' ') < 0) || buf_append(&b, p, len) < 0)
				goto fail;
		}
		p += len;
		while (*p == ' ')
			p++;
	}
	if (z != NULL && ((b.len > 0 && buf_putc(&b, ' ') < 0) || buf_puts(&b, z) < 0))
		goto fail;
	if (b.s == NULL && buf_puts(&b, "") < 0)
		goto fail;
	return b.s;
fail:
	buf_free(&b);
	return NULL;
}

/* Append ",<messages>,<unseen>,<in new/>,<first unseen>" to the Z field z: the counts
 * of the records written with it (rule 7). */
static int cache_counts(char *z, size_t sz, const struct maildir_uidrec *recs, size_t n,
			size_t in_new)
{
	size_t unseen = 0, first_unseen = 0, len = strlen(z);
	int w;

	for (size_t i = 0; i < n; i++) {
		struct maildir_name mn;
		if (maildir_name_parse(recs[i].name, &mn) < 0 ||
		    !(mn.flags & MAILDIR_FLAG('S'))) {
			unseen++;
			if (first_unseen == 0)
				first_unseen = i + 1;
		}
	}
	w = snprintf(z + len, sz - len, ",%zu,%zu,%zu,%zu", n, unseen, in_new, first_unseen);
	return w < 0 || (size_t)w >= sz - len ? -1 : 0;
}

/* Read new/ and cur/ (counted, for tests and benchmarks). */
static int scan_dirs(struct maildir_box *b, struct maildir_list *l)
{
	if (maildir_scan(b->dir, l) < 0)
		return -1;
	b->readdirs++;
	return 0;
}

/* Read them again and keep every base seen in either pass, preferring the later
 * name (rule 2). */
static int scan_merge_again(struct maildir_box *b, struct maildir_list *l)
{
	struct maildir_list again = { 0 };
	struct basemap m;
	char **names = NULL;
	int ret = -1;

	if (maildir_scan(b->dir, &again) < 0)
		goto out;
	b->readdirs++;
	names = malloc((again.n + 1) * sizeof *names);
	if (names == NULL)
		goto out;
	for (size_t i = 0; i < again.n; i++)
		names[i] = again.v[i].name;
	if (basemap_init(&m, names, again.n) < 0)
		goto out;
	/* Entries of the first pass that the second did not see by base are added. */
	for (size_t i = 0; i < l->n; i++) {
		const char *nm = l->v[i].name;
		if (basemap_find(&m, nm, base_len_of(nm)) >= 0) {
			free(l->v[i].name);
			continue;
		}
		if (again.n == again.cap) {
			size_t cap = again.cap ? again.cap * 2 : 64;
			struct maildir_entry *v = realloc(again.v, cap * sizeof *v);
			if (v == NULL) {
				/* Keep what is left of l owned by l. */
				memmove(l->v, l->v + i, (l->n - i) * sizeof *l->v);
				l->n -= i;
				basemap_free(&m);
				goto out;
			}
			again.v = v;
			again.cap = cap;
		}
		again.v[again.n++] = l->v[i];
	}
	basemap_free(&m);
	free(l->v);
	*l = again;
	again = (struct maildir_list){ 0 };
	ret = 0;
out:
	free(names);
	maildir_list_free(&again);
	return ret;
}

/* --- names packed in chunks ------------------------------------------------------- */

struct arena {
	struct arena *next;
	size_t used, cap;
	char data[];
};

/* "name\0keys\0" in the newest chunk of *a ("name\0" when klen is 0), NULL with errno
 * ENOMEM. */
static char *arena_put(struct arena **a, const char *name, size_t nlen, const char *keys,
		       size_t klen)
{
	size_t len = nlen + 1 + (klen > 0 ? klen + 1 : 0);
	char *r;

	if (*a == NULL || (*a)->cap - (*a)->used < len) {
		size_t cap = len > BOX_ARENA_CHUNK ? len : BOX_ARENA_CHUNK;
		struct arena *c = malloc(sizeof *c + cap);

		if (c == NULL)
			return NULL;
		c->next = *a;
		c->used = 0;
		c->cap = cap;
		*a = c;
	}
	r = (*a)->data + (*a)->used;
	memcpy(r, name, nlen);
	r[nlen] = '\0';
	if (klen > 0) {
		memcpy(r + nlen + 1, keys, klen);
		r[nlen + 1 + klen] = '\0';
	}
	(*a)->used += len;
	return r;
}

/* 1 when p points into a chunk of a (and must not be free()d). */
static int arena_has(const struct arena *a, const char *p)
{
	uintptr_t x = (uintptr_t)p;

	for (; a != NULL; a = a->next)
		if (x >= (uintptr_t)a->data && x < (uintptr_t)a->data + a->cap)
			return 1;
	return 0;
}

static void arena_free(struct arena *a)
{
	while (a != NULL) {
		struct arena *next = a->next;
		free(a);
		a = next;
	}
}

/* --- what a record leaves out ----------------------------------------------------- */

static size_t extra_home(const struct extra_tab *t, uint32_t uid)
{
	return (size_t)((uid * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (t->cap - 1);
}

static struct extra *extra_find(const struct extra_tab *t, uint32_t uid)
{
	if (t->cap == 0)
		return NULL;
	for (size_t h = extra_home(t, uid); t->slot[h].uid != 0; h = (h + 1) & (t->cap - 1))
		if (t->slot[h].uid == uid)
			return &t->slot[h];
	return NULL;
}

/* The entry of uid, added (as "nothing known") when absent. NULL with errno ENOMEM. */
static struct extra *extra_get(struct extra_tab *t, uint32_t uid)
{
	struct extra *e = extra_find(t, uid);
	size_t h;

	if (e != NULL)
		return e;
	if ((t->n + 1) * 2 > t->cap) {
		struct extra_tab g = { NULL, t->cap == 0 ? 16 : t->cap * 2, 0 };

		g.slot = calloc(g.cap, sizeof *g.slot);
		if (g.slot == NULL)
			return NULL;
		for (size_t i = 0; i < t->cap; i++) {
			if (t->slot[i].uid == 0)
				continue;
			for (h = extra_home(&g, t->slot[i].uid); g.slot[h].uid != 0;
			     h = (h + 1) & (g.cap - 1))
				;
			g.slot[h] = t->slot[i];
			g.n++;
		}
		free(t->slot);
		*t = g;
	}
	for (h = extra_home(t, uid); t->slot[h].uid != 0; h = (h + 1) & (t->cap - 1))
		;
	e = &t->slot[h];
	e->uid = uid;
	e->size = e->vsize = MAILDIR_SIZE_UNKNOWN;
	e->date = 0;
	t->n++;
	return e;
}

/* --- building the view ------------------------------------------------------------ */

static void view_free(struct view *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (!arena_has(w->arena, w->v[i].name))
			free(w->v[i].name);
	free(w->v);
	arena_free(w->arena);
	free(w->x.slot);
	memset(w, 0, sizeof *w);
}

/* Most records have no keys: those store no byte for them. */
static const char *msg_keys(const struct maildir_msg *m)
{
	return m->x_keys ? m->name + strlen(m->name) + 1 : "";
}

static uint64_t key_u64(const char *keys, char k)
{
	char val[32];
	uint64_t r;

	if (keys == NULL || maildir_uidrec_key(keys, k, val, sizeof val) != 1 ||
	    str_to_u64z(val, UINT64_MAX - 1, &r) < 0)
		return MAILDIR_SIZE_UNKNOWN;
	return r;
}

/* Sizes as they were learnt, else as the name says, else as the keys say. */
static void msg_sizes(const struct view *w, const struct maildir_msg *m, uint64_t *size_r,
		      uint64_t *vsize_r)
{
	const struct extra *e = m->x_more ? extra_find(&w->x, m->uid) : NULL;
	struct maildir_name mn;
	uint64_t size = MAILDIR_SIZE_UNKNOWN, vsize = MAILDIR_SIZE_UNKNOWN;

	if (e != NULL) {
		size = e->size;
		vsize = e->vsize;
	}
	if (size != MAILDIR_SIZE_UNKNOWN && vsize != MAILDIR_SIZE_UNKNOWN)
		goto out;
	if (maildir_name_parse(m->name, &mn) == 0) {
		if (size == MAILDIR_SIZE_UNKNOWN)
			size = mn.size;
		if (vsize == MAILDIR_SIZE_UNKNOWN)
			vsize = mn.vsize;
	}
	if (size == MAILDIR_SIZE_UNKNOWN)
		size = key_u64(msg_keys(m), 'S');
	if (vsize == MAILDIR_SIZE_UNKNOWN)
		vsize = key_u64(msg_keys(m), 'W');
out:
	*size_r = size;
	*vsize_r = vsize;
}

/* Learnt sizes (MAILDIR_SIZE_UNKNOWN leaves one as it was). 0, or -1 ENOMEM. */
static int msg_learn_sizes(struct view *w, struct maildir_msg *m, uint64_t size,
			   uint64_t vsize)
{
	struct extra *e = extra_get(&w->x, m->uid);

	if (e == NULL)
		return -1;
	m->x_more = 1;
	if (size != MAILDIR_SIZE_UNKNOWN)
		e->size = size;
	if (vsize != MAILDIR_SIZE_UNKNOWN)
		e->vsize = vsize;
	return 0;
}

static time_t msg_date(const struct view *w, const struct maildir_msg *m)
{
	const struct extra *e;

	if (m->x_date != 0 || !m->x_more)
		return (time_t)m->x_date;
	e = extra_find(&w->x, m->uid);
	return e != NULL ? e->date : 0;
}

/* 0, or -1 ENOMEM. t is not 0. */
static int msg_learn_date(struct view *w, struct maildir_msg *m, time_t t)
{
	struct extra *e;

	if (t > 0 && (uintmax_t)t <= UINT32_MAX) {
		m->x_date = (uint32_t)t;
		return 0;
	}
	e = extra_get(&w->x, m->uid);
	if (e == NULL)
		return -1;
	m->x_more = 1;
	e->date = t;
	return 0;
}

/* Message m of view w: name and keys copied into w's arena, flags from the name.
 * in_new < 0: not known (no readdir was done). A name with info is then taken to be
 * in cur/ (flag changes move files there), one without in new/; a wrong guess is
 * corrected by maildir_msg_open()/set_flags(), which follow the base name. Trap: a
 * name with flags may be in new/ (APPEND, COPY), and a wrong guess there loses its
 * \Recent: sync guesses only when the header's count of files in new/ agrees. 0, or
 * -1 with errno ENOMEM. */
static int msg_fill(struct view *w, struct maildir_msg *m, uint32_t uid, const char *name,
		    size_t nlen, const char *keys, size_t klen, int in_new)
{
	struct maildir_name mn;
	int parsed;

	memset(m, 0, sizeof *m);
	m->name = arena_put(&w->arena, name, nlen, keys, klen);
	if (m->name == NULL)
		return -1;
	parsed = maildir_name_parse(m->name, &mn) == 0;
	m->x_keys = klen > 0;
	m->uid = uid;
	m->in_new = in_new >= 0 ? in_new != 0 : parsed && mn.sep == 0;
	if (parsed) {
		m->flags = mn.flags;
		m->keywords = mn.keywords;
	}
	return 0;
}

/* A new file with its delivery time parsed once, for sorting (a comparator that
 * parsed names would parse each one log n times). */
struct fresh {
	uint64_t sec, usec;
	const struct maildir_entry *e;
};

static int cmp_fresh(const void *a, const void *b)
{
	const struct fresh *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	if (x->usec != y->usec)
		return x->usec < y->usec ? -1 : 1;
	return strcmp(x->e->name, y->e->name);
}

/* The result of matching a scan against a uidlist. */
struct match {
	long *rec_of;		/* per scan entry: record index or -1 */
	size_t unmatched;	/* scan entries without a record */
	size_t gone;		/* records without a file */
	size_t renamed;		/* records whose last known name differs */
};

static int match_scan(const struct maildir_uidlist *u, const struct maildir_list *l,
		      struct match *r)
{
	struct basemap m;
	char **names;
	unsigned char *seen;

	memset(r, 0, sizeof *r);
	r->rec_of = malloc((l->n + 1) * sizeof *r->rec_of);
	names = malloc((u->n + 1) * sizeof *names);
	seen = calloc(u->n + 1, 1);
	if (names != NULL)
		for (size_t i = 0; i < u->n; i++)
			names[i] = u->v[i].name;
	if (r->rec_of == NULL || names == NULL || seen == NULL ||
	    basemap_init(&m, names, u->n) < 0) {
		free(names);
		free(seen);
		free(r->rec_of);
		r->rec_of = NULL;
		return -1;
	}
	for (size_t i = 0; i < l->n; i++) {
		const char *nm = l->v[i].name;
		long k = basemap_find(&m, nm, base_len_of(nm));
		/* The same base twice on disk (a copy left in new/ and cur/): first wins. */
		if (k >= 0 && seen[k])
			k = -2;
		r->rec_of[i] = k;
		if (k == -1)
			r->unmatched++;
		if (k >= 0) {
			seen[k] = 1;
			if (strcmp(u->v[k].name, nm) != 0)
				r->renamed++;
		}
	}
	for (size_t i = 0; i < u->n; i++)
		if (!seen[i])
			r->gone++;
	basemap_free(&m);
	free(names);
	free(seen);
	return 0;
}

static int uidlist_load(const char *dir, struct maildir_uidlist *u, int *exists_r)
{
	char path[PATH_MAX];
	struct buf text;
	size_t line;
	int n;

	*exists_r = 1;
	if (maildir_uidlist_read(dir, u) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	/* Courier's file is read only when it is the only one (DESIGN.md). */
	n = snprintf(path, sizeof path, "%s/%s", dir, MAILDIR_COURIER_UIDDB);
	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf_init(&text, MAILDIR_UIDLIST_MAX);
	if (io_read_file(path, &text) == 0) {
		int r = maildir_uidlist_parse(buf_str(&text), text.len, 1, u, &line);
		buf_free(&text);
		*exists_r = 0;	/* ours is still to be written */
		return r;
	}
	buf_free(&text);
	if (errno != ENOENT)
		return -1;
	*exists_r = 0;
	memset(u, 0, sizeof *u);
	return 0;
}

/* The view from records alone (the unchanged-folder shortcut), in_new as msg_fill
 * takes it. Each record's name and keys are freed once copied into the view (u keeps
 * its UIDs, names NULL): holding both would double the memory of a large folder at
 * its peak. */
static int view_from_uidlist(struct view *w, struct maildir_uidlist *u, int in_new)
{
	memset(w, 0, sizeof *w);
	w->v = calloc(u->n + 1, sizeof *w->v);
	if (w->v == NULL)
		return -1;
	for (size_t i = 0; i < u->n; i++) {
		struct maildir_uidrec *r = &u->v[i];
		if (msg_fill(w, &w->v[i], r->uid, r->name, strlen(r->name), r->keys,
			     strlen(r->keys), in_new) < 0) {
			view_free(w);
			return -1;
		}
		w->n = i + 1;
		free(r->name);
		maildir_keys_free(r->keys);
		r->name = NULL;
		r->keys = NULL;
	}
	return 0;
}

/* How many of u's records name a file without info (a name a delivery to new/ gives). */
static size_t bare_names(const struct maildir_uidlist *u)
{
	size_t k = 0;

	for (size_t i = 0; i < u->n; i++) {
		struct maildir_name mn;
		k += u->v[i].name != NULL && maildir_name_parse(u->v[i].name, &mn) == 0 &&
		     mn.sep == 0;
	}
	return k;
}

/* The view from a scan matched against u (every entry has a record by now). */
static int view_from_scan(struct view *w, const struct maildir_uidlist *u,
			  const struct maildir_list *l, const struct match *mt)
{
	long *file_of = malloc((u->n + 1) * sizeof *file_of);

	memset(w, 0, sizeof *w);
	w->v = calloc(u->n + 1, sizeof *w->v);
	if (w->v == NULL || file_of == NULL)
		goto fail;
	for (size_t i = 0; i < u->n; i++)
		file_of[i] = -1;
	for (size_t i = 0; i < l->n; i++)
		if (mt->rec_of[i] >= 0)
			file_of[mt->rec_of[i]] = (long)i;
	for (size_t i = 0; i < u->n; i++) {
		const struct maildir_entry *e;
		const char *keys = u->v[i].keys != NULL ? u->v[i].keys : "";
		if (file_of[i] < 0)
			continue;
		e = &l->v[file_of[i]];
		if (msg_fill(w, &w->v[w->n], u->v[i].uid, e->name, strlen(e->name), keys,
			     strlen(keys), e->in_new) < 0)
			goto fail;
		w->n++;
	}
	free(file_of);
	return 0;
fail:
	free(file_of);
	view_free(w);
	return -1;
}

/* Under the lock: give every unmatched scan entry a UID (delivery order), refresh the
 * records' names, and write the uidlist: a full rewrite (with the mtime cache) when the
 * snapshot is clean, else an append of the new records only. Records from UID seen_next
 * on were added by others after our scan, for files the scan cannot have seen: they are
 * kept even without a file in l. */
static int assign_and_write(struct maildir_box *b, struct maildir_uidlist *u, int exists,
			    const struct maildir_list *l, struct match *mt, uint32_t seen_next,
			    struct timespec mn, struct timespec mc, int dirty)
{
	struct fresh *fresh = NULL;
	size_t nfresh = 0, first_new = u->n;
	int ret = -1;
	char z[96];

	fresh = malloc((mt->unmatched + 1) * sizeof *fresh);
	if (fresh == NULL)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		struct maildir_name pn;
		if (mt->rec_of[i] != -1)
			continue;
		if (maildir_name_parse(l->v[i].name, &pn) < 0)
			pn.sec = pn.usec = 0;
		fresh[nfresh].sec = pn.sec;
		fresh[nfresh].usec = pn.usec;
		fresh[nfresh++].e = &l->v[i];
	}
	qsort(fresh, nfresh, sizeof *fresh, cmp_fresh);

	if (!exists && u->uidvalidity == 0) {
		u->version = 3;
		if (maildir_uidvalidity_next(b->dir, &u->uidvalidity) < 0)
			goto out;
		u->nextuid = 1;
	}
	if (u->guid[0] == '\0')
		maildir_guid_new(u->guid);
	if (u->n > 0 && u->nextuid <= u->v[u->n - 1].uid)
		u->nextuid = u->v[u->n - 1].uid + 1;
	for (size_t i = 0; i < nfresh; i++) {
		if (u->nextuid == UINT32_MAX) {
			errno = EOVERFLOW;	/* RFC 3501 2.3.1.1: UIDs are 32-bit */
			goto out;
		}
		if (maildir_uidlist_add(u, u->nextuid++, "", fresh[i].e->name) < 0)
			goto out;
	}
	/* Rematch so the new records are found and old records carry current names. */
	free(mt->rec_of);
	if (match_scan(u, l, mt) < 0)
		goto out;

	if (exists && u->version == 3 && dirty) {
		if (nfresh > 0 && maildir_uidlist_append(b->dir, u->v + first_new, nfresh) < 0)
			goto out;
		ret = 0;
		goto out;
	}
	/* Full rewrite: records get their current names; vanished records are dropped. */
	{
		struct maildir_uidlist w = *u;
		struct maildir_uidrec *recs = malloc((u->n + 1) * sizeof *recs);
		char *hdr;
		size_t k = 0, in_new = 0;

		if (recs == NULL)
			goto out;
		for (size_t i = 0; i < u->n; i++)
			recs[i].name = NULL;
		for (size_t i = 0; i < l->n; i++) {
			if (mt->rec_of[i] >= 0) {
				recs[mt->rec_of[i]].name = l->v[i].name;
				in_new += l->v[i].in_new != 0;
			}
		}
		for (size_t i = 0; i < u->n; i++) {
			const char *nm = recs[i].name;
			if (nm == NULL && u->v[i].uid >= seen_next && i < first_new)
				nm = u->v[i].name;
			if (nm == NULL)
				continue;
			recs[k].uid = u->v[i].uid;
			recs[k].keys = u->v[i].keys;
			recs[k].name = (char *)nm;
			k++;
		}
		hdr = cache_header(u->hdr_extra, !dirty && cache_format(mn, mc, z, sizeof z) == 0
				   && cache_counts(z, sizeof z, recs, k, in_new) == 0 ? z : NULL);
		if (hdr == NULL) {
			free(recs);
			goto out;
		}
		w.version = 3;
		w.hdr_extra = hdr;
		w.v = recs;
		w.n = k;
		w.cap = k;
		ret = maildir_uidlist_write(b->dir, &w);
		free(hdr);
		free(recs);
	}
out:
	free(fresh);
	return ret;
}

static int box_lock(struct maildir_box *b, struct maildir_lock *l)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof path, "%s/%s", b->dir, MAILDIR_UIDLIST_FILE);

	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return maildir_lock_take(l, path, MAILDIR_LOCK_WAIT_SEC);
}

static int keywords_reload(struct maildir_box *b)
{
	struct maildir_keywords k = { { 0 } };

	if (maildir_keywords_read(b->dir, &k) < 0)
		return -1;
	maildir_keywords_free(&b->kw);
	b->kw = k;
	return 0;
}

/* --- what a sync changed (rule 5) ------------------------------------------------- */

void maildir_changes_free(struct maildir_changes *c)
{
	free(c->expunged);
	free(c->flagged);
	memset(c, 0, sizeof *c);
}

static int uids_push(uint32_t **v, size_t *n, size_t max, uint32_t uid)
{
	if (*v == NULL) {
		*v = malloc((max + 1) * sizeof **v);
		if (*v == NULL)
			return -1;
	}
	(*v)[(*n)++] = uid;
	return 0;
}

/* Compare the old view with the new one nv (both ordered by UID): messages below the
 * horizon that the old view did not hold are dropped from nv (rule 5); c (when not
 * NULL) gets what left, what changed flags and where the new ones start. Fails (ENOMEM)
 * only before nv is touched. */
static int view_diff(const struct maildir_box *b, struct view *nv,
		     struct maildir_changes *c, int kw_changed)
{
	struct maildir_msg *v = nv->v;
	size_t n = nv->n, k = 0, o = 0;
	struct maildir_changes r = { 0 };

	if (c != NULL) {
		for (size_t i = 0; i < n || o < b->w.n; ) {
			if (i < n && o < b->w.n && v[i].uid == b->w.v[o].uid) {
				if ((v[i].flags != b->w.v[o].flags ||
				     v[i].keywords != b->w.v[o].keywords) &&
				    uids_push(&r.flagged, &r.n_flagged, b->w.n, v[i].uid) < 0)
					goto fail;
				i++, o++;
			} else if (o < b->w.n && (i == n || b->w.v[o].uid < v[i].uid)) {
				if (uids_push(&r.expunged, &r.n_expunged, b->w.n, b->w.v[o].uid) < 0)
					goto fail;
				o++;
			} else {
				i++;
			}
		}
	}
	o = 0;
	for (size_t i = 0; i < n; i++) {
		struct maildir_msg *m = &v[i];
		while (o < b->w.n && b->w.v[o].uid < m->uid)
			o++;
		if (o < b->w.n && b->w.v[o].uid == m->uid) {
			/* What was learnt of a message carries over: its file never changes.
			 * Only a cache: when memory for it is short, it is learnt again. */
			uint64_t ns, nvs, os, ovs;
			time_t t;

			msg_sizes(nv, m, &ns, &nvs);
			msg_sizes(&b->w, &b->w.v[o], &os, &ovs);
			if ((ns == MAILDIR_SIZE_UNKNOWN && os != MAILDIR_SIZE_UNKNOWN) ||
			    (nvs == MAILDIR_SIZE_UNKNOWN && ovs != MAILDIR_SIZE_UNKNOWN))
				(void)msg_learn_sizes(nv, m, ns == MAILDIR_SIZE_UNKNOWN ? os : ns,
						      nvs == MAILDIR_SIZE_UNKNOWN ? ovs : nvs);
			if (msg_date(nv, m) == 0 && (t = msg_date(&b->w, &b->w.v[o])) != 0)
				(void)msg_learn_date(nv, m, t);
		} else if (b->synced && m->uid <= b->uid_horizon) {
			if (!arena_has(nv->arena, m->name))
				free(m->name);
			continue;
		}
		v[k++] = *m;
	}
	nv->n = k;
	r.first_new = k;
	for (size_t i = 0; i < k; i++) {
		if (!b->synced || v[i].uid > b->uid_horizon) {
			r.first_new = i;
			break;
		}
	}
	r.keywords_changed = kw_changed;
	if (c != NULL)
		*c = r;
	return 0;
fail:
	maildir_changes_free(&r);
	return -1;
}

/* match_scan into a match that holds an earlier result. */
static int match_scan_again(const struct maildir_uidlist *u, const struct maildir_list *l,
			    struct match *mt)
{
	free(mt->rec_of);
	mt->rec_of = NULL;
	return match_scan(u, l, mt);
}

/* Rule 2: a record without a file may be a rename we raced with. Read again while
 * that can be so: always once, then while the directories changed under the previous
 * pass (a file renamed over and over can be missed by each). k: the mark taken before
 * the pass that produced l. */
static int rescan_gone(struct maildir_box *b, const struct maildir_uidlist *u,
		       struct maildir_list *l, struct match *mt, struct scan_mark *k)
{
	for (int pass = 1; mt->gone > 0 && pass < BOX_SCAN_PASSES_MAX; pass++) {
		if (pass > 1 && !scan_raced(b, k))
			break;
		if (scan_mark(b, k) < 0 || scan_merge_again(b, l) < 0 ||
		    match_scan_again(u, l, mt) < 0)
			return -1;
	}
	return 0;
}

static int kw_equal(const struct maildir_keywords *a, const struct maildir_keywords *b)
{
	for (int i = 0; i < MAILDIR_KEYWORDS_MAX; i++) {
		if ((a->name[i] == NULL) != (b->name[i] == NULL))
			return 0;
		if (a->name[i] != NULL && strcmp(a->name[i], b->name[i]) != 0)
			return 0;
	}
	return 1;
}

int maildir_box_sync(struct maildir_box *b, struct maildir_changes *c)
{
	struct maildir_uidlist u = { 0 };
	struct maildir_list l = { 0 };
	struct match mt = { 0 };
	struct maildir_lock lock = { { 0 } };
	struct maildir_keywords kw = { { 0 } };
	struct view nv = { 0 };
	struct timespec mn, mc, now;
	struct scan_mark mark;
	size_t cached_new;
	int exists, dirty, complete, kw_changed, ret = -1;

	if (b->pending && maildir_box_load(b) < 0)
		return -1;
	if (c != NULL) {
		memset(c, 0, sizeof *c);
		c->first_new = b->w.n;
	}
	/* The clock first: dirtiness is judged against the moment before the stat and the
	 * readdir (rule 3), never against a later one. */
	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		return -1;
	if (stat_mtime(b->dir, "new", &mn) < 0 || stat_mtime(b->dir, "cur", &mc) < 0)
		return -1;
	dirty = ts_dirty(mn, now) || ts_dirty(mc, now);
	/* Nothing moved since a look that saw everything. */
	if (b->synced && b->complete && ts_eq(mn, b->new_mtime) && ts_eq(mc, b->cur_mtime))
		return 0;

	if (uidlist_load(b->dir, &u, &exists) < 0)
		goto out;
	/* The uidlist does not say which of its files are in new/, and a name with flags
	 * may be there too (APPEND, COPY). The view is taken from it when the recorded
	 * count of files in new/ shows where they are: none, or exactly as many as names
	 * without info (those are in new/, so every name with one is in cur/), or no
	 * count (written by a version that put no flags into new/). Otherwise the
	 * directories are read, to find what is to be claimed as \Recent. */
	if (exists && cache_matches(&u, mn, mc, &cached_new) &&
	    (cached_new == 0 || cached_new == BOX_IN_NEW_UNKNOWN ||
	     cached_new == bare_names(&u))) {
		if (view_from_uidlist(&nv, &u, cached_new == 0 ? 0 : -1) < 0)
			goto out;
		complete = 1;
		goto done;
	}

	if (scan_mark(b, &mark) < 0 || scan_dirs(b, &l) < 0 || match_scan(&u, &l, &mt) < 0 ||
	    rescan_gone(b, &u, &l, &mt, &mark) < 0)
		goto out;
	/* Write when UIDs are to be given, or when a clean snapshot differs from what the
	 * uidlist says (names, vanished files, or a missing or stale mtime record), so the
	 * next open can skip the readdir. */
	if (mt.unmatched > 0 || !exists ||
	    (!dirty && (mt.gone > 0 || mt.renamed > 0 || !cache_matches(&u, mn, mc, NULL)))) {
		uint32_t seen_next;

		/* Writes need the lock, and a fresh read of the uidlist under it. */
		if (box_lock(b, &lock) < 0) {
			if (mt.unmatched == 0 && exists)
				goto view;	/* only the cache refresh is lost */
			goto out;
		}
		seen_next = u.nextuid;
		if (u.n > 0 && seen_next <= u.v[u.n - 1].uid)
			seen_next = u.v[u.n - 1].uid + 1;
		maildir_uidlist_free(&u);
		free(mt.rec_of);
		mt.rec_of = NULL;
		if (uidlist_load(b->dir, &u, &exists) < 0 || match_scan(&u, &l, &mt) < 0)
			goto out;
		/* Others gave UIDs since our scan, to files that may have been linked
		 * after readdir passed their place: read again, or a later UID would
		 * enter the view before an earlier one and shut it out (rule 5). No
		 * UID is given while we hold the lock, so this read sees them all. */
		if (u.nextuid > seen_next && rescan_gone(b, &u, &l, &mt, &mark) < 0)
			goto out;
		if (assign_and_write(b, &u, exists, &l, &mt, seen_next, mn, mc, dirty) < 0)
			goto out;
		maildir_lock_release(&lock);
	}
view:
	if (view_from_scan(&nv, &u, &l, &mt) < 0)
		goto out;
	complete = !dirty;
done:
	if (maildir_keywords_read(b->dir, &kw) < 0) {
		view_free(&nv);
		goto out;
	}
	kw_changed = b->synced && !kw_equal(&kw, &b->kw);
	if (view_diff(b, &nv, c, kw_changed) < 0) {
		view_free(&nv);
		maildir_keywords_free(&kw);
		goto out;
	}
	maildir_keywords_free(&b->kw);
	b->kw = kw;
	view_free(&b->w);
	b->w = nv;
	b->uidvalidity = u.uidvalidity;
	b->nextuid = u.nextuid;
	if (u.n > 0 && b->nextuid <= u.v[u.n - 1].uid)
		b->nextuid = u.v[u.n - 1].uid + 1;
	if (b->w.n > 0 && b->w.v[b->w.n - 1].uid > b->uid_horizon)
		b->uid_horizon = b->w.v[b->w.n - 1].uid;
	b->new_mtime = mn;
	b->cur_mtime = mc;
	b->complete = complete;
	b->synced = 1;
	ret = 0;
out:
	if (lock.path[0] != '\0') {
		int e = errno;
		maildir_lock_release(&lock);
		errno = e;
	}
	free(mt.rec_of);
	maildir_list_free(&l);
	maildir_uidlist_free(&u);
	return ret;
}

/* Only the header line is read: a folder of 100,000 messages has a uidlist of some
 * megabytes, and STATUS wants a few numbers. */
#define BOX_PEEK_MAX 8192

/* Rule 7: 1 when dir's uidlist header proves the folder unchanged and gives its
 * counts, with the mtimes in *mn, *mc and, when fd_r is not NULL, the uidlist still
 * open in *fd_r; 0 when it does not; -1 with errno. */
static int peek(const char *dir, struct maildir_box_status *st, int *fd_r,
		struct timespec *mn, struct timespec *mc)
{
	char path[PATH_MAX], text[BOX_PEEK_MAX], want[96];
	struct maildir_uidlist u;
	const char *p, *nl;
	uint64_t v[4];
	ssize_t got;
	size_t wl;
	int fd, n, found = 0;

	n = snprintf(path, sizeof path, "%s/%s", dir, MAILDIR_UIDLIST_FILE);
	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* The mtimes first: a header that carries them afterwards proves that nothing
	 * moved between its sync and this stat (rule 3). */
	if (stat_mtime(dir, "new", mn) < 0 || stat_mtime(dir, "cur", mc) < 0)
		return -1;
	fd = io_open_regular(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	do
		got = pread(fd, text, sizeof text, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		goto fail;
	nl = memchr(text, '\n', (size_t)got);
	if (nl == NULL)
		goto none;	/* a header that long has no counts of ours */
	if (maildir_uidlist_parse(text, (size_t)(nl - text) + 1, 0, &u, NULL) < 0) {
		if (errno == EINVAL)
			goto none;
		goto fail;
	}
	if (u.version == 3 && cache_format(*mn, *mc, want, sizeof want) == 0) {
		wl = strlen(want);
		for (p = u.hdr_extra; p != NULL && *p != '\0'; p = strchr(p, ' ')) {
			if (*p == ' ')
				p++;
			if (strncmp(p, want, wl) == 0 && p[wl] == ',' &&
			    counts_parse(p + wl, v) == 0 &&
			    v[0] <= UINT32_MAX && v[1] <= v[0] && v[2] <= v[0] && v[3] <= v[0] &&
			    (v[3] > 0) == (v[1] > 0)) {
				found = 1;
				break;
			}
		}
	}
	if (found) {
		st->messages = (uint32_t)v[0];
		st->unseen = (uint32_t)v[1];
		st->in_new = (uint32_t)v[2];
		st->first_unseen = (uint32_t)v[3];
		st->uidvalidity = u.uidvalidity;
		st->uidnext = u.nextuid;
	}
	maildir_uidlist_free(&u);
	if (!found)
		goto none;
	if (fd_r != NULL)
		*fd_r = fd;
	else
		close(fd);
	return 1;
none:
	close(fd);
	return 0;
fail:
	n = errno;
	close(fd);
	errno = n;
	return -1;
}

int maildir_box_peek_status(const char *dir, struct maildir_box_status *st)
{
	struct timespec mn, mc;

	return peek(dir, st, NULL, &mn, &mc);
}

int maildir_box_open_lazy(struct maildir_box **b_r, const char *dir,
			  struct maildir_box_status *st)
{
	size_t len = strlen(dir);
	struct maildir_box *b;
	struct timespec mn, mc;
	int fd, r, e;

	*b_r = NULL;
	if (len >= sizeof b->dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	r = peek(dir, st, &fd, &mn, &mc);
	if (r <= 0)
		return r;
	/* Messages in new/ are to be claimed (IMAP \Recent): that needs the view. */
	if (st->in_new > 0) {
		close(fd);
		return 0;
	}
	b = calloc(1, sizeof *b);
	if (b == NULL)
		goto fail;
	memcpy(b->dir, dir, len + 1);
	if (maildir_keywords_read(dir, &b->kw) < 0)
		goto fail;
	b->uidvalidity = st->uidvalidity;
	b->nextuid = st->uidnext;
	b->new_mtime = mn;
	b->cur_mtime = mc;
	b->pending = 1;
	b->pending_fd = fd;
	b->pending_n = st->messages;
	*b_r = b;
	return 1;
fail:
	e = errno;
	close(fd);
	if (b != NULL)
		maildir_keywords_free(&b->kw);
	free(b);
	errno = e;
	return -1;
}

int maildir_box_pending(const struct maildir_box *b)
{
	return b->pending;
}

/* The next line of fd into *w from *pos (reading more as needed, keeping what is left
 * of the previous chunk): 1 with *s, *n (without LF and trailing CRs), 0 at the end of
 * the file, -1 with errno. A last line without LF is EINVAL: a torn append, never a
 * record the header counted. */
static int stream_line(int fd, struct buf *w, size_t *pos, const char **s, size_t *n)
{
	for (;;) {
		const char *p = w->s != NULL ? w->s + *pos : NULL;
		const char *nl = p != NULL ? memchr(p, '\n', w->len - *pos) : NULL;
		ssize_t got;

		if (nl != NULL) {
			const char *e = nl;

			while (e > p && e[-1] == '\r')
				e--;
			*s = p;
			*n = (size_t)(e - p);
			*pos = (size_t)(nl - w->s) + 1;
			return 1;
		}
		/* Keep the partial line, drop what was consumed, read the next chunk. */
		if (*pos > 0) {
			memmove(w->s, w->s + *pos, w->len - *pos);
			w->len -= *pos;
			*pos = 0;
		}
		if (buf_reserve(w, BOX_READ_CHUNK) < 0)
			return -1;
		do
			got = read(fd, w->s + w->len, BOX_READ_CHUNK);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			return -1;
		if (got == 0) {
			if (w->len == 0)
				return 0;
			errno = EINVAL;
			return -1;
		}
		w->len += (size_t)got;
	}
}

/* Rule 7, as maildir_uidlist_parse would read the header line and the first pending_n
 * records, but streamed: the view is built record by record, with names and keys
 * packed in an arena, so that the uidlist's text and a parsed copy of every record
 * are never in memory beside the view (for 100,000 messages, megabytes each). */
int maildir_box_load(struct maildir_box *b)
{
	struct maildir_uidlist u = { 0 };
	struct view nv = { 0 };
	struct buf w;
	const char *s;
	size_t len, pos = 0;
	uint32_t nextuid;
	int ret = -1, e, r;

	if (!b->pending)
		return 0;
	buf_init(&w, MAILDIR_UIDLIST_MAX);
	r = stream_line(b->pending_fd, &w, &pos, &s, &len);
	if (r <= 0) {
		if (r == 0)
			errno = EINVAL;
		goto out;
	}
	/* The header alone (with its LF, as parse wants a whole line). */
	{
		char *hdr = malloc(len + 2);

		if (hdr == NULL)
			goto out;
		memcpy(hdr, s, len);
		hdr[len] = '\n';
		hdr[len + 1] = '\0';
		r = maildir_uidlist_parse(hdr, len + 1, 0, &u, NULL);
		free(hdr);
		if (r < 0)
			goto out;
	}
	if (u.uidvalidity != b->uidvalidity) {
		errno = EINVAL;
		goto out;
	}
	nextuid = u.nextuid;
	nv.v = calloc(b->pending_n + 1, sizeof *nv.v);
	if (nv.v == NULL)
		goto out;
	/* Exactly the records counted: later appends, even one being written right now,
	 * are left for the next sync. A blank line among them breaks the count. */
	while (nv.n < b->pending_n) {
		struct maildir_uidline rec;

		r = stream_line(b->pending_fd, &w, &pos, &s, &len);
		if (r <= 0) {
			if (r == 0)
				errno = EINVAL;
			goto out;
		}
		if (maildir_uidlist_record(u.version, s, len, &rec) < 0)
			goto out;
		if (nv.n > 0 && rec.uid <= nv.v[nv.n - 1].uid) {
			errno = EINVAL;
			goto out;
		}
		/* open_lazy takes this path only with nothing in new/ */
		if (msg_fill(&nv, &nv.v[nv.n], rec.uid, rec.name, rec.nlen, rec.keys, rec.klen,
			     0) < 0)
			goto out;
		nv.n++;
		if (nextuid <= rec.uid)
			nextuid = rec.uid == UINT32_MAX ? UINT32_MAX : rec.uid + 1;
	}
	view_free(&b->w);
	b->w = nv;
	memset(&nv, 0, sizeof nv);
	if (nextuid > b->nextuid)
		b->nextuid = nextuid;
	if (b->w.n > 0 && b->w.v[b->w.n - 1].uid > b->uid_horizon)
		b->uid_horizon = b->w.v[b->w.n - 1].uid;
	b->complete = 1;
	b->synced = 1;
	close(b->pending_fd);
	b->pending = 0;
	b->pending_fd = -1;
	ret = 0;
out:
	e = errno;
	buf_free(&w);
	maildir_uidlist_free(&u);
	view_free(&nv);
	errno = e;
	return ret;
}

int maildir_box_open(struct maildir_box **b_r, const char *dir)
{
	size_t len = strlen(dir);
	struct maildir_box *b;

	*b_r = NULL;
	if (len >= sizeof b->dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	b = calloc(1, sizeof *b);
	if (b == NULL)
		return -1;
	memcpy(b->dir, dir, len + 1);
	if (maildir_box_sync(b, NULL) < 0) {
		int e = errno;
		maildir_box_close(b);
		errno = e;
		return -1;
	}
	*b_r = b;
	return 0;
}

void maildir_box_close(struct maildir_box *b)
{
	if (b == NULL)
		return;
	if (b->pending)
		close(b->pending_fd);
	view_free(&b->w);
	maildir_keywords_free(&b->kw);
	free(b);
}

const char *maildir_box_dir(const struct maildir_box *b)
{
	return b->dir;
}

uint32_t maildir_box_uidvalidity(const struct maildir_box *b)
{
	return b->uidvalidity;
}

uint32_t maildir_box_nextuid(const struct maildir_box *b)
{
	return b->nextuid;
}

size_t maildir_box_count(const struct maildir_box *b)
{
	return b->w.n;
}

const struct maildir_msg *maildir_box_msg(const struct maildir_box *b, size_t i)
{
	return i < b->w.n ? &b->w.v[i] : NULL;
}

uint64_t maildir_box_msg_size(const struct maildir_box *b, size_t i)
{
	uint64_t size, vsize;

	msg_sizes(&b->w, &b->w.v[i], &size, &vsize);
	return size;
}

uint64_t maildir_box_msg_vsize(const struct maildir_box *b, size_t i)
{
	uint64_t size, vsize;

	msg_sizes(&b->w, &b->w.v[i], &size, &vsize);
	return vsize;
}

time_t maildir_box_msg_internaldate(const struct maildir_box *b, size_t i)
{
	return msg_date(&b->w, &b->w.v[i]);
}

const char *maildir_box_msg_keys(const struct maildir_box *b, size_t i)
{
	return msg_keys(&b->w.v[i]);
}

const struct maildir_keywords *maildir_box_keywords(const struct maildir_box *b)
{
	return &b->kw;
}

unsigned long maildir_box_readdirs(const struct maildir_box *b)
{
	return b->readdirs;
}

long maildir_box_find(const struct maildir_box *b, uint32_t uid)
{
	size_t lo = 0, hi = b->w.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->w.v[mid].uid == uid)
			return (long)mid;
		if (b->w.v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* --- finding renamed files: one scan for the whole view --------------------------- */

static int msg_set_name(struct maildir_box *b, struct maildir_msg *m, const char *name,
			int in_new)
{
	char *dup;

	if (strcmp(name, m->name) == 0) {
		m->in_new = in_new;
		return 0;
	}
	{
		/* The keys follow the name, in the same allocation. */
		const char *keys = msg_keys(m);
		size_t nlen = strlen(name), klen = strlen(keys);

		dup = malloc(nlen + 1 + (klen > 0 ? klen + 1 : 0));
		if (dup == NULL)
			return -1;
		memcpy(dup, name, nlen + 1);
		if (klen > 0)
			memcpy(dup + nlen + 1, keys, klen + 1);
	}
	if (!arena_has(b->w.arena, m->name))
		free(m->name);
	m->name = dup;
	m->in_new = in_new;
	return 0;
}

static long ms_since(struct timespec then)
{
	struct timespec now;

	if (then.tv_sec == 0 && then.tv_nsec == 0)
		return LONG_MAX;
	if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		return LONG_MAX;
	return (long)((now.tv_sec - then.tv_sec) * 1000 + (now.tv_nsec - then.tv_nsec) / 1000000);
}

/* Read new/ and cur/ (twice when something is missing, rule 2) and give every message
 * of the view its current file name. *found_r: message i was found. Flags stay as the
 * last sync saw them: reporting flag changes is the sync's business. */
static int box_refresh(struct maildir_box *b, size_t i, int *found_r)
{
	struct maildir_list l = { 0 };
	struct basemap m;
	char **names = NULL;
	size_t missing = 0;
	int ret = -1;

	*found_r = 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &b->refreshed);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0 ? scan_dirs(b, &l) < 0 : scan_merge_again(b, &l) < 0)
			goto out;
		free(names);
		names = malloc((l.n + 1) * sizeof *names);
		if (names == NULL)
			goto out;
		for (size_t k = 0; k < l.n; k++)
			names[k] = l.v[k].name;
		if (basemap_init(&m, names, l.n) < 0)
			goto out;
		missing = 0;
		for (size_t k = 0; k < b->w.n; k++) {
			const char *nm = b->w.v[k].name;
			long e = basemap_find(&m, nm, base_len_of(nm));
			if (e < 0) {
				missing++;
				continue;
			}
			if (msg_set_name(b, &b->w.v[k], l.v[e].name, l.v[e].in_new) < 0) {
				basemap_free(&m);
				goto out;
			}
			if (k == i)
				*found_r = 1;
		}
		basemap_free(&m);
		if (missing == 0 || *found_r)
			break;
	}
	ret = 0;
out:
	free(names);
	maildir_list_free(&l);
	return ret;
}

struct box_finder_ctx {
	struct maildir_box *b;
	size_t i;
	int refreshed;		/* this operation refreshed once already */
};

static int box_find(void *ctx, const char *dir, const char *base, size_t base_len,
		    int *in_new_r, char *name_r, size_t namesz)
{
	struct box_finder_ctx *f = ctx;
	struct maildir_msg *m = &f->b->w.v[f->i];
	int found;

	/* A client that renamed many files makes every name stale at once: one scan
	 * fixes them all. A file renamed again after that is looked for alone. */
	if (f->refreshed || ms_since(f->b->refreshed) < BOX_REFRESH_MIN_MS)
		return maildir_msg_find(dir, base, base_len, in_new_r, name_r, namesz);
	f->refreshed = 1;
	if (box_refresh(f->b, f->i, &found) < 0)
		return -1;
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	if (str_lcpy(name_r, m->name, namesz) >= namesz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	*in_new_r = m->in_new;
	return 0;
}

#define BOX_FINDER(b, i, ctx) \
	struct box_finder_ctx ctx = { (b), (i), 0 }; \
	const struct maildir_finder ctx##_f = { box_find, &ctx }

/* --- one message ------------------------------------------------------------------ */

int maildir_box_open_msg(struct maildir_box *b, size_t i)
{
	char name[MAILDIR_NAME_MAX + 1];
	struct maildir_msg *m = &b->w.v[i];
	int fd, in_new = m->in_new;
	BOX_FINDER(b, i, fc);

	if (str_lcpy(name, m->name, sizeof name) >= sizeof name) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = maildir_msg_open_with(&fc_f, b->dir, &in_new, name);
	if (fd < 0)
		return -1;
	if (msg_set_name(b, m, name, in_new) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The file's size from fstat, and its size with every bare LF counted as CR LF. */
static int file_sizes(int fd, uint64_t *size_r, uint64_t *vsize_r)
{
	char *chunk = malloc(BOX_READ_CHUNK);
	uint64_t size = 0, vsize = 0;
	char prev = '\0';
	ssize_t got;

	if (chunk == NULL)
		return -1;
	while ((got = read(fd, chunk, BOX_READ_CHUNK)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			free(chunk);
			return -1;
		}
		for (ssize_t i = 0; i < got; i++) {
			if (chunk[i] == '\n' && prev != '\r')
				vsize++;
			prev = chunk[i];
		}
		size += (uint64_t)got;
		vsize += (uint64_t)got;
	}
	free(chunk);
	*size_r = size;
	*vsize_r = vsize;
	return 0;
}

int maildir_box_sizes(struct maildir_box *b, size_t i)
{
	uint64_t size, vsize;
	int fd;

	msg_sizes(&b->w, &b->w.v[i], &size, &vsize);
	if (size != MAILDIR_SIZE_UNKNOWN && vsize != MAILDIR_SIZE_UNKNOWN)
		return 0;
	fd = maildir_box_open_msg(b, i);
	if (fd < 0)
		return -1;
	if (file_sizes(fd, &size, &vsize) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return msg_learn_sizes(&b->w, &b->w.v[i], size, vsize);
}

int maildir_box_internaldate(struct maildir_box *b, size_t i)
{
	struct maildir_msg *m = &b->w.v[i];
	char path[PATH_MAX + MAILDIR_NAME_MAX + 8];
	struct stat st;

	if (msg_date(&b->w, m) != 0)
		return 0;
	/* The stat by name is the common case; a renamed file costs an open. */
	if (maildir_msg_path(b->dir, m->in_new, m->name, path, sizeof path) < 0)
		return -1;
	if (stat(path, &st) < 0) {
		int fd;

		if (errno != ENOENT)
			return -1;
		fd = maildir_box_open_msg(b, i);
		if (fd < 0)
			return -1;
		if (fstat(fd, &st) < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		close(fd);
	}
	/* 0 means "not known": a file dated 1970-01-01T00:00:00 reads as one second on. */
	return msg_learn_date(&b->w, &b->w.v[i], st.st_mtim.tv_sec != 0 ? st.st_mtim.tv_sec : 1);
}

int maildir_box_change_flags(struct maildir_box *b, size_t i,
			     const struct maildir_flag_change *c)
{
	char newname[MAILDIR_NAME_MAX + 1];
	struct maildir_msg *m = &b->w.v[i];
	uint32_t flags, keywords;
	BOX_FINDER(b, i, fc);

	if (maildir_msg_change_flags_with(&fc_f, b->dir, m->in_new, m->name, c, newname,
					  sizeof newname, &flags, &keywords) < 0)
		return -1;
	if (msg_set_name(b, m, newname, 0) < 0)
		return -1;
	m->flags = flags;
	m->keywords = keywords;
	return 0;
}

int maildir_box_set_flags(struct maildir_box *b, size_t i, uint32_t flags, uint32_t keywords)
{
	struct maildir_flag_change c = { flags, keywords, ~flags, ~keywords };

	return maildir_box_change_flags(b, i, &c);
}

int maildir_box_claim(struct maildir_box *b, size_t i)
{
	char next[MAILDIR_NAME_MAX + 1], from[PATH_MAX], to[PATH_MAX];
	struct maildir_msg *m = &b->w.v[i];

	if (!m->in_new)
		return 0;
	if (maildir_name_with_flags(m->name, m->flags, m->keywords, next, sizeof next) < 0 ||
	    maildir_msg_path(b->dir, 1, m->name, from, sizeof from) < 0 ||
	    maildir_msg_path(b->dir, 0, next, to, sizeof to) < 0)
		return -1;
	/* Trap: no retry through the finder here. Of two processes renaming the same
	 * new/ file, exactly one rename() succeeds: the other gets ENOENT and must not
	 * count the message as its own (it is in cur/ now, or expunged). */
	if (rename(from, to) < 0)
		return errno == ENOENT ? 0 : -1;
	if (msg_set_name(b, m, next, 0) < 0)
		return -1;
	return 1;
}

int maildir_box_expunge(struct maildir_box *b, size_t i)
{
	BOX_FINDER(b, i, fc);

	return maildir_msg_expunge_with(&fc_f, b->dir, b->w.v[i].in_new, b->w.v[i].name);
}

int maildir_box_expunge_if(struct maildir_box *b, size_t i, uint32_t need)
{
	BOX_FINDER(b, i, fc);

	return maildir_msg_expunge_if(&fc_f, b->dir, b->w.v[i].in_new, b->w.v[i].name, need);
}

int maildir_box_keyword(struct maildir_box *b, const char *name)
{
	struct maildir_lock lock = { { 0 } };
	int added = 0, idx, e;

	idx = maildir_keywords_index(&b->kw, name);
	if (idx >= 0)
		return idx;
	/* dovecot-keywords is written only under the uidlist lock (dovecot-maildir.md). */
	if (box_lock(b, &lock) < 0)
		return -1;
	if (keywords_reload(b) < 0)
		goto fail;
	idx = maildir_keywords_add(&b->kw, name, &added);
	if (idx < 0 || (added && maildir_keywords_write(b->dir, &b->kw) < 0))
		goto fail;
	maildir_lock_release(&lock);
	return idx;
fail:
	e = errno;
	maildir_lock_release(&lock);
	errno = e;
	return -1;
}

/* --- APPEND, COPY, MOVE: files and UIDs committed together (rule 6) --------------- */

/* Under b's lock: the uidlist as it is now, which must be the one the view knows. */
static int locked_uidlist(struct maildir_box *b, struct maildir_uidlist *u)
{
	int exists;

	if (uidlist_load(b->dir, u, &exists) < 0)
		return -1;
	if (!exists || u->version != 3 || (b->synced && u->uidvalidity != b->uidvalidity)) {
		/* Removed or replaced since the view was made: a sync sorts that out, and a
		 * retry after it is safe since nothing was committed. */
		maildir_uidlist_free(u);
		errno = ESTALE;
		return -1;
	}
	if (u->n > 0 && u->nextuid <= u->v[u->n - 1].uid)
		u->nextuid = u->v[u->n - 1].uid + 1;
	return 0;
}

/* n UIDs from u->nextuid on, or -1 EOVERFLOW (RFC 3501 2.3.1.1: UIDs are 32-bit). */
static int uids_reserve(const struct maildir_uidlist *u, size_t n)
{
	if (u->nextuid == 0 || (uint64_t)u->nextuid + n >= UINT32_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	return 0;
}

static int fsync_sub(const char *dir, const char *sub)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof path, "%s/%s", dir, sub);

	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return io_fsync_dir(path);
}

int maildir_box_append(struct maildir_box *b, struct maildir_tmp *t, uint32_t flags,
		       uint32_t keywords, uint32_t *uid_r)
{
	struct maildir_lock lock = { { 0 } };
	struct maildir_uidlist u = { 0 };
	struct maildir_uidrec rec;
	char name[MAILDIR_NAME_MAX + 1];
	int e;

	if (box_lock(b, &lock) < 0)
		goto fail;
	if (locked_uidlist(b, &u) < 0 || uids_reserve(&u, 1) < 0)
		goto fail;
	/* Into new/, with or without flags (its name then carries them), so the message
	 * is \Recent to the first session that claims it (RFC 3501 6.3.11). */
	if (maildir_tmp_commit(t, "new", flags, keywords, name, sizeof name) < 0)
		goto fail;
	rec.uid = u.nextuid;
	rec.keys = (char *)"";
	rec.name = name;
	if (maildir_uidlist_append(b->dir, &rec, 1) < 0) {
		/* Nobody can have given it a UID: we hold the lock. Take it back, so a
		 * failed APPEND leaves nothing that a retry would duplicate. */
		char path[PATH_MAX + MAILDIR_NAME_MAX + 8];
		e = errno;
		if (maildir_msg_path(b->dir, 1, name, path, sizeof path) == 0)
			(void)unlink(path);
		errno = e;
		goto fail;
	}
	*uid_r = rec.uid;
	maildir_uidlist_free(&u);
	maildir_lock_release(&lock);
	return 0;
fail:
	e = errno;
	maildir_tmp_abort(t);
	maildir_uidlist_free(&u);
	if (lock.path[0] != '\0')
		maildir_lock_release(&lock);
	errno = e;
	return -1;
}

/* One message placed into dst: where it went, to undo it. */
struct placed {
	char name[MAILDIR_NAME_MAX + 1];
	int in_new;
	int moved;		/* renamed out of src (undo renames it back) */
	char from[PATH_MAX + MAILDIR_NAME_MAX + 8];
};

/* dst's name for message m of src: a fresh base with the same sizes, flags kept and
 * keywords carried by name. */
static int copy_name(const struct maildir_box *src, const struct maildir_msg *m,
		     const struct maildir_box *dst, char *out, size_t outsz, int *in_new_r)
{
	char base[MAILDIR_NAME_MAX + 1], sizes[64] = "", letters[2 * 26 + 1];
	uint64_t size, vsize;
	uint32_t kw = 0;
	int n;

	for (int k = 0; k < MAILDIR_KEYWORDS_MAX; k++) {
		int d;
		if (!(m->keywords & (UINT32_C(1) << k)) || src->kw.name[k] == NULL)
			continue;
		d = maildir_keywords_index(&dst->kw, src->kw.name[k]);
		if (d >= 0)
			kw |= UINT32_C(1) << d;
	}
	if (maildir_unique(base, sizeof base) < 0)
		return -1;
	msg_sizes(&src->w, m, &size, &vsize);
	if (size != MAILDIR_SIZE_UNKNOWN)
		snprintf(sizes, sizeof sizes, ",S=%llu", (unsigned long long)size);
	if (vsize != MAILDIR_SIZE_UNKNOWN)
		snprintf(sizes + strlen(sizes), sizeof sizes - strlen(sizes), ",W=%llu",
			 (unsigned long long)vsize);
	if (maildir_flags_format(m->flags, kw, letters, sizeof letters) < 0)
		return -1;
	/* The copy goes to new/ with its flags in the name, to be \Recent in dst to the
	 * first session that claims it (RFC 3501 6.4.7, RFC 6851 3.3). */
	*in_new_r = 1;
	n = snprintf(out, outsz, "%s%s%s%s", base, sizes, letters[0] != '\0' ? ":2," : "",
		     letters);
	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* A byte copy of fd into dst as name (different file systems). */
static int copy_bytes(struct maildir_box *dst, int fd, uint32_t flags, uint32_t keywords,
		      time_t mtime, struct placed *p)
{
	struct maildir_tmp t;
	char *chunk = malloc(BOX_READ_CHUNK);
	ssize_t got;

	if (chunk == NULL)
		return -1;
	if (maildir_tmp_open(&t, dst->dir) < 0) {
		free(chunk);
		return -1;
	}
	t.mtime = mtime;
	while ((got = read(fd, chunk, BOX_READ_CHUNK)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 || maildir_tmp_write(&t, chunk, (size_t)got) < 0) {
			int e = errno;
			free(chunk);
			maildir_tmp_abort(&t);
			errno = e;
			return -1;
		}
	}
	free(chunk);
	p->in_new = 1;	/* \Recent in dst, as copy_name says */
	return maildir_tmp_commit(&t, "new", flags, keywords, p->name, sizeof p->name);
}

/* Place message i of src into dst: link (or rename for a move); a byte copy across
 * file systems. 1 placed, 0 expunged meanwhile, -1 error. */
static int place_one(struct maildir_box *src, size_t i, struct maildir_box *dst, int move,
		     struct placed *p)
{
	struct maildir_msg *m = &src->w.v[i];
	char to[PATH_MAX + MAILDIR_NAME_MAX + 8];

	memset(p, 0, sizeof *p);
	if (copy_name(src, m, dst, p->name, sizeof p->name, &p->in_new) < 0 ||
	    maildir_msg_path(dst->dir, p->in_new, p->name, to, sizeof to) < 0)
		return -1;
	for (int tries = 0; tries < 4; tries++) {
		int fd, r;

		if (maildir_msg_path(src->dir, m->in_new, m->name, p->from, sizeof p->from) < 0)
			return -1;
		r = move ? rename(p->from, to) : link(p->from, to);
		if (r == 0) {
			p->moved = move;
			return 1;
		}
		if (errno == ENOENT) {
			/* Renamed under us: find it (one scan for the whole view). */
			fd = maildir_box_open_msg(src, i);
			if (fd < 0)
				return errno == ENOENT ? 0 : -1;
			close(fd);
			continue;
		}
		if (errno != EXDEV && errno != EPERM && errno != ENOSYS && errno != EOPNOTSUPP)
			return -1;
		/* No link here: copy the bytes, keeping INTERNALDATE (the mtime). */
		if (maildir_box_internaldate(src, i) < 0)
			return errno == ENOENT ? 0 : -1;
		fd = maildir_box_open_msg(src, i);
		if (fd < 0)
			return errno == ENOENT ? 0 : -1;
		{
			uint32_t kw = 0;
			for (int k = 0; k < MAILDIR_KEYWORDS_MAX; k++) {
				int d;
				if (!(m->keywords & (UINT32_C(1) << k)) || src->kw.name[k] == NULL)
					continue;
				d = maildir_keywords_index(&dst->kw, src->kw.name[k]);
				if (d >= 0)
					kw |= UINT32_C(1) << d;
			}
			r = copy_bytes(dst, fd, m->flags, kw, msg_date(&src->w, m), p);
		}
		close(fd);
		return r < 0 ? -1 : 1;
	}
	errno = EAGAIN;
	return -1;
}

static void unplace(struct maildir_box *dst, const struct placed *p)
{
	char path[PATH_MAX + MAILDIR_NAME_MAX + 8];

	if (maildir_msg_path(dst->dir, p->in_new, p->name, path, sizeof path) < 0)
		return;
	if (p->moved)
		(void)rename(path, p->from);
	else
		(void)unlink(path);
}

/* copied_r (a move only): 1 where a message was copied, not renamed, so that its
 * original is still in src. */
static int transfer(struct maildir_box *src, const size_t *idx, size_t n,
		    struct maildir_box *dst, uint32_t *uids_r, int move, unsigned char *copied_r)
{
	struct maildir_lock lock = { { 0 } };
	struct maildir_uidlist u = { 0 };
	struct maildir_uidrec *recs = NULL;
	struct placed *placed = NULL;
	size_t nrec = 0, k = 0;
	int e, ret = -1, moved_any = 0;

	if (src == dst) {
		errno = EINVAL;
		return -1;
	}
	for (size_t j = 0; j < n; j++) {
		if (idx[j] >= src->w.n) {
			errno = EINVAL;
			return -1;
		}
		uids_r[j] = 0;
	}
	/* Keyword names first: letters of dst are given under dst's lock, which the
	 * transfer itself holds (the dotlock is not reentrant). */
	for (size_t j = 0; j < n; j++) {
		uint32_t kw = src->w.v[idx[j]].keywords;
		for (int b = 0; b < MAILDIR_KEYWORDS_MAX; b++)
			if ((kw & (UINT32_C(1) << b)) && src->kw.name[b] != NULL &&
			    maildir_box_keyword(dst, src->kw.name[b]) < 0 && errno != ENOSPC)
				return -1;
	}
	recs = calloc(n + 1, sizeof *recs);
	placed = calloc(n + 1, sizeof *placed);
	if (recs == NULL || placed == NULL)
		goto out;
	if (box_lock(dst, &lock) < 0 || locked_uidlist(dst, &u) < 0 ||
	    uids_reserve(&u, n) < 0)
		goto out;
	for (k = 0; k < n; k++) {
		int r = place_one(src, idx[k], dst, move, &placed[k]);
		if (r < 0)
			goto undo;
		if (r == 0) {
			placed[k].name[0] = '\0';
			continue;
		}
		moved_any |= placed[k].moved;
		recs[nrec].uid = u.nextuid + (uint32_t)nrec;
		recs[nrec].keys = (char *)"";
		recs[nrec].name = placed[k].name;
		nrec++;
	}
	/* Durable before the UIDs are: the links or renames, and for a move the source
	 * directories too (a crash must not bring a moved message back in src). */
	if (fsync_sub(dst->dir, "new") < 0 || fsync_sub(dst->dir, "cur") < 0 ||
	    (moved_any && (fsync_sub(src->dir, "new") < 0 || fsync_sub(src->dir, "cur") < 0)))
		goto undo;
	if (nrec > 0 && maildir_uidlist_append(dst->dir, recs, nrec) < 0)
		goto undo;
	for (size_t j = 0, r = 0; j < n; j++) {
		if (placed[j].name[0] != '\0')
			uids_r[j] = recs[r++].uid;
		if (copied_r != NULL)
			copied_r[j] = placed[j].name[0] != '\0' && !placed[j].moved;
	}
	ret = 0;
	goto out;
undo:
	e = errno;
	while (k-- > 0)
		if (placed[k].name[0] != '\0')
			unplace(dst, &placed[k]);
	for (size_t j = 0; j < n; j++)
		uids_r[j] = 0;
	errno = e;
out:
	e = errno;
	maildir_uidlist_free(&u);
	if (lock.path[0] != '\0')
		maildir_lock_release(&lock);
	free(recs);
	free(placed);
	errno = e;
	return ret;
}

int maildir_box_copy(struct maildir_box *src, const size_t *idx, size_t n,
		     struct maildir_box *dst, uint32_t *uids_r)
{
	return transfer(src, idx, n, dst, uids_r, 0, NULL);
}

int maildir_box_move(struct maildir_box *src, const size_t *idx, size_t n,
		     struct maildir_box *dst, uint32_t *uids_r)
{
	unsigned char *copied = calloc(n + 1, 1);
	int ret = -1;

	if (copied == NULL)
		return -1;
	/* A message placed by a byte copy (another file system) still has its original:
	 * that one goes once the copy has its UID, so it is never in neither folder. */
	if (transfer(src, idx, n, dst, uids_r, 1, copied) < 0)
		goto out;
	for (size_t j = 0; j < n; j++)
		if (copied[j] && maildir_box_expunge(src, idx[j]) < 0)
			goto out;
	ret = 0;
out:
	free(copied);
	return ret;
}
