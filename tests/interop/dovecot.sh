#!/bin/sh
# shellcheck disable=SC2016 # IMAP keywords such as $Label1 are literal on purpose
# Dovecot interop: Dovecot and this project's Maildir library must agree on the same
# Maildir, both ways:
#  (a) a Maildir built with `maildir create/deliver/flag` is read by Dovecot, which must
#      report the same UIDVALIDITY, UIDNEXT, UIDs, system flags and keywords as
#      `maildir uids`, and must not rename the files (beyond new/ -> cur/ and the info);
#  (b) a Maildir written by Dovecot (APPEND with flags and keywords, STORE, EXPUNGE,
#      CREATE) is read by `maildir uids` with Dovecot's UIDs, flags and keywords, and a
#      later `maildir deliver` gets the UID Dovecot announced as UIDNEXT.
# Prints PASS/FAIL lines and "dovecot: N passed, N failed"; exit 1 on failure, 77 when Dovecot is
# not installed.
#
# Running Dovecot this way (Dovecot 2.3, checked with 2.3.19.1 on Debian 12):
# - The per-protocol binary (/usr/lib/dovecot/imap on Debian, /usr/libexec/dovecot/imap
#   on Fedora) run directly, not through the dovecot master, is a standalone session on
#   stdin/stdout. With USER and HOME in the environment it skips login and greets with
#   "* PREAUTH [CAPABILITY ...] Logged in as USER". No auth process, no userdb.
# - `imap -c CONF` reads only CONF, so /etc/dovecot is never read or touched. The private
#   CONF (see write_config in dovecot_imap.py) needs: mail_location = maildir:/ABS/PATH
#   (created on first use), base_dir and state_dir in the temp dir (otherwise
#   /run/dovecot and /var/lib/dovecot), log_path = /dev/stderr, ssl = no,
#   protocols = imap, and first_valid_uid/first_valid_gid at or below the session's ids
#   (the defaults 500/1 reject system accounts and gid 0). A namespace with
#   "separator = /" makes folder names match this project's ("Archive/2024" is
#   .Archive.2024 on disk either way; names go over IMAP in modified UTF-7).
# - As root the imap binary refuses: without mail_uid "User is missing UID (see mail_uid
#   setting)", with mail_uid = 0 "Mail access not allowed for root" (only doveadm and
#   the LDA may keep root). So as root the helper sets mail_uid/mail_gid to nobody and
#   chowns the work dir and the Maildir to nobody before each session; this tool, run
#   as root, works as the owner of the Maildir (made by nobody too: $tmp/a is nobody's). Every directory above them must be
#   searchable by nobody (a TMPDIR under /root is not). As a normal user nothing
#   changes hands and Dovecot runs as that user.
# - Dovecot keeps its index files (dovecot.index*, dovecot.list.index.log) and
#   dovecot-uidvalidity* in the Maildir root: the library must ignore them. Its
#   UIDNEXT lives in its index; dovecot-uidlist is written lazily: the header's N may
#   lag behind the records (e.g. "N3" with records 1-3), and records of expunged
#   messages stay until the next rewrite. A reader must take max(N, highest record
#   + 1) over all records, including those whose file is gone, or it reuses a UID.
# - Dovecot moves new/ to cur/ at SELECT and adds ":2,"; it does not otherwise rename
#   messages. CLOSE expunges \Deleted messages, so the helper re-SELECTs instead.
#   info_log_path = /dev/null does not silence the "Disconnected" line of a standalone
#   session: it still goes to stderr, shown with the other errors when a session fails.
# - DOVECOT_IMAP=/path/to/imap overrides where the binary is looked for.
set -u
: "${BIN:?BIN must name the directory holding the maildir tool}"
here=$(cd "$(dirname "$0")" && pwd)
helper="$here/dovecot_imap.py"
PYTHON=${PYTHON:-python3}
# shellcheck source=SCRIPTDIR/lib.sh.inc
. "$here/lib.sh.inc"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
	echo "########################################################"
	echo "SKIP: python3 not installed (needed to drive Dovecot)"
	echo "########################################################"
	exit 77
fi
# As root, Dovecot's session runs as nobody (see above) and must reach the Maildirs.
interop_tmpdir dovecot
if ! "$PYTHON" "$helper" --probe; then
	echo "########################################################"
	echo "SKIP: dovecot not installed (no dovecot imap binary)"
	echo "########################################################"
	exit 77
