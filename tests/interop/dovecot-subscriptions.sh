#!/bin/sh
# Dovecot interop for IMAP subscriptions (SUBSCRIBE/LSUB, RFC 3501 6.3.6, 6.3.9): the
# Maildir root's "subscriptions" file is shared, both ways:
#  (a) what Dovecot's SUBSCRIBE/UNSUBSCRIBE wrote, `maildir subscriptions` lists, names
#      in UTF-8 with '/' (Dovecot's file holds modified UTF-7 levels separated by TAB);
#  (b) what `maildir subscriptions add/remove` wrote, Dovecot's LSUB lists, and Dovecot
#      can go on changing the file we wrote;
#  (c) Courier's courierimapsubscribed is read while Dovecot's file is absent, and its
#      names are carried into the file our first change writes, which Dovecot lists;
#  (d) imapd's SUBSCRIBE/UNSUBSCRIBE change the file Dovecot wrote, Dovecot's LSUB
#      lists the result, and imapd's LSUB lists what Dovecot subscribed.
# How Dovecot is run: see dovecot.sh. Prints PASS/FAIL lines and
# "dovecot-subscriptions: N passed, N failed"; exit 1 on failure, 77 without Dovecot.
set -u
: "${BIN:?BIN must name the directory holding the maildir tool}"
here=$(cd "$(dirname "$0")" && pwd)
helper="$here/dovecot_imap.py"
PYTHON=${PYTHON:-python3}
# shellcheck source=SCRIPTDIR/lib.sh.inc
. "$here/lib.sh.inc"

interop_need "$PYTHON"
interop_tmpdir dovecot-subscriptions
if ! "$PYTHON" "$helper" --probe; then
	echo "SKIP: dovecot not installed (no dovecot imap binary)"
	exit 77
fi
log="$tmp/log"

# dv MAILDIR < commands: one Dovecot session (commands as in dovecot_imap.py).
dv() {
	"$PYTHON" "$helper" --maildir "$1" --work "$1.dovecot" 2>"$tmp/err"
	st=$?
	cat "$tmp/err" >>"$log"
	[ "$st" -eq 0 ] || { grep -v 'Info: Disconnected' "$tmp/err" | tail -5 | sed 's/^/    /' >&2; return 1; }
}
# subs MAILDIR [add|remove NAME...]: the tool; failure is reported.
subs() {
	"$BIN/maildir" subscriptions "$@" 2>>"$log" || { echo "    maildir subscriptions $* failed" >&2; return 1; }
}
# same NAME EXPECTED ACTUAL: identical files, not empty.
same() {
	if [ -s "$2" ] && cmp -s "$2" "$3"; then
		ok "$1"
	else
		bad "$1"
		diff -u "$2" "$3" | sed -n '3,40p' | sed 's/^/    /'
	fi
}
lines() { printf '%s\n' "$@"; }

# (a) Written by Dovecot.
A="$tmp/a/Maildir"
mkdir -p "$tmp/a"
dv "$A" >/dev/null <<'EOF2' && ok "a: Dovecot creates folders and subscribes" || bad "a: Dovecot creates folders and subscribes"
create Archive/2024
create Entwürfe
create Sent
subscribe Archive/2024
subscribe Entwürfe
subscribe INBOX
subscribe Sent
unsubscribe Sent
EOF2
if grep -q "Entw&APw-rfe" "$A/subscriptions" && head -1 "$A/subscriptions" | grep -q "^V	2$"; then
	ok "a: Dovecot's file is version 2 with modified UTF-7 names"
else
	bad "a: Dovecot's file is version 2 with modified UTF-7 names"; od -c "$A/subscriptions" | head -5
fi
lines Archive/2024 Entwürfe INBOX >"$tmp/a-want"
echo lsub | dv "$A" >"$tmp/a-dv"
same "a: Dovecot's LSUB is Archive/2024, Entwürfe, INBOX" "$tmp/a-want" "$tmp/a-dv"
subs "$A" >"$tmp/a-ours"
same "a: maildir subscriptions lists what Dovecot subscribed" "$tmp/a-dv" "$tmp/a-ours"

# (b) Written by us, on Dovecot's file: Dovecot lists it, and edits it further.
subs "$A" add "Neu/Ordner" "Ärger" "INBOX" && subs "$A" remove "Entwürfe" &&
	ok "b: maildir subscriptions add, remove" || bad "b: maildir subscriptions add, remove"
lines Archive/2024 INBOX Neu/Ordner Ärger >"$tmp/b-want"
subs "$A" >"$tmp/b-ours"
same "b: maildir subscriptions after our changes" "$tmp/b-want" "$tmp/b-ours"
echo lsub | dv "$A" >"$tmp/b-dv"
same "b: Dovecot's LSUB lists our subscriptions (nonexistent and UTF-8 ones too)" \
	"$tmp/b-want" "$tmp/b-dv"
