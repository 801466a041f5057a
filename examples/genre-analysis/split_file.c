/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The split file of genre-analysis --split-file (split_file.h). */
#include "split_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The value quoted in a message: printable ASCII, the rest escaped, cut at 40. */
static void quote_value(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 40) {
            snprintf(out + o, cap - o, "...");
            return;
        }
        if (c >= 0x20 && c < 0x7f && c != '\'')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    out[o] = 0;
}

int split_file_parse(const char *text, size_t len, const char *path, unsigned char **sides,
                     size_t *n, char *err, size_t errcap)
{
    *sides = NULL;
    *n = 0;
    const char *nl = memchr(text, '\n', len);
    if (len == 0 || !nl) {
        snprintf(err, errcap, "%s: %s", path,
                 len ? "only a header line, no assignments" : "empty file, expected a header "
                                                              "line and one 0/1 line per row");
        return -1;
    }
    /* at most one assignment per remaining newline (plus a last unterminated line) */
    size_t cap = 1;
    for (const char *p = nl + 1; p < text + len; p++)
        cap += *p == '\n';
    unsigned char *out = malloc(cap);
    if (!out) {
        snprintf(err, errcap, "%s: out of memory", path);
        return -1;
    }
    size_t k = 0;
    long line = 1;
    for (const char *p = nl + 1, *end = text + len; p < end;) {
        line++;
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        const char *stop = e;
        if (stop > p && stop[-1] == '\r')
            stop--;
        const char *comma = memchr(p, ',', (size_t)(stop - p));
        const char *f = comma ? comma : stop;
        if (f - p != 1 || (*p != '0' && *p != '1')) {
            char v[200];
            quote_value(p, (size_t)(f - p), v, sizeof v);
            snprintf(err, errcap, "%s:%ld: the assignment is '%s', expected 0 (train) or 1 "
                     "(test)", path, line, v);
            free(out);
            return -1;
        }
        out[k++] = (unsigned char)(*p - '0');
        p = e + 1;
    }
    /* a side with no row fails here, naming the file, not later in a stage */
    size_t test = 0;
    for (size_t i = 0; i < k; i++)
        test += out[i];
    if (k == 0 || test == 0 || test == k) {
        if (k == 0)
            snprintf(err, errcap, "%s: only a header line, no assignments", path);
        else
            snprintf(err, errcap, "%s: the split file marks no row as %s (all %zu rows are "
                     "%s); it needs both training (0) and test (1) rows", path,
                     test ? "training (0)" : "test (1)", k, test ? "1" : "0");
        free(out);
        return -1;
    }
    *sides = out;
    *n = k;
    return 0;
}

/* A growing buffer; NUL-terminated after each add. */
typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static int buf_add(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q)
            return -1;
        b->p = q, b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
    return 0;
}

int split_file_read(const char *path, char **text, size_t *len)
{
    *text = NULL, *len = 0;
    errno = 0;
    gzFile f = gzopen(path, "rb"); /* reads plain files too */
    if (!f)
        return -1;
    buf b = {0};
    char chunk[1 << 16];
    int k;
    while ((k = gzread(f, chunk, sizeof chunk)) > 0)
        if (buf_add(&b, chunk, (size_t)k)) {
            k = -1;
            break;
        }
    int e = k < 0 ? errno : 0; /* a folder: EISDIR from the read */
    gzclose(f);
    if (k < 0 || (!b.p && buf_add(&b, "", 0))) {
        free(b.p);
        errno = e ? e : errno;
        return -1;
    }
    *text = b.p, *len = b.n;
    return 0;
}
