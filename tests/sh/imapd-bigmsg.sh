#!/bin/sh
# imapd's peak memory does not grow with the message: FETCH of whole bodies, parts and
# partials, BODYSTRUCTURE, ENVELOPE, SEARCH BODY/TEXT, APPEND and COPY of 100 MB
# messages, each in its own session, against the same on 1 KB messages
# (tests/sh/imapd-bigmsg.py has the details). BIGMSG_SIZE overrides the size.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: no python3"
	echo "0 passed, 0 failed"
	exit 0
fi
if [ ! -r /proc/self/status ]; then
	echo "SKIP: no /proc/PID/status to read the peak resident set from"
	echo "0 passed, 0 failed"
	exit 0
fi
d=$(mktemp -d "${TMPDIR:-/tmp}/imapd-bigmsg.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
chmod 755 "$d"
rc=0
python3 "$here/sh/imapd-bigmsg.py" "$BIN" "$d" || rc=1
if [ $rc != 0 ]; then
	for f in "$d"/*/imapd.err; do
		[ -s "$f" ] && { echo "--- $f"; tail -20 "$f"; }
	done
fi
exit $rc
