/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A failure found inside the library (a private helper, another public
 * function such as t-SNE's PCA, the allocator) is reported under the public
 * function the user called.
 */
#include "harness.h"

#include "alloc.h"

#include <string.h>
#include <unistd.h>

#define ASSERT_NAMED(func)                                                          \
    ck_assert_msg(strncmp(genre_last_error(), func ": ", strlen(func) + 2) == 0,    \
                  "'%s' does not start with '%s: '", genre_last_error(), func)

START_TEST(tsne_reports_its_pca_initialisation_as_its_own)
{
    double x[40 * 3];
    for (int i = 0; i < 120; i++)
        x[i] = 1.0; /* constant: PCA has no component */
    genre_tsne *t = NULL;
    ck_assert_ok(genre_tsne_create(&t));
    ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 5.0));
    double y[80];
    ck_assert_status(genre_tsne_fit_embed(t, x, 40, 3, 3, y, 80, NULL), GENRE_E_NUMERIC);
    ASSERT_NAMED("genre_tsne_fit_embed");
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "PCA initialisation: "));
    ck_assert_ptr_null(strstr(genre_last_error(), "genre_pca_fit"));
    /* Private helpers of t-SNE's other calls. */
    int64_t v = 0;
    ck_assert_status(genre_tsne_get_i64(t, GENRE_TSNE_N_ITER, &v), GENRE_E_BAD_STATE);
    ASSERT_NAMED("genre_tsne_get_i64");
    ck_assert_status(genre_tsne_set_i64(t, 9999, 1), GENRE_E_UNKNOWN_PARAM);
    ASSERT_NAMED("genre_tsne_set_i64");
    ck_assert_status(genre_tsne_set_f64(t, 9999, 1.0), GENRE_E_UNKNOWN_PARAM);
    ASSERT_NAMED("genre_tsne_set_f64");
    genre_tsne_free(t);
}
END_TEST

START_TEST(prep_load_file_is_not_reported_as_prep_load)
{
    static const char junk[] = "this is not a model file";
    char path[64];
    genre_test_temp_file(path, sizeof path);
    FILE *f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(junk, 1, sizeof junk, f), sizeof junk);
    fclose(f);
    genre_dataset_prep *p = NULL;
    ck_assert_status(genre_dataset_prep_load(&p, path), GENRE_E_CORRUPT);
    ASSERT_NAMED("genre_dataset_prep_load");
    ck_assert_status(genre_dataset_prep_load_from_memory(&p, junk, sizeof junk), GENRE_E_CORRUPT);
    ASSERT_NAMED("genre_dataset_prep_load_from_memory");
    unlink(path);
    ck_assert_status(genre_dataset_prep_load(&p, path), GENRE_E_IO);
    ASSERT_NAMED("genre_dataset_prep_load");
    /* The model loaders' container checks (genre__mf_*). */
    genre_pca *pca = NULL;
    ck_assert_status(genre_pca_load_from_memory(&pca, junk, sizeof junk), GENRE_E_CORRUPT);
    ASSERT_NAMED("genre_pca_load_from_memory");
}
END_TEST

START_TEST(dataset_helpers_report_the_public_call)
{
    genre_dataset_schema *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&s));
    ck_assert_ok(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(s, "c", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_column(s, "y", GENRE_COL_LABEL));
    ck_assert_status(genre_dataset_schema_add_missing_text(s, "nope", "?"),
                     GENRE_E_MISSING_COLUMN);
    ASSERT_NAMED("genre_dataset_schema_add_missing_text");
    ck_assert_status(genre_dataset_schema_set_category_order(s, "nope", NULL, 0),
                     GENRE_E_INVALID_ARG);
    ASSERT_NAMED("genre_dataset_schema_set_category_order");
    genre_dataset_prep *p = NULL;
    ck_assert_ok(genre_dataset_prep_create(&p, s));
    ck_assert_status(genre_dataset_prep_add_impute(p, "c", GENRE_IMPUTE_MEDIAN),
                     GENRE_E_INVALID_ARG);
    ASSERT_NAMED("genre_dataset_prep_add_impute");
    int32_t n = 0;
    ck_assert_status(genre_dataset_prep_category_count(p, "c", &n), GENRE_E_BAD_STATE);
    ASSERT_NAMED("genre_dataset_prep_category_count");
    static const char csv[] = "x,c,y\n1,a,P\n2,b,Q\n3,a,P\n4,b,Q\n";
    genre_dataset *ds = NULL;
    ck_assert_ok(genre_dataset_read_from_memory(&ds, s, csv, sizeof csv - 1, NULL));
    genre_dataset_split *sp = NULL;
    ck_assert_status(genre_dataset_split_stratified(&sp, ds, -1, 1), GENRE_E_INVALID_ARG);
    ASSERT_NAMED("genre_dataset_split_stratified");
    ck_assert_status(genre_dataset_split_grouped(&sp, ds, -1, 1), GENRE_E_INVALID_ARG);
    ASSERT_NAMED("genre_dataset_split_grouped");
    ck_assert_ok(genre_dataset_split_stratified(&sp, ds, 1, 1));
    genre_dataset *sub = NULL;
    ck_assert_status(genre_dataset_subset(&sub, ds, sp, 7), GENRE_E_INVALID_ARG);
    ASSERT_NAMED("genre_dataset_subset");
    /* An allocation failing inside: "allocate" is not a function the user called. */
    long live = genre__alloc_live();
    genre__alloc_fail_at(1);
    genre_status st = genre_dataset_subset(&sub, ds, sp, GENRE_SPLIT_TEST);
    genre__alloc_fail_at(0);
    ck_assert_int_eq(st, GENRE_E_NOMEM);
    ASSERT_NAMED("genre_dataset_subset");
    ck_assert_int_eq(genre__alloc_live(), live);
    genre_dataset_split_free(sp);
    genre_dataset_free(ds);
    genre_dataset_prep_free(p);
    genre_dataset_schema_free(s);
}
END_TEST

