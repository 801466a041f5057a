/* SPDX-License-Identifier: GPL-3.0-or-later */
/* k-means in a stream (genre/kmeans.h, "Partial fits"): streamed Lloyd
 * passes with chunks of 1, 7, 1,000 and all rows against the in-memory
 * iterations from the same initial centers; empty clusters; the merge order
 * rule and associativity; save/load; damaged states; the reservoir sample;
 * every documented status; allocation failures. */
#include "harness.h"

#include <genre/kmeans.h>
#include <genre/model.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double uni(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(unsigned long long *s)
{
    double u = uni(s), v = uni(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* n rows of d columns around K overlapping blobs (several Lloyd iterations). */
static double *blobs(size_t n, size_t d, size_t K, double sep, unsigned long long seed)
{
    double *x = malloc(n * d * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < n; i++) {
        const double th = 6.283185307179586 * (double)(i % K) / (double)K;
        for (size_t t = 0; t < d; t++)
            x[i * d + t] = (t == 0 ? sep * cos(th) : t == 1 ? sep * sin(th) : 0.0) +
                           gauss(&seed);
    }
    return x;
}

static genre_kmeans *model(int64_t k, int64_t kernel, int64_t max_iter, double tol)
{
    genre_kmeans *km;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, k));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_SEED, 19));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_N_INIT, 1));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_MAX_ITER, max_iter));
    ck_assert_ok(genre_kmeans_set_f64(km, GENRE_KMEANS_TOL, tol));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_DISTANCE_KERNEL, kernel));
    return km;
}

/* km initialised from a sample holding every row (the in-memory init). */
static void init_all_rows(genre_kmeans *km, const double *x, size_t n, size_t d)
{
    genre_kmeans_sample *s;
    ck_assert_ok(genre_kmeans_sample_create(&s, d, n, 5));
    ck_assert_ok(genre_kmeans_sample_add(s, x, n, d, d));
    ck_assert_ok(genre_kmeans_init_from_sample(km, s));
    genre_kmeans_sample_free(s);
}

/* One streamed pass over x in chunks of cs rows, then the update. */
static void pass(genre_kmeans *km, const double *x, size_t n, size_t d, size_t cs)
{
    genre_kmeans_partial *p;
    ck_assert_ok(genre_kmeans_partial_create_from_model(&p, km));
    for (size_t r0 = 0; r0 < n; r0 += cs)
        ck_assert_ok(genre_kmeans_partial_add(p, x + r0 * d, n - r0 < cs ? n - r0 : cs, d, d));
    ck_assert_ok(genre_kmeans_fit_partial(km, p));
    genre_kmeans_partial_free(p);
}

static void centers_of(const genre_kmeans *km, double *c, size_t len)
{
    ck_assert_ok(genre_kmeans_get_centers(km, c, len, NULL));
}

static void assert_close(const double *a, const double *b, size_t len, double rel)
{
    for (size_t q = 0; q < len; q++)
        ck_assert_msg(fabs(a[q] - b[q]) <= rel * fmax(1.0, fabs(b[q])),
                      "value %zu: %.17g vs %.17g", q, a[q], b[q]);
}

#define N_ROWS 2500
#define D 3
#define K 5

/* For every iteration count m before the in-memory fit converges: m streamed
 * passes give the centers of genre_kmeans_fit(max_iter = m, tol = 0) to
 * 1e-12 and the same labels; one chunk of all rows gives the same bits. */
static void passes_equal_iterations(int64_t kernel)
{
    double *x = blobs(N_ROWS, D, K, 1.5, 7);
    const size_t chunks[] = {1, 7, 1000, N_ROWS};
    int32_t lab_ref[N_ROWS], lab[N_ROWS];
    double c_ref[K * D], c[K * D];
    genre_kmeans *stream[4];
    for (size_t s = 0; s < 4; s++) {
        stream[s] = model(K, kernel, 300, 0.0);
        init_all_rows(stream[s], x, N_ROWS, D);
    }
    int64_t m = 1, it = 0;
    for (; m <= 12; m++) {
        genre_kmeans *ref = model(K, kernel, m, 0.0);
        ck_assert_ok(genre_kmeans_fit(ref, x, N_ROWS, D, D));
        ck_assert_ok(genre_kmeans_get_i64(ref, GENRE_KMEANS_N_ITER, &it));
        if (it < m) { /* converged strictly: no update at iteration m */
            genre_kmeans_free(ref);
            break;
        }
        centers_of(ref, c_ref, K * D);
        ck_assert_ok(genre_kmeans_get_labels(ref, lab_ref, N_ROWS, NULL));
        for (size_t s = 0; s < 4; s++) {
            pass(stream[s], x, N_ROWS, D, chunks[s]);
            centers_of(stream[s], c, K * D);
            assert_close(c, c_ref, K * D, 1e-12);
            if (chunks[s] == N_ROWS)
                ck_assert_msg(memcmp(c, c_ref, sizeof c) == 0, "one chunk: not the same bits");
            ck_assert_ok(genre_kmeans_predict(stream[s], x, N_ROWS, D, D, lab, N_ROWS, NULL));
            ck_assert_msg(memcmp(lab, lab_ref, sizeof lab) == 0,
                          "labels differ after %lld pass(es), chunks of %zu", (long long)m,
                          chunks[s]);
            int64_t n_iter;
            ck_assert_ok(genre_kmeans_get_i64(stream[s], GENRE_KMEANS_N_ITER, &n_iter));
            ck_assert_int_eq(n_iter, m);
        }
        genre_kmeans_free(ref);
    }
    ck_assert_msg(m > 3, "the data converge after %lld iterations: too few to compare",
                  (long long)m);
    for (size_t s = 0; s < 4; s++)
        genre_kmeans_free(stream[s]);
    free(x);
}

