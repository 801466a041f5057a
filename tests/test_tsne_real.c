/* SPDX-License-Identifier: GPL-3.0-or-later */
/* t-SNE on a 5,000-row subset of the frozen real split (10 PCA components of
 * the 11 standardized features + mode, key left out; the first 5,000
 * training rows) against scikit-learn 1.2.1's Barnes-Hut TSNE embedding of
 * the same rows (tests/fixtures/tsne_sklearn_5000.txt.gz, made by
 * tests/fixtures/make_tsne_fixture.py). Both embeddings are scored by
 * genre_tsne_kl_divergence on the same affinities. With scikit-learn's own
 * method (Barnes-Hut, theta 0.5; AUTO here) libgenre's KL must be no worse
 * than scikit-learn's (measured: 1.9476 vs 1.9575 with group walks and
 * rectangular cells; 1.9628 with the per-point walk of 0.2.0); the FFT
 * method is measurably less accurate here (1.9843, +1.4%: its repulsion
 * error, docs/tsne.md) and is held to 5%. The full 45,000-row comparison is
 * bench/bench_tsne.c. */
#include "harness.h"
#include "linear_fixture.h"

#include <genre/pca.h>
#include <genre/tsne.h>

#ifdef GENRE_TESTING
#include "tsne_private.h"
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define N_SUB 5000
#define PCS 10

static double *read_sklearn(double *kl_reported)
{
    const char *path = genre_test_source_path("tests/fixtures/tsne_sklearn_5000.txt.gz");
    gzFile f = gzopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char line[256];
    ck_assert(gzgets(f, line, sizeof line) != NULL);
    ck_assert_int_eq(sscanf(line, "# kl_reported %lf", kl_reported), 1);
    double *y = malloc(2 * N_SUB * sizeof *y);
    for (size_t i = 0; i < N_SUB; i++) {
        ck_assert_msg(gzgets(f, line, sizeof line) != NULL, "%s truncated", path);
        ck_assert_int_eq(sscanf(line, "%lf %lf", &y[2 * i], &y[2 * i + 1]), 2);
    }
    gzclose(f);
    return y;
}

START_TEST(kl_no_worse_than_sklearn_on_5000_rows)
{
    lin_data data;
    lin_data_load(&data);
    genre_pca *pca;
    ck_assert_ok(genre_pca_create(&pca));
    ck_assert_ok(genre_pca_set_i64(pca, GENRE_PCA_N_COMPONENTS, PCS));
    ck_assert_ok(genre_pca_fit(pca, data.p_train, data.split.n_train, 12, 12));
    double *x = malloc(N_SUB * PCS * sizeof *x);
    ck_assert_ok(genre_pca_transform(pca, data.p_train, N_SUB, 12, 12, x, N_SUB * PCS, NULL));
    genre_pca_free(pca);
    lin_data_free(&data);

    double kl_sk_reported;
    double *ys = read_sklearn(&kl_sk_reported);
    /* AUTO resolves to Barnes-Hut at this size (checked); FFT is looser */
    static const int64_t methods[] = {GENRE_TSNE_METHOD_AUTO, GENRE_TSNE_METHOD_FFT};
    static const double tolerance[] = {0.0, 0.05};
    double *y = malloc(2 * N_SUB * sizeof *y);
    for (int k = 0; k < 2; k++) {
        genre_tsne *t;
        ck_assert_ok(genre_tsne_create(&t));
        ck_assert_ok(genre_tsne_set_f64(t, GENRE_TSNE_PERPLEXITY, 30));
        ck_assert_ok(genre_tsne_set_i64(t, GENRE_TSNE_METHOD, methods[k]));
        ck_assert_ok(genre_tsne_fit_embed(t, x, N_SUB, PCS, PCS, y, 2 * N_SUB, NULL));
        int64_t method;
        ck_assert_ok(genre_tsne_get_i64(t, GENRE_TSNE_METHOD_USED, &method));
        ck_assert_int_eq(method, k ? GENRE_TSNE_METHOD_FFT : GENRE_TSNE_METHOD_BARNES_HUT);
        double kl_fit, kl_ours, kl_sk;
        ck_assert_ok(genre_tsne_get_f64(t, GENRE_TSNE_KL_DIVERGENCE, &kl_fit));
        ck_assert_ok(genre_tsne_kl_divergence(t, x, N_SUB, PCS, PCS, y, 2, 2, &kl_ours));
        ck_assert_ok(genre_tsne_kl_divergence(t, x, N_SUB, PCS, PCS, ys, 2, 2, &kl_sk));
        printf("tsne_real: 5,000 rows, perplexity 30, %s: libgenre KL %.4f, scikit-learn KL "
               "%.4f (it reports %.4f), ratio %.4f\n",
               k ? "FFT" : "Barnes-Hut", kl_ours, kl_sk, kl_sk_reported, kl_ours / kl_sk);
        ck_assert_double_eq_tol(kl_fit, kl_ours, 1e-9 * kl_ours);
        ck_assert_msg(kl_ours <= kl_sk * (1 + tolerance[k]),
                      "libgenre's KL %g is more than %g above scikit-learn's %g", kl_ours,
                      tolerance[k], kl_sk);
        genre_tsne_free(t);
    }
    free(x);
    free(y);
    free(ys);
}
END_TEST

