/* audit.c: `fairc audit`, fairness metrics by group (SPEC §2, §3). Parses flags, calls
 * fairc_audit_file, prints the table or the JSON and the warnings. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void audit_usage(FILE *f)
{
    fprintf(f,
            "usage: fairc audit DATA --label COL --sensitive COL[,COL...] (--pred COL | --score COL |\n                   --model FILE)\n"
            "                   [options]\n"
            "\n"
            "Fairness metrics by group, in one streaming pass over DATA (CSV, or ARFF for *.arff).\n"
            "  --label COL             the true label\n"
            "  --pos-label V           value(s) meaning positive (repeatable, or V1,V2); without it\n"
            "                          the label must be 0/1, -1/1 or false/true\n"
            "  --pred COL              hard decisions (0/1, -1/1, false/true, or --pos-label values)\n"
            "  --score COL             scores; decision = score > threshold\n"
            "  --model FILE            predictions of a model from fairc train (its probability\n"
            "                          is the score, its decision p > 0.5)\n"
            "  --threshold T           default 0.5, required when scores leave [0, 1]\n"
            "  --weight COL            sample weights (finite, >= 0)\n"
            "  --sensitive A,B         sensitive columns; groups are their intersections\n"
            "  --groups MODE           intersection (default), marginal, or both\n"
            "  --group-order ORDER     sorted (default) or appearance\n"
            "  --all-combinations      also list empty intersections (count 0)\n"
            "  --sensitive-missing M   level (default: missing is the group '?'), drop, or error\n"
            "  --drop-missing-label    drop rows whose label is missing (default: an error)\n"
            "  --min-group-size N      warn about groups with fewer rows (default 30)\n"
            "  --bootstrap B           B bootstrap replicates for confidence intervals\n"
            "  --ci LEVEL              interval level (default 0.95)\n"
            "  --bootstrap-strata S    none (default) or group: resample within each group\n"
            "  --seed S                random seed (default 0)\n"
            "  --json                  machine output (schema fairc-audit/1)\n"
            "  --metrics LIST          table columns (default selection_rate,accuracy,tpr,fpr,\n"
            "                          precision,f1)\n"
            "  --digits N              table decimals (default 4)\n"
            "  --sep C                 CSV delimiter (default ','; 'tab' for a tab)\n"
            "  --na-values LIST        missing-value tokens (default: empty,?,NA,NaN)\n"
            "  --format F              csv or arff (default: from the file name)\n"
            "  -o FILE                 write the output to FILE (atomically) instead of stdout\n"
            "  --quiet                 do not print warnings\n"
            "Exit status: 0 ok, 1 bad data or I/O error, 2 bad usage.\n");
}

typedef struct {
    char **pos, **sens, **na;
    size_t n_pos, n_sens, n_na;
} lists;

static void lists_free(lists *l)
{
    for (size_t k = 0; k < l->n_pos; k++) free(l->pos[k]);
    for (size_t k = 0; k < l->n_sens; k++) free(l->sens[k]);
    for (size_t k = 0; k < l->n_na; k++) free(l->na[k]);
    free(l->pos);
    free(l->sens);
    free(l->na);
}

static int parse_choice(const char *opt, const char *v, const char *const *names, int n, int *out)
{
    for (int k = 0; k < n; k++)
        if (strcmp(v, names[k]) == 0) {
            *out = k;
            return 0;
        }
    fprintf(stderr, "fairc audit: %s: '%s' is not one of", opt, v);
    for (int k = 0; k < n; k++) fprintf(stderr, " %s", names[k]);
    fprintf(stderr, "\n");
    return -1;
}

int cmd_audit(int argc, char **argv)
{
    fairc_audit_options o;
    fairc_audit_options_init(&o);
    fairc_read_options ro;
    fairc_read_options_init(&ro);
    fairc_table_format tf = {NULL, 4};
    lists l = {0};
    const char *data = NULL, *out = NULL, *model_path = NULL, *v;
    fairc_predictor *model = NULL;
    int json = 0, quiet = 0, bad = 0, na_given = 0;
    static const char *const groups[] = {"intersection", "marginal", "both"};
    static const char *const orders[] = {"sorted", "appearance"};
    static const char *const missing[] = {"level", "drop", "error"};
    static const char *const strata[] = {"none", "group"};
    static const char *const formats[] = {"auto", "csv", "arff"};
    for (int i = 1; i < argc && !bad; i++) {
        uint64_t u = 0;
        if (cli_flag(argv, i, "--help") || cli_flag(argv, i, "-h")) {
            audit_usage(stdout);
            lists_free(&l);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "--label", &bad))) {
            o.label = v;
        } else if ((v = cli_opt(argc, argv, &i, "--pos-label", &bad))) {
            if (cli_split(v, &l.pos, &l.n_pos) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--pred", &bad))) {
            o.pred = v;
        } else if ((v = cli_opt(argc, argv, &i, "--score", &bad))) {
            o.score = v;
        } else if ((v = cli_opt(argc, argv, &i, "--model", &bad))) {
            model_path = v;
        } else if ((v = cli_opt(argc, argv, &i, "--threshold", &bad))) {
            if (cli_double("--threshold", v, &o.threshold) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--weight", &bad))) {
            o.weight = v;
        } else if ((v = cli_opt(argc, argv, &i, "--sensitive", &bad))) {
            if (cli_split(v, &l.sens, &l.n_sens) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--groups", &bad))) {
            if (parse_choice("--groups", v, groups, 3, &o.groups) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--group-order", &bad))) {
            if (parse_choice("--group-order", v, orders, 2, &o.group_order) != 0) bad = 1;
        } else if (cli_flag(argv, i, "--all-combinations")) {
            o.all_combinations = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--sensitive-missing", &bad))) {
            if (parse_choice("--sensitive-missing", v, missing, 3, &o.sensitive_missing) != 0) bad = 1;
        } else if (cli_flag(argv, i, "--drop-missing-label")) {
            o.drop_missing_label = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--min-group-size", &bad))) {
            if (cli_u64("--min-group-size", v, &u) != 0 || u > 1000000000) bad = 1;
            else o.min_group_size = (long)u;
        } else if ((v = cli_opt(argc, argv, &i, "--bootstrap", &bad))) {
            if (cli_u64("--bootstrap", v, &u) != 0 || u > 100000) {
                if (u > 100000) fprintf(stderr, "fairc audit: --bootstrap: at most 100000\n");
                bad = 1;
            } else {
                o.bootstrap = (size_t)u;
            }
        } else if ((v = cli_opt(argc, argv, &i, "--ci", &bad))) {
            if (cli_double("--ci", v, &o.ci) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--bootstrap-strata", &bad))) {
            if (parse_choice("--bootstrap-strata", v, strata, 2, &o.bootstrap_strata) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--seed", &bad))) {
            if (cli_u64("--seed", v, &o.seed) != 0) bad = 1;
        } else if (cli_flag(argv, i, "--json")) {
            json = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--metrics", &bad))) {
            tf.metrics = v;
        } else if ((v = cli_opt(argc, argv, &i, "--digits", &bad))) {
            if (cli_u64("--digits", v, &u) != 0 || u < 1 || u > 17) {
                fprintf(stderr, "fairc audit: --digits must be in 1..17\n");
                bad = 1;
            } else {
                tf.digits = (int)u;
            }
        } else if ((v = cli_opt(argc, argv, &i, "--sep", &bad))) {
            if (strcmp(v, "tab") == 0 || strcmp(v, "\\t") == 0) ro.sep = '\t';
            else if (strlen(v) == 1 && v[0] != '"' && v[0] != '\n' && v[0] != '\r') ro.sep = v[0];
            else {
                fprintf(stderr, "fairc audit: --sep must be one character (not a quote or newline), or 'tab'\n");
                bad = 1;
            }
        } else if ((v = cli_opt(argc, argv, &i, "--na-values", &bad))) {
            na_given = 1;
            if (*v && cli_split(v, &l.na, &l.n_na) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--format", &bad))) {
            if (parse_choice("--format", v, formats, 3, &ro.format) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "-o", &bad)) || (v = cli_opt(argc, argv, &i, "--output", &bad))) {
            out = v;
        } else if (cli_flag(argv, i, "--quiet") || cli_flag(argv, i, "-q")) {
            quiet = 1;
        } else if (bad) {
            break;
        } else if (argv[i][0] == '-' && argv[i][1] != 0) {
            fprintf(stderr, "fairc audit: unknown option '%s'\n", argv[i]);
            bad = 1;
        } else if (!data) {
            data = argv[i];
        } else {
            fprintf(stderr, "fairc audit: one data file only ('%s' and '%s' given)\n", data, argv[i]);
            bad = 1;
        }
    }
    o.pos_labels = (const char *const *)l.pos;
    o.n_pos_labels = l.n_pos;
    o.sensitive = (const char *const *)l.sens;
    o.n_sensitive = l.n_sens;
    if (na_given) {
        ro.na_values = (const char *const *)l.na;
        ro.n_na_values = l.n_na;
        if (l.n_na == 0) {
            static const char *const none[] = {"\x01"}; /* no field equals it: nothing is missing */
            ro.na_values = none;
            ro.n_na_values = 1;
        }
    }
    if (!bad && !data) {
        fprintf(stderr, "fairc audit: no data file given\n");
        bad = 1;
    }
    /* A placeholder makes the option check see the model before it is loaded. */
    o.model = model_path ? (const fairc_predictor *)&model_path : NULL;
    o.model_name = model_path;
    const char *check = bad ? NULL : fairc_audit_options_check(&o);
    if (check) {
        fprintf(stderr, "fairc audit: %s\n", check);
        bad = 1;
    }
    if (bad) {
        fprintf(stderr, "(fairc audit --help lists the options)\n");
        lists_free(&l);
        return 2;
    }
    cli_progress prog;
    cli_progress_init(&prog, "audit");
    o.progress = cli_progress_cb;
    o.progress_user = &prog;
    fairc_status st = {0};
    fairc_audit_report *r = NULL;
    char *text = NULL;
    int rc = FAIRC_OK;
    if (model_path) {
        rc = fairc_predictor_load(model_path, &model, &st);
        o.model = model;
    }
    if (rc == FAIRC_OK) rc = fairc_audit_file(data, &ro, &o, &r, &st);
    cli_progress_done(&prog);
    if (rc == FAIRC_OK)
        rc = json ? fairc_audit_report_json(r, &text, &st) : fairc_audit_report_table(r, &tf, &text, &st);
    if (rc == FAIRC_OK && !quiet)
        for (size_t k = 0; k < fairc_audit_report_nwarnings(r); k++)
            fprintf(stderr, "fairc: warning: %s\n", fairc_audit_report_warning(r, k));
    int exit_code = 0;
    if (rc != FAIRC_OK) {
        fprintf(stderr, "fairc: %s\n", st.message);
        exit_code = 1;
    } else if (cli_write_output(out, text) != 0) {
        exit_code = 1;
    }
    free(text);
    fairc_audit_report_free(&r);
    fairc_predictor_free(&model);
    lists_free(&l);
    return exit_code;
}
