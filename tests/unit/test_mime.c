/* mime_parse and section resolution: part trees, sizes in CRLF octets, boundaries. */
#include "test.h"

#include <fcntl.h>

#include "bodystructure.h"
#include "mime.h"
#include "section.h"

static struct mime_msg *parse(const char *s)
{
	struct mime_msg *m = NULL;

	if (mime_parse(s, strlen(s), &m) < 0)
		abort();
	return m;
}

/* The bytes section parts/kind names, CRLF converted, as a C string (static). */
static const char *sect(const char *msg, struct mime_msg *m, const unsigned *parts,
			size_t n, enum section_kind kind)
{
	static char res[4096];
	struct section_spec s = { .parts = parts, .nparts = n, .kind = kind };
	struct section_data d;
	struct out o;
	char dir[256], path[300];

	test_tmpdir("test_mime", dir, sizeof dir);
	snprintf(path, sizeof path, "%s/out", dir);
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	if (fd < 0 || section_resolve(msg, m, &s, &d) < 0)
		abort();
	out_init(&o, fd, -1);
	section_write(&o, msg, &d, 0, d.size);
	out_flush(&o);
	ssize_t r = pread(fd, res, sizeof res - 1, 0);
	res[r < 0 ? 0 : r] = '\0';
	if ((size_t)r != d.size)
		snprintf(res, sizeof res, "size %zu but %zd written", d.size, r);
	close(fd);
	section_data_free(&d);
	test_rm_rf(dir);
	return res;
}

static const char *bs(const char *msg, struct mime_msg *m, int ext)
{
	static struct buf b;

	buf_free(&b);
	buf_init(&b, 1 << 20);
	bodystructure_append(&b, msg, m->root, ext);
	return buf_str(&b);
}

static void test_simple_lf_crlf(void)
{
	const char *lf = "Subject: x\n\nline1\nline2\n";
	const char *crlf = "Subject: x\r\n\r\nline1\r\nline2\r\n";

	test_begin("mime simple LF and CRLF give the same sizes");
	struct mime_msg *a = parse(lf), *b = parse(crlf);
	test_assert(a->root->hdr_size == 14 && b->root->hdr_size == 14);
	test_assert(a->root->body_size == 14 && b->root->body_size == 14);
	test_assert(a->root->body_lines == 2 && b->root->body_lines == 2);
	test_assert(a->root->hdr_len == 12 && b->root->hdr_len == 14);
	test_assert_str(bs(lf, a, 1), "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
			"\"7bit\" 14 2 NIL NIL NIL NIL)");
	char first[256];
	snprintf(first, sizeof first, "%s", bs(lf, a, 1));
	test_assert_str(first, bs(crlf, b, 1));
	test_assert_str(sect(lf, a, NULL, 0, SECTION_TEXT), "line1\r\nline2\r\n");
	mime_free(a);
	mime_free(b);
	test_end();
}

static void test_edge_messages(void)
{
	test_begin("mime empty, header only, no final newline");
	struct mime_msg *m = parse("");
	test_assert(m->root->hdr_len == 0 && m->root->body_len == 0);
	mime_free(m);
	const char *h = "From: a\nSubject: b";
	m = parse(h);
	test_assert(m->root->hdr_len == strlen(h) && m->root->body_len == 0);
	test_assert(m->root->hdr_size == strlen(h) + 1);
	mime_free(m);
	const char *nf = "Subject: b\n\nno newline";
	m = parse(nf);
	test_assert(m->root->body_size == 10 && m->root->body_lines == 0);
	test_assert_str(sect(nf, m, NULL, 0, SECTION_BODY), "Subject: b\r\n\r\nno newline");
	mime_free(m);
	test_end();
}

