/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Row-level messages name the input and the record's real line, through
 * blank lines, multi-line quoted fields, drop_empty_rows, splits and
 * subsets; a value outside a declared category order fails the read. */
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Records and lines differ: a two-line and a three-line quoted field and a
 * blank line come before the rows the tests provoke. Data rows after
 * drop_empty_rows: 0 (line 2), 1 (line 5), 2 (line 8: z missing),
 * 3 (line 9: category w), 4 (line 10), 5 (line 11). */
static const char SONGS[] = "g,t,x,z,c,y\n"
                            "a,\"one\ntwo\",1,1,u,P\n"
                            "\n"
                            "b,\"three\nfour\nfive\",2,2,v,Q\n"
                            "a,six,3,,u,P\n"
                            "b,seven,4,4,w,Q\n"
                            "a,eight,5,5,u,P\n"
                            "b,nine,6,6,v,Q\n";

static genre_dataset_schema *schema_songs(void)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "g", GENRE_COL_GROUP));
    ck_assert_ok(genre_dataset_schema_add_column(s, "t", GENRE_COL_TEXT));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "z", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "c", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_column(s, "y", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_schema_add_missing_text(s, NULL, ""));
    return s;
}

static genre_dataset *read_songs(const genre_dataset_schema *s, const char *csv)
{
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, strlen(csv), "songs.csv"));
    return ds;
}

/* The rows of ds whose mask entry is 1, as a new table (a split's test side). */
static genre_dataset *pick(const genre_dataset *ds, const uint8_t *mask, size_t n)
{
    genre_dataset_split *sp = NULL;
    genre_dataset *sub = NULL;
    ck_assert_ok(genre_dataset_split_from_mask(&sp, ds, mask, n));
    ck_assert_ok(genre_dataset_subset(&sub, ds, sp, GENRE_SPLIT_TEST));
    genre_dataset_split_free(sp);
    return sub;
}

#define ck_assert_error_has(text)                                                       \
    ck_assert_msg(strstr(genre_last_error(), (text)) != NULL, "'%s' not in: %s", (text), \
                  genre_last_error())

START_TEST(export_names_the_file_and_real_line_after_a_subset)
{
    genre_dataset_schema *s = schema_songs();
    genre_dataset *ds = read_songs(s, SONGS);
    ck_assert_ok(genre_dataset_drop_empty_rows(ds));
    /* Rows 1 and 2 (lines 5 and 8): the missing z is row 1 of the subset. */
    const uint8_t mask[] = {0, 1, 1, 0, 0, 0};
    genre_dataset *sub = pick(ds, mask, 6);
    const char *cols[] = {"x", "z"};
    double m[4];
    ck_assert_status(genre_dataset_export_matrix(sub, cols, 2, m, 4, NULL),
                     GENRE_E_MISSING_VALUE);
    ck_assert_error_has("genre_dataset_export_matrix: songs.csv:8: column 'z': value is missing");
    genre_dataset_free(sub);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(missing_label_names_the_file_and_real_line)
{
    genre_dataset_schema *s = schema_songs();
    /* Line 11 has no label. */
    static const char csv[] = "g,t,x,z,c,y\n"
                              "a,\"one\ntwo\",1,1,u,P\n"
                              "\n"
                              "b,\"three\nfour\nfive\",2,2,v,Q\n"
                              "a,six,3,3,u,P\n"
                              "b,seven,4,4,v,Q\n"
                              "a,eight,5,5,u,P\n"
                              "b,nine,6,6,v,\n";
    genre_dataset *ds = read_songs(s, csv);
    ck_assert_ok(genre_dataset_drop_empty_rows(ds));
    genre_dataset_split *sp = NULL;
    ck_assert_status(genre_dataset_split_stratified(&sp, ds, 1, 1), GENRE_E_BAD_STATE);
    ck_assert_error_has("songs.csv:11 has no label");
    /* Exported after a preparation fitted on the labelled rows. */
    const uint8_t mask[] = {0, 0, 0, 0, 1, 1};
    genre_dataset *train = NULL, *test = pick(ds, mask, 6);
    ck_assert_ok(genre_dataset_split_from_mask(&sp, ds, mask, 6));
    ck_assert_ok(genre_dataset_subset(&train, ds, sp, GENRE_SPLIT_TRAIN));
    genre_dataset_split_free(sp);
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, train));
    ck_assert_ok(genre_dataset_prep_apply(p, test));
    int32_t y[2];
    ck_assert_status(genre_dataset_export_labels(test, y, 2, NULL), GENRE_E_MISSING_VALUE);
    ck_assert_error_has("genre_dataset_export_labels: songs.csv:11: label is missing");
    genre_dataset_prep_free(p);
    genre_dataset_free(train);
    genre_dataset_free(test);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

/* A model that predicts NaN, for the non-finite prediction message. */
static genre_status fit_any(void *u, const double *x, size_t n, size_t d, const double *y)
{
    (void)u, (void)x, (void)n, (void)d, (void)y;
    return GENRE_OK;
}

