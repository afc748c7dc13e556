/*
 * A recursive-descent parser over the reader's framed command (cmdread.h): the
 * literal records say exactly where each literal's bytes are, so no token can run into
 * one, and nesting is bounded by IMAP_LIST_DEPTH_MAX. Nodes come from one pool of
 * IMAP_ARGS_MAX and strings from one arena no larger than the command (every token's
 * copy is shorter than its source plus a NUL), so a command costs bounded memory.
 */
#include "imap_args.h"

#include "maildir_folder.h"
#include "maildir_keywords.h"
#include "maildir_name.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct parser {
	struct imap_cmd *c;
	const char *s;
	size_t len, pos;
	const struct imap_literal *lit;
	size_t n_lit, k;
};

static int fail(struct parser *p, const char *why)
{
	if (p->c->error == NULL)
		p->c->error = why;
	errno = EINVAL;
	return -1;
}

static struct imap_arg *node(struct parser *p, enum imap_arg_type t)
{
	struct imap_arg *a;

	if (p->c->used >= IMAP_ARGS_MAX) {
		fail(p, "Too many arguments");
		return NULL;
	}
	a = &p->c->pool[p->c->used++];
	memset(a, 0, sizeof *a);
	a->type = t;
	a->fd = -1;
	return a;
}

/* Arena copy; the arena was sized so that this cannot run out. */
static char *copy(struct parser *p, const char *s, size_t n)
{
	char *d;

	if (n + 1 > p->c->str_cap - p->c->str_len)
		abort();
	d = p->c->str + p->c->str_len;
	memcpy(d, s, n);
	d[n] = '\0';
	p->c->str_len += n + 1;
	return d;
}

/* Where the current text run ends: the next literal's bytes, or the end. */
static size_t text_end(const struct parser *p)
{
	return p->k < p->n_lit ? p->lit[p->k].off : p->len;
}

static int atom_char(unsigned char ch)
{
	/* RFC 3501 9 ATOM-CHAR, plus list-wildcards, resp-specials and '\' (flags) */
	return ch > 0x20 && ch < 0x7f && ch != '(' && ch != ')' && ch != '{' && ch != '"';
}

static int parse_atom(struct parser *p, struct imap_arg **a_r)
{
	size_t end = text_end(p), start = p->pos;
	struct imap_arg *a;

	while (p->pos < end) {
		unsigned char ch = (unsigned char)p->s[p->pos];

		if (ch == '[' && memchr(p->s + p->pos, ']', end - p->pos) != NULL) {
			/* BODY[...] of FETCH: one atom through the matching ']'. A '[' with no
			 * ']' after it is a plain ATOM-CHAR (RFC 3501 9), as in a mailbox
			 * name "a[b". */
			while (p->s[p->pos] != ']') {
				ch = (unsigned char)p->s[p->pos];
				if (ch < 0x20 || ch >= 0x7f)
					return fail(p, "Invalid characters in atom");
				p->pos++;
			}
			p->pos++;
			continue;
		}
		if (!atom_char(ch))
			break;
		p->pos++;
	}
	if (p->pos == start)
		return fail(p, "Invalid characters in atom");
	if (p->pos < end && p->s[p->pos] != ' ' && p->s[p->pos] != ')' && p->s[p->pos] != '(')
		return fail(p, "Invalid characters in atom");
	a = node(p, IMAP_ARG_ATOM);
	if (a == NULL)
		return -1;
	a->len = p->pos - start;
	a->s = copy(p, p->s + start, a->len);
	*a_r = a;
	return 0;
}

static int parse_quoted(struct parser *p, struct imap_arg **a_r)
{
	size_t end = text_end(p), start, n = 0;
	struct imap_arg *a;
	char *d;

	start = ++p->pos;
	/* Unescape straight into the arena: the copy is never longer than the source. */
	d = p->c->str + p->c->str_len;
	for (;;) {
		unsigned char ch;

		if (p->pos >= end)
			return fail(p, "Missing '\"'");
		ch = (unsigned char)p->s[p->pos++];
		if (ch == '"')
			break;
		if (ch == '\\') {
			if (p->pos >= end)
				return fail(p, "Missing '\"'");
			ch = (unsigned char)p->s[p->pos++];
			if (ch != '\\' && ch != '"')
				return fail(p, "Invalid escape in quoted string");
		} else if (ch == '\0' || ch == '\r' || ch == '\n') {
			return fail(p, "Invalid characters in quoted string");
		}
		d[n++] = (char)ch;
	}
	(void)start;
	d[n] = '\0';
	p->c->str_len += n + 1;
	a = node(p, IMAP_ARG_QUOTED);
	if (a == NULL)
		return -1;
	a->s = d;
	a->len = n;
	*a_r = a;
	return 0;
}

