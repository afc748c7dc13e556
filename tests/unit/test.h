/*
 * A unit-test harness small enough to read in one sitting: a test is a function, a
 * suite is a NULL-terminated array of them, test_run() runs each and prints one line
 * per failed assertion and a closing "N passed, N failed" line.
 *
 *   static void test_foo(void) { test_begin("foo"); test_assert(1 + 1 == 2); test_end(); }
 *   int main(void) { static void (*const t[])(void) = { test_foo, NULL }; return test_run(t); }
 */
#ifndef TEST_H
#define TEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *test_name_;
static int test_failed_now_, test_passed_, test_failed_;

#define test_begin(name) (test_name_ = (name), test_failed_now_ = 0)
#define test_assert(expr) do { if (!(expr)) { \
		fprintf(stderr, "FAIL %s: %s:%d: %s\n", test_name_, __FILE__, __LINE__, #expr); \
		test_failed_now_ = 1; } } while (0)
#define test_assert_str(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) { \
		fprintf(stderr, "FAIL %s: %s:%d: %s == %s (\"%s\" vs \"%s\")\n", test_name_, \
			__FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
		test_failed_now_ = 1; } } while (0)
#define test_end() (test_failed_now_ ? test_failed_++ : test_passed_++)

static inline int test_run(void (*const tests[])(void))
{
	for (size_t i = 0; tests[i] != NULL; i++)
		tests[i]();
	printf("%d passed, %d failed\n", test_passed_, test_failed_);
	return test_failed_ == 0 ? 0 : 1;
}

/* A new directory $TMPDIR/<prefix>.XXXXXX (or under /tmp) into out; exits on failure. */
static inline void test_tmpdir(const char *prefix, char *out, size_t outsz)
{
	const char *t = getenv("TMPDIR");
	int n = snprintf(out, outsz, "%s/%s.XXXXXX", t != NULL && t[0] != '\0' ? t : "/tmp",
			 prefix);

	if (n < 0 || (size_t)n >= outsz || mkdtemp(out) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
}

/* Remove path and everything below it, never following symlinks. */
static inline void test_rm_rf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char p[4096];

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	if ((d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			int n = snprintf(p, sizeof p, "%s/%s", path, e->d_name);
			if (n > 0 && (size_t)n < sizeof p)
				test_rm_rf(p);
		}
		closedir(d);
	}
	rmdir(path);
}

#endif
