# SPDX-License-Identifier: GPL-3.0-or-later
"""genre.DatasetReader: chunks concatenate to Dataset.read_csv's table
(plain and gzip), errors keep the file line, range readers with a
DatasetIndex cover every record once."""
import gzip

import pytest

import genre


def _table(n=250):
    rows = ["x,k,t,y"]
    for r in range(n):
        t = '"two\nlines %d"' % r if r % 9 == 4 else "t%d" % r
        x = "" if r % 7 == 3 else "%d.25" % r
        rows.append("%s,%s,%s,%s" % (x, "abc"[r % 3], t, "ab"[r % 2]))
    return ("\n".join(rows) + "\n").encode()


def _schema():
    s = genre.Schema()
    s.add_column("x", "numeric").add_column("k", "categorical")
    s.add_column("t", "text").add_column("y", "label")
    s.add_missing_text("")
    return s


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_chunks_equal_read_csv(tmp_path, gz, chunk):
    path = tmp_path / ("t.csv.gz" if gz else "t.csv")
    path.write_bytes(gzip.compress(_table()) if gz else _table())
    schema = _schema()
    full = genre.Dataset.read_csv(path, schema)
    reader = genre.DatasetReader(path, schema, chunk)
    chunks = list(reader)
    assert [len(c) for c in chunks[:-1]] == [chunk] * (len(chunks) - 1)
    assert sum(len(c) for c in chunks) == len(full) == reader.rows_read == 250
    assert sum(c.report_value("read", "x", "missing") for c in chunks) == \
        full.report_value("read", "x", "missing")
    assert list(reader) == []  # the end stays the end
    reader.close()


def test_error_names_the_file_line(tmp_path):
    data = _table().replace(b"\n100.25,", b"\nzz,")
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    schema = _schema()
    with pytest.raises(genre.GenreError) as whole:
        genre.Dataset.read_csv(path, schema)
    reader = genre.DatasetReader(path, schema, 10)
    rows = 0
    with pytest.raises(genre.GenreError) as streamed:
        for c in reader:
            rows += len(c)
    assert type(streamed.value) is type(whole.value)
    tail = lambda e: str(e).split(": ", 2)[2]  # after the status and the function
    assert tail(streamed.value) == tail(whole.value)
    line = 2 + 100 + sum(1 for r in range(100) if r % 9 == 4)
    assert "bad.csv:%d:" % line in str(streamed.value)
    assert rows == 100 - 100 % 10


@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_ranges_with_an_index(tmp_path, parts):
    path = tmp_path / "t.csv"
    path.write_bytes(_table())
    schema = _schema()
    index = genre.DatasetIndex.build(path, schema, every=5)
    assert index.n_records == 250
    index = genre.DatasetIndex.from_bytes(index.to_bytes())
    size = path.stat().st_size
    n = 0
    for k in range(parts):
        for c in genre.DatasetReader(path, schema, 13, size * k // parts,
                                     size * (k + 1) // parts, index):
            n += len(c)
    assert n == 250
    with pytest.raises(genre.GenreError, match="quoted field holds a line break"):
        for _ in genre.DatasetReader(path, schema, 13, 0, size):
            pass
