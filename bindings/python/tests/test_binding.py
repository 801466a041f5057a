# SPDX-License-Identifier: GPL-3.0-or-later
"""ABI/header agreement, errors, NumPy conversions, lifetimes, callbacks."""
import gc
import os
import re
import subprocess
import sys
import threading
import weakref

import numpy as np
import pytest

import genre
from genre import ffi, lib
from conftest import ROOT, pkg_config

CDEF = os.path.join(os.path.dirname(genre.__file__), "_cdef.h")


def loaded_library_file():
    with open("/proc/self/maps") as f:
        for line in f:
            if "libgenre.so" in line:
                return line.split()[-1]
    raise AssertionError("libgenre not mapped")


def test_cdef_matches_installed_headers():
    inc = os.environ.get("GENRE_INCLUDE_DIR") or pkg_config("--variable=includedir") or \
        os.path.join(ROOT, "include")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "bindings", "tools", "genre_decls.py"),
                        "--check", "--include", inc], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_exported_symbol_is_declared_and_resolves():
    declared = set(re.findall(r"\b(genre_\w+)\(", open(CDEF).read()))
    out = subprocess.run(["nm", "-D", "--defined-only", loaded_library_file()],
                         capture_output=True, text=True, check=True).stdout
    exported = {l.split()[-1].split("@")[0] for l in out.splitlines()
                if l.split()[-1].startswith("genre_")}
    assert declared == exported
    for name in declared:
        assert getattr(lib, name) is not None


def test_version():
    assert lib.genre_version_number() == lib.GENRE_VERSION_NUMBER
    assert genre.version() == "%d.%d.%d" % (lib.GENRE_VERSION_MAJOR, lib.GENRE_VERSION_MINOR,
                                            lib.GENRE_VERSION_PATCH)


def test_default_threads_follow_the_affinity_mask():
    import os
    assert genre.default_threads() == min(len(os.sched_getaffinity(0)), 256)


# ---- errors ------------------------------------------------------------------

def test_every_status_has_its_class():
    names = [n for n in dir(lib) if n.startswith("GENRE_E_")]
    assert len(genre.ERRORS) == len(names) >= 29
    for n in names:
        cls = genre.ERRORS[getattr(lib, n)]
        assert cls.name == n and issubclass(cls, genre.GenreError)
        assert getattr(genre, cls.__name__) is cls


def test_errors_carry_code_name_message():
    with genre.LDA() as lda:
        with pytest.raises(genre.BadStateError) as e:
            lda.predict(np.zeros((2, 3)))
        assert e.value.code == lib.GENRE_E_BAD_STATE == -4
        assert e.value.name == "GENRE_E_BAD_STATE" and "genre_lda" in e.value.message
        x = np.random.RandomState(0).randn(20, 3)
        x[4, 2] = np.nan
        with pytest.raises(genre.NonfiniteError, match="row 4") as e:
            lda.fit(x, np.arange(20) % 2)
        assert isinstance(e.value, ValueError)
        lda.fit(np.random.RandomState(0).randn(20, 3), np.arange(20) % 2)
        with pytest.raises(genre.ShapeError):
            lda.transform(np.zeros((2, 4)))


def test_bad_arguments_never_crash(tmp_path):
    s = genre.StandardScaler()
    for bad in (None, np.zeros(3), np.zeros((0, 3)), np.zeros((2, 0)), "text",
                np.zeros((2, 2, 2)), np.array([["a", "b"]])):
        with pytest.raises((ValueError, TypeError)):
            s.fit(bad)
    with pytest.raises(genre.InvalidArgError):
        genre.PCA(n_components=-1).fit(np.ones((3, 2)))
    with pytest.raises(ValueError):
        genre.LDA().fit(np.ones((3, 2)), [0, 1])  # length mismatch
    with pytest.raises(ValueError):
        genre.LDA().fit(np.ones((3, 2)), [0.5, 1, 2])
    with pytest.raises(ValueError):
        genre.MLPClassifier(activation="sigmoidish").fit(np.ones((3, 2)), [0, 1, 0])
    with pytest.raises(genre.IoError) as e:
        genre.PCA.load(tmp_path / "missing.genre")
    assert isinstance(e.value, OSError)
    (tmp_path / "junk.genre").write_bytes(b"not a model at all" * 10)
    with pytest.raises(genre.CorruptError):
        genre.MLPClassifier.load(tmp_path / "junk.genre")
    sc = genre.StandardScaler().fit(np.random.RandomState(1).randn(5, 2))
    sc.save(tmp_path / "s.genre")
    with pytest.raises(genre.ModelKindError):
        genre.PCA.load(tmp_path / "s.genre")
    with pytest.raises(genre.InvalidArgError, match="5"):
        genre.metrics.confusion_matrix([0, 5], [0, 1], 2)  # label outside: checked by C
    with pytest.raises(genre.BadStateError):
        genre.KMeans().labels_


