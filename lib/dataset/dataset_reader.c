/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The streaming reader (docs/dataset.md, "Streaming reader"): a file read
 * into a window of whole records, handed chunk by chunk to the parse of
 * genre_dataset_read() (dataset_parse.c), so cleaning, markers,
 * messages and line numbers are the same. Records are found before they
 * are parsed by quote parity: a line feed ends a record exactly when an
 * even number of quotes precedes it in the record (doubled quotes count
 * twice), so a window ending at such a line feed parses exactly as the
 * whole input would. Memory: the chunk's text and table plus one record.
 */
#define _GNU_SOURCE /* newlocale */
#include "dataset_csv.h"
#include "dataset_stream.h"

#include "alloc.h"
#include "error_private.h"

#include <locale.h>
#include <string.h>
#include <sys/mman.h>

struct genre_dataset_reader {
    genre_dataset_schema *schema; /* own copy, with the caller's hooks */
    char *name;
    struct genre__source src;
    struct reader rd;             /* settings, fields and scratch reused */
    struct genre__csv_head head;
    char *buf;                    /* text; buf[beg..len) not returned yet */
    size_t cap, beg, len;
    int mapped;                   /* buf is a mapping (window_grow), not malloc'd */
    uint64_t base;                /* text offset of buf[0] (plain: file offset) */
    int64_t line;                 /* line of buf[beg] */
    int eof;                      /* the source has given its last byte */
    uint64_t until;               /* records starting there or later are not read */
    int strict_lines;             /* a quoted line break is an error */
    int64_t rows;                 /* rows returned */
    genre_status failed;          /* a failure makes the reader unusable */
    const genre_dataset *last;    /* the chunk returned last (next_into's check) */
    genre_dataset *spare[GENRE__CSV_MAX_PARTS]; /* parts' tables kept for the next chunk */
    /* The scan for record ends, from the record that starts at rec. */
    size_t scan, rec;
    int odd;
    int64_t scan_line, rec_line;
};

/* Where the scan stopped (scan_record). */
#define SCAN_MORE 0      /* the buffer ends inside the record */
#define SCAN_END 1       /* the record ends: rec is past its line feed */
#define SCAN_QUOTED_NL 2 /* strict_lines: a line feed inside quotes at scan - 1 */

static void scan_from(genre_dataset_reader *r, size_t at, int64_t line)
{
    r->scan = r->rec = at;
    r->odd = 0;
    r->scan_line = r->rec_line = line;
}

static int scan_record(genre_dataset_reader *r)
{
    const char *b = r->buf, *end = b + r->len, *p = b + r->scan;
    for (;;) {
        const char *nl = genre__csv_find_nl_or_quote(p, end);
        while (nl < end && *nl == '"') {
            r->odd ^= 1;
            nl = genre__csv_find_nl_or_quote(nl + 1, end);
        }
        if (nl == end) {
            r->scan = r->len;
            return SCAN_MORE;
        }
        r->scan = (size_t)(nl + 1 - b);
        r->scan_line++;
        if (!r->odd) {
            r->rec = r->scan;
            r->rec_line = r->scan_line;
            return SCAN_END;
        }
        if (r->strict_lines)
            return SCAN_QUOTED_NL;
        p = nl + 1;
    }
}

static genre_status too_long(const genre_dataset_reader *r, int64_t line)
{
    return GENRE_FAIL(GENRE_E_RECORD_TOO_LONG,
                      "%s:%lld: record longer than the limit of %lld bytes", r->name,
                      (long long)line, (long long)r->schema->max_record);
}

static genre_status quoted_break(const genre_dataset_reader *r, int64_t line)
{
    return GENRE_FAIL(GENRE_E_UNSUPPORTED,
                      "%s:%lld: a quoted field holds a line break, which a range reader "
                      "without an index cannot place (build one with "
                      "genre_dataset_index_build())",
                      r->name, (long long)line);
}

