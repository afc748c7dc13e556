#!/bin/sh
# mutt reading a Maildir directly, after imapd's COPY left flagged messages in new/
# with their flags in the name (new/<base>:2,<flags>, so that they are \Recent to the
# next IMAP session, RFC 3501 6.4.7; docs/COMPAT.md "Flags in new/"):
#  - mutt must show their flags (~F flagged, ~U unread) as the names say;
#  - when it leaves the folder (mark_old=yes, its default) it moves the messages it
#    changed to cur/ with their flags kept, and loses none;
#  - imapd then reads the folder with the same flags, the one mutt left in new/ still
#    recent.
# mutt runs on a pseudo-terminal (script), typing keys from a file, as in
# imap-clients.sh. As root mutt and imapd run as nobody, who owns the Maildir.
# Prints PASS:/FAIL: lines; exit 1 on failure, 77 when mutt or script is missing.
set -u
: "${BIN:?BIN must name the directory holding imapd}"
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh.inc
. "$here/lib.sh.inc"
interop_need script
if ! command -v mutt >/dev/null 2>&1; then
	missing mutt
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi
interop_tmpdir maildir-mutt
interop_user
run_as() {
	if [ "$(id -u)" -eq 0 ]; then setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
	else "$@"; fi
}

md=$tmp/Maildir
mkdir -p "$md/cur" "$md/new" "$md/tmp"
printf 'From: a@example.org\nSubject: one\n\nbody 1\n' >"$md/cur/1700000001.M1P1Q1.h,S=46:2,FS"
printf 'From: a@example.org\nSubject: two\n\nbody 2\n' >"$md/cur/1700000002.M2P1Q2.h,S=46:2,F"
printf 'From: a@example.org\nSubject: three\n\nbody 3\n' >"$md/cur/1700000003.M3P1Q3.h,S=48:2,"
chown -R "$uid:$gid" "$tmp"

# imapd SESSION: an imapd --preauth session on the Maildir, commands on stdin.
imapd() {
	HOME=$tmp MAILDIR=$md USER=$user run_as "$BIN/imapd" --preauth 2>>"$tmp/imapd.log" |
		tr -d '\r' >"$tmp/$1.out"
}
printf '%s\r\n' 'a CREATE Dst' 'b SELECT INBOX' 'c COPY 1:3 Dst' 'd LOGOUT' | imapd copy
dst=$md/.Dst
if [ "$(ls "$dst/new" | grep -c ':2,F')" -eq 2 ] && [ -z "$(ls "$dst/cur")" ]; then
	ok "imapd's copies wait in new/, the flagged ones with their info"
else
	bad "imapd's copies wait in new/, the flagged ones with their info"
	show "$tmp/copy.out"; ls -R "$dst" | show /dev/stdin
fi

# folder set: without it mutt's first start asks to create ~/Mail, and that prompt
# eats the keys typed below.
cat >"$tmp/muttrc" <<EOF
set folder="$md"
set mbox_type=Maildir
set pipe_split=yes
set pipe_decode=no
set pipe_sep=""
set wait_key=no
set quit=yes
set move=no
set mark_old=yes
set header_cache=""
EOF
# shellcheck disable=SC2016 # the script's own variable
printf '#!/bin/sh\nexec grep "^Subject:" >>"$1"\n' >"$tmp/subject.sh"
chmod 755 "$tmp/subject.sh"
: >"$tmp/flagged"
: >"$tmp/unread"
printf 'push "%s"\n' "<tag-pattern>~F<enter><tag-prefix><pipe-message>$tmp/subject.sh $tmp/flagged<enter><untag-pattern>~A<enter><tag-pattern>~U<enter><tag-prefix><pipe-message>$tmp/subject.sh $tmp/unread<enter><quit>" >"$tmp/keys"
chown "$uid:$gid" "$tmp/muttrc" "$tmp/subject.sh" "$tmp/flagged" "$tmp/unread" "$tmp/keys"
if run_as timeout 60 env HOME="$tmp" TERM=vt100 script -qec \
	"mutt -n -F $tmp/muttrc -f $dst -e 'source $tmp/keys'" /dev/null >"$tmp/mutt.log" 2>&1; then
	ok "mutt ran on the folder"
else
	bad "mutt ran on the folder"; show "$tmp/mutt.log"
fi
if [ "$(sort "$tmp/flagged" | tr '\n' '|')" = "Subject: one|Subject: two|" ]; then
	ok "mutt reads \\Flagged from the names in new/ (~F)"
else
	bad "mutt reads \\Flagged from the names in new/ (~F): $(tr '\n' '|' <"$tmp/flagged")"
fi
if [ "$(sort "$tmp/unread" | tr '\n' '|')" = "Subject: three|Subject: two|" ]; then
	ok "mutt reads \\Seen from the names in new/ (~U)"
else
	bad "mutt reads \\Seen from the names in new/ (~U): $(tr '\n' '|' <"$tmp/unread")"
fi
if [ "$(ls "$dst/new" "$dst/cur" | grep -c ',S=')" -eq 3 ] &&
	ls "$dst/cur" | grep -q ',S=46:2,F$' && ls "$dst/cur" | grep -q ',S=48:2,$'; then
	ok "mutt moved the unread ones to cur/ with their flags, lost nothing"
else
	bad "mutt moved the unread ones to cur/ with their flags, lost nothing"
	ls -R "$dst" | show /dev/stdin
fi

printf '%s\r\n' 'a SELECT Dst' 'b FETCH 1:* (FLAGS)' 'c LOGOUT' | imapd after
if grep -qxF '* 1 FETCH (FLAGS (\Flagged \Seen \Recent))' "$tmp/after.out" &&
	grep -qxF '* 2 FETCH (FLAGS (\Flagged))' "$tmp/after.out" &&
	grep -qxF '* 3 FETCH (FLAGS ())' "$tmp/after.out" &&
	grep -qxF '* 1 RECENT' "$tmp/after.out"; then
	ok "imapd reads the folder after mutt with the same flags"
else
	bad "imapd reads the folder after mutt with the same flags"; show "$tmp/after.out"
fi
interop_summary maildir-mutt