START_TEST(passes_equal_in_memory_iterations_builtin)
{
    passes_equal_iterations(GENRE_KMEANS_KERNEL_BUILTIN);
}
END_TEST

START_TEST(passes_equal_in_memory_iterations_cblas)
{
    passes_equal_iterations(GENRE_KMEANS_KERNEL_CBLAS);
}
END_TEST

/* Looping passes until CONVERGED (default tol) ends where the in-memory fit
 * ends: the same iteration count, centers and labels. */
START_TEST(passes_until_converged_match_the_fit)
{
    double *x = blobs(N_ROWS, D, K, 2.0, 11);
    genre_kmeans *ref = model(K, GENRE_KMEANS_KERNEL_AUTO, 300, 1e-4);
    ck_assert_ok(genre_kmeans_fit(ref, x, N_ROWS, D, D));
    const size_t chunks[] = {7, N_ROWS};
    for (size_t s = 0; s < 2; s++) {
        genre_kmeans *km = model(K, GENRE_KMEANS_KERNEL_AUTO, 300, 1e-4);
        init_all_rows(km, x, N_ROWS, D);
        int64_t conv = 0, passes = 0, it_ref, it;
        while (!conv && passes < 300) {
            pass(km, x, N_ROWS, D, chunks[s]);
            passes++;
            ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_CONVERGED, &conv));
        }
        ck_assert_ok(genre_kmeans_get_i64(ref, GENRE_KMEANS_N_ITER, &it_ref));
        ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &it));
        ck_assert_int_eq(it, it_ref);
        double c_ref[K * D], c[K * D], shift;
        centers_of(ref, c_ref, K * D);
        centers_of(km, c, K * D);
        assert_close(c, c_ref, K * D, 1e-12);
        ck_assert_ok(genre_kmeans_get_f64(km, GENRE_KMEANS_CENTER_SHIFT, &shift));
        ck_assert(shift >= 0 && isfinite(shift));
        int32_t a[N_ROWS], b[N_ROWS];
        ck_assert_ok(genre_kmeans_get_labels(ref, a, N_ROWS, NULL));
        ck_assert_ok(genre_kmeans_predict(km, x, N_ROWS, D, D, b, N_ROWS, NULL));
        ck_assert(memcmp(a, b, sizeof a) == 0);
        /* no training labels after a streamed pass */
        ck_assert_status(genre_kmeans_get_labels(km, b, N_ROWS, NULL), GENRE_E_BAD_STATE);
        genre_kmeans_free(km);
    }
    genre_kmeans_free(ref);
    free(x);
}
END_TEST

/* Empty clusters take the farthest rows (the earliest on ties, never a row
 * on its center), whatever the chunking or merge. */
START_TEST(empty_clusters_take_the_farthest_rows)
{
    /* rows on a line; centers 2 and 3 far away get no rows */
    const double x[] = {0, 0, 1, 0, 0, 3, 0, 0, 10, 0, 10, 0, 10, 3, 0, -3};
    const size_t n = 8;
    const double centers[] = {0, 0, 10, 1, 100, 100, 200, 200};
    /* distances to the assigned center: rows 2 and 7 (9, from (0, 0)) tie
     * as the farthest, row 6 (4) is next */
    const size_t chunks[] = {1, 3, 8};
    for (size_t s = 0; s < 3; s++) {
        genre_kmeans_partial *p;
        ck_assert_ok(genre_kmeans_partial_create(&p, 2, centers, 4));
        for (size_t r0 = 0; r0 < n; r0 += chunks[s])
            ck_assert_ok(genre_kmeans_partial_add(p, x + 2 * r0,
                                                  n - r0 < chunks[s] ? n - r0 : chunks[s], 2,
                                                  2));
        genre_kmeans *km = model(4, GENRE_KMEANS_KERNEL_AUTO, 300, 1e-4);
        ck_assert_ok(genre_kmeans_fit_partial(km, p));
        double c[8];
        centers_of(km, c, 8);
        /* cluster 0: rows 0, 1, 2, 3, 7; cluster 1: rows 4, 5, 6 */
        ck_assert_double_eq_tol(c[0], 0.2, 1e-15);
        ck_assert_double_eq_tol(c[1], 0.0, 1e-15);
        ck_assert_double_eq_tol(c[2], 10.0, 1e-15);
        ck_assert_double_eq_tol(c[3], 1.0, 1e-15);
        /* empty 2 takes row 2 (0, 3), the first of the tie with row 7, which
         * empty 3 takes */
        ck_assert(c[4] == 0 && c[5] == 3);
        ck_assert(c[6] == 0 && c[7] == -3);
        int64_t it;
        ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &it));
        ck_assert_int_eq(it, 1); /* an unfitted model's first update */
        genre_kmeans_free(km);
        genre_kmeans_partial_free(p);
    }
    /* every row on its center: the empty cluster keeps its center */
    const double y[] = {1, 1, 1, 1, 2, 2};
    const double cy[] = {1, 1, 2, 2, 9, 9};
    genre_kmeans_partial *p;
    ck_assert_ok(genre_kmeans_partial_create(&p, 2, cy, 3));
    ck_assert_ok(genre_kmeans_partial_add(p, y, 3, 2, 2));
    genre_kmeans *km = model(3, GENRE_KMEANS_KERNEL_AUTO, 300, 1e-4);
    ck_assert_ok(genre_kmeans_fit_partial(km, p));
    double c[6];
    centers_of(km, c, 6);
    ck_assert(c[4] == 9 && c[5] == 9);
    genre_kmeans_free(km);
    genre_kmeans_partial_free(p);
}
END_TEST

