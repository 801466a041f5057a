/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The communicator of a genre_mpi_* call and the agreement on failure:
 * every step of a distributed fit ends in gm_agree(), so a rank that fails
 * (bad input, allocation) makes every rank return its error instead of
 * leaving the others waiting in the next collective. */
#include "mpi_comm.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define GM_MESSAGE_MAX 1024
#define GM_PIECE ((size_t)1 << 30)

genre_status gm_fail(const gm_ctx *c, genre_status status, const char *fmt, ...)
{
    char msg[GM_MESSAGE_MAX];
    int head = snprintf(msg, sizeof msg, "%s: ", c->func);
    if (head < 0 || (size_t)head >= sizeof msg)
        head = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + head, sizeof msg - (size_t)head, fmt, ap);
    va_end(ap);
    return genre_set_error(status, msg);
}

genre_status gm_mpi_fail(const gm_ctx *c, const char *call, int mpi_err)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(mpi_err, text, &len) != MPI_SUCCESS || len <= 0)
        snprintf(text, sizeof text, "MPI error %d", mpi_err);
    else
        text[len < MPI_MAX_ERROR_STRING ? len : MPI_MAX_ERROR_STRING - 1] = '\0';
    return gm_fail(c, GENRE_E_IO, "%s failed: %s", call, text);
}

genre_status gm_open(gm_ctx *c, MPI_Comm comm, const char *func)
{
    c->comm = MPI_COMM_NULL;
    c->rank = 0;
    c->size = 1;
    c->func = func;
    int flag = 0;
    if (MPI_Initialized(&flag) != MPI_SUCCESS || !flag)
        return gm_fail(c, GENRE_E_BAD_STATE, "MPI is not initialised (call MPI_Init_thread first)");
    if (MPI_Finalized(&flag) != MPI_SUCCESS || flag)
        return gm_fail(c, GENRE_E_BAD_STATE, "MPI is already finalised");
    if (comm == MPI_COMM_NULL)
        return gm_fail(c, GENRE_E_INVALID_ARG, "argument 'comm' is MPI_COMM_NULL");
    /* MPI_THREAD_FUNNELED is enough: the layer calls MPI only on the
     * calling thread, which must then be the main one. */
    int provided = MPI_THREAD_SINGLE, is_main = 0;
    if (MPI_Query_thread(&provided) != MPI_SUCCESS || MPI_Is_thread_main(&is_main) != MPI_SUCCESS)
        return gm_fail(c, GENRE_E_BAD_STATE, "MPI_Query_thread failed");
    if (provided < MPI_THREAD_SERIALIZED && !is_main)
        return gm_fail(c, GENRE_E_BAD_STATE,
                       "called from a thread other than the main one while MPI provides "
                       "only MPI_THREAD_%s",
                       provided == MPI_THREAD_SINGLE ? "SINGLE" : "FUNNELED");
    int err = MPI_Comm_dup(comm, &c->comm);
    if (err != MPI_SUCCESS) {
        c->comm = MPI_COMM_NULL;
        return gm_mpi_fail(c, "MPI_Comm_dup", err);
    }
    err = MPI_Comm_set_errhandler(c->comm, MPI_ERRORS_RETURN);
    if (err == MPI_SUCCESS)
        err = MPI_Comm_rank(c->comm, &c->rank);
    if (err == MPI_SUCCESS)
        err = MPI_Comm_size(c->comm, &c->size);
    if (err != MPI_SUCCESS) {
        genre_status st = gm_mpi_fail(c, "MPI_Comm_set_errhandler", err);
        gm_close(c);
        return st;
    }
    return GENRE_OK;
}

void gm_close(gm_ctx *c)
{
    if (c->comm != MPI_COMM_NULL)
        MPI_Comm_free(&c->comm);
    c->comm = MPI_COMM_NULL;
}

/* The failing rank's status and message, as one broadcast. */
struct gm_failure {
    int32_t status;
    char message[GM_MESSAGE_MAX];
};

