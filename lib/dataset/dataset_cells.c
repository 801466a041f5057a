/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The cells of a record: UTF-8 validation, locale-independent numbers, and
 * the mapping of a record's fields onto the schema's columns (missing-value
 * markers, numbers, interned categories and text).
 */
#define _GNU_SOURCE /* strtod_l: numbers must ignore LC_NUMERIC */
#include "dataset_csv.h"

#include "alloc.h"
#include "error_private.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 ------------------------------------------------------------------ */

size_t genre__csv_utf8_check(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        /* Fast path: eight ASCII bytes at a time. */
        if (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            n = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else
            return i;
        if (i + n >= len) /* truncated sequence */
            return i;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k <= n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        i += n + 1;
    }
    return len;
}

/* ---- Numbers ---------------------------------------------------------------- */

static const double pow10_exact[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/*
 * Strict decimal syntax: [+-] digits [. digits] [(e|E) [+-] digits], at
 * least one mantissa digit, no spaces. Values whose significand fits in 53
 * bits with a power of ten up to 10^22 are exact products or quotients of
 * two exact doubles, hence correctly rounded (Clinger's fast path); the
 * rest go to glibc's correctly rounded strtod_l in the "C" locale.
 */
static int parse_number_general(const char *s, size_t len, locale_t loc, double *out);

/* The verdict on s when no digit starts it (after a sign) and no '.'
 * follows: a nan or infinity word, else not a number. */
static int not_decimal(const char *s, size_t len)
{
    size_t k = (len > 0 && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    if (genre__ieq(s + k, len - k, "nan") || genre__ieq(s + k, len - k, "inf") ||
        genre__ieq(s + k, len - k, "infinity"))
        return NUM_NONFINITE;
    return NUM_SYNTAX;
}

/* The common case first: [-+]digits[.digits] with at most 19 digits in all,
 * so the digits fit a uint64 exactly; anything else (exponent, more digits,
 * a big significand) takes the general path. */
int genre__csv_parse_number(const char *s, size_t len, locale_t loc, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (len > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (len - i > 20)
        return parse_number_general(s, len, loc, out);
    uint64_t m = 0;
    size_t start = i;
    while (i < len && (unsigned)(s[i] - '0') <= 9)
        m = m * 10 + (uint64_t)(s[i++] - '0');
    size_t int_digits = i - start, frac_digits = 0;
    /* Text cells (names, categories) stop here, without the general
     * path's second look. */
    if (int_digits == 0 && (i == len || s[i] != '.'))
        return not_decimal(s, len);
    if (i < len && s[i] == '.') {
        size_t f = ++i;
        while (i < len && (unsigned)(s[i] - '0') <= 9)
            m = m * 10 + (uint64_t)(s[i++] - '0');
        frac_digits = i - f;
    }
    if (i != len || int_digits + frac_digits == 0 || int_digits + frac_digits > 19 ||
        m > (UINT64_C(1) << 53) || frac_digits > 22)
        return parse_number_general(s, len, loc, out);
    double v = (double)m;
    if (frac_digits)
        v /= pow10_exact[frac_digits];
    *out = neg ? -v : v;
    return NUM_OK;
}

int genre__csv_plain_decimal(const char *s, size_t len)
{
    size_t i = (len > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    size_t digits = 0;
    while (i < len && (unsigned)(s[i] - '0') <= 9)
        i++, digits++;
    int frac_nonzero = 0;
    if (i < len && s[i] == '.')
        for (i++; i < len && (unsigned)(s[i] - '0') <= 9; i++, digits++)
            frac_nonzero |= s[i] != '0';
    /* At most 15 digits: the parse is m / 10^f with m below 2^53, an
     * integer exactly when every fraction digit is 0 (a non-integer's
     * distance to any integer, at least 10^-f, exceeds half its spacing). */
    if (i == len && digits > 0 && digits <= 15)
        return frac_nonzero ? 2 : 1;
    /* More digits or an exponent of at most 2 digits: at most 40 digits
     * keep the value within 1e-141..1e141, finite, but rounding may make
     * it an integer or not. */
    if (digits == 0 || digits > 40)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e = 0;
        while (i < len && (unsigned)(s[i] - '0') <= 9)
            i++, e++;
        if (e == 0 || e > 2)
            return 0;
    }
    return i == len ? 3 : 0;
}

static int parse_number_general(const char *s, size_t len, locale_t loc, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    uint64_t m = 0;
    int sig = 0;       /* significant digits taken into m */
    int dropped = 0;   /* significant digits beyond 19 */
    int64_t exp10 = 0;
    int digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        digits++;
        if (m == 0 && s[i] == '0') {
            i++;
            continue;
        }
        if (sig < 19) {
            m = m * 10 + (uint64_t)(s[i] - '0');
            sig++;
        } else {
            dropped++;
            exp10++;
        }
        i++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            digits++;
            if (m == 0 && s[i] == '0') {
                exp10--;
                i++;
                continue;
            }
            if (sig < 19) {
                m = m * 10 + (uint64_t)(s[i] - '0');
                sig++;
                exp10--;
            } else if (s[i] != '0') {
                dropped++;
            }
            i++;
        }
    }
    if (digits == 0)
        goto not_decimal;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        if (i == len || s[i] < '0' || s[i] > '9')
            return NUM_SYNTAX;
        int64_t e = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
            i++;
        }
        exp10 += eneg ? -e : e;
    }
    if (i != len)
        return NUM_SYNTAX;
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
        return NUM_OK;
    }
    if (dropped == 0 && m <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)m;
        v = exp10 >= 0 ? v * pow10_exact[exp10] : v / pow10_exact[-exp10];
        *out = neg ? -v : v;
        return NUM_OK;
    }
    {
        char small[128];
        char *buf = small;
        if (len >= sizeof small) {
            buf = genre__alloc_array(len + 1, 1);
            if (!buf)
                return -1;
        }
        memcpy(buf, s, len);
        buf[len] = '\0';
        errno = 0;
        char *endp;
        double v = strtod_l(buf, &endp, loc);
        int overflow = errno == ERANGE && isinf(v);
        int complete = endp == buf + len;
        if (buf != small)
            genre__free(buf);
        if (!complete)
            return NUM_SYNTAX;
        if (overflow || !isfinite(v))
            return NUM_NONFINITE;
        *out = v;
        return NUM_OK;
    }
