/*
 * LIST and LSUB pattern matching (see list_match.h), and mailbox names on the wire.
 */
#include "list_match.h"

#include "imap.h"
#include "maildir_folder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int imap_match_init(struct imap_match *mt, const char *ref, const char *pat)
{
	size_t rl = strlen(ref), pl = strlen(pat);
	char *raw;
	int n;

	memset(mt, 0, sizeof *mt);
	if (rl + pl > 2 * IMAP_MAILBOX_MAX)
		return 1;
	raw = malloc(rl + pl + 1);
	/* UTF-8 is at most 3 bytes for the 16 bits that take 8/3 base64 characters:
	 * twice the modified UTF-7 length is room enough */
	mt->pat = malloc(2 * (rl + pl) + 16);
	if (raw == NULL || mt->pat == NULL)
		goto nomem;
	memcpy(raw, ref, rl);
	memcpy(raw + rl, pat, pl + 1);
	n = maildir_mutf7_decode(raw, rl + pl, mt->pat, 2 * (rl + pl) + 16);
	free(raw);
	raw = NULL;
	if (n < 0) {
		imap_match_free(mt);
		return 1;
	}
	mt->m = (size_t)n;
	/* RFC 3501 5.1: INBOX is case-insensitive */
	if (strncasecmp(mt->pat, "INBOX", 5) == 0 && (mt->pat[5] == '\0' || mt->pat[5] == '/'))
		memcpy(mt->pat, "INBOX", 5);
	mt->on = malloc(mt->m + 1);
	mt->next = malloc(mt->m + 1);
	if (mt->on == NULL || mt->next == NULL)
		goto nomem;
	return 0;
nomem:
	free(raw);
	imap_match_free(mt);
	errno = ENOMEM;
	return -1;
}

int imap_match(struct imap_match *mt, const char *name)
{
	const char *pat = mt->pat;
	unsigned char *on = mt->on, *next = mt->next, *t;
	size_t m = mt->m;
	int any;

	memset(on, 0, m + 1);
	on[0] = 1;
	for (;;) {
		/* epsilon: a wildcard may match nothing */
		for (size_t j = 0; j < m; j++) {
			if (on[j] && (pat[j] == '*' || pat[j] == '%'))
				on[j + 1] = 1;
		}
		if (*name == '\0')
			return on[m];
		memset(next, 0, m + 1);
		any = 0;
		for (size_t j = 0; j < m; j++) {
			if (!on[j])
				continue;
			if (pat[j] == '*' || (pat[j] == '%' && *name != '/'))
				next[j] = any = 1;
			else if (pat[j] == *name)
				next[j + 1] = any = 1;
		}
		if (!any)
			return 0;
		t = on, on = next, next = t;
		name++;
	}
}

void imap_match_free(struct imap_match *mt)
{
	free(mt->pat);
	free(mt->on);
	free(mt->next);
	memset(mt, 0, sizeof *mt);
}

void imap_put_mailbox(struct imap *s, const char *utf8)
{
	char m7[IMAP_MAILBOX_MAX * 3 + 16];
	int n = maildir_mutf7_encode(utf8, strlen(utf8), m7, sizeof m7);

	if (n < 0)
		imap_put_string(s, utf8, strlen(utf8));
	else
		imap_put_string(s, m7, (size_t)n);
}
