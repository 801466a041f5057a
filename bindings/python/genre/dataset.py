# SPDX-License-Identifier: GPL-3.0-or-later
"""CSV loading, cleaning, leak-free splits and export (genre/dataset.h)."""
import numpy as np

from ._base import Handle, fspath, ptr, TOO_SMALL
from ._lib import check, error_for, ffi, lib

ROLES = {"numeric": lib.GENRE_COL_NUMERIC, "categorical": lib.GENRE_COL_CATEGORICAL,
         "text": lib.GENRE_COL_TEXT, "label": lib.GENRE_COL_LABEL,
         "group": lib.GENRE_COL_GROUP, "ignore": lib.GENRE_COL_IGNORE}
SIDES = {"train": lib.GENRE_SPLIT_TRAIN, "test": lib.GENRE_SPLIT_TEST}
IMPUTE = {"none": lib.GENRE_IMPUTE_NONE, "median": lib.GENRE_IMPUTE_MEDIAN,
          "mean": lib.GENRE_IMPUTE_MEAN, "most-frequent": lib.GENRE_IMPUTE_MOST_FREQUENT,
          "group-median": lib.GENRE_IMPUTE_GROUP_MEDIAN, "model": lib.GENRE_IMPUTE_MODEL}


def _s(text):
    """A C string: str (UTF-8) or bytes. Anything else is a TypeError (bytes(5)
    would be five NULs), and a NUL inside a ValueError (C would cut there)."""
    if isinstance(text, str):
        b = text.encode("utf-8")
    elif isinstance(text, (bytes, bytearray, memoryview)):
        b = bytes(text)
    else:
        raise TypeError("expected str or bytes, not %s" % type(text).__name__)
    if b"\0" in b:
        raise ValueError("a NUL character in %r: C strings end there" % (text,))
    return b


def _value(v):
    """A category value: str/bytes, or an int spelled as the file spells it."""
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


def _query(call, ctype, dtype):
    n = ffi.new("size_t *")
    code = call(ffi.NULL, 0, n)
    if code not in (0, TOO_SMALL):
        raise error_for(code)
    out = np.empty(n[0], dtype=dtype)
    check(call(ffi.cast(ctype, out.ctypes.data), out.size, n))
    return out


