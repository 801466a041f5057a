# SPDX-License-Identifier: GPL-3.0-or-later
"""Same data, same code path: Python gives the C library's bits, and model
files cross between the two in both directions."""
import subprocess

import numpy as np

import genre
from conftest import MASK


def raw(d, name):
    return np.fromfile(str(d / name), dtype="<f8")


def fit_like_c(split):
    xtr, ytr, xte, yte = split
    s = genre.StandardScaler(mask=MASK).fit(xtr)
    ztr, zte = s.transform(xtr), s.transform(xte)
    lda = genre.LinearDiscriminantAnalysis().fit(ztr, ytr)
    mlp = genre.MLPClassifier(hidden_layer_sizes=(20, 15), epochs=3, seed=20261125)
    mlp.fit(ztr, ytr)
    return s, lda, mlp, zte


def test_bit_for_bit_with_c(split, c_ref):
    d, _ = c_ref
    yte = split[3]
    s, lda, mlp, zte = fit_like_c(split)
    assert zte.tobytes() == raw(d, "c_z_test.f64").tobytes()
    assert lda.transform(zte).tobytes() == raw(d, "c_lda_proj.f64").tobytes()
    lp = lda.predict_proba(zte)
    assert lp.tobytes() == raw(d, "c_lda_proba.f64").tobytes()
    mp = mlp.predict_proba(zte)
    assert mp.tobytes() == raw(d, "c_mlp_proba.f64").tobytes()
    auc = raw(d, "c_auc.f64")
    assert genre.metrics.roc_auc_ovr(yte, lp) == auc[0]
    assert genre.metrics.roc_auc_ovr(yte, mp) == auc[1]


def test_load_files_written_by_c(split, c_ref):
    d, _ = c_ref
    xte = split[2]
    assert genre.peek(d / "c_mlp.genre") == ("mlp", 1)
    with genre.StandardScaler.load(d / "c_scaler.genre") as s, \
            genre.LDA.load(d / "c_lda.genre") as lda, \
            genre.MLPClassifier.load(d / "c_mlp.genre") as mlp:
        z = s.transform(xte)
        assert z.tobytes() == raw(d, "c_z_test.f64").tobytes()
        assert lda.predict_proba(z).tobytes() == raw(d, "c_lda_proba.f64").tobytes()
        assert mlp.predict_proba(z).tobytes() == raw(d, "c_mlp_proba.f64").tobytes()
        assert mlp.hidden_layer_sizes == (20, 15) and mlp.seed == 20261125
        assert mlp.n_iter_ == 3


def test_c_loads_files_written_by_python(split, c_ref):
    d, exe = c_ref
    s, lda, mlp, zte = fit_like_c(split)
    s.save(d / "py_scaler.genre")
    lda.save(d / "py_lda.genre")
    mlp.save(d / "py_mlp.genre")
    subprocess.run([exe, "--predict", str(d)], check=True)
    assert raw(d, "c_from_py_lda_proba.f64").tobytes() == lda.predict_proba(zte).tobytes()
    assert raw(d, "c_from_py_mlp_proba.f64").tobytes() == mlp.predict_proba(zte).tobytes()


def test_memory_round_trip_and_pickle(split):
    import pickle
    xtr, ytr, xte, _ = split
    with genre.StandardScaler(mask=MASK) as s:
        z = s.fit_transform(xtr[::20])
        lda = genre.LDA().fit(z, ytr[::20])
        b = lda.to_bytes()
        with genre.LDA.from_bytes(b) as l2:
            assert l2.predict_proba(z[:50]).tobytes() == lda.predict_proba(z[:50]).tobytes()
        l3 = pickle.loads(pickle.dumps(lda))
        assert np.array_equal(l3.classes_, np.arange(10))
        s2 = pickle.loads(pickle.dumps(s))
        assert s2.transform(xte[:7]).tobytes() == s.transform(xte[:7]).tobytes()
        assert s2.get_params()["with_mean"] is True
