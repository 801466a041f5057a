/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The name study's leak check (examples/name_leak.c through name_study_run):
 * on a small generated table, a text column that holds the label (file names
 * like rock.00012.wav) raises a warning naming it with the word "leak" and is
 * left out of the combined models (kept with keep_leaking); a table whose
 * text does not leak raises none. Without a group column the group-disjoint
 * split is skipped and says so; with one it runs (two threads) and follows
 * the random split's leak decision. Quick settings: a few seconds.
 */
#include "harness.h"
#include "name_study.h"

#include <math.h>
#include <string.h>

#define N_ROWS 600
static const char *const CLASSES[] = {"rock", "jazz", "pop"};

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static double unif(uint64_t *s)
{
    return (double)lcg(s) / 2147483648.0;
}

/* genre,x1,x2,file_name,title: x1 and x2 shift with the class (so the
 * features predict it, imperfectly); title is words drawn without regard to
 * the class; file_name holds the class when leak is set. */
static char *make_table(int leak, size_t *len)
{
    static const char *const words[] = {"blue", "night", "river", "song", "light", "heart",
                                        "road", "fire", "rain", "home", "star", "dream"};
    size_t cap = 64 * N_ROWS + 64, n = 0;
    char *t = malloc(cap);
    ck_assert_ptr_nonnull(t);
    uint64_t s = 12345;
    n += (size_t)snprintf(t + n, cap - n, "genre,x1,x2,file_name,title\n");
    for (int i = 0; i < N_ROWS; i++) {
        int k = i % 3;
        double x1 = k + 2.0 * (unif(&s) - 0.5) * 2.5, x2 = -k + 2.0 * (unif(&s) - 0.5) * 2.5;
        char file[32];
        if (leak)
            snprintf(file, sizeof file, "%s.%05d.wav", CLASSES[k], i);
        else
            snprintf(file, sizeof file, "track%05u.wav", (unsigned)(lcg(&s) % 100000));
        n += (size_t)snprintf(t + n, cap - n, "%s,%.4f,%.4f,%s,%s %s\n", CLASSES[k], x1, x2,
                              file, words[lcg(&s) % 12], words[lcg(&s) % 12]);
    }
    *len = n;
    return t;
}

/* genre,x1,x2,artist_name,file_name: 60 artists drawn without regard to
 * the class, every 10th row without one ("unknown", the schema's no-group
 * value); file_name holds the class. */
static char *make_grouped_table(size_t *len)
{
    size_t cap = 64 * N_ROWS + 64, n = 0;
    char *t = malloc(cap);
    ck_assert_ptr_nonnull(t);
    uint64_t s = 777;
    n += (size_t)snprintf(t + n, cap - n, "genre,x1,x2,artist_name,file_name\n");
    for (int i = 0; i < N_ROWS; i++) {
        int k = i % 3;
        double x1 = k + 2.0 * (unif(&s) - 0.5) * 2.5, x2 = -k + 2.0 * (unif(&s) - 0.5) * 2.5;
        char artist[32];
        if (i % 10 == 9)
            snprintf(artist, sizeof artist, "unknown");
        else
            snprintf(artist, sizeof artist, "artist%02d", (int)(lcg(&s) % 60));
        n += (size_t)snprintf(t + n, cap - n, "%s,%.4f,%.4f,%s,%s.%05d.wav\n", CLASSES[k], x1,
                              x2, artist, CLASSES[k], i);
    }
    *len = n;
    return t;
}

static genre_dataset_schema *make_schema(void)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "genre", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x1", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x2", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "file_name", GENRE_COL_TEXT));
    ck_assert_ok(genre_dataset_schema_add_column(s, "title", GENRE_COL_TEXT));
    return s;
}

/* The features callback: x1, x2 (nothing missing), labels encoded by a
 * preparation fit on the training side. user: the schema. */
static int features(void *user, genre_dataset *train, genre_dataset *test,
                    name_study_features *out, char *error, size_t cap)
{
    static const char *const cols[] = {"x1", "x2"};
    genre_dataset_prep *prep = NULL;
    genre_status st = genre_dataset_prep_create(&prep, user);
    if (!st)
        st = genre_dataset_prep_fit_apply(prep, train);
    if (!st)
        st = genre_dataset_prep_apply(prep, test);
    for (int side = 0; side < 2 && !st; side++) {
        genre_dataset *ds = side ? test : train;
        int64_t n = 0;
        genre_dataset_get_i64(ds, GENRE_DATASET_N_ROWS, &n);
        double *x = malloc((size_t)n * 2 * sizeof *x);
        int32_t *y = malloc((size_t)n * sizeof *y);
        *(side ? &out->x_test : &out->x_train) = x;
        *(side ? &out->y_test : &out->y_train) = y;
        st = x && y ? genre_dataset_export_matrix(ds, cols, 2, x, (size_t)n * 2, NULL)
                    : GENRE_E_NOMEM;
        if (!st)
            st = genre_dataset_export_labels(ds, y, (size_t)n, NULL);
    }
    genre_dataset_prep_free(prep);
    out->d = 2;
    if (st)
        snprintf(error, cap, "%s", genre_last_error());
    return st ? -1 : 0;
}

