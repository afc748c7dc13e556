#!/usr/bin/env python3
"""SMTP deliveries per second, as ratios against a baseline measured in the same run
(never absolute limits): smtpd --users on a pipe (stdin/stdout, as a superserver would
start it, without the network), a python client sending as fast as it may, against a
plain python loop doing the same number of durable Maildir deliveries (write to tmp/,
fsync, link into new/, unlink, fsync new/): the least any queue-less receiver must do.

  1 conn   N messages on one connection, pipelined (RFC 2920): each message's data,
           its end-of-data dot and the next MAIL, RCPT and DATA go in one write, so
           there is one round trip per message (the client waits for 354, as it must)
  C conns  C connections of one message each: a new smtpd per connection (EHLO, MAIL,
           RCPT, DATA in one write, then the data and QUIT)
           is compared with the loop, and with the loop plus the cost of starting a
           process per connection (fork+exec of smtpd itself, which exits at once on
           a bad option: the part a superserver pays whatever the server does)
Messages are 2 to 6 KB of text with a few lines starting with a dot. As root, the
user's entry carries nobody's uid (smtpd's session runs as nobody, its delivery
helper writes as the user); the fsync loop runs in this process. The disk is shared
with whatever else runs, so each measurement is made in ROUNDS interleaved slices
(smtpd, loop, loop, smtpd, ...) and the times summed: a burst of other I/O then
weighs on both sides alike.
Usage: bench_smtp.py BIN [MESSAGES [CONNECTIONS [ROUNDS]]]
"""
import io
import itertools
import os
import pwd
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
CONNS = int(sys.argv[3]) if len(sys.argv) > 3 else 200
ROUNDS = int(sys.argv[4]) if len(sys.argv) > 4 else 6
# Whole-run limit per smtpd: a stuck server fails the benchmark instead of hanging it.
SESSION_TIMEOUT = 600
WORDS = ("the of and to in is that for it as with was on be by this are from at or an "
         "mail server message maildir folder client protocol delivery reply header body "
         "network storage index quota user password session connection transfer").split()


def make_message(rng, i):
    hdr = ("From: Sender %d <sender%d@example.net>\r\nTo: User <bench@example.org>\r\n"
           "Subject: benchmark message %d\r\nDate: Mon, 01 Jan 2024 12:00:00 +0000\r\n"
           "Message-ID: <%d.%08x@example.net>\r\n\r\n"
           % (i % 50, i % 50, i, i, rng.getrandbits(32)))
    size = rng.randint(2048, 6144)
    lines, n = [], len(hdr)
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 13)))
        if rng.random() < 0.01:
            line = "." + line
        lines.append(line)
        n += len(line) + 2
    return (hdr + "\r\n".join(lines) + "\r\n").encode()


def stuffed(msg):
    return (b"." if msg.startswith(b".") else b"") + msg.replace(b"\r\n.", b"\r\n..") + b".\r\n"


ENV = b"MAIL FROM:<sender@example.net>\r\nRCPT TO:<bench@example.org>\r\nDATA\r\n"


