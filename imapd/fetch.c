/*
 * FETCH and STORE (RFC 3501 6.4.5, 6.4.6) over the client's view.
 *
 * FETCH serves FLAGS, UID, INTERNALDATE, RFC822.SIZE from the view (fetch_items[]),
 * and the items that read the message (ENVELOPE, BODY, BODYSTRUCTURE, BODY[...],
 * RFC822, RFC822.HEADER, RFC822.TEXT) through fetch_body.c, after them; the ALL,
 * FAST and FULL macros stand for their items (RFC 3501 6.4.5).
 */
#include "imap.h"
#include "fetch_body.h"

#include "log.h"
#include "maildir_msg.h"
#include "maildir_name.h"
#include "seqset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define F_UID 1
#define F_FLAGS 2
#define F_DATE 4
#define F_SIZE 8

/* One FETCH data item: write " NAME value" (the writer puts the name too) for view
 * index j (client index i). 0, or -1 when the message vanished (the item is left
 * out) or on error. */
typedef int fetch_writer(struct imap *s, size_t i, size_t j);

static int put_uid(struct imap *s, size_t i, size_t j)
{
	(void)j;
	out_printf(&s->out, "UID %u", s->m[i].uid);
	return 0;
}

static int put_flags(struct imap *s, size_t i, size_t j)
{
	const struct maildir_msg *m = maildir_box_msg(s->box, j);

	out_puts(&s->out, "FLAGS ");
	imap_put_flags(s, m->flags, m->keywords, s->m[i].recent);
	imap_view_note_flags(s, i, j);
	return 0;
}

/* A message another process expunged, still in the client's view (RFC 3501 7.4.1):
 * UID and FLAGS are answered from what the session knows; anything read from the
 * message is not. 1 when an item could not be answered. */
static int fetch_ghost(struct imap *s, size_t i, unsigned bits, size_t nbody)
{
	if (bits & F_FLAGS) {
		out_printf(&s->out, "* %zu FETCH (", i + 1);
		if (bits & F_UID)
			out_printf(&s->out, "UID %u ", s->m[i].uid);
		out_puts(&s->out, "FLAGS ");
		imap_put_flags(s, s->m[i].flags, s->m[i].keywords, s->m[i].recent);
		out_puts(&s->out, ")\r\n");
	}
	return nbody > 0 || (bits & (F_DATE | F_SIZE)) != 0;
}

static int put_internaldate(struct imap *s, size_t i, size_t j)
{
	char date[40];

	(void)i;
	if (maildir_box_internaldate(s->box, j) < 0)
		return -1;
	/* Dates in UTC: the file keeps no zone, and a fixed zone keeps replies stable. */
	imap_format_datetime(maildir_box_msg_internaldate(s->box, j), 0, date, sizeof date);
	out_printf(&s->out, "INTERNALDATE \"%s\"", date);
	return 0;
}

static int put_size(struct imap *s, size_t i, size_t j)
{
	(void)i;
	if (maildir_box_sizes(s->box, j) < 0)
		return -1;
	out_printf(&s->out, "RFC822.SIZE %llu",
		   (unsigned long long)maildir_box_msg_vsize(s->box, j));
	return 0;
}


static const struct fetch_item {
	const char *name;
	unsigned bits;		/* the items it stands for (macros stand for several) */
} fetch_items[] = {
	{ "UID", F_UID },
	{ "FLAGS", F_FLAGS },
	{ "INTERNALDATE", F_DATE },
	{ "RFC822.SIZE", F_SIZE },
	{ "FAST", F_FLAGS | F_DATE | F_SIZE },
	{ "ALL", F_FLAGS | F_DATE | F_SIZE },	/* + ENVELOPE, see item_parse() */
	{ "FULL", F_FLAGS | F_DATE | F_SIZE },	/* + ENVELOPE BODY */
	{ NULL, 0 },
};

/* In the order RFC 3501 7.4.2 lists them, as Dovecot answers. */
static const struct {
	unsigned bit;
	fetch_writer *fn;
} writers[] = {
	{ F_UID, put_uid }, { F_FLAGS, put_flags }, { F_DATE, put_internaldate },
	{ F_SIZE, put_size },
};