/* Runs the quick study on the generated table. */
static void run_study(int leak, int keep, name_study_result *r)
{
    size_t len = 0;
    char *text = make_table(leak, &len);
    genre_dataset_schema *schema = make_schema();
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, schema, text, len, "generated.csv"));
    static const char *const cols[] = {"file_name", "title"};
    const name_study_input in = {.ds = ds,
                                 .text_columns = cols,
                                 .n_text_columns = 2,
                                 .n_classes = 3,
                                 .features = features,
                                 .features_user = schema};
    name_study_options o;
    name_study_default_options(&o);
    o.test_per_class = 0; /* a fraction: 20% of each class */
    o.n_buckets = 1 << 10;
    o.folds = 2;
    o.names_epochs = 30;
    o.both_epochs = 20;
    o.audio_epochs = 200;
    o.n_resamples = 20;
    o.threads = 1;
    o.keep_leaking = keep;
    int rc = name_study_run(&in, &o, r);
    ck_assert_msg(rc == 0, "name_study_run: %s", r->error);
    if (getenv("NAME_LEAK_PRINT"))
        name_study_print(stderr, r);
    genre_dataset_free(ds);
    genre_dataset_schema_free(schema);
    free(text);
}

START_TEST(leaking_column_is_flagged_and_left_out)
{
    name_study_result *r = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    run_study(1, 0, r);
    ck_assert(r->leak_checked);
    ck_assert_msg(r->field_val_auroc[0] > 0.99, "file_name alone %g", r->field_val_auroc[0]);
    ck_assert_msg(r->field_val_auroc[1] < 0.9, "title alone %g", r->field_val_auroc[1]);
    ck_assert_int_eq(r->field_leaks[0], 1);
    ck_assert_int_eq(r->field_leaks[1], 0);
    ck_assert_int_eq(r->field_combined[0], 0); /* left out of the combined models */
    ck_assert_int_eq(r->field_combined[1], 1);
    ck_assert_uint_eq(r->n_warnings, 1);
    ck_assert_ptr_nonnull(strstr(r->warning[0], "'file_name'"));
    ck_assert_ptr_nonnull(strstr(r->warning[0], "leak"));
    ck_assert_ptr_nonnull(strstr(r->warning[0], "left out"));
    /* the names model keeps every column; the combined models ran without
     * file_name: far from its perfect score */
    const name_study_split *p = &r->split[NS_SPLIT_RANDOM];
    ck_assert_msg(p->model[NS_NAMES].auroc > 0.95, "names %g", p->model[NS_NAMES].auroc);
    ck_assert_msg(isfinite(p->model[NS_BOTH].auroc) && p->model[NS_BOTH].auroc < 0.95,
                  "names+audio %g", p->model[NS_BOTH].auroc);
    ck_assert_msg(isfinite(p->model[NS_REDUCED].auroc) && p->model[NS_REDUCED].auroc < 0.95,
                  "reduced %g", p->model[NS_REDUCED].auroc);
    /* no group column: the group-disjoint split is skipped, and says so */
    ck_assert_int_eq(r->split[NS_SPLIT_GROUP].available, 0);
    ck_assert_ptr_nonnull(strstr(r->split[NS_SPLIT_GROUP].skipped, "no group column"));
    free(r);
}
END_TEST

/* With a group column: the group-disjoint split runs (named after the
 * column, no group on both sides), the no-group value is no name, and the
 * leak decision of the random split holds on it too. */
