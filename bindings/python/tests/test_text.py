# SPDX-License-Identifier: GPL-3.0-or-later
"""The text module and CSR input to the MLP, from Python."""
import pickle

import numpy as np
import pytest

import genre

sp = pytest.importorskip("scipy.sparse")

NAMES = [("Björk", "Jóga"), ("Daft Punk", "One More Time"), ("Miles Davis", "So What"),
         ("Björk", "Hyperballad"), ("Daft Punk", "Around the World"), (None, ""),
         ("Bach", "Goldberg Variations"), ("Miles Davis", "Blue in Green")]


def test_hash_matches_scikit_learn_murmurhash3():
    mm = pytest.importorskip("sklearn.utils").murmurhash3_32
    for key, seed in [("", 0), ("", 1), ("hello", 0), ("björk", 42), ("x" * 37, 7)]:
        assert genre.text_hash(key, seed) == mm(key.encode(), seed, positive=True)
    assert genre.text_hash("hello") == 0x248BFA47


def test_hasher_rows_are_unit_norm_and_counted():
    t = genre.TextHasher(n_buckets=1 << 10)
    X = t.fit_transform(NAMES)
    assert sp.issparse(X) and X.shape == (len(NAMES), 2 << 10)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    assert np.allclose(norms[[0, 1, 2, 3, 4, 6, 7]], 1.0) and norms[5] == 0.0
    assert t.n_fields_ == 2 and t.empty_ == 2 and t.invalid_utf8_ == 0
    # artist columns [0, 1024), track columns [1024, 2048): the same artist,
    # the same artist columns
    a0 = set(X[0].indices[X[0].indices < 1024])
    assert a0 and a0 == set(X[3].indices[X[3].indices < 1024])


def test_invalid_utf8_is_counted_not_fatal():
    t = genre.TextHasher(n_buckets=256).fit([b"ok", b"bad\xff\xfe", b""])
    assert t.invalid_utf8_ == 1 and t.empty_ == 1


def test_hasher_pickles_and_reloads_identically():
    t = genre.TextHasher(n_buckets=512, ngram_min=3, ngram_max=3).fit(NAMES)
    u = pickle.loads(pickle.dumps(t))
    assert u.ngram_min == 3 and u.n_buckets == 512
    assert (t.transform(NAMES) != u.transform(NAMES)).nnz == 0


def test_unfitted_transform_raises_bad_state():
    with pytest.raises(genre.BadStateError):
        genre.TextHasher().transform(["x"])


def _blobs(n=300, seed=3):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n).astype(np.int32)
    X = rng.normal(size=(n, 6)) * 0.5
    X[np.arange(n), y] += 2.0
    X[rng.random((n, 6)) < 0.4] = 0.0  # some structural zeros
    return X, y


def test_csr_fit_equals_dense_fit_in_exact_update_mode():
    X, y = _blobs()
    common = dict(hidden_layer_sizes=(5,), epochs=20, batch_size=32, seed=9,
                  learning_rate=0.01)
    dense = genre.MLPClassifier(**common).fit(X, y)
    sparse = genre.MLPClassifier(sparse_update=0, **common).fit(sp.csr_matrix(X), y)
    assert np.allclose(dense.predict_proba(X), sparse.predict_proba(sp.csr_matrix(X)),
                       rtol=0, atol=1e-12)
    assert np.array_equal(dense.predict(X), sparse.predict(sp.csr_matrix(X)))
    # a CSR-fit model predicts dense rows too, and hidden activations agree
    assert np.allclose(sparse.predict_proba(X), dense.predict_proba(X), atol=1e-12)
    h = sparse.transform_hidden(sp.csr_matrix(X))
    assert h.shape == (len(X), 5) and (h >= 0).all()
    assert np.allclose(h, sparse.transform_hidden(X), atol=1e-12)


def test_names_plus_audio_columns_and_learning():
    X, y = _blobs()
    names = [("artist%d" % (i % 3 if i % 2 else 9), "t%d" % i) for i in range(len(y))]
    t = genre.TextHasher(n_buckets=256)
    Z = genre.append_dense(t.fit_transform(names), X)
    assert Z.shape == (len(y), 512 + 6)
    assert np.allclose(Z[:, 512:].toarray(), X)
    m = genre.MLPClassifier(hidden_layer_sizes=(8,), epochs=30, seed=1,
                            learning_rate=0.01).fit(Z, y)
    assert (m.predict(Z) == y).mean() > 0.9


def test_csr_structure_errors_name_the_problem():
    X, y = _blobs(40)
    bad = genre.Csr(np.array([0, 2] + [2] * 39), np.array([0, 99], dtype=np.uint32),
                    np.array([1.0, 1.0]), (40, 6))
    with pytest.raises(genre.InvalidArgError, match="99"):
        genre.MLPClassifier(epochs=1).fit(bad, y)
    nan = sp.csr_matrix(X)
    nan.data[3] = np.nan
    with pytest.raises(genre.NonfiniteError):
        genre.MLPClassifier(epochs=1).fit(nan, y)


def test_csr_indptr_past_the_arrays_is_refused():
    # 1.0: the library gets the arrays' length and refuses an indptr that
    # points past them (0.x read past indices/data).
    X, y = _blobs(40)
    past = genre.Csr(np.array([0, 2] + [5] * 39), np.array([0, 1], dtype=np.uint32),
                     np.array([1.0, 1.0]), (40, 6))
    with pytest.raises(genre.InvalidArgError, match="above nnz = 2"):
        genre.MLPClassifier(epochs=1).fit(past, y)
    fitted = genre.MLPClassifier(epochs=1).fit(sp.csr_matrix(X), y)
    with pytest.raises(genre.InvalidArgError, match="above nnz = 2"):
        fitted.predict_proba(past)
    with pytest.raises(genre.InvalidArgError, match="above nnz = 2"):
        genre.append_dense(past, X)
