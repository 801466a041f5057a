/*
 * libgenre -- music-genre classification from audio features.
 * Copyright (C) 2026 the libgenre developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/**
 * @file genre/mlp.h
 * @brief Multi-layer perceptron: a classifier (softmax + cross-entropy) and
 *        a regressor (mean squared error) with dense hidden layers.
 *
 * Network: input (n_features) -> hidden dense layers (widths set with
 * genre_mlp_set_hidden_layers(), activation GENRE_MLP_ACTIVATION, optional
 * inverted dropout after each hidden activation) -> a dense output layer
 * (n_classes logits followed by softmax, or n_targets linear outputs).
 *
 * Every dense layer l computes Z = A W + 1 b^T with W stored row-major as
 * fan_in x fan_out (one row per input feature). The first layer therefore
 * consumes its input one feature row of W at a time, which is also what a
 * sparse (CSR) input needs: genre_mlp_fit_csr(), genre_mlp_predict_proba_csr()
 * and genre_mlp_transform_csr() take CSR rows, and the model and the
 * file format are the same as for dense input (a model fit on either input
 * predicts from either, given the same number of columns).
 *
 * CSR input (n_rows x n_cols): row_ptr has n_rows + 1 entries, row_ptr[0]
 * == 0, non-decreasing; row i holds the entries row_ptr[i] .. row_ptr[i+1]
 * - 1 of col_idx (each < n_cols, any order) and values (finite). A column
 * that appears twice in a row counts with the sum of its values (up to
 * rounding: the entries are accumulated one by one). The first layer then
 * costs O(nnz x width) per batch, not O(n_cols x width), forward and
 * backward; with sorted, distinct columns per row its results have the same
 * bits as the dense input holding the same values.
 *
 * What the CSR calls read, and what they check: every CSR call takes the
 * entry count nnz, the length of col_idx and values. The library reads
 * row_ptr[0 .. n_rows] (n_rows + 1 entries) and col_idx[k] and values[k]
 * for k < nnz only, and before using any entry it checks, failing with
 * GENRE_E_INVALID_ARG and a message naming the function, the row and the
 * values: row_ptr not NULL, row_ptr[0] == 0, row_ptr non-decreasing and
 * never above nnz, row_ptr[n_rows] == nnz, nnz at most SIZE_MAX / 8,
 * col_idx and values not NULL when nnz > 0, every col_idx < n_cols; and
 * every value finite (GENRE_E_NONFINITE, unless GENRE_MLP_VALIDATE_INPUT is
 * 0). Duplicate and unsorted columns within a row are accepted (summed, as
 * above).
 *
 * Losses (minimised per mini-batch of B rows):
 * - classification: mean over rows of -log softmax(z)[label];
 * - regression: mean over rows and targets of (z - y)^2 (PyTorch's MSELoss);
 * plus (GENRE_MLP_L2 / 2) * (sum of squared weights, biases excluded), i.e.
 * "coupled" weight decay: the gradient of every weight gets + l2 * w.
 *
 * Initialisation (GENRE_MLP_INIT, seeded by GENRE_MLP_SEED, stream = layer):
 * - GENRE_MLP_INIT_AUTO (default): He-uniform for ReLU, Glorot-uniform for
 *   tanh and logistic; biases 0.
 * - GENRE_MLP_INIT_HE_UNIFORM: W ~ U(-sqrt(6 / fan_in), +sqrt(6 / fan_in)), b = 0.
 * - GENRE_MLP_INIT_HE_NORMAL: W ~ N(0, 2 / fan_in), b = 0.
 * - GENRE_MLP_INIT_GLOROT_UNIFORM: W ~ U(+-sqrt(6 / (fan_in + fan_out))), b = 0.
 * - GENRE_MLP_INIT_GLOROT_NORMAL: W ~ N(0, 2 / (fan_in + fan_out)), b = 0.
 * - GENRE_MLP_INIT_LECUN_UNIFORM: W and b ~ U(+-1 / sqrt(fan_in)) (what
 *   PyTorch's nn.Linear does by default).
 * The output layer uses the Glorot rule under AUTO.
 *
 * Optimisers: Adam (default; PyTorch's update with bias correction) and SGD
 * with (heavy-ball) momentum, v = mu v + g, w -= lr v.
 *
 * Mini-batches: GENRE_MLP_BATCH_SIZE rows (0 or >= n_rows: full batch), rows
 * reshuffled every epoch from the handle's seed (GENRE_MLP_SHUFFLE).
 * The same seed, data and parameters give bit-identical models.
 *
 * Threading: genre_mlp_fit() splits each mini-batch's rows over
 * GENRE_MLP_N_THREADS threads (by default up to 2, for batches of 256
 * rows or more) of a team started once per fit: every thread runs forward
 * and backward on its contiguous share of the batch, the gradients are
 * summed in thread order and one optimiser step is taken. The fit is
 * bit-identical run to run for a given seed, data, parameters and thread
 * count; different thread counts group the gradient sums differently, so
 * their models agree to rounding, not bit for bit, and with dropout each
 * thread draws its masks from its own stream of the seed. With
 * GENRE_MLP_N_THREADS = 1 the whole fit runs on the calling thread. CSR
 * fits, prediction and the per-epoch validation run on the calling thread;
 * matrix products through OpenBLAS (GENRE_MLP_DENSE_KERNEL = CBLAS, which
 * also forces one thread) follow OPENBLAS_NUM_THREADS. Progress, log
 * and reducer callbacks are called on the calling thread (the reducer after
 * the threads' gradients are combined). Distinct handles may be
 * used from distinct threads;
 * calls taking a const handle (predict*, save*, get*) are safe concurrently
 * on one fitted handle (inference scratch memory is allocated per call);
 * every other call needs exclusive access.
 */
