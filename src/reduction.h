/* reduction.h: the reductions approach (SPEC §7-§8), internal API. ExponentiatedGradient
 * (expgrad.c) and GridSearch (gridsearch.c) turn a fairness-constrained problem into a sequence
 * of weighted problems for a plain learner, the "oracle". They share what is here:
 *
 *   problem   the objective and the constraints of one training set, as err(h), gamma(h) (K)
 *             and the signed weights s_i(lambda) of SPEC §4: a classification moment (moment.h)
 *             with the ErrorRate objective, or BoundedGroupLoss (bgl.c) with MeanLoss;
 *   oracle    a learner (logistic regression, MLP, linear regression, or a callback for tests)
 *             fitted on targets and weights made from s; it warm-starts each fit from the last
 *             model it produced (SPEC §7.3.2), answers a repeated lambda from its cache, and
 *             keeps every result (parameters, err, gamma), so no fit is wasted (logistic
 *             regression starts from the best of the last model, the nearest multipliers'
 *             model and the intercept-only model: oracle_lr.c);
 *   grid      Fairlearn's lattice of multipliers (SPEC §8.2);
 *   record    what a reduction found (multipliers, gaps, errors, gammas), which a predictor
 *             keeps in its optional `diag` section (reduction.c reads and writes it).
 *
 * Not here: the learners (model.h), the moments' algebra (moment.h), the file format's framing
 * (modelfile.c). reduction.c also holds the entry point train.c calls, which builds the problem
 * from a training set, runs the chosen reduction and turns its result into predictor nodes. */
#ifndef FAIRC_REDUCTION_H
#define FAIRC_REDUCTION_H

#include "model.h"
#include "moment.h"

struct fairc_predictor;

/* ------------------------------------------------------------------------------------------ */
/* BoundedGroupLoss (bgl.c, SPEC §4.3)                                                         */

typedef struct fairc_bgl {
    int loss;              /* FAIRC_BGL_LOSS_* */
    double lo, hi;         /* clip range of labels and predictions */
    double zeta;           /* the bound gamma_g <= zeta; NaN when not given */
    size_t N, G;
    const double *y, *w;   /* (N) targets, weights or NULL; borrowed */
    const int32_t *group;  /* (N) in [0, G); borrowed */
    double W;              /* total weight */
    double *Wg;            /* (G) weight of each group */
    size_t K;              /* constraints: the groups of positive weight, in group order */
    size_t *con_group;     /* (K) */
    int32_t *group_con;    /* (G) constraint of group g, -1 when left out */
    char **names;          /* (K) "loss sex=Female" */
} fairc_bgl;

/* Builds the moment over N rows of targets y, weights w (or NULL) and one grouping. loss is
 * FAIRC_BGL_LOSS_*; zero_one ignores lo, hi (it clips to [0, 1]); square and absolute need
 * lo < hi, finite. zeta >= 0 or NaN. Groups of weight 0 are left out (SPEC §1.4); fewer than
 * one group of positive weight is an error. y, w and the grouping's arrays must outlive it. */
int fairc_bgl_new(int loss, double lo, double hi, double zeta, size_t N, const double *y,
                  const double *w, const fairc_grouping_rows *gr, fairc_bgl **out,
                  fairc_status *st);
void fairc_bgl_free(fairc_bgl **b);
/* l(y, yhat) with both clipped to [lo, hi]. */
double fairc_bgl_loss(const fairc_bgl *b, double y, double yhat);
/* err = sum_i w_i l_i / W and gamma_k = sum_{i in g_k} w_i l_i / W_{g_k} for predictions
 * pred (N); gamma (K) may be NULL. */
void fairc_bgl_evaluate(const fairc_bgl *b, const double *pred, double *err, double *gamma);
/* s (N) <- wt_i lambda_{k(i)} / p_{g(i)}, p_g = W_g / W (0 for rows of a left-out group). */
void fairc_bgl_signed_weights(const fairc_bgl *b, const double *lambda, double *s);
const char *fairc_bgl_loss_name(int loss);

/* ------------------------------------------------------------------------------------------ */
/* Problem                                                                                     */

