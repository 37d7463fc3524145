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

/* P = alpha sum_k mask_k relu(gamma_k - tol)^p over K constraints, coef (K) <- dP/dgamma_k
 * unless NULL: fairc_penalty_value's body, shared with fairc_batch_penalty_typed. */
static double penalty_of(size_t K, const double *gamma, const uint8_t *mask,
                         const fairc_penalty_params *pp, double *coef)
{
    if (coef) memset(coef, 0, (K ? K : 1) * sizeof *coef);
    if (isinf(pp->p)) {
        double best = 0;
        size_t at = K;
        for (size_t k = 0; k < K; k++) {
            double x = gamma[k] - pp->tol;
            if (mask[k] && x > best) { /* strict: the first maximising constraint */
                best = x;
                at = k;
            }
        }
        if (coef && at < K) coef[at] = pp->alpha;
        return pp->alpha * best;
    }
    double P = 0;
    for (size_t k = 0; k < K; k++) {
        double x = gamma[k] - pp->tol;
        if (!mask[k] || !(x > 0)) continue;
        P += pos_pow(x, pp->p);
        if (coef) coef[k] = pp->alpha * pp->p * pos_pow(x, pp->p - 1);
    }
    return pp->alpha * P;
}

double fairc_penalty_value(const fairc_moment *m, const fairc_moment_eval *ev,
                           const fairc_penalty_params *pp, double *coef)
{
    return penalty_of(m->K, ev->gamma, ev->mask, pp, coef);
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

/* ---- one batch for a training loop outside fairc (fairc.torch) ------------------------------ */

/* out (n) <- the n elements of a, of element type t (FAIRC_TYPE_*), as doubles: one loop per
 * type, so the element type is decided once per array, not once per row. */
static void typed_load(const void *a, int t, size_t n, double *out)
{
    switch (t) {
    case FAIRC_TYPE_F64: memcpy(out, a, n * sizeof *out); break;
    case FAIRC_TYPE_F32: for (size_t i = 0; i < n; i++) out[i] = ((const float *)a)[i]; break;
    case FAIRC_TYPE_I64: for (size_t i = 0; i < n; i++) out[i] = (double)((const int64_t *)a)[i]; break;
    case FAIRC_TYPE_I32: for (size_t i = 0; i < n; i++) out[i] = ((const int32_t *)a)[i]; break;
    default: for (size_t i = 0; i < n; i++) out[i] = ((const uint8_t *)a)[i]; break;
    }
}

static int typed_ok(int t)
{
    return t >= FAIRC_TYPE_F64 && t <= FAIRC_TYPE_U8;
}

int fairc_batch_args_check(int constraint, size_t n, const void *z, const void *y,
                           const void *group, size_t G, fairc_status *st)
{
    const char *kname = fairc_moment_kind_name(constraint);
    if (!kname) return fairc_fail(st, FAIRC_EINVAL, "unknown constraint %d", constraint);
    if (n == 0 || !z || !group) return fairc_fail(st, FAIRC_EINVAL, "a batch needs rows, scores and groups");
    if (G < 2 || G > 1000000) return fairc_fail(st, FAIRC_EINVAL, "the number of groups must be in 2..1000000");
    if (!y && constraint != FAIRC_CONSTRAINT_DP)
        return fairc_fail(st, FAIRC_EINVAL, "constraint %s needs the labels y", kname);
    return FAIRC_OK;
}

/* The batch penalty in one pass over the rows and one over the cells, without building a moment
 * (fairc_batch_penalty builds one per call, which costs more than the arithmetic on a batch of
 * 256): the same sums (Neumaier, row order), the same constraint order and penalty_of, so the
 * two agree to rounding. Workspace, one malloc: the accumulators (2 S), z then f, sigmoid(-z),
 * w, y, group (n doubles each), mu, scale, cc (S each), gamma, coef (K), each row's cell and
 * event (n int32 each), mask (K). */
FAIRC_API int fairc_batch_penalty_typed(int constraint, size_t n, const void *z, int z_type,
                                        const void *y, int y_type, const void *w, int w_type,
                                        const void *group, int group_type, size_t G, double alpha,
                                        double p, double tol, double momentum, double *running,
                                        int commit, double *value, void *dz, fairc_status *st)
{
    fairc_penalty_params pp = {alpha, p, tol, momentum};
    const char *bad = fairc_penalty_params_check(&pp);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    int bad_args = fairc_batch_args_check(constraint, n, z, y, group, G, st);
    if (bad_args != FAIRC_OK) return bad_args;
    if ((z_type != FAIRC_TYPE_F64 && z_type != FAIRC_TYPE_F32) || (y && !typed_ok(y_type)) ||
        (w && !typed_ok(w_type)) || !typed_ok(group_type))
        return fairc_fail(st, FAIRC_EINVAL, "unsupported element type (scores: f64 or f32; "
                          "labels, weights, groups: f64, f32, i64, i32 or u8)");
    if (momentum > 0 && !running) return fairc_fail(st, FAIRC_EINVAL, "momentum needs the running sums");
    if (!value) return fairc_fail(st, FAIRC_EINVAL, "value is required");
    size_t E = constraint == FAIRC_CONSTRAINT_EO ? 2 : 1, C = E * G, S = C + E, K = 2 * C;
    size_t row_bytes = 5 * sizeof(double) + 2 * sizeof(int32_t);
    if (n > (SIZE_MAX / 4) / row_bytes) return fairc_fail(st, FAIRC_ELIMIT, "batch too large");
    size_t bytes = n * row_bytes + 2 * S * sizeof(fairc_ksum) + (3 * S + 2 * K) * sizeof(double) + K;
    char *mem = malloc(bytes);
    if (!mem) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    fairc_ksum *acc = (fairc_ksum *)mem; /* acc[2 s] sums w v, acc[2 s + 1] sums w */
    double *f = (double *)(acc + 2 * S), *fm = f + n, *wt = fm + n, *yv = wt + n, *gv = yv + n,
           *mu = gv + n, *scale = mu + S, *cc = scale + S, *gamma = cc + S, *coef = gamma + K;
    int32_t *cell = (int32_t *)(coef + K), *event = cell + n;
    uint8_t *mask = (uint8_t *)(event + n);
    typed_load(z, z_type, n, f);
    typed_load(group, group_type, n, gv);
    if (y) typed_load(y, y_type, n, yv);
    else memset(yv, 0, n * sizeof *yv);
    if (w) typed_load(w, w_type, n, wt);
    memset(acc, 0, 2 * S * sizeof *acc);
    /* Rows: check; each row's event (-1: none) and cell; f = sigmoid(z) and fm = sigmoid(-z)
     * (df/dz = f fm without cancellation) from one exp; then the sums of w v and w per cell and
     * event (events last), in row order as fairc_moment_evaluate adds them. Unit weights sum to
     * whole numbers, exact without compensation, so the weight sums are then plain counts. */
    int rc = FAIRC_OK, err = constraint == FAIRC_CONSTRAINT_ERROR_RATE;
    for (size_t i = 0; i < n; i++) {
        double zi = f[i], gi = gv[i], yi = yv[i], wi = w ? wt[i] : 1.0;
        if (!isfinite(zi)) {
            rc = fairc_fail(st, FAIRC_EINVAL, "row %zu: the score is not a finite number", i);
            break;
        }
        if (!(gi >= 0 && gi < (double)G && gi == (double)(int32_t)gi)) {
            rc = fairc_fail(st, FAIRC_EINVAL, "row %zu: group %.17g is not in 0..%zu", i, gi, G - 1);
            break;
        }
        if (!(yi == 0 || yi == 1)) {
            rc = fairc_fail(st, FAIRC_EINVAL, "row %zu: the label must be 0 or 1", i);
            break;
        }
        if (!(wi >= 0 && isfinite(wi))) {
            rc = fairc_fail(st, FAIRC_EINVAL, "row %zu: the weight must be a finite number >= 0", i);
            break;
        }
        int e = constraint == FAIRC_CONSTRAINT_EO    ? (int)yi
                : constraint == FAIRC_CONSTRAINT_TPR ? (yi == 1 ? 0 : -1)
                : constraint == FAIRC_CONSTRAINT_FPR ? (yi == 0 ? 0 : -1)
                                                     : 0;
        size_t se = C + (size_t)e, sc = (size_t)e * G + (size_t)gi;
        event[i] = e;
        cell[i] = e < 0 ? -1 : (int32_t)sc;
        double ez = exp(-fabs(zi)), hi = 1.0 / (1.0 + ez), lo = ez * hi;
        double fi = zi >= 0 ? hi : lo;
        f[i] = fi;
        fm[i] = zi > 0 ? lo : hi;
        if (e < 0 || wi == 0) continue;
        double wv = wi * (err ? yi + fi * (1.0 - 2.0 * yi) : fi);
        fairc_ksum_add(&acc[2 * se], wv);
        fairc_ksum_add(&acc[2 * sc], wv);
        if (w) {
            fairc_ksum_add(&acc[2 * se + 1], wi);
            fairc_ksum_add(&acc[2 * sc + 1], wi);
        } else {
            acc[2 * se + 1].s += 1.0;
            acc[2 * sc + 1].s += 1.0;
        }
    }
    if (rc != FAIRC_OK) {
        free(mem);
        return rc;
    }
    double *RN = momentum > 0 ? running : NULL, *RD = momentum > 0 ? running + S : NULL;
    for (size_t s = 0; s < S; s++) {
        double num = fairc_ksum_value(&acc[2 * s]), den = fairc_ksum_value(&acc[2 * s + 1]);
        double dnum = 1.0;
        if (RN) {
            num = momentum * RN[s] + (1 - momentum) * num;
            den = momentum * RD[s] + (1 - momentum) * den;
            dnum = 1 - momentum;
        }
        mu[s] = den > 0 ? num / den : 0.0;
        scale[s] = den > 0 ? dnum / den : 0.0;
    }
    /* constraint k < C is gamma(+, cell k), k >= C is gamma(-, cell k - C): the moment's order */
    for (size_t k = 0; k < K; k++) {
        size_t c = k < C ? k : k - C, e = C + c / G;
        mask[k] = scale[c] > 0 && scale[e] > 0;
        gamma[k] = !mask[k] ? 0.0 : k < C ? mu[c] - mu[e] : mu[e] - mu[c];
    }
    double P = penalty_of(K, gamma, mask, &pp, dz ? coef : NULL);
    if (dz) {
        memset(cc, 0, S * sizeof *cc);
        for (size_t k = 0; P > 0 && k < K; k++) {
            if (coef[k] == 0) continue;
            size_t c = k < C ? k : k - C, e = C + c / G;
            cc[c] += k < C ? coef[k] : -coef[k];
            cc[e] += k < C ? -coef[k] : coef[k];
        }
        for (size_t s = 0; s < S; s++) cc[s] *= scale[s];
        for (size_t i = 0; i < n; i++) {
            double d = 0.0;
            if (P > 0 && event[i] >= 0) {
                double du = err ? 1.0 - 2.0 * yv[i] : 1.0;
                double dh = (w ? wt[i] : 1.0) * du * (cc[C + (size_t)event[i]] + cc[cell[i]]);
                d = dh * f[i] * fm[i] + 0.0;
            }
            if (z_type == FAIRC_TYPE_F64) ((double *)dz)[i] = d;
            else ((float *)dz)[i] = (float)d;
        }
    }
    if (RN && commit)
        for (size_t s = 0; s < S; s++) {
            RN[s] = momentum * RN[s] + (1 - momentum) * fairc_ksum_value(&acc[2 * s]);
            RD[s] = momentum * RD[s] + (1 - momentum) * fairc_ksum_value(&acc[2 * s + 1]);
        }
    *value = P;
    free(mem);
    return FAIRC_OK;
}
