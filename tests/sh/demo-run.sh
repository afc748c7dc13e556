#!/bin/sh
# `make run`, the README's first command: the demo superserver makes the demo user and
# Maildir; a message sent to demo@localhost over SMTP then shows up, with the welcome
# messages, for a POP3 client logging in over loopback TCP.
set -eu
: "${BIN:?}"
here=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d "${TMPDIR:-/tmp}/demo.XXXXXX")
trap 'kill $pid 2>/dev/null || true; rm -rf "$d"' EXIT
chmod 755 "$d"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
sport=$(free_port)
CHECKPW_FAIL_DELAY_MS=0 python3 "$here/scripts/demo-server.py" "$BIN" "$d/run" \
	--pop3-port "$port" --smtp-port "$sport" --connections 2 &
pid=$!
python3 - "$port" "$sport" <<'PY'
import poplib, smtplib, sys, time
for _ in range(100):
    try:
        s = smtplib.SMTP("127.0.0.1", int(sys.argv[2]), timeout=10)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("demo server did not start")
s.sendmail("someone@example.org", ["demo@localhost"],
           b"Subject: hello demo\r\n\r\nsent by smtplib\r\n")
s.quit()
print("ok   demo SMTP delivery to demo@localhost")
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.user("demo")
p.pass_("demo")
n, size = p.stat()
assert n == 3, n
assert b"Subject: Welcome" in p.retr(1)[1]
assert b"sent by smtplib" in p.retr(3)[1]
p.quit()
print("ok   demo POP3 login, the welcome messages and the SMTP one")
PY
wait $pid
echo "2 passed, 0 failed"
