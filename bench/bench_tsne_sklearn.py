#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""scikit-learn side of genre-bench-tsne (bench/bench_tsne.c runs it).

Reads the n x d input (raw little-endian doubles, the 10 PCA components
libgenre computed), runs scikit-learn 1.2's TSNE with the settings libgenre's
defaults correspond to (Barnes-Hut, angle 0.5, PCA init, perplexity 30,
early exaggeration 12, learning_rate="auto", 1,000 iterations,
random_state=0), and writes the wall time of fit_transform followed by the
n x 2 embedding, as raw little-endian doubles, to <out>. Prints
`sklearn_seconds <s>` and `sklearn_kl_reported <kl>` (scikit-learn's own,
approximate, KL).

Usage: bench_tsne_sklearn.py <in> <n> <d> <out>
"""
import sys
import time

import numpy as np
from sklearn.manifold import TSNE


def main():
    path, n, d, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    x = np.fromfile(path, dtype="<f8").reshape(n, d)
    tsne = TSNE(n_components=2, perplexity=30.0, early_exaggeration=12.0,
                learning_rate="auto", n_iter=1000, init="pca", method="barnes_hut",
                angle=0.5, random_state=0)
    t0 = time.perf_counter()
    y = tsne.fit_transform(x)
    seconds = time.perf_counter() - t0
    with open(out, "wb") as f:
        np.array([seconds], dtype="<f8").tofile(f)
        np.ascontiguousarray(y, dtype="<f8").tofile(f)
    print(f"sklearn_seconds {seconds:.3f}")
    print(f"sklearn_kl_reported {tsne.kl_divergence_:.6f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
