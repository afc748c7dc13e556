#!/bin/sh
# Real IMAP clients against imapd: python imaplib, curl, mbsync (isync), offlineimap
# and mutt, each over the two ways users connect:
#  - tcp: loopback TCP through tcpserver (ucspi-tcp, which sets TCPREMOTEIP: loopback is
#    a secure connection, so LOGIN is offered), logging in through checkpassword-file
#    with a {SHA512-CRYPT} users file;
#  - tunnel: the client runs `imapd --preauth` itself with HOME and MAILDIR set, as
#    `ssh host imapd --preauth` would (mutt `tunnel`, mbsync `Tunnel`, offlineimap
#    `preauthtunnel`, python imaplib.IMAP4_stream); curl has no tunnel.
# Every client gets a fresh Maildir holding the POP3 tests' fixtures (pop3_fixtures.py:
# dot lines, 8-bit text, 998-octet lines, CRLF and LF files, no final newline, an empty
# body, headers only, 5 MB), delivered with `maildir deliver`; what it retrieves must be
# byte-exact (imap_fixtures.py says exactly what each client may change: its line ends,
# mbsync's X-TUID line, the empty line after a header that has no end).
# Then, per client:
#  - client to server: messages the client marks seen, flags and deletes show on disk
#    as S, F and a removed file; a folder the client creates is a Maildir++ folder
#    holding what the client put there;
#  - server to client: a `maildir flag`, a `maildir deliver` and a message removed on
#    the server are seen by the client's next sync;
#  - offlineimap syncs several new folders at once, over three sessions; (mbsync, offlineimap: in its local Maildir; mutt: by
#    its patterns ~F and ~s); a further sync changes nothing.
# python imaplib also runs LOGIN, SELECT, FETCH, STORE, EXPUNGE, APPEND, CREATE, COPY,
# MOVE, LIST, STATUS, RENAME, DELETE, NOOP, each checked on disk (imap_client.py ops), and IDLE: a
# delivery must be announced within 2 seconds (skipped, with a SKIP line, while
# CAPABILITY lacks IDLE). curl lists and fetches every message by UID, byte-exact.
# As root, the sessions and the clients run as nobody (setpriv), who owns the Maildirs
# and the clients' directories. Prints PASS:/FAIL: lines; exit 1 on failure, 77 when
# tcpserver or python3 is missing. A client that is not installed is a SKIP line (a
# FAIL when CI=true).
set -u
: "${BIN:?BIN must name the directory holding imapd, maildir, checkpassword-file}"
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
fixpy="$here/imap_fixtures.py"
client="$here/imap_client.py"
T=timeout
TMO=120 # seconds for any one client run: the 5 MB message over loopback takes < 1 s
# shellcheck source=SCRIPTDIR/lib.sh.inc
. "$here/lib.sh.inc"

interop_need "$PYTHON" tcpserver timeout
interop_tmpdir imap
interop_user
pw='imap Pa55 word'
interop_hash "$pw"
# one user (home, Maildir) per client and way of connecting
clients="pyt pyp cu mbt mbp oit oip mut mup"
# shellcheck disable=SC2086 # $clients: names, one a word
interop_users "$hash" $clients
"$PYTHON" "$fixpy" make "$tmp/fix" || { bad "making fixtures"; exit 1; }
nfix=$(find "$tmp/fix" -type f | wc -l)

# run_as CMD...: as root, CMD runs as the sessions' user (nobody), as do the clients,
# with a python that user may run (not one under /root)
run_as() {
	if [ "$(id -u)" -eq 0 ]; then setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
	else "$@"; fi
}
py=$PYTHON
run_as "$py" -c '' 2>/dev/null || py=/usr/bin/python3
mkdir -p "$tmp/c"
chown "$uid:$gid" "$tmp/c" 2>/dev/null

