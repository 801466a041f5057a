/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The first records of a table, for schema inference under --stream
 * (table_prefix()): genre_dataset_schema_infer() reads the whole file into
 * memory before it looks at GENRE_SCHEMA_INFER_MAX_ROWS records, which a
 * table larger than memory cannot afford. */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int table_prefix(const char *path, long rows, char **out, size_t *len)
{
    gzFile g = gzopen(path, "rb"); /* plain files are read as they are */
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    long records = -1; /* the header is record 0 */
    int quoted = 0, rc = -1;
    if (!g || !buf)
        goto out;
    gzbuffer(g, 1 << 17);
    while (records < rows) {
        if (cap - n < 2) {
            char *b = realloc(buf, cap * 2);
            if (!b)
                goto out;
            buf = b, cap *= 2;
        }
        if (!gzgets(g, buf + n, (int)(cap - n > 1 << 30 ? 1 << 30 : cap - n)))
            break; /* end of the file, or an error the reader will name */
        size_t k = strlen(buf + n);
        /* a record ends at a line feed outside quotes ("" inside quotes
         * toggles twice) */
        for (size_t i = n; i < n + k; i++)
            quoted ^= buf[i] == '"';
        n += k;
        if (n && buf[n - 1] == '\n' && !quoted)
            records++;
    }
    rc = 0;
out:
    if (g)
        gzclose(g);
    if (rc)
        free(buf), buf = NULL;
    *out = buf;
    *len = rc ? 0 : n;
    return rc;
}
