#!/bin/sh
# pop3d logging in through the project's checker, bin/checkpassword-file, with a users
# file holding a {PLAIN} and a {SHA512-CRYPT} entry: USER/PASS, APOP, wrong password,
# unknown user, and a pipelined login (USER, PASS, STAT, RETR, QUIT in one write) that
# proves no command is lost across the checker's exec of the session.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/pop3-lib.sh"
if [ ! -x "$BIN/checkpassword-file" ]; then
	echo "SKIP: no $BIN/checkpassword-file"
	echo "0 passed, 0 failed"
	exit 0
fi
d=$(mktemp -d "${TMPDIR:-/tmp}/pop3d-login.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
chmod 755 "$d"
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }

if [ "$(id -u)" = 0 ]; then uid=65534 gid=65534; else uid=$(id -u) gid=$(id -g); fi
mkdir -p "$d/alice" "$d/bob"
pop3_fixture "$d/alice"
pop3_fixture "$d/bob"
[ "$(id -u)" = 0 ] && chown "$uid:$gid" "$d/alice" "$d/bob"
hash=$(printf 'b0b pass' | "$BIN/checkpassword-file" --hash) || { echo "FAIL --hash"; exit 1; }
cat >"$d/users" <<EOT
alice:{PLAIN}secret:$uid:$gid::$d/alice::
bob:$hash:$uid:$gid::$d/bob::
EOT
export CHECKPW_FAIL_DELAY_MS=0 MAILD_TLS=1
ts='<1.2@test>'
# run NAME INPUT: the session's output, CRs removed, in $d/NAME.out
run() {
	printf "$2" | POP3D_TEST_TIMESTAMP=$ts "$BIN/pop3d" "$BIN/checkpassword-file" "$d/users" \
		>"$d/$1.raw" 2>"$d/$1.err"
	rc=$?
	tr -d '\r' <"$d/$1.raw" >"$d/$1.out"
}
has() { grep -qxF -- "$2" "$d/$1.out"; }

run plain 'USER alice\r\nPASS secret\r\nSTAT\r\nQUIT\r\n'
check "plain login" has plain '+OK Logged in.'
check "plain login: STAT" has plain '+OK 5 273'
check "plain login: exit 0" test "$rc" = 0
check "login logged with user, no password" sh -c "grep -q 'login user=alice' '$d/plain.err' && ! grep -q secret '$d/plain.err'"

run crypt 'USER bob\r\nPASS b0b pass\r\nSTAT\r\nQUIT\r\n'
check "SHA512-CRYPT login (password with a space)" has crypt '+OK 5 273'

run wrong 'USER alice\r\nPASS nope\r\nUSER alice\r\nPASS secret\r\nQUIT\r\n'
check "wrong password" has wrong '-ERR [AUTH] Authentication failed.'
check "wrong password, then right" has wrong '+OK Logged in.'
check "failure logged, no password" sh -c "grep -q 'login failed user=alice' '$d/wrong.err' && ! grep -q nope '$d/wrong.err'"

run unknown 'USER mallory\r\nPASS secret\r\nQUIT\r\n'
check "unknown user" has unknown '-ERR [AUTH] Authentication failed.'
check "unknown user: QUIT" has unknown '+OK Bye'

digest=$(printf '%ssecret' "$ts" | md5sum | cut -d' ' -f1)
run apop "APOP alice $digest\r\nUIDL 5\r\nQUIT\r\n"
check "APOP" has apop '+OK 5 migrated-0005'
run apopbad "APOP alice 0123456789abcdef0123456789abcdef\r\nQUIT\r\n"
check "APOP wrong digest" has apopbad '-ERR [AUTH] Authentication failed.'

b64=$(printf '\000bob\000b0b pass' | base64)
run saslplain "AUTH PLAIN $b64\r\nLIST 1\r\nQUIT\r\n"
check "AUTH PLAIN against a hash" has saslplain '+OK 1 92'

run pipelined 'USER alice\r\nPASS secret\r\nSTAT\r\nRETR 3\r\nDELE 1\r\nQUIT\r\n'
check "pipelined: STAT after login" has pipelined '+OK 5 273'
check "pipelined: RETR" has pipelined 'body without final newline'
check "pipelined: QUIT reached the session" has pipelined '+OK Logging out.'
check "pipelined: DELE applied" test ! -e "$d/alice/Maildir/new/1700000001.M100P10Q1.fixture"

echo "pop3d-login: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
