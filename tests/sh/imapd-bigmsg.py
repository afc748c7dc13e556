#!/usr/bin/env python3
"""imapd's memory does not grow with the size of a message.

Two Maildirs get the same two messages, once small (about 1 KB) and once large (BIG
octets): a plain text message and a multipart one with a small text part and a large
base64 attachment. For each case (one command) a fresh `imapd --preauth` runs over pipes
on each Maildir; the replies are read whole and checked (literal sizes, SHA-256 of the
octets against what this script computes with LF made CR LF, SEARCH results), and the
process's peak resident set (VmHWM in /proc/PID/status) is read just before LOGOUT.
A third message (BIG / 4) and the one APPEND sends are bare text lines with no header
and no blank line: all header, so the parser and HEADER.FIELDS(.NOT) have a header as
large as the message to go over. An APPEND over APPENDLIMIT is refused with its literal
read and thrown away.
The large case may cost at most SLACK more than the same case on the small messages
(the test build runs under ASan, whose own memory is in both numbers), and never more
than CEILING.

pop3d's RETR of the same messages is held to the same rule.

Usage: imapd-bigmsg.py BIN DIR   (DIR is empty; the Maildirs are made below it)
Standard library only.
"""

import base64
import hashlib
import os
import re
import subprocess
import sys
import time

BIG = int(os.environ.get("BIGMSG_SIZE", 100 * 1000 * 1000))
SLACK = 16 * 1024 * 1024
CEILING = 32 * 1024 * 1024              # and never more than this, ASan and all
APPEND_SIZE = 60 * 1000 * 1000          # under APPENDLIMIT (64 MiB)
TOOBIG_SIZE = 100 * 1000 * 1000         # over it: refused, read and thrown away
NEEDLE = "zebrafinch"                    # only at the end of each large body

BIN, TOP = sys.argv[1], sys.argv[2]
AS_USER = (["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
           if os.geteuid() == 0 else [])
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   %s" % name, flush=True)
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail), flush=True)


def env(home):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "USER": "alice"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "TMPDIR"):
        if k in os.environ:
            e[k] = os.environ[k]
    return e


