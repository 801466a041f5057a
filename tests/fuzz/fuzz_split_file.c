/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the split file of genre-analysis --split-file
 * (examples/genre-analysis/split_file.c). The input up to its first NUL byte is the split
 * file (the rest is ignored: the split itself is the library's
 * genre_dataset_split_from_mask, fuzzed with the reader). Parsing: every
 * assignment 0 or 1, at most one per line after the header, both sides
 * present, or no array and one message naming the file.
 */
#include "split_file.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data, *nul = memchr(text, 0, size);
    size_t n_text = nul ? (size_t)(nul - text) : size, lines = 0;
    unsigned char *sides = (unsigned char *)1;
    size_t n = 7;
    char err[512] = "";
    int rc = split_file_parse(text, n_text, "s.csv", &sides, &n, err, sizeof err);
    for (size_t i = 0; i < n_text; i++)
        lines += text[i] == '\n';
    if (rc != 0) {
        if (sides || n || strncmp(err, "s.csv", 5))
            abort();
        return 0;
    }
    if (!sides || n > lines)
        abort();
    size_t test = 0;
    for (size_t i = 0; i < n; i++) {
        if (sides[i] > 1)
            abort();
        test += sides[i];
    }
    if (test == 0 || test == n)
        abort();
    free(sides);
    return 0;
}
