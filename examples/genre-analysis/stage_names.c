/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The name study (DESIGN.md step 6, examples/name_study.c) as a stage of
 * genre-analysis, on a thread of its own: names_start(), names_wait(). */
#define _XOPEN_SOURCE 700

#include "analysis.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* name_study_run() reports each step by name; the bar advances by a rough
 * weight per step (the three names+audio fits take most of the time). */
static int ns_step_weight(const char *what)
{
    if (strstr(what, "names scaled by"))
        return 10;
    if (strstr(what, "out-of-fold"))
        return 1;
    if (strstr(what, "reduced names+audio"))
        return 2;
    if (strstr(what, ": names model") || strstr(what, ": audio model"))
        return 3;
    if (strstr(what, "name features") || strstr(what, "bootstrap"))
        return 1;
    return 0;
}

static bar g_ns_bar;

static void ns_progress(void *user, const char *what)
{
    run *r = user;
    if (r->ns_abandoned)
        return;
    r->ns_weight_done += r->ns_weight_prev;
    r->ns_weight_prev = ns_step_weight(what);
    if (r->ns_weight_total > 0)
        bar_show(&g_ns_bar, r->ns_weight_done / r->ns_weight_total);
}

static int ns_cancel(void *user)
{
    (void)user;
    return g_cancel ? 1 : 0;
}

static void *ns_main(void *arg)
{
    run *r = arg;
    name_study_options o;
    name_study_default_options(&o);
    o.seed = r->opt.seed;
    if (r->opt.names_quick) {
        /* as genre-name-study --quick */
        o.folds = 3;
        o.names_epochs = 5;
        o.both_epochs = 4;
        o.audio_epochs = 40;
        o.n_resamples = 200;
    }
    o.progress = ns_progress;
    o.cancel = ns_cancel;
    o.user = r;
    r->ns_weight_total = NAME_STUDY_N_SPLITS * (1 + 3 + 3 + 10 * NAME_STUDY_N_SCALES +
                                                o.folds + 2 + 1);
    int rc = name_study_run(r->ds, &o, r->ns);
    /* The main thread may have given up on this one (Ctrl-C): then it owns
     * nothing here any more and the stage is already marked. */
    pthread_mutex_lock(&g_reg);
    if (!r->ns_abandoned) {
        stage *s = r->ns_stage;
        if (rc == 0) {
            r->have_ns = 1;
            const name_study_split *a = &r->ns->split[NS_SPLIT_ARTIST];
            stage_note(s, "%s; names+audio - audio on the artist-disjoint split %+.4f "
                          "(95%% interval %+.4f to %+.4f)",
                       r->opt.names_quick ? "quick settings" : "full settings", a->diff,
                       a->diff_lo, a->diff_hi);
            stage_end(s, ST_DONE);
        } else if (r->ns->cancelled) {
            r->cancelled = 1;
            stage_note(s, "cancelled by Ctrl-C; its numbers are left out");
            stage_end(s, ST_CANCELLED);
        } else {
            r->failed = 1;
            stage_note(s, "%s", r->ns->error);
            snprintf(r->error, sizeof r->error, "name study: %s", r->ns->error);
            stage_end(s, ST_FAILED);
        }
        r->ns_done = 1;
    }
    pthread_mutex_unlock(&g_reg);
    if (!r->ns_abandoned)
        bar_end(&g_ns_bar, rc == 0 ? "done" : r->ns->cancelled ? "cancelled" : "failed");
    return NULL;
}

/* Starts the study beside the other stages, or records why it does not run. */
void names_start(run *r)
{
    stage *s = stage_begin(r, "name study (names, audio, names+audio; 2 splits)");
    r->ns_stage = s;
    if (r->opt.no_names) {
        stage_note(s, "--no-names");
        stage_end(s, ST_SKIPPED);
        return;
    }
    if (r->opt.schema) {
        stage_note(s, "needs the built-in music_genre schema (artist_name, track_name); "
                      "not run with --schema");
        stage_end(s, ST_UNAVAILABLE);
        return;
    }
    r->ns = calloc(1, sizeof *r->ns);
    if (!r->ns) {
        stage_note(s, "out of memory");
        stage_end(s, ST_FAILED);
        r->failed = 1;
        return;
    }
    bar_start(&g_ns_bar, "name study");
    if (pthread_create(&r->ns_thread, NULL, ns_main, r) == 0) {
        r->ns_started = 1;
    } else {
        ns_main(r); /* no thread: run it here */
    }
}

/* Waits for the study. On Ctrl-C the study stops at its next epoch or step
 * (name_study_options.cancel); should it not have stopped within
 * NS_CANCEL_WAIT_S, the report is written without it and the thread is left
 * to the program's exit. */
#define NS_CANCEL_WAIT_S 10.0
void names_wait(run *r)
{
    if (!r->ns_started)
        return;
    double cancel_seen = -1;
    for (;;) {
        if (r->ns_done) {
            pthread_join(r->ns_thread, NULL);
            r->ns_started = 0;
            return;
        }
        if (g_cancel) {
            const double t = now_s();
            if (cancel_seen < 0)
                cancel_seen = t;
            if (t - cancel_seen > NS_CANCEL_WAIT_S) {
                pthread_mutex_lock(&g_reg);
                if (!r->ns_done) {
                    r->ns_abandoned = 1;
                    r->cancelled = 1;
                    stage_note(r->ns_stage, "cancelled by Ctrl-C (the study did not stop "
                                            "within %.0f s; its numbers are left out)",
                               NS_CANCEL_WAIT_S);
                    stage_end(r->ns_stage, ST_CANCELLED);
                }
                pthread_mutex_unlock(&g_reg);
                if (r->ns_abandoned) {
                    bar_end(&g_ns_bar, "cancelled");
                    pthread_detach(r->ns_thread);
                    return;
                }
                continue;
            }
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}
