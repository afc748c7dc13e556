#!/bin/sh
# Real POP3 clients against pop3d: python poplib, fetchmail, getmail6 and curl, over
# loopback TCP through tcpserver (ucspi-tcp, which sets TCPREMOTEIP: loopback is a
# secure connection, so USER/PASS is offered), logging in through checkpassword-file
# with a {SHA512-CRYPT} users file.
#
# The fixtures (pop3_fixtures.py: dot lines, a line of just ".", 8-bit text, 998-octet
# lines, CRLF and LF files, no final newline, an empty body, headers only, 5 MB) are
# delivered with `maildir deliver` into a fresh Maildir per client. Every message must
# come back byte-exact; pop3_fixtures.py says precisely what is normalised: the LF/CRLF
# line ends the client stores, and the final newline a message without one gains.
# python and curl are held to the wire form itself (CRLF, no normalisation but the
# removal of dot-stuffing); fetchmail and getmail may store either line end.
# Then per client:
#  - leave on server: a second run fetches nothing new, the messages stay, and their
#    UIDLs are those before the first run (pop3d moved them to cur/ with the S flag);
#    fetchmail `keep` + `uidl` with an idfile, getmail `delete = false` with its oldmail
#    file;
#  - delete on server: afterwards new/ and cur/ of the Maildir are empty.
# Prints PASS:/FAIL: lines; exit 1 on failure, 77 when tcpserver or python3 is missing.
# A client that is not installed is a SKIP line (a FAIL when CI=true).
set -u
: "${BIN:?BIN must name the directory holding pop3d, maildir, checkpassword-file}"
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
fixpy="$here/pop3_fixtures.py"
client="$here/pop3_client.py"
T=timeout
TMO=120 # seconds for any one client run: the 5 MB message over loopback takes < 1 s
# shellcheck source=SCRIPTDIR/lib.sh.inc
. "$here/lib.sh.inc"

interop_need "$PYTHON" tcpserver timeout
interop_tmpdir pop3
interop_user
pw='pop3 Pa55 word'
interop_hash "$pw"
interop_users "$hash" py fm gm cu
"$PYTHON" "$fixpy" make "$tmp/fix" || { bad "making fixtures"; exit 1; }
# files DIR: how many entries DIR holds (names here never contain newlines)
files() { find "$1" -mindepth 1 -maxdepth 1 | wc -l; }
nfix=$(files "$tmp/fix")

