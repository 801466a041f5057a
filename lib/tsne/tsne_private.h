/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the t-SNE kernels behind genre/tsne.h: the sparse affinity
 * matrix and its construction (conditional affinities, symmetrization), the
 * gradient with its scratch, the three repulsions (exact, Barnes-Hut, FFT
 * interpolation), the exact normaliser and the KL divergence.
 *
 * Gradient convention (genre/tsne.h): g_i = sum_j (e p_ij - q_ij) w_ij
 * (y_i - y_j) with w_ij = 1 / (1 + |y_i - y_j|^2), q_ij = w_ij / Z and
 * Z = sum_{i != j} w_ij; no factor 4.
 */
#ifndef GENRE_TSNE_PRIVATE_H
#define GENRE_TSNE_PRIVATE_H

#include <genre/error.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* A sparse n x n matrix in CSR form, columns ascending within a row. */
typedef struct genre__csr {
    size_t n;
    size_t *row; /* n + 1 offsets */
    uint32_t *col;
    double *val;
} genre__csr;

void genre__csr_free(genre__csr *m);

/*
 * The conditional affinities p(j|i) of every row over its k nearest rows
 * (k = n - 1: all of them, no tree), each row summing to 1 with entropy
 * log(perplexity) nats; squared Euclidean distances. Rows of the result hold
 * k entries in increasing (distance, index) order. beta_out (n, may be NULL)
 * receives each row's precision. The vantage-point tree draws its vantage
 * points from (seed, stream 1). Returns GENRE_OK or GENRE_E_NOMEM.
 * x must be finite, 1 <= k <= n - 1, perplexity <= k.
 */
genre_status genre__tsne_conditional(const double *x, size_t n, size_t d, size_t stride,
                                     double perplexity, size_t k, int n_threads,
                                     uint64_t seed, genre__csr *out, double *beta_out);

/*
 * The k nearest rows of every row (k = n - 1: all the others, in index
 * order, no tree), exact: rows of k (column, squared distance) pairs in
 * increasing (distance, index) order, so a row's first k' < k entries are
 * its k' nearest. The vantage-point tree (inputs of up to 5 columns) draws
 * its vantage points from (seed, stream 1); they change its path, not its
 * result. Returns GENRE_OK or GENRE_E_NOMEM. x finite, 1 <= k <= n - 1.
 */
genre_status genre__tsne_knn(const double *x, size_t n, size_t d, size_t stride, size_t k,
                             int n_threads, uint64_t seed, genre__csr *out);

/*
 * The conditional affinities over the first k of each row's kg >= k entries
 * of the graph g (genre__tsne_knn's): out gets rows of k. out may be g
 * itself when k == kg (calibrated in place). Same bits for every thread
 * count. Returns GENRE_OK or GENRE_E_NOMEM (out is then empty, or g as it
 * was).
 */
genre_status genre__tsne_calibrate(const genre__csr *g, size_t kg, size_t k,
                                   double perplexity, int n_threads, genre__csr *out,
                                   double *beta_out);

/* P = (C + C^T) / sum(C + C^T) over the union pattern, columns ascending. */
genre_status genre__tsne_symmetrize(const genre__csr *c, genre__csr *p);

/* A k-nearest-neighbour graph shared by the affinity handles derived from
 * one another (reference-counted, never changed once built). */
typedef struct genre__tsne_graph {
    genre__csr g; /* rows of k: (column, squared distance) */
    size_t k;
    atomic_long refs;
} genre__tsne_graph;

/* The public genre_tsne_affinity (genre/tsne.h): P for one perplexity and
 * neighbour count, the graph it came from, and what identifies its input. */
struct genre_tsne_affinity {
    size_t n, d, k;
    double perplexity;
    uint64_t x_hash;          /* genre__tsne_hash of the input */
    genre__tsne_graph *graph; /* shared; its k >= this k */
    genre__csr p;
};

/* A 64-bit hash of the values of x (n x d, stride), bit patterns in row
 * order: what ties an affinity handle to its input. */
uint64_t genre__tsne_hash(const double *x, size_t n, size_t d, size_t stride);

/* What a fit with t's parameters computes its affinities with, for n rows
 * (tsne.c): the checks shared with the fit (rows, perplexity) failing as
 * func, then the perplexity, neighbours per row, threads and seed. */
struct genre_tsne;
genre_status genre__tsne_affinity_plan(const struct genre_tsne *t, const char *func, size_t n,
                                       double *perplexity, size_t *k, int *n_threads,
                                       uint64_t *seed);

/* Builds a from x, or from the graph `from` when it is not NULL (its k >=
 * k); the handle's graph is then shared. Without from and keep_graph, P is
 * calibrated in place of the graph, which is not kept (a->graph NULL, no
 * hash): a fit's own affinities. Returns GENRE_OK or GENRE_E_NOMEM (a then
 * holds nothing). */
genre_status genre__tsne_affinity_build(struct genre_tsne_affinity *a, const double *x,
                                        size_t n, size_t d, size_t stride, double perplexity,
                                        size_t k, int n_threads, uint64_t seed,
                                        genre__tsne_graph *from, int keep_graph);
void genre__tsne_affinity_clear(struct genre_tsne_affinity *a);

