#!/usr/bin/env bash
# libgenre.so must take its CBLAS from OpenBLAS: it needs libopenblas and
# libgsl, and never libgslcblas itself (Debian's libgsl.so needs
# libgslcblas, so ldd would show it anyway; readelf shows our own entries);
# and never FFTW, which aborts the process when its allocations fail (the
# t-SNE FFT gradient uses lib/common/fft.c, issue 16).
#   check-needed.sh <libgenre.so>
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
needed=$(readelf -d "$1" | awk '/NEEDED/ {print $5}' | tr -d '[]')
printf 'NEEDED: %s\n' $needed
if printf '%s\n' "$needed" | grep -q gslcblas; then
  echo "libgenre.so lists libgslcblas among its NEEDED entries"; exit 1
fi
printf '%s\n' "$needed" | grep -q '^libopenblas' || { echo "libopenblas is not NEEDED"; exit 1; }
printf '%s\n' "$needed" | grep -q '^libgsl\.so' || { echo "libgsl is not NEEDED"; exit 1; }
if printf '%s\n' "$needed" | grep -q '^libfftw3'; then
  echo "libgenre.so lists FFTW among its NEEDED entries"; exit 1
fi
soname=$(readelf -d "$1" | awk '/SONAME/ {print $5}' | tr -d '[]')
echo "SONAME: $soname"
[ "$soname" = "libgenre.so.$2" ] || { echo "SONAME should be libgenre.so.$2"; exit 1; }