class Schema(Handle):
    """What each CSV column is and what marks a missing value."""

    _kind = "dataset_schema"

    @classmethod
    def music_genre(cls):
        """The schema of the "Prediction of Music Genre" table."""
        out = ffi.new("genre_dataset_schema **")
        check(lib.genre_dataset_schema_create_music_genre(out))
        return cls._from_raw(out[0])

    def add_column(self, name, role):
        with self._lock.write():
            check(lib.genre_dataset_schema_add_column(self.handle, _s(name), ROLES[role]))
        return self

    def add_missing_text(self, text, column=None):
        with self._lock.write():
            check(lib.genre_dataset_schema_add_missing_text(
                self.handle, ffi.NULL if column is None else _s(column), _s(text)))
        return self

    def add_missing_value(self, column, value):
        with self._lock.write():
            check(lib.genre_dataset_schema_add_missing_value(self.handle, _s(column),
                                                             float(value)))
        return self

    def set_no_group(self, value):
        with self._lock.write():
            check(lib.genre_dataset_schema_set_no_group(self.handle, _s(value)))
        return self

    def set_category_order(self, column, names):
        keep = [ffi.new("char[]", _s(n)) for n in names]
        arr = ffi.new("const char *[]", keep)
        with self._lock.write():
            check(lib.genre_dataset_schema_set_category_order(self.handle, _s(column), arr,
                                                              len(keep)))
        return self

    @classmethod
    def parse(cls, text, name=None):
        """A schema from the text of a schema file (docs/dataset.md, "Schema
        files"); messages say "name:line: ..."."""
        out = ffi.new("genre_dataset_schema **")
        # not _s(): a NUL in the text is the parser's to report, with its line
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        check(lib.genre_dataset_schema_load_from_memory(out, data, len(data),
                                             ffi.NULL if name is None else _s(name)))
        return cls._from_raw(out[0])

    @classmethod
    def read(cls, path):
        """A schema from a schema file."""
        out = ffi.new("genre_dataset_schema **")
        check(lib.genre_dataset_schema_load(out, fspath(path)))
        return cls._from_raw(out[0])

    def write(self):
        """The schema as schema-file text; Schema.parse(s.write()) is s."""
        with self._lock.read():
            b = _query(lambda p, c, n: lib.genre_dataset_schema_save_to_memory(self.handle, p, c, n),
                       "char *", np.uint8)
        return bytes(b).split(b"\0", 1)[0].decode("utf-8")

    def columns(self):
        """[(name, role word)] in declaration order."""
        words = {v: k for k, v in ROLES.items()}
        n = ffi.new("size_t *")
        need = ffi.new("size_t *")
        role = ffi.new("int32_t *")
        out = []
        with self._lock.read():
            check(lib.genre_dataset_schema_column_count(self.handle, n))
            for i in range(n[0]):
                check(lib.genre_dataset_schema_column(self.handle, i, ffi.NULL, 0, need, role))
                buf = ffi.new("char[]", need[0])
                check(lib.genre_dataset_schema_column(self.handle, i, buf, need[0], need, role))
                out.append((ffi.string(buf).decode("utf-8"), words[role[0]]))
        return out

    def category_order_count(self, column):
        n = ffi.new("size_t *")
        with self._lock.read():
            check(lib.genre_dataset_schema_category_order_count(self.handle, _s(column), n))
        return int(n[0])

    def set_impute(self, column, kind):
        """kind: 'none', 'median', 'mean', 'most-frequent', 'group-median' or
        'model' (how Prep.add_declared fills the column)."""
        with self._lock.write():
            check(lib.genre_dataset_schema_set_impute(self.handle, _s(column), IMPUTE[kind]))
        return self

    def get_impute(self, column):
        """The declared kind; 'none' also when nothing is declared."""
        out = ffi.new("int32_t *")
        with self._lock.read():
            check(lib.genre_dataset_schema_get_impute(self.handle, _s(column), out))
        return {v: k for k, v in IMPUTE.items()}[out[0]]

    def set_category_names(self, column, names):
        """names: {value: display name} for a categorical or label column
        (int values are spelled as str(value))."""
        keep = [(ffi.new("char[]", _s(_value(v))), ffi.new("char[]", _s(t)))
                for v, t in names.items()]
        values = ffi.new("const char *[]", [v for v, _ in keep])
        texts = ffi.new("const char *[]", [t for _, t in keep])
        with self._lock.write():
            check(lib.genre_dataset_schema_set_category_names(self.handle, _s(column), values,
                                                              texts, len(keep)))
        return self

    def set_option(self, key, value):
        """key: a GENRE_SCHEMA_* name in lower case without the prefix
        ('max_record_bytes', 'unseen_category', 'threads', 'max_input_bytes',
        'separator', 'infer_max_rows', ...). 'separator' also takes ',', ';',
        '\\t' or 'tab'."""
        if key == "separator" and isinstance(value, str):
            value = 9 if value in ("\t", "tab") else ord(value)
        k = getattr(lib, "GENRE_SCHEMA_" + key.upper())
        with self._lock.write():
            check(lib.genre_dataset_schema_set_i64(self.handle, k, int(value)))
        return self

    def get_option(self, key):
        """The value of an option named as in set_option (an int)."""
        out = ffi.new("int64_t *")
        with self._lock.read():
            check(lib.genre_dataset_schema_get_i64(
                self.handle, getattr(lib, "GENRE_SCHEMA_" + key.upper()), out))
        return int(out[0])

    # Inference options: their short names and the GENRE_SCHEMA_* keys.
    _INFER_KEYS = {"max_rows": "infer_max_rows", "strict": "infer_strict",
                   "integer_categories": "infer_integer_categories",
                   "max_categories": "infer_max_categories",
                   "max_label_classes": "infer_max_label_classes"}

    @classmethod
    def _infer_options(cls, missing, options):
        opts = cls()
        if isinstance(missing, (str, bytes)):
            missing = (missing,)  # one marker, not one per character
        for key, value in options.items():
            if isinstance(value, bool):
                value = int(value)
            opts.set_option(cls._INFER_KEYS.get(key, key), value)
        for text in missing:
            opts.add_missing_text(text)
        return opts

    @classmethod
    def infer(cls, path, label, missing=(), **options):
        """Proposes a schema for the labelled CSV file at path (plain or
        gzip), as genre_dataset_schema_infer(): every header column numeric,
        categorical, text or ignore, `label` the label. Options (keyword):
        separator (',', ';', '\\t' or 0 = detect), max_rows, strict,
        integer_categories, max_categories, max_label_classes, and any other
        schema option (threads, max_record_bytes, max_input_bytes);
        missing: extra texts that mean "missing" in every column.
        The result's notes() say what inference saw."""
        opts = cls._infer_options(missing, options)
        out = ffi.new("genre_dataset_schema **")
        with opts._lock.read():
            check(lib.genre_dataset_schema_infer(out, opts.handle, fspath(path), _s(label)))
        return cls._from_raw(out[0])

    @classmethod
    def infer_bytes(cls, data, label, name="<memory>", missing=(), **options):
        """Schema.infer() on bytes in memory (plain or gzip)."""
        opts = cls._infer_options(missing, options)
        out = ffi.new("genre_dataset_schema **")
        data = bytes(data)
        with opts._lock.read():
            check(lib.genre_dataset_schema_infer_from_memory(out, opts.handle, data, len(data),
                                                        _s(name), _s(label)))
        return cls._from_raw(out[0])

    def notes(self):
        """What inference saw, one fact per line ('' for a schema that was
        not inferred): `column <name> <role> <reason>` and
        `odd_cell <file>:<line> <name> "<value>"`."""
        with self._lock.read():
            b = _query(lambda p, c, n: lib.genre_dataset_schema_infer_notes(self.handle, p, c, n),
                       "char *", np.uint8)
        return bytes(b).split(b"\0", 1)[0].decode("utf-8")

    def roles(self):
        """{column: role word} of any schema (declared, parsed or inferred),
        in declaration order: dict(self.columns())."""
        return dict(self.columns())


