/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Prints genre_default_threads() and exits 0 when it equals the expected
 * count given as argv[1] (tests/core_affinity.sh runs it under taskset).
 */
#include <genre/version.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    const int got = (int)genre_default_threads();
    printf("genre_default_threads() = %d\n", got);
    if (argc < 2)
        return 0;
    const int want = atoi(argv[1]);
    if (got != want) {
        fprintf(stderr, "expected %d\n", want);
        return 1;
    }
    return 0;
}
