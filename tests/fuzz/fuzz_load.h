/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the module loader fuzz targets (fuzz_<kind>_load.c) share. Each one
 * feeds a model file to its module's load_from_memory, uses what loaded (a
 * prediction or transform on three rows), saves it, loads the save back and
 * saves again: the two saves must be the same bytes.
 *
 * Mutated bytes almost never carry a valid checksum, so the input is first
 * given a repaired header (magic, format version, the target's kind, payload
 * length and CRC; the payload version is the input's): every execution
 * reaches the module's decoder. The container's own checks have their
 * target, fuzz_model_file.c.
 *
 * Invariants (a failure abort()s, which libFuzzer and the replay report):
 * a load returns GENRE_OK, GENRE_E_CORRUPT or GENRE_E_VERSION, never
 * GENRE_E_NOMEM, and asks for no allocation above the file's size (plus the
 * kind's documented cache, fuzz_load_allowance); a loaded model predicts,
 * saves and reloads.
 */
#ifndef GENRE_FUZZ_LOAD_H
#define GENRE_FUZZ_LOAD_H

#include "alloc.h"
#include "model_file.h"

#include <genre/genre.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_UNUSED __attribute__((unused))

FUZZ_UNUSED static void fuzz_require(int ok)
{
    if (!ok)
        abort();
}

/* data with a valid header for kind: a new malloc'd buffer of *len bytes.
 * Inputs shorter than the header become an empty payload. */
FUZZ_UNUSED static uint8_t *fuzz_load_repair(const uint8_t *data, size_t size, int32_t kind, size_t *len)
{
    static const uint8_t magic[8] = {0x89, 'G', 'E', 'N', 'R', 'E', '\r', '\n'};
    size_t payload = size > GENRE__MF_HEADER_SIZE ? size - GENRE__MF_HEADER_SIZE : 0;
    uint8_t *b = malloc(GENRE__MF_HEADER_SIZE + payload);
    fuzz_require(b != NULL);
    memset(b, 0, GENRE__MF_HEADER_SIZE);
    memcpy(b, magic, 8);
    b[8] = 1; /* format version */
    for (int i = 0; i < 4; i++)
        b[12 + i] = (uint8_t)((uint32_t)kind >> (8 * i));
    if (size >= 20)
        memcpy(b + 16, data + 16, 4); /* payload version */
    else
        b[16] = 1;
    for (int i = 0; i < 8; i++)
        b[24 + i] = (uint8_t)((uint64_t)payload >> (8 * i));
    if (payload)
        memcpy(b + GENRE__MF_HEADER_SIZE, data + GENRE__MF_HEADER_SIZE, payload);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, b, 32);
    if (payload)
        crc = crc32(crc, b + GENRE__MF_HEADER_SIZE, (uInt)payload);
    for (int i = 0; i < 4; i++)
        b[32 + i] = (uint8_t)(crc >> (8 * i));
    *len = GENRE__MF_HEADER_SIZE + payload;
    return b;
}

/* Starts the allocation accounting of one load. */
FUZZ_UNUSED static void fuzz_load_begin(void)
{
    genre__alloc_fail_at(0);
}

/* Fixed-size allocations a load makes whatever the file (the handle, small
 * tables): a size field read from the file must not push past the file. */
#define FUZZ_LOAD_FIXED_BYTES ((size_t)16 << 10)

/* Checks a load's status and its largest allocation against the file. */
FUZZ_UNUSED static void fuzz_load_check(genre_status st, size_t len, size_t allowance)
{
    fuzz_require(st == GENRE_OK || st == GENRE_E_CORRUPT || st == GENRE_E_VERSION);
    fuzz_require(genre__alloc_largest() <= len + allowance + FUZZ_LOAD_FIXED_BYTES);
}

/* What using a loaded model may return: success, or a numeric failure a
 * model with extreme (finite) values can meet; never an argument, shape or
 * state error, which would mean the loader accepted an inconsistent model. */
FUZZ_UNUSED static void fuzz_use_check(genre_status st)
{
    fuzz_require(st == GENRE_OK || st == GENRE_E_NONFINITE || st == GENRE_E_NUMERIC);
}

/* Three rows of n_cols inputs in [-2, 2] (a new malloc'd buffer), from the
 * input's bytes so predictions see varied values. */
FUZZ_UNUSED static double *fuzz_load_rows(size_t n_cols, const uint8_t *data, size_t size)
{
    size_t n = 3 * n_cols;
    double *x = malloc((n ? n : 1) * sizeof *x);
    fuzz_require(x != NULL);
    for (size_t i = 0; i < n; i++)
        x[i] = size ? ((double)data[i % size] - 127.5) / 64.0 : 0.5;
    return x;
}

/* buf_out: a new malloc'd buffer of *len_out bytes holding save(model);
 * save is called twice (size query, then the save). */
#define FUZZ_SAVED(save_fn, model, buf_out, len_out)                                 \
    do {                                                                              \
        size_t need_ = 0;                                                             \
        fuzz_require(save_fn((model), NULL, 0, &need_) == GENRE_E_BUFFER_TOO_SMALL);  \
        (buf_out) = malloc(need_ ? need_ : 1);                                        \
        fuzz_require((buf_out) != NULL);                                              \
        fuzz_require(save_fn((model), (buf_out), need_, &need_) == GENRE_OK);         \
        *(len_out) = need_;                                                           \
    } while (0)

/* Saves m, loads the save, saves that: the same bytes. */
#define FUZZ_RESAVE(mod, m)                                                           \
    do {                                                                              \
        size_t l1_, l2_;                                                              \
        unsigned char *s1_, *s2_;                                                     \
        FUZZ_SAVED(genre_##mod##_save_to_memory, (m), s1_, &l1_);                     \
        genre_##mod *q_ = NULL;                                                       \
        fuzz_require(genre_##mod##_load_from_memory(&q_, s1_, l1_) == GENRE_OK);      \
        FUZZ_SAVED(genre_##mod##_save_to_memory, q_, s2_, &l2_);                      \
        fuzz_require(l1_ == l2_ && memcmp(s1_, s2_, l1_) == 0);                       \
        genre_##mod##_free(q_);                                                       \
        free(s1_);                                                                    \
        free(s2_);                                                                    \
    } while (0)

/* The body of a target: repair, load under the allocation accounting, and,
 * when the model loaded, use(m, data, size), re-save and free. */
#define FUZZ_LOAD_TARGET(mod, kind, allowance, use)                                   \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                      \
    {                                                                                 \
        size_t len;                                                                   \
        uint8_t *b = fuzz_load_repair(data, size, (kind), &len);                      \
        genre_##mod *m = NULL;                                                        \
        fuzz_load_begin();                                                            \
        genre_status st = genre_##mod##_load_from_memory(&m, b, len);                 \
        fuzz_load_check(st, len, (allowance));                                        \
        fuzz_require((st == GENRE_OK) == (m != NULL));                                \
        if (m) {                                                                      \
            use(m, data, size);                                                       \
            FUZZ_RESAVE(mod, m);                                                      \
            genre_##mod##_free(m);                                                    \
        }                                                                             \
        free(b);                                                                      \
        return 0;                                                                     \
    }

#endif
