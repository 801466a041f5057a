/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the CSV reader (plain and gzip) and everything that
 * runs on what it accepts (drop, encode, impute, splits, leakage, export).
 * The first input byte picks options; the rest is the file. Header names
 * the schema looks for: g (group), x (numeric), c (categorical), t (text),
 * y (label).
 */
#include <genre/genre.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(genre_dataset *ds, const genre_dataset_schema *s, uint8_t opt)
{
    genre_dataset_drop_empty_rows(ds);
    genre_dataset_split *sp = NULL;
    if ((opt & 4 ? genre_dataset_split_grouped(&sp, ds, 1, opt)
                 : genre_dataset_split_stratified(&sp, ds, 1, opt)) == GENRE_OK) {
        int64_t a, b, c;
        genre_dataset_leakage(ds, sp, &a, &b, &c);
        genre_dataset *train = NULL, *test = NULL;
        if (genre_dataset_subset(&train, ds, sp, GENRE_SPLIT_TRAIN) == GENRE_OK &&
            genre_dataset_subset(&test, ds, sp, GENRE_SPLIT_TEST) == GENRE_OK) {
            genre_dataset_prep *p = NULL;
            if (genre_dataset_prep_create(&p, s) == GENRE_OK) {
                genre_dataset_prep_add_group_median(p, "x");
                genre_dataset_prep_add_impute(p, "x", opt & 8 ? GENRE_IMPUTE_MEAN
                                                              : GENRE_IMPUTE_MEDIAN);
                if (genre_dataset_prep_fit_apply(p, train) == GENRE_OK)
                    genre_dataset_prep_apply(p, test);
                genre_dataset_prep_free(p);
            }
        }
        genre_dataset_free(train);
        genre_dataset_free(test);
        genre_dataset_split_free(sp);
    }
    size_t need = 0;
    if (genre_dataset_export_text(ds, "t", NULL, 0, &need, NULL) == GENRE_OK) {
        char *buf = malloc(need ? need : 1);
        int64_t rows = 0;
        genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &rows);
        size_t *off = malloc(((size_t)rows + 1) * sizeof *off);
        if (buf && off && genre_dataset_export_text(ds, "t", buf, need, NULL, off) != GENRE_OK)
            abort();
        free(buf);
        free(off);
    }
    if (genre_dataset_report_text(ds, NULL, 0, &need) == GENRE_OK) {
        char *buf = malloc(need);
        if (buf && genre_dataset_report_text(ds, buf, need, NULL) != GENRE_OK)
            abort();
        if (buf && strlen(buf) + 1 != need)
            abort();
        free(buf);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t opt = data[0];
    genre_dataset_schema *s = NULL;
    if (genre_dataset_schema_create(&s) != GENRE_OK)
        return 0;
    genre_dataset_schema_add_column(s, "g", GENRE_COL_GROUP);
    genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC);
    genre_dataset_schema_add_column(s, "c", GENRE_COL_CATEGORICAL);
    genre_dataset_schema_add_column(s, "t", GENRE_COL_TEXT);
    genre_dataset_schema_add_column(s, "y", GENRE_COL_LABEL);
    if (opt & 1)
        genre_dataset_schema_add_missing_text(s, NULL, "");
    genre_dataset_schema_add_missing_text(s, "x", "?");
    genre_dataset_schema_add_missing_value(s, "x", -1.0);
    genre_dataset_schema_set_no_group(s, "none");
    if (opt & 2)
        genre_dataset_schema_set_i64(s, GENRE_SCHEMA_MAX_RECORD_BYTES, 64);
    genre_dataset_schema_set_i64(s, GENRE_SCHEMA_UNSEEN_CATEGORY,
                                 opt & 16 ? GENRE_UNSEEN_RESERVED_CODE : GENRE_UNSEEN_ERROR);
    if (opt & 32) {
        const char *order[] = {"a", "b"};
        genre_dataset_schema_set_category_order(s, "c", order, 2);
    }
    genre_dataset_schema_set_i64(s, GENRE_SCHEMA_THREADS, 1);
    genre_dataset *ds = NULL;
    if (genre_dataset_read_from_memory(&ds, s, data + 1, size - 1, "fuzz") == GENRE_OK)
        exercise(ds, s, opt);
    else if (genre_last_error()[0] == '\0')
        abort(); /* every failure explains itself */
    genre_dataset_free(ds);
    genre_dataset_schema_free(s);
    return 0;
}
