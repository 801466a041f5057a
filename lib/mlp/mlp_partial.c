/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre_mlp_partial_fit (genre/mlp.h, "Partial fits"): one pass over a
 * chunk, cut into shuffle windows of GENRE_MLP_PARTIAL_BUFFER rows, each
 * trained exactly as one epoch of the fit loop (mlp_train.c) trains its
 * rows: the window's rows permuted by the fit's shuffle stream, mini-batches
 * of GENRE_MLP_BATCH_SIZE rows (the last one shorter) through the same
 * single-thread, team or float mini-batch and the same optimiser step. The
 * optimiser state and the streams carry over from call to call
 * (mlp_partial), and through save/load (records 70 and up of the model file).
 */

#include "mlp_private.h"

#include "le_bytes.h"

/* Model-file records of the partial state (after mlp_io.c's, which end at 64). */
enum {
    TAG_P_STEPS = 70,
    TAG_P_B1T = 71,
    TAG_P_B2T = 72,
    TAG_P_M1 = 73,
    TAG_P_M2 = 74,
    TAG_P_RNG = 75,      /* bytes: shuffle then dropout state, 4 u64 each, little-endian */
    TAG_P_WINDOWS = 76,
    TAG_P_ROWS = 77,
    TAG_P_LOSS_SUM = 78
};

/* Team dropout streams of window w > 0: stream STREAM_DROPOUT_WORKER + t of
 * the seed mixed with w (window 0 uses the fit's own streams). */
#define WINDOW_MIX 0x9e3779b97f4a7c15ull

void genre__mlp_partial_free(mlp_partial *s)
{
    if (!s)
        return;
    genre__free(s->m1);
    genre__free(s->m2);
    genre__free(s);
}

/* A fresh state for np parameters: zero moments, the fit's streams. */
static mlp_partial *partial_new(size_t np, const mlp_params *p)
{
    mlp_partial *s = GENRE_NEW(mlp_partial);
    if (!s)
        return NULL;
    s->m1 = genre__calloc_array(np, sizeof(double));
    s->m2 = s->m1 ? genre__calloc_array(np, sizeof(double)) : NULL;
    if (!s->m2) {
        genre__mlp_partial_free(s);
        return NULL;
    }
    s->b1t = s->b2t = 1.0;
    genre__rng_init(&s->shuffle, (uint64_t)p->seed, STREAM_SHUFFLE);
    genre__rng_init(&s->drop, (uint64_t)p->seed, STREAM_DROPOUT);
    return s;
}

/* What a call may change, to put back on failure. */
typedef struct snapshot {
    double *params, *m1, *m2;
    mlp_partial scalars;
} snapshot;

