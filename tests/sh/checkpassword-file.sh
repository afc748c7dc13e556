#!/bin/sh
# bin/checkpassword-file as the daemons run it: credentials on fd 3, a users file in
# Dovecot's passwd-file format, PROG exec'd as the user in HOME. Every crypt(3) scheme
# this machine's libcrypt can make is tried; the others print a "SKIP:" line.
set -u
: "${BIN:?}"
C="$BIN/checkpassword-file"
d=$(mktemp -d "${TMPDIR:-/tmp}/checkpw.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else no "$name"; fi; }
skip() { echo "SKIP: $1"; }

# As root the checker switches to the entry's uid: use nobody's, and let it into $d.
if [ "$(id -u)" = 0 ]; then
	uid=65534 gid=65534
	chmod 755 "$d"
else
	uid=$(id -u) gid=$(id -g)
fi
users="$d/users"
mkhome() { mkdir -p "$d/home/$1" && chown "$uid:$gid" "$d/home/$1" 2>/dev/null; echo "$d/home/$1"; }
physical() { (cd "$1" && pwd -P); }

# login USER PASSWORD TIMESTAMP [PROG...]: exit code in $rc, output in $d/out and $d/err.
# Every stderr is kept in $d/allerr for the "never logs a secret" checks.
login() {
	printf '%s\000%s\000%s\000' "$1" "$2" "$3" >"$d/fd3"
	shift 3
	[ $# -gt 0 ] || set -- sh -c 'echo "$USER $HOME $(pwd -P)"'
	CHECKPW_FAIL_DELAY_MS=0 "$C" "$users" "$@" 3<"$d/fd3" >"$d/out" 2>"$d/err"
	rc=$?
	cat "$d/err" >>"$d/allerr"
}
# expect NAME RC USER PASSWORD [TIMESTAMP]
expect() { name=$1 want=$2; shift 2; login "$1" "$2" "${3-}"; check "$name (exit $want)" test "$rc" = "$want"; }

# crypt(3) strings for the schemes --hash does not make: mkpasswd, perl or python3
# call the system's crypt(3); openssl knows $5$ and $1$ itself. Empty when none can.
mkcrypt() {
	h=""
	case $2 in
	'$5$'*) command -v openssl >/dev/null 2>&1 &&
		h=$(openssl passwd -5 -salt "$(echo "$2" | cut -d'$' -f3)" "$1" 2>/dev/null) ;;
	'$1$'*) command -v openssl >/dev/null 2>&1 &&
		h=$(openssl passwd -1 -salt "$(echo "$2" | cut -d'$' -f3)" "$1" 2>/dev/null) ;;
	esac
	if [ -z "$h" ] && command -v perl >/dev/null 2>&1; then
		h=$(perl -e 'my $h = crypt($ARGV[0], $ARGV[1]); print $h if defined $h' "$1" "$2")
	fi
	if [ -z "$h" ] && command -v python3 >/dev/null 2>&1; then
		h=$(python3 -W ignore -c 'import crypt, sys; print(crypt.crypt(sys.argv[1], sys.argv[2]) or "")' \
			"$1" "$2" 2>/dev/null)
	fi
	# A method libcrypt lacks comes back as NULL or a "*0"/"*1" failure token.
	case $h in "$3"*) echo "$h" ;; *) echo "" ;; esac
}

# --hash
h_alice=$(printf 'alicePW-4s7q\n' | "$C" --hash)
check "--hash exit 0" test $? = 0
check "--hash prints {SHA512-CRYPT}\$6\$ with a 16-char salt" sh -c \
	"echo '$h_alice' | grep -Eq '^\{SHA512-CRYPT\}\\\$6\\\$[./0-9A-Za-z]{16}\\\$[./0-9A-Za-z]{86}\$'"
h2=$(printf 'alicePW-4s7q\n' | "$C" --hash)
check "--hash salts are random" test "$h_alice" != "$h2"
check "--hash without a password: exit 2" sh -c "printf '\n' | '$C' --hash 2>/dev/null; test \$? = 2"

