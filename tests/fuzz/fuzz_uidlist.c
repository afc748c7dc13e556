/*
 * dovecot-uidlist / courierimapuiddb reader on arbitrary bytes, as either kind of file.
 * Whatever it accepts, the writer must write and the reader read back to the same
 * values: a record that changed on the way would silently move a UID to another message.
 * The repair's salvage must give a list the writer can write, in UID order, whose
 * nextuid is above every record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "maildir_uidlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct maildir_uidlist *a, const struct maildir_uidlist *b)
{
	if (b->version != 3 || a->uidvalidity != b->uidvalidity ||
	    a->nextuid != b->nextuid || strcmp(a->guid, b->guid) != 0 ||
	    strcmp(a->hdr_extra, b->hdr_extra) != 0 || a->n != b->n)
		abort();
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].uid != b->v[i].uid || strcmp(a->v[i].keys, b->v[i].keys) != 0 ||
		    strcmp(a->v[i].name, b->v[i].name) != 0)
			abort();
}

/* The record reader that streams a large file (maildir_box_load) takes each line of an
 * accepted text as the parser did: same UID, keys and name. */
static void lines_agree(const char *text, size_t len, const struct maildir_uidlist *u)
{
	const char *p = memchr(text, '\n', len), *end = text + len;
	size_t k = 0;

	while (p != NULL && ++p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e;
		struct maildir_uidline r;
		size_t n, sp = 0;

		if (nl == NULL)
			break;	/* a torn last line is never a record */
		for (e = nl; e > p && e[-1] == '\r'; e--)
			;
		n = (size_t)(e - p);
		while (sp < n && (p[sp] == ' ' || p[sp] == '\t'))
			sp++;
		if (sp < n) {
			if (k >= u->n || maildir_uidlist_record(u->version, p, n, &r) < 0 ||
			    r.uid != u->v[k].uid || r.klen != strlen(u->v[k].keys) ||
			    memcmp(r.keys, u->v[k].keys, r.klen) != 0 ||
			    r.nlen != strlen(u->v[k].name) ||
			    memcmp(r.name, u->v[k].name, r.nlen) != 0)
				abort();
			k++;
		}
		p = nl;
	}
	if (k != u->n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int courier = 0; courier <= 1; courier++) {
		struct maildir_uidlist u, r;
		struct buf b;
		size_t line;

		if (maildir_uidlist_parse((const char *)data, size, courier, &u, &line) < 0) {
			if (line == 0 || u.v != NULL)
				abort();
			continue;
		}
		if (!courier)
			lines_agree((const char *)data, size, &u);
		buf_init(&b, MAILDIR_UIDLIST_MAX);
		if (maildir_uidlist_format(&u, &b) < 0)
			abort();
		if (maildir_uidlist_parse(b.s, b.len, 0, &r, &line) < 0)
			abort();
		same(&u, &r);
		for (size_t i = 0; i < u.n; i++)
			if (maildir_uidlist_find(&u, u.v[i].uid) != (long)i)
				abort();
		maildir_uidlist_free(&r);
		maildir_uidlist_free(&u);
		buf_free(&b);
	}
	{
		struct maildir_uidlist u;
		struct buf b;
		size_t dropped;

		if (maildir_uidlist_salvage((const char *)data, size, &u, &dropped) == 0) {
			for (size_t i = 0; i < u.n; i++)
				if ((i > 0 && u.v[i].uid <= u.v[i - 1].uid) ||
				    (u.v[i].uid >= u.nextuid && u.nextuid != UINT32_MAX))
					abort();
			buf_init(&b, MAILDIR_UIDLIST_MAX);
			if (maildir_uidlist_format(&u, &b) < 0)
				abort();
			buf_free(&b);
			maildir_uidlist_free(&u);
		}
	}
	return 0;
}
