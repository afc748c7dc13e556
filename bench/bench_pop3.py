#!/usr/bin/env python3
"""POP3 sessions on a large Maildir, as ratios against baselines measured in the same
run (never absolute limits). A `pop3d --preauth` session on a Unix stream socket (its
stdin and stdout, as under a superserver), the client writing its commands from a
thread and reading the replies into one 1 MB buffer, counting bytes (a reader that
allocated per read would be the bottleneck and hide the servers' differences):

  STAT+UIDL+LIST   STAT, UIDL, LIST, QUIT          vs  Dovecot's pop3, same commands
  RETR all         RETR 1 .. RETR N, QUIT           vs  `cat` of the same files to the
                                                        same kind of socket (the plain
                                                        files-to-socket rate), and
                                                        Dovecot's pop3
  RETR large       RETR of BIG_N messages of 1 MB   vs  `cat` of the same files: the
                                                        conversion itself, which the
                                                        many small files above hide
                                                        behind per-file system calls
The RETR lines give pop3d's rate as a fraction of the plain rate, both counted in
octets of the messages as stored (pop3d also adds a CR per line and the dot-stuffing),
so "rate 0.80x" means pop3d takes 1.25 times as long as cat for the same messages.
Dovecot's pop3 (/usr/lib/dovecot/pop3) runs preauthenticated on stdin/stdout with a
private config, as tests/interop/dovecot.sh runs imap: USER and HOME in the
environment, `pop3 -c CONF` with CONF naming the Maildir, base_dir and state_dir in the
work dir; as root, both servers' sessions run as nobody (pop3d refuses root, Dovecot
refuses uid 0), and the work dir is handed to nobody.
Each server first has one untimed session (pop3d writes dovecot-uidlist, Dovecot
builds its index; both QUIT, so every message is in cur/ with the S flag from then on);
the times are the best of REPEAT sessions. The Maildir is made directly in cur/ with
Maildir names (`maildir deliver` per message would time 10,000 fsyncs, not POP3):
realistic messages of 2 to 6 KB, LF line ends, a few lines starting with a dot.
Usage: bench_pop3.py BIN [MESSAGES]
"""
import os
import pwd
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

BIN, N = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000
REPEAT = 3
BLOCK = 1 << 20
BIG_N, BIG_SIZE = 100, 1 << 20
DOVECOT_POP3 = ("/usr/lib/dovecot/pop3", "/usr/libexec/dovecot/pop3",
                "/usr/local/libexec/dovecot/pop3")
# Whole-session limit: a stuck server fails the benchmark instead of hanging it.
SESSION_TIMEOUT = 600

WORDS = ("the of and to in is that for it as with was on be by this are from at or an "
         "mail server message maildir folder client protocol delivery reply header body "
         "network storage index quota user password session connection transfer").split()


def make_message(rng, i):
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(1700000000 + 97 * i))
    hdr = (
        "Return-Path: <sender%d@example.org>\n"
        "Received: from mx%d.example.org (mx%d.example.org [192.0.2.%d])\n"
        "\tby mail.example.net with ESMTPS id %08X\n\tfor <user@example.net>; %s\n"
        "From: Sender %d <sender%d@example.org>\nTo: User <user@example.net>\n"
        "Subject: benchmark message %d about %s\nDate: %s\n"
        "Message-ID: <%d.%08x@example.org>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=us-ascii\n\n"
        % (i % 50, i % 7, i % 7, i % 250, rng.getrandbits(32), date, i % 50, i % 50, i,
           rng.choice(WORDS), date, i, rng.getrandbits(32)))
    size = rng.randint(2048, 6144)
    lines, n = [], len(hdr)
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 13)))
        if rng.random() < 0.01:
            line = "." + line
        lines.append(line)
        n += len(line) + 1
    return (hdr + "\n".join(lines) + "\n").encode()


def make_maildir(md):
    for d in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(md, d))
    rng = random.Random(1939)
    total = 0
    for i in range(N):
        data = make_message(rng, i)
        name = "%d.M%dP%dQ%d.bench,S=%d:2," % (1700000000 + i, i % 1000000, 4242, i,
                                              len(data))
        with open(os.path.join(md, "cur", name), "wb") as f:
            f.write(data)
        total += len(data)
    return total


