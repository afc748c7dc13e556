/*
 * The message-content state machine, a pure function over bytes so that it can be
 * fuzzed: DATA (RFC 5321 4.1.1.4, 4.5.2) with dot-unstuffing and end detection, or BDAT
 * chunks (RFC 3030) without either. Both store CRLF as LF.
 *
 * Only CR LF "." CR LF ends DATA. A bare CR or bare LF anywhere is recorded, never
 * treated as a line end (RFC 5321 2.3.8; the SMTP smuggling attacks, CVE-2023-51764,
 * -51765, -51766, rely on servers that do), and the message is then refused after its
 * real end. Once any error is recorded nothing more is stored: the caller stores
 * nothing at all.
 */
#ifndef SMTPD_DATA_H
#define SMTPD_DATA_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

enum smtp_data_mode { SMTP_DATA_DOT, SMTP_DATA_BDAT };

/* Error bits, in the order the reply picks them (see smtp_data_reply). */
#define SMTP_DATA_E_SIZE 1	/* over the size limit */
#define SMTP_DATA_E_BARE 2	/* bare CR or bare LF (DATA only) */
#define SMTP_DATA_E_NUL 4	/* a NUL byte (DATA only: BDAT stores what it gets) */
#define SMTP_DATA_E_LONG 8	/* a line over SMTP_TEXT_LINE_MAX (DATA only) */
#define SMTP_DATA_E_MEM 16	/* the output buffer could not grow */

struct smtp_data {
	enum smtp_data_mode mode;
	int st;			/* internal */
	int done;		/* DATA: the end marker was consumed */
	unsigned err;		/* SMTP_DATA_E_* */
	size_t line;		/* wire octets of the current line */
	uint64_t size;		/* message octets counted as RFC 1870 does, CRLF = 2 */
	uint64_t max;		/* limit on size; 0 for none */
	struct buf *out;	/* the stored form (LF line ends); NULL to store nothing */
};

void smtp_data_init(struct smtp_data *d, enum smtp_data_mode mode, uint64_t max,
		    struct buf *out);
/* Take n bytes. Returns how many were used: all of them, except in DATA mode when
 * the end marker came first (then done is set and the rest belongs to the next
 * command). */
size_t smtp_data_feed(struct smtp_data *d, const void *p, size_t n);
/* BDAT LAST: the message ends here (a CR held back for a possible LF is stored). */
void smtp_data_finish(struct smtp_data *d);

#endif
