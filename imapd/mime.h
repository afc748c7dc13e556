/*
 * The structure of one message (RFC 5322, MIME RFC 2045/2046) as IMAP FETCH needs it
 * (RFC 3501 6.4.5, 7.4.2): a tree of parts, each with the offsets of its header and
 * body in the caller's bytes, its sizes counted in CRLF octets (IMAP counts a bare LF
 * as CR LF whatever the file holds) and its Content-* fields.
 *
 * mime_parse() is a pure function over bytes the caller keeps alive (the session maps
 * the message file read-only, and the parser reports what it reads to msgmap.h so that
 * the pages behind it are let go); every string it returns is a copy owned by the tree.
 * It never fails on bad input: past a limit (MIME_DEPTH_MAX, MIME_PARTS_MAX) the rest
 * of a part is an opaque body, so a FETCH always has an answer. Where RFC 2046 leaves
 * room, the tree is what Dovecot 2.3 builds for the same bytes (tests/interop/
 * mime-dovecot.sh checks it), because clients see both servers on the same Maildir.
 */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>

/* Parts nested in parts (multipart or message/rfc822), the root being depth 0; deeper
 * parts are bodies. RFC 2046 sets no limit; Dovecot's message_parser uses 100. */
#define MIME_DEPTH_MAX 100
/* Parts in one message; the rest of a multipart past it is left in its last part's
 * body. Bounds memory against a message of empty parts ("--b\n" repeated). */
#define MIME_PARTS_MAX 10000
/* RFC 2046 5.1.1: a boundary is 1 to 70 characters. Longer boundary parameters are
 * still used (Dovecot accepts them), up to this much. */
#define MIME_BOUNDARY_MAX 1024
/* Header field values kept in the tree are at most this long (a Content-* field);
 * longer ones are cut. RFC 5322 2.1.1 lets a line be 998, a folded field unbounded. */
#define MIME_FIELD_MAX 65536

enum mime_flag {
	MIME_MULTIPART = 1 << 0,	/* children are the body parts */
	MIME_MESSAGE = 1 << 1,		/* message/rfc822: the one child is the message */
	MIME_TEXT = 1 << 2,		/* text/\*: BODYSTRUCTURE gives its line count */
	MIME_HDR_OPEN = 1 << 3,		/* header ended at a boundary, no blank line */
};

struct mime_param {
	char *name;	/* as written, RFC 2231 continuations joined ("name", "name*") */
	char *value;	/* unquoted */
};

struct mime_part {
	struct mime_part *parent, *children, *next;
	unsigned flags;
	/* Offsets into the message. The header includes its blank line when there is one. */
	size_t hdr_off, hdr_len, body_off, body_len;
	/* The same ranges in CRLF octets, and the body's line count (its LFs). */
	size_t hdr_size, body_size, body_lines;
	/* Content-Type as written (case kept), NULL when absent or unparsable: the
	 * RFC 2045 5.2 default text/plain (message/rfc822 inside multipart/digest,
	 * RFC 2046 5.1.5) is for the writers to supply. */
	char *type, *subtype;
	struct mime_param *params;
	size_t nparams;
	/* Unfolded raw values (RFC 2047 words not decoded), NULL when absent. */
	char *encoding, *id, *description, *md5, *location;
	char *disposition;
	struct mime_param *disp_params;
	size_t ndisp_params;
	char **languages;	/* Content-Language tokens */
	size_t nlanguages;
};

struct mime_msg {
	struct mime_part *root;
	size_t nparts;
	struct mime_chunk *mem;	/* private: everything is freed with mime_free */
};

/* Parse msg[0..len). 0 with *msg_r set (free with mime_free), or -1 with errno ENOMEM. */
int mime_parse(const char *msg, size_t len, struct mime_msg **msg_r);
void mime_free(struct mime_msg *m);

/* The default type of a part with no (usable) Content-Type: "message"/"rfc822" in a
 * multipart/digest, else "text"/"plain". */
const char *mime_part_type(const struct mime_part *p);
const char *mime_part_subtype(const struct mime_part *p);
/* A parameter's value by case-insensitive name, or NULL. */
const char *mime_param_get(const struct mime_param *ps, size_t n, const char *name);

/* One header field. name/value point into the header bytes; value is raw (folding
 * and all), off/len cover the whole field with its line end. */
struct mime_field {
	const char *name, *value;
	size_t name_len, value_len, off, len;
};
/* The next field of hdr[*pos..len) into *f and advance *pos: 1, or 0 at the end of the
 * header (blank line or end of bytes). Lines without a colon are skipped. */
int mime_header_next(const char *hdr, size_t len, size_t *pos, struct mime_field *f);
/* The value unfolded (CR and LF removed, the whitespace after them kept) and trimmed
 * of leading/trailing whitespace, into out (outsz bytes, NUL-terminated, cut to fit).
 * Returns its length. */
size_t mime_unfold(const char *v, size_t n, char *out, size_t outsz);
/* The first field named name (case-insensitive) of a header: 1 with *f set, or 0. */
int mime_header_find(const char *hdr, size_t len, const char *name, struct mime_field *f);
/* Bytes in CRLF octets: n plus one per LF with no CR before it. */
size_t mime_crlf_size(const char *p, size_t n);

#endif
