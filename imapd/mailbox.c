/*
 * The selected mailbox: SELECT/EXAMINE, the client's message-sequence view, and the
 * one place that turns what maildir_box_sync found into untagged responses.
 *
 * The client's view (s->m, by sequence number) and the maildir view (s->box) differ
 * between syncs: a message another process expunged leaves the maildir view at once
 * but keeps its sequence number here until an EXPUNGE response may be sent (RFC 3501
 * 7.4.1: never during FETCH, STORE or SEARCH, so that numbers do not shift under a
 * client). Such a ghost still answers FETCH UID and FLAGS (its last known flags, kept
 * in s->m), its contents get NO [EXPUNGEISSUED] (RFC 5530), a STORE to it is dropped
 * (RFC 3501 7.4.1 leaves the choice; Dovecot does the same). New messages
 * are appended to the view and announced with EXISTS at any sync.
 *
 * \Recent (RFC 3501 2.3.2): a message is recent to the first session that sees it in
 * new/; SELECT (not EXAMINE) moves it to cur/, as Dovecot does, so no other session
 * sees it as recent.
 */
#include "imap.h"

#include "log.h"
#include "maildir_folder.h"
#include "maildir_name.h"
#include "seqset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int imap_mailbox_path(struct imap *s, const char *name, char *out, size_t outsz)
{
	return maildir_folder_path(s->root, strcmp(name, "INBOX") == 0 ? "" : name, out,
				   outsz);
}

/* Room for n more messages: once for the whole folder at SELECT, so that a large one
 * is not copied by doubling (which also leaves up to half the last array unused). */
static int view_reserve(struct imap *s, size_t n)
{
	struct imap_msg *m;

	if (s->cap - s->n >= n)
		return 0;
	if (n > SIZE_MAX / sizeof *m - s->n) {
		errno = ENOMEM;
		return -1;
	}
	m = realloc(s->m, (s->n + n) * sizeof *m);
	if (m == NULL)
		return -1;
	s->m = m;
	s->cap = s->n + n;
	return 0;
}

static int view_add(struct imap *s, uint32_t uid, int recent)
{
	if (s->n == s->cap && view_reserve(s, s->cap == 0 ? 64 : s->cap) < 0)
		return -1;
	s->m[s->n].uid = uid;
	s->m[s->n].recent = recent != 0;
	s->m[s->n].flags = 0;
	s->m[s->n].keywords = 0;
	s->n++;
	return 0;
}

void imap_view_note_flags(struct imap *s, size_t i, size_t j)
{
	const struct maildir_msg *m = maildir_box_msg(s->box, j);

	s->m[i].flags = m->flags;
	s->m[i].keywords = m->keywords;
}

long imap_view_index(struct imap *s, size_t i)
{
	return maildir_box_find(s->box, s->m[i].uid);
}

/* Claim message i of the maildir view as recent: move it out of new/. Only the session
 * whose rename succeeds has it as \Recent; a read-only session moves nothing and sees
 * what is in new/ as recent. */
static int claim(struct imap *s, size_t i)
{
	const struct maildir_msg *m = maildir_box_msg(s->box, i);
	int r;

	if (!m->in_new)
		return 0;
	if (s->readonly)
		return 1;
	r = maildir_box_claim(s->box, i);
	if (r < 0) {
		log_warn("cannot move %s to cur/: %s", m->name, strerror(errno));
		return 1;
	}
	return r;
}

