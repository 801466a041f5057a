# SPDX-License-Identifier: GPL-3.0-or-later
"""Hashed name features (genre/text.h) and the CSR matrices they produce.

A CSR matrix crosses the boundary as scipy.sparse.csr_matrix when SciPy is
installed, else as a ``Csr`` named tuple (indptr, indices, data, shape);
both are accepted wherever a CSR input is taken (MLPClassifier.fit and
predict_proba, transform_hidden).
"""
from collections import namedtuple

import numpy as np

from ._base import ptr
from ._lib import check, error_for, ffi, lib
from .models import _Model, _enum

try:  # SciPy is optional: without it, matrices are Csr tuples
    import scipy.sparse as _sp
except ImportError:  # pragma: no cover - exercised only without python3-scipy
    _sp = None

Csr = namedtuple("Csr", "indptr indices data shape")

_SIZE_T = np.dtype("u%d" % ffi.sizeof("size_t"))


def is_csr(x):
    """True for a scipy.sparse matrix/array or a Csr tuple."""
    return isinstance(x, Csr) or (_sp is not None and _sp.issparse(x))


def as_csr(x, name="X"):
    """(keepalive, n_rows, n_cols, nnz, row_ptr, col_idx, values) C views of
    a CSR input, converting once to size_t / uint32 / float64 when needed.
    nnz is indptr[-1], or the arrays' length when indptr points past them
    (the library then refuses the matrix instead of reading past it)."""
    if isinstance(x, Csr):
        indptr, indices, data, (n, d) = x
    elif _sp is not None and _sp.issparse(x):
        x = x.tocsr()
        indptr, indices, data, (n, d) = x.indptr, x.indices, x.data, x.shape
    else:
        raise TypeError("%s must be a scipy.sparse matrix or a genre.text.Csr" % name)
    indptr = np.ascontiguousarray(indptr, dtype=_SIZE_T)
    indices = np.asarray(indices)
    if indices.size and (indices.min() < 0 or indices.max() >= 2**32):
        raise ValueError("%s has column indices outside [0, 2^32)" % name)
    indices = np.ascontiguousarray(indices, dtype=np.uint32)
    data = np.ascontiguousarray(data, dtype=np.float64)
    if indptr.shape != (n + 1,) or indices.shape != data.shape:
        raise ValueError("%s: indptr must have n_rows + 1 entries and indices/data "
                         "the same length" % name)
    nnz = min(int(indptr[-1]), indices.size)
    return ((indptr, indices, data), n, d, nnz, ptr(indptr, "const size_t *"),
            ptr(indices, "const uint32_t *"), ptr(data, "const double *"))


def _make_csr(indptr, indices, data, shape):
    if _sp is not None:
        return _sp.csr_matrix((data, indices.astype(np.int64),
                               indptr.astype(np.int64)), shape=shape)
    return Csr(indptr, indices, data, shape)


def _rows_of_fields(texts):
    """Flattens a sequence of names (one field) or of equal-length sequences
    of names (several fields) into the row-major char * array genre_text takes."""
    rows = list(texts)
    if not rows:
        raise ValueError("texts is empty")
    one = all(r is None or isinstance(r, (str, bytes)) for r in rows)
    fields = 1 if one else len(rows[0])
    flat, keep = [], []
    for i, r in enumerate(rows):
        cells = [r] if one else list(r)
        if len(cells) != fields:
            raise ValueError("row %d has %d fields, row 0 has %d" % (i, len(cells), fields))
        for c in cells:
            if c is None:
                flat.append(ffi.NULL)
                continue
            b = c.encode("utf-8", "surrogateescape") if isinstance(c, str) else bytes(c)
            cb = ffi.new("char[]", b)
            keep.append(cb)
            flat.append(cb)
    arr = ffi.new("const char *[]", flat)
    return (arr, keep), arr, len(rows), fields