# The users file, one user per scheme the machine can do.
ha=$(mkhome alice)
{
	echo "# users of the test"
	echo ""
	echo "alice:$h_alice:$uid:$gid:Alice A.:$ha:/bin/sh:userdb_quota_rule=*:storage=1G"
} >"$users"
add_scheme() { # NAME USER PASSWORD SETTING PREFIX TAG
	h=$(mkcrypt "$3" "$4" "$5")
	if [ -z "$h" ]; then
		skip "$1: no tool here makes it, or libcrypt lacks it"
		return 1
	fi
	echo "$2:$6$h:$uid:$gid::$(mkhome "$2")" >>"$users"
}
schemes=""
add_scheme SHA256-CRYPT bob bobPW-9d2k '$5$saltsaltsalt123' '$5$' '{SHA256-CRYPT}' && schemes="$schemes bob"
add_scheme BLF-CRYPT carol carolPW-3j8x '$2y$05$abcdefghijklmnopqrstuu' '$2y$' '{BLF-CRYPT}' &&
	schemes="$schemes carol"
add_scheme "bcrypt without {SCHEME}" dave davePW-1m5v '$2b$05$zyxwvutsrqponmlkjihgfe' '$2b$' '' &&
	schemes="$schemes dave"
add_scheme "yescrypt via {CRYPT}" erin erinPW-6p0c '$y$j9T$abcdefghijklmnop' '$y$' '{CRYPT}' &&
	schemes="$schemes erin"
add_scheme YESCRYPT frank frankPW-2w4n '$y$j9T$ponmlkjihgfedcba' '$y$' '{YESCRYPT}' &&
	schemes="$schemes frank"
add_scheme MD5-CRYPT grace gracePW-8h1z '$1$saltsalt' '$1$' '{MD5-CRYPT}' && schemes="$schemes grace"
{
	echo "mallory:{PLAIN}malloryPW-0:not-a-number:$gid::/tmp"
	echo "gina:{PLAIN}tanstaaf:$uid:$gid::$(mkhome gina)"
	echo "root2:{PLAIN}root2PW-5y:0:0::/"
	echo "other:{PLAIN}otherPW-7r:65533:65533::/"
	echo "nohome:{PLAIN}nohomePW-3t:$uid:$gid::$d/home/missing"
	echo "rot:{ROT13}ebgCJ:$uid:$gid::$(mkhome rot)"
	echo "mixed:{SHA256-CRYPT}$(echo "$h_alice" | sed 's/^{SHA512-CRYPT}//'):$uid:$gid::$(mkhome mixed)"
	printf 'henry:{CLEARTEXT}henryPW-6u:%s:%s::%s\r\n' "$uid" "$gid" "$(mkhome henry)"
	printf 'ivan:{CLEAR}ivanPW-2q:%s:%s::%s' "$uid" "$gid" "$(mkhome ivan)"
} >>"$users"
chmod 644 "$users"
mline=$(grep -n '^mallory:' "$users" | cut -d: -f1)

# A good login: PROG as the user, in HOME, with USER and HOME set.
login alice alicePW-4s7q ""
check "SHA512-CRYPT login: exit 0" test "$rc" = 0
check "PROG gets USER, HOME and cwd HOME" test "$(cat "$d/out")" = "alice $ha $(physical "$ha")"
login alice alicePW-4s7q "" sh -c 'echo "$SHELL $(id -u)"'
check "PROG gets SHELL and the entry's uid" test "$(cat "$d/out")" = "/bin/sh $uid"
login alice alicePW-4s7q "" sh -c 'exec 2>/dev/null; if true <&3; then echo open; else echo closed; fi'
check "fd 3 is closed in PROG" test "$(cat "$d/out")" = closed
# Names match without case (passwd-file(5)), as smtpd's recipients do; USER is the
# entry's own spelling, so the session's mailbox does not depend on how one typed it.
login ALICE alicePW-4s7q ""
check "login name in another case: exit 0" test "$rc" = 0
check "login name in another case: USER is the entry's" test "$(cat "$d/out")" = "alice $ha $(physical "$ha")"
expect "wrong password" 1 alice alicePW-4s7Q
check "PROG not run on failure" test ! -s "$d/out"
expect "empty password" 1 alice ""
expect "unknown user" 1 nosuchuser alicePW-4s7q
check "unknown user logged" grep -q 'unknown user nosuchuser' "$d/err"
check "log line format" grep -Eq '^checkpassword-file\[[0-9]+\]: info: ' "$d/err"

