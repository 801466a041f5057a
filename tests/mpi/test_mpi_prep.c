/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The preparation's statistics over every rank's rows (mpi_prep_np*): rank
 * 0 writes a small CSV with groups, categories and missing cells; every
 * rank reads it in chunks of 97 rows and adds a contiguous block of the
 * chunks (rank order = row order) to its state; the passes go through
 * genre_mpi_dataset_prep_partial_end_pass(), and the fitted preparation
 * must be byte for byte what genre_dataset_prep_fit_apply() fits on the
 * whole table (group medians, medians, most frequent values: all exact;
 * the mean, exact only in one state, is left out). Then the last rank
 * passes a state of another preparation: every rank gets the error. */
#include <genre/genre.h>
#include <genre/mpi.h>

#include "mpi_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { N_ROWS = 1501, CHUNK = 97 };

static void write_table(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        failures++;
        return;
    }
    fprintf(f, "g,x,z,c,y\n");
    uint64_t s = 7;
    for (int i = 0; i < N_ROWS; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned r = (unsigned)(s >> 33);
        const char *cats[] = {"red", "green", "blue", "green"};
        /* two groups first seen in the middle and in the last third: group
         * medians name groups in first-appearance order, so merging out of
         * rank order would swap them */
        if (i == N_ROWS * 55 / 100 || i == N_ROWS * 9 / 10)
            fprintf(f, "%s,", i == N_ROWS * 9 / 10 ? "late" : "middle");
        else
            fprintf(f, "g%u,", r % 11);
        if (r % 13 == 0 && i != N_ROWS * 55 / 100 && i != N_ROWS * 9 / 10)
            fprintf(f, ",");
        else
            fprintf(f, "%.3f,", (double)(r % 1000) / 7.0 - 40.0);
        if (r % 17 == 0)
            fprintf(f, ",");
        else
            fprintf(f, "%u,", (r >> 5) % 50);
        fprintf(f, "%s,k%u\n", r % 19 == 0 ? "" : cats[(r >> 9) % 4], (r >> 3) % 3);
    }
    fclose(f);
}

static genre_dataset_schema *schema(void)
{
    genre_dataset_schema *s = NULL;
    CHECK_OK(genre_dataset_schema_create(&s));
    CHECK_OK(genre_dataset_schema_add_column(s, "g", GENRE_COL_GROUP));
    CHECK_OK(genre_dataset_schema_add_column(s, "x", GENRE_COL_NUMERIC));
    CHECK_OK(genre_dataset_schema_add_column(s, "z", GENRE_COL_NUMERIC));
    CHECK_OK(genre_dataset_schema_add_column(s, "c", GENRE_COL_CATEGORICAL));
    CHECK_OK(genre_dataset_schema_add_column(s, "y", GENRE_COL_LABEL));
    CHECK_OK(genre_dataset_schema_add_missing_text(s, NULL, ""));
    return s;
}

static genre_dataset_prep *prep(const genre_dataset_schema *s, int other)
{
    genre_dataset_prep *p = NULL;
    CHECK_OK(genre_dataset_prep_create(&p, s));
    CHECK_OK(genre_dataset_prep_add_group_median(p, "x"));
    CHECK_OK(genre_dataset_prep_add_impute(p, "z", other ? GENRE_IMPUTE_MOST_FREQUENT
                                                         : GENRE_IMPUTE_MEDIAN));
    CHECK_OK(genre_dataset_prep_add_impute(p, "c", GENRE_IMPUTE_MOST_FREQUENT));
    return p;
}

static unsigned char *saved(const genre_dataset_prep *p, size_t *n)
{
    *n = 0;
    genre_dataset_prep_save_to_memory(p, NULL, 0, n);
    unsigned char *b = malloc(*n ? *n : 1);
    if (b)
        CHECK_OK(genre_dataset_prep_save_to_memory(p, b, *n, n));
    return b;
}

