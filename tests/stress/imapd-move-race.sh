#!/bin/sh
# Concurrent MOVEs of the same messages (driver: imapd_move_race.py): five imapd
# sessions move every message within INBOX and between INBOX and Other for a few
# seconds. A MOVE into the selected mailbox was a link and an unlink, and two sessions
# could both win: the message was then there twice, and again with every round. Now
# every move is one rename(), and the count of messages on disk must stay what was
# delivered. IMAPD_MOVE_RACE_SECONDS sets the length (default 8).
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
[ "$(id -u)" = 0 ] && [ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
if ! command -v "$PYTHON" >/dev/null 2>&1; then
	echo "SKIP: $PYTHON not installed"
	exit 0
fi
d=$(mktemp -d "${TMPDIR:-/tmp}/imapd-move-race.XXXXXX") || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$d"' EXIT
chmod 755 "$d"
"$BIN/maildir" create "$d/Maildir" Other >/dev/null 2>&1 || { echo "FAIL maildir create"; exit 1; }
i=1
while [ $i -le 20 ]; do
	printf 'Message-ID: <%d@race>\nSubject: race %d\n\nbody %d\n' $i $i $i |
		"$BIN/maildir" deliver --as-root "$d/Maildir" 2>/dev/null || { echo "FAIL deliver"; exit 1; }
	i=$((i + 1))
done
run=
if [ "$(id -u)" = 0 ]; then
	chown -R 65534:65534 "$d"
	run="setpriv --reuid 65534 --regid 65534 --clear-groups"
fi
$run "$PYTHON" "$here/imapd_move_race.py" "$BIN" "$d" "${IMAPD_MOVE_RACE_SECONDS:-8}" 5
