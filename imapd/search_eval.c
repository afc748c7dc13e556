/*
 * Evaluating a search program against one message; see search.h for the two passes.
 *
 * A key that needs something the message no longer has (its file was expunged by
 * another process after the view last saw it) does not match; RFC 3501 7.4.1 keeps the
 * message's number in the client's view until an EXPUNGE may be sent.
 */
#include "search.h"
#include "search_text.h"

#include "maildir_name.h"
#include "mime.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { NO = 0, YES = 1, UNKNOWN = 2 };

#define HAVE_SIZE 1u
#define HAVE_DATE 2u
#define HAVE_DATA 4u
#define GONE_SIZE 8u
#define GONE_DATE 16u
#define GONE_DATA 32u
#define HAVE_SENT 64u		/* sent holds the Date: header's day */

/* Make sure m has what need names: 1 (there), 0 (gone: the key does not match), -1. */
static int have(struct search_msg *m, int need)
{
	unsigned bit = need == SEARCH_NEED_SIZE ? HAVE_SIZE :
		       need == SEARCH_NEED_DATE ? HAVE_DATE : HAVE_DATA;
	unsigned gone = bit << 3;

	if (m->have & bit)
		return 1;
	if (m->have & gone)
		return 0;
	if (m->get(m, need) < 0) {
		if (errno != ENOENT)
			return -1;
		m->have |= gone;
		return 0;
	}
	m->have |= bit;
	return 1;
}

/* The first second of t's day, UTC. */
static time_t day_of(time_t t)
{
	time_t d = t / 86400 * 86400;

	return d > t ? d - 86400 : d;
}

static int compare_day(enum search_kind k, time_t day, time_t date)
{
	switch (k) {
	case SEARCH_BEFORE:
	case SEARCH_SENTBEFORE:
		return day < date;
	case SEARCH_ON:
	case SEARCH_SENTON:
		return day == date;
	default:
		return day >= date;
	}
}

static int sent_day(struct search_msg *m, time_t *day)
{
	static time_t cached;	/* valid while HAVE_SENT: one message at a time */
	struct mime_field f;
	int rc;

	if (!(m->have & HAVE_SENT)) {
		if ((rc = have(m, SEARCH_NEED_DATA)) <= 0)
			return rc;
		/* Without a Date: that parses, the message was sent at the epoch, as
		 * Dovecot has it: SENTBEFORE finds such messages, SENTSINCE does not. */
		if (!mime_header_find(m->data, m->len, "Date", &f) ||
		    search_date_parse(f.value, f.value_len, &cached) < 0)
			cached = 0;
		m->have |= HAVE_SENT;
	}
	*day = cached;
	return 1;
}

static int text_key(const struct search_node *n, struct search_msg *m)
{
	int rc = have(m, SEARCH_NEED_DATA);

	if (rc <= 0)
		return rc;
	if (n->kind == SEARCH_HEADER)
		return search_text_header(m->data, m->len, n->name, n->needle, n->needle_len);
	if (m->mime == NULL && mime_parse(m->data, m->len, &m->mime) < 0)
		return -1;
	return search_text_message(m->data, m->mime, n->kind == SEARCH_TEXT, n->needle,
				   n->needle_len);
}

