/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: little-endian byte encoding of unsigned integers, independent of
 * the host's byte order: the model-file container (model_file.c) and the
 * byte records of the partial states (kmeans_partial.c, mlp_partial.c,
 * dataset_prep_partial_file.c).
 */
#ifndef GENRE_LE_BYTES_H
#define GENRE_LE_BYTES_H

#include <stdint.h>

static inline void genre__le32_store(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void genre__le64_store(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t genre__le32_load(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static inline uint64_t genre__le64_load(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

#endif
