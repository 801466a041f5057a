/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * MLP save and load (genre_mlp_save*, genre_mlp_load*) through the
 * model-file codec.
 */

#include "mlp_private.h"

enum {
    TAG_TASK = 1,
    TAG_ACTIVATION = 2,
    TAG_WIDTHS = 3,
    TAG_PARAMS = 4,
    TAG_F64_BASE = 10,  /* + index among the table's settable f64 keys */
    TAG_I64_BASE = 30,  /* + index among the table's settable i64 keys */
    TAG_HIST_TRAIN = 60,
    TAG_HIST_VAL = 61,
    TAG_HIST_ACC = 62,
    TAG_BEST_EPOCH = 63,
    TAG_STOPPED_EARLY = 64,
    TAG_HIST_MONITOR = 65,     /* optional (1.1): written by fits with monitor rows */
    TAG_HIST_MONITOR_ACC = 66
};

/* 1 when the fit recorded a monitor history (genre_mlp_set_monitor()): only
 * then are its records written, so the file of a fit without one keeps the
 * bytes it had before the monitor existed. */
static int has_monitor_history(const mlp_net *n)
{
    for (size_t e = 0; e < n->n_epochs; e++)
        if (!isnan(n->hist[3 * n->n_epochs + e]))
            return 1;
    return 0;
}

/* The codec's genre__mf_encode_fn (model_file.h): m is a fitted genre_mlp. */
static genre_status write_model(const void *m, genre__mf_writer *w)
{
    const genre_mlp *model = m;
    const mlp_net *n = model->net;
    int32_t widths[MAX_HIDDEN + 2];
    for (size_t l = 0; l <= n->n_layers; l++)
        widths[l] = (int32_t)n->width[l];
    genre__mf_put_u32(w, TAG_TASK, (uint32_t)n->task);
    genre__mf_put_u32(w, TAG_ACTIVATION, (uint32_t)n->activation);
    genre__mf_put_i32_array(w, TAG_WIDTHS, widths, n->n_layers + 1);
    genre__mf_put_f64_array(w, TAG_PARAMS, n->params, n->n_params);
    /* f64 keys, then i64 keys, each numbered in table order */
    const genre__param_table *t = &genre__mlp_param_table;
    uint32_t tag = TAG_F64_BASE;
    for (size_t i = 0; i < t->n_params; i++)
        if (t->params[i].slot == GENRE__SLOT_F64)
            genre__mf_put_f64(w, tag++, genre__params_load_f64(&t->params[i], &model->p));
    tag = TAG_I64_BASE;
    for (size_t i = 0; i < t->n_params; i++)
        if (t->params[i].type == GENRE__P_I64 && t->params[i].slot != GENRE__SLOT_NONE)
            genre__mf_put_i64(w, tag++, genre__params_load_i64(&t->params[i], &model->p));
    genre__mf_put_f64_array(w, TAG_HIST_TRAIN, n->hist, n->n_epochs);
    genre__mf_put_f64_array(w, TAG_HIST_VAL, n->hist + n->n_epochs, n->n_epochs);
    genre__mf_put_f64_array(w, TAG_HIST_ACC, n->hist + 2 * n->n_epochs, n->n_epochs);
    genre__mf_put_i64(w, TAG_BEST_EPOCH, n->best_epoch);
    genre__mf_put_i64(w, TAG_STOPPED_EARLY, n->stopped_early);
    if (has_monitor_history(n)) {
        genre__mf_put_f64_array(w, TAG_HIST_MONITOR, n->hist + 3 * n->n_epochs, n->n_epochs);
        genre__mf_put_f64_array(w, TAG_HIST_MONITOR_ACC, n->hist + 4 * n->n_epochs,
                                n->n_epochs);
    }
    return genre__mlp_partial_write(model, w);
}

static genre_status check_saveable(const char *func, const genre_mlp *model)
{
    if (!model)
        return genre__fail(GENRE_E_INVALID_ARG, func, "argument 'model' is NULL");
    if (!model->net)
        return genre__fail(GENRE_E_BAD_STATE, func, "the model is not fitted");
    return GENRE_OK;
}

#define CORRUPT(...) genre__fail(GENRE_E_CORRUPT, func, __VA_ARGS__)

/* Validate before allocating: the parameters the layer widths need must be
 * the ones stored (which the container has bounded by the file's length),
 * and the three history arrays must be as long as the first, before
 * anything is allocated from the widths or the history length. Each width
 * is at most 2^31 and a hidden or output one at most 10^6, so the count
 * (at most 65 layers) cannot overflow 64 bits. */