class Dataset(Handle):
    """A table read from CSV (use read_csv / read_bytes)."""

    _kind = "dataset"

    def __init__(self):
        raise TypeError("use Dataset.read_csv() or Dataset.read_bytes()")

    @classmethod
    def read_csv(cls, path, schema):
        out = ffi.new("genre_dataset **")
        with schema._lock.read():
            check(lib.genre_dataset_read(out, schema.handle, fspath(path)))
        return cls._from_raw(out[0])

    @classmethod
    def read_bytes(cls, data, schema, name="<memory>"):
        out = ffi.new("genre_dataset **")
        data = bytes(data)
        with schema._lock.read():
            check(lib.genre_dataset_read_from_memory(out, schema.handle, data, len(data), _s(name)))
        return cls._from_raw(out[0])

    def _i64(self, key):
        out = ffi.new("int64_t *")
        with self._lock.read():
            check(lib.genre_dataset_get_i64(self.handle, key, out))
        return int(out[0])

    n_rows = property(lambda self: self._i64(lib.GENRE_DATASET_N_ROWS))
    n_columns = property(lambda self: self._i64(lib.GENRE_DATASET_N_COLUMNS))
    encoded = property(lambda self: bool(self._i64(lib.GENRE_DATASET_ENCODED)))

    def __len__(self):
        return self.n_rows

    def drop_empty_rows(self):
        with self._lock.write():
            check(lib.genre_dataset_drop_empty_rows(self.handle))
        return self

    def report_value(self, step, column, counter):
        out = ffi.new("int64_t *")
        with self._lock.read():
            check(lib.genre_dataset_report_value(
                self.handle, _s(step), ffi.NULL if column is None else _s(column),
                _s(counter), out))
        return int(out[0])

    def report(self):
        with self._lock.read():
            b = _query(lambda p, c, n: lib.genre_dataset_report_text(self.handle, p, c, n),
                       "char *", np.uint8)
        return bytes(b).split(b"\0", 1)[0].decode("utf-8")

    def split_stratified(self, test_per_class, seed=0):
        return Split._make(lib.genre_dataset_split_stratified, self, test_per_class, seed)

    def split_grouped(self, test_per_class, seed=0):
        return Split._make(lib.genre_dataset_split_grouped, self, test_per_class, seed)

    def split_stratified_fraction(self, test_fraction, seed=0):
        """About test_fraction of every class in test (largest remainder, at
        least one test and one training row per class); sides shuffled."""
        return Split._call(lib.genre_dataset_split_stratified_fraction, self,
                           float(test_fraction), int(seed) % 2**64)

    def split_from_mask(self, is_test):
        """The caller's split: is_test[r] 1 (test) or 0 (train) for every row;
        both sides in table order."""
        mask = np.ascontiguousarray(is_test)
        if mask.ndim != 1 or mask.dtype.kind not in "biu":
            raise TypeError("is_test must be a 1-D array of 0/1 integers or booleans")
        if mask.size and (mask.min() < 0 or mask.max() > 255):
            bad = int(np.flatnonzero((mask < 0) | (mask > 255))[0])
            raise ValueError("is_test[%d] is %s, not 0 or 1" % (bad, mask[bad]))
        mask = mask.astype(np.uint8)
        return Split._call(lib.genre_dataset_split_from_mask, self,
                           ffi.cast("const uint8_t *", mask.ctypes.data), mask.size)

    def split_from_indices(self, test_rows):
        """The caller's split: test_rows (0-based, distinct) in the given
        order on the test side, every other row in table order on train."""
        rows = np.ascontiguousarray(test_rows, dtype=np.int64)
        if rows.ndim != 1:
            raise TypeError("test_rows must be 1-D")
        return Split._call(lib.genre_dataset_split_from_indices, self,
                           ffi.cast("const int64_t *", rows.ctypes.data), rows.size)

    def subset(self, split, side):
        out = ffi.new("genre_dataset **")
        with self._lock.read():
            check(lib.genre_dataset_subset(out, self.handle, split.handle, SIDES[side]))
        return Dataset._from_raw(out[0])

    def leakage(self, split):
        a, b, c = ffi.new("int64_t *"), ffi.new("int64_t *"), ffi.new("int64_t *")
        with self._lock.read():
            check(lib.genre_dataset_leakage(self.handle, split.handle, a, b, c))
        return {"shared_groups": a[0], "test_rows_in_train_groups": b[0],
                "duplicate_rows": c[0]}

    def to_numpy(self, columns):
        """Columns (numeric, or categorical/label codes) as an n x len(columns) array."""
        keep = [ffi.new("char[]", _s(c)) for c in columns]
        arr = ffi.new("const char *[]", keep)
        with self._lock.read():
            out = _query(lambda p, c, n: lib.genre_dataset_export_matrix(
                self.handle, arr, len(keep), p, c, n), "double *", np.float64)
        return out.reshape(-1, len(keep))

    def labels(self):
        with self._lock.read():
            return _query(lambda p, c, n: lib.genre_dataset_export_labels(self.handle, p, c, n),
                          "int32_t *", np.int32)

    def groups(self):
        with self._lock.read():
            return _query(lambda p, c, n: lib.genre_dataset_export_groups(self.handle, p, c, n),
                          "int64_t *", np.int64)

    def text(self, column):
        """A text/group/categorical/label column as a list of str."""
        rows = self.n_rows
        offs = np.empty(rows, dtype=np.uintp)
        with self._lock.read():
            buf = _query(lambda p, c, n: lib.genre_dataset_export_text(
                self.handle, _s(column), p, c, n, ffi.cast("size_t *", offs.ctypes.data)),
                "char *", np.uint8)
        raw = bytes(buf)
        return [raw[o:raw.index(b"\0", o)].decode("utf-8") for o in offs]


