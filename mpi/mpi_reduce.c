/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Merging a partial state across ranks, in rank order.
 *
 * Exchange, in this order (docs/scale-out.md): an agreement on every rank's
 * local status; rank 0 gathers every state's size; then, rank by rank, rank
 * 0 sends a go (or skip, once it has failed, so no sender is left blocked)
 * and rank r sends its saved state; rank 0 merges it into its own, in rank
 * order; an agreement on rank 0's status (gm_reduce ends here, the merged
 * state on rank 0 only); rank 0 saves the result, the merged state's size
 * and bytes are broadcast from rank 0; every rank loads them; a last
 * agreement. The states travel as the core's own save format
 * (genre_K_partial_save_to_memory), checked again by every load. */
#include "mpi_reduce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GM_TAG_GO 7101
#define GM_TAG_STATE 7102

/* A byte count another rank sent fits this rank's size_t. */
static int gm_fits_size(uint64_t v)
{
#if SIZE_MAX < UINT64_MAX
    return v <= SIZE_MAX;
#else
    (void)v;
    return 1;
#endif
}

genre_status gm_save_alloc(const gm_ctx *c, genre_status (*save)(const void *, void *, size_t,
                                                                  size_t *),
                           const void *obj, const char *what, unsigned char **bytes,
                           size_t *len)
{
    *bytes = NULL;
    *len = 0;
    size_t needed = 0;
    genre_status st = save(obj, NULL, 0, &needed);
    if (st != GENRE_OK && st != GENRE_E_BUFFER_TOO_SMALL)
        return st;
    unsigned char *buf = malloc(needed ? needed : 1);
    if (!buf)
        return gm_fail(c, GENRE_E_NOMEM, "no memory for the %zu bytes of the %s", needed, what);
    size_t written = 0;
    st = save(obj, buf, needed, &written);
    if (st != GENRE_OK) {
        free(buf);
        return st;
    }
    *bytes = buf;
    *len = written;
    return GENRE_OK;
}

/* Rank 0: merges every other rank's state into acc, in rank order. Keeps
 * receiving go/skip rounds after a failure so no rank waits forever. */
static genre_status merge_in_rank_order(gm_ctx *c, const gm_kind *k, const uint64_t *sizes,
                                        void *acc, genre_status st)
{
    unsigned char *buf = NULL;
    size_t cap = 0;
    for (int r = 1; r < c->size; r++) {
        int go = st == GENRE_OK;
        if (go && sizes[r] > cap) {
            if (!gm_fits_size(sizes[r])) {
                st = gm_fail(c, GENRE_E_NOMEM, "the %s of rank %d (%llu bytes) does not fit in memory",
                             k->what, r, (unsigned long long)sizes[r]);
            } else {
                unsigned char *grown = realloc(buf, (size_t)sizes[r]);
                if (grown) {
                    buf = grown;
                    cap = (size_t)sizes[r];
                } else {
                    st = gm_fail(c, GENRE_E_NOMEM, "no memory for the %llu bytes of rank %d's %s",
                                 (unsigned long long)sizes[r], r, k->what);
                }
            }
            go = st == GENRE_OK;
        }
        int err = MPI_Send(&go, 1, MPI_INT, r, GM_TAG_GO, c->comm);
        if (err != MPI_SUCCESS) {
            free(buf);
            return gm_mpi_fail(c, "MPI_Send", err);
        }
        if (!go)
            continue;
        genre_status io = gm_recv(c, buf, (size_t)sizes[r], r, GM_TAG_STATE);
        if (io != GENRE_OK) {
            free(buf);
            return io;
        }
        void *from = NULL;
        st = k->load(&from, buf, (size_t)sizes[r]);
        if (st == GENRE_OK)
            st = k->merge(acc, from);
        k->destroy(from);
        if (st != GENRE_OK) {
            char why[1024];
            snprintf(why, sizeof why, "%s", genre_last_error());
            st = gm_fail(c, st, "merging rank %d's %s: %s", r, k->what, why);
        }
    }
    free(buf);
    return st;
}

