/*
 * SEARCH over arbitrary input: the first line is a search program (after "t SEARCH "),
 * parsed by the argument parser and search_parse(); the rest is a message, which the
 * program is evaluated against (header and body decoding, the SENT* date parser).
 * Checks the parser's bounds: the tree is no deeper than SEARCH_DEPTH_MAX, and has no
 * more nodes than arguments (NEW makes three of one).
 */
#include "imap_args.h"
#include "search.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t args(const struct imap_arg *a)
{
	size_t n = 0;

	for (; a != NULL; a = a->next)
		n += 1 + (a->type == IMAP_ARG_LIST ? args(a->child) : 0);
	return n;
}

static int depth(const struct search_node *n)
{
	int d = 0;

	for (; n != NULL; n = n->next) {
		int k = depth(n->child) + 1;
		if (k > d)
			d = k;
	}
	return d;
}

static const char *msg;
static size_t msg_len;

static int get(struct search_msg *m, int need)
{
	if (need == SEARCH_NEED_SIZE)
		m->size = msg_len;
	else if (need == SEARCH_NEED_DATE)
		m->internaldate = 1700000000;
	else {
		m->data = msg;
		m->len = msg_len;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct imap_cmd c;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t line = nl != NULL ? (size_t)(nl - data) : size;
	char *text = malloc(line + 10);
	struct search_prog p;
	const char *err = NULL;

	if (text == NULL)
		return 0;
	memcpy(text, "t SEARCH ", 9);
	memcpy(text + 9, data, line);
	msg = nl != NULL ? (const char *)nl + 1 : "";
	msg_len = nl != NULL ? size - line - 1 : 0;
	if (imap_cmd_parse_text(&c, text, line + 9) == 0) {
		if (search_parse(c.args, &p, &err) == 0) {
			struct search_msg m;

			/* the root is one level above the program's keys */
			if (depth(p.root) > SEARCH_DEPTH_MAX + 2 || p.nodes > 3 * args(c.args) + 1)
				abort();
			search_prog_bind(&p, 5, 50, NULL);
			memset(&m, 0, sizeof m);
			m.seq = 3;
			m.uid = 30;
			m.get = get;
			if (search_match(&p, &m) < 0 && errno != ENOMEM)
				abort();
		} else if (err == NULL) {
			abort();
		}
		search_prog_free(&p);
	}
	free(text);
	return 0;
}
