/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Mixed-radix (4, 2, 3, 5) single-precision FFT: see fft.h for the contract.
 *
 * Layout: transforms run in blocks of FFT_BLOCK vectors. A block is copied
 * into the scratch as split real / imaginary arrays with the vectors
 * innermost (element j of vector v at j * V + v), transformed there by a
 * Stockham autosort (each stage reads one buffer and writes the other, so
 * no bit reversal), and copied back. Every butterfly's inner loop then runs
 * over s * V contiguous floats with one twiddle, which the compiler
 * vectorises; rows and columns of a 2-D array use the same code, only the
 * copies differ.
 *
 * Backward transforms are conj(forward(conj(x))): the conjugations are done
 * in the copies, so there is one set of butterflies.
 *
 * Real transforms of length 2n use the half-length trick: z_j = x_2j +
 * i x_2j+1, one complex transform of length n, then X_k = E_k + W^k O_k
 * with E, O the transforms of the even and odd samples recovered from
 * Z_k and conj(Z_n-k) (and the reverse for c2r).
 */
#include "fft.h"

#include "alloc.h"
#include "error_private.h"

#include <math.h>
#include <string.h>

/* Vectors per block: 16 floats per inner-loop step (two AVX registers) and
 * a scratch of 4 * 16 * n floats (96 KB at n = 1500) that stays in L2. */
#define FFT_BLOCK 16
#define FFT_MAX_STAGES 64

/* A butterfly's outputs are disjoint runs of one buffer, which GCC cannot
 * prove without more run-time alias checks than it allows (its loops stay
 * scalar): ivdep says the runs never overlap. */
#if defined(__GNUC__) && !defined(__clang__)
#define FFT_NO_OVERLAP _Pragma("GCC ivdep")
#else
#define FFT_NO_OVERLAP
#endif

struct genre__fft {
    size_t n;
    int n_stages;
    int radix[FFT_MAX_STAGES];
    size_t tw_at[FFT_MAX_STAGES]; /* stage's twiddles at tw + 2 * tw_at */
    float *tw;                    /* per stage, (q, k = 1 .. r-1): e^{-2 pi i qk / len} */
    float *rtw;                   /* n + 1 complex: e^{-2 pi i k / 2n} (real transforms) */
};

int genre__fft_supported(size_t n)
{
    if (n < 1)
        return 0;
    while (n % 2 == 0)
        n /= 2;
    while (n % 3 == 0)
        n /= 3;
    while (n % 5 == 0)
        n /= 5;
    return n == 1;
}

/* e^{-2 pi i num / den} with the angle reduced exactly first. */
static void unit_root(size_t num, size_t den, float *re, float *im)
{
    const double a = -6.28318530717958647692 * (double)(num % den) / (double)den;
    *re = (float)cos(a);
    *im = (float)sin(a);
}

genre_status genre__fft_create(genre__fft **out, size_t n)
{
    *out = NULL;
    if (!genre__fft_supported(n))
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "FFT length %zu has a prime factor above 5 (internal error)", n);
    genre__fft *p = GENRE_NEW(genre__fft);
    if (!p)
        return GENRE_E_NOMEM;
    p->n = n;
    /* radix 4 first (fewest passes), then 2, 3, 5 */
    size_t rest = n, tw_count = 0, len = n;
    while (rest > 1) {
        int r = rest % 4 == 0 ? 4 : rest % 2 == 0 ? 2 : rest % 3 == 0 ? 3 : 5;
        p->radix[p->n_stages] = r;
        p->tw_at[p->n_stages] = tw_count;
        tw_count += (len / (size_t)r) * (size_t)(r - 1);
        p->n_stages++;
        rest /= (size_t)r;
        len /= (size_t)r;
    }
    p->tw = genre__alloc_array(2 * tw_count + 2, sizeof(float));
    p->rtw = p->tw ? genre__alloc_array(2 * (n + 1), sizeof(float)) : NULL;
    if (!p->rtw) {
        genre__fft_free(p);
        return GENRE_E_NOMEM;
    }
    len = n;
    for (int s = 0; s < p->n_stages; s++) {
        const size_t r = (size_t)p->radix[s], m = len / r;
        float *t = p->tw + 2 * p->tw_at[s];
        for (size_t q = 0; q < m; q++)
            for (size_t k = 1; k < r; k++, t += 2)
                unit_root(q * k, len, t, t + 1);
        len = m;
    }
    for (size_t k = 0; k <= n; k++)
        unit_root(k, 2 * n, p->rtw + 2 * k, p->rtw + 2 * k + 1);
    *out = p;
    return GENRE_OK;
}

