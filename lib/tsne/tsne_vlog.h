/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the natural logarithm of eight doubles at once (GCC vector
 * extensions), for the KL divergence's one log per pair. Within a few ulp
 * of libm's log for positive normal inputs (tests/test_tsne_kl.c measures
 * it); other inputs (zero, subnormal, infinite, NaN) are the caller's to
 * route to libm. The same bits in every target clone: only IEEE
 * operations, no contraction (the library builds with -ffp-contract=off).
 */
#ifndef GENRE_TSNE_VLOG_H
#define GENRE_TSNE_VLOG_H

#if defined(__GNUC__)
#include <stdint.h>

#define GENRE__TSNE_VLOG 1
typedef double genre__vlog_dvec __attribute__((vector_size(64)));
typedef int64_t genre__vlog_ivec __attribute__((vector_size(64)));

/* x = 2^e m with m in [sqrt(1/2), sqrt(2)); log m = log(1 + f), f = m - 1
 * exact; with s = f / (2 + f), log(1 + f) = 2 atanh(s) = f - s (f - s^2
 * P(s^2)), P the rest of the atanh series (2/3 + 2 z/5 + ...), cut where a
 * term falls below 2^-60 of the result: the leading f is exact, so the
 * rounding of s costs a fraction of an ulp. e log 2 in two parts: e times
 * the 40-bit head is exact. (Pointers, not values: a 64-byte vector
 * passed by value has another ABI in each target clone.) */
static inline void genre__tsne_vlog(const genre__vlog_dvec *xp, genre__vlog_dvec *out)
{
    typedef genre__vlog_dvec dv;
    typedef genre__vlog_ivec iv;
    const double ln2_hi = 0x1.62e42fefa2000p-1, ln2_lo = 0x1.9ef35793c7673p-41;
    const iv u = (iv)*xp;
    iv e = (u >> 52) - 1023;
    dv m = (dv)((u & 0x000fffffffffffffLL) | 0x3ff0000000000000LL);
    const iv big = m > 0x1.6a09e667f3bcdp+0; /* -1 where m > sqrt(2) */
    e -= big;
    m *= 1.0 - 0.5 * __builtin_convertvector(-big, dv); /* halved: exact */
    const dv f = m - 1.0;
    const dv s = f / (2.0 + f);
    const dv z = s * s;
    dv p = (dv){0} + 2.0 / 23;
    p = p * z + 2.0 / 21;
    p = p * z + 2.0 / 19;
    p = p * z + 2.0 / 17;
    p = p * z + 2.0 / 15;
    p = p * z + 2.0 / 13;
    p = p * z + 2.0 / 11;
    p = p * z + 2.0 / 9;
    p = p * z + 2.0 / 7;
    p = p * z + 2.0 / 5;
    p = p * z + 2.0 / 3;
    const dv log_m = f - s * (f - z * p);
    const dv ed = __builtin_convertvector(e, dv);
    *out = ed * ln2_hi + (log_m + ed * ln2_lo);
}
#endif

#endif
