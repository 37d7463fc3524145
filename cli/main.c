/* main.c: the fairc command: dispatches to one file per subcommand. */
#include "cli.h"

#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fairc COMMAND [options]   (fairc COMMAND --help for its options)\n"
            "\n"
            "commands:\n"
            "  audit     fairness metrics by group for a file of labels and predictions\n"
            "  train     fit a model (logistic regression, MLP, linear) on a CSV/ARFF file\n"
            "  predict   apply a saved model to raw rows\n"
            "  postprocess  fit group-wise thresholds on any model's scores (or a fairc model)\n"
            "  decorrelate  remove the linear correlation of numeric columns with sensitive ones\n"
            "  inspect   describe a saved model file\n"
            "  synth     write biased synthetic data, deterministically from a seed\n"
            "  version   print the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "audit") == 0) return cmd_audit(argc - 1, argv + 1);
    if (strcmp(cmd, "synth") == 0) return cmd_synth(argc - 1, argv + 1);
    if (strcmp(cmd, "train") == 0) return cmd_train(argc - 1, argv + 1);
    if (strcmp(cmd, "predict") == 0) return cmd_predict(argc - 1, argv + 1);
    if (strcmp(cmd, "inspect") == 0) return cmd_inspect(argc - 1, argv + 1);
    if (strcmp(cmd, "postprocess") == 0) return cmd_postprocess(argc - 1, argv + 1);
    if (strcmp(cmd, "decorrelate") == 0) return cmd_decorrelate(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("fairc %s\n", fairc_version());
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "fairc: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