#ifdef GENRE_TESTING
/* The analysis program's inputs: every training row's 10 PCA scores.
 * Perplexity 30's affinities derived from perplexity 50's 150 neighbours
 * equal those computed alone, bit for bit (the 2-D and 3-D fits of
 * genre-analysis then equal theirs: tsne_affinity, genre-bench-tsne). */
START_TEST(derived_affinities_equal_on_all_training_rows)
{
    lin_data data;
    lin_data_load(&data);
    const size_t n = data.split.n_train;
    genre_pca *pca;
    ck_assert_ok(genre_pca_create(&pca));
    ck_assert_ok(genre_pca_set_i64(pca, GENRE_PCA_N_COMPONENTS, PCS));
    ck_assert_ok(genre_pca_fit(pca, data.p_train, n, 12, 12));
    double *x = malloc(n * PCS * sizeof *x);
    ck_assert_ok(genre_pca_transform(pca, data.p_train, n, 12, 12, x, n * PCS, NULL));
    genre_pca_free(pca);
    lin_data_free(&data);
    genre_tsne *t50, *t30;
    ck_assert_ok(genre_tsne_create(&t50));
    ck_assert_ok(genre_tsne_create(&t30));
    ck_assert_ok(genre_tsne_set_f64(t50, GENRE_TSNE_PERPLEXITY, 50));
    ck_assert_ok(genre_tsne_set_f64(t30, GENRE_TSNE_PERPLEXITY, 30));
    genre_tsne_affinity *a50, *derived, *alone;
    ck_assert_ok(genre_tsne_affinity_create(&a50, t50, x, n, PCS, PCS));
    ck_assert_ok(genre_tsne_affinity_derive(&derived, t30, a50));
    ck_assert_ok(genre_tsne_affinity_create(&alone, t30, x, n, PCS, PCS));
    ck_assert_uint_eq(a50->graph->k, 150);
    ck_assert_uint_eq(alone->graph->k, 90);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(memcmp(a50->graph->g.col + i * 150, alone->graph->g.col + i * 90,
                             90 * sizeof(uint32_t)) == 0 &&
                          memcmp(a50->graph->g.val + i * 150, alone->graph->g.val + i * 90,
                                 90 * sizeof(double)) == 0,
                      "row %zu: the first 90 of 150 neighbours are not the 90 nearest", i);
    const genre__csr *p = &derived->p, *q = &alone->p;
    const size_t nnz = p->row[n];
    ck_assert_uint_eq(nnz, q->row[n]);
    ck_assert(memcmp(p->row, q->row, (n + 1) * sizeof *p->row) == 0);
    ck_assert(memcmp(p->col, q->col, nnz * sizeof *p->col) == 0);
    ck_assert(memcmp(p->val, q->val, nnz * sizeof *p->val) == 0);
    printf("tsne_real: %zu rows: perplexity 30's affinities from perplexity 50's neighbours "
           "equal those computed alone (%zu entries)\n",
           n, nnz);
    genre_tsne_affinity_free(a50);
    genre_tsne_affinity_free(derived);
    genre_tsne_affinity_free(alone);
    genre_tsne_free(t50);
    genre_tsne_free(t30);
    free(x);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("tsne_real");
    TCase *tc = tcase_create("sklearn");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, kl_no_worse_than_sklearn_on_5000_rows);
#ifdef GENRE_TESTING
    tcase_add_test(tc, derived_affinities_equal_on_all_training_rows);
#endif
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
