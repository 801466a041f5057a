# SPDX-License-Identifier: GPL-3.0-or-later
"""Partial states merged by Dask (issue 20, item 6): a LocalCluster of two
worker processes on loopback fits the scaler, PCA and LDA over four partitions
of the frozen split's training rows; the states travel as bytes and the client
merges them in partition order. Checked against the in-memory fits (1e-12
relative, the distributed fits' tolerance) and, bit for bit, against the same
merges done in this process. Skipped without dask.distributed (Debian's
python3-distributed), except under GENRE_BINDINGS_CI=1, where it fails."""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import genre
from conftest import CI, MASK

if CI:  # CI installs it (.ci/install-deps.sh): there a missing module fails, never skips
    try:
        import distributed  # noqa: F401
    except ImportError as e:
        pytest.fail("GENRE_BINDINGS_CI=1 and no dask.distributed (Debian: python3-distributed,"
                    " in .ci/install-deps.sh): %s" % e, pytrace=False)
else:
    pytest.importorskip("distributed")
import cloudpickle  # noqa: E402 - a dependency of distributed
import dask  # noqa: E402
import dask.array as da  # noqa: E402
from dask.distributed import Client, LocalCluster, wait  # noqa: E402
from distributed import KilledWorker  # noqa: E402

# The workers unpickle the task functions by value: they need not import this
# test module (only genre, from the sys.path the spawned workers inherit).
cloudpickle.register_pickle_by_value(sys.modules[__name__])

pytestmark = pytest.mark.filterwarnings(  # Debian's tornado 6.2 under distributed 2022.12
    "ignore:make_current is deprecated:DeprecationWarning")

TIMEOUT = 60  # seconds for any one step: a lost worker fails the test, never hangs it
PARTS = 4


@pytest.fixture(scope="module")
def client():
    """Two single-threaded worker processes (spawned), scheduler on 127.0.0.1,
    no dashboard; closed at the end of the module whatever happened."""
    cfg = {"distributed.scheduler.allowed-failures": 0,  # a dead worker fails its task now
           "distributed.comm.timeouts.connect": "%ds" % TIMEOUT}
    with dask.config.set(cfg), tempfile.TemporaryDirectory() as tmp, \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         host="127.0.0.1", dashboard_address=None, local_directory=tmp,
                         death_timeout=TIMEOUT) as cluster, \
            Client(cluster, timeout=TIMEOUT) as c:
        c.wait_for_workers(2, timeout=TIMEOUT)
        yield c
        pids = list(c.run(os.getpid).values())  # the workers now (after any restart)
        c.close(timeout=TIMEOUT)
        cluster.close(timeout=TIMEOUT)
    assert pids and not [p for p in pids if alive(p)], "worker processes left behind"


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# ---- run on the workers ------------------------------------------------------

def scaler_state(x):
    return os.getpid(), genre.StandardScaler(mask=MASK).partial_fit(x, finalize=False).state_save()


def pca_lda_states(scaler_bytes, x, y):
    z = genre.StandardScaler.from_bytes(scaler_bytes).transform(x)
    return (os.getpid(), genre.PCA().partial_fit(z, finalize=False).state_save(),
            genre.LDA().partial_fit(z, y, finalize=False).state_save())


def die(x):  # a worker process that crashes mid-task
    os._exit(3)


# ---- on the client ------------------------------------------------------------

def run(client, tasks):
    futures = client.compute(tasks)
    wait(futures, timeout=TIMEOUT)
    return client.gather(futures)


def merged(model, blobs):
    model.state_load(blobs[0], finalize=False)
    for b in blobs[1:]:  # partition order
        model.merge(type(model)().state_load(b, finalize=False), finalize=False)
    return model.finalize()


def rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


