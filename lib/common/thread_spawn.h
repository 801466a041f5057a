/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private to lib/common: the one place library threads are created, so the
 * test build's spawn-failure injection (genre__parallel_fail_spawns) reaches
 * the thread pool and the teams alike.
 */
#ifndef GENRE_THREAD_SPAWN_H
#define GENRE_THREAD_SPAWN_H

#include <pthread.h>

/* pthread_create(t, NULL, start, arg) with every signal blocked in the new
 * thread (the host's signals keep going to the host's threads). 0, or the
 * error pthread_create returned (EAGAIN when the test build injects a
 * failure). Thread-safe. */
int genre__spawn_thread(pthread_t *t, void *(*start)(void *), void *arg);

#endif
