/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the building blocks of the hashed text features (genre/text.h):
 * the hashing settings a fit or transform runs with, one row's hashed,
 * merged and column-sorted entries (UTF-8 decoding with replacement,
 * lower-casing, letter/digit tokens, char_wb n-grams over code points), a
 * growable array, and the idf arithmetic (the radix sort of document
 * columns, the idf formula, the dense idf table).
 */
#ifndef GENRE_TEXT_PRIVATE_H
#define GENRE_TEXT_PRIVATE_H

#include <genre/text.h>

#include <stddef.h>
#include <stdint.h>

/* Up to this many columns (32 MiB of doubles) idf is also kept as a dense table. */
#define DENSE_IDF_MAX ((uint64_t)1 << 22)
#define COLS_LIMIT ((uint64_t)1 << 32) /* column indices are uint32_t */

/* The parameters that decide a row's hashed entries (genre/text.h keys). */
typedef struct genre__text_hashing {
    int ngram_min, ngram_max, words, signed_hash, layout;
    uint64_t n_buckets;
    uint32_t seed;
} genre__text_hashing;

/* One hashed entry: column and signed count. */
typedef struct entry {
    uint32_t col;
    double v;
} entry;

/* Reusable buffers of genre__text_row_entries; zero it before first use. */
typedef struct scratch {
    uint32_t *cp; /* decoded, lower-cased name */
    size_t cp_cap;
    unsigned char *bytes; /* padded token, UTF-8 */
    size_t bytes_cap;
    size_t *off; /* byte offset of each padded code point (+ end) */
    size_t off_cap;
    unsigned char *key;
    size_t key_cap;
    entry *e;
    size_t e_len, e_cap;
} scratch;

/* Releases s's buffers and zeroes it. */
void genre__text_scratch_free(scratch *s);

/* Grows the array *p of *cap items of item bytes to hold need items
 * (doubling); returns 0, or -1 with *p untouched when out of memory. */
int genre__text_grow(void *p, size_t *cap, size_t need, size_t item);

/* Computes the merged, zero-free, column-sorted raw counts of one row (its
 * n_fields names) into s->e[0..s->e_len). Counts invalid and empty names
 * into *n_invalid and *n_empty when not NULL. Returns 0 or -1 (NOMEM). */
int genre__text_row_entries(const genre__text_hashing *p, const char *const *names,
                            size_t n_fields, scratch *s, int64_t *n_invalid, int64_t *n_empty);

/* LSD radix sort of n uint32 values (11-bit digits), tmp of n entries. */
void genre__text_radix_sort(uint32_t *a, uint32_t *tmp, size_t n);

/* The idf of a column found in df of n documents: ln((1 + n) / (1 + df)) + 1
 * when smooth, else ln(n / df) + 1. */
double genre__text_idf(int smooth, int64_t n, int64_t df);

/* The dense idf table of (cols, idf) over n_features columns, or NULL when
 * too many columns (then *ok stays 1) or on allocation failure (*ok = 0). */
double *genre__text_dense_idf(const uint32_t *cols, const double *idf, size_t n,
                              uint64_t n_features, double unseen, int *ok);

#endif