fi

log="$tmp/log"

# same NAME EXPECTED ACTUAL: the two files must be identical, and both must start with the "# uidvalidity" line: two empty outputs are no agreement.
same() {
	if head -1 "$2" | grep -q '^# uidvalidity [0-9]' &&
		head -1 "$3" | grep -q '^# uidvalidity [0-9]' && cmp -s "$2" "$3"; then
		ok "$1"
	else
		bad "$1"
		diff -u "$2" "$3" | sed -n '3,40p' | sed 's/^/    /'
	fi
}

# same_lines NAME EXPECTED ACTUAL: identical and not empty.
same_lines() {
	if [ -s "$2" ] && cmp -s "$2" "$3"; then
		ok "$1"
	else
		bad "$1"
		diff -u "$2" "$3" | sed -n '3,40p' | sed 's/^/    /'
	fi
}

# tool ARGS...: run the project's tool; stderr to the log, failure is reported.
tool() {
	"$BIN/maildir" "$@" 2>"$tmp/err"
	st=$?
	cat "$tmp/err" >>"$log"
	if [ "$st" -ne 0 ]; then
		echo "    maildir $* failed (exit $st)" >&2
		tail -5 "$tmp/err" | sed 's/^/    /' >&2
		return 1
	fi
}

# dv MAILDIR < commands: one Dovecot session (commands as in dovecot_imap.py).
dv() {
	"$PYTHON" "$helper" --maildir "$1" --work "$1.dovecot" 2>"$tmp/err"
	st=$?
	cat "$tmp/err" >>"$log"
	if [ "$st" -ne 0 ]; then
		echo "    dovecot session failed (exit $st)" >&2
		grep -v 'Info: Disconnected' "$tmp/err" | tail -5 | sed 's/^/    /' >&2
		return 1
	fi
}

# ours MAILDIR [FOLDER] > file: `maildir uids` in the form Dovecot's fetch prints.
ours() {
	tool uids "$@" >"$tmp/uids.raw" || return 1
	"$PYTHON" "$helper" --normalize <"$tmp/uids.raw"
}

# names MAILDIR [FOLDER]: the unique part of every file name (before ":2,"), sorted.
names() {
	tool uids "$@" | grep -v '^#' | cut -f4 | sed 's,.*/,,; s/:2,.*//' | sort
}

# msg N: a small message with a unique Message-ID.
msg() {
	printf 'From: Sender %s <sender%s@example.org>\n' "$1" "$1"
	printf 'To: user@example.org\n'
	printf 'Subject: interop message %s\n' "$1"
	printf 'Date: Mon, 1 Jan 2024 10:%02d:00 +0000\n' "$(( $1 % 60 ))"
	printf 'Message-ID: <interop-%s@example.org>\n' "$1"
	printf '\nBody of message %s.\n' "$1"
	ml=0
	while [ "$ml" -lt "$1" ]; do
		printf 'line %s of message %s\n' "$ml" "$1"
		ml=$((ml + 1))
	done
}

# field FILE 1|2: UIDVALIDITY (1) or UIDNEXT (2) from FILE's "# uidvalidity V nextuid N".
field() { sed -n '1s/^# uidvalidity \([0-9]*\) nextuid \([0-9]*\)$/\1 \2/p' "$1" | cut -d' ' -f"$2"; }

if [ ! -x "$BIN/maildir" ]; then
	bad "the maildir tool is not built ($BIN/maildir)"
	echo "$pass passed, $fail failed"
	exit 1
fi

# ---------------------------------------------------------------------------------
# (a) Written by this project, read by Dovecot.
# ---------------------------------------------------------------------------------
A="$tmp/a/Maildir"
mkdir -p "$tmp/a"
# As root the tool makes a Maildir as the owner of the directory it is made in.
[ "$(id -u)" -eq 0 ] && chown "$(id -u nobody):$(id -g nobody)" "$tmp/a"
if tool create "$A" Archive "Entwürfe/2024"; then ok "a: maildir create"; else bad "a: maildir create"; fi

n=0
i=1
while [ "$i" -le 20 ]; do
	msg "$i" | tool deliver "$A" && n=$((n + 1))
	i=$((i + 1))
