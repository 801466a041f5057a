/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Streamed test scores (genre_metrics_partial, issue 19 item 2): AUROC and
 * accuracy over chunks of 1, 7, 1,000 and all rows are EXACTLY the
 * in-memory metrics on all rows; merges in any order too; states survive
 * save/load; damaged and crafted states are refused; every documented
 * error; the allocation-failure walk.
 */
#include "harness.h"

#include "alloc.h"
#include "model_file.h"

#include <math.h>
#include <string.h>

#define N 2500
#define K 4

static double P[N * K];
static int32_t Y[N], YP[N];

/* Scores on a coarse grid (many ties, within and across classes), a
 * signal for the true class; YP: a prediction that is not the argmax. */
static void make_data(void)
{
    uint64_t s = 12345;
    for (size_t i = 0; i < N; i++) {
        Y[i] = (int32_t)((i * 7 + i / 13) % K);
        for (size_t j = 0; j < K; j++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            double u = (double)(s >> 40) / 16777216.0;
            P[i * K + j] = floor((u + 0.35 * (Y[i] == (int32_t)j)) * 40.0) / 40.0;
        }
        YP[i] = (int32_t)((i % 5 == 0) ? (Y[i] + 1) % K : Y[i]);
    }
}

static int32_t argmax(const double *row)
{
    int32_t b = 0;
    for (int32_t j = 1; j < K; j++)
        if (row[j] > row[b])
            b = j;
    return b;
}

typedef struct expected {
    double macro, micro, weighted, per[K], acc_argmax, acc_pred;
} expected;

static expected in_memory(const int32_t *y, const double *p, const int32_t *yp, size_t n)
{
    expected e;
    int32_t *am = malloc(n * sizeof *am);
    ck_assert_ptr_nonnull(am);
    for (size_t i = 0; i < n; i++)
        am[i] = argmax(p + i * K);
    ck_assert_ok(genre_metrics_roc_auc_ovr(y, p, n, K, K, GENRE_METRICS_AVERAGE_MACRO, &e.macro));
    ck_assert_ok(genre_metrics_roc_auc_ovr(y, p, n, K, K, GENRE_METRICS_AVERAGE_MICRO, &e.micro));
    ck_assert_ok(
        genre_metrics_roc_auc_ovr(y, p, n, K, K, GENRE_METRICS_AVERAGE_WEIGHTED, &e.weighted));
    ck_assert_ok(genre_metrics_roc_auc_per_class(y, p, n, K, K, e.per, K, NULL));
    ck_assert_ok(genre_metrics_accuracy(y, am, n, &e.acc_argmax));
    ck_assert_ok(genre_metrics_accuracy(y, yp, n, &e.acc_pred));
    free(am);
    return e;
}

/* The state's answers, bit for bit against e (accuracy from y_pred when
 * with_pred, else from the argmax). */
static void check_exact(const genre_metrics_partial *p, const expected *e, int with_pred)
{
    double v, per[K];
    size_t need = 0;
    ck_assert_ok(genre_metrics_partial_roc_auc_ovr(p, GENRE_METRICS_AVERAGE_MACRO, &v));
    ck_assert_msg(v == e->macro, "macro %.17g != %.17g", v, e->macro);
    ck_assert_ok(genre_metrics_partial_roc_auc_ovr(p, GENRE_METRICS_AVERAGE_MICRO, &v));
    ck_assert_msg(v == e->micro, "micro %.17g != %.17g", v, e->micro);
    ck_assert_ok(genre_metrics_partial_roc_auc_ovr(p, GENRE_METRICS_AVERAGE_WEIGHTED, &v));
    ck_assert_msg(v == e->weighted, "weighted %.17g != %.17g", v, e->weighted);
    ck_assert_ok(genre_metrics_partial_roc_auc_per_class(p, per, K, &need));
    ck_assert_uint_eq(need, K);
    ck_assert_mem_eq(per, e->per, sizeof per);
    ck_assert_ok(genre_metrics_partial_accuracy(p, &v));
    double want = with_pred ? e->acc_pred : e->acc_argmax;
    ck_assert_msg(v == want, "accuracy %.17g != %.17g", v, want);
}

static genre_metrics_partial *stream(size_t from, size_t to, size_t chunk, int with_pred)
{
    genre_metrics_partial *p;
    ck_assert_ok(genre_metrics_partial_create(&p, K));
    for (size_t i = from; i < to; i += chunk) {
        size_t r = to - i < chunk ? to - i : chunk;
        ck_assert_ok(genre_metrics_partial_add(p, P + i * K, r, K, K, Y + i,
                                               with_pred ? YP + i : NULL));
    }
    return p;
}

