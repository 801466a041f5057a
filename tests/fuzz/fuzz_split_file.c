/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the split file of genre-analysis --split-file
 * (examples/genre-analysis/split_file.c). The input up to its first NUL byte is the split
 * file, the rest (if any) the CSV it splits. Parsing: every assignment 0 or
 * 1, at most one per line after the header, or no array and one message
 * naming the file. Splitting: both sides start with the header and hold
 * every byte of the data's records between them, or one message.
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
    for (size_t i = 0; i < n; i++)
        if (sides[i] > 1)
            abort();
    if (nul) {
        const char *csv = nul + 1;
        size_t n_csv = size - n_text - 1, len[2] = {9, 9};
        char *part[2] = {(char *)1, (char *)1};
        err[0] = 0;
        if (split_file_apply(csv, n_csv, "d.csv", sides, n, "s.csv", &part[0], &len[0],
                             &part[1], &len[1], err, sizeof err)) {
            if (part[0] || part[1] || len[0] || len[1] || !err[0])
                abort();
        } else {
            const char *h = memchr(csv, '\n', n_csv);
            size_t hl = h ? (size_t)(h - csv) + 1 : 0;
            if (!h || len[0] + len[1] > n_csv + hl || len[0] < hl || len[1] < hl ||
                memcmp(part[0], csv, hl) || memcmp(part[1], csv, hl) || part[0][len[0]] ||
                part[1][len[1]])
                abort();
            free(part[0]);
            free(part[1]);
        }
    }
    free(sides);
    return 0;
}
