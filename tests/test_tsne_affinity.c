/* SPDX-License-Identifier: GPL-3.0-or-later */
/* t-SNE affinity handles (genre_tsne_affinity): a fit from a shared or
 * derived affinity equals, bit for bit, the fit that computes its own
 * (exact, Barnes-Hut 2-D and 3-D, FFT; the vantage-point tree and the brute
 * force); a smaller perplexity's affinities from a larger one's neighbours
 * equal those computed alone, also on tied distances; two threads share one
 * handle; every documented error; allocation failures. Sizes are small: the
 * suite also runs under valgrind. */
#include "harness.h"

#include <genre/tsne.h>

#ifdef GENRE_TESTING
#include "tsne_private.h"
#endif

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static double uni(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

/* n x d: three Gaussian-ish blobs (sums of uniforms), or with lattice set
 * a coarse integer lattice (many tied distances, duplicate rows). */
static double *data(size_t n, size_t d, unsigned long long seed, int lattice)
{
    double *x = malloc(n * d * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            size_t e = i * d + j;
            if (lattice)
                x[e] = floor(uni(&seed) * (j == 0 ? 9.0 : 3.0));
            else
                x[e] = uni(&seed) + uni(&seed) + uni(&seed) + (j == i % 3 ? 4.0 : 0.0);
        }
    return x;
}

static genre_tsne *make(int64_t method, int64_t dims, double perplexity, int64_t iters)
{
    genre_tsne *t;
    ck_assert_ok(genre_tsne_create(&t));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, method));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, dims));
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, perplexity));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_MAX_ITER, iters));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_EXAGGERATION_ITER, iters / 2));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_SEED, 5));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_THREADS, 2));
    return t;
}

/* t's embedding and KL, fitted alone (aff NULL) or from aff, into y. */
static double fit(genre_tsne *t, const genre_tsne_affinity *aff, const double *x, size_t n,
                  size_t d, double *y, size_t len)
{
    if (aff)
        ck_assert_ok(genre_tsne_fit_embed_affinity(t, aff, x, n, d, d, y, len, NULL));
    else
        ck_assert_ok(genre_tsne_fit_embed(t, x, n, d, d, y, len, NULL));
    double kl;
    ck_assert_ok(genre_tsne_get_f64(t, GENRE_TSNE_KL_DIVERGENCE, &kl));
    return kl;
}

/* A fit of t from aff equals t's fit on its own, bit for bit. */
static void same_as_alone(genre_tsne *t, const genre_tsne_affinity *aff, const double *x,
                          size_t n, size_t d, const char *what)
{
    int64_t dims;
    ck_assert_ok(genre_tsne_get_i64(t, GENRE_TSNE_N_COMPONENTS, &dims));
    const size_t len = n * (size_t)dims;
    double *a = malloc(len * sizeof *a), *b = malloc(len * sizeof *b);
    double kl_a = fit(t, NULL, x, n, d, a, len);
    double kl_b = fit(t, aff, x, n, d, b, len);
    ck_assert_msg(memcmp(a, b, len * sizeof *a) == 0, "%s: embeddings differ", what);
    ck_assert_msg(memcmp(&kl_a, &kl_b, sizeof kl_a) == 0, "%s: KL %.17g vs %.17g", what, kl_a,
                  kl_b);
    free(a);
    free(b);
}