static const char nested[] =
	"Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
	"preamble\n"
	"--outer\n"
	"Content-Type: multipart/alternative; boundary=in\n\n"
	"--in\n\nplain\n--in\nContent-Type: text/html\n\n<b>x</b>\n--in--\n\n"
	"--outer\n"
	"Content-Type: message/rfc822\n\n"
	"Subject: inner\nContent-Type: multipart/mixed; boundary=b2\n\n"
	"--b2\nContent-Type: text/plain\n\ninner text\n--b2--\n"
	"--outer--\nepilogue\n";

static void test_nested(void)
{
	static const unsigned p1[] = { 1 }, p11[] = { 1, 1 }, p12[] = { 1, 2 }, p2[] = { 2 },
		p21[] = { 2, 1 }, p3[] = { 3 }, p111[] = { 1, 1, 1 }, p1111[] = { 1, 1, 1, 1 };

	test_begin("mime nested multiparts and message/rfc822");
	struct mime_msg *m = parse(nested);
	struct mime_part *r = m->root;
	test_assert(r->flags & MIME_MULTIPART);
	test_assert(r->children != NULL && r->children->next != NULL &&
		    r->children->next->next == NULL);
	test_assert_str(sect(nested, m, p11, 2, SECTION_BODY), "plain");
	test_assert_str(sect(nested, m, p12, 2, SECTION_BODY), "<b>x</b>");
	test_assert_str(sect(nested, m, p12, 2, SECTION_MIME), "Content-Type: text/html\r\n\r\n");
	test_assert_str(sect(nested, m, p1, 1, SECTION_BODY),
			"--in\r\n\r\nplain\r\n--in\r\nContent-Type: text/html\r\n\r\n"
			"<b>x</b>\r\n--in--\r\n");
	test_assert_str(sect(nested, m, p2, 1, SECTION_HEADER),
			"Subject: inner\r\nContent-Type: multipart/mixed; boundary=b2\r\n\r\n");
	test_assert_str(sect(nested, m, p21, 2, SECTION_BODY), "inner text");
	test_assert_str(sect(nested, m, p3, 1, SECTION_BODY), "");
	/* "1" of a single part is the part itself, and nothing is below that. */
	test_assert_str(sect(nested, m, p111, 3, SECTION_BODY), "plain");
	test_assert_str(sect(nested, m, p1111, 4, SECTION_BODY), "");
	static const unsigned p121[] = { 1, 2, 1 };
	test_assert_str(sect(nested, m, p121, 3, SECTION_BODY), "<b>x</b>");
	test_assert_str(bs(nested, m, 0),
			"(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0)"
			"(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 8 0) "
			"\"alternative\")(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 116 "
			"(NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) ((\"text\" \"plain\" "
			"(\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 0) \"mixed\") 8) \"mixed\")");
	mime_free(m);
	test_end();
}

static void test_boundaries(void)
{
	static const unsigned p1[] = { 1 }, p2[] = { 2 };
	const char *missing = "Content-Type: multipart/mixed; boundary=x\n\n--x\n\none\n--x\n\ntwo\n";
	const char *ws = "Content-Type: multipart/mixed; boundary=x\n\n--x \t\n\none\n--x--  \n";
	const char *prefix = "Content-Type: multipart/mixed; boundary=ab\n\n--ab\n"
		"Content-Type: multipart/mixed; boundary=abc\n\n--abc\n\ninner\n--abc--\n--ab--\n";
	const char *none = "Content-Type: multipart/mixed; boundary=never\n\ntext\n";

	test_begin("mime boundary rules");
	struct mime_msg *m = parse(missing);
	test_assert_str(sect(missing, m, p1, 1, SECTION_BODY), "one");
	/* No close delimiter: the last part runs to the end, line break and all. */
	test_assert_str(sect(missing, m, p2, 1, SECTION_BODY), "two\r\n");
	mime_free(m);
	m = parse(ws);
	test_assert_str(sect(ws, m, p1, 1, SECTION_BODY), "one");
	mime_free(m);
	m = parse(prefix);
	test_assert(m->root->children->flags & MIME_MULTIPART);
	test_assert_str(sect(prefix, m, p1, 1, SECTION_BODY), "--abc\r\n\r\ninner\r\n--abc--\r\n");
	mime_free(m);
	m = parse(none);
	test_assert(m->root->children != NULL && m->root->children->body_len == 0);
	test_assert_str(bs(none, m, 0), "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
			"\"7bit\" 0 0) \"mixed\")");
	mime_free(m);
	test_end();
}

