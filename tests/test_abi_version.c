/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Versions and features, through the shared library as a user links it. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

START_TEST(macro_equals_runtime_number)
{
    ck_assert_int_eq(genre_version_number(), GENRE_VERSION_NUMBER);
    ck_assert_int_eq(GENRE_VERSION_NUMBER,
                     GENRE_VERSION_MAJOR * 10000 + GENRE_VERSION_MINOR * 100 +
                         GENRE_VERSION_PATCH);
}
END_TEST

START_TEST(runtime_string_matches_macros)
{
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", GENRE_VERSION_MAJOR,
             GENRE_VERSION_MINOR, GENRE_VERSION_PATCH);
    ck_assert_str_eq(genre_version_string(), expected);
}
END_TEST

START_TEST(at_least_macro_orders_versions)
{
    ck_assert(GENRE_VERSION_AT_LEAST(GENRE_VERSION_MAJOR, GENRE_VERSION_MINOR,
                                     GENRE_VERSION_PATCH));
    ck_assert(GENRE_VERSION_AT_LEAST(0, 0, 0));
    ck_assert(!GENRE_VERSION_AT_LEAST(GENRE_VERSION_MAJOR + 1, 0, 0));
    ck_assert(!GENRE_VERSION_AT_LEAST(GENRE_VERSION_MAJOR, GENRE_VERSION_MINOR + 1, 0));
}
END_TEST

/* From 1.0 on the SONAME major (GENRE_ABI_VERSION) is the version's major:
 * a 1.y library is libgenre.so.1 (docs/abi.md). */
START_TEST(abi_major_is_version_major)
{
    ck_assert_int_ge(GENRE_VERSION_MAJOR, 1);
    ck_assert_int_eq(GENRE_ABI_VERSION, GENRE_VERSION_MAJOR);
    ck_assert_int_eq(genre_version_number() / 10000, GENRE_ABI_VERSION);
}
END_TEST

START_TEST(build_info_names_dependencies)
{
    const char *info = genre_build_info();
    ck_assert_ptr_nonnull(strstr(info, genre_version_string()));
    ck_assert_ptr_nonnull(strstr(info, "GSL 2."));
    ck_assert_ptr_nonnull(strstr(info, "OpenBLAS"));
    ck_assert_ptr_nonnull(strstr(info, "zlib 1."));
    ck_assert_ptr_eq(info, genre_build_info()); /* static, stable */
    uint32_t f = genre_features();
    ck_assert(f & GENRE_FEATURE_THREADS);
    ck_assert(f & GENRE_FEATURE_OPENBLAS);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("abi_version");
    TCase *tc = tcase_create("version");
    tcase_add_test(tc, macro_equals_runtime_number);
    tcase_add_test(tc, runtime_string_matches_macros);
    tcase_add_test(tc, at_least_macro_orders_versions);
    tcase_add_test(tc, abi_major_is_version_major);
    tcase_add_test(tc, build_info_names_dependencies);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
