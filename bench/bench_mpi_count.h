/* SPDX-License-Identifier: GPL-3.0-or-later */
/* genre-bench-mpi's count of what a rank hands MPI (bench_mpi_count.c):
 * the program defines the MPI collectives libgenre_mpi calls and forwards
 * them to their PMPI_ names (MPI's profiling interface), so the calls the
 * layer makes are counted as they happen. */
#ifndef GENRE_BENCH_MPI_COUNT_H
#define GENRE_BENCH_MPI_COUNT_H

#include <stddef.h>
#include <stdint.h>

/* One kind of call: an MPI function and the bytes this rank sent in it. */
typedef struct {
    const char *call;
    uint64_t bytes; /* sent by this rank per call */
    uint64_t calls;
} bench_mpi_count;

/* Starts counting from zero (on this rank). */
void bench_mpi_count_start(void);

/* Stops counting; copies the kinds seen (at most cap, in first-seen order)
 * into out and returns their number; *seconds (if not NULL) receives the
 * wall time spent inside the counted calls (sending, and waiting for the
 * other ranks). */
size_t bench_mpi_count_stop(bench_mpi_count *out, size_t cap, double *seconds);

#endif