#ifndef GENRE_MLP_H
#define GENRE_MLP_H

#include <genre/common.h>

GENRE_BEGIN_DECLS

/** Opaque MLP model. */
typedef struct genre_mlp genre_mlp;

/* ---- Parameter keys (values frozen; new keys are appended) --------------- */
/* Each key: its type, default and accepted values. "Enumerated" keys accept
 * only the listed values (genre_mlp_param_values() lists them;
 * genre_mlp_param_bounds() answers their smallest and largest). */
/** f64, (0, 10], default 1e-3: step size. */
#define GENRE_MLP_LEARNING_RATE 1
/** f64, [0, 1e3], default 0: L2 weight decay on weights (not biases). */
#define GENRE_MLP_L2 2
/** i64, [1, 10000000], default 200: maximal number of epochs. */
#define GENRE_MLP_EPOCHS 3
/** i64, [0, 2^31 - 1], default 256: mini-batch rows; 0 = full batch. */
#define GENRE_MLP_BATCH_SIZE 4
/** i64, enumerated: GENRE_MLP_ACT_RELU (default), _TANH or _LOGISTIC. */
#define GENRE_MLP_ACTIVATION 5
/** i64, any value (used as 64 unsigned bits), default 0. */
#define GENRE_MLP_SEED 6
/** i64, enumerated: GENRE_MLP_OPT_ADAM (default) or GENRE_MLP_OPT_SGD. */
#define GENRE_MLP_OPTIMIZER 7
/** f64, [0, 1), default 0.9: Adam's first-moment decay. */
#define GENRE_MLP_BETA1 8
/** f64, [0, 1), default 0.999: Adam's second-moment decay. */
#define GENRE_MLP_BETA2 9
/** f64, (0, 1], default 1e-8: Adam's denominator epsilon. */
#define GENRE_MLP_EPSILON 10
/** f64, [0, 1), default 0.9: SGD momentum (0 = plain SGD). */
#define GENRE_MLP_MOMENTUM 11
/** f64, [0, 1), default 0: dropout rate after every hidden activation
 *  (inverted dropout, training only). */
#define GENRE_MLP_DROPOUT 12
/** i64, [0, 10000000], default 0: stop when the validation loss has not
 *  improved by more than GENRE_MLP_MIN_DELTA for this many epochs; 0 = off.
 *  Needs validation data. */
#define GENRE_MLP_PATIENCE 13
/** f64, [0, 1e300], default 0: improvement that resets the patience. */
#define GENRE_MLP_MIN_DELTA 14
/** i64, 0 or 1, default 1: after early stopping, keep the weights of the
 *  epoch with the best validation loss (1) or of the last epoch (0). */
#define GENRE_MLP_RESTORE_BEST 15
/** i64, 0 or 1, default 1: reshuffle the rows every epoch. */
#define GENRE_MLP_SHUFFLE 16
/** i64, 0 or 1, default 1: check inputs for NaN/Inf before work. With 0 the
 *  scan is skipped: a fit on non-finite input then usually fails with
 *  GENRE_E_NUMERIC, and outputs for non-finite rows are unspecified. */
#define GENRE_MLP_VALIDATE_INPUT 17
/** i64, enumerated: a GENRE_MLP_INIT_* value (0 to 5), default
 *  GENRE_MLP_INIT_AUTO. */
#define GENRE_MLP_INIT 18
/** i64, [0, 65536], default 0: number of classes; 0 = largest label + 1. */
#define GENRE_MLP_N_CLASSES 19
/** i64, enumerated: GENRE_MLP_SCHEDULE_CONSTANT (default) or
 *  GENRE_MLP_SCHEDULE_COSINE. */
#define GENRE_MLP_LR_SCHEDULE 20
/** i64, enumerated: a GENRE_MLP_KERNEL_* value, default GENRE_MLP_KERNEL_AUTO: how dense
 *  layers multiply. CBLAS is OpenBLAS; BUILTIN is libgenre's own vectorised
 *  loops (AVX2 + FMA where the CPU has them, portable loops elsewhere), which
 *  give the same bits on every x86-64 CPU. AUTO picks BUILTIN for every
 *  layer size (faster than OpenBLAS for layers this small: docs/mlp.md).
 *  The two agree to rounding. */
#define GENRE_MLP_DENSE_KERNEL 21
/** i64, 0 or 1, default 1 (@since 0.2): how genre_mlp_fit_csr() updates the
 *  first layer's weights. 1 = "lazy" updates: after each mini-batch only the
 *  rows of W_0 whose feature occurs in the batch are updated (their Adam
 *  moments or SGD velocity decayed and their L2 term added); the other rows
 *  and their optimiser state stay untouched until their feature next occurs
 *  (the semantics of PyTorch's SparseAdam and TensorFlow Addons' LazyAdam;
 *  the step count of the bias corrections is global). Everything else (the
 *  first layer's biases, the later layers) is updated as usual. The cost of
 *  a step is then O(batch features x width) instead of O(n_cols x width).
 *  0 = exact dense semantics: the fit equals genre_mlp_fit() on the dense
 *  matrix (with sorted, distinct columns per row: the same bits). Dense
 *  fits ignore it. */
#define GENRE_MLP_SPARSE_UPDATE 22
/** i64, [0, 2^31 - 1], default 0 (@since 0.2): threads of genre_mlp_fit() (see
 *  "Threading" above). 1 = one thread, the calling one. k > 1 = each
 *  mini-batch's rows split into k contiguous chunks, one per thread, the
 *  gradients summed in thread order (values above 256 are clamped to 256,
 *  and a batch never uses more threads than it has rows). 0 = auto:
 *  min(genre_default_threads(), 2, batch rows / 128), which is 1 for batches under
 *  256 rows. CSR fits and fits with a layer on CBLAS
 *  (GENRE_MLP_DENSE_KERNEL) always use 1 thread. Negative values:
 *  GENRE_E_INVALID_ARG. */
