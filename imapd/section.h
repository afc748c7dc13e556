/*
 * BODY[section]<partial> (RFC 3501 6.4.5): which bytes a section names, and a writer
 * that sends them with every bare LF as CR LF. The caller parses the section spec;
 * this resolves it against a parsed message.
 *
 * The rules, as RFC 3501 6.4.5 and Dovecot 2.3 apply them:
 * - part 1 of a message that is not multipart is its body; so is "1" of a part that is
 *   not multipart ("2.1" of a text part is part 2), but nothing is below that "1"
 *   unless it is a message/rfc822 part ("1.1" of a text/plain message is empty);
 * - a number after a message/rfc822 part counts the parts of the attached message;
 * - HEADER, HEADER.FIELDS, TEXT after part numbers need a message/rfc822 part, and
 *   name its attached message's header or body; MIME names a part's own header;
 * - a section that names nothing (no such part) is empty, not an error: Dovecot sends
 *   {0} and clients are used to it.
 */
#ifndef SECTION_H
#define SECTION_H

#include <stddef.h>

#include "buf.h"
#include "mime.h"
#include "out.h"

/* Part numbers in one section spec; RFC 3501 sets no limit, parts nest at most
 * MIME_DEPTH_MAX deep, so a longer path names nothing. */
#define SECTION_PARTS_MAX (MIME_DEPTH_MAX + 1)
/* HEADER.FIELDS octets are made and passed on this many at a time: never held whole,
 * since HEADER.FIELDS.NOT of a message that is all header is as large as the message. */
#define SECTION_FIELDS_STEP ((size_t)64 << 10)

enum section_kind {
	SECTION_BODY,		/* BODY[] or BODY[1.2]: the message / the part's body */
	SECTION_HEADER,
	SECTION_HEADER_FIELDS,
	SECTION_HEADER_FIELDS_NOT,
	SECTION_TEXT,
	SECTION_MIME,
};

struct section_spec {
	const unsigned *parts;	/* part numbers, each >= 1 */
	size_t nparts;
	enum section_kind kind;
	const char *const *fields;	/* HEADER.FIELDS(.NOT) names, matched ignoring case */
	size_t nfields;
};

/* What a section names: a range of the message, or (generated set) the fields that
 * spec picks from the header at that range, made again when written; size is the octet
 * count a client sees (CRLF). */
struct section_data {
	size_t off, len;
	int generated;
	const struct section_spec *spec;	/* the caller's, alive until written */
	size_t size;
};

/* Resolve s against msg (the bytes m was parsed from) into *d; free with
 * section_data_free. 0, or -1 with errno ENOMEM. A spec that names nothing gives an
 * empty range. s must stay alive until the section is written. */
int section_resolve(const char *msg, const struct mime_msg *m, const struct section_spec *s,
		    struct section_data *d);
void section_data_free(struct section_data *d);

/* Octets a <start.length> partial sends of size octets (RFC 3501 6.4.5: nothing past
 * the end, and nothing at all when start is past it). */
size_t section_partial_len(size_t size, size_t start, size_t length);

/* Write the CRLF octets [start, start + length) of the section to o, converting bare
 * LF on the fly: nothing is copied in memory. A NUL byte is sent as 0x80, as Dovecot
 * does, since a literal cannot hold one. 0, or -1 (o's sticky error). */
int section_write(struct out *o, const char *msg, const struct section_data *d,
		  size_t start, size_t length);
/* The same for any bytes: p[0..n) as CRLF text, octets [start, start + length). */
int section_write_crlf(struct out *o, const char *p, size_t n, size_t start, size_t length);

/* The part a list of part numbers names (RFC 3501 6.4.5 numbering), or NULL. */
const struct mime_part *section_find_part(const struct mime_msg *m, const unsigned *parts,
					  size_t nparts);

#endif
