/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The scikit-learn reference of the k-means and silhouette suites
 * (tests/fixtures/kmeans_reference.txt, made by
 * tests/fixtures/make_kmeans_fixtures.py). */
#ifndef GENRE_TEST_KMEANS_FIXTURE_H
#define GENRE_TEST_KMEANS_FIXTURE_H

#include "harness.h"

#include <stddef.h>

/* One block: rows x cols doubles, row-major. */
typedef genre_test_block km_ref; /* tests/fixtures/kmeans_reference.txt */

/* Reads block `name`; fails the running test when it is missing. */
km_ref km_ref_get(const char *name);
void km_ref_free(km_ref *r);

#endif