genre_status gm_reduce(gm_ctx *c, const gm_kind *k, genre_status local_st, const void *local,
                       void **merged)
{
    *merged = NULL;
    unsigned char *mine = NULL;
    size_t mine_len = 0;
    uint64_t *sizes = NULL;
    void *acc = NULL;

    /* 1. every rank saves its state (rank 0 also makes room for the sizes) */
    genre_status st = local_st;
    if (st == GENRE_OK && !local)
        st = gm_fail(c, GENRE_E_INVALID_ARG, "argument 'local' is NULL");
    if (st == GENRE_OK)
        st = gm_save_alloc(c, k->save, local, k->what, &mine, &mine_len);
    if (st == GENRE_OK && c->rank == 0) {
        sizes = calloc((size_t)c->size, sizeof *sizes);
        if (!sizes)
            st = gm_fail(c, GENRE_E_NOMEM, "no memory for %d state sizes", c->size);
    }
    st = gm_agree(c, st);
    if (st != GENRE_OK)
        goto done;

    /* 2. rank 0 learns every size, then merges the states in rank order */
    uint64_t len64 = mine_len;
    int err = MPI_Gather(&len64, 1, MPI_UINT64_T, sizes, 1, MPI_UINT64_T, 0, c->comm);
    if (err != MPI_SUCCESS) {
        st = gm_mpi_fail(c, "MPI_Gather", err);
        goto done;
    }
    if (c->rank == 0) {
        st = k->load(&acc, mine, mine_len);
        /* every other rank still waits for its go: merge_in_rank_order
         * sends skips once st has failed */
        st = merge_in_rank_order(c, k, sizes, acc, st);
    } else {
        int go = 0;
        err = MPI_Recv(&go, 1, MPI_INT, 0, GM_TAG_GO, c->comm, MPI_STATUS_IGNORE);
        if (err != MPI_SUCCESS)
            st = gm_mpi_fail(c, "MPI_Recv", err);
        else if (go)
            st = gm_send(c, mine, mine_len, 0, GM_TAG_STATE);
    }
    st = gm_agree(c, st);
    if (st == GENRE_OK && c->rank == 0) {
        *merged = acc;
        acc = NULL;
    }

done:
    if (acc)
        k->destroy(acc);
    free(mine);
    free(sizes);
    return st;
}

genre_status gm_allreduce(gm_ctx *c, const gm_kind *k, genre_status local_st,
                          const void *local, void **merged)
{
    *merged = NULL;
    unsigned char *all = NULL;
    size_t all_len = 0;
    void *acc = NULL;

    /* 1-2. rank 0 merges every state, in rank order, and saves the result */
    genre_status st = gm_reduce(c, k, local_st, local, &acc);
    if (st != GENRE_OK)
        return st;
    if (c->rank == 0)
        st = gm_save_alloc(c, k->save, acc, k->what, &all, &all_len);
    st = gm_agree(c, st);
    if (st != GENRE_OK)
        goto done;

    /* 3. the merged bytes go to every rank, which loads them */
    uint64_t total = all_len;
    st = gm_bcast_u64(c, &total, 0);
    if (st != GENRE_OK)
        goto done;
    if (c->rank != 0) {
        if (!gm_fits_size(total) || !(all = malloc(total ? (size_t)total : 1)))
            st = gm_fail(c, GENRE_E_NOMEM, "no memory for the %llu bytes of the merged %s",
                         (unsigned long long)total, k->what);
    }
    st = gm_agree(c, st);
    if (st != GENRE_OK)
        goto done;
    st = gm_bcast(c, all, (size_t)total, 0);
    if (st != GENRE_OK)
        goto done;
    void *out = NULL;
    st = k->load(&out, all, (size_t)total);
    st = gm_agree(c, st);
    if (st == GENRE_OK)
        *merged = out;
    else
        k->destroy(out);

done:
    if (acc)
        k->destroy(acc);
    free(all);
    return st;
}
