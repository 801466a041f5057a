# SPDX-License-Identifier: GPL-3.0-or-later
"""Model classes with scikit-learn's shapes over libgenre's handles."""
import numpy as np

from ._base import Handle, Progress, as_labels, as_matrix, as_vector, ptr
from ._lib import check, ffi, lib


def _enum(prefix):
    """{'relu': GENRE_MLP_ACT_RELU, ...} from the constants of the headers."""
    return {n[len(prefix):].lower(): getattr(lib, n) for n in dir(lib) if n.startswith(prefix)}


class _Model(Handle):
    """Parameters are keyed C settings: _KEYS maps a Python parameter to
    (type, key constant, enum or None). Their defaults are read from a fresh C
    handle, so they are the library's own."""

    _KEYS = {}

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls._kind is None:
            return
        raw = cls._create()
        try:
            defaults = {}
            for name, (typ, key, enum) in cls._KEYS.items():
                defaults[name] = cls._read_key(raw, typ, getattr(lib, key), enum)
            defaults.update(cls._extra_defaults(raw))
        finally:
            ffi.release(raw)
        cls._PARAMS = defaults

    @classmethod
    def _extra_defaults(cls, raw):  # noqa: ARG003
        return {}

    @classmethod
    def _read_key(cls, raw, typ, key, enum):
        out = ffi.new("int64_t *" if typ == "i64" else "double *")
        check(cls._fn("get_" + typ)(raw, key, out))
        v = int(out[0]) if typ == "i64" else float(out[0])
        if enum:
            names = [k for k, c in enum.items() if c == v]
            return names[0] if names else v
        return v

    def __init__(self, progress=None, **params):
        super().__init__()
        for k, v in self._PARAMS.items():
            setattr(self, k, v)
        self.progress = progress
        self.set_params(**params)

    def _init_params_from_handle(self):
        self.progress = None
        for name, (typ, key, enum) in self._KEYS.items():
            setattr(self, name, self._read_key(self._h, typ, getattr(lib, key), enum))

    def _apply_params(self):
        """Pushes the Python parameters into the handle (caller holds the write lock)."""
        for name, (typ, key, enum) in self._KEYS.items():
            v = getattr(self, name)
            if enum is not None and isinstance(v, str):
                if v.lower() not in enum:
                    raise ValueError("%s must be one of %s, got %r" % (name, sorted(enum), v))
                v = enum[v.lower()]
            if typ == "i64":
                if isinstance(v, bool):
                    v = int(v)
                if not isinstance(v, (int, np.integer)):
                    raise TypeError("%s must be an integer, got %r" % (name, v))
                if not -2**63 <= int(v) < 2**64:
                    raise ValueError("%s out of range: %r" % (name, v))
                if int(v) >= 2**63:  # seeds: 64 unsigned bits
                    v = int(v) - 2**64
            else:
                v = float(v)
            self._set(getattr(lib, key), int(v) if typ == "i64" else v, typ)

    def _fit_call(self, call):
        """Runs a fit with the progress trampoline set (write lock held)."""
        prog = Progress(self.progress)
        has_progress = hasattr(lib, "genre_%s_set_progress" % self._kind)
        if has_progress:
            check(self._fn("set_progress")(self.handle, prog.cb, ffi.NULL))
        try:
            prog.check(call())
        finally:
            if has_progress and self._h is not None:
                self._fn("set_progress")(self._h, ffi.NULL, ffi.NULL)

    def get_params(self, deep=True):
        p = super().get_params(deep)
        p["progress"] = self.progress
        return p

    def set_params(self, **params):
        if "progress" in params:
            self.progress = params.pop("progress")
        return super().set_params(**params)

    def _transform_like(self, verb, X, out_cols, dtype=np.float64):
        a, xp, n, d, stride = as_matrix(X)
        with self._lock.read():
            h = self.handle
            cols = out_cols() if callable(out_cols) else out_cols
            out = np.empty((n, cols) if cols else n, dtype=dtype)
            optr = ptr(out, "int32_t *" if dtype == np.int32 else "double *")
            check(self._fn(verb)(h, xp, n, d, stride, optr, out.size, ffi.NULL))
        del a
        return out

    def _need_fitted_i64(self, key):
        out = ffi.new("int64_t *")
        check(self._fn("get_i64")(self.handle, getattr(lib, key), out))
        return int(out[0])



# ---- partial fits (larger than memory) ------------------------------------------

