/*
 * The privileged delivery helper's request parser (smtpd/helper.c helper_parse) over
 * arbitrary bytes: what it accepts has every field inside the request and
 * NUL-terminated, a length within SMTP_SIZE_CEILING, the headers (if any) ending
 * where the request ends, and nothing after the fields of a request without headers.
 * The mailbox side is stubbed: only parsing runs here.
 */
#include "../../smtpd/helper.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stubs: the helper's loop is not run. */
int mbox_check(const char *users, const char *name, const char *tag, struct mbox *m)
{
	(void)users, (void)name, (void)tag, (void)m;
	return MBOX_TEMP;
}
int mbox_first_user(const char *users, char *name, size_t sz)
{
	(void)users, (void)name, (void)sz;
	return -1;
}
int mbox_prepare(const char *users, const char *name, const char *folder, const char *hdr,
		 size_t hlen, int spool, uint64_t len, struct mbox_copy *c)
{
	(void)users, (void)name, (void)folder, (void)hdr, (void)hlen, (void)spool, (void)len;
	return c->st = MBOX_TEMP;
}
int mbox_finish(struct mbox_copy *c, int commit)
{
	(void)commit;
	return c->st;
}

static int inside(const char *p, const char *base, size_t size)
{
	return p >= base && p < base + size && memchr(p, '\0', size - (size_t)(p - base));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *req = malloc(size + 1);
	struct helper_req r;
	int n = 0;

	if (req == NULL)
		return 0;
	memcpy(req, data, size);
	if (helper_parse(req, size, &r) == 0) {
		switch (r.op) {
		case HELPER_CHECK:
		case HELPER_AUTH:
			n = 2;
			break;
		case HELPER_PREPARE:
		case HELPER_DELIVER:
			n = 3;
			if (r.size > SMTP_SIZE_CEILING)
				abort();
			break;
		case HELPER_FIRST:
			if (size != 1)
				abort();
			break;
		case HELPER_END:
			if (size != 2 || r.commit != (req[1] == '1'))
				abort();
			break;
		default:
			abort();
		}
		for (int i = 0; i < n; i++) {
			if (!inside(r.f[i], req, size))
				abort();
		}
		if (n > 0 && r.data + r.dlen != req + size)
			abort();
		if (n == 2 && r.dlen != 0)
			abort();
	}
	free(req);
	return 0;
}
