#!/bin/sh
# The maildir tool on a user's Maildir when root runs it: every command works as the
# Maildir's owner, so nothing in the mailbox becomes root's and the user's own pop3d
# can still open it; a root-owned Maildir takes deliveries only with --as-root; a
# symlink of a user's to root's Maildir is refused. And, for any caller: nothing is
# delivered through a symlinked tmp/, new/, cur/ or folder.
# shellcheck disable=SC2016 # sh -c scripts take their arguments as $1, $2
set -u
: "${BIN:?}"
M="$BIN/maildir"
d=$(mktemp -d "${TMPDIR:-/tmp}/tool-root.XXXXXX") || exit 1
trap 'rm -rf "$d"' EXIT
d=$(cd "$d" && pwd -P)
chmod 755 "$d"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else no "$name"; fi; }
status() { "$@" >/dev/null 2>&1; echo $?; }
count() { find "$1" -mindepth 1 | wc -l | tr -d ' '; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }
U=65534 G=65534

# --- symlinks inside the Maildir, for any caller --------------------------------------
mkdir "$d/s"
[ "$(id -u)" = 0 ] && chown "$U:$G" "$d/s"
s="$d/s/Maildir"
"$M" create "$s" Good >/dev/null 2>&1
mkdir "$d/s/elsewhere" "$d/s/other"
"$M" create "$d/s/other/Maildir" >/dev/null 2>&1
[ "$(id -u)" = 0 ] && chown -R "$U:$G" "$d/s"
for sub in new tmp cur; do
	mv "$s/$sub" "$s/$sub.real"
	ln -s "$d/s/elsewhere" "$s/$sub"
	check "deliver with $sub/ a symlink: 75" test "$(printf 'x\n' | status "$M" deliver "$s")" = 75
	check "...nothing written where $sub/ points" test "$(count "$d/s/elsewhere")" = 0
	check "...nothing left in the Maildir" test "$(count "$s/new.real" 2>/dev/null || count "$s/new")$(count "$s/tmp.real" 2>/dev/null || count "$s/tmp")" = 00
	rm "$s/$sub"
	mv "$s/$sub.real" "$s/$sub"
done
ln -s "$d/s/other/Maildir" "$s/.Evil"
check "deliver to a symlinked folder: 75" test "$(printf 'x\n' | status "$M" deliver "$s" Evil)" = 75
check "...nothing written where it points" test "$(count "$d/s/other/Maildir/new")$(count "$d/s/other/Maildir/tmp")" = 00
check "deliver to a real folder still works" test "$(printf 'x\n' | status "$M" deliver "$s" Good)" = 0
ln -s "$s" "$d/s/link"
[ "$(id -u)" = 0 ] && chown -h "$U:$G" "$d/s/link"
check "deliver through the owner's symlink to the Maildir" test "$(printf 'x\n' | status "$M" deliver "$d/s/link")" = 0
check "...and into a folder" test "$(printf 'x\n' | status "$M" deliver "$d/s/link" Good)" = 0

if [ "$(id -u)" != 0 ]; then
	echo "########################################################"
	echo "SKIP: not root: the tool's switch to the Maildir's owner is not tested"
	echo "########################################################"
	finish
fi
if ! command -v setpriv >/dev/null 2>&1; then
	no "setpriv (util-linux) is needed to run pop3d as the owner"
	finish
fi

# --- root on a user's Maildir ----------------------------------------------------------
mkdir "$d/home"
chown "$U:$G" "$d/home"
md="$d/home/Maildir"
check "create as root" "$M" create "$md" Sent
check "...made by the owner of the directory it is in" test "$(stat -c %u:%g "$md" "$md/new" "$md/.Sent/cur" | sort -u)" = "$U:$G"
for i in 1 2 3; do
	printf 'Subject: %s\n\nbody %s\n' "$i" "$i" | "$M" deliver "$md" 2>/dev/null
	check "deliver $i as root" test $? = 0
