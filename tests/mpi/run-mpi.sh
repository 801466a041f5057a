#!/usr/bin/env bash
# Runs a program under mpiexec on this machine (tests/mpi/CMakeLists.txt):
#   run-mpi.sh <mpiexec or empty> <ranks> [mpiexec options] <program> [args...]
# --oversubscribe lets 3 ranks share 2 cores; --allow-run-as-root when root
# (CI). Exit 77 (CTest skip) only when there is no mpiexec.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
mpiexec=$1 ranks=$2
shift 2
if [ -z "$mpiexec" ] || ! command -v "$mpiexec" >/dev/null; then
  echo "no mpiexec: skipped"; exit 77
fi
flags=(--oversubscribe -n "$ranks")
if [ "$(id -u)" -eq 0 ]; then flags+=(--allow-run-as-root); fi
# One thread per rank (issue 20): OpenBLAS would otherwise start one per core
# in every rank.
export OPENBLAS_NUM_THREADS=1
# Containers often forbid the cross-memory attach Open MPI's shared-memory
# transport uses for large messages (it then warns and falls back); copy
# through the shared segment instead. The caller's setting wins.
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
exec "$mpiexec" "${flags[@]}" "$@"
