/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Proportional stratified splits and splits given by the caller (a row mask
 * or a list of test rows): counts by the documented rule, refusals, order,
 * determinism and allocation failures. */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static genre_dataset_schema *schema_xy(void)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "y", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, NULL, ""));
    return s;
}

/* A table "x,y" whose classes have counts[k] rows, labelled names[k]; the
 * rows are dealt round-robin so classes interleave, and x is the row index
 * (so a subset's x column tells which rows it holds). Classes appear in
 * the order of names. */
static char *classes_csv(const char *const *names, const int *counts, int k)
{
    size_t cap = 64;
    for (int c = 0; c < k; c++)
        cap += (size_t)counts[c] * (strlen(names[c]) + 24);
    char *csv = malloc(cap);
    if (!csv)
        return NULL;
    size_t n = (size_t)sprintf(csv, "x,y\n");
    int left[16], row = 0, more = 1;
    memcpy(left, counts, (size_t)k * sizeof *left);
    while (more) {
        more = 0;
        for (int c = 0; c < k; c++)
            if (left[c] > 0) {
                n += (size_t)sprintf(csv + n, "%d,%s\n", row++, names[c]);
                left[c]--;
                more = 1;
            }
    }
    return csv;
}

static genre_dataset *read_classes(const genre_dataset_schema *s, const char *const *names,
                                   const int *counts, int k)
{
    char *csv = classes_csv(names, counts, k);
    ck_assert_ptr_nonnull(csv);
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "t.csv"));
    free(csv);
    return ds;
}

static void side_counts(const genre_dataset_split *sp, int32_t side, int64_t *counts, size_t k)
{
    size_t need = 0;
    ck_assert_ok(genre_dataset_split_class_counts(sp, side, NULL, 0, &need));
    ck_assert_uint_eq(need, k);
    ck_assert_ok(genre_dataset_split_class_counts(sp, side, counts, k, NULL));
}

/* Rows of one side into a new malloc'd array; *n receives the count. */
static int64_t *side_rows(const genre_dataset_split *sp, int32_t side, size_t *n)
{
    ck_assert_ok(genre_dataset_split_rows(sp, side, NULL, 0, n));
    int64_t *rows = malloc((*n + 1) * sizeof *rows);
    ck_assert_ok(genre_dataset_split_rows(sp, side, rows, *n, NULL));
    return rows;
}

/* Test counts per class of a fraction split, asserting the sides partition
 * the table and each side's class counts add up. */
static void fraction_case(const int *counts, int k, double f, const int *want_test)
{
    static const char *const names[] = {"rock", "jazz", "folk", "soul"};
    genre_dataset_schema *s = schema_xy();
    genre_dataset *ds = read_classes(s, names, counts, k);
    genre_dataset_split *sp = NULL;
    ck_assert_ok(genre_dataset_split_stratified_fraction(&sp, ds, f, 42));
    int64_t test[4], train[4];
    side_counts(sp, GENRE_SPLIT_TEST, test, (size_t)k);
    side_counts(sp, GENRE_SPLIT_TRAIN, train, (size_t)k);
    for (int c = 0; c < k; c++) {
        ck_assert_msg(test[c] == want_test[c], "f = %g, class %d: %lld test rows, expected %d",
                      f, c, (long long)test[c], want_test[c]);
        ck_assert_int_eq(train[c], counts[c] - want_test[c]);
    }
    size_t n_tr = 0, n_te = 0;
    int64_t *tr = side_rows(sp, GENRE_SPLIT_TRAIN, &n_tr);
    int64_t *te = side_rows(sp, GENRE_SPLIT_TEST, &n_te);
    int seen[64] = {0};
    for (size_t i = 0; i < n_tr; i++)
        seen[tr[i]]++;
    for (size_t i = 0; i < n_te; i++)
        seen[te[i]]++;
    int64_t n = 0;
    ck_assert_ok(genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &n));
    ck_assert_int_eq((int64_t)(n_tr + n_te), n);
    for (int64_t r = 0; r < n; r++)
        ck_assert_int_eq(seen[r], 1);
    free(tr);
    free(te);
    genre_dataset_split_free(sp);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}

