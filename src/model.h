/* model.h: fairc's learners, internal API (not installed). Logistic regression (trust-region
 * Newton, linear.c), ridge / least-squares linear regression (linear.c), multilayer perceptrons
 * with hand-written forward and backward passes (mlp.c), Adam and the shared losses (optim.c).
 * Not here: fairness penalties and reductions, which call these through the forward/backward
 * pair and the per-batch hook, and the predictor file, which stores the parameter buffers.
 *
 * Conventions shared by every learner:
 *  - data: N rows, D features, X (N, D) float row-major, y (N) double, w (N) double sample
 *    weights >= 0 or NULL meaning all ones (an all-ones array gives the same bits as NULL);
 *  - parameters: doubles in ONE contiguous buffer with named offsets. A linear model has
 *    D + 1 of them: beta (D) at 0, intercept at D, which is also the layout of an MLP with no
 *    hidden layer, so the two kinds of model share predictors and files;
 *  - sums over rows run in fixed blocks of rows (256; 4,096 where the partials are long) whose
 *    partials are added in block order with Neumaier compensation (SPEC §1.7), so results do
 *    not depend on the thread count;
 *  - functions that can fail return FAIRC_OK or FAIRC_E* and fill *st unless it is NULL;
 *    *_check functions return NULL or a static sentence saying what to change (NaN fails). */
#ifndef FAIRC_MODEL_H
#define FAIRC_MODEL_H

#include "internal.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------------------------ */
/* Data and losses (optim.c)                                                                   */

typedef struct fairc_xy {
    size_t N, D;
    const float *X;  /* (N, D) row-major */
    const double *y; /* (N) labels in {0, 1} (classification) or real targets (regression) */
    const double *w; /* (N) sample weights >= 0, or NULL for all ones */
} fairc_xy;

enum { FAIRC_TASK_CLASSIFY = 0, FAIRC_TASK_REGRESS = 1 };

/* FAIRC_OK if every X is finite, every w finite and >= 0 with a positive total, and every y in
 * {0, 1} (classification) or finite (regression); else FAIRC_EINVAL naming the first bad cell. */
int fairc_xy_validate(const fairc_xy *d, int task, fairc_status *st);

/* How a learner holds X: sparse rows pay off when most inputs are 0 (one-hot columns). AUTO picks
 * sparse when at most 30% of the inputs are non-zero; the others are for tests and benchmarks.
 * Logistic regression gives the same bits either way, and so does the MLP with the portable
 * product (OpenBLAS sums in its own order, a few ulps away). */
enum { FAIRC_STORAGE_AUTO = 0, FAIRC_STORAGE_SPARSE = 1, FAIRC_STORAGE_DENSE = 2 };

enum { FAIRC_LOSS_BCE = 0,     /* binary cross-entropy on logits: softplus(z) - y z */
       FAIRC_LOSS_SQUARED = 1  /* (z - y)^2 */
};

/* log(1 + e^z) without overflow or loss of precision for large |z|. */
static inline double fairc_softplus(double z)
{
    return (z > 0 ? z : 0.0) + log1p(exp(-fabs(z)));
}
/* 1 / (1 + e^-z), accurate in both tails. */
static inline double fairc_sigmoid(double z)
{
    double e = exp(-fabs(z));
    return z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}
/* One row's loss at score z for label y, and dloss/dz in *dz. BCE takes y in [0, 1] and is
 * written y softplus(-z) + (1 - y) softplus(z), so a 0/1 label costs one softplus. */
static inline double fairc_loss(int loss, double z, double y, double *dz)
{
    if (loss == FAIRC_LOSS_SQUARED) {
        *dz = 2.0 * (z - y);
        return (z - y) * (z - y);
    }
    double e = exp(-fabs(z)), p = z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    double q = z >= 0 ? e / (1.0 + e) : 1.0 / (1.0 + e); /* 1 - p, without cancellation */
    *dz = y == 1 ? -q : y == 0 ? p : p - y;
    double lp = log1p(e); /* softplus(-|z|) */
    double sp_pos = (z > 0 ? z : 0.0) + lp, sp_neg = (z < 0 ? -z : 0.0) + lp;
    return y == 1 ? sp_neg : y == 0 ? sp_pos : y * sp_neg + (1.0 - y) * sp_pos;
}

/* ------------------------------------------------------------------------------------------ */
/* Adam (optim.c)                                                                              */

