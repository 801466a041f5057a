/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The library FFT (lib/common/fft.h): closed-form transforms, agreement with a
 * naive double-precision DFT for every length the t-SNE FFT gradient uses,
 * real transforms, round trips, and allocation failures. */
#include "harness.h"

#ifdef GENRE_TESTING
#include "alloc.h"
#include "fft.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TWO_PI 6.28318530717958647692

static float *scratch_for(const genre__fft *p)
{
    float *s = malloc(genre__fft_scratch_floats(p) * sizeof(float));
    ck_assert_ptr_nonnull(s);
    return s;
}

static genre__fft *plan(size_t n)
{
    genre__fft *p = NULL;
    ck_assert_ok(genre__fft_create(&p, n));
    ck_assert_uint_eq(genre__fft_length(p), n);
    return p;
}

/* Deterministic values in [-1, 1). */
static float noise(size_t i)
{
    uint64_t z = (uint64_t)i * UINT64_C(0x9e3779b97f4a7c15) + UINT64_C(0x632be59bd9b4e019);
    z = (z ^ (z >> 31)) * UINT64_C(0xbf58476d1ce4e5b9);
    return (float)((double)(z >> 40) / (double)(UINT64_C(1) << 23) - 1.0);
}

/* Naive DFT in double of x (n complex, interleaved float): bins
 * 0 .. n_out - 1 into y (the unit roots from one table, each computed
 * directly). */
static void naive_dft_bins(const float *x, size_t n, int sign, double *y, size_t n_out)
{
    double *c = malloc(2 * n * sizeof(double));
    ck_assert_ptr_nonnull(c);
    for (size_t m = 0; m < n; m++) {
        c[2 * m] = cos(TWO_PI * (double)m / (double)n);
        c[2 * m + 1] = sign * sin(TWO_PI * (double)m / (double)n);
    }
    for (size_t k = 0; k < n_out; k++) {
        double sr = 0, si = 0;
        for (size_t j = 0, m = 0; j < n; j++, m = m + k >= n ? m + k - n : m + k) {
            sr += x[2 * j] * c[2 * m] - x[2 * j + 1] * c[2 * m + 1];
            si += x[2 * j] * c[2 * m + 1] + x[2 * j + 1] * c[2 * m];
        }
        y[2 * k] = sr;
        y[2 * k + 1] = si;
    }
    free(c);
}

static void naive_dft(const float *x, size_t n, int sign, double *y)
{
    naive_dft_bins(x, n, sign, y, n);
}

/* max |got - want| / max(1, max |want|) over count doubles/floats */
static double rel_err(const float *got, const double *want, size_t count)
{
    double scale = 1, err = 0;
    for (size_t i = 0; i < count; i++)
        scale = fabs(want[i]) > scale ? fabs(want[i]) : scale;
    for (size_t i = 0; i < count; i++) {
        double e = fabs((double)got[i] - want[i]);
        err = e > err ? e : err;
    }
    return err / scale;
}

START_TEST(supported_lengths)
{
    static const size_t yes[] = {1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 25, 27, 150, 1500};
    static const size_t no[] = {0, 7, 11, 13, 14, 49, 77, 1502};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        ck_assert_int_eq(genre__fft_supported(yes[i]), 1);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        ck_assert_int_eq(genre__fft_supported(no[i]), 0);
        genre__fft *p = (genre__fft *)&p;
        ck_assert_status(genre__fft_create(&p, no[i]), GENRE_E_INVALID_ARG);
        ck_assert_ptr_null(p);
    }
}
END_TEST

