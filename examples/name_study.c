/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The name study: see name_study.h and docs/text.md. */
#include "name_study.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NF 13
#define NC 10
#define KEY_COL 6
#define MODE_COL 9

static const char *const FEAT[NF] = {"popularity", "acousticness", "danceability",
                                     "duration_ms", "energy", "instrumentalness", "key",
                                     "liveness", "loudness", "mode", "speechiness", "tempo",
                                     "valence"};

const char *const name_study_model_names[NAME_STUDY_N_MODELS] = {
    "names", "audio", "names+audio", "reduced names+audio"};

void name_study_default_options(name_study_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->test_per_class = 500;
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

/* ---- A CSR matrix owned by the example -------------------------------- */

typedef struct csr {
    size_t n_rows, n_cols;
    size_t *rp;
    uint32_t *ci;
    double *v;
} csr;

static void csr_free(csr *m)
{
    free(m->rp);
    free(m->ci);
    free(m->v);
    memset(m, 0, sizeof *m);
}

static int csr_alloc(csr *m, size_t n_rows, size_t n_cols, size_t nnz)
{
    m->n_rows = n_rows;
    m->n_cols = n_cols;
    m->rp = malloc((n_rows + 1) * sizeof *m->rp);
    m->ci = malloc((nnz ? nnz : 1) * sizeof *m->ci);
    m->v = malloc((nnz ? nnz : 1) * sizeof *m->v);
    return m->rp && m->ci && m->v ? 0 : -1;
}

/* dst = the rows `rows[0..n)` of src. */
static int csr_take(const csr *src, const size_t *rows, size_t n, csr *dst)
{
    size_t nnz = 0;
    for (size_t i = 0; i < n; i++)
        nnz += src->rp[rows[i] + 1] - src->rp[rows[i]];
    if (csr_alloc(dst, n, src->n_cols, nnz))
        return -1;
    size_t o = 0;
    dst->rp[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t a = src->rp[rows[i]], b = src->rp[rows[i] + 1];
        memcpy(dst->ci + o, src->ci + a, (b - a) * sizeof *dst->ci);
        memcpy(dst->v + o, src->v + a, (b - a) * sizeof *dst->v);
        o += b - a;
        dst->rp[i + 1] = o;
    }
    return 0;
}

/* dst = src with the entries of columns below n_text multiplied by a. */
static int csr_scaled_copy(const csr *src, size_t n_text, double a, csr *dst)
{
    size_t nnz = src->rp[src->n_rows];
    if (csr_alloc(dst, src->n_rows, src->n_cols, nnz))
        return -1;
    memcpy(dst->rp, src->rp, (src->n_rows + 1) * sizeof *dst->rp);
    memcpy(dst->ci, src->ci, nnz * sizeof *dst->ci);
    for (size_t k = 0; k < nnz; k++)
        dst->v[k] = src->ci[k] < n_text ? a * src->v[k] : src->v[k];
    return 0;
}

/* ---- One side of a split ------------------------------------------------ */

typedef struct side {
    size_t n;
    double *x;        /* n x 13, scaled */
    int32_t *y;
    int64_t *groups;  /* artist ids (rows without an artist are singletons) */
    char *abuf, *tbuf;
    const char **names; /* n x 2: artist, track */
    csr text;         /* names, hashed */
    csr both;         /* names + 13 features */
} side;

static void side_free(side *s)
{
    free(s->x);
    free(s->y);
    free(s->groups);
    free(s->abuf);
    free(s->tbuf);
    free(s->names);
    csr_free(&s->text);
    csr_free(&s->both);
    memset(s, 0, sizeof *s);
}

/* One per split: the splits may run on two threads, so each keeps its own
 * error text; the progress callback is serialised by a shared lock. */
typedef struct ctx {
    const name_study_options *o;
    name_study_result *out;
    pthread_mutex_t *progress_lock;
    int which, rc, stop; /* stop: options.cancel said so */
    const genre_dataset *ds;
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
            snprintf(c->error, sizeof c->error, "out of memory (%s)", #ptr);   \
            rc = -1;                                                                     \
            goto done;                                                                   \
        }                                                                                \
    } while (0)

/* names_only: the names alone (a table not yet prepared) */
static int export_side(ctx *c, const genre_dataset *ds, side *s, int names_only)
{
    int rc = 0;
    int64_t rows = 0;
    size_t na = 0, nt = 0;
    size_t *oa = NULL, *ot = NULL;
    TRY(genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows), "row count");
    s->n = (size_t)rows;
    if (names_only)
        goto names;
    NEED(s->x = malloc(s->n * NF * sizeof *s->x));
    NEED(s->y = malloc(s->n * sizeof *s->y));
    NEED(s->groups = malloc(s->n * sizeof *s->groups));
    TRY(genre_dataset_export_matrix(ds, FEAT, NF, s->x, s->n * NF, NULL), "export features");
    TRY(genre_dataset_export_labels(ds, s->y, s->n, NULL), "export labels");
    TRY(genre_dataset_export_groups(ds, s->groups, s->n, NULL), "export artists");
names:
    NEED(oa = malloc(s->n * sizeof *oa));
    NEED(ot = malloc(s->n * sizeof *ot));
    genre_dataset_export_text(ds, "artist_name", NULL, 0, &na, NULL);
    genre_dataset_export_text(ds, "track_name", NULL, 0, &nt, NULL);
    NEED(s->abuf = malloc(na ? na : 1));
    NEED(s->tbuf = malloc(nt ? nt : 1));
    TRY(genre_dataset_export_text(ds, "artist_name", s->abuf, na, NULL, oa), "export artists");
    TRY(genre_dataset_export_text(ds, "track_name", s->tbuf, nt, NULL, ot), "export tracks");
    NEED(s->names = malloc(2 * s->n * sizeof *s->names));
    /* `empty_field` is the table's placeholder for "no artist", not a name:
     * it is given to the vectoriser as an empty name (counted as such). */
    for (size_t i = 0; i < s->n; i++) {
        const char *artist = s->abuf + oa[i];
        s->names[2 * i] = strcmp(artist, "empty_field") ? artist : "";
        s->names[2 * i + 1] = s->tbuf + ot[i];
    }
done:
    free(oa);
    free(ot);
    return rc;
}

