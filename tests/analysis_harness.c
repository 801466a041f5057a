/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The helpers of analysis_harness.h; see there. */
#define _POSIX_C_SOURCE 200809L
#include "analysis_harness.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

int analysis_failures;
int analysis_quiet;

char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    size_t k;
    while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            char *q = realloc(b, 2 * cap + 1);
            if (!q) {
                free(b);
                b = NULL;
                break;
            }
            b = q, cap *= 2;
        }
    }
    fclose(f);
    if (b)
        b[n] = 0;
    if (len)
        *len = n;
    return b;
}

/* The number after `"key": ` at the first occurrence after `from`. */
double num_after(const char *from, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = from ? strstr(from, pat) : NULL;
    if (!p)
        return NAN;
    return strtod(p + strlen(pat), NULL);
}

int run_program(const char *cmd)
{
    fprintf(stderr, "running: %s\n", cmd);
    int st = system(cmd);
    return (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
}

/* Runs cmd with stderr to err_path; the exit status. */
int run_capture(const char *cmd, const char *err_path)
{
    char full[21200];
    snprintf(full, sizeof full, "%.20000s 2>'%.1100s'", cmd, err_path);
    return run_program(full);
}

void check_file(const char *dir, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    size_t n = 0;
    char *b = slurp(path, &n);
    CHECK(b != NULL, "%s referenced by index.html is missing", path);
    if (!b)
        return;
    size_t l = strlen(rel);
    if (l > 4 && !strcmp(rel + l - 4, ".png"))
        CHECK(n > 100 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8), "%s is not a PNG", path);
    else if (l > 4 && !strcmp(rel + l - 4, ".svg"))
        CHECK(n > 100 && strstr(b, "<svg") && strstr(b, "</svg>"), "%s is not an SVG", path);
    free(b);
}

/* Every src="..." and href="..." of index.html that is a local file. */
int check_html(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/index.html", dir);
    char *html = slurp(path, NULL);
    CHECK(html != NULL, "%s missing", path);
    if (!html)
        return 0;
    check_html_layout(html, path);
    int refs = 0;
    const char *attrs[] = {"src=\"", "href=\""};
    for (int a = 0; a < 2; a++)
        for (const char *p = strstr(html, attrs[a]); p; p = strstr(p + 1, attrs[a])) {
            const char *s = p + strlen(attrs[a]), *e = strchr(s, '"');
            if (!e || e == s || *s == '#' || !strncmp(s, "http", 4))
                continue;
            char rel[512];
            snprintf(rel, sizeof rel, "%.*s", (int)(e - s), s);
            check_file(dir, rel);
            refs++;
        }
    free(html);
    return refs;
}

void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

int exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* How many entries dir holds whose name starts with prefix. */
int count_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            !strncmp(e->d_name, prefix, strlen(prefix)))
            n++;
    if (d)
        closedir(d);
    return n;
}

/* Runs genre-analysis in folder cwd with opts; exit status, stderr in err. */
int run_in(const char *cwd, const char *prog, const char *src, const char *opts,
           const char *err)
{
    char cmd[8000];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s -i '%s/data/music_genre.csv.gz'", cwd, prog,
             opts, src);
    return run_capture(cmd, err);
}

int err_has(const char *err, const char *what)
{
    char *e = slurp(err, NULL);
    int has = e && strstr(e, what);
    if (!has)
        fprintf(stderr, "stderr lacks \"%s\": %s\n", what, e ? e : "(none)");
    free(e);
    return has;
}

int lacks(const char *err, const char *what)
{
    char *e = slurp(err, NULL);
    int ok = e && !strstr(e, what);
    if (!ok)
        fprintf(stderr, "stderr has \"%s\": %s\n", what, e ? e : "(none)");
    free(e);
    return ok;
}
