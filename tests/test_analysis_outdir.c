/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Integration tests of genre-analysis's report folder (docs/analysis.md,
 * "The report folder"): output folders are the user's. Registered as
 * analysis_outdir_* with the label `data`; seconds each (refusals come
 * before the analysis, the rest run its cheapest stages).
 *
 *   test_analysis_outdir outdir_refuse <genre-analysis> <source-dir> <work-dir>
 *     output folders are the user's: a folder holding a user's file, the
 *     working folder (as . and as $PWD/), / (even with --force), a
 *     symbolic link, a file and a mount point (/dev/shm) as -o are
 *     refused, fast, and nothing in them changes nor is left beside them.
 *   test_analysis_outdir outdir_replace <genre-analysis> <source-dir> <work-dir>
 *     an earlier report of the program is replaced (its folder's mode
 *     follows the umask, 077 here); a stale temporary
 *     folder of its own is removed; a user's folder of the same name
 *     pattern and a live run's locked one are not; --force writes beside a
 *     user's file (twice, the second replacing only our files) and never
 *     over a user's file named like one of ours.
 *   test_analysis_outdir outdir_links <genre-analysis> <source-dir> <work-dir>
 *     only regular files are the program's: a symbolic link the user put
 *     under a listed name (a report's index.html, a file of a stale
 *     temporary folder with a forged marker) is neither deleted nor
 *     replaced, with or without --force.
 *   test_analysis_outdir outdir_killed <genre-analysis> <source-dir> <work-dir>
 *     kill -9 while a --force run moves its files into a folder beside a
 *     user's file (strace injects SIGKILL at the third renameat): the next
 *     --force run replaces the killed run's files and leaves no temporary
 *     folder. Skipped where strace cannot run.
 *   test_analysis_outdir outdir_race <genre-analysis> <source-dir> <work-dir>
 *     plots/ of a --force folder swapped for a symbolic link to a user's
 *     folder while the run moves its files in (strace holds the first
 *     move 3 s): nothing lands in the user's folder. Skipped where strace
 *     cannot run. A run whose new temporary folder another run's clean-up
 *     locks for a moment waits for it.
 *   test_analysis_outdir outdir_partial <genre-analysis> <source-dir> <work-dir>
 *     Ctrl-C (SIGINT) during the MLPs: the complete report stays, the
 *     partial one goes to DIR.partial and the printed line says so.
 *   test_analysis_outdir outdir_root <genre-analysis> <source-dir> <work-dir>
 *     -o /proc (a folder in /) is refused with messages that name /proc and
 *     suggest -o /proc/genre-report, never //proc.
 *   test_analysis_outdir outdir_clash <genre-analysis> <source-dir> <work-dir>
 *     --force into a report folder whose plots/ holds a user's file named
 *     like a plot is refused before the analysis runs, and leaves nothing.
 *   test_analysis_outdir outdir_late <genre-analysis> <source-dir> <work-dir>
 *     the final exchange fails (strace injects EPERM into renameat2): exit
 *     1, the earlier report intact, no temporary folder left. Skipped where
 *     strace cannot run.
 */
#define _POSIX_C_SOURCE 200809L
#include "analysis_harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- output folders (issue 16) ---- */

static int file_is(const char *path, const char *text)
{
    char *b = slurp(path, NULL);
    int same = b && !strcmp(b, text);
    free(b);
    return same;
}

/* A fresh work folder <work>/<name> in w (1,100 bytes) holding the folders
 * subs (names separated by spaces; "" none), and its stderr file <w>.err in
 * err (1,300 bytes); a failed CHECK if it cannot be made. */
static void fresh_folder(char *w, char *err, const char *work, const char *name,
                         const char *subs)
{
    snprintf(w, 1100, "%.900s/%.60s", work, name);
    snprintf(err, 1300, "%s.err", w);
    char cmd[4000];
    int n = snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", w, w);
    for (const char *s = subs; *s; s += strspn(s, " ")) {
        size_t k = strcspn(s, " ");
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " '%s/%.*s'", w, (int)k, s);
        s += k;
    }
    CHECK(run_program(cmd) == 0, "cannot make %s", w);
}

/* Whether strace cannot run here (the tests that inject failures with it
 * are then skipped, saying so). */
static int strace_missing(void)
{
    if (run_program("strace -f -qq -o /dev/null true >/dev/null 2>&1") == 0)
        return 0;
    fprintf(stderr, "skipped: strace cannot run here\n");
    return 1;
}

