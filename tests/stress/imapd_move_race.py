#!/usr/bin/env python3
"""MOVE races (driver for imapd-move-race.sh): several imapd --preauth sessions on one
Maildir move the same messages at once, within INBOX (RFC 6851 allows a MOVE into the
selected mailbox: new UIDs) and between INBOX and Other. A move must never leave a
message in two places: at the end the number of message files, and of distinct
Message-IDs, must equal what was delivered, and every session must have answered every
command. Usage: imapd_move_race.py BIN HOME SECONDS SESSIONS."""
import glob, os, random, re, select, subprocess, sys, threading, time

BIN, HOME, SECS, NSESS = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
NMSG = 20
problems = []


def session(k):
    rnd = random.Random(k)
    env = dict(os.environ, HOME=HOME, USER="alice")
    p = subprocess.Popen([BIN + "/imapd", "--preauth"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=open("%s/err%d" % (HOME, k), "wb"),
                         env=env)
    buf = b""

    def cmd(tag, text):
        nonlocal buf
        p.stdin.write(b"%s %s\r\n" % (tag, text.encode()))
        p.stdin.flush()
        end = time.time() + 30
        pat = re.compile(rb"(^|\r\n)" + tag + rb" (OK|NO|BAD)[^\r\n]*\r\n")
        while True:
            m = pat.search(buf)
            if m:
                r, buf = buf[:m.end()], buf[m.end():]
                return r
            r, _, _ = select.select([p.stdout], [], [], max(0, end - time.time()))
            d = os.read(p.stdout.fileno(), 65536) if r else b""
            if not d:
                problems.append("session %d: no answer to %s %s" % (k, tag.decode(), text))
                return None
            buf += d

    n = 0
    t0 = time.time()
    box = "INBOX"
    if cmd(b"s", "SELECT INBOX") is None:
        return
    while time.time() - t0 < SECS:
        n += 1
        c = rnd.choice(["MOVE 1:* %s" % box, "MOVE 1:* %s" % box, "UID MOVE 1:* %s" % box,
                        "MOVE 1:* %s" % ("Other" if box == "INBOX" else "INBOX"),
                        "SELECT %s" % rnd.choice(["INBOX", "Other"]), "NOOP"])
        r = cmd(b"t%d" % n, c)
        if r is None:
            return
        if c.startswith("SELECT"):
            box = c.split()[1]
        if re.search(rb"(^|\r\n)t%d BAD" % n, r):
            if b"Invalid messageset" not in r:
                problems.append("session %d: %s: %r" % (k, c, r[-200:]))
            # an empty mailbox: not a client in error, keep the BAD count low
            if cmd(b"n%d" % n, "NOOP") is None:
                return
    cmd(b"z", "LOGOUT")
    p.stdin.close()
    if p.wait(30) != 0:
        problems.append("session %d: exit %d" % (k, p.returncode))


threads = [threading.Thread(target=session, args=(k,)) for k in range(NSESS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
files = glob.glob(HOME + "/Maildir/*/*") + glob.glob(HOME + "/Maildir/.Other/*/*")
files = [f for f in files if re.search(r"/(new|cur)/[^/]+$", f)]
ids = set()
for f in files:
    with open(f, "rb") as fh:
        m = re.search(rb"Message-ID: <(\d+)@race>", fh.read())
        ids.add(m.group(1) if m else f)
for e in glob.glob(HOME + "/err*"):
    with open(e, "rb") as fh:
        t = fh.read()
    if b"Sanitizer" in t or b"runtime error" in t:
        problems.append("%s: sanitizer report" % e)
ok = len(files) == NMSG and len(ids) == NMSG and not problems
for pr in problems[:10]:
    print("  " + pr)
print("%s %d files, %d distinct messages, %d delivered"
      % ("ok  " if ok else "FAIL", len(files), len(ids), NMSG))
sys.exit(0 if ok else 1)
