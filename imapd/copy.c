/*
 * COPY, MOVE (RFC 3501 6.4.7, RFC 6851) and APPEND (RFC 3501 6.3.11), with RFC 4315
 * UIDPLUS response codes: the storage core gives the new UIDs under the target's
 * uidlist lock, so COPYUID/APPENDUID are exact. A missing target is NO [TRYCREATE]
 * (RFC 3501 6.3.11, 6.4.7).
 */
#include "imap.h"

#include "log.h"
#include "maildir_deliver.h"
#include "maildir_name.h"
#include "seqset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Open the target mailbox view; 0, or 1 after NO. */
static int open_target(struct imap *s, const struct imap_arg *a, struct maildir_box **b_r)
{
	char name[IMAP_MAILBOX_MAX + 1], path[PATH_MAX];

	*b_r = NULL;
	if (imap_arg_mailbox(a, name, sizeof name) < 0 ||
	    imap_mailbox_path(s, name, path, sizeof path) < 0) {
		imap_no(s, "[TRYCREATE] Mailbox doesn't exist");
		return 1;
	}
	if (maildir_box_open(b_r, path) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			imap_no(s, "[TRYCREATE] Mailbox doesn't exist");
		} else {
			log_warn("cannot open %s: %s", path, strerror(errno));
			imap_no(s, "[UNAVAILABLE] Cannot open mailbox");
		}
		return 1;
	}
	return 0;
}

/* A UID list as an RFC 3501 sequence set, consecutive runs as ranges; zeros (copies
 * skipped because the message vanished) are left out, with the source UID. */
static void put_uids(struct imap *s, const uint32_t *u, const uint32_t *skip, size_t n)
{
	const char *sep = "";

	for (size_t i = 0; i < n;) {
		size_t k = i;

		if (skip[i] == 0) {
			i++;
			continue;
		}
		while (k + 1 < n && skip[k + 1] != 0 && u[k + 1] == u[k] + 1)
			k++;
		if (k == i)
			out_printf(&s->out, "%s%u", sep, u[i]);
		else
			out_printf(&s->out, "%s%u:%u", sep, u[i], u[k]);
		sep = ",";
		i = k + 1;
	}
}

static int copy_move(struct imap *s, struct imap_cmd *c, int uid, int move)
{
	struct maildir_box *dst = NULL;
	struct imap_seqset set;
	size_t *idx = NULL, n = 0, done = 0;
	uint32_t *src_uids = NULL, *dst_uids = NULL;
	int rc = 0, gone = 0;

	if (c->n_args != 2)
		return imap_bad(s, move ? "Syntax: MOVE sequence-set mailbox"
				   : "Syntax: COPY sequence-set mailbox");
	if (imap_msgset(s, c->args, uid, &set))
		return 1;
	if (move && s->readonly) {
		imap_seqset_free(&set);
		return imap_no(s, "[READ-ONLY] Mailbox is read-only");
	}
	if (open_target(s, imap_cmd_arg(c, 1), &dst)) {
		imap_seqset_free(&set);
		return 0;
	}
	/* RFC 6851 allows MOVE into the selected mailbox itself: the messages get new
	 * UIDs, as Dovecot does. Like any move it is a rename() to a new name, so of two
	 * sessions moving one message only one can win; a copy (link) and an unlink
	 * let both win, and the message was there twice. */
	idx = calloc(s->n + 1, sizeof *idx);
	src_uids = calloc(s->n + 1, sizeof *src_uids);
	dst_uids = calloc(s->n + 1, sizeof *dst_uids);
	if (idx == NULL || src_uids == NULL || dst_uids == NULL) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < s->n; i++) {
		long j;

		if (!imap_seqset_has(&set, uid ? s->m[i].uid : (uint32_t)(i + 1)))
			continue;
		j = imap_view_index(s, i);
		if (j < 0) {
			gone = 1;
			continue;
		}
		src_uids[n] = s->m[i].uid;
		idx[n++] = (size_t)j;
	}
	if (n > 0 && (move ? maildir_box_move(s->box, idx, n, dst, dst_uids)
			   : maildir_box_copy(s->box, idx, n, dst, dst_uids)) < 0) {
		log_warn("%s to %s: %s", move ? "move" : "copy", maildir_box_dir(dst),
			 strerror(errno));
		rc = imap_no(s, "[SERVERBUG] Copy failed, nothing was copied");
		goto out;
	}
	for (size_t k = 0; k < n; k++)
		done += dst_uids[k] != 0;
	if (move && done > 0) {
		/* RFC 6851 4.3: COPYUID in an untagged OK before the EXPUNGEs */
		out_printf(&s->out, "* OK [COPYUID %u ", maildir_box_uidvalidity(dst));
		put_uids(s, src_uids, dst_uids, n);
		out_puts(&s->out, " ");
		put_uids(s, dst_uids, dst_uids, n);
		out_puts(&s->out, "] Moved\r\n");
	}
	/* MOVE's expunges are reported even for the sequence-number form (RFC 6851 3.3) */
	if (imap_mailbox_sync(s, move || uid) < 0) {
		rc = -1;
		goto out;
	}
	if (gone || done < n) {
		rc = imap_no_expungeissued(s);
	} else if (move || done == 0) {
		imap_tagged(s, "OK", "%s completed.", move ? "Move" : "Copy");
	} else {
		out_printf(&s->out, "%s OK [COPYUID %u ", c->tag, maildir_box_uidvalidity(dst));
		put_uids(s, src_uids, dst_uids, n);
		out_puts(&s->out, " ");
		put_uids(s, dst_uids, dst_uids, n);
		out_puts(&s->out, "] Copy completed.\r\n");
	}