static int eval(const struct search_node *n, struct search_msg *m, int full)
{
	const struct search_node *c;
	int r, v;
	time_t day;

	switch (n->kind) {
	case SEARCH_AND:
	case SEARCH_OR:
		/* AND: any NO decides; OR: any YES decides; else UNKNOWN if any was */
		r = n->kind == SEARCH_AND ? YES : NO;
		for (c = n->child; c != NULL; c = c->next) {
			if ((v = eval(c, m, full)) < 0)
				return -1;
			if (v == UNKNOWN)
				r = UNKNOWN;
			else if (v != (n->kind == SEARCH_AND ? YES : NO))
				return v;
		}
		return r;
	case SEARCH_NOT:
		v = eval(n->child, m, full);
		return v < 0 || v == UNKNOWN ? v : !v;
	case SEARCH_ALL:
		return YES;
	case SEARCH_SEQ:
		return imap_seqset_has(&n->set, m->seq);
	case SEARCH_UID:
		return imap_seqset_has(&n->set, m->uid);
	case SEARCH_FLAGS:
		return (m->flags & n->bits) == n->bits;
	case SEARCH_UNFLAGS:
		return (m->flags & n->bits) == 0;
	case SEARCH_KEYWORD:
		return (m->keywords & n->bits) != 0;
	case SEARCH_UNKEYWORD:
		return (m->keywords & n->bits) == 0;
	case SEARCH_RECENT:
		return m->recent != 0;
	case SEARCH_LARGER:
	case SEARCH_SMALLER:
		if ((v = have(m, SEARCH_NEED_SIZE)) <= 0)
			return v;
		return n->kind == SEARCH_LARGER ? m->size > n->number : m->size < n->number;
	case SEARCH_BEFORE:
	case SEARCH_ON:
	case SEARCH_SINCE:
		if ((v = have(m, SEARCH_NEED_DATE)) <= 0)
			return v;
		return compare_day(n->kind, day_of(m->internaldate), n->date);
	case SEARCH_SENTBEFORE:
	case SEARCH_SENTON:
	case SEARCH_SENTSINCE:
		if (!full)
			return UNKNOWN;
		if ((v = sent_day(m, &day)) <= 0)
			return v;
		return compare_day(n->kind, day, n->date);
	case SEARCH_HEADER:
	case SEARCH_BODY:
	case SEARCH_TEXT:
		return full ? text_key(n, m) : UNKNOWN;
	}
	errno = EINVAL;
	return -1;
}

int search_match(const struct search_prog *p, struct search_msg *m)
{
	int r;

	m->have = 0;
	m->mime = NULL;
	r = eval(p->root, m, 0);
	if (r == UNKNOWN)
		r = eval(p->root, m, 1);
	if (m->mime != NULL) {
		mime_free(m->mime);
		m->mime = NULL;
	}
	return r < 0 ? -1 : r == YES;
}

/* RFC 5322 3.3 date-time, with its obsolete forms (4.3): "[day-name ,] day month year
 * ...", words separated by whitespace or comments. Only the date is read. */
int search_date_parse(const char *v, size_t n, time_t *day_r)
{
	char word[3][16], date[64];
	size_t w = 0, i = 0;
	int depth = 0, day, year;

	while (i < n && w < 3) {
		size_t len = 0;
		char ch = v[i];

		if (ch == '(') {
			depth++;
			i++;
			continue;
		}
		if (depth > 0) {
			if (ch == ')')
				depth--;
			else if (ch == '\\')
				i++;
			i++;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == ',') {
			i++;
			continue;
		}
		while (i < n && isalnum((unsigned char)v[i])) {
			if (len + 1 < sizeof word[0])
				word[w][len++] = v[i];
			i++;
		}
		if (len == 0) {
			i++;	/* stray punctuation */
			continue;
		}
		word[w][len] = '\0';
		/* a day name, before a comma, is skipped */
		if (w == 0 && isalpha((unsigned char)word[0][0]))
			continue;
		w++;
	}
	if (w < 3 || strlen(word[0]) > 2 || strlen(word[1]) != 3 || strlen(word[2]) < 2 ||
	    strlen(word[2]) > 4)
		goto bad;
	day = 0;
	for (const char *s = word[0]; *s; s++) {
		if (!isdigit((unsigned char)*s))
			goto bad;
		day = day * 10 + (*s - '0');
	}
	year = 0;
	for (const char *s = word[2]; *s; s++) {
		if (!isdigit((unsigned char)*s))
			goto bad;
		year = year * 10 + (*s - '0');
	}
	/* RFC 5322 4.3: two digits are 1950-2049, three digits add 1900 */
	if (strlen(word[2]) == 2)
		year += year < 50 ? 2000 : 1900;
	else if (strlen(word[2]) == 3)
		year += 1900;
	snprintf(date, sizeof date, "%d-%s-%d", day, word[1], year);
	return imap_parse_date(date, day_r);
bad:
	errno = EINVAL;
	return -1;
}
