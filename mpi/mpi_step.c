/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reducer of the distributed k-means and MLP fits (mpi_kmeans.c,
 * mpi_mlp.c). Each call is a step every rank must reach: first an
 * agreement (one MPI_Allreduce of 3 int64) on whether some rank failed and
 * whether all ranks are at the same step, so a rank whose fit failed
 * between two steps -- it goes straight to the final agreement, the same
 * MPI_Allreduce -- makes every peer's reducer return its error instead of
 * waiting; then the sum in rank order: MPI_Gather to rank 0, a left-to-right
 * sum there, MPI_Bcast. Not MPI_Allreduce(MPI_SUM): its order of summation
 * depends on the algorithm Open MPI picks for the message size and rank
 * count (docs/scale-out.md), this one is rank order, always. */
#include "mpi_step.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The key of the final agreement: above every reducer key (what + 8 step). */
#define GM_STEP_END INT64_MAX

genre_status gm_stepper_open(gm_stepper *s, gm_ctx *c, size_t max_len)
{
    memset(s, 0, sizeof *s);
    s->c = c;
    s->max_len = max_len;
    genre_status st = GENRE_OK;
    if (max_len > INT_MAX)
        st = gm_fail(c, GENRE_E_INVALID_ARG,
                     "a reduction of %zu doubles is above MPI's int counts", max_len);
    else if (c->rank == 0 && c->size > 1) {
        if (max_len > SIZE_MAX / sizeof(double) / (size_t)c->size ||
            !(s->gathered = malloc(max_len * (size_t)c->size * sizeof(double))))
            st = gm_fail(c, GENRE_E_NOMEM, "no memory for %d x %zu doubles of the reductions",
                         c->size, max_len);
    }
    return gm_agree(c, st);
}

void gm_stepper_close(gm_stepper *s)
{
    free(s->gathered);
    s->gathered = NULL;
}

static void step_name(char *out, size_t cap, int64_t key)
{
    if (key == GM_STEP_END)
        snprintf(out, cap, "the end of its fit");
    else
        snprintf(out, cap, "step %lld (reduction %d)", (long long)(key / 8), (int)(key % 8));
}

/* Ends the fit on this rank: remembers the agreed status and message. */
static int32_t step_end(gm_stepper *s, genre_status st)
{
    s->ended = 1;
    s->status = st;
    snprintf(s->message, sizeof s->message, "%s", genre_last_error());
    return st;
}

int32_t gm_step_reduce(void *user_data, int32_t what, int64_t step, double *buf, size_t len)
{
    gm_stepper *s = user_data;
    gm_ctx *c = s->c;
    s->calls++;
    if (c->size == 1)
        return 0;
    int64_t key = (int64_t)what + 8 * step, lo = 0, hi = 0;
    genre_status st = gm_agree_step(c, GENRE_OK, key, &lo, &hi);
    if (st != GENRE_OK)
        return step_end(s, st);
    if (lo != hi) {
        char a[64], b[64];
        step_name(a, sizeof a, lo);
        step_name(b, sizeof b, hi);
        return step_end(s, gm_fail(c, GENRE_E_BAD_STATE,
                                   "the ranks are out of step: one is at %s, another at %s "
                                   "(give every rank its share of every step)",
                                   a, b));
    }
    /* every rank is at the same step, so len is the same everywhere */
    if (len > s->max_len)
        return step_end(s, gm_fail(c, GENRE_E_INTERNAL, "a reduction of %zu doubles, above %zu",
                                   len, s->max_len));
    int err = MPI_Gather(buf, (int)len, MPI_DOUBLE, s->gathered, (int)len, MPI_DOUBLE, 0,
                         c->comm);
    if (err != MPI_SUCCESS)
        return step_end(s, gm_mpi_fail(c, "MPI_Gather", err));
    if (c->rank == 0) {
        for (int r = 1; r < c->size; r++) {
            const double *part = s->gathered + (size_t)r * len;
            for (size_t i = 0; i < len; i++)
                buf[i] += part[i];
        }
    }
    err = MPI_Bcast(buf, (int)len, MPI_DOUBLE, 0, c->comm);
    if (err != MPI_SUCCESS)
        return step_end(s, gm_mpi_fail(c, "MPI_Bcast", err));
    return 0;
}

genre_status gm_stepper_end(gm_stepper *s, genre_status fit_status)
{
    if (s->ended)
        return genre_set_error(s->status, s->message);
    if (s->c->size == 1)
        return gm_agree(s->c, fit_status);
    int64_t lo = 0, hi = 0;
    genre_status st = gm_agree_step(s->c, fit_status, GM_STEP_END, &lo, &hi);
    if (st == GENRE_OK && lo != hi) {
        char a[64];
        step_name(a, sizeof a, lo);
        st = gm_fail(s->c, GENRE_E_BAD_STATE,
                     "the ranks are out of step: one ended its fit while another is at %s "
                     "(give every rank its share of every step)",
                     a);
    }
    return st;
}
