#!/bin/sh
# STORE .SILENT while another process changes the same message's flags. The rename
# that applies the client's change keeps the other change (flags are relative to the
# name on disk); the session's view then holds it, so no later sync would report it.
# The server must say it then: .SILENT spares only the echo of the client's own change
# (RFC 3501 6.4.6, 7.4.1).
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/pop3-lib.sh"
d=$(mktemp -d "${TMPDIR:-/tmp}/imapd-silent.XXXXXX") || exit 1
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT; [ -n "${KEEP:-}" ] && trap - EXIT
chmod 755 "$d"
d=$(cd "$d" && pwd -P)
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }
pop3_fixture "$d"
md=$d/Maildir
export HOME="$d" USER=alice
[ "$(id -u)" = 0 ] && chown 65534:65534 "$d"

. "$here/proto/fixtures/imap-session.sh"
start

check "select" send 'a SELECT INBOX' a
check "uids" send 'b UID FETCH 1:2 (FLAGS)' b
check "another process flags message 1" as_user "$BIN/maildir" flag "$md" 1 '+\Flagged'
check "STORE +FLAGS.SILENT" send 'c STORE 1 +FLAGS.SILENT (\Seen)' c
check "the other change is told with the result" has '* 1 FETCH (FLAGS (\Flagged \Seen \Recent))'
check "another process flags message 2" as_user "$BIN/maildir" flag "$md" 2 '+$Work'
check "STORE -FLAGS.SILENT" send 'd STORE 2 -FLAGS.SILENT (\Seen)' d
check "told as well, once its name is known" has '* 2 FETCH (FLAGS ($Work))'
check "a plain .SILENT store" send 'e STORE 1 -FLAGS.SILENT (\Seen)' e
check "sends nothing" test "$(count_re '^\* 1 FETCH')" = 2
check "NOOP" send 'f NOOP' f
check "and nothing is told twice" test "$(count_re '^\* 1 FETCH')" = 2
check "no flags without the new keyword's name" test "$(count_re '^\* 2 FETCH (FLAGS ()')" = 0
check "logout" send 'z LOGOUT' z
exec 3>&-
wait "$pid"
pid=
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
