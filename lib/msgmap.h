/*
 * The message file a process is reading, mapped read-only, with its pages let go as
 * it is read, so that the resident set of a process that reads a 100 MB message stays
 * flat.
 *
 * Mapped file pages count in the resident set (VmRSS, VmHWM, ru_maxrss) for as long as
 * they are mapped, although the page cache owns them: a FETCH BODY[] or a SEARCH TEXT
 * that goes over a whole mapping shows a process as large as the message. So the code
 * that goes over message bytes (the MIME parser and header iterator, the section
 * writer, the SEARCH body windows) reports how much it read with msgmap_read(); past
 * MSGMAP_RESIDENT_MAX octets every page of the mapping is dropped. The mapping stays
 * valid: a page read again is faulted in again from the page cache, so pointers into
 * it never go stale and the parser stays a plain function over one buffer.
 *
 * The map being read is the process's current one (the last opened, until closed):
 * the readers report without a handle, so their interfaces stay those of functions
 * over bytes, and code that reads bytes of no map (unit tests, fuzz targets, bytes in
 * memory) reports to nothing. A daemon serves one connection and reads one message at
 * a time; a second open map takes over and the first one is simply no longer paged.
 *
 * Dropping is madvise(MADV_DONTNEED) on Linux, where it unmaps the pages of a private
 * read-only file mapping and nothing else (glibc's posix_madvise(POSIX_MADV_DONTNEED)
 * does nothing at all, because of Linux's meaning of the flag). Elsewhere
 * posix_madvise(POSIX_MADV_DONTNEED) is the portable hint: the BSDs deactivate the
 * pages, so they are the first to go under memory pressure.
 */
#ifndef MSGMAP_H
#define MSGMAP_H

#include <stddef.h>

/* Octets read through the mapping between two drops: about the most the mapping adds
 * to the resident set (with the kernel's fault-around, 64 KiB on Linux). */
#define MSGMAP_RESIDENT_MAX ((size_t)1 << 20)

struct msgmap {
	const char *data;	/* the file's octets; "" for an empty file */
	size_t len;
	void *base;		/* the mapping, NULL for an empty file */
	size_t since;		/* octets read since the last drop */
};

/* Map the regular file open on fd (the caller still closes fd) and make it the current
 * map. 0, or -1 with errno (EINVAL: not a regular file). */
int msgmap_open(struct msgmap *m, int fd);
void msgmap_close(struct msgmap *m);
/* The caller went over n more octets of the current map (or of other bytes: then
 * pages go a little early, which costs only a fault). */
void msgmap_read(size_t n);

#endif
