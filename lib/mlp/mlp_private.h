/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private: the MLP's internal types (parameters, network,
 * handle, input view, fit data, workspaces, the thread team's job), its
 * constants, the kernel build switches (multiversioning, AVX2), the
 * functions one MLP file offers the others (genre__mlp_*, hidden), and the
 * test hooks (GENRE_TESTING).
 */
#ifndef GENRE_MLP_PRIVATE_H
#define GENRE_MLP_PRIVATE_H

#include <genre/mlp.h>
#include <genre/error.h>
#include <genre/model.h>

#include "alloc.h"
#include "error_private.h"
#include "linalg.h"
#include "model_file.h"
#include "multiversion.h"
#include "parallel.h"
#include "params.h"
#include "rng.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MLP_PAYLOAD_VERSION 1u
#define MAX_HIDDEN 64
#define MAX_WIDTH 1000000
#define MAX_CLASSES 65536
#define DEFAULT_HIDDEN 100
#define BLOCK_ROWS 256           /* inference rows per block */
#define INFER_MAX_GATHER ((size_t)1 << 20) /* doubles of dense input per block */
#define PI_CONST 3.14159265358979323846
#define PREFETCH_ROWS 48       /* gather: rows requested ahead of use */
/* Histories per epoch, in the order of GENRE_MLP_HISTORY_*: train loss,
 * validation loss and accuracy, monitor loss and accuracy. */
#define HIST_KINDS 5

/* RNG streams of one seed. */
#define STREAM_INIT 1u           /* + layer index */
#define STREAM_SHUFFLE 1000u
#define STREAM_DROPOUT 1001u
#define STREAM_DROPOUT_WORKER 1100u /* + worker, fits on 2+ threads */

/* ---- Types ---------------------------------------------------------------- */

/* The parameters of a handle, one slot per settable key (genre__mlp_param_table). */
typedef struct mlp_params {
    double lr, l2, beta1, beta2, eps, momentum, dropout, min_delta;
    int64_t epochs, batch, activation, seed, optimizer, patience, restore_best, shuffle,
        validate, init, n_classes, schedule, kernel, sparse_update, n_threads, precision,
        partial_buffer;
} mlp_params;

/* A fitted (or being fitted) network: layout, weights, history. */
typedef struct mlp_net {
    int32_t task, activation, kernel;
    size_t n_layers;  /* dense layers: hidden + output */
    size_t *width;    /* n_layers + 1 entries; then w_off, b_off (n_layers each) */
    size_t *w_off, *b_off;
    size_t n_params, max_width;
    double *params;
    size_t n_epochs;
    double *hist;     /* HIST_KINDS * n_epochs: GENRE_MLP_HISTORY_* in turn */
    int64_t best_epoch;
    int64_t stopped_early;
} mlp_net;

/* What genre_mlp_partial_fit() carries from call to call (mlp_partial.c):
 * the optimiser state and the fit's random streams, continued. */
typedef struct mlp_partial {
    double *m1, *m2;       /* n_params each: Adam's moments or SGD's velocity (m1) */
    uint64_t t;            /* optimiser steps taken */
    double b1t, b2t;       /* beta1^t, beta2^t */
    genre__rng shuffle;    /* the fit's STREAM_SHUFFLE, continued */
    genre__rng drop;       /* the fit's STREAM_DROPOUT (one thread), continued */
    uint64_t windows;      /* shuffle windows trained (the team's dropout streams) */
    uint64_t rows;         /* rows trained */
    double loss_sum;       /* sum over mini-batches of mean loss x rows */
} mlp_partial;

/* The monitor rows of genre_mlp_set_monitor() (mlp_monitor.c): the handle's
 * own contiguous copy. */
typedef struct mlp_monitor {
    double *x;         /* n_rows x n_cols */
    int32_t *labels;   /* n_rows */
    size_t n_rows, n_cols;
} mlp_monitor;

/* The handle: parameters, callbacks and the current fit. */
struct genre_mlp {
    mlp_params p;
    int32_t *hidden;
    size_t n_hidden;
    genre__hooks hooks;
    mlp_net *net;     /* NULL until fitted */
    mlp_partial *partial; /* NULL unless the last training was genre_mlp_partial_fit() */
    mlp_monitor *monitor; /* NULL unless genre_mlp_set_monitor() set rows */
};

