/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "kmeans_fixture.h"

km_ref km_ref_get(const char *name)
{
    return genre_test_block_get("tests/fixtures/kmeans_reference.txt", name);
}

void km_ref_free(km_ref *r)
{
    genre_test_block_free(r);
}