void imap_put_flags(struct imap *s, uint32_t flags, uint32_t keywords, int recent)
{
	static const struct { uint32_t bit; const char *name; } sys[] = {
		{ MAILDIR_F_REPLIED, "\\Answered" }, { MAILDIR_F_FLAGGED, "\\Flagged" },
		{ MAILDIR_F_TRASHED, "\\Deleted" }, { MAILDIR_F_SEEN, "\\Seen" },
		{ MAILDIR_F_DRAFT, "\\Draft" },
	};
	const struct maildir_keywords *kw = maildir_box_keywords(s->box);
	const char *sep = "";

	out_puts(&s->out, "(");
	for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++) {
		if (flags & sys[i].bit) {
			out_printf(&s->out, "%s%s", sep, sys[i].name);
			sep = " ";
		}
	}
	if (recent) {
		out_printf(&s->out, "%s\\Recent", sep);
		sep = " ";
	}
	for (int k = 0; k < MAILDIR_KEYWORDS_MAX; k++) {
		if ((keywords & MAILDIR_KW('a' + k)) && kw->name[k] != NULL) {
			out_printf(&s->out, "%s%s", sep, kw->name[k]);
			sep = " ";
		}
	}
	out_puts(&s->out, ")");
}

void imap_put_flags_fetch(struct imap *s, size_t i, int uid)
{
	long j = imap_view_index(s, i);
	const struct maildir_msg *m;

	if (j < 0)
		return;
	m = maildir_box_msg(s->box, (size_t)j);
	imap_view_note_flags(s, i, (size_t)j);
	out_printf(&s->out, "* %zu FETCH (", i + 1);
	if (uid)
		out_printf(&s->out, "UID %u ", s->m[i].uid);
	out_puts(&s->out, "FLAGS ");
	imap_put_flags(s, m->flags, m->keywords, s->m[i].recent);
	out_puts(&s->out, ")\r\n");
}

static int keyword_count(const struct imap *s)
{
	const struct maildir_keywords *kw = maildir_box_keywords(s->box);
	int n = 0;

	for (int k = 0; k < MAILDIR_KEYWORDS_MAX; k++)
		n += kw->name[k] != NULL;
	return n;
}

static void put_flags_list(struct imap *s, int permanent)
{
	const struct maildir_keywords *kw = maildir_box_keywords(s->box);

	out_puts(&s->out, "(\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	for (int k = 0; k < MAILDIR_KEYWORDS_MAX; k++) {
		if (kw->name[k] != NULL)
			out_printf(&s->out, " %s", kw->name[k]);
	}
	/* RFC 3501 7.1: \* while a letter for new keywords is left */
	if (permanent) {
		int k;

		for (k = 0; k < MAILDIR_KEYWORDS_MAX && kw->name[k] != NULL; k++)
			;
		if (k < MAILDIR_KEYWORDS_MAX)
			out_puts(&s->out, " \\*");
	}
	out_puts(&s->out, ")");
}

void imap_mailbox_close(struct imap *s)
{
	maildir_box_close(s->box);
	s->box = NULL;
	free(s->m);
	s->m = NULL;
	s->n = s->cap = 0;
	s->view_pending = 0;
	if (s->state == IMAP_SELECTED)
		imap_enter_state(s, IMAP_AUTH);
}