static genre_status predict_nan(void *u, const double *x, size_t n, size_t d, double *y)
{
    (void)u, (void)x, (void)d;
    for (size_t i = 0; i < n; i++)
        y[i] = NAN;
    return GENRE_OK;
}

START_TEST(prep_messages_name_the_file_and_real_line_after_a_split)
{
    genre_dataset_schema *s = schema_songs();
    genre_dataset *ds = read_songs(s, SONGS);
    /* The blank record (line 4) reaches a preparation through a subset. */
    const uint8_t with_blank[] = {0, 1, 1, 0, 0, 0, 0};
    genre_dataset *sub = pick(ds, with_blank, 7);
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_status(genre_dataset_prep_fit_apply(p, sub), GENRE_E_BAD_STATE);
    ck_assert_error_has("genre_dataset_prep_fit_apply: songs.csv:4 is an empty record");
    genre_dataset_prep_free(p);
    genre_dataset_free(sub);

    /* A category the fit rows never had (line 9), in the test side. */
    ck_assert_ok(genre_dataset_drop_empty_rows(ds));
    const uint8_t mask[] = {0, 0, 0, 1, 1, 0};
    genre_dataset_split *sp = NULL;
    genre_dataset *train = NULL, *test = NULL;
    ck_assert_ok(genre_dataset_split_from_mask(&sp, ds, mask, 6));
    ck_assert_ok(genre_dataset_subset(&train, ds, sp, GENRE_SPLIT_TRAIN));
    ck_assert_ok(genre_dataset_subset(&test, ds, sp, GENRE_SPLIT_TEST));
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "z", GENRE_IMPUTE_MEDIAN));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, train));
    ck_assert_status(genre_dataset_prep_apply(p, test), GENRE_E_UNSEEN_CATEGORY);
    ck_assert_error_has(
        "genre_dataset_prep_apply: songs.csv:9: column 'c': category 'w' was not seen");
    genre_dataset_prep_free(p);
    genre_dataset_free(train);
    genre_dataset_free(test);
    genre_dataset_split_free(sp);

    /* A model imputer's feature still missing (z, line 8) in a subset. */
    const uint8_t late[] = {0, 0, 1, 0, 1, 1};
    sub = pick(ds, late, 6);
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    const char *features[] = {"z"};
    ck_assert_ok(genre_dataset_prep_add_model_impute(p, "x", features, 1, fit_any, predict_nan, NULL));
    ck_assert_status(genre_dataset_prep_fit_apply(p, sub), GENRE_E_MISSING_VALUE);
    ck_assert_error_has("genre_dataset_prep_fit_apply: songs.csv:8: impute_model of 'x'");
    ck_assert_error_has("feature 'z' is missing");
    genre_dataset_prep_free(p);
    genre_dataset_free(sub);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(nonfinite_prediction_names_the_file_and_real_line)
{
    genre_dataset_schema *s = schema_songs();
    genre_dataset *ds = read_songs(s, SONGS);
    ck_assert_ok(genre_dataset_drop_empty_rows(ds));
    /* z is the target now: missing at line 8, the second row of the subset. */
    const uint8_t mask[] = {0, 1, 1, 1, 1, 1};
    genre_dataset *sub = pick(ds, mask, 6);
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    const char *features[] = {"x"};
    ck_assert_ok(
        genre_dataset_prep_add_model_impute(p, "z", features, 1, fit_any, predict_nan, NULL));
    ck_assert_status(genre_dataset_prep_fit_apply(p, sub), GENRE_E_NONFINITE);
    ck_assert_error_has("prediction nan for songs.csv:8");
    genre_dataset_prep_free(p);
    genre_dataset_free(sub);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(mask_entry_names_the_file_and_real_line)
{
    genre_dataset_schema *s = schema_songs();
    genre_dataset *ds = read_songs(s, SONGS);
    ck_assert_ok(genre_dataset_drop_empty_rows(ds));
    const uint8_t mask[] = {0, 1, 1, 1, 1, 1};
    genre_dataset *sub = pick(ds, mask, 6);
    const uint8_t bad[] = {0, 0, 2, 0, 0};
    genre_dataset_split *sp = NULL;
    ck_assert_status(genre_dataset_split_from_mask(&sp, sub, bad, 5), GENRE_E_INVALID_ARG);
    ck_assert_error_has("is_test[2] (songs.csv:9) is 2");
    genre_dataset_free(sub);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

/* ---- A value outside a declared order ----------------------------------- */

START_TEST(label_outside_its_order_fails_the_read)
{
    genre_dataset_schema *s = schema_songs();
    const char *labels[] = {"P", "Q"};
    ck_assert_ok(genre_dataset_schema_set_category_order(s, "y", labels, 2));
    static const char csv[] = "g,t,x,z,c,y\n"
                              "a,\"one\ntwo\",1,1,u,P\n"
                              "\n"
                              "b,three,2,2,v,R\n";
    genre_dataset *ds = NULL;
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, csv, sizeof csv - 1, "songs.csv"),
                     GENRE_E_UNSEEN_CATEGORY);
    ck_assert_ptr_null(ds);
    ck_assert_error_has(
        "genre_dataset_read_from_memory: songs.csv:5: column 'y': 'R' is not one of "
        "the 2 categories of its declared order");
    /* A categorical column the same way. */
    genre_dataset_schema_free(s);
    s = schema_songs();
    const char *cats[] = {"u", "v"};
    ck_assert_ok(genre_dataset_schema_set_category_order(s, "c", cats, 2));
    ck_assert_status(
        genre_dataset_read_from_memory(&ds, s, SONGS, sizeof SONGS - 1, "songs.csv"),
        GENRE_E_UNSEEN_CATEGORY);
    ck_assert_error_has("songs.csv:9: column 'c': 'w' is not one of");
    /* Under GENRE_UNSEEN_RESERVED_CODE the read keeps the row; the
     * preparation gives it code -1 and counts it. */
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_UNSEEN_CATEGORY,
                                              GENRE_UNSEEN_RESERVED_CODE));
    ds = read_songs(s, SONGS);
    ck_assert_ok(genre_dataset_drop_empty_rows(ds));
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_ok(genre_dataset_prep_add_impute(p, "z", GENRE_IMPUTE_MEDIAN));
    ck_assert_ok(genre_dataset_prep_fit_apply(p, ds));
    int64_t unseen = 0;
    ck_assert_ok(genre_dataset_report_value(ds, "encode", "c", "unseen", &unseen));
    ck_assert_int_eq(unseen, 1);
    genre_dataset_prep_free(p);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

