/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The command line of genre-analysis (analysis_options.h). */
#include "analysis_options.h"
#include "cluster.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void analysis_usage(FILE *f)
{
    fputs(
        "Usage: genre-analysis [options]\n"
        "       genre-analysis --input FILE --label COLUMN [options]\n"
        "Runs the reference analysis of the \"Prediction of Music Genre\" table, or the\n"
        "same analysis of any labelled table, and writes a report (index.html,\n"
        "plots/*.png|svg, metrics.json) to genre-report/.\n"
        "\n"
        "  -i, --input FILE        CSV (plain or gzip); without --label or --schema read\n"
        "                          with the built-in music_genre schema (default: the\n"
        "                          data set installed with libgenre)\n"
        "      --label COLUMN      the label column of --input: the schema is inferred\n"
        "                          from the file (a summary goes to stderr)\n"
        "      --schema FILE       read --input with the schema in FILE instead: one\n"
        "                          line per column, `name type [options]`, see\n"
        "                          docs/analysis.md and examples/music_genre.schema\n"
        "      --print-schema      write the schema (inferred or read) as a schema file\n"
        "                          to stdout and exit\n"
        "      --features LIST     feature columns, comma-separated (default: every\n"
        "                          numeric and categorical column of the schema)\n"
        "      --group COLUMN      the group column (declared `group` in the schema):\n"
        "                          the split keeps each group on one side\n"
        "      --test-fraction F   test rows per class, a fraction in (0, 1) (default\n"
        "                          0.2; the reference table keeps 500 per genre)\n"
        "      --strict            odd cells in a numeric column are errors, not\n"
        "                          missing cells (schema inference)\n",
        f);
    fputs(
        "  -o, --output DIR        report folder (default genre-report): a new folder,\n"
        "                          an empty one or an earlier genre-analysis report\n"
        "                          (only its files are replaced); a cancelled or\n"
        "                          failed run writes DIR.partial instead\n"
        "      --force             write into a folder that holds other files too,\n"
        "                          replacing only genre-analysis's own (never the\n"
        "                          working folder, its parents or /)\n"
        "  -s, --seed N            seed of the split and every model (default 20261125)\n"
        "  -j, --threads N         threads for k-means, silhouettes, t-SNE and the MLP\n"
        "                          fits (default 0 = the CPUs it may run on)\n"
        "      --no-tsne           skip the t-SNE stage\n"
        "      --no-kmeans         skip the k-means sweep\n"
        "      --no-mlp            skip the MLPs (and the MLP tempo imputer)\n"
        "      --no-plots          write index.html and metrics.json only\n"
        "      --no-names          skip the name study (artist and track names, about\n"
        "                          two minutes on one core, beside the other stages)\n"
        "      --names-quick       the name study with its quick settings (at most\n"
        "                          5/4/40 epochs, 3 folds, 200 bootstrap resamples)\n"
        "      --keep-leaking      keep a text column that alone predicts the label\n"
        "                          (validation AUROC > 0.99: a leak, warned about) in\n"
        "                          the name study's combined models\n"
        "      --perplexity LIST   t-SNE perplexities, comma-separated (default 30,50);\n"
        "                          one above a third of the rows embedded is lowered\n"
        "      --tsne-dims LIST    t-SNE dimensions, from 2,3 (default 2,3)\n"
        "      --tsne-rows N       embed N training rows (default 0 = all)\n"
        "      --tsne-iter N       t-SNE iterations (default 1000)\n"
        "      --tsne-theta X      Barnes-Hut accuracy (default 0.5; larger is faster\n"
        "                          and coarser)\n"
        "      --epochs N          most epochs per MLP; the epoch count is chosen on\n"
        "                          validation rows below it (default 200)\n"
        "      --reference-order   impute over all rows before the split, as the\n"
        "                          reference analysis did (leaks test rows into the\n"
        "                          duration medians and the tempo model)\n"
        "      --tempo-median      impute tempo with the training median instead of\n"
        "                          the MLP regressor\n"
        "      --split-file FILE   take the train/test assignment from the first field,\n"
        "                          exactly 0 (train) or 1 (test), of each line after the\n"
        "                          header of a CSV with one line per non-empty data\n"
        "                          row, e.g. tests/fixtures/real_split.csv.gz (any table)\n"
        "      --stream            the analysis in memory bounded by the chunk and the\n"
        "                          samples, on a table of any length: passes over the\n"
        "                          file, a hash split, no name study, no plots\n"
        "                          (docs/analysis.md, \"Stream mode\")\n"
        "      --chunk-rows N      --stream: rows per chunk (default 65536)\n"
        "      --sample-rows N     --stream: the stratified sample of training rows\n"
        "                          for silhouettes and t-SNE (default 5000)\n"
        "      --infer-rows N      --stream with --label: infer the schema from the\n"
        "                          first N rows (default 100000)\n"
        "  -h, --help              this text\n"
        "\n"
        "Ctrl-C cancels the running stages (the name study too, at its next epoch) and\n"
        "writes a report marked partial, to DIR.partial, that lists the stages it\n"
        "finished; a complete report in DIR is never replaced by a partial one.\n",
        f);
    cl_usage(f);
}

