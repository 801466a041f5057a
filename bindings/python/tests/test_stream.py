# SPDX-License-Identifier: GPL-3.0-or-later
"""Partial fits (issue 19) through the bindings: KMeans passes in chunks
against the in-memory fit, merge and state save/load; MLPClassifier
partial_fit against fit(epochs=1) and across a state round trip."""
import numpy as np
import pytest

from genre import KMeans, MLPClassifier


def _blobs(n=1500, d=3, k=4, seed=5):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    centers = rng.normal(scale=2.0, size=(k, d))
    return centers[y] + rng.normal(size=(n, d)), y.astype(np.int32)


def _chunks(x, size):
    return [x[i:i + size] for i in range(0, len(x), size)]


@pytest.mark.parametrize("size", [7, 1000, 1500])
@pytest.mark.parametrize("tol", [1e-4, 0.0])
def test_kmeans_passes_equal_the_fit(size, tol):
    """tol 0: the in-memory fit stops when no label changes; the stream's next
    pass then moves no center, exactly (passes cut alike)."""
    x, _ = _blobs()
    ref = KMeans(n_clusters=4, n_init=1, seed=3, tol=tol).fit(x)
    km = KMeans(n_clusters=4, n_init=1, seed=3, tol=tol, init_sample_size=len(x))
    for c in _chunks(x, size):            # the initial sample: every row
        km.partial_fit(c)
    assert km.end_pass() is False
    passes = 0
    while True:
        for c in _chunks(x, size):
            km.partial_fit(c)
        passes += 1
        if km.end_pass() or passes > 300:
            break
    assert km.n_iter_ == ref.n_iter_ == passes
    np.testing.assert_allclose(km.cluster_centers_, ref.cluster_centers_, rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_array_equal(km.predict(x), ref.labels_)
    assert km.center_shift_ >= 0


def test_kmeans_merge_and_state_round_trip():
    x, _ = _blobs(seed=8)
    km = KMeans(n_clusters=4, n_init=1, seed=1, init_sample_size=500)
    km.partial_fit(x)
    km.end_pass()
    other = KMeans.from_bytes(km.to_bytes())      # another process, same centers
    km.partial_fit(x[:600])
    other.partial_fit(x[600:])
    shipped = KMeans.from_bytes(km.to_bytes()).state_load(other.state_save())
    km.merge(shipped)
    whole = KMeans.from_bytes(other.to_bytes())
    whole.partial_fit(x)
    km.end_pass()
    whole.end_pass()
    np.testing.assert_allclose(km.cluster_centers_, whole.cluster_centers_, rtol=1e-13)
    assert km.inertia_ == pytest.approx(whole.inertia_, rel=1e-13)
    with pytest.raises(ValueError):
        km.end_pass()                                 # no rows since the last pass
    with pytest.raises(ValueError):
        km.state_save()


def test_mlp_partial_fit_equals_one_epoch():
    x, y = _blobs(n=800, d=5, seed=2)
    kw = dict(hidden_layer_sizes=(10, 6), learning_rate=0.01, batch_size=32, seed=4)
    a = MLPClassifier(epochs=1, **kw).fit(x, y)
    b = MLPClassifier(**kw).partial_fit(x, y)
    assert np.array_equal(a.predict_proba(x), b.predict_proba(x))
    assert np.array_equal(a.history(), b.history())


def test_mlp_state_survives_a_round_trip():
    x, y = _blobs(n=800, d=5, seed=6)
    kw = dict(hidden_layer_sizes=(10,), learning_rate=0.01, batch_size=16, seed=2,
              partial_buffer=128)
    a = MLPClassifier(**kw).partial_fit(x[:300], y[:300], classes=range(4))
    b = MLPClassifier().state_load(a.state_save())
    assert b.partial_buffer == 128
    for m in (a, b):
        m.partial_fit(x[300:], y[300:])
    assert np.array_equal(a.predict_proba(x), b.predict_proba(x))
    assert (a.predict(x) == y).mean() > 0.8


def test_mlp_partial_fit_classes_fix_the_class_count():
    x, y = _blobs(n=200, d=3, seed=1)
    m = MLPClassifier(hidden_layer_sizes=(5,))
    m.partial_fit(x[y == 0], y[y == 0], classes=[0, 1, 2, 3])
    assert m.n_outputs_ == 4
    m.partial_fit(x, y)
    with pytest.raises(ValueError):
        MLPClassifier().partial_fit(x, y, classes=[-1, 0])
