#include "testhook.h"

#include <stdlib.h>

const char *testhook_getenv(const char *name)
{
#ifdef MAILD_TEST_HOOKS
	return getenv(name);
#else
	(void)name;
	return NULL;
#endif
}
