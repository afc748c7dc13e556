/*
 * Maildir++ folders: the folder "A/B" of the Maildir ROOT is the directory ROOT/.A.B,
 * with a "maildirfolder" file inside, INBOX is ROOT itself. At this API names are UTF-8
 * with '/' between hierarchy levels; on disk each level is modified UTF-7 (RFC 3501
 * 5.1.3) and '.' separates levels. A '.' inside a level is written "\2e", and '\' itself
 * "\5c" (Dovecot's listescape form), so any name survives the round trip.
 * Names that could escape ROOT or confuse other tools are refused with EINVAL: empty
 * levels, "." or "..", control characters, NUL, invalid UTF-8, and levels whose disk
 * form would be too long.
 */
#ifndef MAILDIR_FOLDER_H
#define MAILDIR_FOLDER_H

#include <stddef.h>

#define MAILDIR_FOLDER_NAME_MAX 1024	/* bytes of a UTF-8 folder name */
#define MAILDIR_FOLDER_DEPTH_MAX 32	/* hierarchy levels */
/* Bytes of one directory name: NAME_MAX of ext4, XFS, btrfs, tmpfs (POSIX allows less). */
#define MAILDIR_FOLDER_DIRNAME_MAX 255

/* The directory name (".A.B") for a folder name ("A/B"). Returns the length, or -1 with
 * errno EINVAL (refused name, see above; "" too, INBOX has no directory name) or
 * ENAMETOOLONG (longer than MAILDIR_FOLDER_DIRNAME_MAX, or than outsz - 1). */
int maildir_folder_encode(const char *name, char *out, size_t outsz);
/* The folder name for a directory name (".A.B" -> "A/B"); -1 EINVAL when it is no
 * folder directory or does not decode, ENAMETOOLONG when outsz is too small. Strict:
 * when it succeeds, encoding the name gives dirname back byte for byte. */
int maildir_folder_decode(const char *dirname, char *out, size_t outsz);
/* The path of a folder: ROOT for "" (INBOX), else ROOT/<encoded>. -1 as encode. */
int maildir_folder_path(const char *root, const char *name, char *out, size_t outsz);

/* Create the folder (cur/ new/ tmp/ and maildirfolder). -1 with errno EEXIST when it
 * exists already (always for "", INBOX), EINVAL for a refused name. Parents are not
 * created. A failure after the mkdir removes what was made. */
int maildir_folder_create(const char *root, const char *name);
/* Delete the folder's directory and messages (not its children). The directory is first
 * renamed out of sight ("..deleted.*"), so no reader sees a half-deleted folder; once
 * that rename is done the call succeeds even if emptying the work directory left
 * something unexpected behind. -1 errno ENOENT, ENOTDIR (a symlink), EINVAL (also for
 * "", INBOX). */
int maildir_folder_delete(const char *root, const char *name);
/* Rename the folder and all its children ("A" -> "C" moves "A/B" to "C/B").
 * -1 with errno EEXIST when the target (or a child's target) exists, ENOENT, EINVAL
 * ("" on either side, or "A" -> "A/B"); these are found before anything is renamed.
 * Not atomic: one rename() per directory; a crash in between leaves the folders not yet
 * renamed under the old name, each complete, and nothing is lost. */
int maildir_folder_rename(const char *root, const char *from, const char *to);

/* List the folders of root: callback with each decoded name, in readdir order. Skips
 * names that do not decode, non-directories and work directories ("..x"). Returns the
 * count, or -1. A callback returning non-zero stops the listing: -1 with the errno the
 * callback set (ECANCELED if it set none). */
int maildir_folder_list(const char *root, int (*cb)(const char *name, void *arg), void *arg);

/* Modified UTF-7 (RFC 3501 5.1.3) to and from UTF-8; out is NUL-terminated. Length or
 * -1 with errno EINVAL (invalid input) or ENAMETOOLONG (outsz too small). Encode takes
 * strict UTF-8 only; decode takes only canonical mUTF-7, the exact encoder output (no
 * shifted printable ASCII, no adjacent shifts, zero padding bits). U+0000 is refused. */
int maildir_mutf7_encode(const char *utf8, size_t len, char *out, size_t outsz);
int maildir_mutf7_decode(const char *mutf7, size_t len, char *out, size_t outsz);

#endif
