/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GSL never aborts the host; GSL statuses and allocations map to ours.
 * This program never installs a GSL handler before genre__gsl_init(); the
 * host-handler case is test_core_gsl_policy_host.c. */
#include "harness.h"
#include "alloc.h"
#include "gsl_policy.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

static int handler_off_build(void)
{
    genre__gsl_init();
    return genre__gsl_policy() != GENRE__GSL_POLICY_UNTOUCHED;
}

START_TEST(init_turns_the_abort_handler_off)
{
    genre__gsl_init();
    genre__gsl_init(); /* idempotent */
    int p = genre__gsl_policy();
    ck_assert_msg(p == GENRE__GSL_POLICY_OFF || p == GENRE__GSL_POLICY_UNTOUCHED,
                  "policy %d", p);
}
END_TEST

START_TEST(gsl_errors_return_instead_of_aborting)
{
    if (!handler_off_build())
        return; /* built to leave GSL's handler alone: an error would abort */
    /* Each of these calls GSL's error handler; with the default one the
     * process would abort here (a Check error in fork mode, a crash without). */
    ck_assert_ptr_null(gsl_eigen_symmv_alloc(0));
    gsl_matrix *a = genre__gsl_matrix_alloc(3, 3);
    gsl_vector *eval = genre__gsl_vector_alloc(2); /* wrong length */
    gsl_matrix *evec = genre__gsl_matrix_alloc(3, 3);
    gsl_eigen_symmv_workspace *w = genre__gsl_eigen_symmv_alloc(3);
    ck_assert(a && eval && evec && w);
    gsl_matrix_set_identity(a);
    int gs = gsl_eigen_symmv(a, eval, evec, w);
    ck_assert_int_eq(gs, GSL_EBADLEN);
    genre_clear_error();
    ck_assert_int_eq(genre__gsl_status("genre_pca_fit", gs, "eigen-decomposition"),
                     GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_pca_fit: eigen-decomposition failed"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), gsl_strerror(GSL_EBADLEN)));
    genre__gsl_eigen_symmv_free(w);
    genre__gsl_matrix_free(evec);
    genre__gsl_vector_free(eval);
    genre__gsl_matrix_free(a);
}
END_TEST

static int host_calls;
static void counting_handler(const char *reason, const char *file, int line, int gsl_errno)
{
    (void)reason, (void)file, (void)line, (void)gsl_errno;
    host_calls++;
}

START_TEST(handler_set_after_init_is_not_replaced)
{
    genre__gsl_init();
    gsl_error_handler_t *before = gsl_set_error_handler(counting_handler);
    genre__gsl_init(); /* runs once per process: must not touch it again */
    host_calls = 0;
    ck_assert_ptr_null(gsl_eigen_symmv_alloc(0));
    ck_assert_int_eq(host_calls, 1);
    ck_assert(gsl_set_error_handler(before) == counting_handler);
}
END_TEST

START_TEST(status_mapping)
{
    static const struct {
        int gsl;
        genre_status ours;
    } cases[] = {
        {GSL_ENOMEM, GENRE_E_NOMEM},      {GSL_EINVAL, GENRE_E_INVALID_ARG},
        {GSL_EBADLEN, GENRE_E_INVALID_ARG}, {GSL_EMAXITER, GENRE_E_NUMERIC},
        {GSL_ESING, GENRE_E_NUMERIC},     {GSL_EDOM, GENRE_E_NUMERIC},
        {GSL_FAILURE, GENRE_E_NUMERIC},   {GSL_ENOTSQR, GENRE_E_NUMERIC},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        genre_clear_error();
        ck_assert_int_eq(genre__gsl_status("f", cases[i].gsl, "step"), cases[i].ours);
        ck_assert_int_eq(genre_last_status(), cases[i].ours);
        ck_assert_ptr_nonnull(strstr(genre_last_error(), gsl_strerror(cases[i].gsl)));
        ck_assert_ptr_nonnull(strstr(genre_last_error(), "f: step failed"));
    }
    genre_clear_error();
    ck_assert_int_eq(genre__gsl_status("f", GSL_SUCCESS, "step"), GENRE_OK);
    ck_assert_str_eq(genre_last_error(), ""); /* success records nothing */
    ck_assert_int_eq(genre__gsl_status("f", GSL_EMAXITER, NULL), GENRE_E_NUMERIC);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "GSL call failed"));
}
END_TEST

