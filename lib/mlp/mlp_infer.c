/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The MLP's input view of the first layer (dense or CSR rows) and inference:
 * predictions, probabilities, transforms and the fit history.
 */

#include "mlp_private.h"

#include "caller_buffer.h"
#include "csr_check.h"

/* ---- Input view (first layer) --------------------------------------------- */

/*
 * First layer on CSR rows, O(nnz x o): column r of zt (o x ld) is
 * b + sum_p values[p] W[col_idx[p]] over the entries of row idx[r] (r0 + r
 * when idx is NULL), accumulated in entry order with fused multiply-adds;
 * with relu, max(., 0) is stored. Columns rows..ld (padding) get b, as a
 * dense product of zero inputs does. For a row with increasing columns this
 * is the dense kernels' sum without its exact "+ w * 0" terms: the same bits.
 * tmp: o doubles.
 */
#define CSR_AHEAD 4
GENRE_KERNEL
void genre__mlp_csr_forward(const mlp_input *in, const size_t *idx, size_t r0, size_t rows,
                            size_t ld, const double *w, const double *b, size_t o, double *zt,
                            int relu, double *tmp)
{
    for (size_t r = 0; r < ld; r++) {
        for (size_t j = 0; j < o; j++)
            tmp[j] = b[j];
        if (r < rows) {
            const size_t row = idx ? idx[r] : r0 + r;
            const size_t end = in->row_ptr[row + 1];
            for (size_t p = in->row_ptr[row]; p < end; p++) {
#if defined(__GNUC__)
                /* W's rows are scattered: fetch one a few entries ahead */
                if (p + CSR_AHEAD < end)
                    for (size_t j = 0; j < o + 7; j += 8)
                        __builtin_prefetch(w + (size_t)in->col_idx[p + CSR_AHEAD] * o + j);
#endif
                const double v = in->values[p];
                const double *wc = w + (size_t)in->col_idx[p] * o;
                for (size_t j = 0; j < o; j++)
                    tmp[j] = MADD(wc[j], v, tmp[j]);
            }
        }
        for (size_t j = 0; j < o; j++)
            zt[j * ld + r] = relu ? (tmp[j] > 0.0 ? tmp[j] : 0.0) : tmp[j];
    }
}

/* ---- Inference ------------------------------------------------------------ */

/* Doubles of scratch genre__mlp_forward_infer needs for a block of `rows`. */
size_t genre__mlp_infer_scratch(const mlp_net *n, size_t rows, int csr)
{
    return n->max_width + rows * ((csr ? 0 : n->width[0]) + 2 * n->max_width);
}

/* The first n_run dense layers (hidden ones with their activation, no
 * dropout) on rows r0 .. r0 + rows of the input; the last layer's output,
 * feature-major (width[n_run] x rows), goes to *zt, a pointer into bufs
 * (genre__mlp_infer_scratch(rows) doubles). */
genre_status genre__mlp_forward_infer(const mlp_net *n, const mlp_input *in, size_t r0,
                                      size_t rows, size_t n_run, double *bufs, const double **zt)
{
    double *tmp = bufs, *cur = bufs + n->max_width, *other = cur + rows * n->max_width;
    const double *a = NULL;
    const int relu = n->activation == GENRE_MLP_ACT_RELU;
    for (size_t l = 0; l < n_run; l++) {
        size_t w_in = n->width[l], o = n->width[l + 1];
        const int hidden = l + 1 < n->n_layers;
        const double *w = n->params + n->w_off[l], *b = n->params + n->b_off[l];
        genre_status st = GENRE_OK;
        if (l == 0 && in->row_ptr) {
            genre__mlp_csr_forward(in, NULL, r0, rows, rows, w, b, o, cur, hidden && relu, tmp);
        } else {
            if (l == 0) {
                double *g = other + rows * n->max_width;
                genre__mlp_gather_rows(in->x + r0 * in->stride, in->stride, NULL, rows, w_in, g,
                                       rows);
                a = g;
            }
            st = genre__mlp_dense_forward(genre__mlp_use_builtin(n, l), a, rows, w_in, w, b, o, cur,
                                          hidden && relu);
        }
        if (st != GENRE_OK)
            return st;
        if (hidden && !relu)
            genre__mlp_activate(n->activation, cur, rows * o);
        double *done = cur;
        cur = other;
        other = done;
        a = done;
    }
    *zt = a;
    return GENRE_OK;
}

