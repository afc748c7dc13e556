/*
 * Text as SEARCH compares it: canonically decomposed, then case-folded, so that a
 * needle and a text folded alike can be compared octet by octet (search_fold.c).
 */
#ifndef IMAP_SEARCH_FOLD_H
#define IMAP_SEARCH_FOLD_H

#include <stddef.h>

/* A decomposition at most triples a text's length (a 2-octet character becomes a
 * letter and two 2-octet marks). */
#define SEARCH_FOLD_GROWTH 3

/* Fold s[0..n) (UTF-8; other octets are copied) into out, which has room for
 * SEARCH_FOLD_GROWTH * n octets. Returns the folded length. */
size_t search_fold(const char *s, size_t n, char *out);

#endif