/* The items a FETCH asks for. The message items are many and large: static, as the
 * session serves one command at a time. */
struct fetch_req {
	unsigned bits;
	struct fetch_body_item body[IMAP_FETCH_BODY_ITEMS_MAX];
	size_t nbody;
};

static int body_item(struct fetch_req *r, const char *name)
{
	if (r->nbody >= IMAP_FETCH_BODY_ITEMS_MAX ||
	    fetch_body_parse(name, &r->body[r->nbody]) < 0)
		return -1;
	r->nbody++;
	return 0;
}

static int item_parse(const struct imap_arg *a, struct fetch_req *r)
{
	if (a->type != IMAP_ARG_ATOM)
		return -1;
	for (const struct fetch_item *f = fetch_items; f->name != NULL; f++) {
		if (strcasecmp(f->name, a->s) == 0) {
			r->bits |= f->bits;
			if (strcasecmp(f->name, "ALL") == 0)
				return body_item(r, "ENVELOPE");
			if (strcasecmp(f->name, "FULL") == 0)
				return body_item(r, "ENVELOPE") < 0 ? -1 : body_item(r, "BODY");
			return 0;
		}
	}
	return body_item(r, a->s);
}

static int fetch(struct imap *s, struct imap_cmd *c, int uid)
{
	static struct fetch_req req;
	const struct imap_arg *items = imap_cmd_arg(c, 1);
	struct imap_seqset set;
	int gone = 0, unreadable = 0, sets_seen, rc;

	req.bits = uid ? F_UID : 0;
	req.nbody = 0;
	if (c->n_args != 2)
		return imap_bad(s, "Syntax: FETCH sequence-set items");
	if (items->type == IMAP_ARG_LIST) {
		if (items->n == 0)
			return imap_bad(s, "Empty FETCH item list");
		for (const struct imap_arg *a = items->child; a != NULL; a = a->next) {
			if (item_parse(a, &req) < 0)
				return imap_bad(s, "Unknown or unsupported FETCH item");
		}
	} else if (item_parse(items, &req) < 0) {
		return imap_bad(s, "Unknown or unsupported FETCH item");
	}
	/* RFC 3501 6.4.5: BODY[...] and RFC822(.TEXT) set \Seen, and the new flags go
	 * out with the data (not in EXAMINE, which changes nothing). */
	sets_seen = fetch_body_sets_seen(req.body, req.nbody) && !s->readonly;
	if (imap_msgset(s, c->args, uid, &set))
		return 1;
	for (size_t i = 0; i < s->n; i++) {
		long j;
		const char *sep = "";
		unsigned bits;

		if (!imap_seqset_has(&set, uid ? s->m[i].uid : (uint32_t)(i + 1)))
			continue;
		j = imap_view_index(s, i);
		if (j < 0) {
			gone |= fetch_ghost(s, i, req.bits, req.nbody);
			continue;
		}
		bits = req.bits;
		if (sets_seen && !(maildir_box_msg(s->box, (size_t)j)->flags & MAILDIR_F_SEEN)) {
			static const struct maildir_flag_change seen = { MAILDIR_F_SEEN, 0, 0, 0 };
			if (maildir_box_change_flags(s->box, (size_t)j, &seen) == 0)
				bits |= F_FLAGS;
			else if (errno != ENOENT)
				log_warn("set \\Seen: %s", strerror(errno));
		}
		/* The items read from the file first (their values are kept): one that
		 * fails is left out, not written as a separator with nothing after it. */
		if (((bits & F_DATE) && maildir_box_internaldate(s->box, (size_t)j) < 0) ||
		    ((bits & F_SIZE) && maildir_box_sizes(s->box, (size_t)j) < 0)) {
			if (errno == ENOENT) {
				gone = 1;
			} else {
				log_warn("fetch: UID %u: %s", s->m[i].uid, strerror(errno));
				unreadable = 1;
			}
			bits &= ~(unsigned)(F_DATE | F_SIZE);
		}
		out_printf(&s->out, "* %zu FETCH (", i + 1);
		for (size_t w = 0; w < sizeof writers / sizeof writers[0]; w++) {
			if (!(bits & writers[w].bit))
				continue;
			out_puts(&s->out, sep);
			if (writers[w].fn(s, i, (size_t)j) < 0) {
				gone = 1;
				continue;
			}
			sep = " ";
		}
		rc = req.nbody > 0 ? fetch_body_write(s, (size_t)j, req.body, req.nbody, sep) : 0;
		if (rc < 0) {
			/* Nothing partial may be left in a literal: the client could not
			 * tell it from the next response. */
			log_warn("fetch: %s", strerror(errno));
			imap_seqset_free(&set);
			return -1;
		}
		if (rc > 0 && errno == ENOENT) {
			gone = 1;
		} else if (rc > 0) {
			/* A file nobody can read (mode 000, a FIFO, a directory): its
			 * other items went out, the command fails, the session goes on. */
			log_warn("fetch: UID %u: %s", s->m[i].uid, strerror(errno));
			unreadable = 1;
		}
		out_puts(&s->out, ")\r\n");
	}
	imap_seqset_free(&set);
	/* RFC 3501 7.4.1: no EXPUNGE during FETCH; UID FETCH may have them */
	if (imap_mailbox_sync(s, uid) < 0)
		return -1;
	if (gone)
		return imap_no_expungeissued(s);
	if (unreadable) {
		/* RFC 5530 3: SERVERBUG, the store holds what the server cannot read. */
		imap_tagged(s, "NO", "[SERVERBUG] Some messages could not be read.");
		return 0;
	}
	imap_tagged(s, "OK", "Fetch completed.");
	return 0;
}

