#!/bin/sh
# Dovecot and our imapd (the core's held view) in one folder at once, taking turns to
# deliver, flag and expunge; both must always agree (dovecot_alternate.py).
set -u
: "${BIN:?BIN must name the directory holding the programs}"
here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
# shellcheck source=SCRIPTDIR/lib.sh.inc
. "$here/lib.sh.inc"
interop_tmpdir alternate
if ! "$PYTHON" "$here/dovecot_imap.py" --probe; then
	echo "SKIP: dovecot not installed (no dovecot imap binary)"
	exit 77
fi
"$PYTHON" "$here/dovecot_alternate.py" "$BIN" "$tmp/w"
