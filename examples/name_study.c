/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The name study: see name_study.h and docs/text.md. */
#include "name_study.h"

#include "name_leak.h"
#include "name_models.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const name_study_model_names[NAME_STUDY_N_MODELS] = {
    "names", "audio", "names+audio", "reduced names+audio"};

/* The names' weights tried for names+audio (chosen on the validation rows). */
const double name_study_scales[NAME_STUDY_N_SCALES] = {0.3, 0.1, 0.03};

void name_study_default_options(name_study_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->test_per_class = 500;
    o->test_fraction = 0.2;
    o->n_buckets = (int64_t)1 << 15;
    o->ngram_min = 2;
    o->ngram_max = 4;
    o->folds = 5;
    o->names_epochs = 30;
    o->both_epochs = 30;
    o->both_hidden = 64;
    o->audio_epochs = 300;
    o->n_resamples = 1000;
    o->threads = 2;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- The whole table's names, exported once ------------------------------ */

typedef struct table {
    size_t n, m;            /* rows, text columns */
    char *buf[NAME_STUDY_MAX_TEXT + 1]; /* one per column, the group column's last */
    const char **names;     /* n x m, row-major */
    const char **group;     /* n group texts ("" when the row has no group), or NULL */
} table;

static void table_free(table *t)
{
    for (size_t j = 0; j <= NAME_STUDY_MAX_TEXT; j++)
        free(t->buf[j]);
    free(t->names);
    free(t->group);
    memset(t, 0, sizeof *t);
}

/* One text column of ds into buf (its strings) and at[i * stride] (row i's). */
static genre_status export_column(const genre_dataset *ds, const char *column, size_t n,
                                  char **buf, const char **at, size_t stride)
{
    size_t need = 0;
    size_t *off = malloc((n ? n : 1) * sizeof *off);
    genre_status st = off ? GENRE_OK : GENRE_E_NOMEM;
    if (!st) {
        st = genre_dataset_export_text(ds, column, NULL, 0, &need, NULL);
        if (st == GENRE_E_BUFFER_TOO_SMALL || st == GENRE_OK) /* a size query */
            st = (*buf = malloc(need ? need : 1)) ? GENRE_OK : GENRE_E_NOMEM;
    }
    if (!st)
        st = genre_dataset_export_text(ds, column, *buf, need, NULL, off);
    for (size_t i = 0; i < n && !st; i++)
        at[i * stride] = *buf + off[i];
    free(off);
    return st;
}

typedef struct text_id {
    const char *text;
    int64_t id;
} text_id;

static int cmp_text_id(const void *a, const void *b)
{
    const text_id *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* Rows the table keeps apart from every group (the schema's "no group"
 * value, or a missing group) get "" as their group text: the value
 * is no name. The library gives each such row a group id of its own, so
 * a group text seen under two ids is such a value. */
static int blank_no_group(const genre_dataset *ds, table *t)
{
    size_t n = t->n;
    int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
    text_id *p = malloc((n ? n : 1) * sizeof *p);
    int rc = -1;
    if (!ids || !p || genre_dataset_export_groups(ds, ids, n, NULL))
        goto done;
    for (size_t i = 0; i < n; i++)
        p[i] = (text_id){t->group[i], ids[i]};
    qsort(p, n, sizeof *p, cmp_text_id);
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a + 1; b < n && !strcmp(p[b].text, p[a].text); b++)
            ;
        if (p[b - 1].id != p[a].id) /* one text, several ids: not a group */
            for (size_t i = 0; i < n; i++)
                if (t->group[i] == p[a].text || !strcmp(t->group[i], p[a].text))
                    t->group[i] = "";
    }
    rc = 0;
done:
    free(ids);
    free(p);
    return rc;
}

/* ---- One side of a split ------------------------------------------------ */

typedef struct side {
    size_t n, d;
    double *x;        /* n x d, scaled */
    int32_t *y;
    int64_t *groups;  /* group ids of the side (rows without a group are singletons) */
    const char **names; /* n x m, into the table's buffers */
    const char **group; /* n group texts, or NULL */
    csr text;         /* names, hashed */
    csr both;         /* names + d features */
} side;

static void side_free(side *s)
{
    free(s->x);
    free(s->y);
    free(s->groups);
    free(s->names);
    free(s->group);
    csr_free(&s->text);
    csr_free(&s->both);
    memset(s, 0, sizeof *s);
}

/* The leak check's decision, shared by the two splits: the random split
 * takes it before its combined models, the group-disjoint split waits for
 * it before its own. */
typedef struct leak_gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int state; /* 0 pending, 1 decided, -1 the random split stopped first */
} leak_gate;

/* One per split: the splits may run on two threads, so each keeps its own
 * error text; the progress callback is serialised by a shared lock. */
typedef struct ctx {
    const name_study_options *o;
    const name_study_input *in;
    const table *tab;
    name_study_result *out;
    pthread_mutex_t *progress_lock;
    leak_gate *gate;
    int64_t group_test_per_class; /* the group-disjoint split's target */
    int32_t k;                    /* classes: the input's, or found in the labels */
    int which, rc, stop; /* stop: options.cancel said so */
    char error[512];
} ctx;

static int fail(ctx *c, const char *what, genre_status st)
{
    if (st == GENRE_E_CANCELLED) {
        c->stop = 1;
        snprintf(c->error, sizeof c->error, "cancelled (%s)", what);
        return -1;
    }
    snprintf(c->error, sizeof c->error, "%s: %s (%s)", what, genre_last_error(),
             genre_status_name(st));
    return -1;
}

static int cancel_requested(const name_study_options *o)
{
    return o->cancel && o->cancel(o->user);
}

/* Reports the next step, and notes a cancel request: the next TRY then
 * stops the split. */
