#!/bin/sh
# imapd under concurrency (driver: imapd_concurrency.py, which lists every check): two
# imapd --preauth sessions on one INBOX, deliveries through smtpd and maildir deliver,
# pop3d sessions deleting messages, maildir flag changes and messages expunged behind a
# session's back, all at once for a few seconds; each session's model of the mailbox,
# built from its untagged responses alone, must end equal to the mailbox on disk.
# As root everything runs as nobody (the daemons refuse root). IMAPD_CONC_SECONDS sets
# the length of the busy phase (default 6), IMAPD_CONC_SEED replays a run.
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")" && pwd)
# As root the driver runs as nobody, who may not reach a python3 under root's home
# (pyenv shims): the system one then.
PYTHON=${PYTHON:-python3}
[ "$(id -u)" = 0 ] && [ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
if ! command -v "$PYTHON" >/dev/null 2>&1; then
	echo "SKIP: $PYTHON not installed"
	exit 0
fi
d=$(mktemp -d "${TMPDIR:-/tmp}/imapd-conc.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
chmod 755 "$d"
if [ "$(id -u)" = 0 ]; then uid=65534 gid=65534; else uid=$(id -u) gid=$(id -g); fi
mkdir -p "$d/home/alice"
echo "alice:{PLAIN}secret:$uid:$gid::$d/home/alice::" >"$d/users"
as_user() { if [ "$(id -u)" = 0 ]; then setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$d"
as_user "$BIN/maildir" create "$d/home/alice/Maildir" || exit 1
seed=
[ -n "${IMAPD_CONC_SEED:-}" ] && seed="--seed $IMAPD_CONC_SEED"
# shellcheck disable=SC2086
as_user "$PYTHON" "$here/imapd_concurrency.py" --bin "$BIN" --dir "$d" \
	--seconds "${IMAPD_CONC_SECONDS:-6}" $seed
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$d"/*.err; do
		[ -s "$f" ] && { echo "--- $f"; tail -20 "$f"; }
	done
fi
exit $rc
