#!/usr/bin/env python3
"""imapd against Dovecot's imap on the same Maildir, as ratios measured in the same run
(never absolute limits). Each server runs as one preauthenticated session on pipes
(Dovecot's imap refuses a socket on stdin: it wants imap-login there); Dovecot with a
private config (tests/interop/dovecot_imap.py). The client sends one command, reads until its
tagged reply (into one buffer, counting bytes) and takes the time of that command alone:

  greeting      process start to the greeting        vs  fork+exec of /bin/true (the floor)
  round trip    NOOP before any SELECT (the floor of the sub-millisecond commands below,
                which are also shown with it subtracted)
  SELECT        SELECT INBOX, folder unchanged, the first in a new session (what a
                client that connects pays), and again in the same session (best of 5)
                                                      vs  Dovecot, warm index  (<= 0.3x)
  FETCH         SELECT, then FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE), summed
                                                      vs  Dovecot, warm index  (<= 1.0x)
  STATUS        STATUS INBOX (MESSAGES UNSEEN UIDNEXT) vs Dovecot, warm index  (<= 1.0x)
  peak RSS      of the SELECT + FETCH session         vs  Dovecot's            (<= 0.5x)
                (VmHWM of the server process before LOGOUT: wait4's ru_maxrss would
                also count this script's own RSS, which the child had between fork
                and exec, about 10 MB; shown beside it for reference)
  ENVELOPE      FETCH 1:* (ENVELOPE BODYSTRUCTURE) on the folder "Ten"  vs Dovecot (report)
  SEARCH        SEARCH TEXT on "Ten"                  vs  Dovecot (report; "SEARCH: not
                                                          supported" when imapd says BAD)
INBOX holds MESSAGES small messages directly in cur/ (the names carry ,S= and ,W= as
`maildir deliver` writes them; a third unread, some flagged), "Ten" 10,000 realistic
ones of 2 to 6 KB, some multipart. Dovecot's index is warmed by two untimed sessions
that fetch the same items; each time is the best of REPEAT. As root, both servers'
sessions run as nobody and the work dir is handed to nobody.
Usage: bench_imap.py BIN [MESSAGES]
BENCH_IMAP_DIR=dir keeps the folders in dir (made on the first run, reused by later
runs with the same MESSAGES and BENCH_IMAP_TEN; Dovecot's index is rebuilt each run):
what is measured is the same, only the minutes of making 100,000 files are saved.
"""
import os
import pwd
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

BIN, N = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100000
TEN = int(os.environ.get("BENCH_IMAP_TEN", "10000"))
REPEAT = 3
SELECTS = 5
BLOCK = 1 << 20
SESSION_TIMEOUT = 600
HERE = os.path.dirname(os.path.abspath(__file__))
DOVECOT_IMAP = os.path.join(HERE, "..", "tests", "interop", "dovecot_imap.py")
NEEDLE = "zanzibar"  # SEARCH TEXT finds it in 1 message of 100 of "Ten"

WORDS = ("the of and to in is that for it as with was on be by this are from at or an "
         "mail server message maildir folder client protocol delivery reply header body "
         "network storage index quota user password session connection transfer").split()


def session_user():
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid(), pwd.getpwuid(os.geteuid()).pw_name
    pw = pwd.getpwnam("nobody")
    return pw.pw_uid, pw.pw_gid, pw.pw_name


def chown_tree(path, uid, gid):
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for n in dirs + files:
            os.lchown(os.path.join(root, n), uid, gid)


