/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The LDA's partial state (genre/lda.h, "Partial fits"): one genre__moments
 * per class label, labels kept ascending. */
#include <genre/lda.h>
#include <genre/model.h>

#include "alloc.h"
#include "error_private.h"
#include "linalg.h"
#include "linear_partial.h"
#include "model_file.h"
#include "moments.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Payload v1 records (docs/partial-fits.md), d columns, K classes:
 *   1 n_features i64 (1 .. 65536), 2 n_classes i64 (0 .. 65536),
 *   3 n_rows i64 (the sum of the counts, at most 2^53), 4 labels i32[K] (strictly ascending),
 *   5 counts f64[K] (integers >= 1), 6 means f64[K*d], 7 their compensation,
 *   8 within-class co-moments f64[K*d*d] (class after class, each row-major and
 *   exactly symmetric), 9 their compensation. */
#define PAYLOAD_VERSION 1u
#define TAG_N_FEATURES 1u
#define TAG_N_CLASSES 2u
#define TAG_N_ROWS 3u
#define TAG_LABELS 4u
#define TAG_COUNTS 5u
#define TAG_MEANS 6u
#define TAG_MEANS_C 7u
#define TAG_M2 8u
#define TAG_M2_C 9u

#define MAX_COLS 65536
#define MAX_CLASSES 65536
/* Counts are stored as doubles: exact below 2^53. */
#define MAX_COUNT 9007199254740992.0

struct genre_lda_partial {
    size_t d, K;
    int64_t n;
    int32_t *labels;      /* K, ascending */
    genre__moments *cls;  /* K */
    /* add's scratch, kept between adds so a chunk does not touch fresh
     * memory (page faults cost more than the work here): */
    double *rows;         /* a block of the chunk's rows grouped by class
                           * (copied: the per-class passes then read memory
                           * in order); at most ADD_BLOCK rows, so it stays
                           * small and in cache whatever the chunk size */
    size_t rows_cap;      /* rows it has room for */
    int32_t *u;           /* the chunk's distinct labels */
    size_t u_cap;         /* labels it has room for */
    double *block;        /* genre__covariance_ex's centred block */
    size_t block_cap;     /* doubles it has room for */
};

genre_status genre_lda_partial_create(genre_lda_partial **out, size_t n_cols)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    if (n_cols == 0 || n_cols > MAX_COLS)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "n_cols is %zu; it must be in [1, %d]", n_cols,
                          MAX_COLS);
    genre_lda_partial *p = GENRE_NEW(genre_lda_partial);
    if (!p)
        return GENRE_PASS(GENRE_E_NOMEM);
    p->d = n_cols;
    *out = p;
    return GENRE_OK;
}

static void free_classes(genre__moments *cls, size_t K)
{
    for (size_t c = 0; cls && c < K; c++)
        genre__moments_free(&cls[c]);
    genre__free(cls);
}

void genre_lda_partial_free(genre_lda_partial *p)
{
    if (!p)
        return;
    free_classes(p->cls, p->K);
    genre__free(p->labels);
    genre__free(p->rows);
    genre__free(p->u);
    genre__free(p->block);
    genre__free(p);
}

