#!/bin/sh
# README.md's "LMTP behind Postfix" recipe run for real: smtpd --lmtp under tcpserver
# from scripts/tcpserver/lmtp.run (paths and "127.0.0.1 24" substituted), behind a
# private Postfix whose main.cf carries the README's lines `virtual_transport =
# lmtp:inet:127.0.0.1:24` (port substituted) and `virtual_mailbox_domains =
# example.org`. python smtplib submits two messages (dot lines, 8-bit text) to Postfix's
# smtpd; Postfix queues them and its lmtp client hands them to smtpd, which must store
# them byte-exact in the user's Maildir (two Received: fields, Postfix's and smtpd's)
# within $WAIT seconds.
# The Postfix is private: its own config_directory, queue_directory and data_directory
# in a temporary directory, its master started in the foreground (master -d -c DIR), its
# smtpd on 127.0.0.1 and a free port, its log in a file (maillog_file, no syslog), and
# it runs as the existing user daemon (mail_owner) and group mail (setgid_group):
# no user, group or file outside the temporary directory is created or changed, and the
# system's mail system is never touched. Debian's postfix and exim4 packages conflict
# and the other tests use Exim, so Postfix may be an unpacked package: $POSTFIX (the
# root of the unpacked tree), /opt/postfix (where .ci/run unpacks it), or an installed
# Postfix. Its master must be started by root: as another user the test uses sudo -n.
# Prints PASS:/FAIL: lines; exit 1 on failure, 77 when python3, tcpserver or timeout is
# missing; Postfix missing (or no root) is a SKIP (a FAIL when CI=true).
set -u
: "${BIN:?BIN must name the directory holding smtpd}"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-python3}
h="$here/smtp_interop.py"
TMO=60  # seconds for the SMTP submission to Postfix
WAIT=30 # seconds for Postfix to deliver through LMTP
# Existing accounts, as Postfix wants them: mail_owner not root, and setgid_group's gid
# neither mail_owner's (daemon) nor default_privs' (nobody: nogroup is refused).
MAIL_OWNER=daemon
SGID_GROUP=mail
# shellcheck source=SCRIPTDIR/lib.sh.inc
. "$here/lib.sh.inc"

interop_need "$PYTHON" tcpserver timeout
skip() {
	if [ "${CI:-}" = true ]; then
		bad "$1 (CI unpacks Postfix into /opt/postfix and runs the tests as root or with sudo)"
		exit 1
	fi
	echo "SKIP: ********** $1: the Postfix recipe is NOT tested **********"
	exit 77
}

# --- find Postfix: a tree holding usr/sbin/postconf, its directories from postconf -d ---
# ("" is an installed Postfix.) Its programs are linked with RUNPATH /usr/lib/postfix.
pf='' found='' why="not found (\$POSTFIX, /opt/postfix, /usr/sbin/postconf)"
for r in ${POSTFIX+"$POSTFIX"} /opt/postfix ""; do
	[ -x "$r/usr/sbin/postconf" ] || continue
	pc() { LD_LIBRARY_PATH="$r/usr/lib/postfix" "$r/usr/sbin/postconf" -dh "$1"; }
	if ! dd=$(pc daemon_directory 2>/dev/null) || [ -z "$dd" ]; then
		why="unusable: $(pc daemon_directory 2>&1 | grep -v ': warning: ' | head -1)"
		continue
	fi
	daemon_dir=$r$dd shlib_dir=$r$(pc shlib_directory 2>/dev/null)
	if [ -x "$daemon_dir/master" ]; then
		pf=$r found=y
		break
	fi
	why="incomplete: no $daemon_dir/master"
