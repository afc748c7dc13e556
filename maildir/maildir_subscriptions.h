/*
 * IMAP subscriptions (RFC 3501 6.3.6 SUBSCRIBE, 6.3.9 LSUB) in the files other servers
 * keep in the Maildir root:
 *  - "subscriptions", Dovecot's (checked against Dovecot 2.3.19): a header line "V\t2"
 *    and an empty line, then one mailbox a line, its levels separated by TAB, each
 *    level as the folder's directory level on disk (modified UTF-7, '.' as "\2e"),
 *    e.g. "Archive\t2024", "Entw&APw-rfe", "INBOX". A file without the header is
 *    Dovecot's version 1: one name a line with '.' between levels ("Archive.2024").
 *  - "courierimapsubscribed", Courier-IMAP's: "INBOX" or "INBOX.<levels>" a line, '.'
 *    separated, modified UTF-7. Read only, and only while "subscriptions" is absent;
 *    the first change writes its names into a new "subscriptions".
 * At this API names are those of maildir_folder.h: UTF-8, '/' between levels, and
 * "INBOX" (any case on input, always "INBOX" on output) for the inbox. imapd converts
 * to and from modified UTF-7 at the wire, as it does for every mailbox name.
 */
#ifndef MAILDIR_SUBSCRIPTIONS_H
#define MAILDIR_SUBSCRIPTIONS_H

#include <stddef.h>

struct buf;

#define MAILDIR_SUBSCRIPTIONS_FILE "subscriptions"
#define MAILDIR_SUBSCRIPTIONS_COURIER_FILE "courierimapsubscribed"
/* Largest file read or written: 1 MiB is some 10000 names of 100 bytes, far above
 * any real account, and bounds what a corrupt file can make a session allocate. */
#define MAILDIR_SUBSCRIPTIONS_FILE_MAX (1u << 20)

enum maildir_subscriptions_format {
	MAILDIR_SUBSCRIPTIONS_DOVECOT,	/* "subscriptions", version 2 or 1 */
	MAILDIR_SUBSCRIPTIONS_COURIER,	/* "courierimapsubscribed" */
};

struct maildir_subscriptions {
	char **name;	/* n names, sorted bytewise, no duplicates */
	size_t n;
};

/* Read the subscriptions of the Maildir root into s (empty first): Dovecot's file, or
 * Courier's when Dovecot's is absent; neither is no subscription. 0, or -1 with errno
 * (E2BIG over MAILDIR_SUBSCRIPTIONS_FILE_MAX); s is empty on error. */
int maildir_subscriptions_read(const char *root, struct maildir_subscriptions *s);
/* Parse a file's text. Lines that are no valid folder name (see maildir_folder.h, and
 * anything that would not be written back byte for byte) are skipped, never fatal:
 * a bad line costs one subscription, not all. 0, or -1 with errno ENOMEM. */
int maildir_subscriptions_parse(const char *text, size_t len,
				enum maildir_subscriptions_format format,
				struct maildir_subscriptions *s);
/* 1 when name is in s, else 0. */
int maildir_subscriptions_has(const struct maildir_subscriptions *s, const char *name);
void maildir_subscriptions_free(struct maildir_subscriptions *s);

/* Subscribe (add) or unsubscribe (remove) the name in root's "subscriptions", under
 * the dotlock "subscriptions.lock" (as Dovecot), replaced by temp file, fsync, rename.
 * The mailbox need not exist (RFC 3501 6.3.6). Adding a name already there or
 * removing one that is not is no change and writes nothing. 0, or -1 with errno
 * (EINVAL: no valid name; E2BIG: the file would pass the maximum; EWOULDBLOCK: the
 * lock stayed taken; what reading or writing failed with). */
int maildir_subscriptions_add(const char *root, const char *name);
int maildir_subscriptions_remove(const char *root, const char *name);

/* The pure part of add/remove: out gets the new text of "subscriptions" given its
 * current text (len 0 for a missing or empty file; a new file gets the version 2
 * header). Every other line is kept as it was, even one we cannot read.
 * Returns 1 when the text changed, 0 when not (out then holds it unchanged), -1 with
 * errno (EINVAL, E2BIG over out's maximum, ENOMEM). */
int maildir_subscriptions_edit(const char *text, size_t len, const char *name,
			       int subscribe, struct buf *out);

#endif
