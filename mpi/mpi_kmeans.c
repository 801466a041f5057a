/* SPDX-License-Identifier: GPL-3.0-or-later */
/* genre_mpi_kmeans_fit: initial centers every rank shares (greedy k-means++
 * on rank 0 over a seeded Bernoulli sample of the union's rows, or the
 * caller's), then one Lloyd run over every rank's rows through the core's
 * reducer hook (mpi_step.c).
 *
 * Why a sample and not k-means||: the sample is chosen by the rows' global
 * indices (row g is kept when a hash of (seed, g) falls below
 * GENRE_MPI_KMEANS_SAMPLE_ROWS / N), so it does not depend on how the rows
 * are split across ranks, costs one gather of about that many rows, and
 * when the union has at most that many rows it is every row in order: the
 * initial centers are then exactly genre_kmeans_fit()'s first restart on
 * the union. k-means|| needs ~5 rounds of allreduce and a weighted
 * k-means++ of its candidates on one rank anyway, and its candidates depend
 * on the split unless drawn the same way. */
#include "mpi_step.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A 64-bit mix (splitmix64's finaliser). */
static uint64_t gm_mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The parameters every rank must share, min and max over the ranks in one
 * MPI_Allreduce(MPI_MIN) of {v, -v}. */
enum { P_COLS, P_K, P_SEED, P_CENTERS, P_N };

static genre_status same_everywhere(gm_ctx *c, const int64_t *mine, int *differs)
{
    int64_t both[2 * P_N], all[2 * P_N];
    for (int i = 0; i < P_N; i++) {
        both[i] = mine[i];
        both[P_N + i] = ~mine[i]; /* min(~v) = ~max(v), without overflow */
    }
    int err = MPI_Allreduce(both, all, 2 * P_N, MPI_INT64_T, MPI_MIN, c->comm);
    if (err != MPI_SUCCESS)
        return gm_mpi_fail(c, "MPI_Allreduce", err);
    *differs = -1;
    for (int i = 0; i < P_N && *differs < 0; i++)
        if (all[i] != ~all[P_N + i])
            *differs = i;
    return GENRE_OK;
}

/* Rank 0: greedy k-means++ on the gathered sample with a scratch handle of
 * km's K, seed, threads and kernel (km itself stays as it was). */
static genre_status seed_on_sample(gm_ctx *c, const genre_kmeans *km, const double *rows,
                                   size_t n, size_t d, double *centers, size_t kd)
{
    genre_kmeans *tmp = NULL;
    genre_kmeans_sample *s = NULL;
    static const int32_t keys[] = {GENRE_KMEANS_K, GENRE_KMEANS_SEED, GENRE_KMEANS_N_THREADS,
                                   GENRE_KMEANS_DISTANCE_KERNEL};
    int64_t seed = 0;
    genre_status st = genre_kmeans_create(&tmp);
    for (size_t i = 0; st == GENRE_OK && i < sizeof keys / sizeof *keys; i++) {
        int64_t v = 0;
        st = genre_kmeans_get_i64(km, keys[i], &v);
        if (st == GENRE_OK)
            st = genre_kmeans_set_i64(tmp, keys[i], v);
        if (keys[i] == GENRE_KMEANS_SEED)
            seed = v;
    }
    if (st == GENRE_OK)
        st = genre_kmeans_sample_create(&s, d, n, seed);
    if (st == GENRE_OK)
        st = genre_kmeans_sample_add(s, rows, n, d, d);
    if (st == GENRE_OK)
        st = genre_kmeans_init_from_sample(tmp, s);
    if (st == GENRE_OK)
        st = genre_kmeans_get_centers(tmp, centers, kd, NULL);
    if (st != GENRE_OK)
        st = gm_fail(c, st, "the initialisation on rank 0's sample: %s", genre_last_error());
    genre_kmeans_sample_free(s);
    genre_kmeans_free(tmp);
    return st;
}

