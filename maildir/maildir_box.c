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
 *    it gone we read the directories a second time and merge, so a message is never
 *    dropped from the view (and so never reported expunged) because of a rename race.
 * 3. The "unchanged folder" shortcut. A full sync records in the uidlist header (field
 *    Z<new mtime>:<cur mtime>, nanoseconds) the directory mtimes it saw *before* reading
 *    the directories, together with the then-current names of every message. A later
 *    open that finds the same mtimes knows the uidlist is the whole truth and reads no
 *    directory at all. Any link, rename or unlink in new/ or cur/ changes an mtime, so a
 *    stale uidlist can never match. File systems stamp mtimes with a coarse clock, so a
 *    change within the same tick as the recording could go unseen: mtimes less than
 *    MAILDIR_DIRTY_SEC old are never recorded (Dovecot applies the same rule).
 *    Dovecot ignores header fields it does not know, and a rewrite by Dovecot either
 *    drops Z or keeps it beside records that still describe the same directories.
 * 4. UIDVALIDITY is created once, with the uidlist; it is never changed afterwards. An
 *    unreadable uidlist is an error, never a reason to renumber.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
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

static int ts_dirty(struct timespec t)
{
	return t.tv_sec + MAILDIR_DIRTY_SEC > time(NULL);
}

/* Z<sec>.<nsec>:<sec>.<nsec> of new/ and cur/, as written in the uidlist header. */
static int cache_format(struct timespec n, struct timespec c, char *out, size_t sz)
{
	int len = snprintf(out, sz, "%c%lld.%09ld:%lld.%09ld", BOX_CACHE_KEY,
			   (long long)n.tv_sec, n.tv_nsec, (long long)c.tv_sec, c.tv_nsec);

	return len < 0 || (size_t)len >= sz ? -1 : 0;
}

/* 1 when the uidlist header carries exactly these mtimes. */
static int cache_matches(const struct maildir_uidlist *u, struct timespec n,
			 struct timespec c)
{
	char want[96];
	const char *p = u->hdr_extra;
	size_t wl;

	if (ts_dirty(n) || ts_dirty(c) || cache_format(n, c, want, sizeof want) < 0)
		return 0;
	wl = strlen(want);
	while (p != NULL && *p != '\0') {
		if (strncmp(p, want, wl) == 0 && (p[wl] == ' ' || p[wl] == '\0'))
			return 1;
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

/* --- building the view ------------------------------------------------------------ */

static void msgs_free(struct maildir_msg *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].keys);
	}
	free(v);
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

/* in_new < 0: not known (no readdir was done). A name with info is then taken to be
 * in cur/ (flag changes move files there), one without in new/; a wrong guess is
 * corrected by maildir_msg_open()/set_flags(), which follow the base name. */
