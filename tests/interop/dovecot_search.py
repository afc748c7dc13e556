#!/usr/bin/env python3
"""Differential test of imapd's SEARCH against Dovecot 2.3.

One Maildir holds the fixtures of tests/interop/mime-fixtures/ and generated ones with
encoded words, base64 and quoted-printable bodies, ISO-8859-1 and UTF-8 text, Date:
headers of several forms, and a body larger than imapd's decoding window. File names
carry flags, file times the INTERNALDATEs. Dovecot runs first (it assigns the UIDs and
stores a few keywords), then each SEARCH of SEARCHES is sent to a Dovecot session and
to `imapd --preauth` on the same Maildir, and the untagged SEARCH/ESEARCH responses
and the tagged status (OK/NO/BAD) must be equal.

Usage: dovecot_search.py --imapd PATH/imapd --work DIR [--show]
Prints "PASS: command" / "FAIL: command" with both answers; a difference listed in
KNOWN (explained in docs/COMPAT.md, section SEARCH) prints "PASS: ... (known)".
Exit 0 when nothing failed, 1 otherwise, 77 when Dovecot is not installed.
"""

import argparse
import base64
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dovecot_imap  # noqa: E402

SESSION_TIMEOUT = 300
DAY = 86400
T0 = 1700000000  # 2023-11-14 22:13:20 UTC


def lit(s):
    """A LITERAL+ literal of s (UTF-8)."""
    b = s.encode()
    return "{%d+}\r\n%s" % (len(b), s)