#define GENRE_MLP_N_THREADS 23
/** i64, enumerated: GENRE_MLP_PRECISION_DOUBLE (64, the default) or
 *  GENRE_MLP_PRECISION_FLOAT (32) (@since 0.3); no value between them is
 *  accepted, though genre_mlp_param_bounds() answers [32, 64]
 *  (genre_mlp_param_values() lists the two). The arithmetic of
 *  genre_mlp_fit() and genre_mlp_fit_regression(). DOUBLE computes in double
 *  throughout. FLOAT is mixed precision, as PyTorch's default float32
 *  training but with double master weights: the master weights, the Adam
 *  moments (or SGD velocity) and the optimiser step stay double; each
 *  mini-batch runs forward and backward in float on a float copy of the
 *  weights (refreshed after every step) and of the training rows (converted
 *  once per fit), the gradient of each thread's chunk is summed in float and
 *  converted to double for the reduction over chunks and the step (the L2
 *  term is added in double after the reduction). The training loss history
 *  is accumulated in double from float logits; the validation pass,
 *  predictions and transforms use the double weights as always, and the
 *  model and its file are the same as for a double fit. Every layer then
 *  uses libgenre's own float kernels (GENRE_MLP_DENSE_KERNEL does not apply;
 *  AVX2 + FMA where the CPU has them, portable loops elsewhere, the same
 *  bits). Reproducibility and threads as for double (see "Threading").
 *  genre_mlp_fit_csr() does not support FLOAT: GENRE_E_INVALID_ARG naming
 *  this key. Other values: GENRE_E_INVALID_ARG. Saved with the model (a
 *  file without it loads as DOUBLE). */
#define GENRE_MLP_PRECISION 24

/* Read-only keys (genre_mlp_get_i64; GENRE_E_BAD_STATE before a fit). */
/** i64: GENRE_MLP_TASK_CLASSIFICATION or GENRE_MLP_TASK_REGRESSION. */
#define GENRE_MLP_TASK 100
/** i64: input columns the model was fit on. */
#define GENRE_MLP_N_FEATURES 101
/** i64: outputs (classes or regression targets). */
#define GENRE_MLP_N_OUTPUTS 102
/** i64: trainable parameters (weights + biases), e.g. 755 for 13-20-15-10. */
#define GENRE_MLP_N_PARAMS 103
/** i64: epochs actually run by the last fit. */
#define GENRE_MLP_EPOCHS_RUN 104
/** i64: 1-based epoch whose weights the model holds after early stopping
 *  with GENRE_MLP_RESTORE_BEST, else the last epoch. */
#define GENRE_MLP_BEST_EPOCH 105
/** i64: 1 when the last fit stopped early on its patience. */
#define GENRE_MLP_STOPPED_EARLY 106

/* Values of GENRE_MLP_ACTIVATION. */
#define GENRE_MLP_ACT_RELU 0
#define GENRE_MLP_ACT_TANH 1
#define GENRE_MLP_ACT_LOGISTIC 2
/* Values of GENRE_MLP_OPTIMIZER. */
#define GENRE_MLP_OPT_ADAM 0
#define GENRE_MLP_OPT_SGD 1
/* Values of GENRE_MLP_INIT. */
#define GENRE_MLP_INIT_AUTO 0
#define GENRE_MLP_INIT_HE_UNIFORM 1
#define GENRE_MLP_INIT_HE_NORMAL 2
#define GENRE_MLP_INIT_GLOROT_UNIFORM 3
#define GENRE_MLP_INIT_GLOROT_NORMAL 4
#define GENRE_MLP_INIT_LECUN_UNIFORM 5
/** Values of GENRE_MLP_LR_SCHEDULE: constant, or cosine decay from the
 *  learning rate at epoch 1 to 0 after GENRE_MLP_EPOCHS epochs,
 *  lr_e = lr * (1 + cos(pi * (e - 1) / epochs)) / 2. */
#define GENRE_MLP_SCHEDULE_CONSTANT 0
#define GENRE_MLP_SCHEDULE_COSINE 1
/* Values of GENRE_MLP_DENSE_KERNEL. */
#define GENRE_MLP_KERNEL_AUTO 0
#define GENRE_MLP_KERNEL_CBLAS 1
#define GENRE_MLP_KERNEL_BUILTIN 2
/* Values of GENRE_MLP_PRECISION (@since 0.3). */
#define GENRE_MLP_PRECISION_FLOAT 32
#define GENRE_MLP_PRECISION_DOUBLE 64
/* Values of GENRE_MLP_TASK. */
#define GENRE_MLP_TASK_CLASSIFICATION 0
#define GENRE_MLP_TASK_REGRESSION 1

/* Which history genre_mlp_get_history() returns (one value per epoch run). */
/** Mean mini-batch loss of the epoch (data term, with dropout active). */
#define GENRE_MLP_HISTORY_TRAIN_LOSS 0
/** Loss on the validation rows after the epoch (NaN without validation). */
#define GENRE_MLP_HISTORY_VAL_LOSS 1
/** Accuracy on the validation rows (classification; NaN otherwise). */
#define GENRE_MLP_HISTORY_VAL_ACCURACY 2
/** Loss on the monitor rows after the epoch (NaN without monitor rows;
 *  genre_mlp_set_monitor(), @since 1.1). */
#define GENRE_MLP_HISTORY_MONITOR_LOSS 3
/** Accuracy on the monitor rows after the epoch (NaN without monitor rows;
 *  @since 1.1). */
#define GENRE_MLP_HISTORY_MONITOR_ACCURACY 4