static int parse_literal(struct parser *p, struct imap_arg **a_r)
{
	const struct imap_literal *l;
	struct imap_arg *a;
	size_t i = p->pos + 1;

	while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9')
		i++;
	if (i < p->len && p->s[i] == '+')
		i++;
	if (i >= p->len || p->s[i] != '}' || p->k >= p->n_lit || p->lit[p->k].off != i + 1)
		return fail(p, "Invalid literal");
	l = &p->lit[p->k++];
	a = node(p, IMAP_ARG_LITERAL);
	if (a == NULL)
		return -1;
	a->lit_len = l->len;
	if (l->fd >= 0) {
		a->fd = l->fd;
		p->pos = l->off;
	} else {
		a->len = (size_t)l->len;
		a->s = copy(p, p->s + l->off, a->len);
		p->pos = l->off + a->len;
	}
	*a_r = a;
	return 0;
}

static int parse_items(struct parser *p, struct imap_arg *list, int depth,
		       struct imap_arg **first_r, size_t *n_r)
{
	struct imap_arg **tail = first_r;

	*first_r = NULL;
	*n_r = 0;
	for (;;) {
		struct imap_arg *a = NULL;
		int rc;

		if (*n_r > 0 || list != NULL) {
			/* one space between arguments; clients that send more are
			 * tolerated, as Dovecot does */
			size_t was = p->pos;

			while (p->pos < p->len && p->s[p->pos] == ' ' && p->pos < text_end(p))
				p->pos++;
			if (p->pos == was && *n_r > 0 && p->pos < p->len &&
			    p->s[p->pos] != ')')
				return fail(p, "Missing space between arguments");
		}
		if (p->pos >= p->len) {
			if (list != NULL)
				return fail(p, "Missing ')'");
			return 0;
		}
		if (p->s[p->pos] == ')') {
			if (list == NULL)
				return fail(p, "Unexpected ')'");
			p->pos++;
			return 0;
		}
		switch (p->s[p->pos]) {
		case '(':
			if (depth >= IMAP_LIST_DEPTH_MAX)
				return fail(p, "Lists nested too deeply");
			a = node(p, IMAP_ARG_LIST);
			if (a == NULL)
				return -1;
			p->pos++;
			rc = parse_items(p, a, depth + 1, &a->child, &a->n);
			break;
		case '"':
			rc = parse_quoted(p, &a);
			break;
		case '{':
			rc = parse_literal(p, &a);
			break;
		default:
			rc = parse_atom(p, &a);
			break;
		}
		if (rc < 0)
			return -1;
		*tail = a;
		tail = &a->next;
		(*n_r)++;
	}
}

static int parse(struct imap_cmd *c, const char *s, size_t len,
		 const struct imap_literal *lit, size_t n_lit)
{
	struct parser p = { c, s, len, 0, lit, n_lit, 0 };
	size_t i, end;

	c->error = NULL;
	c->args = NULL;
	c->n_args = 0;
	c->used = 0;
	c->str_len = 0;
	snprintf(c->tag, sizeof c->tag, "*");
	c->name[0] = '\0';
	if (c->pool == NULL) {
		c->pool = malloc(IMAP_ARGS_MAX * sizeof *c->pool);
		if (c->pool == NULL)
			goto nomem;
	}
	if (c->str_cap < len + 2) {
		char *ns = realloc(c->str, len + 2);

		if (ns == NULL)
			goto nomem;
		c->str = ns;
		c->str_cap = len + 2;
	}
	end = text_end(&p);
	/* RFC 3501 9: tag = 1*<any ASTRING-CHAR except "+"> */
	for (i = 0; i < end && s[i] != ' '; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!atom_char(ch) || ch == '%' || ch == '*' || ch == '+' || ch == '\\' ||
		    ch == '[' || i >= IMAP_TAG_MAX)
			break;
	}
	if (i > 0 && i == end && i == len) {
		memcpy(c->tag, s, i);
		c->tag[i] = '\0';
		return fail(&p, "Missing command");
	}
	if (i == 0 || i >= end || s[i] != ' ')
		return fail(&p, i == 0 && end == 0 ? "Empty command" : "Invalid tag");
	memcpy(c->tag, s, i);
	c->tag[i] = '\0';
	p.pos = i + 1;
	for (i = 0; p.pos < end && s[p.pos] != ' '; p.pos++) {
		unsigned char ch = (unsigned char)s[p.pos];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')) ||
		    i + 5 >= sizeof c->name)
			return fail(&p, "Unknown command");
		c->name[i++] = (char)(ch & ~0x20);
	}
	c->name[i] = '\0';
	if (i == 0)
		return fail(&p, "Missing command");
	/* UID FETCH etc. are commands of their own in the table */
	if (strcmp(c->name, "UID") == 0 && p.pos < end && s[p.pos] == ' ') {
		c->name[i++] = ' ';
		for (p.pos++; p.pos < end && s[p.pos] != ' '; p.pos++) {
			unsigned char ch = (unsigned char)s[p.pos];

			if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')) ||
			    i + 1 >= sizeof c->name)
				return fail(&p, "Unknown command");
			c->name[i++] = (char)(ch & ~0x20);
		}
		c->name[i] = '\0';
	}
	if (p.pos < len) {
		if (s[p.pos] != ' ')
			return fail(&p, "Missing space after command");
		p.pos++;
		if (parse_items(&p, NULL, 0, &c->args, &c->n_args) < 0)
			return -1;
	}
	return 0;