static int vectorise(ctx *c, const genre_text *t, side *s, size_t n_cols)
{
    int rc = 0;
    size_t nnz = 0;
    csr *m = &s->text;
    genre_status st = genre_text_transform(t, s->names, s->n, 2, NULL, NULL, NULL, 0, &nnz);
    if (st != GENRE_E_BUFFER_TOO_SMALL)
        TRY(st == GENRE_OK ? GENRE_E_INTERNAL : st, "name features (size)");
    NEED(csr_alloc(m, s->n, n_cols, nnz) == 0);
    TRY(genre_text_transform(t, s->names, s->n, 2, m->rp, m->ci, m->v, nnz, NULL),
        "name features");
    size_t total = nnz + s->n * NF;
    NEED(csr_alloc(&s->both, s->n, n_cols + NF, total) == 0);
    TRY(genre_text_csr_append_dense(s->n, n_cols, m->rp, m->ci, m->v, s->x, NF, NF,
                                    s->both.rp, s->both.ci, s->both.v, total, NULL),
        "append the audio features");
done:
    return rc;
}

/* The names' weights tried for names+audio (chosen on the validation rows). */
const double name_study_scales[NAME_STUDY_N_SCALES] = {0.3, 0.1, 0.03};

/* ---- Models --------------------------------------------------------------- */

/* The MLP's progress callback: asks options.cancel once per epoch. */
static int32_t mlp_cancel(void *user, int32_t phase, int64_t step, int64_t total,
                          double objective)
{
    (void)phase, (void)step, (void)total, (void)objective;
    return cancel_requested(user) ? 1 : 0;
}

