/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Train/test splits (stratified by label: a count or a fraction per class;
 * grouped; given by the caller as a mask or row list) and the subsets they
 * select; dataset_leakage.c measures what a split shares across its sides. */
#include "dataset_private.h"

#include "alloc.h"
#include "error_private.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Splits ----------------------------------------------------------------- */

void genre_dataset_split_free(genre_dataset_split *sp)
{
    if (!sp)
        return;
    for (int s = 0; s < 2; s++) {
        genre__free(sp->rows[s]);
        genre__free(sp->class_counts[s]);
    }
    genre__free(sp);
}

/* Label ids per row (the table's label dictionary order). */
static genre_status split_labels(const genre_dataset *ds, int64_t test_per_class,
                                 const int32_t **labels, size_t *n_classes)
{
    GENRE_CHECK_NOT_NULL(ds);
    if (test_per_class < 0)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "test_per_class %lld < 0", (long long)test_per_class);
    int32_t j = ds->schema->label_col;
    if (j < 0)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the schema has no label column");
    const struct genre__col *c = &ds->cols[j];
    for (size_t r = 0; r < ds->n_rows; r++)
        if (c->id[r] < 0)
            return GENRE_FAIL(GENRE_E_BAD_STATE,
                              GENRE__AT_FMT " has no label (drop empty rows before splitting)",
                              GENRE__AT(ds, r));
    *labels = c->id;
    *n_classes = c->dict.n;
    return GENRE_OK;
}

/* Fills sides from side_of[r] in table order, counts classes (rows whose
 * label is missing, or every row when labels is NULL, are not counted), then
 * shuffles both sides when rng is not NULL. */
static genre_status finish_split(genre_dataset_split **out, const genre_dataset *ds,
                                 const uint8_t *side_of, const int32_t *labels, size_t n_classes,
                                 genre__rng *rng)
{
    genre_dataset_split *sp = GENRE_NEW(genre_dataset_split);
    if (!sp)
        return GENRE_E_NOMEM;
    sp->n_table_rows = ds->n_rows;
    sp->n_classes = n_classes;
    for (size_t r = 0; r < ds->n_rows; r++)
        sp->n[side_of[r]]++;
    for (int s = 0; s < 2; s++) {
        sp->rows[s] = genre__alloc_array(sp->n[s], sizeof(size_t));
        sp->class_counts[s] = genre__calloc_array(n_classes, sizeof(int64_t));
        if (!sp->rows[s] || !sp->class_counts[s]) {
            genre_dataset_split_free(sp);
            return GENRE_E_NOMEM;
        }
    }
    size_t k[2] = {0, 0};
    for (size_t r = 0; r < ds->n_rows; r++) {
        int s = side_of[r];
        sp->rows[s][k[s]++] = r;
        if (labels && labels[r] >= 0)
            sp->class_counts[s][labels[r]]++;
    }
    if (rng) {
        genre__rng_shuffle_size(rng, sp->rows[GENRE_SPLIT_TRAIN], sp->n[GENRE_SPLIT_TRAIN]);
        genre__rng_shuffle_size(rng, sp->rows[GENRE_SPLIT_TEST], sp->n[GENRE_SPLIT_TEST]);
    }
    *out = sp;
    return GENRE_OK;
}

static const char *class_name(const genre_dataset *ds, size_t c)
{
    return GENRE__DICT_STR(&ds->cols[ds->schema->label_col].dict, c);
}

/* Rows per class, as start offsets of a counting sort: class c has
 * start[c + 1] - start[c] rows. *start has n_classes + 1 entries. */
static genre_status class_starts(const int32_t *labels, size_t n, size_t n_classes,
                                 size_t **start)
{
    size_t *st = genre__calloc_array(n_classes + 1, sizeof *st);
    if (!st)
        return GENRE_E_NOMEM;
    for (size_t r = 0; r < n; r++)
        st[labels[r] + 1]++;
    for (size_t c = 0; c < n_classes; c++)
        st[c + 1] += st[c];
    *start = st;
    return GENRE_OK;
}

/* Shuffles each class's rows (kept in table order by a counting sort, so
 * the draw depends only on the table and the seed) and sends the first
 * n_test[c] of class c to test, then finishes the split. */