static int test_outdir_refuse(const char *prog, const char *src, const char *work)
{
    char w[1100], p[1300], err[1300], opts[4000];
    fresh_folder(w, err, work, "outdir-refuse", "user target");
    /* (a) a folder holding a user's file */
    snprintf(p, sizeof p, "%s/user/notes.txt", w);
    write_text(p, "mine\n");
    int rc = run_in(w, prog, src, FAST " -o user", err);
    CHECK(rc != 0, "-o user (holding notes.txt): exit 0");
    CHECK(file_is(p, "mine\n"), "-o user: notes.txt changed or gone");
    CHECK(err_has(err, "--force"), "-o user: the message does not say how to proceed");
    snprintf(p, sizeof p, "%s/user", w);
    CHECK(count_prefix(p, "") == 1, "-o user: the folder holds more than notes.txt");
    /* (b) the working folder, as . and as $PWD/, and /: refused even with --force */
    snprintf(p, sizeof p, "%s/target/keep.txt", w);
    write_text(p, "keep\n");
    snprintf(p, sizeof p, "%s/target", w);
    const char *forms[] = {"-o .", "-o \"$PWD/\"", "-o . --force", "-o \"$PWD//\" --force",
                           "-o / --force", "-o .. --force"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        snprintf(opts, sizeof opts, FAST " %s", forms[i]);
        rc = run_in(p, prog, src, opts, err);
        CHECK(rc == 1, "%s from the working folder: exit %d, expected 1", forms[i], rc);
        CHECK(err_has(err, "working folder"), "%s: no clear message", forms[i]);
        CHECK(count_prefix(p, "") == 1, "%s: the working folder changed", forms[i]);
        CHECK(count_prefix(w, ".") == 0 && count_prefix(w, "target") == 1,
              "%s: something was left beside the working folder", forms[i]);
    }
    snprintf(opts, sizeof opts, "%s/target/keep.txt", w);
    CHECK(file_is(opts, "keep\n"), "the working folder lost keep.txt");
    /* (c) a symbolic link and a file as -o, even with --force */
    snprintf(p, sizeof p, "cd '%s' && ln -s user link && echo data > file", w);
    CHECK(run_program(p) == 0, "cannot make the link");
    const char *paths[] = {"link", "file"};
    for (int i = 0; i < 2; i++)
        for (int force = 0; force < 2; force++) {
            snprintf(opts, sizeof opts, FAST " -o %s%s", paths[i], force ? " --force" : "");
            rc = run_in(w, prog, src, opts, err);
            CHECK(rc != 0, "-o %s%s: exit 0", paths[i], force ? " --force" : "");
            CHECK(err_has(err, i ? "a file, not a folder" : "a symbolic link"),
                  "-o %s: no clear message", paths[i]);
            snprintf(p, sizeof p, ".%s.tmp-", paths[i]);
            CHECK(count_prefix(w, p) == 0, "-o %s: left a temporary folder", paths[i]);
        }
    struct stat sb;
    snprintf(p, sizeof p, "%s/link", w);
    CHECK(lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode), "the symbolic link was replaced");
    snprintf(p, sizeof p, "%s/file", w);
    CHECK(file_is(p, "data\n"), "the file changed");
    snprintf(p, sizeof p, "%s/user/notes.txt", w);
    CHECK(file_is(p, "mine\n"), "the link's target lost notes.txt");
    /* (d) a mount point (a volume given to a container as -o): rename()
     * cannot move it, so it is refused before the analysis, not after it
     * with the report left beside it. /dev/shm where it is one. */
    struct stat dev, shm;
    if (stat("/dev", &dev) || stat("/dev/shm", &shm) || dev.st_dev == shm.st_dev) {
        fprintf(stderr, "(d) skipped: /dev/shm is not a mount point here\n");
    } else {
        int before = count_prefix("/dev", ".shm.tmp-");
        rc = run_in(w, prog, src, FAST " -o /dev/shm", err);
        CHECK(rc == 1 && err_has(err, "mount point"), "-o /dev/shm: exit %d, expected 1 and "
              "a message naming the mount point", rc);
        CHECK(count_prefix("/dev", ".shm.tmp-") == before, "-o /dev/shm left a temporary "
              "folder in /dev");
    }
    return 0;
}

static const char *MARK = ".genre-analysis-report";

