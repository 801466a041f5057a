/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The MLP's monitor rows (genre_mlp_set_monitor()): a held-out set whose
 * loss the fit records per epoch beside the validation loss, without it
 * touching the training. The handle keeps its own copy; the fit loop
 * (mlp_train.c) evaluates it as it evaluates the validation rows.
 */

#include "mlp_private.h"

void genre__mlp_monitor_free(mlp_monitor *m)
{
    if (!m)
        return;
    genre__free(m->x);
    genre__free(m->labels);
    genre__free(m);
}

genre_status genre_mlp_set_monitor(genre_mlp *model, const double *x, size_t n_rows,
                                   size_t n_cols, size_t row_stride, const int32_t *labels)
{
    GENRE_CHECK_NOT_NULL(model);
    if (!x) {
        genre__mlp_monitor_free(model->monitor);
        model->monitor = NULL;
        return GENRE_OK;
    }
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride,
                                          (int)model->p.validate);
    if (st != GENRE_OK)
        return st;
    if (!labels)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "argument 'labels' is NULL with %zu monitor rows",
                          n_rows);
    for (size_t i = 0; i < n_rows; i++)
        if (labels[i] < 0 || labels[i] >= MAX_CLASSES)
            return GENRE_FAIL(GENRE_E_INVALID_ARG, "labels[%zu] = %d is outside [0, %d)", i,
                              (int)labels[i], MAX_CLASSES);
    mlp_monitor *m = GENRE_NEW(mlp_monitor);
    if (!m)
        return GENRE_E_NOMEM;
    /* check_matrix bounded n_rows x row_stride, so n_rows x n_cols fits too */
    m->x = genre__alloc_array(n_rows * n_cols, sizeof(double));
    m->labels = genre__alloc_array(n_rows, sizeof(int32_t));
    if (!m->x || !m->labels) {
        genre__mlp_monitor_free(m);
        return GENRE_E_NOMEM;
    }
    for (size_t i = 0; i < n_rows; i++)
        memcpy(m->x + i * n_cols, x + i * row_stride, n_cols * sizeof(double));
    memcpy(m->labels, labels, n_rows * sizeof(int32_t));
    m->n_rows = n_rows;
    m->n_cols = n_cols;
    genre__mlp_monitor_free(model->monitor);
    model->monitor = m;
    return GENRE_OK;
}

genre_status genre__mlp_monitor_attach(const genre_mlp *model, const char *func, size_t n_cols,
                                       size_t k, fit_data *fd)
{
    const mlp_monitor *m = model->monitor;
    if (!m)
        return GENRE_OK;
    if (m->n_cols != n_cols)
        return genre__fail(GENRE_E_SHAPE, func,
                           "the monitor rows (genre_mlp_set_monitor) have %zu columns but x has "
                           "%zu",
                           m->n_cols, n_cols);
    for (size_t i = 0; i < m->n_rows; i++)
        if ((size_t)m->labels[i] >= k)
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "monitor label %zu (genre_mlp_set_monitor) is %d, outside the "
                               "fit's %zu classes [0, %zu)",
                               i, (int)m->labels[i], k, k);
    fd->mon = (mlp_input){m->x, m->n_cols, NULL, NULL, NULL};
    fd->n_mon = m->n_rows;
    fd->labels_mon = m->labels;
    fd->has_mon = 1;
    return GENRE_OK;
}