class _PartialFit:
    """Online fitting over a stream of chunks (issue 19): the object holds a
    mergeable partial state (genre_<kind>_partial) besides its model.

    ``partial_fit(X[, y])`` adds the rows to the state and, by default, refits
    the model from everything added so far (the same model as ``fit`` on all
    rows: bit for bit or to 1e-12, genre/<kind>.h says which); the rows stay
    in the state even when that refit raises (too few rows or classes yet),
    so pass ``finalize=False`` while the state cannot be fitted yet and call
    ``finalize()`` at the end. ``merge(other)`` adds another object's state
    (rows of self, then other's); ``state_save()`` gives the state as bytes
    and ``state_load(data)`` replaces it, so a state can be built in another
    process and shipped. ``fit`` does not touch the state. The state is not
    pickled with the model."""

    _partial = None

    def _partial_fn(self, verb):
        return getattr(lib, "genre_%s_partial_%s" % (self._kind, verb))

    def _own_partial(self, raw):
        return ffi.gc(raw, self._partial_fn("free"))

    def _partial_add(self, X, y):
        a, xp, n, d, stride = as_matrix(X)
        if self._partial is None:
            out = ffi.new("genre_%s_partial **" % self._kind)
            check(self._partial_fn("create")(out, d))
            self._partial = self._own_partial(out[0])
        if self._kind == "lda":
            if y is None:
                raise TypeError("LinearDiscriminantAnalysis.partial_fit needs y")
            ya, yp, _ = as_labels(y, n)
            check(lib.genre_lda_partial_add(self._partial, xp, n, d, stride, yp))
        else:
            check(self._partial_fn("add")(self._partial, xp, n, d, stride))

    def partial_fit(self, X, y=None, finalize=True):
        """Adds the rows of X (and labels y for LDA) to the state; refits the
        model from the whole state when ``finalize``. Returns self."""
        with self._lock.write():
            _ = self.handle  # a closed object raises before anything is added
            self._partial_add(X, y)
            if finalize:
                self._finalize_locked()
        return self

    def _finalize_locked(self):
        if self._partial is None:
            raise ValueError("%s has no partial state: call partial_fit first"
                             % type(self).__name__)
        self._prepare(self.handle)
        check(getattr(lib, "genre_%s_fit_partial" % self._kind)(self.handle, self._partial))

    def finalize(self):
        """Fits the model from the state (the model's parameters apply)."""
        with self._lock.write():
            self._finalize_locked()
        return self

    @property
    def n_rows_seen_(self):
        """Rows in the partial state (0 without one)."""
        if self._partial is None:
            return 0
        out = ffi.new("int64_t *")
        check(self._partial_fn("n_rows")(self._partial, out))
        return int(out[0])

    def merge(self, other, finalize=True):
        """Adds other's partial state to this one's (other is unchanged);
        refits when ``finalize``. Returns self."""
        if not isinstance(other, type(self)):
            raise TypeError("can only merge a %s, got %s" % (type(self).__name__,
                                                            type(other).__name__))
        if other is self:
            raise ValueError("cannot merge a state into itself")
        if other._partial is None:
            raise ValueError("the other %s has no partial state" % type(other).__name__)
        with self._lock.write(), other._lock.read():
            if self._partial is None:  # an empty state of the other's shape
                blob = _state_bytes(self._partial_fn("save_to_memory"), other._partial)
                loaded = ffi.new("genre_%s_partial **" % self._kind)
                check(self._partial_fn("load_from_memory")(loaded, blob, len(blob)))
                self._partial = self._own_partial(loaded[0])
            else:
                check(self._partial_fn("merge")(self._partial, other._partial))
            if finalize:
                self._finalize_locked()
        return self

    def state_save(self):
        """The partial state as bytes (a model-file container of kind
        GENRE_MODEL_<KIND>_PARTIAL)."""
        with self._lock.read():
            if self._partial is None:
                raise ValueError("%s has no partial state" % type(self).__name__)
            return _state_bytes(self._partial_fn("save_to_memory"), self._partial)

    def state_load(self, data, finalize=True):
        """Replaces the partial state by one saved with state_save(); refits
        when ``finalize`` and the state holds rows. Returns self."""
        buf = bytes(data)
        out = ffi.new("genre_%s_partial **" % self._kind)
        check(self._partial_fn("load_from_memory")(out, buf, len(buf)))
        loaded = self._own_partial(out[0])
        with self._lock.write():
            self._partial = loaded
            if finalize and self.n_rows_seen_ > 0:
                self._finalize_locked()
        return self


def _state_bytes(save, raw):
    need = ffi.new("size_t *")
    code = save(raw, ffi.NULL, 0, need)
    if code != lib.GENRE_E_BUFFER_TOO_SMALL:
        check(code)
    buf = ffi.new("unsigned char[]", need[0])
    check(save(raw, buf, need[0], need))
    return bytes(ffi.buffer(buf, need[0]))


# ---- scaler ------------------------------------------------------------------

class StandardScaler(_PartialFit, _Model):
    """(x - mean) / std per column (population std), fit on training rows.
    ``mask``: optional booleans per column, False = pass through unchanged."""

    _kind = "scaler"
    _FITTED_KEY = lib.GENRE_SCALER_FITTED
    _KEYS = {"with_mean": ("i64", "GENRE_SCALER_WITH_MEAN", None),
             "with_std": ("i64", "GENRE_SCALER_WITH_STD", None)}

    @classmethod
    def _extra_defaults(cls, raw):
        return {"mask": None}

    def __init__(self, with_mean=True, with_std=True, mask=None):
        super().__init__(with_mean=bool(with_mean), with_std=bool(with_std), mask=mask)

    def _init_params_from_handle(self):
        super()._init_params_from_handle()
        self.with_mean, self.with_std = bool(self.with_mean), bool(self.with_std)

    def _prepare(self, h):
        """The Python parameters into the handle (write lock held)."""
        self._apply_params()
        if self.mask is None:
            check(lib.genre_scaler_set_mask(h, ffi.NULL, 0))
        else:
            m = np.ascontiguousarray(np.asarray(self.mask).astype(bool), dtype=np.uint8)
            check(lib.genre_scaler_set_mask(h, ptr(m, "const uint8_t *"), m.size))

    def fit(self, X, y=None):  # noqa: ARG002 - scikit-learn signature
        a, xp, n, d, stride = as_matrix(X)
        with self._lock.write():
            self._prepare(self.handle)
            check(lib.genre_scaler_fit(self.handle, xp, n, d, stride))
        return self

    def transform(self, X):
        return self._transform_like("transform", X, lambda: self._need_fitted_i64(
            "GENRE_SCALER_N_FEATURES"))

    def inverse_transform(self, X):
        return self._transform_like("inverse_transform", X, lambda: self._need_fitted_i64(
            "GENRE_SCALER_N_FEATURES"))

    def fit_transform(self, X, y=None):
        return self.fit(X, y).transform(X)

    mean_ = property(lambda self: self._getter("get_mean"))
    scale_ = property(lambda self: self._getter("get_scale"))
    var_ = property(lambda self: self._getter("get_variance"))
    zero_variance_ = property(lambda self: self._getter("get_zero_variance", np.uint8)
                              .astype(bool))
    n_features_in_ = property(lambda self: self._get_i64(lib.GENRE_SCALER_N_FEATURES))
    n_samples_seen_ = property(lambda self: self._get_i64(lib.GENRE_SCALER_N_SAMPLES))


