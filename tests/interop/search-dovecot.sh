#!/bin/sh
# Differential test of imapd's SEARCH (RFC 3501 6.4.4, RFC 4731 ESEARCH) against
# Dovecot 2.3: the same programs on the same Maildir (mime-fixtures/ plus generated
# messages with encoded words, base64/QP bodies, ISO-8859-1 and UTF-8 text) must give
# the same answers; dovecot_search.py has the details and the list of programs, and
# docs/COMPAT.md (SEARCH) the differences it accepts.
# Prints PASS:/FAIL: lines; exit 1 on failure, 77 when Dovecot is not installed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${BIN:=$here/../../bin}"
[ -x "$BIN/imapd" ] || { echo "FAIL: $BIN/imapd not built"; exit 1; }
python3 "$here/dovecot_imap.py" --probe || { echo "dovecot not installed: skipped"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/search-dovecot.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"	# Dovecot and imapd run as nobody when we are root
python3 "$here/dovecot_search.py" --imapd "$BIN/imapd" --work "$work"