done
printf 'Subject: sent\n\nx\n' | "$M" deliver "$md" Sent 2>/dev/null
check "uids as root" sh -c '"$1" uids "$2" >/dev/null' - "$M" "$md"
check "flag as root" "$M" flag "$md" 2 +'\Seen' +Work
printf 'Subject: 4\n\nbody 4\n' | "$M" deliver "$md" 2>/dev/null
touch -d '1 minute ago' "$md/new" "$md/cur"
"$M" check "$md" --repair >/dev/null 2>&1
check "check --repair as root" test $? -le 1
check "uidlist and keywords written" test -f "$md/dovecot-uidlist" -a -f "$md/dovecot-keywords"
check "nothing under the Maildir is root's" test -z "$(find "$md" -user root)"
check "everything is the owner's" test -z "$(find "$md" ! -user "$U" -o ! -group "$G")"
out=$(printf 'STAT\r\nRETR 1\r\nQUIT\r\n' | MAILDIR="$md" HOME="$d/home" USER=nobody \
	setpriv --reuid "$U" --regid "$G" --clear-groups "$BIN/pop3d" --preauth 2>/dev/null | tr -d '\r')
check "the owner's pop3d reads the mailbox" sh -c 'echo "$1" | grep -q "^+OK 4 " && echo "$1" | grep -qx "body 1"' - "$out"

# A new Maildir delivered to by root: the owner of its directory's.
printf 'x\n' | "$M" deliver "$d/home/Fresh" 2>/dev/null
check "deliver as root makes a new Maildir as the owner" test "$(find "$d/home/Fresh" ! -user "$U" | wc -l)" = 0 -a "$(count "$d/home/Fresh/new")" = 1

# --- root's own Maildir ----------------------------------------------------------------
mkdir "$d/root"
r="$d/root/Maildir"
check "create in root's directory" "$M" create "$r"
check "...is root's" test "$(stat -c %u "$r")" = 0
check "deliver into root's Maildir: 77" test "$(printf 'x\n' | status "$M" deliver "$r")" = 77
check "...nothing written" test "$(count "$r/new")$(count "$r/tmp")" = 00
check "deliver under root's directory: 77" test "$(printf 'x\n' | status "$M" deliver "$d/root/New")" = 77
check "...nothing made" test ! -e "$d/root/New"
check "deliver --as-root into root's Maildir" test "$(printf 'x\n' | status "$M" deliver --as-root "$r")" = 0
check "...stored" test "$(count "$r/new")" = 1
check "uids on root's Maildir as root" test "$(status "$M" uids "$r")" = 0

# --- a symlink at MAILDIR --------------------------------------------------------------
ln -s "$r" "$d/home/link"
chown -h "$U:$G" "$d/home/link"
before=$(cat "$r/dovecot-uidlist")
check "a user's symlink to root's Maildir: uids 77" test "$(status "$M" uids "$d/home/link")" = 77
check "...deliver 77 even with --as-root" test "$(printf 'x\n' | status "$M" deliver --as-root "$d/home/link")" = 77
check "...root's Maildir untouched" test "$(count "$r/new")" = 1 -a "$(cat "$r/dovecot-uidlist")" = "$before"
ln -s "$md" "$d/rootlink"
check "root's symlink to a user's Maildir: followed" test "$(printf 'x\n' | status "$M" deliver "$d/rootlink")" = 0
check "...as the owner" test -z "$(find "$md" -user root)"
ln -s "$md" "$d/home/mylink"
chown -h "$U:$G" "$d/home/mylink"
check "the owner's symlink to their Maildir: followed" test "$(status "$M" uids "$d/home/mylink/")" = 0

# --- never set-user-ID -----------------------------------------------------------------
cp "$M" "$d/suid-maildir"
chmod 4755 "$d/suid-maildir"
if findmnt -n -o OPTIONS -T "$d" 2>/dev/null | grep -q nosuid; then
	echo "SKIP: $d is mounted nosuid: the set-user-ID refusal is not tested"
else
	st=$(setpriv --reuid "$U" --regid "$G" --clear-groups "$d/suid-maildir" uids "$r" >/dev/null 2>&1; echo $?)
	check "set-user-ID root: refused (77)" test "$st" = 77
fi
finish