START_TEST(shared_affinity_gives_the_fit_alone)
{
    /* d = 3: vantage-point tree; d = 7: blocked brute force. One affinity
     * serves the 2-D and 3-D Barnes-Hut fits and the FFT fit. */
    const size_t n = 240;
    for (size_t d = 3; d <= 7; d += 4) {
        double *x = data(n, d, 11 + d, 0);
        genre_tsne *t = make(GENRE_TSNE_METHOD_BARNES_HUT, 2, 9.0, 60);
        genre_tsne_affinity *aff;
        ck_assert_ok(genre_tsne_affinity_create(&aff, t, x, n, d, d));
        size_t rows, cols, k;
        double perp;
        ck_assert_ok(genre_tsne_affinity_describe(aff, &rows, &cols, &perp, &k));
        ck_assert_uint_eq(rows, n);
        ck_assert_uint_eq(cols, d);
        ck_assert_double_eq(perp, 9.0);
        ck_assert_uint_eq(k, 27);
        ck_assert_ok(genre_tsne_affinity_describe(aff, NULL, NULL, NULL, NULL));
        same_as_alone(t, aff, x, n, d, "Barnes-Hut 2-D");
        ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, 3));
        same_as_alone(t, aff, x, n, d, "Barnes-Hut 3-D");
        /* the thread count and theta do not enter the affinities */
        ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_THREADS, 1));
        ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_THETA, 0.3));
        same_as_alone(t, aff, x, n, d, "Barnes-Hut 3-D, 1 thread, theta 0.3");
        ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, 2));
        ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, GENRE_TSNE_METHOD_FFT));
        ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_MAX_ITER, 10));
        same_as_alone(t, aff, x, n, d, "FFT 2-D");
        /* a copy of x at another address is the same input */
        double *copy = malloc(n * d * sizeof *copy);
        memcpy(copy, x, n * d * sizeof *copy);
        same_as_alone(t, aff, copy, n, d, "FFT 2-D on a copy of x");
        free(copy);
        genre_tsne_affinity_free(aff);
        /* the exact method: every other row, dense */
        genre_tsne *e = make(GENRE_TSNE_METHOD_EXACT, 2, 9.0, 30);
        ck_assert_ok(genre_tsne_affinity_create(&aff, e, x, n, d, d));
        ck_assert_ok(genre_tsne_affinity_describe(aff, NULL, NULL, NULL, &k));
        ck_assert_uint_eq(k, n - 1);
        same_as_alone(e, aff, x, n, d, "exact 2-D");
        ck_assert_ok(genre_tsne_set_i64(e, GENRE_TSNE_N_COMPONENTS, 1));
        same_as_alone(e, aff, x, n, d, "exact 1-D");
        genre_tsne_affinity_free(aff);
        genre_tsne_free(e);
        genre_tsne_free(t);
        free(x);
    }
}
END_TEST

#ifdef GENRE_TESTING
/* Two affinity handles hold the same P, bit for bit. */
static void same_p(const genre_tsne_affinity *a, const genre_tsne_affinity *b, const char *what)
{
    const genre__csr *p = &a->p, *q = &b->p;
    ck_assert_uint_eq(p->n, q->n);
    ck_assert_msg(memcmp(p->row, q->row, (p->n + 1) * sizeof *p->row) == 0, "%s: rows", what);
    const size_t nnz = p->row[p->n];
    ck_assert_msg(memcmp(p->col, q->col, nnz * sizeof *p->col) == 0, "%s: columns", what);
    ck_assert_msg(memcmp(p->val, q->val, nnz * sizeof *p->val) == 0, "%s: values", what);
}
#endif

