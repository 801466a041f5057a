/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: schema inference's state. The scan (dataset_infer_scan.c) reads
 * the records once, in parts on separate threads like the reader, and
 * merges what each part saw per column into exactly what one pass in file
 * order would have seen; dataset_infer.c gives each column its role from
 * that and writes the schema and its notes.
 */
#ifndef GENRE_DATASET_INFER_H
#define GENRE_DATASET_INFER_H

#include "dataset_csv.h"

#include <stdint.h>

/* A numeric column may hold at most this share of odd cells (1 %) and this
 * many distinct odd texts; one odd cell among at least ODD_ONE_MIN_NUMBERS
 * numbers is allowed whatever its share, so a small table's one typo is an
 * odd cell, not a reason to drop the column. */
#define ODD_SHARE_DIVISOR 100
#define ODD_MAX_DISTINCT 100
#define ODD_ONE_MIN_NUMBERS 20
/* Distinct texts kept per column (not the label): enough to judge its
 * words; a column with more is neither numeric nor categorical, and the
 * rest of its cells are only counted. */
#define TEXT_SAMPLE 10000
/* A shuffled integer id: at least this many rows (a small table's unique
 * integers may be a feature), each value distinct, and max - min + 1 at
 * most this many times the rows. n distinct values drawn at random from a
 * span of 4n are all distinct with odds below exp(-(n-1)/8): a feature is not
 * caught by chance. */
#define ID_MIN_ROWS 100
#define ID_SPAN_FACTOR 4
/* Recent texts of a column with few distinct ones (categories) are found
 * by a direct-mapped memo of this many entries before the hash table. */
#define TEXT_MEMO 64
#define TEXT_MEMO_MAX_TEXTS 256

struct odd_cell {
    int64_t line;
    int32_t text;  /* id in the column's texts */
};

/* What one column's cells were: of one part while the scan runs, of the
 * whole input after the merge. */
struct icol {
    /* Every cell touches these: one cache line. */
    int64_t cells;            /* cells of non-blank records */
    int64_t n_num;            /* finite numbers */
    int all_int;              /* every number integral */
    int settled;              /* a number's value no longer matters (see see_number) */
    int64_t empty;            /* empty fields */
    int64_t marked;           /* other missing markers */
    genre__dict marker_texts; /* their spellings */
    double min, max, prev;
    double first;             /* the first number */
    int running, run_dir;     /* a running integer id so far; its step */
    genre__dict num_set;      /* distinct number texts, at most max_categories + 1 */
    int64_t n_text;           /* other cells: texts */
    genre__dict texts;        /* their distinct values */
    int64_t *text_first;      /* per text: n_text at its first cell (not the label) */
    size_t cap_text_first;
    int64_t peak;             /* the most n_text - n_num reached after a cell */
    struct odd_cell *odd;     /* each text cell, while the column may be numeric */
    size_t n_odd, cap_odd;
    int odd_stopped;          /* no longer recorded: the column cannot be numeric */
    int odd_dropped;          /* after the merge: too many texts to be numeric */
    int32_t role;
    int64_t recurring;        /* distinct texts sharing a word with another */
    int32_t prev_text;        /* the last text's id, or -1: runs skip the hash */
    int32_t memo[TEXT_MEMO];  /* by genre__infer_memo_slot: 1 + a text id (and a flag), or 0 */
    int texts_full;           /* TEXT_SAMPLE distinct texts kept: no more */
    int64_t comma_numbers;    /* text cells that are numbers with one ',' for '.' */
    int maybe_id;             /* every cell an integer, no repeat seen: ints are kept */
    int64_t *ints;            /* then its values, to find a shuffled id */
    size_t n_ints, cap_ints;
    int dense_id;             /* after the scan: a shuffled (or running) integer id */
};

struct infer {
    const genre_dataset_schema *opt;
    struct reader rd;
    char **header;
    size_t n_header;
    size_t label;
    struct icol *cols;
    const char *const *extra;   /* the options' markers of every column */
    size_t n_extra;
    int64_t rows;               /* non-blank records looked at */
    int64_t header_line;
    const char *data_start;     /* the reader after the header */
    int64_t data_line;
};