/* Fewer distinct rows than clusters: the in-memory fit keeps a cluster
 * empty (every row on its center); so do the streamed passes, and they stop
 * at the same iteration. */
START_TEST(duplicate_rows_keep_a_cluster_empty_as_in_memory)
{
    const double pts[3][2] = {{0.5, 1.25}, {-2, 3}, {4, 4.5}};
    double x[40 * 2];
    for (size_t i = 0; i < 40; i++)
        memcpy(x + 2 * i, pts[(i * 7) % 3], sizeof pts[0]);
    for (int tol_on = 0; tol_on < 2; tol_on++) {
        genre_kmeans *ref = model(4, GENRE_KMEANS_KERNEL_AUTO, 50, tol_on ? 1e-4 : 0.0);
        ck_assert_ok(genre_kmeans_fit(ref, x, 40, 2, 2));
        const size_t chunks[] = {1, 7, 40};
        for (size_t s = 0; s < 3; s++) {
            genre_kmeans *km = model(4, GENRE_KMEANS_KERNEL_AUTO, 50, tol_on ? 1e-4 : 0.0);
            genre_kmeans_sample *smp;
            ck_assert_ok(genre_kmeans_sample_create(&smp, 2, 40, 1));
            ck_assert_ok(genre_kmeans_sample_add(smp, x, 40, 2, 2));
            ck_assert_ok(genre_kmeans_init_from_sample(km, smp));
            genre_kmeans_sample_free(smp);
            int64_t conv = 0, it, it_ref;
            for (int p = 0; p < 50 && !conv; p++) {
                genre_kmeans_partial *pp;
                ck_assert_ok(genre_kmeans_partial_create_from_model(&pp, km));
                for (size_t r0 = 0; r0 < 40; r0 += chunks[s])
                    ck_assert_ok(genre_kmeans_partial_add(
                        pp, x + 2 * r0, 40 - r0 < chunks[s] ? 40 - r0 : chunks[s], 2, 2));
                ck_assert_ok(genre_kmeans_fit_partial(km, pp));
                genre_kmeans_partial_free(pp);
                ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_CONVERGED, &conv));
            }
            ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &it));
            ck_assert_ok(genre_kmeans_get_i64(ref, GENRE_KMEANS_N_ITER, &it_ref));
            ck_assert_int_eq(it, it_ref);
            double c[8], cr[8];
            centers_of(km, c, 8);
            centers_of(ref, cr, 8);
            ck_assert(memcmp(c, cr, sizeof c) == 0);
            int32_t a[40], b[40];
            ck_assert_ok(genre_kmeans_get_labels(ref, a, 40, NULL));
            ck_assert_ok(genre_kmeans_predict(km, x, 40, 2, 2, b, 40, NULL));
            ck_assert(memcmp(a, b, sizeof a) == 0);
            genre_kmeans_free(km);
        }
        genre_kmeans_free(ref);
    }
}
END_TEST

