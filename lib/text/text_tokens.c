/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Text to hashed entries: UTF-8 decoding with replacement, table-driven
 * lower-casing, letter/digit tokens, word and char_wb n-gram features over
 * code points hashed into buckets (genre__text_row_entries), and the input
 * survey genre_text_count_issues.
 */
#include "text_private.h"

#include "alloc.h"
#include "error_private.h"

#include <stdlib.h>
#include <string.h>

/* ---- UTF-8, case, word characters ------------------------------------- */

static int cont(unsigned char b)
{
    return (b & 0xC0) == 0x80;
}

/* Decodes one code point at s (NUL-terminated); returns the bytes used.
 * An invalid byte gives U+FFFD, one byte used, *bad = 1. Never reads past
 * the NUL (a NUL is not a continuation byte). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp, int *bad)
{
    unsigned char b0 = s[0];
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    if (b0 >= 0xC2 && b0 <= 0xDF && cont(s[1])) {
        *cp = (uint32_t)(b0 & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
        if (s[1] >= lo && s[1] <= hi && cont(s[2])) {
            *cp = (uint32_t)(b0 & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
            return 3;
        }
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
        if (s[1] >= lo && s[1] <= hi && cont(s[2]) && cont(s[3])) {
            *cp = (uint32_t)(b0 & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
                  (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
            return 4;
        }
    }
    *cp = 0xFFFD;
    *bad = 1;
    return 1;
}

static size_t utf8_put(uint32_t c, unsigned char *o)
{
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | c >> 6);
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | c >> 12);
        o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | c >> 18);
    o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* Lower case by table (coverage in genre/text.h). */
static uint32_t fold(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if (c < 0x100)
        return (c >= 0xC0 && c <= 0xDE && c != 0xD7) ? c + 32 : c;
    if (c < 0x180) {
        if (c == 0x130)
            return 'i';
        if (c == 0x17F)
            return 's';
        if (c == 0x178)
            return 0xFF;
        if ((c <= 0x137) || (c >= 0x14A && c <= 0x177))
            return c | 1;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c & 1) ? c + 1 : c;
        return c;
    }
    if (c >= 0x370 && c < 0x400) {
        if (c == 0x386)
            return 0x3AC;
        if (c >= 0x388 && c <= 0x38A)
            return c + 37;
        if (c == 0x38C)
            return 0x3CC;
        if (c == 0x38E || c == 0x38F)
            return c + 63;
        if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
            return c + 32;
        if (c == 0x3C2)
            return 0x3C3;
        return c;
    }
    if (c >= 0x400 && c < 0x530) {
        if (c <= 0x40F)
            return c + 80;
        if (c <= 0x42F)
            return c + 32;
        if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || c >= 0x4D0)
            return c | 1;
        if (c == 0x4C0)
            return 0x4CF;
        if (c >= 0x4C1 && c <= 0x4CE)
            return (c & 1) ? c + 1 : c;
        return c;
    }
    return c;
}

static int is_word(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (c <= 0xBF)
        return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA;
    if (c == 0xD7 || c == 0xF7 || c == 0x37E || c == 0x387 || c == 0xFEFF || c == 0xFFFD)
        return 0;
    if ((c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF0F) ||
        (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
        (c >= 0xFF5B && c <= 0xFF65))
        return 0;
    return 1;
}

/* ---- One row's hashed entries -------------------------------------------- */

void genre__text_scratch_free(scratch *s)
{
    genre__free(s->cp);
    genre__free(s->bytes);
    genre__free(s->off);
    genre__free(s->key);
    genre__free(s->e);
    memset(s, 0, sizeof *s);
}

int genre__text_grow(void *p, size_t *cap, size_t need, size_t item)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    if (genre__realloc_array(p, n, item))
        return -1;
    *cap = n;
    return 0;
}

static int emit(const genre__text_hashing *p, size_t field, const unsigned char *prefix,
                size_t n_prefix, const unsigned char *bytes, size_t n_bytes, scratch *s)
{
    size_t klen = n_prefix + n_bytes;
    if (genre__text_grow(&s->key, &s->key_cap, klen, 1) ||
        genre__text_grow(&s->e, &s->e_cap, s->e_len + 1, sizeof(entry)))
        return -1;
    memcpy(s->key, prefix, n_prefix);
    memcpy(s->key + n_prefix, bytes, n_bytes);
    uint32_t h = genre_text_hash(s->key, klen, p->seed);
    uint64_t col = h % p->n_buckets;
    if (p->layout == GENRE_TEXT_LAYOUT_SEPARATE)
        col += (uint64_t)field * p->n_buckets;
    s->e[s->e_len].col = (uint32_t)col;
    s->e[s->e_len].v = (p->signed_hash && (h >> 31)) ? -1.0 : 1.0;
    s->e_len++;
    return 0;
}