/* Whether c (merged) may be numeric: its texts are few enough to be odd
 * cells of a numeric column, every one recorded in c->odd. */
static inline int genre__infer_may_be_numeric(const struct icol *c)
{
    return c->n_num > 0 && !c->odd_dropped &&
           (c->n_text * ODD_SHARE_DIVISOR <= c->cells ||
            (c->n_text == 1 && c->n_num >= ODD_ONE_MIN_NUMBERS)) &&
           c->texts.n <= ODD_MAX_DISTINCT;
}

/* genre__csv_plain_decimal's verdict on f[0..len), the common forms from
 * one or two 16-byte loads: [+-]digits[.digits] in at most 32 bytes gives
 * 1 or 2 (1 to 15 digits) or 3 (more) without a byte loop; anything else
 * (and a field whose loads would pass bound, the end of the readable
 * bytes) asks genre__csv_plain_decimal. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int genre__infer_plain_decimal(const char *f, size_t len, const char *bound)
{
#if defined(__SSE2__)
    const size_t loads = len <= 16 ? 16 : 32;
    if (len - 1 < 32 && (size_t)(bound - f) >= loads) {
        const __m128i lo = _mm_set1_epi8('0' - 1), hi = _mm_set1_epi8('9' + 1),
                      zero = _mm_set1_epi8('0');
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)f);
        uint32_t digit = (uint32_t)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi)));
        uint32_t zeros = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero));
        if (loads == 32) {
            v = _mm_loadu_si128((const __m128i *)(const void *)(f + 16));
            digit |= (uint32_t)_mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(v, lo),
                                                               _mm_cmplt_epi8(v, hi)))
                     << 16;
            zeros |= (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero)) << 16;
        }
        const uint32_t in = (uint32_t)((UINT64_C(1) << len) - 1);
        const uint32_t sign = f[0] == '-' || f[0] == '+';
        const uint32_t other = in & ~digit & ~sign; /* the sign is bit 0 */
        const size_t digits = len - sign - (other != 0);
        const unsigned at = other ? (unsigned)__builtin_ctz(other) : 0;
        /* every byte a digit but the sign and at most one '.' */
        if (digits > 0 && (other == 0 || ((other & (other - 1)) == 0 && f[at] == '.'))) {
            if (digits > 15)
                return 3; /* at most 31 digits: within plain_decimal's 40 */
            const uint32_t frac = other ? in & ~(uint32_t)((UINT64_C(2) << at) - 1) : 0;
            return frac & ~zeros ? 2 : 1;
        }
    }
#else
    (void)bound;
#endif
    return genre__csv_plain_decimal(f, len);
}

/* The memo entry of text f[0..len), len > 0. */
static inline unsigned genre__infer_memo_slot(const char *f, size_t len)
{
    const unsigned a = (unsigned char)f[0], b = (unsigned char)f[len / 2],
                   z = (unsigned char)f[len - 1];
    return (a * 7u + b * 31u + z * 131u + (unsigned)len * 17u) & (TEXT_MEMO - 1);
}

/* A column's state before its first cell. */
void genre__infer_col_init(struct icol *c);
void genre__infer_col_free(struct icol *c);

/* Reads the records after the header (at most GENRE_SCHEMA_INFER_MAX_ROWS
 * of them) into in->cols (allocated here, each to be released with
 * genre__infer_col_free) and in->rows: on up to GENRE_SCHEMA_THREADS
 * threads above the reader's part size, with the same result and the same
 * first error as one pass; then finds the integer ids (dense_id). The record's and cells' errors (GENRE_E_PARSE,
 * GENRE_E_RAGGED_ROW, GENRE_E_INVALID_UTF8, ...) and GENRE_E_NOMEM. */
genre_status genre__infer_scan(struct infer *in);

#endif
