/*
 * Changing one message: flags by rename() (new/ -> cur/ on the way), expunge by unlink().
 * Another process may have renamed the file since we last looked (its flags changed):
 * then ENOENT is not an error but a reason to find the file's current name by its base
 * and try again. A message whose base is found nowhere has been expunged.
 */
#ifndef MAILDIR_MSG_H
#define MAILDIR_MSG_H

#include <stddef.h>
#include <stdint.h>

/* Find the current name of the message with this base (name up to the info separator)
 * by reading new/ then cur/ (twice before giving up, as readdir may miss a file renamed
 * meanwhile). 0 with *in_new_r and name_r set, or -1 with errno ENOENT (expunged) or
 * another error. */
int maildir_msg_find(const char *dir, const char *base, size_t base_len,
		     int *in_new_r, char *name_r, size_t namesz);

/* Give message (in_new, name) these flags and keywords: rename to cur/ with the new info,
 * keeping foreign fields. Retries through maildir_msg_find() when the file was renamed
 * under us. On success the new name is in newname_r (the same as the old one when nothing
 * changed; no system call then). -1 with errno ENOENT when the message is gone, EAGAIN
 * when it was renamed under us on every try. */
int maildir_msg_set_flags(const char *dir, int in_new, const char *name, uint32_t flags,
			  uint32_t keywords, char *newname_r, size_t namesz);

/* A relative flag change: bits to add, then bits to clear (MAILDIR_FLAG / MAILDIR_KW). */
struct maildir_flag_change {
	uint32_t add_flags, add_keywords;
	uint32_t del_flags, del_keywords;
};

/* Apply c to the flags the message's file name has at the moment of the rename (not
 * to what the caller last saw), so concurrent changes by others to other flags are
 * kept; otherwise as maildir_msg_set_flags(). The resulting flags go to *flags_r and
 * *keywords_r when those are not NULL. */
int maildir_msg_change_flags(const char *dir, int in_new, const char *name,
			     const struct maildir_flag_change *c, char *newname_r, size_t namesz,
			     uint32_t *flags_r, uint32_t *keywords_r);

/* Unlink the message, following a rename as above. 0 when it is gone afterwards
 * (also when someone else expunged it first), -1 with errno on a real error (EAGAIN as
 * above). */
int maildir_msg_expunge(const char *dir, int in_new, const char *name);

/* How a caller with many messages looks up a renamed one: a mailbox view refreshes all
 * its names with one directory scan instead of one search per message (which made work
 * over many renamed files quadratic). find has maildir_msg_find's contract. */
struct maildir_finder {
	int (*find)(void *ctx, const char *dir, const char *base, size_t base_len,
		    int *in_new_r, char *name_r, size_t namesz);
	void *ctx;
};
/* The calls above and maildir_msg_open with a finder (NULL: maildir_msg_find). */
int maildir_msg_change_flags_with(const struct maildir_finder *f, const char *dir,
				  int in_new, const char *name,
				  const struct maildir_flag_change *c, char *newname_r,
				  size_t namesz, uint32_t *flags_r, uint32_t *keywords_r);
int maildir_msg_expunge_with(const struct maildir_finder *f, const char *dir, int in_new,
			     const char *name);
/* maildir_msg_expunge_with, but only while the file's name still carries every flag in
 * need (IMAP EXPUNGE removes only what is \Deleted now: someone may have cleared the
 * flag since the caller's view, RFC 3501 6.4.3). 0 when removed or gone, 1 when the
 * file was left because a flag is no longer set, -1 with errno. */
int maildir_msg_expunge_if(const struct maildir_finder *f, const char *dir, int in_new,
			   const char *name, uint32_t need);
int maildir_msg_open_with(const struct maildir_finder *f, const char *dir, int *in_new,
			  char *name);

/* Build dir/{new|cur}/name into out. 0 or -1 with errno ENAMETOOLONG. */
int maildir_msg_path(const char *dir, int in_new, const char *name, char *out, size_t outsz);

/* Open the message for reading, following a rename as above (in_new and name are updated
 * in place when it moved; name must have room for MAILDIR_NAME_MAX + 1). An fd, or -1
 * with errno (ENOENT: expunged; EINVAL: not a regular file, see io_open_regular). */
int maildir_msg_open(const char *dir, int *in_new, char *name);

#endif
