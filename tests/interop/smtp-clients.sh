#!/bin/sh
# Real SMTP clients against smtpd: python smtplib, swaks and curl, plus raw sockets for
# what they do not do (a long pipelined session, BDAT), over loopback TCP through
# tcpserver (ucspi-tcp, which sets TCPREMOTEIP: loopback is a secure connection, so
# AUTH is offered), to the users of a passwd-file (smtpd --users FILE --domain
# example.org; as root the entries carry nobody's uid and the Maildirs are nobody's).
#
# Delivered: plain text, lines starting with '.', a line of just '.', 8-bit text
# (BODY=8BITMIME), 998-octet lines, 5 MB; 20 messages pipelined on one connection;
# BDAT in 64 KB and 100-octet chunks. Each message must be stored byte-exact
# (smtp_interop.py says precisely what is normalised: the trace fields smtpd prepends,
# CRLF stored as LF) and come back byte-exact through pop3d --preauth RETR (end to end:
# the trace fields, then exactly the octets the client sent before dot-stuffing).
# Submission: AUTH PLAIN and LOGIN through checkpassword-file, a local recipient
# delivered, remote ones handed to --relay-via, a fake sendmail that records its argv
# and standard input. Refusals: relaying without AUTH (550 5.7.1), an unknown user
# (550 5.1.1), a declared SIZE over --size (552 5.3.4), a wrong password (535 5.7.8).
# Prints PASS:/FAIL: lines; exit 1 on failure, 77 when tcpserver or python3 is missing.
# A client that is not installed is a SKIP line (a FAIL when CI=true).
set -u
: "${BIN:?BIN must name the directory holding smtpd, pop3d, checkpassword-file}"
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
h="$here/smtp_interop.py"
TMO=120 # seconds for any one client run: the 5 MB message over loopback takes < 1 s
SIZE=8000000 # smtpd --size: the 5 MB fixture fits, a declared 9 MB does not
# shellcheck source=SCRIPTDIR/lib.sh.inc
. "$here/lib.sh.inc"

interop_need "$PYTHON" tcpserver timeout
interop_tmpdir smtp
# stored NAME USER FIXTURES SENDER: USER's new/ holds exactly FIXTURES in stored form
stored() {
	if "$PYTHON" "$h" stored "$tmp/home/$2/Maildir" "$tmp/fix" "$3" "$4" "$2@example.org" >"$tmp/cmp" 2>&1; then
		ok "$1: stored byte-exact ($3)"
	else
		bad "$1: stored messages differ"
		show "$tmp/cmp"
	fi
}
# e2e NAME USER FIXTURES SENDER: the same messages through pop3d RETR
e2e() {
	if timeout $TMO "$PYTHON" "$h" pop3 "$BIN" "$tmp/home/$2" "$tmp/fix" "$3" 1 "$4" "$2@example.org" >"$tmp/cmp" 2>&1; then
		ok "$1: pop3d RETR gives what the client sent, byte-exact"
	else
		bad "$1: pop3d RETR differs from what the client sent"
		show "$tmp/cmp"
	fi
}

interop_user
pw='smtp Pa55 word'
interop_hash "$pw"
interop_users "$hash" py pl bd sw cu au
"$PYTHON" "$h" make "$tmp/fix" || { bad "making fixtures"; exit 1; }

