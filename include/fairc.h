/* fairc.h: the whole public API of libfairc, a fairness toolkit for tabular machine learning.
 *
 * Conventions (see ../shared/STYLE.md):
 *  - every function that can fail returns a status code (FAIRC_OK = 0) and fills *st unless st is
 *    NULL; st->message is one line "FILE:LINE:COL: what is wrong" when the error is about a file;
 *  - the library never prints and never exits; it has no writable global state;
 *  - what a _open/_new/_read/_run function returns, the matching _free releases; _free functions
 *    take the address of the pointer, free it and set it to NULL, and are safe on NULL.
 */
#ifndef FAIRC_H
#define FAIRC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(FAIRC_BUILDING) && defined(__GNUC__)
#define FAIRC_API __attribute__((visibility("default")))
#else
#define FAIRC_API
#endif

#define FAIRC_VERSION "0.1.0"

/* ------------------------------------------------------------------------------------------ */
/* Status                                                                                     */

enum {
    FAIRC_OK = 0,
    FAIRC_EPARSE = 1,  /* malformed input file */
    FAIRC_EIO = 2,     /* cannot open, read or write */
    FAIRC_ENOMEM = 3,  /* allocation failed */
    FAIRC_EINVAL = 4,  /* bad option or argument, or data that cannot be used as asked */
    FAIRC_ELIMIT = 5,  /* input exceeds a documented cap */
    FAIRC_ECANCEL = 6  /* a progress callback asked to stop */
};

typedef struct fairc_status {
    int code;          /* FAIRC_OK or one of FAIRC_E* */
    long line, col;    /* 1-based position in the input; 0 when not about a file */
    char message[512]; /* "data.csv:17:4: row has 3 fields, header has 5" */
} fairc_status;

/* The library's version string, e.g. "0.1.0"; equal to FAIRC_VERSION of the header it was built with. */
FAIRC_API const char *fairc_version(void);

/* Progress: called now and then with the fraction done (or -1 when unknown) and a short label.
 * A non-zero return cancels the operation, which then fails with FAIRC_ECANCEL. */
typedef int (*fairc_progress_fn)(void *user, double fraction, const char *what);

/* ------------------------------------------------------------------------------------------ */
/* Random numbers (SPEC §1.7): xoshiro256**, one stream per purpose, seeded through SipHash.   */

typedef struct fairc_rng {
    uint64_t s[4];
} fairc_rng;

/* Seeds r for (seed, purpose): the same pair gives the same stream on every platform. */
FAIRC_API void fairc_rng_seed(fairc_rng *r, uint64_t seed, const char *purpose);
FAIRC_API uint64_t fairc_rng_next(fairc_rng *r);
/* Uniform double in [0, 1) with 53 random bits. */
FAIRC_API double fairc_rng_uniform(fairc_rng *r);
/* SipHash-2-4 of (data, n) with key (k0, k1). */
FAIRC_API uint64_t fairc_siphash(const void *data, size_t n, uint64_t k0, uint64_t k1);

/* ------------------------------------------------------------------------------------------ */
/* Reading CSV and ARFF, one record at a time                                                 */

enum { FAIRC_FORMAT_AUTO = 0, FAIRC_FORMAT_CSV = 1, FAIRC_FORMAT_ARFF = 2 };

/* Column types known from the file itself (ARFF declares them; CSV does not). */
enum { FAIRC_COL_UNTYPED = 0, FAIRC_COL_NUMERIC = 1, FAIRC_COL_NOMINAL = 2, FAIRC_COL_STRING = 3 };

typedef struct fairc_read_options {
    int format;                    /* FAIRC_FORMAT_*; AUTO picks ARFF for *.arff, else CSV */
    char sep;                      /* CSV field delimiter; 0 means ',' */
    const char *const *na_values;  /* missing-value tokens compared after trimming; NULL means */
    size_t n_na_values;            /*   the default set "", "?", "NA", "NaN" */
    size_t max_field_bytes;        /* 0 means 1 MiB; a longer field is an FAIRC_ELIMIT error */
    size_t max_columns;            /* 0 means 100,000 */
} fairc_read_options;

/* Fills o with the defaults described above. */
FAIRC_API void fairc_read_options_init(fairc_read_options *o);

typedef struct fairc_reader fairc_reader; /* opaque; streams a file, memory O(longest record) */

/* Opens path and reads its header (CSV: the first record; ARFF: the @attribute lines).
 * On success *out is a new reader owned by the caller; opt may be freed after the call, but the
 * strings of opt->na_values must outlive the reader. */
FAIRC_API int fairc_reader_open(const char *path, const fairc_read_options *opt, fairc_reader **out,
                                fairc_status *st);
/* The same over bytes in memory; name is used in error messages. buf must outlive the reader. */
FAIRC_API int fairc_reader_open_memory(const void *buf, size_t n_bytes, const char *name,
                                       const fairc_read_options *opt, fairc_reader **out,
                                       fairc_status *st);
FAIRC_API void fairc_reader_free(fairc_reader **r);

FAIRC_API size_t fairc_reader_ncols(const fairc_reader *r);
/* Column j's name; lives as long as the reader. */
FAIRC_API const char *fairc_reader_colname(const fairc_reader *r, size_t j);
/* Index of the column named name, or -1. */
FAIRC_API long fairc_reader_find(const fairc_reader *r, const char *name);
/* FAIRC_COL_* of column j, and for a nominal ARFF column its declared levels (else 0 / NULL). */
FAIRC_API int fairc_reader_coltype(const fairc_reader *r, size_t j);
FAIRC_API size_t fairc_reader_nlevels(const fairc_reader *r, size_t j);
FAIRC_API const char *fairc_reader_level(const fairc_reader *r, size_t j, size_t k);

/* Reads the next record: returns 1 when a record is ready, 0 at the end of the input, and -1 on
 * error (st filled). Every record has exactly ncols fields. */
FAIRC_API int fairc_reader_next(fairc_reader *r, fairc_status *st);
/* Field j of the current record, unquoted and trimmed, NUL-terminated (it may hold no NUL);
 * *n_bytes gets its length when not NULL. Valid until the next call to fairc_reader_next. */
