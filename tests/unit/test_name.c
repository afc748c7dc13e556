/*
 * Maildir names as other programs write them: Dovecot, Courier, mbsync, offlineimap,
 * the Windows-friendly separators, foreign info versions, and our own unique names.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maildir_name.h"
#include "test.h"

struct name_case {
	const char *name;
	size_t base_len;
	char sep;
	int info_v2;
	const char *flags;	/* maildir_flags_format of the parsed masks */
	const char *tail;
	uint64_t size, vsize, sec, usec;
};

#define UNK MAILDIR_SIZE_UNKNOWN

static const struct name_case cases[] = {
	/* Dovecot, with keywords (dovecot-maildir.md) */
	{ "1234567890.M20046P2137.mailserver,S=4542,W=4642:2,Sb", 47, ':', 1, "Sb", "",
	  4542, 4642, 1234567890, 20046 },
	{ "1491941793.M41850P8566V0000000000000015I0000000004F3030E_0.mx1.example.com,"
	  "S=10956:2,STln", 82, ':', 1, "STln", "", 10956, UNK, 1491941793, 41850 },
	/* the Dovecot example of old-fashioned identifiers */
	{ "1035478339.27041_118.foo.org,S=1000,W=1030:2,S", 42, ':', 1, "S", "",
	  1000, 1030, 1035478339, 0 },
	/* Courier, new/ without info */
	{ "1700000000.M123456P42Q1.host", 28, 0, 0, "", "", UNK, UNK, 1700000000, 123456 },
	/* mbsync ,U= in the base, kept as part of it */
	{ "1700000001.1234_5.box,U=17:2,FS", 26, ':', 1, "FS", "", UNK, UNK, 1700000001, 0 },
	/* offlineimap ,FMD5= */
	{ "1700000002_0.123.host,U=5,FMD5=7f3c9a0b1c2d3e4f5a6b7c8d9e0f1a2b:2,RS", 63, ':', 1,
	  "RS", "", UNK, UNK, 1700000002, 0 },
	/* Dovecot's extension: non-standard fields after the flags */
	{ "1700000003.M1P2.h:2,FS,extra=1", 17, ':', 1, "FS", ",extra=1", UNK, UNK,
	  1700000003, 1 },
	/* Windows-friendly separators (mbsync InfoDelimiter ';', Courier '!') */
	{ "1700000004.M5P6.h,S=3;2,S", 21, ';', 1, "S", "", 3, UNK, 1700000004, 5 },
	{ "1700000005.M7P8.h!2,RS", 17, '!', 1, "RS", "", UNK, UNK, 1700000005, 7 },
	/* '!' and ';' in a base are no separators unless an info version follows */
	{ "1700000006.M1P1.a!b;c", 21, 0, 0, "", "", UNK, UNK, 1700000006, 1 },
	/* experimental info "1," is kept out of the flags */
	{ "1700000007.M1P1.h:1,xyz", 17, ':', 0, "", "", UNK, UNK, 1700000007, 1 },
	/* upper case flags we do not know are kept, keywords read */
	{ "1700000008.M1P1.h:2,DFPRSTXZaz", 17, ':', 1, "DFPRSTXZaz", "", UNK, UNK,
	  1700000008, 1 },
	/* a malformed S= is unknown; W= still read */
	{ "1700000009.M1P1.h,S=12x,W=40:2,", 28, ':', 1, "", "", UNK, 40, 1700000009, 1 },
	{ "1700000010.M1P1.h,S=99999999999999999999999:2,", 43, ':', 1, "", "", UNK, UNK,
	  1700000010, 1 },
	/* a junk character stops flag parsing; the tail starts at the ',' */
	{ "1700000011.M1P1.h:2,S-T,x", 17, ':', 1, "S", ",x", UNK, UNK, 1700000011, 1 },
	/* old non-numeric names */
	{ "cur-message", 11, 0, 0, "", "", UNK, UNK, 0, 0 },
	{ "x:", 1, ':', 0, "", "", UNK, UNK, 0, 0 },
};

