/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-info: prints the version of the libgenre it runs with, the build's
 * features, and whether headers and library agree. The first thing to run
 * after a build; exits non-zero on a header/library mismatch.
 */
#include <genre/genre.h>

#include <stdio.h>

static const char *yes_no(uint32_t features, uint32_t bit)
{
    return (features & bit) ? "yes" : "no";
}

int main(void)
{
    uint32_t f = genre_features();
    printf("libgenre %s (headers %d.%d.%d, ABI %d)\n", genre_version_string(),
           GENRE_VERSION_MAJOR, GENRE_VERSION_MINOR, GENRE_VERSION_PATCH,
           GENRE_ABI_VERSION);
    printf("build: %s\n", genre_build_info());
    printf("features: threads=%s gzip=%s openblas=%s gsl=%s\n",
           yes_no(f, GENRE_FEATURE_THREADS), yes_no(f, GENRE_FEATURE_GZIP),
           yes_no(f, GENRE_FEATURE_OPENBLAS), yes_no(f, GENRE_FEATURE_GSL));
    if (genre_version_number() != GENRE_VERSION_NUMBER) {
        fprintf(stderr, "genre-info: headers are %d but the loaded library is %d\n",
                GENRE_VERSION_NUMBER, (int)genre_version_number());
        return 1;
    }
    return 0;
}