FAIRC_API const char *fairc_reader_field(const fairc_reader *r, size_t j, size_t *n_bytes);
/* 1 if field j of the current record is a missing-value token. */
FAIRC_API int fairc_reader_missing(const fairc_reader *r, size_t j);
/* Physical line where the current record starts (1-based). */
FAIRC_API long fairc_reader_line(const fairc_reader *r);
/* The name given at open (the path), for messages. */
FAIRC_API const char *fairc_reader_name(const fairc_reader *r);
/* Bytes consumed so far and the total (0 when unknown), for progress. */
FAIRC_API uint64_t fairc_reader_offset(const fairc_reader *r);
FAIRC_API uint64_t fairc_reader_size(const fairc_reader *r);

/* Formats an error about field `col` (1-based; 0 for none) of the current record:
 * "NAME:LINE:COL: message". Returns code. */
FAIRC_API int fairc_reader_error(const fairc_reader *r, size_t col, int code, fairc_status *st,
                                 const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* ------------------------------------------------------------------------------------------ */
/* Metrics by group: per-group sufficient statistics, and the audit report                    */

enum { FAIRC_GROUPS_INTERSECTION = 0, FAIRC_GROUPS_MARGINAL = 1, FAIRC_GROUPS_BOTH = 2 };
enum { FAIRC_ORDER_SORTED = 0, FAIRC_ORDER_APPEARANCE = 1 };
/* Reductions only: groups by decreasing total weight (ties: sorted). */
enum { FAIRC_ORDER_SIZE = 2 };
enum { FAIRC_SENSITIVE_MISSING_LEVEL = 0, FAIRC_SENSITIVE_MISSING_DROP = 1,
       FAIRC_SENSITIVE_MISSING_ERROR = 2 };

typedef struct fairc_audit_options {
    const char *label;                /* label column (required) */
    const char *const *pos_labels;    /* values meaning positive; NULL/0: 0/1, -1/1 or false/true */
    size_t n_pos_labels;
    const char *pred;                 /* hard-decision column, or NULL */
    const char *score;                /* score column, or NULL (exactly one of pred, score) */
    double threshold;                 /* yhat = score > threshold; NaN means 0.5 for scores in [0,1] */
    const char *weight;               /* sample-weight column, or NULL */
    const char *const *sensitive;     /* sensitive columns (at least one) */
    size_t n_sensitive;
    int groups;                       /* FAIRC_GROUPS_* */
    int group_order;                  /* FAIRC_ORDER_* */
    int all_combinations;             /* list empty intersections with count 0 */
    int sensitive_missing;            /* FAIRC_SENSITIVE_MISSING_* */
    int drop_missing_label;           /* drop rows without a label (with a warning) */
    long min_group_size;              /* small_group warning below this many rows; default 30 */
    size_t bootstrap;                 /* B replicates for confidence intervals; 0: none */
    double ci;                        /* interval level, default 0.95 */
    int bootstrap_strata;             /* 1: resample within each group (sizes fixed) */
    uint64_t seed;                    /* default 0 */
    size_t max_groups;                /* cap on distinct groups; 0 means 1,000,000 */
    const struct fairc_predictor *model; /* predictions from this model (instead of pred/score) */
    const char *model_name;           /* its file name, for the report */
    fairc_progress_fn progress;       /* may be NULL */
    void *progress_user;
} fairc_audit_options;

FAIRC_API void fairc_audit_options_init(fairc_audit_options *o);
/* NULL if o is usable, else a static sentence saying what to change. */
FAIRC_API const char *fairc_audit_options_check(const fairc_audit_options *o);

typedef struct fairc_audit_report fairc_audit_report; /* opaque */

/* Streams the file once (memory O(groups), not O(rows)) and computes every metric of SPEC §2.
 * On success *out is a new report owned by the caller. */
FAIRC_API int fairc_audit_file(const char *path, const fairc_read_options *ropt,
                               const fairc_audit_options *opt, fairc_audit_report **out,
                               fairc_status *st);
/* The same over an open reader positioned after its header. */
FAIRC_API int fairc_audit_reader(fairc_reader *r, const fairc_audit_options *opt,
                                 fairc_audit_report **out, fairc_status *st);

/* In memory: N rows; y and yhat in {0,1}; score (may be NULL) and w (may be NULL: unit weights)
 * as doubles; group[i] in [0, G) names a row's group, group_names[G] their names (one grouping,
 * in the order given). Options used: min_group_size, bootstrap, ci, bootstrap_strata, seed.
 * threads > 1 splits the rows over OpenMP threads; results do not depend on it. */
FAIRC_API int fairc_audit_arrays(size_t N, const uint8_t *y, const uint8_t *yhat,
                                 const double *score, const double *w, const int32_t *group,
                                 size_t G, const char *const *group_names,
                                 const fairc_audit_options *opt, int threads,
                                 fairc_audit_report **out, fairc_status *st);

FAIRC_API void fairc_audit_report_free(fairc_audit_report **r);

/* The report as JSON (schema "fairc-audit/1", SPEC §3.1). *json is a new NUL-terminated string
 * owned by the caller (free()). */
FAIRC_API int fairc_audit_report_json(const fairc_audit_report *r, char **json, fairc_status *st);

typedef struct fairc_table_format {
    const char *metrics; /* comma-separated metric names; NULL: selection_rate,accuracy,tpr,fpr,precision,f1 */
    int digits;          /* decimals, default 4 */
} fairc_table_format;
/* The report as an aligned human table (SPEC §3.3); *text is owned by the caller (free()). */
FAIRC_API int fairc_audit_report_table(const fairc_audit_report *r, const fairc_table_format *fmt,
                                       char **text, fairc_status *st);

/* Warnings: count, and the i-th as one line of text (lives as long as the report). */
FAIRC_API size_t fairc_audit_report_nwarnings(const fairc_audit_report *r);
FAIRC_API const char *fairc_audit_report_warning(const fairc_audit_report *r, size_t i);

/* ------------------------------------------------------------------------------------------ */
/* Predictors: trained models with their encoder, saved in the format of SPEC §11             */
/* ------------------------------------------------------------------------------------------ */

typedef struct fairc_predictor fairc_predictor; /* opaque */

/* Writes p to path atomically (temporary file in the same directory, fsync, rename). */
FAIRC_API int fairc_predictor_save(const fairc_predictor *p, const char *path, fairc_status *st);
/* The file's bytes in memory: *bytes is a new buffer owned by the caller (free()). */
FAIRC_API int fairc_predictor_serialize(const fairc_predictor *p, void **bytes, size_t *n_bytes,
                                        fairc_status *st);
/* Loads an untrusted file: every size is checked before allocation; a bad file is an error
 * "FILE: byte OFFSET: what is wrong", never a crash. *out is owned by the caller. */
FAIRC_API int fairc_predictor_load(const char *path, fairc_predictor **out, fairc_status *st);
FAIRC_API int fairc_predictor_load_memory(const void *bytes, size_t n_bytes, const char *name,
                                          fairc_predictor **out, fairc_status *st);
/* A description of p (what `fairc inspect` prints): text, or JSON when json is non-zero.
 * *text is owned by the caller (free()). */
FAIRC_API int fairc_predictor_describe(const fairc_predictor *p, int json, char **text,
                                       fairc_status *st);
FAIRC_API void fairc_predictor_free(fairc_predictor **p);

enum { FAIRC_LEARNER_LOGISTIC = 1, FAIRC_LEARNER_LINEAR = 2, FAIRC_LEARNER_MLP = 3 };
enum { FAIRC_TASK_CLASSIFICATION = 0, FAIRC_TASK_REGRESSION = 1 };

/* Fairness-aware training (SPEC §4-§6). NONE: plain training. PENALTY: loss + alpha *
 * sum_k relu(gamma_k - tol)^p over the moment's constraints, on each mini-batch (FairTorch's
 * idea, corrected). CONSTRAINED: every gamma_k <= eps, enforced by Lagrange multipliers
 * (primal Adam on the batch Lagrangian, projected dual ascent). Both train by mini-batch Adam:
 * an MLP as given, logistic regression as the same model with no hidden layer. */
enum { FAIRC_MITIGATE_NONE = 0, FAIRC_MITIGATE_PENALTY = 1, FAIRC_MITIGATE_CONSTRAINED = 2 };
/* The moments of SPEC §4.1: demographic parity, equalized odds, true- and false-positive-rate
 * parity, error-rate parity. */
enum { FAIRC_CONSTRAINT_DP = 1, FAIRC_CONSTRAINT_EO = 2, FAIRC_CONSTRAINT_TPR = 3,
       FAIRC_CONSTRAINT_FPR = 4, FAIRC_CONSTRAINT_ERROR_RATE = 5 };
/* Constrained training keeps the best epoch (lowest training error among those meeting the
 * bound, else the smallest violation) or the last. */
enum { FAIRC_SELECT_BEST = 0, FAIRC_SELECT_LAST = 1 };
/* The dual step's signal: hard decisions 1[z > 0] (the bound is on the real metric) or the
 * soft surrogate sigmoid(z). */
enum { FAIRC_DUAL_HARD = 0, FAIRC_DUAL_SOFT = 1 };

typedef struct fairc_train_options {
    const char *label;              /* label column (required) */
    const char *const *pos_labels;  /* as in fairc_audit_options */
    size_t n_pos_labels;
    int task;                       /* FAIRC_TASK_*, default classification */
    const char *weight;             /* sample-weight column (not a feature), or NULL */
    const char *const *sensitive;   /* sensitive columns, recorded in the model; still features */
    size_t n_sensitive;
    const char *const *drop;        /* columns that are not features */
    size_t n_drop;
    int drop_missing_label;
    int learner;                    /* FAIRC_LEARNER_*, default logistic (linear for regression) */
    size_t hidden[16];              /* MLP hidden layer sizes */
    size_t n_hidden;
    double C;                       /* logistic: inverse L2 strength, default 1 */
    double alpha;                   /* linear: ridge strength, default 0 */
    size_t epochs, batch;           /* MLP: default 20, 256 */
    double lr, beta1, beta2, adam_eps, weight_decay; /* Adam: 1e-3, 0.9, 0.999, 1e-8, 0 */
    uint64_t seed;                  /* default 0 */
    int threads;                    /* 0: OpenMP's default */
    const char *command;            /* command line recorded in the file, or NULL */
    fairc_progress_fn progress;
    void *progress_user;
    /* Fairness-aware training (SPEC §4-§6); needs classification and sensitive columns. */
    int mitigate;                   /* FAIRC_MITIGATE_*, default NONE */
    int constraint;                 /* FAIRC_CONSTRAINT_*, default DP */
    int groups;                     /* FAIRC_GROUPS_*: the groupings constrained, default the
                                     * intersection; BOTH adds one grouping per column */
    double eps;                     /* difference bound gamma_k <= eps, >= 0; NaN (default):
                                     * 0.01, or ratio_slack when ratio_bound is given */
    double ratio_bound;             /* ratio bound r in (0, 1]; 0 (default): none */
    double ratio_slack;             /* eps under a ratio bound, >= 0, default 0 */
    double fair_alpha;              /* penalty weight alpha >= 0, default 1 */
    double p_norm;                  /* penalty exponent p >= 1 or INFINITY (max), default 2 */
    double tol;                     /* penalty tolerance c >= 0, default 0 */
    double momentum;                /* running statistics across batches, [0, 1), default 0 */
    double dual_lr;                 /* constrained: multiplier step, > 0, default 0.05 */
    double lambda_max;              /* constrained: multiplier cap, > 0, default 100 */
    int select;                     /* FAIRC_SELECT_*, default BEST */
    int dual_signal;                /* FAIRC_DUAL_*, default HARD */
    /* fairc_train_arrays only: each row's group in [0, n_group_ids) and the groups' names
     * (fairc_train_file finds them from the sensitive columns). */
    const int32_t *group_ids;
    size_t n_group_ids;
    const char *const *group_names;
    int fit_intercept;              /* logistic and linear models: 1 (default) fits an intercept
                                     * (never penalised), 0 none; plain training and the
                                     * reductions only (not an MLP, the penalty, constrained) */
} fairc_train_options;

typedef struct fairc_train_info {
    uint64_t rows, dropped;         /* rows used; rows dropped for a missing label */
    size_t features;                /* encoded width D */
    int iterations;                 /* Newton iterations or epochs */
    int converged;                  /* logistic: tolerance met */
    double train_loss;              /* mean weighted loss on the training rows */
    double objective;               /* logistic: the minimised objective (penalty + summed loss) */
    double train_accuracy;          /* classification: weighted accuracy at p > 0.5 */
    /* Fairness-aware training: on the training rows, with the parameters kept */
    size_t n_constraints;           /* K */
    double violation;               /* max_k (gamma_k - eps), hard decisions (SPEC §6's V) */
    double violation_soft;          /* the same with soft predictions sigmoid(z) */
    double disparity;               /* the matching SPEC §2.5 disparity: difference to overall
                                     * (r = 1; max over groupings) or ratio to overall (r < 1) */
    double penalty;                 /* penalty: mean batch penalty over the last epoch */
    size_t selected_epoch;          /* constrained: the epoch kept (1-based) */
    uint64_t nonfinite_batches;     /* batches whose loss or penalty was not finite (0) */
} fairc_train_info;

FAIRC_API void fairc_train_options_init(fairc_train_options *o);
FAIRC_API const char *fairc_train_options_check(const fairc_train_options *o);
/* Reads path (CSV or ARFF), fits the encoder and the learner; *out is owned by the caller.
 * info may be NULL. */
FAIRC_API int fairc_train_file(const char *path, const fairc_read_options *ropt,
                               const fairc_train_options *o, fairc_predictor **out,
                               fairc_train_info *info, fairc_status *st);

/* The same on data in memory: X (N, D) row-major float, y (N; 0/1, or targets for regression),
 * w (N) or NULL. The predictor's encoder takes D numeric columns named x0..x{D-1} as they are. */
FAIRC_API int fairc_train_arrays(const float *X, size_t N, size_t D, const double *y,
                                 const double *w, const fairc_train_options *o,
                                 fairc_predictor **out, fairc_train_info *info,
                                 fairc_status *st);

/* The record of fairness-aware training kept in a model (its MULT section): 0 constraints
 * when it was trained without. For constraint k < n: its name ("+ label=1 sex=Female"), its
 * multiplier (0 under a penalty) and its value gamma_k on the training rows (hard decisions),
 * each may be NULL; the name lives as long as p. */
FAIRC_API size_t fairc_predictor_n_constraints(const fairc_predictor *p);
FAIRC_API int fairc_predictor_constraint(const fairc_predictor *p, size_t k, const char **name,
                                         double *lambda, double *gamma, fairc_status *st);
/* "dp", "eo", "tpr", "fpr", "error_rate" for FAIRC_CONSTRAINT_*, else NULL. */
FAIRC_API const char *fairc_constraint_name(int constraint);

/* ------------------------------------------------------------------------------------------ */
/* Reductions: ExponentiatedGradient and GridSearch (SPEC §7-§8)                               */

/* o->mitigate values of the reductions: they retrain o's learner on re-weighted data (logistic
 * regression, an MLP, or linear regression for bounded group loss). EXPGRAD returns a
 * randomised mixture of the models found (or, deterministic, the best single one); GRIDSEARCH
 * the best model over a grid of multipliers. */
enum { FAIRC_MITIGATE_EXPGRAD = 3, FAIRC_MITIGATE_GRIDSEARCH = 4 };
/* Bounded group loss (regression, reductions only): each group's mean loss <= upper_bound. */
enum { FAIRC_CONSTRAINT_BGL = 6 };
enum { FAIRC_BGL_LOSS_SQUARE = 1, FAIRC_BGL_LOSS_ABSOLUTE = 2, FAIRC_BGL_LOSS_ZERO_ONE = 3 };
enum { FAIRC_GRID_ORDER_LATTICE = 0, FAIRC_GRID_ORDER_NORM = 1 };

typedef struct fairc_reduction_options {
    /* ExponentiatedGradient */
    double eg_eps;              /* sets B = 1 / eg_eps, the L1 radius of lambda (not the
                                 * fairness bound, which is o->eps); > 0, default 0.01 */
    size_t max_iter;            /* default 50 */
    double eta0;                /* initial step, > 0, default 2 */
    double nu;                  /* stopping gap; NaN (default): automatic */
    int run_lp;                 /* LP step over the classifiers found, default 1 */
    int deterministic;          /* keep the best single classifier meeting the bound */
    int keep_all;               /* save members of weight 0 too */
    size_t warm_epochs;         /* MLP oracle: epochs of a warm-started call; 0: epochs/4 */
    int warm_start;             /* start each fit from the last model, default 1 */
    int cache;                  /* reuse the result of a repeated lambda, default 1 */
    double cost_fp, cost_fn;    /* ErrorRate objective costs, >= 0, default 1, 1 */
    /* GridSearch */
    size_t grid_size;           /* default 10 */
    double grid_limit;          /* > 0, default 2 */
    int grid_order;             /* FAIRC_GRID_ORDER_*, default LATTICE (Fairlearn's) */
    const double *grid_offset;  /* added to every grid lambda: 1 value or one per constraint */
    size_t n_grid_offset;       /* 0: none */
    double constraint_weight;   /* selection: (1 - cw) err + cw max gamma, cw in [0, 1]; 0.5 */
    int group_order;            /* FAIRC_ORDER_SIZE (default), SORTED or APPEARANCE: which
                                 * group is last, left out of GridSearch's basis. SIZE leaves
                                 * out the smallest group: the multipliers of larger groups
                                 * are smaller and fall inside grid_limit */
    /* Bounded group loss (o->constraint = FAIRC_CONSTRAINT_BGL, o->task regression) */
    int loss;                   /* FAIRC_BGL_LOSS_*, default SQUARE */
    double upper_bound;         /* zeta >= 0; NaN (default): none (ExponentiatedGradient
                                 * requires one) */
    double loss_min, loss_max;  /* clip range; NaN (default): the training labels' range */
} fairc_reduction_options;

typedef struct fairc_reduction_info {
    int method;                 /* FAIRC_MITIGATE_EXPGRAD or _GRIDSEARCH */
    size_t iterations;          /* EG iterations run */
    size_t best_iter;           /* EG: the iteration whose weights were kept */
    double best_gap, nu;        /* EG: its gap and the stopping threshold used */
    uint64_t oracle_calls;      /* best responses asked for */
    uint64_t learner_fits;      /* ... that fitted the learner */
    uint64_t dummy_calls;       /* ... answered by a constant (one-class targets) */
    uint64_t cache_hits;        /* ... answered from the cache */
    size_t candidates;          /* EG: classifiers kept by the best-response rule;
                                 * GridSearch: grid points */
    size_t members;             /* models saved in the predictor */
    size_t selected;            /* GridSearch: the grid point chosen */
    double err;                 /* training objective of the result (expected, for a mixture) */
    double violation;           /* max_k (gamma_k - bound) on the training rows, expected */
    double disparity;           /* the matching SPEC §2.5 disparity (moments), expected */
    double det_err, det_violation; /* deterministic: the single model's realised values */
    double seconds, fit_seconds; /* wall time of the reduction, and of the learner fits */
    int constant;               /* 1 when every saved model is a constant (worth a warning) */
} fairc_reduction_info;

FAIRC_API void fairc_reduction_options_init(fairc_reduction_options *r);
/* NULL if r is usable, else a static sentence saying what to change. */
FAIRC_API const char *fairc_reduction_options_check(const fairc_reduction_options *r);
/* fairc_train_file with o->mitigate = FAIRC_MITIGATE_EXPGRAD or _GRIDSEARCH and the
 * reduction's own options (r NULL: the defaults; fairc_train_file uses them too). rinfo may be
 * NULL. */
FAIRC_API int fairc_train_reduction_file(const char *path, const fairc_read_options *ropt,
                                         const fairc_train_options *o,
                                         const fairc_reduction_options *r, fairc_predictor **out,
                                         fairc_train_info *info, fairc_reduction_info *rinfo,
                                         fairc_status *st);
/* The same on arrays (as fairc_train_arrays; groups from o->group_ids). */
FAIRC_API int fairc_train_reduction_arrays(const float *X, size_t N, size_t D, const double *y,
                                           const double *w, const fairc_train_options *o,
                                           const fairc_reduction_options *r,
                                           fairc_predictor **out, fairc_train_info *info,
                                           fairc_reduction_info *rinfo, fairc_status *st);

typedef struct fairc_predict_info {
    uint64_t rows;
    uint64_t unseen_categories;     /* cells whose category was not seen at fit (encoded as 0) */
} fairc_predict_info;

/* Streams the rows of data through p and writes a CSV to out_path atomically ("-": stdout):
 * the columns named in keep (may be NULL), then `score` (classification: the probability of a
 * positive decision) and `decision` (score > 0.5, or for a randomised predictor 1[u < score] as
 * fairc_predict_file_opt's defaults), or for regression `prediction` (a regression mixture's:
 * the member the row's u picks, SPEC §7.3.4).
 * Refuses to write over data. */
FAIRC_API int fairc_predict_file(const fairc_predictor *p, const char *data,
                                 const fairc_read_options *ropt, const char *const *keep,
                                 size_t n_keep, const char *out_path, fairc_predict_info *info,
                                 fairc_status *st);
/* Probabilities (or regression predictions) of N encoded rows X (N, D) with D the model's
 * encoded width (fairc_predictor_width). A regression mixture gives each row the member its u
 * picks, u hashed with seed 0 from the row's features (and "all" for a model without sensitive
 * columns; fairc_predictor_predict_opt for the rest of SPEC §1.7's key and other options). */
FAIRC_API int fairc_predictor_predict(const fairc_predictor *p, const float *X, size_t N,
                                      double *out, fairc_status *st);
FAIRC_API size_t fairc_predictor_width(const fairc_predictor *p);

/* ------------------------------------------------------------------------------------------ */
/* Randomised decisions and group-aware prediction (SPEC §1.7, §9.6)                           */

/* A randomised predictor (a mixture, or thresholds) gives p_i; its decision is 1[u_i < p_i].
 * HASH (default): u_i from SipHash-2-4 of the row's key with k0 = seed: the id column's value
 * when there is one, else the row's encoded features (binary64, little-endian; for a predictor
 * on a score column, the score) followed by its group name, so the same person gets the same
 * decision in every call and file, in any row order. STREAM: u_i drawn in row order from the
 * seeded generator of purpose "decisions" (Fairlearn-like). */
enum { FAIRC_RANDOMIZE_HASH = 0, FAIRC_RANDOMIZE_STREAM = 1 };

typedef struct fairc_predict_options {
    const char *const *keep;  /* columns of the data copied into the output, or NULL */
    size_t n_keep;
    uint64_t seed;            /* default 0 */
    int randomize;            /* FAIRC_RANDOMIZE_*, default HASH */
    const char *id;           /* key column for HASH; NULL: the model's id column, if any */
    int unseen;               /* rows of groups not seen at fit: -1 (default) the model's
                               * policy, else FAIRC_UNSEEN_* (POOLED needs a model fitted with
                               * it, which keeps the pooled rule; otherwise it is ERROR) */
    /* Mixtures (ExponentiatedGradient, SPEC §7.3.4). A regression mixture's prediction of a row
     * is, by default, that of the first member h whose cumulative weight Q exceeds the row's u
     * (the same u, hashed or streamed as above, that decides a classification mixture's row). */
    int expected;             /* 1: a regression mixture gives sum_h Q_h h(x) instead (an error
                               * for a classifier or a predictor without a regression mixture) */
    int mixture_scores;       /* 1: fairc_predict_file_opt adds a column mixture_score =
                               * sum_h Q_h f_h(x) from the members' probabilities (a score, not a
                               * decision probability) after score and decision; an error unless
                               * the predictor is a classification mixture */
} fairc_predict_options;

FAIRC_API void fairc_predict_options_init(fairc_predict_options *o);
/* fairc_predict_file with options (fairc_predict_file uses the defaults). */
FAIRC_API int fairc_predict_file_opt(const fairc_predictor *p, const char *data,
                                     const fairc_read_options *ropt, const fairc_predict_options *o,
                                     const char *out_path, fairc_predict_info *info,
                                     fairc_status *st);
/* 1 when p's decisions are randomised (its tree holds a mixture or thresholds), else 0. */
FAIRC_API int fairc_predictor_randomized(const fairc_predictor *p);
/* u = (SipHash-2-4(key, n; k0 = seed, k1 = 0x66616972635f7631) >> 11) * 2^-53, in [0, 1). */
FAIRC_API double fairc_decision_uniform(const void *key, size_t n, uint64_t seed);

/* The intersection groups p knows (fit-time names "sex=Female,race=Black", fairc order), and the
 * score column of a predictor fitted on scores (NULL otherwise). Strings live as long as p. */
FAIRC_API size_t fairc_predictor_ngroups(const fairc_predictor *p);
FAIRC_API const char *fairc_predictor_group_name(const fairc_predictor *p, size_t g);
FAIRC_API const char *fairc_predictor_score_column(const fairc_predictor *p);
/* Probabilities for predictors that need each row's group or score (thresholds), and any other:
 * X (N, D) encoded rows (may be NULL when D = 0), group (N) indices into p's groups with -1 for
 * a group not seen at fit (then p's unseen-group policy applies; ERROR fails naming the row),
 * score (N) the score column's values (needed when fairc_predictor_score_column(p) is not NULL).
 * fairc_predictor_predict is this with no groups, and fails for a predictor that needs them. */
FAIRC_API int fairc_predictor_predict_groups(const fairc_predictor *p, const float *X,
                                             const int32_t *group, const double *score, size_t N,
                                             double *out, fairc_status *st);
/* fairc_predictor_predict_groups with options (o may be NULL: the defaults; keep and id are not
 * used). For a regression mixture (SPEC §7.3.4): o->expected gives sum_h Q_h h(x); otherwise
 * row i gets the member picked by u[i] (N uniforms in [0, 1)) when u is not NULL, else by u_i
 * from o->seed and o->randomize: HASH keys the row's encoded features (then the score, for a
 * predictor on a score column) and its group's fit-time name (the name of group[i]; "all"
 * without sensitive columns; nothing when group is NULL or group[i] = -1), which is the key
 * fairc_predict_file_opt uses for the same row when it has no id column; STREAM draws u in row
 * order, restarting at each call. o->mixture_scores gives the mixture scores, as
 * fairc_predictor_mixture_scores. Classification probabilities do not depend on u or seed. */
FAIRC_API int fairc_predictor_predict_opt(const fairc_predictor *p, const float *X,
                                          const int32_t *group, const double *score,
                                          const double *u, size_t N,
                                          const fairc_predict_options *o, double *out,
                                          fairc_status *st);
/* A classification mixture's scores sum_h Q_h f_h(x), f_h its members' probabilities (SPEC
 * §7.3.4): a score, not the probability of a positive decision (that is
 * fairc_predictor_predict's sum_h Q_h 1[f_h(x) > 0.5]). FAIRC_EINVAL for any other predictor. */
FAIRC_API int fairc_predictor_mixture_scores(const fairc_predictor *p, const float *X,
                                             const int32_t *group, const double *score, size_t N,
                                             double *out, fairc_status *st);

/* ------------------------------------------------------------------------------------------ */
/* Post-processing: ThresholdOptimizer (SPEC §9)                                               */

/* The constraint: parity of the selection rate (demographic parity), TPR, FPR, TNR, FNR, or
 * equalized odds (TPR and FPR). */
enum { FAIRC_THRESHOLD_DP = 1, FAIRC_THRESHOLD_TPR = 2, FAIRC_THRESHOLD_FPR = 3,
       FAIRC_THRESHOLD_TNR = 4, FAIRC_THRESHOLD_FNR = 5, FAIRC_THRESHOLD_EO = 6 };
/* The objective, always the true overall value with weights (SPEC §9.6). */
enum { FAIRC_THRESHOLD_OBJ_ACCURACY = 1, FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY = 2,
       FAIRC_THRESHOLD_OBJ_SELECTION_RATE = 3, FAIRC_THRESHOLD_OBJ_TPR = 4,
       FAIRC_THRESHOLD_OBJ_TNR = 5 };
/* A group not seen at fit, at prediction: an error naming group and row (default); the rule
 * fitted on all rows pooled as one group; a constant decision 0 or 1. */
enum { FAIRC_UNSEEN_ERROR = 0, FAIRC_UNSEEN_POOLED = 1, FAIRC_UNSEEN_ZERO = 2,
       FAIRC_UNSEEN_ONE = 3 };

typedef struct fairc_threshold_options {
    int constraint;      /* FAIRC_THRESHOLD_*, default DP */
    int objective;       /* FAIRC_THRESHOLD_OBJ_*, default accuracy (EO: accuracy or balanced) */
    double tol;          /* 0 (default): parity on the grid (EO: Hardt et al.'s construction);
                          * > 0: groups' constraint metrics may differ by up to tol */
    size_t grid_size;    /* points of the grid over [0, 1], default 1000 */
    int flip;            /* also the rules "score < t" */
    int unseen;          /* FAIRC_UNSEEN_*, default ERROR */
} fairc_threshold_options;

FAIRC_API void fairc_threshold_options_init(fairc_threshold_options *o);
FAIRC_API const char *fairc_threshold_options_check(const fairc_threshold_options *o);

typedef struct fairc_threshold_info {
    uint64_t rows;
    size_t groups;
    double objective;    /* the fitted predictor's objective on the fitting rows (expected) */
    double disparity;    /* max - min over groups of the constraint metric there (EO: the larger
                          * of the FPR and TPR ranges) */
    double x_best, y_best; /* without tol: the common constraint value (EO: FPR) and EO's TPR;
                            * NaN with tol */
} fairc_threshold_info;

/* In memory: score (N) finite, y (N) in {0, 1}, w (N) >= 0 or NULL, group (N) in [0, G) with
 * group_names (G). *out is a predictor on a score column named "score" (owned by the caller);
 * apply it with fairc_predictor_predict_groups. info may be NULL. */
FAIRC_API int fairc_threshold_fit_arrays(size_t N, const double *score, const uint8_t *y,
                                         const double *w, const int32_t *group, size_t G,
                                         const char *const *group_names,
                                         const fairc_threshold_options *o, fairc_predictor **out,
                                         fairc_threshold_info *info, fairc_status *st);

typedef struct fairc_postprocess_options {
    const char *label;                /* label column (required) */
    const char *const *pos_labels;    /* as in fairc_audit_options */
    size_t n_pos_labels;
    const char *weight;               /* sample-weight column, or NULL */
    const char *const *sensitive;     /* sensitive columns (at least one); groups: intersection */
    size_t n_sensitive;
    int drop_missing_label;
    const char *score;                /* the score column (any real), or NULL with base */
    const fairc_predictor *base;      /* a classifier whose probability is the score, or NULL */
    const char *id;                   /* id column recorded for per-row decisions, or NULL */
    fairc_threshold_options threshold;
    const char *command;              /* recorded in the file, or NULL */
} fairc_postprocess_options;

FAIRC_API void fairc_postprocess_options_init(fairc_postprocess_options *o);
FAIRC_API const char *fairc_postprocess_options_check(const fairc_postprocess_options *o);
/* Reads path, takes each row's score (the score column, or base's probability), label, weight
 * and group, and fits SPEC §9. *out: a predictor on the score column, or base wrapped in a
 * THRESHOLD node (base is copied). info may be NULL. */
FAIRC_API int fairc_postprocess_file(const char *path, const fairc_read_options *ropt,
                                     const fairc_postprocess_options *o, fairc_predictor **out,
                                     fairc_threshold_info *info, fairc_status *st);
/* `fairc train --mitigate threshold`: trains o's model (o->mitigate is ignored), then fits
 * thresholds t on its probabilities over the same rows, with o's sensitive columns. */
FAIRC_API int fairc_train_threshold_file(const char *path, const fairc_read_options *ropt,
                                         const fairc_train_options *o,
                                         const fairc_threshold_options *t, fairc_predictor **out,
                                         fairc_train_info *info, fairc_threshold_info *tinfo,
                                         fairc_status *st);

/* ------------------------------------------------------------------------------------------ */
/* Pre-processing: Reweighing (SPEC §10.1) and CorrelationRemover (SPEC §10.2)                 */

/* out[i] = w_i W_a W_y / (W W_{a,y}) for row i of group a = group[i] in [0, G) with label
 * y = y[i] in {0, 1} (w NULL: unit weights): labels and groups become independent under out,
 * the total weight is unchanged. Rows of a cell of total weight 0 get 0. */
FAIRC_API int fairc_reweigh_arrays(size_t N, const uint8_t *y, const double *w,
                                   const int32_t *group, size_t G, double *out, fairc_status *st);
/* `fairc train --mitigate reweigh`: fairc_train_file with each row's weight multiplied by
 * Reweighing's over the intersection of o->sensitive (o->mitigate is ignored). weights_out (may
 * be NULL) gets a CSV with one column `weight`, one line per training row, in order. */
FAIRC_API int fairc_train_reweighed_file(const char *path, const fairc_read_options *ropt,
                                         const fairc_train_options *o, const char *weights_out,
                                         fairc_predictor **out, fairc_train_info *info,
                                         fairc_status *st);

typedef struct fairc_decorrelate_options {
    const char *const *sensitive;     /* sensitive columns (at least one); dropped from output */
    size_t n_sensitive;
    const char *const *keep;          /* columns copied unchanged (the label, an id, ...) */
    size_t n_keep;
    const char *weight;               /* sample weights (copied unchanged), or NULL */
    double alpha;                     /* blend in [0, 1]: alpha z* + (1 - alpha) z; default 1 */
    int groups;                       /* FAIRC_GROUPS_INTERSECTION (default) or MARGINAL */
    int unseen;                       /* with a loaded projection: FAIRC_UNSEEN_ERROR (default)
                                       * or POOLED (such rows are left unchanged) */
    const char *projection_in;        /* apply this saved projection instead of fitting one */
    const char *projection_out;       /* save the fitted projection here, or NULL */
} fairc_decorrelate_options;

typedef struct fairc_decorrelate_info {
    uint64_t rows;
    size_t columns;                   /* numeric columns transformed */
    size_t indicators;                /* sensitive indicator columns (groups or levels) */
    uint64_t unseen_rows;             /* rows of unseen groups left unchanged (POOLED) */
} fairc_decorrelate_info;

FAIRC_API void fairc_decorrelate_options_init(fairc_decorrelate_options *o);
FAIRC_API const char *fairc_decorrelate_options_check(const fairc_decorrelate_options *o);
/* Reads path, and writes out_path atomically: every column but the sensitive ones, in order,
 * numeric ones (every present value a number; not kept, not the weight) replaced by
 * alpha z* + (1 - alpha) z with z* = z - (s - sbar) Wstar fitted by weighted least squares on
 * the centred sensitive indicators; missing cells stay missing. */
FAIRC_API int fairc_decorrelate_file(const char *path, const fairc_read_options *ropt,
                                     const fairc_decorrelate_options *o, const char *out_path,
                                     fairc_decorrelate_info *info, fairc_status *st);
/* In memory: Z (N, J) row-major, transformed in place; S (N, K) the sensitive columns (0/1
 * indicators or any numbers), centred with weighted means; w (N) or NULL; alpha in [0, 1]. */
FAIRC_API int fairc_decorrelate_arrays(size_t N, size_t J, double *Z, size_t K, const double *S,
                                       const double *w, double alpha, fairc_status *st);

/* ------------------------------------------------------------------------------------------ */
/* Synthetic biased data                                                                       */

typedef struct fairc_synth_options {
    uint64_t rows;       /* default 10,000 */
    int groups;          /* K levels of column `group`, 1..26; default 4 */
    uint64_t seed;       /* default 0 */
    double bias;         /* how much group shifts the label and score; default 1.0 */
    fairc_progress_fn progress;
    void *progress_user;
} fairc_synth_options;

FAIRC_API void fairc_synth_options_init(fairc_synth_options *o);
FAIRC_API const char *fairc_synth_options_check(const fairc_synth_options *o);
/* Writes a CSV with columns id,age,income,hours,education,region,sex,group,weight,y,score,yhat
 * to path atomically (temporary file, then rename); path "-" writes to standard output. */
FAIRC_API int fairc_synth_write(const char *path, const fairc_synth_options *o, fairc_status *st);

/* ------------------------------------------------------------------------------------------ */
/* For language bindings (src/pyapi.c)                                                         */

/* Releases a buffer the library allocated (JSON text, serialized predictor), with the library's
 * own allocator: a binding cannot be sure which free() it would get otherwise. */
FAIRC_API void fairc_free(void *p);
/* sizeof the public struct named type ("fairc_audit_options", "fairc_train_options",
 * "fairc_train_info", "fairc_status", ...), or 0 for an unknown name: a binding that mirrors a
 * struct compares the sizes at load time instead of corrupting memory. */
FAIRC_API size_t fairc_sizeof(const char *type);
/* Raw scores of N encoded rows (logits for a classifier, predictions for a regressor) when p is
 * a single model (fairc_train_*); FAIRC_EINVAL for a mixture or a threshold rule, which have
 * probabilities only. */
FAIRC_API int fairc_predictor_decision(const fairc_predictor *p, const float *X, size_t N,
                                       double *out, fairc_status *st);
/* The parameters of a single-model p (*params lives as long as p): a linear model holds
 * beta (D) then the intercept; an MLP, per layer, its weights (out, in) row-major then its
 * biases. FAIRC_EINVAL for a mixture or a threshold rule. */
FAIRC_API int fairc_predictor_params(const fairc_predictor *p, const double **params,
                                     size_t *n_params, fairc_status *st);
/* u (N) <- fairc_decision_uniform of each row's key: the row's D features X (N, D) as binary64
 * little-endian (what `fairc predict` hashes for a model trained on arrays, whose encoder passes
 * x0..x{D-1} through) followed by suffix_len bytes of suffix (a group name, or none). One call
 * instead of N across a binding's foreign-function interface. */
FAIRC_API int fairc_decision_uniform_rows(const float *X, size_t N, size_t D, const char *suffix,
                                          size_t suffix_len, uint64_t seed, double *u,
                                          fairc_status *st);

/* SPEC §5's penalty on one mini-batch of n rows, for a training loop outside fairc (PyTorch):
 * z (n) logits, y (n) labels 0/1 (may be NULL for FAIRC_CONSTRAINT_DP), w (n) weights >= 0 or
 * NULL, group (n) in [0, G), G >= 2. *value <- P = alpha sum_c relu(|d_c| - tol)^p over the
 * cells c = (event, group) present in the batch (p = INFINITY: the max), and dz (n) <- dP/dz_i
 * unless NULL. With momentum in (0, 1), running holds 2 S doubles, S = E G + E (E = 2 events
 * for EO, else 1): the running numerators then denominators of SPEC §5.3, zero at the start;
 * commit != 0 folds this batch into them (once per optimiser step). */
FAIRC_API int fairc_batch_penalty(int constraint, size_t n, const double *z, const double *y,
                                  const double *w, const int32_t *group, size_t G, double alpha,
                                  double p, double tol, double momentum, double *running,
                                  int commit, double *value, double *dz, fairc_status *st);
/* SPEC §4.1's constraints on one mini-batch (as above), K = 2 E G of them in the moment's order
 * (sign + then -, events, groups): gamma_soft (K) at f = sigmoid(z), gamma_hard (K) at the
 * decisions 1[z > 0], mask (K) 1 where the cell and its event have weight in the batch (gamma
 * is 0 elsewhere), dz (n) <- d(sum_k coef_k gamma_soft_k)/dz_i (masked coefficients count 0).
 * Any output may be NULL. For SPEC §6's Lagrangian outside fairc. */
FAIRC_API int fairc_batch_moment(int constraint, size_t n, const double *z, const double *y,
                                 const double *w, const int32_t *group, size_t G,
                                 const double *coef, double *gamma_soft, double *gamma_hard,
                                 uint8_t *mask, double *dz, fairc_status *st);
/* Element types of the arrays that fairc_batch_penalty_typed reads and writes, so that a binding
 * hands over a tensor's buffer as it is (float32 logits, int64 groups and labels) instead of
 * converting it first. FAIRC_TYPE_U8 also reads a bool array (one byte, 0 or 1). */
enum { FAIRC_TYPE_F64 = 1, FAIRC_TYPE_F32 = 2, FAIRC_TYPE_I64 = 3, FAIRC_TYPE_I32 = 4,
       FAIRC_TYPE_U8 = 5 };
/* fairc_batch_penalty with typed, C-contiguous arrays: z (n) and dz (n, may be NULL) of z_type
 * FAIRC_TYPE_F64 or _F32 (dz is written in z's type), y, w and group of any FAIRC_TYPE_*
 * (group values must be whole numbers in [0, G)). The same value and gradient (to rounding),
 * computed without building a moment, so a batch of 256 rows costs about a microsecond. */
FAIRC_API int fairc_batch_penalty_typed(int constraint, size_t n, const void *z, int z_type,
                                        const void *y, int y_type, const void *w, int w_type,
                                        const void *group, int group_type, size_t G, double alpha,
                                        double p, double tol, double momentum, double *running,
                                        int commit, double *value, void *dz, fairc_status *st);

#ifdef __cplusplus
}
#endif
#endif