static genre_status draw_per_class(genre_dataset_split **out, const genre_dataset *ds,
                                   const int32_t *labels, size_t n_classes, const size_t *start,
                                   const size_t *n_test, uint64_t seed)
{
    size_t n = ds->n_rows;
    genre_status st = GENRE_OK;
    size_t *by_class = genre__alloc_array(n, sizeof *by_class);
    size_t *fill = genre__alloc_array(n_classes + 1, sizeof *fill);
    uint8_t *side_of = genre__calloc_array(n, 1);
    if (!by_class || !fill || !side_of) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    memcpy(fill, start, (n_classes + 1) * sizeof *fill);
    for (size_t r = 0; r < n; r++)
        by_class[fill[labels[r]]++] = r;
    genre__rng rng;
    genre__rng_init(&rng, seed, 0);
    for (size_t c = 0; c < n_classes; c++) {
        size_t m = start[c + 1] - start[c];
        if (m == 0)
            continue;
        genre__rng_shuffle_size(&rng, by_class + start[c], m);
        for (size_t i = 0; i < n_test[c]; i++)
            side_of[by_class[start[c] + i]] = GENRE_SPLIT_TEST;
    }
    st = finish_split(out, ds, side_of, labels, n_classes, &rng);
done:
    genre__free(by_class);
    genre__free(fill);
    genre__free(side_of);
    return st;
}

genre_status genre_dataset_split_stratified(genre_dataset_split **out, const genre_dataset *ds,
                                            int64_t test_per_class, uint64_t seed)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    const int32_t *labels = NULL;
    size_t n_classes = 0;
    genre_status st = split_labels(ds, test_per_class, &labels, &n_classes);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    size_t *start = NULL;
    size_t *n_test = genre__alloc_array(n_classes, sizeof *n_test);
    if (!n_test || (st = class_starts(labels, ds->n_rows, n_classes, &start)) != GENRE_OK) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    for (size_t c = 0; c < n_classes; c++) {
        size_t m = start[c + 1] - start[c];
        if (m > 0 && m < (uint64_t)test_per_class) {
            st = GENRE_FAIL(GENRE_E_INVALID_ARG, "class '%s' has %zu rows, fewer than %lld",
                            class_name(ds, c), m, (long long)test_per_class);
            goto done;
        }
        n_test[c] = m > 0 ? (size_t)test_per_class : 0;
    }
    st = draw_per_class(out, ds, labels, n_classes, start, n_test, seed);
done:
    genre__free(start);
    genre__free(n_test);
    return GENRE_PASS(st);
}

struct remainder {
    double frac;
    size_t c;
};

/* Largest remainder first; ties go to the class that appeared first. */
static int by_remainder(const void *a, const void *b)
{
    const struct remainder *x = a, *y = b;
    if (x->frac != y->frac)
        return x->frac > y->frac ? -1 : 1;
    return x->c < y->c ? -1 : x->c > y->c;
}

/* Test rows per class by the largest-remainder rule of the header. */
static genre_status fraction_counts(const genre_dataset *ds, const size_t *start,
                                    size_t n_classes, double f, size_t *n_test)
{
    struct remainder *rem = genre__alloc_array(n_classes + 1, sizeof *rem);
    if (!rem)
        return GENRE_E_NOMEM;
    size_t n_rem = 0, given = 0;
    for (size_t c = 0; c < n_classes; c++) {
        size_t m = start[c + 1] - start[c];
        double q = f * (double)m;
        n_test[c] = (size_t)floor(q);
        given += n_test[c];
        if (m > 0 && q > floor(q))
            rem[n_rem++] = (struct remainder){q - floor(q), c};
    }
    double total = floor(f * (double)ds->n_rows + 0.5);
    size_t extra = total > (double)given ? (size_t)total - given : 0;
    qsort(rem, n_rem, sizeof *rem, by_remainder);
    for (size_t i = 0; i < extra && i < n_rem; i++)
        n_test[rem[i].c]++;
    genre__free(rem);
    for (size_t c = 0; c < n_classes; c++) {
        size_t m = start[c + 1] - start[c];
        if (m == 0)
            continue;
        if (n_test[c] < 1)
            n_test[c] = 1;
        if (n_test[c] > m - 1)
            n_test[c] = m - 1;
    }
    return GENRE_OK;
}