START_TEST(fraction_counts_follow_the_documented_rule)
{
    /* The header's example: q = 2, 1.4, 0.6; T = 4; floors 2 + 1 + 0; the
     * spare row goes to the largest remainder (0.6, the third class). */
    fraction_case((const int[]){10, 7, 3}, 3, 0.2, (const int[]){2, 1, 1});
    /* q = 5, 3.5, 1.5; T = 10; floors 5 + 3 + 1 = 9; remainders tie at
     * 0.5, so the class that appeared first (the second) gets the spare. */
    fraction_case((const int[]){10, 7, 3}, 3, 0.5, (const int[]){5, 4, 1});
    /* q = 2, 0.2; T = round(2.2) = 2 = floors: the small class would get
     * no test row and is clamped up to 1 (total 3, not T). */
    fraction_case((const int[]){20, 2}, 2, 0.1, (const int[]){2, 1});
    /* q = 18, 1.8; T = round(19.8) = 20; the spare goes to the second class
     * (2 of 2), which is clamped down to keep a training row. */
    fraction_case((const int[]){20, 2}, 2, 0.9, (const int[]){18, 1});
    /* Whole products leave no spare rows. */
    fraction_case((const int[]){10, 10}, 2, 0.7, (const int[]){7, 7});
    fraction_case((const int[]){10, 10, 10}, 3, 0.3, (const int[]){3, 3, 3});
    /* q = 1.25, 1.25, 1.25, 1.25; T = round(5) = 5: one spare, first class. */
    fraction_case((const int[]){5, 5, 5, 5}, 4, 0.25, (const int[]){2, 1, 1, 1});
}
END_TEST

START_TEST(fraction_refuses_single_row_classes_and_bad_fractions)
{
    genre_dataset_schema *s = schema_xy();
    static const char *const names[] = {"rock", "blues", "jazz"};
    genre_dataset *ds = read_classes(s, names, (const int[]){6, 1, 4}, 3);
    genre_dataset_split *sp = (genre_dataset_split *)&sp;
    ck_assert_status(genre_dataset_split_stratified_fraction(&sp, ds, 0.5, 1),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_null(sp);
    const char *msg = genre_last_error();
    ck_assert_ptr_nonnull(strstr(msg, "genre_dataset_split_stratified_fraction"));
    ck_assert_ptr_nonnull(strstr(msg, "class 'blues' has 1 row"));
    genre_dataset_free(ds);

    ds = read_classes(s, names, (const int[]){6, 2, 4}, 3);
    const double bad[] = {0.0, 1.0, -0.25, 1.5, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_status(genre_dataset_split_stratified_fraction(&sp, ds, bad[i], 1),
                         GENRE_E_INVALID_ARG);
        ck_assert_ptr_nonnull(strstr(genre_last_error(), "test_fraction"));
        ck_assert_ptr_null(sp);
    }
    ck_assert_status(genre_dataset_split_stratified_fraction(NULL, ds, 0.5, 1),
                     GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_split_stratified_fraction(&sp, NULL, 0.5, 1),
                     GENRE_E_INVALID_ARG);
    /* The smallest fractions still give every class one test row. */
    ck_assert_ok(genre_dataset_split_stratified_fraction(&sp, ds, 1e-12, 1));
    int64_t test[3];
    side_counts(sp, GENRE_SPLIT_TEST, test, 3);
    ck_assert(test[0] == 1 && test[1] == 1 && test[2] == 1);
    genre_dataset_split_free(sp);
    genre_dataset_free(ds);

    /* A row without a label, and a schema without a label column, as the
     * count-per-class split. */
    ds = NULL;
    static const char holed[] = "x,y\n1,a\n2,b\n3,\n4,a\n5,b\n";
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, holed, sizeof holed - 1, NULL));
    ck_assert_status(genre_dataset_split_stratified_fraction(&sp, ds, 0.5, 1),
                     GENRE_E_BAD_STATE);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "<memory>:4 has no label"));
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, "x\n1\n2\n", 6, NULL));
    ck_assert_status(genre_dataset_split_stratified_fraction(&sp, ds, 0.5, 1),
                     GENRE_E_BAD_STATE);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

static void assert_rows(const genre_dataset_split *sp, int32_t side, const int64_t *want,
                        size_t n_want);

static int64_t *fraction_rows(const genre_dataset *ds, uint64_t seed, int32_t side, size_t *n)
{
    genre_dataset_split *sp = NULL;
    ck_assert_ok(genre_dataset_split_stratified_fraction(&sp, ds, 0.2, seed));
    int64_t *rows = side_rows(sp, side, n);
    genre_dataset_split_free(sp);
    return rows;
}

static int is_sorted(const int64_t *rows, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (rows[i] < rows[i - 1])
            return 0;
    return 1;
}