static size_t find_label(const int32_t *labels, size_t K, int32_t y)
{
    size_t lo = 0, hi = K; /* first index with labels[i] >= y */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (labels[mid] < y)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int has_label(const genre_lda_partial *p, int32_t y)
{
    size_t at = find_label(p->labels, p->K, y);
    return at < p->K && p->labels[at] == y;
}

/* *fresh receives how many of add[0 .. n) p lacks; GENRE_E_INVALID_ARG
 * (recorded for func) when the union would pass MAX_CLASSES. */
static genre_status check_union(const genre_lda_partial *p, const char *func,
                                const int32_t *add, size_t n, size_t *fresh)
{
    *fresh = 0;
    for (size_t i = 0; i < n; i++)
        *fresh += !has_label(p, add[i]);
    if (p->K + *fresh > MAX_CLASSES)
        return genre__fail(GENRE_E_INVALID_ARG, func,
                           "%zu classes: a partial LDA state holds at most %d",
                           p->K + *fresh, MAX_CLASSES);
    return GENRE_OK;
}

/* Makes p's classes the union of its labels and add[0 .. n) (ascending,
 * distinct): new classes are empty. Allocates everything first, so a
 * failure (GENRE_E_NOMEM, or GENRE_E_INVALID_ARG above MAX_CLASSES,
 * recorded for func) leaves p as it was. */
static genre_status grow(genre_lda_partial *p, const char *func, const int32_t *add, size_t n)
{
    size_t fresh = 0;
    genre_status st = check_union(p, func, add, n, &fresh);
    if (st != GENRE_OK || fresh == 0)
        return st;
    const size_t K = p->K + fresh;
    int32_t *labels = genre__alloc_array(K, sizeof(int32_t));
    genre__moments *cls = labels ? genre__calloc_array(K, sizeof(genre__moments)) : NULL;
    genre__moments *made = cls ? genre__calloc_array(fresh, sizeof(genre__moments)) : NULL;
    size_t n_made = 0;
    while (made && n_made < fresh && genre__moments_init(&made[n_made], p->d, 1) == GENRE_OK)
        n_made++;
    if (n_made < fresh) {
        free_classes(made, n_made);
        genre__free(cls);
        genre__free(labels);
        return GENRE_E_NOMEM;
    }
    /* merge the two sorted lists; the old classes' moments move over */
    size_t i = 0, j = 0, k = 0, m = 0;
    while (i < p->K || j < n) {
        if (j < n && i < p->K && add[j] == p->labels[i])
            j++;
        else if (j == n || (i < p->K && p->labels[i] < add[j])) {
            labels[k] = p->labels[i];
            cls[k++] = p->cls[i++];
        } else {
            labels[k] = add[j++];
            cls[k++] = made[m++];
        }
    }
    genre__free(made);
    genre__free(p->cls);
    genre__free(p->labels);
    p->cls = cls;
    p->labels = labels;
    p->K = K;
    return GENRE_OK;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Scratch of one add. */
typedef struct add_scratch {
    int32_t *u;          /* the chunk's distinct labels, ascending (the state's) */
    int32_t *slot;       /* per label - lo: its index in u, or NULL (wide span) */
    int32_t lo;
    size_t *start;       /* Kc + 1 offsets into the gathered block */
    double *rows;        /* a block's rows grouped by class (the state's) */
    genre__moments *cm;  /* Kc chunk moments */
    size_t Kc;
    genre__moments bm;   /* one class's moments in one block */
} add_scratch;

static void add_scratch_free(add_scratch *s)
{
    free_classes(s->cm, s->Kc);
    genre__moments_free(&s->bm);
    genre__free(s->slot);
    genre__free(s->start);
}

/* Rows of a chunk grouped and reduced at a time: the chunk's class moments
 * are the merge of its blocks' (in block order), so the add's scratch is
 * about ADD_BLOCK x d doubles (832 KiB for 13 columns), not a copy of the
 * chunk. */
#define ADD_BLOCK 8192

/* Grows p's kept scratch for a chunk of n_rows rows. GENRE_E_NOMEM (p keeps
 * what it had). */
static genre_status reserve_scratch(genre_lda_partial *p, size_t n_rows)
{
    if (p->u_cap < n_rows) {
        int32_t *u = genre__alloc_array(n_rows, sizeof(int32_t));
        if (!u)
            return GENRE_E_NOMEM;
        genre__free(p->u);
        p->u = u;
        p->u_cap = n_rows;
    }
    const size_t block_rows = n_rows < ADD_BLOCK ? n_rows : ADD_BLOCK;
    if (p->rows_cap < block_rows) {
        double *rows = genre__alloc_array(block_rows, p->d * sizeof(double));
        if (!rows)
            return GENRE_E_NOMEM;
        genre__free(p->rows);
        p->rows = rows;
        p->rows_cap = block_rows;
    }
    size_t need = genre__covariance_scratch_len(block_rows, p->d);
    if (p->block_cap < need) {
        double *block = genre__alloc_array(need, sizeof(double));
        if (!block)
            return GENRE_E_NOMEM;
        genre__free(p->block);
        p->block = block;
        p->block_cap = need;
    }
    return GENRE_OK;
}

/* Widest label span (max - min + 1 above the row count) that gets a table
 * from label to class: labels are usually codes 0 .. K - 1. */
#define SLOT_SPAN_EXTRA 65536

/* s->u and its length *Kc: y[0 .. n)'s distinct labels, ascending (n >= 1).
 * Labels of a narrow span are counted in a table (linear time), which also
 * gives each row's class (s->slot); a wide span is sorted. */
static genre_status distinct_labels(add_scratch *s, const int32_t *y, size_t n, size_t *Kc)
{
    int32_t lo = y[0], hi = y[0];
    for (size_t i = 1; i < n; i++) {
        lo = y[i] < lo ? y[i] : lo;
        hi = y[i] > hi ? y[i] : hi;
    }
    uint64_t span = (uint64_t)((int64_t)hi - lo) + 1;
    if (span <= (uint64_t)n + SLOT_SPAN_EXTRA) {
        s->slot = genre__calloc_array((size_t)span, sizeof(int32_t));
        if (!s->slot)
            return GENRE_E_NOMEM;
        s->lo = lo;
        for (size_t i = 0; i < n; i++)
            s->slot[(uint32_t)((int64_t)y[i] - lo)] = 1;
        size_t k = 0;
        for (size_t v = 0; v < span; v++)
            if (s->slot[v]) {
                s->u[k] = (int32_t)((int64_t)lo + (int64_t)v);
                s->slot[v] = (int32_t)k++;
            }
        *Kc = k;
        return GENRE_OK;
    }
    memcpy(s->u, y, n * sizeof(int32_t));
    qsort(s->u, n, sizeof(int32_t), cmp_i32);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (s->u[i] != s->u[k - 1])
            s->u[k++] = s->u[i];
    *Kc = k;
    return GENRE_OK;
}

/* The index in s->u of row label y. */
static size_t class_of(const add_scratch *s, size_t Kc, int32_t y)
{
    return s->slot ? (size_t)s->slot[(uint32_t)((int64_t)y - s->lo)] : find_label(s->u, Kc, y);
}

genre_status genre_lda_partial_add(genre_lda_partial *p, const double *x, size_t n_rows,
                                   size_t n_cols, size_t row_stride, const int32_t *y)
{
    GENRE_CHECK_NOT_NULL(p);
    /* x's values are not scanned here: a NaN or infinity makes its class's
     * sums non-finite, and any failure below looks for one first
     * (nonfinite_first), so the errors are those of a scan made first. */
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 0);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (!y && (st = genre__moments_nonfinite_first(__func__, x, n_rows, n_cols, row_stride,
                                                     GENRE_OK)) != GENRE_OK)
        return GENRE_PASS(st);
    GENRE_CHECK_NOT_NULL(y);
    if ((st = genre__moments_check_add(__func__, p->d, p->n, n_rows, n_cols)) != GENRE_OK)
        return genre__moments_nonfinite_first(__func__, x, n_rows, n_cols, row_stride, st);
    add_scratch s = {0};
    if ((st = reserve_scratch(p, n_rows)) != GENRE_OK)
        goto done;
    s.u = p->u;
    s.rows = p->rows;
    size_t Kc = 0;
    if ((st = distinct_labels(&s, y, n_rows, &Kc)) != GENRE_OK)
        goto done;
    size_t fresh;
    if ((st = check_union(p, __func__, s.u, Kc, &fresh)) != GENRE_OK)
        goto done;
    s.start = genre__calloc_array(Kc + 1, sizeof(size_t));
    s.cm = s.start ? genre__calloc_array(Kc, sizeof(genre__moments)) : NULL;
    if (!s.cm) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    const size_t d = p->d;
    for (; s.Kc < Kc; s.Kc++)
        if ((st = genre__moments_init(&s.cm[s.Kc], d, 1)) != GENRE_OK)
            goto done;
    if ((st = genre__moments_init(&s.bm, d, 1)) != GENRE_OK)
        goto done;
    /* Block by block: group its rows by class (a counting sort, stable),
     * reduce each class's rows and merge them into the chunk's moments. The
     * state changes only once every block is done, so a failure leaves it
     * as it was. */
    for (size_t i0 = 0; i0 < n_rows; i0 += ADD_BLOCK) {
        const size_t i1 = n_rows - i0 < ADD_BLOCK ? n_rows : i0 + ADD_BLOCK;
        memset(s.start, 0, (Kc + 1) * sizeof *s.start);
        for (size_t i = i0; i < i1; i++)
            s.start[class_of(&s, Kc, y[i]) + 1]++;
        for (size_t c = 0; c < Kc; c++)
            s.start[c + 1] += s.start[c];
        for (size_t i = i0; i < i1; i++) {
            size_t c = class_of(&s, Kc, y[i]);
            memcpy(s.rows + s.start[c] * d, x + i * row_stride, d * sizeof(double));
            s.start[c]++;
        }
        for (size_t c = Kc; c > 0; c--) /* back to the starts */
            s.start[c] = s.start[c - 1];
        s.start[0] = 0;
        for (size_t c = 0; c < Kc; c++) {
            const size_t rows_c = s.start[c + 1] - s.start[c];
            if (rows_c == 0)
                continue;
            st = genre__moments_of_rows(&s.bm, s.rows + s.start[c] * d, rows_c, d, p->block);
            if (st == GENRE_E_NUMERIC)
                st = GENRE_FAIL(GENRE_E_NUMERIC,
                                "the sums of x's rows of class %d overflow (values too large "
                                "to average)",
                                (int)s.u[c]);
            if (st != GENRE_OK)
                goto done;
            genre__moments_merge(&s.cm[c], &s.bm);
        }
    }
    for (size_t c = 0; c < Kc; c++) /* the blocks' merge may overflow too */
        if (!genre__moments_finite(&s.cm[c])) {
            st = GENRE_FAIL(GENRE_E_NUMERIC,
                            "the sums of x's rows of class %d overflow (values too large to "
                            "average)",
                            (int)s.u[c]);
            goto done;
        }
    if ((st = grow(p, __func__, s.u, Kc)) != GENRE_OK)
        goto done;
    for (size_t c = 0; c < Kc; c++)
        genre__moments_merge(&p->cls[find_label(p->labels, p->K, s.u[c])], &s.cm[c]);
    p->n += (int64_t)n_rows;
done:
    add_scratch_free(&s);
    if (st != GENRE_OK)
        st = genre__moments_nonfinite_first(__func__, x, n_rows, n_cols, row_stride, st);
    return GENRE_PASS(st);
}

genre_status genre_lda_partial_merge(genre_lda_partial *into, const genre_lda_partial *from)
{
    GENRE_CHECK_NOT_NULL(into);
    GENRE_CHECK_NOT_NULL(from);
    genre_status st =
        genre__moments_check_merge(__func__, into == from, into->d, into->n, from->d, from->n);
    if (st != GENRE_OK)
        return st;
    st = grow(into, __func__, from->labels, from->K);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    for (size_t c = 0; c < from->K; c++)
        genre__moments_merge(&into->cls[find_label(into->labels, into->K, from->labels[c])],
                             &from->cls[c]);
    into->n += from->n;
    return GENRE_OK;
}

genre_status genre_lda_partial_n_rows(const genre_lda_partial *p, int64_t *out)
{
    GENRE_CHECK_NOT_NULL(p);
    GENRE_CHECK_NOT_NULL(out);
    *out = p->n;
    return GENRE_OK;
}

genre_status genre_lda_fit_partial(genre_lda *lda, const genre_lda_partial *p)
{
    GENRE_CHECK_NOT_NULL(lda);
    GENRE_CHECK_NOT_NULL(p);
    const size_t d = p->d, K = p->K;
    int64_t *counts = genre__alloc_array(K, sizeof(int64_t));
    double *means = counts ? genre__alloc_array(K, d * sizeof(double)) : NULL;
    double *within = means ? genre__calloc_array(d, d * sizeof(double)) : NULL;
    double *m2 = within ? genre__alloc_array(d, d * sizeof(double)) : NULL;
    genre_status st = GENRE_E_NOMEM;
    if (m2) {
        /* W: the sum of the classes' co-moments, in label order */
        for (size_t c = 0; c < K; c++) {
            counts[c] = p->cls[c].n;
            genre__moments_values(&p->cls[c], means + c * d, m2);
            for (size_t i = 0; i < d * d; i++)
                within[i] += m2[i];
        }
        st = genre__lda_fit_classes(lda, __func__, K, p->labels, counts, means, within, d);
    }
    genre__free(m2);
    genre__free(within);
    genre__free(means);
    genre__free(counts);
    return GENRE_PASS(st);
}

/* ---- Persistence --------------------------------------------------------- */

/* Puts one of the four per-class arrays (which: 0 means, 1 their
 * compensation, 2 co-moments, 3 theirs) as one record, class after class. */
static genre_status put_concat(genre__mf_writer *w, uint32_t tag, const genre_lda_partial *p,
                               int which)
{
    const size_t d = p->d, per = which < 2 ? d : d * d;
    double *all = genre__alloc_array(p->K ? p->K : 1, per * sizeof(double));
    if (!all)
        return GENRE_E_NOMEM;
    for (size_t c = 0; c < p->K; c++) {
        const genre__moments *m = &p->cls[c];
        const double *src = which == 0 ? m->mean : which == 1 ? m->mean_c
                            : which == 2 ? m->m2 : m->m2_c;
        memcpy(all + c * per, src, per * sizeof(double));
    }
    genre_status st = genre__mf_put_f64_array(w, tag, all, p->K * per);
    genre__free(all);
    return st;
}

static genre_status write_state(const void *state, genre__mf_writer *w)
{
    const genre_lda_partial *p = state;
    genre__mf_put_i64(w, TAG_N_FEATURES, (int64_t)p->d);
    genre__mf_put_i64(w, TAG_N_CLASSES, (int64_t)p->K);
    genre__mf_put_i64(w, TAG_N_ROWS, p->n);
    genre__mf_put_i32_array(w, TAG_LABELS, p->labels, p->K);
    double *counts = genre__alloc_array(p->K ? p->K : 1, sizeof(double));
    if (!counts)
        return GENRE_E_NOMEM;
    for (size_t c = 0; c < p->K; c++)
        counts[c] = (double)p->cls[c].n;
    genre_status st = genre__mf_put_f64_array(w, TAG_COUNTS, counts, p->K);
    genre__free(counts);
    for (int which = 0; which < 4 && st == GENRE_OK; which++)
        st = put_concat(w, TAG_MEANS + (uint32_t)which, p, which);
    return st;
}

static genre_status read_state(const genre__mf_reader *r, void *dest, const char *func)
{
    genre_lda_partial **out = dest;
    *out = NULL;
    if (r == NULL)
        return GENRE_OK;
    int64_t d64, K64, n64;
    genre_status st;
    if ((st = genre__mf_get_i64(r, TAG_N_FEATURES, &d64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_CLASSES, &K64)) != GENRE_OK ||
        (st = genre__mf_get_i64(r, TAG_N_ROWS, &n64)) != GENRE_OK)
        return st;
    if (d64 < 1 || d64 > MAX_COLS || K64 < 0 || K64 > MAX_CLASSES || n64 < 0 ||
        n64 > GENRE__MOMENTS_MAX_ROWS ||
        (K64 == 0) != (n64 == 0))
        return genre__fail(GENRE_E_CORRUPT, func,
                           "inconsistent LDA partial state: n_features %lld, n_classes %lld, "
                           "n_rows %lld",
                           (long long)d64, (long long)K64, (long long)n64);
    const size_t d = (size_t)d64, K = (size_t)K64;
    /* K <= 2^16 and d <= 2^16: K d d < 2^48, no overflow */
    const uint64_t kd = (uint64_t)K * d, kdd = kd * d;
    if ((st = genre__mf_expect_count(r, func, TAG_LABELS, GENRE__MF_I32_ARRAY, "labels", K)) ||
        (st = genre__mf_expect_count(r, func, TAG_COUNTS, GENRE__MF_F64_ARRAY, "counts", K)) ||
        (st = genre__mf_expect_count(r, func, TAG_MEANS, GENRE__MF_F64_ARRAY, "means", kd)) ||
        (st = genre__mf_expect_count(r, func, TAG_MEANS_C, GENRE__MF_F64_ARRAY,
                                     "mean compensations", kd)) ||
        (st = genre__mf_expect_count(r, func, TAG_M2, GENRE__MF_F64_ARRAY, "co-moments",
                                     kdd)) ||
        (st = genre__mf_expect_count(r, func, TAG_M2_C, GENRE__MF_F64_ARRAY,
                                     "co-moment compensations", kdd)))
        return st;
    genre_lda_partial *p = NULL;
    double *counts = NULL, *all = NULL;
    if ((st = genre_lda_partial_create(&p, d)) != GENRE_OK)
        return st;
    st = GENRE_E_NOMEM;
    p->labels = genre__alloc_array(K ? K : 1, sizeof(int32_t));
    p->cls = p->labels ? genre__calloc_array(K ? K : 1, sizeof(genre__moments)) : NULL;
    counts = p->cls ? genre__alloc_array(K ? K : 1, sizeof(double)) : NULL;
    all = counts ? genre__alloc_array(kdd ? (size_t)kdd : 1, sizeof(double)) : NULL;
    if (!all)
        goto fail;
    for (; p->K < K; p->K++)
        if (genre__moments_init(&p->cls[p->K], d, 1) != GENRE_OK)
            goto fail;
    if ((st = genre__mf_get_i32_array(r, TAG_LABELS, p->labels, K)) != GENRE_OK ||
        (st = genre__mf_get_f64_array(r, TAG_COUNTS, counts, K)) != GENRE_OK)
        goto fail;
    double total = 0;
    for (size_t c = 0; c < K; c++) {
        if ((c > 0 && p->labels[c] <= p->labels[c - 1]) || !(counts[c] >= 1) ||
            !(counts[c] <= MAX_COUNT) || counts[c] != floor(counts[c])) {
            st = genre__fail(GENRE_E_CORRUPT, func,
                             "LDA partial state: class %zu has label %d and count %g (labels "
                             "must ascend, counts be whole numbers >= 1)",
                             c, (int)p->labels[c], counts[c]);
            goto fail;
        }
        p->cls[c].n = (int64_t)counts[c];
        total += counts[c];
    }
    if (total != (double)n64) {
        st = genre__fail(GENRE_E_CORRUPT, func,
                         "LDA partial state: the class counts add up to %.17g, not n_rows %lld",
                         total, (long long)n64);
        goto fail;
    }
    p->n = n64;
    for (int which = 0; which < 4; which++) {
        const size_t per = which < 2 ? d : d * d;
        if ((st = genre__mf_get_f64_array(r, TAG_MEANS + (uint32_t)which, all, K * per)) !=
            GENRE_OK)
            goto fail;
        for (size_t c = 0; c < K; c++) {
            genre__moments *m = &p->cls[c];
            double *dst = which == 0 ? m->mean : which == 1 ? m->mean_c
                          : which == 2 ? m->m2 : m->m2_c;
            memcpy(dst, all + c * per, per * sizeof(double));
        }
    }
    for (size_t c = 0; c < K; c++) {
        size_t i, j;
        if (!genre__moments_finite(&p->cls[c]) || genre__moments_asymmetric(&p->cls[c], &i, &j)) {
            st = genre__fail(GENRE_E_CORRUPT, func,
                             "LDA partial state: class %d has a non-finite or asymmetric "
                             "mean or co-moment",
                             (int)p->labels[c]);
            goto fail;
        }
    }
    genre__free(all);
    genre__free(counts);
    *out = p;
    return GENRE_OK;
fail:
    genre__free(all);
    genre__free(counts);
    genre_lda_partial_free(p);
    return st;
}

static const genre__mf_codec codec = {GENRE_MODEL_LDA_PARTIAL, PAYLOAD_VERSION,
                                      "LDA partial state", write_state, read_state};

genre_status genre_lda_partial_save_to_memory(const genre_lda_partial *p, void *buf, size_t cap,
                                              size_t *needed)
{
    GENRE_CHECK_NOT_NULL(p);
    return GENRE_PASS(genre__mf_save_memory(__func__, p, buf, cap, needed, &codec));
}

genre_status genre_lda_partial_load_from_memory(genre_lda_partial **out, const void *buf,
                                                size_t len)
{
    return genre__mf_load_memory(__func__, out, buf, len, &codec);
}