# md USER: the user's Maildir
md() { echo "$tmp/home/$1/Maildir"; }
# deliver USER: a fresh Maildir holding every fixture, in name order
deliver() {
	rm -rf "$(md "$1")"
	run_as "$BIN/maildir" create "$(md "$1")" || { bad "maildir create $(md "$1")"; return 1; }
	for f in "$tmp/fix"/*.eml; do
		run_as "$BIN/maildir" deliver "$(md "$1")" <"$f" 2>/dev/null ||
			{ bad "maildir deliver $f"; return 1; }
	done
}
# cdir NAME: a fresh directory for a client's own files (its HOME), owned by the user
cdir() {
	rm -rf "$tmp/c/$1"
	mkdir -p "$tmp/c/$1"
	chown "$uid:$gid" "$tmp/c/$1" 2>/dev/null
	echo "$tmp/c/$1"
}
# tunnel USER: the command a client runs for a preauthenticated session, imapd's log
# appended to $tmp/c/imapd-USER.log
tunnel() {
	echo "env HOME=$tmp/home/$1 MAILDIR=Maildir $BIN/imapd --preauth 2>>$tmp/c/imapd-$1.log"
}
# compare NAME MODE DIR [--skip FIXTURE]
compare() {
	name=$1 mode=$2 dir=$3
	shift 3
	if "$PYTHON" "$fixpy" compare "$mode" "$tmp/fix" "$dir" "$@" >"$tmp/cmp.out"; then
		ok "$name: all $nfix messages byte-exact ($mode form${1:+, $2 skipped})"
	else
		bad "$name: messages differ"
		show "$tmp/cmp.out"
	fi
}
# subject_file DIR SUBJECT: the message file in DIR/new or DIR/cur with that Subject
# line, ending in LF or CR LF (imapd stores what APPEND gets, CR LF from most clients)
subject_file() {
	grep -l "^Subject: $2.\{0,1\}\$" "$1"/new/* "$1"/cur/* 2>/dev/null | head -1
}
# flags_of FILE: the flags of a Maildir file name (after ":2,")
flags_of() { b=$(basename "$1"); case $b in *:2,*) echo "${b##*:2,}" ;; *) echo "" ;; esac; }
# has_flag NAME DIR SUBJECT LETTER [not]: the message's file carries LETTER (or not)
has_flag() {
	f=$(subject_file "$2" "$3")
	fl=$(flags_of "$f")
	if [ -z "$f" ]; then
		bad "$1: no message \"$3\" in $2"
	elif [ "${5:-}" = not ]; then
		case $fl in *"$4"*) bad "$1: \"$3\" has flag $4 ($f)" ;; *) ok "$1: \"$3\" lacks $4" ;; esac
	else
		case $fl in *"$4"*) ok "$1: \"$3\" has $4" ;; *) bad "$1: \"$3\" lacks flag $4 ($f)" ;; esac
	fi
}
# gone NAME DIR SUBJECT: no message with that subject in DIR
gone() {
	if [ -z "$(subject_file "$2" "$3")" ]; then ok "$1: \"$3\" deleted"
	else bad "$1: \"$3\" still in $2"; fi
}
# msgs DIR: how many messages DIR/new and DIR/cur hold
msgs() { find "$1/new" "$1/cur" -type f 2>/dev/null | wc -l; }
# server_flag USER SUBJECT FLAG...: `maildir flag` on the server's message by subject
server_flag() {
	u=$1 s=$2
	shift 2
	f=$(subject_file "$(md "$u")" "$s")
	b=$(basename "$f")
	id=$(run_as "$BIN/maildir" uids "$(md "$u")" | awk -F'\t' -v b="${b%%:*}" 'index($NF, b) == 1 { print $1 }')
	if [ -z "$id" ] || ! run_as "$BIN/maildir" flag "$(md "$u")" "$id" "$@"; then
		bad "maildir flag $u \"$s\" $*"
	fi
}
# server_deliver USER SUBJECT: a new message delivered on the server
server_deliver() {
	printf 'From: server <srv@example.org>\nSubject: %s\n\ndelivered on the server\n' "$2" |
		run_as "$BIN/maildir" deliver "$(md "$1")" 2>/dev/null || bad "maildir deliver $1"
}

# --- the superserver on a free port (chosen at run time; retried if taken meanwhile) ---
interop_tcpserver "$BIN/imapd" "$BIN/checkpassword-file" "$tmp/users" || exit 1
# IMAP_CLIENTS: the clients to run (all by default), for a quicker look at one
want() { case " ${IMAP_CLIENTS:-python curl mbsync offlineimap mutt} " in *" $1 "*) return 0 ;; esac; return 1; }

# --- python imaplib ---
pyc() { # pyc USER WAY SUBCOMMAND ARGS...: imap_client.py as the user, over WAY
	u=$1 w=$2 sub=$3
	shift 3
	if [ "$w" = tcp ]; then set -- "$@" tcp 127.0.0.1 "$port" "$u" "$pw"
	else set -- "$@" tunnel "$(tunnel "$u")"; fi
	run_as $T $TMO "$py" "$client" "$sub" "$@"
}
for way in tcp tunnel; do
	want python || break
	[ $way = tcp ] && u=pyt || u=pyp
	deliver "$u" || exit 1
	d=$(cdir "py-$way")
	if pyc "$u" $way fetch "$d/got" >"$tmp/py.out" 2>&1; then
		compare "imaplib $way: UID FETCH BODY.PEEK[]" wire "$d/got"
	else
		bad "imaplib $way: fetch"; show "$tmp/py.out"
	fi
	if pyc "$u" $way ops "$(md "$u")" "$BIN/maildir" >"$tmp/py.out" 2>&1; then
		ok "imaplib $way: SELECT FETCH STORE EXPUNGE APPEND CREATE COPY MOVE LIST STATUS RENAME DELETE NOOP, checked on disk"
	else
		bad "imaplib $way: ops"; show "$tmp/py.out" "$tmp/c/imapd-$u.log"
	fi
done
st=4
want python && { pyc pyt tcp idle "$(md pyt)" "$BIN/maildir" >"$tmp/py.out" 2>&1; st=$?; }
case $st in
0) ok "imaplib: IDLE reports a delivery ($(grep '^idle:' "$tmp/py.out"))" ;;
3) cat "$tmp/py.out" ;;
4) ;;
*) bad "imaplib: IDLE"; show "$tmp/py.out" ;;
esac

# --- curl ---
cu() { $T $TMO curl -sS --max-time $TMO -u "cu:$pw" "$@"; }
if ! want curl; then :; elif command -v curl >/dev/null 2>&1; then
	deliver cu || exit 1
	if cu "imap://127.0.0.1:$port/" >"$tmp/cu.list" 2>"$tmp/cu.err" &&
		grep -q '^\* LIST (.*) "/" "\{0,1\}INBOX"\{0,1\}' "$tmp/cu.list"; then
		ok "curl: LIST"
	else
		bad "curl: LIST"; show "$tmp/cu.list" "$tmp/cu.err"
	fi
	mkdir -p "$tmp/got-cu"
	n=1 err=0
	while [ $n -le "$nfix" ]; do
		cu "imap://127.0.0.1:$port/INBOX;UID=$n" -o "$tmp/got-cu/$n" 2>>"$tmp/cu.err" || err=$((err + 1))
		n=$((n + 1))
	done
	[ $err -eq 0 ] || { bad "curl: $err fetches failed"; show "$tmp/cu.err"; }
	compare "curl: imap://.../INBOX;UID=n" wire "$tmp/got-cu"
	# curl fetches with UID FETCH n BODY[], not BODY.PEEK[]: every message is \Seen now
	if [ "$(find "$(md cu)/cur" -name '*:2,*S*' | wc -l)" -eq "$nfix" ]; then
		ok "curl: the messages it fetched are \\Seen on disk (S)"
	else
		bad "curl: fetched messages lack S on disk"
	fi
else
	missing curl
fi

# --- mbsync (isync) ---
# mbrc WAY USER DIR: the config, the near side a Maildir in DIR/mail
mbrc() {
	{
		echo "IMAPAccount acct"
		if [ "$1" = tcp ]; then
			printf 'Host 127.0.0.1\nPort %s\nUser %s\nPass "%s"\nSSLType None\nAuthMechs LOGIN\n' \
				"$port" "$2" "$pw"
		else
			echo "Tunnel \"$(tunnel "$2")\""
		fi
		cat <<EOF

IMAPStore far
Account acct

MaildirStore near
Path $3/mail/
Inbox $3/mail/INBOX
SubFolders Verbatim

Channel ch
Far :far:
Near :near:
Patterns *
Create Both
Remove None
Expunge Both
SyncState *
EOF
	} >"$3/mbsyncrc"
}
mb() { # mb DIR RUN: one sync; status in $st
	run_as $T $TMO env HOME="$1" mbsync -c "$1/mbsyncrc" -a >"$1/mb-$2.log" 2>&1
	st=$?
	[ $st -eq 0 ] || { bad "mbsync run $2: exit $st"; show "$1/mb-$2.log"; }
}
# new_local DIR FOLDER SUBJECT: a message put into a near-side Maildir folder
new_local() {
	mkdir -p "$1/$2/cur" "$1/$2/new" "$1/$2/tmp"
	printf 'From: near <near@example.org>\nSubject: %s\n\nmade on the client\n' "$3" \
		>"$1/$2/new/1700000000.local$$.host"
	chown -R "$uid:$gid" "$1/$2" 2>/dev/null
}
# mark FILE LETTERS: a client-side flag change, as a mail reader makes it: the file
# into cur/ with the new info
mark() {
	b=$(basename "$1")
	fl=$(flags_of "$1")
	all=$(printf '%s%s' "$fl" "$2" | fold -w1 | sort -u | tr -d '\n')
	mv "$1" "$(dirname "$(dirname "$1")")/cur/${b%%:2,*}:2,$all"
}
# sync_client CLIENT WAY USER NEAR RUN: the shared part of the mbsync and offlineimap
# checks; RUN DIR N runs sync number N, NEAR is the near INBOX, LOCALDIR the root
# of the client's folders
sync_client() {
	c=$1 w=$2 u=$3 d=$4 near=$5 run=$6 mode=$7
	shift 7
	$run "$d" 1
	compare "$c $w: first sync" "$mode" "$near/new" "$@"
	# client -> server: seen, flagged, deleted, a new folder with a message
	mark "$(subject_file "$near" "fixture dots")" S
	mark "$(subject_file "$near" "fixture lf")" F
	rm -f "$(subject_file "$near" "fixture emptybody")"
	new_local "$(dirname "$near")" "Made Here" "made on the client"
	$run "$d" 2
	has_flag "$c $w: client to server" "$(md "$u")" "fixture dots" S
	has_flag "$c $w: client to server" "$(md "$u")" "fixture lf" F
	gone "$c $w: client to server" "$(md "$u")" "fixture emptybody"
	if [ "$(msgs "$(md "$u")/.Made Here")" -eq 1 ] &&
		[ -n "$(subject_file "$(md "$u")/.Made Here" "made on the client")" ]; then
		ok "$c $w: the folder made on the client is a Maildir++ folder on the server, with its message"
	else
		bad "$c $w: no .Made Here holding the client's message on the server"
		find "$(md "$u")/.Made Here" | head -20
	fi
	# server -> client: a flag, an unflag, a delivery
	server_flag "$u" "fixture dotlast" +'\Flagged'
	server_flag "$u" "fixture lf" -'\Flagged' +'\Answered'
	server_deliver "$u" "delivered on the server"
	rm -f "$(subject_file "$(md "$u")" "fixture nofinal")"
	$run "$d" 3
	gone "$c $w: server to client" "$near" "fixture nofinal"
	has_flag "$c $w: server to client" "$near" "fixture dotlast" F
	has_flag "$c $w: server to client" "$near" "fixture lf" F not
	has_flag "$c $w: server to client" "$near" "fixture lf" R
	if [ -n "$(subject_file "$near" "delivered on the server")" ]; then
		ok "$c $w: server to client: the delivery arrived"
	else
		bad "$c $w: server to client: the delivery is missing"
	fi
	# a further sync changes nothing on either side
	find "$near" "$(md "$u")" -path '*/new/*' -o -path '*/cur/*' | sort >"$d/before"
	$run "$d" 4
	find "$near" "$(md "$u")" -path '*/new/*' -o -path '*/cur/*' | sort >"$d/after"
	if [ -s "$d/before" ] && cmp -s "$d/before" "$d/after"; then ok "$c $w: a further sync changes nothing"
	else bad "$c $w: a further sync changed files"; diff "$d/before" "$d/after" | head; fi
}
if ! want mbsync; then :; elif command -v mbsync >/dev/null 2>&1; then
	for way in tcp tunnel; do
		[ $way = tcp ] && u=mbt || u=mbp
		deliver "$u" || exit 1
		d=$(cdir "mb-$way")
		mkdir "$d/mail" && chown "$uid:$gid" "$d/mail" 2>/dev/null
		mbrc $way "$u" "$d"
		# mbsync skips a message whose header has no end ("incomplete header")
		sync_client mbsync $way "$u" "$d" "$d/mail/INBOX" mb mbsync --skip headersonly
	done
else
	missing "mbsync (isync)"
fi

# --- offlineimap ---
oirc() { # oirc WAY USER DIR
	{
		cat <<EOF
[general]
accounts = acct
metadata = $3/meta
ui = basic

[Account acct]
localrepository = near
remoterepository = far

[Repository near]
type = Maildir
localfolders = $3/mail

[Repository far]
type = IMAP
maxconnections = 3
EOF
		if [ "$1" = tcp ]; then
			printf 'remotehost = 127.0.0.1\nremoteport = %s\nremoteuser = %s\nremotepass = %s\nssl = no\nstarttls = no\n' \
				"$port" "$2" "$pw"
		else
			echo "preauthtunnel = $(tunnel "$2")"
		fi
	} >"$3/offlineimaprc"
}
oi() {
	run_as $T $TMO env HOME="$1" offlineimap -c "$1/offlineimaprc" -o -u basic >"$1/oi-$2.log" 2>&1
	st=$?
	if [ $st -ne 0 ] || grep -q 'ERROR' "$1/oi-$2.log"; then
		bad "offlineimap run $2: exit $st"; show "$1/oi-$2.log"
	fi
}
if ! want offlineimap; then :; elif command -v offlineimap >/dev/null 2>&1; then
	for way in tcp tunnel; do
		[ $way = tcp ] && u=oit || u=oip
		deliver "$u" || exit 1
		# new folders, which offlineimap opens at once (maxconnections), one session each
		run_as "$BIN/maildir" create "$(md "$u")" Sent Drafts Archive Lists/One Lists/Two ||
			bad "maildir create folders"
		d=$(cdir "oi-$way")
		oirc $way "$u" "$d"
		sync_client offlineimap $way "$u" "$d" "$d/mail/INBOX" oi any
	done
else
	missing offlineimap
fi

# --- mutt ---
# muttrc WAY USER DIR
muttrc() {
	{
		if [ "$1" = tcp ]; then
			echo "set folder=\"imap://$2@127.0.0.1:$port/\""
			echo "set imap_pass=\"$pw\""
			echo "set ssl_starttls=no"
			echo "set ssl_force_tls=no"
		else
			echo "set tunnel=\"$(tunnel "$2")\""
			echo "set folder=\"imap://localhost/\""
		fi
		cat <<EOF
set spoolfile="+INBOX"
set pipe_split=yes
set pipe_decode=no
set pipe_sep=""
set wait_key=no
set confirmappend=no
set confirmcreate=no
set delete=yes
set quit=yes
set move=no
set mark_old=no
set timeout=1
set mail_check=0
set header_cache=""
set message_cachedir=""
EOF
	} >"$3/muttrc"
	# the programs messages are piped to (a caret in mutt's keys would be a control key)
	# shellcheck disable=SC2016 # the scripts' own variables
	printf '#!/bin/sh\nf=$(mktemp "$1/m.XXXXXX") && exec cat >"$f"\n' >"$3/store.sh"
	# shellcheck disable=SC2016 # the script's own variable
	printf '#!/bin/sh\nexec grep "^Subject:" >>"$1"\n' >"$3/subject.sh"
	chmod 755 "$3/store.sh" "$3/subject.sh"
}
# mu DIR RUN KEYS: mutt on a pseudo-terminal (script), typing KEYS (from a file of
# its own, so that no shell quoting is involved), which end in <quit>
mu() {
	printf 'push "%s"\n' "$3" >"$1/keys-$2"
	run_as $T 60 env HOME="$1" TERM=vt100 script -qec \
		"mutt -n -F $1/muttrc -e 'source $1/keys-$2'" /dev/null >"$1/mu-$2.log" 2>&1
	st=$?
	[ $st -eq 0 ] || { bad "mutt run $2: exit $st"; show "$1/mu-$2.log"; }
}
# mutt keys that untag every message
all='<untag-pattern>~A<enter>'
if ! want mutt; then :; elif command -v mutt >/dev/null 2>&1 && command -v script >/dev/null 2>&1; then
	for way in tcp tunnel; do
		[ $way = tcp ] && u=mut || u=mup
		deliver "$u" || exit 1
		d=$(cdir "mu-$way")
		muttrc $way "$u" "$d"
		mkdir -p "$d/got"
		chown "$uid:$gid" "$d/got" 2>/dev/null
		mu "$d" 1 "<tag-pattern>~A<enter><tag-prefix><pipe-message>$d/store.sh $d/got<enter><quit>"
		compare "mutt $way: pipe-message" any "$d/got"
		# client -> server; copy-message to a new folder makes it (TRYCREATE, CREATE).
		# No blank in that name: the space key in mutt's mailbox prompt completes.
		mu "$d" 2 "<tag-pattern>~s 'fixture dots'<enter><tag-prefix><clear-flag>N$all\
<tag-pattern>~s 'fixture lf'<enter><tag-prefix><flag-message>$all\
<tag-pattern>~s 'fixture emptybody'<enter><tag-prefix><delete-message>$all\
<tag-pattern>~s 'fixture eightbit'<enter><tag-prefix><copy-message><kill-line>=MuttMade<enter>$all\
<sync-mailbox><quit>"
		has_flag "mutt $way: client to server" "$(md "$u")" "fixture dots" S
		has_flag "mutt $way: client to server" "$(md "$u")" "fixture lf" F
		gone "mutt $way: client to server" "$(md "$u")" "fixture emptybody"
		if [ "$(msgs "$(md "$u")/.MuttMade")" -eq 1 ] &&
			[ -n "$(subject_file "$(md "$u")/.MuttMade" "fixture eightbit")" ]; then
			ok "mutt $way: copy-message to a new folder made .MuttMade on the server"
		else
			bad "mutt $way: no .MuttMade holding the copied message"
			show "$tmp/c/imapd-$u.log"
		fi
		# server -> client: what mutt's patterns find after the server's changes
		server_flag "$u" "fixture dotlast" +'\Flagged'
		server_deliver "$u" "delivered on the server"
		rm -f "$(subject_file "$(md "$u")" "fixture nofinal")"
		: >"$d/flagged"
		: >"$d/new"
		: >"$d/all"
		chown "$uid:$gid" "$d/flagged" "$d/new" "$d/all" 2>/dev/null
		mu "$d" 3 "<tag-pattern>~F<enter><tag-prefix><pipe-message>$d/subject.sh $d/flagged<enter>$all\
<tag-pattern>~N<enter><tag-prefix><pipe-message>$d/subject.sh $d/new<enter>$all\
<tag-pattern>~A<enter><tag-prefix><pipe-message>$d/subject.sh $d/all<enter>$all<quit>"
		# 12 fixtures, less emptybody (deleted by mutt) and nofinal (by the server), plus
		# the delivery
		if [ "$(wc -l <"$d/all")" -eq 11 ] && ! grep -q 'fixture nofinal$' "$d/all"; then
			ok "mutt $way: server to client: the message deleted on the server is gone"
		else
			bad "mutt $way: after a deletion on the server mutt has: $(tr '\n' '|' <"$d/all")"
		fi
		if [ "$(sort "$d/flagged" | tr '\n' '|')" = "Subject: fixture dotlast|Subject: fixture lf|" ]; then
			ok "mutt $way: server to client: ~F finds the flag set on the server and its own"
		else
			bad "mutt $way: ~F found: $(tr '\n' '|' <"$d/flagged")"
		fi
		if grep -qx 'Subject: delivered on the server' "$d/new" && ! grep -q 'fixture dots' "$d/new"; then
			ok "mutt $way: server to client: ~N finds the delivery, not the message read"
		else
			bad "mutt $way: ~N found: $(tr '\n' '|' <"$d/new")"
		fi
		# =b: mutt's body search on the server (UID SEARCH BODY)
		: >"$d/search"
		chown "$uid:$gid" "$d/search" 2>/dev/null
		mu "$d" 4 "<tag-pattern>=b throughout<enter><tag-prefix><pipe-message>$d/subject.sh $d/search<enter>$all<quit>"
		if [ "$(tr -d '\r' <"$d/search" | sort | tr '\n' '|')" = "Subject: fixture crlf|Subject: fixture lf|" ]; then
			ok "mutt $way: =b (UID SEARCH BODY) finds the two messages"
		else
			bad "mutt $way: =b found: $(tr '\n' '|' <"$d/search")"
		fi
	done
else
	missing "mutt (and script, util-linux)"
fi

interop_summary imap-clients
