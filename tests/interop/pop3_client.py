#!/usr/bin/env python3
"""The python poplib client of the POP3 interop tests.

usage: pop3_client.py fetch HOST PORT USER PASS OUTDIR [--delete]
           RETR every message into OUTDIR/NNNN as it came over the wire without
           dot-stuffing (poplib's lines joined with CRLF, plus the final CRLF); check
           that each is exactly the size LIST announced; with --delete, DELE all;
           then QUIT.
       pop3_client.py uidl HOST PORT USER PASS
           print "N UIDL" per message, and QUIT without retrieving anything.
       pop3_client.py greet HOST PORT SECONDS
           connect until a server greets with +OK (retrying for up to SECONDS: the
           superserver may still be starting), then QUIT. Exit 1 if none did.
Exit 0 on success, 1 (with a message on stderr) on any protocol or size error.
"""
import os
import poplib
import sys
import time

TIMEOUT = 60  # seconds per socket operation; a stuck server fails the test


def login(host, port, user, password):
    p = poplib.POP3(host, int(port), timeout=TIMEOUT)
    caps = p.capa()
    if "USER" not in caps:
        raise poplib.error_proto(f"CAPA lacks USER on loopback: {sorted(caps)}")
    p.user(user)
    p.pass_(password)
    return p


def fetch(host, port, user, password, outdir, delete):
    os.makedirs(outdir, exist_ok=True)
    p = login(host, port, user, password)
    _, listing, _ = p.list()
    sizes = {}
    for item in listing:
        n, size = item.split()
        sizes[int(n)] = int(size)
    count, total = p.stat()
    if count != len(sizes) or total != sum(sizes.values()):
        raise poplib.error_proto(f"STAT {count} {total} disagrees with LIST {sizes}")
    bad = 0
    for n in sorted(sizes):
        _, lines, _ = p.retr(n)
        data = b"".join(line + b"\r\n" for line in lines)
        if len(data) != sizes[n]:
            print(f"pop3_client: message {n}: LIST says {sizes[n]} octets, "
                  f"RETR gave {len(data)}", file=sys.stderr)
            bad += 1
        with open(os.path.join(outdir, "%04d" % n), "wb") as fh:
            fh.write(data)
        if delete:
            p.dele(n)
    p.quit()
    return 1 if bad else 0


def uidl(host, port, user, password):
    p = login(host, port, user, password)
    _, listing, _ = p.uidl()
    for item in listing:
        print(item.decode())
    p.quit()
    return 0


def greet(host, port, seconds):
    end = time.monotonic() + float(seconds)
    while True:
        try:
            p = poplib.POP3(host, int(port), timeout=10)
            p.quit()
            return 0
        except (poplib.error_proto, OSError) as e:
            if time.monotonic() > end:
                print(f"pop3_client: no greeting from {host}:{port}: {e}", file=sys.stderr)
                return 1
            time.sleep(0.1)


def main(argv):
    try:
        if len(argv) in (7, 8) and argv[1] == "fetch":
            if len(argv) == 8 and argv[7] != "--delete":
                raise SystemExit(__doc__)
            return fetch(*argv[2:7], delete=len(argv) == 8)
        if len(argv) == 5 and argv[1] == "greet":
            return greet(*argv[2:5])
        if len(argv) == 6 and argv[1] == "uidl":
            return uidl(*argv[2:6])
    except (poplib.error_proto, OSError) as e:
        print(f"pop3_client: {e}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