START_TEST(fraction_is_deterministic_by_seed_and_shuffled)
{
    genre_dataset_schema *s = schema_xy();
    static const char *const names[] = {"rock", "jazz", "folk"};
    genre_dataset *ds = read_classes(s, names, (const int[]){10, 7, 3}, 3);
    for (int32_t side = 0; side < 2; side++) {
        size_t na = 0, nb = 0, nc = 0;
        int64_t *a = fraction_rows(ds, 7, side, &na);
        int64_t *b = fraction_rows(ds, 7, side, &nb);
        int64_t *c = fraction_rows(ds, 8, side, &nc);
        ck_assert_uint_eq(na, nb);
        ck_assert_uint_eq(na, nc);
        ck_assert_int_eq(memcmp(a, b, na * sizeof *a), 0);
        ck_assert_int_ne(memcmp(a, c, na * sizeof *a), 0);
        if (side == GENRE_SPLIT_TRAIN)
            ck_assert(!is_sorted(a, na) || !is_sorted(c, nc));
        free(a);
        free(b);
        free(c);
    }
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

/* The count-per-class split draws exactly as before the fraction split
 * shared its code: rows pinned from the implementation at d0de5de (seeds
 * 0-5 were compared there and here; seed 5 is kept). */
START_TEST(count_split_draw_unchanged)
{
    genre_dataset_schema *s = schema_xy();
    static const char *const names[] = {"rock", "jazz", "folk"};
    genre_dataset *ds = read_classes(s, names, (const int[]){10, 7, 3}, 3);
    genre_dataset_split *sp = NULL;
    ck_assert_ok(genre_dataset_split_stratified(&sp, ds, 2, 5));
    assert_rows(sp, GENRE_SPLIT_TEST, (const int64_t[]){16, 9, 8, 5, 18, 12}, 6);
    assert_rows(sp, GENRE_SPLIT_TRAIN,
                (const int64_t[]){4, 1, 7, 14, 3, 2, 0, 6, 10, 13, 17, 11, 15, 19}, 14);
    genre_dataset_split_free(sp);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

/* Six rows: x = 0..5, labels P Q P Q R P. */
static genre_dataset *six_rows(genre_dataset_schema **s)
{
    *s = schema_xy();
    static const char csv[] = "x,y\n0,P\n1,Q\n2,P\n3,Q\n4,R\n5,P\n";
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, *s, csv, sizeof csv - 1, "six.csv"));
    return ds;
}

static void assert_rows(const genre_dataset_split *sp, int32_t side, const int64_t *want,
                        size_t n_want)
{
    size_t n = 0;
    int64_t *rows = side_rows(sp, side, &n);
    ck_assert_uint_eq(n, n_want);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(rows[i] == want[i], "side %d position %zu: row %lld, expected %lld",
                      (int)side, i, (long long)rows[i], (long long)want[i]);
    free(rows);
}

/* The x column of one side's subset: which rows it holds, in its order. */
static void assert_subset_x(const genre_dataset *ds, const genre_dataset_split *sp, int32_t side,
                            const double *want, size_t n_want)
{
    genre_dataset *sub = NULL;
    ck_assert_ok(genre_dataset_subset(&sub, ds, sp, side));
    const char *cols[] = {"x"};
    double x[8];
    size_t n = 0;
    ck_assert_ok(genre_dataset_export_matrix(sub, cols, 1, x, 8, &n));
    ck_assert_uint_eq(n, n_want);
    for (size_t i = 0; i < n; i++)
        ck_assert(x[i] == want[i]);
    genre_dataset_free(sub);
}