static void progress(ctx *c, const char *fmt, ...)
{
    if (cancel_requested(c->o))
        c->stop = 1;
    if (!c->o->progress)
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(c->progress_lock);
    c->o->progress(c->o->user, buf);
    pthread_mutex_unlock(c->progress_lock);
}

#define TRY(call, what)                                                                  \
    do {                                                                                 \
        genre_status st_ = c->stop ? GENRE_E_CANCELLED : (call);                         \
        if (st_ != GENRE_OK) {                                                           \
            rc = fail(c, (what), st_);                                                   \
            goto done;                                                                   \
        }                                                                                \
    } while (0)
#define NEED(ptr)                                                                        \
    do {                                                                                 \
        if (!(ptr)) {                                                                    \
            snprintf(c->error, sizeof c->error, "out of memory (%s)", #ptr);             \
            rc = -1;                                                                     \
            goto done;                                                                   \
        }                                                                                \
    } while (0)

/* The side's names, group texts and group ids: rows `rows` of the table
 * (the split's order, which is the subset's). */
static int side_rows(ctx *c, const genre_dataset *sub, const int64_t *rows, side *s)
{
    int rc = 0;
    const table *t = c->tab;
    NEED(s->names = malloc((s->n ? s->n : 1) * t->m * sizeof *s->names));
    for (size_t i = 0; i < s->n; i++)
        memcpy(s->names + i * t->m, t->names + (size_t)rows[i] * t->m, t->m * sizeof *s->names);
    if (t->group) {
        NEED(s->group = malloc((s->n ? s->n : 1) * sizeof *s->group));
        for (size_t i = 0; i < s->n; i++)
            s->group[i] = t->group[rows[i]];
        /* ids in the side's own order of first appearance: the validation
         * tenth and the folds are drawn from them */
        NEED(s->groups = malloc((s->n ? s->n : 1) * sizeof *s->groups));
        TRY(genre_dataset_export_groups(sub, s->groups, s->n, NULL), "export groups");
    }
done:
    return rc;
}

/* The caller's features of the split's two sides, checked. */
static int side_features(ctx *c, genre_dataset *dtr, genre_dataset *dte, side *tr,
                         side *te, uint8_t **standardise)
{
    name_study_features f = {0};
    char err[400] = "";
    if (c->in->features(c->in->features_user, dtr, dte, &f, err, sizeof err)) {
        snprintf(c->error, sizeof c->error, "features: %s", err[0] ? err : "failed");
        return -1;
    }
    tr->x = f.x_train, te->x = f.x_test, tr->y = f.y_train, te->y = f.y_test;
    tr->d = te->d = f.d;
    *standardise = f.standardise;
    if (!f.d || !tr->x || !te->x || !tr->y || !te->y) {
        snprintf(c->error, sizeof c->error, "features: no columns or no rows given");
        return -1;
    }
    /* K: the input's, or one more than the largest code (both sides hold
     * every row of the table, so both splits find the same) */
    int32_t hi = -1;
    for (int s = 0; s < 2; s++) {
        const side *p = s ? te : tr;
        for (size_t i = 0; i < p->n; i++)
            hi = p->y[i] > hi ? p->y[i] : hi;
    }
    c->k = c->in->n_classes > 0 ? c->in->n_classes : hi + 1;
    if (c->k < 2) {
        snprintf(c->error, sizeof c->error, "features: %d class%s: the study needs 2 or more",
                 c->k, c->k == 1 ? "" : "es");
        return -1;
    }
    for (int s = 0; s < 2; s++) {
        const side *p = s ? te : tr;
        for (size_t i = 0; i < p->n; i++)
            if (p->y[i] < 0 || p->y[i] >= c->k) {
                snprintf(c->error, sizeof c->error,
                         "features: %s row %zu has label code %d, not in [0, %d)",
                         s ? "test" : "training", i, p->y[i], c->k);
                return -1;
            }
    }
    return 0;
}

/* Hashes the fields with keep[j] set (all when keep is NULL) of both sides,
 * document frequencies from tr only, into text and both (names + features). */
static int hash_sides(ctx *c, const int *keep, side *tr, side *te, int64_t *n_cols)
{
    const name_study_options *o = c->o;
    const size_t m = c->tab->m;
    int rc = 0;
    genre_text *tx = NULL;
    const char **sel[2] = {NULL, NULL};
    size_t mk = 0;
    for (size_t j = 0; j < m; j++)
        mk += !keep || keep[j];
    TRY(genre_text_create(&tx), "text");
    TRY(genre_text_set_i64(tx, GENRE_TEXT_N_BUCKETS, o->n_buckets), "text");
    TRY(genre_text_set_i64(tx, GENRE_TEXT_NGRAM_MIN, o->ngram_min), "text");
    TRY(genre_text_set_i64(tx, GENRE_TEXT_NGRAM_MAX, o->ngram_max), "text");
    TRY(genre_text_set_i64(tx, GENRE_TEXT_SEED, (int64_t)(o->seed & 0xffffffffu)), "text");
    for (int s = 0; s < 2; s++) {
        side *p = s ? te : tr;
        NEED(sel[s] = malloc((p->n ? p->n : 1) * (mk ? mk : 1) * sizeof **sel));
        for (size_t i = 0, k = 0; i < p->n; i++)
            for (size_t j = 0; j < m; j++)
                if (!keep || keep[j])
                    sel[s][k++] = p->names[i * m + j];
    }
    TRY(genre_text_fit(tx, sel[0], tr->n, mk), "text fit");
    TRY(genre_text_get_i64(tx, GENRE_TEXT_N_FEATURES, n_cols), "text");
    for (int s = 0; s < 2; s++) {
        side *p = s ? te : tr;
        size_t nnz = 0, nc = (size_t)*n_cols;
        csr_free(&p->text);
        csr_free(&p->both);
        genre_status st = genre_text_transform(tx, sel[s], p->n, mk, NULL, NULL, NULL, 0, &nnz);
        if (st != GENRE_E_BUFFER_TOO_SMALL)
            TRY(st == GENRE_OK ? GENRE_E_INTERNAL : st, "name features (size)");
        NEED(csr_alloc(&p->text, p->n, nc, nnz) == 0);
        TRY(genre_text_transform(tx, sel[s], p->n, mk, p->text.rp, p->text.ci, p->text.v, nnz,
                                 NULL),
            "name features");
        size_t total = nnz + p->n * p->d;
        NEED(csr_alloc(&p->both, p->n, nc + p->d, total) == 0);
        TRY(genre_text_csr_append_dense(p->n, nc, p->text.rp[p->n], p->text.rp, p->text.ci,
                                        p->text.v, p->x, p->d, p->d, p->both.rp, p->both.ci,
                                        p->both.v, total, NULL),
            "append the numeric features");
    }
done:
    free(sel[0]);
    free(sel[1]);
    genre_text_free(tx);
    return rc;
}

/* ---- Models --------------------------------------------------------------- */

static int cancel_cb(void *user)
{
    return cancel_requested(user);
}

static name_fit fit_of(const ctx *c)
{
    return (name_fit){.n_classes = c->k,
                      .seed = c->o->seed,
                      .cancel = c->o->cancel ? cancel_cb : NULL,
                      .user = (void *)(uintptr_t)c->o};
}

static void score(const int32_t *y, const double *proba, size_t n, int32_t k,
                  name_study_cell *cell)
{
    size_t hit = 0;
    for (size_t i = 0; i < n; i++) {
        int best = 0;
        for (int j = 1; j < k; j++)
            if (proba[i * (size_t)k + (size_t)j] > proba[i * (size_t)k + (size_t)best])
                best = j;
        hit += best == y[i];
    }
    cell->accuracy = (double)hit / (double)n;
    cell->auroc = macro_auroc(y, proba, n, k);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Distinct groups among a side's rows that have one. */
static int64_t distinct_groups(const side *s)
{
    if (!s->group)
        return 0;
    const char **a = malloc((s->n ? s->n : 1) * sizeof *a);
    if (!a)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->group[i][0])
            a[m++] = s->group[i];
    qsort(a, m, sizeof *a, cmp_str);
    int64_t d = 0;
    for (size_t i = 0; i < m; i++)
        d += i == 0 || strcmp(a[i], a[i - 1]) != 0;
    free(a);
    return d;
}

/* Out-of-fold names probabilities on the training rows: random folds on
 * the random split, group folds on the group-disjoint split (so the
 * reduction sees the same kind of leakage in training as in test). */
static int out_of_fold(ctx *c, const side *tr, int by_group, int64_t epochs, double *oof)
{
    int rc = 0;
    const name_study_options *o = c->o;
    const size_t nc = (size_t)c->k;
    const name_fit nf = fit_of(c);
    size_t k = (size_t)o->folds;
    size_t *fold = malloc(tr->n * sizeof *fold), *in = malloc(tr->n * sizeof *in),
           *out = malloc(tr->n * sizeof *out);
    int32_t *yin = malloc(tr->n * sizeof *yin);
    double *p = malloc(tr->n * nc * sizeof *p);
    csr a = {0}, b = {0};
    NEED(fold && in && out && yin && p);
    for (size_t i = 0; i < tr->n; i++)
        fold[i] = name_mix(o->seed * 1000003u + (by_group ? (uint64_t)tr->groups[i] : i)) % k;
    for (size_t f = 0; f < k; f++) {
        progress(c, "out-of-fold names model, fold %zu of %zu", f + 1, k);
        size_t ni = 0, no = 0;
        for (size_t i = 0; i < tr->n; i++) {
            if (fold[i] == f) {
                out[no++] = i;
            } else {
                yin[ni] = tr->y[i];
                in[ni++] = i;
            }
        }
        if (no == 0)
            continue;
        NEED(csr_take(&tr->text, in, ni, &a) == 0);
        NEED(csr_take(&tr->text, out, no, &b) == 0);
        TRY(names_fit_predict(&nf, &a, yin, NULL, NULL, epochs, &b, p, NULL, NULL),
            "out-of-fold names model");
        for (size_t j = 0; j < no; j++)
            memcpy(oof + out[j] * nc, p + j * nc, nc * sizeof *p);
        csr_free(&a);
        csr_free(&b);
    }
done:
    csr_free(&a);
    csr_free(&b);
    free(fold);
    free(in);
    free(out);
    free(yin);
    free(p);
    return rc;
}

/* [d features | K name probabilities] */
static double *join(const double *x, size_t d, const double *p, size_t k, size_t n)
{
    double *z = malloc((n ? n : 1) * (d + k) * sizeof *z);
    if (!z)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        memcpy(z + i * (d + k), x + i * d, d * sizeof *z);
        memcpy(z + i * (d + k) + d, p + i * k, k * sizeof *z);
    }
    return z;
}

