/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The partial-state kinds the reduction knows (the core's save, load, merge
 * and free behind void pointers), the public allreduce call of each and
 * the metrics' reduce to rank 0. */
#include "mpi_reduce.h"

#include <stdio.h>

#define GM_KIND(name, type, what_text)                                                    \
    static genre_status name##_save(const void *p, void *buf, size_t cap, size_t *needed) \
    {                                                                                     \
        return genre_##type##_save_to_memory((const genre_##type *)p, buf, cap, needed);  \
    }                                                                                     \
    static genre_status name##_load(void **out, const void *buf, size_t len)              \
    {                                                                                     \
        genre_##type *p = NULL;                                                           \
        genre_status st = genre_##type##_load_from_memory(&p, buf, len);                  \
        *out = p;                                                                         \
        return st;                                                                        \
    }                                                                                     \
    static genre_status name##_merge(void *into, const void *from)                        \
    {                                                                                     \
        return genre_##type##_merge((genre_##type *)into, (const genre_##type *)from);    \
    }                                                                                     \
    static void name##_destroy(void *p) { genre_##type##_free((genre_##type *)p); }       \
    const gm_kind gm_##name##_kind = {what_text, name##_save, name##_load, name##_merge,  \
                                      name##_destroy}

GM_KIND(scaler, scaler_partial, "scaler partial state");
GM_KIND(pca, pca_partial, "PCA partial state");
GM_KIND(lda, lda_partial, "LDA partial state");
GM_KIND(metrics, metrics_partial, "metrics partial state");
GM_KIND(prep, dataset_prep_partial, "preparation partial state");

typedef genre_status (*gm_merge_fn)(gm_ctx *c, const gm_kind *k, genre_status local_st,
                                    const void *local, void **merged);

/* The body every public allreduce and reduce shares; `merge` is gm_allreduce
 * (every rank gets the merged state) or gm_reduce (rank 0 only). */
static genre_status collect(const char *func, MPI_Comm comm, const gm_kind *k,
                            gm_merge_fn merge, const void *local, void **merged)
{
    gm_ctx c;
    if (merged)
        *merged = NULL;
    genre_status st = gm_open(&c, comm, func);
    if (st != GENRE_OK)
        return st;
    st = merged ? GENRE_OK : gm_fail(&c, GENRE_E_INVALID_ARG, "argument 'merged' is NULL");
    void *out = NULL;
    st = merge(&c, k, st, local, &out);
    if (merged)
        *merged = out;
    gm_close(&c);
    return st;
}

genre_status genre_mpi_scaler_partial_allreduce(MPI_Comm comm, const genre_scaler_partial *local,
                                                genre_scaler_partial **merged)
{
    void *out = NULL;
    genre_status st = collect(__func__, comm, &gm_scaler_kind, gm_allreduce, local,
                              merged ? &out : NULL);
    if (merged)
        *merged = out;
    return st;
}

genre_status genre_mpi_pca_partial_allreduce(MPI_Comm comm, const genre_pca_partial *local,
                                             genre_pca_partial **merged)
{
    void *out = NULL;
    genre_status st = collect(__func__, comm, &gm_pca_kind, gm_allreduce, local,
                              merged ? &out : NULL);
    if (merged)
        *merged = out;
    return st;
}

genre_status genre_mpi_lda_partial_allreduce(MPI_Comm comm, const genre_lda_partial *local,
                                             genre_lda_partial **merged)
{
    void *out = NULL;
    genre_status st = collect(__func__, comm, &gm_lda_kind, gm_allreduce, local,
                              merged ? &out : NULL);
    if (merged)
        *merged = out;
    return st;
}

genre_status genre_mpi_metrics_partial_allreduce(MPI_Comm comm, const genre_metrics_partial *local,
                                                 genre_metrics_partial **merged)
{
    void *out = NULL;
    genre_status st = collect(__func__, comm, &gm_metrics_kind, gm_allreduce, local,
                              merged ? &out : NULL);
    if (merged)
        *merged = out;
    return st;
}

genre_status genre_mpi_metrics_partial_reduce(MPI_Comm comm, const genre_metrics_partial *local,
                                              genre_metrics_partial **merged)
{
    void *out = NULL;
    genre_status st = collect(__func__, comm, &gm_metrics_kind, gm_reduce, local,
                              merged ? &out : NULL);
    if (merged)
        *merged = out;
    return st;
}

genre_status genre_mpi_dataset_prep_partial_allreduce(MPI_Comm comm,
                                                      const genre_dataset_prep_partial *local,
                                                      genre_dataset_prep_partial **merged)
{
    void *out = NULL;
    genre_status st = collect(__func__, comm, &gm_prep_kind, gm_allreduce, local,
                              merged ? &out : NULL);
    if (merged)
        *merged = out;
    return st;
}

genre_status genre_mpi_dataset_prep_partial_end_pass(MPI_Comm comm,
                                                     const genre_dataset_prep_partial *local,
                                                     genre_dataset_prep_partial **merged, int *more)
{
    gm_ctx c;
    if (merged)
        *merged = NULL;
    genre_status st = gm_open(&c, comm, __func__);
    if (st != GENRE_OK)
        return st;
    if (!merged || !more)
        st = gm_fail(&c, GENRE_E_INVALID_ARG, "argument '%s' is NULL", merged ? "more" : "merged");
    void *out = NULL;
    st = gm_allreduce(&c, &gm_prep_kind, st, local, &out);
    if (st == GENRE_OK) {
        /* every rank ends the pass on the same bits: the same answer */
        st = genre_dataset_prep_partial_end_pass((genre_dataset_prep_partial *)out, more);
        st = gm_agree(&c, st);
    }
    if (st == GENRE_OK)
        *merged = out;
    else
        genre_dataset_prep_partial_free(out);
    gm_close(&c);
    return st;
}

const char *genre_mpi_build_info(void)
{
#define GM_STR2(x) #x
#define GM_STR(x) GM_STR2(x)
    return "libgenre_mpi " GENRE_MPI_VERSION_TEXT "; MPI " GM_STR(MPI_VERSION) "." GM_STR(
        MPI_SUBVERSION)
#if defined(OMPI_MAJOR_VERSION)
        "; Open MPI " GM_STR(OMPI_MAJOR_VERSION) "." GM_STR(OMPI_MINOR_VERSION) "." GM_STR(
            OMPI_RELEASE_VERSION)
#elif defined(MPICH_VERSION)
        "; MPICH " MPICH_VERSION
#endif
        ;
}

genre_status genre_mpi_agree(MPI_Comm comm, genre_status local)
{
    gm_ctx c;
    genre_status st = gm_open(&c, comm, __func__);
    if (st != GENRE_OK)
        return st;
    st = gm_agree(&c, local);
    gm_close(&c);
    return st;
}
