#!/usr/bin/env bash
# A consumer of the installed libgenre_mpi (the prefix abi_install fills),
# built through pkg-config genre-mpi or CMake's genre::genre_mpi, run on 2
# ranks:  consumer.sh pkgconfig|cmake <prefix> <work-dir> <source-dir> <mpiexec>
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
mode=$1 prefix=$2 work=$3 src=$4 mpiexec=$5
libdir=$(dirname "$(find "$prefix" -name 'libgenre_mpi.so.*' -type f | head -n 1)")
test -f "$prefix/include/genre/mpi.h" || { echo "no genre/mpi.h installed"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
case $mode in
pkgconfig)
  export PKG_CONFIG_PATH="$libdir/pkgconfig"
  cflags=$(pkg-config --cflags genre-mpi) libs=$(pkg-config --libs genre-mpi)
  echo "pkg-config genre-mpi: cflags '$cflags' libs '$libs'"
  # shellcheck disable=SC2086
  ${CC:-cc} -std=c11 -Wall -Wextra -Werror -o "$work/consumer_mpi" "$src/tests/mpi/consumer/main.c" \
      $cflags $libs
  ;;
cmake)
  cmake -S "$src/tests/mpi/consumer" -B "$work" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$work" >/dev/null
  ;;
*) echo "unknown mode $mode" >&2; exit 2 ;;
esac
out=$(LD_LIBRARY_PATH="$libdir" "$src/tests/mpi/run-mpi.sh" "$mpiexec" 2 \
      "$work/consumer_mpi")
echo "$out"
[ "$(grep -c 'mean 4 (ok)' <<<"$out")" = 2 ] || { echo "both ranks should print mean 4 (ok)"; exit 1; }
