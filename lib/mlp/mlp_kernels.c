/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The MLP's dense kernels (genre/mlp.h): the portable ones of both precisions
 * (mlp_kernels.inc), their AVX2 + FMA twins (here and mlp_kernels_avx2.inc)
 * picked at run time, and the dispatchers the fit and inference call.
 */

#include "mlp_private.h"

/* ---- Dense kernels -----------------------------------------------------------
 *
 * Inside the network a batch of n rows is stored feature-major ("transposed"):
 * a layer's activations are a (width x n) array, element (feature f, row r)
 * at f * n + r (in training n is the padded row count, see genre__mlp_padded_rows()).
 * The dense products then run along rows, the long dimension (up to the
 * batch size), instead of along the 2-20 wide layers, so they vectorise.
 * Two built-in versions: portable loops (function-multiversioned) and
 * hand-blocked AVX2 + FMA ones (8 rows x 4 outputs, up to 8 independent FMA
 * chains, tails included), picked at run time. bench/bench_mlp.c measures
 * them against CBLAS (GENRE_MLP_DENSE_KERNEL) on the reference 13-20-15-10
 * network; the same layout serves the CBLAS calls (no transposes). The
 * hidden layers' ReLU and its derivative are fused into the forward and
 * input-gradient products (without dropout).
 *
 * Every element is computed in a fixed order that does not depend on the
 * vector width (per-row sums in input order; reductions over rows in WL = 4
 * fixed lanes combined in a fixed order; fused multiply-adds, which are
 * correctly rounded), so the built-in kernels give the same bits with SSE2,
 * AVX2 or AVX-512 (tests/test_mlp_kernels.c compares the AVX2 and portable ones).
 */

int genre__mlp_use_builtin(const mlp_net *n, size_t layer)
{
    if (n->kernel == GENRE_MLP_KERNEL_BUILTIN)
        return 1;
    if (n->kernel == GENRE_MLP_KERNEL_CBLAS)
        return 0;
    /* AUTO: the built-in kernels. bench/bench_mlp.c measures the whole fit
     * with them (AVX2 version, padded batch arrays) at 1.07-1.22x the speed
     * of the same fit through OpenBLAS 0.3.21 (its AVX-512 "small matrix"
     * kernels) on the reference 13-20-15-10 network, batch 256, and they
     * give the same bits on every x86-64 CPU; the per-layer switch stays for
     * when CBLAS wins on some shape. */
    (void)layer;
    return 1;
}

/* Sum of WL lanes, combined pairwise in a fixed order. */
static inline double lane_sum(const double *acc)
{
    return (acc[0] + acc[2]) + (acc[1] + acc[3]);
}