/* The input of the first layer: dense rows (x, stride), or CSR rows when
 * row_ptr is not NULL (row i holds the entries row_ptr[i] .. row_ptr[i+1]
 * of col_idx and values; repeated columns add up). */
typedef struct mlp_input {
    const double *x;
    size_t stride;
    const size_t *row_ptr;
    const uint32_t *col_idx;
    const double *values;
} mlp_input;

/* What a fit needs from its caller, for either task. */
typedef struct fit_data {
    mlp_input in;
    size_t n_rows, n_cols;
    const int32_t *labels;  /* classification */
    const double *y;        /* regression, n_rows x n_out */
    mlp_input val;          /* validation rows (dense or CSR) when has_val */
    size_t n_val;
    const int32_t *labels_val;
    const double *y_val;
    int has_val;
    mlp_input mon;          /* monitor rows (dense) when has_mon: watched, never trained on */
    size_t n_mon;
    const int32_t *labels_mon;
    int has_mon;
} fit_data;

/* Scratch of one fit, in one allocation. */
typedef struct train_ws {
    double *block;     /* everything below points into it */
    double *x0;        /* gathered batch input, B x n_in */
    double **h;        /* per hidden layer: activation output, B x width */
    double **d;        /* per hidden layer: after dropout (== h without dropout) */
    double **mask;     /* per hidden layer: dropout scale (NULL without dropout) */
    double *zout;      /* B x n_out */
    double *g1, *g2;   /* B x max_width gradients */
    double *grad, *m1, *m2, *best; /* n_params each (best: early stopping) */
    double *val_out;   /* one row of validation probabilities */
    double *rowtmp;    /* 2 x batch: per-row softmax max and sum */
    double *val_bufs;  /* inference scratch of BLOCK_ROWS rows */
    size_t *perm;
    void *ptrs;
    /* CSR input only: */
    size_t *slot;      /* n_cols: SIZE_MAX, or the feature's index in touched */
    size_t *touched;   /* the features occurring in the current batch */
    size_t n_touched;
    size_t *feat_start; /* n_touched + 1: feature s's entries are [feat_start[s], [s + 1]) */
    size_t *ent_slot;  /* per entry of the batch (row order): its feature's index in touched */
    size_t *ent_row;   /* per entry, grouped by feature: its row in the batch */
    double *ent_val;   /* per entry, grouped by feature: its value */
    double *dzr;       /* batch x width[1]: the first layer's output gradient, row-major */
    double *lanes;     /* WL x width[1]: one feature's lane sums */
    double *rowbuf;    /* width[1] doubles */
    double *zeros;     /* width[1] zeros */
    int lazy;          /* GENRE_MLP_SPARSE_UPDATE in effect */
} train_ws;

/* Float scratch of one chunk of a batch (the float twin of train_ws's
 * batch arrays), in one allocation. */
typedef struct train_wsf {
    float *block;
    float *x0;          /* gathered input, n_in x ld */
    float **h, **d, **mask; /* per hidden layer, as in train_ws */
    float *zout, *g1, *g2;
    float *grad;        /* n_params */
    float *rowtmp;      /* 2 x ld */
    void *ptrs;
} train_wsf;

/* What a float fit holds beside the double one: the training rows and the
 * weights in float, and one workspace per chunk of a batch. */
typedef struct f32_ctx {
    float *x;          /* n_rows x n_cols, contiguous */
    float *par;        /* n_params: float copy of the master weights */
    train_wsf *ws;     /* T */
    int T;
} f32_ctx;

/* One data-parallel fit's team and its current batch (mlp_team.c). */
typedef struct team_job {
    const mlp_net *n;
    const mlp_params *p, *p_rest; /* worker 0; the others (no L2) */
    const fit_data *fd;
    train_ws *ws;      /* T workspaces; ws[0] is the fit's own */
    genre__rng *rng;   /* T dropout streams */
    double *loss;      /* T */
    genre_status *st;  /* T */
    const size_t *idx; /* the batch */
    size_t rows;
    int T, t_eff;
    size_t norm;       /* rows the losses are averaged over; 0: the batch's (1: sums) */
    genre__team *team;
    f32_ctx *f32;      /* float mode: its T workspaces (ws[1..T) unused) */
} team_job;

/* The MLP's parameter table (mlp.c): every key with its default, accepted
 * values and slot in mlp_params (lib/common/params.h). The file format
 * stores the settable f64 keys, then the settable i64 keys, each in table
 * order; a key added after 0.1 may be missing from a file (its default). */