/* GENRE_E_PARSE naming the line and column of the NUL byte at buf[at]. */
static genre_status nul_byte(const genre_dataset_reader *r, size_t at)
{
    int64_t line = r->line;
    size_t line_start = r->beg;
    for (size_t i = r->beg; i < at; i++)
        if (r->buf[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    return GENRE_FAIL(GENRE_E_PARSE,
                      "%s:%lld: byte %zu of the line is a NUL byte (not CSV text; a "
                      "binary file?)",
                      r->name, (long long)line, at - line_start + 1);
}

/* The window's memory. From HUGE_WINDOW up (a chunk of 100,000 records is
 * about 15 MB of text) it is its own anonymous mapping in 2 MiB steps,
 * advised as a huge-page candidate (MADV_HUGEPAGE, a hint: nothing changes
 * where THP is off) and grown by mremap (in place or moved, never copied):
 * its text is written densely by read(), and in 4 KiB pages the first touch
 * of a chunk's window took ~3,700 faults per reader at ~15 us of CPU each on
 * a VM, a fixed cost of every streamed pass (a tenth of a 1 M-row pass); a
 * malloc'd window only partly got huge pages (its doublings left 4 KiB
 * pieces, and copies where it could not grow in place). Pages never read
 * into stay unbacked. Smaller windows, and systems without mremap, use the
 * allocator. */
#define HUGE_WINDOW ((size_t)2 << 20)
#if defined(__linux__) && defined(MREMAP_MAYMOVE) && defined(MADV_HUGEPAGE)
#define WINDOW_MAPPED 1
#else
#define WINDOW_MAPPED 0
#endif

/* Grows r->buf to at least cap bytes (> r->cap), keeping its first r->len.
 * 0, or -1 when out of memory (r unchanged). */
static int window_grow(genre_dataset_reader *r, size_t cap)
{
#if WINDOW_MAPPED
    if (cap >= HUGE_WINDOW) {
        const size_t c = (cap + HUGE_WINDOW - 1) & ~(HUGE_WINDOW - 1);
        if (c < cap || genre__alloc_should_fail())
            return -1;
        void *p;
        if (r->mapped) {
            p = mremap(r->buf, r->cap, c, MREMAP_MAYMOVE);
        } else {
            p = mmap(NULL, c, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p != MAP_FAILED) {
                (void)madvise(p, c, MADV_HUGEPAGE); /* before the first touch */
                if (r->len > 0)
                    memcpy(p, r->buf, r->len);
                genre__free(r->buf);
                genre__alloc_count_foreign(1);
            }
        }
        if (p == MAP_FAILED)
            return -1;
        r->buf = p;
        r->cap = c;
        r->mapped = 1;
        return 0;
    }
#endif
    if (genre__realloc_array(&r->buf, cap, 1) != 0)
        return -1;
    r->cap = cap;
    return 0;
}

static void window_free(genre_dataset_reader *r)
{
#if WINDOW_MAPPED
    if (r->mapped) {
        munmap(r->buf, r->cap);
        genre__alloc_count_foreign(-1);
        r->buf = NULL;
        r->mapped = 0;
        return;
    }
#endif
    genre__free(r->buf);
    r->buf = NULL;
}

/* Reads more text behind buf[len): drops the returned text first, grows
 * the buffer when the window needs it. Sets eof at the end of the text. */
static genre_status refill(genre_dataset_reader *r)
{
    /* Room for a block, or for what is left of a small file (+1 to see its
     * end), so small inputs take small buffers. */
    size_t want = GENRE__SOURCE_BLOCK;
    uint64_t left = genre__source_left(&r->src);
    if (left < want)
        want = (size_t)left + 1;
    if (r->beg > 0 && r->cap - r->len < want) {
        memmove(r->buf, r->buf + r->beg, r->len - r->beg);
        r->scan -= r->beg;
        r->rec -= r->beg;
        r->base += r->beg;
        r->len -= r->beg;
        r->beg = 0;
    }
    if (r->cap - r->len < want) {
        size_t cap = r->cap ? r->cap * 2 : 2 * want;
        if (cap < r->len + want)
            cap = r->len + want;
        if (window_grow(r, cap) != 0)
            return GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory for a %zu-byte window",
                              r->name, cap);
    }
    size_t got = 0;
    genre_status st = genre__source_read(&r->src, r->buf + r->len, r->cap - r->len, &got);
    if (st != GENRE_OK)
        return st;
    if (got == 0) {
        r->eof = 1;
        return GENRE_OK;
    }
    const char *nul = memchr(r->buf + r->len, '\0', got);
    r->len += got;
    if (nul)
        return nul_byte(r, (size_t)(nul - r->buf));
    return GENRE_OK;
}

/* Moves the scan over the record at r->rec to its end. *flag: 0, or
 * SCAN_QUOTED_NL (the record is cut at scan, inside quotes), or -1 (cut at
 * the end of the buffer, longer than the record limit). */
static genre_status find_record_end(genre_dataset_reader *r, int *flag)
{
    *flag = 0;
    for (;;) {
        int s = scan_record(r);
        if (s == SCAN_END)
            return GENRE_OK;
        if (s == SCAN_QUOTED_NL) {
            *flag = SCAN_QUOTED_NL;
            return GENRE_OK;
        }
        if (r->eof) {
            r->rec = r->scan = r->len; /* the last record, without a line feed */
            return GENRE_OK;
        }
        /* A record and its CR LF take at most max_record + 2 bytes. */
        if ((int64_t)(r->len - r->rec) > r->schema->max_record + 2) {
            *flag = -1;
            return GENRE_OK;
        }
        genre_status st = refill(r);
        if (st != GENRE_OK)
            return st;
    }
}

/* A window cut inside its last record (flag of find_record_end) cannot hold
 * it whole: if the parse of the window fails before the cut, that is the
 * input's error; if it gets to the cut, the record is too long or (strict
 * lines) holds a quoted line break. */
static genre_status cut_verdict(genre_dataset_reader *r, int flag, genre_status st,
                                int64_t line)
{
    if (flag == 0 || (st != GENRE_OK && st != GENRE_E_UNTERMINATED_QUOTE))
        return st;
    if (flag == SCAN_QUOTED_NL)
        return quoted_break(r, line);
    /* A quote never closed up to the end of the input is what read_file
     * reports too; one closed later makes the record too long. */
    if (st == GENRE_E_UNTERMINATED_QUOTE) {
        size_t from = r->len;
        for (;;) {
            if (memchr(r->buf + from, '"', r->len - from))
                break;
            if (r->eof)
                return st;
            r->beg = r->len; /* the reader fails: its text is not needed */
            genre_status rst = refill(r);
            if (rst != GENRE_OK)
                return rst;
            from = r->beg;
        }
    }
    return too_long(r, line);
}

static void point_reader(genre_dataset_reader *r, size_t from, size_t to)
{
    r->rd.base = r->buf;
    r->rd.p = r->buf + from;
    r->rd.end = r->buf + to;
    r->rd.line = r->line;
    r->rd.records = 0;
}

/* The header: the first record, read once. */
static genre_status read_head(genre_dataset_reader *r)
{
    genre_status st;
    r->line = 1;
    while (r->len < 3 && !r->eof)
        if ((st = refill(r)) != GENRE_OK)
            return st;
    if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
        r->beg = 3;
    if (r->beg == r->len)
        return GENRE_FAIL(GENRE_E_EMPTY_INPUT, "%s: the input is empty", r->name);
    scan_from(r, r->beg, 1);
    int flag;
    if ((st = find_record_end(r, &flag)) != GENRE_OK)
        return st;
    size_t end = flag ? r->len : r->rec;
    r->rd.sep = r->schema->separator ? (char)r->schema->separator
                                     : genre__csv_detect_separator(r->buf + r->beg,
                                                                   end - r->beg);
    point_reader(r, r->beg, end);
    st = genre__csv_read_header(&r->rd, r->schema, &r->head);
    if ((st = cut_verdict(r, flag, st, 1)) != GENRE_OK)
        return st;
    r->beg = (size_t)(r->rd.p - r->buf);
    r->line = r->rd.line;
    while (r->beg == r->len && !r->eof)
        if ((st = refill(r)) != GENRE_OK)
            return st;
    if (r->beg == r->len)
        return GENRE_FAIL(GENRE_E_NO_DATA_ROWS, "%s: a header and no data rows", r->name);
    return GENRE_OK;
}

genre_status genre__reader_open(genre_dataset_reader **out, const genre_dataset_schema *schema,
                                const char *path, int range)
{
    genre_dataset_reader *r = GENRE_NEW(genre_dataset_reader);
    if (!r)
        return GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory for a reader", path);
    r->src.fd = -1;
    r->until = UINT64_MAX;
    genre_status st = genre__schema_copy(&r->schema, schema);
    if (st == GENRE_OK && !(r->name = genre__strdup(path)))
        st = GENRE_E_NOMEM;
    if (st == GENRE_OK) {
        r->schema->hooks = schema->hooks;
        r->rd.name = r->name;
        r->rd.max_record = schema->max_record;
        r->rd.c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
        if (r->rd.c_locale == (locale_t)0)
            st = GENRE_FAIL(GENRE_E_NOMEM, "%s: cannot create the C locale", path);
    }
    if (st == GENRE_OK)
        st = genre__source_open(&r->src, r->name, &r->schema->hooks, range,
                                "a range reader needs a plain regular file");
    if (st == GENRE_OK)
        st = genre__source_start_ahead(&r->src, r->schema->n_threads);
    if (st == GENRE_OK)
        st = read_head(r);
    if (st != GENRE_OK) {
        genre_dataset_reader_free(r);
        return st;
    }
    *out = r;
    return GENRE_OK;
}

void genre_dataset_reader_free(genre_dataset_reader *r)
{
    if (!r)
        return;
    if (r->schema)
        genre__csv_head_free(&r->head, r->schema->n_cols);
    genre__csv_close(&r->rd);
    for (size_t t = 0; t < GENRE__CSV_MAX_PARTS; t++)
        genre_dataset_free(r->spare[t]);
    genre__source_close(&r->src);
    window_free(r);
    genre__free(r->name);
    genre_dataset_schema_free(r->schema);
    genre__free(r);
}

uint64_t genre__reader_offset(const genre_dataset_reader *r)
{
    return r->base + r->beg;
}

int64_t genre__reader_line(const genre_dataset_reader *r)
{
    return r->line;
}

int genre__reader_inflates_ahead(const genre_dataset_reader *r)
{
    return r->src.ahead != NULL;
}

int64_t genre__reader_file_bytes(const genre_dataset_reader *r)
{
    return r->src.total;
}

genre_status genre__reader_skip(genre_dataset_reader *r, uint64_t until, genre__record_fn fn,
                                void *ctx)
{
    genre_status st;
    for (;;) {
        while (r->beg == r->len && !r->eof)
            if ((st = refill(r)) != GENRE_OK)
                return st;
        if (r->beg == r->len || r->base + r->beg >= until)
            return GENRE_OK;
        if (fn && (st = fn(ctx, r->base + r->beg, r->line)) != GENRE_OK)
            return st;
        scan_from(r, r->beg, r->line);
        int flag;
        if ((st = find_record_end(r, &flag)) != GENRE_OK)
            return st;
        if (flag)
            return flag == -1 ? too_long(r, r->line) : quoted_break(r, r->line);
        r->beg = r->rec;
        r->line = r->rec_line;
    }
}

static genre_status reader_seek(genre_dataset_reader *r, uint64_t off, int64_t line)
{
    genre_status st = genre__source_seek(&r->src, off);
    if (st != GENRE_OK)
        return st;
    r->beg = r->len = 0;
    r->base = off;
    r->line = line;
    r->eof = 0;
    return GENRE_OK;
}

/* ---- Public ----------------------------------------------------------------- */

static genre_status check_schema(const genre_dataset_schema *schema)
{
    if (schema->n_cols == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "the schema names no column");
    return GENRE_OK;
}

genre_status genre_dataset_reader_open(genre_dataset_reader **out,
                                       const genre_dataset_schema *schema, const char *path)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(schema);
    GENRE_CHECK_NOT_NULL(path);
    genre_status st = check_schema(schema);
    if (st == GENRE_OK)
        st = genre__reader_open(out, schema, path, 0);
    return GENRE_PASS(st);
}