START_TEST(mask_split_keeps_the_callers_rows_in_order)
{
    genre_dataset_schema *s = NULL;
    genre_dataset *ds = six_rows(&s);
    genre_dataset_split *sp = NULL;
    const uint8_t mask[] = {1, 0, 0, 1, 1, 0};
    ck_assert_ok(genre_dataset_split_from_mask(&sp, ds, mask, 6));
    assert_rows(sp, GENRE_SPLIT_TEST, (const int64_t[]){0, 3, 4}, 3);
    assert_rows(sp, GENRE_SPLIT_TRAIN, (const int64_t[]){1, 2, 5}, 3);
    int64_t counts[3];
    side_counts(sp, GENRE_SPLIT_TEST, counts, 3);
    ck_assert(counts[0] == 1 && counts[1] == 1 && counts[2] == 1);
    side_counts(sp, GENRE_SPLIT_TRAIN, counts, 3);
    ck_assert(counts[0] == 2 && counts[1] == 1 && counts[2] == 0);
    assert_subset_x(ds, sp, GENRE_SPLIT_TEST, (const double[]){0, 3, 4}, 3);
    assert_subset_x(ds, sp, GENRE_SPLIT_TRAIN, (const double[]){1, 2, 5}, 3);
    genre_dataset_split_free(sp);

    /* All train: an empty test side is the caller's choice. */
    const uint8_t none[6] = {0};
    ck_assert_ok(genre_dataset_split_from_mask(&sp, ds, none, 6));
    assert_rows(sp, GENRE_SPLIT_TEST, NULL, 0);
    assert_rows(sp, GENRE_SPLIT_TRAIN, (const int64_t[]){0, 1, 2, 3, 4, 5}, 6);
    genre_dataset_split_free(sp);

    /* Errors: the wrong length, a value other than 0/1 named by index,
     * line and value, NULL arguments. */
    sp = (genre_dataset_split *)&sp;
    ck_assert_status(genre_dataset_split_from_mask(&sp, ds, mask, 5), GENRE_E_SHAPE);
    ck_assert_ptr_null(sp);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_dataset_split_from_mask"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "5 entries"));
    ck_assert_status(genre_dataset_split_from_mask(&sp, ds, mask, 7), GENRE_E_SHAPE);
    const uint8_t two[] = {1, 0, 0, 1, 2, 0};
    ck_assert_status(genre_dataset_split_from_mask(&sp, ds, two, 6), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "is_test[4] (six.csv:6) is 2"));
    const uint8_t ascii[] = {'1', 0, 0, 0, 0, 0};
    ck_assert_status(genre_dataset_split_from_mask(&sp, ds, ascii, 6), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "is_test[0] (six.csv:2) is 49"));
    ck_assert_status(genre_dataset_split_from_mask(&sp, ds, NULL, 6), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_split_from_mask(&sp, NULL, mask, 6), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_split_from_mask(NULL, ds, mask, 6), GENRE_E_INVALID_ARG);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(index_split_keeps_the_callers_rows_in_order)
{
    genre_dataset_schema *s = NULL;
    genre_dataset *ds = six_rows(&s);
    genre_dataset_split *sp = NULL;
    const int64_t test[] = {4, 0, 2};
    ck_assert_ok(genre_dataset_split_from_indices(&sp, ds, test, 3));
    assert_rows(sp, GENRE_SPLIT_TEST, test, 3);
    assert_rows(sp, GENRE_SPLIT_TRAIN, (const int64_t[]){1, 3, 5}, 3);
    int64_t counts[3];
    side_counts(sp, GENRE_SPLIT_TEST, counts, 3);
    ck_assert(counts[0] == 2 && counts[1] == 0 && counts[2] == 1);
    assert_subset_x(ds, sp, GENRE_SPLIT_TEST, (const double[]){4, 0, 2}, 3);
    genre_dataset_split_free(sp);

    ck_assert_ok(genre_dataset_split_from_indices(&sp, ds, NULL, 0));
    assert_rows(sp, GENRE_SPLIT_TRAIN, (const int64_t[]){0, 1, 2, 3, 4, 5}, 6);
    genre_dataset_split_free(sp);

    sp = (genre_dataset_split *)&sp;
    ck_assert_status(genre_dataset_split_from_indices(&sp, ds, (const int64_t[]){1, 6}, 2),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_null(sp);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_dataset_split_from_indices"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "test_rows[1] = 6 is outside"));
    ck_assert_status(genre_dataset_split_from_indices(&sp, ds, (const int64_t[]){-1}, 1),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "test_rows[0] = -1 is outside"));
    ck_assert_status(genre_dataset_split_from_indices(&sp, ds, (const int64_t[]){1, 3, 1}, 3),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "test_rows[2] = 1 repeats test_rows[0]"));
    ck_assert_status(genre_dataset_split_from_indices(&sp, ds, NULL, 2), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_split_from_indices(&sp, NULL, test, 3), GENRE_E_INVALID_ARG);
    ck_assert_status(genre_dataset_split_from_indices(NULL, ds, test, 3), GENRE_E_INVALID_ARG);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(given_splits_reproduce_a_drawn_split)
{
    genre_dataset_schema *s = schema_xy();
    static const char *const names[] = {"rock", "jazz", "folk"};
    genre_dataset *ds = read_classes(s, names, (const int[]){10, 7, 3}, 3);
    genre_dataset_split *drawn = NULL, *by_idx = NULL, *by_mask = NULL;
    ck_assert_ok(genre_dataset_split_stratified_fraction(&drawn, ds, 0.2, 3));
    size_t n_te = 0;
    int64_t *te = side_rows(drawn, GENRE_SPLIT_TEST, &n_te);
    ck_assert_ok(genre_dataset_split_from_indices(&by_idx, ds, te, n_te));
    assert_rows(by_idx, GENRE_SPLIT_TEST, te, n_te);
    uint8_t mask[20] = {0};
    for (size_t i = 0; i < n_te; i++)
        mask[te[i]] = 1;
    ck_assert_ok(genre_dataset_split_from_mask(&by_mask, ds, mask, 20));
    int64_t a[3], b[3], c[3];
    for (int32_t side = 0; side < 2; side++) {
        side_counts(drawn, side, a, 3);
        side_counts(by_idx, side, b, 3);
        side_counts(by_mask, side, c, 3);
        ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
        ck_assert_int_eq(memcmp(a, c, sizeof a), 0);
    }
    free(te);
    genre_dataset_split_free(drawn);
    genre_dataset_split_free(by_idx);
    genre_dataset_split_free(by_mask);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(given_splits_allow_unlabelled_rows_and_tables)
{
    genre_dataset_schema *s = schema_xy();
    static const char holed[] = "x,y\n0,a\n1,\n2,b\n";
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, holed, sizeof holed - 1, NULL));
    genre_dataset_split *sp = NULL;
    ck_assert_ok(genre_dataset_split_from_mask(&sp, ds, (const uint8_t[]){0, 1, 1}, 3));
    int64_t counts[2];
    side_counts(sp, GENRE_SPLIT_TEST, counts, 2);
    ck_assert(counts[0] == 0 && counts[1] == 1);
    genre_dataset_split_free(sp);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);

    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, "x\n1\n2\n", 6, NULL));
    ck_assert_ok(genre_dataset_split_from_indices(&sp, ds, (const int64_t[]){1}, 1));
    size_t need = 9;
    ck_assert_ok(genre_dataset_split_class_counts(sp, GENRE_SPLIT_TEST, NULL, 0, &need));
    ck_assert_uint_eq(need, 0);
    assert_rows(sp, GENRE_SPLIT_TEST, (const int64_t[]){1}, 1);
    genre_dataset_split_free(sp);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