typedef struct fairc_red_problem {
    int regression;            /* 1: BoundedGroupLoss */
    size_t N, K;
    const double *y, *w;       /* (N) borrowed */
    const fairc_moment *mom;   /* classification, borrowed */
    double c_fp, c_fn;         /* ErrorRate costs */
    const fairc_bgl *bgl;      /* regression, borrowed */
    double *s_obj;             /* (N) the objective's signed weights */
    double *bound;             /* (K) b_k: eps (moments) or zeta (BGL) */
    const char *const *names;  /* (K) */
} fairc_red_problem;

int fairc_red_problem_classify(fairc_red_problem *p, const fairc_moment *m, double c_fp,
                               double c_fn, fairc_status *st);
int fairc_red_problem_regress(fairc_red_problem *p, const fairc_bgl *b, fairc_status *st);
void fairc_red_problem_clear(fairc_red_problem *p);

/* A per-thread workspace (the moment's evaluation buffers). */
typedef struct fairc_red_work {
    fairc_moment_eval ev;
    int has_ev;
} fairc_red_work;
int fairc_red_work_new(const fairc_red_problem *p, fairc_red_work *w, fairc_status *st);
void fairc_red_work_free(fairc_red_work *w);

/* s (N) <- s^con(lambda), plus s^obj when with_obj. */
void fairc_red_signed_weights(const fairc_red_problem *p, fairc_red_work *w, const double *lambda,
                              int with_obj, double *s);
/* err(h) and gamma(h) (K) of predictions h (N): hard 0/1 decisions, or real predictions for
 * regression. */
void fairc_red_evaluate(const fairc_red_problem *p, fairc_red_work *w, const double *h,
                        double *err, double *gamma);
/* SPEC §4.1's projection for moments with r = 1; the identity otherwise (BGL, ratios). */
void fairc_red_project(const fairc_red_problem *p, double *lambda);

/* ------------------------------------------------------------------------------------------ */
/* Oracle                                                                                      */

/* A learner for tests: fit writes n_params parameters for targets d->y and weights d->w (warm:
 * params holds the previous result); predict writes each row's output (a decision in {0, 1},
 * or a real prediction for regression). */
typedef struct fairc_red_callback {
    size_t n_params;
    int (*fit)(void *user, const fairc_xy *d, double *params, int warm, fairc_status *st);
    void (*predict)(void *user, const double *params, const float *X, size_t N, double *out);
    void *user;
} fairc_red_callback;

/* The oracle's logistic regression (oracle_lr.c): X prepared once for all the fits of a
 * reduction. See fairc_red_lr_fit. */
typedef struct fairc_red_lr {
    size_t N, D;
    struct fairc_red_lr_layout *lay; /* rows grouped by their one-hot pattern (oracle_lr.c) */
} fairc_red_lr;

/* Builds lr from X (N, D); D <= FAIRC_RED_LR_MAX_D. */
#define FAIRC_RED_LR_MAX_D 1024
int fairc_red_lr_new(const float *X, size_t N, size_t D, fairc_red_lr **out, fairc_status *st);
void fairc_red_lr_free(fairc_red_lr **lr);
/* Minimises fairc_logistic_fit's objective ||beta||^2 / (2C) + sum_i w_i logloss_i (intercept
 * not penalised) for labels y and weights w by Newton's method with the exact Hessian and a
 * backtracking line search, from coef (warm, when better) or the intercept-only model, to ||grad|| <= tol ||grad at 0||. The
 * optimum is fairc_logistic_fit's (its tests compare them); what differs is the cost of a call.
 * scores (N, may be NULL) gets x_i . beta + b at the result. Sums run over 8 fixed row blocks
 * added in block order: the same bits on any thread count (threads: 0 for OpenMP's choice); the
 * row kernels use FMA where the CPU has it, so CPUs with and without differ in the last bits.
 * *iterations (may be NULL) gets the Newton steps taken. */
int fairc_red_lr_fit(const fairc_red_lr *lr, const double *y, const double *w, double C,
                     double tol, int warm, int threads, double *coef, double *scores,
                     int *iterations, fairc_status *st);

/* The same from the best of several starts: the intercept-only model and starts[0..n_starts)
 * (each D + 1), whichever has the lowest objective. */
