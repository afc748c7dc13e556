#!/usr/bin/env python3
"""The byte-exact comparison of what an IMAP client stored with what was delivered,
over the POP3 tests' fixtures (pop3_fixtures.py: dot lines, 8-bit text, 998-octet
lines, CRLF and LF files, no final newline, an empty body, headers only, 5 MB).

usage: imap_fixtures.py make DIR             write the fixtures as DIR/NAME.eml
       imap_fixtures.py compare MODE FIXDIR GOTDIR [--skip NAME]...
                                             every fixture retrieved exactly once
                                             (a --skip one: never)

What "byte-exact" allows, and nothing else (F = a delivered file, G = what the client
stored):
  imap(F)  = F with every LF not preceded by CR turned into CRLF. This is BODY[] as
             imapd sends it (imapd(8): sizes and data count CRLF octets whatever the
             line ends on disk). Unlike POP3, IMAP adds no line end to a message
             without a final newline: the literal says how long the message is.
  lf(F)    = imap(F) with every CRLF turned into LF: the message with Unix line ends,
             as mbsync, offlineimap and mutt store or pipe it.
  MODE wire:    G == imap(F)   (python imaplib's literal, curl's output)
  MODE any:     G == imap(F) or G == lf(F); and for a message without the empty line
                that ends the header (the "headersonly" fixture), G may also be
                lf(F) + LF: offlineimap (Python's email parser) and mutt write the
                header back followed by that empty line.
  MODE mbsync:  as any, after removing the one "X-TUID: <12 characters>" header line
                that mbsync puts last in the header of every message it stores
                (isync's sync.c copy_msg_convert, so that an interrupted sync can find
                the message again). The line must be there.
No fixture contains a bare CR, so the conversions cannot hide a change. Matching is
by content: each stored file must equal the transform of exactly one fixture, and each
fixture must be matched exactly once (a --skip fixture: zero times; mbsync refuses to
copy a message whose header has no end, "incomplete header; skipping").
"""
import os
import re
import sys

from pop3_fixtures import fixtures, has_separator

TUID = re.compile(rb"\nX-TUID: [A-Za-z0-9+/]{12}\r?\n")


def imap(data):
    out = bytearray()
    prev = 0
    for b in data:
        if b == 0x0A and prev != 0x0D:
            out += b"\r"
        out.append(b)
        prev = b
    return bytes(out)


def lf(data):
    return imap(data).replace(b"\r\n", b"\n")


def forms(mode, data):
    if mode == "wire":
        return [imap(data)]
    f = [imap(data), lf(data)]
    if not has_separator(data):
        f.append(lf(data) + b"\n")
    return f


def compare(mode, fixdir, gotdir, skip):
    fix = {}
    for n in sorted(os.listdir(fixdir)):
        with open(os.path.join(fixdir, n), "rb") as fh:
            data = fh.read()
        for form in forms(mode, data):
            fix.setdefault(form, []).append(n)
    seen = {}
    bad = 0
    for n in sorted(os.listdir(gotdir)):
        with open(os.path.join(gotdir, n), "rb") as fh:
            got = fh.read()
        if mode == "mbsync":
            # the header's end: the first empty line
            end = min((i for i in (got.find(b"\n\n"), got.find(b"\n\r\n")) if i >= 0),
                      default=len(got))
            m = TUID.search(got, 0, end + 2)
            if m is None:
                print(f"compare: {gotdir}/{n}: no X-TUID line at the end of the header")
                bad += 1
                continue
            got = got[:m.start()] + b"\n" + got[m.end():]
        names = fix.get(got)
        if names is None:
            print(f"compare: {gotdir}/{n} ({len(got)} octets) matches no fixture "
                  f"(starts {got[:100]!r}, ends {got[-60:]!r})")
            bad += 1
            continue
        for name in set(names):
            seen[name] = seen.get(name, 0) + 1
    for n in sorted(os.listdir(fixdir)):
        c = seen.get(n, 0)
        want = 0 if n in skip else 1
        if c != want:
            print(f"compare: fixture {n} retrieved {c} times, expected {want}")
            bad += 1
    return 1 if bad else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "make":
        os.makedirs(argv[2], exist_ok=True)
        for name, data in fixtures().items():
            with open(os.path.join(argv[2], name + ".eml"), "wb") as fh:
                fh.write(data)
        return 0
    if len(argv) >= 5 and argv[1] == "compare" and argv[2] in ("wire", "any", "mbsync"):
        rest = argv[5:]
        if len(rest) % 2 or any(o != "--skip" for o in rest[::2]):
            print(__doc__, file=sys.stderr)
            return 2
        return compare(argv[2], argv[3], argv[4], {s + ".eml" for s in rest[1::2]})
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
