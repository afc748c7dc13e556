#!/bin/sh
# imapd logging in through the project's checker, bin/checkpassword-file: LOGIN,
# AUTHENTICATE PLAIN, a wrong password, and a pipelined login (LOGIN, SELECT, FETCH,
# LOGOUT in one write) that proves no command is lost across the checker's exec of
# the session, which must answer the LOGIN's tag. Also the test-only autologout timer.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/pop3-lib.sh"
if [ ! -x "$BIN/checkpassword-file" ] || [ ! -x "$BIN/imapd" ]; then
	echo "SKIP: no $BIN/checkpassword-file or $BIN/imapd"
	echo "0 passed, 0 failed"
	exit 0
fi
d=$(mktemp -d "${TMPDIR:-/tmp}/imapd-login.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
chmod 755 "$d"
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }

if [ "$(id -u)" = 0 ]; then uid=65534 gid=65534; else uid=$(id -u) gid=$(id -g); fi
mkdir -p "$d/alice"
pop3_fixture "$d/alice"
[ "$(id -u)" = 0 ] && chown "$uid:$gid" "$d/alice"
cat >"$d/users" <<EOT
alice:{PLAIN}secret:$uid:$gid::$d/alice::
EOT
export CHECKPW_FAIL_DELAY_MS=0 MAILD_TLS=1
run() {
	printf "$2" | "$BIN/imapd" "$BIN/checkpassword-file" "$d/users" >"$d/$1.raw" 2>"$d/$1.err"
	rc=$?
	tr -d '\r' <"$d/$1.raw" >"$d/$1.out"
}
has() { grep -qF -- "$2" "$d/$1.out"; }

run login 'a LOGIN alice secret\r\nb SELECT INBOX\r\nc FETCH 2 FLAGS\r\nd LOGOUT\r\n'
check "LOGIN answered by the session" has login 'a OK [CAPABILITY IMAP4rev1'
check "pipelined SELECT reached the session" has login '* 5 EXISTS'
check "pipelined FETCH" has login '* 2 FETCH (FLAGS (\Seen))'
check "pipelined LOGOUT" has login 'd OK Logout completed.'
check "exit 0" test "$rc" = 0
check "login logged, no password" sh -c "grep -q 'login user=alice' '$d/login.err' && ! grep -q secret '$d/login.err'"

run wrong 'a LOGIN alice nope\r\nb LOGIN alice secret\r\nc LOGOUT\r\n'
check "wrong password" has wrong 'a NO [AUTHENTICATIONFAILED] Authentication failed.'
check "then right" has wrong 'b OK [CAPABILITY'
check "failure logged, no password" sh -c "grep -q 'login failed user=alice' '$d/wrong.err' && ! grep -q nope '$d/wrong.err'"

b64=$(printf '\000alice\000secret' | base64)
run plain "a AUTHENTICATE PLAIN $b64\r\nb STATUS INBOX (MESSAGES)\r\nc LOGOUT\r\n"
check "AUTHENTICATE PLAIN" has plain '* STATUS "INBOX" (MESSAGES 5)'

run litlogin 'a LOGIN {5+}\r\nalice {6+}\r\nsecret\r\nb NOOP\r\nc LOGOUT\r\n'
check "LOGIN with literals, pipelined" has litlogin 'b OK NOOP completed.'

# Autologout: the session's timer, shortened for tests (ignored on sockets).
[ "$(id -u)" = 0 ] && chown 65534:65534 "$d/alice"
(printf 'a NOOP\r\n'; sleep 2) | HOME=$d/alice USER=alice IMAPD_TEST_IDLE_MS=200 \
	as_user "$BIN/imapd" --preauth >"$d/idle.raw" 2>"$d/idle.err"
tr -d '\r' <"$d/idle.raw" >"$d/idle.out"
check "autologout after the idle timer" has idle '* BYE Autologout; idle for too long'

# --preauth without USER (a tunnel run through `env -i`): the uid's name, not "-"
me=$(id -un "$uid")
(unset USER; printf 'a LOGOUT\r\n' | HOME="$d/alice" as_user "$BIN/imapd" --preauth) \
	>"$d/nouser.raw" 2>"$d/nouser.err"
tr -d '\r' <"$d/nouser.raw" >"$d/nouser.out"
check "--preauth without USER greets as the uid's user" has nouser "] Logged in as $me"
check "--preauth without USER logs the uid's user" grep -q "login user=$me " "$d/nouser.err"

# The session refuses to run as root.
if [ "$(id -u)" = 0 ]; then
	printf 'a LOGOUT\r\n' | HOME=$d/alice "$BIN/imapd" --preauth >"$d/root.out" 2>"$d/root.err"
	check "no session as root" test $? = 100
fi

echo "imapd-login: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
