/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * genre-bench-dataset: load + clean the real table (.gz and plain CSV) with
 * libgenre and with pandas.read_csv plus the same cleaning
 * (bench/bench_dataset.py, /usr/bin/python3), on this machine, same run;
 * and genre_dataset_schema_infer on the same .gz (schema_infer_ms).
 * Each figure is the best of REPEATS runs. Run from the repository root.
 */
#include <genre/genre.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define REPEATS 7
#define GZ_PATH "data/music_genre.csv.gz"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int check(genre_status st, const char *what)
{
    if (st != GENRE_OK) {
        fprintf(stderr, "%s: %s: %s\n", what, genre_status_name(st), genre_last_error());
        return 1;
    }
    return 0;
}

/* One load + clean; returns seconds or a negative value on failure. */
static double load_and_clean(const char *path, const genre_dataset_schema *schema)
{
    double t0 = now();
    genre_dataset *ds = NULL;
    genre_dataset_prep *prep = NULL;
    double t = -1.0;
    if (check(genre_dataset_read(&ds, schema, path), "read") ||
        check(genre_dataset_drop_empty_rows(ds), "drop") ||
        check(genre_dataset_prep_create(&prep, schema), "prep") ||
        check(genre_dataset_prep_add_group_median(prep, "duration_ms"), "group median") ||
        check(genre_dataset_prep_add_impute(prep, "tempo", GENRE_IMPUTE_MEDIAN), "median") ||
        check(genre_dataset_prep_fit_apply(prep, ds), "fit_apply"))
        goto done;
    t = now() - t0;
done:
    genre_dataset_prep_free(prep);
    genre_dataset_free(ds);
    return t;
}

static double best_of(const char *path, const genre_dataset_schema *schema)
{
    double best = 1e300;
    for (int i = 0; i < REPEATS; i++) {
        double t = load_and_clean(path, schema);
        if (t < 0)
            return -1.0;
        if (t < best)
            best = t;
    }
    return best;
}

/* genre_dataset_schema_infer on the same input (best of REPEATS). */
static double infer_best(const char *path)
{
    double best = 1e300;
    for (int i = 0; i < REPEATS; i++) {
        double t0 = now();
        genre_dataset_schema *s = NULL;
        if (check(genre_dataset_schema_infer(&s, NULL, path, "music_genre"), "infer"))
            return -1.0;
        double t = now() - t0;
        genre_dataset_schema_free(s);
        if (t < best)
            best = t;
    }
    return best;
}

static double pandas(const char *path)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 bench/bench_dataset.py '%s' %d", path, REPEATS);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1.0;
    double t = -1.0;
    if (fscanf(p, "%lf", &t) != 1)
        t = -1.0;
    if (pclose(p) != 0)
        t = -1.0;
    return t;
}

static int gunzip_to(const char *dst)
{
    gzFile in = gzopen(GZ_PATH, "rb");
    FILE *out = fopen(dst, "wb");
    if (!in || !out) {
        if (in)
            gzclose(in);
        if (out)
            fclose(out);
        return -1;
    }
    char buf[1 << 16];
    int n;
    while ((n = gzread(in, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)n, out);
    gzclose(in);
    return fclose(out) == 0 && n == 0 ? 0 : -1;
}

int main(void)
{
    genre_dataset_schema *schema = NULL;
    if (check(genre_dataset_schema_create_music_genre(&schema), "schema"))
        return 1;
    char csv[] = "/tmp/genre-bench-dataset-XXXXXX";
    int fd = mkstemp(csv);
    if (fd < 0 || (close(fd), gunzip_to(csv)) != 0) {
        fprintf(stderr, "cannot decompress %s to a temporary file\n", GZ_PATH);
        return 1;
    }
    /* Single-threaded figures first, for reference. */
    genre_dataset_schema *serial = NULL;
    if (check(genre_dataset_schema_create_music_genre(&serial), "schema") ||
        check(genre_dataset_schema_set_i64(serial, GENRE_SCHEMA_THREADS, 1), "threads"))
        return 1;
    double s_gz = best_of(GZ_PATH, serial);
    double s_csv = best_of(csv, serial);
    genre_dataset_schema_free(serial);
    double g_gz = best_of(GZ_PATH, schema);
    double g_csv = best_of(csv, schema);
    double i_gz = infer_best(GZ_PATH);
    double p_gz = pandas(GZ_PATH);
    double p_csv = pandas(csv);
    unlink(csv);
    genre_dataset_schema_free(schema);
    if (g_gz < 0 || g_csv < 0 || s_gz < 0 || s_csv < 0 || i_gz < 0) {
        fprintf(stderr, "libgenre load failed\n");
        return 1;
    }
    printf("BENCH dataset_gz_load_clean_1thread %.2f ms\n", s_gz * 1e3);
    printf("BENCH dataset_csv_load_clean_1thread %.2f ms\n", s_csv * 1e3);
    printf("BENCH dataset_gz_load_clean %.2f ms\n", g_gz * 1e3);
    /* Inference reads the same .gz, on the default threads like the load. */
    printf("BENCH schema_infer_ms %.2f ms\n", i_gz * 1e3);
    printf("BENCH dataset_csv_load_clean %.2f ms\n", g_csv * 1e3);
    if (p_gz < 0 || p_csv < 0) {
        fprintf(stderr, "pandas run failed (is python3-pandas installed?)\n");
        return 1;
    }
    printf("BENCH pandas_gz_load_clean %.2f ms\n", p_gz * 1e3);
    printf("BENCH pandas_csv_load_clean %.2f ms\n", p_csv * 1e3);
    printf("BENCH dataset_csv_vs_pandas %.2f x\n", p_csv / g_csv);
    printf("BENCH dataset_gz_vs_pandas %.2f x\n", p_gz / g_gz);
    return 0;
}
