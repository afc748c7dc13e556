#!/bin/sh
# imapd SEARCH while another process changes the Maildir, and what SEARCH costs.
# - A message expunged by someone else keeps its number until an EXPUNGE may be sent:
#   SEARCH sends none (RFC 3501 7.4.1) and the message matches no key; NOOP then
#   reports it. UID SEARCH may report it at its end.
# - Flag, UID, size and date keys open no message file (watched with strace over a
#   few hundred messages); a body key opens each message once; "SEEN BODY x" opens only
#   the seen ones.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/pop3-lib.sh"
d=$(mktemp -d "${TMPDIR:-/tmp}/imapd-search.XXXXXX") || exit 1
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT; [ -n "${KEEP:-}" ] && trap - EXIT
chmod 755 "$d"
d=$(cd "$d" && pwd -P)
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }
pop3_fixture "$d"
md=$d/Maildir
export HOME="$d" USER=alice
[ "$(id -u)" = 0 ] && chown 65534:65534 "$d"

. "$here/proto/fixtures/imap-session.sh"

start
check "select" send 'a SELECT INBOX' a
rm "$md/new/1700000003.M300P30Q1.fixture,W=49" 2>/dev/null ||
	rm "$md"/cur/1700000003.M300P30Q1.fixture*
check "search after a foreign expunge" send 'b SEARCH ALL' b
check "the view has not seen it go yet" has '* SEARCH 1 2 3 4 5'
check "body search goes on" send 'c SEARCH BODY "without final"' c
check "its body is gone" has '* SEARCH'
check "NOT of a body key" send 'd SEARCH NOT BODY nothing' d
check "the expunged message matches nothing" has '* SEARCH 1 2 4 5'
check "no EXPUNGE during SEARCH" sh -c "! tr -d '\r' <'$d/out' | grep -q EXPUNGE"
check "sequence numbers still the old ones" send 'e SEARCH 5' e
check "... 5 is 5" has '* SEARCH 5'
check "UID SEARCH" send 'f UID SEARCH 4:5' f
check "UID SEARCH answers UIDs" has '* SEARCH 4 5'
check "after UID SEARCH the expunge is told" has '* 3 EXPUNGE'
check "NOOP" send 'g NOOP' g
check "once" test "$(count '* 3 EXPUNGE')" = 1
check "now 4 messages" send 'h SEARCH RETURN (COUNT MAX) ALL' h
check "ESEARCH on the new numbers" has '* ESEARCH (TAG "h") MAX 4 COUNT 4'
check "logout" send 'z LOGOUT' z
exec 3>&-
wait "$pid"
pid=

if ! command -v strace >/dev/null 2>&1 || ! strace -o /dev/null true >/dev/null 2>&1; then
	echo "########################################################"
	echo "SKIP: strace not installed or not allowed to trace"
	echo "########################################################"
	[ "${CI:-}" = true ] && { echo "FAIL: strace missing under CI"; exit 1; }
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
fi

# Three hundred messages with sizes in their names, every third one seen.
md2=$d/big/Maildir
mkdir -p "$md2/cur" "$md2/new" "$md2/tmp"
i=1
while [ $i -le 300 ]; do
	f=$(printf 'Subject: message %d\n\nbody %d\n' $i $i)
	s=$(printf '%s\n' "$f" | wc -c)
	l=$(printf '%s\n' "$f" | wc -l)
	fl=
	[ $((i % 3)) = 0 ] && fl=S
	printf '%s\n' "$f" >"$md2/cur/$((1700000000 + i)).M${i}P1Q1.gen,S=$s,W=$((s + l)):2,$fl"
	i=$((i + 1))
done
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$d/big"
# opens PROGRAM: the message files imapd opened while running the commands.
opens() {
	printf 'a SELECT INBOX\r\n%s\r\nz LOGOUT\r\n' "$1" >"$d/cmds"
	HOME=$d/big strace -f -e trace=open,openat -o "$d/trace" \
		sh -c ". '$here/proto/fixtures/pop3-lib.sh'; as_user '$BIN/imapd' --preauth" \
		<"$d/cmds" >"$d/out2" 2>/dev/null
	grep -c '/Maildir/\(cur\|new\)/[^"]*\.gen' "$d/trace"
}
check "flag search" test "$(opens 'b SEARCH UNFLAGGED UNSEEN NOT ANSWERED')" = 0
check "... answered" grep -q '^\* SEARCH 1 2 4 5 7' "$d/out2"
check "UID, size and date search" test "$(opens 'b UID SEARCH UID 5:* LARGER 10 SINCE 1-Jan-2020 OR 1:10 SMALLER 2')" = 0
check "... answered" grep -q '^\* SEARCH 5 6 7 8 9 10' "$d/out2"
check "ESEARCH" test "$(opens 'b SEARCH RETURN (MIN MAX COUNT) SEEN')" = 0
check "... answered" grep -q '^\* ESEARCH (TAG "b") MIN 3 MAX 300 COUNT 100' "$d/out2"
check "body search opens each message" test "$(opens 'b SEARCH BODY "body 42"')" = 300
check "... answered" grep -q '^\* SEARCH 42' "$d/out2"
check "SEEN BODY opens the seen only" test "$(opens 'b SEARCH BODY 9 SEEN')" = 100
check "... answered" grep -q '^\* SEARCH 9 39 69 90 93 96 99 129 159 189 192 195 198 219 249 279 291 294 297' "$d/out2"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
