/* optim.c: what the learners share: the data check, Adam, and bounded random integers for the
 * shuffles. The losses themselves are inline in model.h (linear.c calls them per row). Not here:
 * the solvers (linear.c) and the training loop (mlp.c). */
#include "model.h"

#include <math.h>

int fairc_xy_validate(const fairc_xy *d, int task, fairc_status *st)
{
    if (d->N == 0) return fairc_fail(st, FAIRC_EINVAL, "the data has no rows");
    for (size_t i = 0; i < d->N; i++) {
        const float *x = d->X + i * d->D;
        for (size_t j = 0; j < d->D; j++)
            if (!isfinite(x[j]))
                return fairc_fail(st, FAIRC_EINVAL, "feature %zu of row %zu is not a finite number",
                                  j + 1, i + 1);
        double y = d->y[i];
        if (task == FAIRC_TASK_CLASSIFY ? !(y == 0 || y == 1) : !isfinite(y))
            return fairc_fail(st, FAIRC_EINVAL, "the label of row %zu is %g; %s", i + 1, y,
                              task == FAIRC_TASK_CLASSIFY ? "it must be 0 or 1"
                                                          : "it must be a finite number");
    }
    if (d->w) {
        fairc_ksum total = {0, 0};
        for (size_t i = 0; i < d->N; i++) {
            if (!(d->w[i] >= 0) || !isfinite(d->w[i]))
                return fairc_fail(st, FAIRC_EINVAL,
                                  "the weight of row %zu is %g; it must be a finite number >= 0",
                                  i + 1, d->w[i]);
            fairc_ksum_add(&total, d->w[i]);
        }
        if (!(fairc_ksum_value(&total) > 0))
            return fairc_fail(st, FAIRC_EINVAL, "the sample weights sum to 0");
    }
    return FAIRC_OK;
}

void fairc_adam_params_init(fairc_adam_params *p)
{
    p->lr = 1e-3;
    p->beta1 = 0.9;
    p->beta2 = 0.999;
    p->eps = 1e-8;
    p->weight_decay = 0;
}

const char *fairc_adam_params_check(const fairc_adam_params *p)
{
    if (!(p->lr > 0) || !isfinite(p->lr)) return "the learning rate must be a finite number > 0";
    if (!(p->beta1 >= 0 && p->beta1 < 1)) return "Adam's beta1 must be a number in [0, 1)";
    if (!(p->beta2 >= 0 && p->beta2 < 1)) return "Adam's beta2 must be a number in [0, 1)";
    if (!(p->eps > 0) || !isfinite(p->eps)) return "Adam's eps must be a finite number > 0";
    if (!(p->weight_decay >= 0) || !(p->lr * p->weight_decay < 1))
        return "weight decay must be a number >= 0 with lr * weight_decay < 1";
    return NULL;
}

/* torch.optim.AdamW's update (Loshchilov and Hutter's decoupled weight decay):
 *     p *= 1 - lr wd;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *     p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * Decoupled rather than L2 because with Adam an L2 term is rescaled by 1/sqrt(v) and so
 * regularises rarely-updated weights (rare one-hot levels) the most. */
void fairc_adam_step(const fairc_adam_params *p, uint64_t t, double *restrict params,
                     const double *restrict grads, double *restrict m, double *restrict v, size_t n)
{
    double b1 = p->beta1, b2 = p->beta2, td = (double)t;
    double step = p->lr / (1.0 - pow(b1, td)), inv_sbc2 = 1.0 / sqrt(1.0 - pow(b2, td));
    double decay = 1.0 - p->lr * p->weight_decay, eps = p->eps;
    if (decay != 1.0)
        for (size_t j = 0; j < n; j++) params[j] *= decay;
    for (size_t j = 0; j < n; j++) {
        double g = grads[j], mj = b1 * m[j] + (1.0 - b1) * g, vj = b2 * v[j] + (1.0 - b2) * g * g;
        m[j] = mj;
        v[j] = vj;
        params[j] -= step * mj / (sqrt(vj) * inv_sbc2 + eps);
    }
}

uint64_t fairc_rng_below(fairc_rng *r, uint64_t n)
{
    /* Reject the lowest (2^64 mod n) values, so every residue is equally likely. */
    uint64_t reject = (0 - n) % n, x;
    do x = fairc_rng_next(r);
    while (x < reject);
    return x % n;
}
