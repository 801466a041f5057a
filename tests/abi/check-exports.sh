#!/usr/bin/env bash
# Every dynamic symbol libgenre.so defines must start with genre_ and a
# letter (besides the version-script node names; genre__* is internal), and the documented entry points must be
# there, bound to the GENRE_0 version node.
#   check-exports.sh <libgenre.so>
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
lib=$1
syms=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}')
bad=$(printf '%s\n' "$syms" | sed 's/@.*//' | grep -v '^genre_[a-z]' || true)
if [ -n "$bad" ]; then
  echo "exported symbols that are not public genre_<name>s:"; printf '%s\n' "$bad"; exit 1
fi
count=$(printf '%s\n' "$syms" | grep -c '^genre_')
for required in genre_version_number genre_version_string genre_last_error genre_status_str; do
  printf '%s\n' "$syms" | grep -qx "$required@@GENRE_0" ||
    { echo "missing or unversioned export: $required"; exit 1; }
done
echo "$count exported symbols, all genre_*, versioned GENRE_0"
