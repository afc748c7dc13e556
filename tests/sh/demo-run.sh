#!/bin/sh
# `make run`, the README's first command: the demo superserver makes the demo user and
# Maildir, and a POP3 client logs in over loopback TCP and reads the welcome message.
set -eu
: "${BIN:?}"
here=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d "${TMPDIR:-/tmp}/demo.XXXXXX")
trap 'kill $pid 2>/dev/null || true; rm -rf "$d"' EXIT
chmod 755 "$d"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CHECKPW_FAIL_DELAY_MS=0 python3 "$here/scripts/demo-server.py" "$BIN" "$d/run" --pop3-port "$port" --once &
pid=$!
python3 - "$port" <<'PY'
import poplib, sys, time
for _ in range(100):
    try:
        p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("demo server did not start")
p.user("demo")
p.pass_("demo")
n, size = p.stat()
assert n == 2, n
lines = p.retr(1)[1]
assert b"Subject: Welcome" in lines, lines
p.quit()
print("ok   demo login and RETR over loopback")
PY
wait $pid
echo "1 passed, 0 failed"