/* dst = rows `rows[0..n)` of s: features, labels, names and both CSR matrices. */
static int side_take(const side *s, size_t m, const size_t *rows, size_t n, side *dst)
{
    memset(dst, 0, sizeof *dst);
    dst->n = n;
    dst->d = s->d;
    dst->x = malloc((n ? n : 1) * s->d * sizeof *dst->x);
    dst->y = malloc((n ? n : 1) * sizeof *dst->y);
    dst->names = malloc((n ? n : 1) * m * sizeof *dst->names);
    if (!dst->x || !dst->y || !dst->names || csr_take(&s->text, rows, n, &dst->text) ||
        csr_take(&s->both, rows, n, &dst->both))
        return -1;
    for (size_t i = 0; i < n; i++) {
        memcpy(dst->x + i * s->d, s->x + rows[i] * s->d, s->d * sizeof *dst->x);
        dst->y[i] = s->y[rows[i]];
        memcpy(dst->names + i * m, s->names + rows[i] * m, m * sizeof *dst->names);
    }
    return 0;
}

/* rows `rows[0..n)` of a row-major matrix with d columns */
static double *take_rows(const double *z, size_t d, const size_t *rows, size_t n)
{
    double *o = malloc((n ? n : 1) * d * sizeof *o);
    if (o)
        for (size_t i = 0; i < n; i++)
            memcpy(o + i * d, z + rows[i] * d, d * sizeof *o);
    return o;
}

