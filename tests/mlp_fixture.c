/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MLP suites' shared data and models (mlp_fixture.h). */
#include "mlp_fixture.h"

#include <math.h>

uint64_t lcg_state;
double urand(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg_state >> 11) * 0x1.0p-53;
}
double nrand(void)
{
    double u = urand() + 1e-300, v = urand();
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

double bx[NB * DB];
int32_t by[NB];

/* Three Gaussian blobs in 4-D, separable but not trivially. */
void make_blobs(void)
{
    lcg_state = 12345;
    for (size_t i = 0; i < NB; i++) {
        int32_t c = (int32_t)(i % KB);
        by[i] = c;
        for (size_t j = 0; j < DB; j++)
            bx[i * DB + j] = nrand() * 0.8 + (j == (size_t)c ? 2.0 : 0.0) -
                             (j == 3 && c == 2 ? 1.5 : 0.0);
    }
}

genre_mlp *small_model(void)
{
    genre_mlp *m = NULL;
    ck_assert_ok(genre_mlp_create(&m));
    int32_t w[2] = {8, 6};
    ck_assert_ok(genre_mlp_set_hidden_layers(m, w, 2));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_LEARNING_RATE, 0.01));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, 40));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, 32));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_SEED, 7));
    return m;
}

double accuracy_of(const genre_mlp *m)
{
    int32_t pred[NB];
    ck_assert_ok(genre_mlp_predict(m, bx, NB, DB, DB, pred, NB, NULL));
    size_t hit = 0;
    for (size_t i = 0; i < NB; i++)
        hit += pred[i] == by[i];
    return (double)hit / NB;
}

void fit_proba_prec(int64_t precision, int64_t threads, int64_t batch, double dropout,
                    double l2, int64_t epochs, double *p)
{
    genre_mlp *m = small_model();
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_PRECISION, precision));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_N_THREADS, threads));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_BATCH_SIZE, batch));
    ck_assert_ok(genre_mlp_set_i64(m, GENRE_MLP_EPOCHS, epochs));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_DROPOUT, dropout));
    ck_assert_ok(genre_mlp_set_f64(m, GENRE_MLP_L2, l2));
    ck_assert_ok(genre_mlp_fit(m, bx, NB, DB, DB, by, NULL, 0, 0, NULL));
    ck_assert_ok(genre_mlp_predict_proba(m, bx, NB, DB, DB, p, NB * KB, NULL));
    const double acc = accuracy_of(m);
    if (epochs >= 40)
        ck_assert_msg(acc > 0.85, "precision %lld, threads %lld, batch %lld: accuracy %g",
                      (long long)precision, (long long)threads, (long long)batch, acc);
    genre_mlp_free(m);
}