START_TEST(derived_affinity_equals_the_one_computed_alone)
{
    /* perplexity 4 (12 neighbours) from perplexity 10's 30, and from the
     * derived perplexity 7's 21 (a chain, the first freed early): the tree
     * (d = 3), the brute force (d = 7), each on a lattice full of ties */
    const size_t n = 300;
    for (int lattice = 0; lattice <= 1; lattice++)
        for (size_t d = 3; d <= 7; d += 4) {
            double *x = data(n, d, 21 + d, lattice);
            genre_tsne *big = make(GENRE_TSNE_METHOD_BARNES_HUT, 2, 10.0, 40);
            genre_tsne *mid = make(GENRE_TSNE_METHOD_BARNES_HUT, 3, 7.0, 40);
            genre_tsne *small = make(GENRE_TSNE_METHOD_BARNES_HUT, 3, 4.0, 40);
            /* another seed: the tree's vantage points do not change its result */
            ck_assert_ok(genre_tsne_set_i64(small, GENRE_TSNE_SEED, 77));
            genre_tsne_affinity *a_big, *a_mid, *a_small, *alone;
            ck_assert_ok(genre_tsne_affinity_create(&a_big, big, x, n, d, d));
            ck_assert_ok(genre_tsne_affinity_derive(&a_mid, mid, a_big));
            genre_tsne_affinity_free(a_big);
            ck_assert_ok(genre_tsne_affinity_derive(&a_small, small, a_mid));
            ck_assert_ok(genre_tsne_affinity_create(&alone, small, x, n, d, d));
            size_t k;
            ck_assert_ok(genre_tsne_affinity_describe(a_small, NULL, NULL, NULL, &k));
            ck_assert_uint_eq(k, 12);
#ifdef GENRE_TESTING
            same_p(a_small, alone, lattice ? "lattice" : "blobs");
            ck_assert_ptr_eq(a_small->graph, a_mid->graph);
#endif
            same_as_alone(small, a_small, x, n, d, "derived perplexity 4, 3-D");
            ck_assert_ok(genre_tsne_set_i64(mid, GENRE_TSNE_N_COMPONENTS, 2));
            same_as_alone(mid, a_mid, x, n, d, "derived perplexity 7, 2-D");
            genre_tsne_affinity_free(a_mid);
            /* a_small still holds the shared graph */
            same_as_alone(small, a_small, x, n, d, "derived perplexity 4 after its source");
            genre_tsne_affinity_free(a_small);
            genre_tsne_affinity_free(alone);
            genre_tsne_free(big);
            genre_tsne_free(mid);
            genre_tsne_free(small);
            free(x);
        }
}
END_TEST

START_TEST(dense_affinity_serves_another_perplexity)
{
    /* the exact method: both use every other row, in index order */
    const size_t n = 60, d = 4;
    double *x = data(n, d, 31, 0);
    genre_tsne *a = make(GENRE_TSNE_METHOD_EXACT, 2, 12.0, 30);
    genre_tsne *b = make(GENRE_TSNE_METHOD_EXACT, 2, 5.0, 30);
    genre_tsne_affinity *fa, *fb;
    ck_assert_ok(genre_tsne_affinity_create(&fa, a, x, n, d, d));
    ck_assert_ok(genre_tsne_affinity_derive(&fb, b, fa));
    same_as_alone(b, fb, x, n, d, "exact, perplexity 5 from 12");
    genre_tsne_affinity_free(fa);
    genre_tsne_affinity_free(fb);
    genre_tsne_free(a);
    genre_tsne_free(b);
    free(x);
}
END_TEST

typedef struct job {
    genre_tsne *t;
    const genre_tsne_affinity *aff;
    const double *x;
    size_t n, d, len;
    double *y;
    genre_status st;
} job;

static void *run_job(void *v)
{
    job *j = v;
    j->st = genre_tsne_fit_embed_affinity(j->t, j->aff, j->x, j->n, j->d, j->d, j->y, j->len,
                                          NULL);
    return NULL;
}

START_TEST(two_threads_share_one_affinity)
{
    const size_t n = 200, d = 6;
    double *x = data(n, d, 41, 0);
    genre_tsne *t2 = make(GENRE_TSNE_METHOD_BARNES_HUT, 2, 8.0, 50);
    genre_tsne *t3 = make(GENRE_TSNE_METHOD_BARNES_HUT, 3, 8.0, 50);
    genre_tsne_affinity *aff;
    ck_assert_ok(genre_tsne_affinity_create(&aff, t2, x, n, d, d));
    double *y2 = malloc(n * 2 * sizeof *y2), *y3 = malloc(n * 3 * sizeof *y3);
    double *r2 = malloc(n * 2 * sizeof *r2), *r3 = malloc(n * 3 * sizeof *r3);
    fit(t2, NULL, x, n, d, r2, n * 2);
    fit(t3, NULL, x, n, d, r3, n * 3);
    job j[2] = {{t2, aff, x, n, d, n * 2, y2, -1}, {t3, aff, x, n, d, n * 3, y3, -1}};
    pthread_t th[2];
    for (int k = 0; k < 2; k++)
        ck_assert_int_eq(pthread_create(&th[k], NULL, run_job, &j[k]), 0);
    for (int k = 0; k < 2; k++)
        ck_assert_int_eq(pthread_join(th[k], NULL), 0);
    ck_assert_ok(j[0].st);
    ck_assert_ok(j[1].st);
    ck_assert(memcmp(y2, r2, n * 2 * sizeof *y2) == 0);
    ck_assert(memcmp(y3, r3, n * 3 * sizeof *y3) == 0);
    free(y2), free(y3), free(r2), free(r3);
    genre_tsne_affinity_free(aff);
    genre_tsne_free(t2);
    genre_tsne_free(t3);
    free(x);
}
END_TEST