genre_status genre_dataset_split_stratified_fraction(genre_dataset_split **out,
                                                     const genre_dataset *ds,
                                                     double test_fraction, uint64_t seed)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    if (!(test_fraction > 0.0 && test_fraction < 1.0))
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "test_fraction %g is not in (0, 1)",
                          test_fraction);
    const int32_t *labels = NULL;
    size_t n_classes = 0;
    genre_status st = split_labels(ds, 0, &labels, &n_classes);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    size_t *start = NULL;
    size_t *n_test = genre__alloc_array(n_classes + 1, sizeof *n_test);
    if (!n_test || (st = class_starts(labels, ds->n_rows, n_classes, &start)) != GENRE_OK) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    for (size_t c = 0; c < n_classes; c++) {
        size_t m = start[c + 1] - start[c];
        if (m == 1) {
            st = GENRE_FAIL(GENRE_E_INVALID_ARG,
                            "class '%s' has 1 row; every class needs at least 2 (one test "
                            "row and one training row)",
                            class_name(ds, c));
            goto done;
        }
    }
    if ((st = fraction_counts(ds, start, n_classes, test_fraction, n_test)) == GENRE_OK)
        st = draw_per_class(out, ds, labels, n_classes, start, n_test, seed);
done:
    genre__free(start);
    genre__free(n_test);
    return GENRE_PASS(st);
}

/* Label ids for the class counts of a caller's split: NULL (nothing
 * counted) when the schema has no label column. */
static const int32_t *given_labels(const genre_dataset *ds, size_t *n_classes)
{
    int32_t j = ds->schema->label_col;
    *n_classes = j < 0 ? 0 : ds->cols[j].dict.n;
    return j < 0 ? NULL : ds->cols[j].id;
}

genre_status genre_dataset_split_from_mask(genre_dataset_split **out, const genre_dataset *ds,
                                           const uint8_t *is_test, size_t n)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(ds);
    if (n != ds->n_rows)
        return GENRE_FAIL(GENRE_E_SHAPE, "the mask has %zu entries, the table %zu rows", n,
                          ds->n_rows);
    if (n > 0)
        GENRE_CHECK_NOT_NULL(is_test);
    for (size_t r = 0; r < n; r++)
        if (is_test[r] > 1)
            return GENRE_FAIL(GENRE_E_INVALID_ARG,
                              "is_test[%zu] (" GENRE__AT_FMT ") is %u, not 0 (train) or 1 (test)", r,
                              GENRE__AT(ds, r), (unsigned)is_test[r]);
    size_t n_classes = 0;
    const int32_t *labels = given_labels(ds, &n_classes);
    return GENRE_PASS(finish_split(out, ds, is_test, labels, n_classes, NULL));
}

genre_status genre_dataset_split_from_indices(genre_dataset_split **out,
                                              const genre_dataset *ds,
                                              const int64_t *test_rows, size_t n_test)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(ds);
    if (n_test > 0)
        GENRE_CHECK_NOT_NULL(test_rows);
    size_t n = ds->n_rows;
    /* first[r] = 1 + the position of row r in test_rows, 0 when absent. */
    size_t *first = genre__calloc_array(n + 1, sizeof *first);
    uint8_t *side_of = genre__calloc_array(n + 1, 1);
    genre_status st = GENRE_OK;
    if (!first || !side_of) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n_test; i++) {
        int64_t r = test_rows[i];
        if (r < 0 || (uint64_t)r >= n) {
            st = GENRE_FAIL(GENRE_E_INVALID_ARG, "test_rows[%zu] = %lld is outside the table's "
                            "%zu rows", i, (long long)r, n);
            goto done;
        }
        if (first[r]) {
            st = GENRE_FAIL(GENRE_E_INVALID_ARG, "test_rows[%zu] = %lld repeats test_rows[%zu]",
                            i, (long long)r, first[r] - 1);
            goto done;
        }
        first[r] = i + 1;
        side_of[r] = GENRE_SPLIT_TEST;
    }
    size_t n_classes = 0;
    const int32_t *labels = given_labels(ds, &n_classes);
    genre_dataset_split *sp = NULL;
    if ((st = finish_split(&sp, ds, side_of, labels, n_classes, NULL)) != GENRE_OK)
        goto done;
    /* The test side in the caller's order; the same rows finish_split put there. */
    for (size_t i = 0; i < n_test; i++)
        sp->rows[GENRE_SPLIT_TEST][i] = (size_t)test_rows[i];
    *out = sp;
