/*
 * dovecot-keywords: which IMAP keyword each flag letter a..z of a file name stands for
 * (dovecot-maildir.md, "IMAP Keywords"). The file is read without a lock, so it is
 * only ever replaced whole by rename(). The reader skips what it cannot use instead of
 * failing: a broken line costs one keyword's name, while a failed read would cost the
 * whole folder.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "io.h"
#include "str.h"
#include "maildir_keywords.h"
#include "maildir_lock.h"

/* One line is "<index> <name>\n": at most two digits, a space, the name, LF. */
#define KEYWORDS_TEXT_MAX (MAILDIR_KEYWORDS_MAX * (MAILDIR_KEYWORD_LEN_MAX + 4) + 1)

/* RFC 3501 9: flag-keyword = atom; atom-specials are "(" ")" "{" SP CTL "%" "*"
 * DQUOTE "\" "]", and CHAR is 7-bit. */
static int atom_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

static int name_valid(const char *s, size_t n)
{
	if (n == 0 || n > MAILDIR_KEYWORD_LEN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!atom_char((unsigned char)s[i]))
			return 0;
	return 1;
}

int maildir_keyword_valid(const char *name)
{
	return name != NULL && name_valid(name, strnlen(name, MAILDIR_KEYWORD_LEN_MAX + 1));
}

void maildir_keywords_free(struct maildir_keywords *k)
{
	for (size_t i = 0; i < MAILDIR_KEYWORDS_MAX; i++) {
		free(k->name[i]);
		k->name[i] = NULL;
	}
}

/* One "<index> <name>" line (LF and trailing CRs already gone) into k, unless it is
 * malformed or its index is taken. 0, or -1 with ENOMEM. */
static int parse_line(const char *s, size_t n, struct maildir_keywords *k)
{
	size_t i = 0;
	uint64_t idx;
	char *name;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == 0 || i + 1 >= n || s[i] != ' ' ||
	    str_to_u64(s, i, MAILDIR_KEYWORDS_MAX - 1, &idx) < 0 ||
	    !name_valid(s + i + 1, n - i - 1) || k->name[idx] != NULL)
		return 0;
	name = malloc(n - i);
	if (name == NULL)
		return -1;
	memcpy(name, s + i + 1, n - i - 1);
	name[n - i - 1] = '\0';
	k->name[idx] = name;
	return 0;
}

int maildir_keywords_parse(const char *text, size_t len, struct maildir_keywords *k)
{
	struct maildir_keywords r = { { 0 } };
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl != NULL ? nl : end;

		while (e > p && e[-1] == '\r')
			e--;
		if (parse_line(p, (size_t)(e - p), &r) < 0) {
			maildir_keywords_free(&r);
			errno = ENOMEM;
			return -1;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	*k = r;
	return 0;
}

int maildir_keywords_read(const char *dir, struct maildir_keywords *k)
{
	char path[PATH_MAX];
	struct buf b;
	int n, ret, saved;

	n = snprintf(path, sizeof path, "%s/%s", dir, MAILDIR_KEYWORDS_FILE);
	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf_init(&b, MAILDIR_KEYWORDS_FILE_MAX);
	if (io_read_file(path, &b) < 0) {
		saved = errno;
		buf_free(&b);
		if (saved == ENOENT) {
			/* No keyword was ever used in this folder. */
			memset(k, 0, sizeof *k);
			return 0;
		}
		errno = saved;
		return -1;
	}
	ret = maildir_keywords_parse(buf_str(&b), b.len, k);
	saved = errno;
	buf_free(&b);
	errno = saved;
	return ret;
}

int maildir_keywords_write(const char *dir, const struct maildir_keywords *k)
{
	struct buf b;
	int ret = 0, saved;

	buf_init(&b, KEYWORDS_TEXT_MAX);
	for (size_t i = 0; i < MAILDIR_KEYWORDS_MAX && ret == 0; i++) {
		if (k->name[i] == NULL)
			continue;
		if (!maildir_keyword_valid(k->name[i])) {
			errno = EINVAL;
			ret = -1;
		} else {
			ret = buf_printf(&b, "%zu %s\n", i, k->name[i]);
		}
	}
	if (ret == 0)
		ret = maildir_file_replace(dir, MAILDIR_KEYWORDS_FILE, buf_str(&b), b.len);
	saved = errno;
	buf_free(&b);
	errno = saved;
	return ret;
}

int maildir_keywords_index(const struct maildir_keywords *k, const char *name)
{
	for (int i = 0; i < MAILDIR_KEYWORDS_MAX; i++)
		if (k->name[i] != NULL && strcmp(k->name[i], name) == 0)
			return i;
	return -1;
}

int maildir_keywords_add(struct maildir_keywords *k, const char *name, int *added_r)
{
	int i;

	*added_r = 0;
	if (!maildir_keyword_valid(name)) {
		errno = EINVAL;
		return -1;
	}
	i = maildir_keywords_index(k, name);
	if (i >= 0)
		return i;
	for (i = 0; i < MAILDIR_KEYWORDS_MAX; i++) {
		if (k->name[i] == NULL) {
			k->name[i] = strdup(name);
			if (k->name[i] == NULL)
				return -1;
			*added_r = 1;
			return i;
		}
	}
	/* Dovecot keeps a 27th keyword in its index only; we have nowhere to keep it. */
	errno = ENOSPC;
	return -1;
}
