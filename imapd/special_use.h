/*
 * SPECIAL-USE (RFC 6154) attributes for LIST: which folder is for sent mail, drafts,
 * deleted mail, spam, archives. Built in: the top-level names clients actually create
 * (Thunderbird, Apple Mail, Outlook, K-9, Roundcube), case-insensitive: Sent, "Sent
 * Messages", "Sent Items" (\Sent), Drafts (\Drafts), Trash, "Deleted Messages",
 * "Deleted Items" (\Trash), Junk, Spam (\Junk), Archive, Archives (\Archive).
 *
 * A file IMAP_SPECIAL_USE_FILE in the Maildir root replaces that table (an empty file
 * turns the attributes off): one "ATTRIBUTE NAME" a line, e.g. "\Sent Gesendet" or
 * "\Archive Archive/2024", the name in UTF-8 with '/' between levels, matched
 * case-insensitively (ASCII); blank lines and lines starting with '#' are skipped, as
 * are lines with an attribute RFC 6154 does not define. See imapd(8).
 */
#ifndef IMAP_SPECIAL_USE_H
#define IMAP_SPECIAL_USE_H

#include <stddef.h>

#define IMAP_SPECIAL_USE_FILE "imapd-special-use"
/* A few dozen lines say all a user needs; a bound on what a session reads. */
#define IMAP_SPECIAL_USE_FILE_MAX 16384
#define IMAP_SPECIAL_USE_MAX 64

struct imap_special_use {
	char *text;		/* the file's text, owned; attr/name point into it */
	const char *attr[IMAP_SPECIAL_USE_MAX], *name[IMAP_SPECIAL_USE_MAX];
	size_t n;
	int from_file;		/* 0: the built-in table applies */
};

/* Read root's IMAP_SPECIAL_USE_FILE into su; a missing file leaves the built-in
 * table. 0, or -1 with errno (E2BIG over IMAP_SPECIAL_USE_FILE_MAX, ENOMEM, a read
 * error): su then also holds the built-in table. */
int imap_special_use_load(const char *root, struct imap_special_use *su);
/* Parse the file's text (len bytes) into su. Bad lines are skipped; lines past
 * IMAP_SPECIAL_USE_MAX are ignored. 0, or -1 with errno ENOMEM. */
int imap_special_use_parse(const char *text, size_t len, struct imap_special_use *su);
/* The attribute ("\Sent") of a mailbox name (UTF-8, '/' levels), or NULL. */
const char *imap_special_use_get(const struct imap_special_use *su, const char *name);
void imap_special_use_free(struct imap_special_use *su);

#endif
