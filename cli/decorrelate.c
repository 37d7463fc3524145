/* decorrelate.c: `fairc decorrelate DATA --sensitive A[,B] -o OUT.csv`: CorrelationRemover
 * (SPEC §10.2) on a file's numeric columns; the fitted projection can be saved and applied to
 * new rows. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void decorrelate_usage(FILE *f)
{
    fprintf(f,
            "usage: fairc decorrelate DATA --sensitive A[,B] [--alpha A] [options] -o OUT.csv\n"
            "\n"
            "Removes the linear correlation of DATA's numeric columns with the sensitive columns\n"
            "(CorrelationRemover, SPEC §10.2) and writes every column but the sensitive ones to\n"
            "OUT.csv (atomically): numbers z become alpha z* + (1 - alpha) z, where z* = z minus its\n"
            "weighted least-squares fit on the centred sensitive indicators; other columns are\n"
            "copied; missing cells stay missing.\n"
            "  --sensitive A,B        sensitive columns (dropped from the output)\n"
            "  --alpha A              blend in [0, 1] (1: fully decorrelated; 0: unchanged)\n"
            "  --cr-groups G          intersection (default: one indicator per group, so no linear\n"
            "                         correlation with any group or level) or marginal (each\n"
            "                         column's levels side by side, as Fairlearn)\n"
            "  --label COL            copied unchanged (as --keep)\n"
            "  --keep COL[,COL]       numeric columns to copy unchanged (an id, a label)\n"
            "  --weight COL           sample weights of the fit (copied unchanged)\n"
            "  --save-projection P    write the fitted projection to P (a small CSV)\n"
            "  --projection P         apply a saved projection instead of fitting one (its alpha\n"
            "                         unless --alpha is given)\n"
            "  --unseen-group U       with --projection, rows of a group or level not seen at fit:\n"
            "                         error (default) or pooled (left unchanged)\n"
            "  --sep C --na-values L --format F   as for fairc audit\n"
            "  -o OUT.csv             output (required; never DATA)\n");
}

int cmd_decorrelate(int argc, char **argv)
{
    fairc_decorrelate_options o;
    fairc_decorrelate_options_init(&o);
    fairc_read_options ro;
    fairc_read_options_init(&ro);
    cli_na_list na_list = {0};
    char **sens = NULL, **keep = NULL;
    size_t n_sens = 0, n_keep = 0;
    const char *data = NULL, *out = NULL, *v;
    int bad = 0, alpha_given = 0;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_flag(argv, i, "--help") || cli_flag(argv, i, "-h")) {
            decorrelate_usage(stdout);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "--sensitive", &bad))) {
            if (cli_split(v, &sens, &n_sens) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--alpha", &bad))) {
            alpha_given = 1;
            if (cli_double("--alpha", v, &o.alpha) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--cr-groups", &bad))) {
            if (strcmp(v, "intersection") == 0) o.groups = FAIRC_GROUPS_INTERSECTION;
            else if (strcmp(v, "marginal") == 0) o.groups = FAIRC_GROUPS_MARGINAL;
            else {
                fprintf(stderr, "fairc decorrelate: --cr-groups: '%s' is not intersection or marginal\n", v);
                bad = 1;
            }
        } else if ((v = cli_opt(argc, argv, &i, "--label", &bad)) || (v = cli_opt(argc, argv, &i, "--keep", &bad))) {
            if (cli_split(v, &keep, &n_keep) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--weight", &bad))) {
            o.weight = v;
        } else if ((v = cli_opt(argc, argv, &i, "--save-projection", &bad))) {
            o.projection_out = v;
        } else if ((v = cli_opt(argc, argv, &i, "--projection", &bad))) {
            o.projection_in = v;
        } else if ((v = cli_opt(argc, argv, &i, "--unseen-group", &bad))) {
            if (strcmp(v, "error") == 0) o.unseen = FAIRC_UNSEEN_ERROR;
            else if (strcmp(v, "pooled") == 0) o.unseen = FAIRC_UNSEEN_POOLED;
            else {
                fprintf(stderr, "fairc decorrelate: --unseen-group: '%s' is not error or pooled\n", v);
                bad = 1;
            }
        } else if (cli_read_opt("fairc decorrelate", argc, argv, &i, &ro, &na_list, &bad)) {
            /* --sep, --na-values, --format */
        } else if ((v = cli_opt(argc, argv, &i, "-o", &bad)) || (v = cli_opt(argc, argv, &i, "--output", &bad))) {
            out = v;
        } else if (bad) {
            break;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "fairc decorrelate: unknown option '%s'\n", argv[i]);
            bad = 1;
        } else if (!data) {
            data = argv[i];
        } else {
            fprintf(stderr, "fairc decorrelate: one data file only\n");
            bad = 1;
        }
    }
    o.sensitive = (const char *const *)sens;
    o.n_sensitive = n_sens;
    o.keep = (const char *const *)keep;
    o.n_keep = n_keep;
    if (o.projection_in && !alpha_given) o.alpha = NAN;
    cli_na_apply(&na_list, &ro);
    if (!bad && !data) {
        fprintf(stderr, "fairc decorrelate: no data file given\n");
        bad = 1;
    }
    if (!bad && !out) {
        fprintf(stderr, "fairc decorrelate: -o OUT.csv is required\n");
        bad = 1;
    }
    const char *check = bad ? NULL : fairc_decorrelate_options_check(&o);
    if (check) {
        fprintf(stderr, "fairc decorrelate: %s\n", check);
        bad = 1;
    }
    int exit_code = 2;
    if (!bad) {
        fairc_status st = {0};
        fairc_decorrelate_info info;
        memset(&info, 0, sizeof info);
        int rc = FAIRC_OK;
        if (strcmp(out, data) == 0 || (o.projection_out && strcmp(o.projection_out, data) == 0))
            rc = (snprintf(st.message, sizeof st.message, "%s: the output would overwrite the data", out), FAIRC_EINVAL);
        if (rc == FAIRC_OK) rc = fairc_decorrelate_file(data, &ro, &o, out, &info, &st);
        if (rc == FAIRC_OK) {
            if (info.unseen_rows)
                fprintf(stderr, "fairc: warning: %llu rows of groups the projection was not fitted on were left unchanged\n",
                        (unsigned long long)info.unseen_rows);
            exit_code = 0;
        } else {
            fprintf(stderr, "fairc: %s\n", st.message);
            exit_code = 1;
        }
    }
    for (size_t k = 0; k < n_sens; k++) free(sens[k]);
    for (size_t k = 0; k < n_keep; k++) free(keep[k]);
    cli_na_free(&na_list);
    free(sens);
    free(keep);
    return exit_code;
}
