/* predict.c: `fairc predict MODEL DATA -o OUT.csv`: raw rows in, score and decision out (a
 * regression's prediction; a classification mixture's mixture score on request). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void predict_usage(FILE *f)
{
    fprintf(f,
            "usage: fairc predict MODEL DATA [-o OUT.csv] [--keep COL[,COL]] [--seed S]\n"
            "                     [--randomize hash|stream] [--id COL] [--unseen-group G]\n"
            "                     [--expected | --mixture-scores]\n"
            "\n"
            "Applies MODEL (from fairc train) to the raw rows of DATA (CSV or ARFF) and writes a\n"
            "CSV with the kept columns, then `score` (the probability of a positive decision) and\n"
            "`decision` (score > 0.5), or `prediction` for a regression model, one line per row in\n"
            "order. OUT is written atomically and never over DATA; without -o, to stdout.\n"
            "  --keep COLS   copy these columns of DATA (an id, say) into the output\n"
            "A randomised model (a mixture, or thresholds) gives the probability p of a positive\n"
            "decision as the score, and decides 1[u < p]:\n"
            "  --randomize hash    (default) u from a hash of the row and the seed: the same person\n"
            "                      gets the same decision in any file and row order\n"
            "  --randomize stream  u drawn in row order from the seeded generator\n"
            "  --seed S            seed of u (default 0)\n"
            "  --id COL            hash this column instead of the row's features\n"
            "  --unseen-group G    rows of a group not seen at fit: error (default, or the\n"
            "                      model's policy), pooled, 0 or 1\n"
            "Mixtures of models (fairc train --mitigate expgrad), with weights Q_h:\n"
            "  A classification mixture's score is sum_h Q_h 1[f_h(x) > 0.5], the probability of\n"
            "  a positive decision. A regression mixture's prediction is that of one member: the\n"
            "  first h whose cumulative Q exceeds the row's u (the same u as above, so --seed,\n"
            "  --randomize and --id apply; the same row gets the same member).\n"
            "  --expected          regression mixture: write the expected prediction\n"
            "                      sum_h Q_h h(x) instead (u is then not used)\n"
            "  --mixture-scores    classification mixture: add a last column mixture_score =\n"
            "                      sum_h Q_h f_h(x) from the members' probabilities (a score, not\n"
            "                      a decision probability; decisions still follow `score`)\n"
            "  Either option on any other model is an error (a single model's score is already\n"
            "  its probability, its prediction already deterministic); the two exclude each other.\n"
            "  --sep C --na-values L --format F   as for fairc audit\n");
}

int cmd_predict(int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *out = "-", *v;
    char **keep = NULL;
    size_t n_keep = 0;
    fairc_read_options ro;
    fairc_read_options_init(&ro);
    fairc_predict_options po;
    fairc_predict_options_init(&po);
    int bad = 0;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_flag(argv, i, "--help") || cli_flag(argv, i, "-h")) {
            predict_usage(stdout);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "-o", &bad)) || (v = cli_opt(argc, argv, &i, "--output", &bad))) {
            out = v;
        } else if ((v = cli_opt(argc, argv, &i, "--keep", &bad))) {
            if (cli_split(v, &keep, &n_keep) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--seed", &bad))) {
            if (cli_u64("--seed", v, &po.seed) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--id", &bad))) {
            po.id = v;
        } else if ((v = cli_opt(argc, argv, &i, "--randomize", &bad))) {
            if (strcmp(v, "hash") == 0) po.randomize = FAIRC_RANDOMIZE_HASH;
            else if (strcmp(v, "stream") == 0) po.randomize = FAIRC_RANDOMIZE_STREAM;
            else {
                fprintf(stderr, "fairc predict: --randomize: '%s' is not hash or stream\n", v);
                bad = 1;
            }
        } else if ((v = cli_opt(argc, argv, &i, "--unseen-group", &bad))) {
            if (strcmp(v, "error") == 0) po.unseen = FAIRC_UNSEEN_ERROR;
            else if (strcmp(v, "pooled") == 0) po.unseen = FAIRC_UNSEEN_POOLED;
            else if (strcmp(v, "0") == 0) po.unseen = FAIRC_UNSEEN_ZERO;
            else if (strcmp(v, "1") == 0) po.unseen = FAIRC_UNSEEN_ONE;
            else {
                fprintf(stderr, "fairc predict: --unseen-group: '%s' is not error, pooled, 0 or 1\n", v);
                bad = 1;
            }
        } else if (cli_flag(argv, i, "--expected")) {
            po.expected = 1;
        } else if (cli_flag(argv, i, "--mixture-scores")) {
            po.mixture_scores = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--sep", &bad))) {
            if (strcmp(v, "tab") == 0) ro.sep = '\t';
            else if (strlen(v) == 1 && v[0] != '"') ro.sep = v[0];
            else bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--format", &bad))) {
            if (strcmp(v, "csv") == 0) ro.format = FAIRC_FORMAT_CSV;
            else if (strcmp(v, "arff") == 0) ro.format = FAIRC_FORMAT_ARFF;
            else bad = 1;
        } else if (bad) {
            break;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "fairc predict: unknown option '%s'\n", argv[i]);
            bad = 1;
        } else if (!model) {
            model = argv[i];
        } else if (!data) {
            data = argv[i];
        } else {
            fprintf(stderr, "fairc predict: too many arguments\n");
            bad = 1;
        }
    }
    if (!bad && po.expected && po.mixture_scores) {
        fprintf(stderr, "fairc predict: --expected (regression mixtures) and --mixture-scores "
                        "(classification mixtures) exclude each other\n");
        bad = 1;
    }
    if (!bad && (!model || !data)) {
        fprintf(stderr, "fairc predict: give a MODEL and a DATA file\n");
        bad = 1;
    }
    int exit_code = 2;
    if (!bad) {
        fairc_status st = {0};
        fairc_predictor *p = NULL;
        fairc_predict_info info = {0, 0};
        int rc = fairc_predictor_load(model, &p, &st);
        if (rc == FAIRC_OK && strcmp(out, model) == 0)
            rc = (snprintf(st.message, sizeof st.message, "%s: the output would overwrite the model", out), FAIRC_EINVAL);
        po.keep = (const char *const *)keep;
        po.n_keep = n_keep;
        if (rc == FAIRC_OK) rc = fairc_predict_file_opt(p, data, &ro, &po, out, &info, &st);
        if (rc == FAIRC_OK) {
            if (info.unseen_categories)
                fprintf(stderr, "fairc: warning: %llu cells held a category not seen in training (encoded as zeros)\n",
                        (unsigned long long)info.unseen_categories);
            exit_code = 0;
        } else {
            fprintf(stderr, "fairc: %s\n", st.message);
            exit_code = 1;
        }
        fairc_predictor_free(&p);
    } else {
        fprintf(stderr, "(fairc predict --help lists the options)\n");
    }
    for (size_t k = 0; k < n_keep; k++) free(keep[k]);
    free(keep);
    return exit_code;
}
