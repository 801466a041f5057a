/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The caller-buffer rule (docs/api-conventions.md, lib/common/caller_buffer.h)
 * is one rule: a short buffer is GENRE_E_BUFFER_TOO_SMALL with the needed
 * element count and the same words whichever family wrote it; a NULL buffer
 * is too small, except for the dataset exports where it is a documented
 * size query.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

static const char csv[] = "name,x,c,y\n"
                          "a,1.5,p,P\nb,2.5,q,Q\nc,3.5,p,P\nd,4.5,q,Q\n"
                          "a,5.5,p,P\nf,6.5,q,Q\ng,7.5,p,P\nh,8.5,q,Q\n";

static double x8[8 * 2];
static int32_t y8[8];

/* The call failed with GENRE_E_BUFFER_TOO_SMALL, set *needed to need, and said
 * "func: output buffer holds cap element(s), need needed". */
static void check_short(genre_status st, const char *func, size_t cap, size_t need,
                        const size_t *needed)
{
    char expect[160];
    snprintf(expect, sizeof expect, "%s: output buffer holds %zu element(s), %zu needed", func,
             cap, need);
    ck_assert_msg(st == GENRE_E_BUFFER_TOO_SMALL, "%s returned %s: %s", func,
                  genre_status_name(st), genre_last_error());
    ck_assert_uint_eq(*needed, need);
    ck_assert_str_eq(genre_last_error(), expect);
}

static void make_x(void)
{
    for (int i = 0; i < 8; i++) {
        y8[i] = i % 2;
        x8[2 * i] = (double)i + 0.5 * y8[i];
        x8[2 * i + 1] = (double)((i * 5) % 7);
    }
}

static genre_dataset *encoded_table(genre_dataset_schema **schema)
{
    genre_dataset *ds = NULL;
    genre_dataset_prep *prep = NULL;
    ck_assert_ok(genre_dataset_schema_create(schema));
    ck_assert_ok(genre_dataset_schema_add_column(*schema, "name", GENRE_COL_GROUP));
    ck_assert_ok(genre_dataset_schema_add_column(*schema, "x", GENRE_COL_NUMERIC));
    ck_assert_ok(genre_dataset_schema_add_column(*schema, "c", GENRE_COL_CATEGORICAL));
    ck_assert_ok(genre_dataset_schema_add_column(*schema, "y", GENRE_COL_LABEL));
    ck_assert_ok(genre_dataset_read_from_memory(&ds, *schema, csv, sizeof csv - 1, "t.csv"));
    ck_assert_ok(genre_dataset_prep_create(&prep, *schema));
    ck_assert_ok(genre_dataset_prep_fit_apply(prep, ds));
    genre_dataset_prep_free(prep);
    return ds;
}

START_TEST(short_buffers_are_worded_alike)
{
    make_x();
    double out[64];
    int32_t lab[8];
    int64_t grp[8];
    size_t needed = 0;

    genre_kmeans *km = NULL;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 2));
    ck_assert_ok(genre_kmeans_fit(km, x8, 8, 2, 2));
    check_short(genre_kmeans_predict(km, x8, 8, 2, 2, lab, 3, &needed), "genre_kmeans_predict",
                3, 8, &needed);
    genre_kmeans_free(km);

    genre_scaler *sc = NULL;
    ck_assert_ok(genre_scaler_create(&sc));
    ck_assert_ok(genre_scaler_fit(sc, x8, 8, 2, 2));
    check_short(genre_scaler_transform(sc, x8, 8, 2, 2, out, 3, &needed),
                "genre_scaler_transform", 3, 16, &needed);
    genre_scaler_free(sc);

    genre_mlp *mlp = NULL;
    ck_assert_ok(genre_mlp_create(&mlp));
    ck_assert_ok(genre_mlp_set_i64(mlp, GENRE_MLP_EPOCHS, 2));
    ck_assert_ok(genre_mlp_fit(mlp, x8, 8, 2, 2, y8, NULL, 0, 0, NULL));
    check_short(genre_mlp_predict_proba(mlp, x8, 8, 2, 2, out, 3, &needed),
                "genre_mlp_predict_proba", 3, 16, &needed);
    check_short(genre_mlp_predict(mlp, x8, 8, 2, 2, lab, 3, &needed), "genre_mlp_predict", 3, 8,
                &needed);
    genre_mlp_free(mlp);

    genre_dataset_schema *schema = NULL;
    genre_dataset *ds = encoded_table(&schema);
    const char *cols[] = {"x", "c"};
    check_short(genre_dataset_export_matrix(ds, cols, 2, out, 3, &needed),
                "genre_dataset_export_matrix", 3, 16, &needed);
    check_short(genre_dataset_export_labels(ds, lab, 3, &needed), "genre_dataset_export_labels",
                3, 8, &needed);
    check_short(genre_dataset_export_groups(ds, grp, 3, &needed), "genre_dataset_export_groups",
                3, 8, &needed);
    genre_dataset_free(ds);
    genre_dataset_schema_free(schema);
}
END_TEST

START_TEST(null_is_too_small_except_for_dataset_size_queries)
{
    make_x();
    size_t needed = 0;
    genre_kmeans *km = NULL;
    ck_assert_ok(genre_kmeans_create(&km));
    ck_assert_ok(genre_kmeans_set_i64(km, GENRE_KMEANS_K, 2));
    ck_assert_ok(genre_kmeans_fit(km, x8, 8, 2, 2));
    check_short(genre_kmeans_get_labels(km, NULL, 0, &needed), "genre_kmeans_get_labels", 0, 8,
                &needed);
    genre_kmeans_free(km);

    genre_mlp *mlp = NULL;
    ck_assert_ok(genre_mlp_create(&mlp));
    ck_assert_ok(genre_mlp_set_i64(mlp, GENRE_MLP_EPOCHS, 2));
    ck_assert_ok(genre_mlp_fit(mlp, x8, 8, 2, 2, y8, NULL, 0, 0, NULL));
    check_short(genre_mlp_predict_proba(mlp, x8, 8, 2, 2, NULL, 0, &needed),
                "genre_mlp_predict_proba", 0, 16, &needed);
    genre_mlp_free(mlp);

    genre_dataset_schema *schema = NULL;
    genre_dataset *ds = encoded_table(&schema);
    const char *cols[] = {"x", "c"};
    needed = 0;
    ck_assert_ok(genre_dataset_export_matrix(ds, cols, 2, NULL, 0, &needed));
    ck_assert_uint_eq(needed, 16);
    needed = 0;
    ck_assert_ok(genre_dataset_export_labels(ds, NULL, 0, &needed));
    ck_assert_uint_eq(needed, 8);
    needed = 0;
    ck_assert_ok(genre_dataset_export_groups(ds, NULL, 0, &needed));
    ck_assert_uint_eq(needed, 8);
    genre_dataset_free(ds);
    genre_dataset_schema_free(schema);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("core_caller_buffer");
    TCase *tc = tcase_create("rule");
    tcase_add_test(tc, short_buffers_are_worded_alike);
    tcase_add_test(tc, null_is_too_small_except_for_dataset_size_queries);
    suite_add_tcase(suite, tc);
    return genre_test_run(suite);
}
