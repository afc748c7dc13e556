#!/usr/bin/env python3
"""smtpd's process model and resource bounds, run by smtpd-privsep.sh.

As root: no process holding the client's connection has a uid 0 (read from /proc while a
client is connected), the helper holds none of it; --session-user names the account and
a missing or root one is refused; one message to 300 owners delivers under a limit of
64 descriptors, each copy owned by its user; a maildirsize turned into a FIFO or a
symlink to a device between RCPT and DATA gives 451 at once; the relay and the
checkpassword program inherit neither the helper's socket nor the spool, and a checker
that never ends is killed at its deadline (test builds, which can shorten it). Not as root:
one process delivers as itself. Always: the peak RSS of a session is bounded for a
100 MB message and grows by little over a 1 KB one.

Usage: smtpd_privsep.py BIN RSSBIN WORKDIR
"""
import os
import pwd
import resource
import select
import shutil
import subprocess
import sys
import time

BIN, RSSBIN, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
ROOT = os.getuid() == 0
NOBODY = pwd.getpwnam("nobody")
DEADLINE = 30.0
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + detail if detail else ""))


def mkhome(name, uid, gid, maildir=False):
    home = os.path.join(WORK, "home", name)
    os.makedirs(home, exist_ok=True)
    if maildir:
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(home, "Maildir", sub), exist_ok=True)
    if ROOT:
        for dirpath, _dirs, _files in os.walk(home):
            os.chown(dirpath, uid, gid)
    return home


def users_file(entries):
    path = os.path.join(WORK, "users")
    with open(path, "w") as f:
        for name, uid, gid in entries:
            f.write("%s:{PLAIN}x:%d:%d::%s::\n" % (name, uid, gid,
                                                     os.path.join(WORK, "home", name)))
    return path


