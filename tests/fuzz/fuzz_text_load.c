/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: genre_text_load_from_memory, then the CSR transform of
 * three rows, re-save and reload (fuzz_load.h). */
#include "fuzz_load.h"

#include <stdio.h>

static void use(const genre_text *t, const uint8_t *data, size_t size)
{
    int64_t nf = 0;
    fuzz_require(genre_text_get_i64(t, GENRE_TEXT_N_FIELDS, &nf) == GENRE_OK && nf >= 1 &&
                 nf <= GENRE_TEXT_MAX_FIELDS);
    size_t n = 3 * (size_t)nf;
    const char **texts = malloc(n * sizeof *texts);
    fuzz_require(texts != NULL);
    /* Some text from the input (NUL-terminated copy), some fixed. */
    char *own = malloc(size + 1);
    fuzz_require(own != NULL);
    memcpy(own, data, size);
    own[size] = '\0';
    for (size_t i = 0; i < n; i++)
        texts[i] = i % 3 == 0 ? own : i % 3 == 1 ? "Miles Davis - So What" : NULL;
    size_t row_ptr[4], need = 0;
    genre_status st = genre_text_transform(t, texts, 3, (size_t)nf, row_ptr, NULL, NULL, 0,
                                           &need);
    fuzz_require(st == GENRE_OK || st == GENRE_E_BUFFER_TOO_SMALL);
    uint32_t *col = malloc((need ? need : 1) * sizeof *col);
    double *val = malloc((need ? need : 1) * sizeof *val);
    fuzz_require(col != NULL && val != NULL);
    fuzz_require(genre_text_transform(t, texts, 3, (size_t)nf, row_ptr, col, val, need,
                                      &need) == GENRE_OK);
    free(col);
    free(val);
    free(own);
    free((void *)texts);
}

/* A valid model keeps idf as a dense table up to 2^22 columns (lib/text.c,
 * DENSE_IDF_MAX) whatever its file's size. */
FUZZ_LOAD_TARGET(text, GENRE_MODEL_TEXT, ((size_t)1 << 22) * sizeof(double), use)