void genre__fft_free(genre__fft *p)
{
    if (!p)
        return;
    genre__free(p->tw);
    genre__free(p->rtw);
    genre__free(p);
}

size_t genre__fft_length(const genre__fft *p)
{
    return p->n;
}

size_t genre__fft_scratch_floats(const genre__fft *p)
{
    return 4 * FFT_BLOCK * p->n;
}

/* ---- Stockham stages -------------------------------------------------------------- */

/* One stage of radix r on sub-transforms of length len = r * m, stride
 * L = s * V floats: input j of butterfly q at (q + j m) L, output k at
 * (r q + k) L, output k > 0 times e^{-2 pi i qk / len}. */

static void stage2(size_t m, size_t L, const float *tw, const float *restrict xr,
                   const float *restrict xi, float *restrict yr, float *restrict yi)
{
    for (size_t q = 0; q < m; q++) {
        const float wr = tw[2 * q], wi = tw[2 * q + 1];
        const float *a0r = xr + q * L, *a0i = xi + q * L;
        const float *a1r = xr + (q + 1 * m) * L, *a1i = xi + (q + 1 * m) * L;
        float *y0r = yr + 2 * q * L, *y0i = yi + 2 * q * L;
        float *y1r = y0r + L, *y1i = y0i + L;
        FFT_NO_OVERLAP
        for (size_t t = 0; t < L; t++) {
            const float dr = a0r[t] - a1r[t], di = a0i[t] - a1i[t];
            y0r[t] = a0r[t] + a1r[t];
            y0i[t] = a0i[t] + a1i[t];
            y1r[t] = dr * wr - di * wi;
            y1i[t] = dr * wi + di * wr;
        }
    }
}

static void stage3(size_t m, size_t L, const float *tw, const float *restrict xr,
                   const float *restrict xi, float *restrict yr, float *restrict yi)
{
    const float s3 = 0.86602540378443864676f; /* sin(2 pi / 3) */
    for (size_t q = 0; q < m; q++) {
        const float w1r = tw[4 * q], w1i = tw[4 * q + 1], w2r = tw[4 * q + 2],
                    w2i = tw[4 * q + 3];
        const float *a0r = xr + q * L, *a0i = xi + q * L;
        const float *a1r = xr + (q + 1 * m) * L, *a1i = xi + (q + 1 * m) * L;
        const float *a2r = xr + (q + 2 * m) * L, *a2i = xi + (q + 2 * m) * L;
        float *y0r = yr + 3 * q * L, *y0i = yi + 3 * q * L;
        float *y1r = y0r + L, *y1i = y0i + L, *y2r = y1r + L, *y2i = y1i + L;
        FFT_NO_OVERLAP
        for (size_t t = 0; t < L; t++) {
            const float sr = a1r[t] + a2r[t], si = a1i[t] + a2i[t];
            const float dr = a1r[t] - a2r[t], di = a1i[t] - a2i[t];
            const float cr = a0r[t] - 0.5f * sr, ci = a0i[t] - 0.5f * si;
            const float b1r = cr + s3 * di, b1i = ci - s3 * dr;
            const float b2r = cr - s3 * di, b2i = ci + s3 * dr;
            y0r[t] = a0r[t] + sr;
            y0i[t] = a0i[t] + si;
            y1r[t] = b1r * w1r - b1i * w1i;
            y1i[t] = b1r * w1i + b1i * w1r;
            y2r[t] = b2r * w2r - b2i * w2i;
            y2i[t] = b2r * w2i + b2i * w2r;
        }
    }
}

