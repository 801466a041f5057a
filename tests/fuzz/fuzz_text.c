/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the text vectoriser on fuzzed names. Byte 0 picks the
 * fields per row (1-3) and the options, byte 1 the n-gram range and the
 * bucket count; the rest is names separated by '\n' (an empty line is NULL
 * when option bit 5 is set). Fits on the first half of the rows, transforms
 * all of them, and checks the CSR it gets back (row_ptr from 0 and
 * non-decreasing, columns strictly increasing and < N_FEATURES, values
 * finite, unit rows when normalising), then appends a dense column and
 * round-trips the model through save/load (same transform, bit for bit).
 */
#include <genre/genre.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_NAMES 256

static void check(int ok)
{
    if (!ok)
        abort();
}

/* Transforms and checks the CSR; returns its three arrays (the caller frees them). */
static genre_status transform(const genre_text *t, const char *const *names, size_t n_rows,
                              size_t n_fields, int normalize, size_t n_features, size_t **rp,
                              uint32_t **ci, double **v)
{
    size_t nnz = 0;
    *rp = malloc((n_rows + 1) * sizeof **rp);
    *ci = NULL;
    *v = NULL;
    genre_status st =
        genre_text_transform(t, names, n_rows, n_fields, *rp, NULL, NULL, 0, &nnz);
    if (st != GENRE_E_BUFFER_TOO_SMALL && st != GENRE_OK)
        return st;
    *ci = malloc((nnz ? nnz : 1) * sizeof **ci);
    *v = malloc((nnz ? nnz : 1) * sizeof **v);
    st = genre_text_transform(t, names, n_rows, n_fields, *rp, *ci, *v, nnz, NULL);
    if (st != GENRE_OK)
        return st;
    check((*rp)[0] == 0 && (*rp)[n_rows] == nnz);
    for (size_t i = 0; i < n_rows; i++) {
        check((*rp)[i] <= (*rp)[i + 1]);
        double norm = 0;
        for (size_t k = (*rp)[i]; k < (*rp)[i + 1]; k++) {
            check((*ci)[k] < n_features);
            check(k == (*rp)[i] || (*ci)[k - 1] < (*ci)[k]);
            check(isfinite((*v)[k]));
            norm += (*v)[k] * (*v)[k];
        }
        if (normalize && (*rp)[i + 1] > (*rp)[i])
            check(fabs(norm - 1.0) < 1e-9 || norm == 0.0);
    }
    return GENRE_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const uint8_t opt = data[0], grams = data[1];
    const size_t n_fields = 1 + (size_t)(opt & 3) % 3;
    /* Split the rest into NUL-terminated names. */
    char *text = malloc(size - 1);
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';
    const char *names[MAX_NAMES];
    size_t n = 0;
    for (char *p = text; n < MAX_NAMES;) {
        char *nl = memchr(p, '\n', strlen(p));
        if (nl)
            *nl = '\0';
        names[n++] = (opt & 32) && *p == '\0' ? NULL : p;
        if (!nl)
            break;
        p = nl + 1;
    }
    size_t n_rows = n / n_fields;
    genre_text *t = NULL;
    if (n_rows == 0 || genre_text_create(&t) != GENRE_OK) {
        free(text);
        return 0;
    }
    const int normalize = !(opt & 4);
    genre_text_set_i64(t, GENRE_TEXT_NGRAM_MIN, grams & 7);
    genre_text_set_i64(t, GENRE_TEXT_NGRAM_MAX, (grams >> 3) & 7);
    genre_text_set_i64(t, GENRE_TEXT_N_BUCKETS, (int64_t)1 << (1 + (grams >> 6) * 3));
    genre_text_set_i64(t, GENRE_TEXT_NORMALIZE, normalize);
    genre_text_set_i64(t, GENRE_TEXT_SUBLINEAR_TF, (opt >> 3) & 1);
    genre_text_set_i64(t, GENRE_TEXT_LAYOUT,
                       opt & 16 ? GENRE_TEXT_LAYOUT_SHARED : GENRE_TEXT_LAYOUT_SEPARATE);
    genre_text_set_i64(t, GENRE_TEXT_TFIDF, !(opt & 64));
    genre_text_set_i64(t, GENRE_TEXT_SIGNED, !(opt & 128));
    size_t n_fit = (n_rows + 1) / 2;
    if (genre_text_fit(t, names, n_fit, n_fields) != GENRE_OK) {
        check(genre_last_error()[0] != '\0');
        genre_text_free(t);
        free(text);
        return 0;
    }
    int64_t n_features = 0;
    check(genre_text_get_i64(t, GENRE_TEXT_N_FEATURES, &n_features) == GENRE_OK);
    size_t *rp = NULL;
    uint32_t *ci = NULL;
    double *v = NULL;
    check(transform(t, names, n_rows, n_fields, normalize, (size_t)n_features, &rp, &ci, &v) ==
          GENRE_OK);

    /* One dense column appended after the hashed ones. */
    if ((uint64_t)n_features < UINT32_MAX) {
        double *x = malloc(n_rows * sizeof *x);
        for (size_t i = 0; i < n_rows; i++)
            x[i] = (double)i;
        size_t need = 0, *orp = malloc((n_rows + 1) * sizeof *orp);
        genre_status st = genre_text_csr_append_dense(n_rows, (size_t)n_features, rp[n_rows], rp,
                                                      ci, v, x, 1, 1, orp, NULL, NULL, 0, &need);
        check(st == GENRE_E_BUFFER_TOO_SMALL && need == rp[n_rows] + n_rows);
        uint32_t *oci = malloc(need * sizeof *oci);
        double *ov = malloc(need * sizeof *ov);
        check(genre_text_csr_append_dense(n_rows, (size_t)n_features, rp[n_rows], rp, ci, v, x, 1,
                                          1, orp, oci, ov, need, NULL) == GENRE_OK);
        for (size_t i = 0; i < n_rows; i++)
            check(oci[orp[i + 1] - 1] == (uint32_t)n_features && ov[orp[i + 1] - 1] == x[i]);
        free(x);
        free(orp);
        free(oci);
        free(ov);
    }

    /* Save and load: the same columns and values. */
    size_t len = 0;
    genre_text_save_to_memory(t, NULL, 0, &len);
    unsigned char *buf = malloc(len);
    check(genre_text_save_to_memory(t, buf, len, &len) == GENRE_OK);
    genre_text *u = NULL;
    check(genre_text_load_from_memory(&u, buf, len) == GENRE_OK);
    size_t *rp2 = NULL;
    uint32_t *ci2 = NULL;
    double *v2 = NULL;
    check(transform(u, names, n_rows, n_fields, normalize, (size_t)n_features, &rp2, &ci2,
                    &v2) == GENRE_OK);
    check(memcmp(rp, rp2, (n_rows + 1) * sizeof *rp) == 0);
    check(memcmp(ci, ci2, rp[n_rows] * sizeof *ci) == 0);
    check(memcmp(v, v2, rp[n_rows] * sizeof *v) == 0);
    free(rp2);
    free(ci2);
    free(v2);
    genre_text_free(u);
    free(buf);
    free(rp);
    free(ci);
    free(v);
    genre_text_free(t);
    free(text);
    return 0;
}
