/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The JSON writer of metrics.json (json_writer.h). */
#include "json_writer.h"

#include <math.h>

static void jw_sep(jw *j)
{
    if (!j->first[j->depth])
        fputc(',', j->f);
    j->first[j->depth] = 0;
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

static void jw_str_raw(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

void jw_key(jw *j, const char *k)
{
    jw_sep(j);
    if (k) {
        jw_str_raw(j->f, k);
        fputs(": ", j->f);
    }
}

void jw_open(jw *j, const char *k, char c)
{
    jw_key(j, k);
    fputc(c, j->f);
    j->first[++j->depth] = 1;
}

void jw_close(jw *j, char c)
{
    j->depth--;
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
    fputc(c, j->f);
}

void jw_num(jw *j, const char *k, double v)
{
    jw_key(j, k);
    if (isfinite(v))
        fprintf(j->f, "%.17g", v);
    else
        fputs("null", j->f);
}

void jw_int(jw *j, const char *k, int64_t v)
{
    jw_key(j, k);
    fprintf(j->f, "%lld", (long long)v);
}

void jw_str(jw *j, const char *k, const char *v)
{
    jw_key(j, k);
    jw_str_raw(j->f, v);
}

void jw_nums(jw *j, const char *k, const double *v, size_t n)
{
    jw_open(j, k, '[');
    for (size_t i = 0; i < n; i++)
        jw_num(j, NULL, v[i]);
    jw_close(j, ']');
}