# The programs compared. Keep each one a single line but for the literals.
SEARCHES = [
    "ALL", "SEEN", "UNSEEN", "ANSWERED", "UNANSWERED", "FLAGGED", "UNFLAGGED",
    "DELETED", "UNDELETED", "DRAFT", "UNDRAFT", "RECENT", "NEW", "OLD",
    "KEYWORD $Work", "UNKEYWORD $Work", "KEYWORD nosuch", "UNKEYWORD nosuch",
    "1:3", "2,4:6", "*", "99", "20:99", "UID 99", "UID 2:99", "UID 2:4", "UID 1,*", "NOT 1:5", "3:1",
    "LARGER 1000", "SMALLER 300", "LARGER 100000",
    "BEFORE 17-Nov-2023", "ON 16-Nov-2023", "SINCE 16-Nov-2023",
    "SENTBEFORE 2-Jan-2024", "SENTON 1-Jan-2024", "SENTSINCE 1-Jan-2024",
    "SENTON 31-Dec-2023", "SENTBEFORE 1-Jan-1990",
    "FROM example", "FROM jm@example.de", "FROM \"Jürgen\"", "FROM \"müller\"",
    "TO pirard", "TO \"André\"", "CC carol", "BCC dave", "SUBJECT \"été\"", "SUBJECT \"ÉTÉ\"",
    "SUBJECT chaud", "SUBJECT \"été chaud\"", "SUBJECT \"größe\"", "SUBJECT \"GRÖSSE\"", "SUBJECT \"GRÖßE\"",
    "SUBJECT \"café\"", "SUBJECT \"naïve\"", "SUBJECT \"NAÏVE\"", "SUBJECT été",
    "SUBJECT ete", "SUBJECT cafe", "BODY cafe", "BODY Koln", "BODY \"Ko\u0308ln\"",
    "BODY \"K\u00d6\"", "TEXT \"gru\"", "TEXT gruss", "SUBJECT \"\u00c9T\u00c9\"", "TO andre",
    "BODY \"caf\u00e9 cre\"", "SUBJECT \"na\u00cfve\"", "SUBJECT \"nai\"", "FROM jurgen", "FROM \"Jürgen Müller\"",
    "FROM \"<jm@example.de>\"", "FROM \"Müller <jm\"", "TO \"André Pirard\"",
    "CC \"Carol <carol\"", "FROM \"\\\"Carol\\\"\"", "TO \"x@\"", "FROM \"=?UTF-8\"",
    "SUBJECT \"=?UTF-8\"", "SUBJECT \"caf=E9\"", "BODY \"caf=E9\"", "BODY w6l0",
    "TEXT \"Subject: two\"", "TEXT \"x-mailer: some\"", "TEXT \"subject:two\"",
    "KEYWORD \\Seen", "KEYWORD $work", "KEYWORD other",
    "BODY " + lit("K\u00f6ln\r\nGr\u00fc"), "BODY " + lit("K\u00f6ln\nGr\u00fc"),
    "BODY orig@example.org", "TEXT orig@example.org", "BODY \"original text\"",
    "BODY iVBORw0KGgo", "BODY \"first message\"", "TEXT \"one@example.com\"",
    "BODY \"not a message\"", "BODY hi", "BODY aGk", "BODY xx", "BODY \"inner no body\"",
    "TEXT \"inner no body\"", "BODY \"See attached\"", "BODY b2", "TEXT b2",
    "FROM \"zo\u00eb\"", "TO \"\u00c5SA\"", "SUBJECT \"GR\u00d6\u00dfE\"",
    "SUBJECT \"8-bit subject\"", "BODY \"gr\u00fc\u00dfe aus\"", "HEADER Content-Type text",
    "HEADER Content-Transfer-Encoding \"\"", "HEADER MIME-Version 1.0", "HEADER Date 2022",
    "SUBJECT \"chaud and\"", "SUBJECT \"été  chaud\"", "SUBJECT \"étéchaud\"",
    "HEADER Subject \"\"", "HEADER X-Mailer \"\"", "HEADER X-Mailer tool",
    "HEADER Message-ID \"<\"", "HEADER Content-Type multipart",
    "BODY chaud", "BODY \"café\"", "BODY \"CRÈME\"", "BODY \"grüße\"", "BODY secret",
    "BODY needle-across-window", "BODY soft-broken", "BODY \"Köln\"", "BODY \"KÖLN\"", "BODY attached",
    "BODY html", "TEXT chaud", "TEXT \"Jürgen\"", "TEXT example.se", "TEXT subject",
    "TEXT Content-Type", "TEXT boundary", "BODY \"\"",
    "CHARSET UTF-8 BODY \"grüße\"", "CHARSET US-ASCII SUBJECT one",
    "SUBJECT " + lit("größe"), "BODY " + lit("café crème"),
    "OR SEEN FLAGGED", "OR (SEEN FLAGGED) NOT DRAFT", "NOT OR SEEN BODY chaud",
    "(OR SUBJECT one SUBJECT two) UNSEEN", "OR OR SEEN DRAFT OR ANSWERED DELETED",
    "NOT NOT NOT SEEN", "SEEN BODY chaud", "OR SEEN BODY chaud",
    "RETURN (MIN MAX COUNT ALL) ALL", "RETURN () SEEN", "RETURN (COUNT) FLAGGED",
    "RETURN (MIN) BODY nothing-matches-this", "RETURN (MAX COUNT) UNSEEN",
    "RETURN (ALL) 2:4,6",
    "CHARSET KOI8-R ALL", "FOO", "", "SUBJECT", "BEFORE 31-Feb-2023", "LARGER x",
    "(", "OR SEEN", "RETURN (BOGUS) ALL", "UID", "HEADER", "KEYWORD",
]
UID_SEARCHES = ["ALL", "SEEN", "1:3", "UID 3:*", "RETURN (MIN MAX COUNT ALL) UNSEEN",
                "RETURN () BODY chaud", "NOT UID 1:2", "RETURN (MIN) BODY nothing-at-all",
                "RETURN () BODY nothing-at-all", "RETURN (COUNT ALL) UID 5:9,20:*",
                "CHARSET UTF-8 RETURN (ALL) SEEN", "RETURN (ALL)"]

