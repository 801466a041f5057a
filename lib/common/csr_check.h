/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one check of a caller's CSR arrays, shared by every public call that
 * reads them (the MLP's CSR fits and inference, text's append-dense). */
#ifndef GENRE_CSR_CHECK_H
#define GENRE_CSR_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <genre/error.h>

/*
 * Checks the structure of the CSR matrix `name` (n_rows x n_cols, nnz
 * entries) before anything reads an entry: row_ptr given, row_ptr[0] == 0,
 * row_ptr non-decreasing and never above nnz, row_ptr[n_rows] == nnz, nnz
 * small enough for an array of doubles, col_idx and values given when
 * nnz > 0, every col_idx < n_cols. Reads row_ptr[0 .. n_rows] and
 * col_idx[0 .. nnz - 1] only. Every violation is GENRE_E_INVALID_ARG with a
 * message naming func, the matrix, the row and the values.
 */
genre_status genre__check_csr(const char *func, const char *name, size_t n_rows, size_t n_cols,
                              size_t nnz, const size_t *row_ptr, const uint32_t *col_idx,
                              const double *values);

#endif
