#!/bin/sh
# The deployment recipes of README.md ("Running smtpd"), each run for real from the
# project's own files in scripts/, adapted only by substituting the paths
# (/usr/local/bin -> $BIN, /etc/mail/users -> a temporary users file,
# /usr/sbin/sendmail -> a fake sendmail that records what it is given) and the
# listening address and port (127.0.0.1 and a port found free at run time):
#  - port 25, systemd: scripts/systemd/smtpd.socket + smtpd@.service. systemd is not
#    running here (and must not be touched), so the units are checked for Accept=yes,
#    ListenStream=25 and StandardInput=socket, and the ExecStart= command line runs
#    under `systemd-socket-activate --inetd --accept`, which starts one process per
#    connection on stdin/stdout as systemd does. python smtplib delivers a message.
#  - port 25, tcpserver: scripts/tcpserver/smtpd.run, its "0 25" now 127.0.0.1 PORT.
#  - port 587, systemd: scripts/systemd/submission.socket + submission@.service, the
#    same way; smtplib logs in (AUTH PLAIN, checkpassword-file) and sends to a local
#    and a remote recipient: the local one is delivered, the remote one handed to the
#    --relay-via program.
#  - LMTP behind an MTA: scripts/tcpserver/lmtp.run (127.0.0.1 24 now 127.0.0.1 PORT)
#    and Exim configured with the router and transport of scripts/exim/smtpd-lmtp.conf
#    (port 24 now PORT) in a private config (exim -C), spool and logs in the temporary
#    directory; a message submitted to Exim arrives through LMTP. Postfix, whose
#    package conflicts with Exim's, is run from its unpacked .deb by smtp-postfix.sh.
# Every message must be stored byte-exact (smtp_interop.py stored). No system service
# is started or stopped, and /etc is only read. Prints PASS:/FAIL: lines; exit 1 on
# failure, 77 when python3 or timeout is missing; a superserver or Exim that is not
# installed is a SKIP line (a FAIL when CI=true).
set -u
: "${BIN:?BIN must name the directory holding smtpd, checkpassword-file}"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
scripts="$top/scripts"
PYTHON=${PYTHON:-python3}
h="$here/smtp_interop.py"
TMO=60 # seconds for one client or Exim run
EXIM=${EXIM:-$(command -v exim4 || command -v exim || echo /usr/sbin/exim4)}
# shellcheck source=SCRIPTDIR/lib.sh.inc
. "$here/lib.sh.inc"

interop_need "$PYTHON" timeout
interop_tmpdir smtp-recipes

# As root, the users' entries carry nobody's uid, who owns the Maildirs (and is the
# user Exim's deliveries run as, see smtp-mta.sh).
interop_user
pw='recipe pass'
interop_hash "$pw"
interop_users "$hash" sd tc sub lm
"$PYTHON" "$h" make "$tmp/fix" || { bad "making fixtures"; exit 1; }
interop_fake_sendmail

# paths FILE: the recipe with this run's paths
paths() {
	sed -e "s|/usr/local/bin|$BIN|g" -e "s|/etc/mail/users|$tmp/users|g" \
		-e "s|/usr/sbin/sendmail|$tmp/sendmail|g" "$1"
}
# serve NAME FILE START: START PORT runs the superserver in the background (pid in
# $srv, output in $tmp/NAME.log) on 127.0.0.1:PORT (interop_serve). Sets $port, or
# says FAIL and returns 1.
serve() {
	interop_serve "$3" "$tmp/$1.log" "$h" && return 0
	bad "$1: no greeting through $2"
	show "$tmp/greet.err" "$tmp/$1.log"
	return 1
}
# deliver NAME FILE USER FIXTURE [--auth LOGIN ...]: smtplib sends FIXTURE to
# USER@example.org, from sender@example.net or, after AUTH, from LOGIN@example.org (an
# authenticated user may send only from its own addresses)
deliver() {
	name=$1 file=$2 u=$3 x=$4
	shift 4
	from=sender@example.net
	if [ "${1:-}" = --auth ]; then from=$2@example.org; fi
	if timeout $TMO "$PYTHON" "$h" smtplib 127.0.0.1 "$port" "$from" "$u@example.org" \
		"$tmp/fix/$x.eml" --8bit "$@" >"$tmp/$name.err" 2>&1 &&
		"$PYTHON" "$h" stored "$tmp/home/$u/Maildir" "$tmp/fix" "$x" "$from" \
			"$u@example.org" >"$tmp/$name.cmp" 2>&1; then
		ok "$name: smtplib delivers byte-exact through $file"
	else
		bad "$name: delivery through $file"
		show "$tmp/$name.err" "$tmp/$name.cmp" "$tmp/$name.log"
	fi
}
# units SOCKET SERVICE PORT: the unit files have what systemd needs for one process
# per connection
units() {
	if grep -qx 'Accept=yes' "$scripts/systemd/$1" && grep -qx "ListenStream=$3" "$scripts/systemd/$1" &&
		grep -qx 'StandardInput=socket' "$scripts/systemd/$2" &&
		grep -qx 'StandardOutput=socket' "$scripts/systemd/$2"; then
		ok "systemd: $1 has Accept=yes and ListenStream=$3, $2 StandardInput=socket"
	else
		bad "systemd: $1/$2 lack Accept=yes, ListenStream=$3 or StandardInput/Output=socket"
	fi
}

