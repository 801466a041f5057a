#!/usr/bin/python3
# Runs the bench programs (build/bench/genre-bench-<name>) and rewrites the
# generated blocks of docs/benchmarks.md: one block per bench, between
# "<!-- BEGIN GENERATED bench=<name> ... -->" and "<!-- END GENERATED
# bench=<name> -->". Everything outside the blocks is hand-written and kept.
# A bench that is not run this time keeps its block, with its own date and
# load, so running one bench never discards the others' figures.
#
# Each block records what a reader needs to judge the figures: the date, the
# git commit (and whether the tree had local changes), the binary's build
# time, the machine (online CPUs, CPU model, AVX2 / AVX-512), the load
# average before and after the bench, its nice level, the bench-related
# environment, the peers found or missing, the exit status, and the
# `BENCH <name> <value> <unit>` lines it printed. Nothing is copied from an
# earlier run: a bench that is not built, or a peer that is not installed,
# is reported as such in the table.
#
# Usage (from the repository root): bench/update-benchmarks.py --help
# SPDX-License-Identifier: GPL-3.0-or-later

import argparse
import datetime
import fcntl
import os
import re
import shlex
import subprocess
import sys
import time

# Every bench the project has, in the order of docs/benchmarks.md, with the
# peers it compares against and the figures it can only print with them.
# A bench program found in the build directory but not listed here is run
# and reported too (without peer checks).
KNOWN = {
    "dataset": {"peers": ["pandas"],
                "peer_figures": ["pandas_gz_load_clean", "pandas_csv_load_clean",
                                 "dataset_csv_vs_pandas", "dataset_gz_vs_pandas"]},
    "linear": {"peers": ["sklearn"], "peer_figures": ["linear_fit_vs_sklearn"]},
    "kmeans": {"peers": ["sklearn"],
               "peer_figures": ["kmeans_sweep_silhouette_vs_sklearn"]},
    "text": {"peers": ["sklearn", "pandas"],
             "peer_figures": ["text_features_vs_sklearn"]},
    "mlp": {"peers": ["torch", "sklearn", "fann"],
            "peer_figures": []},  # prints "missing" itself
    "tsne": {"peers": ["sklearn"], "peer_figures": ["tsne_2d_vs_sklearn"]},
    "pipeline": {"peers": [], "peer_figures": []},
    "scale": {"peers": ["pandas", "sklearn"],
              "peer_figures": ["stream_pass_csv_vs_pandas_sklearn",
                               "stream_pass_gz_vs_pandas_sklearn",
                               "stream_kmeans_vs_sklearn", "stream_mlp_epoch_vs_sklearn"]},
}
# Debian package of each peer (what .ci/install-bench-deps.sh installs).
PEER_PACKAGE = {"pandas": "python3-pandas", "sklearn": "python3-sklearn",
                "torch": "python3-torch", "fann": "libfann-dev"}
BENCH_LINE = re.compile(r"^BENCH (\S+) (\S+)(?: (\S+))?\s*$")
PYTHON = "/usr/bin/python3"  # the interpreter the bench programs call


def begin_marker(name):
    return ("<!-- BEGIN GENERATED bench=%s: written by bench/update-benchmarks.py, "
            "edit outside this block -->" % name)


def end_marker(name):
    return "<!-- END GENERATED bench=%s -->" % name


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def cpu_model():
    model, flags = "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model == "unknown":
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    isa = [n for n, f in (("AVX2", "avx2"), ("FMA", "fma"), ("AVX-512F", "avx512f"))
           if f in flags]
    return model, ", ".join(isa) if isa else "no AVX2"


