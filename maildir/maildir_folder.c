/*
 * Maildir++ folders (Courier maildir(5), Dovecot's maildir++ layout): one flat list of
 * ".A.B" directories in the root, each a Maildir with a "maildirfolder" file. Names
 * are checked and converted here, then every directory operation goes through a
 * descriptor of the root (mkdirat, renameat, unlinkat) so a name can never reach
 * outside it. Concurrency: other processes may create, rename and delete folders at
 * the same time; each step here is one rename() or mkdir() that either happens or
 * not, and a folder is either fully visible or not listed at all.
 */
#include "maildir_folder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FOLDER_SEP '/'		/* hierarchy separator at this API */
#define FOLDER_DISK_SEP '.'	/* Maildir++ (Courier maildir(5) "Folders") */
#define FOLDER_ESC '\\'		/* Dovecot listescape: "\2e" and "\5c" */
#define FOLDER_MARKER "maildirfolder"	/* Courier maildir(5): tells an MDA it is a folder */
/* Directories whose names start with ".." are never folders: delete's work area. */
#define FOLDER_WORK_PREFIX "..deleted."
#define FOLDER_WORK_TRIES 100	/* work names tried before giving up on delete */
/* Worst case of modified UTF-7 per UTF-8 byte: "\x01" is "&AAE-" (5 bytes). */
#define FOLDER_MUTF7_MAX (5 * MAILDIR_FOLDER_NAME_MAX + 8)

static const char *const folder_subdirs[] = { "tmp", "new", "cur" };
#define FOLDER_NSUBDIRS (sizeof folder_subdirs / sizeof folder_subdirs[0])

/* Everything refused for EINVAL except invalid UTF-8, which the encoder finds. */
static int name_check(const char *name)
{
	size_t len = strnlen(name, MAILDIR_FOLDER_NAME_MAX + 1);
	size_t levels = 0;
	const char *p = name;

	if (len == 0 || len > MAILDIR_FOLDER_NAME_MAX)
		goto invalid;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f)
			goto invalid;
	}
	for (;;) {
		const char *end = strchr(p, FOLDER_SEP);
		size_t n = end ? (size_t)(end - p) : strlen(p);

		/* Empty, "." and ".." levels would collide with the separator or,
		 * in a path, climb out of the root. */
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			goto invalid;
		if (++levels > MAILDIR_FOLDER_DEPTH_MAX)
			goto invalid;
		if (end == NULL)
			return 0;
		p = end + 1;
	}
invalid:
	errno = EINVAL;
	return -1;
}

struct dirbuf {
	char s[MAILDIR_FOLDER_DIRNAME_MAX + 1];
	size_t len;
	int full;
};

static void dirbuf_put(struct dirbuf *d, const char *s, size_t n)
{
	if (d->full || n > MAILDIR_FOLDER_DIRNAME_MAX - d->len) {
		d->full = 1;
		return;
	}
	memcpy(d->s + d->len, s, n);
	d->len += n;
	d->s[d->len] = '\0';
}