typedef struct fairc_adam_params {
    double lr;           /* step size, default 1e-3 */
    double beta1, beta2; /* moment decay rates, default 0.9 and 0.999 */
    double eps;          /* added to sqrt(v_hat), default 1e-8 */
    double weight_decay; /* decoupled (AdamW): params *= 1 - lr * weight_decay before each
                          * step, on every parameter as torch.optim.AdamW does; default 0 */
} fairc_adam_params;

void fairc_adam_params_init(fairc_adam_params *p);
const char *fairc_adam_params_check(const fairc_adam_params *p);
/* One step t (1-based, for the bias corrections) over n parameters; m and v are updated. */
void fairc_adam_step(const fairc_adam_params *p, uint64_t t, double *params, const double *grads,
                     double *m, double *v, size_t n);

/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t fairc_rng_below(fairc_rng *r, uint64_t n);

/* ------------------------------------------------------------------------------------------ */
/* Linear models (linear.c)                                                                    */

/* Weighted L2-regularised logistic regression with scikit-learn's objective
 *     ||beta||^2 / (2C) + sum_i w_i logloss(y_i, x_i . beta + b),  intercept b not penalised,
 * solved to a relative gradient of tol by trust-region Newton-CG (see linear.c for why). */
typedef struct fairc_logistic_params {
    double C;          /* inverse penalty strength > 0; INFINITY: no penalty. Default 1 */
    int fit_intercept; /* default 1; 0 keeps coef[D] = 0 */
    int warm_start;    /* 1: start from the coef given; 0 (default): from zeros */
    double tol;        /* stop when ||grad||_2 <= tol * ||grad at coef = 0||_2; default 1e-10 */
    int max_iter;      /* Newton iterations, default 100 */
    int threads;       /* OpenMP threads, 0 (default) for OpenMP's choice; results do not
                        * depend on it */
    int storage;       /* FAIRC_STORAGE_*, default AUTO */
    fairc_progress_fn progress; /* called once per Newton iteration; may be NULL */
    void *progress_user;
} fairc_logistic_params;

typedef struct fairc_fit_info {
    int iterations;    /* Newton iterations taken (0 when the start already met tol) */
    int cg_iterations; /* conjugate-gradient steps (Hessian-vector products) in all */
    int converged;     /* 1 if tol was met; 0 after max_iter or a numerical stall */
    double objective;  /* objective at the returned coef */
    double grad_norm;  /* ||grad||_2 there */
    double grad_norm0; /* ||grad||_2 at coef = 0, the scale of tol */
} fairc_fit_info;

void fairc_logistic_params_init(fairc_logistic_params *p);
const char *fairc_logistic_params_check(const fairc_logistic_params *p);

/* Fits coef (D + 1: beta at 0, intercept at D). With warm_start coef is the starting point;
 * else it is overwritten. With an intercept or without penalty, rows of positive weight must
 * hold both labels (else the optimum is at infinity): FAIRC_EINVAL. Not converging within
 * max_iter is not an error: info->converged says so. info may be NULL. On error or cancel coef
 * holds the last accepted iterate. */
int fairc_logistic_fit(const fairc_xy *data, const fairc_logistic_params *p, double *coef,
                       fairc_fit_info *info, fairc_status *st);

/* The objective at coef, and its gradient (D + 1) into grad unless NULL (overwrites; entry D is
 * 0 without an intercept). */
int fairc_logistic_objective(const fairc_xy *data, const fairc_logistic_params *p,
                             const double *coef, double *objective, double *grad,
                             fairc_status *st);

/* Weighted ridge regression, solved exactly in double:
 *     minimise sum_i w_i (y_i - x_i . beta - b)^2 + alpha ||beta||^2,  b not penalised.
 * Cholesky on the centred normal equations; when alpha = 0 and they are singular (collinear
 * features, one-hot with every level), the minimum-norm solution by an eigendecomposition, as
 * a least-squares solver would give. */
typedef struct fairc_linreg_params {
    double alpha;      /* >= 0, default 0 */
    int fit_intercept; /* default 1 */
    int threads;       /* as for logistic regression */
} fairc_linreg_params;

void fairc_linreg_params_init(fairc_linreg_params *p);
const char *fairc_linreg_params_check(const fairc_linreg_params *p);
/* coef (D + 1) <- the solution. D is limited to 4096 (the normal equations are dense). */
int fairc_linreg_fit(const fairc_xy *data, const fairc_linreg_params *p, double *coef,
                     fairc_status *st);