# ---- PCA ---------------------------------------------------------------------

class PCA(_PartialFit, _Model):
    """Principal components (covariance eigen-decomposition).
    ``n_components``: None (all), an int, or a float in (0, 1) (variance fraction)."""

    _kind = "pca"
    _FITTED_KEY = lib.GENRE_PCA_FITTED
    _KEYS = {"whiten": ("i64", "GENRE_PCA_WHITEN", None)}

    @classmethod
    def _extra_defaults(cls, raw):
        return {"n_components": None}

    def __init__(self, n_components=None, whiten=False):
        super().__init__(n_components=n_components, whiten=bool(whiten))

    def _init_params_from_handle(self):
        super()._init_params_from_handle()
        self.whiten = bool(self.whiten)
        k = self._read_key(self._h, "i64", lib.GENRE_PCA_N_COMPONENTS, None)
        f = self._read_key(self._h, "f64", lib.GENRE_PCA_VARIANCE_FRACTION, None)
        self.n_components = f if f > 0 else (k or None)

    def _prepare(self, h):
        """The Python parameters into the handle (write lock held)."""
        self._apply_params()
        nc = self.n_components
        if nc is None:
            check(lib.genre_pca_set_i64(h, lib.GENRE_PCA_N_COMPONENTS, 0))
        elif isinstance(nc, (float, np.floating)) and 0 < nc < 1:
            check(lib.genre_pca_set_f64(h, lib.GENRE_PCA_VARIANCE_FRACTION, float(nc)))
        else:
            check(lib.genre_pca_set_i64(h, lib.GENRE_PCA_N_COMPONENTS, int(nc)))

    def fit(self, X, y=None):  # noqa: ARG002
        a, xp, n, d, stride = as_matrix(X)
        with self._lock.write():
            h = self.handle
            self._prepare(h)
            check(lib.genre_pca_fit(h, xp, n, d, stride))
        return self

    def _k(self):
        return self._need_fitted_i64("GENRE_PCA_N_COMPONENTS_FITTED")

    def transform(self, X):
        return self._transform_like("transform", X, self._k)

    def inverse_transform(self, Z):
        return self._transform_like("inverse_transform", Z, lambda: self._need_fitted_i64(
            "GENRE_PCA_N_FEATURES"))

    def fit_transform(self, X, y=None):
        return self.fit(X, y).transform(X)

    @property
    def components_(self):
        return self._getter("get_components").reshape(self.n_components_, -1)

    @property
    def loadings_(self):
        return self._getter("get_loadings").reshape(-1, self.n_components_)

    explained_variance_ = property(lambda self: self._getter("get_explained_variance"))
    explained_variance_ratio_ = property(
        lambda self: self._getter("get_explained_variance_ratio"))
    mean_ = property(lambda self: self._getter("get_mean"))
    n_components_ = property(lambda self: self._get_i64(lib.GENRE_PCA_N_COMPONENTS_FITTED))
    n_features_in_ = property(lambda self: self._get_i64(lib.GENRE_PCA_N_FEATURES))
    n_samples_ = property(lambda self: self._get_i64(lib.GENRE_PCA_N_SAMPLES))
    total_variance_ = property(lambda self: self._get_f64(lib.GENRE_PCA_TOTAL_VARIANCE))


# ---- LDA ---------------------------------------------------------------------