# ---- NumPy ---------------------------------------------------------------------

def test_no_copy_for_c_contiguous_and_row_slices():
    from genre._base import as_matrix
    x = np.random.RandomState(0).randn(10, 4)
    a, p, n, d, stride = as_matrix(x)
    assert a is x and stride == 4 and int(ffi.cast("uintptr_t", p)) == x.ctypes.data
    a, p, n, d, stride = as_matrix(x[::2])          # every other row: still no copy
    assert a.base is x and stride == 8 and n == 5
    a, p, n, d, stride = as_matrix(x[:, :3])        # a column slice: row stride 4
    assert stride == 4 and n == 10 and d == 3
    for other in (np.asfortranarray(x), x.astype(np.float32), x[:, ::2], x.tolist()):
        a, *_ = as_matrix(other)
        assert a.flags.c_contiguous and a.dtype == np.float64


def test_strided_input_gives_the_same_bits_and_outputs_own_memory():
    x = np.random.RandomState(0).randn(40, 6)
    with genre.PCA(n_components=2).fit(x) as p:
        big = np.zeros((40, 9))
        big[:, 2:8] = x
        a, b, c = p.transform(x), p.transform(big[:, 2:8]), p.transform(np.asfortranarray(x))
        assert a.tobytes() == b.tobytes() == c.tobytes()
        for out in (a, p.components_, p.mean_):
            assert out.flags.owndata or out.base.flags.owndata
            assert out.flags.writeable and out.dtype == np.float64


# ---- lifetimes ------------------------------------------------------------------

def test_close_and_context_manager():
    with genre.KMeans(n_clusters=2) as k:
        k.fit(np.random.RandomState(0).randn(30, 2))
    assert k.closed
    k.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        k.predict(np.zeros((1, 2)))


def test_garbage_collection_frees_handles():
    refs = []
    for _ in range(200):
        m = genre.MLPClassifier(hidden_layer_sizes=(4,), epochs=1)
        m.fit(np.random.RandomState(0).randn(20, 3), np.arange(20) % 3)
        refs.append(weakref.ref(m))
        del m
    gc.collect()
    assert all(r() is None for r in refs)


def test_concurrent_predict_on_one_model():
    rng = np.random.RandomState(0)
    x, y = rng.randn(500, 5), rng.randint(0, 3, 500)
    m = genre.MLPClassifier(hidden_layer_sizes=(16,), epochs=2).fit(x, y)
    want = m.predict_proba(x).tobytes()
    bad = []

    def work():
        for _ in range(20):
            if m.predict_proba(x).tobytes() != want:
                bad.append(1)
    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not bad


def test_get_set_params_like_scikit_learn():
    m = genre.MLPClassifier(hidden_layer_sizes=(7, 5), learning_rate=0.01)
    p = m.get_params()
    assert p["hidden_layer_sizes"] == (7, 5) and p["learning_rate"] == 0.01
    assert p["epochs"] == 200 and p["batch_size"] == 256  # the library's defaults
    m.set_params(epochs=2, optimizer="sgd")
    assert m.get_params()["optimizer"] == "sgd"
    with pytest.raises(ValueError):
        m.set_params(no_such=1)
    assert genre.PCA().get_params() == {"n_components": None, "whiten": False,
                                        "progress": None}


def test_float_precision_fit_close_to_double():
    rng = np.random.RandomState(5)
    x = rng.randn(600, 4)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int) + (x[:, 2] > 1)
    assert genre.MLPClassifier().get_params()["precision"] == "double"
    common = dict(hidden_layer_sizes=(8,), epochs=20, seed=7)
    p64 = genre.MLPClassifier(**common).fit(x, y).predict_proba(x)
    m32 = genre.MLPClassifier(precision="float", **common).fit(x, y)
    assert m32.get_params()["precision"] == "float"
    p32 = m32.predict_proba(x)
    assert np.allclose(p32.sum(axis=1), 1.0)
    assert 0 < np.abs(p32 - p64).max() < 1e-2  # float arithmetic, same model
    with pytest.raises(ValueError):
        genre.MLPClassifier(precision="half").fit(x, y)


