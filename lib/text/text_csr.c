/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CSR rows plus dense columns (genre_text_csr_append_dense): the hashed
 * text features joined with numeric ones for a model. */
#include "text_private.h"

#include "csr_check.h"
#include "error_private.h"
#include "linalg.h"

genre_status genre_text_csr_append_dense(size_t n_rows, size_t n_cols, size_t nnz,
                                         const size_t *row_ptr, const uint32_t *col_idx,
                                         const double *values, const double *x, size_t n_dense,
                                         size_t row_stride, size_t *out_row_ptr,
                                         uint32_t *out_col_idx, double *out_values, size_t out_cap,
                                         size_t *nnz_needed)
{
    GENRE_CHECK_NOT_NULL(row_ptr);
    if (n_rows == 0 || n_dense == 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "n_rows and n_dense must be > 0 (got %zu, %zu)",
                          n_rows, n_dense);
    if ((uint64_t)n_cols > COLS_LIMIT || (uint64_t)n_dense > COLS_LIMIT - (uint64_t)n_cols)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "%zu + %zu columns is more than 2^32", n_cols,
                          n_dense);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_dense, row_stride, 1);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    st = genre__check_csr(__func__, "the CSR input", n_rows, n_cols, nnz, row_ptr, col_idx,
                          values);
    if (st != GENRE_OK)
        return st;
    if (n_dense > (SIZE_MAX - nnz) / n_rows)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "the result has more than SIZE_MAX entries");
    size_t total = nnz + n_rows * n_dense;
    if (nnz_needed)
        *nnz_needed = total;
    if (out_row_ptr) {
        for (size_t i = 0; i <= n_rows; i++)
            out_row_ptr[i] = row_ptr[i] + i * n_dense;
    }
    if (out_row_ptr == NULL || out_col_idx == NULL || out_values == NULL || out_cap < total)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL,
                          "the output holds %zu entries, %zu needed (and row_ptr is %s)",
                          (out_col_idx && out_values) ? out_cap : (size_t)0, total,
                          out_row_ptr ? "given" : "NULL");
    size_t o = 0;
    for (size_t i = 0; i < n_rows; i++) {
        for (size_t k = row_ptr[i]; k < row_ptr[i + 1]; k++, o++) {
            out_col_idx[o] = col_idx[k];
            out_values[o] = values[k];
        }
        const double *xi = x + i * row_stride;
        for (size_t j = 0; j < n_dense; j++, o++) {
            out_col_idx[o] = (uint32_t)(n_cols + j);
            out_values[o] = xi[j];
        }
    }
    return GENRE_OK;
}