/** Progress phase reported by fits: step = epoch (1-based), total = epochs,
 *  objective = that epoch's training loss. */
#define GENRE_MLP_PHASE_TRAIN 1

/**
 * Creates an unfitted model with default parameters and one hidden layer of
 * 100 units.
 * @param[out] out receives the handle; free it with genre_mlp_free().
 * @return GENRE_OK; GENRE_E_INVALID_ARG (out NULL); GENRE_E_NOMEM.
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_mlp_create(genre_mlp **out);

/** Frees a model; NULL is a no-op. Needs exclusive access. @since 0.1 */
GENRE_API void genre_mlp_free(genre_mlp *mlp);

/**
 * Sets a floating-point parameter (a key documented as f64).
 * @return GENRE_OK; GENRE_E_UNKNOWN_PARAM (key unknown, an i64 key or a
 *         read-only key; the message says which call the key belongs to);
 *         GENRE_E_INVALID_ARG (model NULL, value outside the documented
 *         range or list, naming key, value and what is accepted: never
 *         clamped).
 * Needs exclusive access; takes effect at the next fit. @since 0.1
 */
GENRE_API genre_status genre_mlp_set_f64(genre_mlp *mlp, int32_t key, double value);

/**
 * Sets an integer parameter (a key documented as i64).
 * @return as genre_mlp_set_f64().
 * Needs exclusive access; takes effect at the next fit. @since 0.1
 */
GENRE_API genre_status genre_mlp_set_i64(genre_mlp *mlp, int32_t key, int64_t value);

/**
 * Reads a floating-point parameter.
 * @return GENRE_OK; GENRE_E_UNKNOWN_PARAM (key unknown or an i64 key);
 *         GENRE_E_INVALID_ARG (NULL argument).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_mlp_get_f64(const genre_mlp *mlp, int32_t key, double *out);

/**
 * Reads an integer parameter or a read-only fitted property.
 * @return GENRE_OK; GENRE_E_UNKNOWN_PARAM (key unknown or an f64 key);
 *         GENRE_E_INVALID_ARG (NULL argument); GENRE_E_BAD_STATE (read-only
 *         key before a fit).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_mlp_get_i64(const genre_mlp *mlp, int32_t key, int64_t *out);

/**
 * The inclusive range a settable key accepts, as doubles (no handle needed);
 * an open end is the nearest double inside it. For an enumerated key the
 * smallest and largest accepted value: only the values
 * genre_mlp_param_values() lists are valid between them (GENRE_MLP_PRECISION
 * answers [32, 64] and accepts 32 or 64).
 * @return GENRE_OK; GENRE_E_UNKNOWN_PARAM (unknown or read-only key);
 *         GENRE_E_INVALID_ARG (lo or hi NULL).
 * Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_mlp_param_bounds(int32_t key, double *lo, double *hi);

/**
 * The values an enumerated key accepts, ascending, into out[cap] (no handle
 * needed); *n_values receives their count. A settable key that takes any
 * value in its range (genre_mlp_param_bounds()) answers *n_values = 0.
 * @param[out] out      caller-owned, cap entries; may be NULL for a size query.
 * @param[out] n_values receives the number of values (also when the buffer
 *                      is short).
 * @return GENRE_OK; GENRE_E_BUFFER_TOO_SMALL (out NULL or cap short for an
 *         enumerated key); GENRE_E_UNKNOWN_PARAM (unknown or read-only key);
 *         GENRE_E_INVALID_ARG (n_values NULL).
 * Thread-safe. @since 1.0
 */
GENRE_API genre_status genre_mlp_param_values(int32_t key, int64_t *out, size_t cap,
                                              size_t *n_values);

