#!/usr/bin/env bash
# A build without multiversioning (GENRE_MULTIVERSION off, e.g. any
# ThreadSanitizer build) must hold no IFUNC symbol: ifunc resolvers run
# before TSan's runtime is initialised and crash the program before main().
#   check-no-ifunc.sh <object, archive or shared library>...
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
status=0
for f in "$@"; do
  found=$(readelf -sW "$f" | awk '$4 == "IFUNC" {print $8}' | sort -u)
  if [ -n "$found" ]; then
    echo "$f has IFUNC symbols:" $found
    status=1
  else
    echo "$f: no IFUNC symbol"
  fi
done
exit $status
