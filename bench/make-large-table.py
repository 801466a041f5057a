#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes an N-row table in the reference schema (data/music_genre.csv.gz) for
the scale bench (issue 19, item 4): rows resampled from the vendored table's
non-blank records with a seeded relative jitter of at most 1 % on the numeric
columns (missing markers `?`, -1 and empty cells are kept as they are, so the
reader still has something to clean), as plain CSV and as .csv.gz.

The gzip copy is written as independent members of 64 KiB of text each (as
BGZF writes them): the streaming reader inflates such members whole with
libdeflate instead of streaming them through zlib (docs/dataset.md,
"Streaming reader").

Output goes under /tmp (never into the repository), atomically: each file is
written under a temporary name and renamed; a sidecar <csv>.meta (JSON: rows,
seed, sizes) is written last. A table whose sidecar matches the rows, the seed
and both files' sizes is reused. Prints the two paths, one per line.

    bench/make-large-table.py [--rows N] [--seed S] [--dir /tmp/genre-scale]
"""
import argparse
import csv
import gzip
import io
import json
import os
import random
import sys
import zlib

FORMAT = 1  # bump when the generated text changes
MEMBER = 64 * 1024
# Numeric columns of the reference schema and the decimals they are written with.
DECIMALS = {"popularity": 2, "acousticness": 6, "danceability": 4, "duration_ms": 0,
            "energy": 4, "instrumentalness": 6, "liveness": 4, "loudness": 3,
            "speechiness": 5, "tempo": 3, "valence": 4}
UNIT = {"acousticness", "danceability", "energy", "instrumentalness", "liveness",
        "speechiness", "valence"}
MISSING = {"", "?", "-1", "-1.0"}


def paths(directory, rows, seed):
    base = os.path.join(directory, "music_genre_%d_s%d.csv" % (rows, seed))
    return base, base + ".gz", base + ".meta"


def complete(rows, seed, csv_path, gz_path, meta_path):
    try:
        with open(meta_path) as f:
            meta = json.load(f)
        return (meta.get("format") == FORMAT and meta.get("rows") == rows
                and meta.get("seed") == seed
                and os.path.getsize(csv_path) == meta.get("csv_bytes")
                and os.path.getsize(gz_path) == meta.get("gz_bytes"))
    except (OSError, ValueError):
        return False


def source_rows(repo):
    with gzip.open(os.path.join(repo, "data", "music_genre.csv.gz"), "rt",
                   encoding="utf-8", newline="") as f:
        records = list(csv.reader(f))
    header = records[0]
    body = [r for r in records[1:] if any(r)]
    cols = [(header.index(name), dec, name in UNIT) for name, dec in DECIMALS.items()]
    # Per source row: its cells, and for each numeric column its value or None.
    out = []
    for r in body:
        vals = [None if r[c] in MISSING else float(r[c]) for c, _, _ in cols]
        out.append((r, vals))
    return header, cols, out


def generate(repo, rows, seed, csv_path, gz_path):
    header, cols, src = source_rows(repo)
    id_col = header.index("instance_id")
    rng = random.Random(seed)
    tmp_csv = "%s.tmp.%d" % (csv_path, os.getpid())
    tmp_gz = "%s.tmp.%d" % (gz_path, os.getpid())
    sio = io.StringIO()
    writer = csv.writer(sio, lineterminator="\n")
    fmt = ["%%.%df" % dec for _, dec, _ in cols]
    pending = bytearray()
    try:
        with open(tmp_csv, "wb") as fc, open(tmp_gz, "wb") as fg:
            def flush(final):
                nonlocal pending
                while len(pending) >= MEMBER or (final and pending):
                    block = bytes(pending[:MEMBER])
                    del pending[:MEMBER]
                    fc.write(block)
                    z = zlib.compressobj(6, zlib.DEFLATED, 31)  # one gzip member
                    fg.write(z.compress(block) + z.flush())

            writer.writerow(header)
            n_src = len(src)
            for i in range(rows):
                r, vals = src[rng.randrange(n_src)]
                r = list(r)
                r[id_col] = "%d.0" % (i + 1)
                for (c, _, unit), v, f in zip(cols, vals, fmt):
                    if v is None:
                        continue
                    v *= 1.0 + 0.01 * (2.0 * rng.random() - 1.0)
                    if unit:
                        v = min(max(v, 0.0), 1.0)
                    r[c] = f % v
                writer.writerow(r)
                if (i & 4095) == 4095 or i == rows - 1:
                    pending += sio.getvalue().encode("utf-8")
                    sio.seek(0)
                    sio.truncate()
                    flush(False)
            pending += sio.getvalue().encode("utf-8")
            flush(True)
        os.rename(tmp_csv, csv_path)
        os.rename(tmp_gz, gz_path)
    finally:
        for t in (tmp_csv, tmp_gz):
            if os.path.exists(t):
                os.unlink(t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=20261205)
    ap.add_argument("--dir", default="/tmp/genre-scale")
    args = ap.parse_args()
    if args.rows < 1:
        sys.exit("make-large-table.py: --rows must be at least 1")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    directory = os.path.abspath(args.dir)
    if directory == repo or directory.startswith(repo + os.sep):
        sys.exit("make-large-table.py: refusing to write into the repository")
    os.makedirs(directory, exist_ok=True)
    csv_path, gz_path, meta_path = paths(directory, args.rows, args.seed)
    if not complete(args.rows, args.seed, csv_path, gz_path, meta_path):
        if os.path.exists(meta_path):
            os.unlink(meta_path)
        generate(repo, args.rows, args.seed, csv_path, gz_path)
        meta = {"format": FORMAT, "rows": args.rows, "seed": args.seed,
                "csv_bytes": os.path.getsize(csv_path),
                "gz_bytes": os.path.getsize(gz_path)}
        tmp = "%s.tmp.%d" % (meta_path, os.getpid())
        with open(tmp, "w") as f:
            json.dump(meta, f)
            f.write("\n")
        os.rename(tmp, meta_path)
    print(csv_path)
    print(gz_path)


if __name__ == "__main__":
    main()