class Split(Handle):
    """Row indices of a train/test split."""

    _kind = "dataset_split"

    def __init__(self):
        raise TypeError("use a Dataset.split_*() method")

    @classmethod
    def _make(cls, fn, ds, test_per_class, seed):
        return cls._call(fn, ds, int(test_per_class), int(seed) % 2**64)

    @classmethod
    def _call(cls, fn, ds, *args):
        out = ffi.new("genre_dataset_split **")
        with ds._lock.read():
            check(fn(out, ds.handle, *args))
        return cls._from_raw(out[0])

    def rows(self, side):
        with self._lock.read():
            return _query(lambda p, c, n: lib.genre_dataset_split_rows(
                self.handle, SIDES[side], p, c, n), "int64_t *", np.int64)

    def class_counts(self, side):
        with self._lock.read():
            return _query(lambda p, c, n: lib.genre_dataset_split_class_counts(
                self.handle, SIDES[side], p, c, n), "int64_t *", np.int64)


class Prep(Handle):
    """Cleaning and encoding: fit on the training rows, apply to any table."""

    _kind = "dataset_prep"

    def __init__(self, schema):
        out = ffi.new("genre_dataset_prep **")
        with schema._lock.read():
            check(lib.genre_dataset_prep_create(out, schema.handle))
        from ._lib import RWLock
        self._lock = RWLock()
        self._h = self._wrap(out[0])

    def add_group_median(self, column):
        with self._lock.write():
            check(lib.genre_dataset_prep_add_group_median(self.handle, _s(column)))
        return self

    def add_impute(self, column, kind="median"):
        """kind: 'median', 'mean' or 'most-frequent'."""
        k = {"median": lib.GENRE_IMPUTE_MEDIAN, "mean": lib.GENRE_IMPUTE_MEAN,
             "most-frequent": lib.GENRE_IMPUTE_MOST_FREQUENT}[kind]
        with self._lock.write():
            check(lib.genre_dataset_prep_add_impute(self.handle, _s(column), k))
        return self

    def add_declared(self):
        """The steps the schema declares (Schema.set_impute, impute= in a
        schema file), else median (numeric) / most frequent (categorical).
        No model is passed from Python: a column declared 'model' gets median
        imputation."""
        with self._lock.write():
            check(lib.genre_dataset_prep_add_declared(self.handle, ffi.NULL, ffi.NULL,
                                                      ffi.NULL))
        return self

    def fit_apply(self, ds):
        with self._lock.write(), ds._lock.write():
            check(lib.genre_dataset_prep_fit_apply(self.handle, ds.handle))
        return ds

    def apply(self, ds):
        with self._lock.read(), ds._lock.write():
            check(lib.genre_dataset_prep_apply(self.handle, ds.handle))
        return ds

    def partial_fit(self, chunks):
        """Fits the preparation from a stream, as fit_apply on all the rows
        would (docs/partial-fits.md): chunks() returns a new iterable of
        Datasets over the same rows for each pass (e.g. lambda:
        DatasetReader(path, schema)); empty records are dropped from each
        chunk. Medians may need up to 4 passes. Returns the number of
        passes. Model imputation steps are refused (genre.Error)."""
        state = PrepPartial(self)
        passes, more = 0, True
        while more:
            for ds in chunks():
                ds.drop_empty_rows()
                state.add(ds)
            more = state.end_pass()
            passes += 1
        self.fit_partial(state)
        return passes

    def fit_partial(self, state):
        """Fits from a finished PrepPartial (end_pass() returned False)."""
        with self._lock.write(), state._lock.read():
            check(lib.genre_dataset_prep_fit_partial(self.handle, state.handle))
        return self

    def category_names(self, column):
        n = ffi.new("int32_t *")
        need = ffi.new("size_t *")
        names = []
        with self._lock.read():
            check(lib.genre_dataset_prep_category_count(self.handle, _s(column), n))
            for code in range(n[0]):
                lib.genre_dataset_prep_category_name(self.handle, _s(column), code,
                                                     ffi.NULL, 0, need)
                buf = ffi.new("char[]", need[0])
                check(lib.genre_dataset_prep_category_name(self.handle, _s(column), code, buf,
                                                           need[0], need))
                names.append(ffi.string(buf).decode("utf-8"))
        return names

    def save(self, path):
        with self._lock.read():
            check(lib.genre_dataset_prep_save(self.handle, fspath(path)))

    @classmethod
    def load(cls, path):
        out = ffi.new("genre_dataset_prep **")
        check(lib.genre_dataset_prep_load(out, fspath(path)))
        return cls._from_raw(out[0])

    def to_bytes(self):
        n = ffi.new("size_t *")
        with self._lock.read():
            code = lib.genre_dataset_prep_save_to_memory(self.handle, ffi.NULL, 0, n)
            if code not in (0, TOO_SMALL):
                raise error_for(code)
            buf = ffi.new("char[]", n[0])
            check(lib.genre_dataset_prep_save_to_memory(self.handle, buf, n[0], n))
            return ffi.buffer(buf, n[0])[:]

    @classmethod
    def from_bytes(cls, data):
        out = ffi.new("genre_dataset_prep **")
        data = bytes(data)
        check(lib.genre_dataset_prep_load_from_memory(out, data, len(data)))
        return cls._from_raw(out[0])


