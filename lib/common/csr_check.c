/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one check of a caller's CSR arrays: the entry count nnz bounds every
 * row_ptr value, so no later loop reads past col_idx or values. */
#include "csr_check.h"

#include "error_private.h"

genre_status genre__check_csr(const char *func, const char *name, size_t n_rows, size_t n_cols,
                              size_t nnz, const size_t *row_ptr, const uint32_t *col_idx,
                              const double *values)
{
    if (!row_ptr)
        return genre__fail(GENRE_E_INVALID_ARG, func, "the row_ptr of %s is NULL", name);
    if (nnz > SIZE_MAX / sizeof(double))
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%s: nnz = %zu entries cannot be in memory", name, nnz);
    if (row_ptr[0] != 0)
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s: row_ptr[0] = %zu; must be 0", name,
                           row_ptr[0]);
    for (size_t i = 0; i < n_rows; i++) {
        if (row_ptr[i + 1] < row_ptr[i])
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "%s: row %zu: row_ptr[%zu] = %zu is below row_ptr[%zu] = %zu",
                               name, i, i + 1, row_ptr[i + 1], i, row_ptr[i]);
        if (row_ptr[i + 1] > nnz)
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "%s: row %zu: row_ptr[%zu] = %zu is above nnz = %zu", name, i,
                               i + 1, row_ptr[i + 1], nnz);
    }
    if (row_ptr[n_rows] != nnz)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%s: row_ptr[%zu] = %zu (the last row's end) differs from nnz = %zu",
                           name, n_rows, row_ptr[n_rows], nnz);
    if (nnz > 0 && (!col_idx || !values))
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s has nnz = %zu entries but its %s is NULL",
                           name, nnz, col_idx ? "values" : "col_idx");
    for (size_t i = 0; i < n_rows; i++)
        for (size_t p = row_ptr[i]; p < row_ptr[i + 1]; p++)
            if (col_idx[p] >= n_cols)
                return genre__fail(GENRE_E_INVALID_ARG, func,
                                   "%s: row %zu, position %zu: column index %u is not below "
                                   "n_cols = %zu",
                                   name, i, p, (unsigned)col_idx[p], n_cols);
    return GENRE_OK;
}
