/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The model-file container (lib/common/model_file.c,
 * docs/model-file-format.md): round trips of every record type, the golden
 * file (see model_file_fixture.h to regenerate it) and the kind names. */
#include "model_file_fixture.h"

#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Round trip and golden file ---------------------------------------------- */

START_TEST(round_trip_every_record_type)
{
    size_t len;
    unsigned char *buf = sample_container(&len);
    genre__mf_reader r;
    ck_assert_ok(genre__mf_reader_open(&r, buf, len, GENRE__MF_KIND_TEST));
    ck_assert_uint_eq(r.writer_version, GOLDEN_WRITER_VERSION);
    check_sample(&r);
    free(buf);

    /* Without pinning, the writer stamps the library's version. */
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_SCALER, 7));
    ck_assert_ok(genre__mf_put_f64(&w, 5, 2.25));
    unsigned char small[64];
    ck_assert_ok(genre__mf_finish_to_memory(&w, small, sizeof small, &len));
    ck_assert_uint_eq(len, genre__mf_writer_size(&w));
    genre__mf_writer_free(&w);
    ck_assert_ok(genre__mf_reader_open(&r, small, len, GENRE_MODEL_SCALER));
    ck_assert_uint_eq(r.writer_version, (uint32_t)genre_version_number());
    ck_assert_uint_eq(r.kind_version, 7);
    double d;
    ck_assert_ok(genre__mf_get_f64(&r, 5, &d));
    ck_assert(d == 2.25);
}
END_TEST

START_TEST(empty_container_round_trips)
{
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE_MODEL_PCA, 1));
    unsigned char buf[GENRE__MF_HEADER_SIZE];
    size_t len;
    ck_assert_ok(genre__mf_finish_to_memory(&w, buf, sizeof buf, &len));
    ck_assert_uint_eq(len, GENRE__MF_HEADER_SIZE);
    genre__mf_writer_free(&w);
    genre__mf_writer_free(NULL);
    genre__mf_reader r;
    ck_assert_ok(genre__mf_reader_open(&r, buf, len, GENRE_MODEL_PCA));
    ck_assert_uint_eq(r.n_records, 0);
    size_t cursor = 0;
    ck_assert_int_eq(genre__mf_next(&r, &cursor, NULL, NULL, NULL), 0);
    ck_assert_int_eq(genre__mf_has(&r, 1), 0);
}
END_TEST

/* Writes the golden file and the fuzz seeds (GENRE_REGEN_GOLDEN=1). */
static void regenerate(void)
{
    genre__mf_writer w;
    ck_assert_ok(genre__mf_writer_init(&w, GENRE__MF_KIND_TEST, GOLDEN_KIND_VERSION));
    w.writer_version = GOLDEN_WRITER_VERSION;
    ck_assert_ok(put_sample(&w));
    ck_assert_ok(genre__mf_finish_to_file(&w, genre_test_source_path(GOLDEN_PATH)));
    genre__mf_writer_free(&w);

    size_t len;
    unsigned char *g = sample_container(&len);
    char path[4096];
#define SEED(name, data, n)                                                           \
    do {                                                                              \
        snprintf(path, sizeof path, "%s/%s", genre_test_source_path(CORPUS_DIR), name); \
        write_all(path, data, n);                                                     \
    } while (0)
    SEED("golden.genre", g, len);
    SEED("truncated-header", g, 20);
    SEED("truncated-payload", g, len - 7);
    unsigned char *m = malloc(len);
    ck_assert_ptr_nonnull(m);
    memcpy(m, g, len);
    m[len / 2] ^= 0x40;
    SEED("bad-checksum", m, len);
    /* Damaged records behind a valid checksum reach the record walker. */
    memcpy(m, g, len);
    le64(m + 36 + 8, UINT64_C(1) << 61); /* the first record's count */
    fix_crc(m, len);
    SEED("huge-count", m, len);
    memcpy(m, g, len);
    le32(m + 36 + 4, 99); /* the first record's type */
    fix_crc(m, len);
    SEED("unknown-type", m, len);
    memcpy(m, g, len);
    le32(m + 8, GENRE_MODEL_FORMAT_VERSION + 1);
    fix_crc(m, len);
    SEED("newer-format", m, len);
    size_t elen;
    unsigned char *e = craft(1, GENRE_MODEL_PCA, NULL, 0, &elen);
    SEED("empty-pca", e, elen);
#undef SEED
    free(e);
    free(m);
    free(g);
}