/* Trains one window (fd's rows) of the chunk; s and n change in place. */
static genre_status train_window(genre_mlp *model, const char *func, mlp_net *n,
                                 mlp_partial *s, const fit_data *fd)
{
    const mlp_params *p = &model->p;
    const size_t rows_w = fd->n_rows;
    const size_t batch = (p->batch == 0 || (uint64_t)p->batch >= rows_w) ? rows_w
                                                                          : (size_t)p->batch;
    train_ws w;
    genre_status st = genre__mlp_ws_alloc(&w, n, batch, fd, p->dropout > 0.0, 0, 0);
    if (st != GENRE_OK)
        return st;
    const int T = genre__mlp_fit_threads(n, p, fd, batch);
    mlp_params p_rest = *p;
    p_rest.l2 = 0.0;
    /* with a reducer: per-batch sums without L2 (p_rest), L2 once after it */
    const int reduce = model->hooks.reduce != NULL;
    const mlp_params *p_batch = reduce ? &p_rest : p;
    double *rbuf = NULL, rows_all = 0.0; /* the reducer's buffer; every process's rows */
    if (reduce && !(rbuf = genre__alloc_array(n->n_params + 2, sizeof *rbuf))) {
        genre__mlp_ws_free(&w);
        return GENRE_E_NOMEM;
    }
    team_job job;
    memset(&job, 0, sizeof job);
    f32_ctx fc;
    memset(&fc, 0, sizeof fc);
    const int f32 = p->precision == GENRE_MLP_PRECISION_FLOAT;
    if (f32)
        st = genre__mlp_f32_new(&fc, n, fd, batch, T, p->dropout > 0.0);
    if (st == GENRE_OK && T > 1) {
        st = genre__mlp_team_job_new(&job, n, p_batch, &p_rest, fd, &w, batch, T,
                                     f32 ? &fc : NULL);
        job.norm = reduce ? 1 : 0;
        for (int t = 0; st == GENRE_OK && s->windows > 0 && t < T; t++)
            genre__rng_init(&job.rng[t], (uint64_t)p->seed ^ (s->windows * WINDOW_MIX),
                            STREAM_DROPOUT_WORKER + (uint64_t)t);
    }
    if (st != GENRE_OK) {
        genre__free(rbuf);
        genre__mlp_f32_free(&fc);
        genre__mlp_ws_free(&w);
        return st;
    }
    if (p->shuffle)
        genre__rng_shuffle_size(&s->shuffle, w.perm, rows_w);
    /* the rate of epoch 1 under either schedule: cosine's factor is 1 there */
    const double lr = p->lr;
    const size_t np = n->n_params;
    for (size_t r0 = 0; r0 < rows_w; r0 += batch) {
        const size_t rows = rows_w - r0 < batch ? rows_w - r0 : batch;
        double loss, batch_rows = (double)rows;
        if (T > 1)
            st = genre__mlp_team_batch(&job, w.perm + r0, rows, &loss);
        else
            st = genre__mlp_single_batch(n, p_batch, fd, f32 ? &fc : NULL, w.perm + r0, rows,
                                         reduce ? 1 : rows, &w, &s->drop, &loss);
        if (st == GENRE_OK && reduce) {
            st = genre__mlp_reduce_batch(model, func, n, p->l2, s->t + 1, rbuf, w.grad, &loss,
                                         rows, &batch_rows);
            loss /= batch_rows; /* the mean, as without a reducer */
            rows_all += batch_rows;
        }
        if (st != GENRE_OK)
            break;
        if (!isfinite(loss)) {
            st = genre__fail(GENRE_E_NUMERIC, func,
                             "the training loss became %g in the mini-batch starting at row "
                             "%zu of the window; lower GENRE_MLP_LEARNING_RATE (%g)",
                             loss, r0, p->lr);
            break;
        }
        s->loss_sum += loss * batch_rows;
        s->t++;
        s->b1t *= p->beta1;
        s->b2t *= p->beta2;
        genre__mlp_opt_step(p, lr, s->t, s->b1t, s->b2t, n->params, w.grad, s->m1, s->m2, np);
        if (f32)
            genre__mlp_f32_refresh(&fc, n);
    }
    /* ReLU maps NaN to 0, so a NaN weight need not show in the loss */
    for (size_t i = 0; st == GENRE_OK && i < np; i++)
        if (!isfinite(n->params[i]))
            st = genre__fail(GENRE_E_NUMERIC, func,
                             "parameter %zu became %g (non-finite input with "
                             "GENRE_MLP_VALIDATE_INPUT = 0, or divergence: lower "
                             "GENRE_MLP_LEARNING_RATE (%g))",
                             i, n->params[i], p->lr);
    if (st == GENRE_OK) {
        s->rows += reduce ? (uint64_t)rows_all : rows_w; /* the history's denominator */
        s->windows++;
    }
    genre__free(rbuf);
    if (T > 1)
        genre__mlp_team_job_free(&job);
    genre__mlp_f32_free(&fc);
    genre__mlp_ws_free(&w);
    return st;
}

/* Labels in [0, k) (k = 0: the class count is still to be set by them). */
static genre_status check_chunk_labels(const char *func, const int32_t *labels, size_t n_rows,
                                       int64_t limit, const char *why)
{
    for (size_t i = 0; i < n_rows; i++)
        if (labels[i] < 0 || labels[i] >= limit)
            return genre__fail(GENRE_E_INVALID_ARG, func, "labels[%zu] = %d is outside [0, %lld)%s",
                               i, (int)labels[i], (long long)limit, why);
    return GENRE_OK;
}

