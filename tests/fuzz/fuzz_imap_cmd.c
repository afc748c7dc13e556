/*
 * imapd's command reader and argument parser over arbitrary input in push mode: every
 * framed command is parsed, and the tree is walked to check the parser's bounds.
 */
#include "cmdread.h"
#include "imap_args.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct imap_arg *a, int depth)
{
	size_t n = 0;

	if (depth > IMAP_LIST_DEPTH_MAX + 1)
		abort();
	for (; a != NULL; a = a->next) {
		n++;
		if (a->type == IMAP_ARG_LIST)
			n += walk(a->child, depth + 1);
		else if (a->s != NULL && a->s[a->len] != '\0')
			abort();
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct imap_reader r;
	struct imap_cmd c = { 0 };
	char out[IMAP_MAILBOX_MAX + 1];

	imap_reader_init(&r, -1, -1, 4096);
	while (size > 0) {
		size_t k = imap_reader_push(&r, data, size);
		int rc;

		data += k;
		size -= k;
		while ((rc = imap_reader_next(&r)) != IMAP_RD_MORE) {
			if (rc == IMAP_RD_COMMAND && imap_cmd_parse(&c, &r) == 0) {
				if (walk(c.args, 0) > IMAP_ARGS_MAX)
					abort();
				for (const struct imap_arg *a = c.args; a != NULL; a = a->next)
					(void)imap_arg_mailbox(a, out, sizeof out);
			}
			if (rc == IMAP_RD_FATAL)
				goto out;
		}
	}
out:
	imap_cmd_free(&c);
	imap_reader_free(&r);
	return 0;
}
