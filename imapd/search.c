/*
 * SEARCH and UID SEARCH (RFC 3501 6.4.4, 6.4.8, 7.2.5) with ESEARCH results (RFC 4731)
 * over the client's view. The program is parsed (search_parse.c), bound to the view,
 * and evaluated message by message (search_eval.c); a message's file is mapped only
 * when a key needs its bytes, and unmapped before the next message.
 *
 * No EXPUNGE is sent during SEARCH (RFC 3501 7.4.1): the sync afterwards allows them
 * for UID SEARCH only, as for FETCH. A message another process expunged is skipped: the
 * view has no flags for it any more, and its bytes are gone.
 */
#include "imap.h"
#include "search.h"

#include "log.h"
#include "msgmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct msg_ctx {
	struct imap *s;
	size_t j;		/* index in the maildir view */
	int mapped;
	struct msgmap map;
};

static int map_message(struct msg_ctx *x, struct search_msg *m)
{
	int fd = maildir_box_open_msg(x->s->box, x->j), rc, e;

	if (fd < 0)
		return -1;
	rc = msgmap_open(&x->map, fd);
	e = errno;
	close(fd);
	errno = e;
	if (rc < 0)
		return -1;
	x->mapped = 1;
	m->data = x->map.data;
	m->len = x->map.len;
	return 0;
}

static int get(struct search_msg *m, int need)
{
	struct msg_ctx *x = m->ctx;
	struct maildir_box *box = x->s->box;

	switch (need) {
	case SEARCH_NEED_SIZE:
		/* RFC822.SIZE as FETCH gives it: CRLF octets, from ,W= when named */
		if (maildir_box_sizes(box, x->j) < 0)
			return -1;
		m->size = maildir_box_msg_vsize(box, x->j);
		return 0;
	case SEARCH_NEED_DATE:
		if (maildir_box_internaldate(box, x->j) < 0)
			return -1;
		m->internaldate = maildir_box_msg_internaldate(box, x->j);
		return 0;
	default:
		return map_message(x, m);
	}
}

/* "1:3,7" of the ascending numbers v[0..n). */
static void put_set(struct imap *s, const uint32_t *v, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = i;

		while (k + 1 < n && v[k + 1] == v[k] + 1)
			k++;
		out_printf(&s->out, "%s%u", i > 0 ? "," : "", v[i]);
		if (k > i)
			out_printf(&s->out, ":%u", v[k]);
		i = k + 1;
	}
}

static void put_result(struct imap *s, struct imap_cmd *c, const struct search_prog *p,
		       int uid, const uint32_t *v, size_t n)
{
	if (!p->esearch) {
		out_puts(&s->out, "* SEARCH");
		for (size_t i = 0; i < n; i++)
			out_printf(&s->out, " %u", v[i]);
		out_puts(&s->out, "\r\n");
		return;
	}
	/* RFC 4731 3.1: MIN, MAX and ALL only when something matched; the order is
	 * Dovecot's */
	out_printf(&s->out, "* ESEARCH (TAG \"%s\")%s", c->tag, uid ? " UID" : "");
	if ((p->ret & SEARCH_RET_MIN) && n > 0)
		out_printf(&s->out, " MIN %u", v[0]);
	if ((p->ret & SEARCH_RET_MAX) && n > 0)
		out_printf(&s->out, " MAX %u", v[n - 1]);
	if ((p->ret & SEARCH_RET_ALL) && n > 0) {
		out_puts(&s->out, " ALL ");
		put_set(s, v, n);
	}
	if (p->ret & SEARCH_RET_COUNT)
		out_printf(&s->out, " COUNT %zu", n);
	out_puts(&s->out, "\r\n");
}

static int search(struct imap *s, struct imap_cmd *c, int uid)
{
	struct search_prog p;
	const char *error = NULL;
	uint32_t *found = NULL;
	size_t n = 0;
	int rc = 0, failed = 0;

	if (search_parse(c->args, &p, &error) < 0) {
		int e = errno;

		search_prog_free(&p);
		if (e == ENOMEM)
			return -1;
		if (e == ENOTSUP)
			return imap_no(s, error);
		return imap_bad(s, error);
	}
	search_prog_bind(&p, (uint32_t)s->n, s->n > 0 ? s->m[s->n - 1].uid : 0,
			 maildir_box_keywords(s->box));
	if (s->n > 0 && (found = malloc(s->n * sizeof *found)) == NULL) {
		search_prog_free(&p);
		return -1;
	}
	for (size_t i = 0; i < s->n && !failed; i++) {
		long j = imap_view_index(s, i);
		const struct maildir_msg *mm;
		struct msg_ctx x = { .s = s };
		struct search_msg m;
		int r;

		if (j < 0)
			continue;
		mm = maildir_box_msg(s->box, (size_t)j);
		memset(&m, 0, sizeof m);
		x.j = (size_t)j;
		m.seq = (uint32_t)(i + 1);
		m.uid = s->m[i].uid;
		m.flags = mm->flags;
		m.keywords = mm->keywords;
		m.recent = s->m[i].recent;
		m.get = get;
		m.ctx = &x;
		r = search_match(&p, &m);
		if (x.mapped)
			msgmap_close(&x.map);
		if (r < 0) {
			if (errno == ENOMEM) {
				rc = -1;
				break;
			}
			log_warn("search %s: %s", maildir_box_msg(s->box, (size_t)j)->name,
				 strerror(errno));
			failed = 1;
		} else if (r > 0) {
			found[n++] = uid ? s->m[i].uid : (uint32_t)(i + 1);
		}
	}
	if (rc == 0 && !failed)
		put_result(s, c, &p, uid, found, n);
	free(found);
	search_prog_free(&p);
	if (rc < 0)
		return -1;
	if (imap_mailbox_sync(s, uid) < 0)
		return -1;
	if (failed)
		return imap_no(s, "[SERVERBUG] Cannot read a message");
	imap_tagged(s, "OK", "Search completed.");
	return 0;
}

int imap_cmd_search(struct imap *s, struct imap_cmd *c)
{
	return search(s, c, 0);
}

int imap_cmd_uid_search(struct imap *s, struct imap_cmd *c)
{
	return search(s, c, 1);
}
