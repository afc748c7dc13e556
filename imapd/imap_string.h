/*
 * IMAP strings on the wire (RFC 3501 4.3, 9 "string", "nstring", "astring"): NIL, a
 * quoted string, or a literal {n}CRLF followed by the bytes. The choice between quoted
 * and literal follows Dovecot's imap_append_nstring(), because clients compare what
 * the two servers send for the same message: a literal for CR, LF, NUL or 8-bit bytes,
 * and for more than IMAP_QUOTED_ESCAPES_MAX characters that need a backslash.
 * All functions append to a struct buf and return 0 or -1 (errno from buf_append).
 */
#ifndef IMAP_STRING_H
#define IMAP_STRING_H

#include <stddef.h>

#include "buf.h"

/* Dovecot's choice: past 4 escaped '"' or '\' a literal is shorter to read. */
#define IMAP_QUOTED_ESCAPES_MAX 4

/* s[0..n) as a quoted string or a literal. */
int imap_string_append(struct buf *b, const char *s, size_t n);
/* s as a string, or NIL when s is NULL. */
int imap_nstring_append(struct buf *b, const char *s);
/* As imap_nstring_append, but CR and LF are removed (header unfolding, RFC 5322
 * 2.2.3); a value that had them is sent as a literal, as Dovecot does for ENVELOPE. */
int imap_nstring_nolf_append(struct buf *b, const char *s, size_t n);
/* s as an atom when it is one (RFC 3501 9 ATOM-CHAR, not "NIL"), else a string. */
int imap_astring_append(struct buf *b, const char *s, size_t n);
/* "{n}\r\n": the prefix of a literal of n octets, for callers that stream the bytes. */
int imap_literal_prefix(struct buf *b, size_t n);

#endif
