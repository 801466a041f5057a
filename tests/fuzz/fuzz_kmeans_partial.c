/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: genre_kmeans_partial_load_from_memory (a partial Lloyd pass, issue 19),
 * then what a loaded state must support: three more rows, a merge with a
 * second load of itself, the update, and save / reload / save to the same
 * bytes (fuzz_load.h: repaired header, statuses, allocation bound). */
#include "fuzz_load.h"

/* buf_out: a new malloc'd buffer of *len_out bytes holding the state. */
static uint8_t *saved(const genre_kmeans_partial *p, size_t *len_out)
{
    size_t need = 0;
    fuzz_require(genre_kmeans_partial_save_to_memory(p, NULL, 0, &need) ==
                 GENRE_E_BUFFER_TOO_SMALL);
    uint8_t *b = malloc(need ? need : 1);
    fuzz_require(b != NULL);
    fuzz_require(genre_kmeans_partial_save_to_memory(p, b, need, &need) == GENRE_OK);
    *len_out = need;
    return b;
}

static void use(genre_kmeans_partial *p, const uint8_t *b, size_t len, const uint8_t *data,
                size_t size)
{
    /* save, reload, save: the same bytes */
    size_t l1, l2;
    uint8_t *s1 = saved(p, &l1);
    genre_kmeans_partial *q = NULL;
    fuzz_require(genre_kmeans_partial_load_from_memory(&q, s1, l1) == GENRE_OK);
    uint8_t *s2 = saved(q, &l2);
    fuzz_require(l1 == l2 && memcmp(s1, s2, l1) == 0);
    free(s1);
    free(s2);
    /* merge with a second copy: the same centers, so it must succeed */
    genre_kmeans_partial *r = NULL;
    fuzz_require(genre_kmeans_partial_load_from_memory(&r, b, len) == GENRE_OK);
    genre_status st = genre_kmeans_partial_merge(q, r);
    fuzz_require(st == GENRE_OK || st == GENRE_E_INVALID_ARG); /* 2^64 rows */
    genre_kmeans_partial_free(r);
    /* three more rows of the state's width */
    int64_t d = 0;
    genre_kmeans *km = NULL;
    fuzz_require(genre_kmeans_create(&km) == GENRE_OK);
    st = genre_kmeans_fit_partial(km, q);
    fuzz_require(st == GENRE_OK || st == GENRE_E_INVALID_ARG || st == GENRE_E_NUMERIC);
    if (st == GENRE_OK) {
        fuzz_require(genre_kmeans_get_i64(km, GENRE_KMEANS_N_FEATURES, &d) == GENRE_OK && d >= 1);
        double *x = fuzz_load_rows((size_t)d, data, size);
        st = genre_kmeans_partial_add(q, x, 3, (size_t)d, (size_t)d);
        fuzz_require(st == GENRE_OK || st == GENRE_E_NUMERIC);
        int32_t labels[3];
        fuzz_use_check(genre_kmeans_predict(km, x, 3, (size_t)d, (size_t)d, labels, 3, NULL));
        free(x);
    }
    genre_kmeans_free(km);
    genre_kmeans_partial_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len;
    uint8_t *b = fuzz_load_repair(data, size, GENRE_MODEL_KMEANS_PARTIAL, &len);
    genre_kmeans_partial *p = NULL;
    fuzz_load_begin();
    genre_status st = genre_kmeans_partial_load_from_memory(&p, b, len);
    fuzz_load_check(st, len, 0);
    fuzz_require((st == GENRE_OK) == (p != NULL));
    if (p) {
        use(p, b, len, data, size);
        genre_kmeans_partial_free(p);
    }
    free(b);
    return 0;
}