/* Symmetric and generalised-symmetric 3 x 3 problems through the helpers. */
static genre_status eigen_scenario(void *ctx)
{
    double *max_residual = ctx;
    genre_status st = GENRE_E_NOMEM;
    gsl_matrix *a = genre__gsl_matrix_alloc(3, 3), *b = NULL, *evec = NULL, *a0 = NULL;
    gsl_vector *eval = NULL;
    gsl_eigen_symmv_workspace *w = NULL;
    gsl_eigen_gensymmv_workspace *gw = NULL;
    if (!a || !(b = genre__gsl_matrix_alloc(3, 3)) || !(evec = genre__gsl_matrix_alloc(3, 3)) ||
        !(a0 = genre__gsl_matrix_alloc(3, 3)) || !(eval = genre__gsl_vector_alloc(3)) ||
        !(w = genre__gsl_eigen_symmv_alloc(3)) || !(gw = genre__gsl_eigen_gensymmv_alloc(3)))
        goto done;

    static const double sym[9] = {2, 1, 0, 1, 2, 0, 0, 0, 5}; /* eigenvalues 1, 3, 5 */
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++)
            gsl_matrix_set(a0, i, j, sym[i * 3 + j]);
    gsl_matrix_memcpy(a, a0);
    if ((st = genre__gsl_status(__func__, gsl_eigen_symmv(a, eval, evec, w), "symmv")))
        goto done;
    gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_ASC);
    static const double want[3] = {1, 3, 5};
    double res = 0;
    for (size_t k = 0; k < 3; k++) {
        res = fmax(res, fabs(gsl_vector_get(eval, k) - want[k]));
        for (size_t i = 0; i < 3; i++) { /* A v = lambda v */
            double av = 0;
            for (size_t j = 0; j < 3; j++)
                av += gsl_matrix_get(a0, i, j) * gsl_matrix_get(evec, j, k);
            res = fmax(res, fabs(av - gsl_vector_get(eval, k) * gsl_matrix_get(evec, i, k)));
        }
    }

    /* A v = lambda B v with B = diag(1, 2, 4): the same A. */
    gsl_matrix_memcpy(a, a0);
    gsl_matrix_set_zero(b);
    gsl_matrix_set(b, 0, 0, 1);
    gsl_matrix_set(b, 1, 1, 2);
    gsl_matrix_set(b, 2, 2, 4);
    if ((st = genre__gsl_status(__func__, gsl_eigen_gensymmv(a, b, eval, evec, gw),
                                "gensymmv")))
        goto done;
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < 3; i++) {
            double av = 0;
            for (size_t j = 0; j < 3; j++)
                av += gsl_matrix_get(a0, i, j) * gsl_matrix_get(evec, j, k);
            double bv = (i == 0 ? 1 : i == 1 ? 2 : 4) * gsl_matrix_get(evec, i, k);
            res = fmax(res, fabs(av - gsl_vector_get(eval, k) * bv));
        }
    *max_residual = res;
    st = GENRE_OK;
done:
    genre__gsl_eigen_gensymmv_free(gw);
    genre__gsl_eigen_symmv_free(w);
    genre__gsl_vector_free(eval);
    genre__gsl_matrix_free(a0);
    genre__gsl_matrix_free(evec);
    genre__gsl_matrix_free(b);
    genre__gsl_matrix_free(a);
    return st;
}

START_TEST(small_eigenproblems_through_the_helpers)
{
    double res = 1;
    ck_assert_ok(eigen_scenario(&res));
    ck_assert_double_le(res, 1e-12);
}
END_TEST

START_TEST(helpers_honour_failure_injection)
{
    double res;
    /* 7 GSL objects: every one must be able to fail cleanly, without leaks. */
    ck_assert_int_eq(genre_test_alloc_walk(eigen_scenario, &res), 7);
}
END_TEST

