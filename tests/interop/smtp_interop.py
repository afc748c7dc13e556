#!/usr/bin/env python3
"""Helpers of the SMTP interop tests: fixtures, clients (python smtplib, raw sockets for
pipelining and BDAT), and the byte-exact checks of what smtpd stored and what pop3d
gives back.

usage: smtp_interop.py make DIR                 the fixtures, DIR/NAME.eml
       smtp_interop.py smtplib HOST PORT FROM RCPT FILE... [--8bit] [--auth USER PASS MECH]
                  python smtplib, one sendmail() per FILE in one session
       smtp_interop.py pipeline HOST PORT FROM RCPT COUNT FILE
                  one session, COUNT times MAIL+RCPT+DATA in one write (RFC 2920)
       smtp_interop.py bdat HOST PORT FROM RCPT CHUNK FILE
                  MAIL, RCPT and every BDAT chunk of CHUNK octets in one write (RFC 3030)
       smtp_interop.py session HOST PORT 'COMMAND=>REPLY-PREFIX'...
                  after EHLO, each command must get a reply starting with REPLY-PREFIX
       smtp_interop.py greet HOST PORT SECONDS  wait for a 220 greeting
       smtp_interop.py stored MAILDIR FIXDIR NAMES SENDER RCPT [RECEIVED]
                  new/ of MAILDIR holds exactly the fixtures NAMES (comma-separated,
                  a name may repeat), each in smtpd's stored form (below); RECEIVED is
                  how many Received: lines to expect (default 1: smtpd's own)
       smtp_interop.py relayed FILE FIXDIR NAME  a message as --relay-via got it
       smtp_interop.py pop3 BIN HOME FIXDIR NAMES [RECEIVED [SENDER RCPT]]
                  pop3d --preauth (as the owner of HOME) RETRs every message: each is
                  the fixture in its wire form (below); with SENDER and RCPT, its trace
                  fields are checked as for stored

What the checks allow, and nothing else. A fixture F is what the client hands over:
CRLF line ends, not dot-stuffed (the clients stuff it; smtplib, swaks and curl do).
  stored form: the trace header fields, then F with every CRLF turned into LF (smtpd(8):
  "stored with LF line ends, dot-unstuffed, otherwise byte for byte"). The trace fields
  are the top lines up to the first field that is not one of Return-Path:,
  Delivered-To:, Received: (with their continuation lines): exactly one Return-Path:
  naming SENDER, one Delivered-To: naming RCPT, and RECEIVED Received: fields (smtpd's,
  plus those of an MTA in front of it). No fixture starts with such a field.
  relayed form: one Received: field, then F with LF line ends (the --relay-via input).
  wire form (pop3d RETR, after removing POP3's dot-stuffing): the stored form with LF
  turned back into CRLF, so the same trace fields, then F exactly as the client sent it.
No fixture contains a bare CR or LF (smtpd refuses those in DATA), so the line-end
conversions cannot hide a change.
"""
import os
import smtplib
import socket
import subprocess
import sys
import time

TIMEOUT = 120  # seconds per socket operation; a stuck server fails the test
MAX_LINE = 998  # RFC 5322 2.1.1: the longest line, without CRLF
BIG_SIZE = 5 * 1024 * 1024
TRACE = (b"return-path:", b"delivered-to:", b"received:")


def hdr(name):
    return (b"From: Fixture Sender <sender@example.net>\r\nTo: user@example.org\r\n"
            b"Date: Mon, 01 Jan 2024 12:00:00 +0000\r\nSubject: fixture %s\r\n"
            b"Message-ID: <%s@fixtures.example.net>\r\n" % (name.encode(), name.encode()))


def fixtures():
    f = {}
    f["plain"] = hdr("plain") + b"\r\nA plain message.\r\nSecond line.\r\n"
    f["dots"] = hdr("dots") + (
        b"\r\n.leading dot\r\n..two dots\r\n...three\r\n. dot space\r\n.\r\n"
        b"after a line of just a dot\r\n..\r\nthe end\r\n")
    f["eightbit"] = hdr("eightbit") + (
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + "Gr\u00fc\u00dfe, \u65e5\u672c\u8a9e, \u00e9t\u00e9 \u2014 na\u00efve\r\n".encode()
        + b"latin-1: caf\xe9\r\n" + bytes(range(0x80, 0x100)) + b"\r\n")
    long_line = b"".join(b"%d" % (i % 10) for i in range(MAX_LINE))
    f["line998"] = hdr("line998") + b"\r\n" + long_line + b"\r\n." + long_line[1:] + b"\r\n"
    out, size, i = [], 0, 0
    while size < BIG_SIZE:
        if i % 997 == 0:
            line = b"."
        elif i % 101 == 0:
            line = b".leading dot on line %d" % i
        else:
            line = b"line %07d the quick brown fox jumps over the lazy dog 0123456789" % i
        out.append(line + b"\r\n")
        size += len(line) + 2
        i += 1
    f["big5mb"] = hdr("big5mb") + b"\r\n" + b"".join(out)
    return f


