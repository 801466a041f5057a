/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The allocation-failure walk over the whole process (issue 16): with the
 * failing allocator preloaded (failalloc.c), every step below -- each fit,
 * save and load of every module, the dataset reader, prep and split -- is
 * first run once to count its allocation calls in every library, then
 * rerun in a forked child with call 1, 2, ..., N failing. Each child must
 * return a status (or succeed, when a library absorbed the failure); a
 * child killed by a signal (an abort in any library), one that exits
 * without returning (exit() in a library) or hangs, is reported with the
 * step, the call index and the failing call's stack, and makes the walk
 * exit non-zero. See README for the options and the full walk.
 */
#define _GNU_SOURCE
#include "failalloc.h"
#include "fault_steps.h"

#include <genre/genre.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RESULT_MAGIC (-0x6661756c74L) /* never a call index */
#define CHILD_EXIT 42                 /* a child that returned normally */

typedef struct {
    long magic;
    genre_status status;
    int has_message;
    failalloc_stats stats;
    uint64_t digest; /* of the step's outputs (fault_steps_digest) */
    char message[200];
} child_result;

typedef struct {
    int have_site, have_result, signal, exit_code, hung;
    failalloc_site site;
    child_result res;
    char err[160]; /* the first line the child wrote to stderr */
} run_outcome;

static failalloc_arm_fn *arm;
static failalloc_disarm_fn *disarm;
static int err_fd = -1;    /* the children's stderr */
static int stacks_left;    /* stacks still printed for this step's aborts */
static uint64_t reference; /* the step's output digest without injection */

/* Steps with findings, for the closing summary: how many runs, and the
 * first one's library and what it printed. */
static struct {
    const char *step;
    long runs;
    char first[320];
} flagged[64];
static int n_flagged;

static void flag(const char *step, const char *owner, const char *what, const char *detail)
{
    if (n_flagged > 0 && flagged[n_flagged - 1].step == step) {
        flagged[n_flagged - 1].runs++;
        return;
    }
    if (n_flagged == 64)
        return;
    flagged[n_flagged].step = step;
    flagged[n_flagged].runs = 1;
    snprintf(flagged[n_flagged].first, sizeof flagged[n_flagged].first, "%s in %s%s%s", what,
             owner, detail[0] ? ": " : "", detail);
    n_flagged++;
}
static unsigned timeout_s = 20;

/* ---- options ---------------------------------------------------------- */
static struct {
    int full;          /* every call of every step */
    long max_per_step; /* reduced walk: at most this many indices per step */
    const char *only;  /* substring filter on step names */
    const char *skip;  /* steps whose names contain this are skipped */
    int verbose;
    int list;
    int strict; /* known third-party failures count as findings too */
} opt = {0, 48, NULL, NULL, 0, 0, 0};

/* ---- naming the failing call's libraries ------------------------------- */

static const char *lib_of(void *addr, char *buf, size_t cap)
{
    Dl_info info;
    if (!dladdr(addr, &info) || !info.dli_fname) {
        snprintf(buf, cap, "?");
        return buf;
    }
    const char *base = strrchr(info.dli_fname, '/');
    base = base ? base + 1 : info.dli_fname;
    if (base[0] == '\0')
        base = "fault_walk";
    snprintf(buf, cap, "%.*s", (int)strcspn(base, "."), base);
    return buf;
}

static int is_self(const char *lib)
{
    return strcmp(lib, "libfailalloc") == 0;
}

static int is_libc(const char *lib)
{
    return strcmp(lib, "libc") == 0 || strcmp(lib, "ld-linux-x86-64") == 0;
}

/* "caller" (the first frame outside the allocator) and, when that is libc,
 * "caller<-first non-libc frame", e.g. "libc<-libgenre". */
