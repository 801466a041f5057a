# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures: the frozen real split and the C reference run.

Run from anywhere with Debian's interpreter:
    /usr/bin/python3 -m pytest bindings/python/tests
The package is imported from bindings/python (this file puts it first on
sys.path; with GENRE_PYTHON_INSTALLED=1 the installed one is tested); the
library is found as documented in docs/bindings.md.
GENRE_BINDINGS_CI=1 turns "cannot build the C reference" from a skip into a
failure (CI sets it).
"""
import csv
import gzip
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
# GENRE_PYTHON_INSTALLED=1: test the installed package (a wheel installed with
# pip, .ci/packages.sh) instead of the source folder.
if os.environ.get("GENRE_PYTHON_INSTALLED") != "1":
    sys.path.insert(0, os.path.dirname(HERE))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SPLIT = os.path.join(ROOT, "tests", "fixtures", "real_split.csv.gz")
CI = os.environ.get("GENRE_BINDINGS_CI") == "1"

# Key (6) and mode (9) are codes: not standardized.
MASK = np.array([1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1], dtype=bool)


def skip_or_fail(msg):
    if CI:
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def split():
    """(x_train, y_train, x_test, y_test) of tests/fixtures/real_split.csv.gz,
    parsed with Python's correctly rounded float()."""
    with gzip.open(SPLIT, "rt", newline="") as f:
        r = csv.reader(f)
        next(r)
        rows = [[float(v) for v in row] for row in r]
    a = np.array(rows)
    tr, te = a[:, 0] == 0, a[:, 0] == 1
    return (np.ascontiguousarray(a[tr, 2:]), a[tr, 1].astype(np.int32),
            np.ascontiguousarray(a[te, 2:]), a[te, 1].astype(np.int32))


def pkg_config(*args):
    pc = shutil.which("pkg-config")
    if not pc:
        return None
    r = subprocess.run([pc, *args, "genre"], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


@pytest.fixture(scope="session")
def c_ref(split, tmp_path_factory):
    """Directory with the C reference outputs (see c_reference.c)."""
    cc = shutil.which(os.environ.get("CC", "cc"))
    flags = pkg_config("--cflags", "--libs")
    if not cc or flags is None:
        skip_or_fail("need a C compiler and `pkg-config genre` for the C reference")
    d = tmp_path_factory.mktemp("cref")
    exe = str(d / "c_reference")
    libdir = pkg_config("--variable=libdir")
    cmd = [cc, "-std=c11", "-O2", "-Wall", "-Werror", os.path.join(HERE, "c_reference.c"),
           "-o", exe, *flags.split(), "-Wl,-rpath," + libdir]
    subprocess.run(cmd, check=True)
    xtr, ytr, xte, yte = split
    xtr.astype("<f8").tofile(str(d / "x_train.f64"))
    ytr.astype("<i4").tofile(str(d / "y_train.i32"))
    xte.astype("<f8").tofile(str(d / "x_test.f64"))
    yte.astype("<i4").tofile(str(d / "y_test.i32"))
    subprocess.run([exe, str(d)], check=True)
    return d, exe