static int select_box(struct imap *s, struct imap_cmd *c, int readonly)
{
	char name[IMAP_MAILBOX_MAX + 1], path[PATH_MAX];
	struct maildir_box_status st;
	size_t recent = 0, unseen = 0;

	if (c->n_args != 1 || imap_arg_astring(c->args) == NULL)
		return imap_bad(s, readonly ? "Syntax: EXAMINE mailbox" : "Syntax: SELECT mailbox");
	/* An astring that is no valid name (bad modified UTF-7, RFC 3501 5.1.3) names
	 * no mailbox: NO, as for CREATE, not a syntax error. */
	if (imap_arg_mailbox(c->args, name, sizeof name) < 0) {
		imap_mailbox_close(s);
		return imap_no(s, "[CANNOT] Invalid mailbox name");
	}
	/* RFC 3501 6.3.1: a SELECT first deselects, even when it then fails */
	imap_mailbox_close(s);
	if (imap_mailbox_path(s, name, path, sizeof path) < 0)
		return imap_no(s, "[NONEXISTENT] Mailbox doesn't exist");
	/* An unchanged folder is answered from its uidlist header; the view is read when
	 * the next command needs it (imap_mailbox_load). */
	if (maildir_box_open_lazy(&s->box, path, &st) == 1) {
		s->readonly = readonly;
		snprintf(s->box_name, sizeof s->box_name, "%s", name);
		s->n = st.messages;
		s->view_pending = 1;
		unseen = st.first_unseen;
		goto selected;
	}
	if (maildir_box_open(&s->box, path) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return imap_no(s, "[NONEXISTENT] Mailbox doesn't exist");
		log_warn("cannot open %s: %s user=%.64s", path, strerror(errno), s->user);
		return imap_no(s, "[UNAVAILABLE] Cannot open mailbox");
	}
	s->readonly = readonly;
	snprintf(s->box_name, sizeof s->box_name, "%s", name);
	if (view_reserve(s, maildir_box_count(s->box)) < 0) {
		imap_mailbox_close(s);
		return -1;
	}
	for (size_t i = 0; i < maildir_box_count(s->box); i++) {
		int r = claim(s, i);
		const struct maildir_msg *m = maildir_box_msg(s->box, i);

		if (view_add(s, m->uid, r) < 0) {
			imap_mailbox_close(s);
			return -1;
		}
		imap_view_note_flags(s, s->n - 1, i);
		recent += (size_t)r;
		if (unseen == 0 && !(m->flags & MAILDIR_F_SEEN))
			unseen = i + 1;
	}
selected:
	imap_enter_state(s, IMAP_SELECTED);
	s->keywords_told = keyword_count(s);
	out_puts(&s->out, "* FLAGS ");
	put_flags_list(s, 0);
	out_puts(&s->out, "\r\n");
	if (readonly) {
		imap_untagged(s, "OK [PERMANENTFLAGS ()] Read-only mailbox.");
	} else {
		out_puts(&s->out, "* OK [PERMANENTFLAGS ");
		put_flags_list(s, 1);
		out_puts(&s->out, "] Flags permitted.\r\n");
	}
	imap_untagged(s, "%zu EXISTS", s->n);
	imap_untagged(s, "%zu RECENT", recent);
	if (unseen > 0)
		imap_untagged(s, "OK [UNSEEN %zu] First unseen.", unseen);
	imap_untagged(s, "OK [UIDVALIDITY %u] UIDs valid", maildir_box_uidvalidity(s->box));
	imap_untagged(s, "OK [UIDNEXT %u] Predicted next UID", maildir_box_nextuid(s->box));
	imap_tagged(s, "OK", "[%s] %s completed.", readonly ? "READ-ONLY" : "READ-WRITE",
		    readonly ? "Examine" : "Select");
	return 0;
}

int imap_mailbox_load(struct imap *s)
{
	size_t told = s->n;

	if (!s->view_pending)
		return 0;
	s->view_pending = 0;
	s->n = 0;
	if (maildir_box_load(s->box) < 0 || maildir_box_count(s->box) != told) {
		log_warn("cannot read the view of %s: %s user=%.64s", maildir_box_dir(s->box),
			 strerror(errno), s->user);
		return -1;	/* the numbers SELECT gave cannot be kept: end the session */
	}
	/* Nothing was in new/ (maildir_box_open_lazy), so nothing is \Recent. */
	if (view_reserve(s, told) < 0)
		return -1;
	for (size_t i = 0; i < told; i++) {
		if (view_add(s, maildir_box_msg(s->box, i)->uid, 0) < 0)
			return -1;
		imap_view_note_flags(s, s->n - 1, i);
	}
	return 0;
}

int imap_cmd_select(struct imap *s, struct imap_cmd *c)
{
	return select_box(s, c, 0);
}

int imap_cmd_examine(struct imap *s, struct imap_cmd *c)
{
	return select_box(s, c, 1);
}

/* Binary search of the client's view by UID (it is in UID order). */
long imap_view_find(const struct imap *s, uint32_t uid)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->m[mid].uid < uid)
			lo = mid + 1;
		else if (s->m[mid].uid > uid)
			hi = mid;
		else
			return (long)mid;
	}
	return -1;
}

