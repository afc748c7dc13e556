/*
 * BODY and BODYSTRUCTURE (RFC 3501 7.4.2) of a parsed message, byte for byte as
 * Dovecot 2.3 writes them: type names in the case the message wrote them (defaults in
 * lower case), "charset" "us-ascii" added to text parts that name no charset,
 * parameters in header order with RFC 2231 sections joined, NIL for absent fields.
 */
#ifndef BODYSTRUCTURE_H
#define BODYSTRUCTURE_H

#include "buf.h"
#include "mime.h"

/* Append the body structure of part p (of the message msg that was parsed) to b:
 * BODYSTRUCTURE with extension data when extended, else BODY. 0, or -1 with errno. */
int bodystructure_append(struct buf *b, const char *msg, const struct mime_part *p,
			 int extended);

#endif
