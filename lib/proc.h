/*
 * Waiting for a child with a deadline: no wait in the daemons may last for ever (a
 * helper or checker that hangs must not hold a session, nor the session a slot of the
 * superserver).
 */
#ifndef PROC_H
#define PROC_H

#include <sys/types.h>

/* Wait for pid to end, at most timeout_ms (-1: for ever). 0 with *status_r as waitpid
 * sets it, or -1 with errno (ETIMEDOUT: still running; the caller decides whether to
 * kill it). Polls with waitpid(WNOHANG) and short sleeps doubling from
 * PROC_POLL_MIN_US to PROC_POLL_MAX_MS: no SIGCHLD handler, so it works whatever the
 * caller does with signals, and a child that ends at once costs well under 1 ms. */
#define PROC_POLL_MIN_US 50
#define PROC_POLL_MAX_MS 50
int proc_wait(pid_t pid, int *status_r, int timeout_ms);
/* proc_wait, and when the deadline passes, SIGKILL and reap it (*status_r then says
 * killed by SIGKILL). 0, or -1 with errno when the wait itself fails. */
int proc_wait_or_kill(pid_t pid, int *status_r, int timeout_ms);

#endif
