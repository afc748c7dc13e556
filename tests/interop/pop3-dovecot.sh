#!/bin/sh
# pop3d and Dovecot's pop3 on the same Maildir give the same UIDLs, so a mailbox moves
# between them without POP3 clients downloading it again (pop3d(8), UIDL and migration).
# Reuses bench/bench_pop3.py's sessions on a small mailbox.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -x /usr/lib/dovecot/pop3 ] && [ ! -x /usr/libexec/dovecot/pop3 ]; then
	echo "SKIP: dovecot-pop3d not installed"
	exit 77
fi
out=$(python3 "$here/bench/bench_pop3.py" "$BIN" 200 2>&1)
echo "$out" | sed 's/^/  /'
if echo "$out" | grep -q "UIDL pop3d and dovecot: identical (200 and 200 lines)"; then
	echo "PASS: pop3d and Dovecot give the same UIDLs for 200 messages"
	exit 0
fi
echo "FAIL: pop3d and Dovecot UIDLs differ"
exit 1