for u in $schemes; do
	case $u in
	bob) p=bobPW-9d2k ;; carol) p=carolPW-3j8x ;; dave) p=davePW-1m5v ;;
	erin) p=erinPW-6p0c ;; frank) p=frankPW-2w4n ;; grace) p=gracePW-8h1z ;;
	esac
	login "$u" "$p" ""
	check "$(grep "^$u:" "$users" | cut -d'$' -f1-2 | cut -d: -f2) login for $u: exit 0" test "$rc" = 0
	check "$u lands in its HOME" test "$(cat "$d/out")" = "$u $d/home/$u $(physical "$d/home/$u")"
	expect "$u with a wrong password" 1 "$u" "${p}x"
done

# Malformed lines, clear text, unknown schemes.
login gina tanstaaf ""
check "{PLAIN} login after a malformed line: exit 0" test "$rc" = 0
check "malformed line logged by number" grep -q "line $mline ignored: uid is not a number" "$d/err"
check "{PLAIN} warned about" grep -q 'warn: .*line [0-9]*: user gina has a clear-text password' "$d/err"
expect "the malformed line's user cannot log in" 1 mallory malloryPW-0
expect "{CLEARTEXT} on a CR LF line" 0 henry henryPW-6u
check "CR not part of HOME" test "$(cat "$d/out")" = "henry $d/home/henry $(physical "$d/home/henry")"
expect "{CLEAR} on a last line without LF" 0 ivan ivanPW-2q
expect "unknown scheme" 1 rot ebgCJ
check "unknown scheme logged" grep -q 'user rot: unknown password scheme' "$d/err"
expect "hash not matching its {SCHEME}" 1 mixed alicePW-4s7q
check "scheme mismatch logged" grep -q 'user mixed: the hash does not start' "$d/err"

# APOP (RFC 1939 section 7): MD5(timestamp secret) against a clear-text secret.
ts='<1896.697170952@dbc.mtview.ca.us>'
expect "APOP, the RFC 1939 example" 0 gina c4c9334bac560ecc979e58001b3e22fb "$ts"
expect "APOP digest in uppercase" 0 gina C4C9334BAC560ECC979E58001B3E22FB "$ts"
expect "APOP wrong digest" 1 gina c4c9334bac560ecc979e58001b3e22fc "$ts"
expect "APOP digest without the timestamp" 1 gina c4c9334bac560ecc979e58001b3e22fb ""
expect "USER/PASS with a timestamp still works" 0 gina tanstaaf "$ts"
md5() {
	if command -v md5sum >/dev/null 2>&1; then printf '%s' "$1" | md5sum | cut -c1-32
	else printf '%s' "$1" | openssl md5 | sed 's/.*= //'; fi
}
# Timestamps around the 55/56/64-byte padding edges of MD5.
for n in 47 48 55 56 63 64 119 120; do
	t="<$(printf '%*s' $((n - 2 - 8)) '' | tr ' ' 'x')@example>"
	expect "APOP with a $n-byte timestamp" 0 gina "$(md5 "${t}tanstaaf")" "$t"
done
login alice "$(md5 "${ts}alicePW-4s7q")" "$ts"
check "APOP against a hashed secret fails (exit 1)" test "$rc" = 1
check "APOP limitation logged" grep -q 'APOP works only with a {PLAIN} secret' "$d/err"

