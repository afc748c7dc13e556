#!/bin/sh
# A Maildir made by `maildir create` (and by the first `maildir deliver`) is durable
# before success is reported: every directory made is fsynced, and so is the directory
# holding it, after the mkdir and before the exit (for deliver: before the message is
# linked into new/). An existing Maildir costs no directory fsync beyond new/'s.
# Watched with strace, since a crash test cannot see a missing fsync (the page cache
# survives a SIGKILL).
set -u
: "${BIN:?}"
M="$BIN/maildir"
if ! command -v strace >/dev/null 2>&1 ||
	! strace -o /dev/null true >/dev/null 2>&1; then
	echo "########################################################"
	echo "SKIP: strace not installed or not allowed to trace"
	echo "########################################################"
	# CI installs strace (.ci/run): there a skip would hide the test.
	[ "${CI:-}" = true ] && { echo "FAIL: strace missing under CI"; exit 1; }
	exit 0
fi
d=$(mktemp -d "${TMPDIR:-/tmp}/durable.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
d=$(cd "$d" && pwd -P)
# As root the tool works as the owner of the directory the Maildir is made in.
[ "$(id -u)" = 0 ] && chown 65534:65534 "$d"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else no "$name"; fi; }

# trace OUT CMD...: the calls that make, sync and link, one per line (the pid that
# strace -f puts first taken off), and CMD's exit status.
trace() {
	out=$1
	shift
	# LeakSanitizer cannot run under ptrace; the other tests look for leaks.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -y -qq -o "$out.raw" \
		-e trace=mkdir,mkdirat,fsync,fdatasync,link,linkat,rename,renameat,renameat2,unlink,unlinkat "$@"
	st=$?
	sed 's/^[0-9][0-9]* *//' "$out.raw" >"$out"
	return "$st"
}

