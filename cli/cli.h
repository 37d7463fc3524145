/* cli.h: what the subcommands of the fairc tool share: argument helpers and the progress bar. */
#ifndef FAIRC_CLI_H
#define FAIRC_CLI_H

#include "fairc.h"

#include <stdio.h>

int cmd_audit(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_postprocess(int argc, char **argv);
int cmd_decorrelate(int argc, char **argv);
/* postprocess.c: parses one ThresholdOptimizer option at argv[*i] (--constraint, --objective,
 * --tol, --grid-size, --flip, --unseen-group) into t; 0 if argv[*i] is none of them. */
int cli_threshold_option(int argc, char **argv, int *i, fairc_threshold_options *t, int *bad);
/* The one-line summary of a threshold fit, on stderr. */
void cli_threshold_summary(const fairc_threshold_options *t, const fairc_threshold_info *info,
                           const char *out);

/* Option parsing: "--name value" or "--name=value". Returns the value of option name at argv[*i]
 * (advancing *i) or NULL if argv[*i] is not that option. Prints a usage error and sets *bad when
 * the value is missing. */
const char *cli_opt(int argc, char **argv, int *i, const char *name, int *bad);
int cli_flag(char **argv, int i, const char *name);
/* Strict numbers; print "fairc: --name: ..." and return -1 when not valid. */
int cli_double(const char *name, const char *s, double *out);
int cli_u64(const char *name, const char *s, uint64_t *out);
/* Splits a comma-separated list into a growing array of strings (pointers into a copy). */
int cli_split(const char *list, char ***items, size_t *n);
/* A progress bar on stderr when it is a terminal; silent otherwise. user: a cli_progress. */
typedef struct cli_progress {
    int enabled;
    double start_s;
    const char *what;
} cli_progress;
void cli_progress_init(cli_progress *p, const char *what);
int cli_progress_cb(void *user, double fraction, const char *what);
void cli_progress_done(cli_progress *p);
/* --sep, --na-values and --format, which every subcommand that reads data takes. cli_read_opt
 * returns 1 when argv[*i] is one of them (its value consumed; *bad set on a bad value), else 0;
 * cli_na_apply points ro at the tokens given (an empty --na-values: nothing is missing). */
typedef struct cli_na_list {
    char **items;
    size_t n;
    int given;
} cli_na_list;
int cli_read_opt(const char *cmd, int argc, char **argv, int *i, fairc_read_options *ro,
                 cli_na_list *na, int *bad);
void cli_na_apply(const cli_na_list *na, fairc_read_options *ro);
void cli_na_free(cli_na_list *na);
/* Writes text to path atomically ("-" or NULL: stdout). */
int cli_write_output(const char *path, const char *text);

#endif