done
[ "$n" -eq 20 ] && ok "a: delivered 20 messages" || bad "a: delivered $n of 20 messages"
n=0
for i in 101 102 103; do msg "$i" | tool deliver "$A" Archive && n=$((n + 1)); done
msg 201 | tool deliver "$A" "Entwürfe/2024" && n=$((n + 1))
[ "$n" -eq 4 ] && ok "a: delivered into folders" || bad "a: delivered $n of 4 into folders"

# Flags and keywords on INBOX: every system flag, five keywords, removals.
nf=0
flag() { tool flag "$@" && nf=$((nf + 1)); }
flag "$A" 1 '+\Seen'
flag "$A" 2 '+\Seen' '+\Flagged'
flag "$A" 3 '+\Answered' '+$Label1'
flag "$A" 4 '+\Draft'
flag "$A" 5 '+\Deleted' '+\Seen'
flag "$A" 6 '+Junk' '+$Label1' '+\Seen'
flag "$A" 7 '+$Forwarded' '+Work'
flag "$A" 8 '+Project-X' '+Junk' '+$Label1' '+$Forwarded' '+Work'
flag "$A" 9 '+\Seen' '+\Answered' '+\Flagged' '+\Draft'
flag "$A" 10 '+Work'
flag "$A" 10 '-Work' '+Junk'
flag "$A" 2 '-\Seen'
flag "$A" 12 '+\Seen' '+NonJunk'
flag "$A" 20 '+\Flagged' '+$Label1'
flag "$A" --folder Archive 2 '+\Seen' '+Work'
flag "$A" --folder Archive 3 '+\Flagged'
[ "$nf" -eq 16 ] && ok "a: maildir flag (16 changes)" || bad "a: maildir flag: $nf of 16 changes"

ours "$A" >"$tmp/a-ours" || bad "a: maildir uids"
names "$A" >"$tmp/a-names"
if [ "$(grep -vc '^#' "$tmp/a-ours")" -eq 20 ] &&
	[ "$(grep -v '^#' "$tmp/a-ours" | cut -f1 | tr '\n' ' ')" = \
	"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 " ]; then
	ok "a: maildir uids lists UIDs 1..20"
else
	bad "a: maildir uids lists UIDs 1..20"; sed 's/^/    /' "$tmp/a-ours"
fi
echo "fetch INBOX" | dv "$A" >"$tmp/a-dv"
same "a: Dovecot reads our INBOX: same uidvalidity, uidnext, uids, flags, keywords" \
	"$tmp/a-ours" "$tmp/a-dv"
ours "$A" Archive >"$tmp/a-ours-arch"
echo "fetch Archive" | dv "$A" >"$tmp/a-dv-arch"
same "a: Dovecot reads our folder Archive" "$tmp/a-ours-arch" "$tmp/a-dv-arch"
ours "$A" "Entwürfe/2024" >"$tmp/a-ours-utf"
echo "fetch Entwürfe/2024" | dv "$A" >"$tmp/a-dv-utf"
same "a: Dovecot reads our folder Entwürfe/2024 (modified UTF-7 on disk)" \
	"$tmp/a-ours-utf" "$tmp/a-dv-utf"
echo list | dv "$A" >"$tmp/a-list"
if grep -qx Archive "$tmp/a-list" && grep -qx "Entwürfe/2024" "$tmp/a-list" &&
	grep -qx INBOX "$tmp/a-list"; then
	ok "a: Dovecot lists INBOX, Archive, Entwürfe/2024"
else
	bad "a: Dovecot lists INBOX, Archive, Entwürfe/2024"; sed 's/^/    /' "$tmp/a-list"
fi

# Dovecot has now synced the Maildir (new/ -> cur/, its index, its uidlist writes).
names "$A" >"$tmp/a-names2"
same_lines "a: Dovecot kept every file name (only new/ -> cur/ and the info part)" \
	"$tmp/a-names" "$tmp/a-names2"
ours "$A" >"$tmp/a-ours2"
same "a: maildir uids unchanged after Dovecot's sessions" "$tmp/a-ours" "$tmp/a-ours2"

# Two deliveries seen first by Dovecot: it assigns UIDs 21, 22; we must agree.
msg 21 | tool deliver "$A"
msg 22 | tool deliver "$A"
echo "fetch INBOX" | dv "$A" >"$tmp/a-dv3"
if [ "$(field "$tmp/a-dv3" 2)" = 23 ] &&
	[ "$(grep -v '^#' "$tmp/a-dv3" | cut -f1 | tail -2 | tr '\n' ' ')" = "21 22 " ]; then
	ok "a: Dovecot gives our two new deliveries UIDs 21, 22 (UIDNEXT 23)"
