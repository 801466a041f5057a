/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private: the communicator every genre_mpi_* call works on (a duplicate of
 * the caller's, with MPI_ERRORS_RETURN), failure agreement across ranks and
 * byte transfers of any length. */
#ifndef GENRE_MPI_COMM_H
#define GENRE_MPI_COMM_H

#include <genre/mpi.h>

#include <stddef.h>
#include <stdint.h>

typedef struct gm_ctx {
    MPI_Comm comm;    /* the duplicate; MPI_COMM_NULL until opened */
    int rank, size;
    const char *func; /* the public function the user called */
} gm_ctx;

/* Records "func: <printf text>" as the calling thread's last error; returns status. */
genre_status gm_fail(const gm_ctx *c, genre_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Records "func: <call> failed: <MPI_Error_string>" (GENRE_E_IO). */
genre_status gm_mpi_fail(const gm_ctx *c, const char *call, int mpi_err);

/* Checks MPI is usable from this thread, duplicates comm and sets
 * MPI_ERRORS_RETURN on the duplicate. Collective (MPI_Comm_dup). */
genre_status gm_open(gm_ctx *c, MPI_Comm comm, const char *func);

/* Frees the duplicate (collective); keeps the last error as it is. */
void gm_close(gm_ctx *c);

/* Collective: every rank passes its own status (its message in
 * genre_last_error() when it failed). Returns GENRE_OK when all passed
 * GENRE_OK; otherwise, on every rank, the status of the lowest failing rank,
 * whose message becomes every rank's genre_last_error() as
 * "func: rank r of P: why". A failure of MPI itself is returned as it is. */
genre_status gm_agree(gm_ctx *c, genre_status st);

/* gm_agree() for the steps of a fit whose ranks may be at different
 * places (one failed inside the fit, the others wait in a reducer): every
 * rank also passes where it is (key); *lo and *hi receive the smallest and
 * largest key of the ranks (the same on every rank; they differ when the
 * ranks are out of step). A failure wins over keys. One MPI_Allreduce. */
genre_status gm_agree_step(gm_ctx *c, genre_status st, int64_t key, int64_t *lo, int64_t *hi);

/* Point-to-point and broadcast of len bytes, in pieces of at most 1 GiB
 * (MPI counts are int). */
genre_status gm_send(const gm_ctx *c, const void *buf, size_t len, int dest, int tag);
genre_status gm_recv(const gm_ctx *c, void *buf, size_t len, int src, int tag);
genre_status gm_bcast(const gm_ctx *c, void *buf, size_t len, int root);

/* Broadcast of one uint64 from root. */
genre_status gm_bcast_u64(const gm_ctx *c, uint64_t *v, int root);

#endif
