/* imapd's command reader: framing of lines and literals, fed in push mode, and the
 * limits that reject a command without losing the stream. */
#include "test.h"

#include "cmdread.h"
#include "imap_args.h"

#include <stdint.h>

static struct imap_reader r;

/* Results seen while feeding (the reader's read-ahead is smaller than some inputs). */
static int seen[256];
static size_t n_seen;

static void feed(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		size_t k = imap_reader_push(&r, s, n);

		s += k;
		n -= k;
		if (k == 0) {
			int rc = imap_reader_next(&r);

			if (rc != IMAP_RD_MORE && rc != IMAP_RD_CONTINUE && n_seen < 256)
				seen[n_seen++] = rc;
		}
	}
}

static void test_simple(void)
{
	test_begin("cmdread: one line");
	imap_reader_init(&r, -1, -1, 1000);
	feed("a1 NOOP\r\n");
	test_assert(imap_reader_next(&r) == IMAP_RD_COMMAND);
	test_assert_str(buf_str(&r.cmd), "a1 NOOP");
	test_assert(imap_reader_next(&r) == IMAP_RD_MORE);
	imap_reader_free(&r);
	test_end();
}

/* The same command fed one byte at a time, after each byte: MORE until it is whole,
 * CONTINUE exactly when the synchronizing literal's line has ended. */
static void test_bytewise(void)
{
	const char *in = "a LOGIN {5}\r\nalice {6+}\r\nse\"ret\r\n";
	int conts = 0, cmds = 0;

	test_begin("cmdread: literals split at every byte");
	imap_reader_init(&r, -1, -1, 1000);
	for (size_t i = 0; in[i] != '\0'; i++) {
		int rc;

		imap_reader_push(&r, in + i, 1);
		while ((rc = imap_reader_next(&r)) != IMAP_RD_MORE) {
			if (rc == IMAP_RD_CONTINUE) {
				conts++;
				test_assert(i == 12);
			} else {
				test_assert(rc == IMAP_RD_COMMAND);
				test_assert(in[i + 1] == '\0');
				cmds++;
				break;
			}
		}
	}
	test_assert(conts == 1 && cmds == 1);
	test_assert(r.cmd.len == strlen("a LOGIN {5}alice {6+}se\"ret"));
	test_assert(memcmp(r.cmd.s, "a LOGIN {5}alice {6+}se\"ret", r.cmd.len) == 0);
	test_assert(r.n_lit == 2 && r.lit[0].len == 5 && r.lit[0].sync && !r.lit[1].sync);
	test_assert(r.lit[0].off == 11 && r.lit[1].off == 21);
	imap_reader_free(&r);
	test_end();
}

static void test_toobig_sync(void)
{
	char tag[IMAP_TAG_MAX + 1];

	test_begin("cmdread: a synchronizing literal over the limit is never asked for");
	imap_reader_init(&r, -1, -1, 10);
	feed("t1 APPEND INBOX {11}\r\nt2 NOOP\r\n");
	test_assert(imap_reader_next(&r) == IMAP_RD_REJECT);
	test_assert(r.reject == IMAP_REJ_LITERAL);
	imap_reader_tag(&r, tag, sizeof tag);
	test_assert_str(tag, "t1");
	test_assert(imap_reader_next(&r) == IMAP_RD_COMMAND);
	test_assert_str(buf_str(&r.cmd), "t2 NOOP");
	imap_reader_free(&r);
	test_end();
}

static void test_toobig_nonsync(void)
{
	test_begin("cmdread: a LITERAL+ over the limit is read and thrown away");
	imap_reader_init(&r, -1, -1, 10);
	feed("t1 APPEND INBOX {12+}\r\nt9 LOGOUT\r\n rest\r\nt2 NOOP\r\n");
	test_assert(imap_reader_next(&r) == IMAP_RD_REJECT);
	test_assert(r.reject == IMAP_REJ_LITERAL);
	test_assert(imap_reader_next(&r) == IMAP_RD_COMMAND);
	test_assert_str(buf_str(&r.cmd), "t2 NOOP");
	imap_reader_free(&r);
	test_end();
}

