#!/usr/bin/env bash
# libgenre_mpi.so exports exactly the names mpi/genre_mpi.map lists, each in
# its node (tests/abi/check-exports.sh: no genre__ internal, the map current
# with <genre/mpi.h>); its SONAME is libgenre_mpi.so.<abi>; it needs
# libgenre and an MPI library. And the core stays free of MPI: libgenre.so
# needs no MPI library and no public core header mentions MPI.
#   check-mpi-library.sh <libgenre_mpi.so> <abi-version> <libgenre.so> <core include dir> <map>
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
lib=$1 abi=$2 core=$3 headers=$4 map=$5
"$(dirname "$0")/../abi/check-exports.sh" "$lib" "$map" genre_mpi
syms=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}')
for required in genre_mpi_build_info genre_mpi_agree genre_mpi_scaler_fit \
                genre_mpi_scaler_partial_allreduce genre_mpi_metrics_partial_allreduce; do
  printf '%s\n' "$syms" | grep -q "^$required@@GENRE_MPI_" || { echo "missing export: $required"; exit 1; }
done
soname=$(readelf -d "$lib" | awk '/SONAME/ {print $5}' | tr -d '[]')
[ "$soname" = "libgenre_mpi.so.$abi" ] || { echo "SONAME $soname, not libgenre_mpi.so.$abi"; exit 1; }
needed=$(readelf -d "$lib" | awk '/NEEDED/ {print $5}' | tr -d '[]')
printf '%s\n' "$needed" | grep -q '^libgenre\.so\.' || { echo "libgenre is not NEEDED"; exit 1; }
printf '%s\n' "$needed" | grep -q 'mpi' || { echo "no MPI library is NEEDED"; exit 1; }
if readelf -d "$core" | awk '/NEEDED/ {print $5}' | grep -qi 'mpi'; then
  echo "libgenre.so needs an MPI library"; exit 1
fi
# Code only: the core's comments may name MPI as one engine for its hooks.
for h in "$headers"/genre/*.h; do
  if gcc -fpreprocessed -dD -E -P "$h" 2>/dev/null | grep -qE 'MPI_|<mpi\.h>|genre/mpi\.h'; then
    echo "$h: a core header uses MPI"; exit 1
  fi
done
echo "SONAME $soname;" \
     "NEEDED $(printf '%s ' $needed); the core has no MPI"
