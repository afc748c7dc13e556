#!/bin/sh
# Every benchmark, each printing ratios against a baseline measured in the same run.
set -eu
: "${BIN:?}"
here=$(cd "$(dirname "$0")" && pwd)
python3 "$here/bench_maildir.py" "$BIN" "${BENCH_MESSAGES:-100000}"
python3 "$here/bench_pop3.py" "$BIN" "${BENCH_POP3_MESSAGES:-10000}"
python3 "$here/bench_imap.py" "$BIN" "${BENCH_IMAP_MESSAGES:-100000}"
python3 "$here/bench_smtp.py" "$BIN" "${BENCH_SMTP_MESSAGES:-1000}" "${BENCH_SMTP_CONNECTIONS:-200}"