static void test_parse_cases(void)
{
	test_begin("parse real-world names");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct name_case *c = &cases[i];
		struct maildir_name p;
		char letters[64];

		test_assert(maildir_name_parse(c->name, &p) == 0);
		if (p.base_len != c->base_len || p.sep != c->sep || p.info_v2 != c->info_v2 ||
		    p.size != c->size || p.vsize != c->vsize || p.sec != c->sec ||
		    p.usec != c->usec)
			fprintf(stderr, "case %zu: %s base %zu sep %d v2 %d size %llu vsize "
				"%llu sec %llu usec %llu\n", i, c->name, p.base_len, p.sep,
				p.info_v2, (unsigned long long)p.size,
				(unsigned long long)p.vsize, (unsigned long long)p.sec,
				(unsigned long long)p.usec);
		test_assert(p.base_len == c->base_len);
		test_assert(p.sep == c->sep);
		test_assert(p.info_v2 == c->info_v2);
		test_assert(p.size == c->size);
		test_assert(p.vsize == c->vsize);
		test_assert(p.sec == c->sec);
		test_assert(p.usec == c->usec);
		test_assert(maildir_flags_format(p.flags, p.keywords, letters,
						 sizeof letters) >= 0);
		test_assert_str(letters, c->flags);
		test_assert_str(c->name + p.tail_off, c->tail);
	}
	test_end();
}

static void test_parse_refused(void)
{
	struct maildir_name p;
	char longname[MAILDIR_NAME_MAX + 2];

	test_begin("parse refuses names that are no message");
	errno = 0;
	test_assert(maildir_name_parse("", &p) < 0 && errno == EINVAL);
	test_assert(maildir_name_parse(".", &p) < 0);
	test_assert(maildir_name_parse("..", &p) < 0);
	test_assert(maildir_name_parse(".hidden:2,S", &p) < 0);
	test_assert(maildir_name_parse("a/b", &p) < 0);
	test_assert(maildir_name_parse("1.M1P1.h\n:2,S", &p) < 0 && errno == EINVAL);
	test_assert(maildir_name_parse("1.M1P1.h\r", &p) < 0);
	test_assert(maildir_name_parse("1\x7f", &p) < 0);
	test_assert(maildir_name_parse("1.M1P1.h\xc3\xa9:2,S", &p) == 0);
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	test_assert(maildir_name_parse(longname, &p) < 0 && errno == EINVAL);
	longname[MAILDIR_NAME_MAX] = '\0';
	test_assert(maildir_name_parse(longname, &p) == 0);
	test_assert(p.base_len == MAILDIR_NAME_MAX);
	test_end();
}

struct flags_case {
	const char *in;
	uint32_t flags, keywords;
	const char *out;
};

static const struct flags_case flag_cases[] = {
	{ "1.M1P1.h", MAILDIR_F_SEEN, 0, "1.M1P1.h:2,S" },
	{ "1.M1P1.h,S=5,W=6", MAILDIR_F_SEEN | MAILDIR_F_DRAFT | MAILDIR_F_FLAGGED, 0,
	  "1.M1P1.h,S=5,W=6:2,DFS" },
	{ "1.M1P1.h:2,S", 0, 0, "1.M1P1.h:2," },
	{ "1.M1P1.h:2,S,extra", MAILDIR_F_REPLIED | MAILDIR_F_SEEN,
	  MAILDIR_KW('z') | MAILDIR_KW('a'), "1.M1P1.h:2,RSaz,extra" },
	{ "1.M1P1.h;2,S", MAILDIR_F_TRASHED, 0, "1.M1P1.h;2,T" },
	{ "1.M1P1.h!2,", MAILDIR_F_PASSED, 0, "1.M1P1.h!2,P" },
	{ "1.M1P1.h:1,xyz", MAILDIR_F_SEEN, 0, "1.M1P1.h:2,S" },
	{ "1.box,U=17:2,XS", MAILDIR_FLAG('X') | MAILDIR_F_SEEN | MAILDIR_FLAG('A'),
	  MAILDIR_KW('c'), "1.box,U=17:2,ASXc" },
	{ "1_0.h,U=5,FMD5=abc:2,", MAILDIR_F_SEEN, 0, "1_0.h,U=5,FMD5=abc:2,S" },
	/* bits above 'Z' / 'z' are never written */
	{ "1.h", UINT32_C(0xfc000000) | MAILDIR_F_SEEN, UINT32_C(0xfc000000), "1.h:2,S" },
};

