#!/usr/bin/env bash
# Bindings CI (issue 9): install the built library into a temporary prefix,
# then run against that prefix only:
#   1. the declaration check (cffi cdef and genre-sys vs the installed headers),
#   2. the Python pytest suite (Debian's /usr/bin/python3),
#   3. the Rust workspace tests (Debian's /usr/bin/cargo, rustc 1.63),
#   4. the C++17 RAII example.
# usage: .ci/bindings.sh [BUILD_DIR]   (default: build; must be built already)
# Needs: python3-cffi python3-numpy python3-pytest python3-sklearn
#        python3-distributed cargo rustc pkg-config g++ binutils (nm).
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=${1:-build}
start=$SECONDS
step() { printf '\n=== bindings: %s (%ds)\n' "$*" $((SECONDS - start)); }
fail() { printf '\n*** bindings: FAILED: %s\n' "$*" >&2; exit 1; }

for tool in /usr/bin/python3 /usr/bin/cargo /usr/bin/rustc /usr/bin/rustdoc pkg-config c++ nm; do
  command -v "$tool" >/dev/null || fail "missing $tool (see the package list at the top)"
done

tmp=$(mktemp -d /tmp/genre-bindings.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

step "install $build into a temporary prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null || fail "cmake --install"
pcdir=$(dirname "$(find "$prefix" -name genre.pc -print -quit)")
[ -n "$pcdir" ] || fail "no genre.pc under $prefix"
export PKG_CONFIG_PATH=$pcdir
libdir=$(pkg-config --variable=libdir genre)
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
incdir=$(pkg-config --variable=includedir genre)
echo "prefix $prefix; libdir $libdir"

step "declarations match the installed headers"
/usr/bin/python3 bindings/tools/genre_decls.py --check --include "$incdir" \
  || fail "bindings/python/genre/_cdef.h or bindings/rust/genre-sys/src/ffi.rs is stale"

step "Python (cffi, ABI mode): pytest"
export GENRE_BINDINGS_CI=1 GENRE_INCLUDE_DIR=$incdir
rc=0
(cd "$tmp" && /usr/bin/python3 -m pytest -p no:cacheprovider -q -rs \
   "$src/bindings/python/tests" >"$tmp/pytest.log" 2>&1) || rc=$?
cat "$tmp/pytest.log"
echo "pytest summary: $(tail -1 "$tmp/pytest.log")"
[ "$rc" = 0 ] || fail "pytest (exit $rc)"

step "Rust (Debian cargo/rustc): cargo test --offline --locked"
export CARGO_TARGET_DIR=$tmp/cargo-target RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
/usr/bin/rustc --version
rc=0
(cd bindings/rust && /usr/bin/cargo test --offline --locked >"$tmp/cargo.log" 2>&1) || rc=$?
cat "$tmp/cargo.log"
[ "$rc" = 0 ] || fail "cargo test (exit $rc)"
grep -E '^test result:' "$tmp/cargo.log" | sed 's/^/cargo summary: /'
grep -qE '^test result: ok\. [1-9]' "$tmp/cargo.log" || fail "cargo ran no test"

step "C++17 RAII example against the installed tree"
# shellcheck disable=SC2046 # pkg-config output is a flag list
c++ -std=c++17 -Wall -Wextra -Werror -pedantic examples/cxx/genre_raii.cpp \
    -o "$tmp/genre_raii" $(pkg-config --cflags --libs genre) || fail "C++ example build"
mkdir -p "$tmp/cxx-models"
"$tmp/genre_raii" "$tmp/cxx-models" || fail "C++ example run"
# The models the C++ side wrote load in Python.
/usr/bin/python3 - "$tmp/cxx-models" <<'PY' || fail "Python loading the C++ example's models"
import sys; sys.path.insert(0, "bindings/python")
import genre
d = sys.argv[1]
print("C++ models:", genre.peek(d + "/lda.genre"), genre.peek(d + "/mlp.genre"))
with genre.LDA.load(d + "/lda.genre") as l, genre.MLPClassifier.load(d + "/mlp.genre") as m:
    assert l.classes_.tolist() == [0, 1, 2] and m.hidden_layer_sizes == (8,)
PY

step "all bindings checks passed"