/* Softmax of row r of a feature-major (k x n) logit block into p[0..k). */
static void softmax_col(const double *zt, size_t n, size_t r, size_t k, double *p)
{
    double mx = zt[r];
    for (size_t j = 1; j < k; j++)
        if (zt[j * n + r] > mx)
            mx = zt[j * n + r];
    double s = 0.0;
    for (size_t j = 0; j < k; j++) {
        p[j] = exp(zt[j * n + r] - mx);
        s += p[j];
    }
    for (size_t j = 0; j < k; j++)
        p[j] /= s;
}

/* What run_blocks() stores per row. */
enum { OUT_PROBA, OUT_VALUES, OUT_LABELS, OUT_HIDDEN };

/*
 * Runs the first n_run layers over all rows in blocks and stores, per row:
 * probabilities (OUT_PROBA), raw outputs (OUT_VALUES), the genre__mlp_argmax label
 * (OUT_LABELS, into labels) or the activations (OUT_HIDDEN), row-major
 * (n_rows x width[n_run]) into out.
 */
static genre_status run_blocks(const mlp_net *n, const mlp_input *in, size_t n_rows,
                               size_t n_run, int what, double *out, int32_t *labels)
{
    size_t block = n_rows < BLOCK_ROWS ? n_rows : BLOCK_ROWS;
    /* a dense copy of a very wide input (a model fit on 2^18 hashed columns)
     * is kept to about INFER_MAX_GATHER doubles per block; the results do
     * not depend on the block size (every output is a per-row sum) */
    if (!in->row_ptr && block * n->width[0] > INFER_MAX_GATHER)
        block = INFER_MAX_GATHER / n->width[0] > 8 ? INFER_MAX_GATHER / n->width[0] : 8;
    if (block > n_rows)
        block = n_rows;
    double *bufs = genre__alloc_array(genre__mlp_infer_scratch(n, block, in->row_ptr != NULL),
                                      sizeof(double));
    if (!bufs)
        return GENRE_E_NOMEM;
    const size_t k = n->width[n_run];
    genre_status st = GENRE_OK;
    for (size_t r0 = 0; r0 < n_rows && st == GENRE_OK; r0 += block) {
        size_t rows = n_rows - r0 < block ? n_rows - r0 : block;
        const double *zt;
        st = genre__mlp_forward_infer(n, in, r0, rows, n_run, bufs, &zt);
        for (size_t r = 0; st == GENRE_OK && r < rows; r++) {
            if (what == OUT_LABELS) {
                size_t best = 0;
                for (size_t j = 1; j < k; j++)
                    if (zt[j * rows + r] > zt[best * rows + r])
                        best = j;
                labels[r0 + r] = (int32_t)best;
                continue;
            }
            double *o = out + (r0 + r) * k;
            if (what == OUT_PROBA)
                softmax_col(zt, rows, r, k, o);
            else
                for (size_t j = 0; j < k; j++)
                    o[j] = zt[j * rows + r];
        }
    }
    genre__free(bufs);
    return st;
}

static genre_status check_fitted(const char *func, const genre_mlp *model, int32_t task)
{
    if (!model)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'model' is NULL");
    if (!model->net)
        return genre__fail(GENRE_E_BAD_STATE, func, "the model is not fitted");
    if (task >= 0 && model->net->task != task)
        return genre__fail(GENRE_E_BAD_STATE, func, "the model is a %s, not a %s",
                           model->net->task == GENRE_MLP_TASK_CLASSIFICATION ? "classifier"
                                                                             : "regressor",
                           task == GENRE_MLP_TASK_CLASSIFICATION ? "classifier"
                                                                 : "regressor");
    return GENRE_OK;
}

/* task < 0: either task. */
static genre_status check_predict(const char *func, const genre_mlp *model, int32_t task,
                                  const double *x, size_t n_rows, size_t n_cols,
                                  size_t row_stride)
{
    genre_status st = check_fitted(func, model, task);
    if (st != GENRE_OK)
        return st;
    st = genre__check_matrix(func, "x", x, n_rows, n_cols, row_stride, 0);
    if (st != GENRE_OK)
        return st;
    if (n_cols != model->net->width[0])
        return genre__fail(GENRE_E_SHAPE, func,
                           "x has %zu columns; the model was fit on %zu", n_cols,
                           model->net->width[0]);
    return genre__check_matrix(func, "x", x, n_rows, n_cols, row_stride,
                               (int)model->p.validate);
}

