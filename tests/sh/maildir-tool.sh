#!/bin/sh
# bin/maildir as administrators and MTAs use it: deliver, create, list, uids, flag, check.
set -u
: "${BIN:?}"
M="$BIN/maildir"
d=$(mktemp -d "${TMPDIR:-/tmp}/tool.XXXXXX")
trap 'rm -rf "$d"' EXIT
# Run as root, the tool works as the owner of the Maildir: give it one, as a user's.
[ "$(id -u)" = 0 ] && chown 65534:65534 "$d"
md="$d/Maildir"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else no "$name"; fi; }
status() { "$@" >/dev/null 2>&1; echo $?; }

# create
check "create makes a Maildir and folders" "$M" create "$md" Sent "Archive" "Archive/2024" "a.b" "Entwürfe"
check "cur/new/tmp exist" test -d "$md/cur" -a -d "$md/new" -a -d "$md/tmp"
check "folder on disk" test -f "$md/.Archive.2024/maildirfolder"
check "dot in a name escaped" test -d "$md/.a\\2eb"
check "mUTF-7 on disk" test -d "$md/.Entw&APw-rfe"
check "refused folder name" test "$(status "$M" create "$md" "../x")" = 65
check "create again keeps what exists" "$M" create "$md" Sent

# deliver
printf 'Subject: one\n\nbody\n' | SENDER=a@example.org RECIPIENT=me@example.net "$M" deliver "$md"
check "deliver exit 0" test $? = 0
f=$(ls "$md/new")
check "one file in new/" test "$(ls "$md/new" | wc -l)" = 1
check "Return-Path added" grep -qx 'Return-Path: <a@example.org>' "$md/new/$f"
check "Delivered-To added" grep -qx 'Delivered-To: me@example.net' "$md/new/$f"
check "message kept after the trace lines" sh -c "tail -n 3 '$md/new/$f' | head -1 | grep -qx 'Subject: one'"
check "name carries S= and W=" sh -c "echo '$f' | grep -q ',S=[0-9]*,W=[0-9]*$'"
size=$(wc -c < "$md/new/$f")
check "S= is the file size" sh -c "echo '$f' | grep -q ',S=$size,'"
check "tmp/ left empty" test -z "$(ls "$md/tmp")"
printf 'x\n' | SENDER="$(printf 'a\r\nX-Evil: 1')" "$M" deliver "$md" 2>/dev/null
check "no header injection from SENDER" sh -c "! grep -rq '^X-Evil' '$md/new'"
printf 'to a folder\n' | "$M" deliver "$md" Archive/2024
check "deliver into a folder" test "$(ls "$md/.Archive.2024/new" | wc -l)" = 1
check "deliver to a missing folder: 75" test "$(printf x | status "$M" deliver "$md" Nope)" = 75
check "deliver to a missing folder: nothing made" test ! -e "$md/.Nope"
printf x | "$M" deliver "$d/fresh" 2>/dev/null
check "deliver makes a missing Maildir" test "$(ls "$d/fresh/new" | wc -l)" = 1
check "deliver under a missing directory: 75" test "$(printf x | status "$M" deliver "$d/none/Maildir")" = 75
check "deliver usage: 64" test "$(status "$M" deliver)" = 64
chmod 500 "$md/tmp"
check "unwritable tmp/: 75, nothing stored" test "$(printf x | status "$M" deliver "$md")" = 75
chmod 700 "$md/tmp"

