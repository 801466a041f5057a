/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private: test hooks of the MLP (gradient checks). */
#ifndef GENRE_MLP_PRIVATE_H
#define GENRE_MLP_PRIVATE_H

#include <genre/mlp.h>

#ifdef GENRE_TESTING
/*
 * The objective of one mini-batch holding all n_rows rows, as a fit sees it:
 * mean data loss + (l2 / 2) * sum of squared weights, and its gradient, for
 * the network the model's hidden layers and parameters describe on n_cols
 * inputs. Classification when labels is given (n_out classes), regression
 * on y (n_rows x n_out) otherwise. params (n_params values, NULL: the
 * seeded initialisation) are used as the weights. Dropout masks come from
 * dropout_seed, so equal seeds give equal masks. *n_params receives the
 * parameter count; grad (NULL allowed) receives the gradient.
 */
genre_status genre__mlp_test_objective(const genre_mlp *model, const double *x,
                                       size_t n_rows, size_t n_cols, const int32_t *labels,
                                       const double *y, size_t n_out, const double *params,
                                       uint64_t dropout_seed, double *loss, double *grad,
                                       size_t *n_params);

/* genre__mlp_test_objective() on CSR rows (exact, not lazy, gradient: every
 * row of the first layer's dW, zeros where no feature occurs). */
genre_status genre__mlp_test_objective_csr(const genre_mlp *model, size_t n_rows,
                                           size_t n_cols, const size_t *row_ptr,
                                           const uint32_t *col_idx, const double *values,
                                           const int32_t *labels, const double *y,
                                           size_t n_out, const double *params,
                                           uint64_t dropout_seed, double *loss, double *grad,
                                           size_t *n_params);

/*
 * With on != 0, the built-in dense kernels and Adam use their portable
 * versions even where the CPU has AVX2 and FMA (which give the same bits);
 * not thread-safe, for tests only. Returns 1 when the AVX2 versions exist
 * and the CPU runs them (so a comparison means something), else 0.
 */
int genre__mlp_test_force_portable(int on);
#endif

#endif
