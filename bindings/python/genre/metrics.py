# SPDX-License-Identifier: GPL-3.0-or-later
"""Evaluation functions (scikit-learn 1.2 definitions) and the silhouette."""
import numpy as np

from ._base import Progress, as_labels, as_matrix, ptr, TOO_SMALL
from ._lib import check, error_for, ffi, lib

_AVERAGES = {"macro": lib.GENRE_METRICS_AVERAGE_MACRO,
             "micro": lib.GENRE_METRICS_AVERAGE_MICRO,
             "weighted": lib.GENRE_METRICS_AVERAGE_WEIGHTED}


def _scores(s, n):
    """A 1-D score vector (n) or one column of a 2-D matrix -> (array, ptr, stride)."""
    a = np.asarray(s)
    if a.ndim != 1:
        raise ValueError("scores must be 1-D")
    a2, p, rows, cols, stride = as_matrix(a.reshape(-1, 1) if a.strides == (8,) or
                                          a.dtype != np.float64 else a[:, None], "scores")
    if rows != n:
        raise ValueError("scores has %d entries, y_true has %d" % (rows, n))
    return a2, p, stride


def accuracy_score(y_true, y_pred):
    t, tp, n = as_labels(y_true, name="y_true")
    p, pp, _ = as_labels(y_pred, n, "y_pred")
    out = ffi.new("double *")
    check(lib.genre_metrics_accuracy(tp, pp, n, out))
    return out[0]


def confusion_matrix(y_true, y_pred, n_classes=None):
    t, tp, n = as_labels(y_true, name="y_true")
    p, pp, _ = as_labels(y_pred, n, "y_pred")
    if n_classes is None:
        n_classes = int(max(t.max(), p.max())) + 1 if n else 0
    out = np.zeros((n_classes, n_classes), dtype=np.int64)
    check(lib.genre_metrics_confusion_matrix(tp, pp, n, n_classes, ptr(out, "int64_t *"),
                                             out.size, ffi.NULL))
    return out


def log_loss(y_true, proba):
    x, xp, n, k, stride = as_matrix(proba, "proba")
    t, tp, _ = as_labels(y_true, n, "y_true")
    out = ffi.new("double *")
    check(lib.genre_metrics_log_loss(tp, xp, n, k, stride, out))
    return out[0]


def r2_score(y_true, y_pred):
    a = np.ascontiguousarray(y_true, dtype=np.float64).ravel()
    b = np.ascontiguousarray(y_pred, dtype=np.float64).ravel()
    if a.size != b.size:
        raise ValueError("y_true and y_pred differ in length")
    out = ffi.new("double *")
    check(lib.genre_metrics_r2(ptr(a, "const double *"), ptr(b, "const double *"), a.size, out))
    return out[0]


def roc_auc_score(y_true, scores, positive_label=1):
    """Binary AUROC of ``scores`` for y_true == positive_label."""
    t, tp, n = as_labels(y_true, name="y_true")
    s, sp, stride = _scores(scores, n)
    out = ffi.new("double *")
    check(lib.genre_metrics_roc_auc(tp, sp, n, stride, int(positive_label), out))
    return out[0]


def roc_auc_ovr(y_true, proba, average="macro"):
    """One-vs-rest multiclass AUROC; average 'macro', 'micro', 'weighted' or
    None (per-class array)."""
    x, xp, n, k, stride = as_matrix(proba, "proba")
    t, tp, _ = as_labels(y_true, n, "y_true")
    if average is None:
        out = np.empty(k)
        check(lib.genre_metrics_roc_auc_per_class(tp, xp, n, k, stride, ptr(out, "double *"),
                                                  k, ffi.NULL))
        return out
    if average not in _AVERAGES:
        raise ValueError("average must be one of %s or None" % sorted(_AVERAGES))
    out = ffi.new("double *")
    check(lib.genre_metrics_roc_auc_ovr(tp, xp, n, k, stride, _AVERAGES[average], out))
    return out[0]


def _curve(call):
    n = ffi.new("size_t *")
    code = call(ffi.NULL, ffi.NULL, ffi.NULL, 0, n)
    if code not in (0, TOO_SMALL):
        raise error_for(code)
    fpr, tpr, thr = np.empty(n[0]), np.empty(n[0]), np.empty(n[0])
    check(call(ptr(fpr, "double *"), ptr(tpr, "double *"), ptr(thr, "double *"), n[0], n))
    return fpr, tpr, thr


def roc_curve(y_true, scores, positive_label=1, drop_intermediate=True):
    """(fpr, tpr, thresholds) as scikit-learn's roc_curve."""
    t, tp, n = as_labels(y_true, name="y_true")
    s, sp, stride = _scores(scores, n)
    return _curve(lambda f, r, th, cap, np_: lib.genre_metrics_roc_curve(
        tp, sp, n, stride, int(positive_label), int(bool(drop_intermediate)), f, r, th, cap,
        np_))


