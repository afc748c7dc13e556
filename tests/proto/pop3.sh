#!/bin/sh
# pop3d transcripts: each pop3-*.in is piped (in one write, so every transcript is
# also a pipelining test) into $BIN/pop3d with a fresh fixture Maildir, and the output
# is compared with pop3-*.ref. Every output line must end in CRLF; the CRs are then
# removed for the comparison. An optional pop3-*.opts (sourced) sets
#   MODE=preauth|login  ARGS="options"  TLS=1  SHOWDIR=1 (append the files on disk)
# In login mode pop3d runs fixtures/pop3-checkpw.sh as its checkpassword program.
# The APOP timestamp is pinned with POP3D_TEST_TIMESTAMP (honoured only when fd 0 is
# not a socket).
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/fixtures/pop3-lib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pop3-proto.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
pass=0 fail=0
for in in "$here"/pop3-*.in; do
	name=$(basename "$in" .in)
	ref="$here/$name.ref"
	MODE=preauth ARGS="" TLS=0 SHOWDIR=0
	[ -f "$here/$name.opts" ] && . "$here/$name.opts"
	t="$tmp/$name"
	mkdir -p "$t"
	pop3_fixture "$t"
	if [ "$TLS" = 1 ]; then export MAILD_TLS=1; else unset MAILD_TLS; fi
	if [ "$MODE" = login ]; then
		# shellcheck disable=SC2086
		POP3_TEST_HOME=$t POP3D_TEST_TIMESTAMP='<1.2@test>' \
			"$BIN/pop3d" $ARGS "$here/fixtures/pop3-checkpw.sh" \
			<"$in" >"$t/out" 2>"$t/err"
	else
		# shellcheck disable=SC2086
		HOME=$t USER=alice as_user "$BIN/pop3d" --preauth $ARGS \
			<"$in" >"$t/out" 2>"$t/err"
	fi
	rc=$?
	ok=1
	if awk '!/\r$/ { bad = 1 } END { exit bad }' "$t/out"; then :; else
		echo "  $name: a line does not end in CRLF"; ok=0
	fi
	{
		tr -d '\r' <"$t/out"
		echo "--- exit $rc"
		if [ "$SHOWDIR" = 1 ]; then pop3_listing "$t"; fi
	} >"$t/got"
	# POP3_UPDATE_REF=1 rewrites the .ref files (review the diff before committing).
	if [ "${POP3_UPDATE_REF:-0}" = 1 ]; then cp "$t/got" "$ref"; fi
	if ! diff -u "$ref" "$t/got" >"$t/diff" 2>&1; then ok=0; fi
	if [ $ok = 1 ]; then
		pass=$((pass + 1)); echo "pass $name"
	else
		fail=$((fail + 1)); echo "FAIL $name"; cat "$t/diff"; sed 's/^/  stderr: /' "$t/err"
	fi
done
echo "pop3 transcripts: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
