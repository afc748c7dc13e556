#!/usr/bin/env python3
"""Fixture messages for the POP3 client tests, and the byte-exact comparison of what a
client stored with what was delivered.

usage: pop3_fixtures.py make DIR            write the fixtures as DIR/NAME.eml
       pop3_fixtures.py compare MODE FIXDIR GOTDIR
                                            every fixture retrieved exactly once

What "byte-exact" allows, and nothing else (F = a delivered file, G = what the client
stored):
  wire(F)  = F with every LF not preceded by CR turned into CRLF, plus CRLF at the end
             when F does not end in LF. This is the message as RETR sends it before
             dot-stuffing (pop3d(8): sizes are those octets; a message without a final
             newline gains one over POP3). No other byte may differ.
  lf(F)    = wire(F) with every CRLF turned into LF: the same message stored with Unix
             line ends, as fetchmail (MDA) and getmail (Maildir) store it.
  MODE wire: G == wire(F)           (python poplib lines joined with CRLF; curl's output)
  MODE any:  G == wire(F) or G == lf(F), for clients that choose their line ends;
             and, for a message without the empty line that ends the header (the
             "headersonly" fixture, ending after its last header field), G may also be
             lf(F) + LF: fetchmail and getmail parse the header and write it back
             followed by that empty line (fetchmail's transmit.c; Python's email
             generator in getmail). That one LF at the end, for such a message only.
  MODE getmail: as any, after removing the "Return-Path: <unknown>" line getmail puts
             on top of every message it stores (getmailcore/message.py, flatten(): always
             added, from the envelope sender, which POP3 does not carry). The line must
             be there. Nothing else is removed or added.
No fixture contains a bare CR, so the two conversions cannot hide a change. Matching is
by content: each stored file must equal the transform of exactly one fixture, and each
fixture must be matched exactly once.
"""
import os
import sys

# A line of 998 octets plus CRLF is the longest RFC 5322 (section 2.1.1) allows.
MAX_LINE = 998
BIG_SIZE = 5 * 1024 * 1024
GETMAIL_RETURN_PATH = b"Return-Path: <unknown>"


def hdr(name, crlf=False):
    nl = "\r\n" if crlf else "\n"
    h = (f"From: Fixture Sender <sender@example.org>{nl}To: user@example.org{nl}"
         f"Subject: fixture {name}{nl}Message-ID: <{name}@fixtures.example.org>{nl}")
    return h.encode()


def big_body():
    out = []
    size = 0
    i = 0
    while size < BIG_SIZE:
        if i % 997 == 0:
            line = b"."  # a lone dot now and then, deep inside a large transfer
        elif i % 101 == 0:
            line = b".leading dot on line %d" % i
        else:
            line = b"line %07d the quick brown fox jumps over the lazy dog 0123456789" % i
        out.append(line + b"\n")
        size += len(line) + 1
        i += 1
    return b"".join(out)


def fixtures():
    f = {}
    f["dots"] = hdr("dots") + (
        b"\n.leading dot\n..two dots\n...three dots\n. dot space\n.\n"
        b"text after a line of just a dot\n.\r\nnot the end\n..\n.\n")
    f["dotlast"] = hdr("dotlast") + b"\nthe body ends with a line of just a dot\n.\n"
    f["eightbit"] = hdr("eightbit") + (
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        + "Gr\u00fc\u00dfe, \u65e5\u672c\u8a9e, \u00e9t\u00e9 \u2014 na\u00efve\n".encode()
        + b"latin-1: caf\xe9 na\xefve\n"
        + bytes(range(0x80, 0x100)) + b"\n"
        + b"\x01\x02\x07\x1b[0m control octets\n")
    long_line = b"".join(b"%d" % (i % 10) for i in range(MAX_LINE))
    f["line998"] = hdr("line998") + (
        b"\n" + long_line + b"\n." + long_line[1:] + b"\n" + long_line + b"\n")
    f["crlf"] = hdr("crlf", crlf=True) + (
        b"\r\nCRLF line ends throughout.\r\n.dot line\r\n.\r\nlast line\r\n")
    f["lf"] = hdr("lf") + b"\nLF line ends throughout.\nsecond line\n\nafter a blank\n"
    f["nofinal"] = hdr("nofinal") + b"\nthis body has no final newline"
    f["nofinaldot"] = hdr("nofinaldot") + b"\nends in a dot without newline\n."
    f["crlfnofinal"] = hdr("crlfnofinal", crlf=True) + b"\r\nCRLF, no final newline"
    f["emptybody"] = hdr("emptybody") + b"\n"
    f["headersonly"] = hdr("headersonly")
    f["big5mb"] = hdr("big5mb") + b"\n" + big_body()
    return f


def has_separator(data):
    """True when the message has an empty line ending its header."""
    return data.startswith((b"\n", b"\r\n")) or b"\n\n" in data or b"\n\r\n" in data


def wire(data):
    out = bytearray()
    prev = 0
    for b in data:
        if b == 0x0A and prev != 0x0D:
            out += b"\r"
        out.append(b)
        prev = b
    if not data.endswith(b"\n"):
        out += b"\r\n"
    return bytes(out)


def lf(data):
    return wire(data).replace(b"\r\n", b"\n")


def compare(mode, fixdir, gotdir):
    fix = {}
    for n in sorted(os.listdir(fixdir)):
        with open(os.path.join(fixdir, n), "rb") as fh:
            data = fh.read()
        forms = [wire(data)] if mode == "wire" else [wire(data), lf(data)]
        if mode != "wire" and not has_separator(data):
            forms.append(lf(data) + b"\n")
        for form in forms:
            fix.setdefault(form, []).append(n)
    seen = {}
    bad = 0
    for n in sorted(os.listdir(gotdir)):
        with open(os.path.join(gotdir, n), "rb") as fh:
            got = fh.read()
        if mode == "getmail":
            for rp in (GETMAIL_RETURN_PATH + b"\n", GETMAIL_RETURN_PATH + b"\r\n"):
                if got.startswith(rp):
                    got = got[len(rp):]
                    break
            else:
                print(f"compare: {gotdir}/{n}: no {GETMAIL_RETURN_PATH!r} line on top")
                bad += 1
        names = fix.get(got)
        if names is None:
            print(f"compare: {gotdir}/{n} ({len(got)} octets) matches no fixture "
                  f"(starts {got[:120]!r})")
            bad += 1
            continue
        for name in set(names):
            seen[name] = seen.get(name, 0) + 1
    for n in sorted(os.listdir(fixdir)):
        c = seen.get(n, 0)
        if c != 1:
            print(f"compare: fixture {n} retrieved {c} times")
            bad += 1
    return 1 if bad else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "make":
        os.makedirs(argv[2], exist_ok=True)
        for name, data in fixtures().items():
            with open(os.path.join(argv[2], name + ".eml"), "wb") as fh:
                fh.write(data)
        return 0
    if len(argv) == 5 and argv[1] == "compare" and argv[2] in ("wire", "any", "getmail"):
        return compare(argv[2], argv[3], argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
