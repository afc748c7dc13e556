/*
 * imap_fetch_dump FILE ITEM...: what imapd's message-structure modules answer to
 * FETCH ITEM for the message in FILE, one value per item, each followed by "\0\n".
 * ITEM is ENVELOPE, BODYSTRUCTURE, BODY, RFC822.SIZE or BODY.PEEK[section]<a.b>,
 * written as in a FETCH command. tests/interop/dovecot_mime.py compares the values
 * with Dovecot's. The section parser here is a test's, not the session's.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bodystructure.h"
#include "envelope.h"
#include "imap_string.h"
#include "mime.h"
#include "out.h"
#include "section.h"

#define FIELDS_MAX 32

static int dump_section(struct out *o, const char *msg, const struct mime_msg *m,
			const char *item)
{
	unsigned parts[SECTION_PARTS_MAX];
	char names[FIELDS_MAX][128];
	const char *fields[FIELDS_MAX];
	struct section_spec s = { .parts = parts, .fields = fields };
	const char *p = strchr(item, '[') + 1;
	size_t start = 0, length = (size_t)-1;
	int partial = 0;

	while (isdigit((unsigned char)*p) && s.nparts < SECTION_PARTS_MAX) {
		parts[s.nparts++] = (unsigned)strtoul(p, (char **)&p, 10);
		if (*p == '.')
			p++;
	}
	if (strncasecmp(p, "HEADER.FIELDS.NOT", 17) == 0) {
		s.kind = SECTION_HEADER_FIELDS_NOT;
		p += 17;
	} else if (strncasecmp(p, "HEADER.FIELDS", 13) == 0) {
		s.kind = SECTION_HEADER_FIELDS;
		p += 13;
	} else if (strncasecmp(p, "HEADER", 6) == 0) {
		s.kind = SECTION_HEADER;
	} else if (strncasecmp(p, "TEXT", 4) == 0) {
		s.kind = SECTION_TEXT;
	} else if (strncasecmp(p, "MIME", 4) == 0) {
		s.kind = SECTION_MIME;
	}
	if (s.kind == SECTION_HEADER_FIELDS || s.kind == SECTION_HEADER_FIELDS_NOT) {
		p = strchr(p, '(') + 1;
		while (*p != ')' && *p != '\0' && s.nfields < FIELDS_MAX) {
			size_t n = strcspn(p, " )");
			snprintf(names[s.nfields], sizeof names[0], "%.*s", (int)n, p);
			fields[s.nfields] = names[s.nfields];
			s.nfields++;
			p += n;
			while (*p == ' ')
				p++;
		}
	}
	if ((p = strchr(p, '<')) != NULL) {
		partial = 1;
		start = strtoul(p + 1, (char **)&p, 10);
		length = strtoul(p + 1, NULL, 10);
	}
	struct section_data d;
	if (section_resolve(msg, m, &s, &d) < 0)
		return -1;
	size_t n = partial ? section_partial_len(d.size, start, length) : d.size;
	if (partial && start >= d.size && d.size > 0)
		n = 0;
	out_printf(o, "{%zu}\r\n", n);
	int r = section_write(o, msg, &d, start, n);
	section_data_free(&d);
	return r;
}

int main(int argc, char **argv)
{
	struct out o;
	struct stat st;
	struct mime_msg *m;
	const char *msg = "";
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: imap_fetch_dump FILE ITEM...\n");
		return 100;
	}
	if ((fd = open(argv[1], O_RDONLY)) < 0 || fstat(fd, &st) < 0) {
		perror(argv[1]);
		return 111;
	}
	if (st.st_size > 0 &&
	    (msg = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		perror("mmap");
		return 111;
	}
	if (mime_parse(msg, (size_t)st.st_size, &m) < 0) {
		perror("mime_parse");
		return 111;
	}
	out_init(&o, 1, -1);
	for (int i = 2; i < argc; i++) {
		const char *it = argv[i];
		struct buf b;
		buf_init(&b, (size_t)1 << 30);
		if (strcasecmp(it, "ENVELOPE") == 0) {
			envelope_append(&b, msg + m->root->hdr_off, m->root->hdr_len);
		} else if (strcasecmp(it, "BODYSTRUCTURE") == 0 || strcasecmp(it, "BODY") == 0) {
			bodystructure_append(&b, msg, m->root, strcasecmp(it, "BODY") != 0);
		} else if (strcasecmp(it, "RFC822.SIZE") == 0) {
			buf_printf(&b, "%zu", m->root->hdr_size + m->root->body_size);
		} else if (strchr(it, '[') != NULL) {
			if (dump_section(&o, msg, m, it) < 0) {
				perror(it);
				return 111;
			}
		}
		out_write(&o, buf_str(&b), b.len);
		out_write(&o, "\0\n", 2);
		buf_free(&b);
	}
	mime_free(m);
	if (st.st_size > 0)
		munmap((void *)msg, (size_t)st.st_size);
	close(fd);
	return out_flush(&o) < 0 ? 111 : 0;
}
