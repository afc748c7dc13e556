#!/usr/bin/env python3
"""The python imaplib client of the IMAP interop tests.

A connection is either TCP with a login, or a tunnel: a command that speaks IMAP on
its stdin/stdout and greets with PREAUTH (imaplib.IMAP4_stream), as `imapd --preauth`
does for mutt, mbsync and offlineimap.
  CONN = tcp HOST PORT USER PASS | tunnel COMMAND

usage: imap_client.py greet HOST PORT SECONDS
           connect until a server greets with * OK (retrying for up to SECONDS: the
           superserver may still be starting), then LOGOUT. Exit 1 if none did.
       imap_client.py fetch OUTDIR CONN
           LOGIN, SELECT INBOX, UID FETCH 1:* (RFC822.SIZE BODY.PEEK[]): each message
           into OUTDIR/<uid>, its length equal to RFC822.SIZE; BODY.PEEK sets no \\Seen.
       imap_client.py ops MAILDIR MAILDIR_TOOL CONN
           the commands a client uses, each checked on the Maildir on disk: SELECT,
           FETCH BODY[] (sets \\Seen), STORE +/-FLAGS, STORE \\Deleted + EXPUNGE,
           APPEND with flags (APPENDUID), CREATE, COPY (COPYUID), MOVE, LIST, STATUS,
           RENAME, DELETE;
           then a delivery and a flag change made on the server with MAILDIR_TOOL
           (bin/maildir) are reported at NOOP (EXISTS, FETCH FLAGS).
       imap_client.py idle MAILDIR MAILDIR_TOOL CONN
           IDLE (RFC 2177): SELECT, send IDLE, deliver a message with MAILDIR_TOOL, and
           expect "* n EXISTS" within IDLE_WAIT seconds; DONE; the tagged OK. Exit 3
           (after a "SKIP:" line) when CAPABILITY lacks IDLE. TCP only.
Exit 0 on success, 1 (with messages on stderr) on any failure.
"""
import imaplib
import os
import re
import subprocess
import sys
import time

TIMEOUT = 60     # seconds per socket operation; a stuck server fails the test
IDLE_WAIT = 2.0  # seconds from a delivery to the EXISTS response during IDLE

MSG = (b"From: imaplib <py@example.org>\r\nTo: user@example.org\r\n"
       b"Subject: appended by imaplib\r\nMessage-ID: <append@py.example.org>\r\n\r\n"
       b"appended\r\n.dot line\r\n8-bit: \xc3\xa9t\xc3\xa9\r\n")
DELIVERED = (b"From: server <srv@example.org>\nSubject: delivered during the session\n\n"
             b"found by NOOP\n")


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def connect(conn):
    if conn[0] == "tunnel" and len(conn) == 2:
        m = imaplib.IMAP4_stream(conn[1])
        check(m.state == "AUTH", f"tunnel greeting is not PREAUTH: {m.welcome!r}")
        return m
    if conn[0] == "tcp" and len(conn) == 5:
        m = imaplib.IMAP4(conn[1], int(conn[2]), timeout=TIMEOUT)
        if m.state == "AUTH":
            return m  # a PREAUTH server on TCP (a check of this script against Dovecot)
        check("AUTH=PLAIN" in m.capabilities and "LOGINDISABLED" not in m.capabilities,
              f"plaintext login not offered on loopback: {m.capabilities}")
        m.login(conn[3], conn[4])
        return m
    raise SystemExit(__doc__)


def ok(res, what):
    typ, data = res
    check(typ == "OK", f"{what}: {typ} {data!r}")
    return data


def code(m, name):
    """The response code NAME of the last tagged response, e.g. APPENDUID."""
    got = m.untagged_responses.pop(name, None)
    check(got, f"no [{name} ...] response code")
    return got[-1].decode()


def fetch(outdir, conn):
    os.makedirs(outdir, exist_ok=True)
    m = connect(conn)
    n = int(ok(m.select("INBOX"), "SELECT")[0])
    data = ok(m.uid("FETCH", "1:*", "(RFC822.SIZE BODY.PEEK[])"), "UID FETCH")
    got = 0
    for item in data:
        if not isinstance(item, tuple):
            continue
        head, body = item
        uid = re.search(rb"UID (\d+)", head)
        size = re.search(rb"RFC822\.SIZE (\d+)", head)
        check(uid and size, f"FETCH response without UID or RFC822.SIZE: {head!r}")
        check(len(body) == int(size.group(1)),
              f"UID {uid.group(1)}: RFC822.SIZE {size.group(1)}, BODY[] {len(body)} octets")
        with open(os.path.join(outdir, uid.group(1).decode()), "wb") as fh:
            fh.write(body)
        got += 1
    check(got == n, f"SELECT said {n} EXISTS, FETCH gave {got} messages")
    flags = ok(m.fetch("1:*", "(FLAGS)"), "FETCH FLAGS")
    check(not any(b"\\Seen" in f for f in flags), f"BODY.PEEK[] set \\Seen: {flags!r}")
    m.logout()
    return 0


