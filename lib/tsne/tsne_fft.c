/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * t-SNE repulsion by FFT-accelerated interpolation (2-D; FIt-SNE's method):
 * the points' charges are spread onto a regular grid by Lagrange
 * interpolation in boxes, convolved with the kernel by FFT, and read back.
 *
 * The transforms are lib/common/fft.c's (single precision, r2c rows and complex
 * columns): their plans and scratch are allocated here through lib/common/alloc.h,
 * so running out of memory is a GENRE_E_NOMEM and never an abort in a
 * third-party FFT (issue 16). Grids are single precision (the
 * interpolation error, ~1e-2, dwarfs float rounding) and 5-smooth in size.
 *
 * Determinism: the scatter to the grid is split by box rows, each grid
 * value summed in point order, and each transform is one job, so the
 * result does not depend on the thread count.
 */
#include "tsne_private.h"

#include "alloc.h"
#include "error_private.h"
#include "fft.h"
#include "parallel.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define FFT_INTERP 3
#define FFT_MIN_BOXES 50
/* Boxes per unit of embedding length (FIt-SNE's intervals_per_integer):
 * the interpolation error falls as its cube (measured: 4.4e-2, 5.6e-3,
 * 1.2e-3 relative L2 gradient error at 1, 2, 3 on a sparse embedding)
 * while the FFT cost grows as its square; 1 is FIt-SNE's default. */
#define FFT_BOXES_PER_UNIT 1.0
/* Measured on the real data's final embedding (45,000 points, span ~220,
 * so ~225 boxes): relative L2 gradient error 1.7% at width 0.98, 9.9% when
 * capped at 128 boxes (width 1.75), 26% at 100 boxes. The cap only bounds
 * memory (4 grids of (6 * 250)^2 single-precision complex = 72 MB). */
#define FFT_MAX_BOXES 250
/* Charge grids: 1, y0, y1 and |y|^2 (FIt-SNE's four terms). */
#define FFT_GRIDS 4

static size_t smooth5_at_least(size_t v)
{
    for (;; v++) {
        size_t m = v;
        while (m % 2 == 0)
            m /= 2;
        while (m % 3 == 0)
            m /= 3;
        while (m % 5 == 0)
            m /= 5;
        if (m == 1)
            return v;
    }
}

struct genre__tsne_fft {
    /* FFT_GRIDS real N x N charge grids and the kernel's (rows
     * grid_stride floats apart), their N x (N/2+1) complex spectra
     * (spec_stride complex apart), the plans and one scratch per job, all
     * for the current N */
    size_t fft_n;
    size_t grid_stride, spec_stride;
    float *grid;
    float *spec;               /* complex, interleaved */
    genre__fft *rows, *cols;   /* real length N (complex N/2); complex length N */
    float *scratch;            /* FFT_GRIDS + 1 slots of scratch_stride floats */
    size_t scratch_stride;
    float *kspec;              /* the kernel's real spectrum, N x (N/2+1), scaled 1 / N^2 */
    size_t n;                  /* points the two arrays below hold */
    uint32_t *order;           /* points by box row */
    size_t *box_start;         /* first point of each box row, FFT_MAX_BOXES + 2 */
};

static void fft_release(genre__tsne_fft *w)
{
    genre__fft_free(w->rows);
    genre__fft_free(w->cols);
    genre__free(w->grid);
    genre__free(w->spec);
    genre__free(w->scratch);
    genre__free(w->kspec);
    w->rows = w->cols = NULL;
    w->grid = w->spec = w->scratch = w->kspec = NULL;
    w->fft_n = 0;
}

void genre__tsne_fft_free(genre__tsne_fft *s)
{
    if (!s)
        return;
    fft_release(s);
    genre__free(s->order);
    genre__free(s->box_start);
    genre__free(s);
}

/* Grids, spectra, plans and scratch for transforms of size N (m = N / 2
 * rows of charges), kept while N repeats. */
static genre_status fft_prepare(genre__tsne_fft *w, size_t N)
{
    if (w->fft_n == N)
        return GENRE_OK;
    fft_release(w);
    const size_t NC = N / 2 + 1;
    w->grid_stride = N * N;
    w->spec_stride = N * NC;
    genre_status st = genre__fft_create(&w->rows, N / 2);
    if (st == GENRE_OK)
        st = genre__fft_create(&w->cols, N);
    if (st != GENRE_OK)
        return st;
    /* rows' scratch is half the columns' */
    w->scratch_stride = genre__fft_scratch_floats(w->cols);
    w->grid = genre__alloc_array((FFT_GRIDS + 1) * w->grid_stride, sizeof(float));
    w->spec = w->grid ? genre__alloc_array((FFT_GRIDS + 1) * w->spec_stride, 2 * sizeof(float))
                      : NULL;
    w->scratch = w->spec ? genre__alloc_array((FFT_GRIDS + 1) * w->scratch_stride, sizeof(float))
                         : NULL;
    w->kspec = w->scratch ? genre__alloc_array(N * NC, sizeof(float)) : NULL;
    if (!w->kspec) {
        fft_release(w);
        return GENRE_E_NOMEM;
    }
    w->fft_n = N;
    return GENRE_OK;
}

