/*
 * pop3d-sizes: the wire size of each message, learnt once and kept in the Maildir.
 *
 * A client's first command is STAT, which needs every message's exact size (RFC 1939
 * section 11), and that depends on the file's last byte (see retr.c): one open and
 * pread per message, every session. Maildir messages never change once delivered, so
 * a size learnt for a UID holds for as long as the folder's UIDVALIDITY does. The
 * file is read at login and rewritten (temporary file, rename) when a session learnt
 * new sizes, always under pop3d.lock, so only one pop3d writes it. It is a cache: a
 * missing, foreign or damaged file only costs the preads again.
 *
 *   1 V<uidvalidity>
 *   <uid> <wire size>
 */
#include "pop3.h"

#include "buf.h"
#include "io.h"
#include "log.h"
#include "maildir_lock.h"
#include "str.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define POP3_SIZES_FILE "pop3d-sizes"
/* "<uid> <size>\n" is at most 10 + 1 + 20 + 1 bytes; this bounds a file of 1M messages. */
#define POP3_SIZES_MAX (40u << 20)
#define POP3_SIZE_MAX (UINT64_C(1) << 40)	/* a message size we believe */

/* Parse "<a> <b>" of a line; 0 or -1. */
static int two_numbers(const char *p, size_t len, uint64_t amax, uint64_t *a, uint64_t *b)
{
	const char *sp = memchr(p, ' ', len);

	if (sp == NULL)
		return -1;
	if (str_to_u64(p, (size_t)(sp - p), amax, a) < 0)
		return -1;
	return str_to_u64(sp + 1, len - (size_t)(sp - p) - 1, POP3_SIZE_MAX, b);
}

void pop3_sizes_load(struct pop3 *s)
{
	char path[PATH_MAX];
	struct buf b;
	const char *p, *end;
	uint64_t v, uid, size;
	int n = snprintf(path, sizeof path, "%s/" POP3_SIZES_FILE, maildir_box_dir(s->box));

	if (n < 0 || (size_t)n >= sizeof path)
		return;
	buf_init(&b, POP3_SIZES_MAX);
	if (io_read_file(path, &b) < 0 || b.len < 4 || memcmp(b.s, "1 V", 3) != 0)
		goto out;
	p = b.s + 3;
	end = b.s + b.len;
	{
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL || str_to_u64(p, (size_t)(nl - p), UINT32_MAX, &v) < 0 ||
		    v != maildir_box_uidvalidity(s->box))
			goto out;	/* another folder generation: start over */
		p = nl + 1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		long i;

		if (nl == NULL || two_numbers(p, (size_t)(nl - p), UINT32_MAX, &uid, &size) < 0) {
			log_warn("%s: damaged, sizes will be learnt again", path);
			goto out;
		}
		i = maildir_box_find(s->box, (uint32_t)uid);
		if (i >= 0) {
			s->m[i].wire_size = size;
			s->m[i].sized = 1;
		}
		p = nl + 1;
	}
out:
	buf_free(&b);
}

void pop3_sizes_save(struct pop3 *s)
{
	struct buf b;

	if (s->sizes_learnt == 0)
		return;
	buf_init(&b, POP3_SIZES_MAX);
	if (buf_printf(&b, "1 V%lu\n", (unsigned long)maildir_box_uidvalidity(s->box)) < 0)
		goto out;
	for (size_t i = 0; i < maildir_box_count(s->box); i++) {
		if (s->m[i].sized && buf_printf(&b, "%lu %llu\n", (unsigned long)maildir_box_msg(s->box, i)->uid,
						(unsigned long long)s->m[i].wire_size) < 0)
			goto out;
	}
	if (maildir_file_replace(maildir_box_dir(s->box), POP3_SIZES_FILE, b.s, b.len) < 0)
		log_warn("%s/%s: %s", maildir_box_dir(s->box), POP3_SIZES_FILE, strerror(errno));
	else
		s->sizes_learnt = 0;
out:
	buf_free(&b);
}