/*
 * Checks a CSR matrix: n_rows >= 1, 1 <= n_cols <= INT32_MAX, the structure
 * against nnz (genre__check_csr: GENRE_E_INVALID_ARG) and, with finite,
 * every value finite (GENRE_E_NONFINITE). Messages name the row, the
 * position in col_idx / values and the value.
 */
genre_status genre__mlp_check_csr(const char *func, const char *name, size_t n_rows,
                                  size_t n_cols, size_t nnz, const size_t *row_ptr,
                                  const uint32_t *col_idx, const double *values, int finite)
{
    if (n_rows == 0)
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s has zero rows", name);
    if (n_cols == 0 || n_cols > INT32_MAX)
        return genre__fail(GENRE_E_INVALID_ARG, func, "%s has %zu columns; expected 1 to %d",
                           name, n_cols, INT32_MAX);
    genre_status st = genre__check_csr(func, name, n_rows, n_cols, nnz, row_ptr, col_idx, values);
    if (st != GENRE_OK || !finite)
        return st;
    for (size_t i = 0; i < n_rows; i++)
        for (size_t p = row_ptr[i]; p < row_ptr[i + 1]; p++)
            if (!isfinite(values[p]))
                return genre__fail(GENRE_E_NONFINITE, func,
                                   "%s: row %zu, position %zu (column %u) holds %g", name, i,
                                   p, (unsigned)col_idx[p], values[p]);
    return GENRE_OK;
}

static genre_status check_predict_csr(const char *func, const genre_mlp *model, int32_t task,
                                      size_t n_rows, size_t n_cols, size_t nnz,
                                      const size_t *row_ptr,
                                      const uint32_t *col_idx, const double *values)
{
    genre_status st = check_fitted(func, model, task);
    if (st != GENRE_OK)
        return st;
    if (n_cols != model->net->width[0])
        return genre__fail(GENRE_E_SHAPE, func,
                           "x has %zu columns; the model was fit on %zu", n_cols,
                           model->net->width[0]);
    return genre__mlp_check_csr(func, "x", n_rows, n_cols, nnz, row_ptr, col_idx, values,
                                (int)model->p.validate);
}

genre_status genre_mlp_predict_proba(const genre_mlp *model, const double *x, size_t n_rows,
                                     size_t n_cols, size_t row_stride, double *out,
                                     size_t out_len, size_t *needed)
{
    genre_status st = check_predict(__func__, model, GENRE_MLP_TASK_CLASSIFICATION, x,
                                    n_rows, n_cols, row_stride);
    if (st != GENRE_OK)
        return st;
    const mlp_net *n = model->net;
    st = genre__buffer_rows(__func__, out, out_len, n_rows, n->width[n->n_layers], needed);
    if (st != GENRE_OK)
        return st;
    mlp_input in = {x, row_stride, NULL, NULL, NULL};
    return run_blocks(n, &in, n_rows, n->n_layers, OUT_PROBA, out, NULL);
}

genre_status genre_mlp_predict_proba_csr(const genre_mlp *model, size_t n_rows,
                                         size_t n_cols, size_t nnz, const size_t *row_ptr,
                                         const uint32_t *col_idx, const double *values,
                                         double *out, size_t out_len, size_t *needed)
{
    genre_status st = check_predict_csr(__func__, model, GENRE_MLP_TASK_CLASSIFICATION,
                                        n_rows, n_cols, nnz, row_ptr, col_idx, values);
    if (st != GENRE_OK)
        return st;
    const mlp_net *n = model->net;
    st = genre__buffer_rows(__func__, out, out_len, n_rows, n->width[n->n_layers], needed);
    if (st != GENRE_OK)
        return st;
    mlp_input in = {NULL, 0, row_ptr, col_idx, values};
    return run_blocks(n, &in, n_rows, n->n_layers, OUT_PROBA, out, NULL);
}

genre_status genre_mlp_predict_values(const genre_mlp *model, const double *x, size_t n_rows,
                                      size_t n_cols, size_t row_stride, double *out,
                                      size_t out_len, size_t *needed)
{
    genre_status st = check_predict(__func__, model, GENRE_MLP_TASK_REGRESSION, x, n_rows,
                                    n_cols, row_stride);
    if (st != GENRE_OK)
        return st;
    const mlp_net *n = model->net;
    st = genre__buffer_rows(__func__, out, out_len, n_rows, n->width[n->n_layers], needed);
    if (st != GENRE_OK)
        return st;
    mlp_input in = {x, row_stride, NULL, NULL, NULL};
    return run_blocks(n, &in, n_rows, n->n_layers, OUT_VALUES, out, NULL);
}

