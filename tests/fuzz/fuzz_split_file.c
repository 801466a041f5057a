/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the split-file parser of genre-analysis --split-file
 * (examples/split_file.c). The input is the file. Accepted: every
 * assignment is 0 or 1, at most one per line after the header. Refused: no
 * array and one message naming the file.
 */
#include "split_file.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *sides = (unsigned char *)1;
    size_t n = 7, lines = 0;
    char err[512] = "";
    int rc = split_file_parse((const char *)data, size, "s.csv", &sides, &n, err, sizeof err);
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (rc != 0) {
        if (sides || n || strncmp(err, "s.csv", 5))
            abort();
        return 0;
    }
    if (!sides || n > lines)
        abort();
    for (size_t i = 0; i < n; i++)
        if (sides[i] > 1)
            abort();
    free(sides);
    return 0;
}
