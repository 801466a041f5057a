#!/usr/bin/env bash
# Installs every Debian 12 package libgenre needs to build, test, check its
# ABI and fuzz. Run as root (or with sudo available).
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
packages=(
  build-essential cmake pkg-config           # toolchain
  libgsl-dev libopenblas-dev zlib1g-dev      # library dependencies
  libdeflate-dev                             # fast gzip input (optional, zlib otherwise)
  check libsubunit-dev                       # unit tests
  abigail-tools binutils valgrind            # ABI baseline, readelf/nm, leak checks
  locales                                    # localedef, for the locale-independence test
  strace                                     # kill -9 mid-commit (analysis_outdir_killed)
  clang libclang-rt-14-dev                   # libFuzzer targets
  libcairo2-dev fonts-dejavu-core            # plots of the analysis example (not the library)
  python3-cffi python3-numpy python3-pytest python3-sklearn  # Python binding and its tests
  python3-distributed                        # Dask (brings python3-dask): test_dask.py, the Dask example
  cargo rustc                                # Rust binding (Debian's 1.63)
  libopenmpi-dev openmpi-bin                 # libgenre_mpi (GENRE_MPI=ON) and its mpi_* tests
  dpkg-dev file lintian help2man             # Debian packages (cpack -G DEB), man/genre-analysis.1
  python3-pip python3-setuptools python3-wheel python3-venv  # the Python package, offline
)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "install-deps: ${#packages[@]} packages present"
