/*
 * Environment knobs for tests (a pinned date or APOP timestamp, shorter timeouts). They
 * exist only in builds made for tests: `make check` compiles with -DMAILD_TEST_HOOKS,
 * and any other build ignores them, so no environment a wrapper passes on (a TLS
 * wrapper hands the server pipes, not a socket) can make an APOP digest replayable or
 * shorten a deadline the RFCs set.
 */
#ifndef TESTHOOK_H
#define TESTHOOK_H

/* getenv(name) in a test build, NULL in any other. */
const char *testhook_getenv(const char *name);

#endif
