/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Status codes and the thread-local last-error message. */
#include "harness.h"
#include "error_private.h"

#include <pthread.h>
#include <string.h>

/* Every documented code, in declaration order. */
static const genre_status all_codes[] = {
    GENRE_E_NOMEM,     GENRE_E_INVALID_ARG, GENRE_E_UNKNOWN_PARAM, GENRE_E_BAD_STATE,
    GENRE_E_SHAPE,     GENRE_E_NONFINITE,   GENRE_E_BUFFER_TOO_SMALL, GENRE_E_IO,
    GENRE_E_CORRUPT,   GENRE_E_VERSION,     GENRE_E_MODEL_KIND,    GENRE_E_NUMERIC,
    GENRE_E_CANCELLED, GENRE_E_UNSUPPORTED, GENRE_E_PARSE,         GENRE_E_SCHEMA,
    GENRE_E_INTERNAL,
    GENRE_E_EMPTY_INPUT, GENRE_E_NO_DATA_ROWS, GENRE_E_RAGGED_ROW,
    GENRE_E_UNTERMINATED_QUOTE, GENRE_E_NOT_A_NUMBER, GENRE_E_NONFINITE_TEXT,
    GENRE_E_RECORD_TOO_LONG, GENRE_E_INVALID_UTF8, GENRE_E_DUPLICATE_COLUMN,
    GENRE_E_MISSING_COLUMN, GENRE_E_UNSEEN_CATEGORY, GENRE_E_MISSING_VALUE,
    GENRE_E_INPUT_TOO_LARGE,
};
#define N_CODES (sizeof all_codes / sizeof all_codes[0])

START_TEST(codes_are_frozen_and_contiguous)
{
    /* Values are part of the ABI: they are -1, -2, ... in declaration order. */
    for (size_t i = 0; i < N_CODES; i++)
        ck_assert_int_eq(all_codes[i], -(genre_status)(i + 1));
    ck_assert_int_eq(GENRE_OK, 0);
}
END_TEST

START_TEST(every_code_has_a_distinct_name_and_text)
{
    for (size_t i = 0; i < N_CODES; i++) {
        const char *name = genre_status_name(all_codes[i]);
        const char *text = genre_status_str(all_codes[i]);
        ck_assert_str_ne(name, "GENRE_E_UNKNOWN");
        ck_assert_str_ne(text, "unknown status code");
        ck_assert(strncmp(name, "GENRE_E_", 8) == 0);
        for (size_t j = 0; j < i; j++) {
            ck_assert_str_ne(name, genre_status_name(all_codes[j]));
            ck_assert_str_ne(text, genre_status_str(all_codes[j]));
        }
    }
    ck_assert_str_eq(genre_status_name(GENRE_OK), "GENRE_OK");
    ck_assert_str_eq(genre_status_name(GENRE_E_NOMEM), "GENRE_E_NOMEM");
}
END_TEST

START_TEST(unknown_codes_are_named_not_null)
{
    ck_assert_str_eq(genre_status_name(-9999), "GENRE_E_UNKNOWN");
    ck_assert_str_eq(genre_status_str(-9999), "unknown status code");
    ck_assert_str_eq(genre_status_name(42), "GENRE_E_UNKNOWN");
}
END_TEST

START_TEST(last_error_names_function_and_detail)
{
    genre_clear_error();
    ck_assert_str_eq(genre_last_error(), "");
    ck_assert_int_eq(genre_last_status(), GENRE_OK);
    genre_status st = GENRE_FAIL(GENRE_E_NONFINITE, "row %d, column '%s': value %g", 7,
                                 "tempo", 1.5);
    ck_assert_int_eq(st, GENRE_E_NONFINITE);
    ck_assert_int_eq(genre_last_status(), GENRE_E_NONFINITE);
    ck_assert_str_eq(genre_last_error(),
                     "last_error_names_function_and_detail_fn: row 7, column "
                     "'tempo': value 1.5");
    genre_clear_error();
    ck_assert_str_eq(genre_last_error(), "");
}
END_TEST

START_TEST(long_messages_are_truncated_safely)
{
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    GENRE_FAIL(GENRE_E_PARSE, "%s", big);
    size_t n = strlen(genre_last_error());
    ck_assert_uint_gt(n, 500);
    ck_assert_uint_lt(n, sizeof big);
}
END_TEST

static genre_status check_not_null(const void *p)
{
    GENRE_CHECK_NOT_NULL(p);
    return GENRE_OK;
}

START_TEST(null_argument_is_named)
{
    ck_assert_int_eq(check_not_null(NULL), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "argument 'p' is NULL"));
    ck_assert_int_eq(check_not_null(""), GENRE_OK);
}
END_TEST

static void *fail_in_thread(void *arg)
{
    const char **seen = arg;
    GENRE_FAIL(GENRE_E_IO, "from the other thread");
    *seen = genre_last_error();
    return NULL;
}

START_TEST(last_error_is_thread_local)
{
    genre_clear_error();
    GENRE_FAIL(GENRE_E_SHAPE, "main thread");
    pthread_t t;
    const char *other = NULL;
    ck_assert_int_eq(pthread_create(&t, NULL, fail_in_thread, &other), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_ptr_ne(other, genre_last_error()); /* a different buffer */
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "main thread"));
    ck_assert_int_eq(genre_last_status(), GENRE_E_SHAPE);
}
END_TEST

/* A layered library (libgenre_mpi) reports through genre_last_error(). */
START_TEST(set_error_records_a_layer_failure)
{
    genre_clear_error();
    ck_assert_int_eq(genre_set_error(GENRE_E_IO, "genre_mpi_scaler_fit: rank 1 of 3: why"),
                     GENRE_E_IO);
    ck_assert_int_eq(genre_last_status(), GENRE_E_IO);
    ck_assert_str_eq(genre_last_error(), "genre_mpi_scaler_fit: rank 1 of 3: why");
    /* a core function passing it on keeps the detail, names itself */
    ck_assert_int_eq(genre__fail_as(GENRE_E_IO, "outer", NULL), GENRE_E_IO);
    ck_assert_str_eq(genre_last_error(), "outer: rank 1 of 3: why");
    ck_assert_int_eq(genre_set_error(GENRE_OK, "x"), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "genre_set_error: status 0"));
    ck_assert_int_eq(genre_set_error(GENRE_E_IO, NULL), GENRE_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(genre_last_error(), "'message' is NULL"));
    char big[3000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq(genre_set_error(-77, big), -77);
    ck_assert_uint_eq(strlen(genre_last_error()), 1023);
    genre_clear_error();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_error");
    TCase *tc = tcase_create("error");
    tcase_add_test(tc, codes_are_frozen_and_contiguous);
    tcase_add_test(tc, every_code_has_a_distinct_name_and_text);
    tcase_add_test(tc, unknown_codes_are_named_not_null);
    tcase_add_test(tc, last_error_names_function_and_detail);
    tcase_add_test(tc, long_messages_are_truncated_safely);
    tcase_add_test(tc, null_argument_is_named);
    tcase_add_test(tc, last_error_is_thread_local);
    tcase_add_test(tc, set_error_records_a_layer_failure);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
