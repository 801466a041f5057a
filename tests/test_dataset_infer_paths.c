/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Schema inference gives the same schema, notes and errors on every path:
 * the portable record splitting and the SSE2 one, one pass and the
 * reader's parts on 2, 3 and 8 threads (merged in file order). The tables
 * are seeded random and hold what the merge must get right across a cut:
 * running and shuffled ids, odd cells early, spread and late, texts that
 * outnumber numbers early, the 10,000-text cap met in a later part or
 * exactly not met, quoted fields with separators, doubled quotes and line
 * breaks, CRLF, empty cells, long fields and missing markers. */
#include "dataset_csv.h"
#include "dataset_infer.h"
#include "harness.h"
#include "text_builder.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

static const char *const WORDS[] = {"love", "night", "song", "blue", "dream", "x7", "mp3"};
static const char *const CELLS[] = {"A", "B#", "", "NA", "C"};
static const char *const MIXED[] = {"1e3", "-2.5E-2", ".5", "5.", "+3", "inf", "nan", "1e999",
                                    "12345678901234567890",
                                    "0.1000000000000000055511151231257827", "?", "-0"};

/* One table of rows records (> 2 MiB, so 2 threads get parts) with
 * separator sep; variant moves the edges (the cap met or not, an id
 * broken in the middle). */
static char *random_table(uint64_t seed, int rows, char sep, int crlf, int variant)
{
    rng_state = seed;
    text t = {NULL, 0, 0};
    const char *nl = crlf ? "\r\n" : "\n";
    const char *cols[] = {"run_id", "shuf_id", "odd_spread", "odd_late", "early_texts",
                          "late_texts", "Track Name", "cat", "quoted", "long", "const",
                          "label", "mixed", "tail_cap", "tail_rep"};
    for (size_t k = 0; k < sizeof cols / sizeof *cols; k++)
        add(&t, "%s%s", k ? (char[]){sep, 0} : "", cols[k]);
    add(&t, "%s", nl);
    int *ids = malloc((size_t)rows * sizeof *ids);
    ck_assert_ptr_nonnull(ids);
    for (int i = 0; i < rows; i++)
        ids[i] = 1000 + i;
    for (int i = rows - 1; i > 0; i--) {
        int j = (int)rnd((uint32_t)i + 1), x = ids[i];
        ids[i] = ids[j];
        ids[j] = x;
    }
    const int cap_start = rows - 10000 - (variant - 1); /* 10001, 10000, 9999 texts */
    for (int i = 0; i < rows; i++) {
        const char s[2] = {sep, 0};
        add(&t, "%d%s", variant == 0 && i == rows / 2 + 3 ? i + 3 : i + 1, s);
        add(&t, "%d%s", ids[i], s);
        if (rnd(250) == 0)
            add(&t, "bad%u%s", rnd(5), s);
        else
            add(&t, "%d.%03u%s", (int)rnd(200) - 100, rnd(1000), s);
        if (i > rows * 4 / 5 && rnd(25) == 0)
            add(&t, "x%s", s);
        else
            add(&t, "0.%02u%s", rnd(100), s);
        if (i < 120 + variant * 10)
            add(&t, "t%d%s", i, s);
        else
            add(&t, "%u%s", rnd(1000), s);
        if (i > rows - 130 + variant * 5)
            add(&t, "late%d%s", i % 7, s);
        else
            add(&t, "%u.%u%s", rnd(10), rnd(1000), s);
        const char *w = WORDS[rnd(7)];
        if (rnd(2))
            add(&t, "\"%c%s \"\"Go\"\"%c part\n%u\"%s", w[0] - 32, w + 1, sep, rnd((uint32_t)rows),
                s);
        else
            add(&t, "%s %u%s", w, rnd((uint32_t)rows), s);
        add(&t, "%s%s", CELLS[rnd(5)], s);
        add(&t, "%s%s", rnd(3) ? "plain" : rnd(2) ? "\"a, b; c\td\"" : "\"\"", s);
        if (rnd(3) == 0)
            add(&t, "%s%s", "a rather long field of words that goes past sixteen and sixty-four "
                            "bytes",
                s);
        else
            add(&t, "w%u%s", rnd(40), s);
        add(&t, "7%s", s);
        add(&t, "%u%s", rnd(11), s);
        add(&t, "%s%s", MIXED[rnd(12)], s);
        if (i >= cap_start)
            add(&t, "w%d%s", i, s);
        else
            add(&t, "%s", s);
        if (i >= rows - 10000 - variant % 2)
            add(&t, "w%d", i < rows - 1 ? i : rows - 2);
        add(&t, "%s", nl);
    }
    free(ids);
    return t.s;
}