/* ---- Kernel build switches ------------------------------------------------ */

/* The kernels are cloned per x86-64 level where the build allows it
 * (multiversion.h); elsewhere they build for the baseline. */
#define GENRE_KERNEL GENRE_LEVEL_CLONES("arch=x86-64-v4", "arch=x86-64-v3", "default")
/* Multiply-adds are fused (fma(), correctly rounded by definition), so the
 * FMA clones and the default clone (libm's fma) give the same bits. */
#define MADD(a, b, c) fma((a), (b), (c))
/* Lanes of the reductions over rows (weight and bias gradients). */
#define WL 4
#define WLF 8 /* lanes of the float reductions over rows (one AVX2 vector) */

/* AVX2 + FMA kernels (mlp_kernels.c), picked at run time by cpuid. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(GENRE_NO_AVX2_KERNELS)
#  define GENRE_MLP_AVX2 1
#  define AVX2_FN __attribute__((target("avx2,fma")))
#else
#  define GENRE_MLP_AVX2 0
#endif

/* ---- Functions shared between the MLP files ------------------------------ */

/* mlp_kernels.c: the portable kernels the other files call (mlp_kernels.inc,
 * double and float instances). */
void genre__mlp_bias_grad(const double *dzt, size_t n, size_t o, double *db);
void genre__mlp_activate(int32_t act, double *v, size_t n);
void genre__mlp_hidden_backward(int32_t act, int fused_relu, const double *mask, const double *h,
                                double *da, size_t n);
void genre__mlp_softmax_parts(const double *z, size_t n, size_t k, double *e, double *mx,
                              double *s);
void genre__mlp_scale_cols(double *z, size_t n, size_t k, const double *f);
void genre__mlp_dropout_forward(genre__rng *rng, double rate, double keep_scale,
                                const double *z, double *mask, double *d, size_t n);
void genre__mlp_gather_rows(const double *x, size_t stride, const size_t *idx, size_t n,
                            size_t n_in, double *g, size_t ld);
double *genre__mlp_carve_batch_arrays(const mlp_net *n, size_t ld, int dropout, double *p,
                                      double **h, double **d, double **mask, double **zout,
                                      double **g1, double **g2);
void genre__mlp_bias_gradf(const float *dzt, size_t n, size_t o, float *db);
void genre__mlp_activatef(int32_t act, float *v, size_t n);
void genre__mlp_hidden_backwardf(int32_t act, int fused_relu, const float *mask, const float *h,
                                 float *da, size_t n);
void genre__mlp_softmax_partsf(const float *z, size_t n, size_t k, float *e, float *mx,
                               float *s);
void genre__mlp_scale_colsf(float *z, size_t n, size_t k, const float *f);
void genre__mlp_dropout_forwardf(genre__rng *rng, double rate, float keep_scale,
                                 const float *z, float *mask, float *d, size_t n);
void genre__mlp_gather_rowsf(const float *x, size_t stride, const size_t *idx, size_t n,
                             size_t n_in, float *g, size_t ld);
float *genre__mlp_carve_batch_arraysf(const mlp_net *n, size_t ld, int dropout, float *p,
                                      float **h, float **d, float **mask, float **zout,
                                      float **g1, float **g2);

/* Lifetime (mlp.c): network allocation and release. */
void genre__mlp_net_free(mlp_net *n);
genre_status genre__mlp_net_new(const char *func, const size_t *widths, size_t n_layers,
                                int32_t task, int32_t activation, int32_t kernel,
                                size_t n_epochs_cap, mlp_net **out);

/* Training (mlp_train.c): initialisation, the double workspaces and the
 * double mini-batch gradient (the team's workers and the float path reuse
 * them), the L2 term of one layer. */
void genre__mlp_init_params(mlp_net *n, const mlp_params *p);
void genre__mlp_ws_free(train_ws *w);
size_t genre__mlp_padded_rows(size_t rows);
genre_status genre__mlp_ws_alloc(train_ws *w, const mlp_net *n, size_t batch, const fit_data *fd,
                                 int dropout, int keep_best, int lazy);
void genre__mlp_add_l2(const mlp_net *n, size_t l, double l2, const double *params, double *grad);
genre_status genre__mlp_batch_grad(const mlp_net *n, const mlp_params *p, const fit_data *fd,
                                   const size_t *idx, size_t rows, size_t norm, train_ws *w,
                                   genre__rng *rng, double *loss);
