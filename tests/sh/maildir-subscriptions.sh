#!/bin/sh
# `maildir subscriptions`: list, add, remove in Dovecot's file; Courier's file read
# while Dovecot's is absent; refused names and usage errors by their exit codes.
set -u
: "${BIN:?}"
M="$BIN/maildir"
d=$(mktemp -d "${TMPDIR:-/tmp}/subs.XXXXXX")
trap 'rm -rf "$d"' EXIT
md="$d/Maildir"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else no "$name"; fi; }
status() { "$@" >/dev/null 2>&1; echo $?; }
tab=$(printf '\t')

"$M" create "$md" Sent
check "no file: nothing subscribed" test -z "$("$M" subscriptions "$md")"
check "add" "$M" subscriptions "$md" add Sent "Archive/2024" inbox "Entwürfe"
check "listed sorted, INBOX normalized" test "$("$M" subscriptions "$md" | tr '\n' ' ')" = \
	"Archive/2024 Entwürfe INBOX Sent "
check "Dovecot's form on disk" test "$(cat "$md/subscriptions")" = \
	"$(printf 'V\t2\n\nSent\nArchive\t2024\nINBOX\nEntw&APw-rfe')"
check "remove" "$M" subscriptions "$md" remove "Archive/2024" Nope
check "removed" test "$("$M" subscriptions "$md" | tr '\n' ' ')" = "Entwürfe INBOX Sent "
check "no lock left" test ! -e "$md/subscriptions.lock"
check "refused name: 65" test "$(status "$M" subscriptions "$md" add "a//b")" = 65
check "unknown verb: 64" test "$(status "$M" subscriptions "$md" list x)" = 64
check "verb without name: 64" test "$(status "$M" subscriptions "$md" add)" = 64
check "missing Maildir: 66" test "$(status "$M" subscriptions "$d/none" add x)" = 66
grep -q "Archive${tab}2024" "$md/subscriptions" && no "removed line gone" || ok "removed line gone"

c="$d/Courier"
mkdir -p "$c"
printf 'INBOX\nINBOX.Sent\nINBOX.Entw&APw-rfe\n' >"$c/courierimapsubscribed"
check "Courier's file read" test "$("$M" subscriptions "$c" | tr '\n' ' ')" = "Entwürfe INBOX Sent "
check "add on Courier's" "$M" subscriptions "$c" add Drafts
check "Courier's names carried over" test "$("$M" subscriptions "$c" | tr '\n' ' ')" = \
	"Drafts Entwürfe INBOX Sent "
check "Courier's file untouched" test "$(cat "$c/courierimapsubscribed")" = \
	"$(printf 'INBOX\nINBOX.Sent\nINBOX.Entw&APw-rfe')"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
