#!/usr/bin/env python3
"""The demo behind `make run`: a minimal UCSPI-style superserver on loopback, so the
servers can be tried on a fresh machine with nothing installed but python3.

It makes (once) a demo user and Maildir under the source tree, in demo/run/:
  demo/run/users      passwd-file with user "demo", password "demo" (SHA512-CRYPT)
  demo/run/home/Maildir   a few messages delivered with bin/maildir
then listens on 127.0.0.1 and starts one server process per connection with the
connection as fd 0/1, TCPREMOTEIP/TCPREMOTEPORT/TCPLOCALIP/TCPLOCALPORT set the way
tcpserver sets them. Real deployments use inetd, xinetd, systemd or tcpserver instead
(README.md); this script exists only for the demo and its test.

usage: demo-server.py BIN_DIR DEMO_DIR [--pop3-port N] [--imap-port N] [--smtp-port N]
                      [--connections N]
"""
import argparse
import os
import pwd
import selectors
import signal
import socket
import subprocess
import sys

MESSAGES = [
    b"From: Demo Sender <sender@example.org>\nTo: demo@localhost\n"
    b"Subject: Welcome\n\nThis Maildir lives in demo/run/home/Maildir.\n",
    b"From: Demo Sender <sender@example.org>\nTo: demo@localhost\n"
    b"Subject: A second message\n\n.A line starting with a dot.\n.\nThe end.\n",
]


def setup(bin_dir, demo):
    home = os.path.join(demo, "home")
    users = os.path.join(demo, "users")
    if os.path.exists(users):
        return users
    os.makedirs(home, exist_ok=True)
    if os.getuid() == 0:
        # A session never runs as root: the demo user is nobody. The maildir tool run
        # as root makes and fills the Maildir as the owner of home.
        pw = pwd.getpwnam("nobody")
        uid, gid = pw.pw_uid, pw.pw_gid
        os.chown(home, uid, gid)
        os.chmod(demo, 0o755)
    else:
        uid, gid = os.getuid(), os.getgid()
    md = os.path.join(home, "Maildir")
    subprocess.run([os.path.join(bin_dir, "maildir"), "create", md, "Sent", "Archive"],
                   check=True)
    for m in MESSAGES:
        subprocess.run([os.path.join(bin_dir, "maildir"), "deliver", md], input=m,
                       check=True, stderr=subprocess.DEVNULL)
    secret = subprocess.run([os.path.join(bin_dir, "checkpassword-file"), "--hash"],
                            input=b"demo\n", check=True, capture_output=True)
    tmp = users + ".tmp"
    with open(tmp, "w") as f:
        f.write("# demo user for `make run`; password: demo\n")
        f.write("demo:%s:%d:%d:Demo User:%s::\n" % (secret.stdout.decode().strip(), uid, gid,
                                                   os.path.abspath(home)))
    os.rename(tmp, users)
    return users


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    return s


def serve(listeners, connections):
    sel = selectors.DefaultSelector()
    for s, argv in listeners:
        sel.register(s, selectors.EVENT_READ, argv)
    signal.signal(signal.SIGCHLD, lambda *_: reap())
    while True:
        for key, _ in sel.select():
            conn, peer = key.fileobj.accept()
            local = conn.getsockname()
            env = dict(os.environ, PROTO="TCP", TCPREMOTEIP=peer[0],
                       TCPREMOTEPORT=str(peer[1]), TCPLOCALIP=local[0],
                       TCPLOCALPORT=str(local[1]))
            p = subprocess.Popen(key.data, stdin=conn.fileno(), stdout=conn.fileno(),
                                 env=env, close_fds=True)
            conn.close()
            if connections:
                p.wait()
                connections -= 1
                if connections == 0:
                    return


def reap():
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin_dir")
    ap.add_argument("demo_dir")
    ap.add_argument("--pop3-port", type=int, default=1110)
    ap.add_argument("--imap-port", type=int, default=1143)
    ap.add_argument("--smtp-port", type=int, default=2525)
    ap.add_argument("--connections", type=int, default=0,
                    help="serve this many connections one after another, then exit")
    a = ap.parse_args()
    bin_dir = os.path.abspath(a.bin_dir)
    users = setup(bin_dir, os.path.abspath(a.demo_dir))
    pop3 = [os.path.join(bin_dir, "pop3d"), os.path.join(bin_dir, "checkpassword-file"),
            users]
    # Mail for demo@localhost is delivered into the same Maildir.
    smtp = [os.path.join(bin_dir, "smtpd"), "--users", users, "--domain", "localhost"]
    imap = [os.path.join(bin_dir, "imapd"), os.path.join(bin_dir, "checkpassword-file"),
            users]
    listeners = [(listen(a.pop3_port), pop3), (listen(a.imap_port), imap),
                 (listen(a.smtp_port), smtp)]
    print("demo: POP3 on 127.0.0.1:%d and IMAP on 127.0.0.1:%d (user demo, password "
          "demo), SMTP on 127.0.0.1:%d (mail to demo@localhost); Ctrl-C stops"
          % (a.pop3_port, a.imap_port, a.smtp_port), file=sys.stderr, flush=True)
    try:
        serve(listeners, a.connections)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
