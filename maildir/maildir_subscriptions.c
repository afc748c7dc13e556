/*
 * Subscriptions in Dovecot's file, so that a user moving between Dovecot and imapd
 * keeps the folder list the client shows. The file is written the way Dovecot writes
 * it (its lib-storage/list/subscription-file.c): under the dotlock <file>.lock, every
 * line but the changed one copied as it was, the whole file replaced by rename().
 * Copying lines verbatim matters: a line we cannot read (a listescape form, a name of
 * another layout) is still someone's subscription.
 * Trap: each level on disk is the folder's directory level, not the IMAP name: modified
 * UTF-7 ("Entw&APw-rfe"), and TAB, not '/', between levels. A '.' cannot appear in a
 * version 2 line (Maildir++ would read it as a level break), so a line holding one is
 * refused on reading, as is anything else that would not encode back to itself.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "io.h"
#include "maildir_folder.h"
#include "maildir_lock.h"
#include "maildir_subscriptions.h"

#define SUBS_HEADER "V\t2\n\n"		/* Dovecot's version2_header */
#define SUBS_HEADER_LEN (sizeof SUBS_HEADER - 1)
#define SUBS_LEVEL_SEP '\t'		/* version 2: between levels */
#define SUBS_V1_SEP '.'			/* version 1 and Courier: the Maildir++ separator */
#define COURIER_INBOX "INBOX"
#define COURIER_PREFIX "INBOX."
#define INBOX "INBOX"

enum line_form { FORM_V2, FORM_V1, FORM_COURIER };

static int is_inbox(const char *s, size_t n)
{
	return n == sizeof INBOX - 1 && strncasecmp(s, INBOX, n) == 0;
}

/* The line for name in the given form (FORM_V2 or FORM_V1). Length, or -1 EINVAL. */
static int disk_line(const char *name, enum line_form form, char *out, size_t outsz)
{
	char dir[MAILDIR_FOLDER_DIRNAME_MAX + 1];
	int n;

	if (is_inbox(name, strlen(name))) {
		if (outsz < sizeof INBOX)
			goto toolong;
		memcpy(out, INBOX, sizeof INBOX);
		return (int)sizeof INBOX - 1;
	}
	n = maildir_folder_encode(name, dir, sizeof dir);
	if (n < 0)
		return -1;
	if ((size_t)n > outsz)	/* n - 1 bytes and the NUL */
		goto toolong;
	/* dir is ".A.B"; every '.' is a level break, a '.' in a level being "\2e". */
	for (int i = 1; i <= n; i++)
		out[i - 1] = dir[i] == SUBS_V1_SEP && form == FORM_V2 ? SUBS_LEVEL_SEP : dir[i];
	return n - 1;
toolong:
	errno = ENAMETOOLONG;
	return -1;
}

/* The API name of one line, into out; -1 when the line is none we can read. */
static int line_name(const char *s, size_t n, enum line_form form, char *out, size_t outsz)
{
	char dir[MAILDIR_FOLDER_DIRNAME_MAX + 1];

	if (form == FORM_COURIER) {
		if (n == sizeof COURIER_INBOX - 1 && memcmp(s, COURIER_INBOX, n) == 0)
			return snprintf(out, outsz, "%s", INBOX);
		if (n <= sizeof COURIER_PREFIX - 1 ||
		    memcmp(s, COURIER_PREFIX, sizeof COURIER_PREFIX - 1) != 0)
			return -1;	/* shared folders and the like: not ours */
		s += sizeof COURIER_PREFIX - 1;
		n -= sizeof COURIER_PREFIX - 1;
	}
	if (n == 0 || n >= sizeof dir - 1 || memchr(s, '\0', n) != NULL)
		return -1;
	if (is_inbox(s, n))
		return snprintf(out, outsz, "%s", INBOX);
	dir[0] = SUBS_V1_SEP;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (form == FORM_V2) {
			if (c == SUBS_V1_SEP)
				return -1;
			if (c == SUBS_LEVEL_SEP)
				c = SUBS_V1_SEP;
		}
		dir[i + 1] = c;
	}
	dir[n + 1] = '\0';
	if (maildir_folder_decode(dir, out, outsz) < 0)
		return -1;
	if (is_inbox(out, strlen(out)))	/* "inbox" in a hand-written file */
		memcpy(out, INBOX, sizeof INBOX);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void maildir_subscriptions_free(struct maildir_subscriptions *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->name[i]);
	free(s->name);
	s->name = NULL;
	s->n = 0;
}