static genre_status check_sizes(const genre__mf_reader *r, const char *func,
                                const size_t *widths, size_t n_widths, size_t n_params,
                                size_t n_hist)
{
    uint64_t need = 0;
    char text[MAX_HIDDEN * 12 + 32];
    size_t used = 0;
    for (size_t l = 0; l < n_widths; l++) {
        if (l + 1 < n_widths)
            need += (uint64_t)widths[l] * widths[l + 1] + widths[l + 1];
        if (used < sizeof text)
            used += (size_t)snprintf(text + used, sizeof text - used, "%s%zu", l ? "-" : "",
                                     widths[l]);
    }
    if (need != (uint64_t)n_params)
        return CORRUPT("layer widths %s need %llu parameters; %zu are stored", text,
                       (unsigned long long)need, n_params);
    genre_status st = genre__mf_expect_count(r, func, TAG_HIST_VAL, GENRE__MF_F64_ARRAY,
                                             "validation loss history", n_hist);
    if (st == GENRE_OK)
        st = genre__mf_expect_count(r, func, TAG_HIST_ACC, GENRE__MF_F64_ARRAY,
                                    "validation accuracy history", n_hist);
    if (st == GENRE_OK && (genre__mf_has(r, TAG_HIST_MONITOR) ||
                           genre__mf_has(r, TAG_HIST_MONITOR_ACC))) {
        st = genre__mf_expect_count(r, func, TAG_HIST_MONITOR, GENRE__MF_F64_ARRAY,
                                    "monitor loss history", n_hist);
        if (st == GENRE_OK)
            st = genre__mf_expect_count(r, func, TAG_HIST_MONITOR_ACC, GENRE__MF_F64_ARRAY,
                                        "monitor accuracy history", n_hist);
    }
    return st;
}

/* The saved parameters into p (which holds the defaults): the f64 then the
 * i64 records in table order, each checked as its setter would; a key
 * added after 0.1 may be missing (a file of an earlier version). */
static genre_status read_params(const genre__mf_reader *r, const char *func, mlp_params *p)
{
    const genre__param_table *t = &genre__mlp_param_table;
    uint32_t f_tag = TAG_F64_BASE, i_tag = TAG_I64_BASE;
    for (size_t i = 0; i < t->n_params; i++) {
        const genre__param *k = &t->params[i];
        if (k->slot == GENRE__SLOT_NONE)
            continue;
        const uint32_t tag = k->type == GENRE__P_F64 ? f_tag++ : i_tag++;
        if (strcmp(k->since, "0.1") != 0 && !genre__mf_has(r, tag))
            continue;
        genre_status st;
        if (k->type == GENRE__P_F64) {
            double v;
            if ((st = genre__mf_get_f64(r, tag, &v)) != GENRE_OK)
                return st;
            if (genre__params_check_f64(k, func, v) != GENRE_OK)
                return CORRUPT("parameter %s = %g is out of range", k->name, v);
            genre__params_store_f64(k, p, v);
        } else {
            int64_t v;
            if ((st = genre__mf_get_i64(r, tag, &v)) != GENRE_OK)
                return st;
            if (genre__params_check_i64(k, func, v) != GENRE_OK)
                return CORRUPT("parameter %s = %lld is out of range", k->name, (long long)v);
            genre__params_store_i64(k, p, v);
        }
    }
    return GENRE_OK;
}

/* The codec's genre__mf_decode_fn (model_file.h): dest is the caller's
 * genre_mlp **out; r NULL only clears *out; the payload version is checked. */
