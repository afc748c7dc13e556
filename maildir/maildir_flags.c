/*
 * The IMAP names of Maildir flag letters (RFC 3501 2.3.2, maildir-spec "info
 * semantics"). One table, used by every program that shows or parses flags, so the
 * tool and the daemons cannot disagree about a name.
 */
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "maildir_flags.h"
#include "maildir_name.h"

const struct maildir_imap_flag maildir_imap_flags[MAILDIR_IMAP_SYSFLAGS] = {
	{ 'D', "\\Draft" }, { 'F', "\\Flagged" }, { 'R', "\\Answered" },
	{ 'S', "\\Seen" }, { 'T', "\\Deleted" },
};

uint32_t maildir_imap_flag_bit(const char *name, size_t len)
{
	for (size_t i = 0; i < MAILDIR_IMAP_SYSFLAGS; i++) {
		const char *f = maildir_imap_flags[i].name;
		if (strlen(f) == len && strncasecmp(name, f, len) == 0)
			return MAILDIR_FLAG(maildir_imap_flags[i].letter);
	}
	return 0;
}

const char *maildir_imap_flag_name(uint32_t bit)
{
	for (size_t i = 0; i < MAILDIR_IMAP_SYSFLAGS; i++)
		if (bit == MAILDIR_FLAG(maildir_imap_flags[i].letter))
			return maildir_imap_flags[i].name;
	return NULL;
}

int maildir_imap_flags_format(uint32_t flags, uint32_t keywords, int recent,
			      const struct maildir_keywords *k, struct buf *out)
{
	int any = 0;

	if (buf_putc(out, '(') < 0)
		return -1;
	for (size_t i = 0; i < MAILDIR_IMAP_SYSFLAGS; i++) {
		if (!(flags & MAILDIR_FLAG(maildir_imap_flags[i].letter)))
			continue;
		if ((any && buf_putc(out, ' ') < 0) ||
		    buf_puts(out, maildir_imap_flags[i].name) < 0)
			return -1;
		any = 1;
	}
	if (recent) {
		if ((any && buf_putc(out, ' ') < 0) || buf_puts(out, "\\Recent") < 0)
			return -1;
		any = 1;
	}
	for (int i = 0; i < MAILDIR_KEYWORDS_MAX; i++) {
		if (!(keywords & (UINT32_C(1) << i)) || k == NULL || k->name[i] == NULL)
			continue;
		if ((any && buf_putc(out, ' ') < 0) || buf_puts(out, k->name[i]) < 0)
			return -1;
		any = 1;
	}
	return buf_putc(out, ')');
}
