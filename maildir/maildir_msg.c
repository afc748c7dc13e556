/*
 * Changing or opening one message while other processes change the same Maildir. The
 * name we hold may be stale: another session, Dovecot or mutt may have renamed the file
 * (new flags, or new/ -> cur/) since we listed it. The base, the name up to the info
 * separator, never changes, so ENOENT leads to a search by base and a retry; a base found
 * nowhere means the message was expunged. Retries are bounded so that two processes
 * fighting over one message cannot loop for ever.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir_msg.h"
#include "io.h"
#include "maildir_scan.h"
#include "maildir_name.h"
#include "str.h"

/* One try plus three after finding the file under a new name. */
#define MSG_TRIES 4
/* dir/new/name */
#define MSG_PATH_MAX (PATH_MAX + MAILDIR_NAME_MAX + 8)

int maildir_msg_path(const char *dir, int in_new, const char *name, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%s/%s", dir, in_new ? "new" : "cur", name);

	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* 1 found (name copied), 0 not there, -1 error. */
static int find_in(const char *dir, const char *sub, const char *base, size_t base_len,
		   char *name_r, size_t namesz)
{
	struct maildir_name p;
	struct dirent *e;
	DIR *d;
	int found = 0, saved;

	d = maildir_opendir(dir, sub);
	if (d == NULL)
		return -1;
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (e == NULL)
			break;
		if (e->d_name[0] == '.' || strncmp(e->d_name, base, base_len) != 0)
			continue;
		/* "base" must not match "base2:2,S": the whole base has to be equal */
		if (maildir_name_parse(e->d_name, &p) < 0 || p.base_len != base_len)
			continue;
		if (str_lcpy(name_r, e->d_name, namesz) >= namesz) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		found = 1;
		break;
	}
	if (!found && errno != 0)
		goto fail;
	closedir(d);
	return found;

fail:
	saved = errno;
	closedir(d);
	errno = saved;
	return -1;
}

/*
 * new/ is read before cur/: files only ever move new/ -> cur/, so a move during the
 * search cannot hide the file from both reads. A rename inside cur/ during its readdir
 * can (readdir is no snapshot), hence the second pass before declaring the file gone.
 */
int maildir_msg_find(const char *dir, const char *base, size_t base_len,
		     int *in_new_r, char *name_r, size_t namesz)
{
	for (int pass = 0; pass < 2; pass++) {
		for (int in_new = 1; in_new >= 0; in_new--) {
			int r = find_in(dir, in_new ? "new" : "cur", base, base_len, name_r,
					namesz);

			if (r < 0)
				return -1;
			if (r == 1) {
				*in_new_r = in_new;
				return 0;
			}
		}
	}
	errno = ENOENT;
	return -1;
}

/* Copy name into a buffer of MAILDIR_NAME_MAX + 1 and find its base length. */
static int msg_start(const char *name, char *cur, size_t cursz, size_t *base_len)
{
	struct maildir_name p;

	if (maildir_name_parse(name, &p) < 0)
		return -1;
	if (str_lcpy(cur, name, cursz) >= cursz) {
		errno = EINVAL;
		return -1;
	}
	*base_len = p.base_len;
	return 0;
}

/* The finder's search, or the default one. */
static int msg_refind(const struct maildir_finder *f, const char *dir, const char *base,
		      size_t base_len, int *in_new_r, char *name_r, size_t namesz)
{
	if (f != NULL && f->find != NULL)
		return f->find(f->ctx, dir, base, base_len, in_new_r, name_r, namesz);
	return maildir_msg_find(dir, base, base_len, in_new_r, name_r, namesz);
}

int maildir_msg_change_flags(const char *dir, int in_new, const char *name,
			     const struct maildir_flag_change *c, char *newname_r, size_t namesz,
			     uint32_t *flags_r, uint32_t *keywords_r)
{
	return maildir_msg_change_flags_with(NULL, dir, in_new, name, c, newname_r, namesz,
					     flags_r, keywords_r);
}

