/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The MLP's side of the reduction hook (genre/mlp.h, "One fit over several
 * processes"): a mini-batch's gradient of this process's rows, as sums
 * without the L2 term, goes to the caller's reducer with its loss sum and
 * row count; what comes back is every process's total, which becomes the
 * gradient of the mean loss over all their rows plus the L2 term, once.
 * Dividing after the reduction (not before) is what makes the shares add up
 * to the batch whatever their sizes.
 */

#include "mlp_private.h"

genre_status genre__mlp_reduce_batch(const genre_mlp *model, const char *func,
                                     const mlp_net *n, double l2, uint64_t step, double *buf,
                                     double *grad, double *loss, size_t rows,
                                     double *rows_total)
{
    const size_t np = n->n_params;
    memcpy(buf, grad, np * sizeof *buf);
    buf[np] = *loss;
    buf[np + 1] = (double)rows;
    genre_status st = genre__reduce(&model->hooks, func,
                                    "the gradient reducer (genre_mlp_set_reducer)",
                                    GENRE_MLP_REDUCE_GRADIENT, (int64_t)step, buf, np + 2);
    if (st != GENRE_OK)
        return st;
    const double total = buf[np + 1];
    if (!(total >= 1.0 && total <= 9007199254740992.0) || total != floor(total))
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "the gradient reducer (genre_mlp_set_reducer) left a row count of "
                           "%g at step %llu; it must be a whole number >= 1 (the rows of "
                           "every process's share)",
                           total, (unsigned long long)step);
    const double inv = 1.0 / total;
    for (size_t i = 0; i < np; i++)
        grad[i] = buf[i] * inv;
    for (size_t l = 0; l < n->n_layers; l++)
        genre__mlp_add_l2(n, l, l2, n->params, grad);
    *loss = buf[np];
    *rows_total = total;
    return GENRE_OK;
}
