/* moment.h: fairness moments (SPEC §4), internal API. One implementation shared by penalty
 * training (penalty.c), constrained training (constrained.c), the reductions and the training
 * summaries. Not here: the loops that use them.
 *
 * A moment is built once over the N training rows. Each row gets an event e (`all`, `label=0`,
 * `label=1`, or none) and utilities (u0, u1), so that its value is v = u0 + h (u1 - u0) for a
 * prediction h (hard in {0,1} or soft in [0,1]); in each grouping it falls in one cell
 * c = (e, g). For every cell with weight on the training rows there are two constraints,
 *
 *     gamma(+,c) = r mu_c - mu_e <= eps        gamma(-,c) = r mu_e - mu_c <= eps
 *
 * with mu = sum w v / sum w over the cell's (the event's) rows; r = 1 bounds |mu_c - mu_e|.
 * Order: per grouping; sign + then -; events sorted (all, label=0, label=1); groups in the
 * grouping's order. Names read "+ label=1 sex=Female".
 *
 * Everything after construction works on sums over any subset of the rows (a mini-batch, or all
 * of them), through a workspace fairc_moment_eval:
 *
 *     eval      N = sum w v and D = sum w per cell and event (C + E slots, events last), the
 *               means mu = N / D (or, with running sums RN, RD and momentum beta,
 *               (beta RN + (1 - beta) N) / (beta RD + (1 - beta) D), SPEC §5.3), dmu/dN, and
 *               gamma (K) with mask (K): 1 where both the cell and its event have weight
 *     backward  dh_r = d(sum_k coef_k gamma_k) / dh for each row of the batch
 *
 * and, for the reductions, the signed weights s_i(lambda) over all rows and the projection.
 * Sums run in row order with Neumaier compensation, so results are the same bits every time. */
#ifndef FAIRC_MOMENT_H
#define FAIRC_MOMENT_H

#include "internal.h"

#include <stdint.h>

typedef struct fairc_moment {
    int kind;                /* FAIRC_CONSTRAINT_* */
    double eps, r;           /* the bound: gamma_k <= eps; r = 1 for a difference bound */
    size_t N;                /* rows */
    const double *y;         /* (N) labels in {0, 1}, borrowed: must outlive the moment */
    const double *w;         /* (N) weights >= 0, or NULL for all ones; borrowed */
    double W;                /* total weight */
    size_t n_groupings;
    size_t E;                /* events: 1 (all, or one label) or 2 (label=0, label=1) */
    int event_label[2];      /* -1 for `all`, else the label of the event */
    int8_t *row_event;       /* (N) event index of each row, -1 for none */
    int32_t *row_cell;       /* (n_groupings, N): row i's cell in grouping j at j * N + i (a
                              * global cell index), -1 for none */
    size_t C;                /* cells in all groupings: sum_j E * G_j; cell = offset_j + e G_j + g */
    size_t *cell_event;      /* (C) */
    double *Wc;              /* (C + E) weights of the cells, then of the events, on all rows */
    size_t K;                /* constraints */
    size_t *con_cell;        /* (K) the cell of constraint k */
    int8_t *con_sign;        /* (K) +1 for gamma(+,c), -1 for gamma(-,c) */
    size_t *con_pair;        /* (K) the constraint of the same cell with the other sign */
    char **names;            /* (K) */
} fairc_moment;

/* A grouping of the rows: group[i] in [0, G), names[G] the groups' names ("sex=Female"). */
typedef struct fairc_grouping_rows {
    const int32_t *group;
    size_t G;
    const char *const *names;
} fairc_grouping_rows;

/* Builds a moment of kind FAIRC_CONSTRAINT_* over N rows with labels y (0/1) and weights w (or
 * NULL), for the groupings given (at least one), bounded by gamma_k <= eps with ratio r in
 * (0, 1]. A group whose rows all have weight 0 is left out (SPEC §1.4). Errors (FAIRC_EINVAL,
 * naming the group): a grouping with fewer than two groups of positive weight; a group without
 * the rows an event needs (TPR and EO need positives in every group, FPR and EO negatives).
 * On success *out is owned by the caller; y and w must outlive it. */
int fairc_moment_new(int kind, size_t N, const double *y, const double *w,
                     const fairc_grouping_rows *groupings, size_t n_groupings, double eps,
                     double r, fairc_moment **out, fairc_status *st);
