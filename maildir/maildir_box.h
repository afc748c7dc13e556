/*
 * A mailbox view: the messages of one Maildir folder with their UIDs, flags and sizes,
 * kept in step with the disk. This is what pop3d and imapd work on.
 *
 * Opening or syncing reads dovecot-uidlist (no lock needed to read). When the mtimes of
 * new/ and cur/ are the ones recorded in the uidlist by the last full sync, the uidlist's
 * names are the folder's current contents and no readdir is done at all. Otherwise new/
 * and cur/ are read, and files without a UID get one under the dovecot-uidlist.lock, in
 * delivery order. See maildir_box.c for the whole concurrency argument.
 */
#ifndef MAILDIR_BOX_H
#define MAILDIR_BOX_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "maildir_keywords.h"

struct maildir_msg {
	uint32_t uid;
	uint32_t flags;		/* MAILDIR_FLAG() bits */
	uint32_t keywords;	/* MAILDIR_KW() bits, names in box->kw */
	uint64_t size;		/* file size, or MAILDIR_SIZE_UNKNOWN until asked */
	uint64_t vsize;		/* size with CR LF line ends (RFC822.SIZE), or unknown */
	char *name;		/* current file name (owned) */
	char *keys;		/* uidlist record fields, e.g. "P<pop3 uidl>" (owned, may be "") */
	int in_new;		/* file is in new/ */
};

struct maildir_box {
	char dir[PATH_MAX];
	uint32_t uidvalidity;
	uint32_t nextuid;
	struct maildir_msg *v;	/* ordered by UID */
	size_t n, cap;
	struct maildir_keywords kw;
	struct timespec new_mtime, cur_mtime;	/* as of the last sync */
	int readdirs;		/* how many directory scans syncs did (for tests, bench) */
};

/* Open the folder at dir and sync it. 0, or -1 with errno (ENOENT: not a Maildir;
 * EWOULDBLOCK: the uidlist lock could not be had). */
int maildir_box_open(struct maildir_box *b, const char *dir);
/* Pick up changes made by anyone since the last sync: new messages get UIDs, renamed
 * files their new names and flags, vanished files are dropped. Sets *changed_r to 1 when
 * the list changed. 0 or -1 with errno; on error the view is unchanged. */
int maildir_box_sync(struct maildir_box *b, int *changed_r);
/* Index of the message with this uid, or -1. */
long maildir_box_find(const struct maildir_box *b, uint32_t uid);
/* Fill in m->size and m->vsize when unknown (stat, and a read of the file for vsize).
 * 0, or -1 with errno (ENOENT: expunged meanwhile). */
int maildir_box_sizes(struct maildir_box *b, struct maildir_msg *m);
/* Set flags and keywords of message i (rename; new/ -> cur/). 0 or -1 with errno. */
int maildir_box_set_flags(struct maildir_box *b, size_t i, uint32_t flags, uint32_t keywords);
/* Add and clear flags of message i relative to its file's current flags, keeping what
 * other processes changed meanwhile (IMAP STORE +FLAGS/-FLAGS). The view gets the
 * resulting flags. 0 or -1 with errno. */
struct maildir_flag_change;
int maildir_box_change_flags(struct maildir_box *b, size_t i,
			     const struct maildir_flag_change *c);
/* Expunge message i from disk (it stays in the view until the next sync). */
int maildir_box_expunge(struct maildir_box *b, size_t i);
/* Letter index for a keyword name, adding it to dovecot-keywords (under the lock) when
 * new. -1 with errno ENOSPC when 26 are in use. */
int maildir_box_keyword(struct maildir_box *b, const char *name);
void maildir_box_close(struct maildir_box *b);

#endif
