/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GSL never aborts the host; GSL statuses and allocations map to ours.
 * This program never installs a GSL handler before genre__gsl_init(); the
 * host-handler case is test_core_gsl_policy_host.c. */
#include "harness.h"
#include "alloc.h"
#include "gsl_policy.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
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
    gsl_matrix *b = genre__gsl_matrix_alloc(2, 3); /* wrong size */
    ck_assert(a && b);
    gsl_matrix_set_identity(b);
    int gs = gsl_matrix_memcpy(a, b);
    ck_assert_int_eq(gs, GSL_EBADLEN);
    genre_clear_error();
    ck_assert_int_eq(genre__gsl_status("genre_pca_fit", gs, "copy"), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_pca_fit: copy failed"));
    ck_assert_ptr_nonnull(strstr(genre_last_error(), gsl_strerror(GSL_EBADLEN)));
    genre__gsl_matrix_free(b);
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

/* A 3 x 3 matrix, its transpose and a matrix-vector product through the
 * helpers (GSL calls that allocate nothing themselves). */
static genre_status matrix_scenario(void *ctx)
{
    double *max_error = ctx;
    genre_status st = GENRE_E_NOMEM;
    gsl_matrix *a = genre__gsl_matrix_alloc(3, 3), *t = NULL;
    gsl_vector *x = NULL, *y = NULL;
    if (!a || !(t = genre__gsl_matrix_alloc(3, 3)) || !(x = genre__gsl_vector_alloc(3)) ||
        !(y = genre__gsl_vector_alloc(3)))
        goto done;
    for (size_t i = 0; i < 3; i++) {
        gsl_vector_set(x, i, (double)(i + 1));
        for (size_t j = 0; j < 3; j++)
            gsl_matrix_set(a, i, j, (double)(3 * i + j));
    }
    if ((st = genre__gsl_status(__func__, gsl_matrix_transpose_memcpy(t, a), "transpose")))
        goto done;
    double err = 0;
    for (size_t i = 0; i < 3; i++) { /* y = T x = sum_j (3 j + i)(j + 1) = 24 + 6 i */
        double s = 0;
        for (size_t j = 0; j < 3; j++)
            s += gsl_matrix_get(t, i, j) * gsl_vector_get(x, j);
        gsl_vector_set(y, i, s);
        err = fmax(err, fabs(s - (24.0 + 6.0 * (double)i)));
    }
    *max_error = err;
    st = GENRE_OK;
done:
    genre__gsl_vector_free(y);
    genre__gsl_vector_free(x);
    genre__gsl_matrix_free(t);
    genre__gsl_matrix_free(a);
    return st;
}

START_TEST(small_matrices_through_the_helpers)
{
    double err = 1;
    ck_assert_ok(matrix_scenario(&err));
    ck_assert_double_eq(err, 0.0);
}
END_TEST

START_TEST(helpers_honour_failure_injection)
{
    double err;
    /* 4 GSL objects: every one must be able to fail cleanly, without leaks. */
    ck_assert_int_eq(genre_test_alloc_walk(matrix_scenario, &err), 4);
}
END_TEST

START_TEST(helper_edge_cases)
{
    genre__gsl_matrix_free(NULL);
    genre__gsl_vector_free(NULL);
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
    ck_assert(m && v);
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
    tcase_add_test(tc, small_matrices_through_the_helpers);
    tcase_add_test(tc, helpers_honour_failure_injection);
    tcase_add_test(tc, helper_edge_cases);
    tcase_add_test(tc, helpers_build_the_objects_gsl_never_allocates);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
