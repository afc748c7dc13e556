/* IMAP string output; see imap_string.h for the quoted/literal rule. */
#include "imap_string.h"

#include <string.h>
#include <strings.h>

static int needs_literal(const char *s, size_t n)
{
	unsigned escapes = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r' || c == '\n' || c == '\0' || c >= 0x80)
			return 1;
		if ((c == '"' || c == '\\') && ++escapes > IMAP_QUOTED_ESCAPES_MAX)
			return 1;
	}
	return 0;
}

int imap_literal_prefix(struct buf *b, size_t n)
{
	return buf_printf(b, "{%zu}\r\n", n);
}

int imap_string_append(struct buf *b, const char *s, size_t n)
{
	if (needs_literal(s, n))
		return imap_literal_prefix(b, n) < 0 ? -1 : buf_append(b, s, n);
	if (buf_putc(b, '"') < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((s[i] == '"' || s[i] == '\\') && buf_putc(b, '\\') < 0)
			return -1;
		if (buf_putc(b, s[i]) < 0)
			return -1;
	}
	return buf_putc(b, '"');
}

int imap_nstring_append(struct buf *b, const char *s)
{
	return s == NULL ? buf_puts(b, "NIL") : imap_string_append(b, s, strlen(s));
}

int imap_nstring_nolf_append(struct buf *b, const char *s, size_t n)
{
	size_t k = 0;

	if (s == NULL)
		return buf_puts(b, "NIL");
	if (memchr(s, '\r', n) == NULL && memchr(s, '\n', n) == NULL)
		return imap_string_append(b, s, n);
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n')
			k++;
	if (imap_literal_prefix(b, k) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n' && buf_putc(b, s[i]) < 0)
			return -1;
	return 0;
}

static int is_atom_char(unsigned char c)
{
	/* RFC 3501 9: ATOM-CHAR is any CHAR except atom-specials. */
	return c > ' ' && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

int imap_astring_append(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && is_atom_char((unsigned char)s[i]); i++)
		;
	if (n > 0 && i == n && !(n == 3 && strncasecmp(s, "NIL", 3) == 0))
		return buf_append(b, s, n);
	return imap_string_append(b, s, n);
}