/* A fake temporary folder <w>/<name> with a file, and our marker listing it
 * when marker is set; it is locked (the fd returned) when lock is set. */
static int fake_tmp(const char *w, const char *name, int marker, int lock)
{
    char p[1400];
    snprintf(p, sizeof p, "%s/%s", w, name);
    CHECK(mkdir(p, 0755) == 0, "cannot make %s", p);
    snprintf(p, sizeof p, "%s/%s/index.html", w, name);
    write_text(p, "old\n");
    if (marker) {
        /* 1: the marker names this folder; 2: another one (a user's cp -a
         * copy of one of ours) */
        struct stat sb;
        snprintf(p, sizeof p, marker == 1 ? "%s/%s" : "%s", w, name);
        CHECK(stat(p, &sb) == 0, "cannot stat %s", p);
        char text[300];
        snprintf(text, sizeof text,
                 "genre-analysis report folder 1\nfolder %llu %llu\nstate writing\n"
                 "file index.html\n",
                 (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
        snprintf(p, sizeof p, "%s/%s/%s", w, name, MARK);
        write_text(p, text);
    }
    if (!lock)
        return -1;
    snprintf(p, sizeof p, "%s/%s", w, name);
    int fd = open(p, O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0, "cannot lock %s", p);
    return fd;
}

static int test_outdir_replace(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], err[1300];
    fresh_folder(w, err, work, "outdir-replace", "");
    /* (d) our own earlier report is replaced; the first run under umask
     * 077: the folder is the user's private one, like the files in it */
    mode_t um = umask(077);
    int rc = run_in(w, prog, src, FAST " --seed 11 -o rep", err);
    umask(um);
    CHECK(rc == 0, "first run: exit %d", rc);
    struct stat sb;
    snprintf(p, sizeof p, "%s/rep", w);
    CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0700,
          "under umask 077 the report folder has mode %o, expected 700", sb.st_mode & 0777);
    snprintf(p, sizeof p, "%s/rep/%s", w, MARK);
    CHECK(exists(p), "the report has no marker %s", MARK);
    /* (e) stale temporary folders: ours (marker, unlocked) removed; a
     * user's of the same name pattern and a live run's (locked) kept */
    fake_tmp(w, ".rep.tmp-STALE1", 1, 0);
    fake_tmp(w, ".rep.tmp-USER01", 0, 0);
    fake_tmp(w, ".rep.tmp-COPY01", 2, 0);
    int lock = fake_tmp(w, ".rep.tmp-LIVE01", 1, 1);
    rc = run_in(w, prog, src, FAST " --seed 12 -o rep", err);
    CHECK(rc == 0, "second run over our own report: exit %d", rc);
    snprintf(p, sizeof p, "%s/rep/metrics.json", w);
    char *j = slurp(p, NULL);
    CHECK(j && num_after(j, "seed") == 12,
          "rep/metrics.json is not the second run's (seed %g)", j ? num_after(j, "seed") : NAN);
    free(j);
    snprintf(p, sizeof p, "%s/.rep.tmp-STALE1", w);
    CHECK(!exists(p), "the stale temporary folder of our own was not removed");
    snprintf(p, sizeof p, "%s/.rep.tmp-USER01/index.html", w);
    CHECK(file_is(p, "old\n"), "a user's folder named like ours was touched");
    snprintf(p, sizeof p, "%s/.rep.tmp-COPY01/index.html", w);
    CHECK(file_is(p, "old\n"), "a user's copy of one of our folders (its marker names "
                               "another folder) was emptied");
    snprintf(p, sizeof p, "%s/.rep.tmp-LIVE01/index.html", w);
    CHECK(file_is(p, "old\n"), "a live run's (locked) temporary folder was removed");
    if (lock >= 0)
        close(lock);
    CHECK(count_prefix(w, ".rep.tmp-") == 3, "%d temporary folders beside rep, expected 3",
          count_prefix(w, ".rep.tmp-"));
    /* --force: beside a user's file, twice (the second replaces our files
     * only); never over a user's file that has one of the report's names */
    char mk[6000];
    snprintf(mk, sizeof mk, "mkdir -p '%s/mixed' '%s/clash' && echo mine > '%s/mixed/notes.txt' "
             "&& echo mine > '%s/clash/index.html' && echo mine > '%s/mixed/%s.merge'", w, w, w, w,
             w, MARK);
    CHECK(run_program(mk) == 0, "cannot make the user's folders");
    for (int seed = 21; seed <= 22; seed++) {
        char opts[200];
        snprintf(opts, sizeof opts, FAST " --force --seed %d -o mixed", seed);
        rc = run_in(w, prog, src, opts, err);
        CHECK(rc == 0, "--force beside a user's file (seed %d): exit %d", seed, rc);
        snprintf(p, sizeof p, "%s/mixed/metrics.json", w);
        j = slurp(p, NULL);
        CHECK(j && num_after(j, "seed") == seed, "mixed/metrics.json is not seed %d's", seed);
        free(j);
        snprintf(p, sizeof p, "%s/mixed/notes.txt", w);
        CHECK(file_is(p, "mine\n"), "--force touched the user's notes.txt");
        /* the name of the merge's own temporary marker, but the user's */
        snprintf(p, sizeof p, "%s/mixed/%s.merge", w, MARK);
        CHECK(file_is(p, "mine\n"), "--force (seed %d) deleted the user's %s.merge", seed, MARK);
    }
    snprintf(p, sizeof p, "%s/mixed/%s.merge", w, MARK);
    CHECK(unlink(p) == 0, "cannot remove %s", p); /* so notes.txt is the foreign file named */
    rc = run_in(w, prog, src, FAST " -o mixed", err);
    CHECK(rc == 1 && err_has(err, "notes.txt"), "without --force, mixed was not refused");
    rc = run_in(w, prog, src, FAST " --force -o clash", err);
    CHECK(rc == 1 && err_has(err, "index.html was not written by genre-analysis"),
          "--force over a user's index.html: exit %d", rc);
    snprintf(p, sizeof p, "%s/clash/index.html", w);
    CHECK(file_is(p, "mine\n"), "--force replaced the user's index.html");
    return 0;
}