START_TEST(delta_constant_cosine)
{
    const size_t n = 60;
    genre__fft *p = plan(n);
    float *s = scratch_for(p);
    float x[2 * 60];
    /* delta at 0 -> all ones */
    memset(x, 0, sizeof x);
    x[0] = 1;
    genre__fft_c2c(p, GENRE__FFT_FORWARD, x, 1, 0, 1, s);
    for (size_t k = 0; k < n; k++) {
        ck_assert_float_eq_tol(x[2 * k], 1.0f, 1e-6f);
        ck_assert_float_eq_tol(x[2 * k + 1], 0.0f, 1e-6f);
    }
    /* constant 1 -> n at bin 0 only */
    for (size_t j = 0; j < n; j++) {
        x[2 * j] = 1;
        x[2 * j + 1] = 0;
    }
    genre__fft_c2c(p, GENRE__FFT_FORWARD, x, 1, 0, 1, s);
    ck_assert_float_eq_tol(x[0], (float)n, 1e-4f);
    for (size_t k = 1; k < 2 * n; k++)
        ck_assert_float_eq_tol(x[k], 0.0f, 1e-4f);
    /* cos(2 pi 7 j / n) -> n/2 at bins 7 and n-7 */
    for (size_t j = 0; j < n; j++) {
        x[2 * j] = (float)cos(TWO_PI * 7.0 * (double)j / (double)n);
        x[2 * j + 1] = 0;
    }
    genre__fft_c2c(p, GENRE__FFT_FORWARD, x, 1, 0, 1, s);
    for (size_t k = 0; k < n; k++) {
        float want = k == 7 || k == n - 7 ? (float)n / 2 : 0.0f;
        ck_assert_float_eq_tol(x[2 * k], want, 1e-4f);
        ck_assert_float_eq_tol(x[2 * k + 1], 0.0f, 1e-4f);
    }
    /* backward of a delta at bin 3 is e^{+2 pi i 3 j / n} */
    memset(x, 0, sizeof x);
    x[6] = 1;
    genre__fft_c2c(p, GENRE__FFT_BACKWARD, x, 1, 0, 1, s);
    for (size_t j = 0; j < n; j++) {
        ck_assert_float_eq_tol(x[2 * j], (float)cos(TWO_PI * 3.0 * (double)j / (double)n), 1e-5f);
        ck_assert_float_eq_tol(x[2 * j + 1], (float)sin(TWO_PI * 3.0 * (double)j / (double)n),
                               1e-5f);
    }
    free(s);
    genre__fft_free(p);
}
END_TEST

/* Every length the t-SNE gradient uses: columns of N = 6 b and rows of
 * real length N (complex N / 2 = 3 b), b = 50 .. 250 boxes, 5-smooth; plus
 * the small lengths of every radix and their mixes. */
static size_t lengths(size_t *out)
{
    size_t k = 0;
    for (size_t n = 1; n <= 32; n++)
        if (genre__fft_supported(n))
            out[k++] = n;
    for (size_t b = 50; b <= 250; b++)
        if (genre__fft_supported(b)) {
            out[k++] = 3 * b;
            out[k++] = 6 * b;
        }
    return k;
}

START_TEST(matches_naive_dft_every_length)
{
    size_t ns[200];
    const size_t count = lengths(ns);
    ck_assert_uint_gt(count, 60);
    for (size_t c = 0; c < count; c++) {
        const size_t n = ns[c];
        genre__fft *p = plan(n);
        float *s = scratch_for(p);
        float *x = malloc(2 * n * sizeof(float)), *x0 = malloc(2 * n * sizeof(float));
        double *want = malloc(2 * n * sizeof(double));
        ck_assert(x && x0 && want);
        for (size_t i = 0; i < 2 * n; i++)
            x0[i] = noise(i + 7 * n);
        for (int dir = 0; dir < 2; dir++) {
            const int sign = dir ? GENRE__FFT_BACKWARD : GENRE__FFT_FORWARD;
            memcpy(x, x0, 2 * n * sizeof(float));
            genre__fft_c2c(p, sign, x, 1, 0, 1, s);
            naive_dft(x0, n, sign, want);
            double e = rel_err(x, want, 2 * n);
            ck_assert_msg(e < 2e-6 * (1 + log2((double)n)), "n = %zu sign %d: error %g", n,
                          sign, e);
        }
        free(x);
        free(x0);
        free(want);
        free(s);
        genre__fft_free(p);
    }
}
END_TEST

