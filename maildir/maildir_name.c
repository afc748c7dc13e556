/*
 * Maildir file names (shared/rfc/maildir-spec.txt, dovecot-maildir.md "Maildir Filename
 * Extensions"): the parser reads what other Maildir programs write and the writer keeps
 * every byte it does not understand, so that a Maildir can move between this project,
 * Dovecot, Courier, mbsync and offlineimap without messages being re-downloaded or
 * losing their foreign fields.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "maildir_name.h"
#include "str.h"

/* The 26 letters of each case; bits above are never written. */
#define FLAG_MASK ((UINT32_C(1) << 26) - 1)
/* Escaped host names are cut to this many bytes so that base, ,S=,W= and a full
 * ":2,<52 letters>" still fit in MAILDIR_NAME_MAX (the rest of the base is < 64). */
#define UNIQUE_HOST_MAX 64
/* POSIX HOST_NAME_MAX is 255 at most; one more for the NUL gethostname may omit. */
#define HOSTNAME_BUF 256

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Where the info part starts. ':' is the separator of the spec and wins wherever it is
 * (hosts are written with ':' escaped, so a base never holds one). ';' and '!' are the
 * separators of systems where ':' is not allowed in file names (mbsync's InfoDelimiter,
 * Courier on Windows); those characters may occur in foreign unique names, so they only
 * count when followed by an info version "<digit>,".
 */
static size_t find_sep(const char *name, size_t len)
{
	const char *colon = memchr(name, ':', len);

	if (colon != NULL)
		return (size_t)(colon - name);
	for (size_t i = 0; i + 2 < len; i++) {
		if ((name[i] == ';' || name[i] == '!') && is_digit(name[i + 1]) &&
		    name[i + 2] == ',')
			return i;
	}
	return len;
}

/* A leading run of digits as a number; 0 when absent or overflowing. */
static uint64_t lead_number(const char *s, size_t len)
{
	size_t n = 0;
	uint64_t v;

	while (n < len && is_digit(s[n]))
		n++;
	if (n == 0 || str_to_u64(s, n, UINT64_MAX, &v) < 0)
		return 0;
	return v;
}

/* usec: "M<digits>" inside the second dot-separated component of the base (the delivery
 * identifier, e.g. "M123456P42Q1"). */
static uint64_t base_usec(const char *base, size_t len)
{
	const char *dot = memchr(base, '.', len);
	size_t i, end;

	if (dot == NULL)
		return 0;
	i = (size_t)(dot - base) + 1;
	for (end = i; end < len && base[end] != '.' && base[end] != ','; end++)
		;
	for (; i + 1 < end; i++) {
		if (base[i] == 'M' && is_digit(base[i + 1]))
			return lead_number(base + i + 1, end - i - 1);
	}
	return 0;
}

/* The ,S= and ,W= fields of the base. Other fields (,U= of mbsync, ,FMD5= of offlineimap)
 * are left alone: they stay part of the base. A value that is not all digits or does not
 * fit leaves the size unknown. */
static void base_sizes(const char *base, size_t len, uint64_t *size_r, uint64_t *vsize_r)
{
	const char *p = memchr(base, ',', len);
	const char *end = base + len;

	*size_r = MAILDIR_SIZE_UNKNOWN;
	*vsize_r = MAILDIR_SIZE_UNKNOWN;
	while (p != NULL) {
		const char *f = p + 1;
		const char *next = memchr(f, ',', (size_t)(end - f));
		size_t flen = (size_t)((next != NULL ? next : end) - f);
		uint64_t *dst = NULL, v;

		if (flen > 2 && f[1] == '=' && f[0] == 'S')
			dst = size_r;
		else if (flen > 2 && f[1] == '=' && f[0] == 'W')
			dst = vsize_r;
		/* The first occurrence counts; a value of UINT64_MAX would read as unknown. */
		if (dst != NULL && *dst == MAILDIR_SIZE_UNKNOWN &&
		    str_to_u64(f + 2, flen - 2, UINT64_MAX - 1, &v) == 0)
			*dst = v;
		p = next;
	}
}

/* Parse flag letters; returns the offset of what ends the flags field: the first ','
 * or the NUL. A character other than a letter stops the parsing (the letters after it
 * are not read), but the field still runs to the ','. */
static size_t flags_scan(const char *s, uint32_t *flags_r, uint32_t *keywords_r)
{
	size_t i = 0;
	int parsing = 1;

	*flags_r = 0;
	*keywords_r = 0;
	for (; s[i] != '\0' && s[i] != ','; i++) {
		char c = s[i];

		if (!parsing)
			continue;
		if (c >= 'A' && c <= 'Z')
			*flags_r |= MAILDIR_FLAG(c);
		else if (c >= 'a' && c <= 'z')
			*keywords_r |= MAILDIR_KW(c);
		else
			parsing = 0;
	}
	return i;
}

void maildir_flags_parse(const char *s, uint32_t *flags_r, uint32_t *keywords_r)
{
	(void)flags_scan(s, flags_r, keywords_r);
}

int maildir_flags_format(uint32_t flags, uint32_t keywords, char *out, size_t outsz)
{
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		uint32_t m = (pass == 0 ? flags : keywords) & FLAG_MASK;
		char first = pass == 0 ? 'A' : 'a';

		for (int b = 0; b < 26; b++) {
			if (!(m & (UINT32_C(1) << b)))
				continue;
			if (n + 1 >= outsz) {
				if (outsz > 0)
					out[0] = '\0';
				errno = ENAMETOOLONG;
				return -1;
			}
			out[n++] = (char)(first + b);
		}
	}
	if (outsz == 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out[n] = '\0';
	return (int)n;
}

