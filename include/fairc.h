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
} fairc_train_options;

typedef struct fairc_train_info {
    uint64_t rows, dropped;         /* rows used; rows dropped for a missing label */
    size_t features;                /* encoded width D */
    int iterations;                 /* Newton iterations or epochs */
    int converged;                  /* logistic: tolerance met */
    double train_loss;              /* mean weighted loss on the training rows */
    double objective;               /* logistic: the minimised objective (penalty + summed loss) */
    double train_accuracy;          /* classification: weighted accuracy at p > 0.5 */
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

typedef struct fairc_predict_info {
    uint64_t rows;
    uint64_t unseen_categories;     /* cells whose category was not seen at fit (encoded as 0) */
} fairc_predict_info;

/* Streams the rows of data through p and writes a CSV to out_path atomically ("-": stdout):
 * the columns named in keep (may be NULL), then `score` (classification: the probability of a
 * positive decision; regression: the prediction) and `decision` (score > 0.5; regression: none).
 * Refuses to write over data. */
FAIRC_API int fairc_predict_file(const fairc_predictor *p, const char *data,
                                 const fairc_read_options *ropt, const char *const *keep,
                                 size_t n_keep, const char *out_path, fairc_predict_info *info,
                                 fairc_status *st);
/* Probabilities (or regression predictions) of N encoded rows X (N, D) with D the model's
 * encoded width (fairc_predictor_width). */
FAIRC_API int fairc_predictor_predict(const fairc_predictor *p, const float *X, size_t N,
                                      double *out, fairc_status *st);
FAIRC_API size_t fairc_predictor_width(const fairc_predictor *p);

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

#ifdef __cplusplus
}
#endif
#endif
