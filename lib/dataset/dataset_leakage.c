/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Leakage between the sides of a split: shared groups and duplicate rows. */
#include "dataset_private.h"

#include "alloc.h"
#include "error_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Leakage ---------------------------------------------------------------- */

static uint64_t mix64(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

/* Feature identity of a row: numeric bits (all NaNs alike, -0 == +0) and
 * categorical ids. */
static uint64_t row_hash(const genre_dataset *ds, size_t r)
{
    uint64_t h = 0;
    for (size_t j = 0; j < ds->schema->n_cols; j++) {
        const struct genre__col *c = &ds->cols[j];
        int32_t role = ds->schema->cols[j].role;
        if (role == GENRE_COL_NUMERIC) {
            double v = c->num[r];
            uint64_t bits = 0;
            if (isnan(v))
                bits = 0x7ff8000000000000ull;
            else if (v != 0.0)
                memcpy(&bits, &v, sizeof bits);
            h = mix64(h, bits);
        } else if (role == GENRE_COL_CATEGORICAL) {
            h = mix64(h, (uint64_t)(uint32_t)c->id[r]);
        }
    }
    return h;
}

static int rows_equal(const genre_dataset *ds, size_t a, size_t b)
{
    for (size_t j = 0; j < ds->schema->n_cols; j++) {
        const struct genre__col *c = &ds->cols[j];
        int32_t role = ds->schema->cols[j].role;
        if (role == GENRE_COL_NUMERIC) {
            double x = c->num[a], y = c->num[b];
            if (!(x == y || (isnan(x) && isnan(y))))
                return 0;
        } else if (role == GENRE_COL_CATEGORICAL && c->id[a] != c->id[b]) {
            return 0;
        }
    }
    return 1;
}

struct hr {
    uint64_t h;
    size_t r;
};

static int cmp_hr(const void *a, const void *b)
{
    const struct hr *x = a, *y = b;
    if (x->h != y->h)
        return (x->h > y->h) - (x->h < y->h);
    return (x->r > y->r) - (x->r < y->r);
}

genre_status genre_dataset_leakage(const genre_dataset *ds, const genre_dataset_split *sp,
                                   int64_t *shared_groups, int64_t *test_rows_in_train_groups,
                                   int64_t *duplicate_rows)
{
    GENRE_CHECK_NOT_NULL(ds);
    GENRE_CHECK_NOT_NULL(sp);
    if (sp->n_table_rows != ds->n_rows)
        return GENRE_FAIL(GENRE_E_SHAPE, "split of a %zu-row table used on a %zu-row table",
                          sp->n_table_rows, ds->n_rows);
    const size_t *train = sp->rows[GENRE_SPLIT_TRAIN], *test = sp->rows[GENRE_SPLIT_TEST];
    size_t n_train = sp->n[GENRE_SPLIT_TRAIN], n_test = sp->n[GENRE_SPLIT_TEST];
    genre_status st = GENRE_OK;
    if (ds->schema->group_col >= 0) {
        const struct genre__col *gc = &ds->cols[ds->schema->group_col];
        /* bit 0: in train; bit 1: counted as shared */
        uint8_t *mark = genre__calloc_array(gc->dict.n, 1);
        if (!mark)
            return GENRE_PASS(GENRE_E_NOMEM);
        for (size_t i = 0; i < n_train; i++)
            if (genre__has_group(ds, train[i]))
                mark[gc->id[train[i]]] |= 1;
        int64_t shared = 0, rows_in = 0;
        for (size_t i = 0; i < n_test; i++) {
            if (!genre__has_group(ds, test[i]))
                continue;
            uint8_t *m = &mark[gc->id[test[i]]];
            if (*m & 1) {
                rows_in++;
                if (!(*m & 2)) {
                    *m |= 2;
                    shared++;
                }
            }
        }
        genre__free(mark);
        if (shared_groups)
            *shared_groups = shared;
        if (test_rows_in_train_groups)
            *test_rows_in_train_groups = rows_in;
    } else {
        if (shared_groups)
            *shared_groups = 0;
        if (test_rows_in_train_groups)
            *test_rows_in_train_groups = 0;
    }
    if (duplicate_rows) {
        struct hr *h = genre__alloc_array(n_train, sizeof *h);
        if (!h)
            return GENRE_PASS(GENRE_E_NOMEM);
        for (size_t i = 0; i < n_train; i++) {
            h[i].h = row_hash(ds, train[i]);
            h[i].r = train[i];
        }
        qsort(h, n_train, sizeof *h, cmp_hr);
        int64_t dup = 0;
        for (size_t i = 0; i < n_test; i++) {
            uint64_t key = row_hash(ds, test[i]);
            size_t lo = 0, hi = n_train;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (h[mid].h < key)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (size_t k = lo; k < n_train && h[k].h == key; k++)
                if (rows_equal(ds, h[k].r, test[i])) {
                    dup++;
                    break;
                }
        }
        genre__free(h);
        *duplicate_rows = dup;
    }
    return GENRE_PASS(st);
}
