/*
 * Accounts and Maildirs for smtpd (see mbox.h): lookups in the users file or the
 * system's accounts, the Maildir++ quota, and the two phases of a delivery.
 */
#define _DEFAULT_SOURCE	/* setgroups(2): not POSIX, but root's groups must go */
#include "mbox.h"

#include "limits.h"
#include "log.h"
#include "maildir_folder.h"
#include "maildir_quota.h"
#include "pwfile.h"
#include "str.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The spool is copied into tmp/ this much at a time. */
#define MBOX_COPY_CHUNK (64 * 1024)

static int privileged(void)
{
	return geteuid() == 0;
}

/* Back to root. A helper that cannot is not to go on as anybody: it exits. */
static void owner_leave(void)
{
	if (getuid() != 0)
		return;
	if (seteuid(0) < 0 || setegid(0) < 0 || setgroups(0, NULL) < 0) {
		log_fatal("cannot return to root: %s", strerror(errno));
		_exit(111);
	}
}

/* As root: become m's owner for an access to its Maildir (effective ids only, so that
 * owner_leave can come back). 0, or -1 (logged). Not root: nothing to do. */
static int owner_enter(const struct mbox *m)
{
	if (!privileged())
		return 0;
	if (setgroups(1, &m->gid) < 0 || setegid(m->gid) < 0 || seteuid(m->uid) < 0) {
		log_warn("cannot become uid %ld gid %ld: %s", (long)m->uid, (long)m->gid,
			 strerror(errno));
		owner_leave();
		return -1;
	}
	return 0;
}

static void quota_log_error(const char *root)
{
	if (errno == EINVAL)
		log_warn("%s/maildirsize is not a regular file (FIFO, device, symlink or "
			 "directory?): refusing with a temporary failure", root);
	else
		log_warn("%s/maildirsize: %s", root, strerror(errno));
}

/* The account: 1 found (uid, gid, root set), 0 unknown, -1 with errno. */
static int user_lookup(const char *users, const char *name, struct mbox *m)
{
	const char *home;
	struct passwd *pw;
	struct pwent e;
	int rc, n;

	memset(m, 0, sizeof *m);
	if (users != NULL) {
		/* The name rule is pwfile's, the one checkpassword-file logs in with. */
		rc = pwfile_lookup(users, name, &e, NULL, NULL);
		if (rc != 1) {
			pwent_free(&e);
			return rc;
		}
		m->uid = e.uid;
		m->gid = e.gid;
		n = snprintf(m->root, sizeof m->root, "%s/Maildir", e.home);
		pwent_free(&e);
	} else {
		errno = 0;
		pw = getpwnam(name);
		if (pw == NULL)
			return errno == 0 || errno == ENOENT || errno == ESRCH ? 0 : -1;
		home = pw->pw_dir;
		if (home == NULL || home[0] != '/')
			return 0;
		m->uid = pw->pw_uid;
		m->gid = pw->pw_gid;
		n = snprintf(m->root, sizeof m->root, "%s/Maildir", home);
	}
	if (n < 0 || (size_t)n >= sizeof m->root) {
		log_warn("home of %.64s is too long", name);
		return 0;
	}
	if (m->uid == 0 && privileged()) {
		/* Never a file written as root into a mailbox: alias root instead. */
		log_warn("user %.64s has uid 0: not delivering as root", name);
		return 0;
	}
	str_lcpy(m->dir, m->root, sizeof m->dir);
	return 1;
}

/* Names as RCPT gives them: a local part, lower case, nothing a path could use. */
static int name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= SMTP_LOCAL_MAX && strchr(name, '/') == NULL;
}

/* m->dir for tag when that folder exists (checked as the owner), else the root. */
static void choose_folder(struct mbox *m, const char *tag)
{
	char dir[PATH_MAX];

	m->folder = 0;
	str_lcpy(m->dir, m->root, sizeof m->dir);
	if (tag == NULL || tag[0] == '\0')
		return;
	if (maildir_folder_path(m->root, tag, dir, sizeof dir) >= 0 &&
	    maildir_is_maildir(dir) == 1) {
		str_lcpy(m->dir, dir, sizeof m->dir);
		m->folder = 1;
	}
}

static int lookup(const char *users, const char *name, struct mbox *m)
{
	int rc;

	if (!name_ok(name))
		return MBOX_UNKNOWN;
	rc = user_lookup(users, name, m);
	if (rc < 0) {
		log_warn("users %s: %s", users != NULL ? users : "(system)", strerror(errno));
		return MBOX_TEMP;
	}
	return rc == 1 ? MBOX_OK : MBOX_UNKNOWN;
}