else
	bad "a: Dovecot gives our two new deliveries UIDs 21, 22 (UIDNEXT 23)"
	sed 's/^/    /' "$tmp/a-dv3" | tail -4
fi
ours "$A" >"$tmp/a-ours3"
same "a: maildir uids agrees with the UIDs Dovecot assigned" "$tmp/a-dv3" "$tmp/a-ours3"

# Two deliveries seen first by us: we assign 23, 24; Dovecot must agree.
msg 23 | tool deliver "$A"
msg 24 | tool deliver "$A"
ours "$A" >"$tmp/a-ours4"
if [ "$(field "$tmp/a-ours4" 2)" = 25 ] &&
	[ "$(grep -v '^#' "$tmp/a-ours4" | cut -f1 | tail -2 | tr '\n' ' ')" = "23 24 " ]; then
	ok "a: maildir uids gives two new deliveries UIDs 23, 24 (nextuid 25)"
else
	bad "a: maildir uids gives two new deliveries UIDs 23, 24 (nextuid 25)"
	sed 's/^/    /' "$tmp/a-ours4" | tail -4
fi
echo "fetch INBOX" | dv "$A" >"$tmp/a-dv4"
same "a: Dovecot agrees with the UIDs we assigned" "$tmp/a-ours4" "$tmp/a-dv4"

# Our flag changes after Dovecot wrote dovecot-keywords itself: a new keyword, old ones.
nf=0
flag "$A" 21 '+\Seen' '+Later'
flag "$A" 8 '-Junk' '-\Seen'
flag "$A" 24 '+$Label1' '+\Answered'
[ "$nf" -eq 3 ] && ok "a: maildir flag after Dovecot's sessions" ||
	bad "a: maildir flag after Dovecot's sessions: $nf of 3"
ours "$A" >"$tmp/a-ours5"
echo "fetch INBOX" | dv "$A" >"$tmp/a-dv5"
same "a: Dovecot sees our later flag changes and new keyword" "$tmp/a-ours5" "$tmp/a-dv5"

# ---------------------------------------------------------------------------------
# (b) Written by Dovecot, read by this project.
# ---------------------------------------------------------------------------------
B="$tmp/b/Maildir"
mkdir -p "$tmp/b"
i=1
while [ "$i" -le 17 ]; do msg "$((300 + i))" >"$tmp/m$i"; i=$((i + 1)); done
dv "$B" >"$tmp/b-append" <<EOF
append INBOX $tmp/m1
append INBOX $tmp/m2 \\Seen
append INBOX $tmp/m3 \\Seen \\Flagged
append INBOX $tmp/m4 \$Label1
append INBOX $tmp/m5 \\Answered \$Label1 Junk
append INBOX $tmp/m6
append INBOX $tmp/m7 \\Draft
append INBOX $tmp/m8 \$Forwarded Work Project-X
append INBOX $tmp/m9 \\Seen
append INBOX $tmp/m10
append INBOX $tmp/m11 \\Flagged NonJunk
append INBOX $tmp/m12
append INBOX $tmp/m13 \\Seen Work
append INBOX $tmp/m14
append INBOX $tmp/m15 \\Seen
store INBOX 1 +\\Seen +Junk
store INBOX 3 -\\Flagged +\\Answered
store INBOX 4 -\$Label1 +Work
store INBOX 10 +\\Deleted
store INBOX 12 +\$Forwarded +\$Label1
expunge INBOX 6 9 15
create Sent
create Entwürfe
append Sent $tmp/m16 \\Seen
append Entwürfe $tmp/m17 \\Draft \$Label1
EOF
if [ "$(grep -c '^appended' "$tmp/b-append")" -eq 17 ]; then
	ok "b: Dovecot appended 17 messages, stored flags, expunged 3, created 2 folders"
else
	bad "b: Dovecot session that writes the Maildir"; sed 's/^/    /' "$tmp/b-append"
fi
for f in INBOX Sent Entwürfe; do
	echo "fetch $f" | dv "$B" >"$tmp/b-dv"
	if [ "$f" = INBOX ]; then ours "$B" >"$tmp/b-ours"; else ours "$B" "$f" >"$tmp/b-ours"; fi
	same "b: maildir uids reads Dovecot's $f: same uidvalidity, nextuid, uids, flags, keywords" \
		"$tmp/b-dv" "$tmp/b-ours"
	cp "$tmp/b-dv" "$tmp/b-dv-$f"
