/* inspect.c: `fairc inspect MODEL [--json]`, what a predictor file holds (SPEC §11): the
 * training run, the encoder, the tree and the parameter count. Loads with the library's checks,
 * so it also tells whether a file is a valid model. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void inspect_usage(FILE *f)
{
    fprintf(f,
            "usage: fairc inspect MODEL [--json]\n"
            "\n"
            "Prints what a fairc model file holds: the fairc version and command that wrote it,\n"
            "the training file (name, SHA-256, rows), task, label, features, sensitive columns\n"
            "and groups, the predictor tree and the parameter count. The file is fully checked\n"
            "first; a damaged or hostile file is reported as 'FILE: byte OFFSET: problem'.\n"
            "  --json        machine output (one JSON object, \"format\": \"fairc-model/1.0\")\n"
            "Exit status: 0 ok, 1 bad or unreadable file, 2 bad usage.\n");
}

int cmd_inspect(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0, bad = 0;
    for (int i = 1; i < argc && !bad; i++) {
        if (cli_flag(argv, i, "--help") || cli_flag(argv, i, "-h")) {
            inspect_usage(stdout);
            return 0;
        } else if (cli_flag(argv, i, "--json")) {
            json = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != 0) {
            fprintf(stderr, "fairc inspect: unknown option '%s'\n", argv[i]);
            bad = 1;
        } else if (path) {
            fprintf(stderr, "fairc inspect: one MODEL only ('%s' and '%s' given)\n", path, argv[i]);
            bad = 1;
        } else {
            path = argv[i];
        }
    }
    if (!bad && !path) {
        fprintf(stderr, "fairc inspect: MODEL is required\n");
        bad = 1;
    }
    if (bad) {
        inspect_usage(stderr);
        return 2;
    }
    fairc_status st = {0};
    fairc_predictor *p = NULL;
    char *text = NULL;
    int rc = fairc_predictor_load(path, &p, &st);
    if (rc == FAIRC_OK) rc = fairc_predictor_describe(p, json, &text, &st);
    if (rc == FAIRC_OK && (fputs(text, stdout) == EOF || fflush(stdout) != 0)) {
        snprintf(st.message, sizeof st.message, "<stdout>: cannot write");
        rc = FAIRC_EIO;
    }
    if (rc != FAIRC_OK) fprintf(stderr, "fairc: %s\n", st.message);
    free(text);
    fairc_predictor_free(&p);
    return rc == FAIRC_OK ? 0 : 1;
}
