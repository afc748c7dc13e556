/*
 * A mailbox view: the messages of one Maildir folder with their UIDs, flags and sizes,
 * kept in step with the disk. This is what pop3d and imapd work on.
 *
 * Opening or syncing reads dovecot-uidlist (no lock needed to read). When the mtimes of
 * new/ and cur/ are the ones recorded in the uidlist by the last full sync, the uidlist's
 * names are the folder's current contents and no readdir is done at all. Otherwise new/
 * and cur/ are read, and files without a UID get one under the dovecot-uidlist.lock, in
 * delivery order. See maildir_box.c for the whole concurrency argument.
 *
 * The view is opaque: callers use the accessors below, so its layout can change. The
 * messages are records the caller may read (never write) between two calls that change
 * the view (sync, the flag calls, append, copy, move).
 */
#ifndef MAILDIR_BOX_H
#define MAILDIR_BOX_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maildir_keywords.h"

/* One per message of a view: 24 bytes on LP64, since a large folder holds many. What
 * is rarely needed or can be derived is not stored here: sizes come from the name's
 * ,S= and ,W= (or the uidlist record's S and W keys) unless learnt from the file, the
 * record's keys follow the name, and INTERNALDATE is a 32-bit count of seconds unless
 * it does not fit. Read those with the maildir_box_msg_*() accessors below. */
struct maildir_msg {
	char *name;		/* current file name (then a NUL and any record keys) */
	uint32_t uid;
	uint32_t flags;		/* MAILDIR_FLAG() bits */
	uint32_t keywords : 26;	/* MAILDIR_KW() bits, names in maildir_box_keywords() */
	uint32_t in_new : 1;	/* file is in new/ (RFC 3501 \Recent candidates) */
	uint32_t x_more : 1;	/* private to maildir_box.c: see maildir_box_msg_*() */
	uint32_t x_keys : 1;	/* private to maildir_box.c: see maildir_box_msg_keys */
	uint32_t x_date;	/* private to maildir_box.c: see maildir_box_msg_internaldate */
};

struct maildir_box;

/* What STATUS and SELECT tell (RFC 3501 6.3.10, 6.3.1), read from the uidlist header
 * alone. first_unseen: position (1-based, UID order) of the first message without
 * \Seen, 0 when there is none. */
struct maildir_box_status {
	uint32_t messages, unseen, in_new, first_unseen, uidvalidity, uidnext;
};
/* 1 with *st filled when the uidlist's header proves the folder unchanged since the
 * full sync that counted it (no view needed: no directory read, no record parsed);
 * 0 when it cannot (open a view instead); -1 with errno (ENOENT: no folder). */
int maildir_box_peek_status(const char *dir, struct maildir_box_status *st);
/* Open a view whose messages are read only when first needed (maildir_box_load, or
 * any sync), as they were now: 1 with *b_r and *st set when the header proves the
 * folder unchanged and nothing is in new/; 0 when it cannot (use maildir_box_open);
 * -1 with errno. Until the load, the view counts 0 messages; nextuid, uidvalidity and
 * keywords are set. */
int maildir_box_open_lazy(struct maildir_box **b_r, const char *dir,
			  struct maildir_box_status *st);
/* Read the view a lazy open promised (the st->messages it counted). 0 (also when
 * there is nothing to load), or -1 with errno (EINVAL: the uidlist did not hold what
 * its header said; the view is then still empty). */
int maildir_box_load(struct maildir_box *b);
/* 1 while a lazy open's view is still to be loaded. */
int maildir_box_pending(const struct maildir_box *b);

/* What a sync changed, for IMAP's untagged EXPUNGE/EXISTS/FETCH (RFC 3501 7.4.1).
 * New messages always form a suffix of the view: UIDs only grow. */
struct maildir_changes {
	uint32_t *expunged;	/* UIDs that left the view, increasing (owned) */
	size_t n_expunged;
	uint32_t *flagged;	/* UIDs still in the view whose flags or keywords changed,
				 * increasing (owned) */
	size_t n_flagged;
	size_t first_new;	/* index of the first new message; == count when none */
	int keywords_changed;	/* dovecot-keywords gained names */
};
void maildir_changes_free(struct maildir_changes *c);

/* Open the folder at dir and sync it. 0 with *b_r set, or -1 with errno (ENOENT: not a
 * Maildir; EWOULDBLOCK: the uidlist lock could not be had). */
int maildir_box_open(struct maildir_box **b_r, const char *dir);
void maildir_box_close(struct maildir_box *b);

/* Pick up changes made by anyone since the last sync: new messages get UIDs, renamed
 * files their new names and flags, vanished files are dropped. When c is not NULL it
 * receives what changed (free it with maildir_changes_free). 0 or -1 with errno; on
 * error the view is unchanged and c is empty. */
int maildir_box_sync(struct maildir_box *b, struct maildir_changes *c);

const char *maildir_box_dir(const struct maildir_box *b);
uint32_t maildir_box_uidvalidity(const struct maildir_box *b);
uint32_t maildir_box_nextuid(const struct maildir_box *b);
size_t maildir_box_count(const struct maildir_box *b);
/* Message i (0-based, ordered by UID), valid until the view next changes. */
const struct maildir_msg *maildir_box_msg(const struct maildir_box *b, size_t i);
const struct maildir_keywords *maildir_box_keywords(const struct maildir_box *b);
/* How many directory scans syncs did so far (for tests and benchmarks). */
unsigned long maildir_box_readdirs(const struct maildir_box *b);
/* Index of the message with this uid, or -1. */
long maildir_box_find(const struct maildir_box *b, uint32_t uid);