/* The last index entry at or before off: where a range reader starts. */
static size_t entry_before(const genre_dataset_index *ix, uint64_t off)
{
    size_t lo = 0, hi = ix->n; /* answer in [lo, hi): off[lo] <= off */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->off[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

genre_status genre_dataset_reader_open_range(genre_dataset_reader **out,
                                             const genre_dataset_schema *schema,
                                             const char *path, uint64_t begin_byte,
                                             uint64_t end_byte, const genre_dataset_index *index)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(schema);
    GENRE_CHECK_NOT_NULL(path);
    if (begin_byte > end_byte)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "begin_byte %llu is after end_byte %llu",
                          (unsigned long long)begin_byte, (unsigned long long)end_byte);
    genre_status st = check_schema(schema);
    genre_dataset_reader *r = NULL;
    if (st == GENRE_OK)
        st = genre__reader_open(&r, schema, path, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (index) {
        if (index->file_bytes != (uint64_t)r->src.total ||
            index->data_begin != genre__reader_offset(r))
            st = GENRE_FAIL(GENRE_E_INVALID_ARG,
                            "%s: the index describes a file of %llu bytes whose data starts at "
                            "byte %llu, the file holds %lld bytes with data from byte %llu "
                            "(rebuild the index)",
                            path, (unsigned long long)index->file_bytes,
                            (unsigned long long)index->data_begin, (long long)r->src.total,
                            (unsigned long long)genre__reader_offset(r));
        else if (index->n > 0) {
            size_t k = entry_before(index, begin_byte);
            if (index->off[k] > genre__reader_offset(r))
                st = reader_seek(r, index->off[k], index->line[k]);
        }
    } else {
        r->strict_lines = 1;
    }
    if (st == GENRE_OK)
        st = genre__reader_skip(r, begin_byte, NULL, NULL);
    if (st != GENRE_OK) {
        genre_dataset_reader_free(r);
        return GENRE_PASS(st);
    }
    r->until = end_byte;
    *out = r;
    return GENRE_OK;
}

/* The window of at most max_rows whole records from beg: sets *end, the
 * number of whole records in it and the cut flag of find_record_end. */
static genre_status find_window(genre_dataset_reader *r, size_t max_rows, size_t *end,
                                size_t *records, int *flag, int64_t *cut_line)
{
    size_t n = 0;
    *flag = 0;
    scan_from(r, r->beg, r->line);
    while (n < max_rows) {
        while (r->rec == r->len && !r->eof) {
            genre_status st = refill(r);
            if (st != GENRE_OK)
                return st;
        }
        if (r->rec == r->len || r->base + r->rec >= r->until)
            break;
        *cut_line = r->rec_line;
        genre_status st = find_record_end(r, flag);
        if (st != GENRE_OK)
            return st;
        if (*flag) {
            *end = *flag == -1 ? r->len : r->scan;
            return GENRE_OK;
        }
        n++;
    }
    *end = r->rec;
    *records = n;
    return GENRE_OK;
}

/* A parse of the window [beg, beg + n) failed with st. Its messages quote
 * a few bytes after the failing field, which may lie past the window: the
 * failure is found again with SHOW more bytes, as read_file quotes them (the
 * records before it parse the same, so it is the same failure). */
static genre_status failure_in_context(genre_dataset_reader *r, size_t n, genre_status st)
{
    /* Out of memory is no fault of the text: parsing past the window would
     * meet the record cut at its end and name that instead. */
    if (st == GENRE_E_NOMEM)
        return st;
    while (r->len - r->beg - n < SHOW && !r->eof) {
        genre_status rst = refill(r);
        if (rst != GENRE_OK)
            return rst;
    }
    if (r->len - r->beg == n)
        return st;
    genre_dataset *ds = NULL;
    point_reader(r, r->beg, r->len);
    r->rd.utf8_valid = genre__csv_utf8_check((const unsigned char *)r->buf + r->beg,
                                             r->len - r->beg) == r->len - r->beg;
    genre_status again = genre__csv_read_rows(&r->rd, r->schema, &r->head, &ds);
    genre_dataset_free(ds);
    return again != GENRE_OK ? again : st;
}

/* The next chunk into *out, built on reuse (NULL or a table of this
 * reader's schema, which it takes). */
static genre_status reader_next(genre_dataset_reader *r, size_t max_rows, genre_dataset *reuse,
                                genre_dataset **out)
{
    if (max_rows == 0) {
        genre_dataset_free(reuse);
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "max_rows is 0");
    }
    if (r->failed != GENRE_OK) {
        genre_dataset_free(reuse);
        return GENRE_FAIL(GENRE_E_BAD_STATE, "%s: the reader failed earlier (%s) at line %lld",
                          r->name, genre_status_name(r->failed), (long long)r->line);
    }
    size_t end = 0, records = 0;
    int flag = 0;
    int64_t cut_line = r->line;
    genre_status st = find_window(r, max_rows, &end, &records, &flag, &cut_line);
    genre_dataset *ds = NULL;
    if (st == GENRE_OK && end > r->beg) {
        point_reader(r, r->beg, end);
        r->rd.records = records;
        r->rd.utf8_valid = genre__csv_utf8_check((const unsigned char *)r->buf + r->beg,
                                                 end - r->beg) == end - r->beg;
        r->spare[0] = reuse;
        reuse = NULL;
        st = genre__csv_read_rows_reuse(&r->rd, r->schema, &r->head, r->spare, &ds);
        if (st != GENRE_OK && flag == 0)
            st = failure_in_context(r, end - r->beg, st);
        st = cut_verdict(r, flag, st, cut_line);
        if (st == GENRE_OK && !(ds->source = genre__strdup(r->name)))
            st = GENRE_FAIL(GENRE_E_NOMEM, "%s: out of memory", r->name);
    }
    genre_dataset_free(reuse); /* the end: nothing to build on it */
    if (st != GENRE_OK) {
        genre_dataset_free(ds);
        r->failed = st;
        return st;
    }
    if (ds) {
        r->beg = r->rec;
        r->line = r->rec_line;
        r->rows += (int64_t)ds->n_rows;
    }
    r->last = ds;
    *out = ds;
    return GENRE_OK;
}

