# SPDX-License-Identifier: GPL-3.0-or-later
"""Partial fits (issue 19): partial_fit, merge, state_save/state_load on
StandardScaler, PCA and LinearDiscriminantAnalysis, against the in-memory fit
(the C suite stream_linear holds the tolerances: 1e-12 normwise, LDA
scalings to twice the fit's own row-order noise) and against scikit-learn's
StandardScaler.partial_fit and (exact) PCA on all rows."""
import numpy as np
import pytest

import genre
from conftest import MASK


def chunks(n, size):
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return np.max(np.abs(a - b)) / np.max(np.abs(a))


@pytest.mark.parametrize("size", [7, 1000, None])
def test_scaler_partial_fit_equals_fit(split, size):
    xtr = split[0]
    size = size or len(xtr)
    ref = genre.StandardScaler(mask=MASK).fit(xtr)
    s = genre.StandardScaler(mask=MASK)
    for c in chunks(len(xtr), size):
        s.partial_fit(xtr[c])
    assert s.n_rows_seen_ == len(xtr)
    if size == len(xtr):  # one chunk: bit for bit
        assert np.array_equal(s.mean_, ref.mean_) and np.array_equal(s.var_, ref.var_)
    assert rel(ref.mean_, s.mean_) <= 1e-12
    assert rel(ref.scale_, s.scale_) <= 1e-12
    assert rel(ref.var_, s.var_) <= 1e-12


def test_pca_partial_fit_equals_fit(split):
    xtr = split[0][:, MASK]
    z = (xtr - xtr.mean(0)) / xtr.std(0)
    ref = genre.PCA(n_components=5).fit(z)
    p = genre.PCA(n_components=5)
    for c in chunks(len(z), 1000):
        p.partial_fit(z[c], finalize=False)
    p.finalize()
    # the means are 0 to rounding (z is centred): compared on z's scale
    assert np.max(np.abs(ref.mean_ - p.mean_)) <= 1e-12 * np.max(np.abs(z))
    assert rel(ref.explained_variance_, p.explained_variance_) <= 1e-12
    assert rel(ref.components_, p.components_) <= 1e-12


def test_lda_partial_fit_equals_fit(split):
    xtr, ytr = split[0], split[1]
    z = (xtr - xtr.mean(0)) / xtr.std(0)
    ref = genre.LinearDiscriminantAnalysis(n_components=3).fit(z, ytr)
    lda = genre.LinearDiscriminantAnalysis(n_components=3)
    for c in chunks(len(z), 1000):
        lda.partial_fit(z[c], ytr[c], finalize=False)
    lda.finalize()
    assert np.array_equal(ref.classes_, lda.classes_)
    assert rel(ref.means_, lda.means_) <= 1e-12
    assert rel(ref.scalings_, lda.scalings_) <= 1e-12  # the 3 strongest discriminants
    assert rel(ref.predict_proba(z[:200]), lda.predict_proba(z[:200])) <= 1e-12
    with pytest.raises(TypeError):
        lda.partial_fit(z[:10])


def test_merge_and_state_round_trip(split):
    xtr, ytr = split[0], split[1]
    n = len(xtr)
    parts = [slice(0, n // 3), slice(n // 3, 2 * n // 3), slice(2 * n // 3, n)]
    for cls, args in ((genre.StandardScaler, lambda c: (xtr[c],)),
                      (genre.PCA, lambda c: (xtr[c],)),
                      (genre.LinearDiscriminantAnalysis, lambda c: (xtr[c], ytr[c]))):
        workers = [cls().partial_fit(*args(c), finalize=False) for c in parts]
        # ship each state as bytes, as another process would
        blobs = [w.state_save() for w in workers]
        assert all(isinstance(b, bytes) for b in blobs)
        head = cls().state_load(blobs[0], finalize=False)
        for b in blobs[1:]:
            head.merge(cls().state_load(b, finalize=False), finalize=False)
        head.finalize()
        whole = cls().partial_fit(*args(slice(0, n)))
        assert head.n_rows_seen_ == n
        if cls is genre.StandardScaler:
            assert rel(whole.var_, head.var_) <= 1e-12
        elif cls is genre.PCA:
            assert rel(whole.explained_variance_, head.explained_variance_) <= 1e-12
        else:
            assert rel(whole.means_, head.means_) <= 1e-12
        # a round trip keeps the bytes; the fits from both are the same model
        again = cls().state_load(head.state_save())
        assert again.state_save() == head.state_save()
        assert again.to_bytes() == head.to_bytes()


def test_errors():
    s = genre.StandardScaler()
    with pytest.raises(ValueError):
        s.state_save()
    with pytest.raises(ValueError):
        s.finalize()
    s.partial_fit(np.ones((3, 2)))
    with pytest.raises(genre.ShapeError):
        s.partial_fit(np.ones((3, 4)))
    with pytest.raises(TypeError):
        s.merge(genre.PCA())
    with pytest.raises(ValueError):
        s.merge(s)
    with pytest.raises(genre.GenreError):
        genre.StandardScaler().state_load(b"not a state")
    p = genre.PCA()
    p.partial_fit(np.ones((1, 3)), finalize=False)
    with pytest.raises(genre.GenreError):  # one row: PCA needs two
        p.finalize()
    assert p.n_rows_seen_ == 1


sk = pytest.importorskip("sklearn")
from sklearn.decomposition import PCA as SkPCA  # noqa: E402
from sklearn.preprocessing import StandardScaler as SkScaler  # noqa: E402


def test_scaler_agrees_with_sklearn_partial_fit(split):
    x = split[0][:, MASK]
    ref = SkScaler()
    s = genre.StandardScaler()
    for c in chunks(len(x), 777):
        ref.partial_fit(x[c])
        s.partial_fit(x[c])
    np.testing.assert_allclose(s.mean_, ref.mean_, rtol=1e-12, atol=0)
    np.testing.assert_allclose(s.var_, ref.var_, rtol=1e-11, atol=0)
    np.testing.assert_allclose(s.transform(x[:500]), ref.transform(x[:500]), atol=1e-11)


def test_pca_streamed_agrees_with_sklearn_pca_on_all_rows(split):
    # IncrementalPCA is approximate; the streamed PCA is exact: compare with
    # scikit-learn's PCA on all rows (tests/test_pca_real.c's tolerances)
    x = split[0][:, MASK]
    z = (x - x.mean(0)) / x.std(0)
    ref = SkPCA().fit(z)
    p = genre.PCA()
    for c in chunks(len(z), 5000):
        p.partial_fit(z[c], finalize=False)
    p.finalize()
    np.testing.assert_allclose(p.explained_variance_, ref.explained_variance_, rtol=1e-9)
    np.testing.assert_allclose(p.explained_variance_ratio_, ref.explained_variance_ratio_,
                               rtol=1e-9)
    comp, rc = p.components_, ref.components_
    signs = np.sign(np.sum(comp * rc, axis=1))
    np.testing.assert_allclose(comp, rc * signs[:, None], atol=1e-8)
