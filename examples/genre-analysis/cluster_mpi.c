/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The ranks of MPI_COMM_WORLD (genre-analysis-mpi; cluster.h). Partial
 * states are merged by libgenre_mpi (genre_mpi_*: rank order, the result
 * broadcast); what it has no call for (the k-means pass state, the
 * counters, the samples) is moved here with the same rule: gathered to rank
 * 0, combined there in rank order, broadcast. The program works on a
 * duplicate of MPI_COMM_WORLD with MPI_ERRORS_RETURN, so a failed MPI call
 * is a message, not an abort.
 */
#define _XOPEN_SOURCE 700

#include "cluster.h"

#include <genre/mpi.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static MPI_Comm g_comm = MPI_COMM_NULL;
static int g_rank, g_size = 1, g_inited;

static genre_status mpi_fail(const char *call, int err)
{
    char text[MPI_MAX_ERROR_STRING], msg[MPI_MAX_ERROR_STRING + 64];
    int len = 0;
    if (MPI_Error_string(err, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "MPI error %d", err);
    snprintf(msg, sizeof msg, "%s failed: %s", call, text);
    return genre_set_error(GENRE_E_IO, msg);
}

#define MPI_TRY(call, args)                                                                 \
    do {                                                                                    \
        int err_ = call args;                                                               \
        if (err_ != MPI_SUCCESS)                                                            \
            return mpi_fail(#call, err_);                                                   \
    } while (0)

int cl_init(int *argc, char ***argv, char *err, size_t cap)
{
    int provided = 0;
    /* libgenre's threads never call MPI: FUNNELED is enough */
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        snprintf(err, cap, "MPI_Init_thread failed");
        return -1;
    }
    g_inited = 1;
    if (MPI_Comm_dup(MPI_COMM_WORLD, &g_comm) != MPI_SUCCESS ||
        MPI_Comm_set_errhandler(g_comm, MPI_ERRORS_RETURN) != MPI_SUCCESS) {
        snprintf(err, cap, "MPI_Comm_dup of MPI_COMM_WORLD failed");
        return -1;
    }
    MPI_Comm_rank(g_comm, &g_rank);
    MPI_Comm_size(g_comm, &g_size);
    return 0;
}

void cl_finalize(void)
{
    if (g_comm != MPI_COMM_NULL)
        MPI_Comm_free(&g_comm);
    if (g_inited)
        MPI_Finalize();
    g_inited = 0;
}

int cl_rank(void)
{
    return g_rank;
}

int cl_size(void)
{
    return g_size;
}

int cl_stream_only(void)
{
    return 1;
}

const char *cl_program(void)
{
    return "genre-analysis-mpi";
}

void cl_usage(FILE *f)
{
    fputs("\ngenre-analysis-mpi: the --stream analysis (implied) over the ranks of MPI:\n"
          "  mpiexec -n P genre-analysis-mpi --input FILE.csv [--label COLUMN] -o DIR ...\n"
          "Each rank reads its byte range of FILE (a plain CSV: with P > 1 a .gz input is\n"
          "refused -- decompress it first); partial states are merged in rank order and\n"
          "rank 0 writes the report, the same numbers as genre-analysis --stream (to\n"
          "rounding; docs/scale-out.md). Each rank runs one thread unless --threads.\n", f);
}

genre_status cl_agree(genre_status st, char *msg, size_t cap)
{
    if (g_size == 1)
        return st;
    if (st != GENRE_OK && st == (genre_status)CL_PROGRAM_ERROR)
        genre_set_error(st, msg);
    genre_status a = genre_mpi_agree(g_comm, st);
    if (a == GENRE_OK)
        return a;
    const char *why = genre_last_error();
    static const char head[] = "genre_mpi_agree: ";
    if (!strncmp(why, head, sizeof head - 1))
        why += sizeof head - 1;
    char text[1024];
    snprintf(text, sizeof text, "%s", why);
    if (a == (genre_status)CL_PROGRAM_ERROR && msg)
        snprintf(msg, cap, "%s", text);
    else
        genre_set_error(a, text);
    return a;
}

genre_status cl_sum_i64(int64_t *v, size_t n)
{
    MPI_TRY(MPI_Allreduce, (MPI_IN_PLACE, v, (int)n, MPI_INT64_T, MPI_SUM, g_comm));
    return GENRE_OK;
}

genre_status cl_exscan_i64(const int64_t *v, int64_t *before, size_t n)
{
    MPI_TRY(MPI_Exscan, (v, before, (int)n, MPI_INT64_T, MPI_SUM, g_comm));
    if (g_rank == 0) /* undefined there */
        memset(before, 0, n * sizeof *before);
    return GENRE_OK;
}

genre_status cl_max_i64(int64_t *v, size_t n)
{
    MPI_TRY(MPI_Allreduce, (MPI_IN_PLACE, v, (int)n, MPI_INT64_T, MPI_MAX, g_comm));
    return GENRE_OK;
}

genre_status cl_min_max(double *lo, double *hi, size_t n)
{
    MPI_TRY(MPI_Allreduce, (MPI_IN_PLACE, lo, (int)n, MPI_DOUBLE, MPI_MIN, g_comm));
    MPI_TRY(MPI_Allreduce, (MPI_IN_PLACE, hi, (int)n, MPI_DOUBLE, MPI_MAX, g_comm));
    return GENRE_OK;
}

genre_status cl_sum_f64(double *v, size_t n)
{
    double *all = g_rank == 0 ? calloc(n * (size_t)g_size + 1, sizeof *all) : NULL;
    genre_status st = g_rank == 0 && !all
                          ? genre_set_error(GENRE_E_NOMEM, "no memory to sum over the ranks")
                          : GENRE_OK;
    if ((st = cl_agree(st, NULL, 0)))
        return st;
    int err = MPI_Gather(v, (int)n, MPI_DOUBLE, all, (int)n, MPI_DOUBLE, 0, g_comm);
    if (err == MPI_SUCCESS && g_rank == 0)
        for (int r = 1; r < g_size; r++) /* rank order */
            for (size_t i = 0; i < n; i++)
                v[i] += all[(size_t)r * n + i];
    free(all);
    if (err != MPI_SUCCESS)
        return mpi_fail("MPI_Gather", err);
    MPI_TRY(MPI_Bcast, (v, (int)n, MPI_DOUBLE, 0, g_comm));
    return GENRE_OK;
}

genre_status cl_bcast(void *buf, size_t bytes)
{
    unsigned char *p = buf;
    for (size_t done = 0; done < bytes;) {
        size_t n = bytes - done < ((size_t)1 << 30) ? bytes - done : (size_t)1 << 30;
        MPI_TRY(MPI_Bcast, (p + done, (int)n, MPI_BYTE, 0, g_comm));
        done += n;
    }
    return GENRE_OK;
}

genre_status cl_gather(const void *buf, size_t bytes, void **all, size_t *lens)
{
    uint64_t mine = bytes, *sizes = g_rank == 0 ? calloc((size_t)g_size, sizeof *sizes) : NULL;
    int *counts = g_rank == 0 ? calloc((size_t)g_size, sizeof *counts) : NULL,
        *displs = g_rank == 0 ? calloc((size_t)g_size, sizeof *displs) : NULL;
    *all = NULL;
    genre_status st = g_rank == 0 && (!sizes || !counts || !displs)
                          ? genre_set_error(GENRE_E_NOMEM, "no memory to gather a sample")
                          : GENRE_OK;
    /* every rank takes every agreement: none is left in a collective */
    st = cl_agree(st, NULL, 0);
    int err = MPI_SUCCESS;
    if (!st && (err = MPI_Gather(&mine, 1, MPI_UINT64_T, sizes, 1, MPI_UINT64_T, 0, g_comm)))
        st = mpi_fail("MPI_Gather", err);
    if (!st && g_rank == 0) {
        uint64_t total = 0;
        for (int r = 0; r < g_size; r++) {
            lens[r] = (size_t)sizes[r];
            counts[r] = (int)sizes[r];
            displs[r] = (int)total;
            total += sizes[r];
        }
        if (total > INT_MAX)
            st = genre_set_error(GENRE_E_INVALID_ARG, "a sample of more than 2 GiB to gather "
                                                      "(a smaller --sample-rows)");
        else if (!(*all = malloc(total ? total : 1)))
            st = genre_set_error(GENRE_E_NOMEM, "no memory to gather a sample");
    }
    if (err == MPI_SUCCESS)
        st = cl_agree(st, NULL, 0);
    if (!st && (err = MPI_Gatherv(buf, (int)bytes, MPI_BYTE, *all, counts, displs, MPI_BYTE, 0,
                                  g_comm)) != MPI_SUCCESS)
        st = mpi_fail("MPI_Gatherv", err);
    free(sizes), free(counts), free(displs);
    if (st) {
        free(*all);
        *all = NULL;
    }
    return st;
}

/* ---- partial states ---- */

genre_status cl_prep_end_pass(genre_dataset_prep_partial **p, int *more)
{
    genre_dataset_prep_partial *m = NULL;
    genre_status st = genre_mpi_dataset_prep_partial_end_pass(g_comm, *p, &m, more);
    if (!st) {
        genre_dataset_prep_partial_free(*p);
        *p = m;
    }
    return st;
}

#define MERGE(kind)                                                                    \
    genre_status cl_##kind##_merge(genre_##kind##_partial **p)                          \
    {                                                                                  \
        genre_##kind##_partial *m = NULL;                                               \
        genre_status st = genre_mpi_##kind##_partial_allreduce(g_comm, *p, &m);        \
        if (!st) {                                                                     \
            genre_##kind##_partial_free(*p);                                            \
            *p = m;                                                                    \
        }                                                                              \
        return st;                                                                     \
    }
MERGE(scaler)
MERGE(pca)
MERGE(lda)
MERGE(metrics)

/* libgenre_mpi has no call for the k-means pass state: its bytes to rank
 * 0, merged there in rank order, the result's bytes to every rank. */
genre_status cl_kmeans_merge(genre_kmeans_partial **p)
{
    if (g_size == 1)
        return GENRE_OK;
    size_t n = 0, *lens = calloc((size_t)g_size, sizeof *lens);
    unsigned char *mine = NULL;
    void *all = NULL;
    genre_status st = genre_kmeans_partial_save_to_memory(*p, NULL, 0, &n);
    if (st == GENRE_E_BUFFER_TOO_SMALL || st == GENRE_OK)
        st = (mine = malloc(n)) && lens
                 ? genre_kmeans_partial_save_to_memory(*p, mine, n, &n)
                 : genre_set_error(GENRE_E_NOMEM, "no memory for a k-means state");
    if ((st = cl_agree(st, NULL, 0)) || (st = cl_gather(mine, n, &all, lens)))
        goto out;
    free(mine);
    mine = NULL;
    uint64_t len = 0;
    if (g_rank == 0) {
        size_t off = lens[0];
        for (int r = 1; r < g_size && !st; off += lens[r], r++) {
            genre_kmeans_partial *q = NULL;
            if (!(st = genre_kmeans_partial_load_from_memory(&q, (unsigned char *)all + off,
                                                             lens[r])))
                st = genre_kmeans_partial_merge(*p, q);
            genre_kmeans_partial_free(q);
        }
        if (!st)
            st = genre_kmeans_partial_save_to_memory(*p, NULL, 0, &n);
        if (st == GENRE_E_BUFFER_TOO_SMALL || st == GENRE_OK)
            st = (mine = malloc(n)) ? genre_kmeans_partial_save_to_memory(*p, mine, n, &n)
                                    : genre_set_error(GENRE_E_NOMEM, "no memory");
        len = n;
    }
    if ((st = cl_agree(st, NULL, 0)) || (st = cl_bcast(&len, sizeof len)))
        goto out;
    if (g_rank != 0 && !(mine = malloc(len ? len : 1)))
        st = genre_set_error(GENRE_E_NOMEM, "no memory for a k-means state");
    if ((st = cl_agree(st, NULL, 0)) || (st = cl_bcast(mine, len)))
        goto out;
    if (g_rank != 0) {
        genre_kmeans_partial *q = NULL;
        if (!(st = genre_kmeans_partial_load_from_memory(&q, mine, len))) {
            genre_kmeans_partial_free(*p);
            *p = q;
        }
    }
    st = cl_agree(st, NULL, 0);
out:
    free(mine), free(all), free(lens);
    return st;
}

/* ---- the MLP's steps ---- */

/* The flag each rank sends before its part of a step. */
enum { F_STEP, F_FAILED, F_END, F_OUT_OF_STEP };

struct cl_steps {
    size_t len;
    double *send, *all; /* len + 1 doubles; rank 0: P x (len + 1) */
    int stand_in, seen_failure;
};

genre_status cl_steps_open(cl_steps **out, size_t len)
{
    cl_steps *s = calloc(1, sizeof *s);
    genre_status st = GENRE_OK;
    if (s) {
        s->len = len;
        s->send = calloc(len + 1, sizeof *s->send);
        s->all = g_rank == 0 ? calloc((len + 1) * (size_t)g_size, sizeof *s->all) : NULL;
    }
    if (!s || !s->send || (g_rank == 0 && !s->all)) {
        st = genre_set_error(GENRE_E_NOMEM, "no memory for the MLP's reductions");
        cl_steps_close(s);
        s = NULL;
    }
    *out = s;
    return cl_agree(st, NULL, 0);
}

void cl_steps_close(cl_steps *s)
{
    if (s)
        free(s->send), free(s->all);
    free(s);
}

void cl_steps_stand_in(cl_steps *s, int on)
{
    s->stand_in = on;
}

/* One step: every rank's flag and part to rank 0, which sums the parts in
 * rank order when every flag is F_STEP (else the worst flag wins), and the
 * result to every rank. Returns the resulting flag (-1: MPI failed). */
static int exchange(cl_steps *s, int flag, const double *buf)
{
    const size_t w = s->len + 1;
    s->send[0] = flag;
    if (buf && !s->stand_in)
        memcpy(s->send + 1, buf, s->len * sizeof *buf);
    else
        memset(s->send + 1, 0, s->len * sizeof *buf);
    int err = MPI_Gather(s->send, (int)w, MPI_DOUBLE, s->all, (int)w, MPI_DOUBLE, 0, g_comm);
    if (err != MPI_SUCCESS) {
        mpi_fail("MPI_Gather", err);
        return -1;
    }
    if (g_rank == 0) {
        int failed = 0, steps = 0, ends = 0;
        for (int r = 0; r < g_size; r++) {
            int f = (int)s->all[(size_t)r * w];
            failed |= f == F_FAILED, steps += f == F_STEP, ends += f == F_END;
        }
        s->send[0] = failed ? F_FAILED : steps == g_size ? F_STEP : ends == g_size ? F_END
                                                                                : F_OUT_OF_STEP;
        if (s->send[0] == F_STEP)
            for (int r = 1; r < g_size; r++)
                for (size_t i = 1; i < w; i++)
                    s->send[i] += s->all[(size_t)r * w + i];
    }
    if ((err = MPI_Bcast(s->send, (int)w, MPI_DOUBLE, 0, g_comm)) != MPI_SUCCESS) {
        mpi_fail("MPI_Bcast", err);
        return -1;
    }
    return (int)s->send[0];
}

int32_t cl_steps_reduce(void *ud, int32_t what, int64_t step, double *buf, size_t len)
{
    cl_steps *s = ud;
    (void)what, (void)step;
    if (len != s->len) {
        s->seen_failure = 1; /* cannot happen: every rank's network has s->len */
        return GENRE_E_INTERNAL;
    }
    int f = exchange(s, F_STEP, buf);
    s->stand_in = 0;
    if (f != F_STEP) {
        s->seen_failure = 1;
        return f < 0 ? GENRE_E_IO : GENRE_E_CANCELLED;
    }
    memcpy(buf, s->send + 1, len * sizeof *buf);
    return 0;
}

genre_status cl_steps_end(cl_steps *s, genre_status st, char *msg, size_t cap)
{
    /* a failure of this rank's own, not one it learnt from a peer */
    const int own = st != GENRE_OK && !s->seen_failure;
    int out_of_step = 0;
    if (!s->seen_failure) {
        int f = exchange(s, st ? F_FAILED : F_END, NULL);
        s->seen_failure = f != F_END;
        out_of_step = f == F_OUT_OF_STEP;
    }
    genre_status a = cl_agree(own ? st : GENRE_OK, msg, cap);
    if (a == GENRE_OK && (s->seen_failure || out_of_step))
        a = genre_set_error(GENRE_E_BAD_STATE, "the ranks' MLP steps went out of step");
    s->seen_failure = 0;
    s->stand_in = 0;
    return a;
}
