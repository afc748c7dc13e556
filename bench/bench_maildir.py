#!/usr/bin/env python3
"""Opening a large Maildir folder, as ratios against the raw file-system work in the
same run (never absolute limits):

  cold       `maildir uids` with no dovecot-uidlist: readdir, sort, assign every UID,
             write the uidlist                        vs  `ls -f new cur`
  unchanged  `maildir uids` when nothing moved: no readdir at all
                                                      vs  `cat dovecot-uidlist`
  changed    `maildir uids` after one flag change: readdir, match, rewrite
                                                      vs  `ls -f new cur`
and, when Dovecot is installed, the same folder opened by Dovecot's imap (SELECT and
UID FETCH 1:* (UID FLAGS), through a pipe) against `maildir uids`, which prints the same:
  dovecot cold   Dovecot with no index of its own (it reads our dovecot-uidlist)
  dovecot warm   Dovecot again, its index built
Usage: bench_maildir.py BIN [MESSAGES]
"""
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

BIN, N = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100000


def run(argv):
    t0 = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def best(argv, k=3):
    return min(run(argv) for _ in range(k))


HERE = os.path.dirname(os.path.abspath(__file__))
DOVECOT_IMAP = os.path.join(HERE, "..", "tests", "interop", "dovecot_imap.py")


def dovecot_command(md, work):
    """The shell command of a preauthenticated Dovecot imap session, or None."""
    if subprocess.run([sys.executable, DOVECOT_IMAP, "--probe"]).returncode != 0:
        return None
    r = subprocess.run([sys.executable, DOVECOT_IMAP, "--maildir", md, "--work", work,
                        "--print-command"], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def dovecot_open(cmd, n):
    """One session: SELECT, UID FETCH of every message, LOGOUT once the fetch is done
    (Dovecot drops a session whose input ends while output is pending)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    p.stdin.write(b"a SELECT INBOX\r\nb UID FETCH 1:* (UID FLAGS)\r\n")
    p.stdin.flush()
    out = bytearray()
    while not out.endswith(b"\r\n") or b"\r\nb " not in out[-512:]:
        chunk = p.stdout.read1(1 << 20)
        if not chunk:
            raise SystemExit("dovecot ended the session early")
        out += chunk
    got = out.count(b" FETCH (")
    p.stdin.write(b"c LOGOUT\r\n")
    p.stdin.close()
    p.stdout.read()
    p.wait()
    t = time.perf_counter() - t0
    if got != n:
        raise SystemExit("dovecot listed %d messages, not %d" % (got, n))
    return t


def age(md):
    old = time.time() - 100
    for s in ("new", "cur"):
        os.utime(os.path.join(md, s), (old, old))


def main():
    d = tempfile.mkdtemp(prefix="bench.")
    os.chmod(d, 0o755)  # Dovecot's session runs as nobody when we are root
    try:
        md = os.path.join(d, "Maildir")
        for s in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(md, s))
        body = b"From: bench@example.org\nSubject: bench\n\n" + b"x" * 2000 + b"\n"
        t = int(time.time()) - 86400
        for i in range(N):
            base = "%d.M%dP1Q%d.bench,S=%d,W=%d" % (
                t + i // 1000, i % 1000, i, len(body), len(body) + body.count(b"\n"))
            sub, name = ("cur", base + ":2,S") if i % 2 else ("new", base)
            with open(os.path.join(md, sub, name), "wb") as f:
                f.write(body)
        age(md)
        ls = ["ls", "-f", os.path.join(md, "new"), os.path.join(md, "cur")]
        uids = [os.path.join(BIN, "maildir"), "uids", md]
        base_ls = best(ls)
        cold = run(uids)
        print("bench: %d messages in one folder" % N)
        print("open, cold:      maildir uids %.3fs  ls -f %.3fs  ratio %.1f"
              % (cold, base_ls, cold / base_ls))
        age(md)
        run(uids)  # a clean full sync records the mtimes
        unch = best(uids)
        cat = best(["cat", os.path.join(md, "dovecot-uidlist")])
        print("open, unchanged: maildir uids %.3fs  cat uidlist %.3fs  ratio %.1f"
              % (unch, cat, unch / cat))
        f = sorted(os.listdir(os.path.join(md, "new")))[0]
        os.rename(os.path.join(md, "new", f), os.path.join(md, "cur", f + ":2,F"))
        age(md)
        chg = run(uids)
        print("open, changed:   maildir uids %.3fs  ls -f %.3fs  ratio %.1f"
              % (chg, base_ls, chg / base_ls))
        age(md)
        run(uids)
        ours = best(uids)
        # Last: as root this hands the Maildir to nobody, who runs Dovecot's session.
        cmd = dovecot_command(md, os.path.join(d, "dovecot"))
        if cmd is None:
            print("dovecot: SKIP (not installed)")
            return
        dcold = dovecot_open(cmd, N)
        dwarm = min(dovecot_open(cmd, N) for _ in range(3))
        print("vs dovecot:      maildir uids %.3fs  dovecot cold %.3fs  warm %.3fs  "
              "ratio to warm %.2f" % (ours, dcold, dwarm, ours / dwarm))
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    main()