/**
 * Puts every parameter and the hidden layers back to their defaults; a
 * fitted model stays fitted. @return GENRE_OK; GENRE_E_INVALID_ARG (NULL).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_mlp_reset_params(genre_mlp *mlp);

/**
 * Sets the hidden layers' widths (copied). n_layers may be 0 (softmax or
 * linear regression). Takes effect at the next fit.
 * @param[in] widths   n_layers widths, each in [1, 1000000]; may be NULL when n_layers is 0.
 * @param[in] n_layers at most 64.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (model NULL, widths NULL with
 *         n_layers > 0, a width outside the range (the message names the
 *         layer and its width), too many layers); GENRE_E_NOMEM.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_mlp_set_hidden_layers(genre_mlp *mlp, const int32_t *widths,
                                                   size_t n_layers);

/**
 * Copies the configured hidden widths into out[cap]; *n_layers receives
 * their count (a NULL out or a short cap is a size query).
 * @return GENRE_OK; GENRE_E_BUFFER_TOO_SMALL; GENRE_E_INVALID_ARG (model or
 *         n_layers NULL). Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_mlp_get_hidden_layers(const genre_mlp *mlp, int32_t *out,
                                                   size_t cap, size_t *n_layers);

/**
 * Sets the progress callback (phase GENRE_MLP_PHASE_TRAIN, once per epoch);
 * fn NULL removes it. A non-zero return cancels the fit: it returns
 * GENRE_E_CANCELLED and the model keeps its previous fitted state (or stays
 * unfitted). @return GENRE_OK; GENRE_E_INVALID_ARG (model NULL).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_mlp_set_progress(genre_mlp *mlp, genre_progress_fn fn,
                                              void *user_data);

/**
 * Sets the log callback; fn NULL makes the model silent. The MLP logs, on
 * the calling thread, an early stop (GENRE_LOG_INFO: the epoch and the best
 * validation loss). user_data is passed back untouched.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (model NULL).
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_mlp_set_log(genre_mlp *mlp, genre_log_fn fn, void *user_data);

/* ---- One fit over several processes (data parallel) -----------------------
 *
 * With a reducer (genre_reduce_fn, genre/common.h) set, genre_mlp_fit(),
 * genre_mlp_fit_regression(), genre_mlp_fit_csr() and genre_mlp_partial_fit()
 * call it once per mini-batch, on the calling thread, after this process's
 * threads have combined their gradients and before the optimiser step, with
 * what = GENRE_MLP_REDUCE_GRADIENT, step = the optimiser step about to be
 * taken (1-based; partial fits count on from call to call) and
 * len = GENRE_MLP_N_PARAMS + 2 doubles (double whatever
 * GENRE_MLP_PRECISION: a float fit's chunk gradients are converted first):
 *
 *   buf[0 .. P)  the SUM over this process's rows of the batch of each
 *                row's data-loss gradient, without the L2 term, in the flat
 *                parameter order: for each dense layer l in turn, W_l
 *                (fan_in x fan_out, row-major) then b_l (fan_out); P =
 *                GENRE_MLP_N_PARAMS;
 *   buf[P]       the sum of those rows' data losses (classification:
 *                -log softmax(z)[label]; regression: the mean over targets
 *                of (z - y)^2);
 *   buf[P + 1]   those rows' count.
 *
 * The reducer must leave in buf the sums over every process (a row count of
 * at least 1). The fit then divides by the total row count, adds the L2
 * term once and takes the optimiser step: each process takes the step of
 * one mini-batch made of every process's share, so processes that start
 * from the same weights stay identical. The training-loss history is the
 * mean over every process's rows. A process that contributes nothing to a
 * step cannot exist: each calls the reducer once per mini-batch of its own.
 *
 * What the caller (the engine) arranges, because the fit cannot see the
 * other processes:
 * - the same parameters, hidden layers and GENRE_MLP_SEED everywhere: the
 *   initial weights then agree bit for bit;
 * - the same number of steps: every process has the same number of
 *   mini-batches per epoch (ceil(its rows / GENRE_MLP_BATCH_SIZE)) and
 *   epochs; a process with more batches waits in its reducer for peers that
 *   never come (an engine checks the counts first);
 * - the batches: with GENRE_MLP_SHUFFLE each process permutes its own rows
 *   (from the shared seed), so a global batch is made of every process's
 *   share; with GENRE_MLP_SHUFFLE = 0 and each process holding its share of
 *   each global batch in order, the fit equals the one-process fit of the
 *   union with the global batch size, to rounding;
 * - dropout: every process draws the masks of the shared seed (the same
 *   streams as a one-process fit on its rows), so its k-th row of a batch
 *   gets the mask of every other process's k-th row;
 * - early stopping (GENRE_MLP_PATIENCE) decides on each process's own
 *   validation rows: give every process the same validation rows (or none),
 *   or the processes stop at different epochs.
 * genre_mlp_fit_csr() needs GENRE_MLP_SPARSE_UPDATE = 0 with a reducer
 * (lazy updates touch only the features of this process's rows):
 * GENRE_E_INVALID_ARG names the key. The reducer is part of the handle, not
 * of the model: save/load does not keep it (a loaded model has none), and
 * genre_mlp_reset_params() leaves it set.
 */

/** what of the MLP's reducer calls: a mini-batch's gradient (see above). */
#define GENRE_MLP_REDUCE_GRADIENT 1

/**
 * Sets the reducer of the fits (see "One fit over several processes"
 * above); fn NULL removes it (the fit then sees only its own rows, as by
 * default). user_data is passed back untouched.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (model NULL).
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_mlp_set_reducer(genre_mlp *mlp, genre_reduce_fn fn,
                                             void *user_data);

/**
 * Sets the monitor rows: a second held-out set whose loss and accuracy every
 * later classifier fit (genre_mlp_fit(), genre_mlp_fit_csr()) records after
 * each epoch, as GENRE_MLP_HISTORY_MONITOR_LOSS and
 * GENRE_MLP_HISTORY_MONITOR_ACCURACY, computed as the validation history is.
 * The monitor only watches: it never feeds the gradients, early stopping or
 * the chosen epoch, so a fit's weights, validation history and other
 * results have the same bits with or without it, and its loss curve has the
 * bits of the validation history of the same fit given the monitor rows as
 * validation rows with GENRE_MLP_PATIENCE 0 (a test set's loss per epoch
 * without a second fit). It runs on the calling thread after each epoch
 * (O(monitor rows x network) per epoch); with a reducer (genre_mlp_set_reducer())
 * each process records the loss of its own monitor rows.
 *
 * The rows and labels are copied into the handle (the caller's arrays are
 * read during the call only) and kept for every later fit until replaced or
 * cleared: x NULL clears them (the other arguments are then ignored).
 * They are data, not parameters: genre_mlp_reset_params() leaves them, and
 * save/load does not keep them (a loaded model has none; the histories a fit
 * recorded are saved with the model).
 *
 * @param[in] x          n_rows x n_cols row-major, row_stride >= n_cols
 *                       (dense rows, also for genre_mlp_fit_csr(): n_cols
 *                       must then equal the fit's columns).
 * @param[in] labels     n_rows class indices, each in [0, 65536); at the fit
 *                       each must be below the fit's class count.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (model NULL; labels NULL with x
 *         given; zero rows or columns; stride < columns; a label outside
 *         [0, 65536): the message names the row and value);
 *         GENRE_E_NONFINITE (NaN/Inf in x: row, column, value; checked
 *         unless GENRE_MLP_VALIDATE_INPUT is 0 at this call);
 *         GENRE_E_NOMEM. On failure the previous monitor rows stay set.
 * At the fit, with monitor rows set: GENRE_E_SHAPE (their columns differ
 * from the fit's); GENRE_E_INVALID_ARG (a monitor label not below the class
 * count: row and value; genre_mlp_fit_regression() and
 * genre_mlp_partial_fit(), which have no class labels or no epochs to
 * monitor: clear the rows first).
 * Needs exclusive access. @since 1.1
 */
