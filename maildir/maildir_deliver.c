/*
 * Delivery into a Maildir, the one way a message enters one (maildir-spec.txt; qmail
 * qmail-local.c, mblaze mdeliver.c, Dovecot maildir-save.c): a uniquely named file in
 * tmp/, written, fsynced and closed, then link()ed into new/ or cur/ and the directory
 * fsynced. Success means durable, and a failure at any step removes what was made, so
 * a reader never sees a partial message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "maildir_deliver.h"
#include "str.h"

/* Unique names cannot collide (pid + Q counter + usec); a few retries only cover a
 * clock stepped back onto a leftover tmp/ file. */
#define DELIVER_OPEN_TRIES 8
/* maildir_deliver_fd reads this much at a time. */
#define DELIVER_CHUNK (64 * 1024)
/* "dir/tmp/name" and friends. */
#define DELIVER_PATH_MAX (PATH_MAX + MAILDIR_NAME_MAX + 8)

static int sub_path(char *out, size_t outsz, const char *dir, const char *sub,
		    const char *name)
{
	int n;

	if (name != NULL)
		n = snprintf(out, outsz, "%s/%s/%s", dir, sub, name);
	else
		n = snprintf(out, outsz, "%s/%s", dir, sub);
	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int maildir_tmp_open(struct maildir_tmp *t, const char *dir)
{
	char path[DELIVER_PATH_MAX];

	t->fd = -1;
	t->base[0] = '\0';
	t->size = 0;
	t->vsize = 0;
	t->last_cr = 0;
	t->mtime = 0;
	t->sealed = 0;
	if (str_lcpy(t->dir, dir, sizeof t->dir) >= sizeof t->dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (int i = 0; i < DELIVER_OPEN_TRIES; i++) {
		if (maildir_unique(t->base, sizeof t->base) < 0)
			return -1;
		if (sub_path(path, sizeof path, dir, "tmp", t->base) < 0)
			return -1;
		/* O_EXCL already refuses a symlink at the name; O_NOFOLLOW says so twice. */
		t->fd = open(path, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0600);
		if (t->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	t->base[0] = '\0';
	return -1;
}

int maildir_tmp_write(struct maildir_tmp *t, const void *p, size_t n)
{
	const char *s = p, *end = s + n;
	uint64_t bare_lf = 0;

	if (t->fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (n == 0)
		return 0;
	if (io_write_all(t->fd, p, n, -1) < 0)
		return -1;
	/* RFC822.SIZE counts the message as CRLF text: each LF not after a CR adds one.
	 * The CR may have ended the previous write. */
	for (const char *lf = memchr(s, '\n', n); lf != NULL;
	     lf = memchr(lf + 1, '\n', (size_t)(end - lf - 1))) {
		int after_cr = lf > s ? lf[-1] == '\r' : t->last_cr;

		if (!after_cr)
			bare_lf++;
	}
	t->last_cr = end[-1] == '\r';
	t->size += n;
	t->vsize += n + bare_lf;
	return 0;
}

void maildir_tmp_abort(struct maildir_tmp *t)
{
	char path[DELIVER_PATH_MAX];
	int saved = errno;

	if (t->fd < 0 && !t->sealed)
		return;
	if (t->fd >= 0)
		(void)close(t->fd);
	t->fd = -1;
	t->sealed = 0;
	if (t->base[0] != '\0' && sub_path(path, sizeof path, t->dir, "tmp", t->base) == 0)
		(void)unlink(path);
	errno = saved;
}

/* link() where it works; rename() on file systems without hard links (some FUSE and
 * network file systems, Windows shares). Both fail rather than replace an existing
 * file only for link(); unique names make that moot for rename(). 0 when the file was
 * linked (tmp still to unlink), 1 when renamed, -1 on error. */
static int link_or_rename(const char *from, const char *to)
{
	if (link(from, to) == 0)
		return 0;
	if (errno != EPERM && errno != ENOSYS && errno != EXDEV && errno != EOPNOTSUPP)
		return -1;
	if (rename(from, to) < 0)
		return -1;
	return 1;
}

int maildir_tmp_seal(struct maildir_tmp *t)
{
	char tmp[DELIVER_PATH_MAX];
	int closed, saved;

	if (t->fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (sub_path(tmp, sizeof tmp, t->dir, "tmp", t->base) < 0)
		goto fail;
	/* mtime is the IMAP INTERNALDATE (dovecot-maildir.md "Usage of Timestamps"); set
	 * before the fsync so that it is as durable as the data. */
	if (t->mtime != 0) {
		struct timespec ts[2] = {
			{ .tv_sec = 0, .tv_nsec = UTIME_OMIT },
			{ .tv_sec = t->mtime, .tv_nsec = 0 },
		};

		if (futimens(t->fd, ts) < 0)
			goto fail;
	}
	if (fsync(t->fd) < 0)
		goto fail;
	/* close() reports the write errors of NFS and quota-checking file systems. */
	closed = close(t->fd);
	t->fd = -1;
	if (closed < 0) {
		saved = errno;
		(void)unlink(tmp);
		errno = saved;
		return -1;
	}
	t->sealed = 1;
	return 0;
fail:
	maildir_tmp_abort(t);
	return -1;
}

int maildir_tmp_commit(struct maildir_tmp *t, const char *subdir, uint32_t flags,
		       uint32_t keywords, char *name_r, size_t namesz)
{
	char tmp[DELIVER_PATH_MAX], dst[DELIVER_PATH_MAX], dirpath[DELIVER_PATH_MAX];
	char name[MAILDIR_NAME_MAX + 1], letters[2 * 26 + 1];
	int in_cur, info, n, linked, saved;

	if (t->fd < 0 && !t->sealed) {
		errno = EBADF;
		return -1;
	}
	in_cur = strcmp(subdir, "cur") == 0;
	if (!in_cur && strcmp(subdir, "new") != 0) {
		errno = EINVAL;
		goto fail;
	}
	if (maildir_flags_format(flags, keywords, letters, sizeof letters) < 0)
		goto fail;
	/* A file in cur/ always has an info; one in new/ only when it has flags: it is
	 * then still \Recent to the first session that claims it, which keeps the name
	 * (RFC 3501 6.3.11, 6.4.7; Dovecot and mutt read such names in new/ alike). */
	info = in_cur || letters[0] != '\0';
	n = snprintf(name, sizeof name, "%s,S=%llu,W=%llu%s%s", t->base,
		     (unsigned long long)t->size, (unsigned long long)t->vsize,
		     info ? ":2," : "", info ? letters : "");
	if (n < 0 || (size_t)n >= sizeof name || (name_r != NULL && (size_t)n >= namesz)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	if (sub_path(tmp, sizeof tmp, t->dir, "tmp", t->base) < 0 ||
	    sub_path(dst, sizeof dst, t->dir, subdir, name) < 0 ||
	    sub_path(dirpath, sizeof dirpath, t->dir, subdir, NULL) < 0)
		goto fail;

	if (!t->sealed && maildir_tmp_seal(t) < 0)
		return -1;
	t->sealed = 0;
	/* EEXIST cannot happen with a unique base; were it to, it is an error, never a
	 * reason to overwrite another message. */
	linked = link_or_rename(tmp, dst);
	if (linked < 0) {
		saved = errno;
		(void)unlink(tmp);
		errno = saved;
		return -1;
	}
	/* The message is in place; a tmp/ link left by a failing unlink is garbage that
	 * maildir_clean_tmp removes after 36 hours, no reason to fail the delivery. */
	if (linked == 0)
		(void)unlink(tmp);
	if (io_fsync_dir(dirpath) < 0) {
		saved = errno;
		(void)unlink(dst);
		errno = saved;
		return -1;
	}
	if (name_r != NULL)
		memcpy(name_r, name, (size_t)n + 1);
	return 0;

fail:
	maildir_tmp_abort(t);
	return -1;
}

int maildir_deliver_fd(const char *dir, int fd, char *name_r, size_t namesz)
{
	struct maildir_tmp t;
	char *chunk = malloc(DELIVER_CHUNK);
	int saved;

	if (chunk == NULL)
		return -1;
	if (maildir_tmp_open(&t, dir) < 0)
		goto fail;
	for (;;) {
		ssize_t r = read(fd, chunk, DELIVER_CHUNK);

		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (maildir_tmp_write(&t, chunk, (size_t)r) < 0)
			goto fail;
	}
	free(chunk);
	return maildir_tmp_commit(&t, "new", 0, 0, name_r, namesz);

fail:
	saved = errno;
	maildir_tmp_abort(&t);
	free(chunk);
	errno = saved;
	return -1;
}

static int is_dir(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	return S_ISDIR(st.st_mode) ? 1 : 0;
}

int maildir_is_maildir(const char *path)
{
	static const char *const subs[] = { "cur", "new", "tmp" };
	char p[DELIVER_PATH_MAX];

	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		int r;

		if (sub_path(p, sizeof p, path, subs[i], NULL) < 0)
			return -1;
		r = is_dir(p);
		if (r <= 0)
			return r;
	}
	return 1;
}

/* 1 when path was made, 0 when it was already a directory, -1 with errno. */
static int make_dir(const char *path)
{
	if (mkdir(path, 0700) == 0)
		return 1;
	if (errno != EEXIST)
		return -1;
	if (is_dir(path) != 1) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* The directory that holds path's last component ("." or "/" at the ends). */
static int parent_path(const char *path, char *out, size_t outsz)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	while (n > 0 && path[n - 1] != '/')
		n--;
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0) {
		path = ".";
		n = 1;
	}
	if (n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(out, path, n);
	out[n] = '\0';
	return 0;
}

/*
 * A mkdir is durable only once the directory holding the new entry is fsynced, and the
 * new directory's own "." and ".." once it is (ext4 and XFS commit them with the parent
 * in practice, POSIX promises nothing): so each directory made here is fsynced, then
 * the Maildir, then its parent when the Maildir itself was made. Without that, a crash
 * after the first delivery's "250 OK" could leave a Maildir whose new/ is gone with the
 * message in it. An existing Maildir costs four mkdir() calls and no fsync.
 */
int maildir_make(const char *path)
{
	static const char *const subs[] = { "cur", "new", "tmp" };
	char p[DELIVER_PATH_MAX];
	int made_root, made_sub = 0;

	made_root = make_dir(path);
	if (made_root < 0)
		return -1;
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		int r;

		if (sub_path(p, sizeof p, path, subs[i], NULL) < 0)
			return -1;
		r = make_dir(p);
		if (r < 0 || (r == 1 && io_fsync_dir(p) < 0))
			return -1;
		made_sub |= r;
	}
	if ((made_root || made_sub) && io_fsync_dir(path) < 0)
		return -1;
	if (made_root && (parent_path(path, p, sizeof p) < 0 || io_fsync_dir(p) < 0))
		return -1;
	return 0;
}