nomem:
	c->error = "Out of memory";
	errno = ENOMEM;
	return -1;
}

int imap_cmd_parse(struct imap_cmd *c, const struct imap_reader *r)
{
	return parse(c, buf_str(&r->cmd), r->cmd.len, r->lit, r->n_lit);
}

int imap_cmd_parse_text(struct imap_cmd *c, const char *text, size_t len)
{
	return parse(c, text, len, NULL, 0);
}

void imap_cmd_free(struct imap_cmd *c)
{
	free(c->pool);
	free(c->str);
	c->pool = NULL;
	c->str = NULL;
	c->str_cap = 0;
	c->used = 0;
	c->args = NULL;
	c->n_args = 0;
}

struct imap_arg *imap_cmd_arg(const struct imap_cmd *c, size_t i)
{
	struct imap_arg *a = c->args;

	while (a != NULL && i-- > 0)
		a = a->next;
	return a;
}

const char *imap_arg_astring(const struct imap_arg *a)
{
	if (a == NULL || a->type == IMAP_ARG_LIST || a->s == NULL)
		return NULL;
	if (memchr(a->s, '\0', a->len) != NULL)
		return NULL;
	if (a->type == IMAP_ARG_ATOM) {
		/* RFC 3501 9 ASTRING-CHAR: atom chars ('[' is one) and ']'; no wildcards */
		for (size_t i = 0; i < a->len; i++) {
			if (a->s[i] == '%' || a->s[i] == '*' || a->s[i] == '\\')
				return NULL;
		}
	}
	return a->s;
}

const char *imap_arg_string(const struct imap_arg *a)
{
	if (a == NULL || a->type == IMAP_ARG_ATOM)
		return NULL;
	return imap_arg_astring(a);
}

int imap_arg_atom_is(const struct imap_arg *a, const char *name)
{
	return a != NULL && a->type == IMAP_ARG_ATOM && strcasecmp(a->s, name) == 0;
}

int imap_arg_is_nil(const struct imap_arg *a)
{
	return imap_arg_atom_is(a, "NIL");
}

int imap_arg_mailbox(const struct imap_arg *a, char *out, size_t outsz)
{
	const char *s;
	int n;

	if (a != NULL && a->type == IMAP_ARG_ATOM)
		s = a->s; /* list-mailbox chars are refused below by mUTF-7 rules */
	else
		s = imap_arg_astring(a);
	if (s == NULL || memchr(s, '\0', a->len) != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (a->type == IMAP_ARG_ATOM && imap_arg_astring(a) == NULL) {
		errno = EINVAL;
		return -1;
	}
	n = maildir_mutf7_decode(s, a->len, out, outsz);
	if (n < 0)
		return -1;
	/* RFC 3501 5.1: INBOX is case-insensitive, also as a parent */
	if (strncasecmp(out, "INBOX", 5) == 0 && (out[5] == '\0' || out[5] == '/'))
		memcpy(out, "INBOX", 5);
	return 0;
}

static const struct {
	const char *name;
	uint32_t bit;
} system_flags[] = {
	{ "\\Seen", MAILDIR_F_SEEN },
	{ "\\Answered", MAILDIR_F_REPLIED },
	{ "\\Flagged", MAILDIR_F_FLAGGED },
	{ "\\Deleted", MAILDIR_F_TRASHED },
	{ "\\Draft", MAILDIR_F_DRAFT },
};

static int one_flag(const struct imap_arg *a, uint32_t *flags, const char **kw,
		    size_t kw_max, size_t *n_kw)
{
	if (a->type != IMAP_ARG_ATOM) {
		errno = EINVAL;
		return -1;
	}
	if (a->s[0] == '\\') {
		for (size_t i = 0; i < sizeof system_flags / sizeof system_flags[0]; i++) {
			if (strcasecmp(a->s, system_flags[i].name) == 0) {
				*flags |= system_flags[i].bit;
				return 0;
			}
		}
		/* \Recent cannot be stored (RFC 3501 2.3.2); other \flags do not exist */
		errno = EINVAL;
		return -1;
	}
	if (!maildir_keyword_valid(a->s)) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < *n_kw; i++) {
		if (strcmp(kw[i], a->s) == 0)
			return 0;
	}
	if (*n_kw >= kw_max) {
		errno = ENOSPC;
		return -1;
	}
	kw[(*n_kw)++] = a->s;
	return 0;
}

