#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""scikit-learn side of genre-bench-linear (bench/bench_linear.c runs it).

Times, on the frozen split's 45,000 x 13 training matrix, the same three fits
the C side times: StandardScaler on the 13 columns (the 11 continuous ones are
what matters; key and mode are excluded by libgenre's mask, scikit-learn would
need a ColumnTransformer, so it scales the 11 columns), PCA (default solver)
on the 12 standardized columns without key, and LinearDiscriminantAnalysis
(default svd solver) on the 13 standardized columns. Each fit is repeated
and the median wall time printed as `sklearn_<fit>_ms <value>`.

Usage: bench_linear_sklearn.py <real_split.csv.gz> <repeats>
"""
import gzip
import sys
import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.preprocessing import StandardScaler

KEY, MODE = 6, 9
CONT = [j for j in range(13) if j not in (KEY, MODE)]
PCA_COLS = [j for j in range(13) if j != KEY]


def median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000.0 * float(np.median(times))


def main():
    path, repeats = sys.argv[1], int(sys.argv[2])
    with gzip.open(path, "rt") as f:
        f.readline()
        rows = [line.split(",") for line in f]
    train = np.array([r[0] == "0" for r in rows])
    y = np.array([int(r[1]) for r in rows])[train]
    x = np.array([[float(v) for v in r[2:]] for r in rows])[train]
    z = x.copy()
    z[:, CONT] = StandardScaler().fit_transform(x[:, CONT])
    p = np.ascontiguousarray(z[:, PCA_COLS])
    xc = np.ascontiguousarray(x[:, CONT])

    print(f"sklearn_rows {x.shape[0]}")
    print(f"sklearn_scaler_ms {median_ms(lambda: StandardScaler().fit(xc), repeats):.4f}")
    print(f"sklearn_pca_ms {median_ms(lambda: PCA().fit(p), repeats):.4f}")
    print(f"sklearn_lda_ms "
          f"{median_ms(lambda: LinearDiscriminantAnalysis().fit(z, y), repeats):.4f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