class Client:
    """smtpd on pipes; replies read with a deadline."""

    def __init__(self, args, binary=None, preexec=None, env=None):
        self.err = open(os.path.join(WORK, "stderr"), "w+")
        self.p = subprocess.Popen([os.path.join(binary or BIN, "smtpd")] + args,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=self.err, preexec_fn=preexec, bufsize=0,
                                  env=env)
        self.buf = b""

    def line(self):
        end = time.monotonic() + DEADLINE
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.p.stdout], [], [], left)[0]:
                raise RuntimeError("no reply within %d s" % DEADLINE)
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError("smtpd closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("ascii", "replace").rstrip("\r")

    def reply(self):
        """The last line of the next reply."""
        while True:
            line = self.line()
            if line[3:4] != "-":
                return line

    def send(self, data):
        self.p.stdin.write(data)

    def cmd(self, text):
        self.send(text.encode() + b"\r\n")
        return self.reply()

    def close(self):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        self.p.stdout.read()
        rc = self.p.wait(timeout=DEADLINE)
        self.err.seek(0)
        self.log = self.err.read()
        self.err.close()
        return rc


def tree(pid):
    """pid and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open("/proc/%d/task/%d/children" % (p, p)) as f:
                todo += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


def status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.split()
    return fields


def fd_targets(pid):
    d = "/proc/%d/fd" % pid
    out = []
    for fd in os.listdir(d):
        try:
            out.append(os.readlink(os.path.join(d, fd)))
        except OSError:
            pass
    return out


def client_pipes(c):
    return {"pipe:[%d]" % os.fstat(c.p.stdin.fileno()).st_ino,
            "pipe:[%d]" % os.fstat(c.p.stdout.fileno()).st_ino}


def holders(c):
    """(pid, uids) of every process of the session's tree holding the client's pipes."""
    pipes = client_pipes(c)
    out = []
    for p in tree(c.p.pid):
        if pipes & set(fd_targets(p)):
            out.append((p, status(p)["Uid"]))
    return out


def files(d):
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def test_process_model():
    mkhome("ann", NOBODY.pw_uid, NOBODY.pw_gid)
    users = users_file([("ann", NOBODY.pw_uid, NOBODY.pw_gid)])
    c = Client(["--users", users, "--domain", "example.org"])
    check("greeting", c.reply().startswith("220"))
    check("EHLO", c.cmd("EHLO client.example").startswith("250"))
    pids = tree(c.p.pid)
    h = holders(c)
    check("the session holds the client's connection", [p for p, _ in h] == [c.p.pid],
          repr(h))
    check("no process reading the client runs as uid 0",
          all("0" not in uids for _, uids in h), repr(h))
    st = status(c.p.pid)
    check("session: every uid is nobody's", st["Uid"] == [str(NOBODY.pw_uid)] * 4,
          repr(st["Uid"]))
    check("session: every gid is nobody's", st["Gid"] == [str(NOBODY.pw_gid)] * 4,
          repr(st["Gid"]))
    check("session: no supplementary group but nobody's",
          st.get("Groups", []) in ([], [str(NOBODY.pw_gid)]), repr(st.get("Groups")))
    helpers = [p for p in pids if p != c.p.pid]
    check("one helper", len(helpers) == 1, repr(pids))
    if helpers:
        hs = status(helpers[0])
        check("the helper is root", hs["Uid"][0] == "0", repr(hs["Uid"]))
        check("the helper holds nothing of the client",
              not client_pipes(c) & set(fd_targets(helpers[0])))
    # While a message is on its way and after it is delivered, the same.
    check("MAIL", c.cmd("MAIL FROM:<s@remote.example>").startswith("250"))
    check("RCPT", c.cmd("RCPT TO:<ann@example.org>").startswith("250"))
    check("DATA", c.cmd("DATA").startswith("354"))
    c.send(b"Subject: privsep\r\n\r\nhalf")
    time.sleep(0.2)
    h = holders(c)
    check("during DATA: no reader of the client is uid 0",
          h and all("0" not in uids for _, uids in h), repr(h))
    check("delivered", c.cmd(" way\r\n.").startswith("250"))
    new = os.path.join(WORK, "home", "ann", "Maildir", "new")
    got = files(new)
    check("one message in new/", len(got) == 1, repr(got))
    if got:
        st_msg = os.stat(os.path.join(new, got[0]))
        check("the message belongs to its user", st_msg.st_uid == NOBODY.pw_uid)
    check("QUIT", c.cmd("QUIT").startswith("221"))
    check("exit 0", c.close() == 0, c.log)
    check("the helper ended with the session (reaped)",
          not any(os.path.exists("/proc/%d" % p) for p in helpers))


def test_session_user():
    users = users_file([("ann", NOBODY.pw_uid, NOBODY.pw_gid)])
    daemon = pwd.getpwnam("daemon")
    c = Client(["--session-user", "daemon", "--users", users, "--domain", "example.org"])
    check("--session-user daemon: greeting", c.reply().startswith("220"))
    st = status(c.p.pid)
    check("--session-user daemon: the session runs as daemon",
          st["Uid"] == [str(daemon.pw_uid)] * 4, repr(st["Uid"]))
    c.cmd("QUIT")
    c.close()
    for who, why in (("no-such-account-here", "does not exist"), ("root", "uid 0")):
        c = Client(["--session-user", who, "--users", users, "--domain", "example.org"])
        out = c.p.stdout.read()
        rc = c.close()
        check("--session-user %s: refused with exit 100" % who, rc == 100, repr(rc))
        check("--session-user %s: not a byte to the client" % who, out == b"", repr(out))
        check("--session-user %s: the log says why" % who, why in c.log, c.log)


def test_many_owners():
    n = 300
    entries = [("u%d" % i, 40000 + i, 40000 + i) for i in range(n)]
    for name, uid, gid in entries:
        mkhome(name, uid, gid)
    users = users_file(entries)
    aliases = os.path.join(WORK, "aliases")
    with open(aliases, "w") as f:
        f.write("all: " + ", ".join(name for name, _, _ in entries) + "\n")

    def few_fds():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    c = Client(["--users", users, "--aliases", aliases, "--domain", "example.org"],
               preexec=few_fds)
    c.reply()
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<s@remote.example>")
    check("300 owners: RCPT", c.cmd("RCPT TO:<all@example.org>").startswith("250"))
    c.cmd("DATA")
    r = c.cmd("Subject: everyone\r\n\r\nto 300 owners\r\n.")
    check("300 owners under 64 descriptors: delivered", r.startswith("250"), r)
    c.cmd("QUIT")
    c.close()
    bad = []
    for name, uid, _ in entries:
        md = os.path.join(WORK, "home", name, "Maildir")
        got = files(os.path.join(md, "new"))
        if len(got) != 1 or files(os.path.join(md, "tmp")):
            bad.append((name, got))
        elif os.stat(os.path.join(md, "new", got[0])).st_uid != uid:
            bad.append((name, "owner"))
    check("300 owners: one copy each, owned by its user, nothing in tmp/", not bad,
          repr(bad[:5]))


def test_maildirsize_swapped():
    for kind in ("fifo", "device"):
        name = "q" + kind
        mkhome(name, NOBODY.pw_uid, NOBODY.pw_gid, maildir=True)
        users = users_file([(name, NOBODY.pw_uid, NOBODY.pw_gid)])
        c = Client(["--users", users, "--domain", "example.org"])
        c.reply()
        c.cmd("EHLO client.example")
        c.cmd("MAIL FROM:<s@remote.example>")
        check("maildirsize %s: RCPT accepted while it is absent" % kind,
              c.cmd("RCPT TO:<%s@example.org>" % name).startswith("250"))
        ms = os.path.join(WORK, "home", name, "Maildir", "maildirsize")
        if kind == "fifo":
            os.mkfifo(ms)
        else:
            os.symlink("/dev/zero", ms)
        c.cmd("DATA")
        t0 = time.monotonic()
        r = c.cmd("Subject: q\r\n\r\nx\r\n.")
        check("maildirsize made a %s before DATA: 451 at once" % kind,
              r.startswith("451") and time.monotonic() - t0 < 10, r)
        c.cmd("QUIT")
        c.close()
        check("maildirsize %s: logged" % kind, "not a regular file" in c.log, c.log)
        check("maildirsize %s: nothing delivered or left" % kind,
              not files(os.path.join(WORK, "home", name, "Maildir", "new")) and
              not files(os.path.join(WORK, "home", name, "Maildir", "tmp")))


def test_inherited_fds():
    """The relay (run by the session) and the checker (run by the helper) get neither
    the helper's socket nor the spool."""
    mkhome("ann", NOBODY.pw_uid, NOBODY.pw_gid)
    users = users_file([("ann", NOBODY.pw_uid, NOBODY.pw_gid)])
    logs = {}
    for who in ("relay", "checker"):
        logs[who] = os.path.join(WORK, who + ".fds")
        open(logs[who], "w").close()
        os.chown(logs[who], NOBODY.pw_uid, NOBODY.pw_gid)
    relay = os.path.join(WORK, "relay.sh")
    checker = os.path.join(WORK, "checker.sh")
    lister = ('for f in /proc/$$/fd/*; do printf "%%s %%s\\n" "${f##*/}" '
              '"$(readlink "$f")"; done >>%s\n')
    with open(relay, "w") as f:
        f.write("#!/bin/sh\ncat >/dev/null\necho \"uid $(id -u)\" >>%s\n" % logs["relay"] +
                lister % logs["relay"] + "exit 0\n")
    with open(checker, "w") as f:
        f.write("#!/bin/sh\n" + lister % logs["checker"] + 'exec "$@"\n')
    os.chmod(relay, 0o755)
    os.chmod(checker, 0o755)
    env = dict(os.environ, MAILD_TLS="1")
    c = Client(["--users", users, "--domain", "example.org", "--relay-via", relay,
                checker], env=env)
    c.reply()
    c.cmd("EHLO client.example")
    # "\0ann\0pw": the checker takes any password
    r = c.cmd("AUTH PLAIN AGFubgBwdw==")
    check("AUTH through the helper", r.startswith("235"), r)
    c.cmd("MAIL FROM:<ann@example.org>")
    c.cmd("RCPT TO:<friend@remote.example>")
    c.cmd("DATA")
    r = c.cmd("Subject: out\r\n\r\nrelayed\r\n.")
    check("relayed", r.startswith("250"), r)
    c.cmd("QUIT")
    c.close()
    for who in ("relay", "checker"):
        with open(logs[who]) as f:
            fds = f.read()
        check("%s ran" % who, fds != "")
        if who == "relay":
            check("the relay runs as the session's account, not root",
                  "uid %d\n" % NOBODY.pw_uid in fds, fds)
        check("%s has no socket (the helper's)" % who, "socket:" not in fds, fds)
        check("%s has no spool" % who, "smtpd-spool" not in fds, fds)


def is_test_build():
    """A test build (-DMAILD_TEST_HOOKS) honours SMTPD_TEST_TIMEOUT_MS: it says 421
    after 300 ms of silence, where any other build waits 5 minutes."""
    env = dict(os.environ, SMTPD_TEST_TIMEOUT_MS="300")
    c = Client(["--domain", "example.org"], env=env)
    c.reply()
    ready = select.select([c.p.stdout], [], [], 3)[0]
    if not ready:
        c.p.kill()
    c.close()
    return bool(ready)


def test_checker_deadline():
    """A checkpassword program that never ends is killed at its deadline (shortened by
    the test build's SMTPD_TEST_TIMEOUT_MS): 454, and no checker left behind."""
    users = users_file([("ann", NOBODY.pw_uid, NOBODY.pw_gid)])
    checker = os.path.join(WORK, "stuck.sh")
    mark = os.path.join(WORK, "stuck.pid")
    with open(checker, "w") as f:
        f.write("#!/bin/sh\necho $$ >%s\nexec sleep 120\n" % mark)
    os.chmod(checker, 0o755)
    env = dict(os.environ, MAILD_TLS="1", SMTPD_TEST_TIMEOUT_MS="1500")
    c = Client(["--users", users, "--domain", "example.org", checker], env=env)
    c.reply()
    c.cmd("EHLO client.example")
    t0 = time.monotonic()
    r = c.cmd("AUTH PLAIN AGFubgBwdw==")
    took = time.monotonic() - t0
    check("a stuck checker: 454 at its deadline", r.startswith("454") and took < 10,
          "%s after %.1f s" % (r, took))
    c.cmd("QUIT")
    c.close()
    pid = int(open(mark).read()) if os.path.exists(mark) else 0
    check("the stuck checker was killed", pid > 0 and not os.path.exists("/proc/%d" % pid),
          str(pid))


def test_unprivileged():
    """Not started as root: one process, delivering as itself."""
    home = mkhome("nob", NOBODY.pw_uid, NOBODY.pw_gid)
    users = users_file([("nob", NOBODY.pw_uid, NOBODY.pw_gid)])

    def become_nobody():
        os.setgroups([])
        os.setgid(NOBODY.pw_gid)
        os.setuid(NOBODY.pw_uid)

    c = Client(["--users", users, "--domain", "example.org"], preexec=become_nobody)
    c.reply()
    c.cmd("EHLO client.example")
    check("not root: no helper", tree(c.p.pid) == [c.p.pid], repr(tree(c.p.pid)))
    c.cmd("MAIL FROM:<s@remote.example>")
    c.cmd("RCPT TO:<nob@example.org>")
    c.cmd("DATA")
    r = c.cmd("Subject: self\r\n\r\nx\r\n.")
    check("not root: delivered as itself", r.startswith("250") and
          len(files(os.path.join(home, "Maildir", "new"))) == 1, r)
    c.cmd("QUIT")
    c.close()


def peak_rss(size):
    """VmHWM in kB of the session and of the helper (0 when none), for a message of
    about size octets."""
    name = "big"
    mkhome(name, NOBODY.pw_uid, NOBODY.pw_gid)
    users = users_file([(name, NOBODY.pw_uid, NOBODY.pw_gid)])
    c = Client(["--users", users, "--domain", "example.org", "--size", "200000000"],
               binary=RSSBIN)
    c.reply()
    c.cmd("EHLO client.example")
    c.cmd("MAIL FROM:<s@remote.example>")
    c.cmd("RCPT TO:<%s@example.org>" % name)
    c.cmd("DATA")
    line = b"x" * 76 + b"\r\n"
    block = line * (1024 * 1024 // len(line))
    sent = 0
    c.send(b"Subject: big\r\n\r\n")
    while sent + len(block) <= size:
        c.send(block)
        sent += len(block)
    while sent < size:
        c.send(line)
        sent += len(line)
    r = c.cmd(".")
    hwm = int(status(c.p.pid)["VmHWM"][0])
    helper = [p for p in tree(c.p.pid) if p != c.p.pid]
    hhwm = int(status(helper[0])["VmHWM"][0]) if helper else 0
    c.cmd("QUIT")
    c.close()
    md = os.path.join(WORK, "home", name, "Maildir")
    stored = sum(os.path.getsize(os.path.join(md, "new", f))
                 for f in files(os.path.join(md, "new")))
    shutil.rmtree(md)
    return r, hwm, hhwm, stored


def test_rss():
    r1, small, hsmall, _ = peak_rss(1024)
    r2, big, hbig, stored = peak_rss(100 * 1024 * 1024)
    print("  peak RSS: 1 KB message session %d kB helper %d kB; 100 MB message session "
          "%d kB helper %d kB" % (small, hsmall, big, hbig))
    check("1 KB message delivered", r1.startswith("250"), r1)
    check("100 MB message delivered, whole", r2.startswith("250") and
          stored > 100 * 1024 * 1024 * 76 // 78, "%s %d" % (r2, stored))
    check("100 MB message: session peak RSS under 32 MB", big < 32 * 1024, str(big))
    check("100 MB message: helper peak RSS under 32 MB", hbig < 32 * 1024, str(hbig))
    check("100 MB message: session peak within 8 MB of a 1 KB one",
          big - small < 8 * 1024, "%d %d" % (small, big))


def main():
    os.chmod(WORK, 0o755)
    os.makedirs(os.path.join(WORK, "home"), exist_ok=True)
    tests = [test_rss]
    if ROOT:
        tests = [test_process_model, test_session_user, test_many_owners,
                 test_maildirsize_swapped, test_inherited_fds, test_unprivileged] + tests
        if is_test_build():
            tests.append(test_checker_deadline)
        else:
            print("SKIP: not a test build: the checker deadline is 60 s there")
    else:
        print("SKIP: not root: the process-model tests need root (running the rest)")
    for t in tests:
        try:
            t()
        except (OSError, RuntimeError, subprocess.TimeoutExpired, KeyError,
                IndexError) as e:
            check(t.__name__, False, "%s: %s" % (type(e).__name__, e))
    print("smtpd-privsep: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