START_TEST(group_disjoint_split_follows_the_leak_decision)
{
    size_t len = 0;
    char *text = make_grouped_table(&len);
    genre_dataset_schema *schema = NULL;
    ck_assert_ok(genre_dataset_schema_create(&schema));
    ck_assert_ok(genre_dataset_schema_add_column(schema, "genre", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_schema_add_column(schema, "x1", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(schema, "x2", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(schema, "artist_name", GENRE_COL_GROUP));
    ck_assert_ok(genre_dataset_schema_add_column(schema, "file_name", GENRE_COL_TEXT));
    ck_assert_ok(genre_dataset_schema_set_no_group(schema, "unknown"));
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, schema, text, len, "grouped.csv"));
    static const char *const cols[] = {"artist_name", "file_name"};
    const name_study_input in = {.ds = ds,
                                 .text_columns = cols,
                                 .n_text_columns = 2,
                                 .group_column = "artist_name",
                                 .n_classes = 0, /* found in the labels */
                                 .features = features,
                                 .features_user = schema};
    name_study_options o;
    name_study_default_options(&o);
    o.test_per_class = 0;
    o.n_buckets = 1 << 10;
    o.folds = 2;
    o.names_epochs = 30;
    o.both_epochs = 20;
    o.audio_epochs = 200;
    o.n_resamples = 20;
    name_study_result *r = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    int rc = name_study_run(&in, &o, r);
    ck_assert_msg(rc == 0, "name_study_run: %s", r->error);
    if (getenv("NAME_LEAK_PRINT"))
        name_study_print(stderr, r);
    ck_assert_int_eq(r->empty_names, N_ROWS / 10); /* "unknown" is no name */
    const name_study_split *g = &r->split[NS_SPLIT_GROUP];
    ck_assert_int_eq(g->available, 1);
    ck_assert_str_eq(g->name, "artist-disjoint");
    ck_assert_int_eq(g->shared_groups, 0);
    ck_assert_int_eq(g->test_rows_in_train_groups, 0);
    ck_assert_int_gt(g->test_groups, 0);
    ck_assert_int_gt(r->split[NS_SPLIT_RANDOM].shared_groups, 0);
    /* file_name leaks, artist_name does not: both splits' combined models
     * use the artist alone */
    ck_assert_int_eq(r->field_leaks[0], 0);
    ck_assert_int_eq(r->field_leaks[1], 1);
    ck_assert_int_eq(r->field_combined[0], 1);
    ck_assert_int_eq(r->field_combined[1], 0);
    ck_assert_uint_eq(r->n_warnings, 1);
    for (int sp = 0; sp < NAME_STUDY_N_SPLITS; sp++) {
        const name_study_split *p = &r->split[sp];
        ck_assert_msg(p->model[NS_NAMES].auroc > 0.95, "%s: names %g", p->name,
                      p->model[NS_NAMES].auroc);
        for (int m = NS_BOTH; m <= NS_REDUCED; m++)
            ck_assert_msg(isfinite(p->model[m].auroc) && p->model[m].auroc < 0.95,
                          "%s: %s %g", p->name, name_study_model_names[m], p->model[m].auroc);
    }
    free(r);
    genre_dataset_free(ds);
    genre_dataset_schema_free(schema);
    free(text);
}
END_TEST

START_TEST(keep_leaking_keeps_it)
{
    name_study_result *r = calloc(1, sizeof *r), *dropped = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_nonnull(dropped);
    run_study(1, 1, r);
    run_study(1, 0, dropped);
    ck_assert_uint_eq(r->n_warnings, 1);
    ck_assert_ptr_nonnull(strstr(r->warning[0], "leak"));
    ck_assert_ptr_nonnull(strstr(r->warning[0], "kept"));
    ck_assert_int_eq(r->field_combined[0], 1);
    /* with the leaking column the reduced model scores far higher */
    double kept = r->split[NS_SPLIT_RANDOM].model[NS_REDUCED].auroc,
           left = dropped->split[NS_SPLIT_RANDOM].model[NS_REDUCED].auroc;
    ck_assert_msg(kept > left + 0.05, "reduced: %g kept, %g left out", kept, left);
    free(r);
    free(dropped);
}
END_TEST

START_TEST(text_that_does_not_leak_raises_nothing)
{
    name_study_result *r = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    run_study(0, 0, r);
    ck_assert(r->leak_checked);
    ck_assert_uint_eq(r->n_warnings, 0);
    for (size_t j = 0; j < 2; j++) {
        ck_assert_msg(r->field_val_auroc[j] < 0.9, "%s alone %g", r->field[j],
                      r->field_val_auroc[j]);
        ck_assert_int_eq(r->field_combined[j], 1);
    }
    free(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("text_name_leak");
    TCase *tc = tcase_create("leak");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, leaking_column_is_flagged_and_left_out);
    tcase_add_test(tc, keep_leaking_keeps_it);
    tcase_add_test(tc, group_disjoint_split_follows_the_leak_decision);
    tcase_add_test(tc, text_that_does_not_leak_raises_nothing);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
