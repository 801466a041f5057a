#!/usr/bin/env bash
# At run time every cblas_* reference, libgenre's own and libgsl's, must
# bind to OpenBLAS and none to libgslcblas. LD_BIND_NOW makes the dynamic
# linker resolve (and, with LD_DEBUG=bindings, report) every reference at
# start-up rather than at first call.
#   check-blas-binding.sh <program linked with libgenre>
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
LD_BIND_NOW=1 LD_DEBUG=bindings LD_DEBUG_OUTPUT="$log" "$1" >/dev/null
cat "$log".* > "$log" 2>/dev/null; rm -f "$log".*
ours=$(grep -E "binding file [^ ]*libgenre\.so[^ ]* .* to [^ ]*( \[[0-9]+\])?: normal symbol \`cblas_" "$log" || true)
wrong=$(grep -E "to [^ ]*libgslcblas[^ ]* .*symbol \`cblas_" "$log" || true)
if [ -n "$wrong" ]; then
  echo "cblas_* bound to libgslcblas:"; printf '%s\n' "$wrong" | head; exit 1
fi
if [ -z "$ours" ]; then
  echo "libgenre.so has no cblas_* binding at all"; exit 1
fi
if printf '%s\n' "$ours" | grep -vq 'libopenblas'; then
  echo "libgenre cblas_* bound elsewhere than OpenBLAS:"; printf '%s\n' "$ours" | grep -v libopenblas | head; exit 1
fi
echo "libgenre.so: $(printf '%s\n' "$ours" | wc -l) cblas_* bindings, all to OpenBLAS"
echo "libgsl:      $(grep -cE "binding file [^ ]*libgsl\.so[^ ]* .*libopenblas.*symbol \`cblas_" "$log") cblas_* bindings to OpenBLAS"
