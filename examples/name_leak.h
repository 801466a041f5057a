/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The name study's leak check: a text column that alone predicts the label
 * almost perfectly (file names holding the genre, say) is a leak, not a
 * finding. Each text column is hashed on its own (one field, the study's
 * hashing settings, document frequencies from the fit rows), the names model
 * is fit on the fit rows and early-stopped on the validation rows, and its
 * validation macro AUROC is the column's score. Only training rows are used:
 * the validation rows are a part of them, the test rows are never seen.
 */
#ifndef GENRE_NAME_LEAK_H
#define GENRE_NAME_LEAK_H

#include "name_models.h"

/* A column whose validation macro AUROC is above this alone predicts the
 * label: a likely leak. */
#define NAME_LEAK_AUROC 0.99

/* The hashing and the names model's epoch cap, as the study uses them. */
typedef struct name_leak_params {
    int64_t n_buckets;
    int32_t ngram_min, ngram_max;
    uint32_t text_seed;
    int64_t epochs;
} name_leak_params;

/* Scores each of the m text columns alone. names_fit: n_fit x m strings
 * (row-major: row i's columns at names_fit[i * m ..]), y_fit their labels in
 * [0, f->n_classes); names_val, y_val likewise for n_val validation rows.
 * val_auroc receives m scores (NaN when the AUROC is not defined, e.g. a
 * class absent from the validation rows; never flagged). Returns GENRE_OK or
 * the first failure (genre_last_error() says which call; GENRE_E_NOMEM when
 * out of memory). Thread-safe: shares nothing. */
genre_status name_leak_scores(const name_fit *f, const name_leak_params *p,
                              const char *const *names_fit, const int32_t *y_fit, size_t n_fit,
                              const char *const *names_val, const int32_t *y_val, size_t n_val,
                              size_t m, double *val_auroc);

/* Whether a score flags a leak (above NAME_LEAK_AUROC; NaN never does). */
int name_leak_flagged(double val_auroc);

/* The warning for a flagged column, NUL-terminated in buf (cut to cap):
 * names the column, its score and the word "leak", and says whether the
 * column is left out of the combined models or kept (--keep-leaking). */
void name_leak_warning(char *buf, size_t cap, const char *column, double val_auroc, int kept);

#endif