static void test_discard_max(void)
{
	test_begin("cmdread: a LITERAL+ too large to discard is fatal");
	imap_reader_init(&r, -1, -1, 10);
	feed("t1 APPEND INBOX {99999999999+}\r\n");
	test_assert(imap_reader_next(&r) == IMAP_RD_FATAL);
	imap_reader_free(&r);
	test_end();
}

static void test_long_line(void)
{
	static char big[IMAP_LINE_MAX + 100];
	char tag[IMAP_TAG_MAX + 1];

	test_begin("cmdread: an over-long line is discarded through its LF");
	imap_reader_init(&r, -1, -1, 10);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	n_seen = 0;
	feed("a ");
	feed(big);
	feed("\r\nb NOOP\r\n");
	test_assert(n_seen == 0);
	test_assert(imap_reader_next(&r) == IMAP_RD_REJECT);
	test_assert(r.reject == IMAP_REJ_LINE);
	imap_reader_tag(&r, tag, sizeof tag);
	test_assert_str(tag, "*");
	test_assert(imap_reader_next(&r) == IMAP_RD_COMMAND);
	test_assert_str(buf_str(&r.cmd), "b NOOP");
	imap_reader_free(&r);
	test_end();
}

static void test_too_many_literals(void)
{
	test_begin("cmdread: too many literals");
	imap_reader_init(&r, -1, -1, 10);
	for (int i = 0; i <= IMAP_LITERALS_MAX; i++)
		feed("{1+}\r\nx");
	feed("\r\nb NOOP\r\n");
	test_assert(imap_reader_next(&r) == IMAP_RD_REJECT);
	test_assert(r.reject == IMAP_REJ_LITERALS);
	test_assert(imap_reader_next(&r) == IMAP_RD_COMMAND);
	test_assert_str(buf_str(&r.cmd), "b NOOP");
	imap_reader_free(&r);
	test_end();
}

static void test_spool(void)
{
	static char data[IMAP_LITERAL_MEM_MAX + 10];
	struct imap_cmd c = { 0 };
	char hdr[64], back[16];
	const struct imap_arg *a;

	test_begin("cmdread: a large literal goes to a spool file");
	imap_reader_init(&r, -1, -1, sizeof data * 2);
	memset(data, 'm', sizeof data - 1);
	data[sizeof data - 1] = '\0';
	snprintf(hdr, sizeof hdr, "a APPEND INBOX {%zu+}\r\n", sizeof data - 1);
	feed(hdr);
	feed(data);
	feed("\r\n");
	test_assert(imap_reader_next(&r) == IMAP_RD_COMMAND);
	test_assert(r.n_lit == 1 && r.lit[0].fd >= 0);
	test_assert(r.cmd.len < 100);
	test_assert(imap_cmd_parse(&c, &r) == 0);
	a = imap_cmd_arg(&c, 1);
	test_assert(a != NULL && a->type == IMAP_ARG_LITERAL && a->fd >= 0 &&
		    a->lit_len == sizeof data - 1);
	test_assert(a != NULL && read(a->fd, back, sizeof back) == (ssize_t)sizeof back);
	test_assert(memcmp(back, "mmmmmmmmmmmmmmmm", sizeof back) == 0);
	imap_cmd_free(&c);
	imap_reader_free(&r);
	test_end();
}

static void test_eof(void)
{
	test_begin("cmdread: end of input inside a literal");
	imap_reader_init(&r, -1, -1, 100);
	feed("a LOGIN {5+}\r\nab");
	test_assert(imap_reader_next(&r) == IMAP_RD_MORE);
	imap_reader_free(&r);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_simple, test_bytewise, test_toobig_sync, test_toobig_nonsync,
		test_discard_max, test_long_line, test_too_many_literals, test_spool,
		test_eof, NULL,
	};
	return test_run(tests);
}