typedef struct fft_ctx {
    genre__tsne_fft *w;
    size_t N, m, n_boxes;
    double lo, h, cx, cy;
    const double *y;
} fft_ctx;

/* Lagrange weights of the FFT_INTERP nodes 0, 1, ... of a box at t. */
static void lagrange(double t, double L[FFT_INTERP])
{
    for (int a = 0; a < FFT_INTERP; a++) {
        double num = 1, den = 1;
        for (int b = 0; b < FFT_INTERP; b++)
            if (b != a) {
                num *= t - (double)b;
                den *= (double)(a - b);
            }
        L[a] = num / den;
    }
}

/* Box of a coordinate. */
static size_t interp_box(double v, double lo, double h, size_t n_boxes)
{
    double u = (v - lo) / h; /* in grid units; node g at g + 0.5 */
    size_t b = (size_t)(u / FFT_INTERP);
    return b >= n_boxes ? n_boxes - 1 : b;
}

/* Box index and Lagrange weights of a coordinate. */
static size_t interp_weights(double v, double lo, double h, size_t n_boxes, double L[FFT_INTERP])
{
    size_t b = interp_box(v, lo, h, n_boxes);
    lagrange((v - lo) / h - 0.5 - (double)(FFT_INTERP * b), L);
    return FFT_INTERP * b;
}

/* Scatter of the charges (1, y0, y1, |y|^2) of the points in box rows
 * [begin, end): those boxes own grid rows [3 begin, 3 end), so workers
 * write disjoint rows, and every grid value is summed in point order
 * whatever the thread count. */
static void scatter_body(void *vctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    fft_ctx *c = vctx;
    genre__tsne_fft *w = c->w;
    const size_t N = c->N, gs = w->grid_stride;
    float *g0 = w->grid, *g1 = g0 + gs, *g2 = g1 + gs, *g3 = g2 + gs;
    const size_t r0 = FFT_INTERP * begin, r1 = FFT_INTERP * end;
    for (size_t k = 0; k < FFT_GRIDS; k++)
        memset(w->grid + k * gs + r0 * N, 0, (r1 - r0) * N * sizeof(float));
    for (size_t e = w->box_start[begin]; e < w->box_start[end]; e++) {
        const size_t i = w->order[e];
        double L0[FFT_INTERP], L1[FFT_INTERP];
        size_t a0 = interp_weights(c->y[2 * i], c->lo, c->h, c->n_boxes, L0);
        size_t b0 = interp_weights(c->y[2 * i + 1], c->lo, c->h, c->n_boxes, L1);
        double y0 = c->y[2 * i] - c->cx, y1 = c->y[2 * i + 1] - c->cy;
        double sq = y0 * y0 + y1 * y1;
        for (int a = 0; a < FFT_INTERP; a++)
            for (int b = 0; b < FFT_INTERP; b++) {
                double wgt = L0[a] * L1[b];
                size_t at = (a0 + (size_t)a) * N + b0 + (size_t)b;
                g0[at] += (float)wgt;
                g1[at] += (float)(wgt * y0);
                g2[at] += (float)(wgt * y1);
                g3[at] += (float)(wgt * sq);
            }
    }
}

/* Forward jobs: job FFT_KERNEL_JOB the kernel's spectrum, the others the
 * charge grids in order. */