# Commands whose answers differ for a reason docs/COMPAT.md (SEARCH) gives.
KNOWN = {
    "SEARCH RECENT": "\\Recent belongs to the first session that sees a message",
    "SEARCH NEW": "\\Recent belongs to the first session that sees a message",
    "SEARCH OLD": "\\Recent belongs to the first session that sees a message",
    "SEARCH CHARSET KOI8-R ALL": "only UTF-8 and US-ASCII search strings",
    "SEARCH BEFORE 31-Feb-2023": "an impossible date is BAD",
}


def fixtures(src):
    """(name, bytes, flags, mtime) of every message, in delivery order."""
    out = []
    for i, n in enumerate(sorted(os.listdir(src))):
        if n.endswith(".eml"):
            with open(os.path.join(src, n), "rb") as f:
                out.append((n, f.read(), "", T0 + (i % 5) * DAY))
    latin = ("From: Carol <carol@example.net>\nTo: bob@example.org\nCc: Carol <carol@example.net>\n"
             "Bcc: dave@example.com\n"
             "Subject: =?ISO-8859-1?Q?caf=E9?= na=?iso-8859-1?q?=EFve?=\n"
             "Date: Mon, 1 Jan 2024 23:30:00 -0800\nMIME-Version: 1.0\n"
             "Content-Type: text/plain; charset=ISO-8859-1\n"
             "Content-Transfer-Encoding: quoted-printable\n\n"
             "Un caf=E9 cr=E8me, soft-bro=\nken line\n").encode()
    out.append(("s1-latin1-qp", latin, "S", T0 + 2 * DAY))
    text = "Grüße aus Köln\n" * 3
    b64 = base64.encodebytes(text.encode()).decode()
    utf = ("From: =?UTF-8?B?SsO8cmdlbg==?= <j@example.de>\nTo: x@example.org\n"
           "Subject: =?UTF-8?B?R3LDtsOfZQ==?=\nDate: 31 Dec 23 10:00 +0100\n"
           "X-Mailer: some tool\nMIME-Version: 1.0\n"
           "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n"
           + b64).encode()
    out.append(("s2-utf8-b64", utf, "FS", T0 + 3 * DAY))
    attach = base64.encodebytes(b"secret attached payload\n").decode()
    mixed = ("From: a@example.com\nTo: b@example.com\nSubject: two parts\n"
             "Date: Tue, 02 Jan 2024 08:00:00 +0000 (UTC)\nMIME-Version: 1.0\n"
             "Content-Type: multipart/mixed; boundary=XX\n\npreamble secret\n--XX\n"
             "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
             "<p>html caf=C3=A9</p>\n--XX\nContent-Type: application/octet-stream\n"
             "Content-Transfer-Encoding: base64\n\n" + attach + "--XX--\n").encode()
    out.append(("s3-mixed", mixed, "RS", T0 + 4 * DAY))
    # A needle across imapd's 64 KiB window, in base64 and in plain text.
    filler = ("x" * 70 + "\n") * 930
    body = filler + "needle-across-window\n" + filler
    big = ("From: big@example.com\nSubject: big one\nDate: 1 Jan 2024 00:00 +1400\n"
           "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
           + base64.encodebytes(body.encode()).decode()).encode()
    out.append(("s4-big-b64", big, "D", T0 + 1 * DAY))
    plain = ("From: big@example.com\nSubject: big plain\n\n" + "y" * 65530
             + " needle-across-window\n").encode()
    out.append(("s5-big-plain", plain, "T", T0))
    out.append(("s6-no-date", b"Subject: one\nFrom: nobody\n\nno date here\n", "", T0))
    return out


