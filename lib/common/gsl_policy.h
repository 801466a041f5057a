/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: how libgenre uses GSL without letting it abort the host, and
 * GSL allocations that honour the test build's failure injection.
 * The policy is described for users in docs/gsl.md.
 *
 * Every module calls genre__gsl_init() before its first GSL call (the
 * allocation helpers below do it themselves). Then every GSL failure comes
 * back as a GSL status, which genre__gsl_status() turns into ours, or as a
 * NULL object, which the helpers report as GENRE_E_NOMEM.
 */
#ifndef GENRE_GSL_POLICY_H
#define GENRE_GSL_POLICY_H

#include <genre/common.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/* What genre__gsl_init() did, as genre__gsl_policy() reports it. */
#define GENRE__GSL_POLICY_UNSET 0     /* genre__gsl_init() has not run */
#define GENRE__GSL_POLICY_OFF 1       /* GSL's aborting default replaced by "off" */
#define GENRE__GSL_POLICY_HOST 2      /* the host had set a handler; it was kept */
#define GENRE__GSL_POLICY_UNTOUCHED 3 /* built without GENRE_GSL_HANDLER_OFF */

/*
 * Once per process (pthread_once): with GENRE_GSL_HANDLER_OFF, switches
 * GSL's error handler off (GSL functions then return their status), unless
 * the host had installed a handler of its own, which is put back: the
 * host's choice wins. Without GENRE_GSL_HANDLER_OFF it does nothing.
 * Thread-safe, cheap after the first call.
 */
void genre__gsl_init(void);

/* One of GENRE__GSL_POLICY_*. */
int genre__gsl_policy(void);

/*
 * Maps a GSL status to a libgenre one and records it for func:
 * GSL_SUCCESS -> GENRE_OK (nothing recorded); GSL_ENOMEM -> GENRE_E_NOMEM;
 * GSL_EINVAL, GSL_EBADLEN -> GENRE_E_INVALID_ARG; anything else (no
 * convergence, singular, ...) -> GENRE_E_NUMERIC. The message reads
 * "func: <what> failed: <gsl_strerror text> (GSL status N)".
 */
genre_status genre__gsl_status(const char *func, int gsl_status, const char *what);

/*
 * GSL objects through libgenre's allocation policy: each is one block from
 * libgenre's allocator (GSL's own *_alloc functions leak their first
 * mallocs when a later one fails), so it counts as one allocation for the
 * test build's failure injection and leak count, and returns NULL with
 * GENRE_E_NOMEM recorded on failure. Matrices and vectors are views on
 * their own data (block NULL, owner 0). Free them with the matching
 * genre__gsl_*_free (NULL is a no-op), never with gsl_*_free. Zero-sized
 * matrices and vectors are allowed (GSL 2.7 accepts them).
 */
gsl_matrix *genre__gsl_matrix_alloc(size_t rows, size_t cols);
void genre__gsl_matrix_free(gsl_matrix *m);
gsl_vector *genre__gsl_vector_alloc(size_t n);
void genre__gsl_vector_free(gsl_vector *v);

#endif
