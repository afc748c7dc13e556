#!/bin/sh
# The deployment recipes of README.md ("Running pop3d"), each run for real: the
# superserver is started with the project's own config file from scripts/, adapted only
# by substituting the paths (/usr/local/bin -> $BIN, /etc/mail/users -> a temporary
# users file), the user (root, unless the test is not run as root) and the listening
# address and port (127.0.0.1 and a port found free at
# run time), then python poplib logs in (USER/PASS, offered because the peer is on
# loopback: this also checks that pop3d sees the peer address under each superserver)
# and retrieves the messages byte-exact (pop3_fixtures.py, wire form).
#  - openbsd-inetd: scripts/inetd.conf.pop3d, `inetd -d CONF` (foreground). It writes
#    /run/inetd.pid even then, so as root it runs in a private mount namespace with its
#    own tmpfs on /run (unshare -m): the system's /run is never touched. As a normal user
#    it cannot write there and goes on without.
#  - xinetd: scripts/xinetd.d/pop3d, `xinetd -f CONF -dontfork -pidfile PRIVATE`; the
#    port line gains "bind = 127.0.0.1". Debian's xinetd and openbsd-inetd conflict as
#    packages, so xinetd may be an unpacked binary: $XINETD, xinetd on PATH, or
#    /opt/xinetd/usr/sbin/xinetd (where .ci/run unpacks it).
#  - systemd: systemd is not running here (and must not be touched), so the units are
#    checked for Accept=yes and StandardInput=socket, and the ExecStart= command line
#    of pop3d@.service runs under `systemd-socket-activate --inetd --accept`, which does
#    what systemd does for an Accept=yes socket: one process per connection on
#    stdin/stdout.
#  - tcpserver: scripts/tcpserver/pop3d.run run with sh, its "0 110" now 127.0.0.1 PORT.
# No system service is started or stopped, and /etc is only read. Every superserver is
# stopped at the end (trap). Prints PASS:/FAIL: lines; exit 1 on failure, 77 when
# python3 or timeout is missing; a superserver that is not installed is a SKIP line
# (a FAIL when CI=true).
set -u
: "${BIN:?BIN must name the directory holding pop3d, maildir, checkpassword-file}"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
scripts="$top/scripts"
PYTHON=${PYTHON:-python3}
fixpy="$here/pop3_fixtures.py"
client="$here/pop3_client.py"
TMO=60 # seconds for one login and retrieval
# shellcheck source=SCRIPTDIR/lib.sh.inc
. "$here/lib.sh.inc"