static unsigned char *state_bytes(const genre_kmeans_partial *p, size_t *len)
{
    *len = 0;
    ck_assert_status(genre_kmeans_partial_save_to_memory(p, NULL, 0, len),
                     GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *b = malloc(*len);
    ck_assert_ptr_nonnull(b);
    ck_assert_ok(genre_kmeans_partial_save_to_memory(p, b, *len, len));
    return b;
}

static genre_kmeans_partial *state_of(const genre_kmeans *km, const double *x, size_t n)
{
    genre_kmeans_partial *p;
    ck_assert_ok(genre_kmeans_partial_create_from_model(&p, km));
    ck_assert_ok(genre_kmeans_partial_add(p, x, n, D, D));
    return p;
}

/* merge(a, b) is a's rows then b's: equal to adding them in that order (the
 * farthest rows exactly, sums to rounding); associative; deterministic. */
START_TEST(merge_order_and_associativity)
{
    double *x = blobs(N_ROWS, D, K, 1.5, 3);
    genre_kmeans *km = model(K, GENRE_KMEANS_KERNEL_AUTO, 300, 1e-4);
    init_all_rows(km, x, N_ROWS, D);
    const size_t a = 700, b = 1100;
    genre_kmeans_partial *whole = state_of(km, x, N_ROWS);
    genre_kmeans_partial *left = state_of(km, x, a), *mid = state_of(km, x + a * D, b - a),
                         *right = state_of(km, x + b * D, N_ROWS - b);
    genre_kmeans_partial *left2 = state_of(km, x, a), *mid2 = state_of(km, x + a * D, b - a);
    /* (left + mid) + right */
    ck_assert_ok(genre_kmeans_partial_merge(left, mid));
    ck_assert_ok(genre_kmeans_partial_merge(left, right));
    /* left + (mid + right) */
    ck_assert_ok(genre_kmeans_partial_merge(mid2, right));
    ck_assert_ok(genre_kmeans_partial_merge(left2, mid2));
    genre_kmeans *m1 = model(K, 0, 300, 1e-4), *m2 = model(K, 0, 300, 1e-4),
                 *m3 = model(K, 0, 300, 1e-4);
    ck_assert_ok(genre_kmeans_fit_partial(m1, whole));
    ck_assert_ok(genre_kmeans_fit_partial(m2, left));
    ck_assert_ok(genre_kmeans_fit_partial(m3, left2));
    double c1[K * D], c2[K * D], c3[K * D], i1, i2;
    centers_of(m1, c1, K * D);
    centers_of(m2, c2, K * D);
    centers_of(m3, c3, K * D);
    assert_close(c2, c1, K * D, 1e-13);
    assert_close(c3, c1, K * D, 1e-13);
    ck_assert_ok(genre_kmeans_get_f64(m1, GENRE_KMEANS_INERTIA, &i1));
    ck_assert_ok(genre_kmeans_get_f64(m2, GENRE_KMEANS_INERTIA, &i2));
    ck_assert_double_eq_tol(i1, i2, 1e-12 * i1);
    /* the same merge order again: the same bytes */
    genre_kmeans_partial *l3 = state_of(km, x, a), *m4 = state_of(km, x + a * D, b - a),
                         *r3 = state_of(km, x + b * D, N_ROWS - b);
    ck_assert_ok(genre_kmeans_partial_merge(l3, m4));
    ck_assert_ok(genre_kmeans_partial_merge(l3, r3));
    size_t la, lb;
    unsigned char *sa = state_bytes(left, &la), *sb = state_bytes(l3, &lb);
    ck_assert(la == lb && memcmp(sa, sb, la) == 0);
    free(sa), free(sb);
    /* refusals: same state, other shape, other centers */
    ck_assert_status(genre_kmeans_partial_merge(left, left), GENRE_E_INVALID_ARG);
    const double other[D * 2] = {0};
    genre_kmeans_partial *o;
    ck_assert_ok(genre_kmeans_partial_create(&o, D, other, 2));
    ck_assert_status(genre_kmeans_partial_merge(left, o), GENRE_E_SHAPE);
    genre_kmeans_partial_free(o);
    double cc[K * D];
    centers_of(km, cc, K * D);
    cc[0] += 1e-9;
    ck_assert_ok(genre_kmeans_partial_create(&o, D, cc, K));
    ck_assert_status(genre_kmeans_partial_merge(left, o), GENRE_E_BAD_STATE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_kmeans_partial_merge"));
    genre_kmeans_partial_free(o);
    genre_kmeans_partial *parts[] = {whole, left, mid, right, left2, mid2, l3, m4, r3};
    for (size_t q = 0; q < sizeof parts / sizeof parts[0]; q++)
        genre_kmeans_partial_free(parts[q]);
    genre_kmeans_free(m1), genre_kmeans_free(m2), genre_kmeans_free(m3);
    genre_kmeans_free(km);
    free(x);
}
END_TEST

/* A state saved mid-pass and loaded continues to the same bits. */
START_TEST(save_load_round_trip)
{
    double *x = blobs(N_ROWS, D, K, 1.5, 5);
    genre_kmeans *km = model(K, GENRE_KMEANS_KERNEL_AUTO, 300, 1e-4);
    init_all_rows(km, x, N_ROWS, D);
    genre_kmeans_partial *p = state_of(km, x, 1234), *q;
    size_t len;
    unsigned char *b = state_bytes(p, &len);
    int32_t kind = 0;
    ck_assert_ok(genre_model_peek_from_memory(b, len, &kind, NULL));
    ck_assert_int_eq(kind, GENRE_MODEL_KMEANS_PARTIAL);
    ck_assert_str_eq(genre_model_kind_name(kind), "kmeans_partial");
    ck_assert_ok(genre_kmeans_partial_load_from_memory(&q, b, len));
    ck_assert_ok(genre_kmeans_partial_add(p, x + 1234 * D, N_ROWS - 1234, D, D));
    ck_assert_ok(genre_kmeans_partial_add(q, x + 1234 * D, N_ROWS - 1234, D, D));
    size_t l1, l2;
    unsigned char *s1 = state_bytes(p, &l1), *s2 = state_bytes(q, &l2);
    ck_assert(l1 == l2 && memcmp(s1, s2, l1) == 0);
    genre_kmeans *a = model(K, 0, 300, 1e-4), *c = model(K, 0, 300, 1e-4);
    ck_assert_ok(genre_kmeans_fit_partial(a, p));
    ck_assert_ok(genre_kmeans_fit_partial(c, q));
    double ca[K * D], cc[K * D];
    centers_of(a, ca, K * D);
    centers_of(c, cc, K * D);
    ck_assert(memcmp(ca, cc, sizeof ca) == 0);
    /* a streamed model (no training labels) saves and loads */
    size_t ml;
    ck_assert_status(genre_kmeans_save_to_memory(a, NULL, 0, &ml), GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *mb = malloc(ml);
    ck_assert_ok(genre_kmeans_save_to_memory(a, mb, ml, &ml));
    genre_kmeans *back;
    ck_assert_ok(genre_kmeans_load_from_memory(&back, mb, ml));
    centers_of(back, cc, K * D);
    ck_assert(memcmp(ca, cc, sizeof ca) == 0);
    int64_t ns;
    ck_assert_ok(genre_kmeans_get_i64(back, GENRE_KMEANS_N_SAMPLES, &ns));
    ck_assert_int_eq(ns, N_ROWS);
    int32_t lab[1];
    ck_assert_status(genre_kmeans_get_labels(back, lab, 1, NULL), GENRE_E_BAD_STATE);
    genre_kmeans_free(back);
    free(mb);
    /* wrong kind */
    genre_kmeans *fitted = model(K, 0, 300, 1e-4);
    ck_assert_ok(genre_kmeans_fit(fitted, x, N_ROWS, D, D));
    ck_assert_status(genre_kmeans_save_to_memory(fitted, NULL, 0, &ml), GENRE_E_BUFFER_TOO_SMALL);
    mb = malloc(ml);
    ck_assert_ok(genre_kmeans_save_to_memory(fitted, mb, ml, &ml));
    genre_kmeans_partial *w;
    ck_assert_status(genre_kmeans_partial_load_from_memory(&w, mb, ml), GENRE_E_MODEL_KIND);
    ck_assert_ptr_null(w);
    free(mb);
    genre_kmeans_free(fitted);
    free(b), free(s1), free(s2);
    genre_kmeans_free(a), genre_kmeans_free(c), genre_kmeans_free(km);
    genre_kmeans_partial_free(p), genre_kmeans_partial_free(q);
    free(x);
}
END_TEST

/* Every truncation and every flipped byte of a state is refused. */
START_TEST(damaged_states_are_refused)
{
    double *x = blobs(60, D, K, 1.5, 9);
    const double centers[K * D] = {0, 0, 0, 1, 1, 1, -1, -1, -1, 2, 0, 0, 0, 2, 0};
    genre_kmeans_partial *p, *q;
    ck_assert_ok(genre_kmeans_partial_create(&p, D, centers, K));
    ck_assert_ok(genre_kmeans_partial_add(p, x, 60, D, D));
    size_t len;
    unsigned char *b = state_bytes(p, &len);
    for (size_t cut = 0; cut < len; cut++) {
        genre_status st = genre_kmeans_partial_load_from_memory(&q, b, cut);
        ck_assert_msg(st == GENRE_E_CORRUPT, "cut at %zu: %s", cut, genre_status_name(st));
        ck_assert_ptr_null(q);
    }
    for (size_t i = 0; i < len; i++) {
        b[i] ^= 0x10;
        genre_status st = genre_kmeans_partial_load_from_memory(&q, b, len);
        ck_assert_msg(st != GENRE_OK, "flipped byte %zu loaded", i);
        ck_assert_ptr_null(q);
        b[i] ^= 0x10;
    }
    ck_assert_ok(genre_kmeans_partial_load_from_memory(&q, b, len));
    genre_kmeans_partial_free(q);
    free(b);
    genre_kmeans_partial_free(p);
    free(x);
}
END_TEST

#ifdef GENRE_TESTING
#include "model_file.h"

/* A state (d = 2, k = 2) with chosen counts, rows and farthest list. */
static unsigned char *craft(int64_t d, int64_t k, int64_t rows, double count0, double far0,
                            double far1, size_t *len)
{
    const double v[4] = {0, 0, 1, 1}, counts[2] = {count0, 1}, cols[2] = {0, 0};
    const double far_d[2] = {far0, far1}, far_x[4] = {0, 0, 1, 1};
    unsigned char idx[16] = {0};
    idx[8] = 1;
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_KMEANS_PARTIAL, 1));
    genre__mf_put_i64(&w, 1, d);
    genre__mf_put_i64(&w, 2, k);
    genre__mf_put_i64(&w, 3, 0);
    genre__mf_put_i64(&w, 4, rows);
    genre__mf_put_f64_array(&w, 5, v, 4);
    genre__mf_put_f64_array(&w, 6, v, 4);
    genre__mf_put_f64_array(&w, 7, v, 4);
    genre__mf_put_f64_array(&w, 8, counts, 2);
    genre__mf_put_f64(&w, 9, 1.0);
    genre__mf_put_f64(&w, 10, 0.0);
    genre__mf_put_f64_array(&w, 11, cols, 2);
    genre__mf_put_f64_array(&w, 12, cols, 2);
    genre__mf_put_f64_array(&w, 13, far_d, 2);
    genre__mf_put_bytes(&w, 14, idx, 16);
    genre__mf_put_f64_array(&w, 15, far_x, 4);
    return genre_test_mf_finish(&w, len);
}

START_TEST(crafted_states_are_refused)
{
    struct {
        int64_t d, k, rows;
        double count0, far0, far1;
        genre_status want;
    } cases[] = {
        {2, 2, 2, 1, 2.0, 1.0, GENRE_OK},
        {2, 2, 3, 1, 2.0, 1.0, GENRE_E_CORRUPT},          /* counts add to 2 */
        {2, 2, 2, 0.5, 2.0, 1.0, GENRE_E_CORRUPT},        /* fractional count */
        {2, 2, 2, 1, 1.0, 2.0, GENRE_E_CORRUPT},          /* farthest out of order */
        {2, 2, 2, 1, 0.0, 0.0, GENRE_E_CORRUPT},          /* a row on its center */
        {2, 2, 2, 1, NAN, 1.0, GENRE_E_CORRUPT},
        {2, 3, 2, 1, 2.0, 1.0, GENRE_E_CORRUPT},          /* k x d disagrees */
        {1 << 30, 1 << 30, 2, 1, 2.0, 1.0, GENRE_E_CORRUPT}, /* hostile sizes */
        {0, 2, 2, 1, 2.0, 1.0, GENRE_E_CORRUPT},
        {2, 2, -1, 1, 2.0, 1.0, GENRE_E_CORRUPT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        unsigned char *b = craft(cases[i].d, cases[i].k, cases[i].rows, cases[i].count0,
                                 cases[i].far0, cases[i].far1, &len);
        genre_kmeans_partial *p = NULL;
        genre_status st = genre_kmeans_partial_load_from_memory(&p, b, len);
        ck_assert_msg(st == cases[i].want, "case %zu: %s (%s)", i, genre_status_name(st),
                      genre_last_error());
        if (st != GENRE_OK)
            ck_assert_ptr_nonnull(
                strstr(genre_last_error(), "genre_kmeans_partial_load_from_memory"));
        genre_kmeans_partial_free(p);
        free(b);
    }
    /* a newer payload */
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_KMEANS_PARTIAL, 2));
    genre__mf_put_i64(&w, 1, 2);
    size_t len;
    unsigned char *b = genre_test_mf_finish(&w, &len);
    genre_kmeans_partial *p;
    ck_assert_status(genre_kmeans_partial_load_from_memory(&p, b, len), GENRE_E_VERSION);
    free(b);
}
END_TEST
#endif

