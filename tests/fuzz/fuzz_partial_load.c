/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One target over the partial-state loaders (issue 19): the scaler's, PCA's,
 * LDA's and the metrics' genre_*_partial_load_from_memory. Byte 12 of the input (the
 * kind field, which the header repair overwrites) picks the loader; the
 * input gets a valid header for that kind (fuzz_load.h), so every execution
 * reaches the decoder.
 *
 * Invariants (abort() on failure): a load returns GENRE_OK, GENRE_E_CORRUPT
 * or GENRE_E_VERSION and asks for no allocation above the input's size; a
 * loaded state merges with a copy of itself, fits (or fails with a
 * documented status, never an argument or shape error past the state's own
 * limits), and saves to bytes that load and save again identically.
 */
#include "fuzz_load.h"

/* Fitting a loaded state: success, or what a state of too few rows or
 * classes, or of extreme values, may meet. */
static void fit_check(genre_status st)
{
    fuzz_require(st == GENRE_OK || st == GENRE_E_INVALID_ARG || st == GENRE_E_NUMERIC ||
                 st == GENRE_E_SHAPE);
}

#define RESAVE(k, p)                                                                      \
    do {                                                                                  \
        size_t l1_, l2_;                                                                  \
        unsigned char *s1_, *s2_;                                                         \
        FUZZ_SAVED(genre_##k##_partial_save_to_memory, (p), s1_, &l1_);                             \
        genre_##k##_partial *q_ = NULL;                                                   \
        fuzz_require(genre_##k##_partial_load_from_memory(&q_, s1_, l1_) == GENRE_OK);                \
        FUZZ_SAVED(genre_##k##_partial_save_to_memory, q_, s2_, &l2_);                              \
        fuzz_require(l1_ == l2_ && memcmp(s1_, s2_, l1_) == 0);                           \
        /* a merge with a copy of itself is a valid state */                              \
        genre_status ms_ = genre_##k##_partial_merge(q_, (p));                            \
        fuzz_require(ms_ == GENRE_OK || ms_ == GENRE_E_INVALID_ARG); /* 2^53 rows */     \
        genre_##k##_partial_free(q_);                                                     \
        free(s1_);                                                                        \
        free(s2_);                                                                        \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int32_t kinds[4] = {GENRE_MODEL_SCALER_PARTIAL, GENRE_MODEL_PCA_PARTIAL,
                                     GENRE_MODEL_LDA_PARTIAL, GENRE_MODEL_METRICS_PARTIAL};
    const int which = size > 12 ? (data[12] + 3) % 4 : 0; /* kinds 9..12 -> 0..3 */
    size_t len;
    uint8_t *b = fuzz_load_repair(data, size, kinds[which], &len);
    genre_status st;
    if (which == 0) {
        genre_scaler_partial *p = NULL;
        fuzz_load_begin();
        st = genre_scaler_partial_load_from_memory(&p, b, len);
        fuzz_load_check(st, len, 0);
        fuzz_require((st == GENRE_OK) == (p != NULL));
        if (p) {
            genre_scaler *m;
            fuzz_require(genre_scaler_create(&m) == GENRE_OK);
            fit_check(genre_scaler_fit_partial(m, p));
            genre_scaler_free(m);
            RESAVE(scaler, p);
            genre_scaler_partial_free(p);
        }
    } else if (which == 1) {
        genre_pca_partial *p = NULL;
        fuzz_load_begin();
        st = genre_pca_partial_load_from_memory(&p, b, len);
        fuzz_load_check(st, len, 0);
        fuzz_require((st == GENRE_OK) == (p != NULL));
        if (p) {
            genre_pca *m;
            fuzz_require(genre_pca_create(&m) == GENRE_OK);
            fit_check(genre_pca_fit_partial(m, p));
            genre_pca_free(m);
            RESAVE(pca, p);
            genre_pca_partial_free(p);
        }
    } else if (which == 2) {
        genre_lda_partial *p = NULL;
        fuzz_load_begin();
        st = genre_lda_partial_load_from_memory(&p, b, len);
        fuzz_load_check(st, len, 0);
        fuzz_require((st == GENRE_OK) == (p != NULL));
        if (p) {
            genre_lda *m;
            fuzz_require(genre_lda_create(&m) == GENRE_OK);
            fit_check(genre_lda_fit_partial(m, p));
            genre_lda_free(m);
            RESAVE(lda, p);
            genre_lda_partial_free(p);
        }
    } else {
        genre_metrics_partial *p = NULL;
        fuzz_load_begin();
        st = genre_metrics_partial_load_from_memory(&p, b, len);
        fuzz_load_check(st, len, 0);
        fuzz_require((st == GENRE_OK) == (p != NULL));
        if (p) {
            double v;
            genre_status q = genre_metrics_partial_roc_auc_ovr(p, GENRE_METRICS_AVERAGE_MACRO, &v);
            fuzz_require(q == GENRE_OK || q == GENRE_E_INVALID_ARG); /* empty, a class absent */
            q = genre_metrics_partial_accuracy(p, &v);
            fuzz_require(q == GENRE_OK || q == GENRE_E_INVALID_ARG);
            RESAVE(metrics, p);
            genre_metrics_partial_free(p);
        }
    }
    free(b);
    return 0;
}
