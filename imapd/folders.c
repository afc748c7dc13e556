/*
 * The mailbox hierarchy (RFC 3501 6.3.3-6.3.10): CREATE, DELETE, RENAME, LIST, STATUS
 * over Maildir++ folders (maildir_folder.h). INBOX is the Maildir root; names reach
 * the client in modified UTF-7 with '/' between levels.
 *
 * LIST matches with list_match.h, in time linear in the name. Levels that exist only
 * as parents of folders (".A.B" without ".A") are listed \Noselect.
 */
#include "imap.h"
#include "list_match.h"
#include "special_use.h"

#include "log.h"
#include "maildir_folder.h"
#include "maildir_name.h"
#include "seqset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int mailbox_arg(struct imap *s, const struct imap_arg *a, char *name, size_t sz)
{
	if (imap_arg_mailbox(a, name, sz) < 0) {
		imap_no(s, "[CANNOT] Invalid mailbox name");
		return 1;
	}
	return 0;
}

int imap_cmd_create(struct imap *s, struct imap_cmd *c)
{
	char name[IMAP_MAILBOX_MAX + 1];
	size_t len;

	if (c->n_args != 1)
		return imap_bad(s, "Syntax: CREATE mailbox");
	if (mailbox_arg(s, c->args, name, sizeof name))
		return 0;
	/* RFC 3501 6.3.3: a trailing separator only declares the intent of children */
	len = strlen(name);
	if (len > 0 && name[len - 1] == '/')
		name[len - 1] = '\0';
	if (strcmp(name, "INBOX") == 0)
		return imap_no(s, "[ALREADYEXISTS] Mailbox already exists");
	if (maildir_folder_create(s->root, name) < 0) {
		if (errno == EEXIST)
			return imap_no(s, "[ALREADYEXISTS] Mailbox already exists");
		if (errno == EINVAL || errno == ENAMETOOLONG)
			return imap_no(s, "[CANNOT] Invalid mailbox name");
		log_warn("create %s: %s", name, strerror(errno));
		return imap_no(s, "[SERVERBUG] Cannot create mailbox");
	}
	imap_tagged(s, "OK", "Create completed.");
	return 0;
}

int imap_cmd_delete(struct imap *s, struct imap_cmd *c)
{
	char name[IMAP_MAILBOX_MAX + 1];

	if (c->n_args != 1)
		return imap_bad(s, "Syntax: DELETE mailbox");
	if (mailbox_arg(s, c->args, name, sizeof name))
		return 0;
	if (strcmp(name, "INBOX") == 0)
		return imap_no(s, "[CANNOT] INBOX can't be deleted");
	if (s->state == IMAP_SELECTED && strcmp(name, s->box_name) == 0)
		return imap_no(s, "[INUSE] Can't delete the selected mailbox");
	if (maildir_folder_delete(s->root, name) < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EINVAL)
			return imap_no(s, "[NONEXISTENT] Mailbox doesn't exist");
		log_warn("delete %s: %s", name, strerror(errno));
		return imap_no(s, "[SERVERBUG] Cannot delete mailbox");
	}
	imap_tagged(s, "OK", "Delete completed.");
	return 0;
}

/* RFC 3501 6.3.5: renaming INBOX moves its messages to the new mailbox and leaves
 * INBOX empty (its children stay). */
