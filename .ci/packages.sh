#!/usr/bin/env bash
# Packaging CI (issue 23): what a user installs, checked the way a user gets it.
#   1. the versions of pyproject.toml and the crates are the library's;
#   2. a /usr build tree (no tests, no bench), man/genre-analysis.1 current;
#   3. cpack -G DEB: libgenre1, libgenre-dev, genre-tools, python3-genre
#      libgenre-mpi1, libgenre-mpi-dev, genre-tools-mpi (the tree has GENRE_MPI=ON); lintian errors fail;
#   4. the packages extracted (dpkg -x) into a scratch root, never installed:
#      the programs run, the consumer tests (pkg-config, find_package(genre),
#      static and shared) build against that root, the python3-genre files import;
#   5. the Python wheel (pip wheel, offline) installed into a throw-away
#      --target and the pytest suite run against it; pip install of the source
#      folder into a throw-away venv;
#   6. cargo package --offline --no-verify of both crates.
# usage: .ci/packages.sh [BUILD_DIR]   (default: build-deb; configured and built here)
# Needs (install-deps.sh): dpkg-dev file lintian help2man python3-pip
#        python3-setuptools python3-wheel python3-venv cargo, and the build's packages.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=${1:-build-deb}
start=$SECONDS
step() { printf '\n=== packages: %s (%ds)\n' "$*" $((SECONDS - start)); }
fail() { printf '\n*** packages: FAILED: %s\n' "$*" >&2; exit 1; }

for tool in lintian help2man dpkg-deb dpkg-shlibdeps file /usr/bin/python3 /usr/bin/cargo; do
  command -v "$tool" >/dev/null || fail "missing $tool (see the package list at the top)"
