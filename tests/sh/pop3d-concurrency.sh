#!/bin/sh
# pop3d while other processes change the Maildir: a session's view is frozen at login
# (a delivery is not shown), a message flagged (renamed) by someone else is still
# retrieved, one expunged by someone else gives -ERR and QUIT still works, a second
# POP3 session gets [IN-USE] (after waiting for the lock), a dropped connection changes
# nothing, after the session the lock is free again, and a client reconnecting right
# after a drop is served once the old session lets go. Sessions are driven through a FIFO, one command at
# a time.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/pop3-lib.sh"
d=$(mktemp -d "${TMPDIR:-/tmp}/pop3d-conc.XXXXXX") || exit 1
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
chmod 755 "$d"
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }
pop3_fixture "$d"
md=$d/Maildir
export HOME="$d" USER=alice

# start: a session reading the FIFO $d/in, output in $d/out.
start() {
	rm -f "$d/in" "$d/out"
	mkfifo "$d/in"
	as_user "$BIN/pop3d" --preauth <"$d/in" >"$d/out" 2>>"$d/err" &
	pid=$!
	exec 3>"$d/in"
}
# send CMD EXPECTED-LINE: send one command, wait (5 s at most) for a line in the output.
send() {
	printf '%s\r\n' "$1" >&3
	i=0
	while ! tr -d '\r' <"$d/out" 2>/dev/null | grep -qxF -- "$2"; do
		i=$((i + 1))
		[ $i -gt 50 ] && return 1
		sleep 0.1
	done
}
finish() { exec 3>&-; wait "$pid"; rc=$?; pid=; }

start
check "session starts" send STAT '+OK 5 273'
printf 'Subject: late\n\nlate delivery\n' | as_user "$BIN/maildir" deliver "$md" >/dev/null 2>&1
check "delivery during the session is not shown" send STAT '+OK 5 273'
check "LIST does not show it" send 'LIST 6' '-ERR No such message'
mv "$md/new/1700000001.M100P10Q1.fixture" "$md/cur/1700000001.M100P10Q1.fixture:2,F"
check "message flagged by another process is retrieved" send 'RETR 1' 'line 4'
# ...and answered by an IMAP client after our RETR: \Seen at QUIT must not undo that.
mv "$md/cur/1700000001.M100P10Q1.fixture:2,F" "$md/cur/1700000001.M100P10Q1.fixture:2,FR"
rm "$md/new/1700000003.M300P30Q1.fixture,W=49"
check "message expunged by another process: -ERR" send 'RETR 3' \
	'-ERR Message 3 was removed by another session'
check "session goes on" send NOOP '+OK Nothing done'

# A second POP3 session while the first holds the lock: [IN-USE] once the wait for the
# lock (shortened by the test-only POP3D_TEST_LOCK_WAIT_MS) is over.
POP3D_TEST_LOCK_WAIT_MS=300
export POP3D_TEST_LOCK_WAIT_MS
printf 'STAT\r\nQUIT\r\n' | as_user "$BIN/pop3d" --preauth >"$d/out2" 2>/dev/null
rc2=$?
unset POP3D_TEST_LOCK_WAIT_MS
check "second session gets [IN-USE]" sh -c "tr -d '\r' <'$d/out2' | grep -qxF -- '-ERR [IN-USE] Mailbox is locked by another POP3 session'"
check "second session exits 0" test "$rc2" = 0
check "second session serves nothing" sh -c "! grep -q '^+OK 5' '$d/out2'"

check "DELE" send 'DELE 2' '+OK Message 2 deleted'
check "DELE of the vanished message" send 'DELE 3' '+OK Message 3 deleted'
check "QUIT after a foreign expunge" send QUIT '+OK Logging out.'
finish
check "session exit 0" test "$rc" = 0
check "deleted message removed" test ! -e "$md/cur/1700000002.M200P20Q1.fixture,S=41,W=47:2,S"
check "retrieved message keeps the foreign flags and gets \\Seen" \
	test -e "$md/cur/1700000001.M100P10Q1.fixture:2,FRS"
check "the late delivery is untouched" sh -c "ls '$md/new' | grep -q ."

# A dropped connection: deletions and retrievals are forgotten.
before=$(pop3_listing "$d")
start
check "new session sees the late delivery" send STAT '+OK 4 207'
check "DELE in the dropped session" send 'DELE 1' '+OK Message 1 deleted'
check "RETR in the dropped session" send 'RETR 4' 'late delivery'
finish
check "dropped connection exits 0" test "$rc" = 0
check "dropped connection changed nothing" test "$before" = "$(pop3_listing "$d")"

# The lock went with the dropped session.
printf 'QUIT\r\n' | as_user "$BIN/pop3d" --preauth >"$d/out3" 2>/dev/null
check "lock released after the drop" sh -c "tr -d '\r' <'$d/out3' | grep -qxF '+OK Logging out.'"

# A client whose connection dropped reconnects at once, before the old session has
# noticed: the new session waits for the lock (5 s at most) instead of [IN-USE].
start
check "old session holds the lock" send STAT '+OK 4 207'
# (fd 3, the old session's FIFO, closed: else its EOF would never come)
{ printf 'STAT\r\nQUIT\r\n' | as_user "$BIN/pop3d" --preauth >"$d/out4" 2>/dev/null; } 3>&- &
pid4=$!
sleep 0.5
finish
wait "$pid4"
check "reconnect at once: no [IN-USE]" sh -c "! grep -q 'IN-USE' '$d/out4'"
check "reconnect at once: served when the old session lets go" \
	sh -c "tr -d '\r' <'$d/out4' | grep -qxF '+OK 4 207'"

# Autologout (RFC 1939 section 3), shortened by the test-only POP3D_TEST_IDLE_MS: an
# idle session gets -ERR and ends without touching the mailbox.
before=$(pop3_listing "$d")
POP3D_TEST_IDLE_MS=500
export POP3D_TEST_IDLE_MS
start
unset POP3D_TEST_IDLE_MS
check "idle session: DELE" send 'DELE 1' '+OK Message 1 deleted'
i=0
while ! tr -d '\r' <"$d/out" | grep -qxF -- '-ERR Autologout; idle for too long'; do
	i=$((i + 1))
	[ $i -gt 50 ] && break
	sleep 0.1
done
check "idle session: autologout reply" sh -c "tr -d '\r' <'$d/out' | grep -qxF -- '-ERR Autologout; idle for too long'"
finish
check "idle session: nothing changed" test "$before" = "$(pop3_listing "$d")"

echo "pop3d-concurrency: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