class PrepPartial(Handle):
    """The statistics a Prep fits, over a stream of chunks in passes
    (genre_dataset_prep_partial_*; docs/partial-fits.md): add every chunk
    (empty records dropped), end_pass(); while it returns True, add the same
    rows again. States of one pass merge (merge()); to_bytes()/from_bytes()
    ship them. Prep.partial_fit runs the passes for you."""

    _kind = "dataset_prep_partial"

    def __init__(self, prep):
        from ._lib import RWLock
        self._lock = RWLock()
        self._h = None
        out = ffi.new("genre_dataset_prep_partial **")
        with prep._lock.read():
            check(lib.genre_dataset_prep_partial_create(out, prep.handle))
        self._h = self._wrap(out[0])

    def add(self, ds):
        with self._lock.write(), ds._lock.read():
            check(lib.genre_dataset_prep_partial_add(self.handle, ds.handle))
        return self

    def merge(self, other):
        if other is self:
            raise ValueError("a state cannot be merged into itself")
        with self._lock.write(), other._lock.read():
            check(lib.genre_dataset_prep_partial_merge(self.handle, other.handle))
        return self

    def end_pass(self):
        """Ends the pass; True when the same rows must be added again."""
        more = ffi.new("int *")
        with self._lock.write():
            check(lib.genre_dataset_prep_partial_end_pass(self.handle, more))
        return bool(more[0])

    def to_bytes(self):
        n = ffi.new("size_t *")
        with self._lock.read():
            code = lib.genre_dataset_prep_partial_save_to_memory(self.handle, ffi.NULL, 0, n)
            if code not in (0, TOO_SMALL):
                raise error_for(code)
            buf = ffi.new("char[]", n[0])
            check(lib.genre_dataset_prep_partial_save_to_memory(self.handle, buf, n[0], n))
            return ffi.buffer(buf, n[0])[:]

    @classmethod
    def from_bytes(cls, data):
        out = ffi.new("genre_dataset_prep_partial **")
        data = bytes(data)
        check(lib.genre_dataset_prep_partial_load_from_memory(out, data, len(data)))
        return cls._from_raw(out[0])


