/*
 * Pure parsing for pop3d, with no I/O, so that fuzzers and tests drive it directly:
 * splitting a command line and message numbers (AUTH PLAIN's message is lib/sasl.c's).
 */
#ifndef POP3D_PARSE_H
#define POP3D_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define POP3_ARGS_MAX 4

struct pop3_cmd {
	char verb[8];		/* upper-cased keyword; "" when the line has none */
	char *rest;		/* everything after the keyword and one space ("" if none) */
	char *argv[POP3_ARGS_MAX];	/* rest split at spaces (when split_args was run) */
	int argc;		/* number of arguments; POP3_ARGS_MAX + 1 means too many */
};

/* Split a command line (terminator already removed, NUL-terminated, len bytes) in
 * place. 0, or -1 with errno EILSEQ when the line holds a NUL byte or another control
 * character, EINVAL when its keyword is empty or longer than POP3_VERB_MAX (an unknown
 * command). */
int pop3_cmd_parse(char *line, size_t len, struct pop3_cmd *c);

/* Split c->rest at runs of spaces into c->argv (modifies rest). */
void pop3_cmd_split_args(struct pop3_cmd *c);

/* A message number per RFC 1939: decimal, 1..count. 0 with *n_r, or -1 with errno
 * EINVAL (not a number) or ERANGE (0, above count, or overflowing). */
int pop3_msgno(const char *s, size_t count, size_t *n_r);

/* A non-negative decimal count (TOP's line count); values past UINT64_MAX are ERANGE. */
int pop3_count(const char *s, uint64_t *n_r);

#endif