class Session:
    """A minimal IMAP client: raw bytes in, every response up to the tagged one out."""

    def __init__(self, argv, env):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  env=env)
        greet = self.p.stdout.readline()
        if not greet.startswith(b"* PREAUTH"):
            raise RuntimeError("no PREAUTH greeting: %r" % greet)

    def command(self, tag, text):
        self.p.stdin.write(("%s %s\r\n" % (tag, text)).encode())
        self.p.stdin.flush()
        untagged = []
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("connection closed during %r" % text)
            line = line.rstrip(b"\r\n")
            if line.startswith(tag.encode() + b" "):
                return untagged, line[len(tag) + 1:].split(b" ")[0]
            untagged.append(line)

    def close(self):
        try:
            self.command("z", "LOGOUT")
        except RuntimeError:
            pass
        self.p.stdin.close()
        self.p.wait()


def answer(untagged):
    """The search responses, sorted numbers for SEARCH."""
    out = []
    for r in untagged:
        if r.startswith(b"* SEARCH"):
            nums = sorted(int(x) for x in r.split()[2:])
            out.append(b"* SEARCH" + b"".join(b" %d" % n for n in nums))
        elif r.startswith(b"* ESEARCH"):
            out.append(r)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--imapd", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--show", action="store_true")
    a = ap.parse_args()
    imap = dovecot_imap.find_imap()
    if imap is None:
        print("dovecot imap binary not found (set DOVECOT_IMAP)", file=sys.stderr)
        return 77
    here = os.path.dirname(os.path.abspath(__file__))
    work = os.path.abspath(a.work)
    maildir = os.path.join(work, "Maildir")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, d), exist_ok=True)
    for i, (n, data, flags, mtime) in enumerate(fixtures(os.path.join(here, "mime-fixtures"))):
        path = os.path.join(maildir, "cur", "%d.M%dP1.fixture:2,%s" % (1000000000 + i, i, flags))
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (mtime, mtime))
    conf, home, env = dovecot_imap.write_config(maildir, work)
    env["TZ"] = "UTC"
    signal.alarm(SESSION_TIMEOUT)
    dov = Session(["env", "-i"] + ["%s=%s" % kv for kv in sorted(env.items())]
                  + [imap, "-c", conf], {})
    dov.command("a", "SELECT INBOX")
    # Keywords, stored by Dovecot: both read them from dovecot-keywords and the names.
    dov.command("b", "STORE 2,5 +FLAGS ($Work)")
    dov.command("c", "STORE 7 +FLAGS (Other)")
    uid, gid = dovecot_imap.run_as()
    ours_env = {"HOME": home, "USER": "alice", "MAILDIR": maildir, "PATH": "/usr/bin:/bin",
                "TZ": "UTC"}
    argv = [a.imapd, "--preauth"]
    if os.geteuid() == 0:
        argv = ["setpriv", "--reuid", str(uid), "--regid", str(gid), "--clear-groups"] + argv
    ours = Session(argv, ours_env)
    ours.command("a", "SELECT INBOX")
    passed = failed = 0
    cmds = [("SEARCH", s) for s in SEARCHES] + [("UID SEARCH", s) for s in UID_SEARCHES]
    for k, (verb, prog) in enumerate(cmds):
        tag = "s%d" % k
        text = ("%s %s" % (verb, prog)).rstrip()
        du, ds = dov.command(tag, text)
        ou, os_ = ours.command(tag, text)
        # a good command between two bad ones: imapd closes after 10 BADs in a row
        dov.command(tag + "n", "NOOP")
        ours.command(tag + "n", "NOOP")
        dv, ov = (answer(du), ds), (answer(ou), os_)
        label = text.replace("\r\n", " ")
        if dv == ov:
            print("PASS: %s -> %s" % (label, ds.decode()))
            passed += 1
            if a.show:
                print("  %r" % (dv,))
        elif text in KNOWN:
            print("PASS: %s (known difference, docs/COMPAT.md: %s)" % (label, KNOWN[text]))
            passed += 1
        else:
            print("FAIL: %s\n  dovecot: %r\n  ours:    %r" % (label, dv, ov))
            failed += 1
    dov.close()
    ours.close()
    print("search-dovecot: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
