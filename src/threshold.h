/* threshold.h: ThresholdOptimizer (SPEC §9), internal API of threshold.c: group-wise randomised
 * threshold rules fitted on scores, how a THRESHOLD node holds them, and how they are applied.
 * Not here:
 * reading files (postprocess.c), the model file (modelfile.c), streaming prediction (predict.c). */
#ifndef FAIRC_THRESHOLD_H
#define FAIRC_THRESHOLD_H

#include "internal.h"

/* Rules per group: the cap of SPEC §11. A fit never needs more than 4 (EO without tol) or the
 * LP's nonzeros (at most 5 per group in a basic solution). */
#define FAIRC_MAX_RULES 16

/* A rule's decision for score s: GT 1[s > t], LT 1[s < t] (--flip), ONE 1, ZERO 0. */
enum { FAIRC_RULE_GT = 0, FAIRC_RULE_LT = 1, FAIRC_RULE_ONE = 2, FAIRC_RULE_ZERO = 3 };

typedef struct fairc_rule {
    double prob; /* probability that this rule decides, in [0, 1] */
    int op;      /* FAIRC_RULE_* */
    double t;    /* threshold, finite or +-inf (GT and LT only; 0 for ONE and ZERO) */
} fairc_rule;

/* A rule list under construction (the fit): probabilities sum to 1 (within 1e-9). */
typedef struct fairc_rules {
    size_t n;
    fairc_rule r[FAIRC_MAX_RULES];
} fairc_rules;

/* The content of a THRESHOLD node: one rule list per group of the predictor's encoder (its
 * group_names, in order), flat, so a loaded file's memory stays proportional to its size; the
 * policy for a group not seen at fit; the rule list of all rows pooled as one group (SPEC §9.6;
 * fitted with the policy POOLED, n_pooled = 0 otherwise). */
typedef struct fairc_thresholds {
    size_t G;
    size_t *first;         /* (G + 1): group g's rules are rules[first[g] .. first[g + 1]) */
    fairc_rule *rules;     /* (first[G]) */
    int unseen;            /* FAIRC_UNSEEN_* (fairc.h) */
    size_t n_pooled;
    fairc_rule pooled[FAIRC_MAX_RULES];
} fairc_thresholds;

/* The probability of a positive decision for score s: the total probability of the n rules r
 * that say 1, clamped to [0, 1]. */
double fairc_rules_apply(const fairc_rule *r, size_t n, double s);
/* NULL if the n rules r are valid (1..16 rules, probabilities in [0, 1] summing to 1 within
 * 1e-9, known operators, thresholds not NaN), else a static sentence. */
const char *fairc_rules_check(const fairc_rule *r, size_t n);
/* Group g's probability for score s (g < G). */
static inline double fairc_thresholds_apply(const fairc_thresholds *t, size_t g, double s)
{
    return fairc_rules_apply(t->rules + t->first[g], t->first[g + 1] - t->first[g], s);
}

/* New thresholds from G rule lists (packed); NULL on ENOMEM. */
fairc_thresholds *fairc_thresholds_pack(size_t G, const fairc_rules *lists);
fairc_thresholds *fairc_thresholds_copy(const fairc_thresholds *t);
void fairc_thresholds_free(fairc_thresholds **t);

/* What a fit found, on the fitting rows, with the randomised predictor's expected decisions. */
typedef struct fairc_threshold_result {
    double x_best, y_best;  /* without tol: the common x (EO: FPR) and EO's y* (TPR); else NaN */
    double objective;       /* the objective (accuracy, ...) of the fitted predictor */
    double grid_objective;  /* the same as the optimisation saw it (grid values, LP optimum) */
    double disparity;       /* max - min over groups of the constraint metric (EO: the larger
                               of the FPR and TPR ranges) */
    double *x, *tpr, *fpr, *sel; /* (G) each group's constraint metric, TPR, FPR, selection rate
                                    (NaN where undefined) */
} fairc_threshold_result;
void fairc_threshold_result_clear(fairc_threshold_result *r);

struct fairc_threshold_options;
/* Fits SPEC §9 on N rows: score (N) finite, y (N) in {0, 1}, w (N) >= 0 or NULL (all ones),
 * group (N) in [0, G), group_names (G) for messages. *out gets new thresholds (owned by the
 * caller); res (may be NULL) gets the summary, which the caller clears. */
int fairc_threshold_fit(size_t N, const double *score, const uint8_t *y, const double *w,
                        const int32_t *group, size_t G, const char *const *group_names,
                        const struct fairc_threshold_options *o, fairc_thresholds **out,
                        fairc_threshold_result *res, fairc_status *st);

/* One group's trade-off points (SPEC §9.2) sorted by (x, y), and their upper hull (§9.3), the
 * group being all N rows (so P, N and W are its own); pts and hull need room for 2N + 2. For
 * tests and for reading a fit. */
typedef struct fairc_tradeoff_point {
    double x, y;
    int op;
    double t;
} fairc_tradeoff_point;
int fairc_threshold_curve(size_t N, const double *score, const uint8_t *y, const double *w,
                          const struct fairc_threshold_options *o, fairc_tradeoff_point *pts,
                          size_t *n_pts, fairc_tradeoff_point *hull, size_t *n_hull,
                          fairc_status *st);

#endif
