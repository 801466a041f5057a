/* SPDX-License-Identifier: GPL-3.0-or-later */
/* String dictionaries (genre__dict): interning with dense ids in
 * first-insertion order, open addressing over 64-bit hashes. */
#include "dataset_private.h"

#include "alloc.h"
#include "error_private.h"

#include <string.h>

/* Unaligned little loads (memcpy of a constant size compiles to one move). */
static inline uint64_t load64(const char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
}

static inline uint32_t load32(const char *s)
{
    uint32_t w;
    memcpy(&w, s, 4);
    return w;
}

/* The first and last up-to-8 bytes of a short string as one word each
 * (overlapping when len < 16, zero-extended below 8), with no call to
 * memcpy of a variable length: most cells (categories, names) are short,
 * and that call was a quarter of a lookup. */
static inline void edge_words(const char *s, size_t len, uint64_t *a, uint64_t *b)
{
    if (len >= 8) {
        *a = load64(s);
        *b = load64(s + len - 8);
    } else if (len >= 4) {
        *a = load32(s);
        *b = load32(s + len - 4);
    } else if (len > 0) {
        *a = (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[len / 2] << 8 |
             (uint64_t)(unsigned char)s[len - 1] << 16;
        *b = 0;
    } else {
        *a = *b = 0;
    }
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    /* Eight bytes per step with multiply-xorshift mixing (splitmix64's
     * constants); the last (up to) 16 bytes through edge_words. Hashes
     * never leave the process, so byte order does not matter; a poor key
     * set only costs probe time, never correctness. */
    uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)len * 0xff51afd7ed558ccdull);
    size_t i = 0;
    for (; i + 16 < len; i += 8) {
        h = (h ^ load64(s + i)) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    uint64_t a, b;
    edge_words(s + i, len - i, &a, &b);
    h = (h ^ a) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    h = (h ^ b) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}

