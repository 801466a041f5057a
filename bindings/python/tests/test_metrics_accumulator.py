# SPDX-License-Identifier: GPL-3.0-or-later
"""genre.metrics.MetricsAccumulator: streamed scores give exactly the
in-memory AUROC and accuracy; merges and shipped bytes too."""
import numpy as np
import pytest

import genre
from genre import metrics


def _data(n=600, k=4, seed=3):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n).astype(np.int32)
    p = np.floor((rng.random((n, k)) + 0.3 * (np.arange(k) == y[:, None])) * 30) / 30
    return y, p


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_exact_over_chunks(chunk):
    y, p = _data()
    acc = metrics.MetricsAccumulator(4)
    for i in range(0, len(y), chunk):
        acc.add(y[i:i + chunk], p[i:i + chunk])
    assert len(acc) == len(y)
    for avg in ("macro", "micro", "weighted"):
        assert acc.roc_auc(avg) == metrics.roc_auc_ovr(y, p, avg)
    assert np.array_equal(acc.roc_auc(None), metrics.roc_auc_ovr(y, p, None))
    assert acc.accuracy() == metrics.accuracy_score(y, np.argmax(p, axis=1))


def test_merge_and_bytes():
    y, p = _data()
    a, b = metrics.MetricsAccumulator(4), metrics.MetricsAccumulator(4)
    a.add(y[:250], p[:250])
    b.add(y[250:], p[250:], y_pred=y[250:])
    b = metrics.MetricsAccumulator.from_bytes(b.to_bytes())
    a.merge(b)
    assert a.roc_auc("macro") == metrics.roc_auc_ovr(y, p, "macro")
    pred = np.concatenate([np.argmax(p[:250], axis=1), y[250:]])
    assert a.accuracy() == metrics.accuracy_score(y, pred)
    with pytest.raises(ValueError):
        a.merge(a)
    with pytest.raises(genre.GenreError):
        a.merge(metrics.MetricsAccumulator(3))
    with pytest.raises(genre.GenreError):
        metrics.MetricsAccumulator.from_bytes(b"\x00" * 40)
