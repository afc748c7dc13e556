#!/bin/sh
# smtpd's process model and memory bound (tests/sh/smtpd_privsep.py says what is
# checked): as root, no process reading the client is uid 0, the helper writes as each
# owner without a descriptor per owner, a maildirsize swapped for a FIFO gets 451 at
# once, helpers' children inherit no socket or spool; the peak RSS of a session for a
# 100 MB message stays under 32 MB (measured on the plain build, $PLAINBIN, when there
# is one: the sanitizers' shadow memory is not the program's).
set -u
: "${BIN:?}"
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: smtpd-privsep needs python3"
	exit 0
fi
d=$(mktemp -d "${TMPDIR:-/tmp}/smtpd-privsep.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
rssbin=${PLAINBIN:-$BIN}
[ -x "$rssbin/smtpd" ] || rssbin=$BIN
python3 "$(dirname "$0")/smtpd_privsep.py" "$BIN" "$rssbin" "$d"
