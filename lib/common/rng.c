/* SPDX-License-Identifier: GPL-3.0-or-later */
/* xoshiro256** with splitmix64 seeding; see rng.h. */
#include "rng.h"

#include <math.h>
#include <string.h>

#define GOLDEN_GAMMA UINT64_C(0x9e3779b97f4a7c15)

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* splitmix64's finalizer (Stafford's variant 13). */
static uint64_t mix_seed(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* MurmurHash3's fmix64: a different bijection, so seed and stream do not
 * enter the state symmetrically. */
static uint64_t mix_stream(uint64_t z)
{
    z = (z ^ (z >> 33)) * UINT64_C(0xff51afd7ed558ccd);
    z = (z ^ (z >> 33)) * UINT64_C(0xc4ceb9fe1a85ec53);
    return z ^ (z >> 33);
}

void genre__rng_init(genre__rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t a = seed, b = stream;
    for (int i = 0; i < 4; i++) {
        a += GOLDEN_GAMMA;
        b += GOLDEN_GAMMA;
        r->s[i] = mix_seed(a) ^ mix_stream(b);
    }
    /* The all-zero state is a fixed point; astronomically unlikely, but cheap to exclude. */
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = GOLDEN_GAMMA;
    r->spare = 0.0;
    r->has_spare = 0;
}

/* One xoshiro256** step on a state array (inlined where it is hot). */
static inline uint64_t next_state(uint64_t *s)
{
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t genre__rng_next_u64(genre__rng *r)
{
    return next_state(r->s);
}

double genre__rng_uniform(genre__rng *r)
{
    return (double)(genre__rng_next_u64(r) >> 11) * 0x1.0p-53;
}

/* Full 64 x 64 -> 128-bit product: one instruction where the compiler has
 * a 128-bit type, else from 32-bit halves (ISO C); the same result. */
static inline void mul_64x64(uint64_t x, uint64_t y, uint64_t *hi, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 u128;
    const u128 p = (u128)x * y;
    *lo = (uint64_t)p;
    *hi = (uint64_t)(p >> 64);
#else
    const uint64_t mask = UINT64_C(0xffffffff);
    uint64_t x0 = x & mask, x1 = x >> 32, y0 = y & mask, y1 = y >> 32;
    uint64_t p00 = x0 * y0, p01 = x0 * y1, p10 = x1 * y0, p11 = x1 * y1;
    uint64_t mid = (p00 >> 32) + (p01 & mask) + (p10 & mask);
    *lo = (mid << 32) | (p00 & mask);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/* Lemire's bounded draw on a state array, n >= 1. */
static inline uint64_t bounded_state(uint64_t *s, uint64_t n)
{
    uint64_t hi, lo;
    mul_64x64(next_state(s), n, &hi, &lo);
    if (lo < n) {
        /* threshold = 2^64 mod n: the low words below it are the biased excess. */
        const uint64_t threshold = (0 - n) % n;
        while (lo < threshold)
            mul_64x64(next_state(s), n, &hi, &lo);
    }
    return hi;
}

uint64_t genre__rng_bounded(genre__rng *r, uint64_t n)
{
    return n == 0 ? 0 : bounded_state(r->s, n);
}

double genre__rng_normal(genre__rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, s;
    do {
        u = 2.0 * genre__rng_uniform(r) - 1.0;
        v = 2.0 * genre__rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = sqrt(-2.0 * log(s) / s);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}

/* The shuffles draw from a local copy of the state (kept in registers). */
void genre__rng_shuffle_size(genre__rng *r, size_t *a, size_t n)
{
    uint64_t s[4] = {r->s[0], r->s[1], r->s[2], r->s[3]};
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)bounded_state(s, (uint64_t)i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
    memcpy(r->s, s, sizeof s);
}

void genre__rng_shuffle_i32(genre__rng *r, int32_t *a, size_t n)
{
    uint64_t s[4] = {r->s[0], r->s[1], r->s[2], r->s[3]};
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)bounded_state(s, (uint64_t)i);
        int32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
    memcpy(r->s, s, sizeof s);
}