size_t genre__mlp_argmax(const double *v, size_t k)
{
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
        if (v[j] > v[best])
            best = j;
    return best;
}

genre_status genre_mlp_predict(const genre_mlp *model, const double *x, size_t n_rows,
                               size_t n_cols, size_t row_stride, int32_t *labels, size_t cap,
                               size_t *needed)
{
    genre_status st = check_predict(__func__, model, GENRE_MLP_TASK_CLASSIFICATION, x,
                                    n_rows, n_cols, row_stride);
    if (st != GENRE_OK)
        return st;
    st = genre__buffer_rows(__func__, labels, cap, n_rows, 1, needed);
    if (st != GENRE_OK)
        return st;
    mlp_input in = {x, row_stride, NULL, NULL, NULL};
    return run_blocks(model->net, &in, n_rows, model->net->n_layers, OUT_LABELS, NULL,
                      labels);
}

static genre_status check_layer(const char *func, const genre_mlp *model, int32_t layer)
{
    size_t hidden = model->net->n_layers - 1;
    if (layer < 1 || (size_t)layer > hidden)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "layer = %d; the model has %zu hidden layer%s (1-based)",
                           (int)layer, hidden, hidden == 1 ? "" : "s");
    return GENRE_OK;
}

genre_status genre_mlp_transform(const genre_mlp *model, int32_t layer, const double *x,
                                 size_t n_rows, size_t n_cols, size_t row_stride, double *out,
                                 size_t out_len, size_t *needed)
{
    genre_status st = check_fitted(__func__, model, -1);
    if (st == GENRE_OK)
        st = check_layer(__func__, model, layer);
    if (st == GENRE_OK)
        st = check_predict(__func__, model, -1, x, n_rows, n_cols, row_stride);
    if (st != GENRE_OK)
        return st;
    const mlp_net *n = model->net;
    st = genre__buffer_rows(__func__, out, out_len, n_rows, n->width[layer], needed);
    if (st != GENRE_OK)
        return st;
    mlp_input in = {x, row_stride, NULL, NULL, NULL};
    return run_blocks(n, &in, n_rows, (size_t)layer, OUT_HIDDEN, out, NULL);
}

genre_status genre_mlp_transform_csr(const genre_mlp *model, int32_t layer, size_t n_rows,
                                     size_t n_cols, size_t nnz, const size_t *row_ptr,
                                     const uint32_t *col_idx, const double *values,
                                     double *out, size_t out_len, size_t *needed)
{
    genre_status st = check_fitted(__func__, model, -1);
    if (st == GENRE_OK)
        st = check_layer(__func__, model, layer);
    if (st == GENRE_OK)
        st = check_predict_csr(__func__, model, -1, n_rows, n_cols, nnz, row_ptr, col_idx,
                               values);
    if (st != GENRE_OK)
        return st;
    const mlp_net *n = model->net;
    st = genre__buffer_rows(__func__, out, out_len, n_rows, n->width[layer], needed);
    if (st != GENRE_OK)
        return st;
    mlp_input in = {NULL, 0, row_ptr, col_idx, values};
    return run_blocks(n, &in, n_rows, (size_t)layer, OUT_HIDDEN, out, NULL);
}

genre_status genre_mlp_get_history(const genre_mlp *model, int32_t which, double *out,
                                   size_t cap, size_t *n_epochs)
{
    GENRE_CHECK_NOT_NULL(model);
    GENRE_CHECK_NOT_NULL(n_epochs);
    if (which < GENRE_MLP_HISTORY_TRAIN_LOSS || which > GENRE_MLP_HISTORY_MONITOR_ACCURACY)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "unknown history %d", (int)which);
    if (!model->net)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the model is not fitted");
    const mlp_net *n = model->net;
    *n_epochs = n->n_epochs;
    if (!out || cap < n->n_epochs)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "the history has %zu epochs; capacity %zu",
                          n->n_epochs, out ? cap : 0);
    memcpy(out, n->hist + (size_t)which * n->n_epochs, n->n_epochs * sizeof *out);
    return GENRE_OK;
}
