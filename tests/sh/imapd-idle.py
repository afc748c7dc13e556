#!/usr/bin/env python3
"""IDLE (RFC 2177) and the timers of imapd, driven over pipes.

Run by tests/sh/imapd-idle.sh once with inotify and once with MAILDIR_WATCH_FORCE_POLL=1:
a session idles on INBOX while other processes change it (bin/maildir deliver, bin/maildir
flag, a second imapd that expunges), and every change must reach the idling client as an
untagged response within LATENCY seconds. Also: DONE, a line other than DONE, a DONE sent
in pieces around a change, IDLE without a selected mailbox, no busy loop (the CPU time of
an idle session), the keepalive and the autologout in IDLE, and the pre-login silence
timeout. Standard library only.

Usage: imapd-idle.py BIN HOME [poll]   (HOME holds Maildir/, pop3_fixture's five messages)
"""

import os
import re
import select
import subprocess
import sys
import time

LATENCY = 2.0       # "changes reach the client within 2 seconds"
WAIT = 10.0         # how long any expected line may take before the check fails

BIN, HOME = sys.argv[1], sys.argv[2]
POLL = len(sys.argv) > 3 and sys.argv[3] == "poll"
MAILDIR = os.path.join(HOME, "Maildir")
AS_USER = (["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
           if os.geteuid() == 0 else [])

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   %s" % name)
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail))


def env(**extra):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": HOME, "USER": "alice"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "TMPDIR"):
        if k in os.environ:
            e[k] = os.environ[k]
    if POLL:
        e["MAILDIR_WATCH_FORCE_POLL"] = "1"
    e.update(extra)
    return e


class Session:
    def __init__(self, argv, **extra):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=open(os.path.join(HOME, "imapd.err"), "ab"),
                                  env=env(**extra))
        self.buf = b""
        self.seen = []

    def send(self, text):
        self.p.stdin.write(text.encode())
        self.p.stdin.flush()

    def line(self, timeout):
        """The next line (without CRLF), or None at the timeout or end of output."""
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if not r:
                return None
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        s = line.rstrip(b"\r").decode("utf-8", "replace")
        self.seen.append(s)
        return s

    def expect(self, pattern, timeout=WAIT):
        """Read until a line matches: (line, seconds taken), or (None, timeout)."""
        start = time.monotonic()
        while True:
            s = self.line(timeout - (time.monotonic() - start))
            if s is None:
                return None, timeout
            if re.search(pattern, s):
                return s, time.monotonic() - start

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.p.stdout.close()


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(argv, stdin=b""):
    return subprocess.run(AS_USER + argv, input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env(), timeout=WAIT)


def timed(name, s, pattern, action):
    """Do action (a change by another process), then expect pattern within LATENCY."""
    action()
    line, took = s.expect(pattern)
    check("%s: %r within %.1f s (took %.2f s)" % (name, pattern, LATENCY, took),
          line is not None and took <= LATENCY, "last lines: %r" % s.seen[-5:])


mode = "poll" if POLL else "inotify"
imapd = AS_USER + [BIN + "/imapd", "--preauth"]
s = Session(imapd)
s.send("a SELECT INBOX\r\n")
check(mode + ": SELECT", s.expect(r"^a OK")[0] is not None, repr(s.seen[-3:]))
s.send("b IDLE\r\n")
check(mode + ": + idling", s.expect(r"^\+ idling$")[0] is not None, repr(s.seen[-3:]))

timed(mode + ": delivery", s, r"^\* 6 EXISTS$",
      lambda: run([BIN + "/maildir", "deliver", MAILDIR], b"Subject: new\n\nbody\n"))
line, _ = s.expect(r"^\* \d+ RECENT$")
check(mode + ": RECENT after EXISTS", line == "* 4 RECENT", repr(line))

timed(mode + ": flag change", s, r"^\* 1 FETCH \(FLAGS \(.*\\Flagged",
      lambda: run([BIN + "/maildir", "flag", MAILDIR, "1", "+\\Flagged"]))


def expunge_elsewhere():
    r = run([BIN + "/imapd", "--preauth"],
            b"a SELECT INBOX\r\nb STORE 2 +FLAGS.SILENT (\\Deleted)\r\nc EXPUNGE\r\n"
            b"d LOGOUT\r\n")
    check(mode + ": the other session expunged", b"c OK" in r.stdout, repr(r.stdout[-200:]))


