/*
 * A volatile byte loop: slower than memset, but the only portable C11/POSIX way to keep
 * a wipe that the compiler can prove nobody reads.
 */
#include "wipe.h"

void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
}
