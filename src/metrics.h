/* metrics.h: per-group sufficient statistics and the metrics, aggregates and disparities of
 * SPEC §2 computed from them. Internal to the library. */
#ifndef FAIRC_METRICS_H
#define FAIRC_METRICS_H

#include "internal.h"

/* Metrics in the order of SPEC §3.1's VALUES. */
enum {
    FAIRC_M_COUNT, FAIRC_M_SELECTION_RATE, FAIRC_M_ACCURACY, FAIRC_M_ERROR_RATE,
    FAIRC_M_BALANCED_ACCURACY, FAIRC_M_PRECISION, FAIRC_M_TPR, FAIRC_M_FPR, FAIRC_M_TNR,
    FAIRC_M_FNR, FAIRC_M_F1, FAIRC_M_MEAN_SCORE, FAIRC_N_METRICS
};
extern const char *const fairc_metric_names[FAIRC_N_METRICS];

enum {
    FAIRC_A_GROUP_MIN, FAIRC_A_GROUP_MAX, FAIRC_A_DIFF_BETWEEN, FAIRC_A_DIFF_TO_OVERALL,
    FAIRC_A_RATIO_BETWEEN, FAIRC_A_RATIO_TO_OVERALL, FAIRC_N_AGGREGATES
};
extern const char *const fairc_aggregate_names[FAIRC_N_AGGREGATES];

#define FAIRC_N_DISPARITIES 16
extern const char *const fairc_disparity_names[FAIRC_N_DISPARITIES];

/* Cell index of a row: 2 * y + yhat. So cell 0 = TN, 1 = FP, 2 = FN, 3 = TP. */
enum { FAIRC_TN = 0, FAIRC_FP = 1, FAIRC_FN = 2, FAIRC_TP = 3 };

/* Finished per-group sums. */
typedef struct fairc_confusion {
    uint64_t rows[4];   /* rows per cell (never weighted) */
    double w[4];        /* weight per cell */
    double ws[4];       /* weighted score per cell (when there is a score) */
    double wss[4];      /* weighted squared score per cell (for the bootstrap) */
} fairc_confusion;

void fairc_confusion_add(fairc_confusion *into, const fairc_confusion *c);
uint64_t fairc_confusion_rows(const fairc_confusion *c);

/* out[FAIRC_N_METRICS], NaN where undefined (SPEC §2.2); mean_score only when has_score. */
void fairc_metrics_compute(const fairc_confusion *c, int has_score, double *out);

/* by_group (G x FAIRC_N_METRICS), overall (FAIRC_N_METRICS) -> agg (FAIRC_N_AGGREGATES x
 * FAIRC_N_METRICS), then the named disparities (SPEC §2.4, §2.5). NaN means null. */
void fairc_metrics_aggregate(const double *by_group, size_t G, const double *overall,
                             double *agg);
void fairc_metrics_disparities(const double *agg, double *disp);

/* Accumulating sums in fixed 65,536-row chunks so results do not depend on threads (SPEC §1.7). */
typedef struct fairc_group_acc {
    uint64_t rows[4];
    fairc_ksum w[4], ws[4], wss[4];      /* totals over finished chunks */
    fairc_ksum cw[4], cws[4], cwss[4];   /* the current chunk */
} fairc_group_acc;

static inline void fairc_group_acc_add(fairc_group_acc *a, int cell, double w, double s)
{
    a->rows[cell]++;
    fairc_ksum_add(&a->cw[cell], w);
    if (s == s) {
        double ws = w * s;
        fairc_ksum_add(&a->cws[cell], ws);
        fairc_ksum_add(&a->cwss[cell], ws * s);
    }
}
/* Folds the current chunk into the totals. */
void fairc_group_acc_flush(fairc_group_acc *a);
void fairc_group_acc_finish(const fairc_group_acc *a, fairc_confusion *out);

/* The in-memory kernel (kernel.c): sums rows [lo, hi) of one chunk into acc (G groups, zeroed).
 * y, yhat in {0,1}; group in [0, G); w and score may be NULL. Without weights and scores only the
 * row counts are filled (the chunk's weights are then exactly its counts). */
void fairc_kernel_chunk(size_t lo, size_t hi, const uint8_t *y, const uint8_t *yhat,
                        const double *score, const double *w, const int32_t *group, size_t G,
                        fairc_group_acc *acc);

/* fairc_kernel_chunk that also checks each row as it reads it (y, yhat in {0, 1}; group in
 * [0, G); w finite and >= 0; score finite): 0 when all of [lo, hi) is valid, with the same sums
 * and *w_pos set to 1 if a weight is > 0; -1 otherwise (acc unspecified). */
int fairc_kernel_chunk_checked(size_t lo, size_t hi, const uint8_t *y, const uint8_t *yhat,
                               const double *score, const double *w, const int32_t *group,
                               size_t G, fairc_group_acc *acc, int *w_pos);

#endif
