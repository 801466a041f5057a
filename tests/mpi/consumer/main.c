/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A program built against an installed libgenre_mpi (pkg-config genre-mpi
 * or CMake genre::genre_mpi), run on 2 ranks: each rank's two rows, one
 * distributed scaler fit, the mean of all four rows (4) on every rank. */
#include <genre/mpi.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    int provided = 0, rank = 0, ok = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    double x[2] = {1.0 + 4.0 * rank, 3.0 + 4.0 * rank}, mean = 0;
    genre_scaler *s = NULL;
    if (genre_scaler_create(&s) == GENRE_OK &&
        genre_mpi_scaler_fit(MPI_COMM_WORLD, s, x, 2, 1, 1) == GENRE_OK &&
        genre_scaler_get_mean(s, &mean, 1, NULL) == GENRE_OK)
        ok = 1;
    printf("rank %d: %s; mean %g (%s)\n", rank, genre_mpi_build_info(), mean,
           ok ? "ok" : genre_last_error());
    genre_scaler_free(s);
    MPI_Finalize();
    return ok ? 0 : 1;
}
