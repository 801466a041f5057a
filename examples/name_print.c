/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The name study's table, printed (name_study.h). */
#include "name_study.h"

#include "name_leak.h"

void name_study_print(FILE *f, const name_study_result *r)
{
    const name_study_options *o = &r->opt;
    for (size_t w = 0; w < r->n_warnings; w++)
        fprintf(f, "warning: %s\n", r->warning[w]);
    if (r->n_warnings)
        fputc('\n', f);
    fprintf(f, "Name study: %lld rows; names hashed into %zu x %lld buckets (words + char "
               "%d-%d-grams, TF-IDF fit on training rows); %lld names with invalid UTF-8, "
               "%lld empty names\n",
            (long long)r->n_rows, r->n_fields, (long long)o->n_buckets, o->ngram_min,
            o->ngram_max, (long long)r->invalid_utf8_names, (long long)r->empty_names);
    if (r->leak_checked) {
        fprintf(f, "Leak check (each text column alone, validation macro AUROC on the random "
                   "split; above %.2f is a leak):",
                NAME_LEAK_AUROC);
        for (size_t j = 0; j < r->n_fields; j++)
            fprintf(f, "%s %s %.4f%s", j ? "," : "", r->field[j], r->field_val_auroc[j],
                    r->field_combined[j] ? "" : " (left out of the combined models)");
        fputc('\n', f);
    }
    fprintf(f, "\n%-24s %-20s %7s %7s %9s %7s %8s\n", "split", "model", "AUROC", "acc",
            "val AUROC", "epochs", "time s");
    for (int s = 0; s < NAME_STUDY_N_SPLITS; s++) {
        const name_study_split *p = &r->split[s];
        if (!p->available) {
            fprintf(f, "%-24s skipped: %s\n\n", p->name, p->skipped);
            continue;
        }
        for (int m = 0; m < NAME_STUDY_N_MODELS; m++)
            fprintf(f, "%-24s %-20s %7.4f %7.4f %9.4f %7lld %8.2f\n", m == 0 ? p->name : "",
                    name_study_model_names[m], p->model[m].auroc, p->model[m].accuracy,
                    p->model[m].val_auroc, (long long)p->model[m].epochs,
                    p->model[m].seconds);
        fprintf(f, "%-24s names+audio: names scaled by %g, chosen on the validation rows "
                   "(validation AUROC",
                "", p->names_scale);
        for (int k = 0; k < NAME_STUDY_N_SCALES; k++)
            fprintf(f, "%s %.4f for %g", k ? "," : "", p->both_val_auroc[k],
                    name_study_scales[k]);
        fprintf(f, ")\n");
        fprintf(f, "%-24s leakage: %lld train (%lld of them for validation) / %lld test rows; ",
                "", (long long)p->n_train, (long long)p->n_validation, (long long)p->n_test);
        if (r->group_word[0])
            fprintf(f, "%lld of %lld test %ss seen in training, %lld of %lld test rows "
                       "affected; ",
                    (long long)p->shared_groups, (long long)p->test_groups, r->group_word,
                    (long long)p->test_rows_in_train_groups, (long long)p->n_test);
        fprintf(f, "%lld test rows duplicate a training row's audio values\n",
                (long long)p->duplicate_rows);
        fprintf(f, "%-24s AUROC(names+audio) - AUROC(audio) = %+.4f, 95%% paired bootstrap "
                   "[%+.4f, %+.4f] (%d resamples of the test rows)\n",
                "", p->diff, p->diff_lo, p->diff_hi, o->n_resamples);
        fprintf(f, "%-24s AUROC(reduced names+audio) - AUROC(audio) = %+.4f, [%+.4f, %+.4f]\n\n",
                "", p->diff_reduced, p->names_in_reduced_lo, p->names_in_reduced_hi);
    }
    fprintf(f, "total %.1f s\n", r->seconds);
}
