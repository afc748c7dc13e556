#!/usr/bin/env python3
"""Differential test of imapd's message-structure modules against Dovecot.

Every fixture in tests/interop/mime-fixtures/ (plus generated ones: a CRLF copy of some,
a 5 MB attachment, an empty file) is put into a fresh Maildir's cur/, one Dovecot
session (started as dovecot_imap.py does) FETCHes each item of ITEMS for each message,
and the same items are produced by build/tests/imap_fetch_dump for the same file. Each
item's value is compared byte for byte.

Usage: dovecot_mime.py --dump PATH/imap_fetch_dump --work DIR [--show]
Prints "PASS: fixture item" / "FAIL: fixture item" with both values on failure; a
difference listed in KNOWN (documented in docs/COMPAT.md) prints "PASS: ... (known)".
Exit 0 when nothing failed, 1 otherwise, 77 when Dovecot is not installed.
"""

import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dovecot_imap  # noqa: E402

ITEMS = [
    "ENVELOPE", "BODYSTRUCTURE", "BODY", "RFC822.SIZE",
    "BODY.PEEK[]", "BODY.PEEK[HEADER]", "BODY.PEEK[TEXT]", "BODY.PEEK[1]",
    "BODY.PEEK[1.MIME]", "BODY.PEEK[2]", "BODY.PEEK[2.MIME]", "BODY.PEEK[2.HEADER]",
    "BODY.PEEK[2.TEXT]", "BODY.PEEK[2.1]", "BODY.PEEK[2.1.HEADER]", "BODY.PEEK[2.1.MIME]",
    "BODY.PEEK[2.2]", "BODY.PEEK[1.1]", "BODY.PEEK[3]",
    "BODY.PEEK[HEADER.FIELDS (From Subject)]", "BODY.PEEK[HEADER.FIELDS.NOT (From To)]",
    "BODY.PEEK[2.HEADER.FIELDS (subject)]", "BODY.PEEK[]<5.20>", "BODY.PEEK[1]<3.5>",
    "BODY.PEEK[TEXT]<0.1>", "BODY.PEEK[]<100000000.5>",
]
# 5 MB: well past any buffer size in either implementation.
BIG_SIZE = 5 * 1024 * 1024
SESSION_TIMEOUT = 300

# (fixture, item) pairs whose difference is explained in docs/COMPAT.md.
KNOWN = set()


