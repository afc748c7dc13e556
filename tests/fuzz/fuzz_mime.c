/*
 * mime_parse on any bytes, then everything FETCH builds from the tree: ENVELOPE,
 * BODY, BODYSTRUCTURE, and every section of every part. Checks the tree's ranges
 * stay inside the message and nest, and that a section writer sends exactly the
 * size it announced.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodystructure.h"
#include "envelope.h"
#include "mime.h"
#include "out.h"
#include "section.h"

static size_t count_written(const char *msg, const struct mime_msg *m,
			    const struct section_spec *s)
{
	struct section_data d;
	static struct out o;

	if (section_resolve(msg, m, s, &d) < 0)
		return 0;
	out_init(&o, -1, 0);	/* never flushed: large writes fail, which is fine here */
	size_t start = d.size / 3, len = d.size;
	size_t want = section_partial_len(d.size, start, len);
	if (want < OUT_BUF) {
		section_write(&o, msg, &d, start, len);
		if (o.len != want)
			abort();
	}
	section_data_free(&d);
	return want;
}

static void walk(const char *msg, size_t len, const struct mime_msg *m,
		 const struct mime_part *p, unsigned *path, size_t depth)
{
	static const char *const fields[] = { "subject", "from" };

	if (p->hdr_off + p->hdr_len > len || p->body_off + p->body_len > len ||
	    p->body_off < p->hdr_off + p->hdr_len)
		abort();
	for (int k = SECTION_BODY; k <= SECTION_MIME; k++) {
		struct section_spec s = { .parts = path, .nparts = depth, .kind = k,
					  .fields = fields, .nfields = 2 };
		if (depth == 0 && k == SECTION_MIME)
			continue;
		count_written(msg, m, &s);
	}
	if (depth >= SECTION_PARTS_MAX)
		return;
	unsigned i = 1;
	for (const struct mime_part *c = p->children; c != NULL; c = c->next, i++) {
		if (c->hdr_off < p->body_off || c->body_off + c->body_len > p->body_off + p->body_len)
			abort();
		if (p->flags & MIME_MESSAGE) {
			walk(msg, len, m, c, path, depth);
		} else {
			path[depth] = i;
			walk(msg, len, m, c, path, depth + 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct mime_msg *m;
	struct buf b;
	unsigned path[SECTION_PARTS_MAX + 1];

	if (mime_parse(msg, size, &m) < 0)
		return 0;
	if (m->nparts > MIME_PARTS_MAX + 1)
		abort();
	buf_init(&b, (size_t)1 << 26);
	envelope_append(&b, msg + m->root->hdr_off, m->root->hdr_len);
	buf_reset(&b);
	bodystructure_append(&b, msg, m->root, 0);
	buf_reset(&b);
	bodystructure_append(&b, msg, m->root, 1);
	buf_free(&b);
	walk(msg, size, m, m->root, path, 0);
	mime_free(m);
	return 0;
}