void imap_mailbox_tell_keywords(struct imap *s)
{
	/* RFC 3501 7.2.6: new keywords (ours or another session's) change FLAGS */
	if (keyword_count(s) == s->keywords_told)
		return;
	s->keywords_told = keyword_count(s);
	out_puts(&s->out, "* FLAGS ");
	put_flags_list(s, 0);
	out_puts(&s->out, "\r\n");
	if (!s->readonly) {
		out_puts(&s->out, "* OK [PERMANENTFLAGS ");
		put_flags_list(s, 1);
		out_puts(&s->out, "] Flags permitted.\r\n");
	}
}

int imap_mailbox_sync(struct imap *s, int allow_expunge)
{
	struct maildir_changes ch;
	size_t i, old_n = s->n, recent = 0;
	int recent_new = 0;
	uint32_t uidvalidity = maildir_box_uidvalidity(s->box);

	if (s->done)
		return 0;	/* BYE said already: nothing more to report */
	if (maildir_box_sync(s->box, &ch) < 0) {
		struct stat st;

		/* a failed sync leaves the view as it was: report nothing */
		log_warn("sync %s: %s user=%.64s", maildir_box_dir(s->box), strerror(errno),
			 s->user);
		/* Another session deleted (or renamed) the selected mailbox: the view
		 * would stay frozen for good, every message a ghost. Close, as Dovecot
		 * does (RFC 3501 7.1.5: BYE when the server must close). */
		if (errno == ENOENT && stat(maildir_box_dir(s->box), &st) < 0 &&
		    errno == ENOENT && !s->done) {
			imap_untagged(s, "BYE Selected mailbox was deleted, have to disconnect.");
			s->done = 1;
		}
		return 0;
	}
	if (uidvalidity != 0 && maildir_box_uidvalidity(s->box) != uidvalidity) {
		/* The folder was deleted and made again by another session: its UIDs
		 * name other messages now, and RFC 3501 2.3.1.1 lets UIDVALIDITY change
		 * only between sessions. The view is emptied so that nothing more is
		 * answered from it, and the session ends, as Dovecot's does. */
		log_info("UIDVALIDITY of %s changed under the session user=%.64s",
			 maildir_box_dir(s->box), s->user);
		imap_untagged(s, "BYE Mailbox UIDVALIDITY changed, have to disconnect.");
		s->n = 0;
		s->done = 1;
		return 0;
	}
	if (allow_expunge) {
		size_t k = 0;

		/* Highest first, so each number sent is still the client's number. */
		for (i = s->n; i-- > 0;) {
			if (maildir_box_find(s->box, s->m[i].uid) < 0)
				imap_untagged(s, "%zu EXPUNGE", i + 1);
		}
		for (i = 0; i < s->n; i++) {
			if (maildir_box_find(s->box, s->m[i].uid) >= 0)
				s->m[k++] = s->m[i];
		}
		s->n = k;
		old_n = k;
	}
	imap_mailbox_tell_keywords(s);
	for (i = 0; i < ch.n_flagged; i++) {
		long j = imap_view_find(s, ch.flagged[i]);

		if (j >= 0)
			imap_put_flags_fetch(s, (size_t)j, 0);
	}
	for (i = ch.first_new; i < maildir_box_count(s->box); i++) {
		const struct maildir_msg *m = maildir_box_msg(s->box, i);
		int r;

		if (s->n > 0 && m->uid <= s->m[s->n - 1].uid)
			continue;
		r = claim(s, i);
		recent_new |= r;
		if (view_add(s, maildir_box_msg(s->box, i)->uid, r) < 0) {
			maildir_changes_free(&ch);
			return -1;
		}
		imap_view_note_flags(s, s->n - 1, i);
	}
	if (s->n != old_n || recent_new) {
		imap_untagged(s, "%zu EXISTS", s->n);
		for (i = 0; i < s->n; i++)
			recent += (size_t)s->m[i].recent;
		imap_untagged(s, "%zu RECENT", recent);
	}
	maildir_changes_free(&ch);
	return 0;
}

