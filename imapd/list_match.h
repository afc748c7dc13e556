/*
 * Mailbox patterns of LIST and LSUB (RFC 3501 6.3.8, 6.3.9): '*' matches anything,
 * '%' anything but the hierarchy delimiter '/'. Matched as a set of pattern positions
 * (an NFA run), never by backtracking: time is the name's length times the pattern's,
 * whatever the client sends ("*a*a*a*a*b" against a long name costs no more than
 * "*").
 */
#ifndef IMAP_LIST_MATCH_H
#define IMAP_LIST_MATCH_H

#include <stddef.h>

struct imap;

struct imap_match {
	char *pat;		/* UTF-8, "INBOX" upper case */
	size_t m;
	unsigned char *on, *next;	/* m + 1 positions each */
};

/* The pattern of reference ref and pattern pat (modified UTF-7 as the client sent
 * them, concatenated as RFC 3501 6.3.8 says), decoded to UTF-8 with a leading INBOX
 * level in any case made "INBOX". 0; 1 when no name can match (the pattern is no
 * valid modified UTF-7, or too long); -1 with errno ENOMEM. */
int imap_match_init(struct imap_match *mt, const char *ref, const char *pat);
/* 1 when the name (UTF-8, '/' between levels, "INBOX") matches, else 0. */
int imap_match(struct imap_match *mt, const char *name);
void imap_match_free(struct imap_match *mt);

/* A mailbox name (UTF-8) as the client sees it: modified UTF-7, quoted or literal. */
void imap_put_mailbox(struct imap *s, const char *utf8);

#endif