void fairc_moment_free(fairc_moment **m);

/* "dp", "eo", ...; and the long name ("demographic parity"). NULL for an unknown kind. */
const char *fairc_moment_kind_name(int kind);
const char *fairc_moment_kind_title(int kind);

/* Workspace for one moment (not shared between threads). */
typedef struct fairc_moment_eval {
    double *N, *D;       /* (C + E) sums of w v and of w over the rows evaluated */
    double *mu;          /* (C + E) means (0 where absent) */
    double *scale;       /* (C + E) dmu/dN: 1 / D, or (1 - beta) / denominator; 0 where absent */
    double *gamma;       /* (K) constraint values (0 where masked) */
    uint8_t *mask;       /* (K) 1 where the cell and its event have weight */
    double *cc;          /* (C + E) backward's per-cell coefficients */
    fairc_ksum *acc;     /* (2 (C + E)) accumulators */
    void *mem;
} fairc_moment_eval;

int fairc_moment_eval_new(const fairc_moment *m, fairc_moment_eval *ev, fairc_status *st);
void fairc_moment_eval_free(fairc_moment_eval *ev);

/* Sums, means, gamma and mask for the rows given: rows[0..nb) (indices into the N rows) with
 * predictions h[0..nb), or all N rows (rows NULL, nb = N) with h (N). RN, RD: running sums
 * (C + E each) for momentum beta in (0, 1), or NULL (then beta is ignored). h may be NULL when
 * only D matters (signed weights): N is then 0. */
void fairc_moment_evaluate(const fairc_moment *m, fairc_moment_eval *ev, const size_t *rows,
                       size_t nb, const double *h, const double *RN, const double *RD,
                       double beta);

/* dh[0..nb) <- d(sum_k coef_k gamma_k) / dh_r for the rows of the last fairc_moment_eval (rows
 * NULL: all N). coef_k must be 0 where mask_k is 0. Overwrites dh. */
void fairc_moment_backward(const fairc_moment *m, fairc_moment_eval *ev, const double *coef,
                           const size_t *rows, size_t nb, double *dh);

/* Running sums after a step (SPEC §5.3): R <- beta R + (1 - beta) (batch sums of ev). */
void fairc_moment_running_update(const fairc_moment *m, const fairc_moment_eval *ev, double *RN,
                                 double *RD, double beta);

/* max_k over unmasked constraints of gamma_k - eps (SPEC §6's V); -eps when every constraint is
 * masked. */
double fairc_moment_violation(const fairc_moment *m, const fairc_moment_eval *ev);
/* The SPEC §2.5 disparity that the bound controls, from the last eval: r = 1, the largest
 * |mu_c - mu_e| (the `to_overall` difference, max over groupings); r < 1, the smallest
 * min(mu_c / mu_e, mu_e / mu_c) (the `to_overall` ratio). NaN when nothing is defined. */
double fairc_moment_disparity(const fairc_moment *m, const fairc_moment_eval *ev);

/* Signed weights (SPEC §4.1) of all rows for multipliers lambda (K):
 *     s_i = n (L(h_i = 0) - L(h_i = 1)),  so that  lambda . gamma(h) = -(1/n) sum_i s_i h_i + c.
 * Overwrites s (N). */
void fairc_moment_signed_weights(const fairc_moment *m, fairc_moment_eval *ev,
                                 const double *lambda, double *s);

/* SPEC §4.1's projection (r = 1): for each cell, lambda(+) <- max(lambda(+) - lambda(-), 0) and
 * lambda(-) <- max(lambda(-) - lambda(+), 0) at once. The identity for r != 1. */
void fairc_moment_project(const fairc_moment *m, double *lambda);

/* SPEC §4.2, the objective of classification moments, with costs c_fp, c_fn >= 0:
 * err(h) = (1/W) sum_i w_i [c_fn y_i (1 - h_i) + c_fp (1 - y_i) h_i], and its signed weights
 * s_i = wt_i (c_fn y_i - c_fp (1 - y_i)) with wt_i = n w_i / W (overwrites s (N)). */
double fairc_error_rate(size_t N, const double *y, const double *w, const double *h, double c_fp,
                        double c_fn);
void fairc_error_rate_signed_weights(size_t N, const double *y, const double *w, double c_fp,
                                     double c_fn, double *s);

#endif
