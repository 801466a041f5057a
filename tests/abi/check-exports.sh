#!/usr/bin/env bash
# A library exports exactly what its version script lists, in the node that
# lists it, and the script is current with the headers (docs/abi.md):
#   - no genre__* internal is exported (whatever the script says);
#   - every defined dynamic symbol is name@@NODE with name listed in NODE;
#   - every name the script lists is defined by the library;
#   - tests/abi/genre_map.py --check: the script lists every function the
#     headers export, no more (a header change without a map rerun fails).
#   check-exports.sh <lib.so> <map> <genre|genre_mpi>
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
lib=$1 map=$2 which=$3
here=$(dirname "$0")
fail=0
# Defined dynamic symbols as name@@NODE; the A entries are the node names.
exported=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}' | sort)
internal=$(printf '%s\n' "$exported" | grep '^genre__' || true)
if [ -n "$internal" ]; then
  echo "genre__ internals exported:"; printf '  %s\n' $internal; fail=1
fi
listed=$(/usr/bin/python3 "$here/genre_map.py" --list "$map" | awk '{print $1 "@@" $2}' | sort)
[ -n "$listed" ] || { echo "$map lists no name"; exit 1; }
extra=$(comm -23 <(printf '%s\n' "$exported") <(printf '%s\n' "$listed"))
if [ -n "$extra" ]; then
  echo "exported but not listed in $map (or in another node):"; printf '  %s\n' $extra; fail=1
fi
missing=$(comm -13 <(printf '%s\n' "$exported") <(printf '%s\n' "$listed"))
if [ -n "$missing" ]; then
  echo "listed in $map but not defined by $(basename "$lib"):"; printf '  %s\n' $missing; fail=1
fi
/usr/bin/python3 "$here/genre_map.py" --check --lib "$which" || fail=1
[ "$fail" = 0 ] || exit 1
nodes=$(printf '%s\n' "$exported" | sed 's/.*@@//' | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')
echo "$(printf '%s\n' "$exported" | wc -l) exports, each in its node of $map (${nodes%, }); no genre__ internal"
