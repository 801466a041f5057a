/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GSL must never abort the host; see gsl_policy.h and docs/gsl.md. */
#include "gsl_policy.h"
#include "alloc.h"
#include "error_private.h"

#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <stdatomic.h>

static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;
static atomic_int policy = GENRE__GSL_POLICY_UNSET;

static void set_policy(void)
{
#ifdef GENRE_GSL_HANDLER_OFF
    /* GSL has no getter for its handler: switching it off is also how we
     * learn the previous one. NULL means GSL's default, which aborts. */
    gsl_error_handler_t *previous = gsl_set_error_handler_off();
    if (previous != NULL) {
        gsl_set_error_handler(previous);
        atomic_store(&policy, GENRE__GSL_POLICY_HOST);
    } else {
        atomic_store(&policy, GENRE__GSL_POLICY_OFF);
    }
#else
    atomic_store(&policy, GENRE__GSL_POLICY_UNTOUCHED);
#endif
}

void genre__gsl_init(void)
{
    pthread_once(&gsl_once, set_policy);
}

int genre__gsl_policy(void)
{
    return atomic_load(&policy);
}

genre_status genre__gsl_status(const char *func, int gsl_status, const char *what)
{
    genre_status ours;
    switch (gsl_status) {
    case GSL_SUCCESS:
        return GENRE_OK;
    case GSL_ENOMEM:
        ours = GENRE_E_NOMEM;
        break;
    case GSL_EINVAL:
    case GSL_EBADLEN:
        ours = GENRE_E_INVALID_ARG;
        break;
    default:
        ours = GENRE_E_NUMERIC;
        break;
    }
    return genre__fail(ours, func, "%s failed: %s (GSL status %d)", what ? what : "GSL call",
                       gsl_strerror(gsl_status), gsl_status);
}

/* The common path of every helper: injection, then GSL, then accounting. */
#define GSL_ALLOC(call, ...)                                                   \
    do {                                                                       \
        genre__gsl_init();                                                     \
        void *obj_ = genre__alloc_should_fail() ? NULL : (void *)(call);       \
        if (obj_ == NULL) {                                                    \
            GENRE_FAIL(GENRE_E_NOMEM, __VA_ARGS__);                            \
            return NULL;                                                       \
        }                                                                      \
        genre__alloc_count_foreign(+1);                                        \
        return obj_;                                                           \
    } while (0)

gsl_matrix *genre__gsl_matrix_alloc(size_t rows, size_t cols)
{
    GSL_ALLOC(gsl_matrix_alloc(rows, cols),
              "out of memory allocating a %zu x %zu GSL matrix", rows, cols);
}

void genre__gsl_matrix_free(gsl_matrix *m)
{
    if (!m)
        return;
    genre__alloc_count_foreign(-1);
    gsl_matrix_free(m);
}

gsl_vector *genre__gsl_vector_alloc(size_t n)
{
    GSL_ALLOC(gsl_vector_alloc(n), "out of memory allocating a GSL vector of %zu", n);
}

void genre__gsl_vector_free(gsl_vector *v)
{
    if (!v)
        return;
    genre__alloc_count_foreign(-1);
    gsl_vector_free(v);
}

gsl_eigen_symmv_workspace *genre__gsl_eigen_symmv_alloc(size_t n)
{
    if (n == 0) {
        GENRE_FAIL(GENRE_E_INVALID_ARG, "eigen workspace of size 0");
        return NULL;
    }
    GSL_ALLOC(gsl_eigen_symmv_alloc(n),
              "out of memory allocating a GSL symmv workspace for n = %zu", n);
}

void genre__gsl_eigen_symmv_free(gsl_eigen_symmv_workspace *w)
{
    if (!w)
        return;
    genre__alloc_count_foreign(-1);
    gsl_eigen_symmv_free(w);
}

gsl_eigen_gensymmv_workspace *genre__gsl_eigen_gensymmv_alloc(size_t n)
{
    if (n == 0) {
        GENRE_FAIL(GENRE_E_INVALID_ARG, "eigen workspace of size 0");
        return NULL;
    }
    GSL_ALLOC(gsl_eigen_gensymmv_alloc(n),
              "out of memory allocating a GSL gensymmv workspace for n = %zu", n);
}

void genre__gsl_eigen_gensymmv_free(gsl_eigen_gensymmv_workspace *w)
{
    if (!w)
        return;
    genre__alloc_count_foreign(-1);
    gsl_eigen_gensymmv_free(w);
}