done:
    genre__free(first);
    genre__free(side_of);
    return GENRE_PASS(st);
}

genre_status genre_dataset_split_grouped(genre_dataset_split **out, const genre_dataset *ds,
                                         int64_t test_per_class, uint64_t seed)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    const int32_t *labels = NULL;
    size_t n_classes = 0;
    genre_status st = split_labels(ds, test_per_class, &labels, &n_classes);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (ds->schema->group_col < 0)
        return GENRE_FAIL(GENRE_E_BAD_STATE, "the schema has no group column");
    size_t n = ds->n_rows;
    const struct genre__col *gc = &ds->cols[ds->schema->group_col];
    size_t n_groups = gc->dict.n;
    /* Units: one per group id, then one per group-less row. */
    size_t n_units = n_groups + n;
    size_t *unit_of = genre__alloc_array(n, sizeof *unit_of);
    size_t *order = genre__alloc_array(n_units, sizeof *order);
    size_t *ustart = genre__calloc_array(n_units + 1, sizeof *ustart);
    size_t *urows = genre__alloc_array(n, sizeof *urows);
    int64_t *test_count = genre__calloc_array(n_classes, sizeof *test_count);
    int64_t *unit_count = genre__calloc_array(n_classes, sizeof *unit_count);
    uint8_t *side_of = genre__calloc_array(n, 1);
    if (!unit_of || !order || !ustart || !urows || !test_count || !unit_count || !side_of) {
        st = GENRE_E_NOMEM;
        goto done;
    }
    for (size_t r = 0; r < n; r++) {
        unit_of[r] = genre__has_group(ds, r) ? (size_t)gc->id[r] : n_groups + r;
        ustart[unit_of[r] + 1]++;
    }
    for (size_t u = 0; u < n_units; u++)
        ustart[u + 1] += ustart[u];
    {
        size_t *fill = genre__alloc_array(n_units, sizeof *fill);
        if (!fill) {
            st = GENRE_E_NOMEM;
            goto done;
        }
        memcpy(fill, ustart, n_units * sizeof *fill);
        for (size_t r = 0; r < n; r++)
            urows[fill[unit_of[r]]++] = r;
        genre__free(fill);
    }
    size_t n_order = 0;
    for (size_t u = 0; u < n_units; u++)
        if (ustart[u + 1] > ustart[u])
            order[n_order++] = u;
    genre__rng rng;
    genre__rng_init(&rng, seed, 1);
    genre__rng_shuffle_size(&rng, order, n_order);
    /* Greedy in two passes over the shuffled units: first a unit goes to
     * test only when no class overshoots its target (singletons fill the
     * gaps exactly), then any unit that still lowers the L1 distance of the
     * per-class test counts to the target. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n_order; i++) {
            size_t u = order[i];
            if (side_of[urows[ustart[u]]] == GENRE_SPLIT_TEST)
                continue;
            for (size_t k = ustart[u]; k < ustart[u + 1]; k++)
                unit_count[labels[urows[k]]]++;
            int64_t delta = 0;
            int fits = 1;
            for (size_t c = 0; c < n_classes; c++) {
                if (!unit_count[c])
                    continue;
                if (test_count[c] + unit_count[c] > test_per_class)
                    fits = 0;
                delta += llabs(test_count[c] + unit_count[c] - test_per_class) -
                         llabs(test_count[c] - test_per_class);
            }
            int take = pass == 0 ? fits && delta < 0 : delta < 0;
            if (take)
                for (size_t k = ustart[u]; k < ustart[u + 1]; k++)
                    side_of[urows[k]] = GENRE_SPLIT_TEST;
            for (size_t c = 0; c < n_classes; c++) {
                if (take)
                    test_count[c] += unit_count[c];
                unit_count[c] = 0;
            }
        }
    }
    st = finish_split(out, ds, side_of, labels, n_classes, &rng);
done:
    genre__free(unit_of);
    genre__free(order);
    genre__free(ustart);
    genre__free(urows);
    genre__free(test_count);
    genre__free(unit_count);
    genre__free(side_of);
    return GENRE_PASS(st);
}

static genre_status split_side(const genre_dataset_split *sp, int32_t side)
{
    GENRE_CHECK_NOT_NULL(sp);
    if (side != GENRE_SPLIT_TRAIN && side != GENRE_SPLIT_TEST)
        return GENRE_FAIL(GENRE_E_INVALID_ARG, "side %d unknown", (int)side);
    return GENRE_OK;
}

genre_status genre_dataset_split_rows(const genre_dataset_split *sp, int32_t side, int64_t *rows,
                                      size_t cap, size_t *needed)
{
    genre_status st = split_side(sp, side);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (needed)
        *needed = sp->n[side];
    if (!rows)
        return GENRE_OK;
    if (cap < sp->n[side])
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "split side needs %zu elements, got %zu",
                          sp->n[side], cap);
    for (size_t i = 0; i < sp->n[side]; i++)
        rows[i] = (int64_t)sp->rows[side][i];
    return GENRE_OK;
}

genre_status genre_dataset_split_class_counts(const genre_dataset_split *sp, int32_t side,
                                              int64_t *counts, size_t cap, size_t *needed)
{
    genre_status st = split_side(sp, side);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (needed)
        *needed = sp->n_classes;
    if (!counts)
        return GENRE_OK;
    if (cap < sp->n_classes)
        return GENRE_FAIL(GENRE_E_BUFFER_TOO_SMALL, "class counts need %zu elements, got %zu",
                          sp->n_classes, cap);
    memcpy(counts, sp->class_counts[side], sp->n_classes * sizeof *counts);
    return GENRE_OK;
}

genre_status genre_dataset_subset(genre_dataset **out, const genre_dataset *ds,
                                  const genre_dataset_split *sp, int32_t side)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(ds);
    genre_status st = split_side(sp, side);
    if (st != GENRE_OK)
        return GENRE_PASS(st);
    if (sp->n_table_rows != ds->n_rows)
        return GENRE_FAIL(GENRE_E_SHAPE, "split of a %zu-row table used on a %zu-row table",
                          sp->n_table_rows, ds->n_rows);
    size_t n = sp->n[side];
    const size_t *rows = sp->rows[side];
    genre_dataset *sub = NULL;
    if ((st = genre__dataset_alloc(&sub, ds->schema, n)) != GENRE_OK)
        return GENRE_PASS(st);
    for (size_t j = 0; j < ds->schema->n_cols && st == GENRE_OK; j++) {
        const struct genre__col *c = &ds->cols[j];
        struct genre__col *d = &sub->cols[j];
        if (genre__dict_copy(&d->dict, &c->dict) != 0) {
            st = GENRE_E_NOMEM;
            break;
        }
        if (c->code && !(d->code = genre__alloc_array(sub->cap_rows, sizeof *d->code))) {
            st = GENRE_E_NOMEM;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (c->num)
                d->num[i] = c->num[rows[i]];
            if (c->id)
                d->id[i] = c->id[rows[i]];
            if (c->code)
                d->code[i] = c->code[rows[i]];
        }
    }
    if (st == GENRE_OK && ds->source && !(sub->source = genre__strdup(ds->source)))
        st = GENRE_E_NOMEM;
    if (st == GENRE_OK && ds->n_rep > 0) {
        sub->rep = genre__alloc_array(ds->n_rep, sizeof *sub->rep);
        if (!sub->rep)
            st = GENRE_E_NOMEM;
        else {
            memcpy(sub->rep, ds->rep, ds->n_rep * sizeof *sub->rep);
            sub->n_rep = sub->cap_rep = ds->n_rep;
            if (genre__dict_copy(&sub->rep_keys, &ds->rep_keys) != 0)
                st = GENRE_E_NOMEM;
        }
    }
    if (st == GENRE_OK)
        st = genre__report_set(sub, "subset", -1, "rows", (int64_t)n);
    if (st != GENRE_OK) {
        genre_dataset_free(sub);
        return GENRE_PASS(st);
    }
    for (size_t i = 0; i < n; i++) {
        sub->blank[i] = ds->blank[rows[i]];
        sub->line[i] = ds->line[rows[i]];
    }
    sub->n_rows = n;
    sub->no_group_id = ds->no_group_id;
    sub->encoded = ds->encoded;
    *out = sub;
    return GENRE_OK;
}