static int copy_out(const char *s, size_t len, char *out, size_t outsz)
{
	if (len >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(out, s, len + 1);
	return (int)len;
}

int maildir_folder_encode(const char *name, char *out, size_t outsz)
{
	char lvl[FOLDER_MUTF7_MAX];
	struct dirbuf d = { .len = 0, .full = 0 };
	const char *p = name;

	if (name_check(name) < 0)
		return -1;
	for (;;) {
		const char *end = strchr(p, FOLDER_SEP);
		size_t n = end ? (size_t)(end - p) : strlen(p);
		int m = maildir_mutf7_encode(p, n, lvl, sizeof lvl);

		if (m < 0)
			return -1;	/* EINVAL: invalid UTF-8 */
		dirbuf_put(&d, ".", 1);
		/* The escape comes after mUTF-7, on its ASCII: neither '.' nor '\' is
		 * in the modified base64 alphabet, so only direct characters change. */
		for (int i = 0; i < m; i++) {
			if (lvl[i] == FOLDER_DISK_SEP)
				dirbuf_put(&d, "\\2e", 3);
			else if (lvl[i] == FOLDER_ESC)
				dirbuf_put(&d, "\\5c", 3);
			else
				dirbuf_put(&d, &lvl[i], 1);
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	/* Checked last, so a name that is refused anyway reports EINVAL. */
	if (d.full) {
		if (outsz > 0)
			out[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	return copy_out(d.s, d.len, out, outsz);
}

int maildir_folder_decode(const char *dirname, char *out, size_t outsz)
{
	char lvl[MAILDIR_FOLDER_DIRNAME_MAX + 1];
	char dec[2 * MAILDIR_FOLDER_DIRNAME_MAX + 8];
	char name[MAILDIR_FOLDER_NAME_MAX + 1];
	size_t len = strnlen(dirname, MAILDIR_FOLDER_DIRNAME_MAX + 1);
	size_t nlen = 0, i = 1;

	/* "..x" is a work directory, "." the root itself. */
	if (len > MAILDIR_FOLDER_DIRNAME_MAX || len < 2 || dirname[0] != FOLDER_DISK_SEP ||
	    dirname[1] == FOLDER_DISK_SEP)
		goto invalid;
	while (i <= len) {
		size_t n = 0;

		for (; i < len && dirname[i] != FOLDER_DISK_SEP; i++) {
			char c = dirname[i];

			if (c == FOLDER_SEP)
				goto invalid;
			if (c == FOLDER_ESC) {
				/* Only the two forms the encoder writes, lower case. */
				if (strncmp(dirname + i, "\\2e", 3) == 0)
					c = FOLDER_DISK_SEP;
				else if (strncmp(dirname + i, "\\5c", 3) == 0)
					c = FOLDER_ESC;
				else
					goto invalid;
				i += 2;
			}
			lvl[n++] = c;
		}
		if (n == 0)
			goto invalid;
		int m = maildir_mutf7_decode(lvl, n, dec, sizeof dec);
		if (m < 0)
			goto invalid;
		if (nlen > 0)
			name[nlen++] = FOLDER_SEP;
		if ((size_t)m > MAILDIR_FOLDER_NAME_MAX - nlen)
			goto invalid;
		memcpy(name + nlen, dec, (size_t)m);
		nlen += (size_t)m;
		name[nlen] = '\0';
		i++;	/* past the '.' or the end */
	}
	/* The decoded name must be one encode accepts, or it would have no way back:
	 * "\2e" alone is ".", and a shift may hold control characters. */
	if (name_check(name) < 0)
		goto invalid;
	return copy_out(name, nlen, out, outsz);
invalid:
	if (outsz > 0)
		out[0] = '\0';
	errno = EINVAL;
	return -1;
}

int maildir_folder_path(const char *root, const char *name, char *out, size_t outsz)
{
	char d[MAILDIR_FOLDER_DIRNAME_MAX + 1];
	int n;

	if (name[0] == '\0') {
		n = snprintf(out, outsz, "%s", root);
	} else {
		if (maildir_folder_encode(name, d, sizeof d) < 0)
			return -1;
		n = snprintf(out, outsz, "%s/%s", root, d);
	}
	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return n;
}

static int root_open(const char *root)
{
	return open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void close_keep_errno(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
}

/* Directory fsync is how rename/mkdir become durable; some file systems refuse it. */
static int fsync_dir(int fd)
{
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		return -1;
	return 0;
}

/* 1 for a directory (symlinks are not followed), 0 for anything else or gone. */
static int entry_is_dir(int dfd, const struct dirent *de)
{
	struct stat st;

#ifdef DT_DIR
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
#endif
	if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return S_ISDIR(st.st_mode);
}

static int is_dot_or_dotdot(const char *s)
{
	return s[0] == '.' && (s[1] == '\0' || (s[1] == '.' && s[2] == '\0'));
}

/* The folder's directory and its cur/ new/ tmp/ and maildirfolder, made under a
 * fresh directory so a failure can remove exactly what was made. */
static int make_folder_dir(int rfd, const char *d)
{
	size_t made = 0;
	int dfd, fd, marker = 0, e;

	if (mkdirat(rfd, d, 0700) < 0)
		return -1;
	dfd = openat(rfd, d, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		goto fail;
	for (; made < FOLDER_NSUBDIRS; made++)
		if (mkdirat(dfd, folder_subdirs[made], 0700) < 0)
			goto fail;
	fd = openat(dfd, FOLDER_MARKER, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0)
		goto fail;
	marker = 1;
	/* Durable before anyone delivers into it: new/'s fsync covers only new/. */
	if (close(fd) < 0 || fsync_dir(dfd) < 0 || fsync_dir(rfd) < 0)
		goto fail;
	close(dfd);
	return 0;
fail:
	e = errno;
	if (dfd >= 0) {
		if (marker)
			unlinkat(dfd, FOLDER_MARKER, 0);
		while (made > 0)
			unlinkat(dfd, folder_subdirs[--made], AT_REMOVEDIR);
		close(dfd);
	}
	unlinkat(rfd, d, AT_REMOVEDIR);
	errno = e;
	return -1;
}

int maildir_folder_create(const char *root, const char *name)
{
	char d[MAILDIR_FOLDER_DIRNAME_MAX + 1];
	int rfd, r;

	if (name[0] == '\0') {
		errno = EEXIST;	/* INBOX is the root: it always exists */
		return -1;
	}
	if (maildir_folder_encode(name, d, sizeof d) < 0)
		return -1;
	rfd = root_open(root);
	if (rfd < 0)
		return -1;
	r = make_folder_dir(rfd, d);
	close_keep_errno(rfd);
	return r;
}

/*
 * Empty the directory NAME under PFD and remove it. Non-directories are unlinked
 * (unlink never follows a symlink); subdirectories are emptied one level down: cur/
 * new/ tmp/, and the like of Courier's courierimapkeywords/. Anything deeper stays
 * and makes the final rmdir fail, so nothing unexpected is ever removed recursively.
 */
static int remove_tree(int pfd, const char *name, int depth)
{
	int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int err = 0;
	struct dirent *de;
	DIR *dir;

	if (fd < 0)
		return -1;
	dir = fdopendir(fd);
	if (dir == NULL) {
		close_keep_errno(fd);
		return -1;
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (de == NULL) {
			if (errno != 0 && err == 0)
				err = errno;
			break;
		}
		if (is_dot_or_dotdot(de->d_name))
			continue;
		if (entry_is_dir(fd, de)) {
			if (depth < 1 && remove_tree(fd, de->d_name, depth + 1) == 0)
				continue;
			if (err == 0)
				err = depth < 1 ? errno : ENOTEMPTY;
		} else if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT && err == 0) {
			err = errno;
		}
	}
	closedir(dir);
	if (unlinkat(pfd, name, AT_REMOVEDIR) < 0 && err == 0)
		err = errno;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

int maildir_folder_delete(const char *root, const char *name)
{
	static unsigned counter;
	char d[MAILDIR_FOLDER_DIRNAME_MAX + 1], work[64];
	struct stat st;
	int rfd, tries;

	if (name[0] == '\0') {
		errno = EINVAL;	/* INBOX is the root; it cannot go */
		return -1;
	}
	if (maildir_folder_encode(name, d, sizeof d) < 0)
		return -1;
	rfd = root_open(root);
	if (rfd < 0)
		return -1;
	if (fstatat(rfd, d, &st, AT_SYMLINK_NOFOLLOW) < 0)
		goto fail;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;	/* a symlinked folder is not ours to empty */
		goto fail;
	}
	for (tries = 0;; tries++) {
		int n = snprintf(work, sizeof work, FOLDER_WORK_PREFIX "%ld.%lld.%u",
				 (long)getpid(), (long long)time(NULL), counter++);

		if (n < 0 || (size_t)n >= sizeof work) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		if (renameat(rfd, d, rfd, work) == 0)
			break;
		/* A leftover work directory of the same name: try the next one. */
		if ((errno != EEXIST && errno != ENOTEMPTY && errno != ENOTDIR) ||
		    tries + 1 >= FOLDER_WORK_TRIES)
			goto fail;
	}
	/* From here the folder is gone for every reader. If emptying the work
	 * directory fails (something unexpected inside it), the leftover "..deleted.*"
	 * stays out of every listing; the delete itself has happened, so report it. */
	(void)fsync_dir(rfd);
	(void)remove_tree(rfd, work, 0);
	close(rfd);
	return 0;
fail:
	close_keep_errno(rfd);
	return -1;
}

/* Suffixes (".x", ".x.y") of the children of the folder directory FROM. */
struct children {
	char **v;
	size_t n, cap;
};

static void children_free(struct children *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
}

static int children_add(struct children *c, const char *suffix)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		char **v;

		if (cap > SIZE_MAX / sizeof *v) {
			errno = ENOMEM;
			return -1;
		}
		v = realloc(c->v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n] = strdup(suffix);
	if (c->v[c->n] == NULL)
		return -1;
	c->n++;
	return 0;
}

/* Since '.' inside a level is always escaped, ".A." starts exactly A's children. */
static int children_find(int rfd, const char *from, struct children *c)
{
	char tmp[MAILDIR_FOLDER_NAME_MAX + 1];
	size_t flen = strlen(from);
	struct dirent *de;
	DIR *dir;
	int fd = dup(rfd), err = 0;

	if (fd < 0)
		return -1;
	dir = fdopendir(fd);
	if (dir == NULL) {
		close_keep_errno(fd);
		return -1;
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (de == NULL) {
			err = errno;
			break;
		}
		if (strncmp(de->d_name, from, flen) != 0 || de->d_name[flen] != FOLDER_DISK_SEP ||
		    !entry_is_dir(rfd, de) || maildir_folder_decode(de->d_name, tmp, sizeof tmp) < 0)
			continue;
		if (children_add(c, de->d_name + flen) < 0) {
			err = errno;
			break;
		}
	}
	closedir(dir);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/* 0 when nothing is at NAME in the root, else -1 with EEXIST (or the stat error). */
static int check_free(int rfd, const char *name)
{
	struct stat st;

	if (fstatat(rfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return errno == ENOENT ? 0 : -1;
}

static int join(char *out, size_t outsz, const char *a, const char *b)
{
	int n = snprintf(out, outsz, "%s%s", a, b);

	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int rename_dir(int rfd, const char *from, const char *to)
{
	if (renameat(rfd, from, rfd, to) == 0)
		return 0;
	/* rename() replaces an empty directory; a non-empty one means it exists. */
	if (errno == ENOTEMPTY)
		errno = EEXIST;
	return -1;
}

int maildir_folder_rename(const char *root, const char *from, const char *to)
{
	char ef[MAILDIR_FOLDER_DIRNAME_MAX + 1], et[MAILDIR_FOLDER_DIRNAME_MAX + 1];
	char src[MAILDIR_FOLDER_DIRNAME_MAX + 1], dst[MAILDIR_FOLDER_DIRNAME_MAX + 1];
	char tmp[MAILDIR_FOLDER_NAME_MAX + 1];
	struct children c = { NULL, 0, 0 };
	size_t flen = strlen(from);
	struct stat st;
	int rfd, err = 0;

	if (from[0] == '\0' || to[0] == '\0' ||
	    (strncmp(to, from, flen) == 0 && to[flen] == FOLDER_SEP)) {
		errno = EINVAL;	/* INBOX, or into its own child */
		return -1;
	}
	if (maildir_folder_encode(from, ef, sizeof ef) < 0 ||
	    maildir_folder_encode(to, et, sizeof et) < 0)
		return -1;
	rfd = root_open(root);
	if (rfd < 0)
		return -1;
	if (fstatat(rfd, ef, &st, AT_SYMLINK_NOFOLLOW) < 0)
		goto fail;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto fail;
	}
	if (children_find(rfd, ef, &c) < 0 || check_free(rfd, et) < 0)
		goto fail;
	/* Every target is checked before the first rename, so a refusal changes
	 * nothing. A child's new name must also be a valid folder (depth, length). */
	for (size_t i = 0; i < c.n; i++) {
		if (join(dst, sizeof dst, et, c.v[i]) < 0)
			goto fail;
		if (maildir_folder_decode(dst, tmp, sizeof tmp) < 0 || check_free(rfd, dst) < 0)
			goto fail;
	}
	if (rename_dir(rfd, ef, et) < 0)
		goto fail;
	/*
	 * Trap: not atomic. Each child is its own directory and its own rename(); a
	 * crash or a failure between two renames leaves some children under the old
	 * name and some under the new. Both halves are complete, valid folders and no
	 * message is lost; renaming the old name again finishes the job. The other
	 * children are still tried after a failure, and the first error is reported.
	 */
	for (size_t i = 0; i < c.n; i++) {
		if (join(src, sizeof src, ef, c.v[i]) < 0 || join(dst, sizeof dst, et, c.v[i]) < 0 ||
		    rename_dir(rfd, src, dst) < 0) {
			if (err == 0)
				err = errno;
		}
	}
	if (fsync_dir(rfd) < 0 && err == 0)
		err = errno;
	children_free(&c);
	close(rfd);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
fail:
	err = errno;
	children_free(&c);
	close(rfd);
	errno = err;
	return -1;
}

int maildir_folder_list(const char *root, int (*cb)(const char *name, void *arg), void *arg)
{
	char name[MAILDIR_FOLDER_NAME_MAX + 1];
	struct dirent *de;
	DIR *dir = opendir(root);
	int count = 0, err = 0;

	if (dir == NULL)
		return -1;
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (de == NULL) {
			err = errno;
			break;
		}
		/* Work directories ("..x") and "." / ".." fail to decode as well,
		 * but are skipped before the stat. */
		if (de->d_name[0] != FOLDER_DISK_SEP || de->d_name[1] == FOLDER_DISK_SEP ||
		    de->d_name[1] == '\0')
			continue;
		if (!entry_is_dir(dirfd(dir), de) ||
		    maildir_folder_decode(de->d_name, name, sizeof name) < 0)
			continue;
		errno = 0;
		if (cb(name, arg) != 0) {
			err = errno != 0 ? errno : ECANCELED;
			break;
		}
		if (count < INT_MAX)
			count++;
	}
	closedir(dir);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return count;
}