/* File size of message i, or MAILDIR_SIZE_UNKNOWN until maildir_box_sizes. */
uint64_t maildir_box_msg_size(const struct maildir_box *b, size_t i);
/* Size with CR LF line ends (RFC822.SIZE), or MAILDIR_SIZE_UNKNOWN until asked. */
uint64_t maildir_box_msg_vsize(const struct maildir_box *b, size_t i);
/* File mtime (RFC 3501 2.3.3), or 0 until maildir_box_internaldate. */
time_t maildir_box_msg_internaldate(const struct maildir_box *b, size_t i);
/* The uidlist record's fields, e.g. "P<pop3 uidl>" (may be ""), valid as the message. */
const char *maildir_box_msg_keys(const struct maildir_box *b, size_t i);

/* Fill in size and vsize of message i when unknown (stat, and a read of the file for
 * vsize). 0, or -1 with errno (ENOENT: expunged meanwhile). */
int maildir_box_sizes(struct maildir_box *b, size_t i);
/* Fill in internaldate of message i when unknown: the file's mtime (as Dovecot and
 * Courier take it). 0, or -1 with errno (ENOENT: expunged meanwhile). */
int maildir_box_internaldate(struct maildir_box *b, size_t i);
/* Open message i for reading, following a rename by another process. An fd, or -1 with
 * errno (ENOENT: expunged meanwhile). */
int maildir_box_open_msg(struct maildir_box *b, size_t i);

/* Set flags and keywords of message i (rename; new/ -> cur/). 0 or -1 with errno. */
int maildir_box_set_flags(struct maildir_box *b, size_t i, uint32_t flags, uint32_t keywords);
/* Move message i from new/ to cur/ only if it is still in new/ under the name the view
 * knows (IMAP \Recent, RFC 3501 2.3.2: one session only may see it), with the flags of
 * that name (a file in new/ may carry them: APPEND, COPY, MOVE). 1 when this call
 * moved it, 0 when it was not in new/ (or another process moved or expunged it first),
 * -1 with errno. */
int maildir_box_claim(struct maildir_box *b, size_t i);
/* Add and clear flags of message i relative to its file's current flags, keeping what
 * other processes changed meanwhile (IMAP STORE +FLAGS/-FLAGS). The view gets the
 * resulting flags. 0 or -1 with errno. */
struct maildir_flag_change;
int maildir_box_change_flags(struct maildir_box *b, size_t i,
			     const struct maildir_flag_change *c);
/* Expunge message i from disk (it stays in the view until the next sync). */
int maildir_box_expunge(struct maildir_box *b, size_t i);
/* The same, only while the file still carries every flag in need (see
 * maildir_msg_expunge_if): 0 removed or gone, 1 left, -1 with errno. */
int maildir_box_expunge_if(struct maildir_box *b, size_t i, uint32_t need);
/* Letter index for a keyword name, adding it to dovecot-keywords (under the lock) when
 * new. -1 with errno ENOSPC when 26 are in use. */
int maildir_box_keyword(struct maildir_box *b, const char *name);

/* Commit a message prepared with maildir_tmp_open/maildir_tmp_write (maildir_deliver.h)
 * into this folder and give it the next UID under the uidlist lock, in the order of
 * commits (IMAP APPEND, RFC 4315 APPENDUID). flags/keywords as in set_flags (keyword
 * letters of this folder). The file goes to new/, its flags in its name, so that it is
 * \Recent to the first view that claims it (RFC 3501 6.3.11).
 * 0 with *uid_r set, or -1 with errno (the tmp file is then
 * removed, nothing is in the folder). The view is not synced: the new message shows
 * in the next sync, with this UID. */
struct maildir_tmp;
int maildir_box_append(struct maildir_box *b, struct maildir_tmp *t, uint32_t flags,
		       uint32_t keywords, uint32_t *uid_r);
/* Copy messages idx[0..n) of src into dst (another folder): a hard link, or a byte copy
 * where the two are on different file systems; flags kept, keywords carried by name
 * (dst letters are its own), into dst's new/ to be \Recent there as an APPEND is
 * (RFC 3501 6.4.7). The copies get consecutive new UIDs in dst, in the order
 * given, under dst's uidlist lock; uids_r[k] is the UID of idx[k] (RFC 4315 COPYUID).
 * A message expunged meanwhile gets uids_r[k] = 0 and is skipped. 0, or -1 with errno
 * (then no copy was committed). */
int maildir_box_copy(struct maildir_box *src, const size_t *idx, size_t n,
		     struct maildir_box *dst, uint32_t *uids_r);
/* The same, then the originals are removed from src (RFC 6851 MOVE): by rename() into
 * dst where possible, else copy and expunge. A message is never in neither folder. */
int maildir_box_move(struct maildir_box *src, const size_t *idx, size_t n,
		     struct maildir_box *dst, uint32_t *uids_r);

#endif