out:
	maildir_box_close(dst);
	imap_seqset_free(&set);
	free(idx);
	free(src_uids);
	free(dst_uids);
	return rc;
}

int imap_cmd_copy(struct imap *s, struct imap_cmd *c)
{
	return copy_move(s, c, 0, 0);
}

int imap_cmd_uid_copy(struct imap *s, struct imap_cmd *c)
{
	return copy_move(s, c, 1, 0);
}

int imap_cmd_move(struct imap *s, struct imap_cmd *c)
{
	return copy_move(s, c, 0, 1);
}

int imap_cmd_uid_move(struct imap *s, struct imap_cmd *c)
{
	return copy_move(s, c, 1, 1);
}

/* The message bytes into t: from memory or from the literal's spool file. */
static int write_message(struct maildir_tmp *t, const struct imap_arg *a)
{
	char chunk[65536];
	uint64_t left = a->lit_len;

	if (a->fd < 0)
		return maildir_tmp_write(t, a->s, a->len);
	while (left > 0) {
		ssize_t n = read(a->fd, chunk, left < sizeof chunk ? (size_t)left : sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		if (maildir_tmp_write(t, chunk, (size_t)n) < 0)
			return -1;
		left -= (uint64_t)n;
	}
	return 0;
}

int imap_cmd_append(struct imap *s, struct imap_cmd *c)
{
	const struct imap_arg *a = imap_cmd_arg(c, 1), *msg;
	const char *kw[MAILDIR_KEYWORDS_MAX];
	struct maildir_box *dst;
	struct maildir_tmp t;
	uint32_t flags = 0, kwbits = 0, uid, uidvalidity;
	size_t n_kw = 0;
	time_t date = 0;

	/* RFC 3501 6.3.11: APPEND mailbox [flag-list] [date-time] literal */
	if (c->n_args < 2 || c->n_args > 4)
		return imap_bad(s, "Syntax: APPEND mailbox [flags] [date-time] literal");
	if (a->type == IMAP_ARG_LIST) {
		if (imap_arg_flags(a, 0, &flags, kw, MAILDIR_KEYWORDS_MAX, &n_kw) < 0)
			return errno == ENOSPC ? imap_no(s, "[LIMIT] Too many keywords")
					       : imap_bad(s, "Invalid flags");
		a = a->next;
	}
	if (a != NULL && a->type == IMAP_ARG_QUOTED) {
		if (imap_parse_datetime(a->s, &date) < 0)
			return imap_bad(s, "Invalid date-time");
		a = a->next;
	}
	msg = a;
	if (msg == NULL || msg->type != IMAP_ARG_LITERAL || msg->next != NULL)
		return imap_bad(s, "Syntax: APPEND mailbox [flags] [date-time] literal");
	if (msg->lit_len == 0)
		return imap_no(s, "Cannot save an empty message");
	if (open_target(s, c->args, &dst))
		return 0;
	for (size_t k = 0; k < n_kw; k++) {
		int letter = maildir_box_keyword(dst, kw[k]);

		if (letter >= 0)
			kwbits |= MAILDIR_KW('a' + letter);
	}
	if (maildir_tmp_open(&t, maildir_box_dir(dst)) < 0)
		goto fail;
	t.mtime = date;
	if (write_message(&t, msg) < 0) {
		maildir_tmp_abort(&t);
		goto fail;
	}
	if (maildir_box_append(dst, &t, flags, kwbits, &uid) < 0)
		goto fail;
	uidvalidity = maildir_box_uidvalidity(dst);
	maildir_box_close(dst);
	/* the selected mailbox may be the target: tell about it first */
	if (s->state == IMAP_SELECTED && imap_mailbox_sync(s, 1) < 0)
		return -1;
	out_printf(&s->out, "%s OK [APPENDUID %u %u] Append completed.\r\n", c->tag,
		   uidvalidity, uid);
	return 0;
fail:
	log_warn("append to %s: %s", maildir_box_dir(dst), strerror(errno));
	maildir_box_close(dst);
	if (errno == ENOSPC || errno == EDQUOT)
		return imap_no(s, "[OVERQUOTA] Not enough disk space");
	return imap_no(s, "[SERVERBUG] Append failed");
}