def make_big(md):
    """BIG_N messages of BIG_SIZE octets in cur/, lines drawn from a pool (fast to
    make), LF line ends, 1 in 100 lines starting with a dot."""
    for d in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(md, d))
    rng = random.Random(3501)
    pool = [("." if k % 100 == 0 else "")
            + " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 13)))
            for k in range(4000)]
    for i in range(BIG_N):
        body = "\n".join(rng.choices(pool, k=BIG_SIZE // 60))
        data = ("Subject: large message %d\n\n%s\n" % (i, body)).encode()
        name = "%d.M%dP%dQ%d.bench,S=%d:2,S" % (1700000000 + i, i, 4242, i, len(data))
        with open(os.path.join(md, "cur", name), "wb") as f:
            f.write(data)


def session_user():
    """(uid, gid, name) the sessions run as: ourselves, or nobody when we are root."""
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid(), pwd.getpwuid(os.geteuid()).pw_name
    pw = pwd.getpwnam("nobody")
    return pw.pw_uid, pw.pw_gid, pw.pw_name


def chown_tree(path, uid, gid):
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for n in dirs + files:
            os.lchown(os.path.join(root, n), uid, gid)


def session(argv, env, commands, keep=None):
    """Run one session: (seconds, bytes read); the output appended to KEEP, a
    bytearray, when given. The commands go in from a thread (a
    large pipelined write would otherwise block against the unread replies); stdin
    stays open until the server has closed its output, as a real client's socket."""
    uid, gid, _ = session_user()

    def drop():
        if os.geteuid() == 0:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
    ours, theirs = socket.socketpair()
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, env=env, stdin=theirs, stdout=theirs,
                         stderr=subprocess.DEVNULL, preexec_fn=drop)
    theirs.close()
    timer = threading.Timer(SESSION_TIMEOUT, p.kill)
    timer.start()

    def feed():
        try:
            ours.sendall(commands)
        except OSError:
            pass
    w = threading.Thread(target=feed)
    w.start()
    n = 0
    last = b""
    buf = bytearray(BLOCK)
    view = memoryview(buf)
    while True:
        k = ours.recv_into(buf)
        if not k:
            break
        n += k
        last = (last + bytes(view[max(0, k - 64):k]))[-64:]
        if keep is not None:
            keep += view[:k]
    w.join()
    ours.close()
    rc = p.wait()
    dt = time.perf_counter() - t0
    timer.cancel()
    if rc != 0 or b"+OK" not in last:
        raise SystemExit("bench_pop3: %s ended with status %d, last output %r"
                         % (argv[0], rc, last))
    return dt, n


def best(argv, env, commands):
    runs = [session(argv, env, commands) for _ in range(REPEAT)]
    return min(r[0] for r in runs), runs[0][1]


def cat_all(md):
    names = sorted(os.listdir(os.path.join(md, "cur")))
    ours, theirs = socket.socketpair()
    t0 = time.perf_counter()
    p = subprocess.Popen(["xargs", "-0", "cat"], cwd=os.path.join(md, "cur"),
                         stdin=subprocess.PIPE, stdout=theirs)
    theirs.close()
    threading.Thread(target=lambda: (p.stdin.write(b"\0".join(n.encode() for n in names)),
                                     p.stdin.close())).start()
    n = 0
    buf = bytearray(BLOCK)
    while True:
        k = ours.recv_into(buf)
        if not k:
            break
        n += k
    p.wait()
    ours.close()
    return time.perf_counter() - t0, n


def find_dovecot():
    env = os.environ.get("DOVECOT_POP3")
    for p in (env,) if env else DOVECOT_POP3:
        if p and os.access(p, os.X_OK):
            return p
    return None


def dovecot_config(work, md, home):
    uid, gid, _ = session_user()
    for d in ("run", "state"):
        os.makedirs(os.path.join(work, d), exist_ok=True)
    conf = os.path.join(work, "dovecot.conf")
    lines = [
        "# written by bench/bench_pop3.py; see tests/interop/dovecot.sh",
        "mail_location = maildir:%s" % md,
        "base_dir = %s/run" % work,
        "state_dir = %s/state" % work,
        "log_path = /dev/stderr",
        "info_log_path = /dev/null",
        "ssl = no",
        "protocols = pop3",
        "first_valid_uid = %d" % uid,
        "first_valid_gid = %d" % gid,
    ]
    if os.geteuid() == 0:
        lines += ["mail_uid = %d" % uid, "mail_gid = %d" % gid]
    with open(conf, "w") as f:
        f.write("\n".join(lines) + "\n")
    return conf


def ratio(a, b):
    return "%.2f" % (a / b) if b > 0 else "inf"


def main():
    base = tempfile.mkdtemp(prefix="bench-pop3.", dir=os.environ.get("TMPDIR", "/tmp"))
    try:
        os.chmod(base, 0o755)
        home = os.path.join(base, "home")
        md = os.path.join(home, "Maildir")
        big_home = os.path.join(base, "big")
        big_md = os.path.join(big_home, "Maildir")
        make_big(big_md)
        t0 = time.perf_counter()
        total = make_maildir(md)
        print("bench_pop3: %d messages, %.1f MB, made in %.1fs"
              % (N, total / 1e6, time.perf_counter() - t0), flush=True)
        uid, gid, user = session_user()
        dovecot = find_dovecot()
        conf = dovecot_config(base, md, home) if dovecot else None
        if os.geteuid() == 0:
            chown_tree(base, uid, gid)
        env = {"USER": user, "HOME": home, "MAILDIR": md, "PATH": "/usr/bin:/bin"}
        pop3d = [os.path.join(BIN, "pop3d"), "--preauth"]
        listing = b"STAT\r\nUIDL\r\nLIST\r\nQUIT\r\n"
        retr = b"".join(b"RETR %d\r\n" % i for i in range(1, N + 1)) + b"QUIT\r\n"

        session(pop3d, env, retr)  # untimed: uidlist written, messages get S
        d_env = {"USER": user, "HOME": home, "PATH": "/usr/bin:/bin"}
        d_argv = [dovecot, "-c", conf] if dovecot else None
        if dovecot:
            session(d_argv, d_env, retr)  # untimed: Dovecot's index built

        p_list, p_list_n = best(pop3d, env, listing)
        line = "pop3 STAT+UIDL+LIST %d msgs: pop3d %.3fs" % (N, p_list)
        if dovecot:
            d_list, d_list_n = best(d_argv, d_env, listing)
            line += " dovecot %.3fs ratio %s" % (d_list, ratio(p_list, d_list))
        else:
            line += " (dovecot not installed)"
        print(line + "   [pop3d sent %d bytes]" % p_list_n, flush=True)
        if dovecot:
            # Both default to Dovecot's UIDL form %08Xu%08Xv: a mailbox moves between
            # them without clients downloading it again. Say so when they differ.
            a, b = bytearray(), bytearray()
            session(pop3d, env, b"UIDL\r\nQUIT\r\n", a)
            session(d_argv, d_env, b"UIDL\r\nQUIT\r\n", b)

            def uidls(out):
                body = bytes(out).split(b"\r\n.\r\n")[0].split(b"\r\n")
                return [x for x in body if x[:1].isdigit()]
            ua, ub = uidls(a), uidls(b)
            same = ua == ub and len(ua) == N
            print("pop3 UIDL pop3d and dovecot: %s (%d and %d lines%s)"
                  % ("identical" if same else "DIFFERENT", len(ua), len(ub),
                     "" if same or not ua or not ub else
                     ", first: %r and %r" % (ua[0].decode(), ub[0].decode())), flush=True)

        c_time = min(cat_all(md)[0] for _ in range(REPEAT))
        c_n = cat_all(md)[1]
        p_retr, p_retr_n = best(pop3d, env, retr)
        line = ("pop3 RETR all %d msgs: pop3d %.3fs (%.0f MB/s) cat %.3fs (%.0f MB/s) "
                "rate %sx of plain files-to-socket (target >= 0.80)"
                % (N, p_retr, c_n / p_retr / 1e6, c_time, c_n / c_time / 1e6,
                   ratio(c_time, p_retr)))
        if dovecot:
            d_retr, d_retr_n = best(d_argv, d_env, retr)
            line += " dovecot %.3fs ratio %s" % (d_retr, ratio(p_retr, d_retr))
        print(line, flush=True)
        sent = "   [bytes: pop3d %d, cat %d" % (p_retr_n, c_n)
        if dovecot:
            sent += ", dovecot %d" % d_retr_n
        print(sent + "]")
        if p_retr_n < c_n:
            raise SystemExit("bench_pop3: pop3d sent less than the messages hold")

        b_env = dict(env, HOME=big_home, MAILDIR=big_md)
        b_retr = b"".join(b"RETR %d\r\n" % i for i in range(1, BIG_N + 1)) + b"QUIT\r\n"
        session(pop3d, b_env, b_retr)
        bc_time = min(cat_all(big_md)[0] for _ in range(REPEAT))
        bc_n = cat_all(big_md)[1]
        b_time, b_n = best(pop3d, b_env, b_retr)
        print("pop3 RETR large %d msgs of %d KB: pop3d %.3fs (%.0f MB/s) cat %.3fs "
              "(%.0f MB/s) rate %sx of plain files-to-socket (target >= 0.80)"
              % (BIG_N, BIG_SIZE >> 10, b_time, bc_n / b_time / 1e6, bc_time,
                 bc_n / bc_time / 1e6, ratio(bc_time, b_time)), flush=True)
        if b_n < bc_n:
            raise SystemExit("bench_pop3: pop3d sent less than the messages hold")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