int fairc_red_lr_fit_from(const fairc_red_lr *lr, const double *y, const double *w, double C,
                          double tol, const double *const *starts, size_t n_starts, int threads,
                          double *coef, double *scores, int *iterations, fairc_status *st);

typedef struct fairc_red_learner {
    int kind;                     /* FAIRC_LEARNER_LOGISTIC, _MLP, _LINEAR, or 0: callback */
    const fairc_red_lr *lr;       /* logistic: the oracle's solver on prepared rows, or NULL
                                   * (then fairc_logistic_fit) */
    fairc_logistic_params logistic;
    fairc_linreg_params linreg;
    fairc_mlp mlp;                /* layout (D inputs; no hidden layer for linear models) */
    fairc_mlp_train_params train; /* MLP: epochs of a cold call, Adam, batch, seed */
    size_t warm_epochs;           /* MLP: epochs of a warm call */
    fairc_red_callback cb;
    int threads;
} fairc_red_learner;

/* One oracle result: the model of one learner call (or a constant when the targets were). */
typedef struct fairc_red_fit {
    int constant;              /* 1: no learner call, every output is `value` */
    double value;
    double *params;            /* (n_params) NULL when constant */
    double err;
    double *gamma;             /* (K) */
    double *lambda;            /* (K) the multipliers it answered */
    uint64_t call;             /* oracle call number k (purposes oracle/k/...) */
    int warm;                  /* it started from the previous model */
} fairc_red_fit;

typedef struct fairc_oracle {
    const fairc_red_problem *prob;
    const fairc_xy *data;      /* X (N, D); y, w unused */
    fairc_red_learner L;
    size_t n_params;
    int warm_start, use_cache, normalise;  /* normalise: learner weights |s| n / sum |s| (EG) */
    fairc_red_fit *fits;       /* every result, in call order */
    size_t n_fits, cap_fits;
    double *last_params;       /* the last model the learner produced (warm starts) */
    int have_last;
    uint64_t calls, learner_fits, dummy_calls, cache_hits;
    double fit_seconds;
    fairc_red_lr *lr;          /* owned: logistic regression's prepared rows */
    /* scratch: s, target, weight, output (N each) */
    double *s, *target, *weight, *out;
    fairc_red_work work;
} fairc_oracle;

int fairc_oracle_init(fairc_oracle *o, const fairc_red_problem *prob, const fairc_xy *data,
                      const fairc_red_learner *L, int normalise, fairc_status *st);
void fairc_oracle_free(fairc_oracle *o);
/* The result for multipliers lambda (K): from the cache when lambda was asked before (same
 * bits), else a new fit (or a constant). *index gets its index in o->fits. If h (N) is not
 * NULL it receives the result's outputs on the training rows. */
int fairc_oracle_call(fairc_oracle *o, const double *lambda, size_t *index, double *h,
                      fairc_status *st);
/* The outputs of result f on rows X (N): decisions or predictions. */
int fairc_oracle_predict(const fairc_oracle *o, const fairc_red_fit *f, const float *X, size_t N,
                         double *out, fairc_status *st);
/* Fits the learner once, outside the oracle's sequence (GridSearch's parallel points): targets
 * and weights given; params (n_params) in/out (warm: start from it); call k names the seeds.
 * Thread-safe for distinct params buffers. */
int fairc_red_learner_fit(const fairc_red_learner *L, const fairc_xy *d, double *params, int warm,
                          uint64_t call, int threads, fairc_status *st);
/* The same, also giving the training rows' outputs (as fairc_red_learner_predict would) in out
 * (N) when the learner has them for free: returns 1 in *have_out then, else 0. */
int fairc_red_learner_fit_out(const fairc_red_learner *L, const fairc_xy *d, double *params,
                              int warm, const double *alt, uint64_t call, int threads, double *out,
                              int *have_out, fairc_status *st);
void fairc_red_learner_predict(const fairc_red_learner *L, const double *params, const float *X,
                               size_t N, int regression, double *out);

/* ------------------------------------------------------------------------------------------ */
/* ExponentiatedGradient (expgrad.c)                                                           */