/* The initial centers (k x d) on every rank from the sample of the union. */
static genre_status sample_centers(gm_ctx *c, const genre_kmeans *km, int64_t seed,
                                   const double *x, size_t n_rows, size_t d, size_t row_stride,
                                   size_t k, double *centers)
{
    uint64_t mine = n_rows, total = 0, offset = 0;
    int err = MPI_Allreduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, c->comm);
    if (err != MPI_SUCCESS)
        return gm_mpi_fail(c, "MPI_Allreduce", err);
    err = MPI_Exscan(&mine, &offset, 1, MPI_UINT64_T, MPI_SUM, c->comm);
    if (err != MPI_SUCCESS)
        return gm_mpi_fail(c, "MPI_Exscan", err);
    if (c->rank == 0)
        offset = 0; /* MPI_Exscan leaves rank 0's undefined */
    /* row g is kept when its 53-bit hash is below M / N of 2^53 */
    const int all = total <= GENRE_MPI_KMEANS_SAMPLE_ROWS;
    const uint64_t cut = all ? 0
                             : (uint64_t)((double)GENRE_MPI_KMEANS_SAMPLE_ROWS / (double)total *
                                          0x1.0p53);
    const uint64_t key = gm_mix((uint64_t)seed ^ 0x6d706973616d706cULL);
    size_t kept = 0;
    for (size_t i = 0; i < n_rows; i++)
        kept += all || (gm_mix(key + offset + i) >> 11) < cut;
    double *mine_rows = malloc((kept ? kept : 1) * d * sizeof *mine_rows);
    genre_status st = GENRE_OK;
    if (!mine_rows)
        st = gm_fail(c, GENRE_E_NOMEM, "no memory for the %zu sampled rows", kept);
    else
        for (size_t i = 0, j = 0; i < n_rows; i++)
            if (all || (gm_mix(key + offset + i) >> 11) < cut)
                memcpy(mine_rows + d * j++, x + i * row_stride, d * sizeof *x);
    /* every rank learns every count, so every rank takes the same decisions */
    uint64_t *counts = calloc((size_t)c->size, sizeof *counts);
    int *cnt = calloc((size_t)c->size, sizeof *cnt), *disp = calloc((size_t)c->size, sizeof *disp);
    if (st == GENRE_OK && (!counts || !cnt || !disp))
        st = gm_fail(c, GENRE_E_NOMEM, "no memory for %d counts", c->size);
    double *sample = NULL;
    uint64_t n_sample = 0;
    st = gm_agree(c, st);
    if (st != GENRE_OK)
        goto done;
    uint64_t kept64 = kept;
    err = MPI_Allgather(&kept64, 1, MPI_UINT64_T, counts, 1, MPI_UINT64_T, c->comm);
    if (err != MPI_SUCCESS) {
        st = gm_mpi_fail(c, "MPI_Allgather", err);
        goto done;
    }
    for (int r = 0; r < c->size; r++) {
        if (counts[r] * d > (uint64_t)INT_MAX - n_sample * d) {
            st = gm_fail(c, GENRE_E_INVALID_ARG, "the sample's values exceed MPI's int counts");
            goto done;
        }
        cnt[r] = (int)(counts[r] * d);
        disp[r] = (int)(n_sample * d);
        n_sample += counts[r];
    }
    if (n_sample < k) {
        st = gm_fail(c, GENRE_E_INVALID_ARG,
                     "%llu rows over every rank (%llu sampled) for GENRE_KMEANS_K = %zu clusters",
                     (unsigned long long)total, (unsigned long long)n_sample, k);
        goto done;
    }
    if (c->rank == 0 && !(sample = malloc((size_t)n_sample * d * sizeof *sample)))
        st = gm_fail(c, GENRE_E_NOMEM, "no memory for the %llu sampled rows",
                     (unsigned long long)n_sample);
    st = gm_agree(c, st);
    if (st != GENRE_OK)
        goto done;
    err = MPI_Gatherv(mine_rows, cnt[c->rank], MPI_DOUBLE, sample, cnt, disp, MPI_DOUBLE, 0,
                      c->comm);
    if (err != MPI_SUCCESS) {
        st = gm_mpi_fail(c, "MPI_Gatherv", err);
        goto done;
    }
    if (c->rank == 0)
        st = seed_on_sample(c, km, sample, (size_t)n_sample, d, centers, k * d);
    st = gm_agree(c, st);
    if (st == GENRE_OK)
        st = gm_bcast(c, centers, k * d * sizeof *centers, 0);
done:
    free(sample);
    free(mine_rows);
    free(counts);
    free(cnt);
    free(disp);
    return st;
}

/* Every rank's fitted centers, iterations, convergence and inertia are rank
 * 0's bits (the labels and N_SAMPLES are each rank's own). */
static genre_status check_same_fit(gm_ctx *c, const genre_kmeans *km, size_t kd)
{
    double *mine = malloc((kd + 3) * sizeof *mine), *root = malloc((kd + 3) * sizeof *root);
    genre_status st = (!mine || !root) ? gm_fail(c, GENRE_E_NOMEM, "no memory for the check")
                                       : genre_kmeans_get_centers(km, mine, kd, NULL);
    int64_t it = 0, conv = 0;
    if (st == GENRE_OK)
        st = genre_kmeans_get_i64(km, GENRE_KMEANS_N_ITER, &it);
    if (st == GENRE_OK)
        st = genre_kmeans_get_i64(km, GENRE_KMEANS_CONVERGED, &conv);
    if (st == GENRE_OK)
        st = genre_kmeans_get_f64(km, GENRE_KMEANS_INERTIA, &mine[kd + 2]);
    if (st == GENRE_OK) {
        mine[kd] = (double)it;
        mine[kd + 1] = (double)conv;
        memcpy(root, mine, (kd + 3) * sizeof *mine);
    }
    st = gm_agree(c, st);
    if (st == GENRE_OK)
        st = gm_bcast(c, root, (kd + 3) * sizeof *root, 0);
    if (st == GENRE_OK)
        st = gm_agree(c, memcmp(mine, root, (kd + 3) * sizeof *mine) == 0
                             ? GENRE_OK
                             : gm_fail(c, GENRE_E_BAD_STATE,
                                       "this rank's centers differ from rank 0's: set the same "
                                       "parameters on every rank"));
    free(mine);
    free(root);
    return st;
}

