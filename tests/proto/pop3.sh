#!/bin/sh
# pop3d transcripts: each pop3-*.in is piped (in one write, so every transcript is
# also a pipelining test) into $BIN/pop3d with a fresh fixture Maildir, and the output
# is compared with pop3-*.ref. Every output line must end in CRLF; the CRs are then
# removed for the comparison. An optional pop3-*.opts (sourced) sets
#   MODE=preauth|login  ARGS="options"  TLS=1  SHOWDIR=1 (append the files on disk)
# In login mode pop3d runs fixtures/pop3-checkpw.sh as its checkpassword program.
# The APOP timestamp is pinned with POP3D_TEST_TIMESTAMP (honoured only by the test
# build, -DMAILD_TEST_HOOKS, that make check makes).
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/fixtures/pop3-lib.sh"
# shellcheck source=SCRIPTDIR/fixtures/transcript-lib.sh
. "$here/fixtures/transcript-lib.sh"

transcript_defaults() { MODE=preauth ARGS="" TLS=0 SHOWDIR=0; }
transcript_listing() { pop3_listing "$1"; }
# transcript_session IN T: pop3d fed IN, in preauth or login MODE
transcript_session() {
	pop3_fixture "$2"
	if [ "$TLS" = 1 ]; then export MAILD_TLS=1; else unset MAILD_TLS; fi
	if [ "$MODE" = login ]; then
		# shellcheck disable=SC2086
		POP3_TEST_HOME=$2 POP3D_TEST_TIMESTAMP='<1.2@test>' \
			"$BIN/pop3d" $ARGS "$here/fixtures/pop3-checkpw.sh" \
			<"$1" >"$2/out" 2>"$2/err"
	else
		# shellcheck disable=SC2086
		HOME=$2 USER=alice as_user "$BIN/pop3d" --preauth $ARGS \
			<"$1" >"$2/out" 2>"$2/err"
	fi
}
# POP3_UPDATE_REF=1 rewrites the .ref files (review the diff before committing).
transcript_run pop3 "${POP3_UPDATE_REF:-0}"