def make_inbox(md):
    for s in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(md, s))
    body = b"From: bench@example.org\nSubject: bench\n\n" + b"x" * 2000 + b"\n"
    t = int(time.time()) - 86400
    cur = os.path.join(md, "cur")
    for i in range(N):
        flags = "" if i % 3 == 0 else ("FS" if i % 10 == 1 else "S")
        name = "%d.M%dP1Q%d.bench,S=%d,W=%d:2,%s" % (
            t + i // 1000, i % 1000, i, len(body), len(body) + body.count(b"\n"), flags)
        with open(os.path.join(cur, name), "wb") as f:
            f.write(body)


def make_message(rng, i):
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(1700000000 + 97 * i))
    hdr = ("Return-Path: <sender%d@example.org>\n"
           "Received: from mx%d.example.org (mx%d.example.org [192.0.2.%d])\n"
           "\tby mail.example.net; %s\n"
           "From: Sender %d <sender%d@example.org>\nTo: User <user@example.net>, "
           "\"Other, Person\" <other@example.net>\nCc: =?utf-8?q?J=C3=B6rg?= <j@example.com>\n"
           "Subject: benchmark message %d about %s\nDate: %s\n"
           "Message-ID: <%d.%08x@example.org>\nMIME-Version: 1.0\n"
           % (i % 50, i % 7, i % 7, i % 250, date, i % 50, i % 50, i, rng.choice(WORDS),
              date, i, rng.getrandbits(32)))
    lines, n = [], 0
    size = rng.randint(2048, 6144)
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 13)))
        lines.append(line)
        n += len(line) + 1
    if i % 100 == 42:
        lines[len(lines) // 2] += " " + NEEDLE
    text = "\n".join(lines) + "\n"
    if i % 5 == 0:
        b = "b%08x" % i
        return (hdr + "Content-Type: multipart/mixed; boundary=\"%s\"\n\n--%s\n"
                "Content-Type: text/plain; charset=us-ascii\n\n%s\n--%s\n"
                "Content-Type: application/octet-stream; name=\"a.bin\"\n"
                "Content-Transfer-Encoding: base64\n\nAAECAwQFBgcICQ==\n--%s--\n"
                % (b, b, text, b, b)).encode()
    return (hdr + "Content-Type: text/plain; charset=us-ascii\n\n" + text).encode()


def make_ten(md):
    for s in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(md, s))
    open(os.path.join(md, "maildirfolder"), "w").close()
    rng = random.Random(3501)
    for i in range(TEN):
        data = make_message(rng, i)
        name = "%d.M%dP2Q%d.bench,S=%d:2,S" % (1700000000 + i, i, i, len(data))
        with open(os.path.join(md, "cur", name), "wb") as f:
            f.write(data)


def age(md):
    old = time.time() - 100
    for s in ("new", "cur"):
        os.utime(os.path.join(md, s), (old, old))