typedef struct fairc_eg_params {
    double eg_eps;      /* B = 1 / eg_eps, > 0; default 0.01 */
    size_t max_iter;    /* default 50 */
    double eta0;        /* default 2 */
    double nu;          /* NaN: automatic (SPEC §7.1 step 2) */
    int run_lp;         /* default 1 */
    fairc_progress_fn progress;
    void *progress_user;
} fairc_eg_params;

void fairc_eg_params_init(fairc_eg_params *p);

/* The course and result of a run. Candidates ("hs") are the stored h of SPEC §7.1 step 3. */
typedef struct fairc_eg_result {
    size_t K, T;               /* constraints, iterations run */
    size_t n_hs;               /* stored h */
    size_t *hs;                /* (n_hs) index of each stored h in the oracle's fits */
    double *lambda;            /* (T, K) lambda_t */
    double *gap, *gap_eg, *gap_lp; /* (T) the kept gap, EG's and the LP's (inf when none) */
    int *from_lp;              /* (T) 1 when the LP's pair was kept */
    size_t best_iter;
    double best_gap, nu, B;
    double *Q;                 /* (n_hs) the weights of best_iter */
    double *lambda_lp;         /* (K) the last LP's multipliers (0 before any) */
    size_t lp_solves;
} fairc_eg_result;

void fairc_eg_result_clear(fairc_eg_result *r);
int fairc_expgrad_run(fairc_oracle *o, const fairc_eg_params *p, fairc_eg_result *r,
                      fairc_status *st);

/* SPEC §7.2 over J candidates: err (J), G (K, J) = gamma - b row-major, bound B. Q (J) and
 * lambda (K) get the optimal pair, *value the optimum. Returns FAIRC_OK or an error when the
 * solver fails (it cannot on this always feasible, bounded LP, short of numerical trouble). */
int fairc_eg_lp(size_t J, size_t K, const double *err, const double *G, double B, double *Q,
                double *lambda, double *value, fairc_status *st);

/* ------------------------------------------------------------------------------------------ */
/* GridSearch (gridsearch.c)                                                                   */

/* Integer lattice points of SPEC §8.2: dim coordinates, neg[j] != 0 when coordinate j may be
 * negative, force_l1 pins the last coordinate to the remaining norm. *points (n_keep, dim) the
 * first grid_size points (order_norm: after a stable sort by L1 norm), *n_units the scale
 * (point * grid_limit / n_units; 0 means the single point 0). Caps: 10 million lattice points. */
int fairc_grid_lattice(size_t grid_size, size_t dim, const uint8_t *neg, int force_l1,
                       int order_norm, long **points, size_t *n_keep, long *n_units,
                       fairc_status *st);

/* SPEC §8.1's basis: coordinate j moves constraint plus[j] when positive and minus[j] when
 * negative (SIZE_MAX: the pair is unobserved, the coordinate has no effect); neg[j] != 0 when
 * it may be negative; force_l1 for bounded group loss. */
typedef struct fairc_gs_basis {
    size_t dim;
    size_t *plus, *minus;
    uint8_t *neg;
    int force_l1;
} fairc_gs_basis;

/* The basis of moment m built over the groupings gr[0..n_gr) (the arrays fairc_moment_new
 * took): per grouping, per event, one coordinate per group except the last in order. order
 * (may be NULL) gives per grouping the groups in basis order (G_j entries); NULL: 0..G-1. */
int fairc_gs_basis_moment(const fairc_moment *m, const fairc_grouping_rows *gr, size_t n_gr,
                          const int32_t *const *order, fairc_gs_basis *b, fairc_status *st);
/* Bounded group loss: one non-negative coordinate per group of positive weight, in order (G
 * entries, may be NULL), the L1 norm forced. */
int fairc_gs_basis_bgl(const fairc_bgl *bg, const int32_t *order, fairc_gs_basis *b,
                       fairc_status *st);
void fairc_gs_basis_clear(fairc_gs_basis *b);

typedef struct fairc_gs_params {
    size_t grid_size;          /* default 10 */
    double grid_limit;         /* default 2 */
    int order_norm;            /* --grid-order norm */
    const double *offset;      /* NULL, or n_offset = 1 (every entry) or K values */
    size_t n_offset;
    double constraint_weight;  /* default 0.5 */
    /* the basis: coordinate j moves constraint basis_plus[j] when positive, basis_minus[j]
     * (or nothing, SIZE_MAX) when negative; neg[j] says whether it may be negative */
    size_t dim;
    const size_t *basis_plus, *basis_minus;
    const uint8_t *neg;
    int force_l1;
    int threads;
    fairc_progress_fn progress;
    void *progress_user;
} fairc_gs_params;

