#!/usr/bin/env python3
"""Drive Dovecot's imap binary as one preauthenticated session on a Maildir.

Used by tests/interop/dovecot.sh to check that Dovecot and this project's library
agree on UIDs, UIDVALIDITY, flags and keywords of the same Maildir. Standard library
only. How Dovecot is run (private config, no /etc/dovecot, root handling) is
described at the top of dovecot.sh; write_config() below is the code of it.

Usage: dovecot_imap.py --maildir PATH --work DIR < commands
       dovecot_imap.py --normalize < `maildir uids` output
       dovecot_imap.py --maildir PATH --work DIR --print-command
       dovecot_imap.py --probe
Commands, one a line (shell-like quoting, folder names in UTF-8, '/' separated,
INBOX for the inbox), all run in one IMAP session:
  select FOLDER                 "# uidvalidity V nextuid N"
  fetch FOLDER                  the same line, then "uid<TAB>flags<TAB>keywords" per
                                message (system flags and keywords each sorted and
                                space separated, "-" when none; \\Recent left out):
                                the first three columns of `maildir uids`
  append FOLDER FILE [FLAG...]  APPEND the file (LF turned into CRLF); "appended UID"
  store FOLDER UID [+|-]FLAG... UID STORE +FLAGS / -FLAGS (no sign means +)
  expunge FOLDER UID...         \\Deleted on those UIDs, then UID EXPUNGE
  create FOLDER                 CREATE
  list                          every mailbox name (decoded from modified UTF-7)
  subscribe FOLDER              SUBSCRIBE
  unsubscribe FOLDER            UNSUBSCRIBE
  lsub                          every subscribed name (LSUB "" "*"), decoded, sorted
Exit 0 when every command succeeded, 1 on an IMAP error, 2 on bad usage.
"""

import argparse
import base64
import imaplib
import os
import pwd
import re
import shlex
import signal
import sys

# Where distributions put Dovecot's per-protocol binaries (Debian, Fedora/RHEL, source).
IMAP_BINARIES = ("/usr/lib/dovecot/imap", "/usr/libexec/dovecot/imap",
                 "/usr/local/libexec/dovecot/imap")
# Whole-session limit: Dovecot answers a local session in well under a second per command;
# a stuck session must fail the test, not hang CI.
SESSION_TIMEOUT = 120
# Dovecot refuses mail access as uid 0 in the imap process (only doveadm/lda may), so a
# root caller runs Dovecot as this account and hands the Maildir to it first.
UNPRIVILEGED_USER = "nobody"


def find_imap():
    env = os.environ.get("DOVECOT_IMAP")
    for p in (env,) if env else IMAP_BINARIES:
        if os.access(p, os.X_OK):
            return p
    return None


def run_as():
    """(uid, gid) Dovecot's session runs as: ourselves, or nobody when we are root."""
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid()
    try:
        pw = pwd.getpwnam(UNPRIVILEGED_USER)
        return pw.pw_uid, pw.pw_gid
    except KeyError:
        return 65534, 65534


def chown_tree(path, uid, gid):
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for n in dirs + files:
            os.lchown(os.path.join(root, n), uid, gid)


def write_config(maildir, work):
    """A private dovecot.conf in WORK; returns (conf path, home, env)."""
    uid, gid = run_as()
    home = os.path.join(work, "home")
    os.makedirs(home, exist_ok=True)
    os.makedirs(os.path.join(work, "run"), exist_ok=True)
    os.makedirs(os.path.join(work, "state"), exist_ok=True)
    conf = os.path.join(work, "dovecot.conf")
    lines = [
        "# written by tests/interop/dovecot_imap.py; see tests/interop/dovecot.sh",
        "mail_location = maildir:%s" % maildir,
        "namespace inbox {",
        "  inbox = yes",
        "  separator = /",
        "}",
        "base_dir = %s/run" % work,
        "state_dir = %s/state" % work,
        "log_path = /dev/stderr",
        "info_log_path = /dev/null",
        "ssl = no",
        "protocols = imap",
        "first_valid_uid = %d" % uid,
        "first_valid_gid = %d" % gid,
    ]
    if os.geteuid() == 0:
        lines += ["mail_uid = %d" % uid, "mail_gid = %d" % gid]
    with open(conf, "w") as f:
        f.write("\n".join(lines) + "\n")
    if os.geteuid() == 0:
        # Every directory above WORK and MAILDIR must be searchable by the session user.
        for top in (os.path.dirname(work), os.path.dirname(maildir)):
            d = top
            while d != os.path.dirname(d):
                if not os.stat(d).st_mode & 0o001:
                    raise SystemExit("dovecot_imap.py: %s is not searchable by %s, who "
                                     "runs Dovecot's session for root: use another "
                                     "TMPDIR" % (d, UNPRIVILEGED_USER))
                d = os.path.dirname(d)
        os.chmod(work, 0o755)
        chown_tree(os.path.join(work, "home"), uid, gid)
        chown_tree(os.path.join(work, "run"), uid, gid)
        chown_tree(os.path.join(work, "state"), uid, gid)
        # Dovecot creates a missing Maildir, but as the session user it could not
        # create it in a directory root owns.
        os.makedirs(maildir, exist_ok=True)
        chown_tree(maildir, uid, gid)
    user = pwd.getpwuid(uid).pw_name if uid != 0 else "root"
    env = {"USER": user, "HOME": home, "PATH": "/usr/bin:/bin"}
    return conf, home, env


