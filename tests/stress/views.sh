#!/bin/sh
# Held views under concurrency (stress_views.c), then the cross-checks of its logs:
# every delivered message not expunged is in the final view and in every reader's
# final view with the same UID and flags; no UID named two messages and no message had
# two UIDs in any reader's sightings; each flag is what its flagger set last.
set -eu
d=$(mktemp -d "${TMPDIR:-/tmp}/views.XXXXXX")
trap 'rm -rf "$d"' EXIT
"$TESTBIN/stress_views" "$d/Maildir" "${STRESS_VIEWS_SECONDS:-15}"
w="$d/Maildir.work"
fail=0
no() { echo "FAIL $*"; fail=$((fail + 1)); }

cat "$w"/delivered.* | sort -u >"$d/delivered"
sort -u "$w/expunged.0" >"$d/expunged"
comm -23 "$d/delivered" "$d/expunged" >"$d/should"
cut -d' ' -f2 "$w/view" | sort >"$d/have"
[ -s "$d/should" ] || no "nothing was delivered"
cmp -s "$d/should" "$d/have" || { no "final view differs from delivered minus expunged"; diff "$d/should" "$d/have" | head; }
for f in "$w"/final.*; do
	cmp -s "$w/view" "$f" || { no "a reader's final view differs: $f"; diff "$w/view" "$f" | head; }
done
# Sightings: one base per UID and one UID per base, across readers.
cat "$w"/sightings.* | sort -u >"$d/sight"
[ "$(cut -d' ' -f1 "$d/sight" | uniq -d | wc -l)" -eq 0 ] || no "a UID named two messages"
[ "$(cut -d' ' -f2 "$d/sight" | sort | uniq -d | wc -l)" -eq 0 ] || no "a message had two UIDs"
# Final flags: bit 32 (\Flagged, flagger 0) and bit 131072 (\Answered, flagger 1).
for p in 0 1; do
	bit=$([ "$p" -eq 0 ] && echo 32 || echo 131072)
	awk '{ last[$1] = $2 } END { for (b in last) print b, last[b] }' "$w/flagged.$p" | sort >"$d/last.$p"
	awk -v bit="$bit" 'NR == FNR { v[$1] = $2; next }
		($2 in v) { has = int($3 / bit) % 2; if (has != v[$2]) { print "flag", bit, $2, has, v[$2]; bad++ } }
		END { exit bad > 0 }' "$d/last.$p" "$w/view" || no "final flags of flagger $p"
done
n=$(wc -l <"$d/have")
echo "views: $n messages at the end, $(wc -l <"$d/delivered") delivered, $(wc -l <"$d/expunged") expunged, $(cat "$w"/flagged.* | wc -l) flag changes"
[ "$fail" -eq 0 ]
