#!/usr/bin/env bash
# Compare libgenre.so with the committed ABI baseline (cmake/abi/).
# abidiff's exit status is a bit field: 1 tool error, 2 usage error,
# 4 ABI change, 8 incompatible change. Tool and usage errors always fail.
# Before 1.0 changes are reported only; from 1.0 on an incompatible change
# fails unless the SONAME major changed with it.
#   abi-check.sh <libgenre.so> <baseline.abi> <include-dir> <project-major>
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail
lib=$1 baseline=$2 headers=$3 major=$4
command -v abidiff >/dev/null || { echo "abidiff not installed (Debian: abigail-tools)"; exit 77; }
[ -f "$baseline" ] || { echo "no baseline at $baseline (run the abi-baseline target)"; exit 1; }
abidiff --headers-dir2 "$headers" --drop-private-types "$baseline" "$lib"
status=$?
if (( status & 3 )); then echo "abidiff failed (status $status)"; exit 1; fi
if (( status == 0 )); then echo "ABI identical to the baseline"; exit 0; fi
if (( status & 8 )); then
  old_soname=$(grep -o "soname='[^']*'" "$baseline" | head -n 1 | cut -d"'" -f2)
  new_soname=$(readelf -d "$lib" | awk '/SONAME/ {print $5}' | tr -d '[]')
  if (( major >= 1 )) && [ "$old_soname" = "$new_soname" ]; then
    echo "incompatible ABI change without a SONAME bump ($new_soname)"; exit 1
  fi
  echo "incompatible ABI change (report only: version $major.x, SONAME $old_soname -> $new_soname)"
else
  echo "compatible ABI change (additions); refresh the baseline with the abi-baseline target at release"
fi
exit 0
