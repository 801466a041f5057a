/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The distributed fits of the scaler, PCA and LDA: this rank's rows into a
 * partial state, the state reduced across ranks (mpi_reduce.c), the
 * caller's model fitted from the merged state on every rank, then every
 * rank's model checked equal to rank 0's. */
#include "mpi_reduce.h"

#include <stdlib.h>
#include <string.h>


#define GM_MODEL(name, model_t, state_t, what_text)                                        \
    static genre_status name##_fit_partial(void *m, const void *p)                          \
    {                                                                                       \
        return genre_##name##_fit_partial((genre_##model_t *)m, (const genre_##state_t *)p); \
    }                                                                                       \
    static genre_status name##_model_save(const void *m, void *buf, size_t cap, size_t *n)  \
    {                                                                                       \
        return genre_##name##_save_to_memory((const genre_##model_t *)m, buf, cap, n);       \
    }                                                                                       \
    static const gm_model gm_##name##_model = {what_text, name##_fit_partial,               \
                                               name##_model_save}

GM_MODEL(scaler, scaler, scaler_partial, "scaler");
GM_MODEL(pca, pca, pca_partial, "PCA");
GM_MODEL(lda, lda, lda_partial, "LDA");

/* Every rank's model must be rank 0's bytes: parameters set differently on
 * some rank (or a different libgenre build) would otherwise give ranks
 * different models without anyone noticing. */
genre_status gm_check_same_model(gm_ctx *c, const gm_model *m, const void *model)
{
    unsigned char *mine = NULL, *root = NULL;
    size_t len = 0;
    genre_status st = gm_save_alloc(c, m->save, model, m->what, &mine, &len);
    st = gm_agree(c, st);
    if (st != GENRE_OK)
        goto done;
    uint64_t root_len = len;
    st = gm_bcast_u64(c, &root_len, 0);
    if (st != GENRE_OK)
        goto done;
    genre_status differs = GENRE_OK;
    if (root_len != len)
        differs = gm_fail(c, GENRE_E_BAD_STATE,
                          "this rank's fitted %s (%zu bytes) differs from rank 0's (%llu bytes): "
                          "set the same parameters on every rank",
                          m->what, len, (unsigned long long)root_len);
    else if (c->rank != 0 && !(root = malloc(len ? len : 1)))
        differs = gm_fail(c, GENRE_E_NOMEM, "no memory for rank 0's %zu-byte %s", len, m->what);
    st = gm_agree(c, differs);
    if (st != GENRE_OK)
        goto done;
    st = gm_bcast(c, c->rank == 0 ? mine : root, len, 0);
    if (st != GENRE_OK)
        goto done;
    if (c->rank != 0 && memcmp(mine, root, len) != 0)
        differs = gm_fail(c, GENRE_E_BAD_STATE,
                          "this rank's fitted %s differs from rank 0's: set the same parameters "
                          "on every rank",
                          m->what);
    st = gm_agree(c, differs);
done:
    free(mine);
    free(root);
    return st;
}

/* Reduce, fit, check: the tail every distributed fit shares. local_st is
 * this rank's status in building local. */
static genre_status fit_merged(gm_ctx *c, const gm_kind *k, const gm_model *m, void *model,
                               genre_status local_st, const void *local)
{
    if (local_st == GENRE_OK && !model)
        local_st = gm_fail(c, GENRE_E_INVALID_ARG, "the %s handle is NULL", m->what);
    void *merged = NULL;
    genre_status st = gm_allreduce(c, k, local_st, local, &merged);
    if (st != GENRE_OK)
        return st;
    st = gm_agree(c, m->fit_partial(model, merged));
    k->destroy(merged);
    if (st != GENRE_OK)
        return st;
    return gm_check_same_model(c, m, model);
}

