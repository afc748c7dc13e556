#!/bin/sh
# `make run`, the README's first command: the demo superserver makes the demo user and
# Maildir; a message sent to demo@localhost over SMTP then shows up, with the welcome
# messages, for a POP3 client and for an IMAP client (python imaplib, as README shows)
# logging in over loopback TCP.
set -eu
: "${BIN:?}"
here=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d "${TMPDIR:-/tmp}/demo.XXXXXX")
trap 'kill $pid 2>/dev/null || true; rm -rf "$d"' EXIT
chmod 755 "$d"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
sport=$(free_port)
iport=$(free_port)
# one connection per client below: SMTP, POP3, IMAP, and curl's IMAP when installed
conns=3
command -v curl >/dev/null 2>&1 && conns=4
CHECKPW_FAIL_DELAY_MS=0 python3 "$here/scripts/demo-server.py" "$BIN" "$d/run" \
	--pop3-port "$port" --smtp-port "$sport" --imap-port "$iport" --connections "$conns" &
pid=$!
python3 - "$port" "$sport" "$iport" <<'PY'
import imaplib, poplib, smtplib, sys, time
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
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[3]), timeout=10)
m.login("demo", "demo")
typ, data = m.select("INBOX")
assert typ == "OK" and data == [b"3"], (typ, data)
typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
assert typ == "OK" and data[0][1] == b"Subject: Welcome\r\n\r\n", data
typ, data = m.fetch("3", "(BODY[TEXT])")
assert typ == "OK" and data[0][1] == b"sent by smtplib\r\n", data
typ, data = m.list()
assert typ == "OK" and any(b'"Archive"' in x for x in data), data
m.logout()
print("ok   demo IMAP login, SELECT, FETCH of the welcome and the SMTP message, LIST")
PY
passed=3
if [ "$conns" -eq 4 ]; then
	# README's curl line: the first message by UID
	curl -sS --max-time 10 -u demo:demo "imap://127.0.0.1:$iport/INBOX;UID=1" >"$d/curl.out"
	grep -q '^Subject: Welcome' "$d/curl.out" || { echo "FAIL demo IMAP with curl"; exit 1; }
	echo "ok   demo IMAP with curl: the welcome message by UID"
	passed=4
fi
wait $pid
echo "$passed passed, 0 failed"