/* A new network for the first call: the fit's widths and initialisation. */
static genre_status new_net(genre_mlp *model, const char *func, size_t n_cols,
                            const int32_t *labels, size_t n_rows, mlp_net **out)
{
    const mlp_params *p = &model->p;
    int64_t k = p->n_classes;
    genre_status st = check_chunk_labels(func, labels, n_rows, k > 0 ? k : MAX_CLASSES,
                                         k > 0 ? " (GENRE_MLP_N_CLASSES)" : "");
    if (st != GENRE_OK)
        return st;
    if (k == 0) {
        for (size_t i = 0; i < n_rows; i++)
            k = labels[i] + 1 > k ? labels[i] + 1 : k;
        if (k < 2)
            return genre__fail(GENRE_E_INVALID_ARG, func,
                               "the first chunk's labels are all 0 and GENRE_MLP_N_CLASSES is "
                               "0: set GENRE_MLP_N_CLASSES to the number of classes");
    }
    size_t widths[MAX_HIDDEN + 2];
    const size_t L = model->n_hidden + 1;
    widths[0] = n_cols;
    for (size_t l = 0; l < model->n_hidden; l++)
        widths[l + 1] = (size_t)model->hidden[l];
    widths[L] = (size_t)k;
    st = genre__mlp_net_new(func, widths, L, GENRE_MLP_TASK_CLASSIFICATION,
                            (int32_t)p->activation, (int32_t)p->kernel, 1, out);
    if (st == GENRE_OK)
        genre__mlp_init_params(*out, p);
    return st;
}