# --- port 25 under systemd ---
units smtpd.socket smtpd@.service 25
units submission.socket submission@.service 587
if command -v systemd-socket-activate >/dev/null 2>&1; then
	unit="$scripts/systemd/smtpd@.service"
	if serve systemd-25 "scripts/systemd/smtpd@.service" start_systemd; then
		deliver systemd-25 "scripts/systemd/smtpd@.service (systemd-socket-activate)" sd dots
		# Port 25 is for inbound mail: no AUTH offered, no relaying.
		if timeout $TMO "$PYTHON" "$h" session 127.0.0.1 "$port" \
			"MAIL FROM:<sender@example.net>=>250" "RCPT TO:<x@remote.example.com>=>550 5.7.1" \
			"AUTH PLAIN $(printf '\0sd\0%s' "$pw" | base64 -w0)=>5" >"$tmp/s.err" 2>&1; then
			ok "systemd-25: no relaying, no AUTH"
		else
			bad "systemd-25: relaying or AUTH"
			show "$tmp/s.err"
		fi
		stop
	fi
	# --- port 587 under systemd: submission ---
	unit="$scripts/systemd/submission@.service"
	if serve systemd-587 "scripts/systemd/submission@.service" start_systemd; then
		deliver systemd-587 "scripts/systemd/submission@.service (AUTH PLAIN)" sub eightbit --auth sub "$pw" PLAIN
		rm -f "$tmp/relay"/*
		if timeout $TMO "$PYTHON" "$h" smtplib 127.0.0.1 "$port" sub@example.org friend@remote.example.com \
			"$tmp/fix/plain.eml" --auth sub "$pw" LOGIN >"$tmp/sub.err" 2>&1 &&
			printf '%s\n' -i -f sub@example.org -- friend@remote.example.com | cmp -s - "$tmp/relay"/*.argv &&
			"$PYTHON" "$h" relayed "$tmp/relay"/*.msg "$tmp/fix" plain >"$tmp/sub.cmp" 2>&1; then
			ok "systemd-587: AUTH LOGIN, remote recipient handed to /usr/sbin/sendmail byte-exact"
		else
			bad "systemd-587: relay through --relay-via /usr/sbin/sendmail"
			show "$tmp/sub.err" "$tmp/sub.cmp" "$tmp/systemd-587.log"
		fi
		stop
	fi
else
	missing systemd-socket-activate
fi

# --- port 25 under tcpserver ---
start_tcpserver() {
	paths "$scripts/tcpserver/smtpd.run" | sed "s| 0 25 | 127.0.0.1 $1 |" >"$tmp/smtpd.run"
	grep -q " 127.0.0.1 $1 " "$tmp/smtpd.run" || { echo "no address to adapt"; return 1; }
	exec sh "$tmp/smtpd.run"
}
start_lmtp() {
	paths "$scripts/tcpserver/lmtp.run" | sed "s| 127.0.0.1 24 | 127.0.0.1 $1 |" >"$tmp/lmtp.run"
	grep -q " 127.0.0.1 $1 " "$tmp/lmtp.run" || { echo "no address to adapt"; return 1; }
	exec sh "$tmp/lmtp.run"
}
if command -v tcpserver >/dev/null 2>&1; then
	if serve tcpserver-25 scripts/tcpserver/smtpd.run start_tcpserver; then
		deliver tcpserver-25 scripts/tcpserver/smtpd.run tc line998
		stop
	fi
else
	missing "tcpserver (ucspi-tcp)"
fi

# --- LMTP behind Exim ---
# section NAME: the lines of scripts/exim/smtpd-lmtp.conf after "# --- NAME ---"
section() {
	sed -n "/^# --- $1 ---\$/,/^# --- /p" "$scripts/exim/smtpd-lmtp.conf" | sed '/^# /d'
}
if ! command -v tcpserver >/dev/null 2>&1; then
	:
elif [ ! -x "$EXIM" ]; then
	missing "exim (exim4-daemon-light)"
elif serve lmtp scripts/tcpserver/lmtp.run start_lmtp; then
	d="$tmp/exim"
	mkdir -p "$d/spool" "$d/log"
	for l in main panic reject; do : >"$d/log/${l}log"; done
	chown -R "$uid:$gid" "$d"
	cat >"$d/configure" <<EOF
primary_hostname = mta.example.net
qualify_domain = example.net
domainlist local_domains = example.org
spool_directory = $d/spool
log_file_path = $d/log/%slog
pid_file_path = $d/exim.pid
exim_user = $user
exim_group = $group
no_local_from_check
keep_environment =
check_spool_space = 0
check_log_space = 0

begin routers
$(section router)

begin transports
$(section transport | sed "s/^\(  port = \)24\$/\1$port/")

begin retry
* * F,1m,1m
EOF
	tr -d '\r' <"$tmp/fix/dots.eml" >"$tmp/dots.lf"
	if grep -q "^  port = $port\$" "$d/configure" && grep -q '^  protocol = lmtp$' "$d/configure" &&
		timeout $TMO "$EXIM" -C "$d/configure" -odf -oi -f sender@example.net lm@example.org \
			<"$tmp/dots.lf" >"$tmp/exim.out" 2>&1 &&
		"$PYTHON" "$h" stored "$tmp/home/lm/Maildir" "$tmp/fix" dots sender@example.net \
			lm@example.org 2 >"$tmp/lmtp.cmp" 2>&1; then
		ok "lmtp: Exim with scripts/exim/smtpd-lmtp.conf delivers byte-exact through scripts/tcpserver/lmtp.run"
	else
		bad "lmtp: Exim to smtpd --lmtp through scripts/tcpserver/lmtp.run"
		show "$d/configure" "$tmp/exim.out" "$d/log/mainlog" "$tmp/lmtp.cmp" "$tmp/lmtp.log"
	fi
	stop
fi

interop_summary smtp-recipes