/* scores_i = x_i . coef[0..D) + coef[D]; proba_i = sigmoid(scores_i). Either output may be
 * NULL. Rows are independent, so any thread count gives the same bits. */
void fairc_linear_predict(const double *coef, const float *X, size_t N, size_t D, double *scores,
                          double *proba, int threads);

/* ------------------------------------------------------------------------------------------ */
/* Multilayer perceptron (mlp.c)                                                               */

/* Linear layers at most, counting the output layer (SPEC §11's cap). */
#define FAIRC_MLP_MAX_LAYERS 64

/* Layer sizes and offsets into the parameter buffer. Layer l (0-based, L = n_hidden + 1
 * layers) maps width[l] inputs to width[l+1] outputs: weights (width[l+1], width[l]) row-major
 * at w[l], bias (width[l+1]) at b[l]. One hidden layer of H units: w1 (H,D) at 0, b1 (H) at
 * H*D, w2 (1,H) at H*D+H, b2 at H*D+2H; count = H*D+2H+1. Hidden layers use ReLU; the single
 * output is a logit (BCE) or a prediction (squared loss). */
typedef struct fairc_mlp {
    size_t D, n_hidden;
    size_t width[FAIRC_MLP_MAX_LAYERS + 1]; /* width[0] = D, ..., width[n_hidden + 1] = 1 */
    size_t w[FAIRC_MLP_MAX_LAYERS], b[FAIRC_MLP_MAX_LAYERS];
    size_t count; /* parameters in all, at most 2^31 */
} fairc_mlp;

/* Fills m for D inputs and hidden[0..n_hidden) units (n_hidden may be 0: a linear model).
 * Returns NULL, or a static sentence when the sizes are unusable. */
const char *fairc_mlp_layout(fairc_mlp *m, size_t D, const size_t *hidden, size_t n_hidden);

/* Parameters, their gradients and Adam's two moments in one allocation of 4 * count doubles:
 * params at 0, grads at count, m at 2 count, v at 3 count (checkpoints and AdamW are flat
 * loops over it). */
typedef struct fairc_mlp_state {
    double *buf; /* owned */
    double *params, *grads, *m, *v;
    uint64_t step; /* Adam steps taken, for the bias corrections */
} fairc_mlp_state;

/* Allocates s for m with everything 0. */
int fairc_mlp_state_new(fairc_mlp_state *s, const fairc_mlp *m, fairc_status *st);
void fairc_mlp_state_free(fairc_mlp_state *s);

/* PyTorch's nn.Linear scheme (Kaiming uniform with a = sqrt(5)): every weight and bias of a
 * layer with fan_in inputs ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn layer by layer, weights
 * row-major then biases, from the generator seeded (seed, purpose). Chosen so that fairc and the
 * PyTorch anchor start from the same distribution. */
void fairc_mlp_init_params(const fairc_mlp *m, double *params, uint64_t seed, const char *purpose);

/* Workspace of one forward/backward pair for up to max_rows rows. It holds the inputs in double
 * (or as sparse rows when most inputs are 0, as with one-hot data) and each hidden layer's
 * activations for backward, plus backward's scratch. Not shared between threads. */
typedef struct fairc_mlp_cache fairc_mlp_cache;
int fairc_mlp_cache_new(const fairc_mlp *m, size_t max_rows, fairc_mlp_cache **out,
                        fairc_status *st);
void fairc_mlp_cache_free(fairc_mlp_cache **c);
/* FAIRC_STORAGE_AUTO (default) lets forward pick the input layout per batch; SPARSE or DENSE
 * force one (tests, benchmarks). Both give the same values with the portable kernel. */
void fairc_mlp_cache_storage(fairc_mlp_cache *c, int storage);

/* scores (N) <- the model on X (N, D), N <= the cache's max_rows; the cache keeps what backward
 * needs. */
void fairc_mlp_forward(double *scores, fairc_mlp_cache *c, const fairc_mlp *m,
                       const double *params, const float *X, size_t N);
/* grads (count) += dloss/dparams given dscores (N) = dloss/dscore for the rows of the last
 * forward. Adds, never zeroes, and leaves the activations intact, so `loss + alpha * penalty`
 * may be one call on summed dscores or two calls into one buffer. */
