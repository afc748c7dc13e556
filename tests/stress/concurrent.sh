#!/bin/sh
# 4 deliverers, 2 flag changers, 2 UID readers on one Maildir (stress_concurrent.c).
set -eu
d=$(mktemp -d "${TMPDIR:-/tmp}/concurrent.XXXXXX")
trap 'rm -rf "$d"' EXIT
"$TESTBIN/stress_concurrent" "$d/Maildir" "${STRESS_MESSAGES:-2000}"
