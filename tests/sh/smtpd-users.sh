#!/bin/sh
# smtpd's recipients from a passwd-file: the same line parser as checkpassword-file
# (comments, CRLF lines, malformed lines skipped), a last line without a newline still
# counts, and local parts match without case.
set -u
: "${BIN:?}"
d=$(mktemp -d "${TMPDIR:-/tmp}/smtpd-users.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
chmod 755 "$d"
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }
if [ "$(id -u)" = 0 ]; then uid=65534 gid=65534; else uid=$(id -u) gid=$(id -g); fi
for u in ann bob cid; do
	mkdir -p "$d/$u/Maildir/cur" "$d/$u/Maildir/new" "$d/$u/Maildir/tmp"
	[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$d/$u"
done
{
	printf '# users\n'
	printf 'ann:{PLAIN}x:%s:%s::%s/ann::\r\n' "$uid" "$gid" "$d"
	printf 'broken line without enough fields\n'
	printf 'bob:{PLAIN}x:notanumber:%s::%s/bob::\n' "$gid" "$d"
	printf 'cid:{PLAIN}x:%s:%s::%s/cid::' "$uid" "$gid" "$d"
} >"$d/users"
rcpt() {
	printf 'EHLO c.example\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<%s>\r\nQUIT\r\n' "$1" |
		"$BIN/smtpd" --users "$d/users" --domain example.org 2>/dev/null | tr -d '\r' |
		grep -E '^(250|550) ' | tail -1
}
check "a CRLF line counts" sh -c "[ \"\$(printf '%s' \"$(rcpt ann@example.org)\" | cut -c1-3)\" = 250 ]"
check "the last line without newline counts" sh -c "[ \"\$(printf '%s' \"$(rcpt cid@example.org)\" | cut -c1-3)\" = 250 ]"
check "local parts match without case" sh -c "[ \"\$(printf '%s' \"$(rcpt CID@example.org)\" | cut -c1-3)\" = 250 ]"
check "a malformed entry is no recipient" sh -c "[ \"\$(printf '%s' \"$(rcpt bob@example.org)\" | cut -c1-3)\" = 550 ]"
check "an unknown user is refused" sh -c "[ \"\$(printf '%s' \"$(rcpt zed@example.org)\" | cut -c1-3)\" = 550 ]"
# Two RCPTs for one mailbox (case, an alias would do the same): one copy.
printf 'EHLO c.example\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<ann@example.org>\r\nRCPT TO:<ANN@example.org>\r\nDATA\r\nSubject: once\r\n\r\nx\r\n.\r\nQUIT\r\n' |
	"$BIN/smtpd" --users "$d/users" --domain example.org >"$d/out" 2>/dev/null
check "two RCPTs, one mailbox: accepted" grep -q '^250 2.0.0' "$d/out"
check "two RCPTs, one mailbox: one copy" test "$(find "$d/ann/Maildir/new" -type f | wc -l)" = 1
# The same rule for logins and recipients: an entry written in capitals is found by a
# lower-case RCPT, and checkpassword-file logs it in under any case.
printf '\nDee:{PLAIN}deePW:%s:%s::%s/cid::\n' "$uid" "$gid" "$d" >>"$d/users"
check "an entry in capitals is a recipient in lower case" sh -c "[ \"\$(printf '%s' \"$(rcpt dee@example.org)\" | cut -c1-3)\" = 250 ]"
printf 'dEE\000deePW\000\000' >"$d/fd3"
check "checkpassword-file finds the same entry" sh -c \
	"CHECKPW_FAIL_DELAY_MS=0 '$BIN/checkpassword-file' '$d/users' sh -c 'test \"\$USER\" = Dee' 3<'$d/fd3' 2>/dev/null"

echo "smtpd-users: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
