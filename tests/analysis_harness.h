/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the genre-analysis integration tests (test_analysis.c,
 * test_analysis_outdir.c, test_analysis_inputs.c, test_analysis_leak.c,
 * test_analysis_tables.c, test_analysis_html.c) share: CHECK, running the
 * program, and reading its files by hand (the layout check of index.html
 * in analysis_html_layout.c). Test code only: single-threaded,
 * paths up to about 1,000 characters, a failed CHECK counts in
 * analysis_failures and the run goes on.
 */
#ifndef GENRE_TESTS_ANALYSIS_HARNESS_H
#define GENRE_TESTS_ANALYSIS_HARNESS_H

#include <stddef.h>
#include <stdio.h>

/* Failed CHECKs so far; main returns 1 when it is not 0. */
extern int analysis_failures;
/* When set, a failed CHECK counts but does not print (a test of the checks
 * themselves, which expects failures). */
extern int analysis_quiet;

#define CHECK(cond, ...)                                                 \
    do {                                                                 \
        if (!(cond)) {                                                   \
            if (!analysis_quiet) {                                       \
                fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);     \
                fprintf(stderr, __VA_ARGS__);                            \
                fputc('\n', stderr);                                     \
            }                                                            \
            analysis_failures++;                                         \
        }                                                                \
    } while (0)

/* The cheapest real run: load, clean, split, impute, linear; seconds. */
#define FAST "--no-tsne --no-kmeans --no-mlp --no-plots --no-names"

/* The whole file, NUL-terminated (free it), its length in *len when len is
 * not NULL; NULL if it cannot be read. */
char *slurp(const char *path, size_t *len);

/* The number after `"key": ` at the first occurrence after `from`; NAN when
 * from is NULL or the key is not there. */
double num_after(const char *from, const char *key);

/* Runs cmd with system(), echoing it to stderr; its exit status, -1 when it
 * did not exit. */
int run_program(const char *cmd);

/* Runs cmd with stderr to err_path; the exit status. */
int run_capture(const char *cmd, const char *err_path);

/* Runs genre-analysis in folder cwd with opts on the real data; the exit
 * status, stderr in the file err. */
int run_in(const char *cwd, const char *prog, const char *src, const char *opts,
           const char *err);

/* Checks dir/rel exists (a failed CHECK naming index.html if not) and, by
 * its suffix, is a PNG or an SVG. */
void check_file(const char *dir, const char *rel);

/* Checks every local file that dir/index.html references (src="..." and
 * href="...") exists, .png ones PNGs and .svg ones SVGs, and the page's
 * layout (check_html_layout()); how many files it references. */
int check_html(const char *dir);

/* Checks, on index.html's text (name: for messages), what the page relies
 * on to fit a 1,280-px window (analysis_html_layout.c says which
 * properties); the number of failed CHECKs. check_html() calls it. */
int check_html_layout(const char *html, const char *name);

/* Writes text to path (a failed CHECK if it cannot). */
void write_text(const char *path, const char *text);

/* Whether path exists (a link counts, not followed). */
int exists(const char *path);

/* How many entries dir holds whose name starts with prefix. */
int count_prefix(const char *dir, const char *prefix);

/* Whether the file err holds what; if not, says so with the file on stderr. */
int err_has(const char *err, const char *what);

/* Whether the file err exists and does not hold what; if not, says so. */
int lacks(const char *err, const char *what);

#endif