class LinearDiscriminantAnalysis(_PartialFit, _Model):
    """LDA projection and Gaussian classifier (shared covariance)."""

    _kind = "lda"
    _FITTED_KEY = lib.GENRE_LDA_FITTED
    _KEYS = {"shrinkage": ("f64", "GENRE_LDA_SHRINKAGE", None)}

    @classmethod
    def _extra_defaults(cls, raw):
        return {"n_components": None, "priors": None}

    def __init__(self, n_components=None, shrinkage=0.0, priors=None):
        super().__init__(n_components=n_components, shrinkage=shrinkage, priors=priors)

    def _init_params_from_handle(self):
        super()._init_params_from_handle()
        k = self._read_key(self._h, "i64", lib.GENRE_LDA_N_COMPONENTS, None)
        self.n_components = k or None
        self.priors = None

    def _prepare(self, h):
        """The Python parameters into the handle (write lock held)."""
        self._apply_params()
        check(lib.genre_lda_set_i64(h, lib.GENRE_LDA_N_COMPONENTS, int(self.n_components or 0)))
        if self.priors is None:
            check(lib.genre_lda_set_priors(h, ffi.NULL, 0))
        else:
            pa, pp = as_vector(self.priors, name="priors")
            check(lib.genre_lda_set_priors(h, pp, pa.size))

    def fit(self, X, y):
        a, xp, n, d, stride = as_matrix(X)
        ya, yp, _ = as_labels(y, n)
        with self._lock.write():
            h = self.handle
            self._prepare(h)
            check(lib.genre_lda_fit(h, xp, n, d, stride, yp))
        return self

    def partial_fit(self, X, y, finalize=True):
        """As _PartialFit.partial_fit; y (the labels of X's rows) is required."""
        return super().partial_fit(X, y, finalize)

    def transform(self, X):
        return self._transform_like("transform", X, lambda: self._need_fitted_i64(
            "GENRE_LDA_N_COMPONENTS_FITTED"))

    def fit_transform(self, X, y):
        return self.fit(X, y).transform(X)

    def predict_proba(self, X):
        return self._transform_like("predict_proba", X, lambda: self._need_fitted_i64(
            "GENRE_LDA_N_CLASSES"))

    def predict(self, X):
        return self._transform_like("predict", X, 0, np.int32)

    @property
    def scalings_(self):
        return self._getter("get_scalings").reshape(self.n_features_in_, -1)

    @property
    def means_(self):
        return self._getter("get_means").reshape(-1, self.n_features_in_)

    explained_variance_ratio_ = property(
        lambda self: self._getter("get_explained_variance_ratio"))
    xbar_ = property(lambda self: self._getter("get_xbar"))
    priors_ = property(lambda self: self._getter("get_priors"))
    classes_ = property(lambda self: self._getter("get_classes", np.int32))
    n_features_in_ = property(lambda self: self._get_i64(lib.GENRE_LDA_N_FEATURES))
    n_components_ = property(lambda self: self._get_i64(lib.GENRE_LDA_N_COMPONENTS_FITTED))


# ---- MLP -----------------------------------------------------------------------

_MLP_KEYS = {
    "learning_rate": ("f64", "GENRE_MLP_LEARNING_RATE", None),
    "l2": ("f64", "GENRE_MLP_L2", None),
    "epochs": ("i64", "GENRE_MLP_EPOCHS", None),
    "batch_size": ("i64", "GENRE_MLP_BATCH_SIZE", None),
    "activation": ("i64", "GENRE_MLP_ACTIVATION", _enum("GENRE_MLP_ACT_")),
    "seed": ("i64", "GENRE_MLP_SEED", None),
    "optimizer": ("i64", "GENRE_MLP_OPTIMIZER", _enum("GENRE_MLP_OPT_")),
    "beta1": ("f64", "GENRE_MLP_BETA1", None),
    "beta2": ("f64", "GENRE_MLP_BETA2", None),
    "epsilon": ("f64", "GENRE_MLP_EPSILON", None),
    "momentum": ("f64", "GENRE_MLP_MOMENTUM", None),
    "dropout": ("f64", "GENRE_MLP_DROPOUT", None),
    "patience": ("i64", "GENRE_MLP_PATIENCE", None),
    "min_delta": ("f64", "GENRE_MLP_MIN_DELTA", None),
    "restore_best": ("i64", "GENRE_MLP_RESTORE_BEST", None),
    "shuffle": ("i64", "GENRE_MLP_SHUFFLE", None),
    "validate_input": ("i64", "GENRE_MLP_VALIDATE_INPUT", None),
    "init": ("i64", "GENRE_MLP_INIT", _enum("GENRE_MLP_INIT_")),
    "lr_schedule": ("i64", "GENRE_MLP_LR_SCHEDULE", _enum("GENRE_MLP_SCHEDULE_")),
    "dense_kernel": ("i64", "GENRE_MLP_DENSE_KERNEL", _enum("GENRE_MLP_KERNEL_")),
    "sparse_update": ("i64", "GENRE_MLP_SPARSE_UPDATE", None),
    "n_threads": ("i64", "GENRE_MLP_N_THREADS", None),
    "precision": ("i64", "GENRE_MLP_PRECISION", _enum("GENRE_MLP_PRECISION_")),
    "partial_buffer": ("i64", "GENRE_MLP_PARTIAL_BUFFER", None),
}


