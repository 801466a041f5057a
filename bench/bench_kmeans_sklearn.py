#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""scikit-learn side of genre-bench-kmeans (bench/bench_kmeans.c runs it).

Reads the points libgenre clustered (n x dim float64, raw little-endian) and
libgenre's labels for k = kmin..kmax (int32, one block of n per k), then
times on this machine:
- the k-sweep: KMeans(n_clusters=k, n_init=10, random_state=0) for every k
  (k-means++, lloyd, scikit-learn's default threads);
- silhouette_score of libgenre's labels for the k values given with --sil
  (all by default), each timed; the C side compares the values and scales
  the time when fewer k were timed.
Prints `sklearn_fit <k> <seconds> <inertia>`, `sklearn_sil <k> <seconds>
<value>` and `sklearn_sweep_s <seconds>`.

Usage: bench_kmeans_sklearn.py <points.bin> <labels.bin> <n> <dim> <kmin> <kmax>
       [k,k,...]
"""
import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score


def main():
    pts, labs = sys.argv[1], sys.argv[2]
    n, dim, kmin, kmax = (int(v) for v in sys.argv[3:7])
    sil_ks = ([int(v) for v in sys.argv[7].split(",")] if len(sys.argv) > 7
              else list(range(kmin, kmax + 1)))
    x = np.fromfile(pts, dtype="<f8").reshape(n, dim)
    y = np.fromfile(labs, dtype="<i4").reshape(kmax - kmin + 1, n)
    total = 0.0
    for k in range(kmin, kmax + 1):
        t0 = time.perf_counter()
        km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(x)
        dt = time.perf_counter() - t0
        total += dt
        print(f"sklearn_fit {k} {dt:.6f} {km.inertia_:.6f}", flush=True)
    print(f"sklearn_sweep_s {total:.6f}", flush=True)
    for k in sil_ks:
        t0 = time.perf_counter()
        s = silhouette_score(x, y[k - kmin])
        dt = time.perf_counter() - t0
        print(f"sklearn_sil {k} {dt:.6f} {s!r}", flush=True)


if __name__ == "__main__":
    main()
