/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The CSV reader: RFC 4180 records, UTF-8 validation, locale-independent
 * numbers, schema mapping by header name (gzip input is inflated first, by
 * dataset_gzip.c).
 * The whole input is held in memory and parsed in one pass: the 7.5 MB
 * reference table parses in a few milliseconds, so streaming would only add
 * complexity. Getting the bytes (files, FIFOs, limits) is dataset_input.c.
 */
#define _GNU_SOURCE /* strtod_l, newlocale: numbers must ignore LC_NUMERIC */
#include "dataset_private.h"

#include "alloc.h"
#include "error_private.h"
#include "parallel.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offending text is quoted in messages up to this many bytes. */
#define SHOW 48

struct field {
    size_t off;       /* in the input, or in scratch when in_scratch */
    size_t len;
    int in_scratch;
    int quoted;
};

struct reader {
    const char *name;
    const char *p, *end;
    int64_t line;                 /* physical line of p, 1-based */
    int64_t max_record;
    const char *base;
    struct field *fields;
    size_t n_fields, cap_fields;
    char *scratch;                /* unescaped quoted fields of one record */
    size_t scratch_len, scratch_cap;
    locale_t c_locale;
    int utf8_valid;               /* the whole input checked at once */
};

static const char *field_ptr(const struct reader *rd, const struct field *f)
{
    return f->in_scratch ? rd->scratch + f->off : rd->base + f->off;
}

/* ---- UTF-8 ------------------------------------------------------------------ */

/* Returns the offset of the first invalid byte, or len when all is valid.
 * Rejects overlongs, surrogates and code points above U+10FFFF. */
static size_t utf8_check(const unsigned char *s, size_t len)
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

#define NUM_OK 0
#define NUM_SYNTAX 1
#define NUM_NONFINITE 2

