/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GSL must never abort the host; see gsl_policy.h and docs/gsl.md. */
#include "gsl_policy.h"
#include "alloc.h"
#include "error_private.h"

#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

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

/*
 * GSL's own allocators (gsl_matrix_alloc, gsl_vector_alloc, ...) make
 * several mallocs and, when a later one fails, return NULL without freeing
 * the earlier ones: every out-of-memory there leaked (tests/fault shows it).
 * So the objects are built here, each as one block from our allocator,
 * through the structs gsl_matrix.h and gsl_vector.h publish: a matrix or
 * vector is a view on its own data (block NULL, owner 0, as
 * gsl_matrix_view_array makes). GSL only reads these fields; only our
 * *_free functions free them.
 */

/* Header rounded up so the doubles after it are aligned like malloc's. */
#define HEADER(type) ((sizeof(type) + 15) / 16 * 16)

/* One block: a header of `header` bytes, then n_doubles doubles (checked
 * for overflow); NULL with GENRE_E_NOMEM recorded on failure. */
static void *one_block(size_t header, size_t n_doubles)
{
    genre__gsl_init();
    if (n_doubles > (SIZE_MAX - header) / sizeof(double))
        return NULL;
    return genre__alloc_array(1, header + n_doubles * sizeof(double));
}

/* rows * cols, or SIZE_MAX when it overflows (one_block then refuses). */
static size_t times(size_t a, size_t b)
{
    return (b != 0 && a > SIZE_MAX / b) ? SIZE_MAX : a * b;
}

gsl_matrix *genre__gsl_matrix_alloc(size_t rows, size_t cols)
{
    gsl_matrix *m = one_block(HEADER(gsl_matrix), times(rows, cols));
    if (!m) {
        GENRE_FAIL(GENRE_E_NOMEM, "out of memory allocating a %zu x %zu GSL matrix", rows,
                   cols);
        return NULL;
    }
    m->size1 = rows;
    m->size2 = cols;
    m->tda = cols;
    m->data = (double *)((char *)m + HEADER(gsl_matrix));
    m->block = NULL;
    m->owner = 0;
    return m;
}

void genre__gsl_matrix_free(gsl_matrix *m)
{
    genre__free(m);
}

gsl_vector *genre__gsl_vector_alloc(size_t n)
{
    gsl_vector *v = one_block(HEADER(gsl_vector), n);
    if (!v) {
        GENRE_FAIL(GENRE_E_NOMEM, "out of memory allocating a GSL vector of %zu", n);
        return NULL;
    }
    v->size = n;
    v->stride = 1;
    v->data = (double *)((char *)v + HEADER(gsl_vector));
    v->block = NULL;
    v->owner = 0;
    return v;
}

void genre__gsl_vector_free(gsl_vector *v)
{
    genre__free(v);
}
