/* postprocess.c: `fairc postprocess DATA ... -o MODEL`: group-wise thresholds (SPEC §9) fitted on
 * a score column of any model, or around a saved fairc model; the result predicts with
 * `fairc predict`. Also the option parsing shared with `fairc train --mitigate threshold`. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void postprocess_usage(FILE *f)
{
    fprintf(f,
            "usage: fairc postprocess DATA --label COL --sensitive A[,B] (--score COL | --base MODEL)\n"
            "                         [--constraint C] [--objective O] [options] -o OUT\n"
            "\n"
            "Fits group-wise randomised thresholds (Hardt et al.; SPEC §9) on DATA (CSV or ARFF) and\n"
            "writes a model that `fairc predict` applies to new rows (probability and decision).\n"
            "  --label COL            the label; --pos-label V names the positive value(s)\n"
            "  --sensitive A,B        sensitive columns; groups are their intersection\n"
            "  --score COL            the score to threshold (any real: a probability, a logit,\n"
            "                         any model's output saved to CSV); the model reads this\n"
            "                         column and the sensitive ones at prediction\n"
            "  --base MODEL           or threshold the probability of a saved fairc model\n"
            "  --constraint C         dp (default), tpr, fpr, tnr, fnr, or eo (equalized odds)\n"
            "  --objective O          accuracy (default), balanced_accuracy, selection_rate, tpr,\n"
            "                         tnr (eo: the first two); always the true overall value\n"
            "  --tol T                allowed spread of the constraint metric between groups\n"
            "                         (default 0: parity; eo with T > 0 solves an LP)\n"
            "  --grid-size N          grid over [0, 1] (1000)\n"
            "  --flip                 also consider the rules score < t\n"
            "  --unseen-group P       a group not seen here, at prediction: error (default),\n"
            "                         pooled (the rule fitted on all rows), 0 or 1\n"
            "  --weight COL           sample weights (Fairlearn's ThresholdOptimizer takes none)\n"
            "  --id COL               key of per-row decisions, recorded in the model (SPEC §1.7)\n"
            "  --drop-missing-label   drop rows without a label (default: an error)\n"
            "  --sep C --na-values L --format F   as for fairc audit\n"
            "  -o OUT                 output model file (required)\n"
            "  --quiet                no summary line\n");
}

int cli_threshold_option(int argc, char **argv, int *i, fairc_threshold_options *t, int *bad)
{
    const char *v;
    if ((v = cli_opt(argc, argv, i, "--constraint", bad))) {
        static const char *const names[] = {"dp", "tpr", "fpr", "tnr", "fnr", "eo"};
        t->constraint = 0;
        for (int k = 0; k < 6; k++)
            if (strcmp(v, names[k]) == 0) t->constraint = FAIRC_THRESHOLD_DP + k;
        if (strcmp(v, "demographic_parity") == 0) t->constraint = FAIRC_THRESHOLD_DP;
        if (strcmp(v, "equalized_odds") == 0) t->constraint = FAIRC_THRESHOLD_EO;
        if (!t->constraint) {
            fprintf(stderr, "fairc: --constraint: '%s' is not dp, tpr, fpr, tnr, fnr or eo\n", v);
            *bad = 1;
        }
        return 1;
    }
    if ((v = cli_opt(argc, argv, i, "--objective", bad))) {
        static const char *const names[] = {"accuracy", "balanced_accuracy", "selection_rate", "tpr", "tnr"};
        t->objective = 0;
        for (int k = 0; k < 5; k++)
            if (strcmp(v, names[k]) == 0) t->objective = FAIRC_THRESHOLD_OBJ_ACCURACY + k;
        if (!t->objective) {
            fprintf(stderr, "fairc: --objective: '%s' is not accuracy, balanced_accuracy, "
                            "selection_rate, tpr or tnr\n", v);
            *bad = 1;
        }
        return 1;
    }
    if ((v = cli_opt(argc, argv, i, "--tol", bad))) {
        if (cli_double("--tol", v, &t->tol) != 0) *bad = 1;
        return 1;
    }
    if ((v = cli_opt(argc, argv, i, "--grid-size", bad))) {
        uint64_t u;
        if (cli_u64("--grid-size", v, &u) != 0) *bad = 1;
        else t->grid_size = u > 100000000 ? 100000000 : (size_t)u;
        return 1;
    }
    if (cli_flag(argv, *i, "--flip")) {
        t->flip = 1;
        return 1;
    }
    if ((v = cli_opt(argc, argv, i, "--unseen-group", bad))) {
        if (strcmp(v, "error") == 0) t->unseen = FAIRC_UNSEEN_ERROR;
        else if (strcmp(v, "pooled") == 0) t->unseen = FAIRC_UNSEEN_POOLED;
        else if (strcmp(v, "0") == 0) t->unseen = FAIRC_UNSEEN_ZERO;
        else if (strcmp(v, "1") == 0) t->unseen = FAIRC_UNSEEN_ONE;
        else {
            fprintf(stderr, "fairc: --unseen-group: '%s' is not error, pooled, 0 or 1\n", v);
            *bad = 1;
        }
        return 1;
    }
    return 0;
}

static const char *metric_label(int constraint)
{
    switch (constraint) {
    case FAIRC_THRESHOLD_DP: return "selection rate";
    case FAIRC_THRESHOLD_TPR: return "TPR";
    case FAIRC_THRESHOLD_FPR: return "FPR";
    case FAIRC_THRESHOLD_TNR: return "TNR";
    case FAIRC_THRESHOLD_FNR: return "FNR";
    default: return "FPR";
    }
}

void cli_threshold_summary(const fairc_threshold_options *t, const fairc_threshold_info *info,
                           const char *out)
{
    static const char *const obj[] = {"accuracy", "balanced accuracy", "selection rate", "TPR", "TNR"};
    fprintf(stderr, "fairc: thresholds for %zu groups fitted on %llu rows: %s %.4f (expected, on "
            "these rows), ", info->groups, (unsigned long long)info->rows,
            obj[(t->objective - 1) % 5], info->objective);
    if (t->constraint == FAIRC_THRESHOLD_EO && !isnan(info->x_best))
        fprintf(stderr, "FPR %.4f and TPR %.4f in every group", info->x_best, info->y_best);
    else if (!isnan(info->x_best))
        fprintf(stderr, "%s %.4f in every group", metric_label(t->constraint), info->x_best);
    else
        fprintf(stderr, "%s spread %.4f (tol %g)", t->constraint == FAIRC_THRESHOLD_EO ? "largest rate"
                                                                                  : metric_label(t->constraint),
                info->disparity, t->tol);
    fprintf(stderr, "; wrote %s\n", out);
}

int cmd_postprocess(int argc, char **argv)
{
    fairc_postprocess_options o;
    fairc_postprocess_options_init(&o);
    fairc_read_options ro;
    fairc_read_options_init(&ro);
    cli_na_list na_list = {0};
    char **pos = NULL, **sens = NULL;
    size_t n_pos = 0, n_sens = 0;
    const char *data = NULL, *out = NULL, *base_path = NULL, *v;
    int bad = 0, quiet = 0;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_flag(argv, i, "--help") || cli_flag(argv, i, "-h")) {
            postprocess_usage(stdout);
            return 0;
        } else if (cli_threshold_option(argc, argv, &i, &o.threshold, &bad)) {
            continue;
        } else if ((v = cli_opt(argc, argv, &i, "--label", &bad))) {
            o.label = v;
        } else if ((v = cli_opt(argc, argv, &i, "--pos-label", &bad))) {
            if (cli_split(v, &pos, &n_pos) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--sensitive", &bad))) {
            if (cli_split(v, &sens, &n_sens) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--score", &bad))) {
            o.score = v;
        } else if ((v = cli_opt(argc, argv, &i, "--base", &bad))) {
            base_path = v;
        } else if ((v = cli_opt(argc, argv, &i, "--weight", &bad))) {
            o.weight = v;
        } else if ((v = cli_opt(argc, argv, &i, "--id", &bad))) {
            o.id = v;
        } else if (cli_flag(argv, i, "--drop-missing-label")) {
            o.drop_missing_label = 1;
        } else if (cli_flag(argv, i, "--quiet") || cli_flag(argv, i, "-q")) {
            quiet = 1;
        } else if (cli_read_opt("fairc postprocess", argc, argv, &i, &ro, &na_list, &bad)) {
            /* --sep, --na-values, --format */
        } else if ((v = cli_opt(argc, argv, &i, "-o", &bad)) || (v = cli_opt(argc, argv, &i, "--output", &bad))) {
            out = v;
        } else if (bad) {
            break;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "fairc postprocess: unknown option '%s'\n", argv[i]);
            bad = 1;
        } else if (!data) {
            data = argv[i];
        } else {
            fprintf(stderr, "fairc postprocess: one data file only\n");
            bad = 1;
        }
    }
    o.pos_labels = (const char *const *)pos;
    o.n_pos_labels = n_pos;
    o.sensitive = (const char *const *)sens;
    o.n_sensitive = n_sens;
    cli_na_apply(&na_list, &ro);
    if (!bad && !data) {
        fprintf(stderr, "fairc postprocess: no data file given\n");
        bad = 1;
    }
    if (!bad && !out) {
        fprintf(stderr, "fairc postprocess: -o OUT is required\n");
        bad = 1;
    }
    if (!bad && (base_path != NULL) == (o.score != NULL)) {
        fprintf(stderr, "fairc postprocess: give exactly one of --score COL or --base MODEL\n");
        bad = 1;
    }
    if (!bad) {
        /* the options that need no data; --base is checked once loaded */
        fairc_postprocess_options probe = o;
        if (!probe.score) probe.score = "score";
        const char *check = fairc_postprocess_options_check(&probe);
        if (check) {
            fprintf(stderr, "fairc postprocess: %s\n", check);
            bad = 1;
        }
    }
    size_t len = 0;
    for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
    char *command = malloc(len + 8);
    if (command) {
        strcpy(command, "fairc");
        for (int i = 0; i < argc; i++) {
            strcat(command, " ");
            strcat(command, argv[i]);
        }
    }
    o.command = command;
    int exit_code = 2;
    if (!bad) {
        fairc_status st = {0};
        fairc_predictor *base = NULL, *p = NULL;
        fairc_threshold_info info;
        memset(&info, 0, sizeof info);
        int rc = FAIRC_OK;
        if (base_path) {
            rc = fairc_predictor_load(base_path, &base, &st);
            o.base = base;
        }
        if (rc == FAIRC_OK && strcmp(out, data) == 0)
            rc = (snprintf(st.message, sizeof st.message, "%s: the output would overwrite the data", out), FAIRC_EINVAL);
        if (rc == FAIRC_OK) rc = fairc_postprocess_file(data, &ro, &o, &p, &info, &st);
        if (rc == FAIRC_OK) rc = fairc_predictor_save(p, out, &st);
        if (rc == FAIRC_OK) {
            if (!quiet) cli_threshold_summary(&o.threshold, &info, out);
            exit_code = 0;
        } else {
            fprintf(stderr, "fairc: %s\n", st.message);
            exit_code = 1;
        }
        fairc_predictor_free(&p);
        fairc_predictor_free(&base);
    }
    free(command);
    for (size_t k = 0; k < n_pos; k++) free(pos[k]);
    for (size_t k = 0; k < n_sens; k++) free(sens[k]);
    cli_na_free(&na_list);
    free(pos);
    free(sens);
    return exit_code;
}