class DatasetReader(Handle):
    """A CSV file read in chunks (genre_dataset_reader_*): iterating yields
    Datasets of at most chunk_rows rows each, in file order, exactly as
    Dataset.read_csv would read those records (cleaning, markers, errors and
    the file's line numbers), in memory bounded by the chunk. path may be
    plain or gzip, a FIFO or /dev/stdin.

    With begin_byte/end_byte (a plain regular file only), only the records
    that start in [begin_byte, end_byte) are read; index (a DatasetIndex of
    the file) lets quoted fields hold line breaks. One reader belongs to one
    thread at a time."""

    _kind = "dataset_reader"

    def __init__(self, path, schema, chunk_rows=100_000, begin_byte=None, end_byte=None,
                 index=None):
        from ._lib import RWLock
        chunk_rows = int(chunk_rows)
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be at least 1, got %d" % chunk_rows)
        self._lock = RWLock()
        self._h = None
        self.chunk_rows = chunk_rows
        out = ffi.new("genre_dataset_reader **")
        with schema._lock.read():
            if begin_byte is None and end_byte is None and index is None:
                check(lib.genre_dataset_reader_open(out, schema.handle, fspath(path)))
            else:
                begin = 0 if begin_byte is None else int(begin_byte)
                end = 2**64 - 1 if end_byte is None else int(end_byte)
                ix = ffi.NULL if index is None else index.handle
                check(lib.genre_dataset_reader_open_range(out, schema.handle, fspath(path),
                                                          begin, end, ix))
        self._h = self._wrap(out[0])

    def __iter__(self):
        return self

    def __next__(self):
        out = ffi.new("genre_dataset **")
        with self._lock.write():
            check(lib.genre_dataset_reader_next(self.handle, self.chunk_rows, out))
        if out[0] == ffi.NULL:
            raise StopIteration
        return Dataset._from_raw(out[0])

    rows_read = property(lambda self: self._get_i64(lib.GENRE_READER_ROWS),
                         doc="rows returned so far")
    line = property(lambda self: self._get_i64(lib.GENRE_READER_LINE),
                    doc="the file line of the next record")
    offset = property(lambda self: self._get_i64(lib.GENRE_READER_OFFSET),
                      doc="the text offset of the next record")


