/*
 * The search program parser (RFC 3501 6.4.4 and 9 search-key, RFC 4731 3 search-return-
 * opts): the argument tree in, a tree of search_node out. Pure; see search.h.
 *
 * Choices, as Dovecot 2.3 makes them:
 * - Keys are matched ignoring case; a sequence set is any argument that parses as one.
 * - NEW is RECENT and UNSEEN, OLD is NOT RECENT (RFC 3501 6.4.4), built as nodes.
 * - Strings may be atoms, quoted strings or literals (RFC 3501 9 astring), so that
 *   "SUBJECT hello" works as clients send it.
 */
#include "search.h"

#include "search_fold.h"
#include "maildir_name.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct parser {
	struct search_prog *p;
	const char *error;
};

static int fail(struct parser *ps, int e, const char *text)
{
	ps->error = text;
	errno = e;
	return -1;
}

static struct search_node *node_new(struct parser *ps, enum search_kind kind)
{
	struct search_node *n = calloc(1, sizeof *n);

	if (n == NULL) {
		fail(ps, ENOMEM, "Out of memory");
		return NULL;
	}
	n->kind = kind;
	n->all_next = ps->p->all;
	ps->p->all = n;
	ps->p->nodes++;
	return n;
}

/* A string argument (astring: atom, quoted, in-memory literal) as bytes. 0 or -1. */
static int arg_bytes(struct parser *ps, const struct imap_arg *a, const char **s,
		     size_t *len)
{
	if (a == NULL)
		return fail(ps, EINVAL, "Missing argument in search program");
	if (a->type == IMAP_ARG_LIST)
		return fail(ps, EINVAL, "A string was expected in search program");
	if (a->type == IMAP_ARG_LITERAL && a->fd >= 0)
		return fail(ps, E2BIG, "Search string too long");
	*s = a->s;
	*len = a->len;
	return 0;
}

static int needle(struct parser *ps, struct search_node *n, const struct imap_arg *a)
{
	const char *s;
	size_t len;

	if (arg_bytes(ps, a, &s, &len) < 0)
		return -1;
	n->needle = malloc(SEARCH_FOLD_GROWTH * len + 1);
	if (n->needle == NULL)
		return fail(ps, ENOMEM, "Out of memory");
	n->needle_len = search_fold(s, len, n->needle);
	n->needle[n->needle_len] = '\0';
	ps->p->reads_message = 1;
	return 0;
}

/* A C string argument (atom or quoted, no NUL): dates, numbers, names. */
static const char *arg_text(const struct imap_arg *a)
{
	if (a == NULL || a->type == IMAP_ARG_LIST || (a->type == IMAP_ARG_LITERAL && a->fd >= 0) ||
	    memchr(a->s, '\0', a->len) != NULL)
		return NULL;
	return a->s;
}

