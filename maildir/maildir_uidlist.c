/*
 * dovecot-uidlist and courierimapuiddb: parsing, formatting, appending and replacing.
 * The reader is lenient where Dovecot and Courier differ harmlessly (CRLF, blank lines,
 * a missing last newline, header fields in any order) and strict where a mistake would
 * renumber messages: a UID out of order, a UID of 0 or past 32 bits, or a broken header
 * is EINVAL with its line, never guessed around. Every record the reader accepts is one
 * the writer can write back and read again to the same values (tests/fuzz checks this).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "io.h"
#include "str.h"
#include "maildir_lock.h"
#include "maildir_uidlist.h"

#define UIDLIST_V_COURIER 1	/* Courier and Dovecot <= 1.0: "1 <uidv> <next>" */
#define UIDLIST_V_DOVECOT 3	/* Dovecot >= 1.1 (dovecot-maildir.md) */
/* Duplicate names are looked for pairwise up to this many records (a repair is rare;
 * a larger damaged file keeps its duplicates, which a sync resolves: first wins). */
#define UIDLIST_SALVAGE_DUP_SCAN 5000
#define GUID_HEX_LEN 32		/* 128-bit mailbox GUID in hex (dovecot-maildir.md) */
#define UIDLIST_CAP_MIN 64	/* first record array size */