static void stage4(size_t m, size_t L, const float *tw, const float *restrict xr,
                   const float *restrict xi, float *restrict yr, float *restrict yi)
{
    for (size_t q = 0; q < m; q++) {
        const float *w = tw + 6 * q;
        const float w1r = w[0], w1i = w[1], w2r = w[2], w2i = w[3], w3r = w[4], w3i = w[5];
        const float *a0r = xr + q * L, *a0i = xi + q * L;
        const float *a1r = xr + (q + 1 * m) * L, *a1i = xi + (q + 1 * m) * L;
        const float *a2r = xr + (q + 2 * m) * L, *a2i = xi + (q + 2 * m) * L;
        const float *a3r = xr + (q + 3 * m) * L, *a3i = xi + (q + 3 * m) * L;
        float *y0r = yr + 4 * q * L, *y0i = yi + 4 * q * L;
        float *y1r = y0r + L, *y1i = y0i + L, *y2r = y1r + L, *y2i = y1i + L;
        float *y3r = y2r + L, *y3i = y2i + L;
        FFT_NO_OVERLAP
        for (size_t t = 0; t < L; t++) {
            const float t0r = a0r[t] + a2r[t], t0i = a0i[t] + a2i[t];
            const float t1r = a0r[t] - a2r[t], t1i = a0i[t] - a2i[t];
            const float t2r = a1r[t] + a3r[t], t2i = a1i[t] + a3i[t];
            const float t3r = a1r[t] - a3r[t], t3i = a1i[t] - a3i[t];
            /* b1 = t1 - i t3, b3 = t1 + i t3 */
            const float b1r = t1r + t3i, b1i = t1i - t3r;
            const float b2r = t0r - t2r, b2i = t0i - t2i;
            const float b3r = t1r - t3i, b3i = t1i + t3r;
            y0r[t] = t0r + t2r;
            y0i[t] = t0i + t2i;
            y1r[t] = b1r * w1r - b1i * w1i;
            y1i[t] = b1r * w1i + b1i * w1r;
            y2r[t] = b2r * w2r - b2i * w2i;
            y2i[t] = b2r * w2i + b2i * w2r;
            y3r[t] = b3r * w3r - b3i * w3i;
            y3i[t] = b3r * w3i + b3i * w3r;
        }
    }
}

