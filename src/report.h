/* report.h: the audit report's inside, shared by audit.c (which fills the sums), bootstrap.c and
 * report.c (which derives every value, warning and output format from them). */
#ifndef FAIRC_REPORT_H
#define FAIRC_REPORT_H

#include "metrics.h"

typedef struct fairc_warning {
    char code[32];
    char *group;    /* or NULL */
    char *metrics;  /* JSON array body, e.g. "\"tpr\",\"fnr\"", or NULL */
    char *message;  /* one line, also what fairc_audit_report_warning returns */
} fairc_warning;

typedef struct fairc_warnings {
    fairc_warning *items;
    size_t n, cap;
    int failed; /* out of memory while adding */
} fairc_warnings;

void fairc_warn(fairc_warnings *ws, const char *code, const char *group, const char *metrics,
                const char *fmt, ...) FAIRC_PRINTF(5, 6);

/* Number of values a grouping's bootstrap tracks: per group, overall, aggregates, disparities. */
#define FAIRC_CI_VALUES(G) (((G) + 1 + FAIRC_N_AGGREGATES) * FAIRC_N_METRICS + FAIRC_N_DISPARITIES)

typedef struct fairc_grouping {
    int marginal;                /* 0: intersection of all sensitive columns; 1: one column */
    size_t n_columns;
    size_t *columns;             /* indices into report->sensitive */
    size_t *cell_group;          /* base cell (intersection, appearance order) -> group index */
    size_t G;
    char **names;                /* G escaped group names, "sex=Female,race=Black" */
    char **levels;               /* G x n_columns raw level values ("?" for missing) */
    fairc_confusion *conf;       /* G */
    fairc_confusion overall;
    double *values;              /* G x FAIRC_N_METRICS */
    double overall_values[FAIRC_N_METRICS];
    double agg[FAIRC_N_AGGREGATES * FAIRC_N_METRICS];
    double disp[FAIRC_N_DISPARITIES];
    double *ci_lo, *ci_hi;       /* FAIRC_CI_VALUES(G) each, laid out as values, overall, agg, disp */
    uint64_t *ci_undefined;      /* replicates where each value was null */
    fairc_warnings warnings;
} fairc_grouping;

/* --model trained under a fairness penalty or constraint (its MULT section): the audit shows
 * the bound next to the value achieved on the data audited (SPEC §6). */
typedef struct fairc_trained_under {
    int mitigate, constraint, groups;  /* FAIRC_MITIGATE_*, FAIRC_CONSTRAINT_*, FAIRC_GROUPS_* */
    double eps, r;                     /* the bound; r = 1: a difference bound */
    double alpha, p_norm, tol;         /* a penalty's settings */
    double train_disparity;            /* the controlled disparity on the training rows */
    char **sensitive;                  /* the training groups' columns */
    size_t n_sensitive;
} fairc_trained_under;

struct fairc_audit_report {
    char *file;
    uint64_t rows_read, rows_used;
    char *label;
    char **pos_labels;           /* the positive values named, or the mapped vocabulary */
    size_t n_pos_labels;
    char *pred, *score, *model, *weight;
    double threshold;
    char **sensitive;
    size_t n_sensitive;
    int groups, group_order, has_score;
    long min_group_size;
    size_t n_groupings;
    fairc_grouping *groupings;
    fairc_warnings warnings;     /* input-level */
    size_t bootstrap;
    double ci;
    uint64_t seed;
    const char *ci_method;       /* static string */
    const char **all_warnings;   /* every warning's message, for the public accessor */
    size_t n_all_warnings;
    fairc_trained_under *trained; /* or NULL */
};

/* The value of the disparity that constraint kind c controls in grouping g (r = 1: difference to
 * overall; else ratio to overall), its JSON name into *name, and 1 if g is a grouping the model
 * was trained to constrain. */
double fairc_trained_value(const fairc_trained_under *t, const fairc_grouping *g,
                           char *const *report_sensitive, const char **name, int *constrained);

/* Allocates the arrays of a grouping with G groups; returns -1 on ENOMEM. */
int fairc_grouping_alloc(fairc_grouping *g, size_t G, size_t n_columns);
/* Computes values, aggregates, disparities and the warnings of §2.6 from conf/overall. */
void fairc_grouping_evaluate(fairc_grouping *g, int has_score, long min_group_size);
/* Collects all warnings for fairc_audit_report_warning; -1 on ENOMEM. */
int fairc_report_collect_warnings(struct fairc_audit_report *r);

/* Bootstrap (bootstrap.c), over the report's base cells (intersection groups in appearance
 * order; every grouping maps them to its groups through cell_group).
 * Unweighted: each replicate's cell counts are drawn from a multinomial, which is exactly the row
 * bootstrap (stratified: one multinomial per base cell). Weighted: rep holds n_cells x B Poisson(1)
 * accumulators filled during the pass (rep[c * B + b]). Fills every grouping's ci_* arrays. */
int fairc_bootstrap_run(struct fairc_audit_report *r, const fairc_confusion *cells,
                        size_t n_cells, const fairc_confusion *rep, int stratified,
                        fairc_status *st);
/* Refuses a bootstrap whose replicate values would not fit the memory cap. */
int fairc_bootstrap_check_size(size_t B, size_t n_cells, size_t total_groups, fairc_status *st);
/* Adds one row to the Poisson accumulators of its base cell (rep + c * B). */
void fairc_bootstrap_poisson_row(fairc_rng *rng, fairc_confusion *rep_cell, size_t B, int cell,
                                 double w, double s);

#endif
