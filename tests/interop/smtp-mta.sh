#!/bin/sh
# A real MTA hands mail to smtpd: Exim (Debian's exim4-daemon-light), run privately
# with its own config file (exim -C FILE), spool and logs in a temporary directory; the
# system's Exim is never started or touched. Each fixture of smtp_interop.py is
# submitted to Exim on standard input (exim -odf -oi -f SENDER RCPT: delivery in the
# foreground, LF line ends) and Exim delivers it to smtpd four ways:
#  - SMTP over TCP with CHUNKING (Exim's smtp transport uses BDAT when offered),
#  - SMTP over TCP with DATA (hosts_try_chunking unset),
#  - LMTP over TCP (smtp transport, protocol = lmtp, to smtpd --lmtp under tcpserver),
#  - LMTP over a pipe (Exim's lmtp transport running smtpd --lmtp as nobody); Exim
#    gives the command one pipe as its stdout and stderr, so this runs a second time
#    through a wrapper that sends smtpd's stderr to a file, to test the rest of it
#    whatever smtpd does with its log lines.
# Every message must arrive byte-exact in the user's Maildir (smtp_interop.py stored,
# with two Received: fields: Exim's and smtpd's), Exim's log must show the delivery
# ("=>" and "Completed") and nothing may stay in its queue.
# Prints PASS:/FAIL: lines; exit 1 on failure, 77 when tcpserver or python3 is missing;
# Exim missing is a SKIP (a FAIL when CI=true).
set -u
: "${BIN:?BIN must name the directory holding smtpd}"
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
h="$here/smtp_interop.py"
TMO=120 # seconds for one Exim run (delivery in the foreground)
EXIM=${EXIM:-$(command -v exim4 || command -v exim || echo /usr/sbin/exim4)}
# shellcheck source=SCRIPTDIR/lib.sh.inc
. "$here/lib.sh.inc"

interop_need "$PYTHON" tcpserver timeout
if [ ! -x "$EXIM" ]; then
	if [ "${CI:-}" = true ]; then bad "exim not installed (CI installs exim4-daemon-light)"; exit 1; fi
	echo "SKIP: exim not installed"
	exit 77
fi

# KEEP=1 keeps the temporary directory (Exim's spool and logs) for a look afterwards.
interop_tmpdir smtp-mta

# As root, Exim gives up root for a -C config and runs as its exim_user: nobody, who
# also owns the Maildirs (smtpd run by Exim's lmtp transport is nobody too). Otherwise
# everything is the calling user.
interop_user
interop_users x bdat data lmtp pipe pipe2 two1 two2
"$PYTHON" "$h" make "$tmp/fix" || { bad "making fixtures"; exit 1; }
mkdir -p "$tmp/lf"
for f in "$tmp/fix"/*.eml; do
	tr -d '\r' <"$f" >"$tmp/lf/${f##*/}" # Exim reads local submissions with LF line ends
done

smtpd_args="--users $tmp/users --domain example.org --hostname mx.example.org"
# start_smtpd [--lmtp]: smtpd under tcpserver on a free port ($port)
start_smtpd() {
	# shellcheck disable=SC2086 # smtpd_args holds no blanks but between words
	interop_tcpserver "$BIN/smtpd" $smtpd_args "$@"
}

# config NAME TRANSPORT-OPTIONS: an Exim config whose one router sends everything for
# example.org to the transport; the options complete an smtp or lmtp transport.
config() {
	d="$tmp/exim-$1"
	mkdir -p "$d/spool" "$d/log"
	# Exim receives as root and delivers as $user: both write these logs.
	for l in main panic reject; do : >"$d/log/${l}log"; done
	chown -R "$uid:$gid" "$d"
	cat >"$d/configure" <<EOF
primary_hostname = mta.example.net
qualify_domain = example.net
spool_directory = $d/spool
log_file_path = $d/log/%slog
pid_file_path = $d/exim.pid
exim_user = $user
exim_group = $group
no_local_from_check
keep_environment =
message_size_limit = 50M
check_spool_space = 0
check_log_space = 0

begin routers
to_smtpd:
  driver = manualroute
  domains = example.org
  route_list = * 127.0.0.1 byname
  self = send
  transport = to_smtpd

begin transports
to_smtpd:
$2

begin retry
* * F,1m,1m
EOF
}