/* Method codes for the gradient (resolved, never AUTO). */
#define GENRE__TSNE_EXACT 1
#define GENRE__TSNE_BH 2
#define GENRE__TSNE_FFT 3

/* Reusable scratch of the gradient (tree nodes, FFT grids). Zero it before
 * first use; genre__tsne_work_free releases it. */
typedef struct genre__tsne_work genre__tsne_work;
genre_status genre__tsne_work_create(genre__tsne_work **w, size_t n, size_t dims);
void genre__tsne_work_free(genre__tsne_work *w);

/* The FFT-interpolation repulsion (2-D, tsne_fft.c): rep (n x 2) and zrow
 * (n) as the other methods' (sum_j w_ij^2 (y_i - y_j) and sum_j w_ij per
 * point, j != i). *state holds its grids, plans and scratch between calls
 * (NULL before the first; it is created, and regrown when the grid size
 * changes); free it with genre__tsne_fft_free. Returns GENRE_OK or
 * GENRE_E_NOMEM (every allocation is libgenre's own; nothing aborts). */
typedef struct genre__tsne_fft genre__tsne_fft;
genre_status genre__tsne_fft_repulsion(genre__tsne_fft **state, const double *y, size_t n,
                                       int n_threads, double *rep, double *zrow);
void genre__tsne_fft_free(genre__tsne_fft *s);

/* Embedding dimensions the gradient supports (2 or 3; FFT: 2). */
#define GENRE__TSNE_MAX_DIMS 3

/* The Barnes-Hut tree's cells and boxes (defined in tsne_bh.c). */
typedef struct bh_node bh_node;
typedef struct bh_box bh_box;

/* The gradient's scratch: the repulsion's per-point sums, the Barnes-Hut
 * tree, the FFT state and the attraction's relabelled upper triangle. */
struct genre__tsne_work {
    size_t n, dims;
    double *rep;   /* n x dims repulsive numerators */
    double *zrow;  /* n partial normalisers */
    /* Barnes-Hut */
    bh_node *nodes;
    size_t n_nodes, cap_nodes;
    uint32_t *perm, *perm2;
    bh_box *boxes;    /* beside nodes, same capacity */
    double *pt;       /* coordinates in tree order, dimension l at pt + l * n */
    double *bh_list;  /* per worker: BH_WORKER_DOUBLES (point list, cell list) */
    int bh_list_threads;
    int32_t *bh_front; /* per worker: two levels of the traversal */
    size_t bh_front_cap;
    genre__tsne_fft *fft; /* FFT-interpolation state (tsne_fft.c) */
    /* attraction: the strict upper triangle of P in the breadth-first
     * order `ord` (new label -> row; `lab` row -> new label), the
     * coordinates copied in that order (yp), per-worker accumulators */
    genre__csr up;
    const genre__csr *up_of;
    uint32_t *ord, *lab;
    double *yp;
    double *acc;
    int acc_threads;
    double diag_kl, diag_psum; /* sum p log p and sum p over P's diagonal */
};

/* The exact repulsion into rep (n x dims) and zrow (n), every pair, one
 * parallel loop over rows (tsne_exact.c). */
void genre__tsne_exact_repulsion(const double *y, size_t n, size_t dims, int n_threads,
                                 double *rep, double *zrow);

/* The Barnes-Hut repulsion into w->rep and w->zrow at opening angle theta
 * (tsne_bh.c); builds the tree in w. Returns GENRE_OK or GENRE_E_NOMEM. */
genre_status genre__tsne_bh_repulsion(genre__tsne_work *w, const double *y, double theta,
                                      int n_threads);

/*
 * grad (n x dims) = the gradient above at y (n x dims, contiguous) with
 * exaggeration exag; *z_out receives the method's normaliser Z. BH uses
 * theta; FFT needs dims == 2. Returns GENRE_OK; GENRE_E_NOMEM (scratch
 * growth); GENRE_E_NUMERIC (Z not finite and positive).
 */
genre_status genre__tsne_gradient(int method, double theta, const genre__csr *p,
                                  const double *y, size_t n, size_t dims, double exag,
                                  int n_threads, genre__tsne_work *w, double *grad,
                                  double *z_out);

/*
 * genre__tsne_gradient, and when kl_out is not NULL also the KL divergence
 * at y for the method's Z (genre__tsne_kl_given_z's value, its terms summed
 * in another order: within 1e-12 relative; log within a few ulp of libm's)
 * from the attraction's own pass over P.
 */
genre_status genre__tsne_gradient_kl(int method, double theta, const genre__csr *p,
                                     const double *y, size_t n, size_t dims, double exag,
                                     int n_threads, genre__tsne_work *w, double *grad,
                                     double *z_out, double *kl_out);

/* sum_ij p_ij log(p_ij Z / w_ij) for a given Z (the KL divergence); p
 * symmetric, as genre__tsne_symmetrize makes it (each pair is read once). */
double genre__tsne_kl_given_z(const genre__csr *p, const double *y, size_t dims, double z);

/* The exact normaliser Z = sum_{i != j} w_ij, O(n^2), threaded, with a
 * fixed summation order per thread count. */
double genre__tsne_exact_z(const double *y, size_t n, size_t dims, int n_threads);

#endif