def git(*args):
    try:
        return subprocess.run(["git"] + list(args), capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def peer_status(peer, program):
    """'name version' when the peer is usable, else 'name: missing (...)'."""
    if peer == "fann":
        # FANN is linked into the mlp bench at build time when it was found.
        try:
            out = subprocess.run(["ldd", program], capture_output=True, text=True).stdout
        except OSError:
            out = ""
        if "libdoublefann" in out:
            return "FANN (linked)"
        return "FANN: missing (not linked; install %s and rebuild)" % PEER_PACKAGE[peer]
    label = {"sklearn": "scikit-learn", "torch": "PyTorch"}.get(peer, peer)
    code = "import %s; print(%s.__version__)" % (peer, peer)
    try:
        r = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True,
                           timeout=120)
        if r.returncode == 0:
            return "%s %s" % (label, r.stdout.strip())
    except (OSError, subprocess.TimeoutExpired):
        pass
    return "%s: missing (%s not importable in %s; package %s)" % (
        label, peer, PYTHON, PEER_PACKAGE[peer])


def find_benches(build_dir):
    d = os.path.join(build_dir, "bench")
    found = []
    if os.path.isdir(d):
        for f in sorted(os.listdir(d)):
            p = os.path.join(d, f)
            if f.startswith("genre-bench-") and os.path.isfile(p) and os.access(p, os.X_OK):
                found.append(f[len("genre-bench-"):])
    order = list(KNOWN) + [n for n in found if n not in KNOWN]
    return order, set(found)


def run_one(name, args, opts, found, machine):
    program = os.path.join(opts.build_dir, "bench", "genre-bench-" + name)
    now = datetime.datetime.now(datetime.timezone.utc)
    info = {"name": name, "date": now.strftime("%Y-%m-%d %H:%M UTC"), "figures": [],
            "program": program, "args": args, "machine": machine}
    head = git("rev-parse", "--short=12", "HEAD") or "unknown"
    # Local changes to anything but documentation make the commit inexact.
    dirty = [l for l in git("status", "--porcelain", "--untracked-files=no").splitlines()
             if not (l[3:].startswith("docs/") or l.endswith(".md"))]
    info["commit"] = head + (" with local changes to %d file%s" % (
        len(dirty), "" if len(dirty) == 1 else "s") if dirty else "")
    if name not in found:
        info["status"] = "not built (no %s)" % program
        info["load_before"] = info["load_after"] = loadavg()
        return info
    built = datetime.datetime.fromtimestamp(os.path.getmtime(program), datetime.timezone.utc)
    info["built"] = built.strftime("%Y-%m-%d %H:%M UTC")
    peers = [peer_status(p, program) for p in KNOWN.get(name, {}).get("peers", [])]
    info["peers"] = peers
    cmd = [program] + args
    if opts.nice:
        cmd = ["nice", "-n", str(opts.nice)] + cmd
    os.makedirs(opts.log_dir, exist_ok=True)
    log_path = os.path.join(opts.log_dir, "%s-%s.log" % (name, now.strftime("%Y%m%dT%H%M%SZ")))
    info["log"] = log_path
    info["load_before"] = loadavg()
    print("update-benchmarks: %s (load %s) -> %s" % (" ".join(map(shlex.quote, cmd)),
                                                     info["load_before"], log_path),
          flush=True)
    t0 = time.monotonic()
    with open(log_path, "w") as log:
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, errors="replace")
        except OSError as e:
            info["status"] = "could not start: %s" % e
            info["load_after"] = loadavg()
            return info
        timed_out = False
        try:
            for line in proc.stdout:
                log.write(line)
                if opts.verbose:
                    sys.stdout.write(line)
                m = BENCH_LINE.match(line.rstrip("\n"))
                if m:
                    info["figures"].append((m.group(1), m.group(2), m.group(3) or ""))
                if opts.timeout and time.monotonic() - t0 > opts.timeout:
                    timed_out = True
                    proc.kill()
                    break
            rc = proc.wait()
        except KeyboardInterrupt:
            proc.kill()
            proc.wait()
            raise
    info["seconds"] = time.monotonic() - t0
    info["load_after"] = loadavg()
    if timed_out:
        info["status"] = "stopped after the %d s timeout" % opts.timeout
    else:
        info["status"] = "exit status %d" % rc
    # Figures that need a missing peer: listed as missing, never filled in.
    printed = {f[0] for f in info["figures"]}
    missing_peers = [p for p in peers if ": missing" in p]
    if missing_peers:
        for fig in KNOWN.get(name, {}).get("peer_figures", []):
            if fig not in printed:
                info["figures"].append((fig, "missing (no peer)", ""))
    return info