static void test_with_flags(void)
{
	char out[MAILDIR_NAME_MAX + 1];

	test_begin("with_flags keeps base, separator and tail");
	for (size_t i = 0; i < sizeof flag_cases / sizeof flag_cases[0]; i++) {
		const struct flags_case *c = &flag_cases[i];
		int n = maildir_name_with_flags(c->in, c->flags, c->keywords, out, sizeof out);

		test_assert(n == (int)strlen(c->out));
		test_assert_str(out, c->out);
	}
	test_assert(maildir_name_with_flags(".x", 0, 0, out, sizeof out) < 0 &&
		    errno == EINVAL);
	test_end();
}

static void test_round_trip(void)
{
	char out[MAILDIR_NAME_MAX + 1];

	test_begin("parse, with_flags, parse again");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct maildir_name a, b;
		const char *name = cases[i].name;

		test_assert(maildir_name_parse(name, &a) == 0);
		test_assert(maildir_name_with_flags(name, a.flags, a.keywords, out,
						    sizeof out) > 0);
		test_assert(maildir_name_parse(out, &b) == 0);
		test_assert(b.info_v2 == 1);
		test_assert(b.flags == a.flags && b.keywords == a.keywords);
		test_assert(b.base_len == a.base_len);
		test_assert(memcmp(out, name, a.base_len) == 0);
		if (a.info_v2)
			test_assert_str(out + b.tail_off, name + a.tail_off);
		test_assert(b.size == a.size && b.vsize == a.vsize);
		/* a name already in canonical form comes back unchanged */
		if (a.info_v2 && strcmp(cases[i].flags, "DFPRSTXZaz") != 0 &&
		    strchr(name, '-') == NULL)
			test_assert_str(out, name);
	}
	test_end();
}

static void test_flags_format(void)
{
	char out[64];
	uint32_t f, k;

	test_begin("flags in ASCII order, upper case first");
	test_assert(maildir_flags_format(MAILDIR_F_TRASHED | MAILDIR_F_DRAFT | MAILDIR_F_SEEN |
					 MAILDIR_F_REPLIED | MAILDIR_F_PASSED |
					 MAILDIR_F_FLAGGED, MAILDIR_KW('q') | MAILDIR_KW('b'),
					 out, sizeof out) == 8);
	test_assert_str(out, "DFPRSTbq");
	test_assert(maildir_flags_format(0, 0, out, sizeof out) == 0);
	test_assert_str(out, "");
	test_assert(maildir_flags_format(MAILDIR_F_SEEN | MAILDIR_F_DRAFT, 0, out, 2) < 0 &&
		    errno == ENAMETOOLONG);
	test_assert(maildir_flags_format(MAILDIR_F_SEEN | MAILDIR_F_DRAFT, 0, out, 3) == 2);
	maildir_flags_parse("TSRaQz,S", &f, &k);
	test_assert(f == (MAILDIR_F_TRASHED | MAILDIR_F_SEEN | MAILDIR_F_REPLIED |
			  MAILDIR_FLAG('Q')));
	test_assert(k == (MAILDIR_KW('a') | MAILDIR_KW('z')));
	maildir_flags_parse("S1F", &f, &k);
	test_assert(f == MAILDIR_F_SEEN && k == 0);
	test_end();
}

static void test_too_long(void)
{
	char name[MAILDIR_NAME_MAX + 1], out[MAILDIR_NAME_MAX + 1];

	test_begin("ENAMETOOLONG");
	memset(name, 'a', MAILDIR_NAME_MAX - 3);
	memcpy(name + MAILDIR_NAME_MAX - 3, ":2,", 4);
	test_assert(maildir_name_with_flags(name, 0, 0, out, sizeof out) ==
		    MAILDIR_NAME_MAX);
	/* one more letter would pass NAME_MAX even with room in out */
	errno = 0;
	test_assert(maildir_name_with_flags(name, MAILDIR_F_SEEN, 0, out, sizeof out) < 0);
	test_assert(errno == ENAMETOOLONG);
	errno = 0;
	test_assert(maildir_name_with_flags("1.h:2,S", MAILDIR_F_SEEN, 0, out, 7) < 0);
	test_assert(errno == ENAMETOOLONG);
	test_assert(maildir_name_with_flags("1.h:2,S", MAILDIR_F_SEEN, 0, out, 8) == 7);
	errno = 0;
	test_assert(maildir_unique(out, 10) < 0 && errno == ENAMETOOLONG);
	test_end();
}