static unsigned char *saved(const genre_metrics_partial *p, size_t *len)
{
    ck_assert_status(genre_metrics_partial_save_to_memory(p, NULL, 0, len),
                     GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *b = malloc(*len);
    ck_assert_ptr_nonnull(b);
    ck_assert_ok(genre_metrics_partial_save_to_memory(p, b, *len, len));
    return b;
}

START_TEST(streamed_equals_in_memory_exactly)
{
    make_data();
    expected e = in_memory(Y, P, YP, N);
    static const size_t chunks[] = {1, 7, 1000, N};
    for (size_t c = 0; c < 4; c++)
        for (int with_pred = 0; with_pred < 2; with_pred++) {
            genre_metrics_partial *p = stream(0, N, chunks[c], with_pred);
            int64_t rows;
            ck_assert_ok(genre_metrics_partial_n_rows(p, &rows));
            ck_assert_int_eq(rows, N);
            check_exact(p, &e, with_pred);
            genre_metrics_partial_free(p);
        }
}
END_TEST

/* A row stride above n_classes (the columns of a wider table). */
START_TEST(strided_scores)
{
    make_data();
    expected e = in_memory(Y, P, YP, N);
    double *wide = malloc(N * (K + 3) * sizeof *wide);
    ck_assert_ptr_nonnull(wide);
    for (size_t i = 0; i < N; i++) {
        memcpy(wide + i * (K + 3), P + i * K, K * sizeof(double));
        wide[i * (K + 3) + K] = NAN; /* outside the scores: never read */
    }
    genre_metrics_partial *p;
    ck_assert_ok(genre_metrics_partial_create(&p, K));
    ck_assert_ok(genre_metrics_partial_add(p, wide, 1000, K, K + 3, Y, NULL));
    ck_assert_ok(genre_metrics_partial_add(p, wide + 1000 * (K + 3), N - 1000, K, K + 3, Y + 1000,
                                           NULL));
    check_exact(p, &e, 0);
    genre_metrics_partial_free(p);
    free(wide);
}
END_TEST

/* merge(a, b) appends b's rows: any grouping and any order give the same
 * bits, since the metrics depend on the multiset of rows only. */
START_TEST(merge_any_order_is_exact)
{
    make_data();
    expected e = in_memory(Y, P, YP, N);
    /* parts A = [0, 700), B = [700, 1900), C = [1900, N), built in their own chunks */
    genre_metrics_partial *part[3][3];
    for (int r = 0; r < 3; r++) {
        part[r][0] = stream(0, 700, 33, 1);
        part[r][1] = stream(700, 1900, 100, 1);
        part[r][2] = stream(1900, N, 999, 1);
    }
    ck_assert_ok(genre_metrics_partial_merge(part[0][0], part[0][1])); /* (A + B) + C */
    ck_assert_ok(genre_metrics_partial_merge(part[0][0], part[0][2]));
    ck_assert_ok(genre_metrics_partial_merge(part[1][1], part[1][2])); /* A + (B + C) */
    ck_assert_ok(genre_metrics_partial_merge(part[1][0], part[1][1]));
    ck_assert_ok(genre_metrics_partial_merge(part[2][2], part[2][1])); /* (C + B) + A */
    ck_assert_ok(genre_metrics_partial_merge(part[2][2], part[2][0]));
    check_exact(part[0][0], &e, 1);
    check_exact(part[1][0], &e, 1);
    check_exact(part[2][2], &e, 1);
    /* an empty state merged either way changes nothing */
    genre_metrics_partial *z;
    ck_assert_ok(genre_metrics_partial_create(&z, K));
    ck_assert_ok(genre_metrics_partial_merge(part[0][0], z));
    check_exact(part[0][0], &e, 1);
    ck_assert_ok(genre_metrics_partial_merge(z, part[0][0]));
    check_exact(z, &e, 1);
    genre_metrics_partial_free(z);
    for (int r = 0; r < 3; r++)
        for (int i = 0; i < 3; i++)
            genre_metrics_partial_free(part[r][i]);
}
END_TEST

START_TEST(state_survives_save_and_load)
{
    make_data();
    expected e = in_memory(Y, P, YP, N);
    genre_metrics_partial *p = stream(0, N, 300, 1), *q = NULL, *empty, *qe = NULL;
    size_t len, len2;
    unsigned char *b = saved(p, &len);
    int32_t kind;
    ck_assert_ok(genre_model_peek_from_memory(b, len, &kind, NULL));
    ck_assert_int_eq(kind, GENRE_MODEL_METRICS_PARTIAL);
    ck_assert_ok(genre_metrics_partial_load_from_memory(&q, b, len));
    check_exact(q, &e, 1);
    unsigned char *b2 = saved(q, &len2);
    ck_assert_uint_eq(len, len2);
    ck_assert_mem_eq(b, b2, len);
    /* a loaded state grows on */
    ck_assert_ok(genre_metrics_partial_add(q, P, 3, K, K, Y, YP));
    int64_t rows;
    ck_assert_ok(genre_metrics_partial_n_rows(q, &rows));
    ck_assert_int_eq(rows, N + 3);
    free(b);
    free(b2);
    /* an empty state too */
    ck_assert_ok(genre_metrics_partial_create(&empty, K));
    b = saved(empty, &len);
    ck_assert_ok(genre_metrics_partial_load_from_memory(&qe, b, len));
    ck_assert_ok(genre_metrics_partial_n_rows(qe, &rows));
    ck_assert_int_eq(rows, 0);
    ck_assert_ok(genre_metrics_partial_merge(qe, p));
    check_exact(qe, &e, 1);
    free(b);
    genre_metrics_partial_free(p);
    genre_metrics_partial_free(q);
    genre_metrics_partial_free(qe);
    genre_metrics_partial_free(empty);
}
END_TEST

START_TEST(damaged_states_are_refused)
{
    make_data();
    genre_metrics_partial *p = stream(0, 40, 7, 0), *q = (void *)1;
    size_t len;
    unsigned char *b = saved(p, &len), *c = malloc(len);
    ck_assert_ptr_nonnull(c);
    for (size_t cut = 0; cut < len; cut++) {
        ck_assert_status(genre_metrics_partial_load_from_memory(&q, b, cut), GENRE_E_CORRUPT);
        ck_assert_ptr_null(q);
    }
    for (size_t i = 0; i < len; i++) {
        memcpy(c, b, len);
        c[i] ^= 0x10;
        genre_status st = genre_metrics_partial_load_from_memory(&q, c, len);
        ck_assert_msg(st == GENRE_E_CORRUPT || st == GENRE_E_VERSION, "byte %zu: %s", i,
                      genre_status_name(st));
        ck_assert_ptr_null(q);
    }
    /* another kind of state */
    genre_scaler_partial *s;
    ck_assert_ok(genre_scaler_partial_create(&s, 2));
    size_t ls;
    ck_assert_status(genre_scaler_partial_save_to_memory(s, NULL, 0, &ls),
                     GENRE_E_BUFFER_TOO_SMALL);
    unsigned char *bs = malloc(ls);
    ck_assert_ok(genre_scaler_partial_save_to_memory(s, bs, ls, &ls));
    ck_assert_status(genre_metrics_partial_load_from_memory(&q, bs, ls), GENRE_E_MODEL_KIND);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_metrics_partial_load_from_memory"));
    free(bs);
    genre_scaler_partial_free(s);
    free(b);
    free(c);
    genre_metrics_partial_free(p);
}
END_TEST

static unsigned char *craft(uint32_t version, int64_t k, int64_t n, int64_t hits, size_t nl,
                            int32_t label, size_t ns, double score, size_t *len)
{
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_METRICS_PARTIAL, version));
    genre__mf_put_i64(&w, 1, k);
    genre__mf_put_i64(&w, 2, n);
    genre__mf_put_i64(&w, 3, hits);
    int32_t *l = malloc((nl + 1) * sizeof *l);
    double *s = malloc((ns + 1) * sizeof *s);
    ck_assert(l && s);
    for (size_t i = 0; i < nl; i++)
        l[i] = label;
    for (size_t i = 0; i < ns; i++)
        s[i] = score;
    genre__mf_put_i32_array(&w, 4, l, nl);
    genre__mf_put_f64_array(&w, 5, s, ns);
    free(l);
    free(s);
    return genre_test_mf_finish(&w, len);
}