int maildir_subscriptions_parse(const char *text, size_t len,
				enum maildir_subscriptions_format format,
				struct maildir_subscriptions *s)
{
	struct maildir_subscriptions r = { NULL, 0 };
	const char *p = text, *end = text + len;
	size_t cap = 0;
	enum line_form form = FORM_COURIER;

	if (format == MAILDIR_SUBSCRIPTIONS_DOVECOT) {
		form = FORM_V1;
		if (len >= SUBS_HEADER_LEN && memcmp(text, SUBS_HEADER, SUBS_HEADER_LEN) == 0) {
			form = FORM_V2;
			p += SUBS_HEADER_LEN;
		}
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl != NULL ? nl : end) - p);
		char name[MAILDIR_FOLDER_NAME_MAX + 1];

		if (line_name(p, n, form, name, sizeof name) >= 0) {
			if (r.n == cap) {
				size_t ncap = cap != 0 ? 2 * cap : 16;
				char **v = realloc(r.name, ncap * sizeof *v);
				if (v == NULL)
					goto nomem;
				r.name = v;
				cap = ncap;
			}
			if ((r.name[r.n] = strdup(name)) == NULL)
				goto nomem;
			r.n++;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (r.n > 0) {
		size_t k = 1;

		qsort(r.name, r.n, sizeof *r.name, cmp_name);
		for (size_t i = 1; i < r.n; i++) {
			if (strcmp(r.name[i], r.name[k - 1]) == 0)
				free(r.name[i]);
			else
				r.name[k++] = r.name[i];
		}
		r.n = k;
	}
	*s = r;
	return 0;
nomem:
	maildir_subscriptions_free(&r);
	errno = ENOMEM;
	return -1;
}

int maildir_subscriptions_has(const struct maildir_subscriptions *s, const char *name)
{
	if (is_inbox(name, strlen(name)))
		name = INBOX;
	return s->n > 0 &&
	       bsearch(&name, s->name, s->n, sizeof *s->name, cmp_name) != NULL;
}

/* Read one file of root into a fresh list; a missing file is an empty list. */
static int read_file(const char *root, const char *file,
		     enum maildir_subscriptions_format format, struct maildir_subscriptions *s)
{
	char path[PATH_MAX];
	struct buf b;
	int n, r;

	n = snprintf(path, sizeof path, "%s/%s", root, file);
	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf_init(&b, MAILDIR_SUBSCRIPTIONS_FILE_MAX);
	if (io_read_file(path, &b) < 0) {
		buf_free(&b);
		return -1;
	}
	r = maildir_subscriptions_parse(buf_str(&b), b.len, format, s);
	buf_free(&b);
	return r;
}

int maildir_subscriptions_read(const char *root, struct maildir_subscriptions *s)
{
	s->name = NULL;
	s->n = 0;
	if (read_file(root, MAILDIR_SUBSCRIPTIONS_FILE, MAILDIR_SUBSCRIPTIONS_DOVECOT, s) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	if (read_file(root, MAILDIR_SUBSCRIPTIONS_COURIER_FILE, MAILDIR_SUBSCRIPTIONS_COURIER, s) == 0)
		return 0;
	return errno == ENOENT ? 0 : -1;
}

/* Whether a line names the mailbox: the very line we would write, or another form
 * of the same name ("inbox"), which must go too when it is unsubscribed. */
static int line_is(const char *s, size_t n, enum line_form form, const char *esc,
		   size_t esc_len, const char *name)
{
	char dec[MAILDIR_FOLDER_NAME_MAX + 1];

	if (n == esc_len && memcmp(s, esc, n) == 0)
		return 1;
	if (line_name(s, n, form, dec, sizeof dec) < 0)
		return 0;
	return is_inbox(name, strlen(name)) ? strcmp(dec, INBOX) == 0 : strcmp(dec, name) == 0;
}

int maildir_subscriptions_edit(const char *text, size_t len, const char *name,
			       int subscribe, struct buf *out)
{
	char esc[MAILDIR_FOLDER_DIRNAME_MAX + 1];
	const char *p = text, *end = text + len;
	enum line_form form = FORM_V2;
	int n, found = 0, changed = 0;

	/* A file with content but no header is version 1 and stays so, as Dovecot does. */
	if (len > 0) {
		if (len >= SUBS_HEADER_LEN && memcmp(text, SUBS_HEADER, SUBS_HEADER_LEN) == 0)
			p += SUBS_HEADER_LEN;
		else
			form = FORM_V1;
	}
	n = disk_line(name, form, esc, sizeof esc);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	if (form == FORM_V2 && buf_puts(out, SUBS_HEADER) < 0)
		return -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ln = (size_t)((nl != NULL ? nl : end) - p);

		/* Trap: in a version 1 file a line "V\t2" followed by an empty line would
		 * become the version 2 header once the lines before it are removed, and
		 * every '.' name after it would be misread. It names no mailbox (a TAB
		 * in a version 1 name), so it goes. */
		if (form == FORM_V1 && ln == SUBS_HEADER_LEN - 2 &&
		    memcmp(p, SUBS_HEADER, ln) == 0) {
			changed = 1;
			p = nl != NULL ? nl + 1 : end;
			continue;
		}
		if (line_is(p, ln, form, esc, (size_t)n, name)) {
			found = 1;
			if (!subscribe) {
				changed = 1;
				p = nl != NULL ? nl + 1 : end;
				continue;
			}
		}
		if (buf_append(out, p, ln) < 0 || buf_putc(out, '\n') < 0)
			return -1;
		p = nl != NULL ? nl + 1 : end;
	}
	if (subscribe && !found) {
		if (buf_append(out, esc, (size_t)n) < 0 || buf_putc(out, '\n') < 0)
			return -1;
		changed = 1;
	}
	return changed;
}