static int number(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		uint64_t d = (uint64_t)(*s - '0');

		if (!isdigit((unsigned char)*s) || x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* Keys without arguments: flags and their negations. */
static const struct {
	const char *name;
	enum search_kind kind;
	uint32_t bits;
} simple[] = {
	{ "ALL", SEARCH_ALL, 0 },
	{ "ANSWERED", SEARCH_FLAGS, MAILDIR_F_REPLIED },
	{ "DELETED", SEARCH_FLAGS, MAILDIR_F_TRASHED },
	{ "DRAFT", SEARCH_FLAGS, MAILDIR_F_DRAFT },
	{ "FLAGGED", SEARCH_FLAGS, MAILDIR_F_FLAGGED },
	{ "SEEN", SEARCH_FLAGS, MAILDIR_F_SEEN },
	{ "UNANSWERED", SEARCH_UNFLAGS, MAILDIR_F_REPLIED },
	{ "UNDELETED", SEARCH_UNFLAGS, MAILDIR_F_TRASHED },
	{ "UNDRAFT", SEARCH_UNFLAGS, MAILDIR_F_DRAFT },
	{ "UNFLAGGED", SEARCH_UNFLAGS, MAILDIR_F_FLAGGED },
	{ "UNSEEN", SEARCH_UNFLAGS, MAILDIR_F_SEEN },
	{ "RECENT", SEARCH_RECENT, 0 },
};

/* Keys with one argument. */
static const struct {
	const char *name;
	enum search_kind kind;
	enum { A_STRING, A_DATE, A_NUMBER, A_KEYWORD, A_UIDSET } arg;
	const char *field;	/* header keys: the field */
} with_arg[] = {
	{ "BCC", SEARCH_HEADER, A_STRING, "Bcc" },
	{ "CC", SEARCH_HEADER, A_STRING, "Cc" },
	{ "FROM", SEARCH_HEADER, A_STRING, "From" },
	{ "SUBJECT", SEARCH_HEADER, A_STRING, "Subject" },
	{ "TO", SEARCH_HEADER, A_STRING, "To" },
	{ "BODY", SEARCH_BODY, A_STRING, NULL },
	{ "TEXT", SEARCH_TEXT, A_STRING, NULL },
	{ "BEFORE", SEARCH_BEFORE, A_DATE, NULL },
	{ "ON", SEARCH_ON, A_DATE, NULL },
	{ "SINCE", SEARCH_SINCE, A_DATE, NULL },
	{ "SENTBEFORE", SEARCH_SENTBEFORE, A_DATE, NULL },
	{ "SENTON", SEARCH_SENTON, A_DATE, NULL },
	{ "SENTSINCE", SEARCH_SENTSINCE, A_DATE, NULL },
	{ "LARGER", SEARCH_LARGER, A_NUMBER, NULL },
	{ "SMALLER", SEARCH_SMALLER, A_NUMBER, NULL },
	{ "KEYWORD", SEARCH_KEYWORD, A_KEYWORD, NULL },
	{ "UNKEYWORD", SEARCH_UNKEYWORD, A_KEYWORD, NULL },
	{ "UID", SEARCH_UID, A_UIDSET, NULL },
};

static int key(struct parser *ps, const struct imap_arg **ap, int depth,
	       struct search_node **n_r);

/* Keys from *ap into parent's children until the end of the list. */
static int keys(struct parser *ps, const struct imap_arg *a, int depth,
		struct search_node *parent)
{
	struct search_node **tail = &parent->child;

	while (a != NULL) {
		if (key(ps, &a, depth, tail) < 0)
			return -1;
		tail = &(*tail)->next;
	}
	return 0;
}

static int set_arg(struct parser *ps, struct search_node *n, const struct imap_arg *a)
{
	if (a == NULL || a->type != IMAP_ARG_ATOM)
		return fail(ps, EINVAL, "Invalid UID set in search program");
	if (imap_seqset_parse(a->s, &n->set) < 0) {
		if (errno == ENOMEM)
			return fail(ps, ENOMEM, "Out of memory");
		return fail(ps, EINVAL, "Invalid UID set in search program");
	}
	return 0;
}

static int key_with_arg(struct parser *ps, size_t k, const struct imap_arg *a,
			struct search_node *n)
{
	const char *t;
	uint64_t v;

	n->kind = with_arg[k].kind;
	switch (with_arg[k].arg) {
	case A_STRING:
		n->name = with_arg[k].field;
		return needle(ps, n, a);
	case A_DATE:
		if ((t = arg_text(a)) == NULL || imap_parse_date(t, &n->date) < 0)
			return fail(ps, EINVAL, "Invalid date in search program");
		if (n->kind >= SEARCH_SENTBEFORE)
			ps->p->reads_message = 1;
		return 0;
	case A_NUMBER:
		if (number(arg_text(a), &v) < 0)
			return fail(ps, EINVAL, "Invalid size in search program");
		n->number = v;
		return 0;
	case A_KEYWORD:
		/* RFC 3501 9 flag-keyword is an atom */
		if (a == NULL || a->type != IMAP_ARG_ATOM)
			return fail(ps, EINVAL, "Invalid keyword in search program");
		n->name = a->s;
		return 0;
	case A_UIDSET:
		return set_arg(ps, n, a);
	}
	return fail(ps, EINVAL, "Invalid search program");
}

static int key(struct parser *ps, const struct imap_arg **ap, int depth,
	       struct search_node **n_r)
{
	const struct imap_arg *a = *ap;
	struct search_node *n;

	if (depth > SEARCH_DEPTH_MAX)
		return fail(ps, ELOOP, "Search program nested too deeply");
	if (a == NULL)
		return fail(ps, EINVAL, "Missing search key");
	if ((n = node_new(ps, SEARCH_ALL)) == NULL)
		return -1;
	*n_r = n;
	*ap = a->next;
	if (a->type == IMAP_ARG_LIST) {
		if (a->child == NULL)
			return fail(ps, EINVAL, "Empty list in search program");
		n->kind = SEARCH_AND;
		return keys(ps, a->child, depth + 1, n);
	}
	if (a->type != IMAP_ARG_ATOM)
		return fail(ps, EINVAL, "Unknown search key");
	for (size_t k = 0; k < sizeof simple / sizeof simple[0]; k++) {
		if (strcasecmp(a->s, simple[k].name) == 0) {
			n->kind = simple[k].kind;
			n->bits = simple[k].bits;
			return 0;
		}
	}
	for (size_t k = 0; k < sizeof with_arg / sizeof with_arg[0]; k++) {
		if (strcasecmp(a->s, with_arg[k].name) == 0) {
			if (key_with_arg(ps, k, a->next, n) < 0)
				return -1;
			*ap = a->next->next;
			return 0;
		}
	}
	if (strcasecmp(a->s, "NEW") == 0 || strcasecmp(a->s, "OLD") == 0) {
		/* RFC 3501 6.4.4: NEW is "(RECENT UNSEEN)", OLD is "NOT RECENT" */
		int new = toupper((unsigned char)a->s[0]) == 'N';
		struct search_node *r = node_new(ps, SEARCH_RECENT);

		if (r == NULL)
			return -1;
		n->kind = new ? SEARCH_AND : SEARCH_NOT;
		n->child = r;
		if (new) {
			if ((r->next = node_new(ps, SEARCH_UNFLAGS)) == NULL)
				return -1;
			r->next->bits = MAILDIR_F_SEEN;
		}
		return 0;
	}
	if (strcasecmp(a->s, "HEADER") == 0) {
		const char *name = arg_text(a->next);

		/* RFC 3501 9 header-fld-name is an astring; a field name has no ':' or
		 * space (RFC 5322 3.6.8) */
		if (name == NULL || name[0] == '\0' || strpbrk(name, ": \t") != NULL)
			return fail(ps, EINVAL, "Invalid header field name in search program");
		n->kind = SEARCH_HEADER;
		n->name = name;
		if (needle(ps, n, a->next->next) < 0)
			return -1;
		*ap = a->next->next->next;
		return 0;
	}
	if (strcasecmp(a->s, "NOT") == 0) {
		n->kind = SEARCH_NOT;
		return key(ps, ap, depth + 1, &n->child);
	}
	if (strcasecmp(a->s, "OR") == 0) {
		n->kind = SEARCH_OR;
		if (key(ps, ap, depth + 1, &n->child) < 0)
			return -1;
		return key(ps, ap, depth + 1, &n->child->next);
	}
	/* RFC 3501 9: a sequence set is a key of its own */
	n->kind = SEARCH_SEQ;
	if (imap_seqset_parse(a->s, &n->set) < 0) {
		if (errno == ENOMEM)
			return fail(ps, ENOMEM, "Out of memory");
		return fail(ps, EINVAL, "Unknown search key");
	}
	return 0;
}

static int return_opts(struct parser *ps, const struct imap_arg *list)
{
	static const struct { const char *name; unsigned bit; } opts[] = {
		{ "MIN", SEARCH_RET_MIN }, { "MAX", SEARCH_RET_MAX },
		{ "ALL", SEARCH_RET_ALL }, { "COUNT", SEARCH_RET_COUNT },
	};

	if (list == NULL || list->type != IMAP_ARG_LIST)
		return fail(ps, EINVAL, "Invalid RETURN options");
	for (const struct imap_arg *a = list->child; a != NULL; a = a->next) {
		size_t k;

		for (k = 0; k < sizeof opts / sizeof opts[0]; k++)
			if (imap_arg_atom_is(a, opts[k].name))
				break;
		if (k == sizeof opts / sizeof opts[0])
			return fail(ps, EINVAL, "Unknown RETURN option");
		ps->p->ret |= opts[k].bit;
	}
	/* RFC 4731 3.1: "RETURN ()" is "RETURN (ALL)" */
	if (ps->p->ret == 0)
		ps->p->ret = SEARCH_RET_ALL;
	ps->p->esearch = 1;
	return 0;
}

int search_parse(const struct imap_arg *args, struct search_prog *p, const char **error_r)
{
	struct parser ps = { p, NULL };
	const struct imap_arg *a = args;

	memset(p, 0, sizeof *p);
	if ((p->root = node_new(&ps, SEARCH_AND)) == NULL)
		goto out;
	/* RFC 4731 3: "SEARCH [RETURN (...)] [CHARSET x] keys" */
	if (a != NULL && imap_arg_atom_is(a, "RETURN")) {
		if (return_opts(&ps, a->next) < 0)
			goto out;
		a = a->next->next;
	}
	if (a != NULL && imap_arg_atom_is(a, "CHARSET")) {
		const char *cs = arg_text(a->next);

		if (cs == NULL) {
			fail(&ps, EINVAL, "Invalid CHARSET");
			goto out;
		}
		/* The strings are compared as UTF-8 (US-ASCII is a subset); other charsets
		 * are refused as RFC 3501 6.4.4 allows. */
		if (strcasecmp(cs, "UTF-8") != 0 && strcasecmp(cs, "US-ASCII") != 0) {
			fail(&ps, ENOTSUP, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
			goto out;
		}
		a = a->next->next;
	}
	if (a == NULL) {
		fail(&ps, EINVAL, "Missing search program");
		goto out;
	}
	if (keys(&ps, a, 1, p->root) == 0)
		return 0;
out:
	*error_r = ps.error;
	return -1;
}

void search_prog_free(struct search_prog *p)
{
	struct search_node *n = p->all, *next;

	for (; n != NULL; n = next) {
		next = n->all_next;
		imap_seqset_free(&n->set);
		free(n->needle);
		free(n);
	}
	p->all = NULL;
	p->root = NULL;
	p->nodes = 0;
}

static void bind_nodes(struct search_node *n, uint32_t max_seq, uint32_t max_uid,
		 const struct maildir_keywords *kw)
{
	for (; n != NULL; n = n->next) {
		if (n->kind == SEARCH_SEQ)
			imap_seqset_resolve(&n->set, max_seq);
		else if (n->kind == SEARCH_UID)
			imap_seqset_resolve(&n->set, max_uid);
		else if (n->kind == SEARCH_KEYWORD || n->kind == SEARCH_UNKEYWORD) {
			/* Ignoring case, as Dovecot's SEARCH does (its STORE keeps case):
			 * every letter whose name matches. */
			n->bits = 0;
			for (int k = 0; kw != NULL && k < MAILDIR_KEYWORDS_MAX; k++)
				if (kw->name[k] != NULL && strcasecmp(kw->name[k], n->name) == 0)
					n->bits |= MAILDIR_KW('a' + k);
		}
		bind_nodes(n->child, max_seq, max_uid, kw);
	}
}

void search_prog_bind(struct search_prog *p, uint32_t max_seq, uint32_t max_uid,
		      const struct maildir_keywords *kw)
{
	bind_nodes(p->root, max_seq, max_uid, kw);
}
