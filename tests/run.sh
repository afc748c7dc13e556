#!/bin/sh
# Runs every test of `make check`: the unit tests, the stress tests and the shell tests
# (transcripts, tool behaviour). $BIN holds the programs, $TESTBIN the test binaries.
# Prints one line per test program and a closing "N passed, N failed" line.
set -u
: "${BIN:?}" "${TESTBIN:?}"
export BIN TESTBIN
here=$(cd "$(dirname "$0")" && pwd)
export TESTS="$here"
pass=0 fail=0 failed=""
run() {
	name=$1; shift
	log="$TESTBIN/$name.log"
	if "$@" >"$log" 2>&1; then
		pass=$((pass + 1)); echo "ok   $name"
	else
		fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name"; tail -30 "$log"
	fi
}
for t in "$TESTBIN"/test_*; do
	case $t in *.log) continue ;; esac
	[ -x "$t" ] && run "$(basename "$t")" "$t"
done
for t in "$here"/stress/*.sh "$here"/sh/*.sh "$here"/proto/*.sh; do
	[ -f "$t" ] || continue
	run "$(basename "$t" .sh)" sh "$t"
done
echo "test programs: $pass passed, $fail failed${failed:+ (}${failed# }${failed:+)}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
