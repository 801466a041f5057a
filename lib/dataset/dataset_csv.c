/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RFC 4180 records: splitting the input at rd->p into the fields of one
 * record, unescaping quoted fields into the reader's scratch. */
#include "dataset_csv.h"

#include "alloc.h"
#include "error_private.h"

#include <string.h>

genre_status genre__csv_grow_fields(struct reader *rd)
{
    {
        size_t cap = rd->cap_fields ? rd->cap_fields * 2 : 32;
        if (genre__realloc_array(&rd->fields, cap, sizeof *rd->fields) != 0)
            return GENRE_E_NOMEM;
        rd->cap_fields = cap;
    }
    return GENRE_OK;
}

static genre_status scratch_append(struct reader *rd, const char *s, size_t n)
{
    if (rd->scratch_len + n > rd->scratch_cap) {
        size_t cap = rd->scratch_cap ? rd->scratch_cap : 256;
        while (cap < rd->scratch_len + n)
            cap *= 2;
        if (genre__realloc_array(&rd->scratch, cap, 1) != 0)
            return GENRE_E_NOMEM;
        rd->scratch_cap = cap;
    }
    memcpy(rd->scratch + rd->scratch_len, s, n);
    rd->scratch_len += n;
    return GENRE_OK;
}

static genre_status too_long(const struct reader *rd, int64_t line)
{
    return GENRE_FAIL(GENRE_E_RECORD_TOO_LONG,
                      "%s:%lld: record longer than the limit of %lld bytes", rd->name,
                      (long long)line, (long long)rd->max_record);
}

/* Bytes that end an unquoted field (or are an error inside one), per
 * separator. */