done
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
tmp=$(mktemp -d /tmp/genre-packages.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

step "versions agree with include/genre/version.h"
version=$(sed -n 's/^#define GENRE_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' \
          include/genre/version.h | paste -sd.)
abi=$(sed -n 's/^#define GENRE_ABI_VERSION \([0-9]*\).*/\1/p' include/genre/version.h)
for f in bindings/python/pyproject.toml bindings/rust/genre/Cargo.toml \
         bindings/rust/genre-sys/Cargo.toml; do
  grep -qx "version = \"$version\"" "$f" || fail "$f: version is not $version"
done
grep -q "genre-sys = {.*version = \"=$version\"" bindings/rust/genre/Cargo.toml \
  || fail "bindings/rust/genre/Cargo.toml: genre-sys is not =$version"
grep -L "\"libgenre $version\"" man/*.1 | grep . && fail "man pages above do not say libgenre $version"
echo "libgenre $version, ABI $abi"

step "configure and build $build (prefix /usr, no RUNPATH, libraries (MPI too) and programs)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGENRE_WERROR=ON \
      -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_SKIP_INSTALL_RPATH=ON \
      -DGENRE_BUILD_TESTS=OFF -DGENRE_BUILD_BENCH=OFF -DGENRE_MPI=ON >/dev/null
cmake --build "$build" -j2 >/dev/null
# Every install rule names its component (cmake/GenreInstall.cmake): a rule
# without one would be missing from every package.
cmake --install "$build" --component Unspecified --prefix "$tmp/unspecified" >/dev/null
[ -z "$(find "$tmp/unspecified" -type f 2>/dev/null)" ] \
  || fail "install rules without a component: $(find "$tmp/unspecified" -type f)"
man/update.sh --check "$build" || fail "man/genre-analysis.1 is stale"

step "cpack -G DEB"
rm -rf "$build/packages"
(cd "$build" && cpack -G DEB >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; fail "cpack"; }
mapfile -t debs < <(find "$build/packages" -maxdepth 1 -name '*.deb' | sort)
names=$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Package; done | sort | paste -sd' ')
echo "packages: $names"
for want in "libgenre$abi" libgenre-dev genre-tools python3-genre "libgenre-mpi$abi" libgenre-mpi-dev genre-tools-mpi; do
  case " $names " in *" $want "*) ;; *) fail "no package $want" ;; esac
done
for d in "${debs[@]}"; do
  printf '\n%s\n' "$(basename "$d")"
  dpkg-deb -f "$d" Depends | sed 's/^/  Depends: /'
done

step "lintian (errors fail; the warnings that remain are listed in docs/building.md)"
# --tag-display-limit 0: every instance; the profile is Debian's.
lintian --fail-on error --tag-display-limit 0 --info "${debs[@]}" >"$tmp/lintian.log" 2>&1 \
  || { cat "$tmp/lintian.log"; fail "lintian reports errors"; }
grep -E '^[EWI]: ' "$tmp/lintian.log" || echo "lintian: no tags"

step "extract into a scratch root (dpkg -x, nothing installed)"
root=$tmp/root
for d in "${debs[@]}"; do dpkg -x "$d" "$root"; done
libdir=$(dirname "$(find "$root/usr/lib" -name "libgenre.so.$abi" -print -quit)")
[ -n "$libdir" ] || fail "no libgenre.so.$abi in the packages"
export LD_LIBRARY_PATH=$libdir
"$root/usr/bin/genre-info"
"$root/usr/bin/genre-analysis" --help >/dev/null
for p in "$root"/usr/bin/*; do
  test -f "$root/usr/share/man/man1/$(basename "$p").1.gz" || fail "no man page for $(basename "$p")"
done
test -f "$root/usr/share/genre/music_genre.csv.gz" && test -f "$root/usr/share/genre/music_genre.schema" \
  && test -f "$root/usr/share/genre/real_split.csv.gz" \
  || fail "genre-tools lacks the data set, its schema or the frozen split"
if command -v man >/dev/null; then
  # `man genre-analysis`, looked up by name in the scratch root's man tree
  MANWIDTH=80 man -M "$root/usr/share/man" genre-analysis >"$tmp/man.txt" 2>&1 \
    || { cat "$tmp/man.txt"; fail "man genre-analysis"; }
  head -n 4 "$tmp/man.txt"
fi

step "consumer tests against the scratch root (pkg-config; CMake find_package)"
bash tests/consumer/run.sh pkgconfig "$root/usr" "$tmp/consumer-pc" "$src"
bash tests/consumer/run.sh cmake "$root/usr" "$tmp/consumer-cmake" "$src"
# python3-genre: the package from dist-packages, with the packaged library.
PYTHONPATH=$root/usr/lib/python3/dist-packages /usr/bin/python3 -c '
import genre, sys
assert genre.__file__.startswith(sys.argv[1]), genre.__file__
assert genre.library_path == "libgenre.so.'"$abi"'", genre.library_path
print("python3-genre:", genre.__file__, genre.version())' "$root/usr/lib/python3/dist-packages"

step "Python: wheel into a throw-away --target, pytest against it"
# setuptools builds in the source folder: no stale build/ from an earlier run.
rm -rf bindings/python/build bindings/python/genre.egg-info
/usr/bin/python3 -m pip wheel -q --no-build-isolation --no-index --no-deps \
  -w "$tmp/wheels" bindings/python || fail "pip wheel"
wheel=$(find "$tmp/wheels" -name 'genre-*.whl' -print -quit)
[ "$(basename "$wheel")" = "genre-$version-py3-none-any.whl" ] || fail "wheel is $wheel"
/usr/bin/python3 -m pip install -q --no-index --no-deps --target "$tmp/site" "$wheel" \
  || fail "pip install --target"
export PYTHONPATH=$tmp/site GENRE_PYTHON_INSTALLED=1 GENRE_BINDINGS_CI=1
export PKG_CONFIG_PATH=$libdir/pkgconfig GENRE_INCLUDE_DIR=$root/usr/include
/usr/bin/python3 -c 'import genre, sys; assert genre.__file__.startswith(sys.argv[1]), genre.__file__' "$tmp/site"
rc=0
(cd "$tmp" && /usr/bin/python3 -m pytest -p no:cacheprovider -q "$src/bindings/python/tests" \
   >"$tmp/pytest.log" 2>&1) || rc=$?
tail -n 3 "$tmp/pytest.log"
[ "$rc" = 0 ] || { cat "$tmp/pytest.log"; fail "pytest against the wheel (exit $rc)"; }
unset PYTHONPATH GENRE_PYTHON_INSTALLED
# pip install of the source folder, into a venv that sees Debian's cffi and numpy.
/usr/bin/python3 -m venv --system-site-packages --without-pip "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --no-build-isolation --no-index bindings/python \
  || fail "pip install bindings/python"
(cd "$tmp" && "$tmp/venv/bin/python" -c 'import genre; print("venv:", genre.__file__, genre.version())')
rm -rf bindings/python/build bindings/python/genre.egg-info

step "Rust: cargo package --offline --no-verify (Debian's cargo)"
export CARGO_TARGET_DIR=$tmp/cargo-target RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
for crate in genre-sys genre; do
  (cd bindings/rust && /usr/bin/cargo package --offline --no-verify --locked -p "$crate" \
     >"$tmp/cargo-$crate.log" 2>&1) || { cat "$tmp/cargo-$crate.log"; fail "cargo package $crate"; }
  grep -i warning "$tmp/cargo-$crate.log" || true
done
ls "$CARGO_TARGET_DIR/package"

step "all packaging checks passed"