int maildir_msg_change_flags_with(const struct maildir_finder *f, const char *dir,
				  int in_new, const char *name,
				  const struct maildir_flag_change *c, char *newname_r,
				  size_t namesz, uint32_t *flags_r, uint32_t *keywords_r)
{
	char cur[MAILDIR_NAME_MAX + 1], base[MAILDIR_NAME_MAX + 1];
	char next[MAILDIR_NAME_MAX + 1];
	char from[MSG_PATH_MAX], to[MSG_PATH_MAX];
	size_t base_len;

	if (msg_start(name, cur, sizeof cur, &base_len) < 0)
		return -1;
	memcpy(base, cur, sizeof base);
	for (int i = 0; i < MSG_TRIES; i++) {
		struct maildir_name p;
		uint32_t flags, keywords;
		int n;

		/* The flags of the name as it is now, so a change someone else made since
		 * our last look survives ours. */
		if (maildir_name_parse(cur, &p) < 0)
			return -1;
		flags = (p.flags & ~c->del_flags) | c->add_flags;
		keywords = (p.keywords & ~c->del_keywords) | c->add_keywords;
		n = maildir_name_with_flags(cur, flags, keywords, next, sizeof next);
		if (n < 0)
			return -1;
		if (newname_r != NULL && (size_t)n >= namesz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (in_new || strcmp(next, cur) != 0) {
			if (maildir_msg_path(dir, in_new, cur, from, sizeof from) < 0 ||
			    maildir_msg_path(dir, 0, next, to, sizeof to) < 0)
				return -1;
			if (rename(from, to) < 0) {
				if (errno != ENOENT)
					return -1;
				if (msg_refind(f, dir, base, base_len, &in_new, cur,
					       sizeof cur) < 0)
					return -1;
				continue;
			}
		}
		if (newname_r != NULL)
			memcpy(newname_r, next, (size_t)n + 1);
		if (flags_r != NULL)
			*flags_r = flags;
		if (keywords_r != NULL)
			*keywords_r = keywords;
		return 0;
	}
	/* Renamed under us on every try: someone else is busy with this message. */
	errno = EAGAIN;
	return -1;
}

int maildir_msg_set_flags(const char *dir, int in_new, const char *name, uint32_t flags,
			  uint32_t keywords, char *newname_r, size_t namesz)
{
	struct maildir_flag_change c = { flags, keywords, ~flags, ~keywords };

	return maildir_msg_change_flags(dir, in_new, name, &c, newname_r, namesz, NULL, NULL);
}

int maildir_msg_expunge(const char *dir, int in_new, const char *name)
{
	return maildir_msg_expunge_with(NULL, dir, in_new, name);
}

int maildir_msg_expunge_with(const struct maildir_finder *f, const char *dir, int in_new,
			     const char *name)
{
	return maildir_msg_expunge_if(f, dir, in_new, name, 0);
}

int maildir_msg_expunge_if(const struct maildir_finder *f, const char *dir, int in_new,
			   const char *name, uint32_t need)
{
	char cur[MAILDIR_NAME_MAX + 1], base[MAILDIR_NAME_MAX + 1];
	char path[MSG_PATH_MAX];
	size_t base_len;

	if (msg_start(name, cur, sizeof cur, &base_len) < 0)
		return -1;
	memcpy(base, cur, sizeof base);
	for (int i = 0; i < MSG_TRIES; i++) {
		int lacks = 0;

		/* The flags are part of the name: unlinking this exact name removes the
		 * file only if it still carries them (rename is atomic). A name without
		 * them that is still there means the flag is off now. */
		if (need != 0) {
			struct maildir_name p;

			if (maildir_name_parse(cur, &p) < 0)
				return -1;
			lacks = (p.flags & need) != need;
		}
		if (maildir_msg_path(dir, in_new, cur, path, sizeof path) < 0)
			return -1;
		if (lacks) {
			struct stat st;

			if (lstat(path, &st) == 0)
				return 1;
			if (errno != ENOENT)
				return -1;
			if (msg_refind(f, dir, base, base_len, &in_new, cur, sizeof cur) < 0)
				return errno == ENOENT ? 0 : -1;
			continue;
		}
		if (unlink(path) == 0)
			return 0;
		if (errno != ENOENT)
			return -1;
		if (msg_refind(f, dir, base, base_len, &in_new, cur, sizeof cur) < 0)
			return errno == ENOENT ? 0 : -1;
	}
	errno = EAGAIN;
	return -1;
}

int maildir_msg_open(const char *dir, int *in_new, char *name)
{
	return maildir_msg_open_with(NULL, dir, in_new, name);
}

int maildir_msg_open_with(const struct maildir_finder *f, const char *dir, int *in_new,
			  char *name)
{
	char base[MAILDIR_NAME_MAX + 1], found[MAILDIR_NAME_MAX + 1];
	char path[MSG_PATH_MAX];
	size_t base_len;

	if (msg_start(name, base, sizeof base, &base_len) < 0)
		return -1;
	for (int i = 0; i < MSG_TRIES; i++) {
		int fd, found_new;

		if (maildir_msg_path(dir, *in_new, name, path, sizeof path) < 0)
			return -1;
		fd = io_open_regular(path);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT)
			return -1;
		if (msg_refind(f, dir, base, base_len, &found_new, found, sizeof found) < 0)
			return -1;
		/* found fits: it is at most MAILDIR_NAME_MAX, as name's buffer must hold */
		memcpy(name, found, strlen(found) + 1);
		*in_new = found_new;
	}
	errno = EAGAIN;
	return -1;
}
