/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The real table (data/music_genre.csv.gz): the counts its README states,
 * the reference analysis's imputation counts and the 500-per-genre split. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static genre_dataset_schema *schema;
static genre_dataset *table; /* read, empty rows dropped, nothing else */

static void setup(void)
{
    ck_assert_ok(genre_dataset_schema_create_music_genre(&schema));
    ck_assert_ok(genre_dataset_read(&table, schema,
                                         genre_test_source_path("data/music_genre.csv.gz")));
}

static void teardown(void)
{
    genre_dataset_free(table);
    genre_dataset_schema_free(schema);
    table = NULL;
    schema = NULL;
}

static int64_t counter(const genre_dataset *ds, const char *step, const char *col,
                       const char *name)
{
    int64_t v = -1;
    ck_assert_ok(genre_dataset_report_value(ds, step, col, name, &v));
    return v;
}

START_TEST(read_counts_match_the_readme)
{
    ck_assert_int_eq(counter(table, "read", NULL, "rows"), 50005);
    ck_assert_int_eq(counter(table, "read", NULL, "blank_rows"), 5);
    ck_assert_int_eq(counter(table, "read", "duration_ms", "missing"), 4939);
    ck_assert_int_eq(counter(table, "read", "tempo", "missing"), 4980);
    ck_assert_int_eq(counter(table, "read", "artist_name", "groups"), 6862);
    ck_assert_int_eq(counter(table, "read", "artist_name", "no_group_rows"), 2489);
    ck_assert_int_eq(counter(table, "read", "loudness", "missing"), 0);
    ck_assert_ok(genre_dataset_drop_empty_rows(table));
    ck_assert_int_eq(counter(table, "drop_empty_rows", NULL, "dropped"), 5);
    ck_assert_int_eq(counter(table, "drop_empty_rows", NULL, "kept"), 50000);
}
END_TEST

/* The reference order: medians over all 50,000 rows, then split. */
START_TEST(reference_group_median_counts)
{
    ck_assert_ok(genre_dataset_drop_empty_rows(table));
    genre_dataset_prep *prep = NULL;
    ck_assert_ok(genre_dataset_prep_create(&prep, schema));
    ck_assert_ok(genre_dataset_prep_add_group_median(prep, "duration_ms"));
    ck_assert_ok(genre_dataset_prep_fit_apply(prep, table));
    ck_assert_int_eq(counter(table, "group_median", "duration_ms", "from_group"), 4449);
    ck_assert_int_eq(counter(table, "group_median", "duration_ms", "from_global"), 490);

    /* Genre codes follow the documented order, 5,000 rows each. */
    int32_t n_classes = 0;
    ck_assert_ok(genre_dataset_prep_category_count(prep, "music_genre", &n_classes));
    ck_assert_int_eq(n_classes, 10);
    char name[32];
    ck_assert_ok(genre_dataset_prep_category_name(prep, "music_genre", 0, name, sizeof name, NULL));
    ck_assert_str_eq(name, "Electronic");
    ck_assert_ok(genre_dataset_prep_category_name(prep, "music_genre", 9, name, sizeof name, NULL));
    ck_assert_str_eq(name, "Hip-Hop");
    ck_assert_ok(genre_dataset_prep_category_name(prep, "key", 0, name, sizeof name, NULL));
    ck_assert_str_eq(name, "C");
    ck_assert_ok(genre_dataset_prep_category_name(prep, "key", 11, name, sizeof name, NULL));
    ck_assert_str_eq(name, "B");
    ck_assert_ok(genre_dataset_prep_category_name(prep, "mode", 1, name, sizeof name, NULL));
    ck_assert_str_eq(name, "Major");
    int32_t *labels = malloc(50000 * sizeof *labels);
    ck_assert_ok(genre_dataset_export_labels(table, labels, 50000, NULL));
    int64_t per[10] = {0};
    for (size_t r = 0; r < 50000; r++)
        per[labels[r]]++;
    for (int c = 0; c < 10; c++)
        ck_assert_int_eq(per[c], 5000);
    free(labels);

    /* Mode: 32,099 Major, 17,901 Minor. */
    const char *cols[] = {"mode"};
    double *mode = malloc(50000 * sizeof *mode);
    ck_assert_ok(genre_dataset_export_matrix(table, cols, 1, mode, 50000, NULL));
    int64_t major = 0;
    for (size_t r = 0; r < 50000; r++)
        major += mode[r] == 1.0;
    ck_assert_int_eq(major, 32099);
    free(mode);
    genre_dataset_prep_free(prep);
}
END_TEST