static int rename_inbox(struct imap *s, const char *to)
{
	struct maildir_box *src = NULL, *dst = NULL;
	char path[PATH_MAX];
	size_t *idx = NULL, n;
	uint32_t *uids = NULL;
	int rc = -1;

	if (maildir_folder_create(s->root, to) < 0)
		return -1;
	if (maildir_box_open(&src, s->root) < 0 ||
	    imap_mailbox_path(s, to, path, sizeof path) < 0 || maildir_box_open(&dst, path) < 0)
		goto out;
	n = maildir_box_count(src);
	idx = calloc(n + 1, sizeof *idx);
	uids = calloc(n + 1, sizeof *uids);
	if (idx == NULL || uids == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	rc = n == 0 ? 0 : maildir_box_move(src, idx, n, dst, uids);
out:
	maildir_box_close(src);
	maildir_box_close(dst);
	free(idx);
	free(uids);
	return rc;
}

int imap_cmd_rename(struct imap *s, struct imap_cmd *c)
{
	char from[IMAP_MAILBOX_MAX + 1], to[IMAP_MAILBOX_MAX + 1];
	int rc;

	if (c->n_args != 2)
		return imap_bad(s, "Syntax: RENAME from to");
	if (mailbox_arg(s, c->args, from, sizeof from) ||
	    mailbox_arg(s, c->args->next, to, sizeof to))
		return 0;
	if (strcmp(to, "INBOX") == 0)
		return imap_no(s, "[ALREADYEXISTS] INBOX exists already");
	rc = strcmp(from, "INBOX") == 0 ? rename_inbox(s, to)
					: maildir_folder_rename(s->root, from, to);
	if (rc < 0) {
		if (errno == EEXIST)
			return imap_no(s, "[ALREADYEXISTS] Target mailbox already exists");
		if (errno == ENOENT)
			return imap_no(s, "[NONEXISTENT] Mailbox doesn't exist");
		if (errno == EINVAL || errno == ENAMETOOLONG)
			return imap_no(s, "[CANNOT] Invalid mailbox name");
		log_warn("rename %s: %s", from, strerror(errno));
		return imap_no(s, "[SERVERBUG] Cannot rename mailbox");
	}
	imap_tagged(s, "OK", "Rename completed.");
	return 0;
}

/* --- LIST ---------------------------------------------------------------------- */

struct names {
	char **v;
	size_t n, cap;
};

static int names_add(struct names *l, const char *name)
{
	char *d;

	if (l->n == l->cap) {
		size_t cap = l->cap == 0 ? 32 : l->cap * 2;
		char **v = realloc(l->v, cap * sizeof *v);

		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	d = strdup(name);
	if (d == NULL)
		return -1;
	l->v[l->n++] = d;
	return 0;
}

static int list_cb(const char *name, void *arg)
{
	return names_add(arg, name) < 0 ? -1 : 0;
}

static int cmp_name(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	/* INBOX first, as clients expect; then byte order, so parents precede children */
	if (strcmp(x, "INBOX") == 0)
		return strcmp(y, "INBOX") == 0 ? 0 : -1;
	if (strcmp(y, "INBOX") == 0)
		return 1;
	return strcmp(x, y);
}

/* 1 when some name in the sorted list is a child of name: the first name not before
 * "name/" starts with it. Children do not sort right after their parent ("A", "A B",
 * "A/B": ' ' and '-' sort before '/'), so looking at the next name is not enough;
 * a binary search keeps LIST at n log n for any set of names. */
static int has_children(const struct names *all, const char *name)
{
	char key[IMAP_MAILBOX_MAX * 2 + 2];
	const char *k = key;
	size_t len = strlen(name), lo = 0, hi = all->n;

	if (len + 2 > sizeof key)
		return 0;
	memcpy(key, name, len);
	key[len] = '/';
	key[len + 1] = '\0';
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_name(&all->v[mid], &k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < all->n && strncmp(all->v[lo], key, len + 1) == 0;
}

int imap_cmd_list(struct imap *s, struct imap_cmd *c)
{
	const char *ref = imap_arg_astring(imap_cmd_arg(c, 0));
	const struct imap_arg *pa = imap_cmd_arg(c, 1);
	struct imap_match mt;
	struct imap_special_use su;
	struct names real = { 0 }, all = { 0 };
	int rc = 0, r;

	if (c->n_args != 2 || ref == NULL || pa == NULL || pa->type == IMAP_ARG_LIST ||
	    pa->s == NULL || memchr(pa->s, '\0', pa->len) != NULL)
		return imap_bad(s, "Syntax: LIST reference pattern");
	if (pa->len == 0) {
		/* RFC 3501 6.3.8: the delimiter and root of the reference */
		imap_untagged(s, "LIST (\\Noselect) \"/\" \"\"");
		imap_tagged(s, "OK", "List completed.");
		return 0;
	}
	/* patterns and names compared in UTF-8; INBOX in any case is INBOX */
	r = imap_match_init(&mt, ref, pa->s);
	if (r != 0) {
		if (r < 0)
			return -1;
		imap_tagged(s, "OK", "List completed.");
		return 0;
	}
	if (imap_special_use_load(s->root, &su) < 0)
		log_warn("%s/%s: %s; using the built-in names", s->root,
			 IMAP_SPECIAL_USE_FILE, strerror(errno));
	if (names_add(&real, "INBOX") < 0 || maildir_folder_list(s->root, list_cb, &real) < 0) {
		log_warn("list %s: %s", s->root, strerror(errno));
		rc = imap_no(s, "[SERVERBUG] Cannot list mailboxes");
		goto out;
	}
	/* every real name, and every level above one that is not itself a folder */
	for (size_t i = 0; i < real.n; i++) {
		char *p = real.v[i];

		if (names_add(&all, p) < 0)
			goto nomem;
		for (char *q = strchr(p, '/'); q != NULL; q = strchr(q + 1, '/')) {
			*q = '\0';
			if (names_add(&all, p) < 0) {
				*q = '/';
				goto nomem;
			}
			*q = '/';
		}
	}
	qsort(real.v, real.n, sizeof *real.v, cmp_name);
	qsort(all.v, all.n, sizeof *all.v, cmp_name);
	for (size_t i = 0; i < all.n; i++) {
		const char *name = all.v[i], *su_attr;
		int exists, children;

		if (i > 0 && strcmp(all.v[i - 1], name) == 0)
			continue;
		if (!imap_match(&mt, name))
			continue;
		exists = bsearch(&name, real.v, real.n, sizeof *real.v, cmp_name) != NULL;
		children = has_children(&all, name);
		su_attr = exists ? imap_special_use_get(&su, name) : NULL;
		/* RFC 3348 (CHILDREN), RFC 6154 (SPECIAL-USE) */
		out_printf(&s->out, "* LIST (%s%s%s%s) \"/\" ", exists ? "" : "\\Noselect ",
			   children ? "\\HasChildren" : "\\HasNoChildren", su_attr ? " " : "",
			   su_attr ? su_attr : "");
		imap_put_mailbox(s, name);
		out_puts(&s->out, "\r\n");
	}
	imap_tagged(s, "OK", "List completed.");
	goto out;
nomem:
	rc = -1;
out:
	for (size_t i = 0; i < real.n; i++)
		free(real.v[i]);
	for (size_t i = 0; i < all.n; i++)
		free(all.v[i]);
	free(real.v);
	free(all.v);
	imap_match_free(&mt);
	imap_special_use_free(&su);
	return rc;
}

int imap_cmd_status(struct imap *s, struct imap_cmd *c)
{
	static const char *const items[] = { "MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY",
					     "UNSEEN" };
	const struct imap_arg *list = imap_cmd_arg(c, 1);
	char name[IMAP_MAILBOX_MAX + 1], path[PATH_MAX];
	struct maildir_box *b;
	struct maildir_box_status st;
	unsigned want = 0;
	uint32_t v[5] = { 0 };
	const char *sep = "";

	if (c->n_args != 2 || list->type != IMAP_ARG_LIST || list->n == 0)
		return imap_bad(s, "Syntax: STATUS mailbox (items)");
	for (const struct imap_arg *a = list->child; a != NULL; a = a->next) {
		size_t k;

		for (k = 0; k < 5 && !imap_arg_atom_is(a, items[k]); k++)
			;
		if (k == 5)
			return imap_bad(s, "Unknown STATUS item");
		want |= 1u << k;
	}
	if (mailbox_arg(s, c->args, name, sizeof name))
		return 0;
	if (imap_mailbox_path(s, name, path, sizeof path) >= 0 &&
	    maildir_box_peek_status(path, &st) == 1) {
		/* Unchanged since a full sync counted it: no view to build. */
		v[0] = st.messages;
		v[1] = st.in_new;
		v[2] = st.uidnext;
		v[3] = st.uidvalidity;
		v[4] = st.unseen;
		goto reply;
	}
	if (imap_mailbox_path(s, name, path, sizeof path) < 0)
		return imap_no(s, "[NONEXISTENT] Mailbox doesn't exist");
	if (maildir_box_open(&b, path) < 0) {
		/* EINVAL here is a damaged dovecot-uidlist, not a missing mailbox: a
		 * syncing client told NONEXISTENT may delete its copy (as SELECT does,
		 * UNAVAILABLE until `maildir check --repair`). */
		if (errno == ENOENT || errno == ENOTDIR)
			return imap_no(s, "[NONEXISTENT] Mailbox doesn't exist");
		log_warn("status %s: %s", path, strerror(errno));
		return imap_no(s, "[UNAVAILABLE] Cannot open mailbox");
	}
	v[0] = (uint32_t)maildir_box_count(b);
	for (size_t i = 0; i < maildir_box_count(b); i++) {
		const struct maildir_msg *m = maildir_box_msg(b, i);

		v[1] += m->in_new;
		v[4] += !(m->flags & MAILDIR_FLAG('S'));
	}
	v[2] = maildir_box_nextuid(b);
	v[3] = maildir_box_uidvalidity(b);
	maildir_box_close(b);
reply:
	out_puts(&s->out, "* STATUS ");
	imap_put_mailbox(s, name);
	out_puts(&s->out, " (");
	for (size_t k = 0; k < 5; k++) {
		if (want & (1u << k)) {
			out_printf(&s->out, "%s%s %u", sep, items[k], v[k]);
			sep = " ";
		}
	}
	out_puts(&s->out, ")\r\n");
	imap_tagged(s, "OK", "Status completed.");
	return 0;
}