/* a[0..len) == b[0..len), inline for short strings. */
static inline int same_bytes(const char *a, const char *b, size_t len)
{
    if (len > 16)
        return memcmp(a, b, len) == 0;
    uint64_t a0, a1, b0, b1;
    edge_words(a, len, &a0, &a1);
    edge_words(b, len, &b0, &b1);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

void genre__dict_free(genre__dict *d)
{
    genre__free(d->arena);
    genre__free(d->off);
    genre__free(d->len);
    genre__free(d->hash);
    genre__free(d->slots);
    memset(d, 0, sizeof *d);
}

void genre__dict_clear(genre__dict *d)
{
    d->n = 0;
    d->arena_len = 0;
    for (size_t i = 0; i < d->n_slots; i++)
        d->slots[i] = UINT64_MAX; /* SLOT_EMPTY */
}

/* A slot holds the id in its low 32 bits and the hash's top 32 bits above,
 * so a probe rejects most non-matches without touching the string arrays.
 * An empty slot is UINT64_MAX. */
#define SLOT_EMPTY UINT64_MAX
#define SLOT(h, id) (((h) & 0xffffffff00000000ull) | (uint64_t)(uint32_t)(id))

static int dict_rehash(genre__dict *d, size_t n_slots)
{
    uint64_t *slots = genre__alloc_array(n_slots, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < n_slots; i++)
        slots[i] = SLOT_EMPTY;
    for (size_t id = 0; id < d->n; id++) {
        size_t k = (size_t)d->hash[id] & (n_slots - 1);
        while (slots[k] != SLOT_EMPTY)
            k = (k + 1) & (n_slots - 1);
        slots[k] = SLOT(d->hash[id], id);
    }
    genre__free(d->slots);
    d->slots = slots;
    d->n_slots = n_slots;
    return 0;
}

static int32_t dict_find_hashed(const genre__dict *d, const char *s, size_t len, uint64_t h)
{
    if (d->n_slots == 0)
        return -1;
    size_t k = (size_t)h & (d->n_slots - 1);
    uint64_t tag = h & 0xffffffff00000000ull;
    for (uint64_t e; (e = d->slots[k]) != SLOT_EMPTY; k = (k + 1) & (d->n_slots - 1)) {
        if ((e & 0xffffffff00000000ull) != tag)
            continue;
        int32_t id = (int32_t)(uint32_t)e;
        if (d->len[id] == len && same_bytes(d->arena + d->off[id], s, len))
            return id;
    }
    return -1;
}

int32_t genre__dict_find(const genre__dict *d, const char *s, size_t len)
{
    return dict_find_hashed(d, s, len, hash_bytes(s, len));
}

/* Appends s as a new id; with `index` it also enters the hash table. */
static int32_t dict_add(genre__dict *d, const char *s, size_t len, uint64_t h, int index)
{
    if (d->n >= INT32_MAX || len > UINT32_MAX) {
        genre__fail(GENRE_E_NOMEM, __func__, "too many or too long strings");
        return -1;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        if (genre__realloc_array(&d->off, cap, sizeof *d->off) != 0 ||
            genre__realloc_array(&d->len, cap, sizeof *d->len) != 0 ||
            genre__realloc_array(&d->hash, cap, sizeof *d->hash) != 0)
            return -1;
        d->cap = cap;
    }
    if (index && (d->n + 1) * 2 > d->n_slots &&
        dict_rehash(d, d->n_slots ? d->n_slots * 2 : 32) != 0)
        return -1;
    if (d->arena_len + len + 1 > d->arena_cap) {
        size_t cap = d->arena_cap ? d->arena_cap : 256;
        while (cap < d->arena_len + len + 1)
            cap *= 2;
        if (genre__realloc_array(&d->arena, cap, 1) != 0)
            return -1;
        d->arena_cap = cap;
    }
    int32_t id = (int32_t)d->n++;
    d->off[id] = d->arena_len;
    d->len[id] = (uint32_t)len;
    d->hash[id] = h;
    if (len)
        memcpy(d->arena + d->arena_len, s, len);
    d->arena[d->arena_len + len] = '\0';
    d->arena_len += len + 1;
    if (index) {
        size_t k = (size_t)h & (d->n_slots - 1);
        while (d->slots[k] != SLOT_EMPTY)
            k = (k + 1) & (d->n_slots - 1);
        d->slots[k] = SLOT(h, id);
    }
    return id;
}

int32_t genre__dict_intern(genre__dict *d, const char *s, size_t len)
{
    uint64_t h = hash_bytes(s, len);
    int32_t id = dict_find_hashed(d, s, len, h);
    return id >= 0 ? id : dict_add(d, s, len, h, 1);
}

int32_t genre__dict_append(genre__dict *d, const char *s, size_t len)
{
    return dict_add(d, s, len, 0, 0);
}

int genre__dict_copy(genre__dict *dst, const genre__dict *src)
{
    memset(dst, 0, sizeof *dst);
    if (src->n == 0)
        return 0;
    dst->arena = genre__alloc_array(src->arena_len, 1);
    dst->off = genre__alloc_array(src->n, sizeof *dst->off);
    dst->len = genre__alloc_array(src->n, sizeof *dst->len);
    dst->hash = genre__alloc_array(src->n, sizeof *dst->hash);
    dst->slots = src->n_slots ? genre__alloc_array(src->n_slots, sizeof *dst->slots) : NULL;
    if (!dst->arena || !dst->off || !dst->len || !dst->hash || (src->n_slots && !dst->slots)) {
        genre__dict_free(dst);
        return -1;
    }
    memcpy(dst->arena, src->arena, src->arena_len);
    memcpy(dst->off, src->off, src->n * sizeof *dst->off);
    memcpy(dst->len, src->len, src->n * sizeof *dst->len);
    memcpy(dst->hash, src->hash, src->n * sizeof *dst->hash);
    if (src->n_slots)
        memcpy(dst->slots, src->slots, src->n_slots * sizeof *dst->slots);
    dst->arena_len = dst->arena_cap = src->arena_len;
    dst->n = dst->cap = src->n;
    dst->n_slots = src->n_slots;
    return 0;
}

int genre__first_repeat(const char *const *s, size_t n, size_t *at)
{
    genre__dict seen;
    memset(&seen, 0, sizeof seen);
    int found = 0;
    for (size_t i = 0; i < n && !found; i++) {
        size_t before = seen.n;
        if (genre__dict_intern(&seen, s[i], strlen(s[i])) < 0) {
            found = -1;
        } else if (seen.n == before) {
            *at = i;
            found = 1;
        }
    }
    genre__dict_free(&seen);
    return found;
}
