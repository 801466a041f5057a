/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * check_html_layout() (analysis_harness.h): what genre-analysis's index.html
 * relies on to fit a 1,280-px-wide window (examples/genre-analysis/
 * report_html.c), checked on the text, without a browser. It was verified
 * in Chromium at 1,280 px; these are the properties that made it fit:
 *
 * - every <table> sits in a <div class="tw"> box, and the page's CSS gives
 *   .tw max-width:100% and overflow-x:auto (a table wider than the
 *   1,100-px column scrolls in its box, never the page);
 * - no CSS or style attribute sets a width, min-width or max-width above
 *   1,100 px;
 * - the CSS never breaks inside words or numbers (overflow-wrap:anywhere,
 *   word-break:break-all/break-word squeezed short columns into "statu|s",
 *   "0.0|1" at 1,280 px); cells wrap at blanks and break opportunities;
 * - no cell text runs more than MAX_RUN characters without a blank or a
 *   break opportunity (<wbr>, &shy;, or after - _ / . = :), so a long
 *   column or class name wraps instead of widening its table;
 * - no table has more than MAX_COLUMNS columns (per-class tables are
 *   transposed when K > 10; the reference classifier table has 14).
 */
#define _POSIX_C_SOURCE 200809L /* strndup */
#include "analysis_harness.h"

#include <stdlib.h>
#include <string.h>

#define MAX_WIDTH_PX 1100
#define MAX_RUN 24
#define MAX_COLUMNS 14

/* The CSS rule body of selector sel ("{...}" after it), or NULL. */
static const char *rule_of(const char *css, const char *sel, size_t *len)
{
    for (const char *p = strstr(css, sel); p; p = strstr(p + 1, sel)) {
        /* a whole selector: at the start, or after '}' or a blank */
        if (p != css && !strchr("}\n ", p[-1]))
            continue;
        const char *b = p + strlen(sel);
        if (*b != '{')
            continue;
        const char *e = strchr(b, '}');
        if (!e)
            return NULL;
        *len = (size_t)(e - b);
        return b;
    }
    return NULL;
}

static int has_in(const char *s, size_t len, const char *what)
{
    size_t w = strlen(what);
    for (size_t i = 0; i + w <= len; i++)
        if (!memcmp(s + i, what, w))
            return 1;
    return 0;
}

/* Every "width:Npx" (also max-width, min-width) in s[0..len): the largest N. */
static long widest_px(const char *s, size_t len)
{
    long widest = 0;
    for (size_t i = 0; i + 6 < len; i++) {
        if (memcmp(s + i, "width:", 6))
            continue;
        char *end;
        long v = strtol(s + i + 6, &end, 10);
        if (end != s + i + 6 && !strncmp(end, "px", 2) && v > widest)
            widest = v;
    }
    return widest;
}

/* The longest run of cell text in table t[0..len) without a blank or a
 * break opportunity; *at receives where it starts. Tags are skipped (<wbr>
 * is a break), an entity counts as one character (&shy; is a break). */
static size_t longest_run(const char *t, size_t len, const char **at)
{
    size_t best = 0, run = 0;
    const char *start = t;
    *at = t;
    for (size_t i = 0; i < len; i++) {
        const char c = t[i];
        int brk = 0, counts = 1;
        if (c == '<') {
            const char *e = memchr(t + i, '>', len - i);
            size_t n = e ? (size_t)(e - (t + i)) + 1 : len - i;
            /* a tag ends a cell's text (<td>, </td>, <br>) except inline ones */
            brk = !(n >= 3 && (!strncmp(t + i, "<b>", 3) || !strncmp(t + i, "</b>", 4) ||
                               !strncmp(t + i, "<code>", 6) || !strncmp(t + i, "</code>", 7)));
            counts = 0;
            i += n - 1;
        } else if (c == '&') {
            const char *e = memchr(t + i, ';', len - i < 10 ? len - i : 10);
            if (e) {
                brk = !strncmp(t + i, "&shy;", 5);
                i = (size_t)(e - t);
            }
        } else if (c == ' ' || c == '\n' || c == '\t') {
            brk = 1;
            counts = 0;
        }
        if (brk) {
            run = 0;
            continue;
        }
        if (counts && ((unsigned char)c & 0xC0) != 0x80) {
            if (run++ == 0)
                start = t + i;
            if (run > best) {
                best = run;
                *at = start;
            }
        }
        if (strchr("-_/.=:", c) && c)
            run = 0;
    }
    return best;
}

