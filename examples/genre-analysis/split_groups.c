/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The group-aware split of a user's table (--group COLUMN): about a test
 * fraction of each class in test, no group on both sides (split_groups()
 * in analysis.h). The library's genre_dataset_split_grouped() aims at a
 * count per class, the same for every class; an imbalanced table needs a
 * share per class instead, so the program draws the groups itself and
 * hands the library the row mask (genre_dataset_split_from_mask()). */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <math.h>
#include <stdlib.h>

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* The label codes and group ids of every row of ds (a copy is encoded by
 * a preparation without steps, fit on all rows: the codes only serve to
 * count rows per class). */
static genre_status labels_and_groups(const run *r, const genre_dataset *ds,
                                      const genre_dataset_schema *schema, int32_t *y,
                                      int64_t *g, size_t n, int32_t *k)
{
    genre_dataset_prep *prep = NULL;
    genre_dataset_split *all = NULL;
    genre_dataset *copy = NULL;
    /* every row in training: a mask of zeros */
    uint8_t *zeros = xcalloc(n, 1);
    genre_status st = zeros ? genre_dataset_prep_create(&prep, schema) : GENRE_E_NOMEM;
    if (!st && !(st = genre_dataset_split_from_mask(&all, ds, zeros, n)) &&
        !(st = genre_dataset_subset(&copy, ds, all, GENRE_SPLIT_TRAIN)) &&
        !(st = genre_dataset_prep_fit_apply(prep, copy)) &&
        !(st = genre_dataset_export_labels(copy, y, n, NULL)) &&
        !(st = genre_dataset_export_groups(copy, g, n, NULL)))
        st = genre_dataset_prep_category_count(prep, r->label_col, k);
    free(zeros);
    genre_dataset_free(copy);
    genre_dataset_split_free(all);
    genre_dataset_prep_free(prep);
    return st;
}

genre_status split_groups(run *r, const genre_dataset *ds, const genre_dataset_schema *schema,
                          double fraction, genre_dataset_split **out)
{
    int64_t rows = 0;
    genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows);
    size_t n = (size_t)rows;
    int32_t *y = xcalloc(n, sizeof *y), k = 0;
    int64_t *g = xcalloc(n, sizeof *g);
    uint8_t *mask = xcalloc(n, 1);
    genre_status st = GENRE_E_NOMEM;
    size_t *order = NULL, *start = NULL, *rows_of = NULL;
    int64_t *target = NULL, *test = NULL, *gc = NULL;
    if (!y || !g || !mask)
        goto out;
    if ((st = labels_and_groups(r, ds, schema, y, g, n, &k)))
        goto out;
    st = GENRE_E_NOMEM;
    size_t ng = 0;
    for (size_t i = 0; i < n; i++)
        ng = (size_t)g[i] + 1 > ng ? (size_t)g[i] + 1 : ng;
    /* rows of each group, contiguous (counting sort by group id) */
    order = xcalloc(ng, sizeof *order);
    start = xcalloc(ng + 1, sizeof *start);
    rows_of = xcalloc(n, sizeof *rows_of);
    target = xcalloc((size_t)k, sizeof *target);
    test = xcalloc((size_t)k, sizeof *test);
    gc = xcalloc((size_t)k, sizeof *gc);
    if (!order || !start || !rows_of || !target || !test || !gc)
        goto out;
    for (size_t i = 0; i < n; i++)
        start[g[i] + 1]++, target[y[i]]++;
    for (size_t h = 0; h < ng; h++)
        start[h + 1] += start[h];
    for (size_t h = 0; h < ng; h++) /* order: the fill cursor of each group, for now */
        order[h] = start[h];
    for (size_t i = 0; i < n; i++)
        rows_of[order[g[i]]++] = i;
    /* the share of each class to put in test */
    for (int32_t c = 0; c < k; c++)
        target[c] = (int64_t)floor(fraction * (double)target[c] + 0.5);
    /* groups in a seeded random order (Fisher-Yates) */
    for (size_t h = 0; h < ng; h++)
        order[h] = h;
    uint64_t s = r->opt.seed ^ 0x67726f7570u;
    for (size_t h = ng; h > 1; h--) {
        size_t j = (size_t)(splitmix64(&s) % h), t = order[h - 1];
        order[h - 1] = order[j], order[j] = t;
    }
    /* a group goes to test when that brings the classes closer to their
     * targets (the summed distance shrinks) */
    for (size_t q = 0; q < ng; q++) {
        size_t h = order[q];
        for (size_t i = start[h]; i < start[h + 1]; i++)
            gc[y[rows_of[i]]]++;
        int64_t before = 0, after = 0;
        for (int32_t c = 0; c < k; c++) {
            before += llabs(target[c] - test[c]);
            after += llabs(target[c] - test[c] - gc[c]);
        }
        if (after < before)
            for (size_t i = start[h]; i < start[h + 1]; i++) {
                mask[rows_of[i]] = 1;
                test[y[rows_of[i]]]++;
            }
        for (size_t i = start[h]; i < start[h + 1]; i++)
            gc[y[rows_of[i]]] = 0;
    }
    st = genre_dataset_split_from_mask(out, ds, mask, n);
out:
    free(y), free(g), free(mask), free(order), free(start), free(rows_of);
    free(target), free(test), free(gc);
    return st;
}
