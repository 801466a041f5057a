# SPDX-License-Identifier: GPL-3.0-or-later
"""NumPy conversion, handle ownership and progress callbacks."""
import os

import numpy as np

from ._lib import RWLock, check, error_for, ffi, lib

CANCELLED = lib.GENRE_E_CANCELLED
TOO_SMALL = lib.GENRE_E_BUFFER_TOO_SMALL


# ---- arrays ---------------------------------------------------------------

def as_matrix(x, name="X"):
    """(array, pointer, n_rows, n_cols, row_stride) for a 2-D float64 input.

    A float64 array whose rows are evenly spaced and whose columns are
    adjacent (C-contiguous, or a row slice of one) is passed as it is, with
    its row stride: no copy. Anything else (another dtype, Fortran order,
    a column slice, a list) is converted once with np.ascontiguousarray.
    """
    a = x if isinstance(x, np.ndarray) else np.asarray(x)
    if a.ndim != 2:
        raise ValueError("%s must be 2-D (n_samples, n_features), got shape %s"
                         % (name, a.shape))
    if a.dtype != np.float64 and not (np.issubdtype(a.dtype, np.number)
                                      or a.dtype == np.bool_):
        raise TypeError("%s must be numeric, got dtype %s" % (name, a.dtype))
    n, d = a.shape
    if n == 0 or d == 0:
        raise ValueError("%s is empty (shape %s)" % (name, a.shape))
    if not (a.dtype == np.float64 and a.flags.aligned and
            (a.strides[1] == 8 or d == 1) and a.strides[0] > 0 and a.strides[0] % 8 == 0
            and (a.strides[0] // 8 >= d)):
        a = np.ascontiguousarray(a, dtype=np.float64)
    stride = a.strides[0] // 8 if n > 1 else d
    return a, ffi.cast("const double *", a.ctypes.data), n, d, stride


def as_labels(y, n=None, name="y"):
    """(array, pointer, n) for a 1-D int32 label vector (converted once when
    needed; integer-valued input only)."""
    a = y if isinstance(y, np.ndarray) else np.asarray(y)
    if a.ndim != 1:
        raise ValueError("%s must be 1-D, got shape %s" % (name, a.shape))
    if n is not None and a.shape[0] != n:
        raise ValueError("%s has %d entries, X has %d rows" % (name, a.shape[0], n))
    if a.dtype != np.int32 or not a.flags.c_contiguous or not a.flags.aligned:
        if a.size and not (np.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_):
            if not np.issubdtype(a.dtype, np.floating) or not np.all(np.mod(a, 1) == 0):
                raise ValueError("%s must hold integer class labels" % name)
        if a.size and (a.min() < -2**31 or a.max() >= 2**31):
            raise ValueError("%s holds labels outside the int32 range" % name)
        a = np.ascontiguousarray(a, dtype=np.int32)
    return a, ffi.cast("const int32_t *", a.ctypes.data), a.shape[0]


def as_vector(v, n=None, name="v"):
    a = np.ascontiguousarray(v, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError("%s must be 1-D, got shape %s" % (name, a.shape))
    if n is not None and a.shape[0] != n:
        raise ValueError("%s has %d entries, expected %d" % (name, a.shape[0], n))
    return a, ffi.cast("const double *", a.ctypes.data)


def ptr(a, ctype):
    return ffi.cast(ctype, a.ctypes.data)


def fetch(fn, handle, dtype, shape=None):
    """Calls a getter fn(handle, out, cap, &needed) with a size query first;
    returns a new array that owns its memory."""
    needed = ffi.new("size_t *")
    code = fn(handle, ffi.NULL, 0, needed)
    if code not in (0, TOO_SMALL):
        raise error_for(code)
    out = np.empty(needed[0], dtype=dtype)
    cptr = ffi.cast("int32_t *" if dtype == np.int32 else
                    "uint8_t *" if dtype == np.uint8 else "double *", out.ctypes.data)
    check(fn(handle, cptr, out.size, needed))
    return out.reshape(shape) if shape is not None else out


def fspath(path):
    return os.fsencode(path)


# ---- progress callbacks ----------------------------------------------------

class Progress:
    """Wraps a Python callable progress(phase, step, total, objective) as a
    genre_progress_fn for the duration of one call.

    Returning a true value cancels the run (GENRE_E_CANCELLED, raised as
    genre.CancelledError). An exception raised by the callable cancels the run
    and is re-raised by the call, with the library's CancelledError as its
    context. The trampoline is installed even without a callable, so Ctrl-C
    (KeyboardInterrupt) cancels a long fit cleanly.
    """

    def __init__(self, fn):
        self.fn = fn
        self.exc = None
        self.cb = ffi.callback("genre_progress_fn", self._call, error=1)

    def _call(self, _user, phase, step, total, objective):
        try:
            if self.fn is not None and self.fn(phase, step, total, objective):
                return 1
            return 0
        except BaseException as e:  # noqa: B902 - KeyboardInterrupt too
            self.exc = e
            return 1

    def check(self, code):
        """Raises the callback's exception (if any) or the status."""
        if code == 0:
            return
        err = error_for(code)
        if self.exc is not None:
            exc, self.exc = self.exc, None
            try:
                raise err
            except type(err):
                raise exc
        raise err


# ---- handles ----------------------------------------------------------------

class Handle:
    """Owns one libgenre handle: freed by close(), by the with-statement or,
    failing both, when garbage-collected. A closed object raises ValueError."""

    _kind = None  # "scaler", "pca", ...: names the C functions

    def __init__(self):
        self._lock = RWLock()
        self._h = self._create()

    # C functions of the kind
    @classmethod
    def _fn(cls, verb):
        return getattr(lib, "genre_%s_%s" % (cls._kind, verb))

    @classmethod
    def _wrap(cls, raw):
        return ffi.gc(raw, cls._fn("free"))

    @classmethod
    def _create(cls):
        out = ffi.new("genre_%s **" % cls._kind)
        check(cls._fn("create")(out))
        return cls._wrap(out[0])

    @property
    def handle(self):
        h = self._h
        if h is None:
            raise ValueError("I/O on a closed %s" % type(self).__name__)
        return h

    def close(self):
        """Frees the C handle now (idempotent)."""
        lock = getattr(self, "_lock", None)
        if lock is None:
            return
        with lock.write():
            h, self._h = self._h, None
            if h is not None:
                ffi.release(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def closed(self):
        return self._h is None

    # parameters
    def _set(self, key, value, kind):
        check(self._fn("set_" + kind)(self.handle, key, value))

    def _get_i64(self, key):
        out = ffi.new("int64_t *")
        with self._lock.read():
            check(self._fn("get_i64")(self.handle, key, out))
        return int(out[0])

    def _get_f64(self, key):
        out = ffi.new("double *")
        with self._lock.read():
            check(self._fn("get_f64")(self.handle, key, out))
        return float(out[0])

    def _getter(self, verb, dtype=np.float64, shape=None):
        with self._lock.read():
            return fetch(self._fn(verb), self.handle, dtype, shape)

    # persistence
    def save(self, path):
        """Saves the fitted model to a file (atomically)."""
        with self._lock.read():
            check(self._fn("save")(self.handle, fspath(path)))

    def to_bytes(self):
        """The saved model as bytes (the same container a file holds)."""
        n = ffi.new("size_t *")
        with self._lock.read():
            code = self._fn("save_to_memory")(self.handle, ffi.NULL, 0, n)
            if code not in (0, TOO_SMALL):
                raise error_for(code)
            buf = ffi.new("char[]", n[0])
            check(self._fn("save_to_memory")(self.handle, buf, n[0], n))
            return ffi.buffer(buf, n[0])[:]

    @classmethod
    def _from_raw(cls, raw):
        obj = cls.__new__(cls)
        obj._lock = RWLock()
        obj._h = cls._wrap(raw)
        for k, v in cls._PARAMS.items():
            setattr(obj, k, v)
        obj._init_params_from_handle()
        return obj

    def _init_params_from_handle(self):
        """Loaded models: read the parameters back into the Python attributes."""

    @classmethod
    def load(cls, path):
        """Loads a model saved by save() or by any libgenre program."""
        out = ffi.new("genre_%s **" % cls._kind)
        check(cls._fn("load")(out, fspath(path)))
        return cls._from_raw(out[0])

    @classmethod
    def from_bytes(cls, data):
        out = ffi.new("genre_%s **" % cls._kind)
        data = bytes(data)
        check(cls._fn("load_from_memory")(out, data, len(data)))
        return cls._from_raw(out[0])

    def __reduce__(self):
        if self.closed or not self._fitted():
            raise TypeError("only an open, fitted %s can be pickled" % type(self).__name__)
        return (type(self).from_bytes, (self.to_bytes(),))

    def _fitted(self):
        return bool(self._get_i64(self._FITTED_KEY)) if self._FITTED_KEY is not None else True

    _FITTED_KEY = None

    # scikit-learn conventions
    _PARAMS = {}  # constructor parameter -> default

    def get_params(self, deep=True):  # noqa: ARG002 - scikit-learn signature
        return {p: getattr(self, p) for p in self._PARAMS}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ValueError("invalid parameter %r for %s" % (k, type(self).__name__))
            setattr(self, k, v)
        return self

    def __repr__(self):
        args = ", ".join("%s=%r" % kv for kv in self.get_params().items())
        return "%s(%s)%s" % (type(self).__name__, args, " [closed]" if self.closed else "")
