/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: CSR input to the MLP (fit, predict_proba, transform).
 * The arrays are always as long as row_ptr[n_rows] says (the documented
 * contract in mlp.h: the fuzzer never makes the library read past them),
 * but everything else is hostile: row_ptr values, column order, duplicates,
 * out-of-range columns, NaN and infinities, labels.
 *
 * Layout: byte 0 n_rows (1-8), byte 1 n_cols (1-16), byte 2 options, then
 * n_rows + 1 row_ptr bytes (each taken modulo nnz + 3, so row_ptr[0] may be
 * non-zero and the rows may decrease; row_ptr[n_rows] is clamped to nnz),
 * n_rows label bytes, then entries of 3 bytes each (column, value class,
 * value) whose count is nnz.
 */
#include <genre/genre.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static double value_of(uint8_t cls, uint8_t v)
{
    switch (cls & 7) {
    case 0: return NAN;
    case 1: return (cls & 8) ? INFINITY : -INFINITY;
    case 2: return 0.0;
    case 3: return ldexp((double)v, (int)(cls >> 3) * 30 - 60); /* tiny to huge */
    default: return ((double)v - 128.0) / 16.0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const size_t n_rows = 1 + data[0] % 8, n_cols = 1 + data[1] % 16;
    const uint8_t opt = data[2];
    size_t head = 3 + (n_rows + 1) + n_rows;
    if (size < head)
        return 0;
    const size_t nnz = (size - head) / 3;
    const uint8_t *rpb = data + 3, *lab = rpb + n_rows + 1, *ent = data + head;
    size_t rp[9];
    for (size_t i = 0; i <= n_rows; i++)
        rp[i] = rpb[i] % (nnz + 3);
    /* row_ptr is left as hostile as the input makes it: the calls take the
     * arrays' real length nnz and must refuse any row_ptr beyond it. */
    uint32_t *ci = malloc((nnz ? nnz : 1) * sizeof *ci);
    double *v = malloc((nnz ? nnz : 1) * sizeof *v);
    for (size_t k = 0; k < nnz; k++) {
        ci[k] = ent[3 * k] < 240 ? ent[3 * k] % (n_cols + 1) : UINT32_MAX - ent[3 * k] % 4;
        v[k] = value_of(ent[3 * k + 1], ent[3 * k + 2]);
    }
    int32_t labels[8];
    for (size_t i = 0; i < n_rows; i++)
        labels[i] = lab[i] < 250 ? lab[i] % 3 : -(int32_t)(lab[i] - 249);

    genre_mlp *m = NULL;
    check(genre_mlp_create(&m) == GENRE_OK);
    const int32_t width[2] = {1 + (opt & 7), 3};
    genre_mlp_set_hidden_layers(m, width, 1 + ((opt >> 3) & 1));
    genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 2);
    genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 1 + ((opt >> 4) & 3));
    genre_mlp_set_i64(m, GENRE_MLP_VALIDATE_INPUT, !(opt & 64));
    genre_mlp_set_i64(m, GENRE_MLP_SPARSE_UPDATE, (opt >> 7) & 1);
    genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, 1);
    const int with_val = (opt & 32) != 0;
    genre_status st = genre_mlp_fit_csr(m, n_rows, n_cols, nnz, rp, ci, v, labels,
                                        with_val ? n_rows : 0, nnz, with_val ? rp : NULL, ci,
                                        v, labels);
    if (st != GENRE_OK)
        check(genre_last_error()[0] != '\0' &&
              strncmp(genre_last_error(), "genre_mlp_fit_csr: ", 19) == 0);

    /* Prediction on the same hostile matrix by the fitted model, or by
     * a model fitted on something valid when the fit refused it. */
    if (st != GENRE_OK) {
        size_t grp[3] = {0, 1, 1};
        uint32_t gci[1] = {0};
        double gv[1] = {1.0};
        int32_t gl[2] = {0, 1};
        genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, 0);
        check(genre_mlp_fit_csr(m, 2, n_cols, 1, grp, gci, gv, gl, 0, 0, NULL, NULL, NULL, NULL) ==
              GENRE_OK);
    }
    double out[8 * 16];
    st = genre_mlp_predict_proba_csr(m, n_rows, n_cols, nnz, rp, ci, v, out,
                                     sizeof out / sizeof *out, NULL);
    if (st == GENRE_OK) {
        int64_t k = 0;
        check(genre_mlp_get_i64(m, GENRE_MLP_N_OUTPUTS, &k) == GENRE_OK);
        for (size_t i = 0; i < n_rows && !(opt & 64); i++) {
            double sum = 0;
            for (int64_t c = 0; c < k; c++) {
                double p = out[i * (size_t)k + (size_t)c];
                check(p >= 0.0 && p <= 1.0);
                sum += p;
            }
            check(fabs(sum - 1.0) < 1e-9);
        }
    } else {
        check(strncmp(genre_last_error(), "genre_mlp_predict_proba_csr: ", 29) == 0);
    }
    st = genre_mlp_transform_csr(m, 1, n_rows, n_cols, nnz, rp, ci, v, out,
                                 sizeof out / sizeof *out, NULL);
    if (st != GENRE_OK)
        check(strncmp(genre_last_error(), "genre_mlp_transform_csr: ", 25) == 0);
    genre_mlp_free(m);
    free(ci);
    free(v);
    return 0;
}
