/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "kmeans_fixture.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

km_ref km_ref_get(const char *name)
{
    km_ref r = {0, 0, NULL};
    const char *path = genre_test_source_path("tests/fixtures/kmeans_reference.txt");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char line[256];
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        char bname[128];
        size_t rows, cols;
        if (line[0] != '@' || sscanf(line, "@ %127s %zu %zu", bname, &rows, &cols) != 3 ||
            strcmp(bname, name) != 0)
            continue;
        r.rows = rows;
        r.cols = cols;
        r.v = malloc((rows * cols + 1) * sizeof *r.v);
        ck_assert_ptr_nonnull(r.v);
        for (size_t i = 0; i < rows * cols; i++) {
            ck_assert_msg(fgets(line, sizeof line, f) != NULL, "%s truncated", name);
            char *end;
            r.v[i] = strtod(line, &end);
            ck_assert_msg(end != line, "%s: bad number %s", name, line);
        }
        found = 1;
        break;
    }
    fclose(f);
    ck_assert_msg(found, "block %s not in %s", name, path);
    return r;
}

void km_ref_free(km_ref *r)
{
    free(r->v);
    r->v = NULL;
}