class TextHasher(_Model):
    """Vocabulary-free hashed features of short names (genre_text): word tokens
    and char_wb n-grams, MurmurHash3 buckets, optional signed hashing and
    TF-IDF fit on the rows given to fit(). Rows are names (one field) or
    tuples of names, e.g. (artist, track); None is an empty name."""

    _kind = "text"
    _KEYS = {
        "ngram_min": ("i64", "GENRE_TEXT_NGRAM_MIN", None),
        "ngram_max": ("i64", "GENRE_TEXT_NGRAM_MAX", None),
        "words": ("i64", "GENRE_TEXT_WORDS", None),
        "n_buckets": ("i64", "GENRE_TEXT_N_BUCKETS", None),
        "seed": ("i64", "GENRE_TEXT_SEED", None),
        "signed": ("i64", "GENRE_TEXT_SIGNED", None),
        "tfidf": ("i64", "GENRE_TEXT_TFIDF", None),
        "sublinear_tf": ("i64", "GENRE_TEXT_SUBLINEAR_TF", None),
        "normalize": ("i64", "GENRE_TEXT_NORMALIZE", None),
        "layout": ("i64", "GENRE_TEXT_LAYOUT", _enum("GENRE_TEXT_LAYOUT_")),
        "smooth_idf": ("i64", "GENRE_TEXT_SMOOTH_IDF", None),
    }
    _FITTED_KEY = lib.GENRE_TEXT_FITTED

    def fit(self, texts, y=None):  # noqa: ARG002 - scikit-learn signature
        keep, arr, n, fields = _rows_of_fields(texts)
        with self._lock.write():
            self._apply_params()
            check(lib.genre_text_fit(self.handle, arr, n, fields))
        del keep
        return self

    def transform(self, texts):
        """The CSR matrix of the rows (see the module's docstring for its type)."""
        keep, arr, n, fields = _rows_of_fields(texts)
        indptr = np.empty(n + 1, dtype=_SIZE_T)
        nnz = ffi.new("size_t *")
        with self._lock.read():
            h = self.handle
            code = lib.genre_text_transform(h, arr, n, fields, ptr(indptr, "size_t *"),
                                            ffi.NULL, ffi.NULL, 0, nnz)
            if code not in (0, lib.GENRE_E_BUFFER_TOO_SMALL):
                raise error_for(code)
            indices = np.empty(nnz[0], dtype=np.uint32)
            data = np.empty(nnz[0], dtype=np.float64)
            check(lib.genre_text_transform(h, arr, n, fields, ptr(indptr, "size_t *"),
                                           ptr(indices, "uint32_t *"),
                                           ptr(data, "double *"), nnz[0], nnz))
            d = self._need_fitted_i64("GENRE_TEXT_N_FEATURES")
        del keep
        return _make_csr(indptr, indices, data, (n, d))

    def fit_transform(self, texts, y=None):  # noqa: ARG002
        return self.fit(texts).transform(texts)

    n_features_ = property(lambda self: self._get_i64(lib.GENRE_TEXT_N_FEATURES))
    n_fields_ = property(lambda self: self._get_i64(lib.GENRE_TEXT_N_FIELDS))
    invalid_utf8_ = property(lambda self: self._get_i64(lib.GENRE_TEXT_FIT_INVALID_UTF8))
    empty_ = property(lambda self: self._get_i64(lib.GENRE_TEXT_FIT_EMPTY))


def text_hash(data, seed=0):
    """MurmurHash3_x86_32 of bytes (or a str as UTF-8): genre_text_hash()."""
    b = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return int(lib.genre_text_hash(b, len(b), seed & 0xFFFFFFFF))


def append_dense(X_csr, dense):
    """[X_csr | dense]: the dense columns appended after the CSR's columns
    (genre_text_csr_append_dense), e.g. the 13 audio features after the names."""
    from ._base import as_matrix
    keep, n, d, nnz_in, rp, ci, va = as_csr(X_csr)
    a, xp, dn, dd, stride = as_matrix(dense, "dense")
    if dn != n:
        raise ValueError("dense has %d rows, X_csr has %d" % (dn, n))
    out_ptr = np.empty(n + 1, dtype=_SIZE_T)
    nnz = nnz_in + n * dd
    indices = np.empty(nnz, dtype=np.uint32)
    data = np.empty(nnz, dtype=np.float64)
    check(lib.genre_text_csr_append_dense(n, d, nnz_in, rp, ci, va, xp, dd, stride,
                                          ptr(out_ptr, "size_t *"),
                                          ptr(indices, "uint32_t *"), ptr(data, "double *"),
                                          nnz, ffi.NULL))
    del a
    return _make_csr(out_ptr, indices, data, (n, d + dd))