class _MLP(_Model):
    _kind = None
    _KEYS = _MLP_KEYS

    @classmethod
    def _extra_defaults(cls, raw):
        return {"hidden_layer_sizes": cls._read_layers(raw)}

    @staticmethod
    def _read_layers(raw):
        n = ffi.new("size_t *")
        lib.genre_mlp_get_hidden_layers(raw, ffi.NULL, 0, n)
        buf = ffi.new("int32_t[]", max(n[0], 1))
        check(lib.genre_mlp_get_hidden_layers(raw, buf, n[0], n))
        return tuple(int(buf[i]) for i in range(n[0]))

    def _init_params_from_handle(self):
        super()._init_params_from_handle()
        self.hidden_layer_sizes = self._read_layers(self._h)

    def _apply_params(self):
        h = self.handle
        check(lib.genre_mlp_reset_params(h))
        super()._apply_params()
        w = np.ascontiguousarray(np.asarray(self.hidden_layer_sizes, dtype=np.int64).ravel())
        if w.size and (w.min() < -2**31 or w.max() >= 2**31):
            raise ValueError("hidden_layer_sizes out of range: %r" % (self.hidden_layer_sizes,))
        w = w.astype(np.int32)
        check(lib.genre_mlp_set_hidden_layers(h, ptr(w, "const int32_t *") if w.size
                                              else ffi.NULL, w.size))

    def _csr_call(self, verb, X, out_cols, *lead):
        from .text import as_csr
        keep, n, d, nnz, rp, ci, va = as_csr(X)
        with self._lock.read():
            h = self.handle
            out = np.empty((n, out_cols()))
            check(self._fn(verb)(h, *lead, n, d, nnz, rp, ci, va, ptr(out, "double *"),
                                 out.size, ffi.NULL))
        del keep
        return out

    def transform_hidden(self, X, layer=1):
        """Activations of hidden layer `layer` (1-based) for a 2-D array or a
        CSR matrix: a narrow layer as a learned reduction."""
        from .text import is_csr
        layers = self._read_layers(self.handle)
        if not 1 <= layer <= len(layers):
            raise ValueError("layer must be in [1, %d], got %r" % (len(layers), layer))
        width = lambda: layers[layer - 1]  # noqa: E731
        if is_csr(X):
            return self._csr_call("transform_csr", X, width, layer)
        a, xp, n, d, stride = as_matrix(X)
        with self._lock.read():
            out = np.empty((n, width()))
            check(lib.genre_mlp_transform(self.handle, layer, xp, n, d, stride,
                                          ptr(out, "double *"), out.size, ffi.NULL))
        del a
        return out

    def history(self, which="train_loss"):
        """Per-epoch history of the last fit: 'train_loss', 'val_loss',
        'val_accuracy', 'monitor_loss', 'monitor_accuracy' (NaN where the fit
        had no validation or monitor rows)."""
        key = _enum("GENRE_MLP_HISTORY_")[which]
        n = ffi.new("size_t *")
        with self._lock.read():
            lib.genre_mlp_get_history(self.handle, key, ffi.NULL, 0, n)
            out = np.empty(n[0])
            check(lib.genre_mlp_get_history(self.handle, key, ptr(out, "double *"), out.size, n))
        return out

    # ---- partial fits (larger than memory): the state lives in the model
    def state_save(self):
        """The model with its partial-fit state (optimiser moments, random
        streams) as bytes: what to ship or keep between chunks."""
        return self.to_bytes()

    def state_load(self, data):
        """Replaces this model by one saved with state_save() (or to_bytes()):
        partial_fit then continues exactly where it stopped."""
        other = type(self).from_bytes(data)
        with self._lock.write():
            old, self._h = self._h, other._h
            other._h = None
            for k in self._PARAMS:
                setattr(self, k, getattr(other, k))
        if old is not None:
            ffi.release(old)
        return self

    n_features_in_ = property(lambda self: self._get_i64(lib.GENRE_MLP_N_FEATURES))
    n_outputs_ = property(lambda self: self._get_i64(lib.GENRE_MLP_N_OUTPUTS))
    n_params_ = property(lambda self: self._get_i64(lib.GENRE_MLP_N_PARAMS))
    n_iter_ = property(lambda self: self._get_i64(lib.GENRE_MLP_EPOCHS_RUN))
    best_epoch_ = property(lambda self: self._get_i64(lib.GENRE_MLP_BEST_EPOCH))
    stopped_early_ = property(lambda self: bool(self._get_i64(lib.GENRE_MLP_STOPPED_EARLY)))

    def _fitted(self):
        try:
            self._get_i64(lib.GENRE_MLP_TASK)
            return True
        except RuntimeError:
            return False

    @classmethod
    def _from_raw(cls, raw):
        obj = super()._from_raw(raw)
        task = obj._get_i64(lib.GENRE_MLP_TASK)
        want = (lib.GENRE_MLP_TASK_CLASSIFICATION if cls is MLPClassifier
                else lib.GENRE_MLP_TASK_REGRESSION)
        if task != want:
            obj.close()
            raise TypeError("the saved MLP is a %s; load it with %s" % (
                "classifier" if task == lib.GENRE_MLP_TASK_CLASSIFICATION else "regressor",
                "MLPClassifier" if task == lib.GENRE_MLP_TASK_CLASSIFICATION
                else "MLPRegressor"))
        return obj