static const unsigned char stop_comma[256] = {[','] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1};
static const unsigned char stop_semicolon[256] = {[';'] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1};
static const unsigned char stop_tab[256] = {['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1};

#ifdef GENRE_TESTING
static int force_portable; /* genre__csv_test_force_portable() */

int genre__csv_test_force_portable(int on)
{
    force_portable = on;
#if defined(__SSE2__)
    return 1;
#else
    return 0;
#endif
}
#define PORTABLE_ONLY force_portable
#else
#define PORTABLE_ONLY 0
#endif

/* First byte in [p, end) that ends an unquoted field, or end. Eight bytes
 * at a time where the byte order allows: a field is ~8 bytes, so this
 * replaces a mispredicted branch per byte by about one per field. */
static const char *skip_plain(const char *p, const char *end, char sep)
{
    const unsigned char *stop_byte = sep == ';' ? stop_semicolon
                                     : sep == '\t' ? stop_tab
                                                   : stop_comma;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (end - p >= 8 && !PORTABLE_ONLY) {
        uint64_t w;
        memcpy(&w, p, 8);
        /* The lowest flagged byte of each "has zero byte" test is exact. */
        uint64_t a = w ^ (ones * (unsigned char)sep), b = w ^ (ones * '\n'), c = w ^ (ones * '\r'),
                 d = w ^ (ones * '"');
        uint64_t hit = ((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c) |
                       ((d - ones) & ~d);
        hit &= highs;
        if (hit)
            return p + (__builtin_ctzll(hit) >> 3);
        p += 8;
    }
#endif
    while (p < end && !stop_byte[(unsigned char)*p])
        p++;
    return p;
}

#if defined(__SSE2__)
/* The common record: no quote and no carriage return before its line feed,
 * which lies in [p, end), within the record limit. Its fields are cut from
 * one bitmask of separators per 16 bytes, instead of a scan per field.
 * Returns 1 (the record read, p past it), 0 (not such a record: fields are
 * reset by the general path) or -1 (out of memory). */
static int read_simple_record(struct reader *rd)
{
    const char *start = rd->p, *p = start, *f = start;
    const __m128i vs = _mm_set1_epi8(rd->sep), vn = _mm_set1_epi8('\n'),
                  vq = _mm_set1_epi8('"'), vr = _mm_set1_epi8('\r');
    while (rd->end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned seps = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vs));
        unsigned stop = (unsigned)_mm_movemask_epi8(_mm_or_si128(
            _mm_cmpeq_epi8(v, vn), _mm_or_si128(_mm_cmpeq_epi8(v, vq), _mm_cmpeq_epi8(v, vr))));
        if (stop)
            seps &= (1u << __builtin_ctz(stop)) - 1; /* the separators before it */
        for (; seps; seps &= seps - 1) {
            const char *q = p + __builtin_ctz(seps);
            if (push_field(rd, (size_t)(f - rd->base), (size_t)(q - f), 0, 0) != GENRE_OK)
                return -1;
            f = q + 1;
        }
        if (stop) {
            const char *q = p + __builtin_ctz(stop);
            if (*q != '\n' || (int64_t)(q - start) > rd->max_record)
                return 0;
            if (push_field(rd, (size_t)(f - rd->base), (size_t)(q - f), 0, 0) != GENRE_OK)
                return -1;
            rd->p = q + 1;
            rd->line++;
            return 1;
        }
        p += 16;
        if ((int64_t)(p - start) > rd->max_record)
            return 0;
    }
    return 0;
}
#endif

genre_status genre__csv_read_record(struct reader *rd)
{
#if defined(__SSE2__)
    rd->n_fields = 0;
    rd->scratch_len = 0;
    int simple = PORTABLE_ONLY ? 0 : read_simple_record(rd);
    if (simple != 0)
        return simple > 0 ? GENRE_OK : GENRE_E_NOMEM;
#endif
    const char *start = rd->p;
    const int64_t line0 = rd->line;
    rd->n_fields = 0;
    rd->scratch_len = 0;
    genre_status st;
    for (;;) {
        const char *p = rd->p;
        if (p < rd->end && *p == '"') {
            const char *q0 = p + 1, *q = q0;
            int doubled = 0;
            for (;;) {
                q = memchr(q, '"', (size_t)(rd->end - q));
                if (!q)
                    return GENRE_FAIL(GENRE_E_UNTERMINATED_QUOTE,
                                      "%s:%lld: column %zu: quoted field '%.*s' is never closed",
                                      rd->name, (long long)line0, rd->n_fields + 1,
                                      (int)((size_t)(rd->end - q0) < SHOW
                                                ? (size_t)(rd->end - q0)
                                                : SHOW),
                                      q0);
                if (q + 1 < rd->end && q[1] == '"') {
                    doubled = 1;
                    q += 2;
                    continue;
                }
                break;
            }
            /* Embedded line breaks keep the physical line count right. */
            for (const char *nl = q0; (nl = memchr(nl, '\n', (size_t)(q - nl))) != NULL; nl++)
                rd->line++;
            if (doubled) {
                size_t off = rd->scratch_len;
                for (const char *c = q0; c < q;) {
                    const char *dq = memchr(c, '"', (size_t)(q - c));
                    const char *stop = dq ? dq + 1 : q;
                    if ((st = scratch_append(rd, c, (size_t)(stop - c))) != GENRE_OK)
                        return st;
                    c = dq ? dq + 2 : q;
                }
                st = push_field(rd, off, rd->scratch_len - off, 1, 1);
            } else {
                st = push_field(rd, (size_t)(q0 - rd->base), (size_t)(q - q0), 0, 1);
            }
            if (st != GENRE_OK)
                return st;
            p = q + 1;
            if (p < rd->end && *p != rd->sep && *p != '\n' && *p != '\r')
                return GENRE_FAIL(GENRE_E_PARSE,
                                  "%s:%lld: column %zu: text '%.*s' after a closing quote",
                                  rd->name, (long long)rd->line, rd->n_fields,
                                  (int)((size_t)(rd->end - p) < 8 ? (size_t)(rd->end - p) : 8),
                                  p);
        } else {
            const char *f = p;
            p = skip_plain(p, rd->end, rd->sep);
            if (p < rd->end && *p == '"') {
                {
                    return GENRE_FAIL(GENRE_E_PARSE,
                                      "%s:%lld: column %zu: quote inside unquoted field '%.*s'",
                                      rd->name, (long long)rd->line, rd->n_fields + 1,
                                      (int)((size_t)(p - f) + 1 < SHOW ? (size_t)(p - f) + 1
                                                                        : SHOW),
                                      f);
                }
            }
            if ((st = push_field(rd, (size_t)(f - rd->base), (size_t)(p - f), 0, 0)) != GENRE_OK)
                return st;
        }
        if ((int64_t)(p - start) > rd->max_record)
            return too_long(rd, line0);
        if (p == rd->end) {
            rd->p = p;
            break;
        }
        if (*p == rd->sep) {
            rd->p = p + 1;
            continue;
        }
        if (*p == '\r') {
            if (p + 1 < rd->end && p[1] == '\n') {
                rd->p = p + 2;
                rd->line++;
                break;
            }
            return GENRE_FAIL(GENRE_E_PARSE,
                              "%s:%lld: column %zu: carriage return not followed by a line feed",
                              rd->name, (long long)rd->line, rd->n_fields);
        }
        rd->p = p + 1; /* '\n' */
        rd->line++;
        break;
    }
    return GENRE_OK;
}
