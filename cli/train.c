/* train.c: `fairc train`, fits a model on a CSV/ARFF file and saves it (with its encoder). */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void train_usage(FILE *f)
{
    fprintf(f,
            "usage: fairc train DATA --label COL [--pos-label V] [--model logistic|mlp:64[,32]|linear]\n"
            "                   [options] -o MODEL\n"
            "\n"
            "Fits a model on DATA (CSV, or ARFF for *.arff) and writes it, with the encoder that\n"
            "turns raw rows into features, to MODEL (atomically). Every column but the label, the\n"
            "weight and the dropped ones is a feature: numbers standardised, categories one-hot.\n"
            "  --label COL            the label; --pos-label V names the positive value(s)\n"
            "  --task T               classification (default) or regression\n"
            "  --sensitive A,B        sensitive columns, recorded in the model (still features)\n"
            "  --drop COL[,COL]       columns that are not features (repeatable)\n"
            "  --weight COL           sample weights (not a feature)\n"
            "  --drop-missing-label   drop rows without a label (default: an error)\n"
            "  --model M              logistic (default; trust-region Newton, exact optimum),\n"
            "                         mlp:H1[,H2...] (ReLU layers, Adam), linear (regression)\n"
            "  --C C                  logistic: inverse L2 strength, intercept not penalised (1)\n"
            "  --alpha A              linear: ridge strength (0)\n"
            "  --epochs N --batch B   MLP: epochs (20) and mini-batch size (256)\n"
            "  --lr LR --beta1 B1 --beta2 B2 --adam-eps E --weight-decay WD   Adam (1e-3, 0.9,\n"
            "                         0.999, 1e-8, 0)\n"
            "  --seed S               random seed (0): the same seed gives the same file\n"
            "  --threads N            threads (default: all)\n"
            "  --sep C --na-values L --format F   as for fairc audit\n"
            "  -o MODEL               output model file (required)\n"
            "  --quiet                no progress bar and no summary (errors still print)\n"
            "A progress bar with ETA shows on a terminal; a summary line goes to stderr.\n");
}

static int parse_model(const char *v, fairc_train_options *o)
{
    if (strcmp(v, "logistic") == 0) {
        o->learner = FAIRC_LEARNER_LOGISTIC;
        return 0;
    }
    if (strcmp(v, "linear") == 0) {
        o->learner = FAIRC_LEARNER_LINEAR;
        return 0;
    }
    if (strncmp(v, "mlp:", 4) == 0) {
        o->learner = FAIRC_LEARNER_MLP;
        o->n_hidden = 0;
        const char *p = v + 4;
        while (*p) {
            char *end;
            unsigned long h = strtoul(p, &end, 10);
            if (end == p || h < 1 || h > 100000 || o->n_hidden == 16 || (*end && *end != ',')) break;
            o->hidden[o->n_hidden++] = h;
            p = *end ? end + 1 : end;
            if (!*end) return 0;
        }
    }
    fprintf(stderr, "fairc train: --model: '%s' is not logistic, linear or mlp:H1[,H2...] (sizes 1..100000)\n", v);
    return -1;
}

