# SPDX-License-Identifier: GPL-3.0-or-later
"""Schema files through the binding: parse, read, write, introspection and
declared imputation."""
import os

import numpy as np
import pytest

import genre

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def test_vendored_file_writes_like_the_builtin():
    path = os.path.join(ROOT, "examples", "music_genre.schema")
    assert genre.Schema.read(path).write() == genre.Schema.music_genre().write()


def test_round_trip_with_names_that_need_quotes():
    text = ('* missing=""\n'
            '"Artist Name" group no-group="no one"\n'
            '"duration_in min/ms" numeric missing-value=-1 impute=group-median\n'
            '"a=b" categorical order="x,y",C# impute=most-frequent\n'
            'Class label names=1:"Rock, roll",2:"say ""hi"""\n')
    s = genre.Schema.parse(text, name="q.schema")
    w = s.write()
    assert genre.Schema.parse(w).write() == w
    sep = genre.Schema.parse("* separator=tab\nx numeric\n").write()
    assert sep == "* separator=tab\nx numeric\n"
    assert s.columns() == [("Artist Name", "group"), ("duration_in min/ms", "numeric"),
                           ("a=b", "categorical"), ("Class", "label")]
    assert s.category_order_count("a=b") == 2
    assert s.get_impute("duration_in min/ms") == "group-median"
    assert s.get_impute("Class") == "none"
    ds = genre.Dataset.read_bytes(
        b'Artist Name,duration_in min/ms,a=b,Class\nno one,1,"x,y",1\nz,-1,C#,2\n', s)
    prep = genre.Prep(s).add_declared()
    prep.fit_apply(ds)
    assert prep.category_names("Class") == ["Rock, roll", 'say "hi"']


def test_errors_name_the_line_and_token(tmp_path):
    with pytest.raises(genre.GenreError, match=r"q\.schema:2: unknown type 'categorial'"):
        genre.Schema.parse("x numeric\nkey categorial\n", name="q.schema")
    p = tmp_path / "bad.schema"
    p.write_text("x numeric impute=knn\n")
    with pytest.raises(genre.GenreError, match=r"bad\.schema:1: 'impute=knn'"):
        genre.Schema.read(p)


def test_most_frequent_and_declared_defaults():
    s = genre.Schema.parse('* missing=""\nx numeric\nc categorical\nz numeric impute=none\n'
                           'y label\n')
    train = genre.Dataset.read_bytes(b"x,c,z,y\n1,u,1,a\n,v,2,b\n3,v,,a\n", s)
    prep = genre.Prep(s).add_declared()
    prep.fit_apply(train)
    assert train.report_value("impute_median", "x", "imputed") == 1
    assert train.report_value("impute_most_frequent", "c", "imputed") == 0
    s2 = genre.Schema.parse('* missing=""\nx numeric\ny label\n')
    t2 = genre.Dataset.read_bytes(b"x,y\n2,a\n2,b\n5,a\n,a\n", s2)
    p2 = genre.Prep(s2).add_impute("x", "most-frequent")
    p2.fit_apply(t2)
    assert t2.to_numpy(["x"])[3, 0] == 2.0