START_TEST(parseval_and_round_trip)
{
    size_t ns[200];
    const size_t count = lengths(ns);
    for (size_t c = 0; c < count; c++) {
        const size_t n = ns[c];
        genre__fft *p = plan(n);
        float *s = scratch_for(p);
        float *x = malloc(2 * n * sizeof(float)), *x0 = malloc(2 * n * sizeof(float));
        ck_assert(x && x0);
        double e_time = 0, e_freq = 0;
        for (size_t i = 0; i < 2 * n; i++) {
            x0[i] = x[i] = noise(i + 3 * n);
            e_time += (double)x0[i] * x0[i];
        }
        genre__fft_c2c(p, GENRE__FFT_FORWARD, x, 1, 0, 1, s);
        for (size_t i = 0; i < 2 * n; i++)
            e_freq += (double)x[i] * x[i];
        ck_assert_msg(fabs(e_freq / (double)n - e_time) <= 1e-5 * e_time,
                      "Parseval fails at n = %zu: %g vs %g", n, e_freq / (double)n, e_time);
        genre__fft_c2c(p, GENRE__FFT_BACKWARD, x, 1, 0, 1, s);
        for (size_t i = 0; i < 2 * n; i++)
            ck_assert_msg(fabsf(x[i] / (float)n - x0[i]) < 1e-5f, "round trip at n = %zu", n);
        free(x);
        free(x0);
        free(s);
        genre__fft_free(p);
    }
}
END_TEST

/* Strided batches: the columns of a row-major array and its rows give the
 * same numbers as one transform at a time. */
START_TEST(batches_follow_stride_and_dist)
{
    const size_t n = 45, howmany = 37; /* not a multiple of the block */
    genre__fft *p = plan(n);
    float *s = scratch_for(p);
    float *a = malloc(2 * n * howmany * sizeof(float)), *one = malloc(2 * n * sizeof(float));
    ck_assert(a && one);
    for (size_t i = 0; i < 2 * n * howmany; i++)
        a[i] = noise(i);
    /* columns: element j of transform t at j * howmany + t */
    genre__fft_c2c(p, GENRE__FFT_FORWARD, a, howmany, 1, howmany, s);
    for (size_t t = 0; t < howmany; t++) {
        for (size_t j = 0; j < n; j++) {
            one[2 * j] = noise(2 * (j * howmany + t));
            one[2 * j + 1] = noise(2 * (j * howmany + t) + 1);
        }
        genre__fft_c2c(p, GENRE__FFT_FORWARD, one, 1, 0, 1, s);
        for (size_t j = 0; j < n; j++) {
            ck_assert_float_eq(a[2 * (j * howmany + t)], one[2 * j]);
            ck_assert_float_eq(a[2 * (j * howmany + t) + 1], one[2 * j + 1]);
        }
    }
    /* rows: element j of transform t at t * n + j */
    for (size_t i = 0; i < 2 * n * howmany; i++)
        a[i] = noise(i);
    genre__fft_c2c(p, GENRE__FFT_BACKWARD, a, 1, n, howmany, s);
    for (size_t t = 0; t < howmany; t++) {
        for (size_t j = 0; j < 2 * n; j++)
            one[j] = noise(2 * t * n + j);
        genre__fft_c2c(p, GENRE__FFT_BACKWARD, one, 1, 0, 1, s);
        ck_assert(memcmp(one, a + 2 * t * n, 2 * n * sizeof(float)) == 0);
    }
    free(a);
    free(one);
    free(s);
    genre__fft_free(p);
}
END_TEST

/* Real transforms: r2c equals the complex transform of the real rows
 * (bins 0 .. n), c2r(r2c(x)) = 2n x, c2r ignores the imaginary parts of
 * bins 0 and n and leaves its input alone. */