static genre_status read_model(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_mlp **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    uint32_t task, act;
    size_t n_widths, n_params, n_hist;
    genre_status st;
    if ((st = genre__mf_get_u32(r, TAG_TASK, &task)) != GENRE_OK ||
        (st = genre__mf_get_u32(r, TAG_ACTIVATION, &act)) != GENRE_OK ||
        (st = genre__mf_get_count(r, TAG_WIDTHS, GENRE__MF_I32_ARRAY, &n_widths)) !=
            GENRE_OK ||
        (st = genre__mf_get_count(r, TAG_PARAMS, GENRE__MF_F64_ARRAY, &n_params)) !=
            GENRE_OK ||
        (st = genre__mf_get_count(r, TAG_HIST_TRAIN, GENRE__MF_F64_ARRAY, &n_hist)) !=
            GENRE_OK)
        return st;
    if (task > GENRE_MLP_TASK_REGRESSION)
        return CORRUPT("unknown MLP task %u", (unsigned)task);
    if (act > GENRE_MLP_ACT_LOGISTIC)
        return CORRUPT("unknown activation %u", (unsigned)act);
    if (n_widths < 2 || n_widths > MAX_HIDDEN + 2)
        return CORRUPT("%zu layer widths; expected 2 to %d", n_widths, MAX_HIDDEN + 2);
    int32_t iw[MAX_HIDDEN + 2];
    size_t widths[MAX_HIDDEN + 2];
    if ((st = genre__mf_get_i32_array(r, TAG_WIDTHS, iw, n_widths)) != GENRE_OK)
        return st;
    for (size_t l = 0; l < n_widths; l++) {
        int32_t maxw = l == n_widths - 1 ? MAX_CLASSES : (l == 0 ? INT32_MAX : MAX_WIDTH);
        if (iw[l] < 1 || iw[l] > maxw)
            return CORRUPT("layer width %zu is %d", l, (int)iw[l]);
        widths[l] = (size_t)iw[l];
    }
    if (task == GENRE_MLP_TASK_CLASSIFICATION && widths[n_widths - 1] < 2)
        return CORRUPT("a classifier with %zu classes", widths[n_widths - 1]);
    if ((st = check_sizes(r, func, widths, n_widths, n_params, n_hist)) != GENRE_OK)
        return st;

    genre_mlp *m = GENRE_NEW(genre_mlp);
    if (!m)
        return GENRE_E_NOMEM;
    genre__params_reset(&genre__mlp_param_table, &m->p);
    st = read_params(r, func, &m->p);
    if (st == GENRE_OK && m->p.activation != (int64_t)act)
        st = CORRUPT("activation %u disagrees with the saved parameter %lld", (unsigned)act,
                     (long long)m->p.activation);
    if (st == GENRE_OK && n_hist > (uint64_t)m->p.epochs)
        st = CORRUPT("%zu epochs of history for GENRE_MLP_EPOCHS = %lld", n_hist,
                     (long long)m->p.epochs);
    if (st == GENRE_OK) {
        m->n_hidden = n_widths - 2;
        m->hidden = genre__alloc_array(m->n_hidden, sizeof *m->hidden);
        if (!m->hidden)
            st = GENRE_E_NOMEM;
        for (size_t l = 0; st == GENRE_OK && l < m->n_hidden; l++)
            m->hidden[l] = iw[l + 1];
    }
    mlp_net *n = NULL;
    if (st == GENRE_OK)
        st = genre__mlp_net_new(func, widths, n_widths - 1, (int32_t)task, (int32_t)act,
                                (int32_t)m->p.kernel, n_hist, &n);
    if (st == GENRE_OK) {
        m->net = n;
        if (n->n_params != n_params)
            st = CORRUPT("%zu parameters stored; the layer widths need %zu", n_params,
                         n->n_params);
    }
    if (st == GENRE_OK)
        st = genre__mf_get_f64_array(r, TAG_PARAMS, n->params, n_params);
    for (size_t i = 0; st == GENRE_OK && i < n_params; i++)
        if (!isfinite(n->params[i]))
            st = CORRUPT("parameter %zu is %g", i, n->params[i]);
    if (st == GENRE_OK) {
        n->n_epochs = n_hist;
        if ((st = genre__mf_get_f64_array(r, TAG_HIST_TRAIN, n->hist, n_hist)) == GENRE_OK &&
            (st = genre__mf_get_f64_array(r, TAG_HIST_VAL, n->hist + n_hist, n_hist)) ==
                GENRE_OK &&
            (st = genre__mf_get_f64_array(r, TAG_HIST_ACC, n->hist + 2 * n_hist, n_hist)) ==
                GENRE_OK &&
            (st = genre__mf_get_i64(r, TAG_BEST_EPOCH, &n->best_epoch)) == GENRE_OK)
            st = genre__mf_get_i64(r, TAG_STOPPED_EARLY, &n->stopped_early);
    }
    if (st == GENRE_OK) {
        double *mon = n->hist + 3 * n_hist, *mon_acc = n->hist + 4 * n_hist;
        if (genre__mf_has(r, TAG_HIST_MONITOR)) { /* both, as check_sizes() saw */
            if ((st = genre__mf_get_f64_array(r, TAG_HIST_MONITOR, mon, n_hist)) == GENRE_OK)
                st = genre__mf_get_f64_array(r, TAG_HIST_MONITOR_ACC, mon_acc, n_hist);
        } else {
            for (size_t e = 0; e < n_hist; e++)
                mon[e] = mon_acc[e] = NAN;
        }
    }
    if (st == GENRE_OK && (n->best_epoch < 0 || (uint64_t)n->best_epoch > n_hist ||
                           n->stopped_early < 0 || n->stopped_early > 1))
        st = CORRUPT("best epoch %lld / stopped flag %lld out of range",
                     (long long)n->best_epoch, (long long)n->stopped_early);
    if (st == GENRE_OK)
        st = genre__mlp_partial_read(r, func, m);
    if (st != GENRE_OK) {
        genre_mlp_free(m);
        return st;
    }
    *out = m;
    return GENRE_OK;
}

static const genre__mf_codec codec = {GENRE_MODEL_MLP, MLP_PAYLOAD_VERSION, "MLP", write_model,
                                      read_model};

genre_status genre_mlp_save_to_memory(const genre_mlp *model, void *buf, size_t cap,
                                      size_t *written_or_needed)
{
    genre_status st = check_saveable(__func__, model);
    return st ? st : genre__mf_save_memory(__func__, model, buf, cap, written_or_needed, &codec);
}

genre_status genre_mlp_save(const genre_mlp *model, const char *path)
{
    genre_status st = check_saveable(__func__, model);
    return st ? st : genre__mf_save_file(__func__, model, path, &codec);
}

genre_status genre_mlp_load_from_memory(genre_mlp **out, const void *buf, size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}

genre_status genre_mlp_load(genre_mlp **out, const char *path)
{
    return genre__mf_load_file(__func__, out, path, &codec);
}
