#!/usr/bin/env bash
# The umbrella headers name every header they stand for: genre/genre.h
# includes every public header (bindings/tools/genre_decls.py reads only the
# headers it lists), and a module header <module>.h includes each header it
# was split into, <module>_<concern>.h (docs/api-conventions.md), so
# programs that include only genre.h or <module>.h keep building.
#   check-umbrellas.sh <include-dir>
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
dir=$1/genre
includes() { grep -Eq "^[[:space:]]*#[[:space:]]*include[[:space:]]*<genre/$2>" "$dir/$1"; }
fail=0 n=0
for path in "$dir"/*.h; do
  h=$(basename "$path")
  [ "$h" = genre.h ] && continue
  n=$((n + 1))
  includes genre.h "$h" || { echo "genre/genre.h does not include genre/$h"; fail=1; }
  module=${h%%_*}.h
  if [ "$module" != "$h" ] && [ -f "$dir/$module" ]; then
    includes "$module" "$h" || { echo "genre/$module does not include genre/$h"; fail=1; }
  fi
done
[ "$fail" = 0 ] && echo "genre/genre.h includes all $n public headers; module headers include their parts"
exit "$fail"
