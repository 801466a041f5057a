#!/usr/bin/env bash
# Consumer checks against an installed libgenre (CTest runs each mode).
#   run.sh install    <build-dir> <prefix>
#   run.sh pkgconfig  <prefix> <work-dir> <source-dir>
#   run.sh cmake      <prefix> <work-dir> <source-dir>
#   run.sh subproject <source-dir> <work-dir>
#   run.sh version    <prefix> <work-dir> <source-dir>
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
mode=$1; shift
cc=${CC:-cc}

libdir_of() { # the installed lib dir (lib or lib/<multiarch>)
  dirname "$(find "$1" -name 'libgenre.so.*' -type f | head -n 1)"
}

case $mode in
install)
  build=$1 prefix=$2
  rm -rf "$prefix"
  cmake --install "$build" --prefix "$prefix" >/dev/null
  test -f "$prefix/include/genre/genre.h"
  libdir=$(libdir_of "$prefix")
  test -f "$libdir/libgenre.a"
  test -L "$libdir/libgenre.so"
  test -f "$libdir/pkgconfig/genre.pc"
  test -f "$libdir/cmake/genre/genreConfig.cmake"
  test -f "$libdir/cmake/genre/genreConfigVersion.cmake"
  test -f "$prefix/share/genre/music_genre.csv.gz"
  grep -q 'GPL-3.0-or-later' "$libdir/pkgconfig/genre.pc"
  echo "installed into $prefix ($libdir)"
  ;;
pkgconfig)
  prefix=$1 work=$2 src=$3
  libdir=$(libdir_of "$prefix")
  export PKG_CONFIG_PATH="$libdir/pkgconfig"
  rm -rf "$work" && mkdir -p "$work"
  cflags=$(pkg-config --cflags genre) libs=$(pkg-config --libs genre)
  # genre.pc carries the version of include/genre/version.h (1.0.0 at the freeze)
  want=$(sed -n 's/^#define GENRE_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' \
         "$src/include/genre/version.h" | paste -sd.)
  [ "$(pkg-config --modversion genre)" = "$want" ] \
    || { echo "genre.pc is version $(pkg-config --modversion genre), not $want"; exit 1; }
  echo "pkg-config: cflags '$cflags' libs '$libs'"
  case "$cflags $libs" in *"$prefix"*) ;; *) echo "pkg-config does not point into $prefix"; exit 1 ;; esac
  # shellcheck disable=SC2086
  $cc -std=c11 -Wall -Wextra -Werror -o "$work/consumer_pc" "$src/tests/consumer/main.c" $cflags $libs
  LD_LIBRARY_PATH="$libdir" "$work/consumer_pc"
  # Static link through Libs.private, the way a distribution would.
  # shellcheck disable=SC2086
  $cc -std=c11 -Wall -Werror -o "$work/consumer_pc_static" "$src/tests/consumer/main.c" \
      $cflags "$libdir/libgenre.a" $(pkg-config --libs-only-l --static genre | sed 's/-lgenre//')
  if readelf -d "$work/consumer_pc_static" | grep -q 'libgenre\.so'; then
    echo "static consumer still needs libgenre.so"; exit 1
  fi
  "$work/consumer_pc_static"
  ;;
cmake)
  prefix=$1 work=$2 src=$3
  rm -rf "$work"
  cmake -S "$src/tests/consumer" -B "$work" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$work" >/dev/null
  libdir=$(libdir_of "$prefix")
  for exe in consumer_c consumer_cxx consumer_static; do
    LD_LIBRARY_PATH="$libdir" "$work/$exe"
  done
  if readelf -d "$work/consumer_static" | grep -q 'libgenre\.so'; then
    echo "genre::genre_static consumer still needs libgenre.so"; exit 1
  fi
  ;;
version)
  # find_package(genre X): from 1.0 on any 1.y >= X is accepted, 0.x and 2.x
  # refused (SameMajorVersion). First the installed package as it is, then
  # its version file alone as a later 1.3.0 release would install it.
  prefix=$1 work=$2 src=$3
  rm -rf "$work" && mkdir -p "$work"
  probe() { # probe <package dir or prefix var> <requested> <accept|refuse>
    local log="$work/probe-$2-$4.log"
    if cmake -S "$src/tests/consumer/version" -B "$work/probe" "$1" -DGENRE_WANT="$2" \
         >"$log" 2>&1; then got=accept; else got=refuse; fi
    rm -rf "$work/probe"
    [ "$got" = "$3" ] || { cat "$log"; echo "find_package(genre $2) should $3 ($4)"; exit 1; }
    echo "find_package(genre $2): $([ "$got" = accept ] && echo accepted || echo refused) ($4)"
  }
  major=$(sed -n 's/^#define GENRE_VERSION_MAJOR \([0-9]*\).*/\1/p' "$src/include/genre/version.h")
  if [ "$major" = 0 ]; then echo "0.x: only the same minor is compatible"; exit 0; fi
  installed=-DCMAKE_PREFIX_PATH="$prefix"
  probe "$installed" "$major" accept installed
  probe "$installed" "$major.0" accept installed
  probe "$installed" "$((major + 1)).0" refuse installed
  probe "$installed" "$((major - 1)).4" refuse installed
  probe "$installed" "$major.99" refuse installed # older than requested: lacks functions
  pkgdir=$(dirname "$(find "$prefix" -name genreConfigVersion.cmake | head -n 1)")
  mkdir -p "$work/later"
  sed -E "s/^set\(PACKAGE_VERSION \"[0-9.]+\"\)/set(PACKAGE_VERSION \"$major.3.0\")/" \
      "$pkgdir/genreConfigVersion.cmake" >"$work/later/genreConfigVersion.cmake"
  grep -q "PACKAGE_VERSION \"$major.3.0\"" "$work/later/genreConfigVersion.cmake" \
    || { echo "cannot rewrite the version of $pkgdir/genreConfigVersion.cmake"; exit 1; }
  echo 'set(genre_FOUND TRUE)' >"$work/later/genreConfig.cmake"
  later=-Dgenre_DIR="$work/later"
  probe "$later" "$major.0" accept "a $major.3.0 release"
  probe "$later" "$major.3" accept "a $major.3.0 release"
  probe "$later" "$major.4" refuse "a $major.3.0 release"
  probe "$later" "$((major + 1)).0" refuse "a $major.3.0 release"
  probe "$later" "$((major - 1)).4" refuse "a $major.3.0 release"
  ;;
subproject)
  src=$1 work=$2
  rm -rf "$work"
  cmake -S "$src/tests/consumer" -B "$work" -DGENRE_AS_SUBPROJECT="$src" >/dev/null
  cmake --build "$work" -j2 >/dev/null
  "$work/consumer_c"
  "$work/consumer_cxx"
  # As a subproject libgenre builds no tests, examples or install rules.
  if [ -e "$work/genre/tests" ] || [ -e "$work/genre/examples" ]; then
    echo "subproject build also built tests/examples"; exit 1
  fi
  ;;
*)
  echo "unknown mode $mode" >&2; exit 2 ;;
esac
