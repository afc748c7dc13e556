#!/bin/sh
# The deployment recipes of README.md ("Running imapd"), each run for real, from the
# project's own files in scripts/:
#  - superservers: the superserver is started with the recipe, adapted only by
#    substituting the paths (/usr/local/bin -> $BIN, /etc/mail/users -> a temporary
#    users file), the user (root, unless the test is not run as root) and the listening
#    address and port (127.0.0.1 and a port found free at run time); then python
#    imaplib logs in (LOGIN, offered because the peer is on loopback: this also checks
#    that imapd sees the peer address under each superserver) and fetches the messages
#    byte-exact (imap_fixtures.py, wire form). As in pop3-superservers.sh: inetd in a
#    private mount namespace (it writes /run/inetd.pid), xinetd with -f and a private
#    pid file ($XINETD, on PATH, or /opt/xinetd where .ci/run unpacks it), systemd's
#    units checked for Accept=yes and StandardInput=socket and their ExecStart= run
#    under `systemd-socket-activate --inetd --accept`, tcpserver's run script with sh;
#    inetd and xinetd a second time with imapd's stderr kept off the connection.
#  - ssh tunnels: scripts/tunnel/muttrc, mbsyncrc and offlineimaprc, with
#    "ssh -q mail.example.org" replaced by "env HOME=<the user's home>" (there is no ssh
#    server here: what ssh would run on the mail host runs locally, as that user) and
#    the paths substituted; each client, as the user, fetches the messages, which must
#    come back byte-exact (imap_fixtures.py, the client's form).
# No system service is started or stopped, and /etc is only read. Every superserver is
# stopped at the end (trap). Prints PASS:/FAIL: lines; exit 1 on failure, 77 when
# python3 or timeout is missing; a superserver or client that is not installed is a
# SKIP line (a FAIL when CI=true).
set -u
: "${BIN:?BIN must name the directory holding imapd, maildir, checkpassword-file}"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
scripts="$top/scripts"
PYTHON=${PYTHON:-python3}
fixpy="$here/imap_fixtures.py"
client="$here/imap_client.py"
TMO=60 # seconds for one login and fetch, or one client run
# shellcheck source=SCRIPTDIR/lib.sh.inc
. "$here/lib.sh.inc"

