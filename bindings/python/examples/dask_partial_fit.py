#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scaler, PCA and LDA fitted by Dask workers (issue 20): every worker reduces
its partitions to partial states, ships them as bytes, and the client merges
them in partition order (deterministic) and fits. Two rounds: the scaler first,
then PCA and LDA on the scaled rows. By default on a LocalCluster of 2 worker
processes on loopback (no dashboard); --scheduler tcp://host:8786 uses a
running cluster instead (its workers must import genre: docs/scale-out.md)."""
import argparse, contextlib, os, sys, tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import numpy as np
import dask, dask.array as da
from dask.distributed import Client, LocalCluster, wait
import genre

MASK = [True] * 6 + [False] + [True] * 2 + [False] + [True] * 3   # key, mode: codes
TIMEOUT = 120                                  # seconds: a lost worker fails, never hangs


def scaler_state(x):                           # on a worker: one partition -> bytes
    return genre.StandardScaler(mask=MASK).partial_fit(x, finalize=False).state_save()


def pca_lda_states(scaler_bytes, x, y):        # the fitted scaler travels as bytes too
    z = genre.StandardScaler.from_bytes(scaler_bytes).transform(x)
    return (genre.PCA().partial_fit(z, finalize=False).state_save(),
            genre.LDA().partial_fit(z, y, finalize=False).state_save())


def run(client, tasks):
    """The tasks' results in task order; a lost or failing worker raises."""
    futures = client.compute(tasks)            # one future per partition
    wait(futures, timeout=TIMEOUT)
    return client.gather(futures)


def merged(model, blobs):
    """model fitted from the states, merged in partition order: the same bits
    whichever worker built which state."""
    model.state_load(blobs[0], finalize=False)
    for b in blobs[1:]:                        # partition 0's rows, then 1's, ...
        model.merge(type(model)().state_load(b, finalize=False), finalize=False)
    return model.finalize()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scheduler")
    ap.add_argument("table", nargs="?", default=os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "..", "..", "..", "tests", "fixtures", "real_split.csv.gz"))
    args = ap.parse_args()
    table = np.loadtxt(args.table, delimiter=",", skiprows=1)   # set, label, 13 features
    x, y = table[:, 2:], table[:, 1].astype(np.int32)
    rows = -(-len(x) // 4)                             # 4 partitions of rows
    xs = da.from_array(x, chunks=(rows, x.shape[1])).to_delayed()[:, 0]
    ys = da.from_array(y, chunks=rows).to_delayed()
    with tempfile.TemporaryDirectory() as tmp, \
         (contextlib.nullcontext(args.scheduler) if args.scheduler else
          LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                       dashboard_address=None, local_directory=tmp,
                       death_timeout=TIMEOUT)) as cluster, \
         Client(cluster, timeout=TIMEOUT) as client:
        blobs = run(client, [dask.delayed(scaler_state)(b) for b in xs])
        scaler = merged(genre.StandardScaler(mask=MASK), blobs)
        pairs = run(client, [dask.delayed(pca_lda_states)(scaler.to_bytes(), xb, yb)
                             for xb, yb in zip(xs, ys)])
        pca = merged(genre.PCA(n_components=5), [p[0] for p in pairs])
        lda = merged(genre.LDA(n_components=3), [p[1] for p in pairs])
    z = scaler.transform(x)                            # the same fits in memory
    for name, a, b in (("scaler var", scaler.var_, genre.StandardScaler(mask=MASK).fit(x).var_),
                       ("PCA variances", pca.explained_variance_,
                        genre.PCA(n_components=5).fit(z).explained_variance_),
                       ("LDA means", lda.means_, genre.LDA(n_components=3).fit(z, y).means_)):
        print("%-14s max relative difference to the in-memory fit %.1e"
              % (name, np.max(np.abs(a - b)) / np.max(np.abs(b))))
    print("%d rows in 4 partitions; LDA explained variance (top 3): %s"
          % (lda.n_rows_seen_, np.round(lda.explained_variance_ratio_[:3], 3)))


if __name__ == "__main__":                     # workers are spawned processes
    main()
