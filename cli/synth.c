/* synth.c: `fairc synth`, biased synthetic data for demos and scale tests. */
#include "cli.h"

#include <string.h>

static void synth_usage(FILE *f)
{
    fprintf(f,
            "usage: fairc synth --rows N [--groups K] [--seed S] [--bias B] -o FILE.csv\n"
            "\n"
            "Writes N rows of biased synthetic data (columns id, age, income, hours, education,\n"
            "region, sex, group, weight, y, score, yhat), streaming, the same for the same seed.\n"
            "  --rows N      rows to write (default 10000; 1e7 is accepted)\n"
            "  --groups K    levels A, B, ... of column 'group', unequal in size (1..26, default 4)\n"
            "  --seed S      random seed (default 0)\n"
            "  --bias B      strength of the group effect on label and score (default 1)\n"
            "  -o FILE       output file, written atomically; '-' for standard output\n");
}

int cmd_synth(int argc, char **argv)
{
    fairc_synth_options o;
    fairc_synth_options_init(&o);
    const char *out = NULL, *v;
    int bad = 0;
    for (int i = 1; i < argc && !bad; i++) {
        uint64_t u;
        double d;
        if (cli_flag(argv, i, "--help") || cli_flag(argv, i, "-h")) {
            synth_usage(stdout);
            return 0;
        } else if ((v = cli_opt(argc, argv, &i, "--rows", &bad))) {
            if (cli_u64("--rows", v, &o.rows) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--groups", &bad))) {
            if (cli_u64("--groups", v, &u) != 0 || u > 1000) bad = 1;
            else o.groups = (int)u;
        } else if ((v = cli_opt(argc, argv, &i, "--seed", &bad))) {
            if (cli_u64("--seed", v, &o.seed) != 0) bad = 1;
        } else if ((v = cli_opt(argc, argv, &i, "--bias", &bad))) {
            if (cli_double("--bias", v, &d) != 0) bad = 1;
            else o.bias = d;
        } else if ((v = cli_opt(argc, argv, &i, "-o", &bad)) || (v = cli_opt(argc, argv, &i, "--output", &bad))) {
            out = v;
        } else if (!bad) {
            fprintf(stderr, "fairc synth: unknown option '%s'\n", argv[i]);
            bad = 1;
        }
    }
    if (!bad && !out) {
        fprintf(stderr, "fairc synth: -o FILE is required ('-' for standard output)\n");
        bad = 1;
    }
    const char *check = bad ? NULL : fairc_synth_options_check(&o);
    if (check) {
        fprintf(stderr, "fairc synth: %s\n", check);
        bad = 1;
    }
    if (bad) {
        synth_usage(stderr);
        return 2;
    }
    cli_progress prog;
    cli_progress_init(&prog, "synth");
    o.progress = cli_progress_cb;
    o.progress_user = &prog;
    fairc_status st = {0};
    int rc = fairc_synth_write(out, &o, &st);
    cli_progress_done(&prog);
    if (rc != FAIRC_OK) {
        fprintf(stderr, "fairc: %s\n", st.message);
        return 1;
    }
    return 0;
}