static int parse_list(const char *s, double *out, int cap)
{
    int n = 0;
    while (*s && n < cap) {
        char *end;
        double v = strtod(s, &end);
        if (end == s || !(v > 0))
            return -1;
        out[n++] = v;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return -1;
    }
    return *s ? -1 : n;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int analysis_parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->out = "genre-report";
    o->seed = 20261125u;
    o->perplexity[0] = 30, o->perplexity[1] = 50, o->n_perplexity = 2;
    o->dims[0] = 2, o->dims[1] = 3, o->n_dims = 2;
    o->tsne_iter = 1000;
    o->tsne_theta = 0.5;
    o->epochs = 200;
    o->chunk_rows = 65536;
    o->sample_rows = 5000;
    o->infer_rows = 100000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
#define NEEDV()                                                                        \
    do {                                                                               \
        if (!v) {                                                                      \
            fprintf(stderr, "genre-analysis: %s needs a value (see --help)\n", a);     \
            return -1;                                                                 \
        }                                                                              \
        i++;                                                                           \
    } while (0)
#define BAD()                                                                          \
    do {                                                                               \
        fprintf(stderr, "genre-analysis: bad value '%s' for %s (see --help)\n", v, a); \
        return -1;                                                                     \
    } while (0)
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            analysis_usage(stdout);
            return 1;
        } else if (!strcmp(a, "-i") || !strcmp(a, "--input")) {
            NEEDV();
            o->input = v;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            NEEDV();
            o->out = v;
        } else if (!strcmp(a, "-s") || !strcmp(a, "--seed")) {
            NEEDV();
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (errno || end == v || *end)
                BAD();
            o->seed = s;
        } else if (!strcmp(a, "-j") || !strcmp(a, "--threads")) {
            NEEDV();
            if (parse_long(v, 0, 256, &n))
                BAD();
            o->threads = (int)n;
        } else if (!strcmp(a, "--no-tsne")) {
            o->no_tsne = 1;
        } else if (!strcmp(a, "--no-kmeans")) {
            o->no_kmeans = 1;
        } else if (!strcmp(a, "--no-mlp")) {
            o->no_mlp = 1;
        } else if (!strcmp(a, "--no-plots")) {
            o->no_plots = 1;
        } else if (!strcmp(a, "--force")) {
            o->force = 1;
        } else if (!strcmp(a, "--no-names")) {
            o->no_names = 1;
        } else if (!strcmp(a, "--keep-leaking")) {
            o->keep_leaking = 1;
        } else if (!strcmp(a, "--names-quick")) {
            o->names_quick = 1;
        } else if (!strcmp(a, "--reference-order")) {
            o->reference_order = 1;
        } else if (!strcmp(a, "--tempo-median")) {
            o->tempo_median = 1;
        } else if (!strcmp(a, "--perplexity")) {
            NEEDV();
            if ((o->n_perplexity = parse_list(v, o->perplexity, 4)) <= 0)
                BAD();
        } else if (!strcmp(a, "--tsne-dims")) {
            NEEDV();
            double d[2];
            int k = parse_list(v, d, 2);
            if (k <= 0)
                BAD();
            for (int j = 0; j < k; j++) {
                if (d[j] != 2 && d[j] != 3)
                    BAD();
                o->dims[j] = (int)d[j];
            }
            o->n_dims = k;
        } else if (!strcmp(a, "--tsne-rows")) {
            NEEDV();
            if (parse_long(v, 0, 100000000, &o->tsne_rows))
                BAD();
        } else if (!strcmp(a, "--tsne-iter")) {
            NEEDV();
            if (parse_long(v, 1, 100000, &o->tsne_iter))
                BAD();
        } else if (!strcmp(a, "--tsne-theta")) {
            NEEDV();
            char *end;
            double t = strtod(v, &end);
            if (end == v || *end || !(t > 0 && t <= 2))
                BAD();
            o->tsne_theta = t;
        } else if (!strcmp(a, "--epochs")) {
            NEEDV();
            if (parse_long(v, 1, 100000, &o->epochs))
                BAD();
        } else if (!strcmp(a, "--schema")) {
            NEEDV();
            o->schema = v;
        } else if (!strcmp(a, "--label")) {
            NEEDV();
            o->label = v;
        } else if (!strcmp(a, "--features")) {
            NEEDV();
            if (!*v)
                BAD();
            o->features = v;
        } else if (!strcmp(a, "--group")) {
            NEEDV();
            o->group = v;
        } else if (!strcmp(a, "--test-fraction")) {
            NEEDV();
            char *end;
            double t = strtod(v, &end);
            if (end == v || *end || !(t > 0 && t < 1))
                BAD();
            o->test_fraction = t;
        } else if (!strcmp(a, "--strict")) {
            o->strict = 1;
        } else if (!strcmp(a, "--print-schema")) {
            o->print_schema = 1;
        } else if (!strcmp(a, "--stream")) {
            o->stream = 1;
        } else if (!strcmp(a, "--chunk-rows")) {
            NEEDV();
            if (parse_long(v, 1, 1L << 30, &o->chunk_rows))
                BAD();
        } else if (!strcmp(a, "--sample-rows")) {
            NEEDV();
            if (parse_long(v, 10, 1000000, &o->sample_rows))
                BAD();
        } else if (!strcmp(a, "--infer-rows")) {
            NEEDV();
            if (parse_long(v, 1, 1L << 40, &o->infer_rows))
                BAD();
        } else if (!strcmp(a, "--split-file")) {
            NEEDV();
            o->split_file = v;
        } else {
            fprintf(stderr, "genre-analysis: unknown option '%s' (see --help)\n", a);
            return -1;
        }
#undef NEEDV
#undef BAD
    }
    return 0;
}
