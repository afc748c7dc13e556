/*
 * Maildir++ quota: the file maildirsize at the root of a Maildir (shared/rfc/
 * maildirquota.txt). Its first line is the definition, "10000000S,1000C" (bytes,
 * messages; either may be missing, 0 is no limit); each further line is "bytes count",
 * appended with O_APPEND by whoever adds (positive) or removes (negative) messages.
 * The sum of those lines is the usage. Folders (.Name) count towards their root's
 * quota; a path to a folder (it holds "maildirfolder") is taken as its parent.
 *
 * The definition is known only from the file: without a maildirsize there is no quota.
 * The file is never trusted blindly. It is recalculated from the messages on disk when
 * it is 5120 bytes or more, when a line is not two numbers or a sum is negative, and
 * when its numbers say "over quota" but it has more than one usage line or is older
 * than 15 minutes (the spec's rules, which Courier and Dovecot follow); also when it
 * has no usage line at all (how an administrator sets a new quota: the definition
 * alone).
 *
 * A maildirsize that is not a regular file (a FIFO, a device, a directory, a symlink to
 * anything) is never opened for reading or writing: every call fails at once with errno
 * EINVAL, which callers report as a temporary failure.
 */
#ifndef MAILDIR_QUOTA_H
#define MAILDIR_QUOTA_H

#include <stddef.h>
#include <stdint.h>

/* maildirquota.txt "Calculating the quota": a maildirsize of this size or more is
 * recalculated; it is also all we ever read of one. */
#define MAILDIR_QUOTA_FILE_MAX 5120
/* maildirquota.txt: numbers that say "over quota" are believed for 15 minutes. */
#define MAILDIR_QUOTA_STALE_SEC (15 * 60)
/* maildirquota.txt "Calculating maildirsize": when a directory changed during the
 * count, "repeat the recalculation"; this many times, then the result is written marked
 * as doubtful (a second usage line), so that it is never trusted to refuse mail. */
#define MAILDIR_QUOTA_RECALC_TRIES 3
/* The one folder the spec leaves out of the count (it is purged automatically). */
#define MAILDIR_QUOTA_TRASH ".Trash"

/* maildir_quota_check() flags. NORECALC: never write (the caller is not the Maildir's
 * owner); numbers that would need a recalculation count as "not over". */
#define MAILDIR_QUOTA_NORECALC 1

struct maildir_quota {
	int has_bytes, has_count;	/* the definition has an S / a C member */
	uint64_t max_bytes, max_count;	/* the limits; 0 = none (Dovecot's reading) */
	int64_t bytes, count;		/* usage: the sums, saturated, never below 0 */
	size_t lines;			/* usage lines after the definition */
	int damaged;			/* a line that is not two numbers, a sum < 0 or
					   out of range: recalculate before trusting */
	int stale;			/* needed a recount that MAILDIR_QUOTA_NORECALC
					   forbade: the usage is not to be believed */
};

/* Parse the text of a maildirsize (len bytes, need not be NUL-terminated; NUL bytes
 * make a line damaged). Returns 1 when the first line defines a quota (an S or C
 * member), 0 when it does not (no quota; usage is still summed), never -1. Unknown
 * members of the definition are ignored; a last line without LF is an append still in
 * progress and is not counted. */
int maildir_quota_parse(const char *text, size_t len, struct maildir_quota *q);

/* 1 when adding add_bytes and add_count to q's usage goes over a limit, else 0. */
int maildir_quota_over(const struct maildir_quota *q, uint64_t add_bytes,
		       uint64_t add_count);

/* The quota of the Maildir root, recalculated when the rules above say so (and flags
 * lack MAILDIR_QUOTA_NORECALC). Returns 1 with *q filled, 0 when there is no quota
 * (no maildirsize, or no definition in it), -1 with errno: EINVAL when maildirsize is
 * not a regular file, or what open/read/readdir said. A failure to write the
 * recalculated file is not reported here: the numbers are still right. */
int maildir_quota_get(const char *root, int flags, struct maildir_quota *q);

/* Would a message of add_bytes (add_count messages) go over the quota of root?
 * *over_r is 1 or 0 (0 also when there is no quota). 0, or -1 with errno as
 * maildir_quota_get. */
int maildir_quota_check(const char *root, uint64_t add_bytes, uint64_t add_count,
			int flags, int *over_r);

/* Record a change of usage: append "bytes count\n" to maildirsize in one write(2)
 * (negative for removed messages). 0, also when there is no maildirsize (nothing to
 * keep up to date); -1 with errno (EINVAL: not a regular file). */
int maildir_quota_add(const char *root, int64_t bytes, int64_t count);

/* Recount root now: every message in new/ and cur/ of root and of each folder but
 * Trash, sizes from ",S=" in names or stat(); write a new maildirsize (tmp/ then
 * rename) with the existing definition. 1 with *q (may be NULL) filled, 0 when there
 * is no quota to recalculate, -1 with errno (also when the new file cannot be written). */
int maildir_quota_recalc(const char *root, struct maildir_quota *q);

#endif
