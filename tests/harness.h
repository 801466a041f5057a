/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared plumbing of the Check unit suites. */
#ifndef GENRE_TEST_HARNESS_H
#define GENRE_TEST_HARNESS_H

#include <check.h>
#include <genre/genre.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* Runs the suite (verbosity from CK_VERBOSITY, fork mode from CK_FORK),
 * prints Check's summary and returns the process exit status. Fails when a
 * CK_RUN_SUITE/CK_RUN_CASE filter matched no test, so a misspelt filter
 * cannot pass silently. */
int genre_test_run(Suite *suite);

/* Asserts that a call returned the expected status, showing the last error. */
#define ck_assert_status(call, expected)                                        \
    do {                                                                        \
        genre_status st_ = (call);                                              \
        ck_assert_msg(st_ == (expected), "%s returned %s (%d), expected %s: %s", \
                      #call, genre_status_name(st_), (int)st_,                  \
                      genre_status_name(expected), genre_last_error());         \
    } while (0)

#define ck_assert_ok(call) ck_assert_status((call), GENRE_OK)

/* A whole use of a module (create -> fit -> save -> load -> free) that
 * returns the first failing status and frees everything it made. */
typedef genre_status (*genre_test_scenario)(void *ctx);

#ifdef GENRE_TESTING
/*
 * Runs the scenario once to count its allocations (K), then K more times
 * with the n-th allocation failing (n = 1..K). Asserts that every failing
 * run returns GENRE_E_NOMEM with a message, and that no run leaks a block.
 * Returns K so a test can assert the walk covered something.
 */
long genre_test_alloc_walk(genre_test_scenario scenario, void *ctx);
#endif

#ifdef GENRE_TESTING
struct genre__mf_writer;
/* Finishes a crafted container into a new malloc'd buffer of *len bytes (free
 * it): asserts the size query returns GENRE_E_BUFFER_TOO_SMALL and the
 * encoding succeeds, then frees the writer. */
unsigned char *genre_test_mf_finish(struct genre__mf_writer *w, size_t *len);
#endif

/* Fills path (cap bytes) with the name of a new, empty temporary file; the
 * caller remove()s it. */
void genre_test_temp_file(char *path, size_t cap);
/* Fills dir (cap bytes) with the name of a new, empty temporary folder
 * ($TMPDIR or /tmp, named <prefix>-XXXXXX); genre_test_remove_tree() it. */
void genre_test_temp_dir(char *dir, size_t cap, const char *prefix);
/* The entries of dir other than . and .. */
int genre_test_count_entries(const char *dir);
/* Removes dir and what it holds: files, links (never followed) and folders. */
void genre_test_remove_tree(const char *dir);

#if defined(__GNUC__)
#define GENRE_TEST_MAYBE_UNUSED __attribute__((unused))
#else
#define GENRE_TEST_MAYBE_UNUSED
#endif

/*
 * GENRE_TEST_MODEL_IO(mod) defines, for the model genre_<mod>, the save and
 * load steps the suites share (each suite uses what it needs):
 *   unsigned char *mod_saved(m, &size): m saved to a new malloc'd buffer of
 *       size bytes (free it), asserting the size query returns
 *       GENRE_E_BUFFER_TOO_SMALL and the save succeeds;
 *   genre_status mod_save_alloc(m, &buf, &size): the same without asserting,
 *       for allocation-walk scenarios (GENRE_E_INTERNAL when malloc fails;
 *       *buf stays NULL unless the size query succeeded);
 *   void mod_file_round_trip(m, &q): m saved to a new temporary file, loaded
 *       back into q (asserted), the file removed;
 *   void mod_save_errors_name_the_function(m): m fitted; the saves' NULL
 *       path / written_or_needed errors name the public function.
 */
#define GENRE_TEST_MODEL_IO(mod)                                                    \
    GENRE_TEST_MAYBE_UNUSED static unsigned char *mod##_saved(const genre_##mod *m,  \
                                                              size_t *size)         \
    {                                                                               \
        *size = 0;                                                                  \
        ck_assert_status(genre_##mod##_save_to_memory(m, NULL, 0, size),            \
                         GENRE_E_BUFFER_TOO_SMALL);                                 \
        unsigned char *buf = malloc(*size);                                         \
        ck_assert_ptr_nonnull(buf);                                                 \
        ck_assert_ok(genre_##mod##_save_to_memory(m, buf, *size, size));            \
        return buf;                                                                 \
    }                                                                               \
    GENRE_TEST_MAYBE_UNUSED static genre_status mod##_save_alloc(                   \
        const genre_##mod *m, unsigned char **buf, size_t *size)                    \
    {                                                                               \
        genre_status st = genre_##mod##_save_to_memory(m, NULL, 0, size);           \
        if (st == GENRE_E_BUFFER_TOO_SMALL) {                                       \
            *buf = malloc(*size);                                                   \
            st = *buf ? genre_##mod##_save_to_memory(m, *buf, *size, size)          \
                      : GENRE_E_INTERNAL;                                           \
        }                                                                           \
        return st;                                                                  \
    }                                                                               \
    GENRE_TEST_MAYBE_UNUSED static void mod##_file_round_trip(const genre_##mod *m, \
                                                              genre_##mod **q)      \
    {                                                                               \
        char path[256];                                                             \
        genre_test_temp_file(path, sizeof path);                                    \
        ck_assert_ok(genre_##mod##_save(m, path));                                  \
        ck_assert_ok(genre_##mod##_load(q, path));                                  \
        remove(path);                                                               \
    }                                                                               \
    GENRE_TEST_MAYBE_UNUSED static void mod##_save_errors_name_the_function(        \
        const genre_##mod *m)                                                       \
    {                                                                               \
        ck_assert_status(genre_##mod##_save(m, NULL), GENRE_E_INVALID_ARG);         \
        ck_assert_str_eq(genre_last_error(),                                        \
                         "genre_" #mod "_save: argument 'path' is NULL");           \
        ck_assert_status(genre_##mod##_save_to_memory(m, NULL, 0, NULL),            \
                         GENRE_E_INVALID_ARG);                                      \
        ck_assert_str_eq(genre_last_error(), "genre_" #mod "_save_to_memory: "      \
                                             "argument 'written_or_needed' is NULL"); \
    }

/* Path of a file in the source tree (tests/data, data/...), in a static buffer. */
const char *genre_test_source_path(const char *relative);

/* A block "@ name rows cols" followed by rows * cols numbers, one per line,
 * of a reference fixture written by a script in tests/fixtures (row-major). */
typedef struct genre_test_block {
    size_t rows, cols;
    double *v; /* malloc'ed; genre_test_block_free() */
} genre_test_block;

/* Reads block `name` of the fixture at `relative` (source tree); a missing
 * file or block, or a bad number, fails the test. */
genre_test_block genre_test_block_get(const char *relative, const char *name);
void genre_test_block_free(genre_test_block *b);

#endif