/* ---- The leak check (name_leak.h) ------------------------------------------ */

/* On the random split: scores each text column alone on the validation
 * rows, flags and warns, and decides which columns the combined models use. */
static int leak_check(ctx *c, const side *fp, const side *vp)
{
    int rc = 0;
    name_study_result *out = c->out;
    const size_t m = c->tab->m;
    const name_fit nf = fit_of(c);
    const name_leak_params lp = {.n_buckets = c->o->n_buckets,
                                 .ngram_min = c->o->ngram_min,
                                 .ngram_max = c->o->ngram_max,
                                 .text_seed = (uint32_t)(c->o->seed & 0xffffffffu),
                                 .epochs = c->o->names_epochs};
    progress(c, "leak check: each text column alone");
    TRY(name_leak_scores(&nf, &lp, fp->names, fp->y, fp->n, vp->names, vp->y, vp->n, m,
                         out->field_val_auroc),
        "leak check");
    for (size_t j = 0; j < m; j++) {
        out->field_leaks[j] = name_leak_flagged(out->field_val_auroc[j]);
        out->field_combined[j] = !out->field_leaks[j] || c->o->keep_leaking;
        if (out->field_leaks[j])
            name_leak_warning(out->warning[out->n_warnings++], sizeof out->warning[0],
                              out->field[j], out->field_val_auroc[j], c->o->keep_leaking);
    }
    out->leak_checked = 1;
done:
    return rc;
}

