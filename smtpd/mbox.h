/*
 * The mailbox side of smtpd: everything that looks at an account or into its Maildir.
 * Run by the delivery helper (helper.c) when smtpd was started as root, and in the
 * session itself when it was not. Nothing here parses SMTP or trusts its caller beyond
 * a name: each call looks the name up again in the users file (or the system's
 * accounts) and derives every path from that entry.
 *
 * As root, every access to a Maildir is made as its owner (setgroups, setegid,
 * seteuid around the access, then back to root): a file created is the owner's, a
 * symlink or permission the owner set up reaches only what the owner could reach.
 * Not as root, the process works as itself ("deliver as self").
 */
#ifndef SMTPD_MBOX_H
#define SMTPD_MBOX_H

#include "maildir_deliver.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Outcomes, also the status bytes of the helper protocol. */
enum mbox_status {
	MBOX_OK = 'o',
	MBOX_UNKNOWN = 'u',	/* no such account (or one with uid 0 while root) */
	MBOX_QUOTA = 'q',	/* over its Maildir++ quota */
	MBOX_TEMP = 't',	/* anything else: try again later */
};

/* An account's mailbox: its owner, its Maildir and the folder a copy goes to. */
struct mbox {
	uid_t uid;
	gid_t gid;
	char root[PATH_MAX];	/* HOME/Maildir, where maildirsize lives */
	char dir[PATH_MAX];	/* root, or the folder's directory */
	int folder;		/* dir is a folder (the tag named an existing one) */
};

/* One prepared copy: written and fsynced in tmp/, waiting for commit or abort. */
struct mbox_copy {
	struct mbox m;
	struct maildir_tmp t;
	int st;			/* enum mbox_status of the preparation */
};

/* RCPT: does name (lower case, no +tag) have a mailbox, is tag (may be NULL or "") an
 * existing folder of it, and is there room for one more message (read only: a
 * maildirsize needing a recount counts as room, the delivery checks again)?
 * Returns an enum mbox_status; m filled on MBOX_OK. */
int mbox_check(const char *users, const char *name, const char *tag, struct mbox *m);
/* The name of the users file's first entry (the default postmaster). 0, or -1. */
int mbox_first_user(const char *users, char *name, size_t size);
/* The copy for name's folder (NULL or "": INBOX): the quota with the real size (as the
 * owner, recounting when the rules ask), hdr then the first len octets of spool (a
 * regular file holding at least that many, read with pread from offset 0) into tmp/,
 * fsynced and closed. Returns an enum mbox_status in c->st. */
int mbox_prepare(const char *users, const char *name, const char *folder, const char *hdr,
		 size_t hlen, int spool, uint64_t len, struct mbox_copy *c);
/* Link a prepared copy into new/ and record it in maildirsize (commit), or remove it.
 * Returns an enum mbox_status (MBOX_OK for an abort). */
int mbox_finish(struct mbox_copy *c, int commit);

#endif
