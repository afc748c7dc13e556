/*
 * Fuzz the push half of the line reader: the input arrives in chunks whose sizes come
 * from the input itself, into a push-only reader with a 64-byte line limit, and lines
 * are taken until LINE_MORE. Checked against a plain split of the input at each LF:
 * every line shorter than the limit comes back whole, in order, NUL-terminated and
 * ending in its LF; every longer one is reported as ERANGE exactly once, at its LF;
 * nothing is returned for the bytes after the last LF.
 */
#include "line.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_LINE_MAX 64

static struct line_reader rd;

static void check(int cond)
{
	if (!cond)
		abort();
}

/* Take every complete line, checking each against the next line of the input from
 * *ref on (the reference split). */
static void take_all(const uint8_t *data, size_t size, size_t *ref, char *buf)
{
	const uint8_t *lf;
	size_t len, want;
	int rc;

	for (;;) {
		len = (size_t)-1;
		rc = line_take(&rd, buf, FUZZ_LINE_MAX, &len);
		if (rc == LINE_MORE)
			break;
		lf = memchr(data + *ref, '\n', size - *ref);
		check(lf != NULL);
		want = (size_t)(lf - (data + *ref)) + 1;
		if (rc == -1) {
			check(errno == ERANGE);
			check(want > FUZZ_LINE_MAX - 1);
			check(!rd.discarding && rd.have == 0);
		} else {
			check(rc == 1);
			check(len == want && len < FUZZ_LINE_MAX);
			check(memcmp(buf, data + *ref, len) == 0);
			check(buf[len] == '\0' && buf[len - 1] == '\n');
			check(rd.have == 0);
		}
		*ref += want;
	}
	check(rd.have < FUZZ_LINE_MAX - 1);
	check(rd.pos <= rd.len && rd.len <= LINE_INBUF);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[FUZZ_LINE_MAX];
	size_t off = 0, ref = 0, step = 1;

	line_init(&rd, -1, -1);
	while (off < size) {
		size_t n, took;

		/* Chunk sizes from 1 to 2 KiB, driven by the data so the fuzzer can steer
		 * where the chunk borders fall (inside a CRLF, at the limit, ...). */
		step = (step * 31 + data[off]) % 2048 + 1;
		n = size - off < step ? size - off : step;
		took = line_push(&rd, data + off, n);
		check(took > 0 && took <= n);
		off += took;
		take_all(data, size, &ref, buf);
		/* Taking lines consumes everything buffered (the partial line moves to buf),
		 * so the next push always makes progress. */
		check(line_buffered(&rd) == 0);
	}
	/* No line left behind: what remains has no LF. */
	check(ref == size || memchr(data + ref, '\n', size - ref) == NULL);
	return 0;
}