static char *mem_dup(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* A name the writer can write back unchanged: "<uid> :<name>" up to LF, trailing CRs
 * dropped by the reader. '/' would let a record point outside cur/ and new/. */
static int name_ok(const char *p, size_t n)
{
	if (n == 0 || p[n - 1] == '\r')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\0' || p[i] == '\n' || p[i] == '/')
			return 0;
	return 1;
}

/* Keys that read back as the same keys: the name starts at the first " :" (or at a
 * ':' right after the uid), and the reader drops spaces around the keys. */
static int keys_ok(const char *p, size_t n)
{
	if (n == 0)
		return 1;
	if (p[0] == ' ' || p[0] == ':' || p[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\0' || p[i] == '\n')
			return 0;
		if (p[i] == ' ' && i + 1 < n && p[i + 1] == ':')
			return 0;
	}
	return 1;
}

static int guid_ok(const char *p, size_t n)
{
	if (n != GUID_HEX_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strchr("0123456789abcdefABCDEF", p[i]) == NULL || p[i] == '\0')
			return 0;
	return 1;
}

/* Most records have no keys: they all share this "", so that a folder of 100,000
 * messages does not hold 100,000 allocations of one byte. */
static char no_keys[1];

char *maildir_keys_dup(const char *keys, size_t len)
{
	return len == 0 ? no_keys : mem_dup(keys, len);
}

void maildir_keys_free(char *keys)
{
	if (keys != no_keys)
		free(keys);
}

/* Append a record with copies of keys and name, validated; nextuid follows it. */
static int rec_add(struct maildir_uidlist *u, uint32_t uid, const char *keys, size_t klen,
		   const char *name, size_t nlen)
{
	struct maildir_uidrec *r;

	if (uid == 0 || (u->n > 0 && uid <= u->v[u->n - 1].uid) || !keys_ok(keys, klen) ||
	    !name_ok(name, nlen)) {
		errno = EINVAL;
		return -1;
	}
	if (u->n == u->cap) {
		size_t cap = u->cap < UIDLIST_CAP_MIN ? UIDLIST_CAP_MIN : u->cap * 2;
		struct maildir_uidrec *v;

		if (cap > SIZE_MAX / sizeof *v) {
			errno = ENOMEM;
			return -1;
		}
		v = realloc(u->v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		u->v = v;
		u->cap = cap;
	}
	r = &u->v[u->n];
	r->uid = uid;
	r->keys = maildir_keys_dup(keys, klen);
	r->name = mem_dup(name, nlen);
	if (r->keys == NULL || r->name == NULL) {
		maildir_keys_free(r->keys);
		free(r->name);
		return -1;
	}
	u->n++;
	if (u->nextuid <= uid)
		u->nextuid = uid == UINT32_MAX ? UINT32_MAX : uid + 1;
	return 0;
}

int maildir_uidlist_add(struct maildir_uidlist *u, uint32_t uid, const char *keys,
			const char *name)
{
	if (keys == NULL)
		keys = "";
	if (name == NULL) {
		errno = EINVAL;
		return -1;
	}
	return rec_add(u, uid, keys, strlen(keys), name, strlen(name));
}

int maildir_uidlist_set_name(struct maildir_uidlist *u, size_t i, const char *name)
{
	char *s;

	if (i >= u->n || name == NULL || !name_ok(name, strlen(name))) {
		errno = EINVAL;
		return -1;
	}
	s = mem_dup(name, strlen(name));
	if (s == NULL)
		return -1;
	free(u->v[i].name);
	u->v[i].name = s;
	return 0;
}

void maildir_uidlist_remove(struct maildir_uidlist *u, size_t i)
{
	if (i >= u->n)
		return;
	maildir_keys_free(u->v[i].keys);
	free(u->v[i].name);
	memmove(&u->v[i], &u->v[i + 1], (u->n - i - 1) * sizeof *u->v);
	u->n--;
}

void maildir_uidlist_free(struct maildir_uidlist *u)
{
	for (size_t i = 0; i < u->n; i++) {
		maildir_keys_free(u->v[i].keys);
		free(u->v[i].name);
	}
	free(u->v);
	free(u->hdr_extra);
	memset(u, 0, sizeof *u);
}

void maildir_uidlist_init(struct maildir_uidlist *u, uint32_t uidvalidity)
{
	memset(u, 0, sizeof *u);
	u->version = UIDLIST_V_DOVECOT;
	u->uidvalidity = uidvalidity;
	u->nextuid = 1;
	maildir_guid_new(u->guid);
}

long maildir_uidlist_find(const struct maildir_uidlist *u, uint32_t uid)
{
	size_t lo = 0, hi = u->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (u->v[mid].uid == uid)
			return (long)mid;
		if (u->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int maildir_uidrec_key(const char *keys, char k, char *out, size_t outsz)
{
	const char *p = keys;

	if (outsz > 0)
		out[0] = '\0';
	while (p != NULL && *p != '\0') {
		size_t len;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (len > 0 && p[0] == k) {
			if (len - 1 >= outsz) {
				errno = ERANGE;
				return -1;
			}
			memcpy(out, p + 1, len - 1);
			out[len - 1] = '\0';
			return 1;
		}
		p += len;
	}
	return 0;
}

/* --- reading ----------------------------------------------------------------------- */

struct cursor {
	const char *p, *end;
	size_t line;
	int torn;		/* the line returned last had no LF: the end of the text */
};

/* The next line without its LF and trailing CRs; 0 at the end of the text. */
static int next_line(struct cursor *c, const char **s_r, size_t *n_r)
{
	const char *nl, *e;

	if (c->p >= c->end)
		return 0;
	nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	c->torn = nl == NULL;
	e = nl != NULL ? nl : c->end;
	*s_r = c->p;
	while (e > c->p && e[-1] == '\r')
		e--;
	*n_r = (size_t)(e - c->p);
	c->p = nl != NULL ? nl + 1 : c->end;
	c->line++;
	return 1;
}

static int parse_u32(const char *s, size_t n, uint32_t *r)
{
	uint64_t v;

	if (str_to_u64(s, n, UINT32_MAX, &v) < 0) {
		errno = EINVAL;
		return -1;
	}
	*r = (uint32_t)v;
	return 0;
}

/* The next space-separated token of s[0..n) from *i; 0 when there is none. */
static int next_token(const char *s, size_t n, size_t *i, const char **t_r, size_t *tl_r)
{
	size_t start;

	while (*i < n && s[*i] == ' ')
		(*i)++;
	if (*i >= n)
		return 0;
	start = *i;
	while (*i < n && s[*i] != ' ')
		(*i)++;
	*t_r = s + start;
	*tl_r = *i - start;
	return 1;
}

/* "3 V<uidvalidity> N<nextuid> G<guid> ..." or "1 <uidvalidity> <nextuid>". Fields
 * other than V N G are kept in order for the writer (Dovecot adds its own). */
static int parse_header(struct maildir_uidlist *u, const char *s, size_t n, int courier)
{
	const char *t;
	size_t tl, i = 0, xl = 0;
	uint32_t version;
	int have_v = 0, have_n = 0;

	if (memchr(s, '\0', n) != NULL || !next_token(s, n, &i, &t, &tl) ||
	    parse_u32(t, tl, &version) < 0)
		goto bad;
	u->version = version;
	if (u->version == UIDLIST_V_COURIER) {
		/* Courier writes exactly three numbers; anything after them is ignored. */
		if (!next_token(s, n, &i, &t, &tl) || parse_u32(t, tl, &u->uidvalidity) < 0 ||
		    !next_token(s, n, &i, &t, &tl) || parse_u32(t, tl, &u->nextuid) < 0)
			goto bad;
		have_v = have_n = 1;
	} else if (u->version == UIDLIST_V_DOVECOT && !courier) {
		u->hdr_extra = malloc(n + 1);
		if (u->hdr_extra == NULL)
			return -1;
		while (next_token(s, n, &i, &t, &tl)) {
			if (t[0] == 'V') {
				if (parse_u32(t + 1, tl - 1, &u->uidvalidity) < 0)
					goto bad;
				have_v = 1;
			} else if (t[0] == 'N') {
				if (parse_u32(t + 1, tl - 1, &u->nextuid) < 0)
					goto bad;
				have_n = 1;
			} else if (t[0] == 'G') {
				if (!guid_ok(t + 1, tl - 1))
					goto bad;
				memcpy(u->guid, t + 1, GUID_HEX_LEN);
				u->guid[GUID_HEX_LEN] = '\0';
			} else {
				/* A CR that ends up last on the line would be read back
				 * as part of the line end. */
				while (tl > 0 && t[tl - 1] == '\r')
					tl--;
				if (tl == 0)
					continue;
				if (xl > 0)
					u->hdr_extra[xl++] = ' ';
				memcpy(u->hdr_extra + xl, t, tl);
				xl += tl;
			}
		}
		u->hdr_extra[xl] = '\0';
	} else {
		goto bad;	/* version 2 was never released; others are unknown */
	}
	/* RFC 3501 2.3.1.1: UIDVALIDITY and UIDs are non-zero; Dovecot refuses 0 too. */
	if (!have_v || !have_n || u->uidvalidity == 0 || u->nextuid == 0)
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* v3: "<uid> [keys] :<name>"; v1: "<uid> <name>". */
int maildir_uidlist_record(unsigned version, const char *s, size_t n,
			   struct maildir_uidline *r)
{
	const char *keys = "", *name;
	size_t i = 0, klen = 0;
	uint32_t uid;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0 || i == n || s[i] != ' ' || parse_u32(s, i, &uid) < 0)
		goto bad;
	while (i < n && s[i] == ' ')
		i++;
	if (version == UIDLIST_V_DOVECOT) {
		if (i < n && s[i] == ':') {
			name = s + i + 1;
		} else {
			size_t j = i;

			while (j + 1 < n && !(s[j] == ' ' && s[j + 1] == ':'))
				j++;
			if (j + 1 >= n)
				goto bad;
			keys = s + i;
			klen = j - i;
			while (klen > 0 && keys[klen - 1] == ' ')
				klen--;
			name = s + j + 2;
		}
	} else {
		name = s + i;
	}
	if (uid == 0 || !keys_ok(keys, klen) || !name_ok(name, (size_t)(s + n - name)))
		goto bad;
	r->uid = uid;
	r->keys = keys;
	r->klen = klen;
	r->name = name;
	r->nlen = (size_t)(s + n - name);
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

static int parse_record(struct maildir_uidlist *u, const char *s, size_t n)
{
	struct maildir_uidline r;

	if (maildir_uidlist_record(u->version, s, n, &r) < 0)
		return -1;
	return rec_add(u, r.uid, r.keys, r.klen, r.name, r.nlen);
}

/* A last line without its LF is an append that a crash or a full disk cut short: never
 * a record (its name may be cut too), but the UID it began with may have been seen by
 * a reader of the whole line, so it is never given again (RFC 3501 2.3.1.1). */
static void torn_record(struct maildir_uidlist *u, const char *s, size_t n)
{
	size_t i = 0;
	uint32_t uid;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0 || i == n || s[i] != ' ' || parse_u32(s, i, &uid) < 0)
		return;
	if ((u->n == 0 || uid > u->v[u->n - 1].uid) && uid >= u->nextuid)
		u->nextuid = uid == UINT32_MAX ? UINT32_MAX : uid + 1;
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* Room for one record per line of p[0..n) (an upper bound: blank lines count). */
static int reserve_lines(struct maildir_uidlist *r, const char *p, size_t n)
{
	const char *end = p + n, *nl;
	size_t lines = 1;
	struct maildir_uidrec *v;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		lines++;
		p = nl + 1;
	}
	if (lines <= r->cap)
		return 0;
	if (lines > SIZE_MAX / sizeof *v) {
		errno = ENOMEM;
		return -1;
	}
	v = realloc(r->v, lines * sizeof *v);
	if (v == NULL)
		return -1;
	r->v = v;
	r->cap = lines;
	return 0;
}

int maildir_uidlist_parse(const char *text, size_t len, int courier,
			  struct maildir_uidlist *r, size_t *line_r)
{
	struct cursor c = { text, text + len, 0, 0 };
	const char *s;
	size_t n;
	int saved;

	memset(r, 0, sizeof *r);
	if (!next_line(&c, &s, &n)) {
		c.line = 1;
		errno = EINVAL;
		goto fail;
	}
	if (parse_header(r, s, n, courier) < 0)
		goto fail;
	if (r->hdr_extra == NULL && (r->hdr_extra = mem_dup("", 0)) == NULL)
		goto fail;
	/* One record array of the right size: doubling from a small one would copy a
	 * large folder's records a dozen times and leave a third of the last array
	 * unused. A line count is a memchr pass. */
	if (reserve_lines(r, c.p, (size_t)(c.end - c.p)) < 0)
		goto fail;
	/* Blank lines are skipped: an append after a crash may leave one behind. */
	while (next_line(&c, &s, &n)) {
		if (c.torn) {
			torn_record(r, s, n);
			break;
		}
		if (!blank(s, n) && parse_record(r, s, n) < 0)
			goto fail;
	}
	if (line_r != NULL)
		*line_r = 0;
	return 0;
fail:
	saved = errno;
	maildir_uidlist_free(r);
	if (line_r != NULL)
		*line_r = c.line;
	errno = saved;
	return -1;
}

/* The leading UID of a line, for the salvage: 0 when there is none. */
static uint32_t line_uid(const char *s, size_t n)
{
	size_t i = 0;
	uint32_t uid;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0 || parse_u32(s, i, &uid) < 0)
		return 0;
	return uid;
}

int maildir_uidlist_salvage(const char *text, size_t len, struct maildir_uidlist *r,
			    size_t *dropped_r)
{
	struct cursor c = { text, text + len, 0, 0 };
	const char *s;
	size_t n, dropped = 0;
	uint32_t highest = 0;
	int saved;

	memset(r, 0, sizeof *r);
	*dropped_r = 0;
	if (!next_line(&c, &s, &n) || parse_header(r, s, n, 0) < 0 ||
	    r->version != UIDLIST_V_DOVECOT) {
		errno = EINVAL;
		goto fail;
	}
	if (r->hdr_extra == NULL && (r->hdr_extra = mem_dup("", 0)) == NULL)
		goto fail;
	while (next_line(&c, &s, &n)) {
		uint32_t uid = line_uid(s, n);

		if (uid > highest)
			highest = uid;
		if (blank(s, n))
			continue;
		/* Whatever cannot be a record in order is dropped: its file gets a new
		 * UID at the next sync, above every UID the file ever showed. */
		if (c.torn || parse_record(r, s, n) < 0) {
			if (errno == ENOMEM)
				goto fail;
			dropped++;
		}
	}
	/* Two records for one file: the first keeps it. */
	for (size_t i = 0; i < r->n && r->n <= UIDLIST_SALVAGE_DUP_SCAN; i++) {
		for (size_t k = i + 1; k < r->n; k++) {
			if (strcmp(r->v[i].name, r->v[k].name) == 0) {
				maildir_uidlist_remove(r, k--);
				dropped++;
			}
		}
	}
	if (highest != 0 && r->nextuid <= highest)
		r->nextuid = highest == UINT32_MAX ? UINT32_MAX : highest + 1;
	*dropped_r = dropped;
	return 0;
fail:
	saved = errno;
	maildir_uidlist_free(r);
	errno = saved;
	return -1;
}

static int read_named(const char *dir, const char *file, int courier,
		      struct maildir_uidlist *r)
{
	char path[PATH_MAX];
	struct buf b;
	int n, ret, saved;

	memset(r, 0, sizeof *r);
	n = snprintf(path, sizeof path, "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf_init(&b, MAILDIR_UIDLIST_MAX);
	if (io_read_file(path, &b) < 0) {
		saved = errno;
		buf_free(&b);
		errno = saved;
		return -1;
	}
	ret = maildir_uidlist_parse(buf_str(&b), b.len, courier, r, NULL);
	saved = errno;
	buf_free(&b);
	errno = saved;
	return ret;
}

int maildir_uidlist_read(const char *dir, struct maildir_uidlist *r)
{
	return read_named(dir, MAILDIR_UIDLIST_FILE, 0, r);
}

int maildir_uidlist_read_courier(const char *dir, struct maildir_uidlist *r)
{
	return read_named(dir, MAILDIR_COURIER_UIDDB, 1, r);
}

/* --- writing ----------------------------------------------------------------------- */

static int format_records(const struct maildir_uidrec *v, size_t n, uint32_t after,
			  struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		const char *keys = v[i].keys != NULL ? v[i].keys : "";
		size_t klen = strlen(keys);

		if (v[i].uid <= after || v[i].name == NULL || !keys_ok(keys, klen) ||
		    !name_ok(v[i].name, strlen(v[i].name))) {
			errno = EINVAL;
			return -1;
		}
		after = v[i].uid;
		if (buf_printf(out, "%" PRIu32 " ", v[i].uid) < 0 ||
		    (klen > 0 && (buf_append(out, keys, klen) < 0 || buf_putc(out, ' ') < 0)) ||
		    buf_putc(out, ':') < 0 || buf_puts(out, v[i].name) < 0 ||
		    buf_putc(out, '\n') < 0)
			return -1;
	}
	return 0;
}

int maildir_uidlist_format(const struct maildir_uidlist *u, struct buf *out)
{
	const char *extra = u->hdr_extra != NULL ? u->hdr_extra : "";
	size_t start = out->len;
	int saved;

	if (u->uidvalidity == 0 || u->nextuid == 0 || strchr(extra, '\n') != NULL ||
	    (extra[0] != '\0' && extra[strlen(extra) - 1] == '\r') ||
	    (u->guid[0] != '\0' && !guid_ok(u->guid, strnlen(u->guid, sizeof u->guid)))) {
		errno = EINVAL;
		return -1;
	}
	/* Always version 3: Courier never reads dovecot-uidlist. */
	if (buf_printf(out, "3 V%" PRIu32 " N%" PRIu32, u->uidvalidity, u->nextuid) < 0 ||
	    (u->guid[0] != '\0' && buf_printf(out, " G%s", u->guid) < 0) ||
	    (extra[0] != '\0' && buf_printf(out, " %s", extra) < 0) ||
	    buf_putc(out, '\n') < 0 || format_records(u->v, u->n, 0, out) < 0)
		goto fail;
	return 0;
fail:
	saved = errno;
	if (out->s != NULL) {
		out->len = start;
		out->s[start] = '\0';
	}
	errno = saved;
	return -1;
}

int maildir_uidlist_write(const char *dir, const struct maildir_uidlist *u)
{
	struct buf b;
	int ret = -1, saved;

	buf_init(&b, MAILDIR_UIDLIST_MAX);
	if (maildir_uidlist_format(u, &b) == 0)
		ret = maildir_file_replace(dir, MAILDIR_UIDLIST_FILE, b.s, b.len);
	saved = errno;
	buf_free(&b);
	errno = saved;
	return ret;
}

/* The file as read (a torn last line left out, its UID not to be given again), plus
 * recs, written anew by rename(). */
static int append_replacing(const char *dir, const struct maildir_uidrec *recs, size_t n)
{
	struct maildir_uidlist u;
	int ret = -1, saved;

	if (maildir_uidlist_read(dir, &u) < 0)
		return -1;
	if (u.version != UIDLIST_V_DOVECOT) {
		maildir_uidlist_free(&u);
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (maildir_uidlist_add(&u, recs[i].uid, recs[i].keys, recs[i].name) < 0)
			goto out;
	ret = maildir_uidlist_write(dir, &u);
out:
	saved = errno;
	maildir_uidlist_free(&u);
	errno = saved;
	return ret;
}

int maildir_uidlist_append(const char *dir, const struct maildir_uidrec *recs, size_t n)
{
	char path[PATH_MAX], head[2], last;
	struct stat st;
	struct buf b;
	int fd = -1, len, saved;

	if (n == 0)
		return 0;
	len = snprintf(path, sizeof path, "%s/%s", dir, MAILDIR_UIDLIST_FILE);
	if (len < 0 || (size_t)len >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf_init(&b, MAILDIR_UIDLIST_MAX);
	/* O_RDWR only to look at the first and last bytes; never O_CREAT: records
	 * without a header would be a file nobody can read. */
	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	if (st.st_size < 2 || pread(fd, head, 2, 0) != 2 ||
	    memcmp(head, "3 ", 2) != 0 || pread(fd, &last, 1, st.st_size - 1) != 1) {
		errno = EINVAL;
		goto fail;
	}
	/* A writer that died mid-line left a torn last line, which readers ignore. An
	 * append after it would make it a malformed line for good, and the file is
	 * never edited in place: the whole file is replaced without it (the rare case). */
	if (last != '\n') {
		close(fd);
		fd = -1;
		buf_free(&b);
		return append_replacing(dir, recs, n);
	}
	if (format_records(recs, n, 0, &b) < 0 || io_write_all(fd, b.s, b.len, -1) < 0 ||
	    fsync(fd) < 0)
		goto fail;
	buf_free(&b);
	if (close(fd) < 0)
		return -1;
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	buf_free(&b);
	errno = saved;
	return -1;
}

/* --- new identities ---------------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	/* splitmix64's finaliser: spreads time/pid/counter bits over the whole word. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

void maildir_guid_new(char out[33])
{
	static const char hex[] = "0123456789abcdef";
	static uint64_t counter;
	unsigned char g[16];
	size_t got = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC | O_NOCTTY);

	while (fd >= 0 && got < sizeof g) {
		ssize_t r = read(fd, g + got, sizeof g - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (fd >= 0)
		close(fd);
	if (got < sizeof g) {
		struct timespec ts;
		uint64_t a, b;

		clock_gettime(CLOCK_REALTIME, &ts);
		counter++;
		a = mix64((uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 32) ^ counter);
		b = mix64((uint64_t)ts.tv_nsec ^ (a << 1) ^ (uint64_t)(uintptr_t)&ts);
		for (size_t i = 0; i < 8; i++) {
			g[i] = (unsigned char)(a >> (8 * i));
			g[8 + i] = (unsigned char)(b >> (8 * i));
		}
	}
	for (size_t i = 0; i < sizeof g; i++) {
		out[2 * i] = hex[g[i] >> 4];
		out[2 * i + 1] = hex[g[i] & 15];
	}
	out[32] = '\0';
}