static genre_status mlp_new(genre_mlp **m, const int32_t *hidden, size_t n_hidden,
                            double lr, int64_t epochs, const name_study_options *o)
{
    const uint64_t seed = o->seed;
    genre_status st = genre_mlp_create(m);
    if (!st && o->cancel)
        /* the callback only reads the options */
        st = genre_mlp_set_progress(*m, mlp_cancel, (void *)(uintptr_t)o);
    if (!st)
        st = genre_mlp_set_hidden_layers(*m, hidden, n_hidden);
    if (!st)
        st = genre_mlp_set_f64(*m, GENRE_MLP_LEARNING_RATE, lr);
    if (!st)
        st = genre_mlp_set_i64(*m, GENRE_MLP_EPOCHS, epochs);
    if (!st)
        st = genre_mlp_set_i64(*m, GENRE_MLP_BATCH_SIZE, 256);
    if (!st)
        st = genre_mlp_set_i64(*m, GENRE_MLP_N_CLASSES, NC);
    if (!st) /* the splits already run on two threads (and beside genre-analysis's stages) */
        st = genre_mlp_set_i64(*m, GENRE_MLP_N_THREADS, 1);
    if (!st)
        st = genre_mlp_set_i64(*m, GENRE_MLP_SEED, (int64_t)seed);
    return st;
}

#define SPARSE_PATIENCE 2
#define DENSE_PATIENCE 10

/* Names model: softmax regression on the hashed names. With validation
 * rows it stops early (*best receives the epoch kept); without, it runs
 * exactly `epochs` epochs. */
static genre_status names_fit_predict(const name_study_options *o, const csr *tr,
                                      const int32_t *y, const csr *va, const int32_t *yva,
                                      int64_t epochs, const csr *te, double *proba,
                                      int64_t *best, double *proba_va)
{
    genre_mlp *m = NULL;
    genre_status st = mlp_new(&m, NULL, 0, 0.01, epochs, o);
    if (!st && va)
        st = genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, SPARSE_PATIENCE);
    if (!st)
        st = genre_mlp_fit_csr(m, tr->n_rows, tr->n_cols, tr->rp, tr->ci, tr->v, y,
                               va ? va->n_rows : 0, va ? va->rp : NULL, va ? va->ci : NULL,
                               va ? va->v : NULL, yva);
    if (!st && best)
        st = genre_mlp_get_i64(m, GENRE_MLP_BEST_EPOCH, best);
    if (!st)
        st = genre_mlp_predict_proba_csr(m, te->n_rows, te->n_cols, te->rp, te->ci, te->v,
                                         proba, te->n_rows * NC, NULL);
    if (!st && proba_va)
        st = genre_mlp_predict_proba_csr(m, va->n_rows, va->n_cols, va->rp, va->ci, va->v,
                                         proba_va, va->n_rows * NC, NULL);
    genre_mlp_free(m);
    return st;
}

/* The names+audio network on CSR rows, early-stopped on the validation rows. */
static genre_status both_fit_predict(const name_study_options *o, const csr *tr,
                                     const int32_t *y, const csr *va, const int32_t *yva,
                                     const csr *te, double *proba, int64_t *best,
                                     double *proba_va)
{
    genre_mlp *m = NULL;
    const int32_t hidden[] = {o->both_hidden};
    genre_status st = mlp_new(&m, hidden, 1, 3e-3, o->both_epochs, o);
    if (!st)
        st = genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, SPARSE_PATIENCE);
    if (!st)
        st = genre_mlp_fit_csr(m, tr->n_rows, tr->n_cols, tr->rp, tr->ci, tr->v, y, va->n_rows,
                               va->rp, va->ci, va->v, yva);
    if (!st)
        st = genre_mlp_get_i64(m, GENRE_MLP_BEST_EPOCH, best);
    if (!st)
        st = genre_mlp_predict_proba_csr(m, te->n_rows, te->n_cols, te->rp, te->ci, te->v,
                                         proba, te->n_rows * NC, NULL);
    if (!st)
        st = genre_mlp_predict_proba_csr(m, va->n_rows, va->n_cols, va->rp, va->ci, va->v,
                                         proba_va, va->n_rows * NC, NULL);
    genre_mlp_free(m);
    return st;
}

