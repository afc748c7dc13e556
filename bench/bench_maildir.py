#!/usr/bin/env python3
"""Opening a large Maildir folder, as ratios against the raw file-system work in the
same run (never absolute limits):

  cold       `maildir uids` with no dovecot-uidlist: readdir, sort, assign every UID,
             write the uidlist                        vs  `ls -f new cur`
  unchanged  `maildir uids` when nothing moved: no readdir at all
                                                      vs  `cat dovecot-uidlist`
  changed    `maildir uids` after one flag change: readdir, match, rewrite
                                                      vs  `ls -f new cur`
Usage: bench_maildir.py BIN [MESSAGES]
"""
import os
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


def age(md):
    old = time.time() - 100
    for s in ("new", "cur"):
        os.utime(os.path.join(md, s), (old, old))


def main():
    d = tempfile.mkdtemp(prefix="bench.")
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
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    main()
