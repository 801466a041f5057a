/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the CSV reader over an input held in memory: its state (struct
 * reader, the fields of the current record), RFC 4180 records
 * (dataset_csv.c), cell checks and conversions and the storing of a record
 * into a table through the schema's column map (dataset_cells.c), and the
 * parse of a whole plain-text input (dataset_parse.c). gzip input is
 * inflated first (dataset_gzip.c).
 */
#ifndef GENRE_DATASET_CSV_H
#define GENRE_DATASET_CSV_H

#include "dataset_private.h"

#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Offending text is quoted in messages up to this many bytes. */
#define SHOW 48

/* One field of the current record. */
struct field {
    size_t off;       /* in the input, or in scratch when in_scratch */
    size_t len;
    int in_scratch;
    int quoted;
};

/* The reader: its input, position, limits and the current record. */
struct reader {
    const char *name;
    const char *p, *end;
    int64_t line;                 /* physical line of p, 1-based */
    int64_t max_record;
    const char *base;
    struct field *fields;
    size_t n_fields, cap_fields;
    char *scratch;                /* unescaped quoted fields of one record */
    size_t scratch_len, scratch_cap;
    locale_t c_locale;
    int utf8_valid;               /* all of [p, end) checked at once */
    char sep;                     /* the field separator: ',' ';' or TAB */
    size_t records;               /* records in [p, end) when the caller counted
                                     them, else 0: only sizes the table */
};

/* The first line feed or quote in [p, end), or end: one pass where two
 * memchr calls per record cost more than the bytes (records are ~150). */
static inline const char *genre__csv_find_nl_or_quote(const char *p, const char *end)
{
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n'), qt = _mm_set1_epi8('"');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, qt)));
        if (m)
            return p + __builtin_ctz((unsigned)m);
        p += 16;
    }
#endif
    while (p < end && *p != '\n' && *p != '"')
        p++;
    return p;
}

/* The bytes of field f (not NUL-terminated; f->len of them). */
static inline const char *field_ptr(const struct reader *rd, const struct field *f)
{
    return f->in_scratch ? rd->scratch + f->off : rd->base + f->off;
}

/* ---- Records (dataset_csv.c) -------------------------------------------- */

/* Doubles rd's field array; GENRE_E_NOMEM when that fails. */
genre_status genre__csv_grow_fields(struct reader *rd);

/* Appends a field to the current record. */
static inline genre_status push_field(struct reader *rd, size_t off, size_t len,
                                      int in_scratch, int quoted)
{
    if (rd->n_fields == rd->cap_fields && genre__csv_grow_fields(rd) != GENRE_OK)
        return GENRE_E_NOMEM;
    struct field *f = &rd->fields[rd->n_fields++];
    f->off = off;
    f->len = len;
    f->in_scratch = in_scratch;
    f->quoted = quoted;
    return GENRE_OK;
}

/* Splits the record at rd->p into rd->fields and advances past it. Call
 * only when p < end. GENRE_E_PARSE (quoting), GENRE_E_RECORD_TOO_LONG or
 * GENRE_E_NOMEM, recorded with the input's name and line. */
genre_status genre__csv_read_record(struct reader *rd);

#ifdef GENRE_TESTING
/* With on != 0, records are split by the portable code only (no SSE2
 * record path, no word-at-a-time field scan), which must give the same
 * fields; not thread-safe, for tests only. Returns 1 when the build has
 * the SSE2 path (so a comparison means something), else 0. */
int genre__csv_test_force_portable(int on);
#endif

/* ---- Cells (dataset_cells.c) -------------------------------------------- */

/* Returns the offset of the first invalid byte of s, or len when all is
 * valid. Rejects overlongs, surrogates and code points above U+10FFFF. */
size_t genre__csv_utf8_check(const unsigned char *s, size_t len);

/* genre__csv_parse_number's verdicts. */
#define NUM_OK 0
#define NUM_SYNTAX 1
#define NUM_NONFINITE 2

/* The number in s[0..len) into *out: NUM_OK, NUM_SYNTAX (not a strict
 * decimal, nan/inf words aside) or NUM_NONFINITE; correctly rounded, loc the
 * "C" locale. */
int genre__csv_parse_number(const char *s, size_t len, locale_t loc, double *out);

/* 0 when genre__csv_parse_number says NUM_SYNTAX for any text starting
 * with byte c0 (not a digit, sign or point, nor the n or i of nan, inf);
 * 1 when it may not. */
static inline int genre__csv_may_be_number(unsigned char c0)
{
    return (c0 >= '0' && c0 <= '9') || c0 == '+' || c0 == '-' || c0 == '.' || c0 == 'n' ||
           c0 == 'N' || c0 == 'i' || c0 == 'I';
}

/* genre__csv_parse_number's verdict without the value: for the common
 * [+-]digits[.digits] of at most 15 digits 1 (NUM_OK, an integer) or 2
 * (NUM_OK, not an integer); for such a decimal of at most 40 digits, with
 * or without an exponent [eE][+-]digits of at most 2 digits, 3 (NUM_OK,
 * whether an integer only the parse says); 0 for anything else (ask the
 * parse). */
int genre__csv_plain_decimal(const char *s, size_t len);

/* A schema column's place in the records and its missing-value markers. */
struct marker {
    const char *text;
    size_t len;
};

struct colmap {
    int32_t file_col;     /* field index in each record */
    const struct genre__schema_col *sc;
    struct marker *markers; /* this column's and every column's, lengths known */
    size_t n_markers;
    size_t max_marker_len;
};

