#!/bin/sh
# A delivering process killed with SIGKILL at random moments (stress_crash.c).
set -eu
d=$(mktemp -d "${TMPDIR:-/tmp}/crash.XXXXXX")
trap 'rm -rf "$d"' EXIT
"$TESTBIN/stress_crash" "$d/Maildir" "${CRASH_ROUNDS:-200}"