START_TEST(kmeans_reports_its_own_name)
{
    genre_kmeans *km = NULL;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 2));
    double x[6] = {0, 1, 2, 3, 4, 5};
    genre__alloc_fail_at(1);
    genre_status st = genre_kmeans_fit(km, x, 6, 1, 1);
    genre__alloc_fail_at(0);
    ck_assert_int_eq(st, GENRE_E_NOMEM);
    ASSERT_NAMED("genre_kmeans_fit");
    genre_kmeans_free(km);
}
END_TEST

/* The parameter calls of MLP, k-means and t-SNE: every failure found by the
 * shared parameter module (lib/common/params.c) names the call. */
START_TEST(param_calls_name_themselves)
{
    genre_mlp *m = NULL;
    genre_kmeans *km = NULL;
    genre_tsne *t = NULL;
    ck_assert_ok(genre_mlp_create(&m));
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_tsne_create(&t));
    int64_t v, vals[1];
    double f, lo, hi;
    size_t n;
#define NAMED(call, status, func)           \
    do {                                    \
        ck_assert_status(call, status);     \
        ASSERT_NAMED(func);                 \
    } while (0)
    NAMED(genre_mlp_set_i64(m, GENRE_MLP_L2, 1), GENRE_E_UNKNOWN_PARAM, "genre_mlp_set_i64");
    NAMED(genre_mlp_set_f64(m, GENRE_MLP_L2, -1), GENRE_E_INVALID_ARG, "genre_mlp_set_f64");
    NAMED(genre_mlp_get_i64(m, GENRE_MLP_TASK, &v), GENRE_E_BAD_STATE, "genre_mlp_get_i64");
    NAMED(genre_mlp_get_f64(m, 999, &f), GENRE_E_UNKNOWN_PARAM, "genre_mlp_get_f64");
    NAMED(genre_mlp_param_bounds(999, &lo, &hi), GENRE_E_UNKNOWN_PARAM,
          "genre_mlp_param_bounds");
    NAMED(genre_mlp_param_values(GENRE_MLP_PRECISION, vals, 1, &n), GENRE_E_BUFFER_TOO_SMALL,
          "genre_mlp_param_values");
    NAMED(genre_mlp_reset_params(NULL), GENRE_E_INVALID_ARG, "genre_mlp_reset_params");
    NAMED(genre_mlp_set_log(NULL, NULL, NULL), GENRE_E_INVALID_ARG, "genre_mlp_set_log");
    NAMED(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 0), GENRE_E_INVALID_ARG,
          "genre_kmeans_set_i64");
    NAMED(genre_kmeans_set_f64(km, GENRE_KMEANS_INERTIA, 1), GENRE_E_UNKNOWN_PARAM,
          "genre_kmeans_set_f64");
    NAMED(genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &v), GENRE_E_BAD_STATE,
          "genre_kmeans_get_i64");
    NAMED(genre_kmeans_get_f64(km, GENRE_KMEANS_INERTIA, &f), GENRE_E_BAD_STATE,
          "genre_kmeans_get_f64");
    NAMED(genre_kmeans_param_bounds(GENRE_KMEANS_FITTED, &lo, &hi), GENRE_E_UNKNOWN_PARAM,
          "genre_kmeans_param_bounds");
    NAMED(genre_kmeans_param_values(GENRE_KMEANS_DISTANCE_KERNEL, NULL, 0, &n),
          GENRE_E_BUFFER_TOO_SMALL, "genre_kmeans_param_values");
    NAMED(genre_kmeans_reset_params(NULL), GENRE_E_INVALID_ARG, "genre_kmeans_reset_params");
    NAMED(genre_kmeans_set_log(NULL, NULL, NULL), GENRE_E_INVALID_ARG, "genre_kmeans_set_log");
    NAMED(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, 9), GENRE_E_INVALID_ARG,
          "genre_tsne_set_i64");
    NAMED(genre_tsne_get_f64(t, GENRE_TSNE_KL_DIVERGENCE, &f), GENRE_E_BAD_STATE,
          "genre_tsne_get_f64");
    NAMED(genre_tsne_param_bounds(GENRE_TSNE_N_ITER, &lo, &hi), GENRE_E_UNKNOWN_PARAM,
          "genre_tsne_param_bounds");
    NAMED(genre_tsne_param_values(GENRE_TSNE_INIT, vals, 1, &n), GENRE_E_BUFFER_TOO_SMALL,
          "genre_tsne_param_values");
    NAMED(genre_tsne_reset_params(NULL), GENRE_E_INVALID_ARG, "genre_tsne_reset_params");
    NAMED(genre_tsne_set_log(NULL, NULL, NULL), GENRE_E_INVALID_ARG, "genre_tsne_set_log");