typedef struct fairc_gs_result {
    size_t K, P;               /* constraints, grid points */
    double *lambda;            /* (P, K) */
    double *err;               /* (P) */
    double *gamma;             /* (P, K) */
    fairc_red_fit *fits;       /* (P) the models (lambda, err, gamma filled in) */
    size_t best;
    long n_units;
} fairc_gs_result;

void fairc_gs_result_clear(fairc_gs_result *r, size_t n_params);
/* Builds the grid, fits every point (in parallel: each fit is independent and cold, or
 * warm-started from the model at lambda = 0 fitted first, so any thread count gives the same
 * bits), records err and gamma and selects SPEC §8.3's point. o supplies the problem and
 * learner (its fits list is not used). */
int fairc_gridsearch_run(fairc_oracle *o, const fairc_gs_params *p, fairc_gs_result *r,
                         fairc_status *st);

/* ------------------------------------------------------------------------------------------ */
/* The record kept in a predictor (reduction.c; the `diag` section, SPEC §11)                   */

enum { FAIRC_RED_EXPGRAD = 1, FAIRC_RED_GRIDSEARCH = 2 };

typedef struct fairc_red_record {
    int method;               /* FAIRC_RED_* */
    int constraint;           /* FAIRC_CONSTRAINT_* */
    int deterministic;        /* EG: a single classifier was kept */
    double eps;               /* the bound (moments' eps, BGL's zeta) */
    double B, nu;             /* EG */
    uint64_t iterations, best_iter;
    double best_gap;
    uint64_t oracle_calls, learner_fits, dummy_calls, cache_hits;
    size_t K;
    char **names;             /* (K) */
    size_t J;                 /* candidates: EG's stored h, GridSearch's points */
    double *err;              /* (J) */
    double *gamma;            /* (J, K) */
    double *lambda;           /* (J, K) the multipliers each was fitted for */
    double *weight;           /* (J) EG: Q; GridSearch: 1 for the selected point, else 0 */
    uint64_t *node;           /* (J) node index in the predictor, or UINT64_MAX when not kept */
    size_t T;                 /* EG iterations */
    double *gap;              /* (T) */
    double *iter_lambda;      /* (T, K) */
} fairc_red_record;

void fairc_red_record_free(fairc_red_record **r);
/* The payload of a `diag` section. */
void fairc_red_record_write(const fairc_red_record *r, fairc_buf *b);
/* Parses a payload of n bytes; on error returns FAIRC_EPARSE (or _ENOMEM, _ELIMIT) with *at
 * the offset in the payload and msg (n_msg bytes) what is wrong. n_nodes: the predictor's node
 * count, to check node indices. */
int fairc_red_record_read(const unsigned char *p, size_t n, size_t n_nodes,
                          fairc_red_record **out, size_t *at, char *msg, size_t n_msg);
/* Appends a description for `fairc inspect` (text, or a JSON object's members when json). */
void fairc_red_record_describe(const fairc_red_record *r, int json, fairc_buf *b);

/* ------------------------------------------------------------------------------------------ */
/* Entry point (reduction.c)                                                                   */

/* Trains p's tree (p's encoder already fitted) by o->mitigate = EXPGRAD or GRIDSEARCH on data
 * d whose rows the groupings describe; r NULL means the defaults. Fills info and rinfo (either
 * may be NULL) and p->nodes, p->params, p->red. */
int fairc_reduction_train(struct fairc_predictor *p, const fairc_xy *d,
                          const fairc_grouping_rows *gr, size_t n_gr,
                          const fairc_train_options *o, const fairc_reduction_options *r,
                          fairc_train_info *info, fairc_reduction_info *rinfo, fairc_status *st);
/* NULL, or what is wrong with the reduction's options for o (used by fairc_train_options_check
 * for these mitigations). */
const char *fairc_reduction_check(const fairc_train_options *o, const fairc_reduction_options *r);

#endif
