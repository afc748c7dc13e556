/*
 * The FETCH items that read the message itself (RFC 3501 6.4.5): ENVELOPE, BODY,
 * BODYSTRUCTURE, BODY[section]<partial> and BODY.PEEK[...], RFC822, RFC822.HEADER,
 * RFC822.TEXT. The file is mapped, parsed once (mime.h) and sent from the mapping.
 */
#ifndef IMAP_FETCH_BODY_H
#define IMAP_FETCH_BODY_H

#include <stddef.h>

#include "imap.h"
#include "section.h"

enum fetch_body_kind {
	FB_ENVELOPE,
	FB_BODY,		/* BODY: the non-extensible BODYSTRUCTURE */
	FB_BODYSTRUCTURE,
	FB_SECTION,		/* BODY[...], BODY.PEEK[...], RFC822, RFC822.HEADER/TEXT */
};

struct fetch_body_item {
	enum fetch_body_kind kind;
	int peek;		/* does not set \Seen */
	const char *name;	/* RFC822, RFC822.HEADER, RFC822.TEXT; NULL for BODY[...] */
	unsigned parts[SECTION_PARTS_MAX];
	struct section_spec spec;
	const char *fields[IMAP_FETCH_FIELDS_MAX];
	char text[IMAP_FETCH_SECTION_MAX];	/* the section as echoed, and the field
						 * names' storage */
	int partial;
	size_t start, length;
};

/* Parse one FETCH item that needs the message (case-insensitive). 0, or -1 when the
 * atom is no such item (the caller answers BAD). */
int fetch_body_parse(const char *atom, struct fetch_body_item *it);
/* 1 when any of the items sets \Seen when fetched (RFC 3501 6.4.5: BODY[...] and
 * RFC822, RFC822.TEXT; not BODY.PEEK, RFC822.HEADER). */
int fetch_body_sets_seen(const struct fetch_body_item *v, size_t n);
/* Write " ITEM value" for each item of message j of the view. 0; 1 with errno when
 * the message could not be read and nothing was written (ENOENT: it is gone; EACCES,
 * EINVAL for a file that is not a regular one...: the response can still be closed
 * and the session go on); -1 with errno when the output is left mid-item. */
int fetch_body_write(struct imap *s, size_t j, const struct fetch_body_item *v, size_t n,
		     const char *sep);

#endif
