# SPDX-License-Identifier: GPL-3.0-or-later
"""libgenre for Python: music-genre classification over the stable C ABI.

The shared library is loaded with cffi in ABI mode (no compiler needed):
$GENRE_LIBRARY if set, else the SONAME libgenre.so.1 through the dynamic
loader, else the libdir that `pkg-config genre` reports. See docs/bindings.md.
"""
from ._lib import ERRORS, HEADER_VERSION, GenreError, ffi, lib, library_path
from .dataset import Dataset, DatasetIndex, DatasetReader, Prep, PrepPartial, Schema, Split
from .models import (PCA, TSNE, KMeans, LinearDiscriminantAnalysis, MLPClassifier,
                     MLPRegressor, StandardScaler)
from . import metrics
from .text import Csr, TextHasher, append_dense, text_hash

# One exception class per GENRE_E_* status, e.g. genre.InvalidArgError.
globals().update({cls.__name__: cls for cls in ERRORS.values()})

LDA = LinearDiscriminantAnalysis


def version():
    """The loaded library's version string, e.g. '1.1.0'."""
    return ffi.string(lib.genre_version_string()).decode()


def build_info():
    return ffi.string(lib.genre_build_info()).decode()


def default_threads():
    """Threads libgenre uses where n_threads is 0: the CPUs of the process's
    affinity mask (os.sched_getaffinity), not the machine's cores."""
    return int(lib.genre_default_threads())


def peek(path):
    """(kind name, container format version) of a saved model file."""
    from ._base import fspath
    from ._lib import check
    kind, fmt = ffi.new("int32_t *"), ffi.new("int32_t *")
    check(lib.genre_model_peek(fspath(path), kind, fmt))
    return ffi.string(lib.genre_model_kind_name(kind[0])).decode(), fmt[0]


__version__ = version()
__all__ = ["Dataset", "DatasetIndex", "DatasetReader", "Prep", "PrepPartial", "Schema", "Split", "PCA", "TSNE", "KMeans",
           "LinearDiscriminantAnalysis", "LDA", "MLPClassifier", "MLPRegressor",
           "StandardScaler", "TextHasher", "Csr", "append_dense", "text_hash", "metrics", "GenreError", "ERRORS", "version", "build_info",
           "default_threads",
           "peek", "library_path"] + [c.__name__ for c in ERRORS.values()]
