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
    /* CONSTANT */
    double p;
} fairc_node;

typedef struct fairc_meta {
    char *version;                 /* fairc version that wrote it */
    char *command;                 /* command line */
    char *train_file;              /* training file name */
    uint8_t train_sha256[32];
    uint64_t train_rows;
} fairc_meta;

struct fairc_predictor {
    fairc_meta meta;
    fairc_encoder enc;
    fairc_node *nodes;             /* pre-order; nodes[0] is the root */
    size_t n_nodes;
    double *params;
    size_t n_params;
};

void fairc_encoder_clear(fairc_encoder *e);

#endif