int maildir_name_parse(const char *name, struct maildir_name *r)
{
	size_t len;

	memset(r, 0, sizeof *r);
	if (name == NULL || name[0] == '\0' || name[0] == '.') {
		errno = EINVAL;
		return -1;
	}
	len = strnlen(name, MAILDIR_NAME_MAX + 1);
	if (len > MAILDIR_NAME_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* A control character (a newline above all) could not be written to the
	 * line-based dovecot-uidlist, nor logged safely: such a file is no message. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/' || c < 0x20 || c == 0x7f) {
			errno = EINVAL;
			return -1;
		}
	}
	r->base_len = find_sep(name, len);
	r->tail_off = len;
	if (r->base_len < len) {
		const char *info = name + r->base_len + 1;

		r->sep = name[r->base_len];
		if (info[0] == '2' && info[1] == ',') {
			r->info_v2 = 1;
			r->tail_off = r->base_len + 3 +
				flags_scan(info + 2, &r->flags, &r->keywords);
		}
	}
	base_sizes(name, r->base_len, &r->size, &r->vsize);
	r->sec = lead_number(name, r->base_len);
	r->usec = base_usec(name, r->base_len);
	return 0;
}

int maildir_name_with_flags(const char *name, uint32_t flags, uint32_t keywords,
			    char *out, size_t outsz)
{
	struct maildir_name p;
	char letters[2 * 26 + 1];
	const char *tail;
	int n;

	if (maildir_name_parse(name, &p) < 0)
		return -1;
	if (maildir_flags_format(flags, keywords, letters, sizeof letters) < 0)
		return -1;
	/* Another info version is replaced as a whole; a "2," info keeps its tail. */
	tail = p.info_v2 ? name + p.tail_off : "";
	n = snprintf(out, outsz, "%.*s%c2,%s%s", (int)p.base_len, name,
		     p.sep != 0 ? p.sep : ':', letters, tail);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	/* A name past NAME_MAX could never be created (nor parsed back). */
	if ((size_t)n >= outsz || n > MAILDIR_NAME_MAX) {
		if (outsz > 0)
			out[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	return n;
}

/*
 * The host part of unique names (maildir-spec.txt "How are unique names created?"):
 * '/' and ':' escaped as the spec says, and ',' as \054 too, since a ',' in the base
 * starts a field (",S=") for Dovecot and us. Space and anything outside printable ASCII
 * are dropped; the result is cut, never inside an escape, at UNIQUE_HOST_MAX.
 */
static void unique_host(char *out, size_t outsz)
{
	char raw[HOSTNAME_BUF];
	const char *h = getenv("MAILDIR_HOSTNAME");
	size_t n = 0;

	if (h == NULL || h[0] == '\0') {
		if (gethostname(raw, sizeof raw) < 0)
			raw[0] = '\0';
		raw[sizeof raw - 1] = '\0';
		h = raw;
	}
	for (; *h != '\0'; h++) {
		unsigned char c = (unsigned char)*h;
		const char *esc = NULL;

		if (c == '/')
			esc = "\\057";
		else if (c == ':')
			esc = "\\072";
		else if (c == ',')
			esc = "\\054";
		else if (c <= 0x20 || c >= 0x7f)
			continue;
		if (esc != NULL) {
			if (n + 4 >= outsz)
				break;
			memcpy(out + n, esc, 4);
			n += 4;
		} else {
			if (n + 1 >= outsz)
				break;
			out[n++] = (char)c;
		}
	}
	if (n == 0 && outsz > sizeof "localhost")
		n = str_lcpy(out, "localhost", outsz);
	out[n] = '\0';
}

int maildir_unique(char *out, size_t outsz)
{
	static unsigned long long deliveries;
	char host[UNIQUE_HOST_MAX + 1];
	struct timeval tv;
	int n;

	if (gettimeofday(&tv, NULL) < 0)
		return -1;
	unique_host(host, sizeof host);
	deliveries++;
	n = snprintf(out, outsz, "%lld.M%ldP%ldQ%llu.%s", (long long)tv.tv_sec,
		     (long)tv.tv_usec, (long)getpid(), deliveries, host);
	if (n < 0 || (size_t)n >= outsz || n > MAILDIR_NAME_MAX) {
		if (outsz > 0)
			out[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	return n;
}

/* What the delivery order needs from a name; never fails (a name that does not parse
 * compares by its bytes after two zero times). */
static void delivery_key(const char *s, uint64_t *sec, uint64_t *usec, size_t *base_len)
{
	struct maildir_name p;

	if (maildir_name_parse(s, &p) == 0) {
		*sec = p.sec;
		*usec = p.usec;
		*base_len = p.base_len;
	} else {
		*sec = 0;
		*usec = 0;
		*base_len = strlen(s);
	}
}

int maildir_name_cmp_delivery(const char *a, const char *b)
{
	uint64_t sa, ua, sb, ub;
	size_t la, lb;
	int c;

	delivery_key(a, &sa, &ua, &la);
	delivery_key(b, &sb, &ub, &lb);
	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (ua != ub)
		return ua < ub ? -1 : 1;
	c = memcmp(a, b, la < lb ? la : lb);
	if (c != 0)
		return c < 0 ? -1 : 1;
	return la < lb ? -1 : la > lb;
}