static int is_link_to(const char *path, const char *target)
{
    char b[1200];
    ssize_t n = readlink(path, b, sizeof b - 1);
    if (n < 0)
        return 0;
    b[n] = 0;
    return !strcmp(b, target);
}

static int test_outdir_links(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], q[4000], err[1300];
    fresh_folder(w, err, work, "outdir-links", "user .rep2.tmp-abc123");
    snprintf(q, sizeof q, "%s/user/secret.txt", w);
    write_text(q, "secret\n");
    /* (a) the user replaced the report's index.html by a link to their file */
    int rc = run_in(w, prog, src, FAST " -o rep", err);
    CHECK(rc == 0, "first run: exit %d", rc);
    snprintf(p, sizeof p, "%s/rep/index.html", w);
    CHECK(unlink(p) == 0 && symlink("../user/secret.txt", p) == 0, "cannot make %s", p);
    for (int force = 0; force < 2; force++) {
        rc = run_in(w, prog, src, force ? FAST " --force -o rep" : FAST " -o rep", err);
        CHECK(rc == 1 && err_has(err, "index.html"),
              "-o rep%s over a user's link rep/index.html: exit %d, expected 1",
              force ? " --force" : "", rc);
        CHECK(is_link_to(p, "../user/secret.txt"), "rep/index.html, a user's link, is gone%s",
              force ? " (--force)" : "");
    }
    /* (b) a stale temporary folder whose forged marker lists a user's link */
    snprintf(p, sizeof p, "%s/.rep2.tmp-abc123/index.html", w);
    CHECK(symlink("../user/secret.txt", p) == 0, "cannot make %s", p);
    snprintf(p, sizeof p, "%s/.rep2.tmp-abc123/%s", w, MARK);
    write_text(p, "genre-analysis report folder 1\nstate writing\nfile index.html\n");
    rc = run_in(w, prog, src, FAST " -o rep2", err);
    CHECK(rc == 0, "-o rep2: exit %d", rc);
    snprintf(p, sizeof p, "%s/.rep2.tmp-abc123/index.html", w);
    CHECK(is_link_to(p, "../user/secret.txt"),
          "the link .rep2.tmp-abc123/index.html (listed by a forged marker) was deleted");
    CHECK(file_is(q, "secret\n"), "the user's secret.txt changed");
    return 0;
}