static int ieq(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

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

/* The common case first: [-+]digits[.digits] with at most 19 digits in all,
 * so the digits fit a uint64 exactly; anything else (exponent, more digits,
 * a big significand) takes the general path. */
static int parse_number(const char *s, size_t len, locale_t loc, double *out)
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
not_decimal : {
    size_t k = (len > 0 && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    if (ieq(s + k, len - k, "nan") || ieq(s + k, len - k, "inf") ||
        ieq(s + k, len - k, "infinity"))
        return NUM_NONFINITE;
    return NUM_SYNTAX;
}
}

/* ---- Records ---------------------------------------------------------------- */

static genre_status grow_fields(struct reader *rd);

static inline genre_status push_field(struct reader *rd, size_t off, size_t len,
                                      int in_scratch, int quoted)
{
    if (rd->n_fields == rd->cap_fields && grow_fields(rd) != GENRE_OK)
        return GENRE_E_NOMEM;
    struct field *f = &rd->fields[rd->n_fields++];
    f->off = off;
    f->len = len;
    f->in_scratch = in_scratch;
    f->quoted = quoted;
    return GENRE_OK;
}

static genre_status grow_fields(struct reader *rd)
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

/* Bytes that end an unquoted field (or are an error inside one). */
static const unsigned char stop_byte[256] = {[','] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1};

/* First byte in [p, end) that ends an unquoted field, or end. Eight bytes
 * at a time where the byte order allows: a field is ~8 bytes, so this
 * replaces a mispredicted branch per byte by about one per field. */
static const char *skip_plain(const char *p, const char *end)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        /* The lowest flagged byte of each "has zero byte" test is exact. */
        uint64_t a = w ^ (ones * ','), b = w ^ (ones * '\n'), c = w ^ (ones * '\r'),
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

/* Splits the record at rd->p into rd->fields. Call only when p < end. */
static genre_status read_record(struct reader *rd)
{
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
            if (p < rd->end && *p != ',' && *p != '\n' && *p != '\r')
                return GENRE_FAIL(GENRE_E_PARSE,
                                  "%s:%lld: column %zu: text '%.*s' after a closing quote",
                                  rd->name, (long long)rd->line, rd->n_fields,
                                  (int)((size_t)(rd->end - p) < 8 ? (size_t)(rd->end - p) : 8),
                                  p);
        } else {
            const char *f = p;
            p = skip_plain(p, rd->end);
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
        if (*p == ',') {
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

/* ---- Mapping fields onto the schema ----------------------------------------- */

struct marker {
    const char *text;
    size_t len;
};

struct colmap {
    int32_t file_col;     /* field index in each record */
    const struct genre__schema_col *sc;
    struct marker *markers; /* this column's and every column's, lengths known */
    size_t n_markers;
    size_t max_marker_len;
};

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

static genre_status store_row(struct reader *rd, genre_dataset *ds, const struct colmap *map,
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
            int k = parse_number(f, fd->len, rd->c_locale, &v);
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
            if (sc->role == GENRE_COL_TEXT)
                id = genre__dict_append(&c->dict, f, fd->len);
            else if (prev >= 0 && c->dict.len[prev] == fd->len &&
                     memcmp(GENRE__DICT_STR(&c->dict, prev), f, fd->len) == 0)
                id = prev;
            else
                id = genre__dict_intern(&c->dict, f, fd->len);
            if (id < 0)
                return GENRE_E_NOMEM;
            c->id[r] = id;
        }
    }
    ds->n_rows++;
    return GENRE_OK;
}

static genre_status check_utf8(const struct reader *rd, const char *header_name,
                               const struct field *fd, int64_t line)
{
    const char *f = field_ptr(rd, fd);
    size_t bad = utf8_check((const unsigned char *)f, fd->len);
    if (bad == fd->len)
        return GENRE_OK;
    return GENRE_FAIL(GENRE_E_INVALID_UTF8,
                      "%s:%lld: column '%s': invalid UTF-8 byte 0x%02x at offset %zu of "
                      "'%.*s'",
                      rd->name, (long long)line, header_name, (unsigned)(unsigned char)f[bad],
                      bad, show_len(fd->len), f);
}

/* ---- Rows, possibly in parallel parts -------------------------------------- */

/* Inputs above this size are cut into parts parsed on separate threads. */
#define PART_MIN_BYTES ((size_t)1 << 20)
#define MAX_PARTS 8

struct part {
    const char *begin, *end;
    int64_t first_line;
    genre_dataset *ds;
    int64_t *missing;       /* per schema column */
    int64_t blank_rows;
    genre_status st;
};

struct parse_job {
    const struct reader *rd;            /* the header's reader: settings, base */
    const genre_dataset_schema *schema;
    const struct colmap *map;
    const char *const *header;
    size_t n_header;
    struct part *parts;
};

/* Parses the records of one part into its own table. */
static void parse_part(struct parse_job *job, size_t t)
{
    struct part *pt = &job->parts[t];
    struct reader rd = *job->rd;
    rd.p = pt->begin;
    rd.end = pt->end;
    rd.line = pt->first_line;
    rd.fields = NULL;
    rd.n_fields = rd.cap_fields = 0;
    rd.scratch = NULL;
    rd.scratch_len = rd.scratch_cap = 0;
    genre_status st = GENRE_OK;
    genre_dataset *ds = NULL;
    size_t n_header = job->n_header;
    pt->missing = genre__calloc_array(job->schema->n_cols, sizeof *pt->missing);
    if (!pt->missing) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    /* Every line is at most one record: a cheap, exact-enough capacity. */
    size_t est = 1;
    for (const char *q = rd.p; (q = memchr(q, '\n', (size_t)(rd.end - q))) != NULL; q++)
        est++;
    if ((st = genre__dataset_alloc(&ds, job->schema, est)) != GENRE_OK)
        goto done;
    while (rd.p < rd.end) {
        int64_t line = rd.line;
        if ((st = read_record(&rd)) != GENRE_OK)
            goto done;
        /* An empty line is a blank record, not a one-field ragged one. */
        if (rd.n_fields == 1 && rd.fields[0].len == 0 && !rd.fields[0].quoted && n_header > 1) {
            while (rd.n_fields < n_header)
                if ((st = push_field(&rd, 0, 0, 0, 0)) != GENRE_OK)
                    goto done;
        }
        if (rd.n_fields != n_header) {
            st = GENRE_FAIL(GENRE_E_RAGGED_ROW,
                            "%s:%lld: %zu fields where the header has %zu (last column '%s')",
                            rd.name, (long long)line, rd.n_fields, n_header,
                            job->header[rd.n_fields < n_header && rd.n_fields > 0
                                            ? rd.n_fields - 1
                                            : n_header - 1]);
            goto done;
        }
        if (!rd.utf8_valid)
            for (size_t k = 0; k < n_header; k++)
                if ((st = check_utf8(&rd, job->header[k], &rd.fields[k], line)) != GENRE_OK)
                    goto done;
        if (ds->n_rows == ds->cap_rows &&
            (st = genre__dataset_reserve(ds, ds->cap_rows * 2)) != GENRE_OK)
            goto done;
        if ((st = store_row(&rd, ds, job->map, line, pt->missing)) != GENRE_OK)
            goto done;
        pt->blank_rows += ds->blank[ds->n_rows - 1];
    }
done:
    genre__free(rd.fields);
    genre__free(rd.scratch);
    pt->ds = ds;
    pt->st = st;
}

static void parse_part_worker(void *ctx, size_t begin, size_t end, int worker)
{
    (void)worker;
    for (size_t t = begin; t < end; t++)
        parse_part(ctx, t);
}

static void free_part(struct part *pt)
{
    genre_dataset_free(pt->ds);
    genre__free(pt->missing);
    pt->ds = NULL;
    pt->missing = NULL;
}

/*
 * Cuts the data records into parts at record boundaries. A line feed ends a
 * record exactly when an even number of quotes precedes it (doubled quotes
 * count twice), so one pass counting quotes finds safe cuts. Each part's
 * first line number is counted here too, so messages stay exact. Returns
 * the number of parts (1: parse on this thread).
 */
static size_t plan_parts(const struct reader *rd, const genre_dataset_schema *schema,
                         struct part *parts)
{
    size_t len = (size_t)(rd->end - rd->p);
    int n_threads = genre__resolve_threads(schema->n_threads);
    size_t n = n_threads < 1 ? 1 : (size_t)n_threads;
    if (n > MAX_PARTS)
        n = MAX_PARTS;
    if (n > len / PART_MIN_BYTES)
        n = len / PART_MIN_BYTES;
    if (n <= 1)
        return 1;
    const char *pos = rd->p;
    int64_t line = rd->line;
    int odd = 0;
    size_t k = 0;
    parts[0].begin = rd->p;
    parts[0].first_line = rd->line;
    for (size_t t = 1; t < n; t++) {
        const char *target = rd->p + len / n * t;
        if (target <= pos)
            continue;
        /* Quotes and lines up to the target... */
        for (const char *q = pos; (q = memchr(q, '"', (size_t)(target - q))) != NULL; q++)
            odd ^= 1;
        for (const char *q = pos; (q = memchr(q, '\n', (size_t)(target - q))) != NULL; q++)
            line++;
        pos = target;
        /* ...then forward to the next line feed outside quotes. */
        while (pos < rd->end && (*pos != '\n' || odd)) {
            if (*pos == '"')
                odd ^= 1;
            pos++;
        }
        if (pos >= rd->end - 1)
            break;
        pos++;
        line++;
        parts[k].end = pos;
        k++;
        parts[k].begin = pos;
        parts[k].first_line = line;
    }
    parts[k].end = rd->end;
    return k + 1;
}

/* Appends parts 1.. to part 0, re-interning their strings in order so ids
 * (first-appearance order) are exactly those of a serial parse. */
static genre_status merge_parts(struct part *parts, size_t n_parts, size_t n_cols)
{
    genre_dataset *ds = parts[0].ds;
    size_t total = 0;
    for (size_t t = 0; t < n_parts; t++)
        total += parts[t].ds->n_rows;
    genre_status st = genre__dataset_reserve(ds, total);
    if (st != GENRE_OK)
        return st;
    for (size_t t = 1; t < n_parts; t++) {
        const genre_dataset *src = parts[t].ds;
        size_t base = ds->n_rows;
        for (size_t j = 0; j < n_cols; j++) {
            struct genre__col *d = &ds->cols[j];
            const struct genre__col *c = &src->cols[j];
            parts[0].missing[j] += parts[t].missing[j];
            if (c->num) {
                memcpy(d->num + base, c->num, src->n_rows * sizeof *c->num);
                continue;
            }
            if (!c->id)
                continue;
            int32_t *remap = genre__alloc_array(c->dict.n, sizeof *remap);
            if (!remap)
                return GENRE_E_NOMEM;
            int text = ds->schema->cols[j].role == GENRE_COL_TEXT;
            for (size_t i = 0; i < c->dict.n; i++) {
                const char *str = GENRE__DICT_STR(&c->dict, i);
                remap[i] = text ? genre__dict_append(&d->dict, str, c->dict.len[i])
                                : genre__dict_intern(&d->dict, str, c->dict.len[i]);
                if (remap[i] < 0) {
                    genre__free(remap);
                    return GENRE_E_NOMEM;
                }
            }
            for (size_t r = 0; r < src->n_rows; r++)
                d->id[base + r] = c->id[r] < 0 ? -1 : remap[c->id[r]];
            genre__free(remap);
        }
        memcpy(ds->blank + base, src->blank, src->n_rows);
        memcpy(ds->line + base, src->line, src->n_rows * sizeof *src->line);
        ds->n_rows += src->n_rows;
        parts[0].blank_rows += parts[t].blank_rows;
    }
    return GENRE_OK;
}

static genre_status parse_all(struct reader *rd, const genre_dataset_schema *schema,
                              genre_dataset **out)
{
    genre_status st;
    genre_dataset *ds = NULL;
    struct colmap *map = NULL;
    int64_t *missing = NULL;
    char **header = NULL;
    size_t n_header = 0;

    /* Header. */
    int64_t line = rd->line;
    if ((st = read_record(rd)) != GENRE_OK)
        return st;
    n_header = rd->n_fields;
    header = genre__calloc_array(n_header, sizeof *header);
    if (!header)
        return GENRE_E_NOMEM;
    for (size_t k = 0; k < n_header; k++) {
        char col_label[32];
        snprintf(col_label, sizeof col_label, "#%zu (header)", k + 1);
        if ((st = check_utf8(rd, col_label, &rd->fields[k], line)) != GENRE_OK)
            goto done;
        const char *f = field_ptr(rd, &rd->fields[k]);
        header[k] = genre__alloc_array(rd->fields[k].len + 1, 1);
        if (!header[k]) {
            st = GENRE_E_NOMEM;
            goto done;
        }
        memcpy(header[k], f, rd->fields[k].len);
        header[k][rd->fields[k].len] = '\0';
        for (size_t k2 = 0; k2 < k; k2++)
            if (strcmp(header[k2], header[k]) == 0) {
                st = GENRE_FAIL(GENRE_E_DUPLICATE_COLUMN,
                                "%s:%lld: column '%s' appears twice in the header "
                                "(fields %zu and %zu)",
                                rd->name, (long long)line, header[k], k2 + 1, k + 1);
                goto done;
            }
    }
    map = genre__calloc_array(schema->n_cols, sizeof *map);
    missing = genre__calloc_array(schema->n_cols, sizeof *missing);
    if (!map || !missing) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    for (size_t j = 0; j < schema->n_cols; j++) {
        map[j].file_col = -1;
        map[j].sc = &schema->cols[j];
        for (size_t k = 0; k < n_header; k++)
            if (strcmp(header[k], schema->cols[j].name) == 0)
                map[j].file_col = (int32_t)k;
        const struct genre__schema_col *sc = &schema->cols[j];
        map[j].markers = genre__alloc_array(sc->n_missing_text + schema->n_missing_text,
                                            sizeof *map[j].markers);
        if (!map[j].markers) {
            st = GENRE_E_NOMEM;
            goto done;
        }
        for (size_t k = 0; k < sc->n_missing_text + schema->n_missing_text; k++) {
            const char *t = k < sc->n_missing_text ? sc->missing_text[k]
                                                   : schema->missing_text[k - sc->n_missing_text];
            struct marker *mk = &map[j].markers[map[j].n_markers++];
            mk->text = t;
            mk->len = strlen(t);
            if (mk->len > map[j].max_marker_len)
                map[j].max_marker_len = mk->len;
        }
        if (map[j].file_col < 0) {
            st = GENRE_FAIL(GENRE_E_MISSING_COLUMN,
                            "%s:%lld: column '%s' named by the schema is not in the header",
                            rd->name, (long long)line, schema->cols[j].name);
            goto done;
        }
    }
    if (rd->p == rd->end) {
        st = GENRE_FAIL(GENRE_E_NO_DATA_ROWS, "%s: a header and no data rows", rd->name);
        goto done;
    }

    int64_t blank_rows = 0;
    struct part parts[MAX_PARTS];
    memset(parts, 0, sizeof parts);
    size_t n_parts = plan_parts(rd, schema, parts);
    struct parse_job job = {rd, schema, map, (const char *const *)header, n_header, parts};
    if (n_parts > 1) {
        genre__parallel_for((int)n_parts, n_parts, parse_part_worker, &job);
        st = GENRE_OK;
        for (size_t t = 0; t < n_parts && st == GENRE_OK; t++)
            st = parts[t].st;
        /* Any failure: parse again on this thread, which gives the same
         * verdict with its message (worker messages stay on their threads). */
        if (st == GENRE_OK)
            st = merge_parts(parts, n_parts, schema->n_cols);
        if (st != GENRE_OK) {
            for (size_t t = 0; t < n_parts; t++)
                free_part(&parts[t]);
            memset(parts, 0, sizeof parts);
            n_parts = 0;
        }
    }
    if (n_parts <= 1) {
        parts[0].begin = rd->p;
        parts[0].end = rd->end;
        parts[0].first_line = rd->line;
        parse_part(&job, 0);
        st = parts[0].st;
        if (st != GENRE_OK) {
            genre_dataset_free(parts[0].ds);
            genre__free(parts[0].missing);
            goto done;
        }
    } else {
        for (size_t t = 1; t < n_parts; t++)
            free_part(&parts[t]);
    }
    ds = parts[0].ds;
    for (size_t j = 0; j < schema->n_cols; j++)
        missing[j] = parts[0].missing[j];
    blank_rows = parts[0].blank_rows;
    genre__free(parts[0].missing);

    /* The "no group" value and the read counters. */
    if (schema->group_col >= 0 && schema->no_group) {
        const genre__dict *d = &ds->cols[schema->group_col].dict;
        ds->no_group_id = genre__dict_find(d, schema->no_group, strlen(schema->no_group));
    }
    if ((st = genre__report_set(ds, "read", -1, "rows", (int64_t)ds->n_rows)) != GENRE_OK ||
        (st = genre__report_set(ds, "read", -1, "blank_rows", blank_rows)) != GENRE_OK)
        goto done;
    for (size_t j = 0; j < schema->n_cols; j++) {
        if (schema->cols[j].role == GENRE_COL_IGNORE)
            continue;
        if ((st = genre__report_set(ds, "read", (int32_t)j, "missing", missing[j])) != GENRE_OK)
            goto done;
    }
    if (schema->group_col >= 0) {
        int64_t no_group = 0;
        size_t n_dict = ds->cols[schema->group_col].dict.n;
        for (size_t r = 0; r < ds->n_rows; r++)
            no_group += !ds->blank[r] && !genre__has_group(ds, r);
        int64_t groups = (int64_t)n_dict - (ds->no_group_id >= 0 ? 1 : 0);
        if ((st = genre__report_set(ds, "read", schema->group_col, "groups", groups)) != GENRE_OK ||
            (st = genre__report_set(ds, "read", schema->group_col, "no_group_rows", no_group)) !=
                GENRE_OK)
            goto done;
    }
    *out = ds;
    ds = NULL;
    st = GENRE_OK;
done:
    genre_dataset_free(ds);
    for (size_t k = 0; header && k < n_header; k++)
        genre__free(header[k]);
    genre__free(header);
    for (size_t j = 0; map && j < schema->n_cols; j++)
        genre__free(map[j].markers);
    genre__free(map);
    genre__free(missing);
    return st;
}

static genre_status read_plain(genre_dataset **out, const genre_dataset_schema *schema,
                               const char *buf, size_t len, const char *name)
{
    /* A UTF-8 byte-order mark is accepted and skipped. */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    if (len == 0)
        return GENRE_FAIL(GENRE_E_EMPTY_INPUT, "%s: the input is empty", name);
    genre_status st = genre__dataset_check_nul(buf, len, name);
    if (st != GENRE_OK)
        return st;
    struct reader rd;
    memset(&rd, 0, sizeof rd);
    rd.name = name;
    rd.base = buf;
    rd.p = buf;
    rd.end = buf + len;
    rd.line = 1;
    rd.max_record = schema->max_record;
    /* One pass over the whole input is far cheaper than checking field by
     * field; only a bad input pays for the per-field search that names the
     * line and column. */
    rd.utf8_valid = utf8_check((const unsigned char *)buf, len) == len;
    rd.c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (rd.c_locale == (locale_t)0)
        return GENRE_FAIL(GENRE_E_NOMEM, "%s: cannot create the C locale", name);
    st = parse_all(&rd, schema, out);
    freelocale(rd.c_locale);
    genre__free(rd.fields);
    genre__free(rd.scratch);
    return st;
}

genre_status genre__dataset_parse(genre_dataset **out, const genre_dataset_schema *schema,
                                  const void *buf, size_t len, const char *name)
{
    const size_t limit = (uint64_t)schema->max_input < SIZE_MAX - 1 ? (size_t)schema->max_input
                                                                     : SIZE_MAX - 1;
    if (len > limit)
        return genre__dataset_too_large(name, limit, "holds");
    if (!genre__dataset_is_gzip(buf, len))
        return read_plain(out, schema, buf, len, name);
    char *plain = NULL;
    size_t plain_len = 0;
    genre_status st = genre__dataset_inflate(name, buf, len, limit, &plain, &plain_len);
    if (st != GENRE_OK)
        return st;
    st = read_plain(out, schema, plain, plain_len, name);
    genre__free(plain);
    return st;
}