/* The audio network (d inputs -> 64 -> 32 -> 10), early-stopped. */
static genre_status dense_fit_predict(const name_study_options *o, const double *xtr,
                                      size_t ntr, const int32_t *y, const double *xva,
                                      size_t nva, const int32_t *yva, const double *xte,
                                      size_t nte, size_t d, double *proba, int64_t *best,
                                      double *proba_va)
{
    static const int32_t hidden[] = {64, 32};
    genre_mlp *m = NULL;
    genre_status st = mlp_new(&m, hidden, 2, 3e-3, o->audio_epochs, o);
    if (!st)
        st = genre_mlp_set_i64(m, GENRE_MLP_PATIENCE, DENSE_PATIENCE);
    if (!st)
        st = genre_mlp_fit(m, xtr, ntr, d, d, y, xva, nva, d, yva);
    if (!st)
        st = genre_mlp_get_i64(m, GENRE_MLP_BEST_EPOCH, best);
    if (!st)
        st = genre_mlp_predict_proba(m, xte, nte, d, d, proba, nte * NC, NULL);
    if (!st)
        st = genre_mlp_predict_proba(m, xva, nva, d, d, proba_va, nva * NC, NULL);
    genre_mlp_free(m);
    return st;
}

static void score(const int32_t *y, const double *proba, size_t n, name_study_cell *cell)
{
    size_t hit = 0;
    for (size_t i = 0; i < n; i++) {
        int best = 0;
        for (int k = 1; k < NC; k++)
            if (proba[i * NC + k] > proba[i * NC + best])
                best = k;
        hit += best == y[i];
    }
    cell->accuracy = (double)hit / (double)n;
    if (genre_metrics_roc_auc_ovr(y, proba, n, NC, NC, GENRE_METRICS_AVERAGE_MACRO,
                                  &cell->auroc))
        cell->auroc = NAN;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int64_t distinct_artists(const side *s)
{
    const char **a = malloc((s->n ? s->n : 1) * sizeof *a);
    if (!a)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->names[2 * i][0])
            a[m++] = s->names[2 * i];
    qsort(a, m, sizeof *a, cmp_str);
    int64_t d = 0;
    for (size_t i = 0; i < m; i++)
        d += i == 0 || strcmp(a[i], a[i - 1]) != 0;
    free(a);
    return d;
}

/* splitmix64: the fold of a row or an artist, from the seed. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Out-of-fold names probabilities on the training rows: random folds on
 * the random split, artist folds on the artist-disjoint split (so the
 * reduction sees the same kind of leakage in training as in test). */
static int out_of_fold(ctx *c, const side *tr, int by_artist, int64_t epochs, double *oof)
{
    int rc = 0;
    const name_study_options *o = c->o;
    size_t k = (size_t)o->folds;
    size_t *fold = malloc(tr->n * sizeof *fold), *in = malloc(tr->n * sizeof *in),
           *out = malloc(tr->n * sizeof *out);
    int32_t *yin = malloc(tr->n * sizeof *yin);
    double *p = malloc(tr->n * NC * sizeof *p);
    csr a = {0}, b = {0};
    NEED(fold && in && out && yin && p);
    for (size_t i = 0; i < tr->n; i++)
        fold[i] = mix(o->seed * 1000003u + (by_artist ? (uint64_t)tr->groups[i] : i)) % k;
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
        TRY(names_fit_predict(o, &a, yin, NULL, NULL, epochs, &b, p, NULL, NULL),
            "out-of-fold names model");
        for (size_t j = 0; j < no; j++)
            memcpy(oof + out[j] * NC, p + j * NC, NC * sizeof *p);
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

/* [13 features | 10 name probabilities] */
static double *join(const double *x, const double *p, size_t n)
{
    double *z = malloc(n * (NF + NC) * sizeof *z);
    if (!z)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        memcpy(z + i * (NF + NC), x + i * NF, NF * sizeof *z);
        memcpy(z + i * (NF + NC) + NF, p + i * NC, NC * sizeof *z);
    }
    return z;
}