not_decimal:
    return not_decimal(s, len);
}

/* ---- Mapping fields onto the schema ----------------------------------------- */

static int is_marker(const struct colmap *m, const char *f, size_t len)
{
    if (len > m->max_marker_len)
        return 0;
    for (size_t k = 0; k < m->n_markers; k++)
        if (m->markers[k].len == len && memcmp(m->markers[k].text, f, len) == 0)
            return 1;
    return 0;
}

static int show_len(size_t len)
{
    return (int)(len < SHOW ? len : SHOW);
}

static int in_order(const struct genre__schema_col *sc, const char *f, size_t len)
{
    for (size_t k = 0; k < sc->n_order; k++)
        if (strlen(sc->order[k]) == len && memcmp(sc->order[k], f, len) == 0)
            return 1;
    return 0;
}

genre_status genre__csv_store_row(struct reader *rd, genre_dataset *ds, const struct colmap *map,
                                  int64_t line, int64_t *missing)
{
    const genre_dataset_schema *s = ds->schema;
    size_t r = ds->n_rows;
    int blank = 1;
    for (size_t k = 0; k < rd->n_fields && blank; k++)
        if (rd->fields[k].len != 0)
            blank = 0;
    ds->blank[r] = (uint8_t)blank;
    ds->line[r] = line;
    for (size_t j = 0; j < s->n_cols; j++) {
        struct genre__col *c = &ds->cols[j];
        const struct genre__schema_col *sc = map[j].sc;
        if (sc->role == GENRE_COL_IGNORE)
            continue;
        const struct field *fd = &rd->fields[map[j].file_col];
        const char *f = field_ptr(rd, fd);
        if (blank) {
            if (c->num)
                c->num[r] = NAN;
            else
                c->id[r] = -1;
            continue;
        }
        if (is_marker(&map[j], f, fd->len)) {
            missing[j]++;
            if (c->num)
                c->num[r] = NAN;
            else
                c->id[r] = -1;
            continue;
        }
        if (sc->role == GENRE_COL_NUMERIC) {
            double v = 0.0;
            int k = genre__csv_parse_number(f, fd->len, rd->c_locale, &v);
            if (k < 0)
                return GENRE_E_NOMEM;
            if (k == NUM_SYNTAX)
                return GENRE_FAIL(GENRE_E_NOT_A_NUMBER,
                                  "%s:%lld: column '%s': '%.*s' is not a number%s", rd->name,
                                  (long long)line, sc->name, show_len(fd->len), f,
                                  fd->len == 0 ? " (empty is not a declared missing marker)"
                                               : "");
            if (k == NUM_NONFINITE)
                return GENRE_FAIL(GENRE_E_NONFINITE_TEXT,
                                  "%s:%lld: column '%s': '%.*s' is not a finite number and "
                                  "not a declared missing marker",
                                  rd->name, (long long)line, sc->name, show_len(fd->len), f);
            int sentinel = 0;
            for (size_t k2 = 0; k2 < sc->n_missing_value; k2++)
                if (v == sc->missing_value[k2])
                    sentinel = 1;
            if (sentinel) {
                missing[j]++;
                v = NAN;
            }
            c->num[r] = v;
        } else {
            /* Free text is rarely repeated: store it, skip the hash table.
             * Categories come in runs (the table is sorted by genre): try
             * the previous row's value before hashing. */
            int32_t id;
            int32_t prev = r > 0 ? c->id[r - 1] : -1;
            size_t known = c->dict.n;
            if (sc->role == GENRE_COL_TEXT)
                id = genre__dict_append(&c->dict, f, fd->len);
            else if (prev >= 0 && c->dict.len[prev] == fd->len &&
                     memcmp(GENRE__DICT_STR(&c->dict, prev), f, fd->len) == 0)
                id = prev;
            else
                id = genre__dict_intern(&c->dict, f, fd->len);
            if (id < 0)
                return GENRE_E_NOMEM;
            /* A declared order is the whole set of categories: under
             * GENRE_UNSEEN_ERROR a value outside it could never be encoded,
             * so it fails here, where its file and line are known. Checked
             * once per distinct value. */
            if ((size_t)id >= known && sc->order && s->unseen_policy == GENRE_UNSEEN_ERROR &&
                !in_order(sc, f, fd->len))
                return GENRE_FAIL(GENRE_E_UNSEEN_CATEGORY,
                                  "%s:%lld: column '%s': '%.*s' is not one of the %zu "
                                  "categories of its declared order (add it to the order, or "
                                  "set GENRE_SCHEMA_UNSEEN_CATEGORY to "
                                  "GENRE_UNSEEN_RESERVED_CODE to read it as code -1)",
                                  rd->name, (long long)line, sc->name, show_len(fd->len), f,
                                  sc->n_order);
            c->id[r] = id;
        }
    }
    ds->n_rows++;
    return GENRE_OK;
}

genre_status genre__csv_check_utf8(const struct reader *rd, const char *header_name,
                                   const struct field *fd, int64_t line)
{
    const char *f = field_ptr(rd, fd);
    size_t bad = genre__csv_utf8_check((const unsigned char *)f, fd->len);
    if (bad == fd->len)
        return GENRE_OK;
    return GENRE_FAIL(GENRE_E_INVALID_UTF8,
                      "%s:%lld: column '%s': invalid UTF-8 byte 0x%02x at offset %zu of "
                      "'%.*s'",
                      rd->name, (long long)line, header_name, (unsigned)(unsigned char)f[bad],
                      bad, show_len(fd->len), f);
}