static void test_digest_and_fields(void)
{
	const char *d = "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: s\n\nbody\n"
		"--d--\n";
	const char *f = "Content-Type: Text/HTML; Charset=\"utf-8\";\n name*0=\"a\"; name*1=b\n"
		"Content-Transfer-Encoding: QUOTED-PRINTABLE\nContent-ID: <id@x>\n"
		"Content-Disposition: attachment; filename*=utf-8''%C3%A9\n"
		"Content-Language: en, de\nContent-MD5: abc\nContent-Location: http://x/\n\nx\n";

	test_begin("mime digest default, Content-* fields, RFC 2231");
	struct mime_msg *m = parse(d);
	test_assert(m->root->children->flags & MIME_MESSAGE);
	test_assert_str(mime_part_type(m->root->children), "message");
	mime_free(m);
	m = parse(f);
	test_assert_str(bs(f, m, 1), "(\"Text\" \"HTML\" (\"Charset\" \"utf-8\" \"name\" \"ab\") "
			"\"<id@x>\" NIL \"QUOTED-PRINTABLE\" 3 1 \"abc\" (\"attachment\" "
			"(\"filename*\" \"utf-8''%C3%A9\")) (\"en\" \"de\") \"http://x/\")");
	mime_free(m);
	test_end();
}

static void test_depth_limit(void)
{
	static char msg[(MIME_DEPTH_MAX + 10) * 40];
	size_t n = 0;

	test_begin("mime nesting past MIME_DEPTH_MAX is an opaque body");
	for (int i = 0; i < MIME_DEPTH_MAX + 5; i++)
		n += (size_t)snprintf(msg + n, sizeof msg - n, "Content-Type: message/rfc822\n\n");
	n += (size_t)snprintf(msg + n, sizeof msg - n, "end\n");
	struct mime_msg *m = parse(msg);
	int depth = 0;
	for (struct mime_part *p = m->root; p != NULL; p = p->children)
		depth++;
	test_assert(depth == MIME_DEPTH_MAX + 1);
	test_assert(m->root->body_size == n - m->root->hdr_len + m->root->body_lines);
	mime_free(m);
	test_end();
}

static void test_partial_write(void)
{
	const char *msg = "A\nBC\n";
	struct mime_msg *m = parse("\nA\nBC\n");
	char path[256];

	test_begin("section_write partial counts CRLF octets");
	test_assert(section_partial_len(7, 2, 100) == 5);
	test_assert(section_partial_len(7, 7, 1) == 0);
	test_tmpdir("test_mime", path, sizeof path);
	char file[300];
	snprintf(file, sizeof file, "%s/o", path);
	int fd = open(file, O_CREAT | O_RDWR, 0600);
	struct out o;
	out_init(&o, fd, -1);
	/* "A\r\nBC\r\n": octets 1..4 are "\r\nBC" (the CR inserted for the bare LF). */
	section_write_crlf(&o, msg, strlen(msg), 1, 4);
	section_write_crlf(&o, msg, strlen(msg), 2, 1);
	/* A literal cannot hold NUL: it goes out as 0x80, the size unchanged. */
	section_write_crlf(&o, "a\0b", 3, 0, 3);
	out_flush(&o);
	char got[16] = "";
	ssize_t r = pread(fd, got, sizeof got - 1, 0);
	test_assert(r == 8 && memcmp(got, "\r\nBC\na\x80" "b", 8) == 0);
	close(fd);
	test_rm_rf(path);
	mime_free(m);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_simple_lf_crlf, test_edge_messages, test_nested, test_boundaries,
		test_digest_and_fields, test_depth_limit, test_partial_write, NULL
	};
	return test_run(tests);
}