# uids, flag
for i in 3 4 5; do printf 'Subject: %s\n\nx\n' $i | "$M" deliver "$md"; done
out=$("$M" uids "$md")
check "uids header" sh -c "echo \"\$1\" | head -1 | grep -q '^# uidvalidity [0-9][0-9]* nextuid 6$'" - "$out"
check "uids 1..5" test "$(echo "$out" | tail -n +2 | cut -f1 | tr '\n' ' ')" = "1 2 3 4 5 "
v1=$(echo "$out" | head -1 | cut -d' ' -f3)
check "flag +Seen +keyword" "$M" flag "$md" 2 +'\Seen' +'$Junk' +Work
line=$("$M" uids "$md" | grep '^2	')
check "flags shown" test "$(echo "$line" | cut -f2)" = '\Seen'
check "keywords shown" test "$(echo "$line" | cut -f3)" = '$Junk Work'
check "file renamed into cur/ with letters" sh -c "ls '$md/cur' | grep -q ':2,Sab$'"
check "keywords file" grep -qx '0 \$Junk' "$md/dovecot-keywords"
check "flag -keyword" "$M" flag "$md" 2 -'$Junk' -'\Seen' +'\Flagged'
line=$("$M" uids "$md" | grep '^2	')
check "flags after removal" test "$(echo "$line" | cut -f2-3)" = '\Flagged	Work'
check "unknown UID: 65" test "$(status "$M" flag "$md" 99 +'\Seen')" = 65
check "bad system flag: 65" test "$(status "$M" flag "$md" 1 +'\Bogus')" = 65
check "UIDs stable" test "$("$M" uids "$md" | tail -n +2 | cut -f1 | tr '\n' ' ')" = "1 2 3 4 5 "
check "UIDVALIDITY stable" test "$("$M" uids "$md" | head -1 | cut -d' ' -f3)" = "$v1"
check "folder uids" test "$("$M" uids "$md" Archive/2024 | tail -n +2 | cut -f1)" = 1

# list
out=$("$M" list "$md")
check "list INBOX first with counts" test "$(echo "$out" | head -1)" = "INBOX	5	5"
check "list folder with counts" sh -c "echo \"\$1\" | grep -qx 'Archive/2024	1	1'" - "$out"
check "list decodes names" sh -c "echo \"\$1\" | grep -qx 'Entwürfe	0	0'" - "$out"
check "list shows dotted names" sh -c "echo \"\$1\" | grep -qx 'a.b	0	0'" - "$out"

# check
check "check: clean" test "$(status "$M" check "$md")" = 0
touch "$md/tmp/stale" && touch -d '3 days ago' "$md/tmp/stale"
touch "$md/dovecot-uidlist.1700000000.M1P9Q1.host.tmp" && touch -d '3 days ago' "$md/dovecot-uidlist.1700000000.M1P9Q1.host.tmp"
victim=$(ls "$md/new" | head -1)
vuid=$("$M" uids "$md" | awk -F'\t' -v f="$victim" '$4 == f { print $1 }')
printf 'y\n' > "$md/cur/1700000000.M1P1Q1.other:2,S"
rm "$md/new/$victim"
want=$(for u in 1 2 3 4 5 6; do [ "$u" = "$vuid" ] || printf '%s ' "$u"; done)
out=$("$M" check "$md")
check "check: exit 1 when problems" test $? = 1
check "check: stale tmp reported" sh -c "echo \"\$1\" | grep -q 'tmp/ older than 36 hours'" - "$out"
check "check: stray control tmp reported" sh -c "echo \"\$1\" | grep -q '1 temporary control files older'" - "$out"
check "check: a new message without a UID is shown, not counted" sh -c "echo \"\$1\" | grep -q '1 new messages without a UID yet'" - "$out"
check "check: an expunged message's record is no problem" sh -c "! echo \"\$1\" | grep -q 'records without a file'" - "$out"
check "check: two problems" sh -c "echo \"\$1\" | grep -qx '2 problems'" - "$out"
before=$("$M" uids "$md" Archive/2024)
# make the directories look old so the repair may rewrite the uidlist
touch -d '1 minute ago' "$md/new" "$md/cur"
"$M" check "$md" --repair >/dev/null
check "check --repair: then clean" test "$(status "$M" check "$md")" = 0
check "repair removed the stale tmp file" test ! -e "$md/tmp/stale"
check "repair removed the stray control file" test ! -e "$md/dovecot-uidlist.1700000000.M1P9Q1.host.tmp"
check "repair kept existing UIDs" test "$("$M" uids "$md" | tail -n +2 | cut -f1 | tr '\n' ' ')" = "$want"
check "other folders untouched" test "$("$M" uids "$md" Archive/2024)" = "$before"
# Normal use: a delivery, a message read and deleted by a POP3 client (DELE + QUIT
# unlinks the file; the uidlist keeps its record until a later rewrite).
printf 'Subject: pop\n\nx\n' | "$M" deliver "$md" 2>/dev/null
"$M" uids "$md" >/dev/null
rm "$md/new/$(ls "$md/new" | head -1)"
printf 'Subject: later\n\nx\n' | "$M" deliver "$md" 2>/dev/null
check "check right after normal use: clean" test "$(status "$M" check "$md")" = 0