# The fake sendmail for --relay-via: each run leaves N.argv (one argument a line) and
# N.msg (its standard input) in $tmp/relay.
interop_fake_sendmail
# relayed NAME FIXTURE SENDER RCPT: exactly one relay run since the last call, with
# argv "-i -f SENDER -- RCPT" and the fixture (after one Received: field) on stdin
relayed() {
	set -- "$1" "$2" "$3" "$4" "$(find "$tmp/relay" -name '*.argv')"
	if [ -z "$5" ] || [ "$(echo "$5" | wc -l)" -ne 1 ]; then
		bad "$1: expected one run of the relay program, found: $5"
		return
	fi
	printf '%s\n' -i -f "$3" -- "$4" >"$tmp/argv.want"
	if ! cmp -s "$tmp/argv.want" "$5"; then
		bad "$1: relay program argv"
		show "$5"
	elif "$PYTHON" "$h" relayed "${5%.argv}.msg" "$tmp/fix" "$2" >"$tmp/cmp" 2>&1; then
		ok "$1: relay program got argv -i -f $3 -- $4 and the message byte-exact"
	else
		bad "$1: relay program's input differs"
		show "$tmp/cmp"
	fi
	rm -f "$tmp/relay"/*
}

# --- smtpd under tcpserver on a free port ---
interop_tcpserver "$BIN/smtpd" --users "$tmp/users" --domain example.org --hostname mx.example.org \
	--size $SIZE --relay-via "$tmp/sendmail" "$BIN/checkpassword-file" "$tmp/users" || exit 1
S=sender@example.net

# --- python smtplib: SIZE declared, BODY=8BITMIME, one session for five messages ---
fx=$tmp/fix
try "smtplib: five messages (dots, 8-bit, 998-octet lines, 5 MB) in one session" \
	timeout $TMO "$PYTHON" "$h" smtplib 127.0.0.1 "$port" $S py@example.org \
	"$fx/plain.eml" "$fx/dots.eml" "$fx/eightbit.eml" "$fx/line998.eml" "$fx/big5mb.eml" --8bit
stored smtplib py plain,dots,eightbit,line998,big5mb $S
e2e smtplib py plain,dots,eightbit,line998,big5mb $S

# --- pipelining: MAIL+RCPT+DATA in one write, 20 times on one connection ---
try "pipelining: 20 messages on one connection" \
	timeout $TMO "$PYTHON" "$h" pipeline 127.0.0.1 "$port" $S pl@example.org 20 "$fx/dots.eml"
stored pipelining pl "$(printf 'dots,%.0s' $(seq 19))dots" $S

# --- BDAT (RFC 3030), raw socket: every chunk pipelined ---
try "BDAT: 5 MB in 64 KB chunks" timeout $TMO "$PYTHON" "$h" bdat 127.0.0.1 "$port" $S bd@example.org 65536 "$fx/big5mb.eml"
try "BDAT: 8-bit text in 100-octet chunks" timeout $TMO "$PYTHON" "$h" bdat 127.0.0.1 "$port" $S bd@example.org 100 "$fx/eightbit.eml"
stored BDAT bd big5mb,eightbit $S
e2e BDAT bd big5mb,eightbit $S

# --- refusals ---
try "refusals: relaying without AUTH 550 5.7.1, unknown user 550 5.1.1, SIZE 552 5.3.4, bad password 535 5.7.8" \
	timeout $TMO "$PYTHON" "$h" session 127.0.0.1 "$port" \
	"MAIL FROM:<$S>=>250 2.1.0" \
	"RCPT TO:<someone@remote.example.com>=>550 5.7.1" \
	"RCPT TO:<no-such-user@example.org>=>550 5.1.1" \
	"RCPT TO:<py@EXAMPLE.ORG>=>250" \
	"RSET=>250" \
	"MAIL FROM:<$S> SIZE=9000000=>552 5.3.4" \
	"AUTH PLAIN $(printf '\0au\0wrong password' | base64 -w0)=>535 5.7.8"
n=$(find "$tmp/relay" -type f | wc -l)
if [ "$n" -eq 0 ]; then ok "refusals: the relay program never ran"; else bad "refusals: relay program ran $n times"; fi

# --- submission: AUTH PLAIN / LOGIN via checkpassword-file, --relay-via ---
try "smtplib AUTH PLAIN: local recipient" \
	timeout $TMO "$PYTHON" "$h" smtplib 127.0.0.1 "$port" au@example.org au@example.org "$fx/plain.eml" --auth au "$pw" PLAIN
try "smtplib AUTH LOGIN: local recipient" \
	timeout $TMO "$PYTHON" "$h" smtplib 127.0.0.1 "$port" au@example.org au@example.org "$fx/eightbit.eml" --auth au "$pw" LOGIN --8bit
stored "smtplib AUTH" au plain,eightbit au@example.org
try "smtplib AUTH PLAIN: remote recipient relayed" \
	timeout $TMO "$PYTHON" "$h" smtplib 127.0.0.1 "$port" au@example.org friend@remote.example.com "$fx/dots.eml" --auth au "$pw" PLAIN
relayed "smtplib AUTH PLAIN relay" dots au@example.org friend@remote.example.com

# --- swaks ---
if command -v swaks >/dev/null 2>&1; then
	sw() { timeout $TMO swaks --silent 2 --server 127.0.0.1 --port "$port" --helo client.example.net "$@"; }
	# swaks sends its data, then CR LF . CR LF: it adds a line end of its own. It gets
	# each fixture without its final CR LF, so the server receives exactly the fixture.
	mkdir -p "$tmp/swfix"
	for x in plain dots eightbit line998; do
		head -c -2 "$fx/$x.eml" >"$tmp/swfix/$x.eml"
	done
	for x in plain dots eightbit; do
		try "swaks --pipeline: $x" sw --pipeline --from $S --to sw@example.org --data "@$tmp/swfix/$x.eml"
	done
	stored swaks sw plain,dots,eightbit $S
	e2e swaks sw plain,dots,eightbit $S
	try "swaks AUTH LOGIN: remote recipient relayed" sw --from au@example.org --to friend@remote.example.com \
		--auth LOGIN --auth-user au --auth-password "$pw" --data "@$tmp/swfix/line998.eml"
	relayed "swaks AUTH LOGIN relay" line998 au@example.org friend@remote.example.com
	if sw --from $S --to friend@remote.example.com --data "@$tmp/swfix/plain.eml" >"$tmp/out" 2>&1; then
		bad "swaks: relaying without AUTH was accepted"
	elif grep -q '<\*\* *550 5\.7\.1' "$tmp/out"; then
		ok "swaks: relaying without AUTH refused with 550 5.7.1"
	else
		bad "swaks: relaying without AUTH: no 550 5.7.1"
		show "$tmp/out"
	fi
else
	missing swaks
fi

# --- curl smtp:// ---
if command -v curl >/dev/null 2>&1; then
	cu() { timeout $TMO curl -sS --max-time $TMO "smtp://127.0.0.1:$port/client.example.net" "$@"; }
	for x in plain dots eightbit big5mb; do
		try "curl: $x" cu --mail-from $S --mail-rcpt cu@example.org --upload-file "$fx/$x.eml"
	done
	stored curl cu plain,dots,eightbit,big5mb $S
	e2e curl cu plain,dots,eightbit,big5mb $S
	try "curl AUTH PLAIN: remote recipient relayed" cu --mail-from au@example.org \
		--mail-rcpt friend@remote.example.com --user "au:$pw" --login-options AUTH=PLAIN \
		--upload-file "$fx/eightbit.eml"
	relayed "curl AUTH PLAIN relay" eightbit au@example.org friend@remote.example.com
	if cu --mail-from $S --mail-rcpt cu@example.org --mail-rcpt nobody-here@example.org \
		--upload-file "$fx/plain.eml" >"$tmp/out" 2>&1; then
		bad "curl: an unknown user was accepted"
	elif grep -q '550' "$tmp/out"; then
		ok "curl: unknown user refused with 550"
	else
		bad "curl: unknown user: no 550"
		show "$tmp/out"
	fi
else
	missing curl
fi

n=$(find "$tmp/home" -path '*/Maildir/tmp/*' -type f | wc -l)
if [ "$n" -eq 0 ]; then ok "no files left in any tmp/"; else bad "$n files left in tmp/ directories"; fi

interop_summary smtp-clients