# ---- progress callbacks ---------------------------------------------------------

def data():
    rng = np.random.RandomState(3)
    return rng.randn(300, 4), rng.randint(0, 3, 300)


def test_progress_called_every_epoch():
    seen = []
    x, y = data()
    genre.MLPClassifier(hidden_layer_sizes=(4,), epochs=5,
                        progress=lambda *a: seen.append(a)).fit(x, y)
    assert [s[1] for s in seen] == [1, 2, 3, 4, 5]
    assert all(s[0] == lib.GENRE_MLP_PHASE_TRAIN and s[2] == 5 for s in seen)


def test_exception_in_callback_cancels_and_is_reraised():
    x, y = data()
    calls = []

    class Stop(Exception):
        pass

    def cb(phase, step, total, loss):
        calls.append(step)
        if step == 2:
            raise Stop("user stop")
    m = genre.MLPClassifier(hidden_layer_sizes=(4,), epochs=50, progress=cb)
    with pytest.raises(Stop) as e:
        m.fit(x, y)
    assert calls == [1, 2]
    assert isinstance(e.value.__context__, genre.CancelledError)
    with pytest.raises(genre.BadStateError):  # cancelled: still unfitted
        m.predict(x)
    m.set_params(progress=None, epochs=2).fit(x, y)
    before = m.predict_proba(x)
    m.set_params(progress=lambda *a: True, epochs=3)  # a true return cancels
    with pytest.raises(genre.CancelledError):
        m.fit(x, y)
    assert m.predict_proba(x).tobytes() == before.tobytes()  # previous fit kept


def test_keyboard_interrupt_cancels():
    x, y = data()

    def cb(phase, step, total, loss):
        if step == 3:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        genre.MLPClassifier(hidden_layer_sizes=(4,), epochs=100, progress=cb).fit(x, y)


def test_reference_analysis_example_runs():
    script = os.path.join(os.path.dirname(os.path.dirname(__file__)), "examples",
                          "reference_analysis.py")
    r = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    auc = float(re.search(r"MLP test macro AUROC ([0-9.]+)", r.stdout).group(1))
    assert 0.85 < auc <= 1.0, r.stdout
    assert len(open(script).read().strip().splitlines()) <= 40


def test_kmeans_sweep_with_progress_and_silhouette():
    x = np.vstack([np.random.RandomState(5).randn(50, 2) + c for c in (0, 6, 12)])
    calls = []
    with genre.KMeans(seed=1, progress=lambda *a: calls.append(a[0])) as k:
        inertia, sil = k.sweep(x, 2, 4)
    assert inertia.shape == sil.shape == (3,) and np.argmax(sil) == 1 and calls


def test_monitor_rows_record_a_curve_without_moving_the_fit():
    rng = np.random.RandomState(3)
    x, y = rng.randn(400, 4), rng.randint(0, 3, 400)
    x[:, 0] += y
    xm, ym = x[300:], y[300:]
    kw = dict(hidden_layer_sizes=(8,), epochs=5, seed=2, learning_rate=0.01)
    plain = genre.MLPClassifier(**kw).fit(x[:300], y[:300])
    m = genre.MLPClassifier(**kw).set_monitor(xm, ym).fit(x[:300], y[:300])
    assert m.predict_proba(x).tobytes() == plain.predict_proba(x).tobytes()
    # the curve is the validation history of a fit given those rows as validation
    ref = genre.MLPClassifier(**kw).fit(x[:300], y[:300], xm, ym)
    assert m.history("monitor_loss").tobytes() == ref.history("val_loss").tobytes()
    assert m.history("monitor_accuracy").tobytes() == ref.history("val_accuracy").tobytes()
    assert np.isnan(plain.history("monitor_loss")).all()
    with pytest.raises(genre.GenreError):
        m.set_monitor(xm, np.full(len(ym), -1))
    with pytest.raises(ValueError):
        m.set_monitor(xm)
    m.set_monitor().fit(x[:300], y[:300])
    assert np.isnan(m.history("monitor_loss")).all()
