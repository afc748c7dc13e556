#!/usr/bin/env python3
"""imapd under concurrency: what each session is told must add up to the Maildir.

Run by tests/stress/imapd-concurrency.sh (which documents the set-up). Standard library
only. For SECONDS seconds, at once:
  - two `imapd --preauth` sessions on INBOX send random commands (NOOP, CHECK, FETCH,
    UID FETCH, STORE, UID STORE, EXPUNGE, UID EXPUNGE) and now and then a "ghost probe":
    the driver unlinks the file of a message the session still shows (as another
    process expunging it would), then asks the session for its FLAGS, its body, and a
    STORE to it;
  - deliveries through `smtpd` (one SMTP session a message) and `maildir deliver`;
  - `pop3d --preauth` sessions deleting a message or two each;
  - `maildir flag` setting and clearing flags.
Each imapd session keeps a model of its mailbox from the untagged responses alone
(EXISTS, EXPUNGE, FETCH UID/FLAGS, RECENT: sequence number -> UID and flags), and the
driver checks as it goes:
  - EXISTS never shrinks the view; EXPUNGE and FETCH name a number in the view;
  - UIDs increase with the sequence number and a number keeps its UID;
  - no EXPUNGE during FETCH, STORE (RFC 3501 7.4.1; the UID forms may have them);
  - a UID always names the same message (its Message-Id), in every session;
  - a ghost (expunged by someone else, not yet reported): FETCH FLAGS still answers,
    FETCH of its body answers the body or NO [EXPUNGEISSUED], a STORE to it is dropped
    (the message does not come back on disk), and the EXPUNGE follows at the next NOOP;
  - no message is \\Recent in both sessions (RFC 3501 2.3.2);
  - every command gets its tagged answer, and the session never dies.
At the end (writers stopped, then a NOOP), each model must equal the mailbox: UID
FETCH 1:* (UID FLAGS) and `maildir uids`. Exit 0 when all holds, 1 with FAIL lines.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import threading
import time

TIMEOUT = 20          # seconds any one answer may take before the session counts as stuck
FLAG_NAMES = ("\\Seen", "\\Flagged", "\\Answered", "\\Draft")
KEYWORDS = ("$Work", "Later")

failures = []
fail_lock = threading.Lock()


def fail(msg):
    with fail_lock:
        failures.append(msg)
        if len(failures) <= 30:
            print("FAIL: " + msg, flush=True)


# Message-Id of every UID seen by anyone: a UID must never name two messages.
uid_msgid = {}
uid_lock = threading.Lock()


def note_msgid(who, uid, msgid):
    with uid_lock:
        old = uid_msgid.setdefault(uid, msgid)
    if old != msgid:
        fail("%s: UID %d reused: was %s, now %s" % (who, uid, old, msgid))


def maildir_uids(args):
    """[(uid, set of flags and keywords, file name)] from `maildir uids`."""
    out = subprocess.run([os.path.join(args.bin, "maildir"), "uids", args.maildir],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         check=False, timeout=TIMEOUT).stdout.decode()
    res = []
    for line in out.splitlines():
        if line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) < 4:
            continue
        fl = set()
        for col in (f[1], f[2]):
            if col != "-":
                fl.update(col.split())
        res.append((int(f[0]), fl, f[3]))
    return res


class Session:
    """One imapd --preauth session and its model of INBOX."""

    FETCH_RE = re.compile(rb"^\* (\d+) FETCH \((.*)\)$", re.S)

    def __init__(self, name, args):
        self.name = name
        self.args = args
        env = dict(os.environ, HOME=args.home, USER="alice")
        env.pop("MAILDIR", None)
        self.p = subprocess.Popen([os.path.join(args.bin, "imapd"), "--preauth"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=open(os.path.join(args.dir, name + ".err"), "wb"),
                                  env=env)
        self.tagn = 0
        self.uids = []        # the model: uids[seq - 1], None until a FETCH tells
        self.flags = {}       # uid -> set of flags (no \Recent)
        self.recent = set()   # UIDs this session was told are \Recent
        self.stats = {"commands": 0, "expunges": 0, "exists": 0, "flag_updates": 0,
                      "probes": 0, "ghost_bodies": 0, "ghost_no": 0}
        self.dead = False
        greeting = self.read_line()
        if greeting is None or not greeting[0].startswith(b"* PREAUTH"):
            fail("%s: no PREAUTH greeting: %r" % (name, greeting))
            self.dead = True

    # --- wire ---------------------------------------------------------------------
    def read_line(self):
        """One response line with its literals: (text with {n} markers, [literal bytes])."""
        text, lits = b"", []
        while True:
            line = self.p.stdout.readline()
            if not line:
                return None
            if not line.endswith(b"\r\n"):
                fail("%s: line without CRLF: %r" % (self.name, line))
                return None
            line = line[:-2]
            text += line
            m = re.search(rb"\{(\d+)\}$", line)
            if not m:
                return text, lits
            n = int(m.group(1))
            lits.append(self.p.stdout.read(n))

    def command(self, cmd):
        """Send cmd; process the untagged responses; the tagged line and the untagged list."""
        if self.dead:
            return None, []
        self.tagn += 1
        tag = b"t%d" % self.tagn
        self.stats["commands"] += 1
        try:
            self.p.stdin.write(tag + b" " + cmd.encode() + b"\r\n")
            self.p.stdin.flush()
        except OSError:
            fail("%s: session gone before %s" % (self.name, cmd))
            self.dead = True
            return None, []
        word = cmd.split()[0].upper()
        if word == "UID":
            word = "UID " + cmd.split()[1].upper()
        untagged = []
        while True:
            r = self.read_line()
            if r is None:
                fail("%s: session ended during %s" % (self.name, cmd))
                self.dead = True
                return None, untagged
            text, lits = r
            if text.startswith(tag + b" "):
                return text[len(tag) + 1:], untagged
            if not text.startswith(b"* "):
                fail("%s: unexpected line %r" % (self.name, text))
                continue
            untagged.append((text, lits))
            self.untagged(word, text, lits)

    # --- the model ----------------------------------------------------------------
    def untagged(self, word, text, lits):
        m = re.match(rb"^\* (\d+) (EXISTS|EXPUNGE|RECENT)$", text)
        if m:
            n, what = int(m.group(1)), m.group(2)
            if what == b"EXISTS":
                if n < len(self.uids):
                    fail("%s: EXISTS %d shrinks the view of %d" % (self.name, n, len(self.uids)))
                self.uids.extend([None] * (n - len(self.uids)))
                self.stats["exists"] += 1
            elif what == b"EXPUNGE":
                if word in ("FETCH", "STORE", "SEARCH"):
                    fail("%s: EXPUNGE during %s (RFC 3501 7.4.1)" % (self.name, word))
                if not 1 <= n <= len(self.uids):
                    fail("%s: EXPUNGE %d outside the view of %d" % (self.name, n, len(self.uids)))
                else:
                    uid = self.uids.pop(n - 1)
                    self.flags.pop(uid, None)
                    self.stats["expunges"] += 1
            elif n > len(self.uids):
                fail("%s: RECENT %d above EXISTS %d" % (self.name, n, len(self.uids)))
            return
        m = self.FETCH_RE.match(text)
        if not m:
            return
        n, items = int(m.group(1)), m.group(2)
        if not 1 <= n <= len(self.uids):
            fail("%s: FETCH %d outside the view of %d" % (self.name, n, len(self.uids)))
            return
        um = re.search(rb"\bUID (\d+)", items)
        uid = self.uids[n - 1]
        if um:
            u = int(um.group(1))
            if uid is None:
                before = [x for x in self.uids[:n - 1] if x is not None]
                after = [x for x in self.uids[n:] if x is not None]
                if (before and before[-1] >= u) or (after and after[0] <= u):
                    fail("%s: UID %d at %d out of order" % (self.name, u, n))
                self.uids[n - 1] = uid = u
            elif uid != u:
                fail("%s: message %d was UID %d, FETCH says %d" % (self.name, n, uid, u))
        fm = re.search(rb"\bFLAGS \(([^)]*)\)", items)
        if fm:
            fl = set(fm.group(1).decode().split())
            if uid is None:
                return  # legal: the client has not asked for this UID yet
            if "\\Recent" in fl:
                self.recent.add(uid)
                fl.discard("\\Recent")
            self.flags[uid] = fl
            self.stats["flag_updates"] += 1
        hm = re.search(rb"BODY\[HEADER\.FIELDS \(MESSAGE-ID\)\] \{\d+\}", items)
        if hm and uid is not None and lits:
            mid = re.search(rb"<[^>]*>", lits[0])
            note_msgid(self.name, uid, mid.group(0).decode() if mid else "(none)")

    def learn(self):
        """Fetch UID, FLAGS and Message-Id of every message whose UID is unknown."""
        unknown = [i + 1 for i, u in enumerate(self.uids) if u is None]
        if not unknown:
            return
        tagged, _ = self.command("FETCH %d:%d (UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
                                 % (unknown[0], unknown[-1]))
        if tagged is not None and not tagged.startswith(b"OK"):
            # messages expunged meanwhile have no body: NO [EXPUNGEISSUED], the rest
            # answered; their UIDs come with a later FETCH
            if b"EXPUNGEISSUED" not in tagged:
                fail("%s: FETCH of new messages: %r" % (self.name, tagged))

    def ok(self, cmd, tagged, allow_expungeissued=False):
        if tagged is None:
            return
        if tagged.startswith(b"OK"):
            return
        if allow_expungeissued and tagged.startswith(b"NO [EXPUNGEISSUED]"):
            return
        fail("%s: %s -> %r" % (self.name, cmd, tagged))

    def targets(self, what, uid):
        """The UIDs a sequence set (one number or a:b) names now."""
        a, _, b = what.partition(":")
        a, b = int(a), int(b or a)
        if uid:
            return [u for u in self.uids if u is not None and a <= u <= b]
        return [u for u in self.uids[a - 1:b] if u is not None]

    def silent_store(self, targets, sign, fl):
        """What a client knows after STORE .SILENT (RFC 3501 6.4.6): no FETCH comes."""
        for u in targets:
            if u not in self.flags or u not in self.uids:
                continue
            if sign == "+":
                self.flags[u] |= fl
            elif sign == "-":
                self.flags[u] -= fl
            else:
                self.flags[u] = set(fl)

    def seqset(self):
        n = len(self.uids)
        a = random.randint(1, n)
        b = random.randint(a, min(n, a + 5))
        return "%d" % a if a == b else "%d:%d" % (a, b)

    def random_command(self):
        if not self.uids or random.random() < 0.15:
            cmd = random.choice(["NOOP", "NOOP", "CHECK"])
            self.ok(cmd, self.command(cmd)[0])
            self.learn()
            return
        r = random.random()
        if r < 0.25:
            cmd = "FETCH %s (UID FLAGS)" % self.seqset()
            self.ok(cmd, self.command(cmd)[0])
        elif r < 0.35:
            cmd = "FETCH %s (FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])" % self.seqset()
            self.ok(cmd, self.command(cmd)[0], allow_expungeissued=True)
        elif r < 0.45:
            known = [u for u in self.uids if u is not None]
            if known:
                cmd = "UID FETCH %d:* (FLAGS)" % random.choice(known)
                self.ok(cmd, self.command(cmd)[0])
        elif r < 0.75:
            fl = random.sample(FLAG_NAMES + KEYWORDS, random.randint(1, 2))
            uid = random.random() < 0.3
            if uid:
                known = [u for u in self.uids if u is not None]
                if not known:
                    return
                what = "%d" % random.choice(known)
            else:
                what = self.seqset()
            sign, silent = random.choice(["+", "-", ""]), random.random() < 0.5
            cmd = "%sSTORE %s %sFLAGS%s (%s)" % ("UID " if uid else "", what, sign,
                                                 ".SILENT" if silent else "", " ".join(fl))
            targets = self.targets(what, uid)
            tagged = self.command(cmd)[0]
            self.ok(cmd, tagged)
            if silent and tagged is not None and tagged.startswith(b"OK"):
                self.silent_store(targets, sign, set(fl))
        elif r < 0.77:
            what = "%d" % random.randint(1, len(self.uids))
            cmd = "STORE %s +FLAGS.SILENT (\\Deleted)" % what
            targets = self.targets(what, False)
            tagged = self.command(cmd)[0]
            self.ok(cmd, tagged)
            if tagged is not None and tagged.startswith(b"OK"):
                self.silent_store(targets, "+", {"\\Deleted"})
            known = [u for u in self.uids if u is not None]
            if random.random() < 0.5 or not known:
                self.ok("EXPUNGE", self.command("EXPUNGE")[0])
            else:
                cmd = "UID EXPUNGE %d:*" % random.choice(known)
                self.ok(cmd, self.command(cmd)[0])
        elif r < 0.79:
            self.ghost_probe()
        else:
            cmd = "FETCH %s (UID RFC822.SIZE INTERNALDATE)" % self.seqset()
            self.ok(cmd, self.command(cmd)[0], allow_expungeissued=True)
        self.learn()

    def ghost_probe(self):
        """Expunge a message behind the session's back, then use it."""
        known = [(i + 1, u) for i, u in enumerate(self.uids) if u is not None]
        if not known:
            return
        seq, uid = random.choice(known)
        path = None
        for _ in range(3):
            for u, _fl, name in maildir_uids(self.args):
                if u == uid:
                    for sub in ("cur", "new"):
                        p = os.path.join(self.args.maildir, sub, name)
                        try:
                            os.unlink(p)
                            path = p
                            break
                        except FileNotFoundError:
                            pass
            if path is not None:
                break
        self.stats["probes"] += 1
        # FLAGS of a ghost: still answered (RFC 3501 7.4.1)
        tagged, unt = self.command("FETCH %d (FLAGS)" % seq)
        if tagged is None:
            return
        if not any(t.startswith(b"* %d FETCH (" % seq) and b"FLAGS (" in t for t, _ in unt):
            fail("%s: FETCH FLAGS of expunged message %d (UID %d) not answered: %r %r"
                 % (self.name, seq, uid, unt, tagged))
        self.ok("FETCH FLAGS of a ghost", tagged, allow_expungeissued=True)
        # its body: the body, or NO [EXPUNGEISSUED]
        tagged, unt = self.command("FETCH %d (BODY.PEEK[])" % seq)
        if tagged is None:
            return
        got = [lits for t, lits in unt if t.startswith(b"* %d FETCH (" % seq) and lits]
        if tagged.startswith(b"NO [EXPUNGEISSUED]"):
            self.stats["ghost_no"] += 1
        elif tagged.startswith(b"OK") and got:
            self.stats["ghost_bodies"] += 1
        else:
            fail("%s: FETCH BODY[] of expunged message %d: %r %r" % (self.name, seq, unt, tagged))
        # a STORE to it is dropped: the message does not come back
        tagged, unt = self.command("STORE %d +FLAGS (\\Flagged)" % seq)
        if tagged is None:
            return
        if not (tagged.startswith(b"OK") or tagged.startswith(b"NO [EXPUNGEISSUED]")):
            fail("%s: STORE to expunged message %d: %r" % (self.name, seq, tagged))
        if path is not None and any(u == uid for u, _f, _n in maildir_uids(self.args)):
            fail("%s: STORE brought back expunged UID %d" % (self.name, uid))
        if path is not None:
            self.ok("NOOP", self.command("NOOP")[0])
            if uid in self.uids:
                fail("%s: no EXPUNGE for UID %d after NOOP" % (self.name, uid))

    def final(self):
        """After the writers stopped: the model against UID FETCH and the disk."""
        self.ok("NOOP", self.command("NOOP")[0])
        self.learn()
        model = list(self.uids)
        mflags = {u: set(self.flags.get(u, set())) for u in model}
        tagged, unt = self.command("UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        self.ok("final UID FETCH", tagged)
        got = []
        for t, _lits in unt:
            m = self.FETCH_RE.match(t)
            if m:
                u = int(re.search(rb"\bUID (\d+)", m.group(2)).group(1))
                fl = set(re.search(rb"\bFLAGS \(([^)]*)\)", m.group(2)).group(1).decode().split())
                fl.discard("\\Recent")
                got.append((int(m.group(1)), u, fl))
        if [u for _s, u, _f in got] != model:
            fail("%s: model %s != UID FETCH %s" % (self.name, model, [u for _s, u, _f in got]))
        for s, u, fl in got:
            if u in mflags and mflags[u] != fl:
                fail("%s: UID %d: model flags %s, FETCH says %s" % (self.name, u, sorted(mflags[u]), sorted(fl)))
        disk = maildir_uids(self.args)
        if [u for u, _f, _n in disk] != model:
            fail("%s: model %s != maildir uids %s" % (self.name, model, [u for u, _f, _n in disk]))
        for u, fl, _n in disk:
            if u in mflags and mflags[u] != fl:
                fail("%s: UID %d: model flags %s, on disk %s" % (self.name, u, sorted(mflags[u]), sorted(fl)))
        return model

    def logout(self):
        tagged, _ = self.command("LOGOUT")
        self.ok("LOGOUT", tagged)
        try:
            self.p.stdin.close()
        except OSError:
            pass
        rc = self.p.wait(timeout=TIMEOUT)
        if rc != 0:
            fail("%s: imapd exit status %d (see %s.err)" % (self.name, rc, self.name))


def run_imap(sess, stop):
    try:
        sess.ok("SELECT", sess.command("SELECT INBOX")[0])
        sess.learn()
        while not stop.is_set() and not sess.dead:
            sess.random_command()
            time.sleep(0.002)
    except Exception as e:  # a broken invariant of the driver itself
        fail("%s: driver error %r" % (sess.name, e))


msg_counter = [0]
msg_lock = threading.Lock()


def next_msgid(kind):
    with msg_lock:
        msg_counter[0] += 1
        return "<%s-%d@concurrency.test>" % (kind, msg_counter[0])


def message(msgid):
    return ("Message-Id: %s\r\nFrom: a@example.org\r\nSubject: %s\r\n\r\nbody of %s\r\n"
            % (msgid, msgid, msgid))


def deliverer(args, stop, counts):
    while not stop.is_set():
        if random.random() < 0.5:
            mid = next_msgid("smtp")
            script = ("EHLO test\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<alice@example.org>\r\n"
                      "DATA\r\n" + message(mid) + ".\r\nQUIT\r\n")
            r = subprocess.run([os.path.join(args.bin, "smtpd"), "--users", args.users,
                                "--domain", "example.org"], input=script.encode(),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=TIMEOUT)
            if b"\r\n250 " not in r.stdout.split(b"354", 1)[-1]:
                fail("smtpd delivery not accepted: %r" % r.stdout[-200:])
            counts["smtp"] += 1
        else:
            mid = next_msgid("mda")
            r = subprocess.run([os.path.join(args.bin, "maildir"), "deliver", args.maildir],
                               input=message(mid).replace("\r\n", "\n").encode(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=TIMEOUT)
            if r.returncode != 0:
                fail("maildir deliver exit %d" % r.returncode)
            counts["deliver"] += 1
        time.sleep(0.01)


def pop3(args, stop, counts):
    env = dict(os.environ, HOME=args.home, USER="alice")
    while not stop.is_set():
        p = subprocess.Popen([os.path.join(args.bin, "pop3d"), "--preauth"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        try:
            greet = p.stdout.readline()
            if not greet.startswith(b"+OK"):
                # another POP3 session may hold the mailbox: [IN-USE] is fine
                p.communicate(b"QUIT\r\n", timeout=TIMEOUT)
                continue
            p.stdin.write(b"STAT\r\n")
            p.stdin.flush()
            st = p.stdout.readline().split()
            n = int(st[1]) if len(st) > 1 and st[0] == b"+OK" else 0
            cmds = b""
            for k in random.sample(range(1, n + 1), min(n, 1)):
                cmds += b"DELE %d\r\n" % k
            out, _ = p.communicate(cmds + b"QUIT\r\n", timeout=TIMEOUT)
            if p.returncode != 0:
                fail("pop3d exit status %d" % p.returncode)
            counts["pop3_deleted"] += cmds.count(b"DELE")
            counts["pop3"] += 1
        except Exception as e:
            fail("pop3d session: %r" % e)
            p.kill()
            p.wait()
        time.sleep(0.3)


def flagger(args, stop, counts):
    while not stop.is_set():
        msgs = maildir_uids(args)
        if msgs:
            u = random.choice(msgs)[0]
            fl = random.choice(FLAG_NAMES + KEYWORDS)
            subprocess.run([os.path.join(args.bin, "maildir"), "flag", args.maildir, str(u),
                            random.choice("+-") + fl], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=TIMEOUT)
            counts["flag"] += 1
        time.sleep(0.02)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--dir", required=True, help="holds users and home/alice/Maildir")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    args.home = os.path.join(args.dir, "home", "alice")
    args.maildir = os.path.join(args.home, "Maildir")
    args.users = os.path.join(args.dir, "users")
    seed = args.seed if args.seed is not None else int(time.time())
    random.seed(seed)
    print("seed %d" % seed, flush=True)

    for i in range(20):
        subprocess.run([os.path.join(args.bin, "maildir"), "deliver", args.maildir],
                       input=message(next_msgid("init")).replace("\r\n", "\n").encode(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    sessions = [Session("imap1", args), Session("imap2", args)]
    counts = {"smtp": 0, "deliver": 0, "pop3": 0, "pop3_deleted": 0, "flag": 0}
    stop = threading.Event()
    writers = [threading.Thread(target=f, args=(args, stop, counts))
               for f in (deliverer, pop3, flagger)]
    readers = [threading.Thread(target=run_imap, args=(s, stop)) for s in sessions]
    for t in writers + readers:
        t.daemon = True
        t.start()
    time.sleep(args.seconds)
    stop.set()
    for t in writers + readers:
        t.join(timeout=TIMEOUT * 2)
        if t.is_alive():
            fail("a worker is stuck")
    models = [s.final() for s in sessions]
    if models[0] != models[1]:
        fail("the two sessions disagree: %s / %s" % models)
    both = sessions[0].recent & sessions[1].recent
    if both:
        fail("\\Recent in both sessions: UIDs %s" % sorted(both))
    for s in sessions:
        s.logout()
        print("%s: %s" % (s.name, s.stats), flush=True)
    print("writers: %s, UIDs seen: %d, final messages: %d"
          % (counts, len(uid_msgid), len(models[0])), flush=True)
    # The run must have exercised what it checks, or it proves nothing.
    need = [("deliveries", counts["smtp"] + counts["deliver"] >= 5),
            ("pop3 sessions", counts["pop3"] >= 2),
            ("flag changes", counts["flag"] >= 10)]
    for s in sessions:
        need += [("%s ghost probes" % s.name, s.stats["probes"] >= 2),
                 ("%s EXPUNGEs" % s.name, s.stats["expunges"] >= 2),
                 ("%s commands" % s.name, s.stats["commands"] >= 30)]
    for what, ok in need:
        if not ok:
            fail("too little activity: %s" % what)
    if failures:
        print("%d failures (seed %d)" % (len(failures), seed))
        return 1
    print("imapd concurrency: all checks held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
