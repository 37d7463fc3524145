/* predict.c: `fairc predict MODEL DATA -o OUT.csv`: raw rows in, score and decision out. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void predict_usage(FILE *f)
{
    fprintf(f,
            "usage: fairc predict MODEL DATA [-o OUT.csv] [--keep COL[,COL]]\n"
            "\n"
            "Applies MODEL (from fairc train) to the raw rows of DATA (CSV or ARFF) and writes a\n"
            "CSV with the kept columns, then `score` (the probability of a positive decision) and\n"
            "`decision` (score > 0.5), or `prediction` for a regression model, one line per row in\n"
            "order. OUT is written atomically and never over DATA; without -o, to stdout.\n"
            "  --keep COLS   copy these columns of DATA (an id, say) into the output\n"
            "  --sep C --na-values L --format F   as for fairc audit\n");
}

int cmd_predict(int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *out = "-", *v;
    char **keep = NULL;
    size_t n_keep = 0;
    fairc_read_options ro;
    fairc_read_options_init(&ro);
    int bad = 0;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_flag(argv, i, "--help") || cli_flag(argv, i, "-h")) {
            predict_usage(stdout);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "-o", &bad)) || (v = cli_opt(argc, argv, &i, "--output", &bad))) {
            out = v;
        } else if ((v = cli_opt(argc, argv, &i, "--keep", &bad))) {
            if (cli_split(v, &keep, &n_keep) != 0) bad = 1;
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
        if (rc == FAIRC_OK)
            rc = fairc_predict_file(p, data, &ro, (const char *const *)keep, n_keep, out, &info, &st);
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