static void refused(unsigned char *b, const size_t *lenp, genre_status want, const char *what)
{
    const size_t len = *lenp;
    genre_metrics_partial *q = (void *)1;
    genre__alloc_fail_at(0);
    genre_status st = genre_metrics_partial_load_from_memory(&q, b, len);
    ck_assert_msg(st == want, "%s: %s (%s)", what, genre_status_name(st), genre_last_error());
    ck_assert_ptr_null(q);
    ck_assert_msg(strncmp(genre_last_error(), "genre_metrics_partial_load_from_memory:", 39) == 0,
                  "%s: '%s'", what, genre_last_error());
    ck_assert_msg(genre__alloc_largest() <= len + 4096, "%s: asked for %zu bytes from %zu", what,
                  genre__alloc_largest(), len);
    free(b);
}

START_TEST(crafted_states_are_refused)
{
    size_t len;
    genre_metrics_partial *q = NULL;
    unsigned char *b = craft(1, 3, 4, 2, 4, 1, 12, 0.5, &len);
    ck_assert_ok(genre_metrics_partial_load_from_memory(&q, b, len));
    genre_metrics_partial_free(q);
    free(b);
    refused(craft(2, 3, 4, 2, 4, 1, 12, 0.5, &len), &len, GENRE_E_VERSION, "newer payload");
    refused(craft(1, 1, 4, 2, 4, 0, 4, 0.5, &len), &len, GENRE_E_CORRUPT, "one class");
    refused(craft(1, 65537, 4, 2, 4, 1, 12, 0.5, &len), &len, GENRE_E_CORRUPT, "65537 classes");
    refused(craft(1, 3, -4, 0, 4, 1, 12, 0.5, &len), &len, GENRE_E_CORRUPT, "negative rows");
    refused(craft(1, 3, 4, 5, 4, 1, 12, 0.5, &len), &len, GENRE_E_CORRUPT, "hits above rows");
    refused(craft(1, 3, 4, -1, 4, 1, 12, 0.5, &len), &len, GENRE_E_CORRUPT, "negative hits");
    refused(craft(1, 3, 4, 2, 3, 1, 12, 0.5, &len), &len, GENRE_E_CORRUPT, "labels short");
    refused(craft(1, 3, 4, 2, 4, 1, 11, 0.5, &len), &len, GENRE_E_CORRUPT, "scores short");
    refused(craft(1, 3, 4, 2, 4, 3, 12, 0.5, &len), &len, GENRE_E_CORRUPT, "label = classes");
    refused(craft(1, 3, 4, 2, 4, -1, 12, 0.5, &len), &len, GENRE_E_CORRUPT, "negative label");
    refused(craft(1, 3, 4, 2, 4, 1, 12, NAN, &len), &len, GENRE_E_CORRUPT, "NaN score");
    refused(craft(1, 3, 4, 2, 4, 1, 12, -INFINITY, &len), &len, GENRE_E_CORRUPT, "-inf score");
    refused(craft(1, 3, (int64_t)1 << 40, 0, 4, 1, 12, 0.5, &len), &len, GENRE_E_CORRUPT,
            "2^40 rows, 4 stored");
    refused(craft(1, 65536, (int64_t)1 << 62, 0, 4, 1, 12, 0.5, &len), &len, GENRE_E_CORRUPT,
            "2^62 rows of 2^16 scores (the product wraps)");
}
END_TEST

