/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The in-process allreduce of the reduction-hook suites (reduce_fixture.h). */
#include "reduce_fixture.h"

#include <stdlib.h>
#include <string.h>

void sim_comm_init(sim_comm *c, int size)
{
    memset(c, 0, sizeof *c);
    ck_assert(size >= 1 && size <= SIM_MAX_RANKS);
    c->size = size;
    ck_assert_int_eq(pthread_barrier_init(&c->bar, NULL, (unsigned)size), 0);
}

void sim_comm_destroy(sim_comm *c)
{
    pthread_barrier_destroy(&c->bar);
}

int32_t sim_allreduce(void *user_data, int32_t what, int64_t step, double *buf, size_t len)
{
    sim_rank *me = user_data;
    sim_comm *c = me->comm;
    const int r = me->rank;
    c->buf[r] = buf;
    c->len[r] = len;
    c->what[r] = what;
    c->step[r] = step;
    c->calls[r]++;
    pthread_barrier_wait(&c->bar); /* every rank has posted */
    for (int q = 0; q < c->size; q++)
        if (c->len[q] != len || c->what[q] != what || c->step[q] != step)
            c->mismatch = 1;
    double *sum = malloc((c->mismatch ? 1 : len) * sizeof *sum);
    int32_t rc = sum && !c->mismatch ? 0 : 1;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        double s = c->buf[0][i];
        for (int q = 1; q < c->size; q++)
            s += c->buf[q][i];
        sum[i] = s;
    }
    pthread_barrier_wait(&c->bar); /* every rank has read every buffer */
    if (rc == 0)
        memcpy(buf, sum, len * sizeof *buf);
    free(sum);
    return rc;
}

void sim_run(int size, void *(*body)(void *), void *const *args)
{
    pthread_t th[SIM_MAX_RANKS];
    for (int r = 0; r < size; r++)
        ck_assert_int_eq(pthread_create(&th[r], NULL, body, args[r]), 0);
    for (int r = 0; r < size; r++)
        pthread_join(th[r], NULL);
}
