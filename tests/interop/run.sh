#!/bin/sh
# Runs every interop test (tests/interop/*.sh but this one) against the programs in $BIN:
# real peers such as Dovecot working on the same Maildirs. Each script prints PASS:/FAIL:
# lines and exits 0 (all passed), 77 (a peer is not installed: skipped) or anything else
# (failed). Skips are failures when CI=true, because CI installs every peer; a script
# that fails without a FAIL: line counts as one failure. Ends with "N passed, N failed",
# counting the scripts' PASS:/FAIL: lines.
set -u
: "${BIN:?BIN must name the directory holding the programs}"
export BIN
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp "${TMPDIR:-/tmp}/interop-run.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
pass=0 fail=0 skip=0 failed=""
for t in "$here"/*.sh; do
	[ "$t" = "$here/run.sh" ] && continue
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	echo "=== $name"
	sh "$t" >"$out" 2>&1
	st=$?
	cat "$out"
	p=$(grep -c '^PASS:' "$out")
	f=$(grep -c '^FAIL:' "$out")
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$st" -eq 77 ]; then
		if [ "${CI:-}" = true ]; then
			echo "FAIL: $name skipped, but CI=true and CI installs every peer"
			fail=$((fail + 1)); failed="$failed $name"
		else
			skip=$((skip + 1))
		fi
	elif [ "$st" -ne 0 ]; then
		[ "$f" -eq 0 ] && { echo "FAIL: $name exited $st"; fail=$((fail + 1)); }
		failed="$failed $name"
	elif [ "$f" -ne 0 ]; then
		echo "FAIL: $name printed FAIL lines but exited 0"
		failed="$failed $name"
	fi
done
[ "$skip" -gt 0 ] && echo "interop: $skip script(s) skipped (peer not installed)"
[ -n "$failed" ] && echo "interop: failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