genre_status genre_mlp_partial_fit(genre_mlp *model, const double *x, size_t n_rows,
                                   size_t n_cols, size_t row_stride, const int32_t *labels)
{
    GENRE_CHECK_NOT_NULL(model);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride,
                                          (int)model->p.validate);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    GENRE_CHECK_NOT_NULL(labels);
    const mlp_params *p = &model->p;
    if (p->patience > 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "GENRE_MLP_PATIENCE = %lld: partial_fit has no validation rows "
                          "(set it to 0)",
                          (long long)p->patience);
    if (model->monitor)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "monitor rows are set (genre_mlp_set_monitor): partial_fit has no "
                          "epochs to monitor; clear them with a NULL x");
    mlp_net *n = model->net, *fresh = NULL;
    if (n) {
        if (n->task != GENRE_MLP_TASK_CLASSIFICATION)
            return GENRE_FAIL(GENRE_E_BAD_STATE,
                              "the model is a regressor; partial_fit trains classifiers");
        if (n_cols != n->width[0])
            return GENRE_FAIL(GENRE_E_SHAPE, "x has %zu columns but the model has %zu",
                              n_cols, n->width[0]);
        const size_t k = n->width[n->n_layers];
        if ((st = check_chunk_labels(__func__, labels, n_rows, (int64_t)k,
                                     " (the model's classes)")) != GENRE_OK)
            return GENRE_PASS(st);
    } else {
        if ((st = new_net(model, __func__, n_cols, labels, n_rows, &fresh)) != GENRE_OK)
            return GENRE_PASS(st);
        n = fresh;
    }
    if (!fresh && n->n_epochs == 0) { /* a loaded model without history: room for one epoch */
        double *h = genre__alloc_array(HIST_KINDS, sizeof(double));
        if (!h)
            return GENRE_PASS(GENRE_E_NOMEM);
        genre__free(n->hist);
        n->hist = h;
    }
    const size_t np = n->n_params;
    mlp_partial *s = model->partial, *fresh_s = NULL;
    if (!s || fresh) {
        if (!(s = fresh_s = partial_new(np, p))) {
            genre__mlp_net_free(fresh);
            return GENRE_PASS(GENRE_E_NOMEM);
        }
    }
    /* put back on failure: the weights and the state as they were */
    snapshot snap;
    memset(&snap, 0, sizeof snap);
    if (!fresh) {
        snap.params = genre__alloc_array(np, sizeof(double));
        snap.m1 = snap.params ? genre__alloc_array(np, sizeof(double)) : NULL;
        snap.m2 = snap.m1 ? genre__alloc_array(np, sizeof(double)) : NULL;
        if (!snap.m2) {
            genre__free(snap.params);
            genre__free(snap.m1);
            genre__mlp_partial_free(fresh_s);
            return GENRE_PASS(GENRE_E_NOMEM);
        }
        memcpy(snap.params, n->params, np * sizeof(double));
        memcpy(snap.m1, s->m1, np * sizeof(double));
        memcpy(snap.m2, s->m2, np * sizeof(double));
        snap.scalars = *s;
    }
    const size_t W = (p->partial_buffer == 0 || (uint64_t)p->partial_buffer >= n_rows)
                         ? n_rows
                         : (size_t)p->partial_buffer;
    for (size_t w0 = 0; w0 < n_rows && st == GENRE_OK; w0 += W) {
        const size_t rows_w = n_rows - w0 < W ? n_rows - w0 : W;
        fit_data fd;
        memset(&fd, 0, sizeof fd);
        fd.in.x = x + w0 * row_stride;
        fd.in.stride = row_stride;
        fd.n_rows = rows_w;
        fd.n_cols = n_cols;
        fd.labels = labels + w0;
        st = train_window(model, __func__, n, s, &fd);
    }
    if (st == GENRE_OK && genre__progress(&model->hooks, GENRE_MLP_PHASE_TRAIN,
                                          (int64_t)s->windows, -1,
                                          s->loss_sum / (double)s->rows))
        st = GENRE_FAIL(GENRE_E_CANCELLED, "cancelled by the progress callback after %llu "
                                           "row(s)",
                        (unsigned long long)s->rows);
    if (st != GENRE_OK) {
        if (!fresh) {
            memcpy(n->params, snap.params, np * sizeof(double));
            double *m1 = s->m1, *m2 = s->m2;
            *s = snap.scalars;
            s->m1 = m1;
            s->m2 = m2;
            memcpy(s->m1, snap.m1, np * sizeof(double));
            memcpy(s->m2, snap.m2, np * sizeof(double));
        }
        genre__free(snap.params);
        genre__free(snap.m1);
        genre__free(snap.m2);
        if (fresh_s)
            genre__mlp_partial_free(fresh_s);
        genre__mlp_net_free(fresh);
        return GENRE_PASS(st);
    }
    genre__free(snap.params);
    genre__free(snap.m1);
    genre__free(snap.m2);
    /* one epoch of history: the mean training loss of every row so far */
    n->n_epochs = 1;
    n->hist[0] = s->loss_sum / (double)s->rows;
    for (size_t kind = 1; kind < HIST_KINDS; kind++)
        n->hist[kind] = NAN;
    n->best_epoch = 1;
    n->stopped_early = 0;
    if (fresh) {
        genre__mlp_net_free(model->net);
        model->net = fresh;
    }
    if (fresh_s) {
        genre__mlp_partial_free(model->partial);
        model->partial = fresh_s;
    }
    return GENRE_OK;
}

/* ---- The state in the model file ------------------------------------------ */

static void put_rng(unsigned char *b, const genre__rng *r)
{
    for (int i = 0; i < 4; i++)
        genre__le64_store(b + 8 * i, r->s[i]);
}

static void get_rng(const unsigned char *b, genre__rng *r)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < 4; i++)
        r->s[i] = genre__le64_load(b + 8 * i);
}

genre_status genre__mlp_partial_write(const genre_mlp *model, genre__mf_writer *w)
{
    const mlp_partial *s = model->partial;
    if (!s)
        return GENRE_OK;
    const size_t np = model->net->n_params;
    unsigned char rng[64];
    put_rng(rng, &s->shuffle);
    put_rng(rng + 32, &s->drop);
    genre__mf_put_i64(w, TAG_P_STEPS, (int64_t)s->t);
    genre__mf_put_f64(w, TAG_P_B1T, s->b1t);
    genre__mf_put_f64(w, TAG_P_B2T, s->b2t);
    genre__mf_put_f64_array(w, TAG_P_M1, s->m1, np);
    genre__mf_put_f64_array(w, TAG_P_M2, s->m2, np);
    genre__mf_put_bytes(w, TAG_P_RNG, rng, sizeof rng);
    genre__mf_put_i64(w, TAG_P_WINDOWS, (int64_t)s->windows);
    genre__mf_put_i64(w, TAG_P_ROWS, (int64_t)s->rows);
    return genre__mf_put_f64(w, TAG_P_LOSS_SUM, s->loss_sum);
}