/* Features of one token cp[0..m) (already lower-cased). */
static int token_features(const genre__text_hashing *p, size_t field, const uint32_t *cp,
                          size_t m, scratch *s)
{
    unsigned char prefix[2];
    size_t np = 0;
    if (p->layout == GENRE_TEXT_LAYOUT_SHARED)
        prefix[np++] = (unsigned char)field;
    size_t L = m + 2;
    if (genre__text_grow(&s->bytes, &s->bytes_cap, 4 * L, 1) ||
        genre__text_grow(&s->off, &s->off_cap, L + 1, sizeof(size_t)))
        return -1;
    size_t o = 0;
    s->off[0] = 0;
    o += utf8_put(' ', s->bytes + o);
    for (size_t i = 0; i < m; i++) {
        s->off[i + 1] = o;
        o += utf8_put(cp[i], s->bytes + o);
    }
    s->off[m + 1] = o;
    o += utf8_put(' ', s->bytes + o);
    s->off[m + 2] = o;
    if (p->words) {
        prefix[np] = 'w';
        if (emit(p, field, prefix, np + 1, s->bytes + s->off[1], s->off[m + 1] - s->off[1], s))
            return -1;
    }
    if (p->ngram_max > 0) {
        prefix[np] = 'c';
        for (size_t n = (size_t)p->ngram_min; n <= (size_t)p->ngram_max; n++) {
            size_t off = 0, len = n < L ? n : L;
            if (emit(p, field, prefix, np + 1, s->bytes, s->off[len], s))
                return -1;
            while (off + n < L) {
                off++;
                if (emit(p, field, prefix, np + 1, s->bytes + s->off[off],
                         s->off[off + n] - s->off[off], s))
                    return -1;
            }
            if (off == 0)
                break;
        }
    }
    return 0;
}

/* Decodes and folds one name into s->cp; returns its code-point count or
 * (size_t)-1 on allocation failure. *bad receives 1 on invalid UTF-8. */
static size_t decode_name(const char *name, scratch *s, int *bad)
{
    const unsigned char *u = (const unsigned char *)name;
    size_t blen = strlen(name), n = 0;
    if (genre__text_grow(&s->cp, &s->cp_cap, blen + 1, sizeof(uint32_t)))
        return (size_t)-1;
    while (*u) {
        uint32_t c;
        u += utf8_next(u, &c, bad);
        s->cp[n++] = fold(c);
    }
    return n;
}

static int cmp_entry(const void *a, const void *b)
{
    uint32_t x = ((const entry *)a)->col, y = ((const entry *)b)->col;
    return (x > y) - (x < y);
}

int genre__text_row_entries(const genre__text_hashing *p, const char *const *names,
                            size_t n_fields, scratch *s, int64_t *n_invalid, int64_t *n_empty)
{
    s->e_len = 0;
    for (size_t f = 0; f < n_fields; f++) {
        const char *name = names[f];
        if (name == NULL || name[0] == 0) {
            if (n_empty)
                (*n_empty)++;
            continue;
        }
        int bad = 0;
        size_t n = decode_name(name, s, &bad);
        if (n == (size_t)-1)
            return -1;
        if (bad && n_invalid)
            (*n_invalid)++;
        size_t i = 0;
        while (i < n) {
            while (i < n && !is_word(s->cp[i]))
                i++;
            size_t a = i;
            while (i < n && is_word(s->cp[i]))
                i++;
            if (i > a && token_features(p, f, s->cp + a, i - a, s))
                return -1;
        }
    }
    /* sort by column (insertion sort for the usual rows of a few hundred) */
    entry *e = s->e;
    size_t m = s->e_len;
    if (m > 512) {
        qsort(e, m, sizeof *e, cmp_entry);
    } else {
        for (size_t i = 1; i < m; i++) {
            entry x = e[i];
            size_t j = i;
            while (j > 0 && e[j - 1].col > x.col) {
                e[j] = e[j - 1];
                j--;
            }
            e[j] = x;
        }
    }
    size_t w = 0;
    for (size_t i = 0; i < m;) {
        uint32_t c = e[i].col;
        double v = 0;
        while (i < m && e[i].col == c)
            v += e[i++].v;
        if (v != 0) {
            e[w].col = c;
            e[w].v = v;
            w++;
        }
    }
    s->e_len = w;
    return 0;
}

/* ---- Input survey ------------------------------------------------------- */

genre_status genre_text_count_issues(const char *const *texts, size_t n_rows, size_t n_fields,
                                     int64_t *invalid_utf8, int64_t *empty)
{
    if (n_fields != 0 && n_rows > SIZE_MAX / n_fields)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "%zu rows x %zu fields is too large", n_rows,
                          n_fields);
    size_t n = n_rows * n_fields;
    if (texts == NULL && n > 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "argument 'texts' is NULL");
    int64_t bad_names = 0, empty_names = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *u = (const unsigned char *)texts[i];
        if (u == NULL || *u == 0) {
            empty_names++;
            continue;
        }
        int bad = 0;
        while (*u && !bad) {
            uint32_t c;
            u += utf8_next(u, &c, &bad);
        }
        bad_names += bad;
    }
    if (invalid_utf8)
        *invalid_utf8 = bad_names;
    if (empty)
        *empty = empty_names;
    return GENRE_OK;
}
