/*
 * Waiting for a Maildir folder to change, for IMAP IDLE (RFC 2177): a wait returns when
 * something may have been delivered, moved, flagged or expunged in the folder, when the
 * client's input is readable, or at a timeout. It says only "look again"; what changed
 * is for the caller's rescan to find. Spurious wake-ups happen; a missed change does
 * not: the watch is armed at open, so a change between open and the caller's first
 * rescan wakes the first wait.
 *
 * On Linux, inotify on the folder, new/ and cur/. Elsewhere, and where inotify fails
 * (no watches left, or MAILDIR_WATCH_FORCE_POLL, which network file systems need:
 * inotify sees only this host's changes), the mtimes of new/ and cur/ and the identity
 * of dovecot-uidlist and dovecot-keywords are compared every MAILDIR_WATCH_POLL_MS.
 */
#ifndef MAILDIR_WATCH_H
#define MAILDIR_WATCH_H

/* RFC 2177 asks nothing about latency; 1 s makes a change visible to the client
 * within about 2 s (one interval, plus the mtime tick below). */
#define MAILDIR_WATCH_POLL_MS 1000
/* A directory mtime this close to the time it was read may hide a second change
 * within the same file system tick (1 s on ext3, 2 s on FAT); such a snapshot is
 * trusted only once this much time has passed. The same slack as maildir_box's. */
#define MAILDIR_WATCH_MTIME_SLACK_SEC 2

/* maildir_watch_wait() results */
#define MAILDIR_WATCH_TIMEOUT 0	/* timeout_ms passed, nothing seen */
#define MAILDIR_WATCH_CHANGED 1	/* the folder may have changed: rescan */
#define MAILDIR_WATCH_INPUT 2	/* fd is readable (or at end of file, or in error) */

/* maildir_watch_open_flags() flags */
#define MAILDIR_WATCH_FORCE_POLL 1	/* the portable mtime poll even where inotify works */

struct maildir_watch;

/* Watch the Maildir folder dir (the Maildir root for INBOX, or a folder's directory).
 * 0 with *w set, or -1 with errno (ENOENT: dir, dir/new or dir/cur missing; ENOMEM;
 * ENAMETOOLONG). Running out of inotify watches or instances is no error: the watch
 * then polls. */
int maildir_watch_open(struct maildir_watch **w, const char *dir);
int maildir_watch_open_flags(struct maildir_watch **w, const char *dir, int flags);
/* Wait up to timeout_ms (-1: no limit) for a change or for fd (-1: none) to be
 * readable. MAILDIR_WATCH_INPUT is reported before a change seen at the same time
 * (the change is kept for the next wait). Returns one of the results above, or -1
 * with errno (EINTR when a signal came: the caller checks its flags and waits again). */
int maildir_watch_wait(struct maildir_watch *w, int fd, int timeout_ms);
/* 1 when the watch polls mtimes, 0 when the kernel tells it of changes. A folder that
 * disappears under an inotify watch makes it poll from then on. */
int maildir_watch_polling(const struct maildir_watch *w);
/* Free the watch (NULL is fine). */
void maildir_watch_close(struct maildir_watch *w);

#endif