genre_status genre_dataset_reader_next(genre_dataset_reader *r, size_t max_rows,
                                       genre_dataset **out)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(r);
    return GENRE_PASS(reader_next(r, max_rows, NULL, out));
}

genre_status genre_dataset_reader_next_into(genre_dataset_reader *r, size_t max_rows,
                                            genre_dataset **inout)
{
    GENRE_CHECK_NOT_NULL(inout);
    GENRE_CHECK_NOT_NULL(r);
    genre_dataset *reuse = *inout;
    if (reuse && reuse != r->last)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "%s: *inout is not the chunk this reader returned last", r->name);
    *inout = NULL;
    r->last = NULL;
    return GENRE_PASS(reader_next(r, max_rows, reuse, inout));
}

genre_status genre_dataset_reader_get_i64(const genre_dataset_reader *r, int32_t key,
                                          int64_t *out)
{
    GENRE_CHECK_NOT_NULL(r);
    GENRE_CHECK_NOT_NULL(out);
    switch (key) {
    case GENRE_READER_ROWS:
        *out = r->rows;
        return GENRE_OK;
    case GENRE_READER_LINE:
        *out = r->line;
        return GENRE_OK;
    case GENRE_READER_OFFSET:
        *out = (int64_t)genre__reader_offset(r);
        return GENRE_OK;
    case GENRE_READER_INPUT_BYTES:
        *out = (int64_t)genre__source_in_bytes(&r->src);
        return GENRE_OK;
    default:
        return GENRE_FAIL(GENRE_E_UNKNOWN_PARAM, "reader property %d unknown", (int)key);
    }
}