interop_need "$PYTHON" timeout
interop_tmpdir imap-superservers
interop_user
pw='superserver pass'
interop_hash "$pw"
echo "su:$hash:$uid:$gid::$tmp/home::" >"$tmp/users"
"$PYTHON" "$fixpy" make "$tmp/all" || { bad "making fixtures"; exit 1; }
mkdir -p "$tmp/fix" "$tmp/home" "$tmp/c"
for f in dots crlf nofinal eightbit; do cp "$tmp/all/$f.eml" "$tmp/fix/"; done
# The user's home first: run as root, the tool works as the owner of the Maildir.
[ "$(id -u)" -eq 0 ] && chown -R "$uid:$gid" "$tmp/home" "$tmp/c"
"$BIN/maildir" create "$tmp/home/Maildir" || exit 1
for f in "$tmp/fix"/*.eml; do
	"$BIN/maildir" deliver "$tmp/home/Maildir" <"$f" 2>/dev/null || { bad "deliver $f"; exit 1; }
done
# run_as CMD...: as root, CMD runs as the sessions' user (nobody), as the clients do
run_as() {
	if [ "$(id -u)" -eq 0 ]; then setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
	else "$@"; fi
}

# paths FILE: the recipe with this build's paths; imapd is $imapd, normally $BIN/imapd.
# Not run as root, inetd and xinetd cannot become root for the service: their user
# field "root" then names the user running the test. An ssh tunnel runs imapd here.
imapd="$BIN/imapd"
me=root
[ "$(id -u)" -eq 0 ] || me=$(id -un)
paths() {
	sed -e "s|/usr/local/bin/imapd|$imapd|g" -e "s|/usr/local/bin|$BIN|g" \
		-e "s|/etc/mail/users|$tmp/users|g" \
		-e "s|ssh -q mail.example.org |env HOME=$tmp/home |" \
		-e "s|^\(imap2	.*	\)root	|\1$me	|" \
		-e "s|^\([[:space:]]*user[[:space:]]*=[[:space:]]*\)root\$|\1$me|" "$1"
}
interop_stderr_away imapd

# recipe NAME FILE START: START PORT starts the superserver in the background (its pid
# in $srv, its output in $tmp/NAME.log) on 127.0.0.1:PORT; retried on another free port
# when it dies at once (the port was taken meanwhile). Then log in and fetch.
recipe() {
	name=$1 file=$2 start=$3
	if ! interop_serve "$start" "$tmp/$name.log" "$client"; then
		bad "$name: no IMAP greeting through $file"
		show "$tmp/greet.err" "$tmp/$name.log"
		return
	fi
	if timeout $TMO "$PYTHON" "$client" fetch "$tmp/got-$name" tcp 127.0.0.1 "$port" su "$pw" \
		>"$tmp/$name.err" 2>&1 &&
		"$PYTHON" "$fixpy" compare wire "$tmp/fix" "$tmp/got-$name" >"$tmp/$name.cmp"; then
		ok "$name: LOGIN and FETCH through $file"
	else
		bad "$name: LOGIN and FETCH through $file"
		if grep -q 'imapd\[[0-9]*\]: ' "$tmp/$name.err" "$tmp/got-$name"/* 2>/dev/null; then
			echo "    imapd's log lines (stderr) reached the client: the superserver gives the"
			echo "    connection as fd 2 too, and imapd must not log there (syslog instead)"
		fi
		show "$tmp/$name.err" "$tmp/$name.cmp" "$tmp/$name.log"
	fi
	stop
}

# --- openbsd-inetd ---
start_inetd() {
	paths "$scripts/inetd.conf.imapd" | sed "s|^imap2	|127.0.0.1:$1	|" >"$tmp/inetd.conf"
	grep -q "^127.0.0.1:$1	" "$tmp/inetd.conf" || { echo "no imap2 line to adapt"; return 1; }
	if [ "$(id -u)" -eq 0 ]; then
		# shellcheck disable=SC2016 # expanded by the inner shell
		exec unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs /run && exec "$0" -d "$1"' \
			"$inetd" "$tmp/inetd.conf"
	fi
	exec "$inetd" -d "$tmp/inetd.conf"
}
inetd=${INETD:-$(command -v inetd || echo /usr/sbin/inetd)}
if [ -x "$inetd" ]; then
	if [ "$(id -u)" -eq 0 ] && ! unshare -m true 2>/dev/null; then
		bad "inetd: cannot make a private /run (unshare -m) for its pid file"
	else
		recipe inetd scripts/inetd.conf.imapd start_inetd
		imapd="$tmp/imapd-logfile"
		recipe inetd-stderr-away "scripts/inetd.conf.imapd, imapd's stderr to a file" start_inetd
		imapd="$BIN/imapd"
	fi
else
	missing "inetd (openbsd-inetd)"
fi

# --- xinetd ---
start_xinetd() {
	paths "$scripts/xinetd.d/imapd" |
		sed "s|^\([[:space:]]*port[[:space:]]*=[[:space:]]*\)143\$|\1$1\n\tbind\t\t= 127.0.0.1|" \
			>"$tmp/xinetd.conf"
	grep -q "bind" "$tmp/xinetd.conf" || { echo "no port line to adapt"; return 1; }
	exec "$xinetd" -f "$tmp/xinetd.conf" -dontfork -pidfile "$tmp/xinetd.pid" \
		-filelog "$tmp/xinetd.filelog"
}
xinetd=${XINETD:-$(command -v xinetd || echo /usr/sbin/xinetd)}
[ -x "$xinetd" ] || xinetd=/opt/xinetd/usr/sbin/xinetd
if [ -x "$xinetd" ]; then
	recipe xinetd scripts/xinetd.d/imapd start_xinetd
	imapd="$tmp/imapd-logfile"
	recipe xinetd-stderr-away "scripts/xinetd.d/imapd, imapd's stderr to a file" start_xinetd
	imapd="$BIN/imapd"
else
	missing xinetd
fi

# --- systemd socket units ---
unit="$scripts/systemd/imapd@.service"
if grep -qx 'Accept=yes' "$scripts/systemd/imapd.socket" &&
	grep -qx 'ListenStream=143' "$scripts/systemd/imapd.socket" &&
	grep -qx 'StandardInput=socket' "$unit"; then
	ok "systemd: imapd.socket has Accept=yes, imapd@.service StandardInput=socket"
else
	bad "systemd: the units lack Accept=yes, ListenStream=143 or StandardInput=socket"
fi
if command -v systemd-socket-activate >/dev/null 2>&1; then
	recipe systemd "scripts/systemd/imapd@.service (systemd-socket-activate)" start_systemd
else
	missing systemd-socket-activate
fi

# --- tcpserver ---
start_tcpserver() {
	paths "$scripts/tcpserver/imapd.run" | sed "s| 0 143 | 127.0.0.1 $1 |" >"$tmp/imapd.run"
	grep -q " 127.0.0.1 $1 " "$tmp/imapd.run" || { echo "no address to adapt"; return 1; }
	exec sh "$tmp/imapd.run"
}
if command -v tcpserver >/dev/null 2>&1; then
	recipe tcpserver scripts/tcpserver/imapd.run start_tcpserver
else
	missing "tcpserver (ucspi-tcp)"
fi

# --- ssh tunnels: the clients' own configs ---
# tunnel_dir NAME: a fresh HOME for a client, owned by the user
tunnel_dir() {
	d="$tmp/c/$1"
	rm -rf "$d"
	mkdir -p "$d"
	[ "$(id -u)" -eq 0 ] && chown "$uid:$gid" "$d"
	echo "$d"
}
# tunnel_check NAME FILE MODE DIR: the client's run ($st, log in DIR/log) and messages
tunnel_check() {
	if [ "$st" -eq 0 ] && "$PYTHON" "$fixpy" compare "$3" "$tmp/fix" "$4" >"$tmp/$1.cmp"; then
		ok "$1: the messages byte-exact through $2 ($3 form)"
	else
		bad "$1: through $2 (exit $st)"
		show "$(dirname "$4")/log" "$tmp/$1.cmp"
	fi
}
if ! grep -q '^preauthtunnel = ssh -q mail.example.org /usr/local/bin/imapd --preauth$' \
	"$scripts/tunnel/offlineimaprc" ||
	! grep -q '^Tunnel "ssh -q mail.example.org /usr/local/bin/imapd --preauth"$' \
		"$scripts/tunnel/mbsyncrc" ||
	! grep -q '^set tunnel="ssh -q mail.example.org /usr/local/bin/imapd --preauth"$' \
		"$scripts/tunnel/muttrc"; then
	bad "scripts/tunnel: a client's tunnel line is not 'ssh -q mail.example.org /usr/local/bin/imapd --preauth'"
fi
if command -v mbsync >/dev/null 2>&1; then
	d=$(tunnel_dir mbsync)
	paths "$scripts/tunnel/mbsyncrc" >"$d/.mbsyncrc"
	mkdir "$d/Mail" && [ "$(id -u)" -eq 0 ] && chown "$uid:$gid" "$d/Mail"
	run_as timeout $TMO env HOME="$d" mbsync -a >"$d/log" 2>&1
	st=$?
	tunnel_check mbsync scripts/tunnel/mbsyncrc mbsync "$d/Mail/INBOX/new"
else
	missing "mbsync (isync)"
fi
if command -v offlineimap >/dev/null 2>&1; then
	d=$(tunnel_dir offlineimap)
	paths "$scripts/tunnel/offlineimaprc" >"$d/.offlineimaprc"
	run_as timeout $TMO env HOME="$d" offlineimap -o -u basic >"$d/log" 2>&1
	st=$?
	grep -q ERROR "$d/log" && st=1
	tunnel_check offlineimap scripts/tunnel/offlineimaprc any "$d/Mail/INBOX/new"
else
	missing offlineimap
fi
if command -v mutt >/dev/null 2>&1 && command -v script >/dev/null 2>&1; then
	d=$(tunnel_dir mutt)
	paths "$scripts/tunnel/muttrc" >"$d/.muttrc"
	# what the test adds: raw messages piped one by one, one file each, and no prompts
	# shellcheck disable=SC2016 # the scripts' own variables
	printf '#!/bin/sh\nf=$(mktemp "$1/m.XXXXXX") && exec cat >"$f"\n' >"$d/store.sh"
	chmod 755 "$d/store.sh"
	mkdir -p "$d/got"
	[ "$(id -u)" -eq 0 ] && chown "$uid:$gid" "$d/got"
	cat >"$d/test.rc" <<EOF
set pipe_split=yes pipe_decode=no pipe_sep="" wait_key=no quit=yes move=no mark_old=no
set header_cache="" message_cachedir=""
push "<tag-pattern>~A<enter><tag-prefix><pipe-message>$d/store.sh $d/got<enter><quit>"
EOF
	run_as timeout $TMO env HOME="$d" TERM=vt100 script -qec \
		"mutt -F $d/.muttrc -e 'source $d/test.rc'" /dev/null >"$d/log" 2>&1
	st=$?
	tunnel_check mutt scripts/tunnel/muttrc any "$d/got"
else
	missing "mutt (and script, util-linux)"
fi

interop_summary imap-superservers