# run NAME USER: submit every fixture to Exim for USER@example.org, then check
run() {
	d="$tmp/exim-$1"
	err=0
	for x in plain dots eightbit line998 big5mb; do
		timeout $TMO "$EXIM" -C "$d/configure" -odf -oi -f sender@example.net "$2@example.org" \
			<"$tmp/lf/$x.eml" >>"$tmp/$1.out" 2>&1 || err=$((err + 1))
	done
	# The delivering process, no longer privileged, logs on stderr rather than mainlog.
	cat "$d/log/mainlog" "$tmp/$1.out" >"$tmp/$1.log"
	n=$(grep -c ' => ' "$tmp/$1.log")
	c=$(grep -c ' Completed$' "$tmp/$1.log")
	q=$(find "$d/spool/input" -type f 2>/dev/null | wc -l)
	if [ $err -eq 0 ] && [ "$n" -eq 5 ] && [ "$c" -eq 5 ] && [ "$q" -eq 0 ]; then
		ok "exim $1: five messages delivered (mainlog: 5 =>, 5 Completed, queue empty)"
	else
		bad "exim $1: $err failed runs, $n deliveries, $c completed, $q queue files"
		if grep -q 'Malformed LMTP response.*smtpd\[[0-9]*\]: ' "$tmp/$1.log"; then
			echo "    smtpd's log lines (stderr) reached Exim: its lmtp transport gives the"
			echo "    command one pipe as stdout and stderr, and smtpd must not log there"
		fi
		show "$tmp/$1.log" "$d/log/paniclog" "$tmp/tcpserver.log"
	fi
	if "$PYTHON" "$h" stored "$tmp/home/$2/Maildir" "$tmp/fix" plain,dots,eightbit,line998,big5mb \
		sender@example.net "$2@example.org" 2 >"$tmp/cmp" 2>&1; then
		ok "exim $1: all five stored byte-exact"
	else
		bad "exim $1: stored messages differ"
		show "$tmp/cmp"
	fi
}

base="  driver = smtp
  port = PORT
  allow_localhost
  hosts_avoid_tls = *"

# --- SMTP over TCP, BDAT ---
if start_smtpd; then
	config bdat "$(echo "$base" | sed "s/PORT/$port/")"
	run bdat bdat
	if grep -q ' K C=' "$tmp/bdat.log"; then
		ok "exim bdat: Exim used CHUNKING (K in its log)"
	else
		bad "exim bdat: Exim did not use CHUNKING"
	fi
	config data "$(echo "$base" | sed "s/PORT/$port/")
  hosts_try_chunking = :"
	run data data
	if grep -q ' K C=' "$tmp/data.log"; then bad "exim data: Exim used CHUNKING"; fi
	stop
fi

# --- LMTP over TCP ---
if start_smtpd --lmtp; then
	config lmtp "$(echo "$base" | sed "s/PORT/$port/")
  protocol = lmtp"
	run lmtp lmtp
	# One message for two users: one LMTP transaction, a reply for each recipient.
	timeout $TMO "$EXIM" -C "$tmp/exim-lmtp/configure" -odf -oi -f sender@example.net \
		two1@example.org two2@example.org <"$tmp/lf/eightbit.eml" >"$tmp/two.out" 2>&1
	cat "$tmp/exim-lmtp/log/mainlog" "$tmp/two.out" >"$tmp/two.log"
	if grep -q ' => two1@example.org .* C="250 ' "$tmp/two.log" &&
		grep -q ' -> two2@example.org .* C="250 ' "$tmp/two.log" &&
		"$PYTHON" "$h" stored "$tmp/home/two1/Maildir" "$tmp/fix" eightbit sender@example.net \
			two1@example.org 2 >"$tmp/cmp" 2>&1 &&
		"$PYTHON" "$h" stored "$tmp/home/two2/Maildir" "$tmp/fix" eightbit sender@example.net \
			two2@example.org 2 >>"$tmp/cmp" 2>&1; then
		ok "exim lmtp: two recipients in one transaction (=> and ->), a 250 for each, both stored byte-exact"
	else
		bad "exim lmtp: one message for two recipients"
		show "$tmp/two.log" "$tmp/cmp"
	fi
	stop
fi

# --- LMTP over a pipe: Exim's lmtp transport runs smtpd --lmtp ---
config pipe "  driver = lmtp
  command = $BIN/smtpd --lmtp $smtpd_args
  user = $user
  group = $group
  timeout = 2m"
run pipe pipe

interop_stderr_away smtpd
config pipe-stderr-away "  driver = lmtp
  command = $tmp/smtpd-logfile --lmtp $smtpd_args
  user = $user
  group = $group
  timeout = 2m"
run pipe-stderr-away pipe2

interop_summary smtp-mta