static int msg_fill(struct maildir_msg *m, uint32_t uid, const char *name, int in_new,
		    const char *keys)
{
	struct maildir_name mn;
	int parsed = maildir_name_parse(name, &mn) == 0;

	memset(m, 0, sizeof *m);
	m->uid = uid;
	m->in_new = in_new >= 0 ? in_new : parsed && mn.sep == 0;
	m->name = strdup(name);
	m->keys = strdup(keys != NULL ? keys : "");
	if (m->name == NULL || m->keys == NULL)
		return -1;
	m->size = m->vsize = MAILDIR_SIZE_UNKNOWN;
	if (parsed) {
		m->flags = mn.flags;
		m->keywords = mn.keywords;
		m->size = mn.size;
		m->vsize = mn.vsize;
	}
	if (m->size == MAILDIR_SIZE_UNKNOWN)
		m->size = key_u64(keys, 'S');
	if (m->vsize == MAILDIR_SIZE_UNKNOWN)
		m->vsize = key_u64(keys, 'W');
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

/* The view from records alone (the unchanged-folder shortcut). */
static int view_from_uidlist(struct maildir_msg **v_r, size_t *n_r,
			     const struct maildir_uidlist *u)
{
	struct maildir_msg *v = calloc(u->n + 1, sizeof *v);

	if (v == NULL)
		return -1;
	for (size_t i = 0; i < u->n; i++) {
		if (msg_fill(&v[i], u->v[i].uid, u->v[i].name, -1, u->v[i].keys) < 0) {
			msgs_free(v, i + 1);
			return -1;
		}
	}
	*v_r = v;
	*n_r = u->n;
	return 0;
}

/* The view from a scan matched against u (every entry has a record by now). */
static int view_from_scan(struct maildir_msg **v_r, size_t *n_r,
			  const struct maildir_uidlist *u, const struct maildir_list *l,
			  const struct match *mt)
{
	struct maildir_msg *v = calloc(u->n + 1, sizeof *v);
	size_t n = 0;
	long *file_of = malloc((u->n + 1) * sizeof *file_of);

	if (v == NULL || file_of == NULL)
		goto fail;
	for (size_t i = 0; i < u->n; i++)
		file_of[i] = -1;
	for (size_t i = 0; i < l->n; i++)
		if (mt->rec_of[i] >= 0)
			file_of[mt->rec_of[i]] = (long)i;
	for (size_t i = 0; i < u->n; i++) {
		const struct maildir_entry *e;
		if (file_of[i] < 0)
			continue;
		e = &l->v[file_of[i]];
		if (msg_fill(&v[n++], u->v[i].uid, e->name, e->in_new, u->v[i].keys) < 0)
			goto fail;
	}
	free(file_of);
	*v_r = v;
	*n_r = n;
	return 0;
fail:
	free(file_of);
	if (v != NULL)
		msgs_free(v, n);
	return -1;
}

/* Under the lock: give every unmatched scan entry a UID (delivery order), refresh the
 * records' names, and write the uidlist: a full rewrite (with the mtime cache) when the
 * snapshot is clean, else an append of the new records only. Records from UID seen_next
 * on were added by others after our scan, for files the scan cannot have seen: they are
 * kept even without a file in l. */
static int assign_and_write(struct maildir_box *b, struct maildir_uidlist *u, int exists,
			    const struct maildir_list *l, struct match *mt, uint32_t seen_next,
			    struct timespec mn, struct timespec mc)
{
	struct fresh *fresh = NULL;
	size_t nfresh = 0, first_new = u->n;
	int dirty = ts_dirty(mn) || ts_dirty(mc);
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
		u->uidvalidity = maildir_uidvalidity_new();
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
		size_t k = 0;

		if (recs == NULL)
			goto out;
		for (size_t i = 0; i < u->n; i++)
			recs[i].name = NULL;
		for (size_t i = 0; i < l->n; i++)
			if (mt->rec_of[i] >= 0)
				recs[mt->rec_of[i]].name = l->v[i].name;
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
				   ? z : NULL);
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

int maildir_box_sync(struct maildir_box *b, int *changed_r)
{
	struct maildir_uidlist u = { 0 };
	struct maildir_list l = { 0 };
	struct match mt = { 0 };
	struct maildir_lock lock = { { 0 } };
	struct maildir_msg *v = NULL;
	struct timespec mn, mc;
	size_t n = 0;
	int exists, ret = -1;

	if (changed_r != NULL)
		*changed_r = 0;
	if (stat_mtime(b->dir, "new", &mn) < 0 || stat_mtime(b->dir, "cur", &mc) < 0)
		return -1;
	/* Nothing moved since our last look, and that look was not in a dirty tick. */
	if (b->v != NULL && ts_eq(mn, b->new_mtime) && ts_eq(mc, b->cur_mtime) &&
	    !ts_dirty(mn) && !ts_dirty(mc))
		return 0;

	if (uidlist_load(b->dir, &u, &exists) < 0)
		goto out;
	if (exists && cache_matches(&u, mn, mc)) {
		if (view_from_uidlist(&v, &n, &u) < 0)
			goto out;
		goto done;
	}

	if (scan_dirs(b, &l) < 0 || match_scan(&u, &l, &mt) < 0)
		goto out;
	if (mt.gone > 0) {
		/* Rule 2: a record without a file may be a rename we raced with. */
		free(mt.rec_of);
		mt.rec_of = NULL;
		if (scan_merge_again(b, &l) < 0 || match_scan(&u, &l, &mt) < 0)
			goto out;
	}
	/* Write when UIDs are to be given, or when a clean snapshot differs from what the
	 * uidlist says (names, vanished files, or a missing or stale mtime record), so the
	 * next open can skip the readdir. */
	if (mt.unmatched > 0 || !exists ||
	    (!ts_dirty(mn) && !ts_dirty(mc) && (mt.gone > 0 || mt.renamed > 0 ||
						 !cache_matches(&u, mn, mc)))) {
		/* Writes need the lock, and a fresh read of the uidlist under it. */
		if (box_lock(b, &lock) < 0) {
			if (mt.unmatched == 0 && exists)
				goto view;	/* only the cache refresh is lost */
			goto out;
		}
		uint32_t seen_next = u.nextuid;
		if (u.n > 0 && seen_next <= u.v[u.n - 1].uid)
			seen_next = u.v[u.n - 1].uid + 1;
		maildir_uidlist_free(&u);
		free(mt.rec_of);
		mt.rec_of = NULL;
		if (uidlist_load(b->dir, &u, &exists) < 0 || match_scan(&u, &l, &mt) < 0 ||
		    assign_and_write(b, &u, exists, &l, &mt, seen_next, mn, mc) < 0)
			goto out;
		maildir_lock_release(&lock);
	}
view:
	if (view_from_scan(&v, &n, &u, &l, &mt) < 0)
		goto out;
done:
	if (keywords_reload(b) < 0) {
		msgs_free(v, n);
		goto out;
	}
	if (changed_r != NULL) {
		*changed_r = n != b->n;
		for (size_t i = 0; i < n && !*changed_r; i++)
			*changed_r = v[i].uid != b->v[i].uid || strcmp(v[i].name, b->v[i].name) != 0;
	}
	msgs_free(b->v, b->n);
	b->v = v;
	b->n = b->cap = n;
	b->uidvalidity = u.uidvalidity;
	b->nextuid = u.nextuid;
	if (u.n > 0 && b->nextuid <= u.v[u.n - 1].uid)
		b->nextuid = u.v[u.n - 1].uid + 1;
	b->new_mtime = mn;
	b->cur_mtime = mc;
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

int maildir_box_open(struct maildir_box *b, const char *dir)
{
	size_t len = strlen(dir);

	memset(b, 0, sizeof *b);
	if (len >= sizeof b->dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(b->dir, dir, len + 1);
	if (maildir_box_sync(b, NULL) < 0) {
		int e = errno;
		maildir_box_close(b);
		errno = e;
		return -1;
	}
	return 0;
}

long maildir_box_find(const struct maildir_box *b, uint32_t uid)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->v[mid].uid == uid)
			return (long)mid;
		if (b->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
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

int maildir_box_sizes(struct maildir_box *b, struct maildir_msg *m)
{
	char name[MAILDIR_NAME_MAX + 1];
	int fd, in_new = m->in_new;

	if (m->size != MAILDIR_SIZE_UNKNOWN && m->vsize != MAILDIR_SIZE_UNKNOWN)
		return 0;
	if (str_lcpy(name, m->name, sizeof name) >= sizeof name) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = maildir_msg_open(b->dir, &in_new, name);
	if (fd < 0)
		return -1;
	if (file_sizes(fd, &m->size, &m->vsize) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	if (strcmp(name, m->name) != 0) {
		char *dup = strdup(name);
		if (dup != NULL) {
			free(m->name);
			m->name = dup;
			m->in_new = in_new;
		}
	}
	return 0;
}

int maildir_box_change_flags(struct maildir_box *b, size_t i,
			     const struct maildir_flag_change *c)
{
	char newname[MAILDIR_NAME_MAX + 1];
	struct maildir_msg *m = &b->v[i];
	uint32_t flags, keywords;
	char *dup;

	if (maildir_msg_change_flags(b->dir, m->in_new, m->name, c, newname, sizeof newname,
				     &flags, &keywords) < 0)
		return -1;
	dup = strdup(newname);
	if (dup == NULL)
		return -1;
	free(m->name);
	m->name = dup;
	m->in_new = 0;
	m->flags = flags;
	m->keywords = keywords;
	return 0;
}

int maildir_box_set_flags(struct maildir_box *b, size_t i, uint32_t flags, uint32_t keywords)
{
	struct maildir_flag_change c = { flags, keywords, ~flags, ~keywords };

	return maildir_box_change_flags(b, i, &c);
}

int maildir_box_expunge(struct maildir_box *b, size_t i)
{
	return maildir_msg_expunge(b->dir, b->v[i].in_new, b->v[i].name);
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

void maildir_box_close(struct maildir_box *b)
{
	msgs_free(b->v, b->n);
	maildir_keywords_free(&b->kw);
	b->v = NULL;
	b->n = b->cap = 0;
}
