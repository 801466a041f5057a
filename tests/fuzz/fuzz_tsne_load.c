/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: genre_tsne_load_from_memory, then the stored embedding,
 * re-save and reload (fuzz_load.h). */
#include "fuzz_load.h"

static void use(const genre_tsne *t, const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    size_t need = 0;
    fuzz_require(genre_tsne_get_embedding(t, NULL, 0, &need) == GENRE_E_BUFFER_TOO_SMALL);
    double *e = malloc((need ? need : 1) * sizeof *e);
    fuzz_require(e != NULL);
    fuzz_require(genre_tsne_get_embedding(t, e, need, &need) == GENRE_OK);
    free(e);
}

FUZZ_LOAD_TARGET(tsne, GENRE_MODEL_TSNE, 0, use)
