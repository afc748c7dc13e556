/*
 * Wiping secrets (passwords, decoded SASL messages, users-file lines with hashes) from
 * memory once they are no longer needed. The one implementation: every program and
 * module calls this rather than its own copy.
 */
#ifndef WIPE_H
#define WIPE_H

#include <stddef.h>

/* Set n bytes at p to zero through a volatile pointer, so that the compiler cannot
 * drop the stores as dead, as it may drop a memset before free() or return
 * (explicit_bzero is not POSIX). p may be NULL when n is 0. */
void wipe(void *p, size_t n);

#endif