/* One optimiser step on np parameters (Adam's bias corrections from
 * b1t = beta1^t, b2t = beta2^t; SGD's first step sets v = g). */
void genre__mlp_opt_step(const mlp_params *p, double lr, uint64_t t, double b1t, double b2t,
                         double *par, const double *g, double *m1, double *m2, size_t np);

/* The first layer on CSR batches (mlp_sparse.c): its gradient (dz: o x ld;
 * db and, unless w->lazy, dW with its L2 term into w->grad; when lazy, only
 * the batch's entries grouped by feature, for genre__mlp_lazy_step()), and
 * the lazy step: the optimiser on the rows of W_0 (par) of the batch's
 * features, each row's gradient (with L2) computed as it is used. */
void genre__mlp_csr_first_layer_grad(const mlp_net *n, const mlp_params *p, const fit_data *fd,
                                     const size_t *idx, size_t rows, size_t ld, const double *dz,
                                     train_ws *w);
void genre__mlp_lazy_step(const mlp_params *p, double lr, uint64_t t, double b1t, double b2t,
                          double *par, train_ws *w, size_t o);

/* Partial fits (mlp_partial.c): the state's release, and its records in the
 * model file (after the model's own, tags 70 and up; optional: a file
 * without them loads with no partial state). */
void genre__mlp_partial_free(mlp_partial *s);
genre_status genre__mlp_partial_write(const genre_mlp *model, genre__mf_writer *w);
genre_status genre__mlp_partial_read(const genre__mf_reader *r, const char *func,
                                     genre_mlp *model);

/* The monitor (mlp_monitor.c): its release, and its rows put into a
 * classifier fit's data (fd->mon) after checking them against the fit's
 * columns and class count k (nothing without monitor rows). */
void genre__mlp_monitor_free(mlp_monitor *m);
genre_status genre__mlp_monitor_attach(const genre_mlp *model, const char *func, size_t n_cols,
                                       size_t k, fit_data *fd);

/* The reduction hook (mlp_reduce.c): with model's reducer set, grad (the
 * batch's gradient as sums over this process's rows, no L2) and *loss (their
 * loss sum) go to the reducer in buf (n_params + 2 doubles) with rows; on
 * GENRE_OK grad is the gradient of the mean over every process's rows plus
 * the L2 term (l2), *loss the loss sum and *rows_total the row count over
 * every process. Failures (the hook's, a bad row count) are recorded for func. */
genre_status genre__mlp_reduce_batch(const genre_mlp *model, const char *func,
                                     const mlp_net *n, double l2, uint64_t step, double *buf,
                                     double *grad, double *loss, size_t rows,
                                     double *rows_total);

/* The thread team (mlp_team.c): the thread count of a fit, one job per fit,
 * one mini-batch across the team. */
void genre__mlp_team_job_free(team_job *j);
genre_status genre__mlp_team_job_new(team_job *j, const mlp_net *n, const mlp_params *p,
                                     const mlp_params *p_rest, const fit_data *fd,
                                     const train_ws *w, size_t batch, int T, f32_ctx *f32);
genre_status genre__mlp_team_batch(team_job *j, const size_t *idx, size_t rows, double *loss);
int genre__mlp_fit_threads(const mlp_net *n, const mlp_params *p, const fit_data *fd, size_t batch);

/* Float compute mode (mlp_float.c): a fit's float weight and row copies and
 * workspaces, the float mini-batch gradient and its reduction to double. */
void genre__mlp_f32_free(f32_ctx *c);
void genre__mlp_f32_refresh(f32_ctx *c, const mlp_net *n);
genre_status genre__mlp_f32_new(f32_ctx *c, const mlp_net *n, const fit_data *fd, size_t batch,
                                int T, int dropout);
genre_status genre__mlp_batch_gradf(const mlp_net *n, const mlp_params *p, const fit_data *fd,
                                    const f32_ctx *c, const size_t *idx, size_t rows, size_t norm,
                                    train_wsf *w, genre__rng *rng, double *loss);
void genre__mlp_f32_reduce(const mlp_net *n, const mlp_params *p, const f32_ctx *c, int T,
                           double *g);
genre_status genre__mlp_single_batch(const mlp_net *n, const mlp_params *p, const fit_data *fd,
                                     const f32_ctx *f32, const size_t *idx, size_t rows,
                                     size_t norm, train_ws *w, genre__rng *rng, double *loss);

