# SPDX-License-Identifier: GPL-3.0-or-later
"""genre.Prep.partial_fit / genre.PrepPartial: a preparation fitted over a
stream of chunks equals fit_apply on all rows (its saved bytes); states ship
through bytes and merge; model steps are refused."""
import pytest

import genre


def _table(n=400):
    rows = ["g,x,z,c,y"]
    for r in range(n):
        x = "" if r % 7 == 3 else "%g" % ((r * 37) % 101 - 50.5)
        z = "" if r % 5 == 1 else "%d" % (r % 6)
        c = "" if r % 11 == 2 else "kiwi apple fig"[5 * (r % 3):5 * (r % 3) + 4].strip()
        rows.append("g%d,%s,%s,%s,%s" % (r % 9, x, z, c, "PQ"[r % 2]))
    return ("\n".join(rows) + "\n").encode()


def _schema():
    s = genre.Schema()
    s.add_column("g", "group").add_column("x", "numeric").add_column("z", "numeric")
    s.add_column("c", "categorical").add_column("y", "label")
    s.add_missing_text("")
    return s


def _prep(schema):
    p = genre.Prep(schema)
    p.add_group_median("x").add_impute("z", "mean").add_impute("c", "most-frequent")
    return p


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_partial_fit_equals_fit_apply(tmp_path, chunk):
    path = tmp_path / "t.csv"
    path.write_bytes(_table())
    schema = _schema()
    ref = _prep(schema)
    ds = genre.Dataset.read_csv(path, schema)
    ds.drop_empty_rows()
    ref.fit_apply(ds)
    p = _prep(schema)
    assert p.partial_fit(lambda: genre.DatasetReader(path, schema, chunk)) == 1
    assert p.to_bytes() == ref.to_bytes()
    assert p.category_names("c") == ref.category_names("c")


def test_states_ship_and_merge(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(_table())
    schema = _schema()
    ref = _prep(schema)
    ds = genre.Dataset.read_csv(path, schema)
    ref.fit_apply(ds)
    p = _prep(schema)
    a, b = genre.PrepPartial(p), genre.PrepPartial(p)
    chunks = list(genre.DatasetReader(path, schema, 150))
    for k, c in enumerate(chunks):
        (a if k < 2 else b).add(c)
    b = genre.PrepPartial.from_bytes(b.to_bytes())
    a.merge(b)
    assert a.end_pass() is False
    p.fit_partial(a)
    assert p.to_bytes() == ref.to_bytes()


def test_model_step_refused():
    schema = genre.Schema()
    schema.add_column("x", "numeric").add_column("z", "numeric")
    schema.set_impute("x", "model")
    p = genre.Prep(schema)
    p.add_declared()  # no model from Python: median instead
    genre.PrepPartial(p)
    q = genre.Prep(schema)
    q.add_impute("x", "median").add_impute("x", "mean")
    with pytest.raises(genre.GenreError) as e:
        genre.PrepPartial(q)
    assert "same column" in str(e.value)
