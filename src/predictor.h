/* predictor.h: what a trained fairc model is in memory, shared by encode.c (raw rows -> features),
 * train.c (fits it), predict.c (applies it) and modelfile.c (saves and loads it, SPEC §11).
 * A predictor = an encoder + a tree of nodes + one parameter buffer. */
#ifndef FAIRC_PREDICTOR_H
#define FAIRC_PREDICTOR_H

#include "internal.h"

/* ---- encoder ------------------------------------------------------------------------------ */

enum { FAIRC_FEAT_NUMERIC = 0, FAIRC_FEAT_CATEGORICAL = 1 };

typedef struct fairc_feature {
    char *column;        /* column name in the data file */
    int kind;            /* FAIRC_FEAT_* */
    /* numeric: x' = (x - mean) / sd (sd = 1 when the training sd is 0); a missing value is
     * imputed with mean (so x' = 0) and, if has_indicator, the next column COL=? is 1 */
    double mean, sd;
    int has_indicator;
    /* categorical: one column per level, in this order; "?" stands for missing. A level
     * unseen at fit encodes as all zeros (warning unseen_category). */
    char **levels;
    size_t n_levels;
    size_t offset;       /* first encoded column; width 1 (+1 indicator) or n_levels */
} fairc_feature;

typedef struct fairc_encoder {
    int task;                      /* FAIRC_TASK_CLASSIFY or FAIRC_TASK_REGRESS (model.h) */
    char *label;                   /* label column */
    char **pos_labels;             /* classification: the values meaning 1 (may be empty:  */
    size_t n_pos_labels;           /*   then 0/1, -1/1, false/true as SPEC §1.2) */
    char **na_values;              /* missing-value tokens used at fit (NULL: the defaults) */
    size_t n_na_values;
    fairc_feature *features;
    size_t n_features;
    size_t D;                      /* encoded width: sum of feature widths */
    char **sensitive;              /* sensitive columns (for audits and group-aware nodes) */
    size_t n_sensitive;
    char **group_names;            /* intersection groups seen at fit, fairc order */
    size_t n_groups;
    /* Format 1.1 (threshold.c, predict.c): a predictor fitted on a score column reads it (and
     * has no features); an id column keys per-row randomised decisions (SPEC §1.7). NULL: none. */
    char *score_column;
    char *id_column;
} fairc_encoder;

/* ---- the predictor tree --------------------------------------------------------------------- */

enum { FAIRC_NODE_MODEL = 1, FAIRC_NODE_MIXTURE = 2, FAIRC_NODE_THRESHOLD = 3,
       FAIRC_NODE_CONSTANT = 4 };
enum { FAIRC_MODEL_LOGISTIC = 1, FAIRC_MODEL_LINEAR = 2, FAIRC_MODEL_MLP = 3 };

typedef struct fairc_node {
    int type;                      /* FAIRC_NODE_* */
    /* MODEL */
    int model_kind;                /* FAIRC_MODEL_* */
    size_t n_hidden;               /* MLP hidden layers (0 for linear models) */
    size_t *hidden;                /* their sizes */
    size_t param_offset, param_count; /* into the predictor's params */
    /* MIXTURE: children are node indices (pre-order), weights sum to 1 */
    size_t n_children;
    size_t *children;
    double *weights;
    int vote;                      /* MIXTURE (format 1.2): 1 = mix the children's hard
                                    * decisions (ExponentiatedGradient, SPEC §7.1: p(x) =
                                    * sum_h Q_h h(x); regression: the expected prediction);
                                    * 0 = mix their probabilities */
    /* CONSTANT */
    double p;
    /* THRESHOLD (threshold.h): one rule list per encoder group; the score is the encoder's
     * score column (n_children 0) or the probability of the base, children[0] (n_children 1) */
    struct fairc_thresholds *thr;
} fairc_node;

typedef struct fairc_meta {
    char *version;                 /* fairc version that wrote it */
    char *command;                 /* command line */
    char *train_file;              /* training file name */
    uint8_t train_sha256[32];
    uint64_t train_rows;
} fairc_meta;

