#!/bin/sh
# The test knobs (lib/testhook.h) exist only in the test build: $BIN (make check's,
# -DMAILD_TEST_HOOKS) honours them, and the plain build $PLAINBIN (bin/, what `make`
# installs) must ignore them, whatever its standard input is (a TLS wrapper hands the
# server pipes, which the transcripts use too).
set -u
: "${BIN:?}"
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/proto/fixtures/smtp-lib.sh"
if [ -z "${PLAINBIN:-}" ] || [ ! -x "$PLAINBIN/smtpd" ] || [ ! -x "$PLAINBIN/pop3d" ]; then
	echo "SKIP: no plain build (PLAINBIN); make check sets it"
	echo "0 passed, 0 failed"
	exit 0
fi
w=$(mktemp -d "${TMPDIR:-/tmp}/test-hooks.XXXXXX") || exit 1
chmod 755 "$w"
trap 'rm -rf "$w"' EXIT
pass=0 fail=0
check() { name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }

# pop3d's greeting carries the APOP timestamp: pinned only in the test build.
greet() { printf 'QUIT\r\n' | POP3D_TEST_TIMESTAMP='<pinned@test>' "$1/pop3d" /bin/false 2>/dev/null | head -1; }
check "test build: POP3D_TEST_TIMESTAMP pins the APOP timestamp" \
	sh -c "printf '%s' '$(greet "$BIN")' | grep -q '<pinned@test>'"
check "plain build: POP3D_TEST_TIMESTAMP is ignored" \
	sh -c "! printf '%s' '$(greet "$PLAINBIN")' | grep -q '<pinned@test>'"

# smtpd's Received: date: pinned only in the test build.
date='Mon, 01 Jan 2024 12:00:00 +0000'
for b in test plain; do
	mkdir -p "$w/$b"
	smtp_fixture "$w/$b"
	if [ $b = test ]; then prog=$BIN/smtpd; else prog=$PLAINBIN/smtpd; fi
	printf 'HELO c\r\nMAIL FROM:<s@remote.example>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nSubject: x\r\n\r\n.\r\nQUIT\r\n' |
		SMTPD_TEST_DATE="$date" "$prog" --users "$w/$b/users" --domain example.org >/dev/null 2>&1
done
check "test build: SMTPD_TEST_DATE pins the Received: date" \
	grep -qF "$date" "$w/test/home/bob/Maildir/new/"*
check "plain build: SMTPD_TEST_DATE is ignored" \
	sh -c "f=\$(ls '$w/plain/home/bob/Maildir/new/'*) && grep -q '^Received:' \"\$f\" && ! grep -qF '$date' \"\$f\""

echo "test-hooks: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