static int test_outdir_killed(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], err[1300];
    if (strace_missing())
        return 0;
    fresh_folder(w, err, work, "outdir-killed", "mixed");
    char notes[1200];
    snprintf(notes, sizeof notes, "%s/mixed/notes.txt", w);
    write_text(notes, "mine\n");
    int rc = run_in(w, prog, src, FAST " --force -o mixed", err);
    CHECK(rc == 0, "first --force run: exit %d", rc);
    /* a run with plots (names the first report's marker lacks), killed
     * once its merge has moved a file or two */
    snprintf(p, sizeof p,
             "cd '%s' && strace -f -qq -o /dev/null -e trace=renameat "
             "-e inject=renameat:signal=SIGKILL:when=3 '%s' --no-tsne --no-kmeans --no-mlp "
             "--no-names --force -o mixed -i '%.900s/data/music_genre.csv.gz' >/dev/null 2>&1",
             w, prog, src);
    rc = run_program(p);
    CHECK(rc != 0, "the run to be killed exited with 0");
    snprintf(p, sizeof p, "%s/mixed/plots", w);
    CHECK(count_prefix(p, "") > 0, "the kill came before any plot was moved into mixed");
    rc = run_in(w, prog, src, FAST " --force -o mixed", err);
    CHECK(rc == 0, "--force after the killed run: exit %d", rc);
    CHECK(count_prefix(p, "") == 0, "the killed run's plots stayed in mixed/plots");
    CHECK(count_prefix(w, ".mixed.tmp-") == 0, "a temporary folder was left beside mixed");
    CHECK(file_is(notes, "mine\n"), "the user's notes.txt changed");
    return 0;
}

static int test_outdir_race(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], q[4000], err[1300], data[1200];
    if (strace_missing())
        return 0;
    fresh_folder(w, err, work, "outdir-race", "mixed user");
    snprintf(data, sizeof data, "%.900s/data/music_genre.csv.gz", src);
    snprintf(p, sizeof p, "%s/mixed/notes.txt", w);
    write_text(p, "mine\n");
    int rc = run_in(w, prog, src, FAST " --force -o mixed", err);
    CHECK(rc == 0, "first --force run: exit %d", rc);
    pid_t pid = fork();
    if (pid == 0) {
        if (chdir(w) || !freopen(err, "w", stderr) || !freopen("/dev/null", "w", stdout))
            _exit(127);
        execlp("strace", "strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=renameat", "-e",
               "inject=renameat:delay_enter=3000000:when=2", prog, "--no-tsne", "--no-kmeans",
               "--no-mlp", "--no-names", "--force", "-o", "mixed", "-i", data, (char *)NULL);
        _exit(127);
    }
    /* the merge marker has landed: the first file's move is being held */
    snprintf(p, sizeof p, "%s/mixed/%s", w, MARK);
    int swapped = 0;
    for (int i = 0; pid > 0 && i < 6000 && !swapped; i++) {
        char *m = slurp(p, NULL);
        if (m && strstr(m, "state merging")) {
            snprintf(p, sizeof p, "%s/mixed/plots", w);
            snprintf(q, sizeof q, "%s/mixed/plots.moved", w);
            CHECK(rename(p, q) == 0 && symlink("../user", p) == 0,
                  "cannot swap mixed/plots for a link");
            swapped = 1;
        }
        free(m);
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    CHECK(swapped, "the run never reached its merge");
    snprintf(p, sizeof p, "%s/user", w);
    CHECK(count_prefix(p, "") == 0, "%d files moved into the user's folder through the link "
          "swapped for mixed/plots", count_prefix(p, ""));
    snprintf(p, sizeof p, "%s/mixed/plots", w);
    CHECK(is_link_to(p, "../user"), "the user's link mixed/plots is gone");
    /* (b) another run's clean-up holds our new temporary folder's lock for
     * a moment (strace holds our flock 2 s, the test locks the folder for
     * 2.5 s meanwhile): the run waits for it instead of failing */
    pid = fork();
    if (pid == 0) {
        if (chdir(w) || !freopen(err, "w", stderr) || !freopen("/dev/null", "w", stdout))
            _exit(127);
        execlp("strace", "strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=flock", "-e",
               "inject=flock:delay_enter=2000000:when=1", prog, "--no-tsne", "--no-kmeans",
               "--no-mlp", "--no-plots", "--no-names", "-o", "rep2", "-i", data, (char *)NULL);
        _exit(127);
    }
    int held = 0;
    for (int i = 0; pid > 0 && i < 6000 && !held; i++) {
        DIR *dir = opendir(w);
        struct dirent *e;
        while (dir && !held && (e = readdir(dir)))
            if (!strncmp(e->d_name, ".rep2.tmp-", 10)) {
                snprintf(p, sizeof p, "%s/%s", w, e->d_name);
                int fd = open(p, O_RDONLY | O_DIRECTORY);
                held = fd >= 0 && flock(fd, LOCK_EX) == 0;
                struct timespec ts = {2, 500000000};
                nanosleep(&ts, NULL);
                if (fd >= 0)
                    close(fd);
            }
        if (dir)
            closedir(dir);
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    CHECK(held, "never saw the run's temporary folder");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "a run whose new folder was locked for a moment: status %d", st);
    snprintf(p, sizeof p, "%s/rep2/index.html", w);
    CHECK(exists(p), "no report in rep2");
    return 0;
}