# Damaged uidlists. A good copy first, then each kind of damage; --repair keeps every
# UID it can trust and never gives one twice.
"$M" uids "$md" >/dev/null
good=$(cat "$md/dovecot-uidlist")
uids_now() { "$M" uids "$md" | tail -n +2 | cut -f1 | tr '\n' ' '; }
want=$(uids_now)
hdr=$(echo "$good" | head -1)
recs=$(echo "$good" | tail -n +2)
r1=$(echo "$recs" | head -1)
r2=$(echo "$recs" | sed -n 2p)
rest=$(echo "$recs" | tail -n +3)
top=$(echo "$recs" | tail -1 | cut -d' ' -f1)
damage() {	# NAME TEXT: the uidlist made TEXT, check fails, --repair mends it
	printf '%s\n' "$2" >"$md/dovecot-uidlist"
	check "damaged ($1): check says so" test "$(status "$M" check "$md")" = 1
	"$M" check "$md" --repair >"$d/repair.out"
	check "damaged ($1): repaired, then clean" test "$(status "$M" check "$md")" = 0
}
damage "garbage line" "$(printf '%s\n%s\n@@garbage@@\n%s\n%s' "$hdr" "$r1" "$r2" "$rest")"
check "garbage line: every UID kept" test "$(uids_now)" = "$want"
check "garbage line: said what it did" grep -q 'repaired: .* records kept, 1 dropped' "$d/repair.out"
check "garbage line: damaged file kept" sh -c "ls '$md' | grep -q 'dovecot-uidlist.damaged'"
damage "records out of order" "$(printf '%s\n%s\n%s\n%s' "$hdr" "$r2" "$r1" "$rest")"
u1=$(echo "$r1" | cut -d' ' -f1)
check "out of order: the record that broke the order got a new UID" \
	sh -c "test \"\$(\"$M\" uids \"$md\" | tail -n +2 | cut -f1 | grep -c -x '$u1')\" = 0"
check "out of order: new UIDs above every UID seen" \
	test "$("$M" uids "$md" | tail -1 | cut -f1)" -gt "$top"
want=$(uids_now)
dup="$(echo "$r1" | cut -d' ' -f1) :$(echo "$r2" | sed 's/^[0-9]* [^:]*://')"
damage "a UID twice" "$(printf '%s\n%s\n%s\n%s\n%s' "$hdr" "$(echo "$recs" | head -1)" "$dup" "$(echo "$recs" | tail -n +2)")"
check "a UID twice: count unchanged" test "$("$M" uids "$md" | tail -n +2 | wc -l)" = "$(echo "$want" | wc -w)"
damage "header unreadable" "$(printf '3 Vxyz N12\n%s' "$recs")"
check "header unreadable: said so" grep -q 'header unreadable: a new UIDVALIDITY' "$d/repair.out"
check "header unreadable: a new UIDVALIDITY" test "$("$M" uids "$md" | head -1 | cut -d' ' -f3)" != "$v1"
rm -f "$md"/dovecot-uidlist.damaged.*

check "not a Maildir: 66" test "$(status "$M" list "$d/none")" = 66
check "usage: 64" test "$(status "$M" frobnicate)" = 64

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
