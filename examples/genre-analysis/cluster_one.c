/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One process (genre-analysis): every meeting of the ranks (cluster.h) is
 * an identity, so the plain program needs no MPI. */
#define _XOPEN_SOURCE 700

#include "cluster.h"

#include <stdlib.h>
#include <string.h>

int cl_init(int *argc, char ***argv, char *err, size_t cap)
{
    (void)argc, (void)argv, (void)err, (void)cap;
    return 0;
}

void cl_finalize(void)
{
}

int cl_rank(void)
{
    return 0;
}

int cl_size(void)
{
    return 1;
}

int cl_stream_only(void)
{
    return 0;
}

const char *cl_program(void)
{
    return "genre-analysis";
}

void cl_usage(FILE *f)
{
    fputs("\nOn several processes or machines: genre-analysis-mpi (built with GENRE_MPI=ON)\n"
          "runs --stream over the ranks of mpiexec -n P, each reading its byte range of a\n"
          "plain CSV; same options, same report (docs/scale-out.md).\n", f);
}

genre_status cl_agree(genre_status st, char *msg, size_t cap)
{
    (void)msg, (void)cap;
    return st;
}

genre_status cl_sum_i64(int64_t *v, size_t n)
{
    (void)v, (void)n;
    return GENRE_OK;
}

genre_status cl_exscan_i64(const int64_t *v, int64_t *before, size_t n)
{
    (void)v;
    memset(before, 0, n * sizeof *before);
    return GENRE_OK;
}

genre_status cl_max_i64(int64_t *v, size_t n)
{
    (void)v, (void)n;
    return GENRE_OK;
}

genre_status cl_min_max(double *lo, double *hi, size_t n)
{
    (void)lo, (void)hi, (void)n;
    return GENRE_OK;
}

genre_status cl_sum_f64(double *v, size_t n)
{
    (void)v, (void)n;
    return GENRE_OK;
}

genre_status cl_bcast(void *buf, size_t bytes)
{
    (void)buf, (void)bytes;
    return GENRE_OK;
}

genre_status cl_gather(const void *buf, size_t bytes, void **all, size_t *lens)
{
    *all = malloc(bytes ? bytes : 1);
    if (!*all)
        return genre_set_error(GENRE_E_NOMEM, "no memory to gather a sample");
    memcpy(*all, buf, bytes);
    lens[0] = bytes;
    return GENRE_OK;
}

genre_status cl_prep_end_pass(genre_dataset_prep_partial **p, int *more)
{
    return genre_dataset_prep_partial_end_pass(*p, more);
}

genre_status cl_scaler_merge(genre_scaler_partial **p)
{
    (void)p;
    return GENRE_OK;
}

genre_status cl_pca_merge(genre_pca_partial **p)
{
    (void)p;
    return GENRE_OK;
}

genre_status cl_lda_merge(genre_lda_partial **p)
{
    (void)p;
    return GENRE_OK;
}

genre_status cl_metrics_merge(genre_metrics_partial **p)
{
    (void)p;
    return GENRE_OK;
}

genre_status cl_kmeans_merge(genre_kmeans_partial **p)
{
    (void)p;
    return GENRE_OK;
}

/* One process trains without a reducer: these are never reached. */
genre_status cl_steps_open(cl_steps **out, size_t len)
{
    (void)len;
    *out = NULL;
    return GENRE_OK;
}

int32_t cl_steps_reduce(void *ud, int32_t what, int64_t step, double *buf, size_t len)
{
    (void)ud, (void)what, (void)step, (void)buf, (void)len;
    return 0;
}

void cl_steps_stand_in(cl_steps *s, int on)
{
    (void)s, (void)on;
}

genre_status cl_steps_end(cl_steps *s, genre_status st, char *msg, size_t cap)
{
    (void)s, (void)msg, (void)cap;
    return st;
}

void cl_steps_close(cl_steps *s)
{
    (void)s;
}