START_TEST(helper_edge_cases)
{
    genre__gsl_matrix_free(NULL);
    genre__gsl_vector_free(NULL);
    genre__gsl_eigen_symmv_free(NULL);
    genre__gsl_eigen_gensymmv_free(NULL);
    genre_clear_error();
    ck_assert_ptr_null(genre__gsl_eigen_symmv_alloc(0));
    ck_assert_int_eq(genre_last_status(), GENRE_E_INVALID_ARG);
    ck_assert_ptr_null(genre__gsl_eigen_gensymmv_alloc(0));
    ck_assert_int_eq(genre_last_status(), GENRE_E_INVALID_ARG);
    /* GSL 2.7 accepts empty matrices and vectors. */
    long live = genre__alloc_live();
    gsl_matrix *m = genre__gsl_matrix_alloc(0, 4);
    gsl_vector *v = genre__gsl_vector_alloc(0);
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(genre__alloc_live(), live + 2);
    genre__gsl_matrix_free(m);
    genre__gsl_vector_free(v);
    ck_assert_int_eq(genre__alloc_live(), live);
    /* A failed allocation says what it was. */
    genre__alloc_fail_at(1);
    ck_assert_ptr_null(genre__gsl_matrix_alloc(5, 6));
    genre__alloc_fail_at(0);
    ck_assert_int_eq(genre_last_status(), GENRE_E_NOMEM);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "5 x 6 GSL matrix"));
}
END_TEST

START_TEST(helpers_build_the_objects_gsl_never_allocates)
{
    /* GSL's own *_alloc functions leak their first mallocs when a later one
     * fails (tests/fault found it in PCA, LDA and t-SNE): the helpers build
     * each object as one block of ours, matrices and vectors as views on
     * their own data. Writing every element lets ASan and valgrind check
     * the layout. */
    gsl_matrix *m = genre__gsl_matrix_alloc(5, 6);
    gsl_vector *v = genre__gsl_vector_alloc(7);
    gsl_eigen_symmv_workspace *w = genre__gsl_eigen_symmv_alloc(4);
    gsl_eigen_gensymmv_workspace *g = genre__gsl_eigen_gensymmv_alloc(3);
    ck_assert(m && v && w && g);
    ck_assert_ptr_null(m->block);
    ck_assert_int_eq(m->owner, 0);
    ck_assert_uint_eq(m->size1, 5);
    ck_assert_uint_eq(m->size2, 6);
    ck_assert_uint_eq(m->tda, 6);
    ck_assert_ptr_null(v->block);
    ck_assert_int_eq(v->owner, 0);
    ck_assert_uint_eq(v->size, 7);
    ck_assert_uint_eq(v->stride, 1);
    gsl_matrix_set_all(m, 1.0);
    gsl_vector_set_all(v, 2.0);
    ck_assert_uint_eq(w->size, 4);
    ck_assert_uint_eq(g->size, 3);
    gsl_eigen_symmv_workspace *gw = g->symmv_workspace_p;
    ck_assert_ptr_nonnull(gw);
    ck_assert_uint_eq(gw->size, 3);
    for (size_t i = 0; i < 4; i++)
        w->d[i] = w->sd[i] = w->gc[i] = w->gs[i] = 0.0;
    for (size_t i = 0; i < 3; i++)
        gw->d[i] = gw->sd[i] = gw->gc[i] = gw->gs[i] = 0.0;
    ck_assert(w->d != w->sd && w->sd != w->gc && w->gc != w->gs);
    genre__gsl_eigen_gensymmv_free(g);
    genre__gsl_eigen_symmv_free(w);
    genre__gsl_vector_free(v);
    genre__gsl_matrix_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_gsl_policy");
    TCase *tc = tcase_create("gsl_policy");
    tcase_add_test(tc, init_turns_the_abort_handler_off);
    tcase_add_test(tc, gsl_errors_return_instead_of_aborting);
    tcase_add_test(tc, handler_set_after_init_is_not_replaced);
    tcase_add_test(tc, status_mapping);
    tcase_add_test(tc, small_eigenproblems_through_the_helpers);
    tcase_add_test(tc, helpers_honour_failure_injection);
    tcase_add_test(tc, helper_edge_cases);
    tcase_add_test(tc, helpers_build_the_objects_gsl_never_allocates);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
