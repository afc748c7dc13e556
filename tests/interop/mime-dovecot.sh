#!/bin/sh
# Differential test of imapd's message-structure modules (imapd/mime*, envelope,
# bodystructure, section) against Dovecot 2.3: the fixtures in mime-fixtures/ (and a
# few generated ones, among them a 5 MB attachment) go into a Maildir, Dovecot answers
# FETCH ENVELOPE, BODYSTRUCTURE, BODY, RFC822.SIZE and BODY.PEEK[...] for each, and
# $TESTBIN/imap_fetch_dump must give the same bytes. dovecot_mime.py has the details;
# Dovecot is run as dovecot.sh's header describes.
# Prints PASS:/FAIL: lines; exit 1 on failure, 77 when Dovecot is not installed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${TESTBIN:=$here/../../build/tests}"
dump=$TESTBIN/imap_fetch_dump
[ -x "$dump" ] || { echo "FAIL: $dump not built (make check-interop builds it)"; exit 1; }
python3 "$here/dovecot_imap.py" --probe || { echo "dovecot not installed: skipped"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mime-dovecot.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"	# Dovecot runs as nobody when we are root
python3 "$here/dovecot_mime.py" --dump "$dump" --work "$work"
