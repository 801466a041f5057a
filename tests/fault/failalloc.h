/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The interface between the preloaded failing allocator (failalloc.c) and
 * the driver (fault_walk.c). The driver looks the two functions up with
 * dlsym(RTLD_DEFAULT, ...) because it must also run without the preload.
 */
#ifndef GENRE_FAILALLOC_H
#define GENRE_FAILALLOC_H

#define FAILALLOC_MAX_FRAMES 24

/* Written to the report fd when the injected failure happens, before the
 * failing call returns NULL: the process may abort right after. */
typedef struct failalloc_site {
    long index;                          /* the failing call's number */
    int n_frames;
    void *frames[FAILALLOC_MAX_FRAMES];  /* backtrace() of the failing call */
} failalloc_site;

typedef struct failalloc_stats {
    long calls;     /* allocation calls inside the window */
    int failed;     /* 1 if the n-th call happened and was failed */
    long live;      /* blocks allocated in the window and not freed */
    int untracked;  /* the live table overflowed: live is a lower bound */
} failalloc_stats;

/* Opens the window: counts malloc, calloc, realloc, reallocarray,
 * posix_memalign, aligned_alloc, memalign, valloc and pvalloc calls from
 * every thread, and fails call n (0 = none). The failure site goes to fd
 * (-1 = nowhere). Not reentrant: one window at a time. */
typedef void failalloc_arm_fn(long n, int fd);
/* Closes the window and fills *out (may be NULL). */
typedef void failalloc_disarm_fn(failalloc_stats *out);

/* The allocator's definitions (the driver uses the types only). */
failalloc_arm_fn failalloc_arm;
failalloc_disarm_fn failalloc_disarm;

#endif