START_TEST(split_500_per_genre_and_leak_free_imputation)
{
    ck_assert_ok(genre_dataset_drop_empty_rows(table));
    genre_dataset_split *sp = NULL, *again = NULL;
    ck_assert_ok(genre_dataset_split_stratified(&sp, table, 500, 42));
    int64_t counts[10];
    size_t n_classes = 0;
    ck_assert_ok(genre_dataset_split_class_counts(sp, GENRE_SPLIT_TEST, counts, 10, &n_classes));
    ck_assert_uint_eq(n_classes, 10);
    for (int c = 0; c < 10; c++)
        ck_assert_int_eq(counts[c], 500);
    size_t n_train = 0, n_test = 0;
    ck_assert_ok(genre_dataset_split_rows(sp, GENRE_SPLIT_TRAIN, NULL, 0, &n_train));
    ck_assert_ok(genre_dataset_split_rows(sp, GENRE_SPLIT_TEST, NULL, 0, &n_test));
    ck_assert_uint_eq(n_train, 45000);
    ck_assert_uint_eq(n_test, 5000);
    int64_t *a = malloc(45000 * sizeof *a), *b = malloc(45000 * sizeof *b);
    unsigned char *seen = calloc(50000, 1);
    ck_assert_ok(genre_dataset_split_rows(sp, GENRE_SPLIT_TRAIN, a, 45000, NULL));
    for (size_t i = 0; i < 45000; i++)
        seen[a[i]]++;
    ck_assert_ok(genre_dataset_split_rows(sp, GENRE_SPLIT_TEST, a, 45000, NULL));
    for (size_t i = 0; i < 5000; i++)
        seen[a[i]]++;
    for (size_t r = 0; r < 50000; r++)
        ck_assert_int_eq(seen[r], 1); /* no row on both sides, none lost */
    /* Same seed, same split; another seed, another one. */
    ck_assert_ok(genre_dataset_split_stratified(&again, table, 500, 42));
    ck_assert_ok(genre_dataset_split_rows(again, GENRE_SPLIT_TEST, b, 45000, NULL));
    ck_assert_int_eq(memcmp(a, b, 5000 * sizeof *a), 0);
    genre_dataset_split_free(again);
    ck_assert_ok(genre_dataset_split_stratified(&again, table, 500, 43));
    ck_assert_ok(genre_dataset_split_rows(again, GENRE_SPLIT_TEST, b, 45000, NULL));
    ck_assert_int_ne(memcmp(a, b, 5000 * sizeof *a), 0);
    genre_dataset_split_free(again);
    free(a);
    free(b);
    free(seen);

    int64_t shared = -1, rows_in = -1, dup = -1;
    ck_assert_ok(genre_dataset_leakage(table, sp, &shared, &rows_in, &dup));
    fprintf(stderr, "stratified split leakage: %lld shared artists, %lld test rows of "
                    "train artists, %lld duplicate feature rows\n",
            (long long)shared, (long long)rows_in, (long long)dup);
    ck_assert_int_gt(shared, 0); /* artists span genres: the random split leaks */

    /* Leak-free: medians from the training rows only. */
    genre_dataset *train = NULL, *test = NULL;
    ck_assert_ok(genre_dataset_subset(&train, table, sp, GENRE_SPLIT_TRAIN));
    ck_assert_ok(genre_dataset_subset(&test, table, sp, GENRE_SPLIT_TEST));
    genre_dataset_prep *prep = NULL;
    ck_assert_ok(genre_dataset_prep_create(&prep, schema));
    ck_assert_ok(genre_dataset_prep_add_group_median(prep, "duration_ms"));
    ck_assert_ok(genre_dataset_prep_add_impute(prep, "tempo", GENRE_IMPUTE_MEDIAN));
    ck_assert_ok(genre_dataset_prep_fit_apply(prep, train));
    ck_assert_ok(genre_dataset_prep_apply(prep, test));
    int64_t tg = counter(train, "group_median", "duration_ms", "from_group");
    int64_t tl = counter(train, "group_median", "duration_ms", "from_global");
    int64_t sg = counter(test, "group_median", "duration_ms", "from_group");
    int64_t sl = counter(test, "group_median", "duration_ms", "from_global");
    fprintf(stderr, "leak-free duration imputation (seed 42): train %lld artist / %lld global, "
                    "test %lld artist / %lld global\n",
            (long long)tg, (long long)tl, (long long)sg, (long long)sl);
    ck_assert_int_eq(tg + tl + sg + sl, 4939);
    ck_assert_int_eq(counter(train, "impute_median", "tempo", "imputed") +
                         counter(test, "impute_median", "tempo", "imputed"),
                     4980);
    /* The fitted state saved and loaded applies to the test rows identically. */
    size_t size = 0;
    ck_assert_status(genre_dataset_prep_save_to_memory(prep, NULL, 0, &size),
                     GENRE_E_BUFFER_TOO_SMALL);
    void *saved = malloc(size);
    ck_assert_ok(genre_dataset_prep_save_to_memory(prep, saved, size, &size));
    genre_dataset_prep *loaded = NULL;
    ck_assert_ok(genre_dataset_prep_load_from_memory(&loaded, saved, size));
    genre_dataset *test2 = NULL;
    ck_assert_ok(genre_dataset_subset(&test2, table, sp, GENRE_SPLIT_TEST));
    ck_assert_ok(genre_dataset_prep_apply(loaded, test2));
    ck_assert_int_eq(counter(test2, "group_median", "duration_ms", "from_group"), sg);
    ck_assert_int_eq(counter(test2, "group_median", "duration_ms", "from_global"), sl);
    free(saved);
    genre_dataset_prep_free(loaded);
    const char *cols[] = {"popularity", "acousticness", "danceability", "duration_ms",
                          "energy", "instrumentalness", "key", "liveness", "loudness",
                          "mode", "speechiness", "tempo", "valence"};
    size_t need = 0;
    ck_assert_ok(genre_dataset_export_matrix(test, cols, 13, NULL, 0, &need));
    ck_assert_uint_eq(need, 5000 * 13);
    double *x = malloc(need * sizeof *x);
    ck_assert_ok(genre_dataset_export_matrix(test, cols, 13, x, need, NULL));
    double *x2 = malloc(need * sizeof *x2);
    ck_assert_ok(genre_dataset_export_matrix(test2, cols, 13, x2, need, NULL));
    ck_assert_int_eq(memcmp(x, x2, need * sizeof *x), 0);
    free(x2);
    genre_dataset_free(test2);
    free(x);
    genre_dataset_prep_free(prep);
    genre_dataset_free(train);
    genre_dataset_free(test);
    genre_dataset_split_free(sp);
}
END_TEST

