/*
 * dovecot-uidlist, the UID <-> file name map (shared/rfc/dovecot-maildir.md):
 *   3 V<uidvalidity> N<nextuid> G<guid> [other header fields]
 *   <uid> [<key><value> ...] :<last known file name>
 * Version 1 (Courier-compatible: "1 <uidvalidity> <nextuid>", then "<uid> <name>") is
 * read too, and so is courierimapuiddb. Unknown header fields and record keys are kept
 * and written back. The file is never edited in place: records are appended, or the
 * whole file is replaced by rename(), both under the dovecot-uidlist.lock dotlock.
 */
#ifndef MAILDIR_UIDLIST_H
#define MAILDIR_UIDLIST_H

#include <stddef.h>
#include <stdint.h>

#define MAILDIR_UIDLIST_FILE "dovecot-uidlist"
#define MAILDIR_COURIER_UIDDB "courierimapuiddb"
#define MAILDIR_UIDLIST_MAX (256u << 20)	/* refuse to read a larger file */

/* In a list, keys and name are each a malloc()ed string owned by the list: replace one
 * with maildir_uidlist_set_name() (or free() + a new malloc()ed string). */
struct maildir_uidrec {
	uint32_t uid;
	char *keys;		/* the fields between uid and ':' ("W2481 P..."), "" when none */
	char *name;		/* the last known file name */
};

struct maildir_uidlist {
	unsigned version;	/* 3 (or 1 as read) */
	uint32_t uidvalidity;
	uint32_t nextuid;
	char guid[33];		/* G field, hex; "" when absent */
	char *hdr_extra;	/* header fields other than V N G, space-separated, or ""
				 * (malloc()ed; NULL is read as "") */
	struct maildir_uidrec *v;	/* records in file order (UIDs increasing) */
	size_t n, cap;
};

/* Parse the text of a dovecot-uidlist (version 1 or 3) or, with courier = 1, of a
 * courierimapuiddb, into r (whatever r held is overwritten, not freed). 0, or -1 with
 * errno EINVAL (bad header, a record out of order or malformed) or ENOMEM, and *line_r
 * (when line_r is not NULL) the 1-based line at fault. On error r is empty (zeroed).
 * nextuid is max(N, last uid + 1); when the last uid is UINT32_MAX it stays UINT32_MAX
 * and no record can be added any more (RFC 3501 2.3.1.1: UIDs are 32-bit). */
int maildir_uidlist_parse(const char *text, size_t len, int courier,
			  struct maildir_uidlist *r, size_t *line_r);
/* One record line of a list of this version (without its LF and trailing CRs), its
 * parts pointing into s: for a reader that streams a large file instead of holding
 * its text and every record at once. 0, or -1 with errno EINVAL when the line is not
 * a record maildir_uidlist_parse would accept (the order of UIDs is the caller's to
 * check; a blank line is not a record). */
struct maildir_uidline {
	uint32_t uid;
	const char *keys, *name;	/* not NUL-terminated */
	size_t klen, nlen;
};
int maildir_uidlist_record(unsigned version, const char *s, size_t n,
			   struct maildir_uidline *r);
/* For a repair: the records of a damaged version 3 text that can be trusted. The
 * header must parse (else -1 EINVAL: without UIDVALIDITY no UID can be trusted);
 * malformed lines, records out of order or repeated, a second record for one name and
 * a torn last line are dropped and counted in *dropped_r. nextuid is above every UID
 * the text mentions, dropped lines included, so no UID is ever given twice. */
int maildir_uidlist_salvage(const char *text, size_t len, struct maildir_uidlist *r,
			    size_t *dropped_r);
/* Read dir/dovecot-uidlist into an empty list. -1 with errno ENOENT when absent,
 * EINVAL when malformed, E2BIG when over MAILDIR_UIDLIST_MAX. */
int maildir_uidlist_read(const char *dir, struct maildir_uidlist *r);
/* The same for dir/courierimapuiddb (version 1 only; r->version is then 1). */
int maildir_uidlist_read_courier(const char *dir, struct maildir_uidlist *r);
/* The text of the list in version 3 form (header then every record), appended to out.
 * 0, or -1 with errno (EINVAL: uidvalidity or nextuid 0, a bad GUID, a field that could
 * not be read back; ENOMEM/E2BIG from out, which is then as it was). */
struct buf;
int maildir_uidlist_format(const struct maildir_uidlist *u, struct buf *out);
/* Replace dir/dovecot-uidlist with u (temporary file, fsync, rename). Call with the lock
 * held. 0 or -1 with errno. */
int maildir_uidlist_write(const char *dir, const struct maildir_uidlist *u);
/* Append records to dir/dovecot-uidlist (which must exist, version 3) and fsync. Call
 * with the lock held. 0 or -1 with errno (ENOENT: no file; EINVAL: the file is not
 * version 3, or recs are not in increasing uid order). The header's N is not rewritten
 * by an append: readers take nextuid as max(N, last uid + 1). */
int maildir_uidlist_append(const char *dir, const struct maildir_uidrec *recs, size_t n);

/* An empty version 3 list with this uidvalidity, nextuid 1 and a fresh GUID. */
void maildir_uidlist_init(struct maildir_uidlist *u, uint32_t uidvalidity);
/* Add a record (copies keys and name; keys NULL is ""). 0 or -1 with errno ENOMEM /
 * EINVAL (uid 0 or not above the last record's; a name that is empty, holds '/' or LF
 * or ends in CR; keys that hold LF or " :", or start or end with a space or ':').
 * nextuid becomes uid + 1 when it was not above uid (saturating at UINT32_MAX). */
int maildir_uidlist_add(struct maildir_uidlist *u, uint32_t uid, const char *keys,
			const char *name);
/* Replace the name of record i (copied). 0 or -1 with errno ENOMEM / EINVAL (as add). */
int maildir_uidlist_set_name(struct maildir_uidlist *u, size_t i, const char *name);
/* Remove record i (an expunged message), keeping the order. */
void maildir_uidlist_remove(struct maildir_uidlist *u, size_t i);
/* Index of the record with this uid (binary search), or -1 when there is none. */
long maildir_uidlist_find(const struct maildir_uidlist *u, uint32_t uid);
/* Value of key letter k in keys ("W2481 P..." style), copied into out; 1 found, 0 not,
 * -1 with errno ERANGE when the value does not fit in outsz (out is then ""). */
int maildir_uidrec_key(const char *keys, char k, char *out, size_t outsz);
/* Record keys as the list and the mailbox view own them: a copy of keys[0..len)
 * (all empty ones share one static "": never free() one, call maildir_keys_free).
 * NULL with errno ENOMEM. */
char *maildir_keys_dup(const char *keys, size_t len);
void maildir_keys_free(char *keys);
/* Free everything the list owns; u is then zeroed. */
void maildir_uidlist_free(struct maildir_uidlist *u);

/* A fresh UIDVALIDITY for a folder of the Maildir that dir is (or is a folder of),
 * never handed out before for that Maildir (see maildir_uidvalidity.c; the counter is
 * Dovecot's dovecot-uidvalidity). 0 with *r set, or -1 with errno. */
int maildir_uidvalidity_next(const char *dir, uint32_t *r);
/* A random 128-bit GUID (32 lower-case hex digits and a NUL; /dev/urandom, else time,
 * pid and a counter). */
void maildir_guid_new(char out[33]);

#endif