/* Columns of the table's first row (cells opened by <th or <td). */
static int first_row_columns(const char *t, size_t len)
{
    const char *tr = NULL;
    for (size_t i = 0; i + 3 < len && !tr; i++)
        if (!memcmp(t + i, "<tr", 3))
            tr = t + i;
    if (!tr)
        return 0;
    int n = 0;
    for (const char *p = tr + 3; p < t + len && strncmp(p, "</tr>", 5); p++)
        n += !strncmp(p, "<th", 3) || !strncmp(p, "<td", 3);
    return n;
}

int check_html_layout(const char *html, const char *name)
{
    const int before = analysis_failures;
    const char *css = html ? strstr(html, "<style>") : NULL;
    const char *css_end = css ? strstr(css, "</style>") : NULL;
    CHECK(css && css_end, "%s: no <style> element", name);
    if (!css || !css_end)
        return analysis_failures - before;
    const size_t css_len = (size_t)(css_end - css);
    char *style = strndup(css, css_len);
    if (!style)
        return analysis_failures - before;
    size_t tw_len = 0;
    const char *tw = rule_of(style, ".tw", &tw_len);
    CHECK(tw && has_in(tw, tw_len, "max-width:100%") && has_in(tw, tw_len, "overflow-x:auto"),
          "%s: no .tw{max-width:100%%;overflow-x:auto} rule for the tables' boxes", name);
    static const char *const breaks_words[] = {"overflow-wrap:anywhere", "word-break:break-all",
                                               "word-break:break-word"};
    for (size_t k = 0; k < sizeof breaks_words / sizeof *breaks_words; k++)
        CHECK(!strstr(style, breaks_words[k]),
              "%s: the CSS has %s, which breaks words and numbers inside", name,
              breaks_words[k]);
    free(style);
    long px = widest_px(css, css_len);
    CHECK(px <= MAX_WIDTH_PX, "%s: the CSS sets a width of %ld px (at most %d)", name, px,
          MAX_WIDTH_PX);
    for (const char *a = strstr(html, "style=\""); a; a = strstr(a + 1, "style=\"")) {
        const char *e = strchr(a + 7, '"');
        px = e ? widest_px(a + 7, (size_t)(e - a - 7)) : 0;
        CHECK(px <= MAX_WIDTH_PX, "%s: a style attribute sets a width of %ld px", name, px);
    }
    int tables = 0;
    for (const char *t = strstr(html, "<table"); t; t = strstr(t + 1, "<table")) {
        tables++;
        static const char box[] = "<div class=\"tw\">";
        const size_t bl = sizeof box - 1;
        CHECK((size_t)(t - html) >= bl && !strncmp(t - bl, box, bl),
              "%s: table %d is not in a <div class=\"tw\"> box", name, tables);
        const char *e = strstr(t, "</table>");
        CHECK(e && !strncmp(e + 8, "</div>", 6), "%s: table %d's box does not close after it",
              name, tables);
        if (!e)
            break;
        const size_t len = (size_t)(e - t);
        const char *at = NULL;
        size_t run = longest_run(t, len, &at);
        CHECK(run <= MAX_RUN, "%s: table %d has %zu characters without a break opportunity: "
              "%.60s", name, tables, run, at);
        int cols = first_row_columns(t, len);
        CHECK(cols <= MAX_COLUMNS, "%s: table %d has %d columns (at most %d)", name, tables,
              cols, MAX_COLUMNS);
    }
    CHECK(tables > 0, "%s: no table", name);
    return analysis_failures - before;
}
