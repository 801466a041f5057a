/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A host that installs its own GSL error handler before libgenre's first GSL
 * use keeps it. The handler goes in at the top of main(), before any test
 * runs, so this holds with CK_FORK=yes (each test forks from here) and with
 * CK_FORK=no (one process) alike. */
#include "harness.h"
#include "gsl_policy.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <string.h>

static int host_calls;
static int host_last_errno;

static void host_handler(const char *reason, const char *file, int line, int gsl_errno)
{
    (void)reason, (void)file, (void)line;
    host_calls++;
    host_last_errno = gsl_errno;
}

START_TEST(host_handler_is_kept)
{
    genre__gsl_init();
    int p = genre__gsl_policy();
    ck_assert_msg(p == GENRE__GSL_POLICY_HOST || p == GENRE__GSL_POLICY_UNTOUCHED,
                  "policy %d", p);
    /* Still installed: swapping it out hands it back. */
    gsl_error_handler_t *current = gsl_set_error_handler(host_handler);
    ck_assert(current == host_handler);
}
END_TEST

START_TEST(gsl_errors_reach_the_host_handler)
{
    genre__gsl_init();
    host_calls = 0;
    ck_assert_ptr_null(gsl_eigen_symmv_alloc(0));
    ck_assert_int_eq(host_calls, 1);
    ck_assert_int_eq(host_last_errno, GSL_EINVAL);
    /* A handler that returns lets us report the failure as usual. */
    gsl_matrix *a = genre__gsl_matrix_alloc(3, 3), *b = genre__gsl_matrix_alloc(2, 3);
    ck_assert(a && b);
    int gs = gsl_matrix_memcpy(a, b); /* sizes differ */
    ck_assert_int_eq(host_calls, 2);
    ck_assert_int_eq(gs, GSL_EBADLEN);
    genre_clear_error();
    ck_assert_int_eq(genre__gsl_status("f", gs, "copy"), GENRE_E_INVALID_ARG);
    ck_assert_int_eq(genre_last_status(), GENRE_E_INVALID_ARG);
    genre__gsl_matrix_free(b);
    genre__gsl_matrix_free(a);
}
END_TEST

int main(void)
{
    gsl_set_error_handler(host_handler); /* before anything in libgenre runs */
    Suite *s = suite_create("core_gsl_policy_host");
    TCase *tc = tcase_create("gsl_policy_host");
    tcase_add_test(tc, host_handler_is_kept);
    tcase_add_test(tc, gsl_errors_reach_the_host_handler);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
