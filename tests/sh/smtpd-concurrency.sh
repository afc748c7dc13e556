#!/bin/sh
# smtpd under concurrency: 8 SMTP sessions deliver at once, some to one Maildir and
# some to two (alice, alice+bob), while another process keeps renaming alice's messages
# (bin/maildir flag in a loop). Every message must be stored exactly once per
# recipient, with its body intact, and nothing left in tmp/.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/smtp-lib.sh"
d=$(mktemp -d "${TMPDIR:-/tmp}/smtpd-conc.XXXXXX") || exit 1
flagger=
cleanup() { [ -n "$flagger" ] && kill "$flagger" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }
as_user() { if [ "$(id -u)" = 0 ]; then setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; else "$@"; fi; }
smtp_fixture "$d"
alice=$d/home/alice/Maildir bob=$d/home/bob/Maildir
SESSIONS=8 PER=5

# Some messages for the flagger to work on from the start.
for i in 1 2 3; do
	printf 'Subject: seed %s\n\nseed-%s\n' "$i" "$i" | as_user "$BIN/maildir" deliver "$alice" >/dev/null 2>&1
done
(
	while :; do
		as_user "$BIN/maildir" uids "$alice" >/dev/null 2>&1
		for u in 1 2 3 4 5 6; do
			as_user "$BIN/maildir" flag "$alice" "$u" +S >/dev/null 2>&1
			as_user "$BIN/maildir" flag "$alice" "$u" -S +F >/dev/null 2>&1
		done
	done
) &
flagger=$!

session() {
	i=$1
	{
		printf 'EHLO client%s.example\r\n' "$i"
		j=1
		while [ $j -le $PER ]; do
			printf 'MAIL FROM:<s%s@remote.example>\r\n' "$i"
			printf 'RCPT TO:<alice@example.org>\r\n'
			if [ $((i % 2)) = 1 ]; then printf 'RCPT TO:<bob@example.org>\r\n'; fi
			printf 'DATA\r\nSubject: %s-%s\r\n\r\nbody msg-%s-%s\r\n..dotted\r\n.\r\n' \
				"$i" "$j" "$i" "$j"
			j=$((j + 1))
		done
		printf 'QUIT\r\n'
	} | "$BIN/smtpd" --users "$d/users" --domain example.org >"$d/out.$i" 2>"$d/err.$i"
}
i=1
pids=
while [ $i -le $SESSIONS ]; do
	session $i &
	pids="$pids $!"
	i=$((i + 1))
done
# shellcheck disable=SC2086
wait $pids
kill "$flagger" 2>/dev/null
wait "$flagger" 2>/dev/null
flagger=

all_delivered() {
	i=1
	while [ $i -le $SESSIONS ]; do
		n=$(tr -d '\r' <"$d/out.$i" | grep -c '^250 2.0.0 Ok: delivered$')
		[ "$n" = $PER ] || { echo "  session $i: $n delivered"; cat "$d/err.$i"; return 1; }
		i=$((i + 1))
	done
}
# once DIR BODY: exactly one file in DIR's cur/ or new/ holds BODY, and it is intact.
once() {
	n=$(grep -lx -- "$2" "$1"/cur/* "$1"/new/* 2>/dev/null | wc -l)
	[ "$n" = 1 ] || { echo "  $2 in $1: $n copies"; return 1; }
	f=$(grep -lx -- "$2" "$1"/cur/* "$1"/new/* 2>/dev/null)
	grep -qx '\.dotted' "$f" || { echo "  $f: damaged"; return 1; }
}
every_message_once() {
	i=1
	while [ $i -le $SESSIONS ]; do
		j=1
		while [ $j -le $PER ]; do
			once "$alice" "body msg-$i-$j" || return 1
			if [ $((i % 2)) = 1 ]; then once "$bob" "body msg-$i-$j" || return 1; fi
			j=$((j + 1))
		done
		i=$((i + 1))
	done
}
count() { find "$1/cur" "$1/new" -type f | wc -l; }
check "every session got 250 for each message" all_delivered
check "every message stored exactly once per recipient, intact" every_message_once
check "alice holds 3 + 40 messages" test "$(count "$alice")" = $((3 + SESSIONS * PER))
check "bob holds 20 messages" test "$(count "$bob")" = $((SESSIONS / 2 * PER))
check "nothing left in tmp/" test "$(find "$alice/tmp" "$bob/tmp" -type f | wc -l)" = 0
if [ "$(id -u)" = 0 ]; then
	check "no file owned by root in the Maildirs" \
		test -z "$(find "$alice" "$bob" -user 0 -newer "$d/users" ! -name dovecot-uidlist)"
fi
echo "smtpd concurrency: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
