#!/bin/sh
# IDLE (RFC 2177) end to end: tests/sh/imapd-idle.py drives imapd --preauth over pipes
# while other processes deliver, flag and expunge, once with inotify and once with the
# portable mtime poll (MAILDIR_WATCH_FORCE_POLL=1); every change must reach the idling
# client within 2 s. Also the IDLE keepalive and autologout and the pre-login timeout,
# with the test build's shortened timers (lib/testhook.h).
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/pop3-lib.sh"
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: no python3"
	echo "0 passed, 0 failed"
	exit 0
fi
d=$(mktemp -d "${TMPDIR:-/tmp}/imapd-idle.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
chmod 755 "$d"
rc=0
for mode in inotify poll; do
	mkdir -p "$d/$mode"
	pop3_fixture "$d/$mode"
	[ "$(id -u)" = 0 ] && chown 65534:65534 "$d/$mode"
	python3 "$here/sh/imapd-idle.py" "$BIN" "$d/$mode" $mode || rc=1
	if [ $rc != 0 ]; then
		echo "--- imapd stderr ($mode)"
		tail -20 "$d/$mode/imapd.err"
	fi
done
exit $rc