/* The text of a new "subscriptions" holding the names of Courier's file, into b (left
 * empty when there is none), so the first change does not lose them. */
static int courier_seed(const char *root, struct buf *b)
{
	struct maildir_subscriptions s;
	char line[MAILDIR_FOLDER_DIRNAME_MAX + 1];
	int r = 0;

	if (read_file(root, MAILDIR_SUBSCRIPTIONS_COURIER_FILE, MAILDIR_SUBSCRIPTIONS_COURIER, &s) < 0)
		return errno == ENOENT ? 0 : -1;
	if (s.n > 0)
		r = buf_puts(b, SUBS_HEADER);
	for (size_t i = 0; r == 0 && i < s.n; i++) {
		int n = disk_line(s.name[i], FORM_V2, line, sizeof line);
		if (n >= 0)
			r = buf_append(b, line, (size_t)n) < 0 || buf_putc(b, '\n') < 0 ? -1 : 0;
	}
	maildir_subscriptions_free(&s);
	return r;
}

static int subscriptions_set(const char *root, const char *name, int subscribe)
{
	char path[PATH_MAX], line[MAILDIR_FOLDER_DIRNAME_MAX + 1];
	struct maildir_lock l;
	struct buf cur, out;
	int n, r = -1, saved;

	/* Refuse a bad name before taking the lock. */
	if (disk_line(name, FORM_V2, line, sizeof line) < 0) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(path, sizeof path, "%s/%s", root, MAILDIR_SUBSCRIPTIONS_FILE);
	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (maildir_lock_take(&l, path, MAILDIR_LOCK_WAIT_SEC) < 0)
		return -1;
	buf_init(&cur, MAILDIR_SUBSCRIPTIONS_FILE_MAX);
	buf_init(&out, MAILDIR_SUBSCRIPTIONS_FILE_MAX);
	if (io_read_file(path, &cur) < 0 && (errno != ENOENT || courier_seed(root, &cur) < 0))
		goto done;
	n = maildir_subscriptions_edit(buf_str(&cur), cur.len, name, subscribe, &out);
	if (n < 0)
		goto done;
	if (n > 0 && maildir_file_replace(root, MAILDIR_SUBSCRIPTIONS_FILE, buf_str(&out),
					  out.len) < 0)
		goto done;
	r = 0;
done:
	saved = errno;
	/* A failed release after the rename changes nothing for the result: the new file
	 * is in place, and a lock we no longer hold is not ours to report. */
	maildir_lock_release(&l);
	buf_free(&cur);
	buf_free(&out);
	errno = saved;
	return r;
}

int maildir_subscriptions_add(const char *root, const char *name)
{
	return subscriptions_set(root, name, 1);
}

int maildir_subscriptions_remove(const char *root, const char *name)
{
	return subscriptions_set(root, name, 0);
}