#define FFT_KERNEL_JOB 2
static void forward_body(void *vctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    fft_ctx *c = vctx;
    genre__tsne_fft *w = c->w;
    const size_t N = c->N, m = c->m, NC = N / 2 + 1;
    for (size_t job = begin; job < end; job++) {
        /* the kernel (the cheapest job) third: on 2 threads the jobs split
         * as grids 0, 1 | kernel, grids 2, 3 */
        if (job == FFT_KERNEL_JOB) {
            /* (1 + r^2)^-2 on the circulant embedding (offsets -m+1..m-1,
             * row and column m zero); it is even in both offsets, so only
             * rows 0..m are transformed and rows m+1..N-1 mirror 1..m-1 */
            float *K = w->grid + FFT_GRIDS * w->grid_stride;
            float *S = w->spec + 2 * FFT_GRIDS * w->spec_stride;
            float *scratch = w->scratch + job * w->scratch_stride;
            const double h2 = c->h * c->h;
            for (size_t a = 0; a <= m; a++) {
                float *row = K + a * N;
                if (a == m) {
                    memset(row, 0, N * sizeof(float));
                    continue;
                }
                const double da2 = (double)a * (double)a;
                for (size_t b = 0; b < N; b++) {
                    double db = b < m ? (double)b : (double)b - (double)N;
                    double v = 1.0 / (1.0 + h2 * (da2 + db * db));
                    row[b] = (float)(v * v);
                }
                row[m] = 0;
            }
            genre__fft_r2c(w->rows, K, N, S, NC, m + 1, scratch);
            /* each row's spectrum is real (the row is even), and so is every
             * column (even in the row offset): columns 2c and 2c + 1 go
             * into one complex column as its real and imaginary parts, and
             * come back as the real and imaginary parts of its transform;
             * rows m+1..N-1 mirror rows N-a. Half the column transforms. */
            const size_t NH = (NC + 1) / 2;
            float *P = K;
            for (size_t a = 0; a < N; a++) {
                const float *src = S + 2 * (a <= m ? a : N - a) * NC;
                float *dst = P + 2 * a * NH;
                for (size_t q = 0; q < NH; q++) {
                    dst[2 * q] = src[4 * q];
                    dst[2 * q + 1] = 2 * q + 1 < NC ? src[4 * q + 2] : 0.0f;
                }
            }
            genre__fft_c2c(w->cols, GENRE__FFT_FORWARD, P, NH, 1, NH, scratch);
            /* scaled by the transforms' 1 / N^2 */
            float *ks = w->kspec;
            const double scale = 1.0 / ((double)N * (double)N);
            for (size_t a = 0; a < N; a++)
                for (size_t q = 0; q < NH; q++) {
                    ks[a * NC + 2 * q] = (float)(P[2 * (a * NH + q)] * scale);
                    if (2 * q + 1 < NC)
                        ks[a * NC + 2 * q + 1] = (float)(P[2 * (a * NH + q) + 1] * scale);
                }
            continue;
        }
        const size_t k = job < FFT_KERNEL_JOB ? job : job - 1;
        float *G = w->grid + k * w->grid_stride;
        float *S = w->spec + 2 * k * w->spec_stride;
        float *scratch = w->scratch + job * w->scratch_stride;
        genre__fft_r2c(w->rows, G, N, S, NC, m, scratch);
        memset(S + 2 * m * NC, 0, (N - m) * NC * 2 * sizeof(float));
        genre__fft_c2c(w->cols, GENRE__FFT_FORWARD, S, NC, 1, NC, scratch);
    }
}

/* Inverse jobs: charge grid k times the kernel, back to rows [0, m). */
static void inverse_body(void *vctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    fft_ctx *c = vctx;
    genre__tsne_fft *w = c->w;
    const size_t N = c->N, NC = N / 2 + 1;
    for (size_t k = begin; k < end; k++) {
        float *G = w->grid + k * w->grid_stride;
        float *S = w->spec + 2 * k * w->spec_stride;
        float *scratch = w->scratch + k * w->scratch_stride;
        const float *ks = w->kspec;
        for (size_t e = 0; e < N * NC; e++) {
            S[2 * e] *= ks[e];
            S[2 * e + 1] *= ks[e];
        }
        genre__fft_c2c(w->cols, GENRE__FFT_BACKWARD, S, NC, 1, NC, scratch);
        genre__fft_c2r(w->rows, S, NC, G, N, c->m, scratch);
    }
}

typedef struct interp_ctx {
    const double *y;
    double lo, h;
    size_t N, n_boxes;
    double cx, cy; /* coordinates are taken relative to the box centre */
    const float *g[FFT_GRIDS];
    const uint32_t *order;
    double *rep, *zrow;
} interp_ctx;

static void gather_body(void *vctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    interp_ctx *c = vctx;
    /* points by box row: neighbouring points read neighbouring grid rows */
    for (size_t e = begin; e < end; e++) {
        const size_t i = c->order[e];
        double L0[FFT_INTERP], L1[FFT_INTERP];
        size_t g0 = interp_weights(c->y[2 * i], c->lo, c->h, c->n_boxes, L0);
        size_t g1 = interp_weights(c->y[2 * i + 1], c->lo, c->h, c->n_boxes, L1);
        double y0 = c->y[2 * i] - c->cx, y1 = c->y[2 * i + 1] - c->cy;
        double phi[4] = {0, 0, 0, 0};
        for (int a = 0; a < FFT_INTERP; a++)
            for (int b = 0; b < FFT_INTERP; b++) {
                double wgt = L0[a] * L1[b];
                size_t at = (g0 + (size_t)a) * c->N + g1 + (size_t)b;
                phi[0] += wgt * c->g[0][at];
                phi[1] += wgt * c->g[1][at];
                phi[2] += wgt * c->g[2][at];
                phi[3] += wgt * c->g[3][at];
            }
        /* phi0 = sum_j w^2, phi1/2 = sum_j w^2 y_j, phi3 = sum_j w^2 |y_j|^2
         * (j = i included: its w is 1 and its force term 0) */
        c->rep[2 * i] = y0 * phi[0] - phi[1];
        c->rep[2 * i + 1] = y1 * phi[0] - phi[2];
        c->zrow[i] = (1.0 + y0 * y0 + y1 * y1) * phi[0] - 2.0 * (y0 * phi[1] + y1 * phi[2]) +
                     phi[3] - 1.0;
    }
}