START_TEST(golden_file_is_reproduced_byte_for_byte)
{
    const char *regen = getenv("GENRE_REGEN_GOLDEN");
    if (regen && strcmp(regen, "1") == 0)
        regenerate();
    size_t glen, len;
    unsigned char *golden = read_all(genre_test_source_path(GOLDEN_PATH), &glen);
    unsigned char *fresh = sample_container(&len);
    ck_assert_uint_eq(len, glen);
    for (size_t i = 0; i < len; i++)
        ck_assert_msg(fresh[i] == golden[i],
                      "byte %zu differs: wrote 0x%02x, golden has 0x%02x (format change? "
                      "see the top of this file)",
                      i, fresh[i], golden[i]);
    /* Little-endian regardless of host: spot-check the header by hand. */
    ck_assert_mem_eq(golden, "\x89GENRE\r\n", 8);
    ck_assert_mem_eq(golden + 8, "\x01\x00\x00\x00", 4);
    ck_assert_mem_eq(golden + 12, "\x01\x00\xff\x7f", 4); /* GENRE__MF_KIND_TEST */
    ck_assert_mem_eq(golden + 20, "\x64\x00\x00\x00", 4); /* writer 100 = 0.1.0 */
    /* First record: tag 1, type u32 (1), count 1, 0xdeadbeef. */
    ck_assert_mem_eq(golden + 36,
                     "\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"
                     "\xef\xbe\xad\xde",
                     20);
    free(golden);
    free(fresh);
}
END_TEST

START_TEST(golden_file_reads_known_values)
{
    genre__mf_reader r;
    void *buf = NULL;
    ck_assert_ok(genre__mf_open_file(&r, genre_test_source_path(GOLDEN_PATH),
                                     GENRE__MF_KIND_TEST, &buf));
    ck_assert_uint_eq(r.writer_version, GOLDEN_WRITER_VERSION);
    check_sample(&r);

    /* Iteration sees the records in tag order. */
    size_t cursor = 0, n = 0;
    uint32_t tag, type, prev = 0;
    uint64_t count;
    while (genre__mf_next(&r, &cursor, &tag, &type, &count)) {
        ck_assert(n == 0 || tag > prev);
        ck_assert_int_eq(genre__mf_has(&r, tag), 1);
        prev = tag;
        n++;
    }
    ck_assert_uint_eq(n, r.n_records);
    ck_assert_uint_eq(tag, T_U32_MAX);
    ck_assert_uint_eq(type, GENRE__MF_U32);
    ck_assert_uint_eq(count, 1);
    ck_assert_int_eq(genre__mf_has(&r, 999), 0);
    ck_assert_int_eq(genre__mf_has(NULL, 1), 0);
    genre__free(buf);
}
END_TEST

START_TEST(kind_names)
{
    static const struct {
        int32_t kind, value; /* the macro and its frozen value */
        const char *name;
    } kinds[] = {
        {GENRE_MODEL_DATASET_PREP, 1, "dataset_prep"}, {GENRE_MODEL_SCALER, 2, "scaler"},
        {GENRE_MODEL_PCA, 3, "pca"},   {GENRE_MODEL_LDA, 4, "lda"},
        {GENRE_MODEL_KMEANS, 5, "kmeans"}, {GENRE_MODEL_MLP, 6, "mlp"},
        {GENRE_MODEL_TSNE, 7, "tsne"}, {GENRE_MODEL_TEXT, 8, "text"},
        {GENRE_MODEL_SCALER_PARTIAL, 9, "scaler_partial"}, {GENRE_MODEL_PCA_PARTIAL, 10, "pca_partial"},
        {GENRE_MODEL_LDA_PARTIAL, 11, "lda_partial"},
        {GENRE_MODEL_METRICS_PARTIAL, 12, "metrics_partial"},
        {GENRE_MODEL_KMEANS_PARTIAL, 13, "kmeans_partial"},
        {GENRE_MODEL_DATASET_INDEX, 14, "dataset_index"},
        {GENRE_MODEL_DATASET_PREP_PARTIAL, 15, "dataset_prep_partial"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        ck_assert_int_eq(kinds[i].kind, kinds[i].value);
        ck_assert_str_eq(genre_model_kind_name(kinds[i].kind), kinds[i].name);
    }
    ck_assert_str_eq(genre_model_kind_name(0), "unknown");
    ck_assert_str_eq(genre_model_kind_name(-1), "unknown");
    ck_assert_str_eq(genre_model_kind_name(16), "unknown");
    ck_assert_str_eq(genre_model_kind_name(GENRE__MF_KIND_TEST), "unknown");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_model_file_format");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, round_trip_every_record_type);
    tcase_add_test(tc, empty_container_round_trips);
    tcase_add_test(tc, golden_file_is_reproduced_byte_for_byte);
    tcase_add_test(tc, golden_file_reads_known_values);
    tcase_add_test(tc, kind_names);
    suite_add_tcase(s, tc);
    return genre_test_run(s);
}