static void site_owner(const failalloc_site *s, char *out, size_t cap)
{
    char lib[64], via[64];
    int i = 0;
    while (i < s->n_frames && is_self(lib_of(s->frames[i], lib, sizeof lib)))
        i++;
    if (i >= s->n_frames) {
        snprintf(out, cap, "?");
        return;
    }
    lib_of(s->frames[i], lib, sizeof lib);
    if (!is_libc(lib)) {
        snprintf(out, cap, "%s", lib);
        return;
    }
    for (int j = i + 1; j < s->n_frames; j++)
        if (!is_libc(lib_of(s->frames[j], via, sizeof via))) {
            snprintf(out, cap, "%s<-%s", lib, via);
            return;
        }
    snprintf(out, cap, "%s", lib);
}

static void print_site(const failalloc_site *s)
{
    for (int i = 0; i < s->n_frames; i++) {
        Dl_info info;
        char lib[64];
        if (is_self(lib_of(s->frames[i], lib, sizeof lib)))
            continue;
        if (dladdr(s->frames[i], &info) && info.dli_fbase) {
            unsigned long off = (unsigned long)((char *)s->frames[i] - (char *)info.dli_fbase);
            fprintf(stderr, "        %-16s +0x%-8lx %s\n", lib, off,
                    info.dli_sname ? info.dli_sname : "");
        }
        if (strcmp(lib, "fault_walk") == 0)
            break;
    }
}

/* ---- one run in a child ------------------------------------------------- */

static void read_all(int fd, run_outcome *o)
{
    char buf[4096];
    size_t len = 0;
    ssize_t r;
    while ((r = read(fd, buf + len, sizeof buf - len)) > 0 || (r < 0 && errno == EINTR))
        if (r > 0)
            len += (size_t)r;
    size_t pos = 0;
    while (pos + sizeof(long) <= len) {
        long tag;
        memcpy(&tag, buf + pos, sizeof tag);
        if (tag == RESULT_MAGIC && pos + sizeof o->res <= len) {
            memcpy(&o->res, buf + pos, sizeof o->res);
            o->have_result = 1;
            pos += sizeof o->res;
        } else if (tag != RESULT_MAGIC && pos + sizeof o->site <= len) {
            memcpy(&o->site, buf + pos, sizeof o->site);
            o->have_site = 1;
            pos += sizeof o->site;
        } else {
            break;
        }
    }
}

static void run_child(const fault_step *step, long n, int fd)
{
    dup2(err_fd, STDERR_FILENO);
    alarm(timeout_s);
    child_result res;
    memset(&res, 0, sizeof res);
    res.magic = RESULT_MAGIC;
    genre_clear_error();
    arm(n, fd);
    res.status = step->run();
    disarm(&res.stats);
    res.digest = fault_steps_digest();
    const char *msg = genre_last_error();
    res.has_message = msg[0] != '\0';
    snprintf(res.message, sizeof res.message, "%s", msg);
    ssize_t w = write(fd, &res, sizeof res);
    (void)w;
    _exit(CHILD_EXIT);
}

static int run_once(const fault_step *step, long n, run_outcome *o)
{
    memset(o, 0, sizeof *o);
    int p[2];
    if (pipe(p) != 0 || ftruncate(err_fd, 0) != 0 || lseek(err_fd, 0, SEEK_SET) != 0) {
        perror("fault_walk: pipe/ftruncate");
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fault_walk: fork");
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        run_child(step, n, p[1]);
    }
    close(p[1]);
    read_all(p[0], o);
    close(p[0]);
    int ws;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(ws)) {
        o->signal = WTERMSIG(ws);
        o->hung = o->signal == SIGALRM;
    } else {
        o->exit_code = WEXITSTATUS(ws);
    }
    ssize_t got = pread(err_fd, o->err, sizeof o->err - 1, 0);
    if (got > 0) {
        o->err[got] = '\0';
        o->err[strcspn(o->err, "\n")] = '\0';
    }
    return 0;
}

/* ---- the walk ----------------------------------------------------------- */

typedef struct {
    char lib[48];
    long failed, nomem, absorbed, other, aborts, known;
} lib_count;

static struct {
    long steps, runs, injected, nomem, absorbed, other, aborts, exits, hangs, leaks,
        printed, no_message, known, wrong;
    lib_count by_lib[32];
    int n_libs;
} tally;

