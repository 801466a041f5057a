#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch peer of genre-bench-mlp (run by it; Debian's python3-torch).

usage: bench_mlp_torch.py <real_split.csv.gz> <threads> <epochs> <float64|float32> [lda_dims [seed]]
       bench_mlp_torch.py --prepared <file.csv> <threads> <epochs> <float64|float32> <hidden> [seed]
Same protocol as the C side: 11 continuous columns standardized with the
training mean/std (population), key and mode codes kept, 13-20-15-10 ReLU,
softmax cross-entropy, Adam lr 0.01, batch 256, reshuffled every epoch,
in float64 (libgenre's precision) or float32 (PyTorch's default).
With lda_dims (2 or 3), the input is scikit-learn's LDA of the standardized
training rows instead, and the network is <dims>-15-10 (the LDA rows of the
issue's table; tests/fixtures/make_mlp_fixtures.py makes the test's bar).
With --prepared, the file (CSV with a header, columns set,label,features...)
is used as it is (genre-bench-mlp writes its own LDA projections there, so
both libraries train on the same input), and <hidden> gives the hidden
widths, e.g. 15 or 20,15. Prints `TORCH <fit seconds> <test macro AUROC> <test accuracy>`.
"""
import gzip
import sys
import time

import numpy as np
import torch
from sklearn.metrics import accuracy_score, roc_auc_score


def main():
    prepared = sys.argv[1] == "--prepared"
    args = sys.argv[2:] if prepared else sys.argv[1:]
    path, threads, epochs = args[0], int(args[1]), int(args[2])
    dtype = torch.float64 if args[3] == "float64" else torch.float32
    torch.set_num_threads(threads)
    torch.manual_seed(20261125)
    if path.endswith(".gz"):
        with gzip.open(path, "rt") as f:
            a = np.loadtxt(f, delimiter=",", skiprows=1)
    else:
        a = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    train, test = a[a[:, 0] == 0], a[a[:, 0] == 1]
    xtr, ytr = train[:, 2:].copy(), train[:, 1].astype(np.int64)
    xte, yte = test[:, 2:].copy(), test[:, 1].astype(np.int64)
    if prepared:
        hidden = [int(h) for h in args[4].split(",")]
        if len(args) > 5:
            torch.manual_seed(int(args[5]))
    else:
        for j in range(13):
            if j in (6, 9):
                continue
            m, s = xtr[:, j].mean(), xtr[:, j].std()
            xtr[:, j] = (xtr[:, j] - m) / s
            xte[:, j] = (xte[:, j] - m) / s
        hidden = [20, 15]
        if len(args) > 4:
            from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
            dims = int(args[4])
            if len(args) > 5:
                torch.manual_seed(int(args[5]))
            lda = LinearDiscriminantAnalysis(n_components=dims).fit(xtr, ytr)
            xtr, xte = lda.transform(xtr), lda.transform(xte)
            hidden = [15]
    layers, width = [], xtr.shape[1]
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    net = torch.nn.Sequential(*layers, torch.nn.Linear(width, 10)).to(dtype)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    X, Y = torch.from_numpy(xtr).to(dtype), torch.from_numpy(ytr)
    n = X.shape[0]
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        for i in range(0, n, 256):
            idx = perm[i:i + 256]
            opt.zero_grad()
            loss = loss_fn(net(X[idx]), Y[idx])
            loss.backward()
            opt.step()
    t = time.perf_counter() - t0
    with torch.no_grad():
        p = torch.softmax(net(torch.from_numpy(xte).to(dtype)), dim=1).double().numpy()
    print("TORCH %.6f %.6f %.6f" % (t, roc_auc_score(yte, p, multi_class="ovr"),
                                    accuracy_score(yte, p.argmax(axis=1))))


if __name__ == "__main__":
    main()