# deliver USER: a fresh Maildir holding every fixture, in name order.
deliver() {
	md="$tmp/home/$1/Maildir"
	rm -rf "$md"
	"$BIN/maildir" create "$md" || { bad "maildir create $md"; return 1; }
	for f in "$tmp/fix"/*.eml; do
		"$BIN/maildir" deliver "$md" <"$f" 2>/dev/null || { bad "maildir deliver $f"; return 1; }
	done
	[ "$(id -u)" -eq 0 ] && chown -R "$uid:$gid" "$tmp/home/$1"
	return 0
}
# count USER: messages in new/ and cur/ of the user's Maildir
count() { echo $(($(files "$tmp/home/$1/Maildir/new") + $(files "$tmp/home/$1/Maildir/cur"))); }
# uidls USER OUT: the UIDL listing, fetched with poplib
uidls() { $T $TMO "$PYTHON" "$client" uidl 127.0.0.1 "$port" "$1" "$pw" >"$2" 2>"$tmp/uidl.err"; }
# same_uidls NAME BEFORE AFTER
same_uidls() {
	if [ "$(wc -l <"$2")" -eq "$nfix" ] && cmp -s "$2" "$3"; then
		ok "$1: UIDLs unchanged ($nfix messages)"
	else
		bad "$1: UIDLs changed or messages missing"
		diff "$2" "$3" | head -10
	fi
}
# compare NAME MODE DIR
compare() {
	if "$PYTHON" "$fixpy" compare "$2" "$tmp/fix" "$3" >"$tmp/cmp.out"; then
		ok "$1: all $nfix messages byte-exact ($2 form)"
	else
		bad "$1: messages differ"
		show "$tmp/cmp.out"
	fi
}
# empty NAME USER
empty() {
	n=$(count "$2")
	if [ "$n" -eq 0 ] && [ -d "$tmp/home/$2/Maildir/cur" ]; then
		ok "$1: delete on server leaves new/ and cur/ empty"
	else
		bad "$1: $n messages left on the server after delete"
	fi
}

# --- the superserver on a free port (chosen at run time; retried if taken meanwhile) ---
interop_tcpserver "$BIN/pop3d" "$BIN/checkpassword-file" "$tmp/users" || exit 1

# --- python poplib ---
deliver py || exit 1
uidls py "$tmp/py.uidl0" || { bad "poplib: UIDL"; show "$tmp/uidl.err"; }
if $T $TMO "$PYTHON" "$client" fetch 127.0.0.1 "$port" py "$pw" "$tmp/got/py1" 2>"$tmp/py.err"; then
	ok "poplib: RETR sizes equal LIST and STAT"
else
	bad "poplib: fetch (keep)"
	show "$tmp/py.err"
fi
compare "poplib keep" wire "$tmp/got/py1"
uidls py "$tmp/py.uidl1"
same_uidls "poplib: after RETR and QUIT" "$tmp/py.uidl0" "$tmp/py.uidl1"
if $T $TMO "$PYTHON" "$client" fetch 127.0.0.1 "$port" py "$pw" "$tmp/got/py2" --delete 2>"$tmp/py.err"; then
	compare "poplib delete" wire "$tmp/got/py2"
else
	bad "poplib: fetch --delete"
	show "$tmp/py.err"
fi
empty "poplib" py

# --- fetchmail ---
# fetchmailrc POLL-OPTIONS USER-OPTIONS DIR: the MDA stores each message in its own file
fmrc() {
	mkdir -p "$3"
	cat >"$tmp/fetchmailrc" <<EOF
set no syslog
set invisible
set no bouncemail
poll 127.0.0.1 service $port protocol pop3 $1 timeout 60
  user "fm" there with password "$pw" is "$(id -un)" here
  $2 no rewrite sslproto ''
  mda "$tmp/store.sh $3"
EOF
	chmod 600 "$tmp/fetchmailrc"
}
# fm NAME: run fetchmail; its status in $st
fm() {
	$T $TMO fetchmail -f "$tmp/fetchmailrc" --idfile "$tmp/fetchids" \
		--pidfile "$tmp/fetchmail.pid" --nodetach >"$tmp/fm-$1.log" 2>&1
	st=$?
}
# store.sh DIR: the MDA, each message into a new file of its own, unchanged
cat >"$tmp/store.sh" <<'EOF'
#!/bin/sh
f=$(mktemp "$1/m.XXXXXX") && exec cat >"$f"
EOF
chmod 755 "$tmp/store.sh"
if command -v fetchmail >/dev/null 2>&1; then
	deliver fm || exit 1
	uidls fm "$tmp/fm.uidl0"
	fmrc uidl keep "$tmp/got/fm1"
	fm keep1
	# fetchmail exits 0 when it delivered mail, 1 when there was none
	if [ "$st" -eq 0 ]; then compare "fetchmail keep+uidl" any "$tmp/got/fm1"
	else bad "fetchmail keep: exit $st"; show "$tmp/fm-keep1.log"; fi
	fmrc uidl keep "$tmp/got/fm2"
	fm keep2
	n=$(files "$tmp/got/fm2")
	if [ "$st" -eq 1 ] && [ "$n" -eq 0 ]; then
		ok "fetchmail keep+uidl: the second run fetches nothing new"
	else
		bad "fetchmail keep+uidl second run: exit $st, $n messages fetched again"
		show "$tmp/fm-keep2.log"
	fi
	uidls fm "$tmp/fm.uidl1"
	same_uidls "fetchmail: messages kept" "$tmp/fm.uidl0" "$tmp/fm.uidl1"
	rm -f "$tmp/fetchids"
	fmrc "" "" "$tmp/got/fm3"
	fm delete
	if [ "$st" -eq 0 ]; then compare "fetchmail delete" any "$tmp/got/fm3"
	else bad "fetchmail delete: exit $st"; show "$tmp/fm-delete.log"; fi
	empty "fetchmail" fm
else
	missing fetchmail
fi

# --- getmail6 ---
# gmrc DELETE READ_ALL DEST: the rc file in the getmail dir, which also holds oldmail-*
gmrc() {
	mkdir -p "$tmp/getmail" "$3/new" "$3/cur" "$3/tmp"
	# getmail refuses to deliver as root: it then becomes the sessions' user to store
	gmuser=
	if [ "$(id -u)" -eq 0 ]; then
		gmuser="user = $(id -un nobody)"
		chown -R "$uid:$gid" "$3"
	fi
	cat >"$tmp/getmail/getmailrc" <<EOF
[retriever]
type = SimplePOP3Retriever
server = 127.0.0.1
port = $port
username = gm
password = $pw
timeout = 60

[destination]
type = Maildir
path = $3/
$gmuser

[options]
delete = $1
read_all = $2
delivered_to = false
received = false
verbose = 1
EOF
}
gm() {
	$T $TMO getmail --getmaildir "$tmp/getmail" --rcfile getmailrc >"$tmp/gm-$1.log" 2>&1
	st=$?
}
if command -v getmail >/dev/null 2>&1; then
	deliver gm || exit 1
	uidls gm "$tmp/gm.uidl0"
	gmrc false false "$tmp/got/gm1"
	gm keep1
	if [ "$st" -eq 0 ]; then compare "getmail delete=false" getmail "$tmp/got/gm1/new"
	else bad "getmail: exit $st"; show "$tmp/gm-keep1.log"; fi
	gmrc false false "$tmp/got/gm2"
	gm keep2
	n=$(files "$tmp/got/gm2/new")
	if [ "$st" -eq 0 ] && [ "$n" -eq 0 ] && [ -n "$(find "$tmp/getmail" -name 'oldmail-*')" ]; then
		ok "getmail delete=false: the second run fetches nothing new (oldmail file)"
	else
		bad "getmail second run: exit $st, $n messages fetched again"
		show "$tmp/gm-keep2.log"
	fi
	uidls gm "$tmp/gm.uidl1"
	same_uidls "getmail: messages kept" "$tmp/gm.uidl0" "$tmp/gm.uidl1"
	gmrc true true "$tmp/got/gm3"
	gm delete
	if [ "$st" -eq 0 ]; then compare "getmail delete=true" getmail "$tmp/got/gm3/new"
	else bad "getmail delete: exit $st"; show "$tmp/gm-delete.log"; fi
	empty "getmail" gm
else
	missing getmail
fi

# --- curl ---
# curl's POP3 output is the message as sent, dot-stuffing removed: held to the wire form.
cu() { $T $TMO curl -sS --max-time $TMO -u "cu:$pw" "$@"; }
if command -v curl >/dev/null 2>&1; then
	deliver cu || exit 1
	uidls cu "$tmp/cu.uidl0"
	mkdir -p "$tmp/got/cu"
	if cu "pop3://127.0.0.1:$port/" >"$tmp/cu.list" 2>"$tmp/cu.err" &&
		[ "$(grep -c . "$tmp/cu.list")" -eq "$nfix" ]; then
		ok "curl: LIST"
	else
		bad "curl: LIST"
		show "$tmp/cu.list" "$tmp/cu.err"
	fi
	cu -X UIDL "pop3://127.0.0.1:$port/" 2>"$tmp/cu.err" | tr -d '\r' >"$tmp/cu.uidl"
	if cmp -s "$tmp/cu.uidl" "$tmp/cu.uidl0"; then ok "curl: UIDL as poplib sees it"
	else bad "curl: UIDL"; show "$tmp/cu.uidl" "$tmp/cu.err"; fi
	n=1 err=0
	while [ $n -le "$nfix" ]; do
		cu "pop3://127.0.0.1:$port/$n" -o "$tmp/got/cu/$n" 2>>"$tmp/cu.err" || err=$((err + 1))
		n=$((n + 1))
	done
	[ $err -eq 0 ] || bad "curl: $err RETR failed"
	compare "curl" wire "$tmp/got/cu"
	# DELE from the highest number down: each curl run is its own session, and the
	# numbers of the messages below stay the same.
	n=$nfix err=0
	while [ "$n" -ge 1 ]; do
		cu -I -X DELE "pop3://127.0.0.1:$port/$n" >/dev/null 2>>"$tmp/cu.err" || err=$((err + 1))
		n=$((n - 1))
	done
	[ $err -eq 0 ] || { bad "curl: $err DELE failed"; show "$tmp/cu.err"; }
	empty "curl" cu
else
	missing curl
fi

interop_summary pop3-clients
