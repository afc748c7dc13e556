#!/bin/sh
# \Recent for what COPY, MOVE and APPEND create, with flags and keywords too (RFC 3501
# 6.3.11, 6.4.7; RFC 6851 3.3): the files wait in the target's new/ with their flags in
# the name (new/<base>:2,<flags>). A second session selecting the target sees them all
# as \Recent with their flags and claims them (to cur/, same name); a third sees them
# with the same flags, no longer recent. Then the case where the uidlist alone would
# describe the folder: a flagged copy recorded in new/ by an EXAMINE must still be
# claimed by the next SELECT.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/pop3-lib.sh"
if [ ! -x "$BIN/imapd" ]; then
	echo "SKIP: no $BIN/imapd"
	echo "0 passed, 0 failed"
	exit 0
fi
d=$(mktemp -d "${TMPDIR:-/tmp}/imapd-recent.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
chmod 755 "$d"
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }

md=$d/Maildir
mkdir -p "$md/cur" "$md/new" "$md/tmp"
printf 'Subject: 1\n\nbody 1\n' >"$md/cur/1700000001.M1P1Q1.h,S=20:2,FS"
printf 'Subject: 2\n\nbody 2\n' >"$md/cur/1700000002.M2P1Q2.h,S=20:2,S"
printf 'Subject: 3\n\nbody 3\n' >"$md/cur/1700000003.M3P1Q3.h,S=20:2,"
printf 'Subject: 4\n\nbody 4\n' >"$md/cur/1700000004.M4P1Q4.h,S=20:2,R"
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$d"
session() {	# session NAME: the commands on stdin
	HOME=$d MAILDIR=$md USER=alice as_user "$BIN/imapd" --preauth >"$d/$1.raw" 2>"$d/$1.err"
	tr -d '\r' <"$d/$1.raw" >"$d/$1.out"
}
has() { grep -qxF -- "$2" "$d/$1.out"; }
dst=$md/.Dst

# Session 1 writes: COPY of a flagged message with a keyword, of a seen one and of
# one without flags; MOVE of an answered one; APPEND with flags.
printf '%s\r\n' 'a CREATE Dst' 'b SELECT INBOX' 'c STORE 1 +FLAGS.SILENT ($Work)' \
	'd COPY 1:3 Dst' 'e MOVE 4 Dst' 'f APPEND Dst (\Draft $Work) {10+}' 'Subject: 5' \
	'g LOGOUT' | session one
check "session 1 copied" grep -q '^d OK \[COPYUID [0-9]* 1:3 1:3\]' "$d/one.out"
check "session 1 appended" grep -q '^f OK \[APPENDUID [0-9]* 5\]' "$d/one.out"
check "all five wait in new/" sh -c "ls '$dst/new' | wc -l | grep -qx 5 && ! ls '$dst/cur' | grep -q ."
check "the flagged copy has its flags in new/" sh -c "ls '$dst/new' | grep -q ',S=20:2,FSa\$'"
check "the one without flags has no info" sh -c "ls '$dst/new' | grep -q ',S=20\$'"

printf '%s\r\n' 'a SELECT Dst' 'b FETCH 1:* (UID FLAGS)' 'c LOGOUT' | session two
check "session 2: 5 RECENT" has two '* 5 RECENT'
check "copy with flags and keyword is recent" has two '* 1 FETCH (UID 1 FLAGS (\Flagged \Seen \Recent $Work))'
check "seen copy is recent" has two '* 2 FETCH (UID 2 FLAGS (\Seen \Recent))'
check "copy without flags is recent" has two '* 3 FETCH (UID 3 FLAGS (\Recent))'
check "moved message is recent" has two '* 4 FETCH (UID 4 FLAGS (\Answered \Recent))'
check "appended message is recent" has two '* 5 FETCH (UID 5 FLAGS (\Draft \Recent $Work))'
check "claimed: all in cur/, new/ empty" sh -c "ls '$dst/cur' | wc -l | grep -qx 5 && ! ls '$dst/new' | grep -q ."
check "claim kept the name: one info each" sh -c "! ls '$dst/cur' | grep -q ':2,.*:2,' && ls '$dst/cur' | grep -q ',S=20:2,FSa\$'"

printf '%s\r\n' 'a SELECT Dst' 'b FETCH 1:* (UID FLAGS)' 'c LOGOUT' | session three
check "session 3: 0 RECENT" has three '* 0 RECENT'
check "session 3: flags kept" has three '* 1 FETCH (UID 1 FLAGS (\Flagged \Seen $Work))'
check "session 3: appended flags kept" has three '* 5 FETCH (UID 5 FLAGS (\Draft $Work))'

# A flagged copy in new/, recorded by a full sync (EXAMINE claims nothing) whose
# mtimes are old enough to let the next session skip the directories.
printf '%s\r\n' 'a SELECT INBOX' 'b COPY 1 Dst' 'c LOGOUT' | session four
touch -d @1700000100 "$dst/new" "$dst/cur"
printf '%s\r\n' 'a EXAMINE Dst' 'b LOGOUT' | session five
check "EXAMINE shows it recent" has five '* 1 RECENT'
check "the full sync recorded one file in new/" grep -q ' Z[0-9.:]*,6,[0-9]*,1,' "$dst/dovecot-uidlist"
printf '%s\r\n' 'a SELECT Dst' 'b FETCH 6 (UID FLAGS)' 'c LOGOUT' | session six
check "SELECT after it claims it" has six '* 1 RECENT'
check "with its flags" has six '* 6 FETCH (UID 6 FLAGS (\Flagged \Seen \Recent $Work))'
check "and moves it to cur/" sh -c "! ls '$dst/new' | grep -q ."

if [ "$fail" -gt 0 ]; then
	for s in one two three four five six; do
		echo "--- session $s:"; cat "$d/$s.out" "$d/$s.err"
	done
	ls -R "$dst"
	cat "$dst/dovecot-uidlist"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
