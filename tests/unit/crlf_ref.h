/*
 * The obvious LF -> CRLF converter, one byte at a time: what lib/crlf.c must send, for
 * the unit test and the fuzz target alike. full holds the whole conversion (at least
 * 3 * n + 2 bytes), out the part in the window [skip, skip + want). Returns out's length.
 */
#ifndef CRLF_REF_H
#define CRLF_REF_H

#include "crlf.h"

#include <stddef.h>
#include <stdint.h>

static size_t crlf_reference(const char *in, size_t n, unsigned flags, uint64_t skip,
			     uint64_t want, int end, char *full, char *out)
{
	size_t k = 0, r = 0;
	int bol = 1, prev_cr = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = in[i];
		if (bol && (flags & CRLF_DOTSTUFF) && ch == '.')
			full[k++] = '.';
		if (ch == '\n' && !prev_cr)
			full[k++] = '\r';
		full[k++] = (flags & CRLF_NUL_80) && ch == '\0' ? (char)0x80 : ch;
		prev_cr = ch == '\r';
		bol = ch == '\n';
	}
	if (end && !bol) {
		full[k++] = '\r';
		full[k++] = '\n';
	}
	for (size_t i = 0; i < k; i++)
		if (i >= skip && i - skip < want)
			out[r++] = full[i];
	return r;
}

#endif