static lib_count *count_for(const char *lib)
{
    for (int i = 0; i < tally.n_libs; i++)
        if (strcmp(tally.by_lib[i].lib, lib) == 0)
            return &tally.by_lib[i];
    if (tally.n_libs == 32)
        return &tally.by_lib[31];
    lib_count *c = &tally.by_lib[tally.n_libs++];
    memset(c, 0, sizeof *c);
    snprintf(c->lib, sizeof c->lib, "%s", lib);
    return c;
}

/* Third-party failures libgenre cannot prevent short of replacing the
 * library (README, "Known"): reported, and hard only with --strict. Each
 * is matched on the library whose allocation failed and what it printed;
 * the list ends with a NULL lib. None at present: OpenBLAS's threaded
 * level-3 drivers (exit(1) when their job array's malloc fails) and its
 * thread pool's restart after fork() (raise(SIGINT) when pthread_create
 * fails) are not here, since libgenre never makes a threaded OpenBLAS call
 * (lib/common/linalg.c; PCA and LDA's eigensolver uses no BLAS). */
static const struct known_failure {
    const char *lib, *stderr_prefix, *what;
} KNOWN[] = {
    {NULL, NULL, NULL},
};

static const struct known_failure *known_for(const char *owner, const run_outcome *o)
{
    if (o->have_result || o->hung)
        return NULL;
    for (size_t i = 0; KNOWN[i].lib; i++)
        if (strcmp(owner, KNOWN[i].lib) == 0 &&
            strncmp(o->err, KNOWN[i].stderr_prefix, strlen(KNOWN[i].stderr_prefix)) == 0)
            return &KNOWN[i];
    return NULL;
}

static const char *sig_name(int sig)
{
    const char *s = sigabbrev_np(sig);
    return s ? s : "?";
}

/* Judges one failing run; returns 1 when it is a hard finding. */
static int judge(const fault_step *step, long n, long total, const run_outcome *o)
{
    char owner[140] = "?";
    if (o->have_site)
        site_owner(&o->site, owner, sizeof owner);
    lib_count *c = count_for(owner);
    if (o->have_site) {
        tally.injected++;
        c->failed++;
    }
    const struct known_failure *known = known_for(owner, o);
    if (known && !opt.strict) {
        tally.known++;
        c->known++;
        fprintf(stderr, "KNOWN  %-22s call %ld/%ld failed in %s: %s (%s)\n", step->name, n,
                total, owner, known->what, o->err);
        return 0;
    }
    if (o->signal || !o->have_result) {
        if (o->hung)
            tally.hangs++;
        else if (o->signal)
            tally.aborts++, c->aborts++;
        else
            tally.exits++, c->aborts++;
        fprintf(stderr, "ABORT  %-22s call %ld/%ld failed in %s: ", step->name, n, total,
                owner);
        if (o->hung)
            fprintf(stderr, "the child hung (no result after %u s)\n", timeout_s);
        else if (o->signal)
            fprintf(stderr, "killed by SIG%s\n", sig_name(o->signal));
        else
            fprintf(stderr, "the process exited with code %d inside the library\n",
                    o->exit_code);
        if (o->err[0])
            fprintf(stderr, "        stderr: %s\n", o->err);
        if (o->have_site && (opt.verbose || stacks_left-- > 0))
            print_site(&o->site);
        char what[32];
        snprintf(what, sizeof what, "%s%s", o->hung ? "hang" : o->signal ? "SIG" : "exit()",
                 o->hung || !o->signal ? "" : sig_name(o->signal));
        flag(step->name, owner, what, o->err);
        return 1;
    }
    int hard = 0;
    const child_result *r = &o->res;
    if (!r->stats.failed) {
        /* fewer calls this time (threads, caches): nothing was injected */
        return 0;
    }
    if (r->status == GENRE_OK) {
        tally.absorbed++, c->absorbed++;
        if (r->digest != reference) {
            tally.wrong++;
            fprintf(stderr, "WRONG  %-22s call %ld/%ld failed in %s: GENRE_OK, but the outputs "
                    "differ from a run without injection\n", step->name, n, total, owner);
            hard = 1;
        }
    } else if (r->status == GENRE_E_NOMEM) {
        tally.nomem++, c->nomem++;
    } else {
        /* a failed allocation is GENRE_E_NOMEM whatever the library or
         * call that made it (fopen's ENOMEM included), or absorbed */
        tally.other++, c->other++;
        fprintf(stderr, "STATUS %-22s call %ld/%ld failed in %s: %s, not GENRE_E_NOMEM: %s\n",
                step->name, n, total, owner, genre_status_name(r->status), r->message);
        hard = 1;
    }
    if (r->status != GENRE_OK && !r->has_message) {
        tally.no_message++;
        fprintf(stderr, "NOMSG  %-22s call %ld/%ld failed in %s: %s without a message\n",
                step->name, n, total, owner, genre_status_name(r->status));
        hard = 1;
    }
    if (r->stats.live > 0 && step->leak_free) {
        tally.leaks++;
        fprintf(stderr, "LEAK   %-22s call %ld/%ld failed in %s: %ld block(s) left (%s)\n",
                step->name, n, total, owner, r->stats.live, genre_status_name(r->status));
        if (opt.verbose)
            print_site(&o->site);
        hard = 1;
    }
    if (o->err[0]) {
        tally.printed++;
        fprintf(stderr, "PRINT  %-22s call %ld/%ld failed in %s: the process printed: %s\n",
                step->name, n, total, owner, o->err);
    }
    if (hard)
        flag(step->name, owner, "a failing run that is not clean", "");
    return hard;
}