/* The call failed with st and its message names func and says what. */
static void failed(genre_status got, genre_status want, const char *func, const char *what)
{
    ck_assert_msg(got == want, "%s: status %d, expected %d (%s)", func, (int)got, (int)want,
                  genre_last_error());
    ck_assert_msg(strncmp(genre_last_error(), func, strlen(func)) == 0, "'%s' does not name %s",
                  genre_last_error(), func);
    ck_assert_msg(strstr(genre_last_error(), what) != NULL, "'%s' does not say '%s'",
                  genre_last_error(), what);
}

START_TEST(every_documented_error)
{
    const size_t n = 40, d = 3;
    double *x = data(n, d, 51, 0);
    double y[3 * 40];
    genre_tsne *t = make(GENRE_TSNE_METHOD_BARNES_HUT, 2, 5.0, 20);
    genre_tsne_affinity *aff = NULL, *bad = (genre_tsne_affinity *)&aff;
    const char *C = "genre_tsne_affinity_create", *D = "genre_tsne_affinity_derive";
    const char *F = "genre_tsne_fit_embed_affinity";

    /* create */
    failed(genre_tsne_affinity_create(NULL, t, x, n, d, d), GENRE_E_INVALID_ARG, C, "'out'");
    failed(genre_tsne_affinity_create(&bad, NULL, x, n, d, d), GENRE_E_INVALID_ARG, C, "'t'");
    ck_assert_ptr_null(bad);
    failed(genre_tsne_affinity_create(&aff, t, NULL, n, d, d), GENRE_E_INVALID_ARG, C, "x");
    failed(genre_tsne_affinity_create(&aff, t, x, 3, d, d), GENRE_E_INVALID_ARG, C,
           "at least 4 rows");
    failed(genre_tsne_affinity_create(&aff, t, x, n, d, d - 1), GENRE_E_INVALID_ARG, C,
           "stride");
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 40.0));
    failed(genre_tsne_affinity_create(&aff, t, x, n, d, d), GENRE_E_INVALID_ARG, C,
           "perplexity 40");
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 5.0));
    double keep = x[9 * d + 1];
    x[9 * d + 1] = NAN;
    failed(genre_tsne_affinity_create(&aff, t, x, n, d, d), GENRE_E_NONFINITE, C, "row 9");
    x[9 * d + 1] = keep;
    ck_assert_ptr_null(aff);
    ck_assert_ok(genre_tsne_affinity_create(&aff, t, x, n, d, d));

    /* derive */
    genre_tsne_affinity *out = (genre_tsne_affinity *)&aff;
    failed(genre_tsne_affinity_derive(NULL, t, aff), GENRE_E_INVALID_ARG, D, "'out'");
    failed(genre_tsne_affinity_derive(&out, NULL, aff), GENRE_E_INVALID_ARG, D, "'t'");
    ck_assert_ptr_null(out);
    failed(genre_tsne_affinity_derive(&out, t, NULL), GENRE_E_INVALID_ARG, D, "'from'");
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 39.5));
    failed(genre_tsne_affinity_derive(&out, t, aff), GENRE_E_INVALID_ARG, D, "perplexity 39.5");
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 6.0));
    failed(genre_tsne_affinity_derive(&out, t, aff), GENRE_E_INVALID_ARG, D,
           "need 18 neighbours per row; 'from' holds 15");
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 5.0));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, GENRE_TSNE_METHOD_EXACT));
    failed(genre_tsne_affinity_derive(&out, t, aff), GENRE_E_INVALID_ARG, D,
           "need 39 neighbours");
    genre_tsne_affinity *dense;
    ck_assert_ok(genre_tsne_affinity_create(&dense, t, x, n, d, d));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, GENRE_TSNE_METHOD_BARNES_HUT));
    failed(genre_tsne_affinity_derive(&out, t, dense), GENRE_E_INVALID_ARG, D,
           "holds all 39 other rows");
    ck_assert_ptr_null(out);

    /* describe and free */
    failed(genre_tsne_affinity_describe(NULL, NULL, NULL, NULL, NULL), GENRE_E_INVALID_ARG,
           "genre_tsne_affinity_describe", "'a'");
    genre_tsne_affinity_free(NULL);

    /* fit: what the affinity must match */
    failed(genre_tsne_fit_embed_affinity(NULL, aff, x, n, d, d, y, 2 * n, NULL),
           GENRE_E_INVALID_ARG, F, "'t'");
    failed(genre_tsne_fit_embed_affinity(t, NULL, x, n, d, d, y, 2 * n, NULL),
           GENRE_E_INVALID_ARG, F, "'aff'");
    failed(genre_tsne_fit_embed_affinity(t, aff, x, n - 1, d, d, y, 2 * n, NULL),
           GENRE_E_INVALID_ARG, F, "aff was computed for 40 x 3 rows, x is 39 x 3");
    failed(genre_tsne_fit_embed_affinity(t, aff, x, n / 2, 2 * d, 2 * d, y, 2 * n, NULL),
           GENRE_E_INVALID_ARG, F, "x is 20 x 6");
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 4.0));
    failed(genre_tsne_fit_embed_affinity(t, aff, x, n, d, d, y, 2 * n, NULL),
           GENRE_E_INVALID_ARG, F, "perplexity 5, GENRE_TSNE_PERPLEXITY is 4");
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 5.0));
    failed(genre_tsne_fit_embed_affinity(t, dense, x, n, d, d, y, 2 * n, NULL),
           GENRE_E_INVALID_ARG, F, "aff holds 39 neighbours per row; the approximate method "
                                   "needs 15");
    double *other = malloc(n * d * sizeof *other);
    memcpy(other, x, n * d * sizeof *other);
    other[17] = nextafter(other[17], 1e9);
    failed(genre_tsne_fit_embed_affinity(t, aff, other, n, d, d, y, 2 * n, NULL),
           GENRE_E_INVALID_ARG, F, "other values");
    free(other);
    /* and what genre_tsne_fit_embed checks, named as this function */
    failed(genre_tsne_fit_embed_affinity(t, aff, x, n, d, d, y, 2 * n - 1, NULL),
           GENRE_E_BUFFER_TOO_SMALL, F, "");
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, 1));
    failed(genre_tsne_fit_embed_affinity(t, aff, x, n, d, d, y, 2 * n, NULL),
           GENRE_E_INVALID_ARG, F, "Barnes-Hut");
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_N_COMPONENTS, 2));
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_LEARNING_RATE, 1e306));
    failed(genre_tsne_fit_embed_affinity(t, aff, x, n, d, d, y, 2 * n, NULL), GENRE_E_NUMERIC,
           F, "diverged");
    int64_t fitted;
    ck_assert_ok(genre_tsne_get_i64(t, GENRE_TSNE_FITTED, &fitted));
    ck_assert_int_eq(fitted, 0);
    genre_tsne_affinity_free(dense);
    genre_tsne_affinity_free(aff);
    genre_tsne_free(t);
    free(x);
}
END_TEST