class Session:
    """smtpd on a pipe, replies read line by line."""

    def __init__(self, users):
        signal.alarm(SESSION_TIMEOUT)
        self.p = subprocess.Popen(
            [os.path.join(BIN, "smtpd"), "--users", users, "--domain", "example.org",
             "--hostname", "mx.example.org"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=dict(os.environ, TCPREMOTEIP="127.0.0.1"), bufsize=0)
        # Buffered replies (readline on the raw pipe is a read(2) per byte): the
        # client's own cost is no part of either baseline.
        self.out = io.BufferedReader(self.p.stdout)

    def expect(self, code):
        while True:
            line = self.out.readline()
            if not line.startswith(code):
                raise RuntimeError(f"smtpd: expected {code!r}, got {line!r}")
            if line[3:4] != b"-":
                return

    def send(self, data):
        self.p.stdin.write(data)

    def close(self):
        # To its end of output, then a plain wait: Popen.wait(timeout) polls with
        # sleeps, which would charge smtpd for up to a millisecond more than the
        # fork+exec baseline (subprocess.run) pays. SIGALRM guards against a hang.
        self.p.stdin.close()
        self.out.read()
        self.p.wait()
        signal.alarm(0)


def one_connection(users, msgs):
    s = Session(users)
    s.expect(b"220")
    s.send(b"EHLO bench.example.net\r\n" + ENV)
    s.expect(b"250")
    for i, m in enumerate(msgs):
        s.expect(b"250")  # MAIL
        s.expect(b"250")  # RCPT
        s.expect(b"354")
        s.send(stuffed(m) + (ENV if i + 1 < len(msgs) else b"QUIT\r\n"))
        s.expect(b"250")  # the message is durable
    s.expect(b"221")
    s.close()


def many_connections(users, msgs):
    for m in msgs:
        s = Session(users)
        s.send(b"EHLO bench.example.net\r\n" + ENV)
        for code in (b"220", b"250", b"250", b"250", b"354"):
            s.expect(code)
        s.send(stuffed(m) + b"QUIT\r\n")
        s.expect(b"250")
        s.expect(b"221")
        s.close()


LOOP_SEQ = itertools.count()


def fsync_loop(md, msgs):
    tmpd, new = os.path.join(md, "tmp"), os.path.join(md, "new")
    pid = os.getpid()
    for m in msgs:
        name = "%d.P%dQ%d.bench" % (int(time.time()), pid, next(LOOP_SEQ))
        t = os.path.join(tmpd, name)
        fd = os.open(t, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, m.replace(b"\r\n", b"\n"))
        os.fsync(fd)
        os.close(fd)
        os.link(t, os.path.join(new, name))
        os.unlink(t)
        dfd = os.open(new, os.O_RDONLY)
        os.fsync(dfd)
        os.close(dfd)


def spawn_loop(msgs):
    """fork+exec of smtpd per message, each exiting at once (usage error)."""
    for _ in msgs:
        subprocess.run([os.path.join(BIN, "smtpd"), "--no-such-option"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)


def timed(fn, *args):
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def on_alarm(_sig, _frame):
    raise RuntimeError(f"smtpd did not finish within {SESSION_TIMEOUT} s")


def main():
    signal.signal(signal.SIGALRM, on_alarm)
    work = tempfile.mkdtemp(prefix="bench-smtp.", dir=os.environ.get("TMPDIR", "/tmp"))
    os.chmod(work, 0o755)
    try:
        if os.getuid() == 0:
            pw = pwd.getpwnam("nobody")
            uid, gid = pw.pw_uid, pw.pw_gid
        else:
            uid, gid = os.getuid(), os.getgid()
        home = os.path.join(work, "home")
        os.makedirs(home)
        os.chown(home, uid, gid)
        users = os.path.join(work, "users")
        with open(users, "w") as f:
            f.write("bench:x:%d:%d::%s::\n" % (uid, gid, home))
        md = os.path.join(work, "loop")
        for d in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(md, d))
        rng = random.Random(5321)
        msgs = [make_message(rng, i) for i in range(max(N, CONNS))]
        new = os.path.join(home, "Maildir", "new")
        for label, fn, count in ((f"{N} msgs/1 conn", one_connection, N),
                                 (f"{CONNS} conns/1 msg", many_connections, CONNS)):
            t_smtpd = t_loop = t_spawn = 0.0
            rounds = max(1, min(ROUNDS, count))
            for r in range(rounds):
                part = msgs[count * r // rounds:count * (r + 1) // rounds]
                if r % 2 == 0:
                    t_smtpd += timed(fn, users, part)
                    t_loop += timed(fsync_loop, md, part)
                else:
                    t_loop += timed(fsync_loop, md, part)
                    t_smtpd += timed(fn, users, part)
                if fn is many_connections:
                    t_spawn += timed(spawn_loop, part)
            got = len(os.listdir(new))
            if got != count:
                raise RuntimeError(f"{label}: {got} messages in new/, expected {count}")
            shutil.rmtree(os.path.join(home, "Maildir"))
            for name in os.listdir(os.path.join(md, "new")):
                os.unlink(os.path.join(md, "new", name))
            r_smtpd, r_loop = count / t_smtpd, count / t_loop
            line = (f"smtp {label}: smtpd {r_smtpd:.0f} msg/s, fsync-loop {r_loop:.0f} msg/s, "
                    f"ratio {r_smtpd / r_loop:.2f}")
            if t_spawn:
                r_floor = count / (t_loop + t_spawn)
                line += (f"; fsync-loop+fork/exec {r_floor:.0f} msg/s, "
                         f"ratio {r_smtpd / r_floor:.2f}")
            print(line)
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as e:
        print(f"bench_smtp: {e}", file=sys.stderr)
        sys.exit(1)