static void gate_post(leak_gate *g, int state)
{
    pthread_mutex_lock(&g->lock);
    if (g->state == 0)
        g->state = state;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

static int gate_wait(leak_gate *g)
{
    pthread_mutex_lock(&g->lock);
    while (g->state == 0)
        pthread_cond_wait(&g->cond, &g->lock);
    int s = g->state;
    pthread_mutex_unlock(&g->lock);
    return s;
}

/* ---- One split ------------------------------------------------------------ */

static int run_split(ctx *c, int which)
{
    const name_study_options *o = c->o;
    const name_study_input *in = c->in;
    const genre_dataset *ds = in->ds;
    const size_t m = c->tab->m;
    name_study_split *r = &c->out->split[which];
    name_study_result *res = c->out;
    int rc = 0;
    genre_dataset_split *split = NULL;
    genre_dataset *dtr = NULL, *dte = NULL;
    genre_scaler *sc = NULL;
    side tr = {0}, te = {0}, fp = {0}, vp = {0};
    double *proba[NAME_STUDY_N_MODELS] = {0}, *oof = NULL, *ztr = NULL, *zte = NULL;
    double *zfit = NULL, *zval = NULL, *pv = NULL, *pt = NULL, *pnames = NULL;
    uint8_t *standardise = NULL, *mask = NULL;
    csr sf = {0}, sv = {0}, ste = {0};
    size_t *fit_rows = NULL, *val_rows = NULL, nfit = 0, nval = 0;
    int64_t *rows_tr = NULL, *rows_te = NULL;
    const int by_group = which == NS_SPLIT_GROUP;
    int combined = 1;
    progress(c, "%s split", r->name);
    if (which == NS_SPLIT_RANDOM && o->test_per_class > 0)
        TRY(genre_dataset_split_stratified(&split, ds, o->test_per_class, o->seed), "split");
    else if (which == NS_SPLIT_RANDOM)
        TRY(genre_dataset_split_stratified_fraction(&split, ds, o->test_fraction, o->seed),
            "split");
    else
        TRY(genre_dataset_split_grouped(&split, ds, c->group_test_per_class, o->seed), "split");
    TRY(genre_dataset_leakage(ds, split, &r->shared_groups, &r->test_rows_in_train_groups,
                              &r->duplicate_rows),
        "leakage");
    TRY(genre_dataset_subset(&dtr, ds, split, GENRE_SPLIT_TRAIN), "training rows");
    TRY(genre_dataset_subset(&dte, ds, split, GENRE_SPLIT_TEST), "test rows");
    TRY(genre_dataset_split_rows(split, GENRE_SPLIT_TRAIN, NULL, 0, &tr.n), "split rows");
    TRY(genre_dataset_split_rows(split, GENRE_SPLIT_TEST, NULL, 0, &te.n), "split rows");
    NEED(rows_tr = malloc((tr.n ? tr.n : 1) * sizeof *rows_tr));
    NEED(rows_te = malloc((te.n ? te.n : 1) * sizeof *rows_te));
    TRY(genre_dataset_split_rows(split, GENRE_SPLIT_TRAIN, rows_tr, tr.n, NULL), "split rows");
    TRY(genre_dataset_split_rows(split, GENRE_SPLIT_TEST, rows_te, te.n, NULL), "split rows");
    if (side_rows(c, dtr, rows_tr, &tr) || side_rows(c, dte, rows_te, &te) ||
        side_features(c, dtr, dte, &tr, &te, &standardise)) {
        rc = -1;
        goto done;
    }
    const size_t d = tr.d, K = (size_t)c->k;
    const name_fit nf = fit_of(c);
    r->n_train = (int64_t)tr.n;
    r->n_test = (int64_t)te.n;
    r->n_features = (int64_t)d;
    r->test_groups = distinct_groups(&te);
    /* standardise the features the caller marks, fit on training rows */
    NEED(mask = malloc(d));
    for (size_t j = 0; j < d; j++)
        mask[j] = standardise ? standardise[j] != 0 : 1;
    TRY(genre_scaler_create(&sc), "scaler");
    TRY(genre_scaler_set_mask(sc, mask, d), "scaler");
    TRY(genre_scaler_fit(sc, tr.x, tr.n, d, d), "scaler");
    TRY(genre_scaler_transform(sc, tr.x, tr.n, d, d, tr.x, tr.n * d, NULL), "scaler");
    TRY(genre_scaler_transform(sc, te.x, te.n, d, d, te.x, te.n * d, NULL), "scaler");
    /* hashed names, document frequencies from the training rows only */
    progress(c, "%s: name features", r->name);
    int64_t ncols = 0;
    if (hash_sides(c, NULL, &tr, &te, &ncols)) {
        rc = -1;
        goto done;
    }
    r->n_text_columns = ncols;
    r->nnz_train = (int64_t)tr.text.rp[tr.n];
    for (int k = 0; k < NAME_STUDY_N_MODELS; k++)
        NEED(proba[k] = malloc((te.n ? te.n : 1) * K * sizeof *proba[k]));

    /* the validation tenth of the training rows, chosen like the split */
    NEED(fit_rows = malloc((tr.n ? tr.n : 1) * sizeof *fit_rows));
    NEED(val_rows = malloc((tr.n ? tr.n : 1) * sizeof *val_rows));
    for (size_t i = 0; i < tr.n; i++) {
        uint64_t key = by_group ? (uint64_t)tr.groups[i] : (uint64_t)i;
        if (name_mix(o->seed * 7919u + 17u + key) % 10 == 0)
            val_rows[nval++] = i;
        else
            fit_rows[nfit++] = i;
    }
    r->n_validation = (int64_t)nval;
    if (nval == 0 || nfit == 0) {
        snprintf(c->error, sizeof c->error,
                 "%s split: %zu training rows leave no validation tenth for early stopping",
                 r->name, tr.n);
        rc = -1;
        goto done;
    }
    NEED(side_take(&tr, m, fit_rows, nfit, &fp) == 0 &&
         side_take(&tr, m, val_rows, nval, &vp) == 0);

    double t0 = now_s();
    progress(c, "%s: names model", r->name);
    NEED(pv = malloc(nval * K * sizeof *pv));
    NEED(pt = malloc((te.n ? te.n : 1) * K * sizeof *pt));
    TRY(names_fit_predict(&nf, &fp.text, fp.y, &vp.text, vp.y, o->names_epochs, &te.text,
                          proba[NS_NAMES], &r->model[NS_NAMES].epochs, pv),
        "names model");
    r->model[NS_NAMES].val_auroc = macro_auroc(vp.y, pv, nval, c->k);
    r->model[NS_NAMES].seconds = now_s() - t0;

    t0 = now_s();
    progress(c, "%s: audio model", r->name);
    TRY(dense_fit_predict(&nf, o->audio_epochs, fp.x, fp.n, fp.y, vp.x, vp.n, vp.y, te.x, te.n,
                          d, proba[NS_AUDIO], &r->model[NS_AUDIO].epochs, pv),
        "audio model");
    r->model[NS_AUDIO].val_auroc = macro_auroc(vp.y, pv, nval, c->k);
    r->model[NS_AUDIO].seconds = now_s() - t0;

    /* The leak check decides which text columns the combined models use:
     * taken on the random split, awaited by the group-disjoint one. */
    if (which == NS_SPLIT_RANDOM) {
        if (leak_check(c, &fp, &vp)) {
            rc = -1;
            goto done;
        }
        gate_post(c->gate, 1);
    } else if (gate_wait(c->gate) != 1) {
        snprintf(c->error, sizeof c->error, "%s split: stopped (the random split stopped)",
                 r->name);
        rc = -1;
        goto done;
    }
    size_t kept = 0;
    for (size_t j = 0; j < m; j++)
        kept += res->field_combined[j] != 0;
    /* the names model the reduced model uses: the one above, or one refit
     * on the columns kept */
    int64_t names_epochs = r->model[NS_NAMES].epochs;
    pnames = proba[NS_NAMES];
    if (kept == 0) {
        combined = 0;
    } else if (kept < m) {
        progress(c, "%s: names model on the columns kept", r->name);
        if (hash_sides(c, res->field_combined, &tr, &te, &ncols)) {
            rc = -1;
            goto done;
        }
        side_free(&fp);
        side_free(&vp);
        NEED(side_take(&tr, m, fit_rows, nfit, &fp) == 0 &&
             side_take(&tr, m, val_rows, nval, &vp) == 0);
        NEED(pnames = malloc((te.n ? te.n : 1) * K * sizeof *pnames));
        TRY(names_fit_predict(&nf, &fp.text, fp.y, &vp.text, vp.y, o->names_epochs, &te.text,
                              pnames, &names_epochs, pv),
            "names model on the columns kept");
    }
    if (!combined) {
        for (int k = NS_BOTH; k <= NS_REDUCED; k++)
            r->model[k] = (name_study_cell){NAN, NAN, 0, NAN, 0};
        r->diff = r->diff_lo = r->diff_hi = NAN;
        r->diff_reduced = r->names_in_reduced_lo = r->names_in_reduced_hi = NAN;
        r->names_scale = NAN;
        for (int k = 0; k < NAME_STUDY_N_SCALES; k++)
            r->both_val_auroc[k] = NAN;
        for (int k = NS_NAMES; k <= NS_AUDIO; k++)
            score(te.y, proba[k], te.n, c->k, &r->model[k]);
        goto done;
    }

    t0 = now_s();
    progress(c, "%s: names+audio model", r->name);
    /* The names' weight in the joint input (their values times a), chosen
     * on the validation rows: with Adam, smaller inputs learn more slowly,
     * so a < 1 keeps the names from being memorised before the numeric
     * features are learnt. */
    {
        size_t n_text = (size_t)ncols;
        r->model[NS_BOTH].val_auroc = -1;
        for (size_t k = 0; k < NAME_STUDY_N_SCALES; k++) {
            double a = name_study_scales[k];
            int64_t ep = 0;
            progress(c, "%s: names+audio model, names scaled by %g", r->name, a);
            NEED(csr_scaled_copy(&fp.both, n_text, a, &sf) == 0 &&
                 csr_scaled_copy(&vp.both, n_text, a, &sv) == 0 &&
                 csr_scaled_copy(&te.both, n_text, a, &ste) == 0);
            TRY(both_fit_predict(&nf, o->both_hidden, o->both_epochs, &sf, fp.y, &sv, vp.y,
                                 &ste, pt, &ep, pv),
                "names+audio model");
            double v = macro_auroc(vp.y, pv, nval, c->k);
            r->both_val_auroc[k] = v;
            /* NaN (a class absent from the validation rows) never wins, but the
             * first weight is always taken so the test probabilities are set. */
            if (k == 0 || v > r->model[NS_BOTH].val_auroc) {
                r->model[NS_BOTH].val_auroc = v;
                r->model[NS_BOTH].epochs = ep;
                r->names_scale = a;
                memcpy(proba[NS_BOTH], pt, te.n * K * sizeof *pt);
            }
            csr_free(&sf);
            csr_free(&sv);
            csr_free(&ste);
        }
    }
    r->model[NS_BOTH].seconds = now_s() - t0;

    /* out-of-fold names probabilities over all training rows, each fold's
     * model run for the epochs early stopping chose for the names model */
    t0 = now_s();
    NEED(oof = malloc((tr.n ? tr.n : 1) * K * sizeof *oof));
    if (out_of_fold(c, &tr, by_group, names_epochs, oof)) {
        rc = -1;
        goto done;
    }
    NEED(ztr = join(tr.x, d, oof, K, tr.n));
    NEED(zte = join(te.x, d, pnames, K, te.n));
    NEED(zfit = take_rows(ztr, d + K, fit_rows, nfit));
    NEED(zval = take_rows(ztr, d + K, val_rows, nval));
    progress(c, "%s: reduced names+audio model", r->name);
    TRY(dense_fit_predict(&nf, o->audio_epochs, zfit, nfit, fp.y, zval, nval, vp.y, zte, te.n,
                          d + K, proba[NS_REDUCED], &r->model[NS_REDUCED].epochs, pv),
        "reduced names+audio model");
    r->model[NS_REDUCED].val_auroc = macro_auroc(vp.y, pv, nval, c->k);
    /* the reduced model's time includes its out-of-fold names models */
    r->model[NS_REDUCED].seconds = now_s() - t0;

    for (int k = 0; k < NAME_STUDY_N_MODELS; k++)
        score(te.y, proba[k], te.n, c->k, &r->model[k]);
    /* a group-disjoint split may leave a class without test rows (its
     * groups too large): no AUROC difference then, not a failure */
    for (size_t k = 0; k < K; k++) {
        size_t i = 0;
        while (i < te.n && te.y[i] != (int32_t)k)
            i++;
        if (i == te.n) {
            r->diff = r->diff_lo = r->diff_hi = NAN;
            r->diff_reduced = r->names_in_reduced_lo = r->names_in_reduced_hi = NAN;
            goto done;
        }
    }
    progress(c, "%s: bootstrap", r->name);
    TRY(genre_metrics_roc_auc_bootstrap_diff(te.y, proba[NS_BOTH], K, proba[NS_AUDIO], K,
                                             te.n, K, o->n_resamples, o->seed, 0.95, &r->diff,
                                             &r->diff_lo, &r->diff_hi),
        "bootstrap");
    TRY(genre_metrics_roc_auc_bootstrap_diff(te.y, proba[NS_REDUCED], K, proba[NS_AUDIO], K,
                                             te.n, K, o->n_resamples, o->seed, 0.95,
                                             &r->diff_reduced, &r->names_in_reduced_lo,
                                             &r->names_in_reduced_hi),
        "bootstrap");
done:
    if (which == NS_SPLIT_RANDOM)
        gate_post(c->gate, -1); /* a no-op once decided */
    if (pnames != proba[NS_NAMES])
        free(pnames);
    for (int k = 0; k < NAME_STUDY_N_MODELS; k++)
        free(proba[k]);
    free(oof);
    free(ztr);
    free(zte);
    free(zfit);
    free(zval);
    free(pv);
    free(pt);
    free(standardise);
    free(mask);
    free(rows_tr);
    free(rows_te);
    csr_free(&sf);
    csr_free(&sv);
    csr_free(&ste);
    free(fit_rows);
    free(val_rows);
    side_free(&fp);
    side_free(&vp);
    side_free(&tr);
    side_free(&te);
    genre_scaler_free(sc);
    genre_dataset_free(dtr);
    genre_dataset_free(dte);
    genre_dataset_split_free(split);
    return rc;
}

static void *split_main(void *arg)
{
    ctx *c = arg;
    c->rc = run_split(c, c->which);
    return NULL;
}

/* ---- The study ------------------------------------------------------------- */

/* "artist" from "artist_name" or "Artist Name": the column's name less a
 * "name" ending and the separator before it. */
static void group_word_of(const char *column, char *out, size_t cap)
{
    size_t n = strlen(column);
    if (n > 5) {
        const char *end = column + n - 4, sep = column[n - 5];
        if ((!strcmp(end, "name") || !strcmp(end, "Name")) &&
            (sep == '_' || sep == ' ' || sep == '-'))
            n -= 5;
    }
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), column);
}