GENRE_API genre_status genre_mlp_set_monitor(genre_mlp *mlp, const double *x, size_t n_rows,
                                             size_t n_cols, size_t row_stride,
                                             const int32_t *labels);

/**
 * Trains a classifier. On success the new fit replaces the previous one; on
 * any failure or cancellation the model is left as it was.
 *
 * @param[in] x           n_rows x n_cols row-major, row_stride >= n_cols.
 * @param[in] labels      n_rows class indices in [0, n_classes), where
 *                        n_classes is GENRE_MLP_N_CLASSES or, when that is 0,
 *                        the largest label + 1 (at most 65536). At least two
 *                        distinct labels are required.
 * @param[in] x_val       optional validation rows (NULL: none), n_val_rows x
 *                        n_cols with val_row_stride; they only feed the
 *                        history and early stopping, never the gradients.
 * @param[in] labels_val  their labels (required when x_val is given).
 * All inputs are read during the call only; the model keeps its own copy of
 * what it learns.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL model, x or labels; zero rows
 *         or columns; stride < columns; a label out of range or only one
 *         class (the message names the row and the value); GENRE_MLP_PATIENCE
 *         set without validation data; a network too large to address);
 *         GENRE_E_NONFINITE (NaN/Inf in x or x_val: row, column, value);
 *         GENRE_E_NUMERIC (the loss or a parameter became NaN or infinite:
 *         lower the learning rate); GENRE_E_CANCELLED; GENRE_E_NOMEM; with
 *         monitor rows set, the fit-time errors of genre_mlp_set_monitor().
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_mlp_fit(genre_mlp *mlp, const double *x, size_t n_rows,
                                     size_t n_cols, size_t row_stride,
                                     const int32_t *labels, const double *x_val,
                                     size_t n_val_rows, size_t val_row_stride,
                                     const int32_t *labels_val);

/**
 * Trains a regressor on n_targets outputs (the tempo imputer uses 1).
 * As genre_mlp_fit(), with
 * @param[in] y      n_rows x n_targets targets, row-major, contiguous.
 * @param[in] y_val  n_val_rows x n_targets (required when x_val is given).
 * @return as genre_mlp_fit(); GENRE_E_NONFINITE also for y and y_val;
 *         GENRE_E_INVALID_ARG for n_targets 0 or above 65536.
 * Needs exclusive access. @since 0.1
 */
GENRE_API genre_status genre_mlp_fit_regression(genre_mlp *mlp, const double *x,
                                                size_t n_rows, size_t n_cols,
                                                size_t row_stride, const double *y,
                                                size_t n_targets, const double *x_val,
                                                size_t n_val_rows, size_t val_row_stride,
                                                const double *y_val);

/**
 * Trains a classifier on CSR rows (see the top of this file for the format;
 * classification only). Parameters, validation data, early stopping,
 * progress and the fitted model are as for genre_mlp_fit(); the first
 * layer's updates follow GENRE_MLP_SPARSE_UPDATE (lazy by default).
 * Memory beyond the model and its optimiser state: O(n_cols) indices plus
 * up to 4 rows of width[1] doubles per distinct feature a batch can touch
 * (bounded by min(n_cols, nnz, batch x the longest row); docs/mlp.md).
 *
 * @param[in] n_rows, n_cols, nnz, row_ptr, col_idx, values  the training
 *                        rows (nnz entries); n_cols in [1, 2^31 - 1].
 * @param[in] labels      n_rows class indices, as for genre_mlp_fit().
 * @param[in] n_val_rows, val_nnz, val_row_ptr, val_col_idx, val_values
 *                        optional validation rows with n_cols columns and
 *                        val_nnz entries (val_row_ptr NULL: none; then
 *                        n_val_rows, val_nnz and the other validation
 *                        pointers are ignored).
 * @param[in] labels_val  their labels (required with val_row_ptr).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL model, row_ptr or labels; zero
 *         rows or columns; row_ptr[0] != 0, decreasing or above nnz, or
 *         row_ptr[n_rows] != nnz (the message names the row and the values;
 *         see "What the CSR calls read" above); col_idx or values NULL with
 *         entries; a column index >= n_cols (row, position and index);
 *         labels as for genre_mlp_fit();
 *         GENRE_MLP_PATIENCE set without validation rows; GENRE_MLP_PRECISION
 *         set to FLOAT (CSR fits are double only));
 *         GENRE_E_NONFINITE (a NaN/Inf value: row, position, column, value;
 *         checked unless GENRE_MLP_VALIDATE_INPUT is 0); GENRE_E_NUMERIC;
 *         GENRE_E_CANCELLED; GENRE_E_NOMEM. On failure the model is left as
 *         it was.
 * Needs exclusive access. @since 0.2
 */
GENRE_API genre_status genre_mlp_fit_csr(genre_mlp *mlp, size_t n_rows, size_t n_cols,
                                         size_t nnz, const size_t *row_ptr,
                                         const uint32_t *col_idx, const double *values,
                                         const int32_t *labels, size_t n_val_rows,
                                         size_t val_nnz, const size_t *val_row_ptr,
                                         const uint32_t *val_col_idx,
                                         const double *val_values,
                                         const int32_t *labels_val);

/**
 * Class probabilities of a fitted classifier: n_rows x n_classes,
 * row-major, into the caller's out[out_len] (x is only read). *needed (when not NULL) always receives
 * n_rows * n_classes; a NULL out is a size query.
 * @return GENRE_OK; GENRE_E_BUFFER_TOO_SMALL; GENRE_E_INVALID_ARG (NULL
 *         model or x, zero rows, stride < columns); GENRE_E_BAD_STATE (not
 *         fitted, or a regressor); GENRE_E_SHAPE (n_cols differs from the
 *         fit); GENRE_E_NONFINITE; GENRE_E_NOMEM (per-call scratch).
 * Safe concurrently on one fitted model. @since 0.1
 */