/* What inference gives: "OK" with the notes and the schema file, or the
 * status and message. */
static char *outcome(const char *csv, size_t len, int threads, int portable, int64_t max_rows)
{
    genre__csv_test_force_portable(portable);
    genre_dataset_schema *opt = NULL, *s = NULL;
    ck_assert_ok(genre_dataset_schema_create(&opt));
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_THREADS, threads));
    ck_assert_ok(genre_dataset_schema_set_i64(opt, GENRE_SCHEMA_INFER_MAX_ROWS, max_rows));
    genre_status st = genre_dataset_schema_infer_from_memory(&s, opt, csv, len, "r.csv", "label");
    genre__csv_test_force_portable(0);
    text t = {NULL, 0, 0};
    if (st != GENRE_OK) {
        add(&t, "%s: %s", genre_status_name(st), genre_last_error());
    } else {
        size_t need = 0;
        ck_assert_ok(genre_dataset_schema_infer_notes(s, NULL, 0, &need));
        char *notes = malloc(need);
        ck_assert_ptr_nonnull(notes);
        ck_assert_ok(genre_dataset_schema_infer_notes(s, notes, need, NULL));
        ck_assert_ok(genre_dataset_schema_save_to_memory(s, NULL, 0, &need));
        char *file = malloc(need);
        ck_assert_ptr_nonnull(file);
        ck_assert_ok(genre_dataset_schema_save_to_memory(s, file, need, NULL));
        add(&t, "OK\n%s%s", notes, file);
        free(notes);
        free(file);
    }
    genre_dataset_schema_free(s);
    genre_dataset_schema_free(opt);
    return t.s;
}

/* Every path against the portable single pass. */
static void assert_paths_agree(const char *csv, size_t len, const char *what)
{
    char *ref = outcome(csv, len, 1, 1, 0);
    const int threads[] = {1, 2, 3, 8};
    for (int portable = 0; portable < 2; portable++)
        for (size_t k = 0; k < sizeof threads / sizeof *threads; k++) {
            if (portable && threads[k] == 1)
                continue;
            char *got = outcome(csv, len, threads[k], portable, 0);
            ck_assert_msg(strcmp(ref, got) == 0,
                          "%s: %d threads%s differ from one portable pass:\n%.600s\n---\n%.600s",
                          what, threads[k], portable ? " (portable)" : "", ref, got);
            free(got);
        }
    /* a record limit: one pass, fast or portable */
    char *pre_ref = outcome(csv, len, 1, 1, 30000);
    char *pre = outcome(csv, len, 4, 0, 30000);
    ck_assert_msg(strcmp(pre_ref, pre) == 0, "%s: the prefix differs:\n%.600s\n---\n%.600s", what,
                  pre_ref, pre);
    free(pre_ref);
    free(pre);
    free(ref);
}

START_TEST(paths_infer_alike)
{
    if (!genre__csv_test_force_portable(0))
        printf("no SSE2 record path in this build: the portable path against itself\n");
    const char seps[] = {',', ';', '\t'};
    for (int variant = 0; variant < 3; variant++) {
        char *csv = random_table(0x5eed + (uint64_t)variant, 36000, seps[variant], variant == 1,
                                 variant);
        size_t len = strlen(csv);
        ck_assert_uint_gt(len, (size_t)3 << 20); /* parts on 2 and 3 threads */
        char what[32];
        snprintf(what, sizeof what, "variant %d", variant);
        char *ok = outcome(csv, len, 2, 0, 0);
        ck_assert_msg(strncmp(ok, "OK\n", 3) == 0, "%s: %.300s", what, ok);
        /* the cases the table is for are there */
        ck_assert_msg((strstr(ok, "column run_id ignore running") != NULL) == (variant != 0),
                      "%s: %.600s", what, ok);
        ck_assert_msg(strstr(ok, "column odd_late numeric") && strstr(ok, "odd_cell r.csv:"),
                      "%s: %.600s", what, ok);
        free(ok);
        assert_paths_agree(csv, len, what);
        free(csv);
    }
}
END_TEST