def rows_per_part(n):
    return -(-n // PARTS)


def partitions(a):
    """a's rows as PARTS Dask partitions (delayed blocks of a dask.array)."""
    chunks = (rows_per_part(len(a)),) + a.shape[1:]
    return list(da.from_array(a, chunks=chunks).to_delayed().ravel())


def test_scaler_pca_lda_over_four_partitions(client, split):
    x, y = split[0], split[1]
    xs, ys = partitions(x), partitions(y)
    assert len(xs) == len(ys) == PARTS

    out = run(client, [dask.delayed(scaler_state)(b) for b in xs])
    scaler = merged(genre.StandardScaler(mask=MASK), [b for _, b in out])
    fit = dask.delayed(pca_lda_states)
    out2 = run(client, [fit(scaler.to_bytes(), xb, yb) for xb, yb in zip(xs, ys)])
    pca = merged(genre.PCA(), [o[1] for o in out2])
    lda = merged(genre.LDA(), [o[2] for o in out2])
    pids = {o[0] for o in out + out2}
    assert os.getpid() not in pids  # the states crossed process boundaries
    assert scaler.n_rows_seen_ == pca.n_rows_seen_ == lda.n_rows_seen_ == len(x)

    # The in-memory fits of all rows. PCA and LDA are compared on the rows
    # the workers saw (scaled by the merged scaler: transform is row-wise).
    ref = genre.StandardScaler(mask=MASK).fit(x)
    assert rel(scaler.mean_, ref.mean_) <= 1e-12
    assert rel(scaler.var_, ref.var_) <= 1e-12
    assert rel(scaler.scale_, ref.scale_) <= 1e-12
    z = scaler.transform(x)
    rpca = genre.PCA().fit(z)
    assert rel(pca.mean_, rpca.mean_) <= 1e-12
    assert rel(pca.explained_variance_, rpca.explained_variance_) <= 1e-12
    assert rel(pca.components_, rpca.components_) <= 1e-12
    rlda = genre.LDA().fit(z, y)
    assert np.array_equal(lda.classes_, rlda.classes_)
    assert rel(lda.means_, rlda.means_) <= 1e-12
    assert rel(lda.priors_, rlda.priors_) <= 1e-12
    assert rel(lda.explained_variance_ratio_, rlda.explained_variance_ratio_) <= 1e-12
    # The scalings: the three strongest discriminants to 1e-12; all nine to
    # twice the in-memory fit's own row-order noise (as test_partial_fit and
    # the C suite stream_linear: the weakest is ill-conditioned; measured
    # 8e-13 for the merge, 9e-13 for the fit of the rows in reverse).
    assert rel(lda.scalings_[:, :3], rlda.scalings_[:, :3]) <= 1e-12
    noise = rel(genre.LDA().fit(z[::-1], y[::-1]).scalings_, rlda.scalings_)
    assert rel(lda.scalings_, rlda.scalings_) <= max(1e-12, 2 * noise)
    assert rel(lda.predict_proba(z[:500]), rlda.predict_proba(z[:500])) <= 1e-12

    # Deterministic: the same partitions reduced and merged here give the same bits.
    step = rows_per_part(len(x))
    parts = [slice(i, i + step) for i in range(0, len(x), step)]
    local = merged(genre.StandardScaler(mask=MASK), [scaler_state(x[p])[1] for p in parts])
    assert local.state_save() == scaler.state_save() and local.to_bytes() == scaler.to_bytes()
    here = [pca_lda_states(scaler.to_bytes(), x[p], y[p]) for p in parts]
    assert merged(genre.PCA(), [o[1] for o in here]).to_bytes() == pca.to_bytes()
    assert merged(genre.LDA(), [o[2] for o in here]).to_bytes() == lda.to_bytes()


def test_a_failing_partition_raises_the_library_error(client):
    x = np.ones((12, len(MASK)))
    x[7, 1] = np.nan  # partition 2 (rows 6-8)
    futures = client.compute([dask.delayed(scaler_state)(b) for b in partitions(x)])
    wait(futures, timeout=TIMEOUT)
    assert [f.status for f in futures] == ["finished", "finished", "error", "finished"]
    with pytest.raises(genre.NonfiniteError, match=r"partial_add: .* non-finite value at row 1, "
                       r"column 1 \(0-based\)"):
        client.gather(futures)


def test_a_dead_worker_fails_the_task_without_hanging(client):
    future = client.submit(die, 0, pure=False)
    with pytest.raises(KilledWorker):
        future.result(timeout=TIMEOUT)
    client.wait_for_workers(2, timeout=TIMEOUT)  # the nanny restarted it
    assert client.submit(scaler_state, np.ones((3, 2)), pure=False).result(timeout=TIMEOUT)


def test_example_runs(client):
    # On this module's cluster (--scheduler): a second cluster would double the
    # test's time; the example's own LocalCluster has the fixture's parameters.
    script = os.path.join(os.path.dirname(os.path.dirname(__file__)), "examples",
                          "dask_partial_fit.py")
    r = subprocess.run([sys.executable, script, "--scheduler", client.scheduler.address],
                       capture_output=True, text=True, timeout=4 * TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    diffs = [float(v) for v in re.findall(r"in-memory fit ([0-9.e+-]+)", r.stdout)]
    assert len(diffs) == 3 and max(diffs) <= 1e-12, r.stdout
    assert len(open(script).read().strip().splitlines()) <= 85  # short
