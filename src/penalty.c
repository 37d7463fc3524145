/* penalty.c: FairTorch's idea done right (SPEC §5): train on loss + alpha * sum over a moment's
 * constraints of relu(gamma_k - tol)^p, computed on each mini-batch from soft predictions
 * f = sigmoid(z). Against FairTorch 0.1.2 (SPEC §5.4): every group is constrained, not only the
 * first (B1); equalized odds uses each label's own rates (B2); a group absent from a batch adds
 * exactly 0 instead of NaN (B3); p is a real exponent with its true gradient (B4); the tolerance
 * is honoured (B5). Optional running statistics (SPEC §5.3) cut the batch noise of small cells.
 * Not here: the moment's algebra (moment.c), the optimiser (mlp.c, optim.c). */
#include "fairtrain.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void fairc_penalty_params_init(fairc_penalty_params *pp)
{
    pp->alpha = 1;
    pp->p = 2;
    pp->tol = 0;
    pp->momentum = 0;
}

const char *fairc_penalty_params_check(const fairc_penalty_params *pp)
{
    if (!(pp->alpha >= 0) || !isfinite(pp->alpha)) return "alpha must be a finite number >= 0";
    if (!(pp->p >= 1)) return "p must be a number >= 1 (or inf)";
    if (!(pp->tol >= 0) || !isfinite(pp->tol)) return "the tolerance must be a finite number >= 0";
    if (!(pp->momentum >= 0 && pp->momentum < 1)) return "momentum must be in [0, 1)";
    return NULL;
}

/* relu(x)^q for x > 0, with the exact powers that matter most computed exactly. */
static double pos_pow(double x, double q)
{
    if (q == 0) return 1;
    if (q == 1) return x;
    if (q == 2) return x * x;
    return pow(x, q);
}

double fairc_penalty_value(const fairc_moment *m, const fairc_moment_eval *ev,
                           const fairc_penalty_params *pp, double *coef)
{
    size_t K = m->K;
    if (coef) memset(coef, 0, (K ? K : 1) * sizeof *coef);
    if (isinf(pp->p)) {
        double best = 0;
        size_t at = K;
        for (size_t k = 0; k < K; k++) {
            double x = ev->gamma[k] - pp->tol;
            if (ev->mask[k] && x > best) { /* strict: the first maximising constraint */
                best = x;
                at = k;
            }
        }
        if (coef && at < K) coef[at] = pp->alpha;
        return pp->alpha * best;
    }
    double P = 0;
    for (size_t k = 0; k < K; k++) {
        double x = ev->gamma[k] - pp->tol;
        if (!ev->mask[k] || !(x > 0)) continue;
        P += pos_pow(x, pp->p);
        if (coef) coef[k] = pp->alpha * pp->p * pos_pow(x, pp->p - 1);
    }
    return pp->alpha * P;
}

struct fairc_penalty {
    const fairc_moment *m;
    fairc_penalty_params pp;
    fairc_moment_eval ev;
    size_t max_rows;
    double *coef;   /* (K) dP/dgamma */
    double *f, *dh; /* (max_rows) predictions and dP/dh */
    double *RN, *RD; /* (C + E) running sums, with momentum */
};

void fairc_penalty_free(fairc_penalty **pp)
{
    if (!pp || !*pp) return;
    fairc_penalty *p = *pp;
    fairc_moment_eval_free(&p->ev);
    free(p->coef);
    free(p->f);
    free(p->dh);
    free(p->RN);
    free(p->RD);
    free(p);
    *pp = NULL;
}

int fairc_penalty_new(const fairc_moment *m, const fairc_penalty_params *pp, size_t max_rows,
                      fairc_penalty **out, fairc_status *st)
{
    *out = NULL;
    const char *bad = fairc_penalty_params_check(pp);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    if (max_rows == 0) max_rows = 1;
    fairc_penalty *p = calloc(1, sizeof *p);
    if (!p) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    p->m = m;
    p->pp = *pp;
    p->max_rows = max_rows;
    int rc = fairc_moment_eval_new(m, &p->ev, st);
    size_t S = m->C + m->E;
    if (rc == FAIRC_OK) {
        p->coef = calloc(m->K ? m->K : 1, sizeof *p->coef);
        p->f = malloc(max_rows * sizeof *p->f);
        p->dh = malloc(max_rows * sizeof *p->dh);
        if (pp->momentum > 0) {
            p->RN = calloc(S, sizeof *p->RN);
            p->RD = calloc(S, sizeof *p->RD);
        }
        if (!p->coef || !p->f || !p->dh || (pp->momentum > 0 && (!p->RN || !p->RD)))
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory for a penalty");
    }
    if (rc != FAIRC_OK) {
        fairc_penalty_free(&p);
        return rc;
    }
    *out = p;
    return FAIRC_OK;
}