static int walk_step(fault_step *step)
{
    /* warm-up in the parent: library caches and lazy initialisation are
     * inherited by every child, so they are not counted as the step's */
    genre_status st = step->run();
    if (st != GENRE_OK) {
        fprintf(stderr, "FAIL   %-22s fails without injection: %s: %s\n", step->name,
                genre_status_name(st), genre_last_error());
        return 1;
    }
    run_outcome o;
    if (run_once(step, 0, &o) != 0)
        return 1;
    if (!o.have_result || o.signal || o.res.status != GENRE_OK) {
        fprintf(stderr, "FAIL   %-22s counting run: %s\n", step->name,
                o.have_result ? genre_last_error() : "no result");
        return 1;
    }
    long total = o.res.stats.calls;
    stacks_left = 2;
    reference = o.res.digest;
    step->leak_free = o.res.stats.live == 0;
    if (!step->leak_free)
        fprintf(stderr, "note   %-22s keeps %ld block(s) live without injection (library "
                "caches); leaks are not judged for this step\n",
                step->name, o.res.stats.live);
    long stride = 1;
    if (!opt.full && opt.max_per_step > 0 && total > opt.max_per_step)
        stride = (total + opt.max_per_step - 1) / opt.max_per_step;
    int hard = 0;
    long walked = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* index 1..total by stride, and the last call too */
    for (long n = 1; n <= total; n = (n + stride <= total || n == total) ? n + stride
                                                                        : total) {
        if (run_once(step, n, &o) != 0)
            return 1;
        walked++;
        tally.runs++;
        hard |= judge(step, n, total, &o);
        if (n == total)
            break;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("%-24s %6ld calls, %5ld walked (stride %ld) %7.2f s%s\n", step->name, total, walked,
           stride, secs, hard ? "  <-- findings" : "");
    tally.steps++;
    return hard;
}

/* ---- start-up ------------------------------------------------------------ */

/* Without the allocator preloaded, re-executes this program with it (its
 * path is compiled in), so the walk is one command. */
static void ensure_preloaded(char **argv)
{
    /* POSIX guarantees dlsym's object pointer converts to a function one */
    void *a = dlsym(RTLD_DEFAULT, "failalloc_arm");
    void *d = dlsym(RTLD_DEFAULT, "failalloc_disarm");
    memcpy(&arm, &a, sizeof arm);
    memcpy(&disarm, &d, sizeof disarm);
    if (arm && disarm)
        return;
    if (getenv("FAULT_WALK_REEXEC")) {
        fprintf(stderr, "fault_walk: %s is preloaded but failalloc_arm is missing\n",
                FAILALLOC_PATH);
        exit(2);
    }
    setenv("LD_PRELOAD", FAILALLOC_PATH, 1);
    setenv("FAULT_WALK_REEXEC", "1", 1);
    /* No cached thread stacks: every pthread_create allocates (its TLS
     * vector), so thread start-up failures in libgenre and OpenBLAS are
     * walked too. */
    const char *tun = getenv("GLIBC_TUNABLES");
    char tunables[1024];
    snprintf(tunables, sizeof tunables, "%s%sglibc.pthread.stack_cache_size=0", tun ? tun : "",
             tun ? ":" : "");
    setenv("GLIBC_TUNABLES", tunables, 1);
    execv("/proc/self/exe", argv);
    perror("fault_walk: re-exec with LD_PRELOAD");
    exit(2);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: fault_walk [--full | --max-per-step N] [--only SUBSTRING] [--skip SUBSTRING]\n"
            "                  [--list] [--timeout SECONDS] [--verbose] [--strict]\n"
            "  default: reduced walk, at most 48 evenly spread calls per step\n"
            "  --full:  every allocation call of every step\n"
            "  --strict: known third-party exits (README) fail the walk too\n");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--full") == 0)
            opt.full = 1;
        else if (strcmp(argv[i], "--max-per-step") == 0 && i + 1 < argc)
            opt.max_per_step = atol(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            opt.only = argv[++i];
        else if (strcmp(argv[i], "--skip") == 0 && i + 1 < argc)
            opt.skip = argv[++i];
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout_s = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--verbose") == 0)
            opt.verbose = 1;
        else if (strcmp(argv[i], "--list") == 0)
            opt.list = 1;
        else if (strcmp(argv[i], "--strict") == 0)
            opt.strict = 1;
        else {
            usage();
            return 2;
        }
    }
    fault_step *steps;
    size_t n_steps = fault_steps_get(&steps);
    if (opt.list) {
        for (size_t i = 0; i < n_steps; i++)
            printf("%s\n", steps[i].name);
        return 0;
    }
    ensure_preloaded(argv);
    char err_path[] = "/tmp/fault_walk_stderr_XXXXXX";
    err_fd = mkstemp(err_path);
    if (err_fd < 0) {
        perror("fault_walk: mkstemp");
        return 2;
    }
    unlink(err_path);
    if (fault_steps_setup() != 0) {
        fprintf(stderr, "fault_walk: setup failed: %s\n", genre_last_error());
        fault_steps_teardown();
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("fault walk (%s)\n", opt.full ? "full" : "reduced");
    int hard = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < n_steps; i++) {
        if ((opt.only && !strstr(steps[i].name, opt.only)) ||
            (opt.skip && strstr(steps[i].name, opt.skip)))
            continue;
        hard |= walk_step(&steps[i]);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fault_steps_teardown();
    printf("\n%ld steps, %ld failing runs, %ld injected failures in %.1f s\n", tally.steps,
           tally.runs, tally.injected,
           (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    printf("outcomes: %ld GENRE_E_NOMEM, %ld absorbed (GENRE_OK), %ld other status; "
           "%ld aborts, %ld exits, %ld hangs, %ld leaks, %ld printed, %ld without message, "
           "%ld wrong results; %ld known third-party exits\n",
           tally.nomem, tally.absorbed, tally.other, tally.aborts, tally.exits, tally.hangs,
           tally.leaks, tally.printed, tally.no_message, tally.wrong, tally.known);
    for (int i = 0; i < n_flagged; i++)
        printf("FINDINGS in %s: %ld run(s); the first: %s\n", flagged[i].step, flagged[i].runs,
               flagged[i].first);
    printf("by the library whose allocation failed (caller<-first non-libc frame):\n");
    for (int i = 0; i < tally.n_libs; i++) {
        const lib_count *c = &tally.by_lib[i];
        printf("  %-28s %6ld failed: %6ld NOMEM %5ld absorbed %5ld other %5ld aborts %5ld "
               "known\n",
               c->lib, c->failed, c->nomem, c->absorbed, c->other, c->aborts, c->known);
    }
    return hard ? 1 : 0;
}