static void expect_msg(const char *prefix)
{
    ck_assert_msg(strncmp(genre_last_error(), prefix, strlen(prefix)) == 0, "message '%s'",
                  genre_last_error());
}

START_TEST(documented_errors)
{
    make_data();
    genre_metrics_partial *p = NULL, *p3;
    ck_assert_status(genre_metrics_partial_create(NULL, K), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_partial_create(&p, 1), GENRE_E_INVALID_ARG);
    expect_msg("genre_metrics_partial_create: n_classes is 1");
    ck_assert_status(genre_metrics_partial_create(&p, 65537), GENRE_E_INVALID_ARG);
    ck_assert_ok(genre_metrics_partial_create(&p, K));
    ck_assert_ok(genre_metrics_partial_create(&p3, 3));

    ck_assert_status(genre_metrics_partial_add(NULL, P, 5, K, K, Y, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_partial_add(p, NULL, 5, K, K, Y, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_partial_add(p, P, 5, K, K, NULL, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_partial_add(p, P, 0, K, K, Y, NULL), GENRE_E_INVALID_ARG);
    expect_msg("genre_metrics_partial_add: no rows");
    ck_assert_status(genre_metrics_partial_add(p, P, 5, 3, 3, Y, NULL), GENRE_E_SHAPE);
    expect_msg("genre_metrics_partial_add: the scores have 3 classes but the state has 4");
    ck_assert_status(genre_metrics_partial_add(p, P, 5, K, K - 1, Y, NULL), GENRE_E_INVALID_ARG);
    expect_msg("genre_metrics_partial_add: row stride 3 is less than the 4 classes");
    int32_t bad[5] = {0, 1, 4, 2, 3};
    ck_assert_status(genre_metrics_partial_add(p, P, 5, K, K, bad, NULL), GENRE_E_INVALID_ARG);
    expect_msg("genre_metrics_partial_add: y_true[2] = 4 is outside [0, 4)");
    bad[2] = -1;
    ck_assert_status(genre_metrics_partial_add(p, P, 5, K, K, Y, bad), GENRE_E_INVALID_ARG);
    expect_msg("genre_metrics_partial_add: y_pred[2] = -1 is outside [0, 4)");
    double sc[8] = {0.1, 0.2, 0.3, 0.4, 0.5, INFINITY, 0.1, 0.2};
    ck_assert_status(genre_metrics_partial_add(p, sc, 2, K, K, Y, NULL), GENRE_E_NONFINITE);
    expect_msg("genre_metrics_partial_add: score at row 1, column 1 is inf");
    int64_t rows = -1;
    ck_assert_ok(genre_metrics_partial_n_rows(p, &rows));
    ck_assert_int_eq(rows, 0); /* failed adds left nothing */
    ck_assert_status(genre_metrics_partial_n_rows(p, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_partial_n_rows(NULL, &rows), GENRE_E_INVALID_ARG);

    double v;
    size_t need;
    ck_assert_status(genre_metrics_partial_accuracy(p, &v), GENRE_E_INVALID_ARG);
    expect_msg("genre_metrics_partial_accuracy: the state holds no rows");
    ck_assert_status(genre_metrics_partial_accuracy(p, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_partial_accuracy(NULL, &v), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_partial_roc_auc_ovr(p, GENRE_METRICS_AVERAGE_MACRO, &v),
                     GENRE_E_INVALID_ARG);
    expect_msg("genre_metrics_partial_roc_auc_ovr: the state holds no rows");
    ck_assert_status(genre_metrics_partial_roc_auc_per_class(p, &v, 1, &need),
                     GENRE_E_INVALID_ARG);
    expect_msg("genre_metrics_partial_roc_auc_per_class: the state holds no rows");

    /* class 3 absent: macro undefined (named by the partial call), micro fine */
    int32_t y3[6] = {0, 1, 2, 0, 1, 2};
    ck_assert_ok(genre_metrics_partial_add(p, P, 6, K, K, y3, NULL));
    ck_assert_status(genre_metrics_partial_roc_auc_ovr(p, GENRE_METRICS_AVERAGE_MACRO, &v),
                     GENRE_E_INVALID_ARG);
    expect_msg("genre_metrics_partial_roc_auc_ovr: class 3 has 0 of 6 rows");
    ck_assert_ok(genre_metrics_partial_roc_auc_ovr(p, GENRE_METRICS_AVERAGE_MICRO, &v));
    ck_assert_status(genre_metrics_partial_roc_auc_ovr(p, 7, &v), GENRE_E_INVALID_ARG);
    expect_msg("genre_metrics_partial_roc_auc_ovr: unknown average 7");
    ck_assert_status(genre_metrics_partial_roc_auc_ovr(p, GENRE_METRICS_AVERAGE_MICRO, NULL),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_partial_roc_auc_per_class(p, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(need, K);
    expect_msg("genre_metrics_partial_roc_auc_per_class:");

    ck_assert_status(genre_metrics_partial_merge(p, p), GENRE_E_INVALID_ARG);
    expect_msg("genre_metrics_partial_merge: into and from are the same state");
    ck_assert_status(genre_metrics_partial_merge(NULL, p), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_partial_merge(p, p3), GENRE_E_SHAPE);
    expect_msg("genre_metrics_partial_merge: the states have different class counts: into has "
               "4, from 3");
    ck_assert_status(genre_metrics_partial_save_to_memory(NULL, NULL, 0, &need),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_partial_save_to_memory(p, NULL, 0, NULL), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_metrics_partial_save_to_memory(p, NULL, 0, &need),
                     GENRE_E_BUFFER_TOO_SMALL);
    expect_msg("genre_metrics_partial_save_to_memory:");
    ck_assert_status(genre_metrics_partial_load_from_memory(NULL, P, 8), GENRE_E_INVALID_ARG);
    genre_metrics_partial *q = (void *)1;
    ck_assert_status(genre_metrics_partial_load_from_memory(&q, NULL, 8), GENRE_E_INVALID_ARG);
    ck_assert_ptr_null(q);
    genre_metrics_partial_free(p);
    genre_metrics_partial_free(p3);
    genre_metrics_partial_free(NULL);
}
END_TEST

static genre_status scenario(void *ctx)
{
    (void)ctx;
    make_data();
    genre_metrics_partial *a = NULL, *b = NULL, *c = NULL;
    unsigned char buf[1 << 16];
    size_t n;
    double v, per[K];
    genre_status st = genre_metrics_partial_create(&a, K);
#define T(call)                                                                          \
    do {                                                                                 \
        if (st == GENRE_OK)                                                              \
            st = (call);                                                                 \
    } while (0)
    T(genre_metrics_partial_create(&b, K));
    T(genre_metrics_partial_add(a, P, 700, K, K, Y, NULL));
    T(genre_metrics_partial_add(a, P + 700 * K, 800, K, K, Y + 700, YP + 700)); /* grows */
    T(genre_metrics_partial_add(b, P + 1500 * K, 100, K, K, Y + 1500, NULL));
    T(genre_metrics_partial_merge(b, a)); /* grows b */
    T(genre_metrics_partial_save_to_memory(b, buf, sizeof buf, &n));
    T(genre_metrics_partial_load_from_memory(&c, buf, n));
    T(genre_metrics_partial_roc_auc_ovr(c, GENRE_METRICS_AVERAGE_MACRO, &v));
    T(genre_metrics_partial_roc_auc_ovr(c, GENRE_METRICS_AVERAGE_MICRO, &v));
    T(genre_metrics_partial_roc_auc_per_class(c, per, K, NULL));
    T(genre_metrics_partial_accuracy(c, &v));
#undef T
    genre_metrics_partial_free(a);
    genre_metrics_partial_free(b);
    genre_metrics_partial_free(c);
    return st;
}

START_TEST(allocation_failures)
{
    ck_assert_int_gt(genre_test_alloc_walk(scenario, NULL), 10);
}
END_TEST

/* A failed add or merge (its growth refused) leaves the state as it was. */
START_TEST(failed_growth_leaves_the_state)
{
    make_data();
    expected e = in_memory(Y, P, YP, 1000);
    genre_metrics_partial *p = stream(0, 1000, 1000, 0), *q = stream(1000, N, 1500, 0);
    for (int which = 0; which < 2; which++)
        for (long k = 1; k <= 2; k++) {
            genre__alloc_fail_at(k);
            genre_status st = which ? genre_metrics_partial_merge(p, q)
                                    : genre_metrics_partial_add(p, P + 1000 * K, 1500, K, K,
                                                                Y + 1000, NULL);
            genre__alloc_fail_at(0);
            ck_assert_int_eq(st, GENRE_E_NOMEM);
            check_exact(p, &e, 0);
        }
    genre_metrics_partial_free(p);
    genre_metrics_partial_free(q);
}
END_TEST

/* The fuzz target's seed (tests/fuzz/corpus/partial_load/metrics.genre):
 * written when GENRE_WRITE_FUZZ_SEEDS is set, else checked to load. */
START_TEST(fuzz_seed)
{
    make_data();
    genre_metrics_partial *p = stream(0, 12, 5, 1), *q = NULL;
    size_t len;
    unsigned char *b = saved(p, &len);
    const char *path = genre_test_source_path("tests/fuzz/corpus/partial_load/metrics.genre");
    if (getenv("GENRE_WRITE_FUZZ_SEEDS")) {
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(b, 1, len, f), len);
        ck_assert_int_eq(fclose(f), 0);
    }
    int32_t kind;
    ck_assert_ok(genre_model_peek(path, &kind, NULL));
    ck_assert_int_eq(kind, GENRE_MODEL_METRICS_PARTIAL);
    (void)q;
    free(b);
    genre_metrics_partial_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stream_metrics");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, streamed_equals_in_memory_exactly);
    tcase_add_test(tc, strided_scores);
    tcase_add_test(tc, merge_any_order_is_exact);
    tcase_add_test(tc, state_survives_save_and_load);
    tcase_add_test(tc, damaged_states_are_refused);
    tcase_add_test(tc, crafted_states_are_refused);
    tcase_add_test(tc, documented_errors);
    tcase_add_test(tc, allocation_failures);
    tcase_add_test(tc, failed_growth_leaves_the_state);
    tcase_add_test(tc, fuzz_seed);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
