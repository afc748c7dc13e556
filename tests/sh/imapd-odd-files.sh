#!/bin/sh
# imapd on a Maildir where files are not what they should be: a message that is a
# FIFO, a message nobody may read (mode 000), a dovecot-uidlist and a dovecot-keywords
# that are FIFOs. Opening a FIFO for reading waits for a writer for ever, so each of
# them once hung the session (pop3d's too); an unreadable message ended it with BYE in the middle of
# a FETCH response. Now each costs only what it must: FETCH answers the rest and
# fails with NO, a folder with a FIFO for its uidlist cannot be opened, and the
# session goes on. Every session runs under timeout(1), so a hang is a failure.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/pop3-lib.sh"
d=$(mktemp -d "${TMPDIR:-/tmp}/imapd-odd.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
chmod 755 "$d"
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }
has() { grep -qF -- "$2" "$d/$1.out"; }
# run NAME INPUT: a preauthenticated session on $d/h (as nobody when root), 30 s at most.
run() {
	[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$d/h"
	printf "$2" | HOME=$d/h USER=alice as_user timeout 30 "$BIN/imapd" --preauth \
		>"$d/$1.raw" 2>"$d/$1.err"
	rc=$?
	tr -d '\r' <"$d/$1.raw" >"$d/$1.out"
}

mkdir -p "$d/h"
pop3_fixture "$d/h"
md=$d/h/Maildir
# message 1 becomes a FIFO, message 3 unreadable
rm "$md"/new/1700000001.*
mkfifo "$md/new/1700000001.M100P10Q1.fixture"
chmod 000 "$md"/new/1700000003.*
run fetch 'a SELECT INBOX\r\nb FETCH 1:5 (UID BODY.PEEK[HEADER.FIELDS (Subject)])\r\nc UID FETCH 1:* RFC822.SIZE\r\nd SEARCH BODY "CRLF"\r\ne NOOP\r\nf LOGOUT\r\n'
check "FETCH with a FIFO message: no hang" [ "$rc" = 0 ]
check "FETCH: readable messages answered" has fetch '* 2 FETCH (UID 2 BODY[HEADER.FIELDS (SUBJECT)] {17}'
check "FETCH: the one after them too" has fetch '* 5 FETCH (UID 5 BODY[HEADER.FIELDS (SUBJECT)]'
check "FETCH: the unreadable ones get their UID" has fetch '* 3 FETCH (UID 3)'
check "FETCH: fails with NO, not BYE" has fetch 'b NO [SERVERBUG]'
check "UID FETCH RFC822.SIZE: NO, nothing left half-written" has fetch "c NO [SERVERBUG]"
check "UID FETCH RFC822.SIZE: no empty item" has fetch "* 1 FETCH (UID 1)"
check "SEARCH BODY answered" grep -q '^d \(OK\|NO\)' "$d/fetch.out"
check "the session goes on" has fetch 'e OK NOOP completed.'
check "no BYE but LOGOUT's" [ "$(grep -c '^\* BYE' "$d/fetch.out")" = 1 ]
# pop3d opens messages the same way
printf 'LIST\r\nRETR 1\r\nRETR 3\r\nRETR 2\r\nQUIT\r\n' | HOME=$d/h USER=alice as_user \
	timeout 30 "$BIN/pop3d" --preauth >"$d/pop3.raw" 2>"$d/pop3.err"
rc=$?
tr -d '\r' <"$d/pop3.raw" >"$d/pop3.out"
check "pop3d: a FIFO message does not hang RETR" [ "$rc" = 0 ]
check "pop3d: RETR of the FIFO fails" has pop3 '-ERR [SYS/TEMP] Cannot read message 1'
check "pop3d: RETR of the unreadable one fails" has pop3 '-ERR [SYS/TEMP] Cannot read message 3'
check "pop3d: the others are served" has pop3 '..two'

rm -rf "$d/h"; mkdir -p "$d/h"
pop3_fixture "$d/h"
for f in Odd Kw; do
	mkdir -p "$md/.$f/cur" "$md/.$f/new" "$md/.$f/tmp"
	: >"$md/.$f/maildirfolder"
done
mkfifo "$md/.Odd/dovecot-uidlist" "$md/.Kw/dovecot-keywords"
echo "3 V1700000000 N2 G00112233445566778899aabbccddeeff" >"$md/.Kw/dovecot-uidlist"
echo "1 :1700000001.M1P1Q1.x" >>"$md/.Kw/dovecot-uidlist"
printf 'Subject: k\n\nk\n' >"$md/.Kw/cur/1700000001.M1P1Q1.x:2,a"
run fifo 'a SELECT Odd\r\nb STATUS Odd (MESSAGES)\r\nc SELECT Kw\r\nd FETCH 1 FLAGS\r\ne STORE 1 +FLAGS (new)\r\nf SELECT INBOX\r\ng LOGOUT\r\n'
check "a FIFO uidlist: no hang" [ "$rc" = 0 ]
check "SELECT of its folder fails" grep -q '^a NO' "$d/fifo.out"
check "STATUS of its folder fails" grep -q '^b NO' "$d/fifo.out"
check "a FIFO keywords file: SELECT answered" grep -q '^c \(OK\|NO\)' "$d/fifo.out"
check "the session goes on" has fifo 'f OK [READ-WRITE] Select completed.'
check "LOGOUT" has fifo 'g OK Logout completed.'
# The selected mailbox removed behind the session's back (another session's DELETE):
# the view used to stay frozen with every message a ghost; now the session says BYE.
rm -rf "$d/h"; mkdir -p "$d/h"
pop3_fixture "$d/h"
mkdir -p "$md/.Box/cur" "$md/.Box/new" "$md/.Box/tmp"
: >"$md/.Box/maildirfolder"
printf 'Subject: b\n\nb\n' >"$md/.Box/new/1700000001.M1P1Q1.x"
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$d/h"
: >"$d/gone.raw"
{
	printf 'a SELECT Box\r\n'
	i=0
	while [ $i -lt 100 ] && ! grep -q '^a OK' "$d/gone.raw"; do sleep 0.1; i=$((i + 1)); done
	rm -rf "$md/.Box"
	printf 'b NOOP\r\nc FETCH 1 FLAGS\r\n'
} | HOME=$d/h USER=alice as_user timeout 30 "$BIN/imapd" --preauth >"$d/gone.raw" 2>"$d/gone.err"
rc=$?
tr -d '\r' <"$d/gone.raw" >"$d/gone.out"
check "deleted selected mailbox: SELECT first" has gone 'a OK [READ-WRITE]'
check "deleted selected mailbox: BYE" has gone '* BYE Selected mailbox was deleted'
check "deleted selected mailbox: NOOP answered, then closed" has gone 'b OK NOOP'
check "deleted selected mailbox: nothing after" [ "$(grep -c '^c ' "$d/gone.out")" = 0 ]
# The selected mailbox deleted and made again (another session's DELETE, CREATE and a
# delivery): the same UIDs name other messages now. The session used to go on and
# answer UID 1 with the new message; now it says BYE (RFC 3501 2.3.1.1).
rm -rf "$d/h"; mkdir -p "$d/h"
pop3_fixture "$d/h"
"$BIN/maildir" create "$md" Box >/dev/null 2>&1
printf 'Subject: old\n\nold\n' >"$md/.Box/new/1700000001.M1P1Q1.x"
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$d/h"
: >"$d/again.raw"
{
	printf 'a SELECT Box\r\n'
	i=0
	while [ $i -lt 100 ] && ! grep -q '^a OK' "$d/again.raw"; do sleep 0.1; i=$((i + 1)); done
	rm -rf "$md/.Box"
	as_user "$BIN/maildir" create "$md" Box >/dev/null 2>&1
	printf 'Subject: new\n\nnew\n' | as_user "$BIN/maildir" deliver "$md" Box 2>/dev/null
	printf 'b NOOP\r\nc UID FETCH 1 BODY.PEEK[HEADER.FIELDS (Subject)]\r\n'
} | HOME=$d/h USER=alice as_user timeout 30 "$BIN/imapd" --preauth >"$d/again.raw" 2>"$d/again.err"
tr -d '\r' <"$d/again.raw" >"$d/again.out"
check "mailbox made again: SELECT first" has again 'a OK [READ-WRITE]'
check "mailbox made again: BYE" has again '* BYE Mailbox UIDVALIDITY changed'
check "mailbox made again: no new message under an old UID" [ "$(grep -c 'Subject: new' "$d/again.out")" = 0 ]
if [ "$fail" -ne 0 ]; then for f in "$d"/*.out "$d"/*.err; do echo "== $f"; cat "$f"; done; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