GENRE_API genre_status genre_mlp_predict_proba(const genre_mlp *mlp, const double *x,
                                               size_t n_rows, size_t n_cols,
                                               size_t row_stride, double *out,
                                               size_t out_len, size_t *needed);

/**
 * genre_mlp_predict_proba() on CSR rows (any fitted classifier, dense- or
 * CSR-fit, with n_cols equal to the fit's columns).
 * @return GENRE_OK; GENRE_E_BUFFER_TOO_SMALL; GENRE_E_INVALID_ARG (NULL
 *         model or row_ptr, and the CSR structure errors of
 *         genre_mlp_fit_csr()); GENRE_E_BAD_STATE (not fitted, or a
 *         regressor); GENRE_E_SHAPE (n_cols differs from the fit);
 *         GENRE_E_NONFINITE; GENRE_E_NOMEM (per-call scratch).
 * Safe concurrently on one fitted model. @since 0.2
 */
GENRE_API genre_status genre_mlp_predict_proba_csr(const genre_mlp *mlp, size_t n_rows,
                                                   size_t n_cols, size_t nnz,
                                                   const size_t *row_ptr,
                                                   const uint32_t *col_idx,
                                                   const double *values, double *out,
                                                   size_t out_len, size_t *needed);

/**
 * The activations of hidden layer `layer` (1-based, in [1, number of hidden
 * layers]): its output after the activation function, without dropout
 * (what the next layer sees at prediction time), n_rows x width(layer),
 * row-major, into out[out_len]. A narrow hidden layer so serves as a learned
 * dimension reduction. *needed (when not NULL) always receives
 * n_rows * width(layer); a NULL out is a size query. Classifiers and
 * regressors alike.
 * @return GENRE_OK; GENRE_E_BUFFER_TOO_SMALL; GENRE_E_INVALID_ARG (NULL
 *         model or x, layer out of range (the message names it and the
 *         number of hidden layers), zero rows, stride < columns);
 *         GENRE_E_BAD_STATE (not fitted); GENRE_E_SHAPE; GENRE_E_NONFINITE;
 *         GENRE_E_NOMEM.
 * Safe concurrently on one fitted model. @since 0.2
 */
GENRE_API genre_status genre_mlp_transform(const genre_mlp *mlp, int32_t layer,
                                           const double *x, size_t n_rows, size_t n_cols,
                                           size_t row_stride, double *out, size_t out_len,
                                           size_t *needed);

/**
 * genre_mlp_transform() on CSR rows.
 * @return as genre_mlp_transform(), with the CSR structure errors of
 *         genre_mlp_fit_csr(). Safe concurrently on one fitted model.
 * @since 0.2
 */
GENRE_API genre_status genre_mlp_transform_csr(const genre_mlp *mlp, int32_t layer,
                                               size_t n_rows, size_t n_cols, size_t nnz,
                                               const size_t *row_ptr,
                                               const uint32_t *col_idx, const double *values,
                                               double *out, size_t out_len, size_t *needed);

/**
 * Most probable class per row (lowest index on ties) into labels[cap];
 * *needed (when not NULL) receives n_rows.
 * @return as genre_mlp_predict_proba().
 * Safe concurrently on one fitted model. @since 0.1
 */
GENRE_API genre_status genre_mlp_predict(const genre_mlp *mlp, const double *x,
                                         size_t n_rows, size_t n_cols, size_t row_stride,
                                         int32_t *labels, size_t cap, size_t *needed);

/**
 * Outputs of a fitted regressor: n_rows x n_targets, row-major;
 * *needed (when not NULL) receives n_rows * n_targets.
 * @return as genre_mlp_predict_proba() (GENRE_E_BAD_STATE for a classifier).
 * Safe concurrently on one fitted model. @since 0.1
 */
GENRE_API genre_status genre_mlp_predict_values(const genre_mlp *mlp, const double *x,
                                                size_t n_rows, size_t n_cols,
                                                size_t row_stride, double *out,
                                                size_t out_len, size_t *needed);

/**
 * The per-epoch history of the last fit (kept by save/load):
 * which = GENRE_MLP_HISTORY_*; *n_epochs receives the count.
 * @return GENRE_OK; GENRE_E_BUFFER_TOO_SMALL (NULL out or short cap);
 *         GENRE_E_INVALID_ARG (NULL model or n_epochs, unknown which);
 *         GENRE_E_BAD_STATE (not fitted).
 * Thread-safe on a const handle. @since 0.1
 */
GENRE_API genre_status genre_mlp_get_history(const genre_mlp *mlp, int32_t which,
                                             double *out, size_t cap, size_t *n_epochs);

/**
 * Saves the fitted model (architecture, parameters, weights, history) to a
 * file, atomically (written whole or not at all; only a regular file is
 * replaced, a symlink is followed: genre/model.h).
 * @param[in] path UTF-8 path.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_BAD_STATE (not
 *         fitted); GENRE_E_IO (also: path is not a regular file);
 *         GENRE_E_NOMEM.
 * Safe concurrently on one fitted model. @since 0.1
 */
GENRE_API genre_status genre_mlp_save(const genre_mlp *mlp, const char *path);

/**
 * Saves into buf[cap]; *written_or_needed always receives the size, so a
 * NULL buf is a size query.
 * @return GENRE_OK; GENRE_E_BUFFER_TOO_SMALL; GENRE_E_INVALID_ARG;
 *         GENRE_E_BAD_STATE (not fitted); GENRE_E_NOMEM.
 * Safe concurrently on one fitted model. @since 0.1
 */