interop_need "$PYTHON" timeout
interop_tmpdir superservers
interop_user
pw='superserver pass'
interop_hash "$pw"
echo "su:$hash:$uid:$gid::$tmp/home::" >"$tmp/users"
"$PYTHON" "$fixpy" make "$tmp/all" || { bad "making fixtures"; exit 1; }
mkdir -p "$tmp/fix" "$tmp/home"
for f in dots crlf nofinal; do cp "$tmp/all/$f.eml" "$tmp/fix/"; done
# The user's home first: run as root, the tool works as the owner of the Maildir.
[ "$(id -u)" -eq 0 ] && chown -R "$uid:$gid" "$tmp/home"
"$BIN/maildir" create "$tmp/home/Maildir" || exit 1
for f in "$tmp/fix"/*.eml; do
	"$BIN/maildir" deliver "$tmp/home/Maildir" <"$f" 2>/dev/null || { bad "deliver $f"; exit 1; }
done

# paths FILE: the recipe with this build's paths; pop3d is $pop3d, normally $BIN/pop3d.
# Not run as root, inetd and xinetd cannot become root for the service: their user
# field "root" then names the user running the test.
pop3d="$BIN/pop3d"
me=root
[ "$(id -u)" -eq 0 ] || me=$(id -un)
paths() {
	sed -e "s|/usr/local/bin/pop3d|$pop3d|g" -e "s|/usr/local/bin|$BIN|g" \
		-e "s|/etc/mail/users|$tmp/users|g" \
		-e "s|^\(pop3	.*	\)root	|\1$me	|" \
		-e "s|^\([[:space:]]*user[[:space:]]*=[[:space:]]*\)root\$|\1$me|" "$1"
}
# inetd and xinetd make the connection the server's stderr as well as its stdin and
# stdout. pop3d logs on stderr, so its log lines reach the client unless pop3d notices.
# To test the rest of those recipes all the same, they run a second time with the
# pop3d path pointing at this wrapper, which keeps stderr away from the connection.
interop_stderr_away pop3d

# recipe NAME FILE START: START PORT starts the superserver in the background (its pid
# in $srv, its output in $tmp/NAME.log) on 127.0.0.1:PORT; retried on another free port
# when it dies at once (the port was taken meanwhile). Then log in and retrieve.
recipe() {
	name=$1 file=$2 start=$3
	if ! interop_serve "$start" "$tmp/$name.log" "$client"; then
		bad "$name: no POP3 greeting through $file"
		show "$tmp/greet.err" "$tmp/$name.log"
		return
	fi
	if timeout $TMO "$PYTHON" "$client" fetch 127.0.0.1 "$port" su "$pw" "$tmp/got-$name" 2>"$tmp/$name.err" &&
		"$PYTHON" "$fixpy" compare wire "$tmp/fix" "$tmp/got-$name" >"$tmp/$name.cmp"; then
		ok "$name: login and RETR through $file"
	else
		bad "$name: login and RETR through $file"
		if grep -q 'pop3d\[[0-9]*\]: ' "$tmp/$name.err" "$tmp/got-$name"/* 2>/dev/null; then
			echo "    pop3d's log lines (stderr) reached the client: the superserver gives the"
			echo "    connection as fd 2 too, and pop3d must not log there (syslog instead)"
		fi
		show "$tmp/$name.err" "$tmp/$name.cmp" "$tmp/$name.log"
	fi
	stop
}

# --- openbsd-inetd ---
start_inetd() {
	paths "$scripts/inetd.conf.pop3d" | sed "s|^pop3	|127.0.0.1:$1	|" >"$tmp/inetd.conf"
	grep -q "^127.0.0.1:$1	" "$tmp/inetd.conf" || { echo "no pop3 line to adapt"; return 1; }
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
		recipe inetd scripts/inetd.conf.pop3d start_inetd
		pop3d="$tmp/pop3d-logfile"
		recipe inetd-stderr-away "scripts/inetd.conf.pop3d, pop3d's stderr to a file" start_inetd
		pop3d="$BIN/pop3d"
	fi
else
	missing "inetd (openbsd-inetd)"
fi

# --- xinetd ---
start_xinetd() {
	paths "$scripts/xinetd.d/pop3d" |
		sed "s|^\([[:space:]]*port[[:space:]]*=[[:space:]]*\)110\$|\1$1\n\tbind\t\t= 127.0.0.1|" \
			>"$tmp/xinetd.conf"
	grep -q "bind" "$tmp/xinetd.conf" || { echo "no port line to adapt"; return 1; }
	exec "$xinetd" -f "$tmp/xinetd.conf" -dontfork -pidfile "$tmp/xinetd.pid" \
		-filelog "$tmp/xinetd.filelog"
}
xinetd=${XINETD:-$(command -v xinetd || echo /usr/sbin/xinetd)}
[ -x "$xinetd" ] || xinetd=/opt/xinetd/usr/sbin/xinetd
if [ -x "$xinetd" ]; then
	recipe xinetd scripts/xinetd.d/pop3d start_xinetd
	pop3d="$tmp/pop3d-logfile"
	recipe xinetd-stderr-away "scripts/xinetd.d/pop3d, pop3d's stderr to a file" start_xinetd
	pop3d="$BIN/pop3d"
else
	missing xinetd
fi

# --- systemd socket units ---
unit="$scripts/systemd/pop3d@.service"
if grep -qx 'Accept=yes' "$scripts/systemd/pop3d.socket" &&
	grep -qx 'ListenStream=110' "$scripts/systemd/pop3d.socket" &&
	grep -qx 'StandardInput=socket' "$unit"; then
	ok "systemd: pop3d.socket has Accept=yes, pop3d@.service StandardInput=socket"
else
	bad "systemd: the units lack Accept=yes, ListenStream=110 or StandardInput=socket"
fi
if command -v systemd-socket-activate >/dev/null 2>&1; then
	recipe systemd "scripts/systemd/pop3d@.service (systemd-socket-activate)" start_systemd
else
	missing systemd-socket-activate
fi

# --- tcpserver ---
start_tcpserver() {
	paths "$scripts/tcpserver/pop3d.run" | sed "s| 0 110 | 127.0.0.1 $1 |" >"$tmp/pop3d.run"
	grep -q " 127.0.0.1 $1 " "$tmp/pop3d.run" || { echo "no address to adapt"; return 1; }
	exec sh "$tmp/pop3d.run"
}
if command -v tcpserver >/dev/null 2>&1; then
	recipe tcpserver scripts/tcpserver/pop3d.run start_tcpserver
else
	missing "tcpserver (ucspi-tcp)"
fi

interop_summary pop3-superservers