static genre_status split_scenario(void *ctx)
{
    (void)ctx;
    static const char *const names[] = {"rock", "jazz", "folk"};
    char *csv = classes_csv(names, (const int[]){10, 7, 3}, 3);
    genre_dataset_schema *s = NULL;
    genre_dataset *ds = NULL, *sub = NULL;
    genre_dataset_split *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    genre_status st = csv ? GENRE_OK : GENRE_E_NOMEM;
    if (st == GENRE_OK)
        st = genre_dataset_schema_create(&s);
    if (st == GENRE_OK)
        st = genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC);
    if (st == GENRE_OK)
        st = genre_dataset_schema_add_column(s, "y", GENRE_COL_LABEL);
    if (st == GENRE_OK)
        st = genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), NULL);
    if (st == GENRE_OK)
        st = genre_dataset_split_stratified_fraction(&a, ds, 0.2, 1);
    uint8_t mask[20] = {0};
    mask[3] = mask[11] = 1;
    if (st == GENRE_OK)
        st = genre_dataset_split_from_mask(&b, ds, mask, 20);
    const int64_t rows[] = {5, 1, 19};
    if (st == GENRE_OK)
        st = genre_dataset_split_from_indices(&c, ds, rows, 3);
    if (st == GENRE_OK)
        st = genre_dataset_split_stratified(&d, ds, 2, 1);
    if (st == GENRE_OK)
        st = genre_dataset_subset(&sub, ds, c, GENRE_SPLIT_TEST);
    genre_dataset_free(sub);
    genre_dataset_split_free(a);
    genre_dataset_split_free(b);
    genre_dataset_split_free(c);
    genre_dataset_split_free(d);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    free(csv);
    return st;
}

START_TEST(allocation_failures_are_clean)
{
    ck_assert_int_gt(genre_test_alloc_walk(split_scenario, NULL), 20);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset_split");
    TCase *tc = tcase_create("split");
    tcase_add_test(tc, fraction_counts_follow_the_documented_rule);
    tcase_add_test(tc, fraction_refuses_single_row_classes_and_bad_fractions);
    tcase_add_test(tc, fraction_is_deterministic_by_seed_and_shuffled);
    tcase_add_test(tc, count_split_draw_unchanged);
    tcase_add_test(tc, mask_split_keeps_the_callers_rows_in_order);
    tcase_add_test(tc, index_split_keeps_the_callers_rows_in_order);
    tcase_add_test(tc, given_splits_reproduce_a_drawn_split);
    tcase_add_test(tc, given_splits_allow_unlabelled_rows_and_tables);
    tcase_add_test(tc, allocation_failures_are_clean);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