# --- the Maildir on disk ---------------------------------------------------------

def uid_files(md, tool, folder=""):
    """{uid: (base name, flags)} from `maildir uids`."""
    args = [tool, "uids", md] + ([folder] if folder else [])
    out = {}
    for line in subprocess.run(args, check=True, capture_output=True).stdout.decode().splitlines():
        if line.startswith("#"):
            continue
        f = line.split("\t")
        name = f[-1]
        base, _, info = name.partition(":2,")
        out[int(f[0])] = (base, info.split(",")[0])
    return out


def seq_uid(m, seq):
    data = ok(m.fetch(str(seq), "(UID)"), f"FETCH {seq} UID")
    return int(re.search(rb"UID (\d+)", data[0]).group(1))


def ops(md, tool, conn):
    m = connect(conn)
    before = uid_files(md, tool)
    n = int(ok(m.select("INBOX"), "SELECT")[0])
    check(n == len(before) and n >= 4, f"SELECT: {n} EXISTS, {len(before)} on disk")

    # FETCH BODY[] sets \Seen, on disk as S
    u1 = seq_uid(m, 1)
    data = ok(m.fetch("1", "(BODY[])"), "FETCH 1 BODY[]")
    body = data[0][1]
    flags = ok(m.fetch("1", "(FLAGS)"), "FETCH FLAGS")[0]
    check(b"\\Seen" in flags, f"FETCH BODY[] did not set \\Seen: {flags!r}")
    check("S" in uid_files(md, tool)[u1][1], "FETCH BODY[]: no S flag on disk")
    check(len(body) > 0, "FETCH BODY[]: empty")

    # STORE +FLAGS / -FLAGS
    u2 = seq_uid(m, 2)
    ok(m.store("2", "+FLAGS", "(\\Flagged $Label1)"), "STORE +FLAGS")
    check("F" in uid_files(md, tool)[u2][1], "STORE +FLAGS \\Flagged: no F on disk")
    ok(m.store("2", "-FLAGS.SILENT", "(\\Flagged)"), "STORE -FLAGS")
    check("F" not in uid_files(md, tool)[u2][1], "STORE -FLAGS \\Flagged: F still on disk")

    # \Deleted + EXPUNGE
    u3 = seq_uid(m, 3)
    ok(m.store("3", "+FLAGS.SILENT", "(\\Deleted)"), "STORE \\Deleted")
    check("T" in uid_files(md, tool)[u3][1], "STORE \\Deleted: no T on disk")
    data = ok(m.expunge(), "EXPUNGE")
    check(data == [b"3"], f"EXPUNGE responses {data!r}, expected [b'3']")
    after = uid_files(md, tool)
    check(u3 not in after and len(after) == n - 1, "EXPUNGE: the message is still on disk")
    n -= 1

    # APPEND with flags: APPENDUID names the new message, byte-exact on the wire
    ok(m.append("INBOX", "(\\Seen \\Answered)", None, MSG), "APPEND")
    appenduid = code(m, "APPENDUID").split()
    ua = int(appenduid[1])
    check(ua in uid_files(md, tool), f"APPENDUID {ua} not on disk")
    check(uid_files(md, tool)[ua][1] == "RS", f"APPEND flags on disk: {uid_files(md, tool)[ua][1]!r}")
    ok(m.noop(), "NOOP after APPEND")
    data = ok(m.uid("FETCH", str(ua), "(BODY.PEEK[])"), "UID FETCH appended")
    check(data[0][1] == MSG, "the appended message differs when fetched")
    n += 1

    # CREATE, COPY, MOVE
    ok(m.create('"Py Folder/Sub"'), "CREATE")
    check(os.path.isfile(os.path.join(md, ".Py Folder.Sub", "maildirfolder")),
          "CREATE: no Maildir++ folder .Py Folder.Sub")
    ok(m.uid("COPY", str(ua), '"Py Folder/Sub"'), "UID COPY")
    code(m, "COPYUID")
    check(len(uid_files(md, tool, "Py Folder/Sub")) == 1, "COPY: not in the folder on disk")
    check(ua in uid_files(md, tool), "COPY: the source is gone")
    um = seq_uid(m, 1)
    typ, data = m._simple_command("UID", "MOVE", str(um), '"Py Folder/Sub"')
    check(typ == "OK", f"UID MOVE: {typ} {data!r}")
    check(um not in uid_files(md, tool), "MOVE: the source is still on disk")
    moved = uid_files(md, tool, "Py Folder/Sub")
    check(len(moved) == 2, f"MOVE: {len(moved)} messages in the folder, expected 2")
    check(m.untagged_responses.get("EXPUNGE") == [b"1"],
          f"MOVE: EXPUNGE responses {m.untagged_responses.get('EXPUNGE')!r}")
    m.untagged_responses.pop("EXPUNGE", None)
    n -= 1
    data = ok(m.list('""', "*"), "LIST")
    check(any(b'"Py Folder/Sub"' in d for d in data), f"LIST lacks the folder: {data!r}")
    data = ok(m.status('"Py Folder/Sub"', "(MESSAGES UIDNEXT)"), "STATUS")
    check(b"MESSAGES 2" in data[0], f"STATUS: {data!r}")
    ok(m.rename('"Py Folder/Sub"', '"Py Renamed"'), "RENAME")
    check(os.path.isdir(os.path.join(md, ".Py Renamed", "cur")) and
          not os.path.exists(os.path.join(md, ".Py Folder.Sub")), "RENAME: not so on disk")
    check(len(uid_files(md, tool, "Py Renamed")) == 2, "RENAME: the messages did not move")
    ok(m.delete('"Py Renamed"'), "DELETE")
    check(not os.path.exists(os.path.join(md, ".Py Renamed")), "DELETE: still on disk")

    # changes made on the server show at NOOP
    subprocess.run([tool, "deliver", md], input=DELIVERED, check=True,
                   stderr=subprocess.DEVNULL)
    ok(m.noop(), "NOOP")
    exists = m.untagged_responses.pop("EXISTS", [b"?"])[-1]
    check(exists == str(n + 1).encode(), f"NOOP after a delivery: EXISTS {exists!r}, "
          f"expected {n + 1}")
    u4 = seq_uid(m, 1)
    m.untagged_responses.pop("FETCH", None)
    subprocess.run([tool, "flag", md, str(u4), "+\\Flagged"], check=True,
                   stderr=subprocess.DEVNULL)
    ok(m.noop(), "NOOP")
    fl = m.untagged_responses.pop("FETCH", [])
    check(any(f.startswith(b"1 (") and b"\\Flagged" in f for f in fl),
          f"NOOP after `maildir flag +\\Flagged`: FETCH responses {fl!r}")
    ok(m.close(), "CLOSE")
    m.logout()
    return 0


