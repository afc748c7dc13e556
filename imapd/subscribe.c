/*
 * SUBSCRIBE, UNSUBSCRIBE, LSUB (RFC 3501 6.3.6, 6.3.7, 6.3.9) over the subscriptions
 * file that Dovecot keeps in the Maildir root (maildir_subscriptions.h), so a user
 * can move between Dovecot and imapd and keep the folders a client shows.
 *
 * A name may be subscribed whether or not the mailbox exists: RFC 3501 6.3.6 lets a
 * server check, but a client that subscribes before it creates, or a folder deleted
 * by another program, then keeps its subscription, and the server "MUST NOT
 * unilaterally remove" one. LSUB lists names as subscribed, whether they exist or not
 * (as Dovecot does, with no attributes). One case needs a name that is not
 * subscribed: "A/B" subscribed, "A" not, and the pattern "%" matches "A" but not
 * "A/B": then "A" is listed \Noselect (RFC 3501 6.3.9), so the client can walk down
 * to the subscribed child.
 */
#include "imap.h"
#include "list_match.h"

#include "log.h"
#include "maildir_subscriptions.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int subscription_error(struct imap *s, const char *name, const char *what)
{
	switch (errno) {
	case EINVAL:
	case ENAMETOOLONG:
		return imap_no(s, "[CANNOT] Invalid mailbox name");
	case E2BIG:
		return imap_no(s, "[LIMIT] Too many subscriptions");
	case EWOULDBLOCK:
		return imap_no(s, "[INUSE] Subscriptions are being changed, try again");
	default:
		log_warn("%s %.200s: %s user=%.64s", what, name, strerror(errno), s->user);
		return imap_no(s, "[SERVERBUG] Cannot change subscriptions");
	}
}

static int change(struct imap *s, struct imap_cmd *c, int subscribe)
{
	char name[IMAP_MAILBOX_MAX + 1];
	int rc;

	if (c->n_args != 1)
		return imap_bad(s, subscribe ? "Syntax: SUBSCRIBE mailbox"
					     : "Syntax: UNSUBSCRIBE mailbox");
	if (imap_arg_mailbox(c->args, name, sizeof name) < 0)
		return imap_no(s, "[CANNOT] Invalid mailbox name");
	rc = subscribe ? maildir_subscriptions_add(s->root, name)
		       : maildir_subscriptions_remove(s->root, name);
	if (rc < 0)
		return subscription_error(s, name, subscribe ? "subscribe" : "unsubscribe");
	imap_tagged(s, "OK", "%s completed.", subscribe ? "Subscribe" : "Unsubscribe");
	return 0;
}

int imap_cmd_subscribe(struct imap *s, struct imap_cmd *c)
{
	return change(s, c, 1);
}

int imap_cmd_unsubscribe(struct imap *s, struct imap_cmd *c)
{
	return change(s, c, 0);
}

struct lsub_entry {
	char *name;
	int noselect;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct lsub_entry *x = a, *y = b;
	int d = strcmp(x->name, y->name);

	/* the subscribed name before a \Noselect stand-in of the same name */
	return d != 0 ? d : x->noselect - y->noselect;
}

static int entry_add(struct lsub_entry **v, size_t *n, size_t *cap, const char *name,
		     size_t len, int noselect)
{
	if (*n == *cap) {
		size_t ncap = *cap == 0 ? 32 : *cap * 2;
		struct lsub_entry *nv = realloc(*v, ncap * sizeof *nv);

		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	(*v)[*n].name = strndup(name, len);
	if ((*v)[*n].name == NULL)
		return -1;
	(*v)[*n].noselect = noselect;
	(*n)++;
	return 0;
}

int imap_cmd_lsub(struct imap *s, struct imap_cmd *c)
{
	const char *ref = imap_arg_astring(imap_cmd_arg(c, 0));
	const struct imap_arg *pa = imap_cmd_arg(c, 1);
	struct maildir_subscriptions subs = { 0 };
	struct imap_match mt;
	struct lsub_entry *v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0, r;

	if (c->n_args != 2 || ref == NULL || pa == NULL || pa->type == IMAP_ARG_LIST ||
	    pa->s == NULL || memchr(pa->s, '\0', pa->len) != NULL)
		return imap_bad(s, "Syntax: LSUB reference pattern");
	r = imap_match_init(&mt, ref, pa->s);
	if (r != 0) {
		if (r < 0)
			return -1;
		imap_tagged(s, "OK", "Lsub completed.");
		return 0;
	}
	if (maildir_subscriptions_read(s->root, &subs) < 0) {
		log_warn("read subscriptions of %s: %s user=%.64s", s->root, strerror(errno),
			 s->user);
		imap_match_free(&mt);
		return imap_no(s, "[SERVERBUG] Cannot read subscriptions");
	}
	for (size_t i = 0; i < subs.n; i++) {
		const char *name = subs.name[i];

		if (imap_match(&mt, name)) {
			if (entry_add(&v, &n, &cap, name, strlen(name), 0) < 0)
				goto nomem;
			continue;
		}
		/* RFC 3501 6.3.9: a level above that the pattern matches, when it is
		 * not subscribed itself, stands for its subscribed children */
		for (const char *q = strchr(name, '/'); q != NULL; q = strchr(q + 1, '/')) {
			char *p = strndup(name, (size_t)(q - name));
			int want;

			if (p == NULL)
				goto nomem;
			want = imap_match(&mt, p) && !maildir_subscriptions_has(&subs, p);
			free(p);
			if (want && entry_add(&v, &n, &cap, name, (size_t)(q - name), 1) < 0)
				goto nomem;
		}
	}
	if (n > 0)
		qsort(v, n, sizeof *v, cmp_entry);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i - 1].name, v[i].name) == 0)
			continue;
		out_printf(&s->out, "* LSUB (%s) \"/\" ", v[i].noselect ? "\\Noselect" : "");
		imap_put_mailbox(s, v[i].name);
		out_puts(&s->out, "\r\n");
	}
	imap_tagged(s, "OK", "Lsub completed.");
	goto out;
nomem:
	rc = -1;
out:
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	maildir_subscriptions_free(&subs);
	imap_match_free(&mt);
	return rc;
}
