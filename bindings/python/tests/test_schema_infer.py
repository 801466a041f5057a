# SPDX-License-Identifier: GPL-3.0-or-later
"""genre.Schema.infer: the inferred roles, options, notes, errors, and a
read of the table with the inferred schema."""
import gzip

import pytest

import genre

GENRES = ["blues", "jazz", "rock", "pop"]


def _table(sep=","):
    rows = [sep.join(["id", "file", '"Artist Name"', "x", "c", "k", "genre"])]
    for r in range(200):
        x = "NA" if r % 10 == 3 else "" if r % 10 == 7 else "%d.5" % r
        if r == 120:
            x = "abc"
        rows.append(sep.join([str(r + 1), "%s.%05d.wav" % (GENRES[r % 4], r),
                              '"The %s; Band, %d"' % (GENRES[r % 4], r), x,
                              ["low", "mid", "high"][r % 3], str(r % 4), str(r % 4 * 10)]))
    return ("\r\n".join(rows) + "\r\n").encode()


def test_infer_roles_notes_and_read(tmp_path):
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(_table(";")))
    schema = genre.Schema.infer(path, label="genre")
    assert schema.roles() == {"id": "ignore", "file": "text", "Artist Name": "text",
                              "x": "numeric", "c": "categorical", "k": "numeric",
                              "genre": "label"}
    assert schema.get_option("separator") == ord(";")
    notes = schema.notes()
    assert 'odd_cell %s:122 x "abc"' % path in notes
    assert "4 classes in numeric order" in notes
    ds = genre.Dataset.read_csv(path, schema)
    assert ds.n_rows == 200
    assert ds.report_value("read", "x", "missing") == 41  # 20 NA, 20 empty, 1 odd
    # options: integer categories, and strict odd cells
    schema = genre.Schema.infer(path, label="genre", integer_categories=True)
    assert schema.roles()["k"] == "categorical"
    with pytest.raises(genre.GenreError, match=r"t\.csv\.gz:122: column 'x': 'abc' is not a number"):
        genre.Schema.infer(path, label="genre", strict=True)
    # a prefix never sees the odd cell
    schema = genre.Schema.infer(path, label="genre", max_rows=100)
    assert "odd_cell" not in schema.notes()
    # a schema not inferred has no notes
    assert genre.Schema().notes() == ""


def test_infer_bytes_separator_missing_and_errors():
    data = _table(",")
    schema = genre.Schema.infer_bytes(data, "genre", name="mem.csv", separator=",")
    assert schema.roles()["x"] == "numeric"
    with pytest.raises(genre.GenreError, match="label column 'nope' is not in the header"):
        genre.Schema.infer_bytes(data, "nope")
    with pytest.raises(genre.GenreError, match="GENRE_SCHEMA_INFER_MAX_LABEL_CLASSES"):
        genre.Schema.infer_bytes(data, "genre", max_label_classes=3)
    with pytest.raises(genre.GenreError, match="a header and no data rows"):
        genre.Schema.infer_bytes(b"a,b\n", "b")
    # a caller's marker for every column
    schema = genre.Schema.infer_bytes(b"v,y\n1,a\n-999,b\n3,a\n", "y", missing=["-999"])
    assert 'marker "-999"' in schema.notes()