/* Dense kernels (mlp_kernels.c): which layers use the built-in kernels, the
 * batch arrays' size, the cpuid check and AVX2 Adam step, and the dense
 * products (AVX2 where the CPU has it, else portable: the same bits). */
int genre__mlp_use_builtin(const mlp_net *n, size_t layer);
size_t genre__mlp_batch_array_count(const mlp_net *n, size_t ld, int dropout);
#if GENRE_MLP_AVX2
int genre__mlp_have_avx2(void);
void genre__mlp_adam_step_avx2(double *par, const double *g, double *m1, double *m2, size_t np,
                               double b1, double b2, double step, double bc2, double e);
#endif
genre_status genre__mlp_dense_forward(int builtin, const double *at, size_t n, size_t in,
                                      const double *w, const double *b, size_t o, double *zt,
                                      int relu);
genre_status genre__mlp_dense_weight_grad(int builtin, const double *at, size_t n, size_t in,
                                          const double *dzt, size_t o, double *dw, double *db);
genre_status genre__mlp_dense_input_grad(int builtin, const double *dzt, size_t n, size_t o,
                                         const double *w, size_t in, double *dat,
                                         const double *relu_h);
void genre__mlp_dense_forwardf(const float *at, size_t n, size_t in, const float *w,
                               const float *b, size_t o, float *zt, int relu);
void genre__mlp_dense_weight_gradf(const float *at, size_t n, size_t in, const float *dzt,
                                   size_t o, float *dw, float *db);
void genre__mlp_dense_input_gradf(const float *dzt, size_t n, size_t o, const float *w,
                                  size_t in, float *dat, const float *relu_h);

/* Inference (mlp_infer.c): the CSR first-layer product, the forward pass of
 * a block of rows and its scratch, the CSR input check, argmax. */
void genre__mlp_csr_forward(const mlp_input *in, const size_t *idx, size_t r0, size_t rows,
                            size_t ld, const double *w, const double *b, size_t o, double *zt,
                            int relu, double *tmp);
size_t genre__mlp_infer_scratch(const mlp_net *n, size_t rows, int csr);
genre_status genre__mlp_forward_infer(const mlp_net *n, const mlp_input *in, size_t r0,
                                      size_t rows, size_t n_run, double *bufs, const double **zt);
genre_status genre__mlp_check_csr(const char *func, const char *name, size_t n_rows,
                                  size_t n_cols, size_t nnz, const size_t *row_ptr,
                                  const uint32_t *col_idx, const double *values, int finite);
size_t genre__mlp_argmax(const double *v, size_t k);

#ifdef GENRE_TESTING
/*
 * The objective of one mini-batch holding all n_rows rows, as a fit sees it:
 * mean data loss + (l2 / 2) * sum of squared weights, and its gradient, for
 * the network the model's hidden layers and parameters describe on n_cols
 * inputs. Classification when labels is given (n_out classes), regression
 * on y (n_rows x n_out) otherwise. params (n_params values, NULL: the
 * seeded initialisation) are used as the weights. Dropout masks come from
 * dropout_seed, so equal seeds give equal masks. *n_params receives the
 * parameter count; grad (NULL allowed) receives the gradient.
 */
genre_status genre__mlp_test_objective(const genre_mlp *model, const double *x,
                                       size_t n_rows, size_t n_cols, const int32_t *labels,
                                       const double *y, size_t n_out, const double *params,
                                       uint64_t dropout_seed, double *loss, double *grad,
                                       size_t *n_params);

/* genre__mlp_test_objective() on CSR rows (exact, not lazy, gradient: every
 * row of the first layer's dW, zeros where no feature occurs). */
genre_status genre__mlp_test_objective_csr(const genre_mlp *model, size_t n_rows,
                                           size_t n_cols, const size_t *row_ptr,
                                           const uint32_t *col_idx, const double *values,
                                           const int32_t *labels, const double *y,
                                           size_t n_out, const double *params,
                                           uint64_t dropout_seed, double *loss, double *grad,
                                           size_t *n_params);

/*
 * With on != 0, the built-in dense kernels and Adam use their portable
 * versions even where the CPU has AVX2 and FMA (which give the same bits);
 * not thread-safe, for tests only. Returns 1 when the AVX2 versions exist
 * and the CPU runs them (so a comparison means something), else 0.
 */
int genre__mlp_test_force_portable(int on);
#endif

#endif