START_TEST(real_transforms)
{
    size_t ns[200];
    const size_t count = lengths(ns);
    for (size_t c = 0; c < count; c++) {
        const size_t h = ns[c], N = 2 * h, rows = 3;
        genre__fft *p = plan(h);
        float *s = scratch_for(p);
        float *x = malloc(N * rows * sizeof(float)), *back = malloc(N * rows * sizeof(float));
        float *spec = malloc(2 * (h + 1) * rows * sizeof(float));
        float *cx = malloc(2 * N * sizeof(float)), *spec0 = malloc(2 * (h + 1) * sizeof(float));
        double *want = malloc(2 * N * sizeof(double));
        ck_assert(x && back && spec && cx && spec0 && want);
        for (size_t i = 0; i < N * rows; i++)
            x[i] = noise(i + 11 * N);
        genre__fft_r2c(p, x, N, spec, h + 1, rows, s);
        /* the naive DFT of every row is slow under valgrind: the first and
         * last rows, and the middle one only against the single-row call */
        for (size_t r = 0; r < rows; r += rows - 1) {
            for (size_t j = 0; j < N; j++) {
                cx[2 * j] = x[r * N + j];
                cx[2 * j + 1] = 0;
            }
            naive_dft_bins(cx, N, GENRE__FFT_FORWARD, want, h + 1);
            double e = rel_err(spec + 2 * r * (h + 1), want, 2 * (h + 1));
            ck_assert_msg(e < 2e-6 * (1 + log2((double)N)), "r2c n = %zu: error %g", N, e);
        }
        genre__fft_r2c(p, x + N, N, spec0, h + 1, 1, s);
        ck_assert(memcmp(spec0, spec + 2 * (h + 1), 2 * (h + 1) * sizeof(float)) == 0);
        /* junk in the imaginary parts of bins 0 and n must not matter */
        spec[1] += 5;
        spec[2 * h + 1] -= 3;
        memcpy(spec0, spec, 2 * (h + 1) * sizeof(float));
        genre__fft_c2r(p, spec, h + 1, back, N, rows, s);
        ck_assert(memcmp(spec0, spec, 2 * (h + 1) * sizeof(float)) == 0);
        for (size_t i = 0; i < N * rows; i++)
            ck_assert_msg(fabsf(back[i] / (float)N - x[i]) < 2e-5f, "c2r n = %zu at %zu", N, i);
        free(x);
        free(back);
        free(spec);
        free(cx);
        free(spec0);
        free(want);
        free(s);
        genre__fft_free(p);
    }
}
END_TEST

typedef struct { size_t n; } walk_ctx;

static genre_status make_and_run(void *vctx)
{
    const walk_ctx *c = vctx;
    genre__fft *p = NULL;
    genre_status st = genre__fft_create(&p, c->n);
    if (st != GENRE_OK) {
        ck_assert_ptr_null(p);
        return st;
    }
    static float x[2 * 300], sc[4 * 16 * 300];
    ck_assert_uint_le(genre__fft_scratch_floats(p), sizeof sc / sizeof sc[0]);
    for (size_t i = 0; i < 2 * c->n; i++)
        x[i] = noise(i);
    genre__fft_c2c(p, GENRE__FFT_FORWARD, x, 1, 0, 1, sc);
    genre__fft_free(p);
    return GENRE_OK;
}

START_TEST(allocation_failures)
{
    walk_ctx c = {300};
    ck_assert_int_ge(genre_test_alloc_walk(make_and_run, &c), 3);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("fft");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
#ifdef GENRE_TESTING
    tcase_add_test(tc, supported_lengths);
    tcase_add_test(tc, delta_constant_cosine);
    tcase_add_test(tc, matches_naive_dft_every_length);
    tcase_add_test(tc, parseval_and_round_trip);
    tcase_add_test(tc, batches_follow_stride_and_dist);
    tcase_add_test(tc, real_transforms);
    tcase_add_test(tc, allocation_failures);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
