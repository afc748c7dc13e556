#!/bin/sh
# RETR and TOP byte for byte against a line-by-line reference (sed), for messages whose
# tricky bytes sit on the edge of pop3d's 64 KiB reads (lib/crlf.c carries the state
# across): a CR ending one read and its LF starting the next, a dot line starting a
# read, a lone CR, CR CR LF, a last line without LF, and TOP counting lines across
# the edge.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/pop3-lib.sh"
d=$(mktemp -d "${TMPDIR:-/tmp}/pop3d-retr-stream.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
chmod 755 "$d"
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }
export LC_ALL=C
md=$d/Maildir
mkdir -p "$md/cur" "$md/new" "$md/tmp"
# 15 header bytes, 655 lines of 100 bytes: the next line starts at offset 65515.
body() { awk 'BEGIN { printf "Subject: edge\n\n"; for (i = 0; i < 655; i++) { for (j = 0; j < 99; j++) printf "x"; printf "\n" } }'; }
{ body; printf 'yyyyyyyyyyyyyyyyyyyy\r\n.dot after the edge\n\na\rb\n\r\r\n..two\ntail'; } >"$md/cur/1700000001.M1P1Q1.h:2,S"
{ body; printf 'zzzzzzzzzzzzzzzzzzzz\n.starts the second read\r\n.\nend\n'; } >"$md/cur/1700000002.M1P1Q1.h:2,S"
{ printf 'Subject: small\r\n\r\n.\r\nno newline\r'; } >"$md/cur/1700000003.M1P1Q1.h:2,S"
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$md"
export HOME="$d" USER=alice
check "the first message has CR at 65535 and LF at 65536" \
	sh -c "[ \"\$(od -An -c -j 65535 -N 2 '$md/cur/1700000001.M1P1Q1.h:2,S' | tr -d ' ')\" = '\\r\\n' ]"

# The wire form of stdin: CR LF line ends (a CR already there kept), dot-stuffed, and a
# CR LF after a last line without LF (whose last byte, even a CR, is kept as data).
wire() {
	cat >"$d/ref.in"
	if [ ! -s "$d/ref.in" ] || [ "$(tail -c 1 "$d/ref.in" | od -An -c | tr -d ' ')" = '\n' ]; then
		sed 's/\r$//; s/^\./../; s/$/\r/' "$d/ref.in"
		return
	fi
	size=$(wc -c <"$d/ref.in")
	last=$(tail -n 1 "$d/ref.in" | wc -c)
	head -c $((size - last)) "$d/ref.in" | sed 's/\r$//; s/^\./../; s/$/\r/'
	tail -n 1 "$d/ref.in" | sed 's/^\./../'
	printf '\r\n'
}
# The header, the empty line (nothing but CRs) and n body lines of file $2: counted
# in bytes and cut with head, so that a last line without LF stays as it is.
top() {
	head -c "$(awk -v n="$1" 'h == 0 { b += length($0) + 1; if ($0 ~ /^\r*$/) h = 1; next }
		n-- > 0 { b += length($0) + 1 } END { print b + 0 }' "$2")" "$2"
}
# What pop3d sent for one command: without the greeting, the command's +OK line, the
# final "." and QUIT's answer; 0 when that "." is there.
printf '.\r\n' >"$d/dot"
session() {
	printf '%s\r\nQUIT\r\n' "$1" | as_user "$BIN/pop3d" --preauth >"$d/out" 2>"$d/err"
	sed '1,2d' "$d/out" | sed '$d' | sed '$d' >"$d/got"
	tail -n 2 "$d/out" | head -n 1 | cmp -s - "$d/dot"
}
n=0
for f in "$md"/cur/*; do
	n=$((n + 1))
	session "RETR $n"
	check "RETR $n ends with ." test $? = 0
	wire <"$f" >"$d/want"
	check "RETR $n byte-exact" cmp "$d/want" "$d/got"
	for lines in 0 1 655 656 657 10000; do
		session "TOP $n $lines"
		top "$lines" "$f" | wire >"$d/want"
		check "TOP $n $lines byte-exact" cmp "$d/want" "$d/got"
	done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