static void test_unique(void)
{
	char a[MAILDIR_NAME_MAX + 1], b[MAILDIR_NAME_MAX + 1], want[64];
	struct maildir_name p;
	unsigned long long sec, usec, q1, q2;
	long pid;
	int n;

	test_begin("unique names and host escaping");
	setenv("MAILDIR_HOSTNAME", "a/b:c", 1);
	n = maildir_unique(a, sizeof a);
	test_assert(n > 0 && (size_t)n == strlen(a));
	test_assert(sscanf(a, "%llu.M%lluP%ldQ%llu.", &sec, &usec, &pid, &q1) == 4);
	test_assert(usec < 1000000 && pid == (long)getpid());
	test_assert(strstr(a, ".a\\057b\\072c") != NULL);
	test_assert(strchr(a, ':') == NULL && strchr(a, '/') == NULL);
	test_assert(maildir_name_parse(a, &p) == 0);
	test_assert(p.sep == 0 && p.base_len == (size_t)n);
	test_assert(p.sec == sec && p.usec == usec);

	test_assert(maildir_unique(b, sizeof b) > 0);
	test_assert(sscanf(b, "%*u.M%*uP%*dQ%llu.", &q2) == 1);
	test_assert(q2 == q1 + 1);
	test_assert(strcmp(a, b) != 0);
	test_assert(maildir_name_cmp_delivery(a, b) < 0);

	setenv("MAILDIR_HOSTNAME", "x y\tz,S=1\x7f\xc3\xa9", 1);
	test_assert(maildir_unique(a, sizeof a) > 0);
	n = snprintf(want, sizeof want, ".xyz\\054S=1");
	test_assert(n > 0 && strlen(a) >= (size_t)n);
	test_assert_str(a + strlen(a) - (size_t)n, want);
	test_assert(maildir_name_parse(a, &p) == 0 && p.size == MAILDIR_SIZE_UNKNOWN);

	/* a very long host is cut, the name still has room for sizes and flags */
	{
		char host[300];

		memset(host, 'h', sizeof host - 1);
		host[sizeof host - 1] = '\0';
		setenv("MAILDIR_HOSTNAME", host, 1);
	}
	n = maildir_unique(a, sizeof a);
	test_assert(n > 0 && n < 160);
	unsetenv("MAILDIR_HOSTNAME");
	test_assert(maildir_unique(a, sizeof a) > 0);
	test_assert(strchr(a, ':') == NULL && strchr(a, '/') == NULL);
	test_end();
}

static void test_cmp_delivery(void)
{
	test_begin("delivery order");
	test_assert(maildir_name_cmp_delivery("9.M1P1.h", "10.M0P1.h") < 0);
	test_assert(maildir_name_cmp_delivery("10.M0P1.h", "9.M1P1.h") > 0);
	test_assert(maildir_name_cmp_delivery("10.M9P1.h", "10.M10P1.h") < 0);
	test_assert(maildir_name_cmp_delivery("10.M5P1.h", "10.M5P2.h") < 0);
	/* flags are no part of the order */
	test_assert(maildir_name_cmp_delivery("10.M5P1.h:2,S", "10.M5P1.h") == 0);
	test_assert(maildir_name_cmp_delivery("10.M5P1.h:2,S", "10.M5P1.h;2,") == 0);
	test_assert(maildir_name_cmp_delivery("10.M5P1.h", "10.M5P1.hx:2,") < 0);
	test_assert(maildir_name_cmp_delivery("1.x", "1.x") == 0);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_parse_cases, test_parse_refused, test_with_flags, test_round_trip,
		test_flags_format, test_too_long, test_unique, test_cmp_delivery, NULL
	};

	return test_run(tests);
}
