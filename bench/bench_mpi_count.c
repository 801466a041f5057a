/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The bytes each rank sends in the collectives libgenre_mpi calls,
 * counted through MPI's profiling interface: this executable defines
 * MPI_Allreduce, MPI_Gather, ... (exported: ENABLE_EXPORTS), so the
 * dynamic linker binds libgenre_mpi's calls to these, which count and
 * forward to PMPI_*.
 *
 * "Sent by this rank" is the payload it hands the network in the
 * algorithms Open MPI uses on 2 ranks (where the bench counts): its buffer
 * once for an allreduce, allgather or scan, a gather's non-root buffer, a
 * broadcast's buffer on the root. Protocol headers are not counted. The
 * wall time inside the calls is summed too (MPI_Recv included, which sends
 * nothing): on a rank that finished its share first, it is mostly waiting. */
#include "bench_mpi_count.h"

#include <mpi.h>

#include <string.h>
#include <time.h>

#define KINDS 64

static bench_mpi_count kinds[KINDS];
static size_t n_kinds;
static int counting;
static double in_mpi; /* seconds inside the counted calls */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The wrappers' body: count, call, add the call's wall time. */
#define COUNTED(name, bytes, call)                                                   \
    do {                                                                             \
        if (!counting)                                                               \
            return call;                                                             \
        note(name, bytes);                                                           \
        double t0_ = now();                                                          \
        int rc_ = call;                                                              \
        in_mpi += now() - t0_;                                                       \
        return rc_;                                                                  \
    } while (0)

static uint64_t type_bytes(MPI_Datatype t, int count)
{
    int size = 0;
    if (count <= 0 || PMPI_Type_size(t, &size) != MPI_SUCCESS || size < 0)
        return 0;
    return (uint64_t)count * (uint64_t)size;
}

static int rank_of(MPI_Comm comm)
{
    int r = -1;
    PMPI_Comm_rank(comm, &r);
    return r;
}

static int size_of(MPI_Comm comm)
{
    int p = 1;
    PMPI_Comm_size(comm, &p);
    return p;
}

static void note(const char *call, uint64_t bytes)
{
    for (size_t i = 0; i < n_kinds; i++)
        if (kinds[i].call == call && kinds[i].bytes == bytes) {
            kinds[i].calls++;
            return;
        }
    if (n_kinds < KINDS)
        kinds[n_kinds++] = (bench_mpi_count){call, bytes, 1};
}

void bench_mpi_count_start(void)
{
    memset(kinds, 0, sizeof kinds);
    n_kinds = 0;
    in_mpi = 0;
    counting = 1;
}

size_t bench_mpi_count_stop(bench_mpi_count *out, size_t cap, double *seconds)
{
    counting = 0;
    if (seconds)
        *seconds = in_mpi;
    size_t n = n_kinds < cap ? n_kinds : cap;
    if (n)
        memcpy(out, kinds, n * sizeof *out);
    return n;
}

int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
                  MPI_Op op, MPI_Comm comm)
{
    COUNTED("MPI_Allreduce", type_bytes(datatype, count),
            PMPI_Allreduce(sendbuf, recvbuf, count, datatype, op, comm));
}

int MPI_Gather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
               int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm)
{
    COUNTED("MPI_Gather", rank_of(comm) == root ? 0 : type_bytes(sendtype, sendcount),
            PMPI_Gather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                        comm));
}

int MPI_Gatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root,
                MPI_Comm comm)
{
    COUNTED("MPI_Gatherv", rank_of(comm) == root ? 0 : type_bytes(sendtype, sendcount),
            PMPI_Gatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype,
                         root, comm));
}

int MPI_Bcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm)
{
    COUNTED("MPI_Bcast",
            rank_of(comm) == root ? type_bytes(datatype, count) * (uint64_t)(size_of(comm) - 1)
                                  : 0,
            PMPI_Bcast(buffer, count, datatype, root, comm));
}

int MPI_Allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                  int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    COUNTED("MPI_Allgather", type_bytes(sendtype, sendcount),
            PMPI_Allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm));
}

int MPI_Exscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
               MPI_Comm comm)
{
    COUNTED("MPI_Exscan", type_bytes(datatype, count),
            PMPI_Exscan(sendbuf, recvbuf, count, datatype, op, comm));
}

int MPI_Send(const void *buf, int count, MPI_Datatype datatype, int dest, int tag,
             MPI_Comm comm)
{
    COUNTED("MPI_Send", type_bytes(datatype, count),
            PMPI_Send(buf, count, datatype, dest, tag, comm));
}

int MPI_Recv(void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm,
             MPI_Status *status)
{
    COUNTED("MPI_Recv", 0, PMPI_Recv(buf, count, datatype, source, tag, comm, status));
}
