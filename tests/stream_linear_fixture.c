/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the stream_linear suite's two files share (stream_linear_fixture.h). */
#include "stream_linear_fixture.h"

#include <math.h>
#include <string.h>

/* Synthetic rows: columns of different scales and offsets, labels 0..K-1
 * with class-dependent means (well-conditioned for LDA). */
double *synth(size_t n, size_t d, int32_t *y, int32_t K, uint64_t seed)
{
    double *x = malloc(n * d * sizeof *x);
    ck_assert_ptr_nonnull(x);
    uint64_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        int32_t c = (int32_t)(i % (size_t)K);
        if (y)
            y[i] = c;
        for (size_t j = 0; j < d; j++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            double u = (double)(s >> 11) / 9007199254740992.0 - 0.5;
            x[i * d + j] = u * pow(10.0, (double)(j % 4) - 1.0) + 100.0 * (double)(j == 1) +
                           0.4 * c * (double)((j + (size_t)c) % 3);
        }
    }
    return x;
}

/* ---- state helpers --------------------------------------------------------- */

#define STATE_IO(k)                                                                     \
    unsigned char *k##_state_saved(const genre_##k##_partial *p, size_t *len)    \
    {                                                                                   \
        ck_assert_status(genre_##k##_partial_save_to_memory(p, NULL, 0, len),                     \
                         GENRE_E_BUFFER_TOO_SMALL);                                     \
        unsigned char *b = malloc(*len);                                                \
        ck_assert_ptr_nonnull(b);                                                       \
        ck_assert_ok(genre_##k##_partial_save_to_memory(p, b, *len, len));                        \
        return b;                                                                       \
    }
STATE_IO(scaler)
STATE_IO(pca)
STATE_IO(lda)

genre_scaler_partial *scaler_stream(const double *x, size_t n, size_t d, size_t chunk)
{
    genre_scaler_partial *p;
    ck_assert_ok(genre_scaler_partial_create(&p, d));
    for (size_t i = 0; i < n; i += chunk)
        ck_assert_ok(genre_scaler_partial_add(p, x + i * d, n - i < chunk ? n - i : chunk, d, d));
    return p;
}

genre_pca_partial *pca_stream(const double *x, size_t n, size_t d, size_t chunk)
{
    genre_pca_partial *p;
    ck_assert_ok(genre_pca_partial_create(&p, d));
    for (size_t i = 0; i < n; i += chunk)
        ck_assert_ok(genre_pca_partial_add(p, x + i * d, n - i < chunk ? n - i : chunk, d, d));
    return p;
}

genre_lda_partial *lda_stream(const double *x, const int32_t *y, size_t n, size_t d,
                                     size_t chunk)
{
    genre_lda_partial *p;
    ck_assert_ok(genre_lda_partial_create(&p, d));
    for (size_t i = 0; i < n; i += chunk)
        ck_assert_ok(
            genre_lda_partial_add(p, x + i * d, n - i < chunk ? n - i : chunk, d, d, y + i));
    return p;
}


void expect_msg(const char *prefix)
{
    ck_assert_msg(strncmp(genre_last_error(), prefix, strlen(prefix)) == 0, "message '%s'",
                  genre_last_error());
}