static int bad_input(name_study_result *out, const char *msg)
{
    snprintf(out->error, sizeof out->error, "%s", msg);
    return -1;
}

/* The names of every row, the group texts with "no group" blanked, and the
 * counts of invalid and empty names. */
static int load_table(const name_study_input *in, table *t, name_study_result *out)
{
    int64_t rows = 0;
    genre_status st = genre_dataset_get_i64(in->ds, GENRE_DATASET_N_ROWS, &rows);
    t->n = (size_t)rows;
    t->m = in->n_text_columns;
    if (!st)
        st = (t->names = malloc((t->n ? t->n : 1) * t->m * sizeof *t->names)) ? GENRE_OK
                                                                               : GENRE_E_NOMEM;
    for (size_t j = 0; j < t->m && !st; j++)
        if ((st = export_column(in->ds, in->text_columns[j], t->n, &t->buf[j], t->names + j,
                                t->m)))
            snprintf(out->error, sizeof out->error, "text column '%s': %s", in->text_columns[j],
                     genre_last_error());
    if (!st && in->group_column) {
        st = (t->group = malloc((t->n ? t->n : 1) * sizeof *t->group)) ? GENRE_OK
                                                                       : GENRE_E_NOMEM;
        if (!st && (st = export_column(in->ds, in->group_column, t->n,
                                       &t->buf[NAME_STUDY_MAX_TEXT], t->group, 1)))
            snprintf(out->error, sizeof out->error, "group column '%s': %s", in->group_column,
                     genre_last_error());
        if (!st && blank_no_group(in->ds, t)) {
            snprintf(out->error, sizeof out->error, "group column '%s': %s", in->group_column,
                     genre_last_error());
            st = GENRE_E_INVALID_ARG;
        }
        /* the group column hashed as a name: its "no group" value is no name */
        for (size_t j = 0; j < t->m && !st; j++)
            if (!strcmp(in->text_columns[j], in->group_column))
                for (size_t i = 0; i < t->n; i++)
                    t->names[i * t->m + j] = t->group[i];
    }
    if (st && !out->error[0])
        snprintf(out->error, sizeof out->error, "names: %s", genre_last_error());
    if (!st)
        genre_text_count_issues(t->names, t->n, t->m, &out->invalid_utf8_names,
                                &out->empty_names);
    return st ? -1 : 0;
}