/* Past 1 MiB the reader parses in parallel parts; the verdict and message
 * are the serial parse's. */
START_TEST(order_violation_in_a_parallel_read)
{
    genre_dataset_schema *s = schema_songs();
    const char *labels[] = {"P", "Q"};
    ck_assert_ok(genre_dataset_schema_set_category_order(s, "y", labels, 2));
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, 4));
    const size_t rows = 120000;
    char *csv = malloc(rows * 32 + 64);
    ck_assert_ptr_nonnull(csv);
    size_t n = (size_t)sprintf(csv, "g,t,x,z,c,y\n");
    for (size_t r = 0; r < rows; r++)
        n += (size_t)sprintf(csv + n, "g%zu,t,%zu,1,u,%s\n", r % 7, r,
                             r == rows - 5 ? "S" : (r % 2 ? "P" : "Q"));
    genre_dataset *ds = NULL;
    ck_assert_status(genre_dataset_read_from_memory(&ds, s, csv, n, "big.csv"),
                     GENRE_E_UNSEEN_CATEGORY);
    char want[64];
    snprintf(want, sizeof want, "big.csv:%zu: column 'y': 'S'", rows - 5 + 2);
    ck_assert_error_has(want);
    free(csv);
    genre_dataset_schema_free(s);
}
END_TEST

/* A parallel read cuts the input at a line feed outside quotes; the line
 * feeds inside a quoted field between the planned cut and the real one are
 * lines too (they were skipped: every row after such a cut was named one
 * line early per skipped line feed). Nearly all bytes are quoted line
 * feeds, so the planned cuts fall inside quotes. */
START_TEST(parallel_read_counts_quoted_lines_before_a_cut)
{
    genre_dataset_schema *s = schema_songs();
    ck_assert_ok(genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, 4));
    enum { ROWS = 12000, BREAKS = 100 };
    char *csv = malloc((size_t)ROWS * (2 * BREAKS + 40) + 64);
    ck_assert_ptr_nonnull(csv);
    size_t n = (size_t)sprintf(csv, "g,t,x,z,c,y\n");
    for (size_t r = 0; r < ROWS; r++) {
        n += (size_t)sprintf(csv + n, "g%zu,\"", r % 7);
        for (int k = 0; k < BREAKS; k++) {
            csv[n++] = 'x';
            csv[n++] = '\n';
        }
        n += (size_t)sprintf(csv + n, "\",%zu,%s,u,P\n", r, r == ROWS - 1 ? "" : "1");
    }
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, n, "long.csv"));
    const char *cols[] = {"x", "z"};
    double *m = malloc((size_t)ROWS * 2 * sizeof *m);
    ck_assert_ptr_nonnull(m);
    ck_assert_status(genre_dataset_export_matrix(ds, cols, 2, m, (size_t)ROWS * 2, NULL),
                     GENRE_E_MISSING_VALUE);
    char want[64];
    snprintf(want, sizeof want, "long.csv:%d: column 'z': value is missing",
             2 + (ROWS - 1) * (BREAKS + 1));
    ck_assert_error_has(want);
    free(m);
    free(csv);
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset_lines");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, export_names_the_file_and_real_line_after_a_subset);
    tcase_add_test(tc, missing_label_names_the_file_and_real_line);
    tcase_add_test(tc, prep_messages_name_the_file_and_real_line_after_a_split);
    tcase_add_test(tc, nonfinite_prediction_names_the_file_and_real_line);
    tcase_add_test(tc, mask_entry_names_the_file_and_real_line);
    tcase_add_test(tc, label_outside_its_order_fails_the_read);
    tcase_add_test(tc, order_violation_in_a_parallel_read);
    tcase_add_test(tc, parallel_read_counts_quoted_lines_before_a_cut);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