# RFC 3501 section 5.1.3: modified UTF-7 for mailbox names.
def mutf7_encode(s):
    out, run = [], []

    def flush():
        if run:
            b = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(b).decode().rstrip("=").replace("/", ",") + "-")
            run.clear()
    for ch in s:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(s):
    def dec(m):
        t = m.group(1)
        if t == "":
            return "&"
        t = t.replace(",", "/")
        t += "=" * (-len(t) % 4)
        return base64.b64decode(t).decode("utf-16-be")
    return re.sub(r"&([^-]*)-", dec, s)


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailbox(name):
    return quote(mutf7_encode(name))


def check(typ, dat, what):
    if typ != "OK":
        raise RuntimeError("%s: %s %r" % (what, typ, dat))
    return dat


class Session:
    def __init__(self, cmd):
        self.m = imaplib.IMAP4_stream(cmd)
        if self.m.state != "AUTH":
            raise RuntimeError("Dovecot did not greet with PREAUTH: %r" % self.m.welcome)
        self.selected = None

    def select(self, folder):
        # Always a fresh SELECT: it is what makes Dovecot rescan new/ and cur/ and assign
        # UIDs, and it reports UIDVALIDITY and UIDNEXT (RFC 3501 section 6.3.1). Never
        # CLOSE first: it would expunge \Deleted messages (RFC 3501 section 6.4.2).
        self.m.untagged_responses.clear()
        check(*self.m.select(mailbox(folder)), what="SELECT " + folder)
        self.selected = folder
        v = self.m.response("UIDVALIDITY")[1][0]
        n = self.m.response("UIDNEXT")[1][0]
        return int(v), int(n)

    def fetch(self, folder):
        v, n = self.select(folder)
        rows = {}
        self.m.untagged_responses.pop("FETCH", None)
        dat = check(*self.m.uid("FETCH", "1:*", "(UID FLAGS)"), what="UID FETCH")
        for item in dat:
            if item is None:
                continue
            if isinstance(item, tuple):
                item = item[0]
            s = item.decode("utf-8", "replace")
            mu = re.search(r"\bUID (\d+)", s)
            mf = re.search(r"\bFLAGS \(([^)]*)\)", s)
            if not mu or not mf:
                continue
            flags = mf.group(1).split()
            sysf = sorted(f for f in flags if f.startswith("\\") and f != "\\Recent")
            kw = sorted(f for f in flags if not f.startswith("\\"))
            rows[int(mu.group(1))] = (" ".join(sysf) or "-", " ".join(kw) or "-")
        return v, n, [(u,) + rows[u] for u in sorted(rows)]

    def append(self, folder, path, flags):
        with open(path, "rb") as f:
            data = f.read()
        data = re.sub(rb"\r?\n", b"\r\n", data)
        fl = "(" + " ".join(flags) + ")" if flags else None
        typ, dat = self.m.append(mailbox(folder), fl, None, data)
        check(typ, dat, "APPEND " + path)
        m = re.search(rb"APPENDUID \d+ (\d+)", dat[0] or b"")
        if not m:
            raise RuntimeError("no APPENDUID in %r" % dat)
        return int(m.group(1))

    def store(self, folder, uid, flags):
        self.select(folder)
        add = [f[1:] if f[0] == "+" else f for f in flags if f[0] != "-"]
        rem = [f[1:] for f in flags if f[0] == "-"]
        if add:
            check(*self.m.uid("STORE", str(uid), "+FLAGS.SILENT", "(" + " ".join(add) + ")"),
                  what="UID STORE")
        if rem:
            check(*self.m.uid("STORE", str(uid), "-FLAGS.SILENT", "(" + " ".join(rem) + ")"),
                  what="UID STORE")

    def expunge(self, folder, uids):
        self.select(folder)
        s = ",".join(str(u) for u in uids)
        check(*self.m.uid("STORE", s, "+FLAGS.SILENT", "(\\Deleted)"), what="UID STORE")
        check(*self.m.uid("EXPUNGE", s), what="UID EXPUNGE")

    def create(self, folder):
        check(*self.m.create(mailbox(folder)), what="CREATE " + folder)

    def subscribe(self, folder, on):
        if on:
            check(*self.m.subscribe(mailbox(folder)), what="SUBSCRIBE " + folder)
        else:
            check(*self.m.unsubscribe(mailbox(folder)), what="UNSUBSCRIBE " + folder)

    def list(self, lsub=False):
        if lsub:
            dat = check(*self.m.lsub('""', '"*"'), what="LSUB")
        else:
            dat = check(*self.m.list('""', '"*"'), what="LIST")
        names = []
        for item in dat:
            if item is None:    # no mailbox at all
                continue
            s = item.decode("utf-8", "replace")
            m = re.match(r'\([^)]*\) (?:"[^"]*"|NIL) (.*)$', s)
            if not m:
                continue
            n = m.group(1)
            if n.startswith('"'):
                n = n[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            names.append(mutf7_decode(n))
        return sorted(names)

    def logout(self):
        self.m.logout()


def split(line):
    # Shell-like words, but a backslash is an ordinary character: flags are \Seen.
    lex = shlex.shlex(line, posix=True)
    lex.whitespace_split = True
    lex.escape = ""
    lex.commenters = "#"
    return list(lex)


def run(sess, words):
    cmd, args = words[0], words[1:]
    if cmd in ("select", "fetch") and len(args) == 1:
        if cmd == "select":
            v, n = sess.select(args[0])
            print("# uidvalidity %d nextuid %d" % (v, n))
        else:
            v, n, rows = sess.fetch(args[0])
            print("# uidvalidity %d nextuid %d" % (v, n))
            for r in rows:
                print("%d\t%s\t%s" % r)
    elif cmd == "append" and len(args) >= 2:
        print("appended %d" % sess.append(args[0], args[1], args[2:]))
    elif cmd == "store" and len(args) >= 3:
        sess.store(args[0], int(args[1]), args[2:])
    elif cmd == "expunge" and len(args) >= 2:
        sess.expunge(args[0], [int(a) for a in args[1:]])
    elif cmd == "create" and len(args) == 1:
        sess.create(args[0])
    elif cmd in ("list", "lsub") and not args:
        for n in sess.list(lsub=cmd == "lsub"):
            print(n)
    elif cmd in ("subscribe", "unsubscribe") and len(args) == 1:
        sess.subscribe(args[0], cmd == "subscribe")
    else:
        raise ValueError("bad command: %s" % " ".join(words))


def normalize(inp, out):
    """`maildir uids` output to the form `fetch` prints: the header line, then uid, flags
    and keywords with each field's words sorted, so only content is compared."""
    for line in inp:
        line = line.rstrip("\n")
        if line.startswith("#"):
            out.write(" ".join(line.split()) + "\n")
            continue
        f = line.split("\t")
        while len(f) < 3:
            f.append("")
        cols = []
        for field in f[1:3]:
            w = sorted(x for x in field.split() if x != "-")
            cols.append(" ".join(w) or "-")
        out.write("%s\t%s\t%s\n" % (f[0], cols[0], cols[1]))


def main():
    ap = argparse.ArgumentParser(description="one Dovecot IMAP session on a Maildir")
    ap.add_argument("--maildir")
    ap.add_argument("--work", help="directory for config, home, state")
    ap.add_argument("--print-command", action="store_true",
                    help="print the shell command that starts the session, and exit")
    ap.add_argument("--probe", action="store_true",
                    help="exit 0 when Dovecot's imap binary is installed, 3 when not")
    ap.add_argument("--normalize", action="store_true",
                    help="filter `maildir uids` output into the form `fetch` prints")
    a = ap.parse_args()
    if a.normalize:
        normalize(sys.stdin, sys.stdout)
        return 0
    if a.probe:
        return 0 if find_imap() else 3
    if not a.maildir or not a.work:
        ap.error("--maildir and --work are required")
    imap = find_imap()
    if imap is None:
        print("dovecot imap binary not found (set DOVECOT_IMAP)", file=sys.stderr)
        return 2
    maildir = os.path.abspath(a.maildir)
    work = os.path.abspath(a.work)
    conf, home, env = write_config(maildir, work)
    cmd = "exec env -i %s %s -c %s" % (
        " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in sorted(env.items())),
        shlex.quote(imap), shlex.quote(conf))
    if a.print_command:
        print(cmd)
        return 0
    signal.alarm(SESSION_TIMEOUT)
    try:
        sess = Session(cmd)
    except (RuntimeError, imaplib.IMAP4.error, OSError) as e:
        print("dovecot did not start a session: %s" % e, file=sys.stderr)
        return 1
    status = 0
    try:
        for line in sys.stdin:
            words = split(line)
            if not words:
                continue
            try:
                run(sess, words)
            except ValueError as e:
                print(e, file=sys.stderr)
                return 2
            except (RuntimeError, imaplib.IMAP4.error, OSError) as e:
                print("dovecot: %s: %s" % (line.strip(), e), file=sys.stderr)
                status = 1
                break
            sys.stdout.flush()
    finally:
        try:
            sess.logout()
        except Exception:
            pass
    return status


if __name__ == "__main__":
    sys.exit(main())