static void stage5(size_t m, size_t L, const float *tw, const float *restrict xr,
                   const float *restrict xi, float *restrict yr, float *restrict yi)
{
    const float c1 = 0.30901699437494742410f;  /* cos(2 pi / 5) */
    const float c2 = -0.80901699437494742410f; /* cos(4 pi / 5) */
    const float s1 = 0.95105651629515357212f;  /* sin(2 pi / 5) */
    const float s2 = 0.58778525229247312917f;  /* sin(4 pi / 5) */
    for (size_t q = 0; q < m; q++) {
        const float *w = tw + 8 * q;
        const float w1r = w[0], w1i = w[1], w2r = w[2], w2i = w[3], w3r = w[4], w3i = w[5],
                    w4r = w[6], w4i = w[7];
        const float *a0r = xr + q * L, *a0i = xi + q * L;
        const float *a1r = xr + (q + 1 * m) * L, *a1i = xi + (q + 1 * m) * L;
        const float *a2r = xr + (q + 2 * m) * L, *a2i = xi + (q + 2 * m) * L;
        const float *a3r = xr + (q + 3 * m) * L, *a3i = xi + (q + 3 * m) * L;
        const float *a4r = xr + (q + 4 * m) * L, *a4i = xi + (q + 4 * m) * L;
        float *y0r = yr + 5 * q * L, *y0i = yi + 5 * q * L;
        float *y1r = y0r + L, *y1i = y0i + L, *y2r = y1r + L, *y2i = y1i + L;
        float *y3r = y2r + L, *y3i = y2i + L, *y4r = y3r + L, *y4i = y3i + L;
        FFT_NO_OVERLAP
        for (size_t t = 0; t < L; t++) {
            const float p1r = a1r[t] + a4r[t], p1i = a1i[t] + a4i[t];
            const float p2r = a2r[t] + a3r[t], p2i = a2i[t] + a3i[t];
            const float d1r = a1r[t] - a4r[t], d1i = a1i[t] - a4i[t];
            const float d2r = a2r[t] - a3r[t], d2i = a2i[t] - a3i[t];
            const float e1r = a0r[t] + c1 * p1r + c2 * p2r, e1i = a0i[t] + c1 * p1i + c2 * p2i;
            const float e2r = a0r[t] + c2 * p1r + c1 * p2r, e2i = a0i[t] + c2 * p1i + c1 * p2i;
            /* f1 = s1 d1 + s2 d2, f2 = s2 d1 - s1 d2; outputs e -/+ i f */
            const float f1r = s1 * d1r + s2 * d2r, f1i = s1 * d1i + s2 * d2i;
            const float f2r = s2 * d1r - s1 * d2r, f2i = s2 * d1i - s1 * d2i;
            const float b1r = e1r + f1i, b1i = e1i - f1r;
            const float b4r = e1r - f1i, b4i = e1i + f1r;
            const float b2r = e2r + f2i, b2i = e2i - f2r;
            const float b3r = e2r - f2i, b3i = e2i + f2r;
            y0r[t] = a0r[t] + p1r + p2r;
            y0i[t] = a0i[t] + p1i + p2i;
            y1r[t] = b1r * w1r - b1i * w1i;
            y1i[t] = b1r * w1i + b1i * w1r;
            y2r[t] = b2r * w2r - b2i * w2i;
            y2i[t] = b2r * w2i + b2i * w2r;
            y3r[t] = b3r * w3r - b3i * w3i;
            y3i[t] = b3r * w3i + b3i * w3r;
            y4r[t] = b4r * w4r - b4i * w4i;
            y4i[t] = b4r * w4i + b4i * w4r;
        }
    }
}

/* Forward transforms of the V vectors in s (scratch: re, im, then the
 * other buffer's re, im, each n * V floats). Returns the offset of the
 * buffer holding the result (0 or 2 n V). */
static size_t run_block(const genre__fft *p, float *s, size_t V)
{
    const size_t nv = p->n * V;
    size_t in = 0, out = 2 * nv, len = p->n, stride = 1;
    for (int k = 0; k < p->n_stages; k++) {
        const size_t r = (size_t)p->radix[k], m = len / r, L = stride * V;
        const float *tw = p->tw + 2 * p->tw_at[k];
        const float *xr = s + in, *xi = s + in + nv;
        float *yr = s + out, *yi = s + out + nv;
        switch (r) {
        case 2:
            stage2(m, L, tw, xr, xi, yr, yi);
            break;
        case 3:
            stage3(m, L, tw, xr, xi, yr, yi);
            break;
        case 4:
            stage4(m, L, tw, xr, xi, yr, yi);
            break;
        default:
            stage5(m, L, tw, xr, xi, yr, yi);
            break;
        }
        size_t tmp = in;
        in = out;
        out = tmp;
        len = m;
        stride *= r;
    }
    return in;
}

/* ---- Executions -------------------------------------------------------------------- */

void genre__fft_c2c(const genre__fft *p, int sign, float *data, size_t stride, size_t dist,
                    size_t howmany, float *scratch)
{
    const size_t n = p->n;
    const float conj = sign == GENRE__FFT_BACKWARD ? -1.0f : 1.0f;
    for (size_t t0 = 0; t0 < howmany; t0 += FFT_BLOCK) {
        const size_t V = howmany - t0 < FFT_BLOCK ? howmany - t0 : FFT_BLOCK, nv = n * V;
        float *re = scratch, *im = scratch + nv;
        for (size_t j = 0; j < n; j++)
            for (size_t v = 0; v < V; v++) {
                const float *c = data + 2 * (j * stride + (t0 + v) * dist);
                re[j * V + v] = c[0];
                im[j * V + v] = conj * c[1];
            }
        const size_t at = run_block(p, scratch, V);
        re = scratch + at;
        im = re + nv;
        for (size_t j = 0; j < n; j++)
            for (size_t v = 0; v < V; v++) {
                float *c = data + 2 * (j * stride + (t0 + v) * dist);
                c[0] = re[j * V + v];
                c[1] = conj * im[j * V + v];
            }
    }
}