def lines(n, word):
    """About n octets of LF-ended text lines, the last one holding word."""
    line = b"The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnop\n"
    body = line * (n // len(line))
    return body + b"last line: " + word.encode() + b"\n"


def messages(size):
    plain = (b"From: Alice <alice@example.org>\nTo: bob@example.org\n"
             b"Subject: plain\nDate: Mon, 7 Dec 2026 05:00:00 +0000\n"
             b"Message-ID: <plain@example.org>\n\n") + lines(size, NEEDLE)
    raw = lines(size * 3 // 4, NEEDLE)
    b64 = base64.encodebytes(raw)       # 76-column lines, LF ended
    multi = (b"From: Alice <alice@example.org>\nTo: bob@example.org\n"
             b"Subject: multipart\nDate: Mon, 7 Dec 2026 05:00:01 +0000\n"
             b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n"
             b"preamble\n--b1\nContent-Type: text/plain; charset=us-ascii\n\n"
             b"the small text part\n--b1\n"
             b"Content-Type: text/plain; charset=utf-8; name=\"big.txt\"\n"
             b"Content-Disposition: attachment; filename=\"big.txt\"\n"
             b"Content-Transfer-Encoding: base64\n\n" + b64 + b"--b1--\n")
    part2 = b64.rstrip(b"\n")           # the LF before "--b1--" is the boundary's
    # No header and no blank line: all of it is header (one line has a colon).
    headless = lines(size // 4, "nothing")
    return plain, multi, part2, headless


def crlf(b):
    assert b"\r" not in b
    return b.replace(b"\n", b"\r\n")


def digest(b):
    return len(b), hashlib.sha256(b).hexdigest()


def deliver(home, msg):
    md = os.path.join(home, "Maildir")
    p = subprocess.run(AS_USER + [os.path.join(BIN, "maildir"), "deliver", md],
                       input=msg, env=env(home), stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("deliver failed: %s" % p.stderr.decode(errors="replace"))


class Session:
    def __init__(self, home):
        self.p = subprocess.Popen(AS_USER + [os.path.join(BIN, "imapd"), "--preauth"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=open(os.path.join(home, "imapd.err"), "ab"),
                                  env=env(home), bufsize=0)
        self.r = self.p.stdout
        self.buf = b""
        self.readline()                 # greeting

    def readline(self):
        while b"\r\n" not in self.buf:
            d = self.r.read(1 << 20)
            if not d:
                raise EOFError("imapd closed the connection")
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def literal(self, n):
        """n octets: kept whole when small, else only size and SHA-256."""
        h = hashlib.sha256()
        got = 0
        keep = [] if n <= 65536 else None
        while got < n:
            if not self.buf:
                self.buf = self.r.read(min(1 << 20, n - got))
                if not self.buf:
                    raise EOFError("imapd closed the connection in a literal")
            d, self.buf = self.buf[:n - got], self.buf[n - got:]
            h.update(d)
            got += len(d)
            if keep is not None:
                keep.append(d)
        return (n, h.hexdigest(), b"".join(keep) if keep is not None else None)

    def response(self):
        """One response line with its literals: (text with {N} left in, [literals])."""
        text, lits = b"", []
        while True:
            line = self.readline()
            text += line
            m = re.search(rb"\{(\d+)\}$", line)
            if not m:
                return text, lits
            lits.append(self.literal(int(m.group(1))))

    def send(self, b):
        self.p.stdin.write(b)

    def command(self, tag, cmd):
        self.send(tag + b" " + cmd + b"\r\n")
        return self.until(tag)

    def until(self, tag):
        got = []
        while True:
            text, lits = self.response()
            got.append((text, lits))
            if text.startswith(tag + b" "):
                return got

    def hwm(self):
        with open("/proc/%d/status" % self.p.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return None

    def logout(self):
        self.send(b"Z LOGOUT\r\n")
        self.p.stdin.close()
        self.r.read()
        self.p.wait()


def tagged_ok(got, tag):
    return got and got[-1][0].startswith(tag + b" OK")


def fetch_lits(got):
    return [l for text, lits in got if text.startswith(b"* ") for l in lits]


def run_case(home, name, body):
    s = Session(home)
    s.command(b"S", b"SELECT INBOX")
    t0 = time.time()
    detail = body(s)
    hwm = s.hwm()
    s.logout()
    return hwm, detail, time.time() - t0


def cases(exp):
    """name -> function(session) returning a list of (check name, ok, detail)."""
    def lit_case(cmd, want):
        def f(s):
            got = s.command(b"A", cmd)
            lits = fetch_lits(got)
            return [("tagged OK", tagged_ok(got, b"A"), got[-1][0][:80]),
                    ("octets", [l[:2] for l in lits] == want,
                     "%r != %r" % ([l[:2] for l in lits], want))]
        return f

    def text_case(cmd, pattern):
        def f(s):
            got = s.command(b"A", cmd)
            text = b"\n".join(t for t, _ in got)
            return [("tagged OK", tagged_ok(got, b"A"), got[-1][0][:80]),
                    ("reply", re.search(pattern, text) is not None, text[:300])]
        return f

    def copy(s):
        got = s.command(b"C", b"CREATE Archive")
        got += s.command(b"A", b"COPY 1:2 Archive")
        ok = tagged_ok(got, b"A")
        got2 = s.command(b"E", b"EXAMINE Archive")
        got2 += s.command(b"F", b"FETCH 1:2 RFC822.SIZE")
        text = b"\n".join(t for t, _ in got2)
        sizes = [int(x) for x in re.findall(rb"RFC822\.SIZE (\d+)", text)]
        return [("tagged OK", ok, got[-1][0][:80]),
                ("copied sizes", sizes == [exp["plain"][0], exp["multi"][0]], repr(sizes))]

    def append(s):
        n = exp["append"][0]
        s.send(b"A APPEND INBOX (\\Seen) {%d}\r\n" % n)
        cont = s.readline()
        body = exp["append_bytes"]
        for i in range(0, n, 1 << 20):
            s.send(body[i:i + (1 << 20)])
        s.send(b"\r\n")
        got = s.until(b"A")
        ok = tagged_ok(got, b"A")
        got2 = s.command(b"F", b"FETCH 4 (RFC822.SIZE BODY.PEEK[])")
        lits = fetch_lits(got2)
        return [("continuation", cont.startswith(b"+"), cont[:80]),
                ("tagged OK", ok, got[-1][0][:80]),
                ("appended octets", [l[:2] for l in lits] == [exp["append"]],
                 repr([l[:2] for l in lits]))]

    def toobig(s):
        n = TOOBIG_SIZE
        s.send(b"A APPEND INBOX {%d+}\r\n" % n)
        chunk = b"x" * 998 + b"\r\n"
        sent = 0
        while sent < n:
            k = min(len(chunk) * 1024, n - sent)
            s.send((chunk * 1024)[:k])
            sent += k
        s.send(b"\r\n")
        got = s.until(b"A")
        got2 = s.command(b"N", b"NOOP")
        return [("refused as too big", re.match(rb"A NO \[TOOBIG\]", got[-1][0]) is not None,
                 got[-1][0][:80]),
                ("session goes on", tagged_ok(got2, b"N"), got2[-1][0][:80])]

    p, m = exp["plain"], exp["multi"]
    return [
        ("FETCH BODY[]", lit_case(b"FETCH 1:2 BODY[]", [p, m])),
        ("FETCH BODY.PEEK[TEXT]", lit_case(b"FETCH 1 BODY.PEEK[TEXT]", [exp["plain_text"]])),
        ("FETCH BODY[1]", lit_case(b"FETCH 2 BODY[1]", [exp["part1"]])),
        ("FETCH BODY[2]<0.1000000>", lit_case(b"FETCH 2 BODY[2]<0.1000000>",
                                              [exp["part2_partial"]])),
        ("FETCH HEADER.FIELDS.NOT", lit_case(
            b"FETCH 3 (BODY.PEEK[HEADER.FIELDS.NOT (Subject)] BODY.PEEK[HEADER.FIELDS (Subject)])",
            [exp["headless"], digest(b"\r\n")])),
        ("FETCH RFC822.SIZE", text_case(
            b"FETCH 1:2 RFC822.SIZE",
            rb"\* 1 FETCH \(RFC822\.SIZE %d\)\n\* 2 FETCH \(RFC822\.SIZE %d\)" % (p[0], m[0]))),
        ("FETCH BODYSTRUCTURE", text_case(
            b"FETCH 2 BODYSTRUCTURE",
            rb"\("
            rb"\(\"text\" \"plain\" \(\"charset\" \"us-ascii\"\) NIL NIL \"7bit\" 19 \d+ NIL NIL NIL NIL\)"
            rb"\(\"text\" \"plain\" \(\"charset\" \"utf-8\" \"name\" \"big.txt\"\) NIL NIL "
            rb"\"base64\" %d %d NIL " % (exp["part2"][0], exp["part2_lines"]))),
        ("FETCH ENVELOPE", text_case(b"FETCH 1:2 ENVELOPE",
                                     rb"ENVELOPE \(\"Mon, 7 Dec 2026 05:00:01 \+0000\" \"multipart\"")),
        ("SEARCH BODY", text_case(b"SEARCH BODY " + NEEDLE.encode(), rb"\* SEARCH 1 2\n")),
        ("SEARCH TEXT absent", text_case(b"SEARCH TEXT nowhere-to-be-found", rb"\* SEARCH\n")),
        ("SEARCH TEXT", text_case(b"SEARCH TEXT " + NEEDLE.encode(), rb"\* SEARCH 1 2\n")),
        ("APPEND", append),
        ("APPEND over APPENDLIMIT", toobig),
        ("COPY", copy),
    ]


def pop3_retr(home, exp):
    """RETR 1 from pop3d --preauth: the same rule holds there (it reads in chunks)."""
    p = subprocess.Popen(AS_USER + [os.path.join(BIN, "pop3d"), "--preauth"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=open(os.path.join(home, "pop3d.err"), "ab"),
                         env=env(home), bufsize=0)
    greeting = p.stdout.read(3)
    while not greeting.endswith(b"\r\n"):
        greeting += p.stdout.read(1)
    p.stdin.write(b"RETR 1\r\n")
    h, n, tail, first = hashlib.sha256(), 0, b"", b""
    while True:
        d = p.stdout.read(1 << 20)
        if not d:
            break
        if not first:
            first, d = d.split(b"\r\n", 1)[0], d.split(b"\r\n", 1)[1]
        h.update(d)
        n += len(d)
        tail = (tail + d)[-5:]
        if tail == b"\r\n.\r\n":
            break
    with open("/proc/%d/status" % p.pid) as f:
        hwm = [int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:")][0]
    p.stdin.write(b"QUIT\r\n")
    p.stdin.close()
    p.stdout.read()
    p.wait()
    want = exp["retr"]
    return hwm, [("+OK", first.startswith(b"+OK"), first[:80]),
                 ("octets", (n, h.hexdigest()) == want, "%r != %r" % ((n, h.hexdigest()), want))]


def setup(size):
    home = os.path.join(TOP, "big" if size == BIG else "small")
    os.makedirs(home)
    if os.geteuid() == 0:
        os.chown(home, 65534, 65534)
    plain, multi, part2, headless = messages(size)
    deliver(home, plain)
    deliver(home, multi)
    deliver(home, headless)
    app = crlf(lines(APPEND_SIZE if size == BIG else 1000, "appended"))
    pc = crlf(plain)
    exp = {
        "plain": digest(pc),
        "multi": digest(crlf(multi)),
        "plain_text": digest(pc[pc.index(b"\r\n\r\n") + 4:]),
        "part1": digest(b"the small text part"),
        "part2": digest(crlf(part2)),
        "part2_partial": digest(crlf(part2)[:1000000]),
        "part2_lines": part2.count(b"\n"),
        "headless": digest(crlf(headless)),
        "retr": digest(pc + b".\r\n"),
        "append": digest(app),
        "append_bytes": app,
    }
    return home, exp


def main():
    t0 = time.time()
    small, exp_small = setup(1000)
    big, exp_big = setup(BIG)
    print("messages made in %.1fs" % (time.time() - t0))
    for (name, small_case), (_, big_case) in zip(cases(exp_small), cases(exp_big)):
        h0, d0, _ = run_case(small, name, small_case)
        h1, d1, t = run_case(big, name, big_case)
        for what, ok, detail in d0:
            check("%s (small): %s" % (name, what), ok, detail)
        for what, ok, detail in d1:
            check("%s (large): %s" % (name, what), ok, detail)
        print("     %s: peak RSS %.1f MB small, %.1f MB large (%.1fs)" %
              (name, h0 / 1e6, h1 / 1e6, t))
        check("%s: peak RSS of the large case within %d MiB of the small one" %
              (name, SLACK >> 20), h1 - h0 <= SLACK,
              "(%d kB more)" % ((h1 - h0) // 1024))
        check("%s: peak RSS of the large case under %d MiB" % (name, CEILING >> 20),
              h1 < CEILING, "(%d kB)" % (h1 // 1024))
    h0, d0 = pop3_retr(small, exp_small)
    h1, d1 = pop3_retr(big, exp_big)
    for what, ok, detail in d0:
        check("pop3d RETR (small): %s" % what, ok, detail)
    for what, ok, detail in d1:
        check("pop3d RETR (large): %s" % what, ok, detail)
    print("     pop3d RETR: peak RSS %.1f MB small, %.1f MB large" % (h0 / 1e6, h1 / 1e6))
    check("pop3d RETR: peak RSS of the large case within %d MiB of the small one" %
          (SLACK >> 20), h1 - h0 <= SLACK, "(%d kB more)" % ((h1 - h0) // 1024))
    print("total %.1fs" % (time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


sys.exit(main())
