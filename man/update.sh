#!/usr/bin/env bash
# The man pages in man/: genre-analysis.1 is made by help2man from the
# program's --help (and genre-analysis.h2m); the others are written by hand.
#   man/update.sh BUILD_DIR           rewrite man/genre-analysis.1
#   man/update.sh --check BUILD_DIR   fail when it differs from --help (CI)
# The date line (.TH) and help2man's own header comment are not compared.
# Needs help2man. SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
build=${1:?usage: man/update.sh [--check] BUILD_DIR}
cd "$(dirname "$0")/.."
prog=$build/examples/genre-analysis
[ -x "$prog" ] || { echo "man/update.sh: no $prog (build it first)" >&2; exit 1; }
version=$(sed -n 's/^#define GENRE_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' \
          include/genre/version.h | paste -sd.)
new=$(mktemp)
trap 'rm -f "$new"' EXIT
# -N: no pointer to a Texinfo manual; the version string, so help2man never
# runs --version (the programs have none). No locale: the page is English.
LC_ALL=C help2man -N --section=1 --source="libgenre $version" \
  --version-string="$version" --include=man/genre-analysis.h2m \
  --name="the reference music-genre analysis of libgenre, or the same analysis of any labelled table" \
  "$prog" >"$new"
# help2man names the page after the path's base name: keep the path out.
if [ $check = 1 ]; then
  strip() { grep -v -e '^\.TH ' -e '^\.\\" DO NOT MODIFY' "$1"; }
  if ! diff -u <(strip man/genre-analysis.1) <(strip "$new"); then
    echo "man/genre-analysis.1 is not what help2man makes from today's --help:" \
         "run man/update.sh $build and commit it" >&2
    exit 1
  fi
  echo "man/genre-analysis.1 is current"
else
  cp "$new" man/genre-analysis.1
  echo "wrote man/genre-analysis.1 (libgenre $version)"
fi
