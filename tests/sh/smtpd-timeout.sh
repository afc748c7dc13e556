#!/bin/sh
# RFC 5321 4.5.3.2 timeouts, shortened by the test-only SMTPD_TEST_TIMEOUT_MS (honoured
# only by make check's build): a client silent between commands, and one silent in the middle of DATA,
# both get 421 4.4.2 and the connection ends; the half-sent message is not stored.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/smtp-lib.sh"
d=$(mktemp -d "${TMPDIR:-/tmp}/smtpd-timeout.XXXXXX") || exit 1
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$d"' EXIT
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }
smtp_fixture "$d"
md=$d/home/alice/Maildir

# session SCRIPT: run smtpd on a FIFO, send SCRIPT, keep the FIFO open (silence), wait
# for smtpd to end by itself (at most 10 s).
session() {
	rm -f "$d/in" "$d/out"
	mkfifo "$d/in"
	SMTPD_TEST_TIMEOUT_MS=300 "$BIN/smtpd" --users "$d/users" --domain example.org \
		<"$d/in" >"$d/out" 2>>"$d/err" &
	pid=$!
	exec 3>"$d/in"
	printf "$1" >&3
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	ended=1
	kill -0 "$pid" 2>/dev/null && ended=0
	exec 3>&-
	wait "$pid"
	pid=
}

session 'EHLO client.example\r\n'
check "idle between commands: smtpd ends by itself" test "$ended" = 1
check "idle between commands: 421 4.4.2" grep -q '^421 4.4.2 .*Timeout' "$d/out"

session 'EHLO client.example\r\nMAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nSubject: half\r\n\r\nhalf a'
check "idle in DATA: smtpd ends by itself" test "$ended" = 1
check "idle in DATA: 421 4.4.2" grep -q '^421 4.4.2 .*Timeout' "$d/out"
check "idle in DATA: nothing stored" test -z "$(find "$md/new" "$md/cur" -type f)"
check "idle in DATA: nothing left in tmp/" test -z "$(ls "$md/tmp")"

echo "smtpd-timeout: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