class DatasetIndex(Handle):
    """The record offsets of a plain CSV file, every `every` records
    (genre_dataset_index_*), for DatasetReader ranges."""

    _kind = "dataset_index"

    def __init__(self):
        raise TypeError("use DatasetIndex.build(), load() or from_bytes()")

    @classmethod
    def build(cls, path, schema, every=1000):
        out = ffi.new("genre_dataset_index **")
        with schema._lock.read():
            check(lib.genre_dataset_index_build(out, schema.handle, fspath(path), int(every)))
        return cls._from_raw(out[0])

    n_records = property(lambda self: self._get_i64(lib.GENRE_INDEX_RECORDS))
    file_bytes = property(lambda self: self._get_i64(lib.GENRE_INDEX_FILE_BYTES))
    every = property(lambda self: self._get_i64(lib.GENRE_INDEX_EVERY))
    data_begin = property(lambda self: self._get_i64(lib.GENRE_INDEX_DATA_BEGIN))

    def save(self, path):
        with self._lock.read():
            check(lib.genre_dataset_index_save(self.handle, fspath(path)))

    def to_bytes(self):
        n = ffi.new("size_t *")
        with self._lock.read():
            code = lib.genre_dataset_index_save_to_memory(self.handle, ffi.NULL, 0, n)
            if code not in (0, TOO_SMALL):
                raise error_for(code)
            buf = ffi.new("char[]", n[0])
            check(lib.genre_dataset_index_save_to_memory(self.handle, buf, n[0], n))
            return ffi.buffer(buf, n[0])[:]

    @classmethod
    def load(cls, path):
        out = ffi.new("genre_dataset_index **")
        check(lib.genre_dataset_index_load(out, fspath(path)))
        return cls._from_raw(out[0])

    @classmethod
    def from_bytes(cls, data):
        out = ffi.new("genre_dataset_index **")
        data = bytes(data)
        check(lib.genre_dataset_index_load_from_memory(out, data, len(data)))
        return cls._from_raw(out[0])

    def __reduce__(self):
        return (type(self).from_bytes, (self.to_bytes(),))
