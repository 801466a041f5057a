/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The command line of genre-analysis: its options, --help and their parsing. */
#ifndef GENRE_EXAMPLES_ANALYSIS_OPTIONS_H
#define GENRE_EXAMPLES_ANALYSIS_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

/* Every option; the defaults are set by analysis_parse_options(). */
typedef struct options {
    const char *input, *out, *split_file, *schema;
    const char *label, *features, *group; /* NULL: the schema's (all its features) */
    double test_fraction;                 /* 0: the default (0.2; reference: 500/genre) */
    int strict, print_schema;
    uint64_t seed;
    int threads;
    int no_tsne, no_kmeans, no_mlp, no_plots, reference_order, tempo_median;
    int no_names, names_quick, force;
    int keep_leaking; /* a text column that alone predicts the label stays in the
                         name study's combined models */
    double perplexity[4];
    int n_perplexity;
    int dims[2];
    int n_dims;
    long tsne_rows, tsne_iter;
    double tsne_theta;
    long epochs;
    int stream;                 /* --stream: bounded memory (stage_stream.c) */
    long chunk_rows, sample_rows, infer_rows;
} options;

/* Writes the --help text to f. */
void analysis_usage(FILE *f);

/* Parses argv into *o (defaults first). 0: run; 1: --help was printed to
 * stdout; -1: a bad option, with a message on stderr naming it. Strings in
 * *o point into argv. */
int analysis_parse_options(int argc, char **argv, options *o);

#endif