static int test_outdir_partial(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], err[1300], out[1300], data[1200];
    fresh_folder(w, err, work, "outdir-partial", "");
    snprintf(out, sizeof out, "%s.out", w);
    snprintf(data, sizeof data, "%.900s/data/music_genre.csv.gz", src);
    int rc = run_in(w, prog, src, FAST " -o rep", err);
    CHECK(rc == 0, "complete run: exit %d", rc);
    snprintf(p, sizeof p, "%s/rep/metrics.json", w);
    char *before = slurp(p, NULL);
    CHECK(before && strstr(before, "\"complete\": true"), "the first report is not complete");
    /* the MLPs run for many seconds: SIGINT once the data stage is done
     * (err is emptied first: it holds the complete run's lines) */
    write_text(err, "");
    pid_t pid = fork();
    if (pid == 0) {
        if (chdir(w) || !freopen(err, "w", stderr) || !freopen(out, "w", stdout))
            _exit(127);
        execl(prog, prog, "--no-tsne", "--no-kmeans", "--no-plots", "--no-names", "-i", data,
              "-o", "rep", (char *)NULL);
        _exit(127);
    }
    int sent = 0;
    for (int i = 0; pid > 0 && i < 1200 && !sent; i++) {
        char *e = slurp(err, NULL);
        if (e && strstr(e, "load + impute: done")) {
            struct timespec ts = {0, 300000000};
            nanosleep(&ts, NULL);
            kill(pid, SIGINT);
            sent = 1;
        }
        free(e);
        if (!sent) {
            struct timespec ts = {0, 50000000};
            nanosleep(&ts, NULL);
        }
    }
    if (pid > 0 && !sent)
        kill(pid, SIGINT);
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    CHECK(sent, "the data stage never finished");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 130, "cancelled run: status %d, expected exit "
          "130", st);
    char *after = slurp(p, NULL);
    CHECK(before && after && !strcmp(before, after),
          "the complete report was replaced by the cancelled run");
    snprintf(p, sizeof p, "%s/rep.partial/metrics.json", w);
    char *part = slurp(p, NULL);
    CHECK(part && strstr(part, "\"complete\": false"), "no partial report in rep.partial");
    char *o = slurp(out, NULL);
    CHECK(o && strstr(o, "PARTIAL") && strstr(o, "rep.partial/index.html"),
          "the printed line does not name rep.partial: %s", o ? o : "(none)");
    free(before), free(after), free(part), free(o);
    CHECK(count_prefix(w, ".rep.tmp-") == 0, "the cancelled run left a temporary folder");
    return 0;
}

/* ---- the attack of issue 18 on output folders and split files ---- */
static int test_outdir_root(const char *prog, const char *src, const char *work)
{
    char w[1100], p[2400], err[1300], opts[400];
    fresh_folder(w, err, work, "outdir-root", "");
    const char *outs[] = {"/proc", "/proc/", "/sys"};
    struct stat root, sb;
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        if (stat("/", &root) || stat(outs[i], &sb) || sb.st_dev == root.st_dev) {
            fprintf(stderr, "%s skipped: not a mount point here\n", outs[i]);
            continue;
        }
        snprintf(opts, sizeof opts, FAST " --force -o %s", outs[i]);
        int rc = run_in(w, prog, src, opts, err);
        snprintf(p, sizeof p, "-o %.4s/genre-report", outs[i] + 1);
        CHECK(rc == 1 && err_has(err, "mount point") && err_has(err, p + 3),
              "-o %s: exit %d, expected 1 and a suggestion of %s", outs[i], rc, p + 3);
        CHECK(lacks(err, "//"), "-o %s: a path with // in the message", outs[i]);
    }
    return 0;
}