done
if [ "$(field "$tmp/b-dv-INBOX" 2)" = 16 ] &&
	[ "$(grep -v '^#' "$tmp/b-dv-INBOX" | cut -f1 | tr '\n' ' ')" = \
	"1 2 3 4 5 7 8 10 11 12 13 14 " ]; then
	ok "b: Dovecot's INBOX has UIDs 1-5 7 8 10-14, UIDNEXT 16 (last UID expunged)"
else
	bad "b: Dovecot's INBOX UIDs"; sed 's/^/    /' "$tmp/b-dv-INBOX"
fi
tool list "$B" >"$tmp/b-list"
if grep -q Sent "$tmp/b-list" && grep -q "Entwürfe" "$tmp/b-list"; then
	ok "b: maildir list shows Dovecot's folders Sent and Entwürfe"
else
	bad "b: maildir list shows Dovecot's folders Sent and Entwürfe"; sed 's/^/    /' "$tmp/b-list"
fi

# Our delivery after Dovecot's: the UID Dovecot announced as UIDNEXT, in INBOX and Sent.
next=$(field "$tmp/b-dv-INBOX" 2)
msg 401 | tool deliver "$B"
echo "fetch INBOX" | dv "$B" >"$tmp/b-dv2"
last=$(grep -v '^#' "$tmp/b-dv2" | tail -1 | cut -f1)
if [ "$last" = "$next" ] && [ "$(field "$tmp/b-dv2" 2)" = "$((next + 1))" ]; then
	ok "b: Dovecot sees our delivery with UID $next (its UIDNEXT)"
else
	bad "b: Dovecot sees our delivery with UID $next (its UIDNEXT), got ${last:-none}"
fi
ours "$B" >"$tmp/b-ours2"
same "b: maildir uids agrees after our delivery" "$tmp/b-dv2" "$tmp/b-ours2"

next=$(field "$tmp/b-dv-Sent" 2)
msg 402 | tool deliver "$B" Sent
ours "$B" Sent >"$tmp/b-ours3"
last=$(grep -v '^#' "$tmp/b-ours3" | tail -1 | cut -f1)
[ "$last" = "$next" ] && ok "b: our delivery into Sent gets Dovecot's UIDNEXT $next" ||
	bad "b: our delivery into Sent gets Dovecot's UIDNEXT $next, got ${last:-none}"
echo "fetch Sent" | dv "$B" >"$tmp/b-dv3"
same "b: Dovecot agrees on Sent after our delivery" "$tmp/b-ours3" "$tmp/b-dv3"

# Our flag changes on Dovecot's messages, with Dovecot's keyword letters.
nf=0
flag "$B" 2 '-\Seen' '+Work'
flag "$B" 5 '-Junk' '+\Flagged'
flag "$B" 8 '-$Forwarded' '-Work' '-Project-X'
flag "$B" 11 '+Brand-New'
[ "$nf" -eq 4 ] && ok "b: maildir flag on Dovecot's messages" ||
	bad "b: maildir flag on Dovecot's messages: $nf of 4"
ours "$B" >"$tmp/b-ours4"
echo "fetch INBOX" | dv "$B" >"$tmp/b-dv4"
same "b: Dovecot sees our flag changes on its messages" "$tmp/b-ours4" "$tmp/b-dv4"

# ---------------------------------------------------------------------------------
# (c) COPY and MOVE by this project, read by Dovecot with the same UIDs.
# ---------------------------------------------------------------------------------
echo "fetch Sent" | dv "$B" >"$tmp/c-dv-before"
next=$(field "$tmp/c-dv-before" 2)
tool copy "$B" 2 5 8 Sent >"$tmp/c-copy"
if [ "$(cut -d' ' -f2 "$tmp/c-copy" | tr '\n' ' ')" = "$next $((next + 1)) $((next + 2)) " ]; then
	ok "c: maildir copy gives Sent's next UIDs ($next..$((next + 2))), in order"
else
	bad "c: maildir copy gives Sent's next UIDs from $next"; sed 's/^/    /' "$tmp/c-copy"
fi
ours "$B" Sent >"$tmp/c-ours"
echo "fetch Sent" | dv "$B" >"$tmp/c-dv"
same "c: Dovecot reads our copies in Sent: same UIDs, flags, keywords by name" \
	"$tmp/c-ours" "$tmp/c-dv"