/* Sum of WLF lanes in a fixed order (pairs 4 apart, then 2, then 1). */
static inline float lane_sumf(const float *a)
{
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

/* exp(x) for x <= 0 (x below -700 gives exp(-700)), written so that it
 * vectorises: Cody-Waite reduction x = k ln2 + r, |r| <= ln2 / 2, Taylor
 * polynomial of degree 13 (truncation below 1e-17 relative), scale by 2^k
 * built in the exponent bits. Within a few ulp of libm's exp; used by the
 * training softmax only (inference uses libm). NaN propagates. */
static inline double exp_nonpos(double x)
{
    const double log2e = 1.4426950408889634074, shifter = 0x1.8p52;
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    x = x < -700.0 ? -700.0 : x;
    double t = x * log2e + shifter;
    double kf = t - shifter;
    double r = (x - kf * ln2_hi) - kf * ln2_lo;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t tb, sb;
    const double sh = shifter;
    memcpy(&tb, &t, sizeof tb);
    memcpy(&sb, &sh, sizeof sb);
    uint64_t scale_bits = (tb - sb + 1023u) << 52; /* k = tb - sb, -1011 <= k <= 0 */
    double scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    return p * scale;
}

/* exp(x) in float for x <= 0 (below -87: exp(-87)), vectorisable: the
 * reduction x = k ln2 + r of exp_nonpos() with Cephes' expf polynomial
 * (within about 1 ulp of expf), scaled by 2^k built in the exponent bits. */
static inline float exp_nonposf(float x)
{
    const float log2e = 1.44269504088896341f, shifter = 0x1.8p23f;
    const float c1 = 0.693359375f, c2 = -2.12194440e-4f;
    x = x < -87.0f ? -87.0f : x;
    const float t = x * log2e + shifter;
    const float kf = t - shifter;
    const float r = (x - kf * c1) - kf * c2;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float e = (p * (r * r) + r) + 1.0f;
    uint32_t tb, sb;
    const float sh = shifter;
    memcpy(&tb, &t, sizeof tb);
    memcpy(&sb, &sh, sizeof sb);
    const uint32_t scale_bits = (tb - sb + 127u) << 23; /* k = tb - sb, -126 <= k <= 0 */
    float scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    return e * scale;
}

/* Elements of the batch arrays genre__mlp_carve_batch_arrays() lays out. */
size_t genre__mlp_batch_array_count(const mlp_net *n, size_t ld, int dropout)
{
    const size_t L = n->n_layers;
    size_t total = ld * n->width[L] + 2 * ld * n->max_width;
    for (size_t l = 0; l + 1 < L; l++)
        total += ld * n->width[l + 1] * (dropout ? 3 : 1);
    return total;
}

/* Asks for the cache lines of a dense input row: every line of a narrow row
 * (a 13-double row spans 2 or 3 lines; requesting only its first and last
 * double left the middle line to a demand miss: in a standalone gather of
 * the 13-column data, 50 -> 27 cycles per row from L3, 107 -> 61 from DRAM),
 * the first two and the last of a wide one (the hardware prefetcher follows
 * a row). Any element type: elem_size bytes each. */
static inline void prefetch_row(const void *row, size_t n_in, size_t elem_size)
{
#if defined(__GNUC__)
    const char *p = row;
    const size_t bytes = n_in * elem_size, lines = bytes <= 256 ? bytes : 128;
    for (size_t k = 0; k < lines; k += 64)
        __builtin_prefetch(p + k);
    __builtin_prefetch(p + bytes - elem_size);
#else
    (void)row;
    (void)n_in;
    (void)elem_size;
#endif
}

/* The portable kernels of both precisions, from one template. */
#define RB 32 /* rows of one output kept in registers */
#define KN_CAT2(a, b) a##b
#define KN_CAT(a, b) KN_CAT2(a, b)
#define KN(name) KN_CAT(name, KSFX)
#define KX(name) KN_CAT(genre__mlp_, KN(name)) /* shared: mlp_private.h */

#define KREAL double
#define KSFX
#define KLANES WL
#define KLANE_SUM lane_sum
#define KFMA MADD
#define KEXP exp
#define KTANH tanh
#include "mlp_kernels.inc"

#define KREAL float
#define KSFX f
#define KLANES WLF
#define KLANE_SUM lane_sumf
#define KFMA fmaf
#define KEXP expf
#define KTANH tanhf
#include "mlp_kernels.inc"

#if GENRE_MLP_AVX2
#  include <immintrin.h>

/* AVX2 + FMA versions of the three kernels: the same operations on every
 * element in the same order as the portable ones above (so the same bits),
 * register-blocked by hand. The block helpers are inlined with constant
 * block sizes, so their accumulator arrays live in registers: 8 rows
 * (2 vectors) x up to 4 outputs (or inputs) in the products over rows, up to
 * 2 inputs x 4 outputs in the reductions over rows, i.e. up to 8 independent
 * FMA chains everywhere, tails included. */
#  define AVX2_INLINE static inline __attribute__((always_inline, target("avx2,fma")))

/* zt[j + q][r0 .. r0 + 8) for q < M. */
AVX2_INLINE void fwd_block(const double *at, size_t n, size_t in, const double *w,
                           const double *b, size_t o, double *zt, int relu, size_t r0,
                           size_t j, const size_t M)
{
    __m256d c[4][2];
    for (size_t q = 0; q < M; q++)
        c[q][0] = c[q][1] = _mm256_broadcast_sd(b + j + q);
    for (size_t k = 0; k < in; k++) {
        const double *ak = at + k * n + r0, *wk = w + k * o + j;
        const __m256d x0 = _mm256_loadu_pd(ak), x1 = _mm256_loadu_pd(ak + 4);
        for (size_t q = 0; q < M; q++) {
            const __m256d v = _mm256_broadcast_sd(wk + q);
            c[q][0] = _mm256_fmadd_pd(v, x0, c[q][0]);
            c[q][1] = _mm256_fmadd_pd(v, x1, c[q][1]);
        }
    }
    for (size_t q = 0; q < M; q++) {
        if (relu) { /* max(c, +0) gives +0 for NaN, -0 and negatives, as c > 0 ? c : 0 */
            c[q][0] = _mm256_max_pd(c[q][0], _mm256_setzero_pd());
            c[q][1] = _mm256_max_pd(c[q][1], _mm256_setzero_pd());
        }
        _mm256_storeu_pd(zt + (j + q) * n + r0, c[q][0]);
        _mm256_storeu_pd(zt + (j + q) * n + r0 + 4, c[q][1]);
    }
}

AVX2_FN
static void fwd_avx2(const double *at, size_t n, size_t in, const double *w, const double *b,
                     size_t o, double *zt, int relu)
{
    size_t r0 = 0;
    for (; r0 + 8 <= n; r0 += 8) {
        size_t j = 0;
        for (; j + 4 <= o; j += 4)
            fwd_block(at, n, in, w, b, o, zt, relu, r0, j, 4);
        switch (o - j) {
        case 3: fwd_block(at, n, in, w, b, o, zt, relu, r0, j, 3); break;
        case 2: fwd_block(at, n, in, w, b, o, zt, relu, r0, j, 2); break;
        case 1: fwd_block(at, n, in, w, b, o, zt, relu, r0, j, 1); break;
        default: break;
        }
    }
    fwd_rows(at, n, in, w, b, o, zt, relu, r0);
}

/* dat[k + q][r0 .. r0 + 8) for q < M. */
AVX2_INLINE void input_grad_block(const double *dzt, size_t n, size_t o, const double *w,
                                  double *dat, const double *h, size_t r0, size_t k,
                                  const size_t M)
{
    __m256d c[4][2];
    for (size_t q = 0; q < M; q++)
        c[q][0] = c[q][1] = _mm256_setzero_pd();
    const double *w0 = w + k * o;
    for (size_t j = 0; j < o; j++) {
        const double *dj = dzt + j * n + r0;
        const __m256d x0 = _mm256_loadu_pd(dj), x1 = _mm256_loadu_pd(dj + 4);
        for (size_t q = 0; q < M; q++) {
            const __m256d v = _mm256_broadcast_sd(w0 + q * o + j);
            c[q][0] = _mm256_fmadd_pd(v, x0, c[q][0]);
            c[q][1] = _mm256_fmadd_pd(v, x1, c[q][1]);
        }
    }
    for (size_t q = 0; q < M; q++) {
        const size_t off = (k + q) * n + r0;
        for (size_t v = 0; v < 2; v++) {
            __m256d x = c[q][v];
            if (h) /* h > 0 ? x : 0 (a false compare is all zero bits: +0) */
                x = _mm256_and_pd(_mm256_cmp_pd(_mm256_loadu_pd(h + off + 4 * v),
                                                _mm256_setzero_pd(), _CMP_GT_OQ),
                                  x);
            _mm256_storeu_pd(dat + off + 4 * v, x);
        }
    }
}

AVX2_FN
static void input_grad_avx2(const double *dzt, size_t n, size_t o, const double *w, size_t in,
                            double *dat, const double *h)
{
    size_t r0 = 0;
    for (; r0 + 8 <= n; r0 += 8) {
        size_t k = 0;
        for (; k + 4 <= in; k += 4)
            input_grad_block(dzt, n, o, w, dat, h, r0, k, 4);
        switch (in - k) {
        case 3: input_grad_block(dzt, n, o, w, dat, h, r0, k, 3); break;
        case 2: input_grad_block(dzt, n, o, w, dat, h, r0, k, 2); break;
        case 1: input_grad_block(dzt, n, o, w, dat, h, r0, k, 1); break;
        default: break;
        }
    }
    input_grad_rows(dzt, n, o, w, in, dat, h, r0);
}

/* The weight and bias gradients (mlp_kernels_avx2.inc). */
#  define KVEC __m256d
#  define KVZERO _mm256_setzero_pd
#  define KVLOAD _mm256_loadu_pd
#  define KVSTORE _mm256_storeu_pd
#  define KVADD _mm256_add_pd
#  define KVFMA _mm256_fmadd_pd
#  define KWG_CHUNK 64 /* a whole 256-row batch of a 20-wide layer is not in L1 */
#  define KWG_MAX_ACC 2048
#  define KREAL double
#  define KSFX
#  define KLANES WL
#  define KLANE_SUM lane_sum
#  define KFMA MADD
#  include "mlp_kernels_avx2.inc"

#  define KVEC __m256
#  define KVZERO _mm256_setzero_ps
#  define KVLOAD _mm256_loadu_ps
#  define KVSTORE _mm256_storeu_ps
#  define KVADD _mm256_add_ps
#  define KVFMA _mm256_fmadd_ps
#  define KWG_CHUNK 128   /* the same bytes as 64 doubles */
#  define KWG_MAX_ACC 4096
#  define KREAL float
#  define KSFX f
#  define KLANES WLF
#  define KLANE_SUM lane_sumf
#  define KFMA fmaf
#  include "mlp_kernels_avx2.inc"

#  ifdef GENRE_TESTING
static int force_portable; /* genre__mlp_test_force_portable() */
#  endif

int genre__mlp_have_avx2(void)
{
#  ifdef GENRE_TESTING
    if (force_portable)
        return 0;
#  endif
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* adam_step() on 4 parameters at a time: the same correctly rounded
 * operations in the same order (no contraction), so the same bits. */
AVX2_FN
void genre__mlp_adam_step_avx2(double *par, const double *g, double *m1, double *m2, size_t np,
                               double b1, double b2, double step, double bc2, double e)
{
    const __m256d vb1 = _mm256_set1_pd(b1), vc1 = _mm256_set1_pd(1.0 - b1),
                  vb2 = _mm256_set1_pd(b2), vc2 = _mm256_set1_pd(1.0 - b2),
                  vstep = _mm256_set1_pd(step), vbc2 = _mm256_set1_pd(bc2),
                  ve = _mm256_set1_pd(e);
    size_t i = 0;
    for (; i + 4 <= np; i += 4) {
        const __m256d gi = _mm256_loadu_pd(g + i);
        const __m256d a = _mm256_add_pd(_mm256_mul_pd(vb1, _mm256_loadu_pd(m1 + i)),
                                        _mm256_mul_pd(vc1, gi));
        const __m256d v = _mm256_add_pd(_mm256_mul_pd(vb2, _mm256_loadu_pd(m2 + i)),
                                        _mm256_mul_pd(_mm256_mul_pd(vc2, gi), gi));
        _mm256_storeu_pd(m1 + i, a);
        _mm256_storeu_pd(m2 + i, v);
        const __m256d den = _mm256_add_pd(_mm256_div_pd(_mm256_sqrt_pd(v), vbc2), ve);
        _mm256_storeu_pd(par + i, _mm256_sub_pd(_mm256_loadu_pd(par + i),
                                                _mm256_div_pd(_mm256_mul_pd(vstep, a), den)));
    }
    for (; i < np; i++) {
        m1[i] = b1 * m1[i] + (1.0 - b1) * g[i];
        m2[i] = b2 * m2[i] + (1.0 - b2) * g[i] * g[i];
        par[i] -= step * m1[i] / (sqrt(m2[i]) / bc2 + e);
    }
}
#endif /* GENRE_MLP_AVX2 */

/* Runs the AVX2 version of a built-in kernel where the CPU has AVX2 and
 * FMA, else the portable one (the same bits either way). */
#if GENRE_MLP_AVX2
#  define BUILTIN_KERNEL(avx2, portable, ...) \
      do {                                     \
          if (genre__mlp_have_avx2())          \
              avx2(__VA_ARGS__);               \
          else                                 \
              portable(__VA_ARGS__);           \
      } while (0)
#else
#  define BUILTIN_KERNEL(avx2, portable, ...) portable(__VA_ARGS__)
#endif

/* Dense product of a layer, with the hidden layers' ReLU fused when relu. */
genre_status genre__mlp_dense_forward(int builtin, const double *at, size_t n, size_t in,
                                      const double *w, const double *b, size_t o, double *zt,
                                      int relu)
{
    if (builtin) {
        BUILTIN_KERNEL(fwd_avx2, fwd_portable, at, n, in, w, b, o, zt, relu);
        return GENRE_OK;
    }
    for (size_t j = 0; j < o; j++)
        for (size_t r = 0; r < n; r++)
            zt[j * n + r] = b[j];
    genre_status st = genre__gemm(GENRE__TRANS, GENRE__NO_TRANS, 1.0, w, in, o, o, at, in, n,
                                  n, 1.0, zt, o, n, n);
    if (relu)
        for (size_t i = 0; i < o * n; i++)
            zt[i] = zt[i] > 0.0 ? zt[i] : 0.0;
    return st;
}

genre_status genre__mlp_dense_weight_grad(int builtin, const double *at, size_t n, size_t in,
                                          const double *dzt, size_t o, double *dw, double *db)
{
    if (builtin) {
        BUILTIN_KERNEL(weight_grad_avx2, weight_grad_portable, at, n, in, dzt, o, dw, db);
        return GENRE_OK;
    }
    genre__mlp_bias_grad(dzt, n, o, db);
    return genre__gemm(GENRE__NO_TRANS, GENRE__TRANS, 1.0, at, in, n, n, dzt, o, n, n, 0.0, dw,
                       in, o, o);
}

/* dat = W dzt; with relu_h (the ReLU outputs of the layer's input) the ReLU
 * derivative is applied too. */
genre_status genre__mlp_dense_input_grad(int builtin, const double *dzt, size_t n, size_t o,
                                         const double *w, size_t in, double *dat,
                                         const double *relu_h)
{
    if (builtin) {
        BUILTIN_KERNEL(input_grad_avx2, input_grad_portable, dzt, n, o, w, in, dat, relu_h);
        return GENRE_OK;
    }
    genre_status st = genre__gemm(GENRE__NO_TRANS, GENRE__NO_TRANS, 1.0, w, in, o, o, dzt, o,
                                  n, n, 0.0, dat, in, n, n);
    if (relu_h)
        for (size_t i = 0; i < in * n; i++)
            dat[i] = relu_h[i] > 0.0 ? dat[i] : 0.0;
    return st;
}

/* The float dense kernels of the float compute mode (mlp_float.c): AVX2 +
 * FMA versions blocked for 8-float vectors, with the same bits as the float
 * instance of mlp_kernels.inc. */
#if GENRE_MLP_AVX2
/* zt[j + q][r0 .. r0 + 8 V) for q < M: M outputs x V vectors of 8 rows. */
AVX2_INLINE void fwdf_block(const float *at, size_t n, size_t in, const float *w,
                            const float *b, size_t o, float *zt, int relu, size_t r0, size_t j,
                            const size_t M, const size_t V)
{
    __m256 c[4][2];
    for (size_t q = 0; q < M; q++)
        for (size_t v = 0; v < V; v++)
            c[q][v] = _mm256_broadcast_ss(b + j + q);
    for (size_t k = 0; k < in; k++) {
        const float *ak = at + k * n + r0, *wk = w + k * o + j;
        __m256 x[2];
        for (size_t v = 0; v < V; v++)
            x[v] = _mm256_loadu_ps(ak + 8 * v);
        for (size_t q = 0; q < M; q++) {
            const __m256 s = _mm256_broadcast_ss(wk + q);
            for (size_t v = 0; v < V; v++)
                c[q][v] = _mm256_fmadd_ps(s, x[v], c[q][v]);
        }
    }
    for (size_t q = 0; q < M; q++)
        for (size_t v = 0; v < V; v++) {
            __m256 y = c[q][v];
            if (relu) /* +0 for NaN, -0 and negatives, as y > 0 ? y : 0 */
                y = _mm256_max_ps(y, _mm256_setzero_ps());
            _mm256_storeu_ps(zt + (j + q) * n + r0 + 8 * v, y);
        }
}

AVX2_INLINE void fwdf_rows(const float *at, size_t n, size_t in, const float *w,
                           const float *b, size_t o, float *zt, int relu, size_t r0,
                           const size_t V)
{
    size_t j = 0;
    for (; j + 4 <= o; j += 4)
        fwdf_block(at, n, in, w, b, o, zt, relu, r0, j, 4, V);
    switch (o - j) {
    case 3: fwdf_block(at, n, in, w, b, o, zt, relu, r0, j, 3, V); break;
    case 2: fwdf_block(at, n, in, w, b, o, zt, relu, r0, j, 2, V); break;
    case 1: fwdf_block(at, n, in, w, b, o, zt, relu, r0, j, 1, V); break;
    default: break;
    }
}

AVX2_FN
static void fwdf_avx2(const float *at, size_t n, size_t in, const float *w, const float *b,
                      size_t o, float *zt, int relu)
{
    size_t r0 = 0;
    for (; r0 + 16 <= n; r0 += 16)
        fwdf_rows(at, n, in, w, b, o, zt, relu, r0, 2);
    for (; r0 + 8 <= n; r0 += 8)
        fwdf_rows(at, n, in, w, b, o, zt, relu, r0, 1);
    fwd_rowsf(at, n, in, w, b, o, zt, relu, r0);
}

/* dat[k + q][r0 .. r0 + 8 V) for q < M. */
AVX2_INLINE void input_gradf_block(const float *dzt, size_t n, size_t o, const float *w,
                                   float *dat, const float *h, size_t r0, size_t k,
                                   const size_t M, const size_t V)
{
    __m256 c[4][2];
    for (size_t q = 0; q < M; q++)
        for (size_t v = 0; v < V; v++)
            c[q][v] = _mm256_setzero_ps();
    const float *w0 = w + k * o;
    for (size_t j = 0; j < o; j++) {
        const float *dj = dzt + j * n + r0;
        __m256 x[2];
        for (size_t v = 0; v < V; v++)
            x[v] = _mm256_loadu_ps(dj + 8 * v);
        for (size_t q = 0; q < M; q++) {
            const __m256 s = _mm256_broadcast_ss(w0 + q * o + j);
            for (size_t v = 0; v < V; v++)
                c[q][v] = _mm256_fmadd_ps(s, x[v], c[q][v]);
        }
    }
    for (size_t q = 0; q < M; q++) {
        const size_t off = (k + q) * n + r0;
        for (size_t v = 0; v < V; v++) {
            __m256 y = c[q][v];
            if (h) /* h > 0 ? y : 0 */
                y = _mm256_and_ps(_mm256_cmp_ps(_mm256_loadu_ps(h + off + 8 * v),
                                                _mm256_setzero_ps(), _CMP_GT_OQ),
                                  y);
            _mm256_storeu_ps(dat + off + 8 * v, y);
        }
    }
}

AVX2_INLINE void input_gradf_rows(const float *dzt, size_t n, size_t o, const float *w,
                                  size_t in, float *dat, const float *h, size_t r0,
                                  const size_t V)
{
    size_t k = 0;
    for (; k + 4 <= in; k += 4)
        input_gradf_block(dzt, n, o, w, dat, h, r0, k, 4, V);
    switch (in - k) {
    case 3: input_gradf_block(dzt, n, o, w, dat, h, r0, k, 3, V); break;
    case 2: input_gradf_block(dzt, n, o, w, dat, h, r0, k, 2, V); break;
    case 1: input_gradf_block(dzt, n, o, w, dat, h, r0, k, 1, V); break;
    default: break;
    }
}

AVX2_FN
static void input_gradf_avx2(const float *dzt, size_t n, size_t o, const float *w, size_t in,
                             float *dat, const float *h)
{
    size_t r0 = 0;
    for (; r0 + 16 <= n; r0 += 16)
        input_gradf_rows(dzt, n, o, w, in, dat, h, r0, 2);
    for (; r0 + 8 <= n; r0 += 8)
        input_gradf_rows(dzt, n, o, w, in, dat, h, r0, 1);
    input_grad_rowsf(dzt, n, o, w, in, dat, h, r0);
}

#endif

void genre__mlp_dense_forwardf(const float *at, size_t n, size_t in, const float *w,
                               const float *b, size_t o, float *zt, int relu)
{
    BUILTIN_KERNEL(fwdf_avx2, fwd_portablef, at, n, in, w, b, o, zt, relu);
}

void genre__mlp_dense_weight_gradf(const float *at, size_t n, size_t in, const float *dzt,
                                   size_t o, float *dw, float *db)
{
    BUILTIN_KERNEL(weight_grad_avx2f, weight_grad_portablef, at, n, in, dzt, o, dw, db);
}

void genre__mlp_dense_input_gradf(const float *dzt, size_t n, size_t o, const float *w,
                                  size_t in, float *dat, const float *relu_h)
{
    BUILTIN_KERNEL(input_gradf_avx2, input_grad_portablef, dzt, n, o, w, in, dat, relu_h);
}

#ifdef GENRE_TESTING
int genre__mlp_test_force_portable(int on)
{
#if GENRE_MLP_AVX2
    force_portable = on;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    (void)on;
    return 0;
#endif
}
#endif
