#!/bin/sh
# The size pop3d announces (LIST, STAT, "+OK N octets") is exactly what RETR sends
# before the final ".", counted after removing the dot-stuffing: for the fixture's
# messages (LF, CRLF, no final newline, leading dots) and for large ones that cross
# the streaming buffer with a CR LF or a dot line split across two reads.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/pop3-lib.sh"
d=$(mktemp -d "${TMPDIR:-/tmp}/pop3d-sizes.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
chmod 755 "$d"
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }
pop3_fixture "$d"
md=$d/Maildir
# Large: 65535 bytes then ".x\n" so a dot starts the next read; CRLF across the edge;
# and one ending without a newline after a long line.
awk 'BEGIN { printf "Subject: big\n\n"; for (i = 0; i < 6553; i++) printf "%09d\n", i; printf "..\n.x\nend" }' >"$md/new/1700000006.M1P1Q1.big"
awk 'BEGIN { printf "Subject: crlf big\r\n\r\n"; for (i = 0; i < 9000; i++) printf ".%08d\r\n", i }' >"$md/new/1700000007.M1P1Q1.big"
awk 'BEGIN { printf "Subject: long\n\n"; for (i = 0; i < 200000; i++) printf "y" }' >"$md/new/1700000008.M1P1Q1.big"
printf '' >"$md/new/1700000009.M1P1Q1.empty"
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$md"
export HOME="$d" USER=alice LC_ALL=C

for n in 1 2 3 4 5 6 7 8 9; do
	printf 'LIST %s\r\nRETR %s\r\nQUIT\r\n' "$n" "$n" | as_user "$BIN/pop3d" --preauth >"$d/out" 2>"$d/err"
	# Line 2 is "+OK n size", line 3 "+OK size octets", then the body up to ".".
	res=$(awk '
		NR == 2 { list = $3 + 0 }
		NR == 3 { octets = $2 + 0 }
		NR > 3 && !done {
			if ($0 == ".\r") { done = 1; next }
			len = length($0) + 1
			if (substr($0, 1, 1) == ".") len--
			body += len
		}
		END { printf "%d %d %d %d\n", list, octets, body, done }' "$d/out")
	set -- $res
	check "message $n: LIST $1 = RETR body $3" test "$1" = "$3" -a "$4" = 1
	check "message $n: +OK $2 octets = LIST" test "$1" = "$2"
done
# pop3d-sizes: what one session learnt, the next takes without reading the files.
rm -f "$md/pop3d-sizes"
printf 'LIST\r\nQUIT\r\n' | as_user "$BIN/pop3d" --preauth 2>/dev/null | tr -d '\r' >"$d/list1"
check "sizes file written" test -s "$md/pop3d-sizes"
check "sizes file names the UIDVALIDITY" sh -c "head -1 '$md/pop3d-sizes' | grep -q '^1 V[0-9][0-9]*$'"
printf 'LIST\r\nQUIT\r\n' | as_user "$BIN/pop3d" --preauth 2>/dev/null | tr -d '\r' >"$d/list2"
check "second session: the same LIST" cmp -s "$d/list1" "$d/list2"
# The file is trusted for what it says (it changes only when we write it) ...
sed 's/^1 [0-9]*$/1 4242/' "$md/pop3d-sizes" >"$d/sz" && cat "$d/sz" >"$md/pop3d-sizes"
printf 'LIST 1\r\nQUIT\r\n' | as_user "$BIN/pop3d" --preauth 2>/dev/null | tr -d '\r' >"$d/list3"
check "sizes come from the file" grep -qx '+OK 1 4242' "$d/list3"
# ... but not when damaged, nor when it belongs to another UIDVALIDITY.
printf '1 V1\n1 4242\n' >"$md/pop3d-sizes"
printf 'LIST\r\nQUIT\r\n' | as_user "$BIN/pop3d" --preauth 2>/dev/null | tr -d '\r' >"$d/list4"
check "another UIDVALIDITY: ignored" cmp -s "$d/list1" "$d/list4"
head -1 "$d/sz" >"$md/pop3d-sizes"; printf '1 x\n' >>"$md/pop3d-sizes"
printf 'LIST\r\nQUIT\r\n' | as_user "$BIN/pop3d" --preauth 2>/dev/null | tr -d '\r' >"$d/list5"
check "damaged file: ignored" cmp -s "$d/list1" "$d/list5"

echo "pop3d-sizes: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
