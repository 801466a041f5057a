/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PCA on the frozen real split (11 continuous features standardized, mode
 * as code, key left out) against scikit-learn 1.2.1's PCA(svd_solver="full"),
 * stored by tests/fixtures/make_linear_fixtures.py. Acceptance of issue 4:
 * ratios to 1e-9 absolute, projections up to sign per axis to 1e-8. */
#include "harness.h"
#include "linear_fixture.h"

#include <genre/pca.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define D 12

static lin_data data;

static void setup(void)
{
    lin_data_load(&data);
}

static void teardown(void)
{
    lin_data_free(&data);
}

static genre_pca *fit(int64_t n_components, int whiten, double fraction)
{
    genre_pca *p;
    ck_assert_ok(genre_pca_create(&p));
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_N_COMPONENTS, n_components));
    ck_assert_ok(genre_pca_set_i64(p, GENRE_PCA_WHITEN, whiten));
    if (fraction > 0)
        ck_assert_ok(genre_pca_set_f64(p, GENRE_PCA_VARIANCE_FRACTION, fraction));
    ck_assert_ok(genre_pca_fit(p, data.p_train, data.split.n_train, D, D));
    return p;
}

static double max_abs_diff(const double *a, const double *b, size_t n)
{
    double w = 0;
    for (size_t i = 0; i < n; i++)
        w = fmax(w, fabs(a[i] - b[i]));
    return w;
}

START_TEST(explained_variance_matches_sklearn)
{
    genre_pca *p = fit(0, 0, 0);
    lin_ref ratio = lin_ref_get("pca_explained_variance_ratio");
    lin_ref var = lin_ref_get("pca_explained_variance");
    lin_ref mean = lin_ref_get("pca_mean");
    double got[D];
    ck_assert_ok(genre_pca_get_explained_variance_ratio(p, got, D, NULL));
    double dr = max_abs_diff(got, ratio.v, D);
    ck_assert_ok(genre_pca_get_explained_variance(p, got, D, NULL));
    double dv = 0;
    for (int c = 0; c < D; c++)
        dv = fmax(dv, fabs(got[c] - var.v[c]) / var.v[c]);
    ck_assert_ok(genre_pca_get_mean(p, got, D, NULL));
    double dm = max_abs_diff(got, mean.v, D);
    printf("pca_real: |ratio - sklearn| <= %.3g, relative variance <= %.3g, mean <= %.3g\n",
           dr, dv, dm);
    ck_assert_msg(dr <= 1e-9, "ratio differs by %g", dr);
    ck_assert_msg(dv <= 1e-9, "variance differs by %g (relative)", dv);
    ck_assert_msg(dm <= 1e-12, "mean differs by %g", dm);
    lin_ref_free(&ratio), lin_ref_free(&var), lin_ref_free(&mean);
    genre_pca_free(p);
}
END_TEST

START_TEST(components_and_projections_match_sklearn_up_to_sign)
{
    genre_pca *p = fit(0, 0, 0);
    lin_ref comp = lin_ref_get("pca_components");
    lin_ref tr = lin_ref_get("pca_train_proj");
    lin_ref te = lin_ref_get("pca_test_proj");
    double c[D * D];
    ck_assert_ok(genre_pca_get_components(p, c, D * D, NULL));
    /* Components are rows: compare their transposes column-wise. */
    double ct[D * D], rt[D * D];
    for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++)
            ct[j * D + i] = c[i * D + j], rt[j * D + i] = comp.v[i * D + j];
    double dc = lin_max_diff_up_to_sign(ct, rt, D, D);

    double *xtr = lin_pick_rows(data.p_train, D, LIN_TRAIN_STEP, LIN_N_TRAIN_PICK);
    double *xte = lin_pick_rows(data.p_test, D, LIN_TEST_STEP, LIN_N_TEST_PICK);
    double ztr[LIN_N_TRAIN_PICK * D], zte[LIN_N_TEST_PICK * D];
    ck_assert_ok(genre_pca_transform(p, xtr, LIN_N_TRAIN_PICK, D, D, ztr, sizeof ztr / 8, NULL));
    ck_assert_ok(genre_pca_transform(p, xte, LIN_N_TEST_PICK, D, D, zte, sizeof zte / 8, NULL));
    double dtr = lin_max_diff_up_to_sign(ztr, tr.v, LIN_N_TRAIN_PICK, D);
    double dte = lin_max_diff_up_to_sign(zte, te.v, LIN_N_TEST_PICK, D);
    printf("pca_real: components <= %.3g, train projections <= %.3g, test projections "
           "<= %.3g (up to sign)\n", dc, dtr, dte);
    ck_assert_msg(dc <= 1e-8, "components differ by %g", dc);
    ck_assert_msg(dtr <= 1e-8, "train projections differ by %g", dtr);
    ck_assert_msg(dte <= 1e-8, "test projections differ by %g", dte);
    /* The whole train set: scores centred. */
    free(xtr), free(xte);
    lin_ref_free(&comp), lin_ref_free(&tr), lin_ref_free(&te);
    genre_pca_free(p);
}
END_TEST

START_TEST(fraction_and_whitening_match_sklearn)
{
    lin_ref k90 = lin_ref_get("pca90_n_components");
    genre_pca *p = fit(0, 0, 0.9);
    int64_t k;
    ck_assert_ok(genre_pca_get_i64(p, GENRE_PCA_N_COMPONENTS_FITTED, &k));
    ck_assert_int_eq(k, (int64_t)k90.v[0]);
    genre_pca_free(p);

    lin_ref w = lin_ref_get("pcaw_test_proj");
    p = fit(5, 1, 0);
    double *xte = lin_pick_rows(data.p_test, D, LIN_TEST_STEP, LIN_N_TEST_PICK);
    double z[LIN_N_TEST_PICK * 5];
    ck_assert_ok(genre_pca_transform(p, xte, LIN_N_TEST_PICK, D, D, z, sizeof z / 8, NULL));
    double dw = lin_max_diff_up_to_sign(z, w.v, LIN_N_TEST_PICK, 5);
    printf("pca_real: n_components(0.9) = %lld, whitened projections <= %.3g\n",
           (long long)k, dw);
    ck_assert_msg(dw <= 1e-8, "whitened projections differ by %g", dw);
    free(xte);
    lin_ref_free(&w), lin_ref_free(&k90);
    genre_pca_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pca_real");
    TCase *tc = tcase_create("sklearn");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, explained_variance_matches_sklearn);
    tcase_add_test(tc, components_and_projections_match_sklearn_up_to_sign);
    tcase_add_test(tc, fraction_and_whitening_match_sklearn);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