/* A bad record in a later part: every path names the first one in file
 * order (a ragged row, then an unterminated quote before it), and a bad
 * byte in a later part alone. */
START_TEST(paths_fail_alike)
{
    char *csv = random_table(0xbad, 36000, ',', 0, 2);
    size_t len = strlen(csv);
    /* a ragged record three quarters in */
    char *at = strchr(csv + len * 3 / 4, '\n');
    ck_assert_ptr_nonnull(at);
    text t = {NULL, 0, 0};
    add(&t, "%.*s,extra%s", (int)(at - csv), csv, at);
    assert_paths_agree(t.s, t.len, "ragged");
    char *why = outcome(t.s, t.len, 2, 0, 0);
    ck_assert_msg(strstr(why, "GENRE_E_RAGGED_ROW") != NULL, "%s", why);
    free(why);
    /* and a stray quote in an unquoted field before it, past the middle */
    char *at2 = strchr(t.s + len * 2 / 3, '\n');
    ck_assert_ptr_nonnull(at2);
    text q = {NULL, 0, 0};
    add(&q, "%.*sq\"%s", (int)(at2 + 1 - t.s), t.s, at2 + 1);
    assert_paths_agree(q.s, q.len, "quote");
    why = outcome(q.s, q.len, 2, 0, 0);
    ck_assert_msg(strstr(why, "quote inside unquoted field") != NULL, "%s", why);
    free(why);
    free(q.s);
    free(t.s);
    /* an invalid UTF-8 byte in the second half only: that part's check
     * finds it, on every path at the same line and column */
    char *at3 = strchr(csv + len * 3 / 4, '\n');
    ck_assert_ptr_nonnull(at3);
    text u = {NULL, 0, 0};
    add(&u, "%.*s\xff%s", (int)(at3 + 1 - csv), csv, at3 + 1);
    assert_paths_agree(u.s, u.len, "utf8");
    why = outcome(u.s, u.len, 2, 0, 0);
    ck_assert_msg(strstr(why, "GENRE_E_INVALID_UTF8") != NULL, "%s", why);
    free(why);
    free(u.s);
    free(csv);
}
END_TEST

/* The shortcuts a settled column takes (genre__csv_plain_decimal, and
 * genre__csv_may_be_number before the parse) give the parse's verdict:
 * listed edges and random texts of digits, signs, points and exponents. */
START_TEST(paths_shortcuts_as_parsed)
{
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    ck_assert(c != (locale_t)0);
    static const char *const EDGES[] = {
        "1", "-0", "+3", ".5", "5.", "1e3", "-2.5E-2", "1e99", "1e-99", "1e999", "1e+05",
        "-7.042999999999999", "115.00200000000001", "1.0000000000000000001",
        "0.99999999999999999999", "9007199254740993", "9007199254740993.5",
        "12345678901234567890", "1234567890123456789012345678901234567890",
        "12345678901234567890123456789012345678901", "1e", "1e+", "e5", ".e5", ".", "-", "+.",
        "1.5e-3x", "1..2", "--1", "9.99e-06"};
    const char alphabet[] = "0123456789+-.eE09";
    int threes = 0;
    rng_state = 0x5a11;
    for (size_t n = 0; n < sizeof EDGES / sizeof *EDGES + 200000; n++) {
        char buf[48];
        const char *s = buf;
        size_t len;
        if (n < sizeof EDGES / sizeof *EDGES) {
            s = EDGES[n];
            len = strlen(s);
        } else {
            len = 1 + rnd(rnd(2) ? 8 : 45);
            for (size_t i = 0; i < len; i++)
                buf[i] = alphabet[rnd(sizeof alphabet - 1)];
            buf[len] = '\0';
        }
        double v = 0.0;
        int k = genre__csv_parse_number(s, len, c, &v);
        int plain = genre__csv_plain_decimal(s, len);
        threes += plain == 3;
        if (plain != 0)
            ck_assert_msg(k == NUM_OK, "'%s': plain %d, parse %d", s, plain, k);
        if (plain == 1 || plain == 2)
            ck_assert_msg((v == floor(v)) == (plain == 1), "'%s': plain %d, value %.17g", s,
                          plain, v);
    }
    ck_assert_int_gt(threes, 1000); /* the longer forms are taken */
    for (int c0 = 0; c0 < 256; c0++) {
        if (genre__csv_may_be_number((unsigned char)c0))
            continue;
        static const char *const TAILS[] = {"", "1", "nan", "inf", "1e3", ".5"};
        for (size_t t = 0; t < sizeof TAILS / sizeof *TAILS; t++) {
            char buf[8];
            buf[0] = (char)c0;
            size_t len = 1 + strlen(TAILS[t]);
            memcpy(buf + 1, TAILS[t], len);
            double v;
            ck_assert_msg(genre__csv_parse_number(buf, len, c, &v) == NUM_SYNTAX,
                          "byte 0x%02x then '%s'", c0, TAILS[t]);
        }
    }
    freelocale(c);
}
END_TEST

