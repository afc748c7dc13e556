#!/bin/sh
# COPY and MOVE between folders on different file systems (a folder that is a mount
# point of its own): no hard link is possible there, so the core copies the bytes,
# keeps INTERNALDATE (the mtime), and for a move removes the original only once the
# copy has its UID. Needs root to mount a tmpfs; says SKIP loudly otherwise.
set -u
: "${BIN:?}"
M="$BIN/maildir"
d=$(mktemp -d "${TMPDIR:-/tmp}/xdev.XXXXXX")
md="$d/Maildir"
other="$md/.Other"
trap 'umount "$other" 2>/dev/null; rm -rf "$d"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else no "$name"; fi; }

if [ "$(id -u)" -ne 0 ]; then
	echo "##################################################################"
	echo "SKIP: maildir-copy-xdev needs root to mount a tmpfs (not tested)"
	echo "##################################################################"
	exit 0
fi
# Root's tool works as the Maildir's owner (maildir(1)): an ordinary user's Maildir.
chown 65534:65534 "$d"
"$M" create "$md" || exit 1
mkdir "$other"
if ! mount -t tmpfs -o size=8m tmpfs "$other" 2>/dev/null; then
	echo "##################################################################"
	echo "SKIP: maildir-copy-xdev needs root and a tmpfs mount (not tested)"
	echo "##################################################################"
	exit 0
fi
mkdir "$other/cur" "$other/new" "$other/tmp" && : >"$other/maildirfolder"
chown -R 65534:65534 "$other"

for i in 1 2 3; do printf 'Subject: m%s\n\nbody %s\n' "$i" "$i" | "$M" deliver "$md" 2>/dev/null; done
touch -d '2001-02-03 04:05:06' "$md"/new/*
"$M" flag "$md" 2 '+\Seen' '+Work'
orig2=$(ls "$md/cur" "$md/new" | grep -c .)

check "copy across file systems" sh -c "'$M' copy '$md' 1 2 Other >'$d/copy'"
check "copy prints the new UIDs" test "$(tr '\n' ' ' <"$d/copy")" = "1 1 2 2 "
"$M" uids "$md" Other >"$d/uids"
check "two messages in Other" test "$(grep -vc '^#' "$d/uids")" = 2
check "flags and keyword carried" sh -c "grep -q '^2	\\\\Seen	Work	' '$d/uids'"
f=$(ls "$other/new" | head -1)
check "bytes equal" sh -c "grep -qx 'body 1' '$other/new/$f'"
check "INTERNALDATE (mtime) kept" test "$(date -r "$other/new/$f" +%Y)" = 2001
check "originals still there after copy" test "$(ls "$md/cur" "$md/new" | grep -c .)" = "$orig2"
check "move across file systems" sh -c "'$M' move '$md' 3 Other >'$d/move'"
check "move gives UID 3" test "$(cat "$d/move")" = "3 3"
check "original gone after move" sh -c "! grep -rqx 'body 3' '$md/new' '$md/cur'"
check "moved message in Other" sh -c "grep -rqx 'body 3' '$other/new' '$other/cur'"
check "tmp/ of Other empty" test -z "$(ls "$other/tmp")"
"$M" uids "$md" >"$d/inbox"
check "INBOX keeps UIDs 1 2" test "$(grep -v '^#' "$d/inbox" | cut -f1 | tr '\n' ' ')" = "1 2 "

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