# Identities.
expect "uid 0 entry refused" 1 root2 root2PW-5y
check "uid 0 refusal logged" grep -q 'user root2 has uid 0' "$d/err"
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null 2>&1; then
		printf 'other\000otherPW-7r\000\000' >"$d/fd3"
		CHECKPW_FAIL_DELAY_MS=0 setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$C" "$users" true 3<"$d/fd3" >"$d/out" 2>"$d/err"
		check "another uid when not root: exit 111" test $? = 111
		check "logged: cannot switch to uid" grep -q 'cannot switch to uid 65533' "$d/err"
		cat "$d/err" >>"$d/allerr"
	else
		skip "another uid when not root: no setpriv to drop root"
	fi
else
	expect "another uid when not root" 111 other otherPW-7r
	check "logged: cannot switch to uid" grep -q 'cannot switch to uid 65533' "$d/err"
fi
expect "HOME missing" 111 nohome nohomePW-3t
login alice alicePW-4s7q "" "$d/no-such-program"
check "PROG cannot be run: exit 111" test "$rc" = 111

# The interface's edges.
printf 'alice\000alicePW-4s7q\000\000' >"$d/fd3"
CHECKPW_FAIL_DELAY_MS=0 "$C" "$d/no-such-file" true 3<"$d/fd3" >/dev/null 2>"$d/err"
check "users file missing: exit 111" test $? = 111
cat "$d/err" >>"$d/allerr"
CHECKPW_FAIL_DELAY_MS=0 "$C" "$users" true 3<&- 2>"$d/err"
check "fd 3 not open: exit 111" test $? = 111
printf 'alice' >"$d/fd3"
CHECKPW_FAIL_DELAY_MS=0 "$C" "$users" true 3<"$d/fd3" 2>"$d/err"
check "fd 3 without the NUL-terminated fields: exit 2" test $? = 2
printf 'alice\000alicePW-4s7q\000%0600d\000' 0 >"$d/fd3"
CHECKPW_FAIL_DELAY_MS=0 "$C" "$users" true 3<"$d/fd3" 2>>"$d/allerr"
check "more than 512 bytes on fd 3: exit 1" test $? = 1
"$C" 2>"$d/err"
check "no arguments: exit 2" test $? = 2
check "usage line" grep -q '^usage: checkpassword-file USERSFILE PROG' "$d/err"
"$C" "$users" 2>/dev/null 3<"$d/fd3"
check "no PROG: exit 2" test $? = 2

# Secrets never reach the log.
leaked=""
for s in alicePW-4s7q bobPW-9d2k carolPW-3j8x davePW-1m5v erinPW-6p0c frankPW-2w4n \
	gracePW-8h1z tanstaaf malloryPW-0 root2PW-5y otherPW-7r nohomePW-3t ebgCJ henryPW-6u \
	c4c9334bac560ecc979e58001b3e22f "$(echo "$h_alice" | cut -d'$' -f4)"; do
	grep -qF -- "$s" "$d/allerr" && leaked="$leaked $s"
done
check "no password, digest or hash in the log${leaked:+ (leaked:$leaked)}" test -z "$leaked"
check "the log is not empty (the check above saw something)" test -s "$d/allerr"

# The delay before "bad credentials": the default, about one second.
now_ms() {
	t=$(date +%s%N 2>/dev/null)
	case $t in *[!0-9]*|'') perl -MTime::HiRes=time -e 'printf "%d\n", time() * 1000' ;;
	*) echo $((t / 1000000)) ;; esac
}
printf 'alice\000wrong\000\000' >"$d/fd3"
t0=$(now_ms)
(unset CHECKPW_FAIL_DELAY_MS; "$C" "$users" true 3<"$d/fd3" 2>/dev/null)
r=$?
t1=$(now_ms)
check "failure with the default delay: exit 1" test "$r" = 1
check "the failure took >= 900 ms ($((t1 - t0)) ms)" test $((t1 - t0)) -ge 900

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