/* The scan's one-load verdict (genre__infer_plain_decimal) is
 * genre__csv_plain_decimal's on every text, wherever the text ends: inside
 * a longer buffer, or at the very end of an allocation of its own size
 * (where the load must not be taken; ASan sees any byte read past it). */
START_TEST(paths_quick_plain_as_plain)
{
    const char alphabet[] = "0123456789+-.eE0x0 ";
    static const char *const EDGES[] = {
        "1", "-0", "+3", ".5", "5.", "-.5", "+.", "-", "+", ".", "..", "0.0", "-0.000",
        "123456789012345", "1234567890123456", "-123456789012345", "12345678901234.5",
        "-1234567890123.45", "1.0000000000001", "115.00200000000001", "0.00468", "218293.0",
        "-5.2010000000000005", "1e5", "1.5.", "1-2", "5-", "+-1", "0x10", " 1", "1 ",
        "1234567890123456789012345678901", "12345678901234567890123456789012",
        "-1234567890123456789012345678901", "1234567890123456.789012345678901",
        "123456789012345678901234567890123", "1234567890123456789012345678901.",
        "0.0000000000000000000000000000000", "-.000000000000000000000000000001"};
    rng_state = 0x9a1c;
    char big[80];
    for (size_t n = 0; n < sizeof EDGES / sizeof *EDGES + 300000; n++) {
        char buf[48];
        size_t len;
        if (n < sizeof EDGES / sizeof *EDGES) {
            len = strlen(EDGES[n]);
            memcpy(buf, EDGES[n], len);
        } else {
            len = 1 + rnd(rnd(2) ? 17 : 40);
            for (size_t i = 0; i < len; i++)
                buf[i] = rnd(3) ? (char)('0' + rnd(10)) : alphabet[rnd(sizeof alphabet - 1)];
        }
        const int want = genre__csv_plain_decimal(buf, len);
        /* followed by more bytes (the load is taken up to 16 bytes) */
        memset(big, rnd(2) ? '5' : ',', sizeof big);
        memcpy(big, buf, len);
        ck_assert_msg(genre__infer_plain_decimal(big, len, big + sizeof big) == want,
                      "'%.*s' in a buffer: not %d", (int)len, buf, want);
        /* at the end of its own allocation */
        char *own = malloc(len);
        ck_assert_ptr_nonnull(own);
        memcpy(own, buf, len);
        ck_assert_msg(genre__infer_plain_decimal(own, len, own + len) == want,
                      "'%.*s' at the end: not %d", (int)len, buf, want);
        free(own);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset_infer_paths");
    TCase *tc = tcase_create("paths");
    tcase_add_test(tc, paths_infer_alike);
    tcase_add_test(tc, paths_fail_alike);
    tcase_add_test(tc, paths_shortcuts_as_parsed);
    tcase_add_test(tc, paths_quick_plain_as_plain);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