dv "$A" >/dev/null <<'EOF2' || bad "b: Dovecot changes the file we wrote"
subscribe Sent
unsubscribe Archive/2024
EOF2
lines INBOX Neu/Ordner Sent Ärger >"$tmp/b-want2"
subs "$A" >"$tmp/b-ours2"
same "b: Dovecot changes the file we wrote; we read its change" "$tmp/b-want2" "$tmp/b-ours2"
[ ! -e "$A/subscriptions.lock" ] && ok "b: no lock left behind" || bad "b: no lock left behind"

# (c) Courier's file, carried over.
C="$tmp/c/Maildir"
mkdir -p "$C/cur" "$C/new" "$C/tmp" "$C/.Sent/cur" "$C/.Sent/new" "$C/.Sent/tmp"
touch "$C/.Sent/maildirfolder"
printf 'INBOX\nINBOX.Sent\nINBOX.Entw&APw-rfe\n' >"$C/courierimapsubscribed"
lines Entwürfe INBOX Sent >"$tmp/c-want"
subs "$C" >"$tmp/c-ours"
same "c: maildir subscriptions reads courierimapsubscribed" "$tmp/c-want" "$tmp/c-ours"
subs "$C" add "Archive" || bad "c: maildir subscriptions add"
lines Archive Entwürfe INBOX Sent >"$tmp/c-want2"
echo lsub | dv "$C" >"$tmp/c-dv"
same "c: Dovecot lists Courier's subscriptions and ours after our first change" \
	"$tmp/c-want2" "$tmp/c-dv"

# (d) imapd on the same file, both ways.
D="$tmp/d/Maildir"
mkdir -p "$tmp/d"
dv "$D" >/dev/null <<'EOF2' && ok "d: Dovecot creates and subscribes" || bad "d: Dovecot creates and subscribes"
create Archive/2024
create Entwürfe
subscribe Entwürfe
subscribe Archive/2024
EOF2
# imapd MAILDIR-PARENT < commands: an imapd --preauth session as the Maildir's owner.
imapd() {
	if [ "$(id -u)" = 0 ]; then
		o=$(stat -c %u "$1/Maildir")
		HOME=$1 USER=u setpriv --reuid "$o" --regid "$(stat -c %g "$1/Maildir")" \
			--clear-groups "$BIN/imapd" --preauth 2>>"$log" | tr -d '\r'
	else
		HOME=$1 USER=u "$BIN/imapd" --preauth 2>>"$log" | tr -d '\r'
	fi
}
printf 'a LSUB "" *\r\nb UNSUBSCRIBE "Entw&APw-rfe"\r\nc SUBSCRIBE Nope/x\r\nd SUBSCRIBE "&AMQ-rger"\r\ne LOGOUT\r\n' |
	imapd "$tmp/d" >"$tmp/d-imapd"
lines '* LSUB () "/" "Archive/2024"' '* LSUB () "/" "Entw&APw-rfe"' >"$tmp/d-want"
grep '^\* LSUB' "$tmp/d-imapd" >"$tmp/d-lsub"
same "d: imapd's LSUB lists what Dovecot subscribed" "$tmp/d-want" "$tmp/d-lsub"
if grep -q '^b OK' "$tmp/d-imapd" && grep -q '^c OK' "$tmp/d-imapd" && grep -q '^d OK' "$tmp/d-imapd"; then
	ok "d: imapd's UNSUBSCRIBE and SUBSCRIBE (a nonexistent name too)"
else
	bad "d: imapd's UNSUBSCRIBE and SUBSCRIBE (a nonexistent name too)"; show "$tmp/d-imapd"
fi
lines Archive/2024 Nope/x Ärger >"$tmp/d-want2"
echo lsub | dv "$D" >"$tmp/d-dv"
same "d: Dovecot's LSUB lists imapd's changes" "$tmp/d-want2" "$tmp/d-dv"
dv "$D" >/dev/null <<'EOF2' || bad "d: Dovecot changes the file imapd wrote"
unsubscribe Archive/2024
EOF2
printf 'a LSUB "" %%\r\nb LOGOUT\r\n' | imapd "$tmp/d" >"$tmp/d-imapd2"
lines '* LSUB (\Noselect) "/" "Nope"' '* LSUB () "/" "&AMQ-rger"' >"$tmp/d-want3"
grep '^\* LSUB' "$tmp/d-imapd2" >"$tmp/d-lsub2"
same "d: imapd's LSUB % after Dovecot's change (\\Noselect parent)" "$tmp/d-want3" "$tmp/d-lsub2"

interop_summary dovecot-subscriptions