static double val_auroc(const int32_t *y, const double *p, size_t n)
{
    double v;
    return genre_metrics_roc_auc_ovr(y, p, n, NC, NC, GENRE_METRICS_AVERAGE_MACRO, &v) ? NAN : v;
}

/* dst = rows `rows[0..n)` of s: features, labels and both CSR matrices. */
static int side_take(const side *s, const size_t *rows, size_t n, side *dst)
{
    memset(dst, 0, sizeof *dst);
    dst->n = n;
    dst->x = malloc((n ? n : 1) * NF * sizeof *dst->x);
    dst->y = malloc((n ? n : 1) * sizeof *dst->y);
    if (!dst->x || !dst->y || csr_take(&s->text, rows, n, &dst->text) ||
        csr_take(&s->both, rows, n, &dst->both))
        return -1;
    for (size_t i = 0; i < n; i++) {
        memcpy(dst->x + i * NF, s->x + rows[i] * NF, NF * sizeof *dst->x);
        dst->y[i] = s->y[rows[i]];
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

static int run_split(ctx *c, const genre_dataset *ds, int which)
{
    const name_study_options *o = c->o;
    name_study_split *r = &c->out->split[which];
    int rc = 0;
    genre_dataset_split *split = NULL;
    genre_dataset *dtr = NULL, *dte = NULL;
    genre_dataset_schema *schema = NULL;
    genre_dataset_prep *prep = NULL;
    genre_scaler *sc = NULL;
    genre_text *tx = NULL;
    side tr = {0}, te = {0}, fp = {0}, vp = {0};
    double *proba[NAME_STUDY_N_MODELS] = {0}, *oof = NULL, *ztr = NULL, *zte = NULL;
    double *zfit = NULL, *zval = NULL, *pv = NULL, *pt = NULL;
    csr sf = {0}, sv = {0}, ste = {0};
    size_t *fit_rows = NULL, *val_rows = NULL, nfit = 0, nval = 0;
    const int by_artist = which == NS_SPLIT_ARTIST;
    r->name = which == NS_SPLIT_RANDOM ? "random (500 per genre)" : "artist-disjoint";
    progress(c, "%s split", r->name);
    if (which == NS_SPLIT_RANDOM)
        TRY(genre_dataset_split_stratified(&split, ds, o->test_per_class, o->seed), "split");
    else
        TRY(genre_dataset_split_grouped(&split, ds, o->test_per_class, o->seed), "split");
    TRY(genre_dataset_leakage(ds, split, &r->shared_artists, &r->test_rows_in_train_artists,
                              &r->duplicate_rows),
        "leakage");
    TRY(genre_dataset_subset(&dtr, ds, split, GENRE_SPLIT_TRAIN), "training rows");
    TRY(genre_dataset_subset(&dte, ds, split, GENRE_SPLIT_TEST), "test rows");
    /* the analysis's imputation (tempo by its median here), fit on the training rows */
    TRY(genre_dataset_schema_create_music_genre(&schema), "schema");
    TRY(genre_dataset_prep_create(&prep, schema), "preparation");
    TRY(genre_dataset_prep_add_group_median(prep, "duration_ms"), "preparation");
    TRY(genre_dataset_prep_add_impute(prep, "tempo", GENRE_IMPUTE_MEDIAN), "preparation");
    TRY(genre_dataset_prep_fit_apply(prep, dtr), "imputation (training rows)");
    TRY(genre_dataset_prep_apply(prep, dte), "imputation (test rows)");
    if (export_side(c, dtr, &tr, 0) || export_side(c, dte, &te, 0)) {
        rc = -1;
        goto done;
    }
    r->n_train = (int64_t)tr.n;
    r->n_test = (int64_t)te.n;
    r->test_artists = distinct_artists(&te);
    /* scale the 13 features (key and mode pass through), fit on training rows */
    uint8_t mask[NF];
    for (int j = 0; j < NF; j++)
        mask[j] = j != KEY_COL && j != MODE_COL;
    TRY(genre_scaler_create(&sc), "scaler");
    TRY(genre_scaler_set_mask(sc, mask, NF), "scaler");
    TRY(genre_scaler_fit(sc, tr.x, tr.n, NF, NF), "scaler");
    TRY(genre_scaler_transform(sc, tr.x, tr.n, NF, NF, tr.x, tr.n * NF, NULL), "scaler");
    TRY(genre_scaler_transform(sc, te.x, te.n, NF, NF, te.x, te.n * NF, NULL), "scaler");
    /* hashed names, document frequencies from the training rows only */
    progress(c, "%s: name features", r->name);
    TRY(genre_text_create(&tx), "text");
    TRY(genre_text_set_i64(tx, GENRE_TEXT_N_BUCKETS, o->n_buckets), "text");
    TRY(genre_text_set_i64(tx, GENRE_TEXT_NGRAM_MIN, o->ngram_min), "text");
    TRY(genre_text_set_i64(tx, GENRE_TEXT_NGRAM_MAX, o->ngram_max), "text");
    TRY(genre_text_set_i64(tx, GENRE_TEXT_SEED, (int64_t)(o->seed & 0xffffffffu)), "text");
    TRY(genre_text_fit(tx, tr.names, tr.n, 2), "text fit");
    int64_t ncols = 0;
    TRY(genre_text_get_i64(tx, GENRE_TEXT_N_FEATURES, &ncols), "text");
    r->n_text_columns = ncols;
    if (vectorise(c, tx, &tr, (size_t)ncols) || vectorise(c, tx, &te, (size_t)ncols)) {
        rc = -1;
        goto done;
    }
    r->nnz_train = (int64_t)tr.text.rp[tr.n];
    for (int m = 0; m < NAME_STUDY_N_MODELS; m++)
        NEED(proba[m] = malloc(te.n * NC * sizeof *proba[m]));

    /* the validation tenth of the training rows, chosen like the split */
    NEED(fit_rows = malloc(tr.n * sizeof *fit_rows));
    NEED(val_rows = malloc(tr.n * sizeof *val_rows));
    for (size_t i = 0; i < tr.n; i++) {
        uint64_t key = by_artist ? (uint64_t)tr.groups[i] : (uint64_t)i;
        if (mix(o->seed * 7919u + 17u + key) % 10 == 0)
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
    NEED(side_take(&tr, fit_rows, nfit, &fp) == 0 && side_take(&tr, val_rows, nval, &vp) == 0);

    double t0 = now_s();
    progress(c, "%s: names model", r->name);
    NEED(pv = malloc(nval * NC * sizeof *pv));
    NEED(pt = malloc(te.n * NC * sizeof *pt));
    TRY(names_fit_predict(o, &fp.text, fp.y, &vp.text, vp.y, o->names_epochs, &te.text,
                          proba[NS_NAMES], &r->model[NS_NAMES].epochs, pv),
        "names model");
    r->model[NS_NAMES].val_auroc = val_auroc(vp.y, pv, nval);
    r->model[NS_NAMES].seconds = now_s() - t0;

    t0 = now_s();
    progress(c, "%s: audio model", r->name);
    TRY(dense_fit_predict(o, fp.x, fp.n, fp.y, vp.x, vp.n, vp.y, te.x, te.n, NF,
                          proba[NS_AUDIO], &r->model[NS_AUDIO].epochs, pv),
        "audio model");
    r->model[NS_AUDIO].val_auroc = val_auroc(vp.y, pv, nval);
    r->model[NS_AUDIO].seconds = now_s() - t0;

    t0 = now_s();
    progress(c, "%s: names+audio model", r->name);
    /* The names' weight in the joint input (their values times a), chosen
     * on the validation rows: with Adam, smaller inputs learn more slowly,
     * so a < 1 keeps the names from being memorised before the audio
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
            TRY(both_fit_predict(o, &sf, fp.y, &sv, vp.y, &ste, pt, &ep, pv),
                "names+audio model");
            double v = val_auroc(vp.y, pv, nval);
            r->both_val_auroc[k] = v;
            /* NaN (a class absent from the validation rows) never wins, but the
             * first weight is always taken so the test probabilities are set. */
            if (k == 0 || v > r->model[NS_BOTH].val_auroc) {
                r->model[NS_BOTH].val_auroc = v;
                r->model[NS_BOTH].epochs = ep;
                r->names_scale = a;
                memcpy(proba[NS_BOTH], pt, te.n * NC * sizeof *pt);
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
    NEED(oof = malloc(tr.n * NC * sizeof *oof));
    if (out_of_fold(c, &tr, by_artist, r->model[NS_NAMES].epochs, oof)) {
        rc = -1;
        goto done;
    }
    NEED(ztr = join(tr.x, oof, tr.n));
    NEED(zte = join(te.x, proba[NS_NAMES], te.n));
    NEED(zfit = take_rows(ztr, NF + NC, fit_rows, nfit));
    NEED(zval = take_rows(ztr, NF + NC, val_rows, nval));
    progress(c, "%s: reduced names+audio model", r->name);
    TRY(dense_fit_predict(o, zfit, nfit, fp.y, zval, nval, vp.y, zte, te.n, NF + NC,
                          proba[NS_REDUCED], &r->model[NS_REDUCED].epochs, pv),
        "reduced names+audio model");
    r->model[NS_REDUCED].val_auroc = val_auroc(vp.y, pv, nval);
    /* the reduced model's time includes its out-of-fold names models */
    r->model[NS_REDUCED].seconds = now_s() - t0;

    for (int m = 0; m < NAME_STUDY_N_MODELS; m++)
        score(te.y, proba[m], te.n, &r->model[m]);
    progress(c, "%s: bootstrap", r->name);
    TRY(genre_metrics_roc_auc_bootstrap_diff(te.y, proba[NS_BOTH], NC, proba[NS_AUDIO], NC,
                                             te.n, NC, o->n_resamples, o->seed, 0.95, &r->diff,
                                             &r->diff_lo, &r->diff_hi),
        "bootstrap");
    TRY(genre_metrics_roc_auc_bootstrap_diff(te.y, proba[NS_REDUCED], NC, proba[NS_AUDIO], NC,
                                             te.n, NC, o->n_resamples, o->seed, 0.95,
                                             &r->diff_reduced, &r->names_in_reduced_lo,
                                             &r->names_in_reduced_hi),
        "bootstrap");
done:
    for (int m = 0; m < NAME_STUDY_N_MODELS; m++)
        free(proba[m]);
    free(oof);
    free(ztr);
    free(zte);
    free(zfit);
    free(zval);
    free(pv);
    free(pt);
    csr_free(&sf);
    csr_free(&sv);
    csr_free(&ste);
    free(fit_rows);
    free(val_rows);
    side_free(&fp);
    side_free(&vp);
    side_free(&tr);
    side_free(&te);
    genre_text_free(tx);
    genre_scaler_free(sc);
    genre_dataset_prep_free(prep);
    genre_dataset_schema_free(schema);
    genre_dataset_free(dtr);
    genre_dataset_free(dte);
    genre_dataset_split_free(split);
    return rc;
}

static void *split_main(void *arg)
{
    ctx *c = arg;
    c->rc = run_split(c, c->ds, c->which);
    return NULL;
}

int name_study_run(const genre_dataset *ds, const name_study_options *opt,
                   name_study_result *out)
{
    memset(out, 0, sizeof *out);
    name_study_options o;
    if (opt)
        o = *opt;
    else
        name_study_default_options(&o);
    out->opt = o;
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    ctx c = {.o = &o, .out = out, .progress_lock = &lock};
    if (o.folds < 2 || o.n_resamples < 1 || o.test_per_class < 1 || o.both_hidden < 1) {
        snprintf(out->error, sizeof out->error, "invalid options (folds >= 2, resamples, test rows and hidden width >= 1)");
        return -1;
    }
    double t0 = now_s();
    int rc = 0;
    side all = {0};
    if (export_side(&c, ds, &all, 1)) {
        side_free(&all);
        memcpy(out->error, c.error, sizeof out->error);
        return -1;
    }
    out->n_rows = (int64_t)all.n;
    genre_text_count_issues(all.names, all.n, 2, &out->invalid_utf8_names, &out->empty_names);
    side_free(&all);
    ctx sc[NAME_STUDY_N_SPLITS];
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++)
        sc[s] = (ctx){.o = &o, .out = out, .progress_lock = &lock, .which = s, .ds = ds};
    /* The two splits share nothing but the (const) dataset: side by side
     * when asked, each on its own thread, else one after the other. */
    pthread_t th;
    int threaded = o.threads >= 2 && pthread_create(&th, NULL, split_main, &sc[1]) == 0;
    split_main(&sc[0]);
    if (threaded)
        pthread_join(th, NULL);
    else if (sc[0].rc == 0)
        split_main(&sc[1]);
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++)
        out->cancelled |= sc[s].stop;
    for (int s = 0; s < NAME_STUDY_N_SPLITS && rc == 0; s++)
        if (sc[s].rc) {
            rc = -1;
            memcpy(out->error, sc[s].error, sizeof out->error);
        }
    out->n_text_columns = out->split[0].n_text_columns;
    out->seconds = now_s() - t0;
    return rc;
}

void name_study_print(FILE *f, const name_study_result *r)
{
    const name_study_options *o = &r->opt;
    fprintf(f, "Name study: %lld rows; names hashed into 2 x %lld buckets (words + char "
               "%d-%d-grams, TF-IDF fit on training rows); %lld names with invalid UTF-8, "
               "%lld empty names\n\n",
            (long long)r->n_rows, (long long)o->n_buckets, o->ngram_min, o->ngram_max,
            (long long)r->invalid_utf8_names, (long long)r->empty_names);
    fprintf(f, "%-24s %-20s %7s %7s %9s %7s %8s\n", "split", "model", "AUROC", "acc",
            "val AUROC", "epochs", "time s");
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++) {
        const name_study_split *p = &r->split[s];
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
        fprintf(f, "%-24s leakage: %lld train (%lld of them for validation) / %lld test rows; "
                   "%lld of %lld test artists "
                   "seen in training, %lld of %lld test rows affected; %lld test rows "
                   "duplicate a training row's audio values\n",
                "", (long long)p->n_train, (long long)p->n_validation, (long long)p->n_test,
                (long long)p->shared_artists,
                (long long)p->test_artists, (long long)p->test_rows_in_train_artists,
                (long long)p->n_test, (long long)p->duplicate_rows);
        fprintf(f, "%-24s AUROC(names+audio) - AUROC(audio) = %+.4f, 95%% paired bootstrap "
                   "[%+.4f, %+.4f] (%d resamples of the test rows)\n",
                "", p->diff, p->diff_lo, p->diff_hi, o->n_resamples);
        fprintf(f, "%-24s AUROC(reduced names+audio) - AUROC(audio) = %+.4f, [%+.4f, %+.4f]\n\n",
                "", p->diff_reduced, p->names_in_reduced_lo, p->names_in_reduced_hi);
    }
    fprintf(f, "total %.1f s\n", r->seconds);
}
