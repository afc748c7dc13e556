/* A read-only file mapping that drops its pages as it is read; see msgmap.h. */
#ifdef __linux__
/* madvise() and MADV_DONTNEED are outside POSIX: glibc shows them with this. */
#define _DEFAULT_SOURCE 1
#endif
#include "msgmap.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* The map being read, or NULL. */
static struct msgmap *current;

int msgmap_open(struct msgmap *m, int fd)
{
	struct stat st;
	void *p;

	m->data = "";
	m->len = 0;
	m->base = NULL;
	m->since = 0;
	if (fstat(fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		/* A mapping of anything else may change size or fault under us. */
		errno = EINVAL;
		return -1;
	}
	if ((uintmax_t)st.st_size > SIZE_MAX) {
		errno = EFBIG;
		return -1;
	}
	if (st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			return -1;
		m->base = p;
		m->data = p;
		m->len = (size_t)st.st_size;
	}
	current = m;
	return 0;
}

void msgmap_close(struct msgmap *m)
{
	if (current == m)
		current = NULL;
	if (m->base != NULL)
		munmap(m->base, m->len);
	m->base = NULL;
	m->data = "";
	m->len = 0;
}

static void drop(struct msgmap *m)
{
	m->since = 0;
	/* An error leaves the pages mapped, which costs only memory: nothing to report. */
#if defined(__linux__) && defined(MADV_DONTNEED)
	(void)madvise(m->base, m->len, MADV_DONTNEED);
#else
	(void)posix_madvise(m->base, m->len, POSIX_MADV_DONTNEED);
#endif
}

void msgmap_read(size_t n)
{
	struct msgmap *m = current;

	if (m == NULL || m->base == NULL)
		return;
	m->since += n;
	if (m->since >= MSGMAP_RESIDENT_MAX)
		drop(m);
}