GENRE_API genre_status genre_mlp_save_to_memory(const genre_mlp *mlp, void *buf,
                                                size_t cap, size_t *written_or_needed);

/**
 * Loads a model saved by genre_mlp_save().
 * @param[out] out receives a new fitted handle (free with genre_mlp_free());
 *                 untouched on failure.
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL); GENRE_E_IO (also: path is
 *         neither a regular file nor a FIFO with a writer: genre/model.h);
 *         GENRE_E_CORRUPT (truncated, bad checksum, inconsistent sizes);
 *         GENRE_E_VERSION (newer format); GENRE_E_MODEL_KIND (another
 *         model); GENRE_E_NOMEM. Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_mlp_load(genre_mlp **out, const char *path);

/**
 * Loads a model from memory (buf is not kept).
 * @return as genre_mlp_load() without GENRE_E_IO. Thread-safe. @since 0.1
 */
GENRE_API genre_status genre_mlp_load_from_memory(genre_mlp **out, const void *buf,
                                                  size_t len);

/* ---- Partial fits (larger than memory) ------------------------------------
 *
 * genre_mlp_partial_fit() trains a classifier on a table read in chunks:
 * each call is one pass over its chunk. The chunk is cut into consecutive
 * shuffle windows of GENRE_MLP_PARTIAL_BUFFER rows (0: the whole chunk);
 * each window is trained exactly as one epoch of genre_mlp_fit() trains its
 * rows: the rows permuted by the fit's shuffle stream (GENRE_MLP_SHUFFLE),
 * mini-batches of GENRE_MLP_BATCH_SIZE rows (a shorter last one; batches
 * never straddle windows or chunks), the same threads, precision, dropout
 * and optimiser step. The optimiser state (Adam's moments and step count, or
 * SGD's velocity) and the random streams carry over from call to call.
 *
 * **Equal to the in-memory fit.** On a new model (or one whose last training
 * was genre_mlp_fit()), one call with every row and GENRE_MLP_PARTIAL_BUFFER
 * 0 (or at least the rows) gives the same bits as genre_mlp_fit() with
 * GENRE_MLP_EPOCHS = 1 and no validation rows, same parameters otherwise:
 * the same weights, predictions and training-loss history. Later calls
 * continue the fit's shuffle stream, but each permutes its window's rows
 * from their given order (the fit permutes the previous epoch's order), so
 * a second call on the same rows is close to, not equal to, the fit's
 * second epoch; with dropout on 2+ threads, the worker streams of every
 * window after the first are the fit's mixed with the window count.
 *
 * **Memory** beyond the model: the optimiser state (2 x GENRE_MLP_N_PARAMS
 * doubles, kept), and per call the fit's workspace for one window (its
 * permutation: one size_t per window row) and, with GENRE_MLP_PRECISION
 * FLOAT, a float copy of the window's rows.
 *
 * **What differs from genre_mlp_fit().** No validation rows, so no
 * GENRE_MLP_PATIENCE (it must be 0); GENRE_MLP_EPOCHS and
 * GENRE_MLP_LR_SCHEDULE play no part (every window uses the learning rate
 * of epoch 1, which both schedules start from): the caller decides the
 * passes over the stream. The history holds one epoch: the mean training
 * loss of every row trained by partial fits so far (GENRE_MLP_EPOCHS_RUN 1).
 * The class count is GENRE_MLP_N_CLASSES or, when 0, the first chunk's
 * largest label + 1 (set it when the first chunk may miss a class); later
 * chunks must stay below it. Dense classification only (no CSR input, no
 * regression).
 *
 * **Save/load between chunks.** The model file of a model trained by
 * genre_mlp_partial_fit() also holds its optimiser state and random streams
 * (optional records, which libraries before 0.4 ignore): partial_fit after
 * genre_mlp_load() continues exactly as without the round trip, bit for bit.
 * A genre_mlp_fit() discards the state; partial_fit on a model fitted by
 * genre_mlp_fit() (or loaded from a file without the state) continues from
 * its weights with a fresh optimiser state (zero moments, step 0) and the
 * seed's fresh shuffle and dropout streams.
 */

/** i64, [0, 2^31 - 1], default 0 (@since 1.0): rows per shuffle window of
 *  genre_mlp_partial_fit(); 0 = the whole chunk. Saved with the model. */
#define GENRE_MLP_PARTIAL_BUFFER 25

/**
 * One pass over a chunk of training rows (see "Partial fits" above). On
 * failure or cancellation the model is left as it was (weights, optimiser
 * state and streams).
 * @param[in] x       n_rows x n_cols row-major, row_stride >= n_cols; read
 *                    during the call only.
 * @param[in] labels  n_rows class indices (see above for the class count).
 * @return GENRE_OK; GENRE_E_INVALID_ARG (NULL model, x or labels; zero rows
 *         or columns; stride < columns; a label out of range (row and
 *         value); a first chunk that fixes fewer than two classes;
 *         GENRE_MLP_PATIENCE > 0); GENRE_E_SHAPE (n_cols differs from the
 *         model's); GENRE_E_BAD_STATE (the model is a regressor);
 *         GENRE_E_NONFINITE (unless GENRE_MLP_VALIDATE_INPUT is 0);
 *         GENRE_E_NUMERIC; GENRE_E_CANCELLED (the progress callback, called
 *         once per call: step = windows trained so far, total -1, objective =
 *         the mean training loss so far); GENRE_E_NOMEM.
 * Needs exclusive access. @since 1.0
 */
GENRE_API genre_status genre_mlp_partial_fit(genre_mlp *mlp, const double *x, size_t n_rows,
                                             size_t n_cols, size_t row_stride,
                                             const int32_t *labels);

GENRE_END_DECLS

#endif /* GENRE_MLP_H */