void genre__fft_r2c(const genre__fft *p, const float *in, size_t in_dist, float *out,
                    size_t out_dist, size_t howmany, float *scratch)
{
    const size_t n = p->n;
    for (size_t t0 = 0; t0 < howmany; t0 += FFT_BLOCK) {
        const size_t V = howmany - t0 < FFT_BLOCK ? howmany - t0 : FFT_BLOCK, nv = n * V;
        float *re = scratch, *im = scratch + nv;
        for (size_t v = 0; v < V; v++) {
            const float *row = in + (t0 + v) * in_dist;
            for (size_t j = 0; j < n; j++) {
                re[j * V + v] = row[2 * j];
                im[j * V + v] = row[2 * j + 1];
            }
        }
        const size_t at = run_block(p, scratch, V);
        const float *zr = scratch + at, *zi = zr + nv;
        for (size_t v = 0; v < V; v++) {
            float *o = out + 2 * (t0 + v) * out_dist;
            for (size_t k = 0; k <= n; k++) {
                const size_t k1 = (k == n ? 0 : k) * V + v, k2 = (k == 0 ? 0 : n - k) * V + v;
                /* E = (Z_k + conj Z_n-k) / 2, O = -i (Z_k - conj Z_n-k) / 2 */
                const float er = 0.5f * (zr[k1] + zr[k2]), ei = 0.5f * (zi[k1] - zi[k2]);
                const float or_ = 0.5f * (zi[k1] + zi[k2]), oi = -0.5f * (zr[k1] - zr[k2]);
                const float wr = p->rtw[2 * k], wi = p->rtw[2 * k + 1];
                o[2 * k] = er + wr * or_ - wi * oi;
                o[2 * k + 1] = ei + wr * oi + wi * or_;
            }
        }
    }
}

void genre__fft_c2r(const genre__fft *p, const float *in, size_t in_dist, float *out,
                    size_t out_dist, size_t howmany, float *scratch)
{
    const size_t n = p->n;
    for (size_t t0 = 0; t0 < howmany; t0 += FFT_BLOCK) {
        const size_t V = howmany - t0 < FFT_BLOCK ? howmany - t0 : FFT_BLOCK, nv = n * V;
        float *re = scratch, *im = scratch + nv;
        for (size_t v = 0; v < V; v++) {
            const float *c = in + 2 * (t0 + v) * in_dist;
            for (size_t k = 0; k < n; k++) {
                /* A = X_k + conj X_n-k, B = (X_k - conj X_n-k) conj W^k,
                 * Z_k = A + i B; stored conjugated for the forward pass */
                const float xr = c[2 * k], xi = k == 0 ? 0.0f : c[2 * k + 1];
                const float yr = c[2 * (n - k)], yi = k == 0 ? 0.0f : -c[2 * (n - k) + 1];
                const float ar = xr + yr, ai = xi + yi, dr = xr - yr, di = xi - yi;
                const float wr = p->rtw[2 * k], wi = -p->rtw[2 * k + 1];
                const float br = dr * wr - di * wi, bi = dr * wi + di * wr;
                re[k * V + v] = ar - bi;
                im[k * V + v] = -(ai + br);
            }
        }
        const size_t at = run_block(p, scratch, V);
        const float *zr = scratch + at, *zi = zr + nv;
        for (size_t v = 0; v < V; v++) {
            float *row = out + (t0 + v) * out_dist;
            for (size_t j = 0; j < n; j++) {
                row[2 * j] = zr[j * V + v];
                row[2 * j + 1] = -zi[j * V + v];
            }
        }
    }
}
