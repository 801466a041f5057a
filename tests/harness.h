/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared plumbing of the Check unit suites. */
#ifndef GENRE_TEST_HARNESS_H
#define GENRE_TEST_HARNESS_H

#include <check.h>
#include <genre/genre.h>

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
