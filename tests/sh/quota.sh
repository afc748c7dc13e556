#!/bin/sh
# Maildir++ quota (maildirsize) as MTAs and users meet it. `maildir deliver`: a usage
# line per delivery, exit 77 over quota with nothing left behind, a doubtful file
# recounted, a folder counted at its root, 75 at once when maildirsize is a FIFO.
# smtpd: a doubtful file recounted after the data as the mailbox owner, and 451 at
# once when maildirsize is a FIFO or a symlink to a device. Each run is under a
# deadline, so a hang is a failure, not a stuck test. KEEP=1 keeps the directory.
set -u
: "${BIN:?}"
M="$BIN/maildir"
d=$(mktemp -d "${TMPDIR:-/tmp}/quota.XXXXXX") || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$d"' EXIT
chmod 755 "$d"
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }
DEADLINE=20
if command -v timeout >/dev/null 2>&1; then
	limit() { timeout "$DEADLINE" "$@"; }
else
	echo "SKIP: no timeout(1); a hang would stall this test instead of failing it"
	limit() { "$@"; }
fi
files() { find "$1" -type f | wc -l | tr -d ' '; }

# --- maildir deliver ---------------------------------------------------------------
# As root the tool works as the Maildir's owner (maildir(1), RUNNING AS ROOT): the
# Maildir and the files this test writes into it belong to an ordinary user then.
own() { [ "$(id -u)" -ne 0 ] || chown -R 65534:65534 "$@"; }
md="$d/Maildir"
own "$d"
"$M" create "$md" Sub
printf '100S\n0 0\n' >"$md/maildirsize"
own "$md"
printf 'Subject: small\n\nx\n' | limit "$M" deliver "$md" 2>/dev/null
check "deliver under quota: exit 0" test $? = 0
n1=$(cat "$md/new/"* | wc -c | tr -d ' ')
check "deliver appends the size and 1" test "$(cat "$md/maildirsize")" = "$(printf '100S\n0 0\n%s 1' "$n1")"
big=$(awk 'BEGIN { for (i = 0; i < 20; i++) print "0123456789" }')
printf 'Subject: big\n\n%s\n' "$big" | limit "$M" deliver "$md" 2>"$d/err"
check "deliver over quota: exit 77 (EX_NOPERM)" test $? = 77
check "over quota: the reason on stderr" grep -q 'mailbox full' "$d/err"
check "over quota: nothing in new/" test "$(files "$md/new")" = 1
check "over quota: nothing in tmp/" test "$(files "$md/tmp")" = 0
# Numbers that say "over" from a file of several lines are recounted first.
printf '100S\n0 0\n99 1\n' >"$md/maildirsize"
own "$md"
printf 'y\n' | limit "$M" deliver "$md" 2>/dev/null
check "doubtful numbers recounted: delivered" test $? = 0
check "recounted file: definition kept, then the delivery" \
	test "$(cat "$md/maildirsize")" = "$(printf '100S\n%s 1\n2 1' "$n1")"
printf 'z\n' | limit "$M" deliver "$md" Sub 2>/dev/null
check "a folder's delivery is counted at the root" test "$(tail -1 "$md/maildirsize")" = "2 1"
check "no maildirsize in the folder" test ! -e "$md/.Sub/maildirsize"
rm "$md/maildirsize"
mkfifo "$md/maildirsize"
own "$md"
printf 'w\n' | limit "$M" deliver "$md" 2>"$d/err"
check "maildirsize a FIFO: exit 75 at once" test $? = 75
check "FIFO: said so" grep -q 'not a regular file' "$d/err"
check "FIFO: nothing delivered" test "$(files "$md/new")" = 2

# --- smtpd -------------------------------------------------------------------------
if [ "$(id -u)" = 0 ]; then uid=65534 gid=65534; else uid=$(id -u) gid=$(id -g); fi
: >"$d/users"
for u in fay gil hal; do
	mkdir -p "$d/$u/Maildir/cur" "$d/$u/Maildir/new" "$d/$u/Maildir/tmp"
	echo "$u:{PLAIN}x:$uid:$gid::$d/$u::" >>"$d/users"
done
printf '1000S\n500 1\n450 1\n' >"$d/fay/Maildir/maildirsize"
mkfifo "$d/gil/Maildir/maildirsize"
ln -s /dev/zero "$d/hal/Maildir/maildirsize"
[ "$(id -u)" = 0 ] && chown -R "$uid:$gid" "$d/fay" "$d/gil" "$d/hal"
send() {
	printf 'EHLO c.example\nMAIL FROM:<s@remote.example>\nRCPT TO:<%s>\nDATA\nSubject: q\n\n%s\n.\nQUIT\n' "$1" "$big" |
		sed 's/$/\r/' | limit "$BIN/smtpd" --users "$d/users" --domain example.org 2>"$d/err" | tr -d '\r'
}
send fay@example.org >"$d/out"
check "smtpd: doubtful over-quota numbers recounted, delivered" grep -q '^250 2.0.0' "$d/out"
n=$(cat "$d/fay/Maildir/new/"* | wc -c | tr -d ' ')
check "smtpd: recounted maildirsize plus the delivery" \
	test "$(cat "$d/fay/Maildir/maildirsize")" = "$(printf '1000S\n0 0\n%s 1' "$n")"
check "smtpd: maildirsize written as the owner" \
	test "$(ls -n "$d/fay/Maildir/maildirsize" | awk '{ print $3 }')" = "$uid"
send gil@example.org >"$d/out"
check "smtpd: maildirsize a FIFO: 451 at RCPT" grep -q '^451 4.3.0' "$d/out"
check "smtpd: FIFO logged" grep -q 'maildirsize is not a regular file' "$d/err"
check "smtpd: FIFO: nothing delivered" test "$(files "$d/gil/Maildir/new")" = 0
send hal@example.org >"$d/out"
check "smtpd: maildirsize a symlink to /dev/zero: 451 at RCPT" grep -q '^451 4.3.0' "$d/out"
check "smtpd: symlink left alone" test -L "$d/hal/Maildir/maildirsize"

echo "quota: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
