/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Replays a fuzz corpus without libFuzzer: feeds every file named on the
 * command line, or found in a directory named there, to
 * LLVMFuzzerTestOneInput. Fails when nothing was replayed (a missing corpus
 * must not pass) or when the library leaks a block.
 */
#include "alloc.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    int bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        return -1;
    }
    /* An exact-size copy, so sanitizers catch reads past the input. */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 1;
}

int main(int argc, char **argv)
{
    long replayed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return EXIT_FAILURE;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (replay_file(argv[i]) < 0)
                return EXIT_FAILURE;
            replayed++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) {
            perror(argv[i]);
            return EXIT_FAILURE;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            if (replay_file(path) < 0) {
                closedir(d);
                return EXIT_FAILURE;
            }
            replayed++;
        }
        closedir(d);
    }
    printf("replayed %ld input(s)\n", replayed);
    if (replayed == 0) {
        fprintf(stderr, "no input replayed\n");
        return EXIT_FAILURE;
    }
    if (genre__alloc_live() != 0) {
        fprintf(stderr, "%ld block(s) leaked\n", genre__alloc_live());
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
