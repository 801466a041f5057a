/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The public affinity handle (genre_tsne_affinity, genre/tsne.h): input
 * affinities computed once and shared by several fits, and derived for a
 * smaller perplexity from the neighbour graph of a larger one. The graph is
 * reference-counted, so derived handles hold one copy of it between them.
 */
#include <genre/tsne.h>

#include "alloc.h"
#include "error_private.h"
#include "linalg.h"
#include "tsne_private.h"

#include <string.h>

uint64_t genre__tsne_hash(const double *x, size_t n, size_t d, size_t stride)
{
    uint64_t h = 0x243F6A8885A308D3u ^ ((uint64_t)n * 0x9E3779B97F4A7C15u) ^ (uint64_t)d;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            uint64_t w;
            memcpy(&w, x + i * stride + j, sizeof w);
            h = (h ^ w) * 0x100000001B3u;
            h ^= h >> 29;
        }
    /* splitmix64's finaliser */
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9u;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBu;
    return h ^ (h >> 31);
}

static void graph_release(genre__tsne_graph *g)
{
    if (g && atomic_fetch_sub(&g->refs, 1) == 1) {
        genre__csr_free(&g->g);
        genre__free(g);
    }
}

void genre__tsne_affinity_clear(struct genre_tsne_affinity *a)
{
    graph_release(a->graph);
    genre__csr_free(&a->p);
    memset(a, 0, sizeof *a);
}

genre_status genre__tsne_affinity_build(struct genre_tsne_affinity *a, const double *x,
                                        size_t n, size_t d, size_t stride, double perplexity,
                                        size_t k, int n_threads, uint64_t seed,
                                        genre__tsne_graph *from, int keep_graph)
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->d = d;
    a->k = k;
    a->perplexity = perplexity;
    genre__tsne_graph *g = from;
    genre_status st = GENRE_OK;
    if (!from && !keep_graph) {
        genre__csr c;
        if ((st = genre__tsne_conditional(x, n, d, stride, perplexity, k, n_threads, seed, &c,
                                          NULL)) != GENRE_OK)
            return st;
        st = genre__tsne_symmetrize(&c, &a->p);
        genre__csr_free(&c);
        return st;
    }
    if (g) {
        atomic_fetch_add(&g->refs, 1);
    } else {
        a->x_hash = genre__tsne_hash(x, n, d, stride);
        g = GENRE_NEW(genre__tsne_graph);
        if (!g)
            return GENRE_E_NOMEM;
        atomic_init(&g->refs, 1);
        g->k = k;
        if ((st = genre__tsne_knn(x, n, d, stride, k, n_threads, seed, &g->g)) != GENRE_OK) {
            genre__free(g);
            return st;
        }
    }
    a->graph = g;
    genre__csr c;
    if ((st = genre__tsne_calibrate(&g->g, g->k, k, perplexity, n_threads, &c, NULL)) ==
        GENRE_OK) {
        st = genre__tsne_symmetrize(&c, &a->p);
        genre__csr_free(&c);
    }
    if (st != GENRE_OK)
        genre__tsne_affinity_clear(a);
    return st;
}

genre_status genre_tsne_affinity_create(genre_tsne_affinity **out, const genre_tsne *t,
                                        const double *x, size_t n_rows, size_t n_cols,
                                        size_t row_stride)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(t);
    genre_status st = genre__check_matrix(__func__, "x", x, n_rows, n_cols, row_stride, 1);
    double perplexity;
    size_t k;
    int T;
    uint64_t seed;
    if (st != GENRE_OK ||
        (st = genre__tsne_affinity_plan(t, __func__, n_rows, &perplexity, &k, &T, &seed)) !=
            GENRE_OK)
        return st;
    genre_tsne_affinity *a = GENRE_NEW(genre_tsne_affinity);
    if (!a)
        return GENRE_PASS(GENRE_E_NOMEM);
    st = genre__tsne_affinity_build(a, x, n_rows, n_cols, row_stride, perplexity, k, T, seed,
                                    NULL, 1);
    if (st != GENRE_OK) {
        genre__free(a);
        return GENRE_PASS(st);
    }
    *out = a;
    return GENRE_OK;
}

genre_status genre_tsne_affinity_derive(genre_tsne_affinity **out, const genre_tsne *t,
                                        const genre_tsne_affinity *from)
{
    GENRE_CHECK_NOT_NULL(out);
    *out = NULL;
    GENRE_CHECK_NOT_NULL(t);
    GENRE_CHECK_NOT_NULL(from);
    double perplexity;
    size_t k;
    int T;
    uint64_t seed;
    genre_status st = genre__tsne_affinity_plan(t, __func__, from->n, &perplexity, &k, &T, &seed);
    if (st != GENRE_OK)
        return st;
    const size_t kg = from->graph->k, all = from->n - 1;
    if (k > kg)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "the handle's parameters (perplexity %g) need %zu neighbours per "
                          "row; 'from' holds %zu (derive from an affinity of a larger "
                          "perplexity, or create one)",
                          perplexity, k, kg);
    if (k < kg && kg == all)
        return GENRE_FAIL(GENRE_E_INVALID_ARG,
                          "the handle's parameters (perplexity %g) need the %zu nearest "
                          "neighbours per row; 'from' holds all %zu other rows, unsorted "
                          "(create this affinity instead)",
                          perplexity, k, kg);
    genre_tsne_affinity *a = GENRE_NEW(genre_tsne_affinity);
    if (!a)
        return GENRE_PASS(GENRE_E_NOMEM);
    st = genre__tsne_affinity_build(a, NULL, from->n, from->d, from->d, perplexity, k, T, seed,
                                    from->graph, 1);
    if (st != GENRE_OK) {
        genre__free(a);
        return GENRE_PASS(st);
    }
    a->x_hash = from->x_hash;
    *out = a;
    return GENRE_OK;
}

genre_status genre_tsne_affinity_describe(const genre_tsne_affinity *a, size_t *n_rows,
                                          size_t *n_cols, double *perplexity,
                                          size_t *n_neighbors)
{
    GENRE_CHECK_NOT_NULL(a);
    if (n_rows)
        *n_rows = a->n;
    if (n_cols)
        *n_cols = a->d;
    if (perplexity)
        *perplexity = a->perplexity;
    if (n_neighbors)
        *n_neighbors = a->k;
    return GENRE_OK;
}

void genre_tsne_affinity_free(genre_tsne_affinity *a)
{
    if (!a)
        return;
    genre__tsne_affinity_clear(a);
    genre__free(a);
}
