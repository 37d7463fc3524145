/* fairtrain.h: fairness-aware training, internal API: the penalty of SPEC §5 (penalty.c), the
 * Lagrangian training of SPEC §6 (constrained.c), and the record of either that a model keeps
 * in its MULT section (fairtrain.c; saved by modelfile.c). Both train through fairc_mlp_train's
 * hooks: the batch hook adds the fairness term's dloss/dscore, the epoch hook keeps the best
 * epoch. A logistic model trains as an MLP without hidden layers (the same parameters). */
#ifndef FAIRC_FAIRTRAIN_H
#define FAIRC_FAIRTRAIN_H

#include "model.h"
#include "moment.h"

/* ---- penalty (penalty.c) ------------------------------------------------------------------- */

typedef struct fairc_penalty_params {
    double alpha;    /* weight >= 0, default 1 */
    double p;        /* exponent >= 1, or INFINITY for the max; default 2 */
    double tol;      /* tolerance c >= 0, default 0 */
    double momentum; /* beta in [0, 1): running statistics (SPEC §5.3); default 0 = off */
} fairc_penalty_params;

void fairc_penalty_params_init(fairc_penalty_params *pp);
/* NULL, or a static sentence saying what to change (NaN fails). */
const char *fairc_penalty_params_check(const fairc_penalty_params *pp);

/* P = alpha sum_k mask_k relu(gamma_k - tol)^p over ev's constraints (p = inf: alpha max_k ...,
 * its subgradient on the first maximising k). With r = 1 the two constraints of a cell are
 * +-(mu_c - mu_e), at most one above tol, so this is SPEC §5.1's alpha sum_c relu(|d_c| - c)^p.
 * coef (K) <- dP/dgamma_k unless NULL (0 where masked). */
double fairc_penalty_value(const fairc_moment *m, const fairc_moment_eval *ev,
                           const fairc_penalty_params *pp, double *coef);

/* The checks every one-batch entry point (fairc_batch_penalty*, fairc_batch_moment) makes of
 * its common arguments: a known constraint, rows, scores, groups (G in 2..10^6), labels unless
 * demographic parity. FAIRC_OK or the error, in st. */
int fairc_batch_args_check(int constraint, size_t n, const void *z, const void *y,
                           const void *group, size_t G, fairc_status *st);

typedef struct fairc_penalty fairc_penalty; /* a penalty over one moment, with its state */
/* m must outlive the penalty; batches hold at most max_rows rows. */
int fairc_penalty_new(const fairc_moment *m, const fairc_penalty_params *pp, size_t max_rows,
                      fairc_penalty **out, fairc_status *st);
void fairc_penalty_free(fairc_penalty **pen);
/* P of the rows[0..nb), nb <= max_rows (indices into the moment's rows; NULL: rows 0..nb-1),
 * at logits z with f = sigmoid(z) as the prediction; dz[0..nb) += dP/dz unless dz is NULL.
 * Does not change the running sums, so it may be called again at other z (finite differences). */
double fairc_penalty_batch(fairc_penalty *pen, const size_t *rows, size_t nb, const double *z,
                           double *dz);
/* Folds the last batch's sums into the running sums (after its step; SPEC §5.3). */
void fairc_penalty_commit(fairc_penalty *pen);
/* The running sums (C + E each), for the model file; NULL without momentum. */
const double *fairc_penalty_running(const fairc_penalty *pen, const double **RD);

/* ---- the record kept in the model (fairtrain.c) ------------------------------------------- */

typedef struct fairc_fair_record {
    int mitigate;          /* FAIRC_MITIGATE_PENALTY or _CONSTRAINED */
    int constraint;        /* FAIRC_CONSTRAINT_* */
    int groups;            /* FAIRC_GROUPS_* */
    int dual_signal;       /* FAIRC_DUAL_* (constrained) */
    int select;            /* FAIRC_SELECT_* (constrained) */
    double eps, r;         /* the bound gamma_k <= eps; ratio r (1: difference bound) */
    double alpha, p_norm, tol; /* penalty; p_norm INFINITY for the max */
    double momentum;
    double eta, lambda_max;    /* constrained: dual step and cap */
    uint64_t steps;            /* batches (primal and dual steps) until the kept parameters */
    uint64_t selected_epoch;   /* the epoch kept (1-based), 0 when not known */
    double violation;          /* training rows, kept parameters: V with hard decisions */
    double violation_soft;     /* and with sigmoid(z) */
    double disparity;          /* fairc_moment_disparity, hard decisions */
    size_t K;
    char **names;              /* (K) constraint names */
    double *lambda;            /* (K) multipliers (0 for a penalty) */
    double *gamma;             /* (K) values on the training rows, hard decisions */
    size_t n_running;          /* C + E with momentum, else 0 */
    double *run_D, *run_soft, *run_hard; /* (n_running) running sums: weights, soft, hard */
} fairc_fair_record;

/* Allocates r's arrays for m (K names copied, lambda and gamma 0; n_running slots of running
 * sums when n_running > 0). */
int fairc_fair_record_init(fairc_fair_record *r, const fairc_moment *m, size_t n_running,
                           fairc_status *st);
void fairc_fair_record_free(fairc_fair_record **r);
/* Fills r's training-set values from the model's logits z (N) on the moment's rows: gamma and
 * V with hard decisions 1[z > 0], V with sigmoid(z), the disparity. */
int fairc_fair_record_evaluate(fairc_fair_record *r, const fairc_moment *m, const double *z,
                               fairc_status *st);

/* ---- training (penalty.c, constrained.c) ------------------------------------------------- */

typedef struct fairc_constrained_params {
    double eta;        /* multiplier step eta_lambda > 0, default 0.05 */
    double lambda_max; /* > 0, default 100 */
    int dual_signal;   /* FAIRC_DUAL_*, default HARD */
    int select;        /* FAIRC_SELECT_*, default BEST */
    double momentum;   /* running sums for the dual signal, [0, 1), default 0 */
} fairc_constrained_params;

void fairc_constrained_params_init(fairc_constrained_params *cp);
const char *fairc_constrained_params_check(const fairc_constrained_params *cp);

/* What a fairness-aware fit reports besides the record. */
typedef struct fairc_fair_fit_info {
    fairc_mlp_train_info train;
    double penalty;              /* penalty: mean batch penalty over the last epoch */
    uint64_t nonfinite_batches;  /* batches with a score, gradient or penalty not finite */
} fairc_fair_fit_info;

/* Trains s->params (model m, data d whose rows are the moment's) by tp's mini-batch Adam on
 * loss + P. tp's hooks are replaced. Fills rec (initialised here; free it on error too). */
int fairc_penalty_fit(const fairc_mlp *m, fairc_mlp_state *s, const fairc_xy *d,
                      const fairc_moment *mom, const fairc_penalty_params *pp,
                      const fairc_mlp_train_params *tp, int threads, fairc_fair_record *rec,
                      fairc_fair_fit_info *info, fairc_status *st);

/* Trains s->params on the batch Lagrangian loss_B + sum_k lambda_k (gammaS_k - eps) with
 * projected dual ascent on lambda after each batch (SPEC §6); keeps the best or the last epoch.
 * Fills rec (lambda of the kept epoch, steps, selected epoch). */
int fairc_constrained_fit(const fairc_mlp *m, fairc_mlp_state *s, const fairc_xy *d,
                          const fairc_moment *mom, const fairc_constrained_params *cp,
                          const fairc_mlp_train_params *tp, int threads, fairc_fair_record *rec,
                          fairc_fair_fit_info *info, fairc_status *st);

#endif