/* The group-disjoint split's test rows per class: as the random split's,
 * or with a fraction the smallest class's share (at least 1). */
static int group_target(const name_study_input *in, const name_study_options *o, int64_t *out)
{
    if (o->test_per_class > 0) {
        *out = o->test_per_class;
        return 0;
    }
    genre_dataset_split *sp = NULL;
    int64_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    int rc = -1;
    if (genre_dataset_split_stratified_fraction(&sp, in->ds, o->test_fraction, o->seed) ||
        genre_dataset_split_class_counts(sp, GENRE_SPLIT_TRAIN, NULL, 0, &na) ||
        genre_dataset_split_class_counts(sp, GENRE_SPLIT_TEST, NULL, 0, &nb) || na != nb ||
        !(a = malloc((na ? na : 1) * sizeof *a)) || !(b = malloc((na ? na : 1) * sizeof *b)) ||
        genre_dataset_split_class_counts(sp, GENRE_SPLIT_TRAIN, a, na, NULL) ||
        genre_dataset_split_class_counts(sp, GENRE_SPLIT_TEST, b, na, NULL))
        goto done;
    int64_t smallest = INT64_MAX;
    for (size_t k = 0; k < na; k++)
        if (a[k] + b[k] > 0 && a[k] + b[k] < smallest)
            smallest = a[k] + b[k];
    *out = (int64_t)floor(o->test_fraction * (double)smallest + 0.5);
    if (*out < 1)
        *out = 1;
    rc = 0;
done:
    free(a);
    free(b);
    genre_dataset_split_free(sp);
    return rc;
}