#undef NAMED
    genre_tsne_free(t);
    genre_kmeans_free(km);
    genre_mlp_free(m);
}
END_TEST

/* Every allocation of a fit failing in turn: each NOMEM message names the
 * fit, not "allocate" nor a private helper. */
static double wx[12 * 3];
static int32_t wy[12];

static genre_status walk_scaler(void)
{
    genre_scaler *m = NULL;
    genre_status st = genre_scaler_create(&m);
    if (st == GENRE_OK)
        st = genre_scaler_fit(m, wx, 12, 3, 3);
    genre_scaler_free(m);
    return st;
}

static genre_status walk_pca(void)
{
    genre_pca *m = NULL;
    genre_status st = genre_pca_create(&m);
    if (st == GENRE_OK)
        st = genre_pca_fit(m, wx, 12, 3, 3);
    genre_pca_free(m);
    return st;
}

static genre_status walk_lda(void)
{
    genre_lda *m = NULL;
    genre_status st = genre_lda_create(&m);
    if (st == GENRE_OK)
        st = genre_lda_fit(m, wx, 12, 3, 3, wy);
    genre_lda_free(m);
    return st;
}

static genre_status walk_kmeans(void)
{
    genre_kmeans *m = NULL;
    genre_status st = genre_kmeans_create(&m);
    if (st == GENRE_OK && (st = genre_kmeans_set_i64(m, GENRE_KMEANS_K, 2)) == GENRE_OK)
        st = genre_kmeans_fit(m, wx, 12, 3, 3);
    genre_kmeans_free(m);
    return st;
}

static genre_status walk_text(void)
{
    static const char *const names[] = {"Daft Punk", "One More Time", "Miles Davis",
                                        "So What"};
    genre_text *m = NULL;
    genre_status st = genre_text_create(&m);
    if (st == GENRE_OK)
        st = genre_text_fit(m, names, 2, 2);
    genre_text_free(m);
    return st;
}

static genre_status walk_roc_auc(void)
{
    static const double score[12] = {.1, .4, .35, .8, .2, .9, .6, .5, .3, .7, .05, .95};
    double auc = 0;
    return genre_metrics_roc_auc(wy, score, 12, 1, 1, &auc);
}

START_TEST(nomem_names_the_fit)
{
    for (int i = 0; i < 12; i++) {
        wy[i] = i % 3;
        for (int j = 0; j < 3; j++)
            wx[i * 3 + j] = (double)((i * 7 + j * 3) % 11) + 0.25 * wy[i] * j;
    }
    static const struct {
        const char *fit, *create;
        genre_status (*run)(void);
    } walks[] = {
        {"genre_scaler_fit", "genre_scaler_create", walk_scaler},
        {"genre_pca_fit", "genre_pca_create", walk_pca},
        {"genre_lda_fit", "genre_lda_create", walk_lda},
        {"genre_kmeans_fit", "genre_kmeans_create", walk_kmeans},
        {"genre_text_fit", "genre_text_create", walk_text},
        {"genre_metrics_roc_auc", "genre_metrics_roc_auc", walk_roc_auc},
    };
    for (size_t w = 0; w < sizeof walks / sizeof walks[0]; w++) {
        genre__alloc_fail_at(0);
        ck_assert_ok(walks[w].run());
        long total = genre__alloc_attempts();
        ck_assert_int_gt(total, 0);
        for (long n = 1; n <= total; n++) {
            genre_clear_error();
            genre__alloc_fail_at(n);
            genre_status st = walks[w].run();
            genre__alloc_fail_at(0);
            if (st == GENRE_OK)
                continue;
            const char *msg = genre_last_error();
            size_t lf = strlen(walks[w].fit), lc = strlen(walks[w].create);
            ck_assert_msg((strncmp(msg, walks[w].fit, lf) == 0 && msg[lf] == ':') ||
                              (strncmp(msg, walks[w].create, lc) == 0 && msg[lc] == ':'),
                          "allocation %ld of %ld: '%s' names neither %s nor %s", n, total, msg,
                          walks[w].fit, walks[w].create);
        }
    }
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("core_error_names");
    TCase *tc = tcase_create("names");
    tcase_add_test(tc, tsne_reports_its_pca_initialisation_as_its_own);
    tcase_add_test(tc, prep_load_file_is_not_reported_as_prep_load);
    tcase_add_test(tc, dataset_helpers_report_the_public_call);
    tcase_add_test(tc, kmeans_reports_its_own_name);
    tcase_add_test(tc, param_calls_name_themselves);
    tcase_add_test(tc, nomem_names_the_fit);
    suite_add_tcase(suite, tc);
    return genre_test_run(suite);
}