/* The lowest failing rank's status and message, broadcast to every rank. */
static genre_status spread_failure(gm_ctx *c, genre_status st, int first)
{
    struct gm_failure f;
    memset(&f, 0, sizeof f);
    if (c->rank == first) {
        f.status = st;
        /* the failing rank's own message, its leading "func: " dropped when
         * it is this call's own name */
        const char *why = genre_last_error();
        size_t n = strlen(c->func);
        if (strncmp(why, c->func, n) == 0 && why[n] == ':' && why[n + 1] == ' ')
            why += n + 2;
        snprintf(f.message, sizeof f.message, "%s", why[0] ? why : genre_status_str(st));
    }
    int err = MPI_Bcast(&f, (int)sizeof f, MPI_BYTE, first, c->comm);
    if (err != MPI_SUCCESS)
        return gm_mpi_fail(c, "MPI_Bcast", err);
    f.message[sizeof f.message - 1] = '\0';
    genre_status agreed = f.status < 0 ? (genre_status)f.status : GENRE_E_INTERNAL;
    return gm_fail(c, agreed, "rank %d of %d: %s", first, c->size, f.message);
}

genre_status gm_agree(gm_ctx *c, genre_status st)
{
    int mine = st == GENRE_OK ? c->size : c->rank, first = c->size;
    int err = MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, c->comm);
    if (err != MPI_SUCCESS)
        return gm_mpi_fail(c, "MPI_Allreduce", err);
    return first >= c->size ? GENRE_OK : spread_failure(c, st, first);
}

/* One MPI_Allreduce(MPI_MIN) of {first failing rank, key, -key}: the
 * failure and whether every rank is at the same key. */
genre_status gm_agree_step(gm_ctx *c, genre_status st, int64_t key, int64_t *lo, int64_t *hi)
{
    int64_t mine[3] = {st == GENRE_OK ? c->size : c->rank, key, -key}, all[3];
    int err = MPI_Allreduce(mine, all, 3, MPI_INT64_T, MPI_MIN, c->comm);
    if (err != MPI_SUCCESS)
        return gm_mpi_fail(c, "MPI_Allreduce", err);
    *lo = all[1];
    *hi = -all[2];
    return all[0] >= c->size ? GENRE_OK : spread_failure(c, st, (int)all[0]);
}

genre_status gm_send(const gm_ctx *c, const void *buf, size_t len, int dest, int tag)
{
    const unsigned char *p = buf;
    do {
        size_t n = len < GM_PIECE ? len : GM_PIECE;
        int err = MPI_Send(p, (int)n, MPI_BYTE, dest, tag, c->comm);
        if (err != MPI_SUCCESS)
            return gm_mpi_fail(c, "MPI_Send", err);
        p += n;
        len -= n;
    } while (len > 0);
    return GENRE_OK;
}

genre_status gm_recv(const gm_ctx *c, void *buf, size_t len, int src, int tag)
{
    unsigned char *p = buf;
    do {
        size_t n = len < GM_PIECE ? len : GM_PIECE;
        int err = MPI_Recv(p, (int)n, MPI_BYTE, src, tag, c->comm, MPI_STATUS_IGNORE);
        if (err != MPI_SUCCESS)
            return gm_mpi_fail(c, "MPI_Recv", err);
        p += n;
        len -= n;
    } while (len > 0);
    return GENRE_OK;
}

genre_status gm_bcast(const gm_ctx *c, void *buf, size_t len, int root)
{
    unsigned char *p = buf;
    while (len > 0) {
        size_t n = len < GM_PIECE ? len : GM_PIECE;
        int err = MPI_Bcast(p, (int)n, MPI_BYTE, root, c->comm);
        if (err != MPI_SUCCESS)
            return gm_mpi_fail(c, "MPI_Bcast", err);
        p += n;
        len -= n;
    }
    return GENRE_OK;
}

genre_status gm_bcast_u64(const gm_ctx *c, uint64_t *v, int root)
{
    int err = MPI_Bcast(v, 1, MPI_UINT64_T, root, c->comm);
    return err == MPI_SUCCESS ? GENRE_OK : gm_mpi_fail(c, "MPI_Bcast", err);
}