int imap_msgset(struct imap *s, const struct imap_arg *a, int uid, struct imap_seqset *set)
{
	uint32_t max;

	set->r = NULL;
	set->n = 0;
	if (a == NULL || a->type != IMAP_ARG_ATOM || imap_seqset_parse(a->s, set) < 0) {
		imap_seqset_free(set);
		imap_bad(s, errno == E2BIG ? "Sequence set too long" : "Invalid sequence set");
		return 1;
	}
	if (uid) {
		max = s->n > 0 ? s->m[s->n - 1].uid : 0;
	} else {
		max = (uint32_t)s->n;
		/* RFC 3501 9: a message number beyond the mailbox is an error */
		if (set->max_number > max) {
			imap_seqset_free(set);
			imap_bad(s, "Invalid messageset");
			return 1;
		}
	}
	imap_seqset_resolve(set, max);
	return 0;
}

int imap_cmd_check(struct imap *s, struct imap_cmd *c)
{
	if (c->n_args != 0)
		return imap_bad(s, "CHECK takes no arguments");
	if (imap_mailbox_sync(s, 1) < 0)
		return -1;
	imap_tagged(s, "OK", "Check completed.");
	return 0;
}

/* Expunge every \Deleted message (in set, when set is not NULL). The count removed. */
static size_t expunge_deleted(struct imap *s, const struct imap_seqset *set)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		long j = imap_view_index(s, i);
		int rc;

		if (j < 0 || (set != NULL && !imap_seqset_has(set, s->m[i].uid)))
			continue;
		if (!(maildir_box_msg(s->box, (size_t)j)->flags & MAILDIR_F_TRASHED))
			continue;
		/* only if the file is still \Deleted: another session may have
		 * cleared the flag since our last sync (RFC 3501 6.4.3) */
		rc = maildir_box_expunge_if(s->box, (size_t)j, MAILDIR_F_TRASHED);
		if (rc < 0)
			log_warn("expunge %s: %s", maildir_box_msg(s->box, (size_t)j)->name,
				 strerror(errno));
		else if (rc == 0)
			n++;
	}
	return n;
}

int imap_cmd_close(struct imap *s, struct imap_cmd *c)
{
	if (c->n_args != 0)
		return imap_bad(s, "CLOSE takes no arguments");
	/* RFC 3501 6.4.2: expunge silently, and never in a read-only mailbox */
	if (!s->readonly)
		expunge_deleted(s, NULL);
	imap_mailbox_close(s);
	imap_tagged(s, "OK", "Close completed.");
	return 0;
}

int imap_cmd_unselect(struct imap *s, struct imap_cmd *c)
{
	if (c->n_args != 0)
		return imap_bad(s, "UNSELECT takes no arguments");
	imap_mailbox_close(s);
	imap_tagged(s, "OK", "Unselect completed.");
	return 0;
}

static int expunge(struct imap *s, const struct imap_seqset *set)
{
	if (s->readonly)
		return imap_no(s, "[READ-ONLY] Mailbox is read-only");
	expunge_deleted(s, set);
	if (imap_mailbox_sync(s, 1) < 0)
		return -1;
	imap_tagged(s, "OK", "Expunge completed.");
	return 0;
}

int imap_cmd_expunge(struct imap *s, struct imap_cmd *c)
{
	if (c->n_args != 0)
		return imap_bad(s, "EXPUNGE takes no arguments");
	return expunge(s, NULL);
}

int imap_cmd_uid_expunge(struct imap *s, struct imap_cmd *c)
{
	struct imap_seqset set;
	int rc;

	if (c->n_args != 1)
		return imap_bad(s, "Syntax: UID EXPUNGE uid-set");
	if (imap_msgset(s, c->args, 1, &set))
		return 1;
	rc = expunge(s, &set);
	imap_seqset_free(&set);
	return rc;
}