/* The reservoir: chunking does not matter; a full sample keeps the first
 * rows, later rows replace slots by the seeded draw. */
START_TEST(reservoir_sample)
{
    double *x = blobs(3000, D, K, 1.5, 13);
    genre_kmeans *a = model(K, 0, 300, 1e-4), *b = model(K, 0, 300, 1e-4);
    genre_kmeans_sample *s1, *s2;
    ck_assert_ok(genre_kmeans_sample_create(&s1, D, 500, 42));
    ck_assert_ok(genre_kmeans_sample_create(&s2, D, 500, 42));
    ck_assert_ok(genre_kmeans_sample_add(s1, x, 3000, D, D));
    for (size_t r0 = 0; r0 < 3000; r0 += 7)
        ck_assert_ok(genre_kmeans_sample_add(s2, x + r0 * D, 3000 - r0 < 7 ? 3000 - r0 : 7, D, D));
    ck_assert_ok(genre_kmeans_init_from_sample(a, s1));
    ck_assert_ok(genre_kmeans_init_from_sample(b, s2));
    double ca[K * D], cb[K * D];
    centers_of(a, ca, K * D);
    centers_of(b, cb, K * D);
    ck_assert(memcmp(ca, cb, sizeof ca) == 0);
    int64_t n, it;
    ck_assert_ok(genre_kmeans_get_i64(a, GENRE_KMEANS_N_SAMPLES, &n));
    ck_assert_ok(genre_kmeans_get_i64(a, GENRE_KMEANS_N_ITER, &it));
    ck_assert_int_eq(n, 500);
    ck_assert_int_eq(it, 0);
    int32_t lab[1];
    ck_assert_status(genre_kmeans_get_labels(a, lab, 1, NULL), GENRE_E_BAD_STATE);
    double shift;
    ck_assert_ok(genre_kmeans_get_f64(a, GENRE_KMEANS_CENTER_SHIFT, &shift));
    ck_assert(isnan(shift));
    /* another seed, another sample (with overwhelming probability) */
    genre_kmeans_sample *s3;
    ck_assert_ok(genre_kmeans_sample_create(&s3, D, 500, 43));
    ck_assert_ok(genre_kmeans_sample_add(s3, x, 3000, D, D));
    ck_assert_ok(genre_kmeans_init_from_sample(b, s3));
    centers_of(b, cb, K * D);
    ck_assert(memcmp(ca, cb, sizeof ca) != 0);
    /* too few rows for K */
    genre_kmeans_sample *s4;
    ck_assert_ok(genre_kmeans_sample_create(&s4, D, 500, 1));
    ck_assert_ok(genre_kmeans_sample_add(s4, x, 3, D, D));
    ck_assert_status(genre_kmeans_init_from_sample(b, s4), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_kmeans_init_from_sample"));
    genre_kmeans_sample_free(s1), genre_kmeans_sample_free(s2);
    genre_kmeans_sample_free(s3), genre_kmeans_sample_free(s4);
    genre_kmeans_free(a), genre_kmeans_free(b);
    free(x);
}
END_TEST

START_TEST(every_documented_status)
{
    const double c[4] = {0, 0, 1, 1}, bad[4] = {0, NAN, 1, 1};
    genre_kmeans_partial *p = NULL;
    ck_assert_status(genre_kmeans_partial_create(NULL, 2, c, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_partial_create(&p, 2, NULL, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_partial_create(&p, 2, c, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_partial_create(&p, 0, c, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_partial_create(&p, 2, bad, 2), GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_kmeans_partial_create"));
    genre_kmeans *km;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_status(genre_kmeans_partial_create_from_model(&p, km), GENRE_E_BAD_STATE);
    ck_assert_status(genre_kmeans_partial_create_from_model(&p, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_kmeans_partial_create(&p, 2, c, 2));
    const double x[6] = {0, 0, 1, 1, INFINITY, 0};
    ck_assert_status(genre_kmeans_partial_add(p, x, 3, 2, 2), GENRE_E_NONFINITE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_kmeans_partial_add"));
    const double ok3[6] = {0, 0, 0, 1, 1, 1};
    ck_assert_status(genre_kmeans_partial_add(p, ok3, 2, 3, 3), GENRE_E_SHAPE);
    ck_assert_status(genre_kmeans_partial_add(p, x, 0, 2, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_partial_add(p, x, 2, 2, 1), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_partial_add(NULL, x, 2, 2, 2), GENRE_E_INVALID_ARG);
    const double huge[4] = {1e300, 1e300, -1e300, -1e300};
    ck_assert_status(genre_kmeans_partial_add(p, huge, 2, 2, 2), GENRE_E_NUMERIC);
    /* fewer rows than clusters; the failed adds left nothing */
    ck_assert_ok(genre_kmeans_partial_add(p, x, 1, 2, 2));
    ck_assert_status(genre_kmeans_fit_partial(km, p), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "1 row(s)"));
    int64_t fitted;
    ck_assert_ok(genre_kmeans_get_i64(km, GENRE_KMEANS_FITTED, &fitted));
    ck_assert_int_eq(fitted, 0);
    ck_assert_status(genre_kmeans_fit_partial(NULL, p), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_fit_partial(km, NULL), GENRE_E_INVALID_ARG);
    size_t need;
    ck_assert_status(genre_kmeans_partial_save_to_memory(NULL, NULL, 0, &need),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_partial_save_to_memory(p, NULL, 0, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_partial_load_from_memory(NULL, c, 4), GENRE_E_INVALID_ARG);
    genre_kmeans_partial *q = (void *)1;
    ck_assert_status(genre_kmeans_partial_load_from_memory(&q, c, 4), GENRE_E_CORRUPT);
    ck_assert_ptr_null(q);
    ck_assert_status(genre_kmeans_partial_merge(NULL, p), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_partial_merge(p, NULL), GENRE_E_INVALID_ARG);
    genre_kmeans_sample *s = NULL;
    ck_assert_status(genre_kmeans_sample_create(&s, 0, 10, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_sample_create(&s, 2, 0, 0), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_sample_create(NULL, 2, 10, 0), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_kmeans_sample_create(&s, 2, 10, 0));
    ck_assert_status(genre_kmeans_sample_add(s, ok3, 2, 3, 3), GENRE_E_SHAPE);
    ck_assert_status(genre_kmeans_sample_add(s, x, 3, 2, 2), GENRE_E_NONFINITE);
    ck_assert_status(genre_kmeans_init_from_sample(NULL, s), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_kmeans_init_from_sample(km, NULL), GENRE_E_INVALID_ARG);
    genre_kmeans_sample_free(s);
    genre_kmeans_sample_free(NULL);
    genre_kmeans_partial_free(NULL);
    genre_kmeans_partial_free(p);
    genre_kmeans_free(km);
}
END_TEST

#ifdef GENRE_TESTING
/* The whole streamed use: sample, init, pass in chunks, merge, save, load,
 * update, save the model. */
static genre_status scenario(void *ctx)
{
    const double *x = ctx;
    genre_kmeans *km = NULL;
    genre_kmeans_sample *s = NULL;
    genre_kmeans_partial *a = NULL, *b = NULL, *c = NULL;
    unsigned char *buf = NULL;
    size_t len = 0;
    genre_status st;
    if ((st = genre_kmeans_create(&km)) == GENRE_OK &&
        (st = genre_kmeans_set_i64(km, GENRE_KMEANS_K, 3)) == GENRE_OK &&
        (st = genre_kmeans_sample_create(&s, D, 100, 1)) == GENRE_OK &&
        (st = genre_kmeans_sample_add(s, x, 300, D, D)) == GENRE_OK &&
        (st = genre_kmeans_init_from_sample(km, s)) == GENRE_OK &&
        (st = genre_kmeans_partial_create_from_model(&a, km)) == GENRE_OK &&
        (st = genre_kmeans_partial_create_from_model(&b, km)) == GENRE_OK &&
        (st = genre_kmeans_partial_add(a, x, 100, D, D)) == GENRE_OK &&
        (st = genre_kmeans_partial_add(b, x + 100 * D, 200, D, D)) == GENRE_OK &&
        (st = genre_kmeans_partial_merge(a, b)) == GENRE_OK &&
        (st = genre_kmeans_partial_save_to_memory(a, NULL, 0, &len)) == GENRE_E_BUFFER_TOO_SMALL) {
        buf = malloc(len);
        st = buf ? genre_kmeans_partial_save_to_memory(a, buf, len, &len) : GENRE_E_INTERNAL;
        if (st == GENRE_OK &&
            (st = genre_kmeans_partial_load_from_memory(&c, buf, len)) == GENRE_OK)
            st = genre_kmeans_fit_partial(km, c);
    }
    free(buf);
    genre_kmeans_partial_free(a);
    genre_kmeans_partial_free(b);
    genre_kmeans_partial_free(c);
    genre_kmeans_sample_free(s);
    genre_kmeans_free(km);
    return st;
}

START_TEST(allocation_failures)
{
    double *x = blobs(300, D, 3, 2.0, 21);
    ck_assert_ok(scenario(x));
    ck_assert_int_gt(genre_test_alloc_walk(scenario, x), 10);
    free(x);
}
END_TEST
#endif

/* The seeds of tests/fuzz/corpus/kmeans_partial/: rewrite them after a
 * payload change with
 *     GENRE_REGEN_SEEDS=1 build/tests/test_stream_kmeans
 * run from the source tree's root. */
static void write_seed(const char *name, const genre_kmeans_partial *p)
{
    size_t len;
    unsigned char *b = state_bytes(p, &len);
    char path[256];
    snprintf(path, sizeof path, "tests/fuzz/corpus/kmeans_partial/%s", name);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s (run from the source root)", path);
    ck_assert_uint_eq(fwrite(b, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    free(b);
}

START_TEST(regenerate_fuzz_seeds)
{
    if (!getenv("GENRE_REGEN_SEEDS"))
        return;
    const double centers[6] = {0, 0, 1, 1, 5, -5};
    const double x[16] = {0, 0.5, 1, 1.5, 0.1, 0, 4, -4, 9, 9, 0, 0, 1, 1, 2, 2};
    genre_kmeans_partial *p;
    ck_assert_ok(genre_kmeans_partial_create(&p, 2, centers, 3));
    write_seed("empty.genre", p);
    ck_assert_ok(genre_kmeans_partial_add(p, x, 8, 2, 2));
    write_seed("pass.genre", p);
    genre_kmeans_partial_free(p);
    const double c1[2] = {3, 3};
    ck_assert_ok(genre_kmeans_partial_create(&p, 1, c1, 2));
    ck_assert_ok(genre_kmeans_partial_add(p, x, 16, 1, 1));
    write_seed("one_column.genre", p);
    genre_kmeans_partial_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stream_kmeans");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, passes_equal_in_memory_iterations_builtin);
    tcase_add_test(tc, passes_equal_in_memory_iterations_cblas);
    tcase_add_test(tc, passes_until_converged_match_the_fit);
    tcase_add_test(tc, empty_clusters_take_the_farthest_rows);
    tcase_add_test(tc, duplicate_rows_keep_a_cluster_empty_as_in_memory);
    tcase_add_test(tc, merge_order_and_associativity);
    tcase_add_test(tc, save_load_round_trip);
    tcase_add_test(tc, damaged_states_are_refused);
    tcase_add_test(tc, reservoir_sample);
    tcase_add_test(tc, every_documented_status);
    tcase_add_test(tc, regenerate_fuzz_seeds);
#ifdef GENRE_TESTING
    tcase_add_test(tc, crafted_states_are_refused);
    tcase_add_test(tc, allocation_failures);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