class MLPClassifier(_MLP):
    """Dense network with a softmax output. Labels are class indices 0..K-1.
    ``n_classes`` 0 means largest label + 1. ``progress(phase, epoch, epochs,
    loss)`` is called once per epoch; an exception it raises stops the fit and
    propagates."""

    _kind = "mlp"
    _KEYS = dict(_MLP_KEYS, n_classes=("i64", "GENRE_MLP_N_CLASSES", None))

    def fit(self, X, y, X_val=None, y_val=None):
        """X: a 2-D array, or a CSR matrix (scipy.sparse or genre.text.Csr;
        then X_val must be CSR too), e.g. hashed names from TextHasher."""
        from .text import as_csr, is_csr
        if (X_val is None) != (y_val is None):
            raise ValueError("give both X_val and y_val, or neither")
        if is_csr(X):
            keep, n, d, nnz, rp, ci, va = as_csr(X)
            ya, yp, _ = as_labels(y, n)
            if X_val is not None:
                vkeep, vn, vd, vnnz, vrp, vci, vva = as_csr(X_val, "X_val")
                if vd != d:
                    raise ValueError("X_val has %d columns, X has %d" % (vd, d))
                yva, yvp, _ = as_labels(y_val, vn, "y_val")
            else:
                vn, vnnz, vrp, vci, vva, yvp = 0, 0, ffi.NULL, ffi.NULL, ffi.NULL, ffi.NULL
            with self._lock.write():
                self._apply_params()
                self._fit_call(lambda: lib.genre_mlp_fit_csr(self.handle, n, d, nnz, rp, ci,
                                                             va, yp, vn, vnnz, vrp, vci,
                                                             vva, yvp))
            return self
        a, xp, n, d, stride = as_matrix(X)
        ya, yp, _ = as_labels(y, n)
        if X_val is not None:
            va, vp, vn, vd, vstride = as_matrix(X_val, "X_val")
            if vd != d:
                raise ValueError("X_val has %d columns, X has %d" % (vd, d))
            yva, yvp, _ = as_labels(y_val, vn, "y_val")
        else:
            vp, vn, vstride, yvp = ffi.NULL, 0, 0, ffi.NULL
        with self._lock.write():
            self._apply_params()
            self._fit_call(lambda: lib.genre_mlp_fit(self.handle, xp, n, d, stride, yp,
                                                     vp, vn, vstride, yvp))
        return self

    def set_monitor(self, X=None, y=None):
        """Monitor rows (genre_mlp_set_monitor): every later ``fit`` records
        their loss and accuracy per epoch, ``history("monitor_loss")`` and
        ``history("monitor_accuracy")``, without them touching the training
        (the weights are the same bits with or without). X is a dense 2-D
        array with the fit's columns (also for a CSR fit), y its labels; the
        rows are copied. ``set_monitor()`` (X None) clears them. Returns self."""
        if X is None:
            with self._lock.write():
                check(lib.genre_mlp_set_monitor(self.handle, ffi.NULL, 0, 0, 0, ffi.NULL))
            return self
        if y is None:
            raise ValueError("give the monitor rows' labels y with X")
        a, xp, n, d, stride = as_matrix(X)
        ya, yp, _ = as_labels(y, n)
        with self._lock.write():
            check(lib.genre_mlp_set_monitor(self.handle, xp, n, d, stride, yp))
        return self

    def partial_fit(self, X, y, classes=None):
        """One pass over a chunk of rows (genre_mlp_partial_fit): shuffled in
        windows of ``partial_buffer`` rows (0: the whole chunk), the optimiser
        state carried from call to call. One call with every row equals
        ``fit`` with ``epochs=1`` bit for bit. The class count is
        ``n_classes``, else ``max(classes) + 1`` when ``classes`` is given on
        the first call, else the first chunk's largest label + 1.
        ``patience`` must be 0 (no validation rows)."""
        a, xp, n, d, stride = as_matrix(X)
        ya, yp, _ = as_labels(y, n)
        with self._lock.write():
            self._apply_params()
            if classes is not None and int(self.n_classes) == 0:
                c = np.asarray(classes)
                if c.size == 0 or not np.issubdtype(c.dtype, np.integer) or c.min() < 0:
                    raise ValueError("classes must hold the class indices 0..K-1")
                self._set(lib.GENRE_MLP_N_CLASSES, int(c.max()) + 1, "i64")
            self._fit_call(lambda: lib.genre_mlp_partial_fit(self.handle, xp, n, d, stride,
                                                             yp))
        return self

    def predict_proba(self, X):
        """Class probabilities of a 2-D array or of a CSR matrix."""
        from .text import is_csr
        if is_csr(X):
            return self._csr_call("predict_proba_csr", X, lambda: self._need_fitted_i64(
                "GENRE_MLP_N_OUTPUTS"))
        return self._transform_like("predict_proba", X, lambda: self._need_fitted_i64(
            "GENRE_MLP_N_OUTPUTS"))

    def predict(self, X):
        from .text import is_csr
        if is_csr(X):
            return np.argmax(self.predict_proba(X), axis=1).astype(np.int32)
        return self._transform_like("predict", X, 0, np.int32)

    classes_ = property(lambda self: np.arange(self.n_outputs_, dtype=np.int32))