tool create "$B" Moved
echo "fetch Moved" | dv "$B" >"$tmp/c-dv-moved0"
tool move "$B" 11 2 Moved >"$tmp/c-move"
if [ "$(cut -d' ' -f2 "$tmp/c-move" | tr '\n' ' ')" = "1 2 " ]; then
	ok "c: maildir move gives UIDs 1 2 in a new folder"
else
	bad "c: maildir move gives UIDs 1 2 in a new folder"; sed 's/^/    /' "$tmp/c-move"
fi
ours "$B" Moved >"$tmp/c-ours-moved"
echo "fetch Moved" | dv "$B" >"$tmp/c-dv-moved"
same "c: Dovecot reads the moved messages with our UIDs" "$tmp/c-ours-moved" "$tmp/c-dv-moved"
ours "$B" >"$tmp/c-ours-inbox"
echo "fetch INBOX" | dv "$B" >"$tmp/c-dv-inbox"
same "c: after the move both agree on INBOX" "$tmp/c-ours-inbox" "$tmp/c-dv-inbox"
if grep -v '^#' "$tmp/c-dv-inbox" | cut -f1 | grep -qx -e 2 -e 11; then
	bad "c: moved UIDs 2 and 11 are gone from INBOX"
else
	ok "c: moved UIDs 2 and 11 are gone from INBOX"
fi

# ---------------------------------------------------------------------------------
# (d) imapd's COPY and APPEND with flags and keywords: the files wait in new/ with
#     their flags in the name (new/<base>:2,<flags>, so that they are \Recent to the
#     next session, RFC 3501 6.4.7). Dovecot must read those flags with our UIDs, and
#     move the files to cur/ under the same names.
# ---------------------------------------------------------------------------------
# imapd MAILDIR-PARENT < commands: an imapd --preauth session as the Maildir's owner.
imapd() {
	if [ "$(id -u)" = 0 ]; then
		HOME=$1 USER=u setpriv --reuid "$(stat -c %u "$1/Maildir")" \
			--regid "$(stat -c %g "$1/Maildir")" --clear-groups \
			"$BIN/imapd" --preauth 2>>"$log" | tr -d '\r'
	else
		HOME=$1 USER=u "$BIN/imapd" --preauth 2>>"$log" | tr -d '\r'
	fi
}
F="$B/.Fresh"
body='Subject: appended with flags'
printf '%s\r\n' 'a CREATE Fresh' 'b SELECT INBOX' 'c COPY 1:* Fresh' \
	"d APPEND Fresh (\\Seen \\Flagged Work) {${#body}+}" "$body" 'e LOGOUT' |
	imapd "$tmp/b" >"$tmp/d-imapd"
if grep -q '^c OK \[COPYUID' "$tmp/d-imapd" && grep -q '^d OK \[APPENDUID' "$tmp/d-imapd"; then
	ok "d: imapd copied INBOX to Fresh and appended to it"
else
	bad "d: imapd copied INBOX to Fresh and appended to it"; show "$tmp/d-imapd"
fi
ls "$F/new" | grep ':2,.' | sort >"$tmp/d-new"
if [ "$(wc -l <"$tmp/d-new")" -ge 5 ] && [ -z "$(ls "$F/cur")" ]; then
	ok "d: the copies with flags wait in new/ with their info ($(wc -l <"$tmp/d-new"))"
else
	bad "d: the copies with flags wait in new/ with their info"; ls -l "$F/new" "$F/cur" | show /dev/stdin
fi
ours "$B" Fresh >"$tmp/d-ours"
echo "fetch Fresh" | dv "$B" >"$tmp/d-dv"
same "d: Dovecot reads their flags and keywords with our UIDs" "$tmp/d-ours" "$tmp/d-dv"
ls "$F/cur" | sort >"$tmp/d-cur"
if [ -z "$(ls "$F/new")" ] && [ -z "$(comm -23 "$tmp/d-new" "$tmp/d-cur")" ]; then
	ok "d: Dovecot moved them to cur/ under the same names"
else
	bad "d: Dovecot moved them to cur/ under the same names"; show "$tmp/d-new" "$tmp/d-cur"
fi
ours "$B" Fresh >"$tmp/d-ours2"
same "d: after Dovecot's move both still agree" "$tmp/d-ours2" "$tmp/d-dv"

interop_summary dovecot