/* The plots a run draws, first name (plots/NAME) into name. */
#define PLOTS "--no-tsne --no-kmeans --no-mlp --no-names"

static int test_outdir_clash(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], err[1300], name[300] = "";
    fresh_folder(w, err, work, "outdir-clash", "mixed");
    /* a plot's name, from a run of our own */
    int rc = run_in(w, prog, src, PLOTS " -o scratch", err);
    snprintf(p, sizeof p, "%s/scratch/plots", w);
    DIR *d = opendir(p);
    struct dirent *e;
    while (d && !name[0] && (e = readdir(d)))
        if (e->d_name[0] != '.')
            snprintf(name, sizeof name, "%s", e->d_name);
    if (d)
        closedir(d);
    CHECK(rc == 0 && name[0], "the run with plots: exit %d, no plot", rc);
    /* mixed: a user's notes.txt, our report (no plots), a user's plot file */
    snprintf(p, sizeof p, "%s/mixed/notes.txt", w);
    write_text(p, "mine\n");
    rc = run_in(w, prog, src, FAST " --force -o mixed", err);
    CHECK(rc == 0, "--force beside notes.txt: exit %d", rc);
    snprintf(p, sizeof p, "%s/mixed/plots/%s", w, name);
    write_text(p, "mine\n");
    write_text(err, "");
    rc = run_in(w, prog, src, PLOTS " --force -o mixed", err);
    char want[400];
    snprintf(want, sizeof want, "its plots/%s was not written by genre-analysis", name);
    CHECK(rc == 1 && err_has(err, want), "--force over a user's plots/%s: exit %d", name, rc);
    CHECK(lacks(err, "load + impute"), "the clash was found after the analysis ran");
    CHECK(file_is(p, "mine\n"), "the user's plots/%s changed", name);
    CHECK(count_prefix(w, ".mixed.tmp-") == 0, "a temporary folder was left beside mixed");
    return 0;
}

static int test_outdir_late(const char *prog, const char *src, const char *work)
{
    char w[1100], p[4000], err[1300];
    if (strace_missing())
        return 0;
    fresh_folder(w, err, work, "outdir-late", "");
    int rc = run_in(w, prog, src, FAST " --seed 11 -o rep", err);
    CHECK(rc == 0, "first run: exit %d", rc);
    snprintf(p, sizeof p,
             "cd '%s' && strace -f -qq -o /dev/null -e trace=renameat2 "
             "-e inject=renameat2:error=EPERM '%s' " FAST " --seed 12 -o rep "
             "-i '%.900s/data/music_genre.csv.gz'",
             w, prog, src);
    rc = run_capture(p, err);
    CHECK(rc == 1 && err_has(err, "the report was not written"),
          "the final exchange failed: exit %d, expected 1 and a message", rc);
    snprintf(p, sizeof p, "%s/rep/metrics.json", w);
    char *j = slurp(p, NULL);
    CHECK(j && num_after(j, "seed") == 11, "the earlier report is not intact");
    free(j);
    CHECK(count_prefix(w, ".rep.tmp-") == 0, "a temporary folder was left beside rep");
    return 0;
}
int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: test_analysis_outdir outdir_refuse|outdir_replace|outdir_partial|"
                        "outdir_links|outdir_killed|outdir_race|outdir_root|outdir_clash|"
                        "outdir_late <genre-analysis> <src> <work>\n");
        return 2;
    }
    static const struct {
        const char *mode;
        int (*run)(const char *, const char *, const char *);
    } modes[] = {
        {"outdir_refuse", test_outdir_refuse},   {"outdir_replace", test_outdir_replace},
        {"outdir_links", test_outdir_links},     {"outdir_killed", test_outdir_killed},
        {"outdir_race", test_outdir_race},       {"outdir_partial", test_outdir_partial},
        {"outdir_root", test_outdir_root},       {"outdir_clash", test_outdir_clash},
        {"outdir_late", test_outdir_late},
    };
    size_t i = 0;
    while (i < sizeof modes / sizeof modes[0] && strcmp(argv[1], modes[i].mode))
        i++;
    if (i == sizeof modes / sizeof modes[0]) {
        fprintf(stderr, "test_analysis_outdir: unknown mode %s\n", argv[1]);
        return 2;
    }
    modes[i].run(argv[2], argv[3], argv[4]);
    if (analysis_failures)
        fprintf(stderr, "%d check(s) failed\n", analysis_failures);
    return analysis_failures ? 1 : 0;
}