genre_status genre__tsne_fft_repulsion(genre__tsne_fft **state, const double *y, size_t n,
                                       int T, double *rep, double *zrow)
{
    if (!*state && !(*state = GENRE_NEW(genre__tsne_fft)))
        return GENRE_E_NOMEM;
    genre__tsne_fft *w = *state;
    double lo0 = y[0], hi0 = y[0], lo1 = y[1], hi1 = y[1];
    for (size_t i = 0; i < n; i++) {
        double a = y[2 * i], b = y[2 * i + 1];
        lo0 = a < lo0 ? a : lo0;
        hi0 = a > hi0 ? a : hi0;
        lo1 = b < lo1 ? b : lo1;
        hi1 = b > hi1 ? b : hi1;
    }
    const double lo = lo0 < lo1 ? lo0 : lo1, hi = hi0 > hi1 ? hi0 : hi1;
    /* Charges use coordinates relative to the centre of the points'
     * bounding box: smaller |y| means less cancellation in
     * y_i sum_j w^2 - sum_j w^2 y_j (the grids are single precision). */
    const double cx = 0.5 * (lo0 + hi0), cy = 0.5 * (lo1 + hi1);
    double span = hi - lo;
    if (!(span > 0))
        span = 1e-6;
    span *= 1.0 + 1e-9;
    /* max(FFT_MIN_BOXES, span * FFT_BOXES_PER_UNIT) boxes (at most
     * FFT_MAX_BOXES), rounded up to a 5-smooth count so N = 2 * 3 * n_boxes
     * is 5-smooth (the sizes lib/common/fft.c supports): boxes at most 1 /
     * FFT_BOXES_PER_UNIT wide and usually a little narrower. */
    size_t n_boxes = (size_t)ceil(span * FFT_BOXES_PER_UNIT);
    n_boxes = n_boxes < FFT_MIN_BOXES   ? FFT_MIN_BOXES
              : n_boxes > FFT_MAX_BOXES ? FFT_MAX_BOXES
                                        : n_boxes;
    n_boxes = smooth5_at_least(n_boxes);
    const double width = span / (double)n_boxes;
    const size_t m = FFT_INTERP * n_boxes, N = 2 * m;
    const double h = width / FFT_INTERP;
    genre_status st = fft_prepare(w, N);
    if (st != GENRE_OK)
        return st;
    if (w->n != n) {
        genre__free(w->order);
        genre__free(w->box_start);
        w->box_start = NULL;
        w->n = 0;
        w->order = genre__alloc_array(n, sizeof(uint32_t));
        w->box_start = w->order ? genre__alloc_array(FFT_MAX_BOXES + 2, sizeof(size_t)) : NULL;
        if (!w->box_start)
            return GENRE_E_NOMEM;
        w->n = n;
    }
    /* points by box row (counting sort, stable) */
    size_t *bs = w->box_start;
    memset(bs, 0, (n_boxes + 2) * sizeof *bs);
    for (size_t i = 0; i < n; i++)
        bs[interp_box(y[2 * i], lo, h, n_boxes) + 2]++;
    for (size_t b = 2; b <= n_boxes + 1; b++)
        bs[b] += bs[b - 1];
    for (size_t i = 0; i < n; i++)
        w->order[bs[interp_box(y[2 * i], lo, h, n_boxes) + 1]++] = (uint32_t)i;
    /* now bs[b] = first point of box row b, bs[n_boxes] = n */
    fft_ctx c = {w, N, m, n_boxes, lo, h, cx, cy, y};
    genre__parallel_for(T, n_boxes, scatter_body, &c);
    genre__parallel_for(T, FFT_GRIDS + 1, forward_body, &c);
    genre__parallel_for(T, FFT_GRIDS, inverse_body, &c);
    interp_ctx ic = {y, lo, h, N, n_boxes, cx, cy, {NULL}, w->order, rep, zrow};
    for (size_t k = 0; k < FFT_GRIDS; k++)
        ic.g[k] = w->grid + k * w->grid_stride;
    genre__parallel_for(T, n, gather_body, &ic);
    return GENRE_OK;
}