/* This rank's rows into a new partial state (none when n_rows is 0). */
static genre_status rows_state(gm_ctx *c, const gm_kind *k, void **state, const double *x,
                               size_t n_rows, size_t n_cols, size_t row_stride, const int32_t *y)
{
    genre_status st = GENRE_OK;
    *state = NULL;
    if (k == &gm_scaler_kind) {
        genre_scaler_partial *p = NULL;
        st = genre_scaler_partial_create(&p, n_cols);
        if (st == GENRE_OK && n_rows > 0)
            st = genre_scaler_partial_add(p, x, n_rows, n_cols, row_stride);
        *state = p;
    } else if (k == &gm_pca_kind) {
        genre_pca_partial *p = NULL;
        st = genre_pca_partial_create(&p, n_cols);
        if (st == GENRE_OK && n_rows > 0)
            st = genre_pca_partial_add(p, x, n_rows, n_cols, row_stride);
        *state = p;
    } else {
        genre_lda_partial *p = NULL;
        st = genre_lda_partial_create(&p, n_cols);
        if (st == GENRE_OK && n_rows > 0)
            st = genre_lda_partial_add(p, x, n_rows, n_cols, row_stride, y);
        *state = p;
    }
    if (st != GENRE_OK) {
        /* the core named its own function; say which call and rank's rows */
        char why[1024];
        strncpy(why, genre_last_error(), sizeof why - 1);
        why[sizeof why - 1] = '\0';
        st = gm_fail(c, st, "this rank's rows: %s", why);
    }
    return st;
}

static genre_status fit_rows(const char *func, MPI_Comm comm, const gm_kind *k, const gm_model *m,
                             void *model, const double *x, size_t n_rows, size_t n_cols,
                             size_t row_stride, const int32_t *y)
{
    gm_ctx c;
    genre_status st = gm_open(&c, comm, func);
    if (st != GENRE_OK)
        return st;
    void *local = NULL;
    st = rows_state(&c, k, &local, x, n_rows, n_cols, row_stride, y);
    st = fit_merged(&c, k, m, model, st, local);
    k->destroy(local);
    gm_close(&c);
    return st;
}

static genre_status fit_state(const char *func, MPI_Comm comm, const gm_kind *k,
                              const gm_model *m, void *model, const void *local)
{
    gm_ctx c;
    genre_status st = gm_open(&c, comm, func);
    if (st != GENRE_OK)
        return st;
    st = fit_merged(&c, k, m, model, GENRE_OK, local);
    gm_close(&c);
    return st;
}

genre_status genre_mpi_scaler_fit(MPI_Comm comm, genre_scaler *s, const double *x, size_t n_rows,
                                  size_t n_cols, size_t row_stride)
{
    return fit_rows(__func__, comm, &gm_scaler_kind, &gm_scaler_model, s, x, n_rows, n_cols,
                    row_stride, NULL);
}

genre_status genre_mpi_pca_fit(MPI_Comm comm, genre_pca *pca, const double *x, size_t n_rows,
                               size_t n_cols, size_t row_stride)
{
    return fit_rows(__func__, comm, &gm_pca_kind, &gm_pca_model, pca, x, n_rows, n_cols,
                    row_stride, NULL);
}

genre_status genre_mpi_lda_fit(MPI_Comm comm, genre_lda *lda, const double *x, size_t n_rows,
                               size_t n_cols, size_t row_stride, const int32_t *y)
{
    return fit_rows(__func__, comm, &gm_lda_kind, &gm_lda_model, lda, x, n_rows, n_cols,
                    row_stride, y);
}

genre_status genre_mpi_scaler_fit_partial(MPI_Comm comm, genre_scaler *s,
                                          const genre_scaler_partial *local)
{
    return fit_state(__func__, comm, &gm_scaler_kind, &gm_scaler_model, s, local);
}

genre_status genre_mpi_pca_fit_partial(MPI_Comm comm, genre_pca *pca,
                                       const genre_pca_partial *local)
{
    return fit_state(__func__, comm, &gm_pca_kind, &gm_pca_model, pca, local);
}

genre_status genre_mpi_lda_fit_partial(MPI_Comm comm, genre_lda *lda,
                                       const genre_lda_partial *local)
{
    return fit_state(__func__, comm, &gm_lda_kind, &gm_lda_model, lda, local);
}
