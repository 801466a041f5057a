#!/usr/bin/env bash
# check-exports.sh can fail: tiny libraries, each built with its own version
# script, must be refused for the reason named (a name exported but not
# listed, a listed name not defined, a genre__ internal exported, a name in
# the wrong node) and the one that matches its map accepted.
#   check-exports-selftest.sh <C compiler>
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
cc=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/lib.c" <<'EOF'
__attribute__((visibility("default"))) int genre_alpha(void) { return 1; }
__attribute__((visibility("default"))) int genre_beta(void) { return 2; }
__attribute__((visibility("default"))) int genre__inner(void) { return 3; }
EOF
# build <name> <version script text>
build() {
  printf '%s\n' "$2" >"$work/$1.map"
  "$cc" -shared -fPIC -o "$work/$1.so" "$work/lib.c" "-Wl,--version-script=$work/$1.map"
}
# expect <name> <pass|fail> <text the output must hold>
expect() {
  local out rc=0
  # The library name genre: the real map's --check also runs and passes.
  out=$("$here/check-exports.sh" "$work/$1.so" "$work/$1.map" genre 2>&1) || rc=$?
  if { [ "$2" = pass ] && [ $rc != 0 ]; } || { [ "$2" = fail ] && [ $rc = 0 ]; } ||
     ! printf '%s\n' "$out" | grep -qF "$3"; then
    printf '%s\n' "$out"; echo "selftest $1: expected $2 with '$3' (exit $rc)"; exit 1
  fi
  echo "$1: ${2}ed ($3)"
}
build good 'GENRE_1.0 { global: genre_alpha; genre_beta; local: *; };'
expect good pass "2 exports, each in its node"
build internal 'GENRE_1.0 { global: genre_alpha; genre_beta; genre__inner; local: *; };'
expect internal fail "genre__ internals exported"
build lacking 'GENRE_1.0 { global: genre_alpha; genre_beta; genre_gamma; local: *; };'
expect lacking fail "genre_gamma@@GENRE_1.0"
# Exported by a wildcard the --list reading does not expand: unlisted.
build wildcard 'GENRE_1.0 { global: genre_alpha; local: *; }; GENRE_1.1 { global: genre_b*; } GENRE_1.0;'
expect wildcard fail "exported but not listed"
build wrongnode 'GENRE_1.0 { global: genre_alpha; local: *; }; GENRE_1.1 { global: genre_beta; } GENRE_1.0;'
sed -i 's/GENRE_1.1 { global: genre_beta; }/GENRE_1.1 { global: genre_alpha; }/; s/GENRE_1.0 { global: genre_alpha;/GENRE_1.0 { global: genre_beta;/' "$work/wrongnode.map"
expect wrongnode fail "genre_beta@@GENRE_1.1"
echo "check-exports.sh refuses each bad library and accepts the good one"