int cmd_train(int argc, char **argv)
{
    fairc_train_options o;
    fairc_train_options_init(&o);
    fairc_read_options ro;
    fairc_read_options_init(&ro);
    char **pos = NULL, **sens = NULL, **drop = NULL, **na = NULL;
    size_t n_pos = 0, n_sens = 0, n_drop = 0, n_na = 0;
    const char *data = NULL, *out = NULL, *v;
    int bad = 0, na_given = 0, quiet = 0;
    for (int i = 1; i < argc && !bad; i++) {
        uint64_t u = 0;
        if (cli_flag(argv, i, "--help") || cli_flag(argv, i, "-h")) {
            train_usage(stdout);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "--label", &bad))) {
            o.label = v;
        } else if ((v = cli_opt(argc, argv, &i, "--pos-label", &bad))) {
            if (cli_split(v, &pos, &n_pos) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--task", &bad))) {
            if (strcmp(v, "classification") == 0) o.task = FAIRC_TASK_CLASSIFICATION;
            else if (strcmp(v, "regression") == 0) o.task = FAIRC_TASK_REGRESSION;
            else {
                fprintf(stderr, "fairc train: --task: '%s' is not classification or regression\n", v);
                bad = 1;
            }
        } else if ((v = cli_opt(argc, argv, &i, "--sensitive", &bad))) {
            if (cli_split(v, &sens, &n_sens) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--drop", &bad))) {
            if (cli_split(v, &drop, &n_drop) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--weight", &bad))) {
            o.weight = v;
        } else if (cli_flag(argv, i, "--quiet") || cli_flag(argv, i, "-q")) {
            quiet = 1;
        } else if (cli_flag(argv, i, "--drop-missing-label")) {
            o.drop_missing_label = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--model", &bad))) {
            if (parse_model(v, &o) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--C", &bad))) {
            if (cli_double("--C", v, &o.C) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--alpha", &bad))) {
            if (cli_double("--alpha", v, &o.alpha) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--epochs", &bad))) {
            if (cli_u64("--epochs", v, &u) != 0) bad = 1;
            else o.epochs = (size_t)u;
        } else if ((v = cli_opt(argc, argv, &i, "--batch", &bad))) {
            if (cli_u64("--batch", v, &u) != 0) bad = 1;
            else o.batch = (size_t)u;
        } else if ((v = cli_opt(argc, argv, &i, "--lr", &bad))) {
            if (cli_double("--lr", v, &o.lr) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--beta1", &bad))) {
            if (cli_double("--beta1", v, &o.beta1) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--beta2", &bad))) {
            if (cli_double("--beta2", v, &o.beta2) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--adam-eps", &bad))) {
            if (cli_double("--adam-eps", v, &o.adam_eps) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--weight-decay", &bad))) {
            if (cli_double("--weight-decay", v, &o.weight_decay) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--seed", &bad))) {
            if (cli_u64("--seed", v, &o.seed) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--threads", &bad))) {
            if (cli_u64("--threads", v, &u) != 0 || u > 1024) bad = 1;
            else o.threads = (int)u;
        } else if ((v = cli_opt(argc, argv, &i, "--sep", &bad))) {
            if (strcmp(v, "tab") == 0) ro.sep = '\t';
            else if (strlen(v) == 1 && v[0] != '"') ro.sep = v[0];
            else {
                fprintf(stderr, "fairc train: --sep must be one character or 'tab'\n");
                bad = 1;
            }
        } else if ((v = cli_opt(argc, argv, &i, "--na-values", &bad))) {
            na_given = 1;
            if (*v && cli_split(v, &na, &n_na) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--format", &bad))) {
            if (strcmp(v, "csv") == 0) ro.format = FAIRC_FORMAT_CSV;
            else if (strcmp(v, "arff") == 0) ro.format = FAIRC_FORMAT_ARFF;
            else {
                fprintf(stderr, "fairc train: --format: '%s' is not csv or arff\n", v);
                bad = 1;
            }
        } else if ((v = cli_opt(argc, argv, &i, "-o", &bad)) || (v = cli_opt(argc, argv, &i, "--output", &bad))) {
            out = v;
        } else if (bad) {
            break;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "fairc train: unknown option '%s'\n", argv[i]);
            bad = 1;
        } else if (!data) {
            data = argv[i];
        } else {
            fprintf(stderr, "fairc train: one data file only\n");
            bad = 1;
        }
    }
    o.pos_labels = (const char *const *)pos;
    o.n_pos_labels = n_pos;
    o.sensitive = (const char *const *)sens;
    o.n_sensitive = n_sens;
    o.drop = (const char *const *)drop;
    o.n_drop = n_drop;
    static const char *const nothing_missing[] = {"\x01"};
    if (na_given) {
        ro.na_values = n_na ? (const char *const *)na : nothing_missing;
        ro.n_na_values = n_na ? n_na : 1;
    }
    if (!bad && !data) {
        fprintf(stderr, "fairc train: no data file given\n");
        bad = 1;
    }
    if (!bad && !out) {
        fprintf(stderr, "fairc train: -o MODEL is required\n");
        bad = 1;
    }
    const char *check = bad ? NULL : fairc_train_options_check(&o);
    if (check) {
        fprintf(stderr, "fairc train: %s\n", check);
        bad = 1;
    }
    /* The command line goes into the model file, so a model says how it was made. */
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
        cli_progress prog;
        cli_progress_init(&prog, "train");
        if (quiet) prog.enabled = 0;
        o.progress = cli_progress_cb;
        o.progress_user = &prog;
        fairc_status st = {0};
        fairc_predictor *p = NULL;
        fairc_train_info info;
        int rc = fairc_train_file(data, &ro, &o, &p, &info, &st);
        cli_progress_done(&prog);
        if (rc == FAIRC_OK) rc = fairc_predictor_save(p, out, &st);
        if (rc == FAIRC_OK && quiet) {
            exit_code = 0;
        } else if (rc == FAIRC_OK) {
            fprintf(stderr, "fairc: trained on %llu rows, %zu features; ", (unsigned long long)info.rows, info.features);
            if (!isnan(info.train_accuracy)) fprintf(stderr, "train accuracy %.4f, ", info.train_accuracy);
            if (!isnan(info.objective)) fprintf(stderr, "objective %.12g, ", info.objective);
            fprintf(stderr, "train loss %.6f; %s %d%s; wrote %s\n", info.train_loss,
                    o.learner == FAIRC_LEARNER_MLP ? "epochs" : "iterations", info.iterations,
                    info.converged ? "" : " (not converged)", out);
            if (info.dropped)
                fprintf(stderr, "fairc: warning: %llu rows without a label were dropped\n", (unsigned long long)info.dropped);
            exit_code = 0;
        } else {
            fprintf(stderr, "fairc: %s\n", st.message);
            exit_code = 1;
        }
        fairc_predictor_free(&p);
    } else {
        fprintf(stderr, "(fairc train --help lists the options)\n");
    }
    free(command);
    for (size_t k = 0; k < n_pos; k++) free(pos[k]);
    for (size_t k = 0; k < n_sens; k++) free(sens[k]);
    for (size_t k = 0; k < n_drop; k++) free(drop[k]);
    for (size_t k = 0; k < n_na; k++) free(na[k]);
    free(pos);
    free(sens);
    free(drop);
    free(na);
    return exit_code;
}
