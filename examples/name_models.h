/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The name study's building blocks (examples/name_study.c and its leak check,
 * examples/name_leak.c): a CSR matrix owned by the caller, and the three
 * networks the study fits -- softmax regression on hashed names, the
 * names+audio network on CSR rows and the dense audio network -- each with
 * early stopping on validation rows. Not thread-safe per matrix; the fits
 * themselves share nothing and may run on several threads.
 */
#ifndef GENRE_NAME_MODELS_H
#define GENRE_NAME_MODELS_H

#include <genre/genre.h>
#include <stddef.h>
#include <stdint.h>

/* A CSR matrix: row r's entries are ci/v[rp[r] .. rp[r+1]). Owned by its
 * holder; csr_free() releases it and zeroes it (a zeroed csr is empty). */
typedef struct csr {
    size_t n_rows, n_cols;
    size_t *rp;
    uint32_t *ci;
    double *v;
} csr;

void csr_free(csr *m);
/* Allocates room for n_rows rows and nnz entries. 0, or -1 (out of memory). */
int csr_alloc(csr *m, size_t n_rows, size_t n_cols, size_t nnz);
/* dst = the rows rows[0..n) of src. 0, or -1 (out of memory). */
int csr_take(const csr *src, const size_t *rows, size_t n, csr *dst);
/* dst = src with the entries of columns below n_text multiplied by a. */
int csr_scaled_copy(const csr *src, size_t n_text, double a, csr *dst);

/* How every network is made: classes, seed, epoch caps; cancel (may be
 * NULL) is polled once per epoch with user and stops the fit with
 * GENRE_E_CANCELLED. */
typedef struct name_fit {
    int32_t n_classes;
    uint64_t seed;
    int (*cancel)(void *user);
    void *user;
} name_fit;

/* Softmax regression on CSR rows. With validation rows (va non-NULL) it
 * stops early (*best, if non-NULL, receives the epoch kept) and proba_va
 * (if non-NULL) receives their probabilities; without, it runs exactly
 * `epochs` epochs. proba: te->n_rows x n_classes. */
genre_status names_fit_predict(const name_fit *f, const csr *tr, const int32_t *y,
                               const csr *va, const int32_t *yva, int64_t epochs,
                               const csr *te, double *proba, int64_t *best, double *proba_va);

/* The names+audio network (one hidden layer of `hidden` units) on CSR rows,
 * early-stopped on the validation rows. */
genre_status both_fit_predict(const name_fit *f, int32_t hidden, int64_t epochs,
                              const csr *tr, const int32_t *y, const csr *va,
                              const int32_t *yva, const csr *te, double *proba,
                              int64_t *best, double *proba_va);

/* The audio network (d inputs -> 64 -> 32 -> classes) on dense row-major
 * rows, early-stopped on the validation rows. */
genre_status dense_fit_predict(const name_fit *f, int64_t epochs, const double *xtr,
                               size_t ntr, const int32_t *y, const double *xva, size_t nva,
                               const int32_t *yva, const double *xte, size_t nte, size_t d,
                               double *proba, int64_t *best, double *proba_va);

/* Macro one-vs-rest AUROC of n rows of k probabilities; NaN when it is not
 * defined (a class absent from y). */
double macro_auroc(const int32_t *y, const double *p, size_t n, int32_t k);

/* splitmix64: the fold or validation draw of a row or a group, from a seed. */
uint64_t name_mix(uint64_t x);

#endif
