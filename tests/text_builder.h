/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A growing text buffer for the tables tests generate (printf-style
 * appends; a failed allocation fails the test). Free t->s when done. */
#ifndef GENRE_TEST_TEXT_BUILDER_H
#define GENRE_TEST_TEXT_BUILDER_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void add(text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int w = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        ck_assert_int_ge(w, 0);
        if (t->s && t->len + (size_t)w < t->cap) {
            t->len += (size_t)w;
            return;
        }
        t->cap = (t->cap ? t->cap : 4096) * 2 + (size_t)w;
        t->s = realloc(t->s, t->cap);
        ck_assert_ptr_nonnull(t->s);
    }
}

#endif
