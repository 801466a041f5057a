/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MurmurHash3_x86_32 (genre_text_hash), the hash of the text features. */
#include <genre/text.h>

#include <stddef.h>
#include <stdint.h>

static uint32_t rotl32(uint32_t x, int r)
{
    return (x << r) | (x >> (32 - r));
}

uint32_t genre_text_hash(const void *data, size_t len, uint32_t seed)
{
    if (data == NULL && len > 0)
        return 0;
    const unsigned char *p = data;
    const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
    uint32_t h = seed;
    size_t nblocks = len / 4;
    for (size_t i = 0; i < nblocks; i++) {
        const unsigned char *b = p + 4 * i;
        uint32_t k = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                     (uint32_t)b[3] << 24;
        k *= c1;
        k = rotl32(k, 15);
        k *= c2;
        h ^= k;
        h = rotl32(h, 13);
        h = h * 5 + 0xe6546b64u;
    }
    const unsigned char *tail = p + 4 * nblocks;
    uint32_t k1 = 0;
    /* the tail's 1-3 bytes; no switch fall-through (clang rejects the
     * comment form under -Wimplicit-fallthrough) */
    size_t rest = len & 3;
    if (rest != 0) {
        if (rest == 3)
            k1 ^= (uint32_t)tail[2] << 16;
        if (rest >= 2)
            k1 ^= (uint32_t)tail[1] << 8;
        k1 ^= tail[0];
        k1 *= c1;
        k1 = rotl32(k1, 15);
        k1 *= c2;
        h ^= k1;
    }
    h ^= (uint32_t)len;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}