void fairc_mlp_backward(double *grads, const double *dscores, fairc_mlp_cache *c,
                        const fairc_mlp *m, const double *params);

enum { FAIRC_REDUCE_MEAN = 0, /* sum_i w_i loss_i / sum_i w_i over the rows concerned */
       FAIRC_REDUCE_SUM = 1   /* sum_i w_i loss_i */
};

/* Full-data loss of the model (the loss and reduction given) and, unless grads is NULL,
 * grads += its gradient; rows go through the cache in blocks of its max_rows. */
int fairc_mlp_loss(const fairc_mlp *m, const double *params, const fairc_xy *data, int loss,
                   int reduction, fairc_mlp_cache *c, double *value, double *grads,
                   fairc_status *st);

/* Called for every mini-batch (of positive total weight) after the loss has filled dscores
 * (already divided by the batch's weight under FAIRC_REDUCE_MEAN) and before backward:
 * rows[0..nb) are the batch's row indices, scores its model outputs, computed with the
 * parameters before this batch's step; the hook may add its own dloss/dscore into dscores (a
 * fairness penalty). Non-zero return stops training, which then returns that code (use FAIRC_E*;
 * the hook keeps its own message). */
typedef int (*fairc_batch_hook)(void *user, const size_t *rows, size_t nb, const double *scores,
                                double *dscores);
/* Called after every epoch with the current parameters (e.g. to keep the best epoch); non-zero
 * return stops training as above. */
typedef int (*fairc_epoch_hook)(void *user, size_t epoch, const double *params);

enum { FAIRC_START_INIT = 0,   /* fresh parameters (fairc_mlp_init_params) and Adam moments */
       FAIRC_START_WARM = 1,   /* keep the parameters given, fresh Adam moments */
       FAIRC_START_RESUME = 2  /* keep parameters, Adam moments and step count */
};

typedef struct fairc_mlp_train_params {
    size_t epochs;          /* default 20 */
    size_t batch_size;      /* default 256; the last batch of an epoch may be smaller */
    fairc_adam_params adam; /* defaults of fairc_adam_params_init */
    int loss;               /* FAIRC_LOSS_BCE (default) or FAIRC_LOSS_SQUARED */
    int reduction;          /* FAIRC_REDUCE_MEAN (default): per batch, sum w loss / sum w */
    int start;              /* FAIRC_START_*, default INIT */
    int storage;            /* FAIRC_STORAGE_* for the training rows, default AUTO */
    uint64_t seed;          /* default 0 */
    const char *init_purpose;    /* generator purposes (SPEC §1.7); NULL: "init" */
    const char *shuffle_purpose; /* NULL: "shuffle" */
    fairc_batch_hook batch_hook; /* may be NULL */
    void *batch_user;
    fairc_epoch_hook epoch_hook; /* may be NULL */
    void *epoch_user;
    fairc_progress_fn progress; /* once per epoch with the fraction of epochs done */
    void *progress_user;
} fairc_mlp_train_params;

typedef struct fairc_mlp_train_info {
    size_t epochs, batches; /* done */
    double last_epoch_loss; /* weighted mean loss over the last epoch's batches */
} fairc_mlp_train_info;

void fairc_mlp_train_params_init(fairc_mlp_train_params *p);
const char *fairc_mlp_train_params_check(const fairc_mlp_train_params *p);

/* Trains s->params by mini-batch Adam: each epoch visits the rows in a fresh permutation from
 * the (seed, shuffle_purpose) generator. A batch whose rows all have weight 0 is skipped. The
 * same seed gives the same bits on a given build and machine. Single-threaded (a batch is too
 * small to share); OpenBLAS may use its own threads inside a product. info may be NULL. On
 * error or cancel s holds the state after the last completed batch. */
int fairc_mlp_train(const fairc_mlp *m, fairc_mlp_state *s, const fairc_xy *data,
                    const fairc_mlp_train_params *p, fairc_mlp_train_info *info,
                    fairc_status *st);

/* Scores (logits or predictions) and, for BCE models, probabilities of N rows; either output
 * may be NULL. Rows are independent, so threads only changes the speed. */
int fairc_mlp_predict(const fairc_mlp *m, const double *params, const float *X, size_t N,
                      double *scores, double *proba, int threads, fairc_status *st);

#endif
