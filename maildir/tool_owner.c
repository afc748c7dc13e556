/*
 * Who the tool runs as. Run by root on a user's Maildir, every file it makes (a
 * message, a rewritten dovecot-uidlist, a keywords file) would be root's, mode 0600,
 * and the user's own servers could no longer open the mailbox. So before it touches
 * anything, the tool run as root becomes the owner of the Maildir; root stays root
 * only in a Maildir that root owns, and `deliver` even then only when asked.
 *
 * The Maildir is the directory MAILDIR resolves to (realpath, once; every later step
 * works on that resolved path). Directories above MAILDIR are trusted as the
 * administrator's layout, as for any path root is given; a symlink at MAILDIR itself
 * is followed only when it belongs to root or to the owner of its target, so a user
 * cannot point "their" Maildir at root's or another user's and have root work there.
 * A MAILDIR that does not exist yet (create, deliver) belongs to the owner of the
 * directory it is made in, resolved by the same rule.
 *
 * Once switched, the process can reach nothing its owner could not, which is what
 * makes the later lstat()-then-open() checks of tmp/ and new/ sound: only the owner
 * could swap them in between, and only for places the owner may write anyway.
 */
#define _DEFAULT_SOURCE	/* setgroups(2): not POSIX, but root's groups must go */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "tool.h"

/* realpath() of path into out (PATH_MAX bytes), which must be a directory, and its
 * owner into st. A symlink at path itself must belong to root or to that owner:
 * EPERM otherwise (logged). -1 with errno. */
static int resolve_dir(const char *path, char *out, struct stat *st)
{
	char bare[PATH_MAX];
	struct stat lst;
	size_t n = str_lcpy(bare, path, sizeof bare);

	if (n >= sizeof bare) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* lstat("link/") follows the link; the symlink test needs the bare name. */
	while (n > 1 && bare[n - 1] == '/')
		bare[--n] = '\0';
	if (realpath(bare, out) == NULL || lstat(out, st) < 0)
		return -1;
	if (!S_ISDIR(st->st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (lstat(bare, &lst) < 0)
		return -1;
	if (S_ISLNK(lst.st_mode) && lst.st_uid != 0 && lst.st_uid != st->st_uid) {
		log_warn("%s: refused: a symlink of uid %lu to %s of uid %lu", path,
			 (unsigned long)lst.st_uid, out, (unsigned long)st->st_uid);
		errno = EPERM;
		return -1;
	}
	return 0;
}

/* For a path that does not exist yet: its parent resolved by resolve_dir, plus the
 * last component, which must be a name (not "", "." or ".."). */
static int resolve_new(const char *path, char *out, size_t outsz, struct stat *st)
{
	char parent[PATH_MAX], dir[PATH_MAX];
	const char *base;
	char *slash;
	size_t n = str_lcpy(parent, path, sizeof parent);
	int w;

	if (n >= sizeof parent) {
		errno = ENAMETOOLONG;
		return -1;
	}
	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = '\0';
	slash = strrchr(parent, '/');
	if (slash == NULL) {
		base = parent;
		if (resolve_dir(".", dir, st) < 0)
			return -1;
	} else {
		*slash = '\0';
		base = slash + 1;
		if (resolve_dir(slash == parent ? "/" : parent, dir, st) < 0)
			return -1;
	}
	if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		errno = EINVAL;
		return -1;
	}
	w = snprintf(out, outsz, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, base);
	if (w < 0 || (size_t)w >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Drop root for good: the Maildir's gid as the only group, then its uid. Checked
 * afterwards, including that root cannot be had back. */
static int become(uid_t uid, gid_t gid)
{
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
		return -1;
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid ||
	    setuid(0) == 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int tool_owner_become(const char *path, int how, char *out, size_t outsz)
{
	struct stat st;
	int fail = (how & TOOL_OWNER_DELIVER) ? EX_TEMPFAIL
		 : (how & TOOL_OWNER_CREATE) ? EX_CANTCREAT : EX_NOINPUT;

	/* Set-user-ID root would let anyone act as the owner of any Maildir. */
	if (getuid() != geteuid()) {
		log_warn("refusing to run set-user-ID");
		return EX_NOPERM;
	}
	if (geteuid() != 0) {
		if (str_lcpy(out, path, outsz) >= outsz) {
			log_warn("%s: %s", path, strerror(ENAMETOOLONG));
			return EX_USAGE;
		}
		return EX_OK;
	}
	if (outsz < PATH_MAX) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	if (resolve_dir(path, out, &st) < 0) {
		if (errno != ENOENT || !(how & (TOOL_OWNER_CREATE | TOOL_OWNER_DELIVER)) ||
		    resolve_new(path, out, outsz, &st) < 0)
			goto fail;
	}
	if (st.st_uid == 0) {
		if ((how & TOOL_OWNER_DELIVER) && !(how & TOOL_OWNER_AS_ROOT)) {
			log_warn("%s: owned by root: refusing to deliver as root "
				 "(--as-root allows it)", path);
			return EX_NOPERM;
		}
		return EX_OK;
	}
	if (become(st.st_uid, st.st_gid) < 0) {
		log_warn("cannot become uid %lu gid %lu, the owner of %s: %s",
			 (unsigned long)st.st_uid, (unsigned long)st.st_gid, out, strerror(errno));
		return EX_TEMPFAIL;
	}
	return EX_OK;
fail:
	if (errno == EPERM)
		return EX_NOPERM;	/* resolve_dir said why */
	log_warn("%s: %s", path, strerror(errno));
	return fail;
}