class MLPRegressor(_MLP):
    """Dense network with linear outputs and mean squared error."""

    _kind = "mlp"

    def fit(self, X, y, X_val=None, y_val=None):
        a, xp, n, d, stride = as_matrix(X)
        ya = np.ascontiguousarray(y, dtype=np.float64)
        if ya.ndim == 1:
            ya = ya.reshape(-1, 1)
        if ya.ndim != 2 or ya.shape[0] != n:
            raise ValueError("y must have %d rows, got shape %s" % (n, ya.shape))
        if (X_val is None) != (y_val is None):
            raise ValueError("give both X_val and y_val, or neither")
        if X_val is not None:
            va, vp, vn, vd, vstride = as_matrix(X_val, "X_val")
            yva = np.ascontiguousarray(y_val, dtype=np.float64).reshape(vn, -1)
            if yva.shape[1] != ya.shape[1] or vd != d:
                raise ValueError("X_val / y_val shapes do not match X / y")
            yvp = ptr(yva, "const double *")
        else:
            vp, vn, vstride, yvp = ffi.NULL, 0, 0, ffi.NULL
        self._y1d = np.ndim(y) == 1
        with self._lock.write():
            self._apply_params()
            self._fit_call(lambda: lib.genre_mlp_fit_regression(
                self.handle, xp, n, d, stride, ptr(ya, "const double *"), ya.shape[1],
                vp, vn, vstride, yvp))
        return self

    def predict(self, X):
        out = self._transform_like("predict_values", X, lambda: self._need_fitted_i64(
            "GENRE_MLP_N_OUTPUTS"))
        return out[:, 0].copy() if out.shape[1] == 1 and getattr(self, "_y1d", True) else out


# ---- k-means -------------------------------------------------------------------

class KMeans(_Model):
    """Lloyd's k-means with k-means++ restarts.

    Streamed (tables larger than memory): ``partial_fit(chunk)`` for every
    chunk, then ``end_pass()``; repeat until it returns True (converged).
    Before the model has centers, the first pass feeds a seeded reservoir
    sample of ``init_sample_size`` rows and ``end_pass()`` draws the initial
    centers by k-means++ on it; every later pass is one Lloyd update, equal
    to the in-memory iterations. ``merge(other)`` adds another process's pass
    (over the same centers); ``state_save()`` / ``state_load()`` ship the
    current pass as bytes."""

    _kind = "kmeans"
    _FITTED_KEY = lib.GENRE_KMEANS_FITTED
    _KEYS = {"n_clusters": ("i64", "GENRE_KMEANS_K", None),
             "n_init": ("i64", "GENRE_KMEANS_N_INIT", None),
             "max_iter": ("i64", "GENRE_KMEANS_MAX_ITER", None),
             "tol": ("f64", "GENRE_KMEANS_TOL", None),
             "seed": ("i64", "GENRE_KMEANS_SEED", None),
             "n_threads": ("i64", "GENRE_KMEANS_N_THREADS", None),
             "algorithm": ("i64", "GENRE_KMEANS_ALGORITHM", _enum("GENRE_KMEANS_ALGO_")),
             "distance_kernel": ("i64", "GENRE_KMEANS_DISTANCE_KERNEL",
                                 _enum("GENRE_KMEANS_KERNEL_"))}

    @classmethod
    def _extra_defaults(cls, raw):  # noqa: ARG003
        return {"init_sample_size": 100000}

    def fit(self, X, y=None):  # noqa: ARG002
        a, xp, n, d, stride = as_matrix(X)
        with self._lock.write():
            self._apply_params()
            self._fit_call(lambda: lib.genre_kmeans_fit(self.handle, xp, n, d, stride))
            self._stream_reset()
        return self

    # ---- streamed passes -------------------------------------------------------
    def _stream_reset(self):
        self._sample = None
        self._pass = None

    def _pass_state(self):
        """The current pass (created over the model's centers when needed)."""
        if getattr(self, "_pass", None) is None:
            out = ffi.new("genre_kmeans_partial **")
            check(lib.genre_kmeans_partial_create_from_model(out, self.handle))
            self._pass = ffi.gc(out[0], lib.genre_kmeans_partial_free)
        return self._pass

    def partial_fit(self, X, y=None):  # noqa: ARG002
        """Adds a chunk to the current pass (the initial sample before the
        model has centers). Call end_pass() after the last chunk."""
        a, xp, n, d, stride = as_matrix(X)
        with self._lock.write():
            self._apply_params()
            if not bool(self._read_key(self.handle, "i64", lib.GENRE_KMEANS_FITTED, None)):
                if getattr(self, "_sample", None) is None:
                    out = ffi.new("genre_kmeans_sample **")
                    check(lib.genre_kmeans_sample_create(out, d, int(self.init_sample_size),
                                                         int(self.seed)))
                    self._sample = ffi.gc(out[0], lib.genre_kmeans_sample_free)
                check(lib.genre_kmeans_sample_add(self._sample, xp, n, d, stride))
            else:
                check(lib.genre_kmeans_partial_add(self._pass_state(), xp, n, d, stride))
        del a
        return self

    def end_pass(self):
        """Ends the pass: k-means++ on the sample (the first pass) or one Lloyd
        update. Returns converged_ (False after initialisation)."""
        with self._lock.write():
            self._apply_params()
            if getattr(self, "_sample", None) is not None:
                check(lib.genre_kmeans_init_from_sample(self.handle, self._sample))
                self._stream_reset()
                return False
            if getattr(self, "_pass", None) is None:
                raise ValueError("no rows were added since the last end_pass()")
            check(lib.genre_kmeans_fit_partial(self.handle, self._pass))
            self._stream_reset()
        return self.converged_

    def merge(self, other):
        """Adds other's current pass (a KMeans streaming over the same centers)
        to this one's: this pass then holds its rows followed by other's."""
        if getattr(other, "_pass", None) is None:
            raise ValueError("the other KMeans has no pass in progress")
        with self._lock.write():
            check(lib.genre_kmeans_partial_merge(self._pass_state(), other._pass))
        return self

    def state_save(self):
        """The current pass as bytes (genre_kmeans_partial_save_to_memory)."""
        with self._lock.read():
            p = getattr(self, "_pass", None)
            if p is None:
                raise ValueError("no pass in progress")
            n = ffi.new("size_t *")
            lib.genre_kmeans_partial_save_to_memory(p, ffi.NULL, 0, n)
            buf = ffi.new("char[]", n[0])
            check(lib.genre_kmeans_partial_save_to_memory(p, buf, n[0], n))
            return ffi.buffer(buf, n[0])[:]

    def state_load(self, data):
        """Makes a pass saved by state_save() the current pass (end_pass()
        then updates this model from it)."""
        data = bytes(data)
        out = ffi.new("genre_kmeans_partial **")
        check(lib.genre_kmeans_partial_load_from_memory(out, data, len(data)))
        with self._lock.write():
            self._sample = None
            self._pass = ffi.gc(out[0], lib.genre_kmeans_partial_free)
        return self

    def predict(self, X):
        return self._transform_like("predict", X, 0, np.int32)

    def fit_predict(self, X, y=None):
        return self.fit(X, y).labels_

    def sweep(self, X, k_min, k_max, silhouette=True):
        """Fits k = k_min..k_max; returns (inertia, silhouette or None) arrays.
        The fitted state of the handle is not changed."""
        a, xp, n, d, stride = as_matrix(X)
        m = int(k_max) - int(k_min) + 1
        if m < 1:
            raise ValueError("k_max < k_min")
        inertia = np.empty(m)
        sil = np.empty(m) if silhouette else None
        with self._lock.write():
            self._apply_params()
            self._fit_call(lambda: lib.genre_kmeans_sweep(
                self.handle, xp, n, d, stride, int(k_min), int(k_max), ptr(inertia, "double *"),
                ptr(sil, "double *") if silhouette else ffi.NULL, m, ffi.NULL))
        return inertia, sil

    @property
    def cluster_centers_(self):
        return self._getter("get_centers").reshape(self.n_clusters_, -1)

    labels_ = property(lambda self: self._getter("get_labels", np.int32))
    inertia_ = property(lambda self: self._get_f64(lib.GENRE_KMEANS_INERTIA))
    n_iter_ = property(lambda self: self._get_i64(lib.GENRE_KMEANS_N_ITER))
    n_clusters_ = property(lambda self: self._get_i64(lib.GENRE_KMEANS_N_CLUSTERS))
    n_features_in_ = property(lambda self: self._get_i64(lib.GENRE_KMEANS_N_FEATURES))
    converged_ = property(lambda self: bool(self._get_i64(lib.GENRE_KMEANS_CONVERGED)))
    center_shift_ = property(lambda self: self._get_f64(lib.GENRE_KMEANS_CENTER_SHIFT))


