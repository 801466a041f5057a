#!/usr/bin/env bash
# The guard (docs/abi.md): compare a library with its committed abidw
# baseline (cmake/abi/). From 1.0 on, while the library's SONAME is the
# baseline's, only additions pass, in a node of their own:
#   - abidiff's exit status is a bit field: 1 tool error, 2 usage error,
#     4 ABI change, 8 incompatible change (a removed function or variable).
#     Tool and usage errors always fail; bit 8 fails;
#   - bit 4 alone passes only when the change is additions: abidiff sets bit
#     4, not 8, for a changed signature (a parameter or return type), so its
#     summary must show 0 Removed and 0 Changed functions and variables;
#   - the version nodes the baseline holds are released and frozen: each
#     lists, in the library, exactly the names it lists in the baseline (an
#     addition goes into a new node, GENRE_1.1 and so on, never an old one).
# A new SONAME (the ABI major changed with the break) lets anything pass and
# says so; the abi-baseline target then records the new major. Before 1.0
# changes are reported only.
#   abi-check.sh <lib.so> <baseline.abi> <include-dir> <project-major>
# GENRE_REQUIRE_ABIDIFF=1 (CI) turns a missing abidiff into a failure, not a skip.
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail
lib=$1 baseline=$2 headers=$3 major=$4
if ! command -v abidiff >/dev/null; then
  echo "abidiff not installed (Debian: abigail-tools)"
  [ "${GENRE_REQUIRE_ABIDIFF:-0}" = 1 ] && exit 1
  exit 77
fi
[ -f "$baseline" ] || { echo "no baseline at $baseline (run the abi-baseline target)"; exit 1; }
report=$(abidiff --headers-dir2 "$headers" --drop-private-types "$baseline" "$lib" 2>&1)
status=$?
printf '%s\n' "$report"
if (( status & 3 )); then echo "abidiff failed (status $status)"; exit 1; fi

old_soname=$(grep -o "soname='[^']*'" "$baseline" | head -n 1 | cut -d"'" -f2)
new_soname=$(readelf -d "$lib" | awk '/SONAME/ {print $5}' | tr -d '[]')
if [ "$old_soname" != "$new_soname" ]; then
  echo "SONAME $old_soname -> $new_soname: a new ABI major, any change passes (abidiff status $status);" \
       "record it with the abi-baseline target"
  exit 0
fi
if (( major < 1 )); then
  echo "version $major.x: ABI changes are reported only (abidiff status $status)"; exit 0
fi

fail=0
if (( status & 8 )); then
  echo "FAIL: incompatible ABI change (abidiff status $status) without a new SONAME ($new_soname)"
  fail=1
elif (( status & 4 )); then
  # "Functions changes summary: 0 Removed, 1 Changed (2 filtered out), 3 Added functions"
  broken=$(printf '%s\n' "$report" | grep 'changes summary:' |
           grep -oE '[0-9]+ (Removed|Changed)' | awk '{n += $1} END {print n + 0}')
  if (( broken > 0 )); then
    echo "FAIL: $broken removed or changed functions or variables (abidiff status $status):" \
         "only additions keep $new_soname"
    fail=1
  fi
fi

# Released nodes are frozen: the baseline's name@node pairs, and the
# library's exports in those nodes, must be the same sets.
base_pairs=$(grep -o "<elf-symbol name='[^']*' version='[^']*'" "$baseline" |
             sed "s/.*name='\([^']*\)' version='\([^']*\)'/\1@@\2/" | sort -u)
base_nodes=$(printf '%s\n' "$base_pairs" | sed 's/.*@@//' | sort -u)
lib_pairs=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}' | sort -u)
in_old_nodes=$(printf '%s\n' "$lib_pairs" |
               awk -F'@@' 'NR == FNR {node[$0]; next} ($2 in node)' <(printf '%s\n' $base_nodes) - | sort -u)
moved=$(comm -23 <(printf '%s\n' "$base_pairs") <(printf '%s\n' "$lib_pairs"))
added=$(comm -13 <(printf '%s\n' "$base_pairs") <(printf '%s\n' "$in_old_nodes"))
if [ -n "$moved" ]; then
  echo "FAIL: released names no longer exported in their node:"; printf '  %s\n' $moved; fail=1
fi
if [ -n "$added" ]; then
  echo "FAIL: names added to a released node ($(printf '%s ' $base_nodes)); an addition" \
       "goes into a new node (tests/abi/genre_map.py --node):"; printf '  %s\n' $added; fail=1
fi
[ "$fail" = 0 ] || exit 1
if (( status == 0 )); then
  echo "ABI identical to the baseline ($new_soname, nodes $(printf '%s ' $base_nodes))"
else
  new_nodes=$(comm -23 <(printf '%s\n' "$lib_pairs") <(printf '%s\n' "$in_old_nodes") |
              sed 's/.*@@//' | sort -u)
  echo "compatible ABI change: additions only, in new nodes ($(printf '%s ' $new_nodes)); refresh" \
       "the baseline with the abi-baseline target at release"
fi
exit 0