int imap_arg_flags(const struct imap_arg *a, int allow_single, uint32_t *flags_r,
		   const char **kw_r, size_t kw_max, size_t *n_kw_r)
{
	*flags_r = 0;
	*n_kw_r = 0;
	if (a == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (a->type != IMAP_ARG_LIST) {
		if (!allow_single) {
			errno = EINVAL;
			return -1;
		}
		return one_flag(a, flags_r, kw_r, kw_max, n_kw_r);
	}
	for (const struct imap_arg *e = a->child; e != NULL; e = e->next) {
		if (one_flag(e, flags_r, kw_r, kw_max, n_kw_r) < 0)
			return -1;
	}
	return 0;
}

static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static int digits(const char *s, size_t n, int *v_r)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*v_r = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm):
 * timegm() is not POSIX. */
static long long days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int mdays(int y, int m)
{
	static const int md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return md[m - 1];
}

/* "d-Mon-yyyy" or "dd-Mon-yyyy" (space-padded day when pad): length consumed or -1. */
static int parse_dmy(const char *s, int pad, int *y, int *m, int *d)
{
	size_t dl = 2;
	int i;

	if (pad && s[0] == ' ') {
		if (digits(s + 1, 1, d) < 0)
			return -1;
	} else if (s[0] != '\0' && s[1] == '-') {
		dl = 1;
		if (digits(s, 1, d) < 0)
			return -1;
	} else if (digits(s, 2, d) < 0) {
		return -1;
	}
	s += dl;
	if (s[0] != '-' || s[4] != '-' || strlen(s) < 9)
		return -1;
	for (i = 0; i < 12; i++) {
		if (strncasecmp(s + 1, months[i], 3) == 0)
			break;
	}
	if (i == 12 || digits(s + 5, 4, y) < 0)
		return -1;
	*m = i + 1;
	if (*d < 1 || *d > mdays(*y, *m) || *y < 1900)
		return -1;
	return (int)dl + 9;
}

int imap_parse_date(const char *s, time_t *t_r)
{
	int y, m, d, n = parse_dmy(s, 0, &y, &m, &d);

	if (n < 0 || s[n] != '\0') {
		errno = EINVAL;
		return -1;
	}
	*t_r = (time_t)(days_from_civil(y, m, d) * 86400);
	return 0;
}

int imap_parse_datetime(const char *s, time_t *t_r)
{
	int y, m, d, hh, mm, ss, zh, zm, n;
	long long t;

	/* RFC 3501 9: date-day-fixed is (SP DIGIT) / 2DIGIT */
	if (strlen(s) != 26 || (n = parse_dmy(s, 1, &y, &m, &d)) != 11 ||
	    s[11] != ' ' || digits(s + 12, 2, &hh) < 0 || s[14] != ':' ||
	    digits(s + 15, 2, &mm) < 0 || s[17] != ':' || digits(s + 18, 2, &ss) < 0 ||
	    s[20] != ' ' || (s[21] != '+' && s[21] != '-') || digits(s + 22, 2, &zh) < 0 ||
	    digits(s + 24, 2, &zm) < 0 || hh > 23 || mm > 59 || ss > 60 || zm > 59) {
		errno = EINVAL;
		return -1;
	}
	t = days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
	t -= (s[21] == '-' ? -1 : 1) * (zh * 3600 + zm * 60);
	*t_r = (time_t)t;
	return 0;
}

void imap_format_datetime(time_t t, int tz_min, char *out, size_t outsz)
{
	long long x = (long long)t + tz_min * 60LL, days = x / 86400, secs = x % 86400;
	long long z, era, doe, yoe, doy, mp, y;
	int d, m, a = tz_min < 0 ? -tz_min : tz_min;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	/* civil_from_days, the inverse of days_from_civil above */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (int)(doy - (153 * mp + 2) / 5 + 1);
	m = (int)(mp < 10 ? mp + 3 : mp - 9);
	y += m <= 2;
	snprintf(out, outsz, "%02d-%s-%04lld %02lld:%02lld:%02lld %c%02d%02d", d,
		 months[m - 1], y, secs / 3600, secs / 60 % 60, secs % 60,
		 tz_min < 0 ? '-' : '+', a / 60, a % 60);
}