#define CORRUPT(...) genre__fail(GENRE_E_CORRUPT, func, __VA_ARGS__)

genre_status genre__mlp_partial_read(const genre__mf_reader *r, const char *func,
                                     genre_mlp *model)
{
    if (!genre__mf_has(r, TAG_P_STEPS))
        return GENRE_OK; /* no partial state: a fit's model */
    const size_t np = model->net->n_params;
    int64_t t, windows, rows;
    double b1t, b2t, loss_sum;
    unsigned char rng[64];
    genre_status st;
    if ((st = genre__mf_get_i64(r, TAG_P_STEPS, &t)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_P_B1T, &b1t)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_P_B2T, &b2t)) != GENRE_OK ||
        (st = genre__mf_expect_count(r, func, TAG_P_M1, GENRE__MF_F64_ARRAY,
                                     "first optimiser moments", np)) != GENRE_OK ||
        (st = genre__mf_expect_count(r, func, TAG_P_M2, GENRE__MF_F64_ARRAY,
                                     "second optimiser moments", np)) != GENRE_OK ||
        (st = genre__mf_get_bytes(r, TAG_P_RNG, rng, sizeof rng)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_P_WINDOWS, &windows)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_P_ROWS, &rows)) != GENRE_OK ||
        (st = genre__mf_get_f64(r, TAG_P_LOSS_SUM, &loss_sum)) != GENRE_OK)
        return st;
    if (t < 0 || windows < 0 || rows < 1 || windows > rows || t > rows ||
        !(b1t >= 0 && b1t <= 1) || !(b2t >= 0 && b2t <= 1) ||
        !(loss_sum >= 0 && isfinite(loss_sum)))
        return CORRUPT("inconsistent partial-fit state: %lld steps, %lld windows, %lld rows, "
                       "beta powers %g and %g, loss sum %g",
                       (long long)t, (long long)windows, (long long)rows, b1t, b2t, loss_sum);
    mlp_partial *s = GENRE_NEW(mlp_partial);
    if (!s)
        return GENRE_E_NOMEM;
    s->m1 = genre__alloc_array(np, sizeof(double));
    s->m2 = s->m1 ? genre__alloc_array(np, sizeof(double)) : NULL;
    if (!s->m2) {
        genre__mlp_partial_free(s);
        return GENRE_E_NOMEM;
    }
    if ((st = genre__mf_get_f64_array(r, TAG_P_M1, s->m1, np)) == GENRE_OK)
        st = genre__mf_get_f64_array(r, TAG_P_M2, s->m2, np);
    for (size_t i = 0; st == GENRE_OK && i < np; i++)
        if (!isfinite(s->m1[i]) || !(s->m2[i] >= 0 && isfinite(s->m2[i])))
            st = CORRUPT("optimiser moment %zu is %g / %g", i, s->m1[i], s->m2[i]);
    get_rng(rng, &s->shuffle);
    get_rng(rng + 32, &s->drop);
    if (st == GENRE_OK && ((s->shuffle.s[0] | s->shuffle.s[1] | s->shuffle.s[2] |
                            s->shuffle.s[3]) == 0 ||
                           (s->drop.s[0] | s->drop.s[1] | s->drop.s[2] | s->drop.s[3]) == 0))
        st = CORRUPT("a random stream of the partial-fit state is all zero");
    if (st != GENRE_OK) {
        genre__mlp_partial_free(s);
        return st;
    }
    s->t = (uint64_t)t;
    s->b1t = b1t;
    s->b2t = b2t;
    s->windows = (uint64_t)windows;
    s->rows = (uint64_t)rows;
    s->loss_sum = loss_sum;
    model->partial = s;
    return GENRE_OK;
}
