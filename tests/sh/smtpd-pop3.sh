#!/bin/sh
# A message end to end: in through smtpd (dot-stuffed, CRLF, 8-bit, a long line, lines
# of dots), out through pop3d --preauth, byte for byte: what POP3 returns (CRLF removed,
# dots unstuffed) is the stored file, which is smtpd's three trace headers followed by
# the message exactly as sent. Also BDAT with binary-ish content the same way.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/smtp-lib.sh"
d=$(mktemp -d "${TMPDIR:-/tmp}/smtpd-pop3.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }
as_user() { if [ "$(id -u)" = 0 ]; then setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; else "$@"; fi; }
smtp_fixture "$d"
md=$d/home/alice/Maildir

# The message in its stored form (LF line ends).
{
	printf 'From: sender@remote.example\nTo: alice@example.org\nSubject: end to end\n'
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n'
	printf 'Content-Transfer-Encoding: 8bit\n\n'
	printf 'caf\303\251 \342\202\254 8-bit text\n.\n..\n.leading dot\n \n\ttab\n'
	i=0; while [ $i -lt 99 ]; do printf '0123456789'; i=$((i + 1)); done; printf '\n'
	printf 'last line\n'
} >"$d/msg"
# On the wire: CRLF and dot-stuffing (RFC 5321 4.5.2).
{
	printf 'EHLO client.example\r\nMAIL FROM:<sender@remote.example> BODY=8BITMIME\r\n'
	printf 'RCPT TO:<alice@example.org>\r\nDATA\r\n'
	sed -e 's/^\./../' -e 's/$/\r/' "$d/msg"
	printf '.\r\nQUIT\r\n'
} | "$BIN/smtpd" --users "$d/users" --domain example.org >"$d/smtp.out" 2>"$d/smtp.err"
check "smtpd accepts the message" grep -q '^250 2.0.0 Ok: delivered' "$d/smtp.out"

stored=$(find "$md/new" -type f | head -1)
cp "$stored" "$d/stored"	# pop3d moves it to cur/ at QUIT
stored=$d/stored
check "stored file is trace headers + message" sh -c "tail -n +6 '$stored' | cmp -s - '$d/msg'"
check "stored headers are Return-Path, Delivered-To, Received" sh -c \
	"head -n 3 '$stored' | cut -d: -f1 | tr '\n' ' ' | grep -qx 'Return-Path Delivered-To Received '"

printf 'RETR 1\r\nQUIT\r\n' | HOME=$d/home/alice USER=alice as_user "$BIN/pop3d" --preauth \
	>"$d/pop.out" 2>"$d/pop.err"
# The multi-line reply without the greeting, its +OK line and final ".", CRs removed, unstuffed.
tr -d '\r' <"$d/pop.out" | awk 'NR <= 2 { next } /^\.$/ { exit } { sub(/^\./, ""); print }' \
	>"$d/retr"
check "pop3d returns the stored file byte for byte" cmp -s "$d/retr" "$stored"
check "pop3d returns the message as sent after the trace headers" \
	sh -c "tail -n +6 '$d/retr' | cmp -s - '$d/msg'"

# BDAT: no dot-stuffing, CRLF stored as LF, everything else (NUL, lone CR) as is.
rm -f "$md"/new/* "$md"/cur/*
printf 'Subject: bdat\r\n\r\n.not stuffed\r\nnul:\000 cr:\r end\r\n' >"$d/chunk"
n=$(wc -c <"$d/chunk")
{
	printf 'EHLO client.example\r\nMAIL FROM:<s@remote.example>\r\n'
	printf 'RCPT TO:<alice@example.org>\r\nBDAT %s LAST\r\n' "$n"
	cat "$d/chunk"
	printf 'QUIT\r\n'
} | "$BIN/smtpd" --users "$d/users" --domain example.org >"$d/smtp2.out" 2>>"$d/smtp.err"
check "smtpd accepts the BDAT message" grep -q '^250 2.0.0 Ok: delivered' "$d/smtp2.out"
stored=$(find "$md/new" -type f | head -1)
printf 'Subject: bdat\n\n.not stuffed\nnul:\000 cr:\r end\n' >"$d/want"
check "BDAT content stored with LF, NUL and lone CR kept" \
	sh -c "tail -n +6 '$stored' | cmp -s - '$d/want'"
echo "smtpd end to end: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