def make(d):
    os.makedirs(d, exist_ok=True)
    for name, data in fixtures().items():
        with open(os.path.join(d, name + ".eml"), "wb") as fh:
            fh.write(data)
    return 0


def read(path):
    with open(path, "rb") as fh:
        return fh.read()


def do_smtplib(host, port, sender, rcpt, args):
    files, auth, eight = [], None, False
    while args:
        a = args.pop(0)
        if a == "--8bit":
            eight = True
        elif a == "--auth":
            auth, args = args[:3], args[3:]
        else:
            files.append(a)
    with smtplib.SMTP(host, int(port), timeout=TIMEOUT) as s:
        s.ehlo("client.example.net")
        for ext in ("pipelining", "size", "8bitmime", "chunking"):
            if not s.has_extn(ext):
                raise smtplib.SMTPException(f"EHLO lacks {ext}")
        if auth:
            user, password, mech = auth
            s.user, s.password = user, password
            s.auth(mech, getattr(s, "auth_" + mech.lower()), initial_response_ok=True)
        opts = ["BODY=8BITMIME"] if eight else []
        for f in files:
            # smtplib declares SIZE= itself, since EHLO offered SIZE
            refused = s.sendmail(sender, [rcpt], read(f), mail_options=opts)
            if refused:
                raise smtplib.SMTPException(f"refused: {refused}")
    return 0


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise OSError("connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if line[3:4] != b"-":
                return lines

    def expect(self, prefix, what):
        r = self.reply()
        if not r[-1].startswith(prefix.encode()):
            raise OSError(f"{what}: expected {prefix}, got {r!r}")
        return r

    def send(self, data):
        self.sock.sendall(data)

    def ehlo(self, need=()):
        self.expect("220", "greeting")
        self.send(b"EHLO client.example.net\r\n")
        r = self.expect("250", "EHLO")
        exts = {ln[4:].split(b" ")[0].upper().decode() for ln in r[1:]}
        for e in need:
            if e not in exts:
                raise OSError(f"EHLO lacks {e}: {sorted(exts)}")


def stuff(data):
    out = (b"." if data.startswith(b".") else b"") + data.replace(b"\r\n.", b"\r\n..")
    return out + b".\r\n"


def pipeline(host, port, sender, rcpt, count, f):
    body = stuff(read(f))
    c = Conn(host, port)
    c.ehlo(("PIPELINING",))
    env = b"MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n" % (sender.encode(), rcpt.encode())
    for i in range(int(count)):
        c.send(env)
        c.expect("250", "MAIL")
        c.expect("250", "RCPT")
        c.expect("354", "DATA")
        c.send(body)
        c.expect("250", f"end of data, message {i + 1}")
    c.send(b"QUIT\r\n")
    c.expect("221", "QUIT")
    return 0


def bdat(host, port, sender, rcpt, chunk, f):
    data, chunk = read(f), int(chunk)
    c = Conn(host, port)
    c.ehlo(("CHUNKING", "PIPELINING"))
    out = [b"MAIL FROM:<%s> BODY=8BITMIME\r\nRCPT TO:<%s>\r\n" % (sender.encode(), rcpt.encode())]
    parts = [data[i:i + chunk] for i in range(0, len(data), chunk)] or [b""]
    for i, p in enumerate(parts):
        last = b" LAST" if i == len(parts) - 1 else b""
        out.append(b"BDAT %d%s\r\n" % (len(p), last) + p)
    c.send(b"".join(out))
    c.expect("250", "MAIL")
    c.expect("250", "RCPT")
    for i in range(len(parts)):
        c.expect("250", f"BDAT chunk {i + 1}/{len(parts)}")
    c.send(b"QUIT\r\n")
    c.expect("221", "QUIT")
    return 0


def session(host, port, steps):
    c = Conn(host, port)
    c.ehlo()
    for step in steps:
        cmd, want = step.split("=>", 1)
        c.send(cmd.encode() + b"\r\n")
        c.expect(want, cmd)
    c.send(b"QUIT\r\n")
    c.expect("221", "QUIT")
    return 0


def greet(host, port, seconds):
    end = time.monotonic() + float(seconds)
    while True:
        try:
            c = Conn(host, port)
            c.expect("220", "greeting")
            c.send(b"QUIT\r\n")
            return 0
        except OSError as e:
            if time.monotonic() > end:
                print(f"smtp_interop: no greeting from {host}:{port}: {e}", file=sys.stderr)
                return 1
            time.sleep(0.1)


def split_trace(msg, nl):
    """(trace fields as a list of (lowercased name, value), rest of the message)"""
    fields, pos = [], 0
    while True:
        end = msg.find(nl, pos)
        if end < 0:
            break
        line = msg[pos:end]
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] = (fields[-1][0], fields[-1][1] + b" " + line.strip())
        elif line.lower().startswith(TRACE):
            name, value = line.split(b":", 1)
            fields.append((name.lower().decode(), value.strip()))
        else:
            break
        pos = end + len(nl)
    return fields, msg[pos:]