/* Stores the current record (physical line line) as the table's next row
 * (capacity reserved by the caller): numbers parsed, categories and text
 * interned, markers and empty fields counted into missing[] per column.
 * GENRE_E_PARSE (a bad number) or GENRE_E_NOMEM. */
genre_status genre__csv_store_row(struct reader *rd, genre_dataset *ds, const struct colmap *map,
                                  int64_t line, int64_t *missing);

/* GENRE_E_INVALID_UTF8 naming the line, column and byte when field fd is not
 * valid UTF-8. */
genre_status genre__csv_check_utf8(const struct reader *rd, const char *header_name,
                                   const struct field *fd, int64_t line);

/* ---- The whole input (dataset_parse.c) ---------------------------------- */

/* The separator a header line suggests: the most frequent of ',' ';' TAB
 * outside quotes in the first record of buf[0..len), ties in that order,
 * none -> ','. */
char genre__csv_detect_separator(const char *buf, size_t len);

/* Sets up rd over buf[0..len) (a UTF-8 byte-order mark skipped) under the
 * schema's record limit and separator (0: detected): GENRE_E_EMPTY_INPUT,
 * GENRE_E_PARSE (a NUL byte) or GENRE_E_NOMEM recorded with name. Release
 * with genre__csv_close, also after a failure. */
genre_status genre__csv_open(struct reader *rd, const genre_dataset_schema *schema,
                             const char *buf, size_t len, const char *name);
void genre__csv_close(struct reader *rd);

/* genre__csv_open without its pass over the whole input for UTF-8:
 * rd->utf8_valid is 0 (every field checked) until the caller sets it, for
 * a reader over a range it has checked with genre__csv_utf8_check (schema
 * inference checks each part on its own thread). */
genre_status genre__csv_open_unchecked(struct reader *rd, const genre_dataset_schema *schema,
                                       const char *buf, size_t len, const char *name);

/* A separator's name in messages: "','", "';'" or "TAB". */
const char *genre__csv_separator_name(char sep);

/* The header of an input and its mapping onto the schema's columns. */
struct genre__csv_head {
    char **header;           /* the header's names, n_header of them */
    size_t n_header;
    struct colmap *map;      /* per schema column */
};

/* Reads the header record at rd->p (advancing past it) into *h and maps the
 * schema's columns: GENRE_E_DUPLICATE_COLUMN, GENRE_E_MISSING_COLUMN,
 * GENRE_E_INVALID_UTF8, the record's errors, GENRE_E_NOMEM. Release *h
 * with genre__csv_head_free, also after a failure. */
genre_status genre__csv_read_header(struct reader *rd, const genre_dataset_schema *schema,
                                    struct genre__csv_head *h);
void genre__csv_head_free(struct genre__csv_head *h, size_t n_cols);

/* Parses the data records of rd->p..rd->end (rd->p's line rd->line; rd is
 * not advanced) into a new table with the "read" counters of the report,
 * on up to GENRE_SCHEMA_THREADS threads above 1 MiB. The table's source is
 * left NULL. */
genre_status genre__csv_read_rows(struct reader *rd, const genre_dataset_schema *schema,
                                  const struct genre__csv_head *h, genre_dataset **out);

/* The parse's most parts (threads) of one input. */
#define GENRE__CSV_MAX_PARTS 8

/* A run of whole records of the input and the line it starts on. */
struct genre__csv_cut {
    const char *begin, *end;
    int64_t first_line;
};

/* Cuts rd->p..rd->end (rd->p on line rd->line) at record boundaries into
 * at most GENRE__CSV_MAX_PARTS parts of at least 1 MiB, one per thread of
 * n_threads (a GENRE_SCHEMA_THREADS value), into cuts[]; returns their
 * number (1: the whole input, too small to share). The parse and schema
 * inference share it. */
size_t genre__csv_plan_cuts(const struct reader *rd, int64_t n_threads,
                            struct genre__csv_cut *cuts);

/* A reader of cut c of base's input: base's settings (name, limits,
 * separator, locale) over c's bytes from c's line, with a record buffer of
 * its own (empty: it grows on the part's thread; the caller frees
 * fields and scratch). */
static inline struct reader genre__csv_reader_for_cut(const struct reader *base,
                                                      const struct genre__csv_cut *c)
{
    struct reader rd = *base;
    rd.p = c->begin;
    rd.end = c->end;
    rd.line = c->first_line;
    rd.fields = NULL;
    rd.n_fields = rd.cap_fields = 0;
    rd.scratch = NULL;
    rd.scratch_len = rd.scratch_cap = 0;
    return rd;
}

/* genre__csv_read_rows building on spare tables of the same schema, so a
 * stream of chunks reuses their memory: spare[t] (NULL or a table, for
 * t < GENRE__CSV_MAX_PARTS) becomes part t's table, cleared; spare[0] ends
 * in *out, the other parts' tables come back in spare[1..]. The caller owns
 * what spare holds on return (also after a failure). */
genre_status genre__csv_read_rows_reuse(struct reader *rd, const genre_dataset_schema *schema,
                                        const struct genre__csv_head *h, genre_dataset **spare,
                                        genre_dataset **out);

/* Parses len bytes of plain CSV (a UTF-8 byte-order mark skipped) into
 * *out under schema; name labels messages. */
genre_status genre__csv_read_plain(genre_dataset **out, const genre_dataset_schema *schema,
                                   const char *buf, size_t len, const char *name);

#endif
