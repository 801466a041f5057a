/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the one random number generator of the library. Every handle
 * embeds a genre__rng seeded from its "seed" parameter; nothing calls rand().
 *
 * Generator: xoshiro256** 1.0 (Blackman & Vigna), period 2^256 - 1.
 * Seeding: genre__rng_init(seed, stream) fills the 256-bit state with the
 * first four outputs of splitmix64 started at `seed`, each XORed with the
 * matching word of a second splitmix-style sequence started at `stream`
 * that uses a different finalizer (MurmurHash3's fmix64), so (a, b) and
 * (b, a) are different generators. A given (seed, stream) pair always gives
 * the same sequence on every platform; the values are pinned by tests.
 *
 * Streams let a module give sub-task i (a k-means restart, a t-SNE worker)
 * its own generator, rng_init(seed, i), that does not depend on how many
 * sub-tasks there are or on which thread runs them.
 *
 * A genre__rng is a plain value: copy it to fork a sequence, embed it in a
 * handle, no allocation. Not thread-safe: one generator per thread.
 */
#ifndef GENRE_RNG_H
#define GENRE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct genre__rng {
    uint64_t s[4];    /* xoshiro256** state; never all zero */
    double spare;     /* the second normal of the last polar pair */
    int has_spare;
} genre__rng;

/* Seeds r for the stream `stream` of `seed`. */
void genre__rng_init(genre__rng *r, uint64_t seed, uint64_t stream);

/* The next 64 random bits. */
uint64_t genre__rng_next_u64(genre__rng *r);

/* Uniform double in [0, 1) on the grid k * 2^-53 (the top 53 bits). */
double genre__rng_uniform(genre__rng *r);

/* Unbiased integer in [0, n) by Lemire's multiply-and-reject method
 * (at most one division, and only when a rejection is possible).
 * n must be >= 1; n == 0 returns 0 without drawing. */
uint64_t genre__rng_bounded(genre__rng *r, uint64_t n);

/* Standard normal N(0, 1) by Marsaglia's polar method: each accepted pair
 * of uniforms gives two normals; the second is kept in r and returned by
 * the next call, so the sequence depends only on the call sequence. */
double genre__rng_normal(genre__rng *r);

/* Fisher-Yates shuffle of a[0..n) in place; every permutation equally likely. */
void genre__rng_shuffle_size(genre__rng *r, size_t *a, size_t n);
void genre__rng_shuffle_i32(genre__rng *r, int32_t *a, size_t n);

#endif