struct fairc_fair_record;           /* fairtrain.h */

struct fairc_predictor {
    fairc_meta meta;
    fairc_encoder enc;
    fairc_node *nodes;             /* pre-order; nodes[0] is the root */
    size_t n_nodes;
    double *params;
    size_t n_params;
    struct fairc_fair_record *fair; /* MULT: fairness-aware training's record, or NULL */
    struct fairc_red_record *red;   /* diag: a reduction's record (reduction.h), or NULL */
};

void fairc_encoder_clear(fairc_encoder *e);

/* ---- applying a predictor (predictor.c, predict.c) ------------------------------------------ */

/* 1 if the tree needs each row's group (it holds a THRESHOLD node). */
int fairc_predictor_needs_groups(const fairc_predictor *p);
/* The unseen-group policy of p's THRESHOLD nodes (the strictest: ERROR if any has it). */
int fairc_predictor_unseen_policy(const fairc_predictor *p);
/* fairc_predictor_predict_groups with the unseen-group policy overridden (-1: p's own). */
int fairc_predictor_predict_rows(const fairc_predictor *p, const float *X, const int32_t *group,
                                 const double *score, size_t N, int unseen, double *out,
                                 fairc_status *st);
/* The tree applied as it is (no option checks): u (N) the rows' uniforms that pick a voting
 * regression mixture's member (NULL: its expected prediction); soft != 0: voting mixtures mix
 * their members' probabilities (mixture scores) instead of their hard decisions. */
int fairc_predictor_apply(const fairc_predictor *p, const float *X, const int32_t *group,
                          const double *score, const double *u, size_t N, int unseen, int soft,
                          double *out, fairc_status *st);
/* 1 if p is a regressor whose tree holds a voting mixture: its prediction of a row is the member
 * that the row's uniform picks (SPEC §7.3.4). */
int fairc_predictor_picks(const fairc_predictor *p);
/* NULL if o suits p (expected: a regression mixture; mixture_scores: a classification
 * mixture at the root; randomize and unseen in range), else a sentence saying why not. */
const char *fairc_predict_options_check(const fairc_predictor *p, const fairc_predict_options *o);
/* Appends n values (x as floats, else xd) as binary64, little-endian: SPEC §1.7's key. */
void fairc_key_add_f64s(fairc_buf *b, const float *x, const double *xd, size_t n);

/* Raw rows -> probabilities and decisions, for `fairc predict` and `fairc audit --model`: binds
 * p's encoder, groups, score and id columns to a reader's header, then buffers records (up to
 * `block`) and predicts them together. Decisions follow SPEC §1.7 (fairc_predict_options). */
typedef struct fairc_row_applier fairc_row_applier;
int fairc_row_applier_new(const fairc_predictor *p, const fairc_reader *r, size_t block,
                          const fairc_predict_options *o, fairc_row_applier **out,
                          fairc_status *st);
/* Adds r's current record; errors name its line and field (a bad score, an unseen group under
 * the ERROR policy, a category the encoder rejects). */
int fairc_row_applier_add(fairc_row_applier *a, const fairc_reader *r, fairc_status *st);
size_t fairc_row_applier_pending(const fairc_row_applier *a);
/* Predicts the buffered rows: *n rows, prob[i] and decision[i] (valid until the next call),
 * then empties the buffer. */
int fairc_row_applier_flush(fairc_row_applier *a, size_t *n, const double **prob,
                            const uint8_t **decision, fairc_status *st);
/* Cells of unseen categories and rows of unseen groups so far. */
void fairc_row_applier_counts(const fairc_row_applier *a, uint64_t *unseen_categories,
                              uint64_t *unseen_groups);
/* With the option mixture_scores: the last flush's mixture scores (sum_h Q_h f_h(x), SPEC
 * §7.3.4), valid until the next call; NULL without the option. */
const double *fairc_row_applier_mixture_scores(const fairc_row_applier *a);
void fairc_row_applier_free(fairc_row_applier **a);

#endif