typedef struct prog {
    int affinity_calls, calls;
    int cancel;
} prog;

static int32_t on_progress(void *ud, int32_t phase, int64_t step, int64_t total, double kl)
{
    prog *p = ud;
    (void)step, (void)total, (void)kl;
    if (phase == GENRE_TSNE_PHASE_AFFINITIES) {
        p->affinity_calls++;
        return p->cancel;
    }
    p->calls++;
    return 0;
}

START_TEST(progress_and_cancel_as_the_fit_alone)
{
    const size_t n = 50, d = 4;
    double *x = data(n, d, 61, 0);
    double y[100], before[100], after[100];
    genre_tsne *t = make(GENRE_TSNE_METHOD_BARNES_HUT, 2, 5.0, 40);
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_REPORT_EVERY, 10));
    genre_tsne_affinity *aff;
    ck_assert_ok(genre_tsne_affinity_create(&aff, t, x, n, d, d));
    prog p = {0};
    ck_assert_ok(genre_tsne_set_progress(t, on_progress, &p));
    ck_assert_ok(genre_tsne_fit_embed_affinity(t, aff, x, n, d, d, y, 100, NULL));
    ck_assert_int_eq(p.affinity_calls, 1);
    ck_assert_int_eq(p.calls, 4);
    ck_assert_ok(genre_tsne_get_embedding(t, before, 100, NULL));
    prog c = {0, 0, 1};
    ck_assert_ok(genre_tsne_set_progress(t, on_progress, &c));
    ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_SEED, 8));
    failed(genre_tsne_fit_embed_affinity(t, aff, x, n, d, d, y, 100, NULL), GENRE_E_CANCELLED,
           "genre_tsne_fit_embed_affinity", "after the affinities");
    ck_assert_ok(genre_tsne_get_embedding(t, after, 100, NULL));
    ck_assert(memcmp(before, after, sizeof before) == 0);
    genre_tsne_affinity_free(aff);
    genre_tsne_free(t);
    free(x);
}
END_TEST

