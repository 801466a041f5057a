#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# The pandas side of genre-bench-dataset: read_csv plus the same cleaning the
# C side does (drop all-empty rows; '?' tempo and -1 duration are missing;
# duration from the artist median (empty_field is no artist), else the global
# median; tempo from its median; key, mode, genre ordinal-encoded).
# Usage: bench_dataset.py <csv-or-gz> <repeats>; prints the best time in seconds.
import sys
import time

import numpy as np
import pandas as pd

KEYS = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
GENRES = ["Electronic", "Anime", "Jazz", "Alternative", "Country", "Rap", "Blues",
          "Rock", "Classical", "Hip-Hop"]


def load_and_clean(path):
    df = pd.read_csv(path, na_values={"tempo": ["?"]})
    df = df.dropna(how="all")
    df["duration_ms"] = df["duration_ms"].replace(-1.0, np.nan)
    artist = df["artist_name"].where(df["artist_name"] != "empty_field")
    med = df["duration_ms"].groupby(artist).transform("median")
    df["duration_ms"] = df["duration_ms"].fillna(med).fillna(df["duration_ms"].median())
    df["tempo"] = df["tempo"].fillna(df["tempo"].median())
    df["key"] = df["key"].map({k: i for i, k in enumerate(KEYS)})
    df["mode"] = df["mode"].map({"Minor": 0, "Major": 1})
    df["music_genre"] = df["music_genre"].map({g: i for i, g in enumerate(GENRES)})
    return df


def main():
    path, repeats = sys.argv[1], int(sys.argv[2])
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        df = load_and_clean(path)
        best = min(best, time.perf_counter() - t0)
    assert len(df) == 50000, len(df)
    print(f"{best:.6f}")


if __name__ == "__main__":
    main()
