# SPDX-License-Identifier: GPL-3.0-or-later
"""Agreement with scikit-learn 1.2 where the C tests show it (same
tolerances as tests/test_*_real.c and tests/test_metrics.c)."""
import numpy as np
import pytest

import genre
from conftest import MASK

sk = pytest.importorskip("sklearn")
from sklearn.decomposition import PCA as SkPCA  # noqa: E402
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as SkLDA  # noqa: E402
from sklearn import metrics as skm  # noqa: E402
from sklearn.preprocessing import StandardScaler as SkScaler  # noqa: E402


def up_to_sign(a, b):
    """max |a - s b| with one sign per column, chosen from b's largest entry."""
    s = np.sign(a[np.argmax(np.abs(b), axis=0), range(b.shape[1])] *
                b[np.argmax(np.abs(b), axis=0), range(b.shape[1])])
    return np.max(np.abs(a - s * b))


@pytest.fixture(scope="module")
def scaled(split):
    xtr, ytr, xte, yte = split
    s = genre.StandardScaler(mask=MASK).fit(xtr)
    return s, s.transform(xtr), ytr, s.transform(xte), yte


def test_scaler(split, scaled):
    s, ztr, *_ = scaled
    ref = SkScaler().fit(split[0][:, MASK])
    np.testing.assert_allclose(s.mean_[MASK], ref.mean_, rtol=1e-12, atol=0)
    np.testing.assert_allclose(s.scale_[MASK], ref.scale_, rtol=1e-12, atol=0)
    assert np.all(s.mean_[~MASK] == 0) and np.all(s.scale_[~MASK] == 1)
    np.testing.assert_allclose(ztr[:, MASK], ref.transform(split[0][:, MASK]), atol=1e-12)


def test_pca(scaled):
    _, ztr, _, zte, _ = scaled
    cols = [c for c in range(13) if c != 6]  # without key, as tests/test_pca_real.c
    ptr_, pte = ztr[:, cols], zte[:, cols]
    with genre.PCA() as p:
        p.fit(ptr_)
        ref = SkPCA(svd_solver="full").fit(ptr_)
        assert np.max(np.abs(p.explained_variance_ratio_ - ref.explained_variance_ratio_)) <= 1e-9
        assert np.max(np.abs(p.mean_ - ref.mean_)) <= 1e-12
        assert up_to_sign(p.components_.T, ref.components_.T) <= 1e-8
        assert up_to_sign(p.transform(pte), ref.transform(pte)) <= 1e-8


def test_lda(scaled):
    _, ztr, ytr, zte, yte = scaled
    with genre.LinearDiscriminantAnalysis() as lda:
        proj = lda.fit_transform(ztr, ytr)
        ref = SkLDA(solver="svd").fit(ztr, ytr)
        assert np.max(np.abs(lda.explained_variance_ratio_ -
                             ref.explained_variance_ratio_)) <= 1e-9
        assert up_to_sign(lda.transform(zte), ref.transform(zte)) <= 1e-8
        assert up_to_sign(proj[::225][:200], ref.transform(ztr)[::225][:200]) <= 1e-8
        np.testing.assert_allclose(lda.explained_variance_ratio_[:3], [0.64, 0.17, 0.11],
                                   atol=0.01)
        assert np.mean(lda.predict(zte) == ref.predict(zte)) > 0.99


def test_metrics(scaled):
    _, ztr, ytr, zte, yte = scaled
    p = genre.LDA().fit(ztr, ytr).predict_proba(zte)
    for avg in ("macro", "weighted"):
        assert abs(genre.metrics.roc_auc_ovr(yte, p, avg) -
                   skm.roc_auc_score(yte, p, multi_class="ovr", average=avg)) <= 1e-12
    per = genre.metrics.roc_auc_ovr(yte, p, None)
    for k in range(10):
        assert abs(per[k] - skm.roc_auc_score(yte == k, p[:, k])) <= 1e-12
        assert abs(genre.metrics.roc_auc_score(yte, p[:, k], k) - per[k]) <= 1e-15
    fpr, tpr, thr = genre.metrics.roc_curve(yte, p[:, 3], positive_label=3)
    rf, rt, _ = skm.roc_curve(yte == 3, p[:, 3])
    np.testing.assert_allclose(fpr, rf, atol=1e-12)
    np.testing.assert_allclose(tpr, rt, atol=1e-12)
    assert abs(genre.metrics.log_loss(yte, p) - skm.log_loss(yte, p, labels=range(10))) <= 1e-12
    pred = p.argmax(1).astype(np.int32)
    assert genre.metrics.accuracy_score(yte, pred) == skm.accuracy_score(yte, pred)
    assert np.array_equal(genre.metrics.confusion_matrix(yte, pred, 10),
                          skm.confusion_matrix(yte, pred, labels=range(10)))


def test_silhouette():
    rng = np.random.RandomState(7)
    x = np.vstack([rng.randn(60, 3) + c for c in (0, 4, 8)])
    lab = np.repeat(np.arange(3), 60).astype(np.int32)
    np.testing.assert_allclose(genre.metrics.silhouette_samples(x, lab),
                               skm.silhouette_samples(x, lab), atol=1e-12)
    assert abs(genre.metrics.silhouette_score(x, lab) - skm.silhouette_score(x, lab)) <= 1e-12


def test_kmeans(scaled):
    """k-means on the LDA 2-D projection (5,000 training rows): the same
    partition and inertia as scikit-learn's KMeans, and silhouettes of the same
    labels equal to scikit-learn's, as the C tests show for the full set."""
    from sklearn.cluster import KMeans as SkKMeans
    _, ztr, ytr, _, _ = scaled
    with genre.LinearDiscriminantAnalysis(n_components=2) as lda:
        x = np.ascontiguousarray(lda.fit_transform(ztr, ytr)[::9])
    with genre.KMeans(n_clusters=3, n_init=10, seed=1) as km:
        labels = km.fit_predict(x)
        inertia = float(np.sum((x - km.cluster_centers_[labels]) ** 2))
    ref = SkKMeans(n_clusters=3, n_init=10, random_state=0).fit(x)
    assert skm.adjusted_rand_score(labels, ref.labels_) > 0.999
    assert abs(inertia - ref.inertia_) <= 1e-6 * ref.inertia_
    assert abs(genre.metrics.silhouette_score(x, labels) -
               skm.silhouette_score(x, labels)) <= 1e-9
