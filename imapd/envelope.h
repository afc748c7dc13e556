/*
 * ENVELOPE (RFC 3501 7.4.2) and RFC 5322 3.4 address lists as IMAP address
 * structures. Strings are the header's raw bytes unfolded, RFC 2047 encoded words
 * left as they are, exactly as Dovecot 2.3 sends them; addresses Dovecot cannot
 * complete get its placeholders MISSING_MAILBOX / MISSING_DOMAIN.
 */
#ifndef ENVELOPE_H
#define ENVELOPE_H

#include <stddef.h>

#include "buf.h"

/* Addresses per header field in an ENVELOPE; the rest are left out. RFC 5322 sets no
 * limit; this bounds the reply to a hostile To: of tiny addresses. */
#define ENVELOPE_ADDRS_MAX 10000

/* One address as RFC 3501 7.4.2 gives it: a group start has only mailbox (the group
 * name), a group end has nothing. Strings are NUL-terminated, NULL for NIL. */
struct envelope_addr {
	char *name, *adl, *mailbox, *host;
};

/* Parse an address list (a raw header value, folding and all) into at most max
 * addresses in out; returns how many, or -1 with errno ENOMEM. Free each with
 * envelope_addrs_free. Never fails on syntax: it takes what it can. */
long envelope_addrs_parse(const char *v, size_t n, struct envelope_addr *out, size_t max);
void envelope_addrs_free(struct envelope_addr *a, size_t n);
/* The address list as "((name adl mailbox host)...)" or NIL when empty. */
int envelope_addrs_append(struct buf *b, const char *v, size_t n);
/* The ENVELOPE list of the header hdr[0..len) into b. 0, or -1 with errno. */
int envelope_append(struct buf *b, const char *hdr, size_t len);

#endif