def make_fixtures(src, dst):
    """Copy the fixtures, add generated ones; returns the sorted list of names."""
    os.makedirs(dst, exist_ok=True)
    names = []
    for n in sorted(os.listdir(src)):
        if n.endswith(".eml"):
            shutil.copy(os.path.join(src, n), os.path.join(dst, n))
            names.append(n)
    for n in ("03-nested.eml", "04-rfc822.eml", "02-alternative.eml"):
        with open(os.path.join(src, n), "rb") as f:
            data = f.read()
        c = "90-crlf-" + n[3:]
        with open(os.path.join(dst, c), "wb") as f:
            f.write(data.replace(b"\n", b"\r\n"))
        names.append(c)
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\n"
    body = line * (BIG_SIZE // len(line))
    with open(os.path.join(dst, "91-big.eml"), "wb") as f:
        f.write(b"From: big@example.com\nSubject: big\nContent-Type: multipart/mixed;"
                b" boundary=BIG\n\n--BIG\nContent-Type: text/plain\n\nsee attachment\n"
                b"--BIG\nContent-Type: application/octet-stream\n"
                b"Content-Transfer-Encoding: base64\n\n" + body + b"--BIG--\n")
    names.append("91-big.eml")
    open(os.path.join(dst, "92-empty.eml"), "wb").close()
    names.append("92-empty.eml")
    with open(os.path.join(dst, "93-nul.eml"), "wb") as f:
        f.write(b"From: nul@example.com\nSubject: a NUL\n\nbefore\0after\nCRLF line\r\n")
    names.append("93-nul.eml")
    return names


class Imap:
    """Just enough of an IMAP client to get each FETCH item's bytes exactly."""

    def __init__(self, cmd):
        self.p = subprocess.Popen(["sh", "-c", cmd], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE)
        self.tag = 0
        greet = self.p.stdout.readline()
        if not greet.startswith(b"* PREAUTH"):
            raise RuntimeError("no PREAUTH greeting: %r" % greet)

    def command(self, text):
        self.tag += 1
        t = b"t%d" % self.tag
        self.p.stdin.write(t + b" " + text.encode() + b"\r\n")
        self.p.stdin.flush()
        untagged = []
        while True:
            resp = self.read_response()
            if resp.startswith(t + b" "):
                if not resp.startswith(t + b" OK"):
                    raise RuntimeError("%s: %r" % (text, resp))
                return untagged
            untagged.append(resp)

    def read_response(self):
        out = b""
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("Dovecot closed the connection")
            out += line
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if not m:
                return out[:-2] if out.endswith(b"\r\n") else out
            out += self.p.stdout.read(int(m.group(1)))

    def close(self):
        try:
            self.command("LOGOUT")
        except RuntimeError:
            pass
        self.p.stdin.close()
        self.p.wait()


def item_value(resp, item):
    """The value of ITEM in one '* N FETCH (ITEM value)' response."""
    m = re.match(rb"\* \d+ FETCH \(", resp)
    if not m or not resp.endswith(b")"):
        raise RuntimeError("odd FETCH response %r" % resp[:200])
    rest = resp[m.end():-1]
    name = item.replace(".PEEK", "")
    if "[" in name:
        i = rest.index(b"]") + 1
        m2 = re.match(rb"<\d+>", rest[i:])
        if m2:
            i += m2.end()
    else:
        i = len(name)
    if rest[i:i + 1] != b" ":
        raise RuntimeError("cannot split %r" % rest[:200])
    return rest[i + 1:]


def show(v):
    s = repr(v)
    return s if len(s) < 2000 else s[:2000] + "...(%d bytes)" % len(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", help="run this fixture only")
    a = ap.parse_args()
    imap = dovecot_imap.find_imap()
    if imap is None:
        print("dovecot imap binary not found (set DOVECOT_IMAP)", file=sys.stderr)
        return 77
    here = os.path.dirname(os.path.abspath(__file__))
    work = os.path.abspath(a.work)
    fixdir = os.path.join(work, "fixtures")
    names = make_fixtures(os.path.join(here, "mime-fixtures"), fixdir)
    if a.only:
        names = [n for n in names if n.startswith(a.only)]
    maildir = os.path.join(work, "Maildir")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, d), exist_ok=True)
    # Names in delivery order, so Dovecot's UIDs follow the list.
    for i, n in enumerate(names):
        shutil.copy(os.path.join(fixdir, n),
                    os.path.join(maildir, "cur", "%d.M%dP1.fixture:2," % (1000000000 + i, i)))
    conf, home, env = dovecot_imap.write_config(maildir, work)
    cmd = "exec env -i %s %s -c %s" % (
        " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in sorted(env.items())),
        shlex.quote(imap), shlex.quote(conf))
    signal.alarm(SESSION_TIMEOUT)
    s = Imap(cmd)
    s.command("SELECT INBOX")
    passed = failed = 0
    for seq, n in enumerate(names, 1):
        path = os.path.join(fixdir, n)
        ours = subprocess.run([a.dump, path] + ITEMS, stdout=subprocess.PIPE,
                              check=True).stdout
        # The dump tool writes each value followed by "\0\n", values cannot hold that.
        ovals = ours.split(b"\0\n")[:-1]
        if len(ovals) != len(ITEMS):
            print("FAIL: %s: dump printed %d values for %d items" % (n, len(ovals), len(ITEMS)))
            failed += 1
            continue
        for item, ov in zip(ITEMS, ovals):
            resps = [r for r in s.command("FETCH %d (%s)" % (seq, item)) if b" FETCH " in r]
            if len(resps) != 1:
                raise RuntimeError("%s %s: %d FETCH responses" % (n, item, len(resps)))
            dv = item_value(resps[0], item)
            if dv == ov:
                print("PASS: %s %s" % (n, item))
                passed += 1
            elif (n, item) in KNOWN:
                print("PASS: %s %s (known difference, docs/COMPAT.md)" % (n, item))
                passed += 1
            else:
                print("FAIL: %s %s\n  dovecot: %s\n  ours:    %s" % (n, item, show(dv), show(ov)))
                failed += 1
    s.close()
    print("mime-dovecot: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
