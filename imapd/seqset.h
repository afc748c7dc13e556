/*
 * Sequence sets (RFC 3501 9 sequence-set): "1,3:5,7:*" as sorted, merged ranges, for
 * message sequence numbers or UIDs alike. '*' is kept symbolic at parse time and
 * resolved against the current maximum afterwards (RFC 3501 6.4.8: "n:*" with n above
 * the maximum means max:n, so it still holds the last message).
 */
#ifndef IMAP_SEQSET_H
#define IMAP_SEQSET_H

#include <stddef.h>
#include <stdint.h>

#define IMAP_SEQ_STAR 0		/* '*' before resolving (0 is no valid number) */

struct imap_range {
	uint32_t lo, hi;	/* lo <= hi after imap_seqset_resolve */
};

struct imap_seqset {
	struct imap_range *r;	/* owned */
	size_t n;
	uint32_t max_number;	/* the largest number written (not '*'); for "too big" */
};

/* Parse s (NUL-terminated) into set (which the caller frees with imap_seqset_free,
 * also after a failure). 0, or -1 with errno EINVAL (syntax, 0) or E2BIG (more than
 * IMAP_SEQSET_RANGES_MAX ranges) or ENOMEM. */
int imap_seqset_parse(const char *s, struct imap_seqset *set);
/* Replace '*' by max, order each range, sort and merge. With max 0 (an empty mailbox)
 * ranges of '*' alone vanish. */
void imap_seqset_resolve(struct imap_seqset *set, uint32_t max);
/* After resolve: 1 when v is in the set. O(log n). */
int imap_seqset_has(const struct imap_seqset *set, uint32_t v);
/* After resolve: the largest member, 0 when empty. */
uint32_t imap_seqset_last(const struct imap_seqset *set);
void imap_seqset_free(struct imap_seqset *set);

#endif
