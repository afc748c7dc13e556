#!/bin/sh
# imapd on a folder that has not changed since a full sync: SELECT and STATUS answer
# from the uidlist header (maildir_box.c rule 7), and must say exactly what a SELECT
# that reads every record says. Then the snapshot promise: SELECT, then other
# processes flag, expunge and deliver before the next command, which must still see
# the sequence numbers SELECT announced and report every change (EXPUNGE, FETCH,
# EXISTS), as after any SELECT.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/pop3-lib.sh"
if [ ! -x "$BIN/imapd" ] || [ ! -x "$BIN/maildir" ]; then
	echo "SKIP: no $BIN/imapd"
	echo "0 passed, 0 failed"
	exit 0
fi
d=$(mktemp -d "${TMPDIR:-/tmp}/imapd-unchanged.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
chmod 755 "$d"
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }

md=$d/Maildir
mkdir -p "$md/cur" "$md/new" "$md/tmp"
for i in 1 2 3 4 5 6; do
	case $i in 1|4) f= ;; 2) f=FS ;; *) f=S ;; esac
	printf 'Subject: %s\n\nbody %s\n' "$i" "$i" >"$md/cur/170000000$i.M${i}P1Q$i.h,S=20:2,$f"
done
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$d"
age() { touch -d "@$1" "$md/new" "$md/cur"; }
session() {	# session NAME: the commands on stdin
	HOME=$d MAILDIR=$md USER=alice as_user "$BIN/imapd" --preauth >"$d/$1.raw" 2>"$d/$1.err"
	tr -d '\r' <"$d/$1.raw" >"$d/$1.out"
}
has() { grep -qxF -- "$2" "$d/$1.out"; }

# A first session reads the directories and records the counts; the folder's mtimes
# are old enough to be recorded (two seconds at least).
age 1700000100
printf 'a SELECT INBOX\r\nb LOGOUT\r\n' | session full
check "the full sync recorded the counts" grep -q ' Z[0-9.:]*,6,2,0,1' "$md/dovecot-uidlist"
printf 'a SELECT INBOX\r\nb FETCH 1:* (UID FLAGS)\r\nc STATUS INBOX (MESSAGES UNSEEN UIDNEXT RECENT)\r\nd LOGOUT\r\n' |
	session lazy
sed -n '1,/^a OK/p' "$d/full.out" >"$d/full.sel"
sed -n '1,/^a OK/p' "$d/lazy.out" >"$d/lazy.sel"
check "lazy SELECT identical to the full one" cmp -s "$d/full.sel" "$d/lazy.sel"
check "6 EXISTS" has lazy '* 6 EXISTS'
check "UNSEEN 1" has lazy '* OK [UNSEEN 1] First unseen.'
check "FETCH after a lazy SELECT" has lazy '* 6 FETCH (UID 6 FLAGS (\Seen))'
check "FETCH flags" has lazy '* 2 FETCH (UID 2 FLAGS (\Flagged \Seen))'
check "STATUS from the header" has lazy '* STATUS "INBOX" (MESSAGES 6 RECENT 0 UIDNEXT 7 UNSEEN 2)'
check "no directory changed" sh -c "ls '$md/cur' | wc -l | grep -qx 6"

# The snapshot: changes between SELECT and the next command.
{
	printf 'a SELECT INBOX\r\n'
	# wait for the SELECT's answer before changing anything
	i=0; while [ $i -lt 100 ] && ! grep -q '^a OK' "$d/race.raw" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
	mv "$md/cur/1700000001.M1P1Q1.h,S=20:2," "$md/cur/1700000001.M1P1Q1.h,S=20:2,S"
	rm "$md/cur/1700000003.M3P1Q3.h,S=20:2,S"
	printf 'Subject: 7\n\nbody 7\n' >"$md/cur/1700000007.M7P1Q7.h,S=20:2,"
	[ "$(id -u)" = 0 ] && chown 65534:65534 "$md/cur/1700000007.M7P1Q7.h,S=20:2,"
	printf 'b FETCH 3 (UID)\r\nc NOOP\r\nd FETCH 1:* (UID FLAGS)\r\ne LOGOUT\r\n'
} | session race
check "the announced sequence numbers hold" has race '* 3 FETCH (UID 3)'
check "expunge reported" has race '* 3 EXPUNGE'
check "flag change reported" has race '* 1 FETCH (FLAGS (\Seen))'
check "delivery reported" has race '* 6 EXISTS'
check "then the new view" has race '* 6 FETCH (UID 7 FLAGS ())'
check "exit 0" test -s "$d/race.out"

# A folder changed since the counts: the full path, same answers.
age 1700000200
printf 'a SELECT INBOX\r\nb STATUS INBOX (MESSAGES UNSEEN)\r\nc LOGOUT\r\n' | session changed
check "changed folder counted again" has changed '* STATUS "INBOX" (MESSAGES 6 UNSEEN 2)'
check "UNSEEN first unseen after the change" has changed '* OK [UNSEEN 3] First unseen.'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
