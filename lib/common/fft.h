/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: single-precision complex FFTs whose memory libgenre owns. A plan
 * allocates its twiddles through lib/common/alloc.h when it is made;
 * executing a plan allocates nothing (the caller passes scratch), so an
 * allocation failure is always a GENRE_E_NOMEM from genre__fft_create,
 * never an abort.
 *
 * Lengths: n >= 1 with no prime factor above 5 (genre__fft_supported).
 * Conventions are FFTW's: forward is sum_j x_j e^{-2 pi i jk / n}, backward
 * the same with +i, neither scaled (backward(forward(x)) = n x). Complex
 * numbers are interleaved float pairs (re, im).
 *
 * Thread-safety: a plan is read-only once made; several threads may
 * execute one plan at once, each with its own scratch.
 */
#ifndef GENRE_FFT_H
#define GENRE_FFT_H

#include <genre/error.h>

#include <stddef.h>

typedef struct genre__fft genre__fft;

#define GENRE__FFT_FORWARD (-1)
#define GENRE__FFT_BACKWARD 1

/* 1 when n >= 1 has no prime factor above 5, else 0. */
int genre__fft_supported(size_t n);

/* Makes a plan for complex transforms of length n, which also serves real
 * transforms of length 2n. *out is set to the plan, or NULL on failure:
 * GENRE_E_NOMEM (last error set), GENRE_E_INVALID_ARG when n is unsupported. */
genre_status genre__fft_create(genre__fft **out, size_t n);
/* Frees a plan; NULL is a no-op. */
void genre__fft_free(genre__fft *p);
/* The plan's length n. */
size_t genre__fft_length(const genre__fft *p);
/* Floats of scratch any execution below needs (the caller allocates it;
 * one scratch per concurrently executing thread). */
size_t genre__fft_scratch_floats(const genre__fft *p);

/* In-place complex transforms of length n, `howmany` of them: element j of
 * transform t is the complex number at data + 2 * (j * stride + t * dist)
 * (stride 1 for contiguous rows, dist 1 for the columns of a row-major
 * array). sign is GENRE__FFT_FORWARD or GENRE__FFT_BACKWARD. */
void genre__fft_c2c(const genre__fft *p, int sign, float *data, size_t stride, size_t dist,
                    size_t howmany, float *scratch);

/* Real-to-complex forward transforms of length 2n: row t is the 2n floats
 * at in + t * in_dist; its n + 1 non-redundant coefficients (0 .. n) go to
 * the complex numbers at out + 2 * t * out_dist. in and out must not
 * overlap. */
void genre__fft_r2c(const genre__fft *p, const float *in, size_t in_dist, float *out,
                    size_t out_dist, size_t howmany, float *scratch);

/* Complex-to-real backward transforms of length 2n, the inverse of
 * genre__fft_r2c times 2n: row t's n + 1 coefficients at in + 2 * t * in_dist
 * (Hermitian symmetry implied; the imaginary parts of coefficients 0 and n
 * are ignored) give 2n floats at out + t * out_dist. The input is not
 * modified; in and out must not overlap. */
void genre__fft_c2r(const genre__fft *p, const float *in, size_t in_dist, float *out,
                    size_t out_dist, size_t howmany, float *scratch);

#endif