def roc_curve_micro(y_true, proba, drop_intermediate=True):
    x, xp, n, k, stride = as_matrix(proba, "proba")
    t, tp, _ = as_labels(y_true, n, "y_true")
    return _curve(lambda f, r, th, cap, np_: lib.genre_metrics_roc_curve_micro(
        tp, xp, n, k, stride, int(bool(drop_intermediate)), f, r, th, cap, np_))


def silhouette_samples(X, labels, n_threads=0, progress=None):
    x, xp, n, d, stride = as_matrix(X)
    t, tp, _ = as_labels(labels, n, "labels")
    out = np.empty(n)
    mean = ffi.new("double *")
    prog = Progress(progress)
    prog.check(lib.genre_metrics_silhouette(xp, n, d, stride, tp, int(n_threads), mean,
                                            ptr(out, "double *"), n, ffi.NULL, prog.cb,
                                            ffi.NULL))
    return out


def silhouette_score(X, labels, sample_size=None, seed=0, n_threads=0, progress=None):
    x, xp, n, d, stride = as_matrix(X)
    t, tp, _ = as_labels(labels, n, "labels")
    mean = ffi.new("double *")
    if sample_size is None:
        prog = Progress(progress)
        prog.check(lib.genre_metrics_silhouette(xp, n, d, stride, tp, int(n_threads), mean,
                                                ffi.NULL, 0, ffi.NULL, prog.cb, ffi.NULL))
    else:
        check(lib.genre_metrics_silhouette_sampled(xp, n, d, stride, tp, int(sample_size),
                                                   int(seed) % 2**64, int(n_threads), mean))
    return mean[0]


class MetricsAccumulator:
    """Streamed test scores for exact metrics (genre_metrics_partial_*;
    docs/partial-fits.md): add(y_true, proba[, y_pred]) chunk by chunk,
    merge() states built elsewhere, to_bytes()/from_bytes() to ship them;
    roc_auc(average) and accuracy() answer as roc_auc_ovr and accuracy_score
    on all rows, exactly. The state keeps every row (4 + 8 K bytes each).
    One thread at a time may add or merge."""

    def __init__(self, n_classes):
        out = ffi.new("genre_metrics_partial **")
        check(lib.genre_metrics_partial_create(out, int(n_classes)))
        self._h = ffi.gc(out[0], lib.genre_metrics_partial_free)
        self.n_classes = int(n_classes)

    @classmethod
    def _from_raw(cls, raw):
        self = cls.__new__(cls)
        self._h = ffi.gc(raw, lib.genre_metrics_partial_free)
        self.n_classes = None
        return self

    def add(self, y_true, proba, y_pred=None):
        """Adds rows: proba (n x K scores), y_true in [0, K); y_pred, when
        given, counts for accuracy() instead of the argmax of proba."""
        x, xp, n, k, stride = as_matrix(proba, "proba")
        t, tp, _ = as_labels(y_true, n, "y_true")
        pp = ffi.NULL
        if y_pred is not None:
            p, pp, _ = as_labels(y_pred, n, "y_pred")
        check(lib.genre_metrics_partial_add(self._h, xp, n, k, stride, tp, pp))
        return self

    def merge(self, other):
        if other is self:
            raise ValueError("a state cannot be merged into itself")
        check(lib.genre_metrics_partial_merge(self._h, other._h))
        return self

    def __len__(self):
        out = ffi.new("int64_t *")
        check(lib.genre_metrics_partial_n_rows(self._h, out))
        return int(out[0])

    def accuracy(self):
        out = ffi.new("double *")
        check(lib.genre_metrics_partial_accuracy(self._h, out))
        return out[0]

    def roc_auc(self, average="macro"):
        """One-vs-rest AUROC: 'macro', 'micro', 'weighted', or None (per class)."""
        if average is None:
            n = ffi.new("size_t *")
            code = lib.genre_metrics_partial_roc_auc_per_class(self._h, ffi.NULL, 0, n)
            if code not in (0, TOO_SMALL):
                raise error_for(code)
            out = np.empty(n[0])
            check(lib.genre_metrics_partial_roc_auc_per_class(self._h, ptr(out, "double *"),
                                                              out.size, n))
            return out
        if average not in _AVERAGES:
            raise ValueError("average must be one of %s or None" % sorted(_AVERAGES))
        out = ffi.new("double *")
        check(lib.genre_metrics_partial_roc_auc_ovr(self._h, _AVERAGES[average], out))
        return out[0]

    def to_bytes(self):
        n = ffi.new("size_t *")
        code = lib.genre_metrics_partial_save_to_memory(self._h, ffi.NULL, 0, n)
        if code not in (0, TOO_SMALL):
            raise error_for(code)
        buf = ffi.new("char[]", n[0])
        check(lib.genre_metrics_partial_save_to_memory(self._h, buf, n[0], n))
        return ffi.buffer(buf, n[0])[:]

    @classmethod
    def from_bytes(cls, data):
        out = ffi.new("genre_metrics_partial **")
        data = bytes(data)
        check(lib.genre_metrics_partial_load_from_memory(out, data, len(data)))
        return cls._from_raw(out[0])
