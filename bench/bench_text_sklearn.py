#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""scikit-learn side of genre-bench-text (bench/bench_text.c runs it).

On the same random split as the C side (one 0/1 line per non-empty row of
the CSV, written by genre-bench-text), times:
- feature extraction: per field (artist, track) a HashingVectorizer of word
  tokens plus one of char_wb 2-4-grams (2^15 signed buckets per field, the
  two summed), the fields side by side, TfidfTransformer (smooth idf, L2)
  fit on the training rows, applied to both sides -- the work genre_text does;
- training: MLPClassifier with the study's names+audio network (the names
  with the 13 standardized audio features appended, one hidden layer of 64
  ReLU, Adam lr 3e-3, batch 256, no L2) for 2 epochs only (about 17 s an
  epoch here; scikit-learn updates every first-layer weight at every step),
  so the per-epoch time is compared.
Prints `sklearn_features_s`, `sklearn_nnz`, `sklearn_epoch_s`, `sklearn_epochs`,
`sklearn_auroc` (after those epochs).

Usage: bench_text_sklearn.py <music_genre.csv.gz> <split file> <repeats>
"""
import sys
import time
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

FEAT = ["popularity", "acousticness", "danceability", "duration_ms", "energy",
        "instrumentalness", "key", "liveness", "loudness", "mode", "speechiness",
        "tempo", "valence"]
B = 2 ** 15
EPOCHS = 2


def names(df):
    a = df["artist_name"].fillna("").astype(str).where(lambda s: s != "empty_field", "")
    return a.tolist(), df["track_name"].fillna("").astype(str).tolist()


def hashed(texts):
    w = HashingVectorizer(n_features=B, norm=None, token_pattern=r"(?u)\b\w+\b")
    c = HashingVectorizer(n_features=B, norm=None, analyzer="char_wb", ngram_range=(2, 4))
    return w.transform(texts) + c.transform(texts)


def extract(tr, te):
    (a_tr, t_tr), (a_te, t_te) = names(tr), names(te)
    x_tr = sp.hstack([hashed(a_tr), hashed(t_tr)]).tocsr()
    x_te = sp.hstack([hashed(a_te), hashed(t_te)]).tocsr()
    tf = TfidfTransformer().fit(x_tr)
    return tf.transform(x_tr), tf.transform(x_te)


def audio(tr, te):
    out = []
    for d in (tr, te):
        x = d[FEAT].copy()
        x["key"] = x["key"].astype("category").cat.codes
        x["mode"] = (x["mode"] == "Major").astype(float)
        x["tempo"] = pd.to_numeric(x["tempo"], errors="coerce")
        x.loc[x["duration_ms"] < 0, "duration_ms"] = np.nan
        out.append(x)
    med = out[0].median()
    out = [x.fillna(med).to_numpy(float) for x in out]
    s = StandardScaler().fit(out[0])
    return s.transform(out[0]), s.transform(out[1])


def main():
    path, split, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    df = pd.read_csv(path).dropna(how="all").reset_index(drop=True)
    sets = np.loadtxt(split, dtype=int)
    if len(sets) != len(df):
        sys.exit(f"split has {len(sets)} lines, the table {len(df)} rows")
    tr, te = df[sets == 0], df[sets == 1]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        n_tr, n_te = extract(tr, te)
        times.append(time.perf_counter() - t0)
    print(f"sklearn_features_s {float(np.median(times)):.4f}")
    print(f"sklearn_nnz {n_tr.nnz}")
    a_tr, a_te = audio(tr, te)
    x_tr = sp.hstack([n_tr, sp.csr_matrix(a_tr)]).tocsr()
    x_te = sp.hstack([n_te, sp.csr_matrix(a_te)]).tocsr()
    codes = {g: i for i, g in enumerate(sorted(df["music_genre"].unique()))}
    y_tr = tr["music_genre"].map(codes).to_numpy()
    y_te = te["music_genre"].map(codes).to_numpy()
    warnings.filterwarnings("ignore")  # "did not converge" after EPOCHS epochs, by design
    t0 = time.perf_counter()
    m = MLPClassifier(hidden_layer_sizes=(64,), learning_rate_init=3e-3, batch_size=256,
                      max_iter=EPOCHS, alpha=0.0, random_state=1, tol=0.0,
                      n_iter_no_change=10 ** 6).fit(x_tr, y_tr)
    print(f"sklearn_epoch_s {(time.perf_counter() - t0) / EPOCHS:.4f}")
    print(f"sklearn_epochs {EPOCHS}")
    print(f"sklearn_auroc {roc_auc_score(y_te, m.predict_proba(x_te), multi_class='ovr'):.4f}")


if __name__ == "__main__":
    main()
