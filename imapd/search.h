/*
 * SEARCH (RFC 3501 6.4.4) and ESEARCH (RFC 4731): the search program as a tree, and
 * its evaluation against one message.
 *
 * search_parse() is a pure function from the command's arguments to a tree: no I/O,
 * no mailbox, so unit tests and the fuzzer drive it directly. What depends on the
 * mailbox (sequence sets against its size, keyword names against its letters) is
 * bound afterwards with search_prog_bind().
 *
 * Evaluation is three-valued: keys that need the message's bytes (header and body
 * keys, SENT*) answer "unknown" in a first pass over what the view already holds
 * (flags, UID, sequence number, and size and date, which cost a stat at most), and
 * only a message whose answer is still unknown is read. A flag search over 100,000
 * messages opens no file.
 */
#ifndef IMAP_SEARCH_H
#define IMAP_SEARCH_H

#include "imap_args.h"
#include "seqset.h"

#include "maildir_keywords.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct mime_msg;

/* Nesting of NOT, OR and parenthesised lists in one program. RFC 3501 sets no limit;
 * the argument parser already bounds parentheses (IMAP_LIST_DEPTH_MAX), but "NOT NOT
 * ..." and "OR OR ..." nest without them, and evaluation recurses once per level. */
#define SEARCH_DEPTH_MAX 64

enum search_kind {
	SEARCH_AND,		/* children: all must match (a list, or the whole program) */
	SEARCH_OR,		/* children: two */
	SEARCH_NOT,		/* child: one */
	SEARCH_ALL,
	SEARCH_SEQ,		/* set: message sequence numbers */
	SEARCH_UID,		/* set: UIDs */
	SEARCH_FLAGS,		/* all of bits set (MAILDIR_F_*) */
	SEARCH_UNFLAGS,		/* none of bits set */
	SEARCH_KEYWORD,		/* name: keyword; bits: its letters after bind (any case) */
	SEARCH_UNKEYWORD,
	SEARCH_RECENT,
	SEARCH_LARGER,		/* number: RFC822.SIZE > number */
	SEARCH_SMALLER,
	SEARCH_BEFORE,		/* date: INTERNALDATE's day (UTC) < date */
	SEARCH_ON,
	SEARCH_SINCE,
	SEARCH_SENTBEFORE,	/* date: the Date: header's day < date */
	SEARCH_SENTON,
	SEARCH_SENTSINCE,
	SEARCH_HEADER,		/* name: field; needle in its decoded value */
	SEARCH_BODY,		/* needle in the decoded text parts */
	SEARCH_TEXT,		/* needle in the header fields or the text parts */
};

struct search_node {
	enum search_kind kind;
	struct search_node *child, *next;	/* AND, OR, NOT: children; siblings */
	struct imap_seqset set;		/* SEQ, UID (owned) */
	uint32_t bits;
	uint64_t number;
	time_t date;			/* the day's first second, UTC */
	const char *name;		/* HEADER: field name; KEYWORD: keyword (the
					 * command's memory) */
	char *needle;			/* HEADER, BODY, TEXT: folded UTF-8 (search_fold.h,
					 * owned) */
	size_t needle_len;
	struct search_node *all_next;	/* every node, for freeing */
};

/* RFC 4731 3: RETURN options. */
#define SEARCH_RET_MIN 1u
#define SEARCH_RET_MAX 2u
#define SEARCH_RET_ALL 4u
#define SEARCH_RET_COUNT 8u

struct search_prog {
	struct search_node *root;	/* an AND of the top-level keys */
	struct search_node *all;	/* every node */
	size_t nodes;
	int esearch;			/* RETURN was given: answer ESEARCH */
	unsigned ret;			/* SEARCH_RET_* (ALL when RETURN ()) */
	int reads_message;		/* some key needs the message's bytes */
};

/* Parse SEARCH's arguments ([RETURN (...)] [CHARSET name] key...) into p; free it with
 * search_prog_free, also after a failure. Strings in p point into the arguments' memory.
 * 0, or -1 with *error_r set to the text for the reply and errno EINVAL (bad syntax:
 * BAD), ELOOP (nested deeper than SEARCH_DEPTH_MAX: BAD), ENOTSUP (a charset other than
 * UTF-8 and US-ASCII: NO [BADCHARSET]), E2BIG (a string in a spooled literal: BAD) or
 * ENOMEM. */
int search_parse(const struct imap_arg *args, struct search_prog *p, const char **error_r);
void search_prog_free(struct search_prog *p);

/* Bind p to a mailbox: resolve sequence sets against its last sequence number and
 * last UID (RFC 3501 6.4.8 '*'), keyword names to kw's letters. */
void search_prog_bind(struct search_prog *p, uint32_t max_seq, uint32_t max_uid,
		      const struct maildir_keywords *kw);

/* One message as the evaluator sees it. The caller fills the cheap fields; the rest is
 * asked for through get() with one of the SEARCH_NEED_* values, which fills the field
 * and returns 0, or -1 with errno (ENOENT: the message is gone, its keys do not match;
 * anything else ends the search). */
#define SEARCH_NEED_SIZE 1	/* size */
#define SEARCH_NEED_DATE 2	/* internaldate */
#define SEARCH_NEED_DATA 3	/* data, len: the message's bytes */
struct search_msg {
	uint32_t seq, uid, flags, keywords;
	int recent;
	uint64_t size;		/* RFC822.SIZE: CRLF octets */
	time_t internaldate;
	const char *data;
	size_t len;
	int (*get)(struct search_msg *m, int need);
	void *ctx;
	/* evaluator's own, reset by search_match */
	unsigned have;
	struct mime_msg *mime;
};

/* Does m match p? 1, 0, or -1 with errno (from get(), or ENOMEM). Reads the message
 * (get SEARCH_NEED_DATA) only when the cheap keys leave the answer open. The caller
 * releases what get() filled in after the call. */
int search_match(const struct search_prog *p, struct search_msg *m);

/* Day (UTC, the first second) of an RFC 5322 3.3 date-time, ignoring its time of day
 * and zone as RFC 3501 6.4.4 asks for SENT*. 0, or -1 with errno EINVAL. */
int search_date_parse(const char *v, size_t n, time_t *day_r);

#endif