#ifdef GENRE_TESTING
typedef struct walk_ctx {
    const double *x;
    int64_t method;
} walk_ctx;

static genre_status scenario(void *vctx)
{
    walk_ctx *c = vctx;
    genre_tsne *t = NULL;
    genre_tsne_affinity *a = NULL, *b = NULL;
    double y[2 * 12];
    genre_status st = genre_tsne_create(&t);
    if (st == GENRE_OK)
        st = genre_tsne_set_i64(t, GENRE_TSNE_METHOD, c->method);
    if (st == GENRE_OK)
        st = genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 3.0);
    if (st == GENRE_OK)
        st = genre_tsne_set_i64(t, GENRE_TSNE_MAX_ITER, 6);
    if (st == GENRE_OK)
        st = genre_tsne_set_i64(t, GENRE_TSNE_N_THREADS, 2);
    if (st == GENRE_OK)
        st = genre_tsne_affinity_create(&a, t, c->x, 12, 4, 4);
    if (st == GENRE_OK)
        st = genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 2.0);
    if (st == GENRE_OK)
        st = genre_tsne_affinity_derive(&b, t, a);
    if (st == GENRE_OK)
        st = genre_tsne_fit_embed_affinity(t, b, c->x, 12, 4, 4, y, 24, NULL);
    genre_tsne_affinity_free(b);
    genre_tsne_affinity_free(a);
    genre_tsne_free(t);
    return st;
}

START_TEST(allocation_failures)
{
    double *x = data(12, 4, 71, 0);
    walk_ctx cases[] = {{x, GENRE_TSNE_METHOD_BARNES_HUT}, {x, GENRE_TSNE_METHOD_EXACT}};
    for (int k = 0; k < 2; k++)
        ck_assert_int_gt(genre_test_alloc_walk(scenario, &cases[k]), 10);
    free(x);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("tsne_affinity");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, shared_affinity_gives_the_fit_alone);
    tcase_add_test(tc, derived_affinity_equals_the_one_computed_alone);
    tcase_add_test(tc, dense_affinity_serves_another_perplexity);
    tcase_add_test(tc, two_threads_share_one_affinity);
    tcase_add_test(tc, every_documented_error);
    tcase_add_test(tc, progress_and_cancel_as_the_fit_alone);
#ifdef GENRE_TESTING
    tcase_add_test(tc, allocation_failures);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
