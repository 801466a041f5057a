/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * How the ranks of genre-analysis-mpi meet (examples/genre-analysis/
 * cluster_mpi.c), on 1, 2 and 3 ranks (mpi_cluster_np*):
 *   - cl_agree: a program failure on the last rank reaches every rank with
 *     its text, "rank r of P: ...";
 *   - the MLP's steps: sums in rank order, a stand-in sent as 0; a rank
 *     that fails before a reduction, and one that fails after the last
 *     one while its peers end, make every rank return its failure (no
 *     rank waits: the test runs under a timeout);
 *   - cl_kmeans_merge: the bytes of the states merged in rank order on one
 *     process.
 */
#include "cluster.h"
#include "mpi_check.h"

#include <stdlib.h>
#include <string.h>

/* Rows of rank r: 50 + 7 r rows of 2 columns. */
static size_t rows_of(int r, double *x)
{
    size_t n = 50 + 7 * (size_t)r;
    for (size_t i = 0; i < n; i++) {
        x[2 * i] = (double)((i * 37 + (size_t)r * 11) % 101) / 10.0;
        x[2 * i + 1] = (double)((i * 53 + (size_t)r * 5) % 89) / 7.0;
    }
    return n;
}

static unsigned char *saved(const genre_kmeans_partial *p, size_t *n)
{
    genre_kmeans_partial_save_to_memory(p, NULL, 0, n);
    unsigned char *b = malloc(*n);
    if (b && genre_kmeans_partial_save_to_memory(p, b, *n, n))
        b = (free(b), NULL);
    return b;
}

static void kmeans_merge(void)
{
    const double centers[6] = {1, 1, 5, 5, 9, 2};
    double x[2 * 80];
    genre_kmeans_partial *mine = NULL, *ref = NULL;
    CHECK_OK(genre_kmeans_partial_create(&mine, 2, centers, 3));
    CHECK_OK(genre_kmeans_partial_add(mine, x, rows_of(rank_, x), 2, 2));
    CHECK_OK(cl_kmeans_merge(&mine));
    /* the same states merged in rank order here */
    for (int r = 0; r < size_; r++) {
        genre_kmeans_partial *p = NULL;
        CHECK_OK(genre_kmeans_partial_create(&p, 2, centers, 3));
        CHECK_OK(genre_kmeans_partial_add(p, x, rows_of(r, x), 2, 2));
        if (!ref)
            ref = p;
        else {
            CHECK_OK(genre_kmeans_partial_merge(ref, p));
            genre_kmeans_partial_free(p);
        }
    }
    size_t na = 0, nb = 0;
    unsigned char *a = saved(mine, &na), *b = saved(ref, &nb);
    if (!a || !b || na != nb || memcmp(a, b, na))
        failf("cl_kmeans_merge: %zu bytes, not the %zu of the states merged in rank order", na,
              nb);
    free(a), free(b);
    genre_kmeans_partial_free(mine);
    genre_kmeans_partial_free(ref);
}

static void agree(void)
{
    char msg[256] = "";
    genre_status st = GENRE_OK;
    if (rank_ == size_ - 1) {
        snprintf(msg, sizeof msg, "bad cell at t.csv:7");
        st = CL_PROGRAM_ERROR;
    }
    genre_status a = cl_agree(st, msg, sizeof msg);
    char want[128];
    if (size_ > 1)
        snprintf(want, sizeof want, "rank %d of %d: bad cell at t.csv:7", size_ - 1, size_);
    else
        snprintf(want, sizeof want, "bad cell at t.csv:7");
    if (a != CL_PROGRAM_ERROR || strcmp(msg, want))
        failf("cl_agree: status %d, message '%s', not '%s'", (int)a, msg, want);
}

enum { LEN = 5 };

static void steps(void)
{
    cl_steps *s = NULL;
    CHECK_OK(cl_steps_open(&s, LEN));
    if (!s)
        return;
    /* three steps; rank 1 holds no row of step 2 */
    for (int step = 1; step <= 3; step++) {
        double buf[LEN];
        for (int i = 0; i < LEN; i++)
            buf[i] = rank_ + 1 + i;
        cl_steps_stand_in(s, step == 2 && rank_ == 1);
        if (cl_steps_reduce(s, 1, step, buf, LEN))
            failf("step %d failed", step);
        double want = 0;
        for (int r = 0; r < size_; r++)
            want += step == 2 && r == 1 ? 0 : r + 1;
        if (buf[0] != want)
            failf("step %d: sum %g, not %g", step, buf[0], want);
    }
    CHECK_OK(cl_steps_end(s, GENRE_OK, NULL, 0));
    if (size_ == 1) {
        cl_steps_close(s);
        return;
    }
    /* the last rank fails before the second step's reduction */
    char msg[256] = "";
    genre_status st = GENRE_OK;
    for (int step = 1; step <= 3 && !st; step++) {
        double buf[LEN] = {1, 2, 3, 4, 5};
        if (step == 2 && rank_ == size_ - 1)
            st = genre_set_error(GENRE_E_NOMEM, "genre_mlp_partial_fit: no memory");
        else if (cl_steps_reduce(s, 1, step, buf, LEN))
            st = GENRE_E_CANCELLED;
    }
    genre_status a = cl_steps_end(s, st, msg, sizeof msg);
    char want[128];
    snprintf(want, sizeof want, "rank %d of %d: genre_mlp_partial_fit: no memory", size_ - 1,
             size_);
    if (a != GENRE_E_NOMEM || !strstr(genre_last_error(), want))
        failf("a failure before a step: status %d, '%s', not '%s'", (int)a, genre_last_error(),
              want);
    /* rank 0 fails after the last step, while its peers end */
    st = GENRE_OK;
    for (int step = 1; step <= 2; step++) {
        double buf[LEN] = {1, 2, 3, 4, 5};
        if (cl_steps_reduce(s, 1, step, buf, LEN))
            st = GENRE_E_CANCELLED;
    }
    if (rank_ == 0)
        st = genre_set_error(GENRE_E_NUMERIC, "genre_mlp_partial_fit: parameter 3 became nan");
    a = cl_steps_end(s, st, msg, sizeof msg);
    if (a != GENRE_E_NUMERIC || !strstr(genre_last_error(), "rank 0 of"))
        failf("a failure after the last step: status %d, '%s'", (int)a, genre_last_error());
    cl_steps_close(s);
}

int main(int argc, char **argv)
{
    char err[128];
    if (cl_init(&argc, &argv, err, sizeof err)) {
        fprintf(stderr, "FAIL: %s\n", err);
        return 1;
    }
    rank_ = cl_rank(), size_ = cl_size();
    agree();
    steps();
    kmeans_merge();
    int bad = failures;
    int64_t all = bad;
    cl_sum_i64(&all, 1);
    if (rank_ == 0)
        printf("%s: %lld failure(s) over %d rank(s)\n", all ? "FAIL" : "ok", (long long)all,
               size_);
    cl_finalize();
    return all ? 1 : 0;
}