# ---- t-SNE ---------------------------------------------------------------------

class TSNE(_Model):
    """t-SNE embedding (exact, Barnes-Hut or FFT-interpolated gradients)."""

    _kind = "tsne"
    _FITTED_KEY = lib.GENRE_TSNE_FITTED
    _KEYS = {"perplexity": ("f64", "GENRE_TSNE_PERPLEXITY", None),
             "n_components": ("i64", "GENRE_TSNE_N_COMPONENTS", None),
             "method": ("i64", "GENRE_TSNE_METHOD", _enum("GENRE_TSNE_METHOD_")),
             "theta": ("f64", "GENRE_TSNE_THETA", None),
             "learning_rate": ("f64", "GENRE_TSNE_LEARNING_RATE", None),
             "early_exaggeration": ("f64", "GENRE_TSNE_EARLY_EXAGGERATION", None),
             "exaggeration_iter": ("i64", "GENRE_TSNE_EXAGGERATION_ITER", None),
             "momentum": ("f64", "GENRE_TSNE_MOMENTUM", None),
             "final_momentum": ("f64", "GENRE_TSNE_FINAL_MOMENTUM", None),
             "max_iter": ("i64", "GENRE_TSNE_MAX_ITER", None),
             "init": ("i64", "GENRE_TSNE_INIT", _enum("GENRE_TSNE_INIT_")),
             "seed": ("i64", "GENRE_TSNE_SEED", None),
             "n_threads": ("i64", "GENRE_TSNE_N_THREADS", None),
             "min_gain": ("f64", "GENRE_TSNE_MIN_GAIN", None),
             "report_every": ("i64", "GENRE_TSNE_REPORT_EVERY", None)}

    def fit_transform(self, X, y=None):  # noqa: ARG002
        a, xp, n, d, stride = as_matrix(X)
        with self._lock.write():
            self._apply_params()
            k = int(self.n_components)
            out = np.empty((n, k))
            self._fit_call(lambda: lib.genre_tsne_fit_embed(
                self.handle, xp, n, d, stride, ptr(out, "double *"), out.size, ffi.NULL))
        return out

    def fit(self, X, y=None):
        self.fit_transform(X, y)
        return self

    @property
    def embedding_(self):
        return self._getter("get_embedding").reshape(self._get_i64(lib.GENRE_TSNE_N_SAMPLES), -1)

    kl_divergence_ = property(lambda self: self._get_f64(lib.GENRE_TSNE_KL_DIVERGENCE))
    n_iter_ = property(lambda self: self._get_i64(lib.GENRE_TSNE_N_ITER))