class Session:
    """One server process on pipes; cmd() times one command to its tagged reply."""

    def __init__(self, argv, env, shell=False):
        uid, gid, _ = session_user()

        def drop():
            if os.geteuid() == 0 and not shell:
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
        self.buf = bytearray(BLOCK)
        self.tail = b""
        self.n = 0
        t0 = time.perf_counter()
        self.p = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, shell=shell,
                                  stderr=subprocess.DEVNULL, preexec_fn=drop)
        self.timer = threading.Timer(SESSION_TIMEOUT, self.p.kill)
        self.timer.daemon = True
        self.timer.start()
        self.tag = 0
        self.read_until(b"* ")
        self.greeting = time.perf_counter() - t0

    def read_until(self, start):
        """Read until the output ends with a whole line starting with START; returns it."""
        while True:
            if self.tail.endswith(b"\r\n"):
                k = self.tail.rfind(b"\r\n", 0, len(self.tail) - 2)
                if k >= 0:
                    last = self.tail[k + 2:]
                else:
                    last = self.tail if self.n == len(self.tail) else b""
                if last.startswith(start):
                    return last
            got = os.readv(self.p.stdout.fileno(), [self.buf])
            if not got:
                raise SystemExit("bench_imap: session ended early; last output %r"
                                 % self.tail[-200:])
            self.n += got
            self.tail = (self.tail + bytes(self.buf[:got]))[-4096:]

    def cmd(self, text):
        """(seconds, tagged status line, bytes of the reply)."""
        self.tag += 1
        tag = b"T%04d" % self.tag
        n0 = self.n
        t0 = time.perf_counter()
        self.p.stdin.write(tag + b" " + text.encode() + b"\r\n")
        self.p.stdin.flush()
        line = self.read_until(tag + b" ")
        return time.perf_counter() - t0, line.decode(errors="replace").strip(), self.n - n0

    def hwm(self):
        """Peak RSS in KB of the server process so far (VmHWM: of its own image,
        since exec; the same pid, as Dovecot's command is exec'd by sh and env)."""
        with open("/proc/%d/status" % self.p.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        raise SystemExit("bench_imap: no VmHWM for pid %d" % self.p.pid)

    def close(self):
        """LOGOUT; returns the peak RSS in KB that wait4 reports (see hwm)."""
        self.p.stdin.write(b"Z LOGOUT\r\n")
        self.p.stdin.close()
        while os.readv(self.p.stdout.fileno(), [self.buf]):
            pass
        self.p.stdout.close()
        _, status, ru = os.wait4(self.p.pid, 0)
        self.p.returncode = status
        self.timer.cancel()
        return ru.ru_maxrss


def ok(line, what):
    if " OK" not in line:
        raise SystemExit("bench_imap: %s failed: %s" % (what, line))


def floor_exec():
    """fork+exec of /bin/true the way the servers are started (pipes, the same user
    switch in the child), to its exit; best of 3 * REPEAT."""
    uid, gid, _ = session_user()

    def drop():
        if os.geteuid() == 0:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
    best = None
    for _ in range(REPEAT * 3):
        t0 = time.perf_counter()
        p = subprocess.Popen(["/bin/true"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, preexec_fn=drop)
        p.stdout.read()
        p.wait()
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    return best


FETCH_META = "FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE)"


def measure(start, label):
    """Every timed number for one server: a dict."""
    r = {}
    greet, sel, fetch, status, env_t, search, noop = [], [], [], [], [], [], []
    rss, rss_wait = [], []
    for _ in range(REPEAT):
        s = start()
        greet.append(s.greeting)
        for _ in range(SELECTS):
            t, line, _ = s.cmd("NOOP")
            ok(line, label + " NOOP")
            noop.append(t)
        # A SELECT of well under a millisecond: the best of several in a row (each
        # a full SELECT of the folder; the last one's view is then fetched).
        for _ in range(SELECTS):
            t, line, _ = s.cmd("SELECT INBOX")
            ok(line, label + " SELECT")
            sel.append(t)
        t, line, n = s.cmd(FETCH_META)
        ok(line, label + " FETCH")
        fetch.append(t)
        r["fetch_bytes"] = n
        rss.append(s.hwm())
        rss_wait.append(s.close())
        s = start()
        for _ in range(SELECTS):
            t, line, _ = s.cmd("STATUS INBOX (MESSAGES UNSEEN UIDNEXT)")
            ok(line, label + " STATUS")
            status.append(t)
        t, line, _ = s.cmd("SELECT Ten")
        ok(line, label + " SELECT Ten")
        t, line, n = s.cmd("FETCH 1:* (ENVELOPE BODYSTRUCTURE)")
        ok(line, label + " ENVELOPE")
        env_t.append(t)
        r["env_bytes"] = n
        t, line, _ = s.cmd("SEARCH TEXT " + NEEDLE)
        if " BAD" in line or " NO" in line:
            r["search"] = None
        else:
            ok(line, label + " SEARCH")
            search.append(t)
        s.close()
    # The first SELECT of a session is what a client that connects pays (a new process:
    # Dovecot opens its index files, imapd reads the uidlist header); the ones after it
    # in the same session re-select a mailbox already open.
    r.update(greeting=min(greet), select=min(sel[i * SELECTS] for i in range(REPEAT)),
             reselect=min(sel),
             fetch=min(sel[(i + 1) * SELECTS - 1] + fetch[i] for i in range(REPEAT)),
             status=min(status), rss=min(rss), rss_wait=min(rss_wait), noop=min(noop),
             envelope=min(env_t))
    if search:
        r["search"] = min(search)
    return r


def ratio(a, b):
    return "%.2f" % (a / b) if b > 0 else "inf"


def verdict(x, target):
    return "ok" if x <= target else "MISSES target"


def main():
    keep = os.environ.get("BENCH_IMAP_DIR")
    if keep:
        base = os.path.abspath(keep)
        os.makedirs(base, exist_ok=True)
    else:
        base = tempfile.mkdtemp(prefix="bench-imap.", dir=os.environ.get("TMPDIR", "/tmp"))
    try:
        os.chmod(base, 0o755)
        md = os.path.join(base, "Maildir")
        stamp = os.path.join(base, "made-%d-%d" % (N, TEN))
        t0 = time.perf_counter()
        if keep and os.path.exists(stamp):
            # Each run starts from the same state: only the messages are kept.
            for f in ("dovecot",):
                shutil.rmtree(os.path.join(base, f), ignore_errors=True)
            for d in (md, os.path.join(md, ".Ten")):
                for f in os.listdir(d):
                    if f.startswith("dovecot") or f.startswith("courier"):
                        os.remove(os.path.join(d, f))
        else:
            shutil.rmtree(md, ignore_errors=True)
            make_inbox(md)
            make_ten(os.path.join(md, ".Ten"))
            if keep:
                open(stamp, "w").close()
        age(md)
        age(os.path.join(md, ".Ten"))
        print("bench_imap: INBOX %d messages, Ten %d, made in %.1fs"
              % (N, TEN, time.perf_counter() - t0), flush=True)
        uid, gid, user = session_user()
        env = {"USER": user, "HOME": base, "MAILDIR": md, "PATH": "/usr/bin:/bin"}
        imapd = [os.path.join(BIN, "imapd"), "--preauth"]
        dcmd = None
        if subprocess.run([sys.executable, DOVECOT_IMAP, "--probe"]).returncode == 0:
            r = subprocess.run([sys.executable, DOVECOT_IMAP, "--maildir", md, "--work",
                                os.path.join(base, "dovecot"), "--print-command"],
                               capture_output=True, text=True)
            dcmd = r.stdout.strip() if r.returncode == 0 else None
        if os.geteuid() == 0:
            chown_tree(base, uid, gid)

        def ours():
            return Session(imapd, env)

        def theirs():
            return Session(dcmd, None, shell=True)

        # Untimed: imapd writes the uidlists; Dovecot builds and caches its index.
        for start in (ours, theirs) if dcmd else (ours,):
            for _ in range(2):
                s = start()
                for c in ("SELECT INBOX", FETCH_META, "SELECT Ten",
                          "FETCH 1:* (ENVELOPE BODYSTRUCTURE)"):
                    s.cmd(c)
                s.close()
            age(md)
            age(os.path.join(md, ".Ten"))
        a = measure(ours, "imapd")
        floor = floor_exec()
        print("imap greeting: imapd %.4fs  fork+exec /bin/true %.4fs  ratio %s"
              % (a["greeting"], floor, ratio(a["greeting"], floor)), flush=True)
        if not dcmd:
            print("imap vs dovecot: SKIP (dovecot-imapd not installed)")
            for k in ("select", "fetch", "status", "envelope"):
                print("imap %s: imapd %.3fs" % (k, a[k]))
            print("imap peak RSS: imapd %d KB (wait4 %d KB)" % (a["rss"], a["rss_wait"]))
            return
        d = measure(theirs, "dovecot")
        print("imap greeting: dovecot %.4fs" % d["greeting"])
        print("imap round trip (NOOP, no mailbox): imapd %.3f ms dovecot %.3f ms"
              % (a["noop"] * 1e3, d["noop"] * 1e3))
        for key, what, target in (
                ("select", "SELECT INBOX (unchanged, %d msgs, first in a session)" % N, 0.3),
                ("reselect", "SELECT INBOX again (best of %d in a row)" % SELECTS, None),
                ("fetch", "SELECT + %s" % FETCH_META, 1.0),
                ("status", "STATUS INBOX (MESSAGES UNSEEN UIDNEXT)", 1.0)):
            x = a[key] / d[key]
            print("imap %s: imapd %.3f ms dovecot(warm) %.3f ms ratio %.2f (%s)"
                  % (what, a[key] * 1e3, d[key] * 1e3, x,
                     "report only" if target is None else
                     "target <= %.1f: %s" % (target, verdict(x, target))),
                  flush=True)
            if key != "fetch" and d[key] > d["noop"]:
                # Sub-millisecond commands: what each server does beyond a round trip.
                print("    beyond the round trip: imapd %.3f ms dovecot %.3f ms ratio %.2f"
                      % ((a[key] - a["noop"]) * 1e3, (d[key] - d["noop"]) * 1e3,
                         max(a[key] - a["noop"], 0) / (d[key] - d["noop"])))
        x = a["rss"] / d["rss"]
        print("imap peak RSS (SELECT + FETCH session): imapd %d KB dovecot %d KB ratio %.2f "
              "(target <= 0.5: %s)" % (a["rss"], d["rss"], x, verdict(x, 0.5)), flush=True)
        print("    wait4 ru_maxrss (with the forking script's RSS): imapd %d KB dovecot %d KB "
              "ratio %.2f" % (a["rss_wait"], d["rss_wait"], a["rss_wait"] / d["rss_wait"]))
        print("imap FETCH 1:* (ENVELOPE BODYSTRUCTURE) %d msgs: imapd %.3fs dovecot %.3fs "
              "ratio %s   [bytes: imapd %d, dovecot %d]"
              % (TEN, a["envelope"], d["envelope"], ratio(a["envelope"], d["envelope"]),
                 a["env_bytes"], d["env_bytes"]), flush=True)
        if a.get("search") is None:
            print("imap SEARCH: not supported")
        elif d.get("search") is not None:
            print("imap SEARCH TEXT %d msgs: imapd %.3fs dovecot %.3fs ratio %s"
                  % (TEN, a["search"], d["search"], ratio(a["search"], d["search"])))
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