genre_status genre_mpi_kmeans_fit(MPI_Comm comm, genre_kmeans *km, const double *x,
                                  size_t n_rows, size_t n_cols, size_t row_stride,
                                  const double *initial_centers)
{
    gm_ctx c;
    genre_status st = gm_open(&c, comm, __func__);
    if (st != GENRE_OK)
        return st;
    int64_t k = 0, seed = 0, threads = -1; /* the caller's N_THREADS, put back at the end */
    if (!km)
        st = gm_fail(&c, GENRE_E_INVALID_ARG, "argument 'km' is NULL");
    else if (n_rows == 0 || !x)
        st = gm_fail(&c, GENRE_E_INVALID_ARG,
                     "this rank has no rows (x %s, n_rows %zu): every rank needs at least one",
                     x ? "given" : "NULL", n_rows);
    else if (n_cols == 0 || row_stride < n_cols || n_cols > INT_MAX)
        st = gm_fail(&c, GENRE_E_INVALID_ARG, "n_cols %zu, row_stride %zu", n_cols, row_stride);
    if (st == GENRE_OK)
        st = genre_kmeans_get_i64(km, GENRE_KMEANS_K, &k);
    if (st == GENRE_OK)
        st = genre_kmeans_get_i64(km, GENRE_KMEANS_SEED, &seed);
    /* the default is one thread per rank: the ranks are the parallelism, and
     * an unbound rank would start one thread per CPU of its mask */
    if (st == GENRE_OK)
        st = genre_kmeans_get_i64(km, GENRE_KMEANS_N_THREADS, &threads);
    if (st == GENRE_OK && threads == 0)
        st = genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, 1);
    st = gm_agree(&c, st);
    if (st != GENRE_OK)
        goto close;
    int64_t params[P_N] = {(int64_t)n_cols, k, seed, initial_centers != NULL};
    int differs = -1;
    st = same_everywhere(&c, params, &differs);
    if (st == GENRE_OK && differs >= 0) {
        static const char *what[P_N] = {"n_cols", "GENRE_KMEANS_K", "GENRE_KMEANS_SEED",
                                        "whether initial_centers is given"};
        st = gm_fail(&c, GENRE_E_SHAPE, "%s differs across the ranks", what[differs]);
    }
    if (st != GENRE_OK)
        goto close;
    const size_t kd = (size_t)k * n_cols;
    double *centers = malloc(kd * sizeof *centers);
    st = gm_agree(&c, centers ? GENRE_OK
                              : gm_fail(&c, GENRE_E_NOMEM, "no memory for %zu centers", (size_t)k));
    if (st != GENRE_OK)
        goto free_centers;
    if (initial_centers) {
        /* the caller's centers must be rank 0's bits */
        memcpy(centers, initial_centers, kd * sizeof *centers);
        st = gm_bcast(&c, centers, kd * sizeof *centers, 0);
        if (st == GENRE_OK)
            st = gm_agree(&c, memcmp(centers, initial_centers, kd * sizeof *centers) == 0
                                  ? GENRE_OK
                                  : gm_fail(&c, GENRE_E_BAD_STATE,
                                            "initial_centers differ from rank 0's"));
    } else {
        st = sample_centers(&c, km, seed, x, n_rows, n_cols, row_stride, (size_t)k, centers);
    }
    if (st != GENRE_OK)
        goto free_centers;
    /* the largest reduction: a Lloyd iteration's k d + k + 2, or the spread */
    size_t lloyd = kd + (size_t)k + 2, spread = 1 + 2 * n_cols;
    gm_stepper s;
    st = gm_stepper_open(&s, &c, lloyd > spread ? lloyd : spread);
    if (st == GENRE_OK) {
        genre_status fit = genre_kmeans_set_initial_centers(km, centers, (size_t)k, n_cols);
        if (fit == GENRE_OK)
            fit = genre_kmeans_set_reducer(km, gm_step_reduce, &s);
        if (fit == GENRE_OK)
            fit = genre_kmeans_fit(km, x, n_rows, n_cols, row_stride);
        st = gm_stepper_end(&s, fit);
        genre_kmeans_set_reducer(km, NULL, NULL);
        genre_kmeans_set_initial_centers(km, NULL, 0, 0);
        if (st != GENRE_OK) {
            /* keep the agreed message over the calls above */
            char why[1024];
            strncpy(why, genre_last_error(), sizeof why - 1);
            why[sizeof why - 1] = '\0';
            genre_set_error(st, why);
        }
    }
    gm_stepper_close(&s);
    if (st == GENRE_OK)
        st = check_same_fit(&c, km, kd);
free_centers:
    free(centers);
close:
    if (threads == 0)
        genre_kmeans_set_i64(km, GENRE_KMEANS_N_THREADS, 0);
    gm_close(&c);
    return st;
}