def check_trace(where, fields, sender, rcpt, received):
    names = [n for n, _ in fields]
    errs = []
    if sender is not None:
        want = {"return-path": 1, "delivered-to": 1, "received": received}
        for n, k in want.items():
            if names.count(n) != k:
                errs.append(f"{where}: {names.count(n)} {n}: fields, expected {k}")
        for n, v in fields:
            if n == "return-path" and v != b"<%s>" % sender.encode():
                errs.append(f"{where}: Return-Path: {v!r}, expected <{sender}>")
            if n == "delivered-to" and v.strip(b"<>").lower() != rcpt.lower().encode():
                errs.append(f"{where}: Delivered-To: {v!r}, expected {rcpt}")
    elif names != ["received"]:
        errs.append(f"{where}: trace fields {names}, expected one Received:")
    return errs


def match(where, got, fix, names, nl, sender, rcpt, received):
    """got: {file: data}; every name in names matched by exactly one file."""
    errs = []
    want = {}
    for n in names:
        body = fix[n] if nl == b"\r\n" else fix[n].replace(b"\r\n", b"\n")
        want.setdefault(body, []).append(n)
    for g, data in sorted(got.items()):
        fields, rest = split_trace(data, nl)
        errs += check_trace(f"{where}/{g}", fields, sender, rcpt, received)
        if want.get(rest):
            want[rest].pop()
        else:
            errs.append(f"{where}/{g}: not byte-exact any expected fixture ({len(rest)} "
                        f"octets after the trace fields: {rest[:120]!r}...)")
    left = [n for v in want.values() for n in v]
    if left:
        errs.append(f"{where}: not found: {left}")
    return errs


def load_fix(d):
    return {n[:-4]: read(os.path.join(d, n)) for n in os.listdir(d) if n.endswith(".eml")}


def report(errs):
    for e in errs:
        print(e)
    return 1 if errs else 0


def stored(md, fixdir, names, sender, rcpt, received=1):
    new = os.path.join(md, "new")
    got = {n: read(os.path.join(new, n)) for n in os.listdir(new)} if os.path.isdir(new) else {}
    tmpd = os.path.join(md, "tmp")
    errs = match(md, got, load_fix(fixdir), names.split(","), b"\n", sender, rcpt, int(received))
    if os.path.isdir(tmpd) and os.listdir(tmpd):
        errs.append(f"{md}: files left in tmp/: {os.listdir(tmpd)}")
    return report(errs)


def relayed(path, fixdir, name):
    return report(match(path, {"stdin": read(path)}, load_fix(fixdir), [name], b"\n",
                        None, None, 1))


def pop3(binpath, home, fixdir, names, received=1, sender=None, rcpt=None):
    st = os.stat(home)
    env = dict(os.environ, USER="pop", HOME=home, MAILDIR=os.path.join(home, "Maildir"))

    def drop():
        if os.getuid() == 0:
            os.setgroups([])
            os.setgid(st.st_gid)
            os.setuid(st.st_uid)
    p = subprocess.Popen([os.path.join(binpath, "pop3d"), "--preauth"], env=env, cwd=home,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, preexec_fn=drop)
    out, _ = p.communicate(b"STAT\r\n", timeout=TIMEOUT)
    count = int(out.split(b"\r\n")[1].split()[1])
    cmds = b"".join(b"RETR %d\r\n" % i for i in range(1, count + 1)) + b"QUIT\r\n"
    p = subprocess.Popen([os.path.join(binpath, "pop3d"), "--preauth"], env=env, cwd=home,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, preexec_fn=drop)
    out, _ = p.communicate(cmds, timeout=TIMEOUT)
    lines = out.split(b"\r\n")
    got, i = {}, 1  # lines[0] is the greeting
    for n in range(1, count + 1):
        if not lines[i].startswith(b"+OK"):
            return report([f"pop3d RETR {n}: {lines[i]!r}"])
        i += 1
        body = []
        while lines[i] != b".":
            ln = lines[i]
            body.append(ln[1:] if ln.startswith(b".") else ln)  # RFC 1939 3: unstuff
            i += 1
        i += 1
        got["RETR %d" % n] = b"".join(ln + b"\r\n" for ln in body)
    return report(match("pop3d " + home, got, load_fix(fixdir), names.split(","), b"\r\n",
                        sender, rcpt, int(received)))


def main(argv):
    cmd, a = argv[1], argv[2:]
    if cmd == "make":
        return make(a[0])
    if cmd == "smtplib":
        return do_smtplib(a[0], a[1], a[2], a[3], a[4:])
    if cmd == "pipeline":
        return pipeline(*a)
    if cmd == "bdat":
        return bdat(*a)
    if cmd == "session":
        return session(a[0], a[1], a[2:])
    if cmd == "greet":
        return greet(*a)
    if cmd == "stored":
        return stored(*a)
    if cmd == "relayed":
        return relayed(*a)
    if cmd == "pop3":
        return pop3(*a)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, smtplib.SMTPException, ValueError, IndexError,
            subprocess.TimeoutExpired) as e:
        print(f"smtp_interop {sys.argv[1]}: {e}", file=sys.stderr)
        sys.exit(1)