int name_study_run(const name_study_input *in, const name_study_options *opt,
                   name_study_result *out)
{
    memset(out, 0, sizeof *out);
    name_study_options o;
    if (opt)
        o = *opt;
    else
        name_study_default_options(&o);
    out->opt = o;
    if (o.folds < 2 || o.n_resamples < 1 || o.both_hidden < 1 ||
        (o.test_per_class < 1 && !(o.test_fraction > 0 && o.test_fraction < 1)))
        return bad_input(out, "invalid options (folds >= 2, resamples and hidden width >= 1, "
                              "test rows >= 1 or a test fraction in (0, 1))");
    if (!in || !in->ds || !in->features || !in->text_columns || in->n_text_columns < 1 ||
        in->n_text_columns > NAME_STUDY_MAX_TEXT || in->n_classes == 1 || in->n_classes < 0)
        return bad_input(out, "invalid input (a table, 1 to 32 text columns, K >= 2 classes "
                              "or 0 and a features callback are needed)");
    out->n_fields = in->n_text_columns;
    for (size_t j = 0; j < in->n_text_columns; j++) {
        snprintf(out->field[j], sizeof out->field[j], "%s", in->text_columns[j]);
        out->field_val_auroc[j] = NAN;
        out->field_combined[j] = 1;
    }
    if (in->group_word)
        snprintf(out->group_word, sizeof out->group_word, "%s", in->group_word);
    else if (in->group_column)
        group_word_of(in->group_column, out->group_word, sizeof out->group_word);
    const char *cw = in->class_word ? in->class_word : "class";
    if (o.test_per_class > 0)
        snprintf(out->split[0].name, sizeof out->split[0].name, "random (%lld per %s)",
                 (long long)o.test_per_class, cw);
    else
        snprintf(out->split[0].name, sizeof out->split[0].name, "random (%g%% of each %s)",
                 100 * o.test_fraction, cw);
    out->split[0].available = 1;
    if (in->group_column) {
        snprintf(out->split[1].name, sizeof out->split[1].name, "%s-disjoint", out->group_word);
        out->split[1].available = 1;
    } else {
        snprintf(out->split[1].name, sizeof out->split[1].name, "group-disjoint");
        snprintf(out->split[1].skipped, sizeof out->split[1].skipped,
                 "no group column: only the random split is run");
    }
    double t0 = now_s();
    table tab = {0};
    int64_t group_tpc = 0;
    if (load_table(in, &tab, out)) {
        table_free(&tab);
        return -1;
    }
    out->n_rows = (int64_t)tab.n;
    if (in->group_column && group_target(in, &o, &group_tpc)) {
        table_free(&tab);
        snprintf(out->error, sizeof out->error, "group-disjoint split size: %s",
                 genre_last_error());
        return -1;
    }
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    leak_gate gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    ctx sc[NAME_STUDY_N_SPLITS];
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++)
        sc[s] = (ctx){.o = &o, .in = in, .tab = &tab, .out = out, .progress_lock = &lock,
                      .gate = &gate, .group_test_per_class = group_tpc, .which = s};
    /* The two splits share the (const) table and the leak decision: side by
     * side when asked, each on its own thread, else one after the other. */
    pthread_t th;
    int second = out->split[NS_SPLIT_GROUP].available;
    int threaded = second && o.threads >= 2 && pthread_create(&th, NULL, split_main, &sc[1]) == 0;
    split_main(&sc[0]);
    if (threaded)
        pthread_join(th, NULL);
    else if (second && sc[0].rc == 0)
        split_main(&sc[1]);
    int rc = 0;
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++)
        out->cancelled |= sc[s].stop;
    for (int s = 0; s < NAME_STUDY_N_SPLITS && rc == 0; s++)
        if (sc[s].rc) {
            rc = -1;
            memcpy(out->error, sc[s].error, sizeof out->error);
        }
    out->n_text_columns = out->split[0].n_text_columns;
    out->seconds = now_s() - t0;
    table_free(&tab);
    return rc;
}

void name_study_print(FILE *f, const name_study_result *r)
{
    const name_study_options *o = &r->opt;
    for (size_t w = 0; w < r->n_warnings; w++)
        fprintf(f, "warning: %s\n", r->warning[w]);
    if (r->n_warnings)
        fputc('\n', f);
    fprintf(f, "Name study: %lld rows; names hashed into %zu x %lld buckets (words + char "
               "%d-%d-grams, TF-IDF fit on training rows); %lld names with invalid UTF-8, "
               "%lld empty names\n",
            (long long)r->n_rows, r->n_fields, (long long)o->n_buckets, o->ngram_min,
            o->ngram_max, (long long)r->invalid_utf8_names, (long long)r->empty_names);
    if (r->leak_checked) {
        fprintf(f, "Leak check (each text column alone, validation macro AUROC on the random "
                   "split; above %.2f is a leak):",
                NAME_LEAK_AUROC);
        for (size_t j = 0; j < r->n_fields; j++)
            fprintf(f, "%s %s %.4f%s", j ? "," : "", r->field[j], r->field_val_auroc[j],
                    r->field_combined[j] ? "" : " (left out of the combined models)");
        fputc('\n', f);
    }
    fprintf(f, "\n%-24s %-20s %7s %7s %9s %7s %8s\n", "split", "model", "AUROC", "acc",
            "val AUROC", "epochs", "time s");
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++) {
        const name_study_split *p = &r->split[s];
        if (!p->available) {
            fprintf(f, "%-24s skipped: %s\n\n", p->name, p->skipped);
            continue;
        }
        for (int m = 0; m < NAME_STUDY_N_MODELS; m++)
            fprintf(f, "%-24s %-20s %7.4f %7.4f %9.4f %7lld %8.2f\n", m == 0 ? p->name : "",
                    name_study_model_names[m], p->model[m].auroc, p->model[m].accuracy,
                    p->model[m].val_auroc, (long long)p->model[m].epochs,
                    p->model[m].seconds);
        fprintf(f, "%-24s names+audio: names scaled by %g, chosen on the validation rows "
                   "(validation AUROC",
                "", p->names_scale);
        for (int k = 0; k < NAME_STUDY_N_SCALES; k++)
            fprintf(f, "%s %.4f for %g", k ? "," : "", p->both_val_auroc[k],
                    name_study_scales[k]);
        fprintf(f, ")\n");
        fprintf(f, "%-24s leakage: %lld train (%lld of them for validation) / %lld test rows; ",
                "", (long long)p->n_train, (long long)p->n_validation, (long long)p->n_test);
        if (r->group_word[0])
            fprintf(f, "%lld of %lld test %ss seen in training, %lld of %lld test rows "
                       "affected; ",
                    (long long)p->shared_groups, (long long)p->test_groups, r->group_word,
                    (long long)p->test_rows_in_train_groups, (long long)p->n_test);
        fprintf(f, "%lld test rows duplicate a training row's audio values\n",
                (long long)p->duplicate_rows);
        fprintf(f, "%-24s AUROC(names+audio) - AUROC(audio) = %+.4f, 95%% paired bootstrap "
                   "[%+.4f, %+.4f] (%d resamples of the test rows)\n",
                "", p->diff, p->diff_lo, p->diff_hi, o->n_resamples);
        fprintf(f, "%-24s AUROC(reduced names+audio) - AUROC(audio) = %+.4f, [%+.4f, %+.4f]\n\n",
                "", p->diff_reduced, p->names_in_reduced_lo, p->names_in_reduced_hi);
    }
    fprintf(f, "total %.1f s\n", r->seconds);
}
