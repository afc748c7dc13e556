#!/bin/sh
# smtpd transcripts: each smtp-*.in is turned into the client's bytes and piped (in one
# write, so every transcript is also a pipelining test) into $BIN/smtpd with a fresh
# fixture (fixtures/smtp-lib.sh); the output is compared with smtp-*.ref.
#
# .in format: every line is sent with CRLF appended, after printf %b escapes: \n is a
# bare LF, \r a bare CR, \0 a NUL, \\ a backslash, and a line ending in \c gets no CRLF.
# Every reply line must end in CRLF; the CRs are removed for the comparison.
# An optional smtp-*.opts (sourced) sets
#   ARGS="options"  CHECKPW=1 (AUTH via fixtures/smtp-checkpw.sh)  TLS=1
#   PEER=address (TCPREMOTEIP)  SHOWDIR=1 (append what was stored)
#   FIXTURE_EDIT="shell commands" (run on the fresh fixture, in $t)
# smtpd always gets --hostname mx.test --users, --aliases and --domain example.org;
# the Received: date is pinned with SMTPD_TEST_DATE (honoured only by the test build,
# -DMAILD_TEST_HOOKS, that make check makes).
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/fixtures/smtp-lib.sh"
# shellcheck source=SCRIPTDIR/fixtures/transcript-lib.sh
. "$here/fixtures/transcript-lib.sh"

transcript_defaults() { ARGS="" CHECKPW=0 TLS=0 PEER="" SHOWDIR=0 FIXTURE_EDIT=""; }
transcript_listing() { smtp_listing "$1"; }
# transcript_session IN T: smtpd fed the client's bytes made from IN
transcript_session() {
	in=$1 t=$2
	smtp_fixture "$t"
	if [ -n "$FIXTURE_EDIT" ]; then (cd "$t" && eval "$FIXTURE_EDIT") || return 1; fi
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%b\r\n' "$line"
	done <"$in" >"$t/input"
	if [ "$TLS" = 1 ]; then export MAILD_TLS=1; else unset MAILD_TLS; fi
	if [ -n "$PEER" ]; then export TCPREMOTEIP="$PEER"; else unset TCPREMOTEIP; fi
	unset REMOTE_ADDR SSL_PROTOCOL
	set --
	if [ "$CHECKPW" = 1 ]; then set -- "$here/fixtures/smtp-checkpw.sh"; fi
	# shellcheck disable=SC2086
	SMTP_RELAY_LOG="$t/relay.log" SMTPD_TEST_DATE='Mon, 01 Jan 2024 12:00:00 +0000' \
		"$BIN/smtpd" --hostname mx.test --users "$t/users" --aliases "$t/aliases" \
		--domain example.org $ARGS "$@" <"$t/input" >"$t/out" 2>"$t/err"
}
# SMTP_UPDATE_REF=1 rewrites the .ref files (review the diff before committing).
transcript_run smtp "${SMTP_UPDATE_REF:-0}"