int imap_cmd_fetch(struct imap *s, struct imap_cmd *c)
{
	return fetch(s, c, 0);
}

int imap_cmd_uid_fetch(struct imap *s, struct imap_cmd *c)
{
	return fetch(s, c, 1);
}

/* The keyword letters the view has names for. */
static uint32_t known_keywords(struct imap *s)
{
	const struct maildir_keywords *kw = maildir_box_keywords(s->box);
	uint32_t bits = 0;

	for (int k = 0; k < MAILDIR_KEYWORDS_MAX; k++)
		if (kw->name[k] != NULL)
			bits |= MAILDIR_KW('a' + k);
	return bits;
}

static int uids_add(uint32_t **v, size_t *n, size_t *cap, uint32_t uid)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		uint32_t *p = realloc(*v, c * sizeof *p);

		if (p == NULL)
			return -1;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = uid;
	return 0;
}

static int store(struct imap *s, struct imap_cmd *c, int uid)
{
	const struct imap_arg *item = imap_cmd_arg(c, 1), *fl = imap_cmd_arg(c, 2);
	const char *kw[MAILDIR_KEYWORDS_MAX];
	struct maildir_flag_change ch = { 0, 0, 0, 0 };
	struct imap_seqset set;
	uint32_t flags = 0, kwbits = 0;
	size_t n_kw = 0, total_kw = 0;
	uint32_t *retell = NULL;
	size_t n_retell = 0, cap_retell = 0;
	const char *name;
	int silent, mode, failed = 0;

	if (c->n_args < 3 || item->type != IMAP_ARG_ATOM)
		return imap_bad(s, "Syntax: STORE sequence-set item flags");
	name = item->s;
	mode = name[0] == '+' ? 1 : name[0] == '-' ? -1 : 0;
	if (mode != 0)
		name++;
	if (strcasecmp(name, "FLAGS") == 0)
		silent = 0;
	else if (strcasecmp(name, "FLAGS.SILENT") == 0)
		silent = 1;
	else
		return imap_bad(s, "Unknown STORE item");
	/* RFC 3501 9: flag-list, or one or more flags without parentheses */
	for (const struct imap_arg *a = fl; a != NULL; a = a->next) {
		uint32_t f;

		if ((a->type == IMAP_ARG_LIST && c->n_args != 3) ||
		    imap_arg_flags(a, 1, &f, kw + total_kw, MAILDIR_KEYWORDS_MAX - total_kw,
				   &n_kw) < 0)
			/* more keywords than a folder can name (26 letters, Dovecot's
			 * Maildir keywords) is a limit, not bad syntax */
			return errno == ENOSPC ? imap_no(s, "[LIMIT] Too many keywords")
					       : imap_bad(s, "Invalid flags");
		flags |= f;
		total_kw += n_kw;
	}
	if (imap_msgset(s, c->args, uid, &set))
		return 1;
	if (s->readonly) {
		imap_seqset_free(&set);
		return imap_no(s, "[READ-ONLY] Mailbox is read-only");
	}
	for (size_t k = 0; k < total_kw; k++) {
		int letter = maildir_box_keyword(s->box, kw[k]);

		if (letter < 0) {
			imap_seqset_free(&set);
			if (errno == ENOSPC)
				return imap_no(s, "[LIMIT] No room for more keywords");
			return imap_no(s, "[SERVERBUG] Cannot store keyword");
		}
		kwbits |= MAILDIR_KW('a' + letter);
	}
	imap_mailbox_tell_keywords(s);
	if (mode >= 0) {
		ch.add_flags = flags;
		ch.add_keywords = kwbits;
	} else {
		ch.del_flags = flags;
		ch.del_keywords = kwbits;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct maildir_msg *old, *m;
		uint32_t want_flags, want_kw;
		long j;
		int rc;

		if (!imap_seqset_has(&set, uid ? s->m[i].uid : (uint32_t)(i + 1)))
			continue;
		j = imap_view_index(s, i);
		/* A message expunged meanwhile keeps no flags: the change is dropped, as
		 * RFC 3501 7.4.1 allows (and Dovecot does); the EXPUNGE comes later. */
		if (j < 0)
			continue;
		/* What the client expects the flags to become: the ones it was told, changed
		 * as asked. */
		old = maildir_box_msg(s->box, (size_t)j);
		want_flags = mode == 0 ? flags : (old->flags & ~ch.del_flags) | ch.add_flags;
		want_kw = mode == 0 ? kwbits : (old->keywords & ~ch.del_keywords) | ch.add_keywords;
		if (mode == 0)
			rc = maildir_box_set_flags(s->box, (size_t)j, flags, kwbits);
		else
			rc = maildir_box_change_flags(s->box, (size_t)j, &ch);
		if (rc < 0) {
			if (errno != ENOENT) {
				log_warn("store flags: %s", strerror(errno));
				failed = 1;
			}
			continue;
		}
		imap_view_note_flags(s, i, (size_t)j);
		/* .SILENT spares only the echo of the client's own change: a change another
		 * process made in between is part of the result and would otherwise never be
		 * reported, since the view now holds it (RFC 3501 6.4.6, 7.4.1). */
		m = maildir_box_msg(s->box, (size_t)j);
		if (silent && m->flags == want_flags && m->keywords == want_kw)
			continue;
		/* A keyword another process just created has no name in our table yet:
		 * say the flags after the sync below has read the new names (and sent
		 * FLAGS). */
		if ((m->keywords & ~known_keywords(s)) == 0) {
			imap_put_flags_fetch(s, i, uid);
		} else if (uids_add(&retell, &n_retell, &cap_retell, s->m[i].uid) < 0) {
			free(retell);
			imap_seqset_free(&set);
			return -1;
		}
	}
	imap_seqset_free(&set);
	if (imap_mailbox_sync(s, uid) < 0) {
		free(retell);
		return -1;
	}
	for (size_t k = 0; k < n_retell; k++) {
		long i = imap_view_find(s, retell[k]);

		if (i >= 0 && imap_view_index(s, (size_t)i) >= 0)
			imap_put_flags_fetch(s, (size_t)i, uid);
	}
	free(retell);
	if (failed)
		return imap_no(s, "[SERVERBUG] Cannot store flags");
	imap_tagged(s, "OK", "Store completed.");
	return 0;
}

int imap_cmd_store(struct imap *s, struct imap_cmd *c)
{
	return store(s, c, 0);
}

int imap_cmd_uid_store(struct imap *s, struct imap_cmd *c)
{
	return store(s, c, 1);
}
