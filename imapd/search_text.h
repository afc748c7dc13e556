/*
 * Substring search in a message's text for SEARCH (RFC 3501 6.4.4): header values
 * decoded from RFC 2047, bodies decoded from base64 and quoted-printable and converted
 * to UTF-8 from their charset, compared decomposed and case-folded (search_fold.h).
 *
 * Streaming: a body is decoded, converted and searched a window at a time, with the
 * end of each window kept to catch a match across the cut, so the memory used does not
 * grow with the message; a header field is decoded up to SEARCH_FIELD_MAX octets.
 * The message itself is the caller's bytes (the session maps the file).
 */
#ifndef IMAP_SEARCH_TEXT_H
#define IMAP_SEARCH_TEXT_H

#include <stddef.h>

#include "mime.h"

/* Raw body octets decoded in one piece. */
#define SEARCH_WINDOW (64 * 1024)
/* A header field's value is searched in its first this many octets: RFC 5322 2.1.1
 * lines are at most 998 octets, and real fields (References, DKIM) stay far below this.
 * Dovecot's header limits are of the same order. */
#define SEARCH_FIELD_MAX (64 * 1024)
/* Addresses of one address field that FROM/TO/CC/BCC compare in their plain form; the
 * field's decoded text is searched whole anyway. */
#define SEARCH_ADDRS_MAX 1000

/* Needles are folded UTF-8 (search_fold). Each returns 1 (found), 0, or -1
 * with errno ENOMEM. */

/* In the value of any field named name (case-insensitive) of the header hdr[0..n);
 * an empty needle matches when the field is present (RFC 3501 6.4.4 HEADER). */
int search_text_header(const char *hdr, size_t n, const char *name, const char *needle,
		       size_t nn);
/* In the bodies of the text parts (text/\* and message/\* leaves, and parts without a
 * Content-Type), and with headers also in every part's header fields (TEXT). */
int search_text_message(const char *msg, const struct mime_msg *m, int headers,
			const char *needle, size_t nn);

#endif
