/*
 * SPECIAL-USE attributes (RFC 6154): the built-in table, and the per-user file that
 * replaces it (special_use.h).
 */
#include "special_use.h"

#include "buf.h"
#include "io.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name, *attr;
} builtin[] = {
	{ "Sent", "\\Sent" }, { "Sent Messages", "\\Sent" }, { "Sent Items", "\\Sent" },
	{ "Drafts", "\\Drafts" },
	{ "Trash", "\\Trash" }, { "Deleted Messages", "\\Trash" }, { "Deleted Items", "\\Trash" },
	{ "Junk", "\\Junk" }, { "Spam", "\\Junk" },
	{ "Archive", "\\Archive" }, { "Archives", "\\Archive" },
};

/* RFC 6154 section 2 */
static const char *const attrs[] = {
	"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash",
};

static const char *known_attr(const char *a)
{
	for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
		if (strcasecmp(a, attrs[i]) == 0)
			return attrs[i];
	}
	return NULL;
}

/* A control character (NUL, a CR inside the line): no mailbox name has one. */
static int has_control(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return 1;
	}
	return 0;
}

int imap_special_use_parse(const char *text, size_t len, struct imap_special_use *su)
{
	char *p, *end;

	imap_special_use_free(su);
	su->from_file = 1;
	su->text = malloc(len + 1);
	if (su->text == NULL) {
		su->from_file = 0;
		errno = ENOMEM;
		return -1;
	}
	memcpy(su->text, text, len);
	su->text[len] = '\0';
	for (p = su->text; p < su->text + len; p = end + 1) {
		char *sp;
		const char *attr;
		size_t ll;

		end = memchr(p, '\n', (size_t)(su->text + len - p));
		if (end == NULL)
			end = su->text + len;
		*end = '\0';
		ll = (size_t)(end - p);
		if (ll > 0 && p[ll - 1] == '\r')
			p[--ll] = '\0';
		if (*p == '#' || ll == 0 || su->n == IMAP_SPECIAL_USE_MAX || has_control(p, ll))
			continue;
		sp = strchr(p, ' ');
		if (sp == NULL || sp[1] == '\0')
			continue;
		*sp = '\0';
		attr = known_attr(p);
		if (attr == NULL)
			continue;
		su->attr[su->n] = attr;
		su->name[su->n] = sp + 1;
		su->n++;
	}
	return 0;
}

int imap_special_use_load(const char *root, struct imap_special_use *su)
{
	char path[PATH_MAX];
	struct buf b;
	int n = snprintf(path, sizeof path, "%s/%s", root, IMAP_SPECIAL_USE_FILE), rc;

	memset(su, 0, sizeof *su);
	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	buf_init(&b, IMAP_SPECIAL_USE_FILE_MAX);
	if (io_read_file(path, &b) < 0) {
		int saved = errno;

		buf_free(&b);
		errno = saved;
		return saved == ENOENT ? 0 : -1;
	}
	rc = imap_special_use_parse(buf_str(&b), b.len, su);
	buf_free(&b);
	return rc;
}

const char *imap_special_use_get(const struct imap_special_use *su, const char *name)
{
	if (su->from_file) {
		for (size_t i = 0; i < su->n; i++) {
			if (strcasecmp(name, su->name[i]) == 0)
				return su->attr[i];
		}
		return NULL;
	}
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
		if (strcasecmp(name, builtin[i].name) == 0)
			return builtin[i].attr;
	}
	return NULL;
}

void imap_special_use_free(struct imap_special_use *su)
{
	free(su->text);
	memset(su, 0, sizeof *su);
}