timed(mode + ": expunge by another imapd", s, r"^\* 2 EXPUNGE$", expunge_elsewhere)

# No busy loop: an idle session uses next to no CPU. ASan builds are slow, polling
# stats five paths a second; a spinning loop takes the whole second.
t0 = cpu_seconds(s.p.pid)
time.sleep(2)
used = cpu_seconds(s.p.pid) - t0
check(mode + ": idle costs no CPU (%.2f s in 2 s)" % used, used < 0.3)

s.send("DONE\r\n")
line, took = s.expect(r"^b ")
check(mode + ": DONE ends IDLE", line == "b OK Idle completed.", repr(line))

# A DONE that arrives in pieces must not hold back notifications in between.
s.send("c IDLE\r\n")
s.expect(r"^\+ idling$")
s.send("DO")
timed(mode + ": delivery while DONE is half sent", s, r"^\* 6 EXISTS$",
      lambda: run([BIN + "/maildir", "deliver", MAILDIR], b"Subject: more\n\nbody\n"))
s.send("NE\r\n")
line, _ = s.expect(r"^c ")
check(mode + ": the rest of DONE", line == "c OK Idle completed.", repr(line))

# Anything else than DONE: BAD, and IDLE is over (the next command is served).
s.send("d IDLE\r\n")
s.expect(r"^\+ idling$")
s.send("e NOOP\r\nf NOOP\r\n")
line, _ = s.expect(r"^d ")
check(mode + ": not DONE gets BAD", line is not None and line.startswith("d BAD"), repr(line))
line, _ = s.expect(r"^f ")
check(mode + ": IDLE over after BAD", line == "f OK NOOP completed.", repr(line))

# IDLE in the authenticated state: nothing to watch, DONE still ends it.
s.send("g UNSELECT\r\nh IDLE\r\n")
s.expect(r"^\+ idling$")
s.send("DONE\r\n")
line, _ = s.expect(r"^h ")
check(mode + ": IDLE without a mailbox", line == "h OK Idle completed.", repr(line))
s.send("i LOGOUT\r\n")
check(mode + ": LOGOUT", s.expect(r"^i OK")[0] is not None)
s.close()
check(mode + ": exit 0", s.p.returncode == 0, str(s.p.returncode))

# Keepalive and autologout in IDLE (RFC 3501 5.4), both timers shortened by the
# test-only knobs: "* OK Still here" while idling, then BYE, and the process ends
# although the client keeps its end open.
s = Session(imapd, IMAPD_TEST_IDLE_MS="2500", IMAPD_TEST_KEEPALIVE_MS="700")
s.send("a SELECT INBOX\r\nb IDLE\r\n")
s.expect(r"^\+ idling$")
line, took = s.expect(r"^\* OK Still here$", timeout=2.0)
check(mode + ": keepalive in IDLE", line is not None, repr(s.seen[-3:]))
line, took = s.expect(r"^\* BYE", timeout=5.0)
check(mode + ": autologout in IDLE", line == "* BYE Autologout; idle for too long",
      repr(s.seen[-3:]))
try:
    rc = s.p.wait(timeout=3)
except subprocess.TimeoutExpired:
    rc = None
check(mode + ": the process ends after BYE", rc == 0, str(rc))
s.close()

if not POLL:
    # Pre-login silence (RFC 3501 5.4 leaves it to the server): IMAP_PRELOGIN_TIMEOUT_MS,
    # or the shortened test timer when that is shorter. The checker is never run.
    s = Session([BIN + "/imapd", "/bin/false"], IMAPD_TEST_IDLE_MS="1000")
    line, _ = s.expect(r"^\* OK")
    check("pre-login: greeting", line is not None, repr(s.seen))
    start = time.monotonic()
    line, took = s.expect(r"^\* BYE", timeout=5.0)
    check("pre-login: silent client gets BYE", line == "* BYE Autologout; idle for too long",
          repr(s.seen))
    try:
        rc = s.p.wait(timeout=3)
    except subprocess.TimeoutExpired:
        rc = None
    check("pre-login: the process ends (%.1f s)" % (time.monotonic() - start), rc == 0,
          str(rc))
    s.close()

print("imapd-idle %s: %d passed, %d failed" % (mode, passed, failed))
sys.exit(1 if failed else 0)