# order TRACE: prints what was made but not fsynced (itself and its parent) before the
# first link or rename into new/, or before the end; empty when all is well. Also
# prints "made nothing" when no mkdir succeeded, so a trace that saw nothing cannot pass.
order() {
	awk '
	function parent(p) { sub(/\/+[^\/]*$/, "", p); return p == "" ? "/" : p }
	/^mkdir(at)?\(/ && / = 0$/ {
		if (!match($0, /"[^"]*"/)) next
		p = substr($0, RSTART + 1, RLENGTH - 2)
		pending[p] = 1; pending[parent(p)] = 1; made++
		next
	}
	/^f(data)?sync\(/ && / = 0$/ {
		if (!match($0, /<[^>]*>/)) next
		delete pending[substr($0, RSTART + 1, RLENGTH - 2)]
		next
	}
	/^(link|linkat|rename|renameat|renameat2)\(/ && /\/new\// { done = 1; exit }
	END {
		if (!made) print "made nothing"
		for (p in pending) print "not fsynced: " p
	}' "$1"
}

# dirsyncs TRACE: how many fsyncs there were of anything but the message in tmp/.
dirsyncs() {
	grep '^fsync(' "$1" | grep -vc "<$d/New/tmp/"
}

# create, new Maildir and folder
trace "$d/t1" "$M" create "$d/Maildir"
st=$?
res=$(order "$d/t1")
if [ "$st" = 0 ] && [ -z "$res" ] && test -d "$d/Maildir/new"; then ok "create: every mkdir fsynced with its parent"; else no "create: every mkdir fsynced with its parent"; echo "$res"; cat "$d/t1"; fi
check "create: the parent of the Maildir fsynced" grep -q "^fsync([0-9]*<$d>) *= 0" "$d/t1"

# create again: nothing made, nothing synced
trace "$d/t2" "$M" create "$d/Maildir"
n=$(grep -c 'fsync' "$d/t2")
check "create of an existing Maildir: no fsync ($n)" test "$n" = 0

# a Maildir missing one subdirectory: that one and the Maildir, not the parent
rmdir "$d/Maildir/tmp"
trace "$d/t3" "$M" create "$d/Maildir"
res=$(order "$d/t3")
if [ -z "$res" ] && test -d "$d/Maildir/tmp"; then ok "create of a partial Maildir: tmp/ fsynced with the Maildir"; else no "create of a partial Maildir: tmp/ fsynced with the Maildir"; echo "$res"; fi

# deliver into a new path: all of it durable before the link into new/
printf 'Subject: first\n\nx\n' >"$d/msg"
trace "$d/t4" "$M" deliver "$d/New" <"$d/msg"
st=$?
res=$(order "$d/t4")
if [ "$st" = 0 ] && [ -z "$res" ] && [ "$(find "$d/New/new" -type f | wc -l)" = 1 ]; then
	ok "deliver into a new Maildir: directories durable before the link"
else
	no "deliver into a new Maildir: directories durable before the link (exit $st)"; echo "$res"; cat "$d/t4"
fi
check "deliver: the message linked after that" grep -q "^link[a-z]*(.*/New/tmp/.*/New/new/" "$d/t4"

# deliver into an existing Maildir: new/ is the only directory synced
trace "$d/t5" "$M" deliver "$d/New" <"$d/msg"
n=$(dirsyncs "$d/t5")
if [ "$n" = 1 ] && grep -q "fsync([0-9]*<$d/New/new>) *= 0" "$d/t5"; then ok "deliver into an existing Maildir: only new/ synced"; else no "deliver into an existing Maildir: only new/ synced ($n)"; cat "$d/t5"; fi

# before FILE A B: a line matching A, and after the first of them one matching B.
before() {
	a=$(grep -n -m1 -e "$2" "$1" | cut -d: -f1)
	[ -n "$a" ] && tail -n +"$((a + 1))" "$1" | grep -q -e "$3"
}
check "deliver: the message fsynced before its link" \
	before "$d/t5" "^fsync([0-9]*<$d/New/tmp/" "^link[a-z]*(.*/New/tmp/.*/New/new/"
check "deliver: new/ fsynced after the link" \
	before "$d/t5" "^link[a-z]*(.*/New/tmp/.*/New/new/" "^fsync([0-9]*<$d/New/new>)"

# dovecot-uidlist written anew (a clean snapshot: directories untouched for a while):
# the temporary file is fsynced before it replaces the uidlist, the directory after.
touch -d '1 hour ago' "$d/New/new" "$d/New/cur"
trace "$d/t6" "$M" uids "$d/New" >/dev/null
check "uidlist rewrite: by rename of a temporary file" grep -q "^rename[a-z]*(.*dovecot-uidlist\..*\"$d/New/dovecot-uidlist\"" "$d/t6"
check "uidlist rewrite: the temporary file fsynced before the rename" \
	before "$d/t6" "^fsync([0-9]*<$d/New/dovecot-uidlist\.[^>]*>)" "^rename[a-z]*(.*\"$d/New/dovecot-uidlist\""
check "uidlist rewrite: the Maildir fsynced after the rename" \
	before "$d/t6" "^rename[a-z]*(.*\"$d/New/dovecot-uidlist\"" "^fsync([0-9]*<$d/New>)"

# An append (a delivery just now, the directories dirty): the uidlist itself fsynced.
"$M" deliver "$d/New" <"$d/msg" 2>/dev/null
trace "$d/t7" "$M" uids "$d/New" >/dev/null
check "uidlist append: the uidlist fsynced" grep -q "^fsync([0-9]*<$d/New/dovecot-uidlist>) *= 0" "$d/t7"
check "uidlist append: no rename" sh -c "! grep -q '^rename' '$d/t7'"

# A flag change is a rename of the only copy, never a copy and an unlink.
trace "$d/t8" "$M" flag "$d/New" 1 '+\Seen' >/dev/null
check "flag change: one rename new/ -> cur/" grep -q "^rename[a-z]*(.*/New/new/.*/New/cur/" "$d/t8"
check "flag change: no unlink" sh -c "! grep -q '^unlink' '$d/t8'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
