#!/bin/sh
# imapd transcripts: each imap-*.in is piped (in one write, so every transcript is
# also a pipelining test) into $BIN/imapd with a fresh fixture Maildir (pop3d's five
# messages, file times pinned for INTERNALDATE), and the output compared with
# imap-*.ref. An optional imap-*.opts (sourced) sets
#   MODE=preauth|login  ARGS="options"  TLS=1  SHOWDIR=1 (append the files on disk)
#   IDLE_MS=n (IMAPD_TEST_IDLE_MS, the test-only autologout timer)
#   SETUP="shell commands" (run in the fixture's Maildir before the session)
# In login mode imapd runs fixtures/pop3-checkpw.sh (alice/secret) as its checker.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/fixtures/pop3-lib.sh"
# shellcheck source=SCRIPTDIR/fixtures/transcript-lib.sh
. "$here/fixtures/transcript-lib.sh"

transcript_defaults() { MODE=preauth ARGS="" TLS=0 SHOWDIR=0 IDLE_MS="" SETUP=""; }
transcript_listing() {
	(cd "$1/Maildir" && find . -path ./tmp -prune -o -type f -print | grep -v -e dovecot -e maildirfolder -e '/tmp/' | sed -e 's/P[0-9]*Q[0-9]*\.[^,:]*/P_Q_.host/' -e '/\/1700000/!s/[0-9]*\.M[0-9]*P_Q_\.host/NEW.host/' | sort | sed 's/^/  /')
}
# imap_fixture DIR: pop3d's fixture, file times pinned, and folders Trash and Drafts
# with fixed UIDVALIDITYs (new folders take the clock's).
imap_fixture() {
	pop3_fixture "$1"
	for f in Trash Drafts; do
		mkdir -p "$1/Maildir/.$f/cur" "$1/Maildir/.$f/new" "$1/Maildir/.$f/tmp"
		: >"$1/Maildir/.$f/maildirfolder"
		echo "3 V17000001$(printf %s "$f" | wc -c) N1 G00112233445566778899aabbccddeeff" \
			>"$1/Maildir/.$f/dovecot-uidlist"
	done
	[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$1/Maildir"
	for f in "$1"/Maildir/new/* "$1"/Maildir/cur/*; do
		n=$(basename "$f" | cut -c1-10)
		touch -d "@$n" "$f"
	done
}
transcript_session() {
	imap_fixture "$2"
	if [ -n "$SETUP" ]; then
		(cd "$2/Maildir" && eval "$SETUP")
		[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$2/Maildir"
	fi
	if [ "$TLS" = 1 ]; then export MAILD_TLS=1; else unset MAILD_TLS; fi
	if [ -n "$IDLE_MS" ]; then export IMAPD_TEST_IDLE_MS=$IDLE_MS; else unset IMAPD_TEST_IDLE_MS; fi
	if [ "$MODE" = login ]; then
		# shellcheck disable=SC2086
		POP3_TEST_HOME=$2 "$BIN/imapd" $ARGS "$here/fixtures/pop3-checkpw.sh" \
			<"$1" >"$2/out" 2>"$2/err"
	else
		[ "$(id -u)" = 0 ] && chown 65534:65534 "$2"
		# shellcheck disable=SC2086
		HOME=$2 USER=alice as_user "$BIN/imapd" --preauth $ARGS \
			<"$1" >"$2/out" 2>"$2/err"
	fi
}
# IMAP_UPDATE_REF=1 rewrites the .ref files (review the diff before committing).
transcript_run imap "${IMAP_UPDATE_REF:-0}"
