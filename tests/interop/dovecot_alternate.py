#!/usr/bin/env python3
"""Dovecot and this project's core in one folder at once, each with it open.

A Dovecot imap session and a bin/imapd session (our mailbox view, held across the
whole run) both SELECT INBOX of one Maildir and take turns: delivering (Dovecot APPEND,
imapd APPEND, `maildir deliver`), flagging (UID STORE on either side) and expunging
(UID EXPUNGE on either side). After every step both sides NOOP and list
UID, FLAGS and RFC822.SIZE (each test message has a size of its own, so the size names
the message); the two lists must be equal, and no UID may ever name another message
than the first it was seen with, on either side.

Usage: dovecot_alternate.py BIN WORKDIR   (prints PASS:/FAIL: lines; exit 1 on failure,
77 when Dovecot is not installed)
"""

import imaplib
import os
import re
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dovecot_imap as dv  # noqa: E402

passed = failed = 0


def ok(what):
    global passed
    passed += 1
    print("PASS: alternate: " + what)


def bad(what):
    global failed
    failed += 1
    print("FAIL: alternate: " + what)


def message(n):
    # Sizes differ by message: n lines of padding.
    body = "".join("line %d of message %d\r\n" % (i, n) for i in range(n * 3))
    return ("From: a@example.org\r\nSubject: alternate %d\r\nMessage-ID: <alt-%d@x>\r\n"
            "\r\n%s" % (n, n, body)).encode()


class Side:
    def __init__(self, name, cmd):
        self.name = name
        self.m = imaplib.IMAP4_stream(cmd)
        if self.m.state != "AUTH":
            raise RuntimeError("%s: no PREAUTH greeting: %r" % (name, self.m.welcome))
        typ, dat = self.m.select("INBOX")
        if typ != "OK":
            raise RuntimeError("%s: SELECT: %r" % (name, dat))

    def view(self):
        self.m.noop()
        typ, dat = self.m.uid("FETCH", "1:*", "(UID FLAGS RFC822.SIZE)")
        if typ != "OK":
            raise RuntimeError("%s: UID FETCH: %r" % (self.name, dat))
        rows = []
        for item in dat:
            if item is None:
                continue
            s = item.decode() if isinstance(item, bytes) else item[0].decode()
            mu = re.search(r"\bUID (\d+)", s)
            mf = re.search(r"\bFLAGS \(([^)]*)\)", s)
            ms = re.search(r"\bRFC822\.SIZE (\d+)", s)
            if mu and mf and ms:
                flags = " ".join(sorted(f for f in mf.group(1).split() if f != "\\Recent"))
                rows.append((int(mu.group(1)), flags, int(ms.group(1))))
        return sorted(rows)

    def append(self, n, flags=None):
        typ, dat = self.m.append("INBOX", flags, None, message(n))
        if typ != "OK":
            raise RuntimeError("%s: APPEND: %r" % (self.name, dat))

    def store(self, uid, op, flags):
        typ, dat = self.m.uid("STORE", str(uid), op, flags)
        if typ != "OK":
            raise RuntimeError("%s: STORE: %r" % (self.name, dat))

    def expunge(self, uid):
        self.store(uid, "+FLAGS.SILENT", "(\\Deleted)")
        typ, dat = self.m.uid("EXPUNGE", str(uid))
        if typ != "OK":
            raise RuntimeError("%s: UID EXPUNGE: %r" % (self.name, dat))


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    bindir, work = sys.argv[1], os.path.abspath(sys.argv[2])
    imap = dv.find_imap()
    if imap is None:
        print("SKIP: dovecot not installed")
        return 77
    maildir = os.path.join(work, "Maildir")
    uid, gid = dv.run_as()
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    if os.geteuid() == 0:
        os.chown(work, uid, gid)
    subprocess.run([os.path.join(bindir, "maildir"), "create", maildir], check=True)
    conf, home, env = dv.write_config(maildir, os.path.join(work, "dovecot"))
    dcmd = "exec env -i %s %s -c %s" % (
        " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in sorted(env.items())),
        shlex.quote(imap), shlex.quote(conf))
    # Our session runs as the same user as Dovecot's (it refuses root).
    drop = ""
    if os.geteuid() == 0:
        drop = "setpriv --reuid=%d --regid=%d --clear-groups " % (uid, gid)
    icmd = "exec %senv -i HOME=%s MAILDIR=%s USER=alternate %s --preauth" % (
        drop, shlex.quote(work), shlex.quote(maildir),
        shlex.quote(os.path.join(bindir, "imapd")))

    def deliver(n):
        data = message(n).replace(b"\r\n", b"\n")
        pre = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups"] \
            if os.geteuid() == 0 else []
        subprocess.run(pre + [os.path.join(bindir, "maildir"), "deliver", maildir],
                       input=data, check=True, stderr=subprocess.DEVNULL)

    d = Side("dovecot", dcmd)
    i = Side("imapd", icmd)
    named = {}          # uid -> size, as first seen by either side

    def agree(step):
        a, b = d.view(), i.view()
        if a != b:
            bad("%s: Dovecot and imapd disagree\n    dovecot %r\n    imapd   %r" % (step, a, b))
            return a
        for u, _, size in a:
            if named.setdefault(u, size) != size:
                bad("%s: UID %d now names another message" % (step, u))
                return a
        ok("%s: both see %d messages, same UIDs, flags and sizes" % (step, len(a)))
        return a

    d.append(1)
    d.append(2)
    v = agree("Dovecot appends two")
    i.append(3, "(\\Flagged)")
    v = agree("imapd appends one, flagged")
    deliver(4)
    v = agree("maildir deliver while both have the folder open")
    d.store(v[0][0], "+FLAGS", "(\\Seen)")
    i.store(v[1][0], "+FLAGS", "(\\Answered $Label1)")
    v = agree("each side flags a message")
    i.store(v[0][0], "-FLAGS", "(\\Seen)")
    d.store(v[1][0], "+FLAGS", "(\\Seen)")
    v = agree("each side changes the other's flags")
    gone = v[2][0]
    i.expunge(gone)
    v = agree("imapd expunges")
    if any(r[0] == gone for r in v):
        bad("the UID imapd expunged is still there")
    gone = v[0][0]
    d.expunge(gone)
    v = agree("Dovecot expunges")
    deliver(5)
    i.append(6)
    d.append(7)
    v = agree("all three deliver again")
    uids = [r[0] for r in v]
    if uids != sorted(set(uids)) or any(u in (gone,) for u in uids):
        bad("UIDs not unique and increasing, or an expunged UID back: %r" % uids)
    else:
        ok("UIDs unique and increasing, no expunged UID given again")
    for s in (d, i):
        try:
            s.m.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    print("alternate: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, imaplib.IMAP4.error, OSError, subprocess.CalledProcessError) as e:
        print("FAIL: alternate: %s" % e)
        sys.exit(1)