def render(info):
    out = [begin_marker(info["name"])]
    m = info["machine"]
    call = " ".join(shlex.quote(a) for a in [info["program"]] + info["args"])
    out.append("")
    out.append("- Run: %s, commit %s, `%s`%s: %s%s." % (
        info["date"], info["commit"], call,
        " (nice %d)" % info["nice"] if info.get("nice") else "",
        info["status"],
        ", %.1f s" % info["seconds"] if "seconds" in info else ""))
    if info.get("built"):
        out.append("- Binary built %s." % info["built"])
    out.append("- Machine: %s online CPUs, %s (%s)." % (m["nproc"], m["cpu"], m["isa"]))
    out.append("- Load average (1, 5, 15 min): **%s** before, **%s** after." % (
        info["load_before"], info["load_after"]))
    env = ", ".join("`%s=%s`" % kv for kv in m["env"]) or "no `GENRE_BENCH_*` or "\
        "`OPENBLAS_NUM_THREADS` set"
    out.append("- Environment: %s." % env)
    if info.get("peers"):
        out.append("- Peers: %s." % "; ".join(info["peers"]))
    out.append("")
    if info["figures"]:
        out.append("| figure | value | unit |")
        out.append("|---|---|---|")
        for fig, value, unit in info["figures"]:
            out.append("| `%s` | %s | %s |" % (fig, value, unit))
    elif info["status"].startswith("not built"):
        out.append("Nothing measured: the program is not built.")
    else:
        out.append("No `BENCH` line was printed.")
    out.append("")
    out.append(end_marker(info["name"]))
    return "\n".join(out)


def rewrite(doc_path, blocks, order):
    with open(doc_path) as f:
        text = f.read()
    for name in order:
        if name not in blocks:
            continue
        pat = re.compile(r"<!-- BEGIN GENERATED bench=%s[:\s][^\n]*-->.*?%s" % (
            re.escape(name), re.escape(end_marker(name))), re.S)
        if pat.search(text):
            text = pat.sub(lambda _m: blocks[name], text, count=1)
        else:
            # A bench without a block yet gets a section at the end.
            text = text.rstrip("\n") + "\n\n## %s\n\n%s\n" % (name, blocks[name])
    tmp = doc_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, doc_path)


def check_blocks(doc_path):
    """Problems with the generated blocks of doc_path (an empty list if none):
    every known bench needs exactly one BEGIN and one END marker, in that
    order, with no other marker between them."""
    with open(doc_path) as f:
        text = f.read()
    problems = []
    markers = [(m.start(), m.group(1), m.group(2)) for m in re.finditer(
        r"<!-- (BEGIN|END) GENERATED bench=([\w-]+)", text)]
    open_name = None
    for _, kind, name in markers:
        if kind == "BEGIN":
            if open_name:
                problems.append("block %s opens inside block %s" % (name, open_name))
            open_name = name
        else:
            if open_name != name:
                problems.append("END of %s without its BEGIN" % name)
            open_name = None
    if open_name:
        problems.append("block %s is never closed" % open_name)
    for name in KNOWN:
        for kind in ("BEGIN", "END"):
            n = sum(1 for _, k, b in markers if k == kind and b == name)
            if n != 1:
                problems.append("%d %s markers for bench %s (need 1)" % (n, kind, name))
    return problems