/* Adds this rank's block of chunks (chunk i belongs to rank i * P / n). */
static void add_my_chunks(genre_dataset_prep_partial *st, const genre_dataset_schema *s,
                          const char *path)
{
    const size_t n_chunks = (N_ROWS + CHUNK - 1) / CHUNK;
    genre_dataset_reader *r = NULL;
    CHECK_OK(genre_dataset_reader_open(&r, s, path));
    for (size_t i = 0;; i++) {
        genre_dataset *ds = NULL;
        CHECK_OK(genre_dataset_reader_next(r, CHUNK, &ds));
        if (!ds)
            break;
        if ((int)(i * (size_t)size_ / n_chunks) == rank_) {
            CHECK_OK(genre_dataset_drop_empty_rows(ds));
            CHECK_OK(genre_dataset_prep_partial_add(st, ds));
        }
        genre_dataset_free(ds);
    }
    genre_dataset_reader_free(r);
}

int main(int argc, char **argv)
{
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    char path[64] = "";
    if (rank_ == 0) {
        snprintf(path, sizeof path, "/tmp/genre_mpi_prep_%ld.csv", (long)getpid());
        write_table(path);
    }
    MPI_Bcast(path, sizeof path, MPI_CHAR, 0, MPI_COMM_WORLD);
    genre_dataset_schema *s = schema();

    /* the single-process reference */
    genre_dataset *all = NULL;
    CHECK_OK(genre_dataset_read(&all, s, path));
    CHECK_OK(genre_dataset_drop_empty_rows(all));
    genre_dataset_prep *ref = prep(s, 0);
    CHECK_OK(genre_dataset_prep_fit_apply(ref, all));
    size_t n_ref = 0;
    unsigned char *b_ref = saved(ref, &n_ref);

    /* the distributed passes */
    genre_dataset_prep *p = prep(s, 0);
    genre_dataset_prep_partial *st = NULL;
    CHECK_OK(genre_dataset_prep_partial_create(&st, p));
    int more = 1, passes = 0;
    while (more && st && passes < 5) {
        add_my_chunks(st, s, path);
        genre_dataset_prep_partial *merged = NULL;
        CHECK_OK(genre_mpi_dataset_prep_partial_end_pass(MPI_COMM_WORLD, st, &merged, &more));
        genre_dataset_prep_partial_free(st);
        st = merged;
        passes++;
    }
    if (st)
        CHECK_OK(genre_dataset_prep_fit_partial(p, st));
    size_t n_got = 0;
    unsigned char *b_got = saved(p, &n_got);
    if (!b_ref || !b_got || n_ref != n_got || memcmp(b_ref, b_got, n_ref) != 0) {
        fprintf(stderr, "rank %d: FAIL: the distributed preparation (%zu bytes) differs from "
                        "fit_apply's (%zu bytes)\n", rank_, n_got, n_ref);
        failures++;
    } else if (rank_ == 0) {
        printf("preparation over %d rank(s), %d pass(es): the same %zu bytes as fit_apply\n",
               size_, passes, n_ref);
    }

    /* a state of another preparation on the last rank: every rank fails */
    if (size_ > 1) {
        genre_dataset_prep *q = prep(s, rank_ == size_ - 1);
        genre_dataset_prep_partial *local = NULL, *merged = NULL;
        CHECK_OK(genre_dataset_prep_partial_create(&local, q));
        add_my_chunks(local, s, path);
        genre_status got = genre_mpi_dataset_prep_partial_allreduce(MPI_COMM_WORLD, local, &merged);
        char tag[64];
        snprintf(tag, sizeof tag, "rank 0 of %d: merging rank %d's", size_, size_ - 1);
        if (got == GENRE_OK || merged || !strstr(genre_last_error(), tag)) {
            fprintf(stderr, "rank %d: FAIL: another preparation on one rank: %s (%s)\n", rank_,
                    genre_status_name(got), genre_last_error());
            failures++;
        } else if (rank_ == 0) {
            printf("another preparation on one rank: every rank %s \"%s\"\n",
                   genre_status_name(got), genre_last_error());
        }
        genre_dataset_prep_partial_free(local);
        genre_dataset_prep_free(q);
    }

    free(b_ref);
    free(b_got);
    genre_dataset_prep_partial_free(st);
    genre_dataset_prep_free(p);
    genre_dataset_prep_free(ref);
    genre_dataset_free(all);
    genre_dataset_schema_free(s);
    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank_ == 0) {
        unlink(path);
        printf("prep on %d rank(s): %s\n", size_, total ? "FAILED" : "passed");
    }
    MPI_Finalize();
    return total ? 1 : 0;
}
