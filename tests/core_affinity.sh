#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The default thread count follows the CPU affinity mask, not the machine's
# cores: bound to CPU 0 by taskset the library must report 1; unbound, the
# CPUs the process may run on (nproc reads the same mask). Exit 77 (skip)
# when taskset or nproc is missing or taskset cannot bind (a sandbox).
# Usage: core_affinity.sh <affinity_probe>
set -u
probe=$1
command -v taskset >/dev/null 2>&1 || { echo "SKIP: taskset not found"; exit 77; }
command -v nproc >/dev/null 2>&1 || { echo "SKIP: nproc not found"; exit 77; }
taskset -c 0 true 2>/dev/null || { echo "SKIP: taskset -c 0 cannot bind here"; exit 77; }
"$probe" "$(nproc)" || exit 1
taskset -c 0 "$probe" 1 || exit 1
echo "ok"