double fairc_penalty_batch(fairc_penalty *pen, const size_t *rows, size_t nb, const double *z,
                           double *dz)
{
    const fairc_moment *m = pen->m;
    assert(nb <= pen->max_rows);
    for (size_t r = 0; r < nb; r++) pen->f[r] = fairc_sigmoid(z[r]);
    double beta = pen->pp.momentum;
    fairc_moment_evaluate(m, &pen->ev, rows, nb, pen->f, beta > 0 ? pen->RN : NULL,
                      beta > 0 ? pen->RD : NULL, beta);
    double P = fairc_penalty_value(m, &pen->ev, &pen->pp, pen->coef);
    if (dz && P > 0) {
        fairc_moment_backward(m, &pen->ev, pen->coef, rows, nb, pen->dh);
        /* df/dz = f (1 - f) = sigmoid(z) sigmoid(-z), without cancellation */
        for (size_t r = 0; r < nb; r++)
            if (pen->dh[r] != 0) dz[r] += pen->dh[r] * pen->f[r] * fairc_sigmoid(-z[r]);
    }
    return P;
}

void fairc_penalty_commit(fairc_penalty *pen)
{
    if (pen->pp.momentum > 0)
        fairc_moment_running_update(pen->m, &pen->ev, pen->RN, pen->RD, pen->pp.momentum);
}

const double *fairc_penalty_running(const fairc_penalty *pen, const double **RD)
{
    if (RD) *RD = pen->RD;
    return pen->RN;
}

/* ---- training ------------------------------------------------------------------------------ */

typedef struct penalty_ctx {
    fairc_penalty *pen;
    fairc_ksum epoch_sum;
    size_t epoch_batches;
    double last_epoch_mean;
    uint64_t nonfinite;
} penalty_ctx;

static int penalty_batch_hook(void *user, const size_t *rows, size_t nb, const double *scores,
                              double *dscores)
{
    penalty_ctx *c = user;
    double P = fairc_penalty_batch(c->pen, rows, nb, scores, dscores);
    fairc_penalty_commit(c->pen);
    int finite = isfinite(P);
    for (size_t r = 0; r < nb && finite; r++) finite = isfinite(scores[r]) && isfinite(dscores[r]);
    if (!finite) c->nonfinite++;
    fairc_ksum_add(&c->epoch_sum, P);
    c->epoch_batches++;
    return FAIRC_OK;
}

static int penalty_epoch_hook(void *user, size_t epoch, const double *params)
{
    (void)epoch;
    (void)params;
    penalty_ctx *c = user;
    c->last_epoch_mean = c->epoch_batches ? fairc_ksum_value(&c->epoch_sum) / (double)c->epoch_batches : 0;
    c->epoch_sum = (fairc_ksum){0, 0};
    c->epoch_batches = 0;
    return FAIRC_OK;
}

int fairc_penalty_fit(const fairc_mlp *m, fairc_mlp_state *s, const fairc_xy *d,
                      const fairc_moment *mom, const fairc_penalty_params *pp,
                      const fairc_mlp_train_params *tp_in, int threads, fairc_fair_record *rec,
                      fairc_fair_fit_info *info, fairc_status *st)
{
    memset(info, 0, sizeof *info);
    if (d->N != mom->N) return fairc_fail(st, FAIRC_EINVAL, "the moment and the data differ in rows");
    size_t bs = tp_in->batch_size < d->N ? tp_in->batch_size : d->N;
    penalty_ctx c = {0};
    double *z = NULL;
    int rc = fairc_penalty_new(mom, pp, bs, &c.pen, st);
    if (rc == FAIRC_OK)
        rc = fairc_fair_record_init(rec, mom, pp->momentum > 0 ? mom->C + mom->E : 0, st);
    if (rc == FAIRC_OK) {
        fairc_mlp_train_params tp = *tp_in;
        tp.batch_hook = penalty_batch_hook;
        tp.batch_user = &c;
        tp.epoch_hook = penalty_epoch_hook;
        tp.epoch_user = &c;
        rc = fairc_mlp_train(m, s, d, &tp, &info->train, st);
    }
    if (rc == FAIRC_OK) {
        rec->mitigate = FAIRC_MITIGATE_PENALTY;
        rec->alpha = pp->alpha;
        rec->p_norm = pp->p;
        rec->tol = pp->tol;
        rec->momentum = pp->momentum;
        rec->steps = info->train.batches;
        rec->selected_epoch = info->train.epochs;
        const double *RD, *RN = fairc_penalty_running(c.pen, &RD);
        for (size_t k = 0; RN && k < rec->n_running; k++) {
            rec->run_D[k] = RD[k];
            rec->run_soft[k] = RN[k];
        }
        info->penalty = c.last_epoch_mean;
        info->nonfinite_batches = c.nonfinite;
        if (!(z = malloc(d->N * sizeof *z))) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    if (rc == FAIRC_OK) rc = fairc_mlp_predict(m, s->params, d->X, d->N, z, NULL, threads, st);
    if (rc == FAIRC_OK) rc = fairc_fair_record_evaluate(rec, mom, z, st);
    free(z);
    fairc_penalty_free(&c.pen);
    return rc;
}