int mbox_check(const char *users, const char *name, const char *tag, struct mbox *m)
{
	int rc = lookup(users, name, m), over;

	if (rc != MBOX_OK)
		return rc;
	if (owner_enter(m) < 0)
		return MBOX_TEMP;
	choose_folder(m, tag);
	/* Is there room for one more message at all? Read only here (no recount), the
	 * delivery checks again with the real size. */
	if (maildir_quota_check(m->root, 1, 1, MAILDIR_QUOTA_NORECALC, &over) < 0) {
		quota_log_error(m->root);
		rc = MBOX_TEMP;
	} else if (over) {
		rc = MBOX_QUOTA;
	}
	owner_leave();
	return rc;
}

int mbox_first_user(const char *users, char *name, size_t size)
{
	struct pwent e;
	int rc = -1;

	if (users == NULL)
		return -1;
	if (pwfile_lookup(users, NULL, &e, NULL, NULL) == 1 &&
	    str_lcpy(name, e.user, size) < size)
		rc = 0;
	pwent_free(&e);
	return rc;
}

/* Append the spool's first size octets to t. 0, or -1 with errno. */
static int copy_spool(struct maildir_tmp *t, int spool, uint64_t size)
{
	char *chunk = malloc(MBOX_COPY_CHUNK);
	uint64_t off = 0;

	if (chunk == NULL)
		return -1;
	while (off < size) {
		size_t want = size - off < MBOX_COPY_CHUNK ? (size_t)(size - off)
							   : MBOX_COPY_CHUNK;
		ssize_t n = pread(spool, chunk, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || maildir_tmp_write(t, chunk, (size_t)n) < 0) {
			if (n == 0)
				errno = EIO;	/* the spool shrank under us */
			free(chunk);
			return -1;
		}
		off += (uint64_t)n;
	}
	free(chunk);
	return 0;
}

/* The preparation proper, as the owner. */
static int prepare_as_owner(const char *hdr, size_t hlen, int spool, uint64_t len,
			    struct mbox_copy *c)
{
	struct mbox *m = &c->m;
	struct stat st;
	int over;

	if (fstat(spool, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size < len) {
		log_warn("delivery: the message is not a regular file of %llu octets",
			 (unsigned long long)len);
		return MBOX_TEMP;
	}
	if (maildir_quota_check(m->root, (uint64_t)hlen + len, 1, 0, &over) < 0) {
		quota_log_error(m->root);
		return MBOX_TEMP;
	}
	if (over)
		return MBOX_QUOTA;
	/* A user's first message makes the Maildir (not a folder: those are the user's). */
	if (maildir_tmp_open(&c->t, m->dir) < 0 && errno == ENOENT && !m->folder &&
	    maildir_make(m->root) == 0)
		maildir_tmp_open(&c->t, m->dir);
	if (c->t.fd < 0) {
		log_warn("cannot deliver to %s: %s", m->dir, strerror(errno));
		return MBOX_TEMP;
	}
	if (maildir_tmp_write(&c->t, hdr, hlen) < 0 || copy_spool(&c->t, spool, len) < 0 ||
	    maildir_tmp_seal(&c->t) < 0) {
		log_warn("cannot write to %s: %s", m->dir, strerror(errno));
		maildir_tmp_abort(&c->t);
		return MBOX_TEMP;
	}
	return MBOX_OK;
}

int mbox_prepare(const char *users, const char *name, const char *folder, const char *hdr,
		 size_t hlen, int spool, uint64_t len, struct mbox_copy *c)
{
	memset(&c->t, 0, sizeof c->t);
	c->t.fd = -1;
	c->st = lookup(users, name, &c->m);
	if (c->st != MBOX_OK)
		return c->st;
	if (owner_enter(&c->m) < 0)
		return c->st = MBOX_TEMP;
	choose_folder(&c->m, folder);
	c->st = prepare_as_owner(hdr, hlen, spool, len, c);
	owner_leave();
	return c->st;
}

int mbox_finish(struct mbox_copy *c, int commit)
{
	char name[MAILDIR_NAME_MAX + 1];
	int rc = MBOX_OK;

	if (c->st != MBOX_OK)
		return c->st;
	if (owner_enter(&c->m) < 0) {
		/* The tmp/ file stays for maildir's cleaning of tmp/ (36 hours). */
		return MBOX_TEMP;
	}
	if (!commit) {
		maildir_tmp_abort(&c->t);
	} else if (maildir_tmp_commit(&c->t, "new", 0, 0, name, sizeof name) < 0) {
		log_warn("cannot commit to %s: %s", c->m.dir, strerror(errno));
		maildir_tmp_abort(&c->t);
		rc = MBOX_TEMP;
	} else if (maildir_quota_add(c->m.root, (int64_t)c->t.size, 1) < 0) {
		/* The message is delivered: a usage line that cannot be written is only
		 * logged, and the next recount makes up for it. */
		log_warn("%s/maildirsize: cannot record the delivery: %s", c->m.root,
			 strerror(errno));
	}
	owner_leave();
	return rc;
}