def main():
    ap = argparse.ArgumentParser(
        description="Run the bench programs and rewrite the generated blocks of "
                    "docs/benchmarks.md (run from the repository root).")
    ap.add_argument("benches", nargs="*",
                    help="benches to run (default: every genre-bench-* in the build "
                         "directory, plus the known ones, reported as not built if absent)")
    ap.add_argument("--build-dir", default="build", help="CMake build directory (build)")
    ap.add_argument("--doc", default="docs/benchmarks.md", help="page to rewrite")
    ap.add_argument("--skip", default="", help="comma-separated benches not to run")
    ap.add_argument("--args", action="append", default=[], metavar="NAME=ARGS",
                    help="extra arguments for one bench, e.g. pipeline='--full --runs 1'")
    ap.add_argument("--nice", type=int, default=10, help="nice level (10; 0 = none)")
    ap.add_argument("--lock", default="/tmp/genre-bench.lock",
                    help="lock file held during the runs so benches never overlap "
                         "('' = none)")
    ap.add_argument("--timeout", type=int, default=0, help="seconds per bench (0 = none)")
    ap.add_argument("--log-dir", default=None,
                    help="full output of each run (default BUILD/bench/logs)")
    ap.add_argument("--dry-run", action="store_true",
                    help="say what would run and leave the page alone")
    ap.add_argument("-v", "--verbose", action="store_true", help="echo the benches' output")
    ap.add_argument("--check", action="store_true",
                    help="only check that the page's generated blocks are well formed "
                         "(exit status 1 if not); runs nothing")
    opts = ap.parse_args()
    if opts.log_dir is None:
        opts.log_dir = os.path.join(opts.build_dir, "bench", "logs")
    if not os.path.isfile(opts.doc):
        sys.exit("update-benchmarks: %s not found (run from the repository root)" % opts.doc)
    problems = check_blocks(opts.doc)
    if opts.check or problems:
        for p in problems:
            print("update-benchmarks: %s: %s" % (opts.doc, p), file=sys.stderr)
        if problems:
            return 1
        print("update-benchmarks: %s: %d generated blocks, well formed" % (opts.doc, len(KNOWN)))
        return 0
    order, found = find_benches(opts.build_dir)
    skip = {s for s in opts.skip.split(",") if s}
    chosen = opts.benches or [n for n in order if n not in skip]
    for n in chosen:
        if n not in order:
            order.append(n)
    extra = {}
    for a in opts.args:
        name, sep, rest = a.partition("=")
        if not sep:
            sys.exit("update-benchmarks: --args wants NAME=ARGS, got %r" % a)
        extra[name] = shlex.split(rest)
    if opts.dry_run:
        for n in chosen:
            print("%s: %s" % (n, "would run" if n in found else "not built"))
        return 0
    model, isa = cpu_model()
    env = sorted((k, v) for k, v in os.environ.items()
                 if k.startswith("GENRE_BENCH_") or k == "OPENBLAS_NUM_THREADS")
    machine = {"nproc": len(os.sched_getaffinity(0)), "cpu": model, "isa": isa, "env": env}
    lock = None
    if opts.lock:
        lock = open(opts.lock, "a")
        t = time.monotonic()
        fcntl.flock(lock, fcntl.LOCK_EX)
        if time.monotonic() - t > 1:
            print("update-benchmarks: waited %.0f s for %s" % (time.monotonic() - t, opts.lock))
    blocks = {}
    try:
        for n in chosen:
            info = run_one(n, extra.get(n, []), opts, found, machine)
            info["nice"] = opts.nice
            blocks[n] = render(info)
            print("update-benchmarks: %s: %s, %d figures, load %s -> %s" % (
                n, info["status"], len(info["figures"]), info["load_before"],
                info["load_after"]), flush=True)
            rewrite(opts.doc, {n: blocks[n]}, [n])  # after each bench: nothing lost
    finally:
        if lock:
            lock.close()
    print("update-benchmarks: rewrote %s (%s)" % (opts.doc, ", ".join(blocks)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