def idle(md, tool, conn):
    check(conn[0] == "tcp", "idle: TCP only")
    m = connect(conn)
    caps = ok(m.capability(), "CAPABILITY")[0].split()
    if b"IDLE" not in caps:
        print("SKIP: IDLE: imapd's CAPABILITY lacks IDLE (RFC 2177): not checked")
        m.logout()
        return 3
    n = int(ok(m.select("INBOX"), "SELECT")[0])
    tag = m._new_tag()
    m.send(tag + b" IDLE\r\n")
    line = m.readline()
    check(line.startswith(b"+"), f"IDLE: no continuation: {line!r}")
    subprocess.run([tool, "deliver", md], input=DELIVERED, check=True,
                   stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    m.sock.settimeout(IDLE_WAIT)
    seen = []
    want = b"* %d EXISTS" % (n + 1)
    try:
        while True:
            line = m.readline().rstrip(b"\r\n")
            seen.append(line)
            if line == want:
                break
    except OSError:
        raise Fail(f"IDLE: no {want!r} within {IDLE_WAIT} s of the delivery; got {seen!r}")
    took = time.monotonic() - t0
    m.sock.settimeout(TIMEOUT)
    m.send(b"DONE\r\n")
    while True:
        line = m.readline()
        check(line, "IDLE: connection closed after DONE")
        if line.startswith(tag + b" "):
            check(line.startswith(tag + b" OK"), f"IDLE: {line!r}")
            break
    print(f"idle: EXISTS {took * 1000:.0f} ms after the delivery")
    m.logout()
    return 0


def greet(host, port, seconds):
    end = time.monotonic() + float(seconds)
    while True:
        try:
            m = imaplib.IMAP4(host, int(port), timeout=10)
            m.logout()
            return 0
        except (imaplib.IMAP4.error, OSError) as e:
            if time.monotonic() > end:
                print(f"imap_client: no greeting from {host}:{port}: {e}", file=sys.stderr)
                return 1
            time.sleep(0.1)


def main(argv):
    try:
        if len(argv) == 5 and argv[1] == "greet":
            return greet(*argv[2:5])
        if len(argv) >= 4 and argv[1] == "fetch":
            return fetch(argv[2], argv[3:])
        if len(argv) >= 6 and argv[1] == "ops":
            return ops(argv[2], argv[3], argv[4:])
        if len(argv) >= 6 and argv[1] == "idle":
            return idle(argv[2], argv[3], argv[4:])
    except (Fail, imaplib.IMAP4.error, OSError, subprocess.CalledProcessError) as e:
        print(f"imap_client: {argv[1]}: {e}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
