# SPDX-License-Identifier: GPL-3.0-or-later
"""Proportional stratified splits and the caller's splits (mask, row list)."""
import math

import numpy as np
import pytest

import genre


def table(counts, names=("rock", "jazz", "folk")):
    """x = row index, classes dealt round-robin (first appearance = names order)."""
    left, lines, row = list(counts), ["x,y"], 0
    while any(left):
        for c, n in enumerate(left):
            if n:
                lines.append("%d,%s" % (row, names[c]))
                left[c] -= 1
                row += 1
    schema = genre.Schema().add_column("x", "numeric").add_column("y", "label")
    return genre.Dataset.read_bytes(("\n".join(lines) + "\n").encode(), schema)


def test_fraction_counts_and_determinism():
    ds = table([10, 7, 3])
    sp = ds.split_stratified_fraction(0.2, seed=4)
    # Largest remainder: q = 2, 1.4, 0.6, T = 4 -> 2, 1, 1 (header example).
    assert sp.class_counts("test").tolist() == [2, 1, 1]
    assert sp.class_counts("train").tolist() == [8, 6, 2]
    both = np.concatenate([sp.rows("train"), sp.rows("test")])
    assert sorted(both.tolist()) == list(range(20))
    again = ds.split_stratified_fraction(0.2, seed=4)
    other = ds.split_stratified_fraction(0.2, seed=5)
    assert again.rows("test").tolist() == sp.rows("test").tolist()
    assert other.rows("train").tolist() != sp.rows("train").tolist()


@pytest.mark.parametrize("f", [0.0, 1.0, -0.5, 2.0, math.nan])
def test_fraction_out_of_range_refused(f):
    with pytest.raises(ValueError, match="test_fraction"):
        table([4, 4]).split_stratified_fraction(f)


def test_single_row_class_refused_by_name():
    with pytest.raises(ValueError, match="class 'jazz' has 1 row"):
        table([5, 1]).split_stratified_fraction(0.3)


def test_mask_split_keeps_table_order():
    ds = table([3, 3])
    sp = ds.split_from_mask(np.array([True, False, False, True, True, False]))
    assert sp.rows("test").tolist() == [0, 3, 4]
    assert sp.rows("train").tolist() == [1, 2, 5]
    assert ds.subset(sp, "test").to_numpy(["x"]).ravel().tolist() == [0, 3, 4]
    with pytest.raises(genre.ERRORS[genre.lib.GENRE_E_SHAPE]):
        ds.split_from_mask([1, 0])
    with pytest.raises(ValueError, match=r"is_test\[2\] \(<memory>:4\) is 2"):
        ds.split_from_mask([0, 1, 2, 0, 0, 0])
    with pytest.raises(ValueError, match=r"is_test\[1\] is 300"):
        ds.split_from_mask([0, 300, 0, 0, 0, 0])


def test_index_split_keeps_the_callers_order():
    ds = table([3, 3])
    sp = ds.split_from_indices([5, 0, 2])
    assert sp.rows("test").tolist() == [5, 0, 2]
    assert sp.rows("train").tolist() == [1, 3, 4]
    assert ds.subset(sp, "test").to_numpy(["x"]).ravel().tolist() == [5, 0, 2]
    with pytest.raises(ValueError, match=r"test_rows\[1\] = 6 is outside"):
        ds.split_from_indices([0, 6])
    with pytest.raises(ValueError, match=r"test_rows\[2\] = 0 repeats test_rows\[0\]"):
        ds.split_from_indices([0, 1, 0])
