#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""pandas + scikit-learn side of genre-bench-scale (bench/bench_scale.c runs it).

What a user would write to stream a table larger than memory, with the
settings issue 19 fixes: pandas read_csv(chunksize=100_000), per chunk the
same cleaning as the C side (blank rows dropped, `?` in tempo and -1 in
duration_ms missing, filled with the first chunk's medians; key, mode and the
genre as the reference schema's codes), on the same 13 features (11
continuous, key and mode codes):

  pass    StandardScaler.partial_fit + IncrementalPCA(batch_size=100_000)
          .partial_fit + the LDA statistics (per class: count, sum, X^T X)
          in numpy;
  kmeans  MiniBatchKMeans(n_clusters=3, batch_size=100_000, n_init=1)
          .partial_fit on the rows standardized by the first chunk's scaler;
  mlp     MLPClassifier(hidden_layer_sizes=(20, 15)).partial_fit, one call
          per chunk (one epoch), on the same standardized rows.

Prints `seconds <wall time from opening the file to the last fit>` and
`rows <rows used>`. Usage: bench_scale_sklearn.py pass|kmeans|mlp <csv[.gz]>
"""
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import IncrementalPCA
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

CHUNK = 100_000
CONT = ["popularity", "acousticness", "danceability", "duration_ms", "energy",
        "instrumentalness", "liveness", "loudness", "speechiness", "tempo", "valence"]
KEYS = {k: i for i, k in enumerate(
    ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"])}
MODES = {"Minor": 0, "Major": 1}
GENRES = {g: i for i, g in enumerate(
    ["Electronic", "Anime", "Jazz", "Alternative", "Country", "Rap", "Blues", "Rock",
     "Classical", "Hip-Hop"])}


def chunks(path):
    medians = None
    for c in pd.read_csv(path, chunksize=CHUNK, na_values={"tempo": ["?"]}):
        c = c.dropna(how="all")
        c.loc[c["duration_ms"] == -1, "duration_ms"] = np.nan
        if medians is None:
            medians = c[CONT].median()
        num = c[CONT].fillna(medians).to_numpy(dtype=np.float64)
        key = c["key"].map(KEYS).to_numpy(dtype=np.float64)
        mode = c["mode"].map(MODES).to_numpy(dtype=np.float64)
        x = np.column_stack([num, key, mode])
        y = c["music_genre"].map(GENRES).to_numpy(dtype=np.int64)
        yield x, y


def run_pass(path):
    scaler = StandardScaler()
    ipca = IncrementalPCA(batch_size=CHUNK)
    k, d = len(GENRES), 13
    counts = np.zeros(k)
    sums = np.zeros((k, d))
    moments = np.zeros((k, d, d))
    rows = 0
    for x, y in chunks(path):
        scaler.partial_fit(x)
        ipca.partial_fit(x)
        for g in range(k):
            xg = x[y == g]
            counts[g] += xg.shape[0]
            sums[g] += xg.sum(axis=0)
            moments[g] += xg.T @ xg
        rows += x.shape[0]
    return rows


def run_kmeans(path):
    km = MiniBatchKMeans(n_clusters=3, batch_size=CHUNK, n_init=1, random_state=0)
    scaler = None
    rows = 0
    for x, _ in chunks(path):
        if scaler is None:
            scaler = StandardScaler().fit(x)
        km.partial_fit(scaler.transform(x))
        rows += x.shape[0]
    return rows


def run_mlp(path):
    mlp = MLPClassifier(hidden_layer_sizes=(20, 15), random_state=0)
    classes = np.arange(len(GENRES))
    scaler = None
    rows = 0
    for x, y in chunks(path):
        if scaler is None:
            scaler = StandardScaler().fit(x)
        mlp.partial_fit(scaler.transform(x), y, classes=classes)
        rows += x.shape[0]
    return rows


def main():
    mode, path = sys.argv[1], sys.argv[2]
    fn = {"pass": run_pass, "kmeans": run_kmeans, "mlp": run_mlp}[mode]
    t0 = time.perf_counter()
    rows = fn(path)
    print("seconds %.6f" % (time.perf_counter() - t0))
    print("rows %d" % rows)


if __name__ == "__main__":
    main()