START_TEST(grouped_split_has_no_shared_artist)
{
    ck_assert_ok(genre_dataset_drop_empty_rows(table));
    genre_dataset_split *sp = NULL;
    ck_assert_ok(genre_dataset_split_grouped(&sp, table, 500, 42));
    int64_t counts[10];
    ck_assert_ok(genre_dataset_split_class_counts(sp, GENRE_SPLIT_TEST, counts, 10, NULL));
    fprintf(stderr, "grouped split test counts:");
    for (int c = 0; c < 10; c++) {
        fprintf(stderr, " %lld", (long long)counts[c]);
        ck_assert_int_ge(counts[c], 450);
        ck_assert_int_le(counts[c], 550);
    }
    fprintf(stderr, "\n");
    int64_t shared = -1, rows_in = -1;
    ck_assert_ok(genre_dataset_leakage(table, sp, &shared, &rows_in, NULL));
    ck_assert_int_eq(shared, 0);
    ck_assert_int_eq(rows_in, 0);
    genre_dataset_split_free(sp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset_real");
    TCase *tc = tcase_create("real");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, read_counts_match_the_readme);
    tcase_add_test(tc, reference_group_median_counts);
    tcase_add_test(tc, split_500_per_genre_and_leak_free_imputation);
    tcase_add_test(tc, grouped_split_has_no_shared_artist);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