done
[ -n "$found" ] || skip "Postfix $why"
# An unpacked Postfix finds its libraries through LD_LIBRARY_PATH, which master passes
# on to its daemons only when import_environment names it.
export LD_LIBRARY_PATH="$shlib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
libs=$(ldd "$daemon_dir/master" "$daemon_dir/lmtp" "$daemon_dir/smtpd" 2>&1 | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p' | sort -u | tr '\n' ' ')
[ -z "$libs" ] || skip "Postfix's libraries missing: $libs"
if ! getent passwd "$MAIL_OWNER" >/dev/null || ! getent group "$SGID_GROUP" >/dev/null; then
	skip "no account $MAIL_OWNER or group $SGID_GROUP for Postfix's mail_owner and setgid_group"
fi
# master refuses to run but as root ("reserved for the superuser").
asroot=
if [ "$(id -u)" -ne 0 ]; then
	sudo -n true 2>/dev/null || skip "not root, and sudo -n is not allowed: Postfix's master needs root"
	asroot="sudo -n"
fi

master=''
# master -d stops its daemons when it gets SIGTERM, as "postfix stop" does (through
# postfix-script, which expects an installed Postfix).
stop_postfix() {
	if [ -n "$master" ]; then
		$asroot kill "$(cat "$tmp/pf/queue/pid/master.pid" 2>/dev/null || echo "$master")" 2>/dev/null
		i=0
		while [ $i -lt 50 ] && kill -0 "$master" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
		wait "$master" 2>/dev/null
		master=
	fi
}
# KEEP=1 keeps the temporary directory (Postfix's queue and log) for a look afterwards.
interop_at_exit=stop_postfix interop_rm_as=$asroot
interop_tmpdir smtp-postfix

# As root, the user's Maildir belongs to nobody (smtpd, run as root by tcpserver,
# writes it as its owner); otherwise to the calling user.
interop_user
interop_users x pf
"$PYTHON" "$h" make "$tmp/fix" || { bad "making fixtures"; exit 1; }

# --- smtpd --lmtp from scripts/tcpserver/lmtp.run on a free port ---
start_lmtp() {
	sed -e "s|/usr/local/bin|$BIN|g" -e "s|/etc/mail/users|$tmp/users|g" \
		-e "s| 127.0.0.1 24 | 127.0.0.1 $1 |" "$top/scripts/tcpserver/lmtp.run" >"$tmp/lmtp.run"
	grep -q " 127.0.0.1 $1 " "$tmp/lmtp.run" || { echo "lmtp.run: no 127.0.0.1 24 to adapt"; return 1; }
	exec sh "$tmp/lmtp.run"
}
if ! interop_serve start_lmtp "$tmp/lmtp.log" "$h"; then
	bad "no LMTP greeting through scripts/tcpserver/lmtp.run"
	show "$tmp/greet.err" "$tmp/lmtp.log"
	exit 1
fi
lport=$port

# --- the README's main.cf lines ---
vt='virtual_transport = lmtp:inet:127.0.0.1:24'
vd='virtual_mailbox_domains = example.org'
for l in "$vt" "$vd"; do
	tr '\n' ' ' <"$top/README.md" | grep -qF "\`$l\`" || { bad "README.md no longer says \`$l\`"; exit 1; }
done

# --- a private Postfix ---
d="$tmp/pf"
mkdir -p "$d/etc"
start_postfix() {
	sport=$1
	cat >"$d/etc/main.cf" <<EOF
# private to this test: nothing outside $d
compatibility_level = 3.6
config_directory = $d/etc
meta_directory = $d/etc
queue_directory = $d/queue
data_directory = $d/data
daemon_directory = $daemon_dir
shlib_directory = $shlib_dir
mail_owner = $MAIL_OWNER
setgid_group = $SGID_GROUP
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH
maillog_file = $d/maillog
maillog_file_prefixes = $d
myhostname = mta.example.net
mydomain = example.net
myorigin = example.net
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
# Nothing leaves this host: bounces and anything not for example.org fail at once.
default_transport = error:no mail leaves this test
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
# README.md, "Running smtpd", LMTP behind Postfix (port substituted):
$(echo "$vt" | sed "s/:24\$/:$lport/")
$vd
EOF
	# Postfix's stock master.cf, less what is not used here, and no chroot.
	cat >"$d/etc/master.cf" <<EOF
127.0.0.1:$sport inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	# shellcheck disable=SC2016 # expanded by the inner shell
	$asroot sh -c '
		set -e
		d=$1 owner=$2 group=$3
		rm -rf "$d/queue" "$d/data"
		mkdir -p "$d/queue" "$d/data"
		for q in active bounce corrupt defer deferred flush hold incoming private saved trace; do
			mkdir -m 700 "$d/queue/$q"
		done
		mkdir -m 710 "$d/queue/public" "$d/queue/maildrop"
		mkdir -m 755 "$d/queue/pid"
		chown -R "$owner" "$d/queue" "$d/data"
		chown root "$d/queue" "$d/queue/pid"
		chgrp "$group" "$d/queue/public" "$d/queue/maildrop"
		: >"$d/maillog"' sh "$d" "$MAIL_OWNER" "$SGID_GROUP" || return 1
	# Its own process group (setsid): on SIGTERM, master kills its group.
	$asroot setsid env LD_LIBRARY_PATH="$LD_LIBRARY_PATH" "$daemon_dir/master" -d -c "$d/etc" \
		>"$d/master.out" 2>&1 &
	master=$!
	"$PYTHON" "$h" greet 127.0.0.1 "$sport" 10 2>"$tmp/pgreet.err"
}
started=
for _ in 1 2 3; do
	p=$(free_port) || break
	if start_postfix "$p"; then
		started=$p
		break
	fi
	running=; kill -0 "$master" 2>/dev/null && running=y
	stop_postfix
	[ -n "$running" ] && break # running, yet no greeting: no retry
done
if [ -z "$started" ]; then
	bad "postfix: master did not start (no SMTP greeting)"
	show "$d/master.out" "$d/maillog" "$tmp/pgreet.err"
	exit 1
fi
ok "postfix: a private master runs with the README's virtual_transport and virtual_mailbox_domains"

# --- submit, wait for the delivery through LMTP ---
if ! timeout $TMO "$PYTHON" "$h" smtplib 127.0.0.1 "$started" sender@example.net pf@example.org \
	"$tmp/fix/dots.eml" "$tmp/fix/eightbit.eml" --8bit >"$tmp/submit.err" 2>&1; then
	bad "postfix: smtplib submission refused"
	show "$tmp/submit.err" "$d/maillog"
	exit 1
fi
new="$tmp/home/pf/Maildir/new"
i=0 flushed=
while [ $i -lt $((WAIT * 10)) ]; do
	n=$(find "$new" -type f 2>/dev/null | wc -l)
	[ "$n" -ge 2 ] && break
	grep -q ' status=bounced ' "$d/maillog" && break
	# Halfway, in case a first attempt was deferred: have the queue run now (postqueue
	# -f asks master's flush service, as "postfix flush" does).
	if [ $i -eq $((WAIT * 5)) ] && [ -z "$flushed" ] && [ -x "$pf/usr/sbin/postqueue" ]; then
		$asroot env LD_LIBRARY_PATH="$LD_LIBRARY_PATH" "$pf/usr/sbin/postqueue" -c "$d/etc" -f \
			>>"$tmp/flush.out" 2>&1
		flushed=y
	fi
	sleep 0.1
	i=$((i + 1))
done
if "$PYTHON" "$h" stored "$tmp/home/pf/Maildir" "$tmp/fix" dots,eightbit sender@example.net \
	pf@example.org 2 >"$tmp/cmp" 2>&1; then
	ok "postfix: virtual_transport = lmtp:inet to scripts/tcpserver/lmtp.run delivers both byte-exact"
else
	bad "postfix: not delivered through LMTP within ${WAIT}s, or not byte-exact"
	show "$tmp/cmp" "$d/maillog" "$tmp/lmtp.log" "$tmp/flush.out"
fi
if grep -q 'relay=127\.0\.0\.1\[127\.0\.0\.1\]:'"$lport"'.*status=sent (250 ' "$d/maillog"; then
	ok "postfix: its log shows status=sent with smtpd's 250 over LMTP"
else
	bad "postfix: no status=sent through 127.0.0.1:$lport in its log"
	show "$d/maillog"
fi

interop_summary smtp-postfix
