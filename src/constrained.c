/* constrained.c: fairc's own mitigation (SPEC §6): the user bounds a moment (gamma_k <= eps)
 * instead of weighting a penalty. Training runs the batch Lagrangian
 *     L = loss_B(theta) + sum_k lambda_k (gammaS_k(theta) - eps),   lambda >= 0,
 * with gammaS the soft surrogate of each rate on the mini-batch (sigmoid outputs; cells absent
 * from the batch add 0): every batch, the model's optimiser (Adam) steps on grad_theta L, then
 * each multiplier takes a projected ascent step on the batch's violation measured with hard
 * decisions 1[z > 0] (the bound is on the metric users audit), capped at lambda_max, and the
 * pair of each cell is projected (SPEC §4.1). Both steps use the batch's scores before the
 * primal step. With --momentum the dual signal is the running sums of SPEC §5.3 (the primal
 * step keeps the batch's own gammaS, so lambda keeps its meaning): with a few rows of a group
 * per batch, the clip at 0 before the projection turns the noise of the batch gaps into a bias
 * (the opposite constraint's E[(gamma - eps)+] is subtracted), and the gaps settle above eps.
 * After each epoch the whole training set is evaluated, so that the epoch with the lowest error
 * among those meeting the bound (else the smallest violation) can be kept.
 * Not here: the moment's algebra (moment.c), the optimiser (mlp.c, optim.c). */
#include "fairtrain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fairc_constrained_params_init(fairc_constrained_params *cp)
{
    cp->eta = 0.05;
    cp->lambda_max = 100;
    cp->dual_signal = FAIRC_DUAL_HARD;
    cp->select = FAIRC_SELECT_BEST;
    cp->momentum = 0;
}

const char *fairc_constrained_params_check(const fairc_constrained_params *cp)
{
    if (!(cp->eta > 0) || !isfinite(cp->eta)) return "the dual step size must be a finite number > 0";
    if (!(cp->lambda_max > 0) || !isfinite(cp->lambda_max)) return "lambda_max must be a finite number > 0";
    if (cp->dual_signal != FAIRC_DUAL_HARD && cp->dual_signal != FAIRC_DUAL_SOFT) return "the dual signal must be hard or soft";
    if (cp->select != FAIRC_SELECT_BEST && cp->select != FAIRC_SELECT_LAST) return "select must be best or last";
    if (!(cp->momentum >= 0 && cp->momentum < 1)) return "momentum must be in [0, 1)";
    return NULL;
}

typedef struct lagrangian {
    const fairc_moment *mom;
    fairc_constrained_params cp;
    fairc_moment_eval evs;         /* the batch's soft gamma, for the primal step */
    fairc_moment_eval evd;         /* the dual signal (hard, or soft with running sums) */
    double *lambda, *coef;         /* (K) */
    double *f, *hard, *dh;         /* (batch) */
    double *RN, *RD;               /* (C + E) the dual signal's running sums, with momentum */
    uint64_t steps, nonfinite;
    /* selection over epochs */
    const fairc_mlp *m;
    const fairc_xy *d;
    int threads;
    double *z_all, *h_all;         /* (N) */
    fairc_moment_eval evall;
    double *best_params, *best_lambda;
    int have_best, best_feasible;
    double best_err, best_V;
    size_t best_epoch;
    uint64_t best_steps;
    fairc_status *st;
} lagrangian;

static int lagrangian_batch_hook(void *user, const size_t *rows, size_t nb, const double *z,
                                 double *dz)
{
    lagrangian *L = user;
    const fairc_moment *mom = L->mom;
    double beta = L->cp.momentum;
    int run = beta > 0;
    /* primal: dz += d(lambda . gammaS)/dz, gammaS on the batch alone */
    for (size_t r = 0; r < nb; r++) L->f[r] = fairc_sigmoid(z[r]);
    fairc_moment_evaluate(mom, &L->evs, rows, nb, L->f, NULL, NULL, 0);
    int any = 0;
    for (size_t k = 0; k < mom->K; k++) {
        L->coef[k] = L->evs.mask[k] ? L->lambda[k] : 0;
        any |= L->coef[k] != 0;
    }
    if (any) {
        fairc_moment_backward(mom, &L->evs, L->coef, rows, nb, L->dh);
        for (size_t r = 0; r < nb; r++)
            if (L->dh[r] != 0) dz[r] += L->dh[r] * L->f[r] * fairc_sigmoid(-z[r]);
    }
    /* dual: projected ascent on the violations of the same batch (with momentum, of the
     * running sums, whose noise is smaller; see the top of this file) */
    const fairc_moment_eval *sig = &L->evs;
    int hard = L->cp.dual_signal == FAIRC_DUAL_HARD;
    if (hard)
        for (size_t r = 0; r < nb; r++) L->hard[r] = z[r] > 0;
    if (hard || run) {
        fairc_moment_evaluate(mom, &L->evd, rows, nb, hard ? L->hard : L->f, run ? L->RN : NULL,
                              run ? L->RD : NULL, beta);
        sig = &L->evd;
    }
    for (size_t k = 0; k < mom->K; k++) {
        if (!sig->mask[k]) continue; /* absent cells keep their multiplier */
        double l = L->lambda[k] + L->cp.eta * (sig->gamma[k] - mom->eps);
        L->lambda[k] = fmin(L->cp.lambda_max, fmax(0.0, l));
    }
    fairc_moment_project(mom, L->lambda);
    if (run) fairc_moment_running_update(mom, &L->evd, L->RN, L->RD, beta);
    L->steps++;
    int finite = 1;
    for (size_t r = 0; r < nb && finite; r++) finite = isfinite(z[r]) && isfinite(dz[r]);
    if (!finite) L->nonfinite++;
    return FAIRC_OK;
}

/* After each epoch (select best): error and V on every training row, hard decisions. */
static int lagrangian_epoch_hook(void *user, size_t epoch, const double *params)
{
    lagrangian *L = user;
    const fairc_moment *mom = L->mom;
    size_t N = L->d->N;
    int rc = fairc_mlp_predict(L->m, params, L->d->X, N, L->z_all, NULL, L->threads, L->st);
    if (rc != FAIRC_OK) return rc;
    for (size_t i = 0; i < N; i++) L->h_all[i] = L->z_all[i] > 0;
    fairc_moment_evaluate(mom, &L->evall, NULL, N, L->h_all, NULL, NULL, 0);
    double V = fairc_moment_violation(mom, &L->evall);
    double err = fairc_error_rate(N, L->d->y, L->d->w, L->h_all, 1, 1);
    int feasible = V <= 0, take;
    if (!L->have_best) take = 1;
    else if (feasible) take = !L->best_feasible || err <= L->best_err; /* ties: the later */
    else take = !L->best_feasible && V <= L->best_V;
    if (take) {
        memcpy(L->best_params, params, L->m->count * sizeof *params);
        memcpy(L->best_lambda, L->lambda, (mom->K ? mom->K : 1) * sizeof *L->lambda);
        L->have_best = 1;
        L->best_feasible = feasible;
        L->best_err = err;
        L->best_V = V;
        L->best_epoch = epoch + 1;
        L->best_steps = L->steps;
    }
    return FAIRC_OK;
}

static void lagrangian_free(lagrangian *L)
{
    fairc_moment_eval_free(&L->evs);
    fairc_moment_eval_free(&L->evd);
    fairc_moment_eval_free(&L->evall);
    free(L->lambda);
    free(L->coef);
    free(L->f);
    free(L->hard);
    free(L->dh);
    free(L->RN);
    free(L->RD);
    free(L->z_all);
    free(L->h_all);
    free(L->best_params);
    free(L->best_lambda);
}

int fairc_constrained_fit(const fairc_mlp *m, fairc_mlp_state *s, const fairc_xy *d,
                          const fairc_moment *mom, const fairc_constrained_params *cp,
                          const fairc_mlp_train_params *tp_in, int threads, fairc_fair_record *rec,
                          fairc_fair_fit_info *info, fairc_status *st)
{
    memset(info, 0, sizeof *info);
    const char *bad = fairc_constrained_params_check(cp);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    if (d->N != mom->N) return fairc_fail(st, FAIRC_EINVAL, "the moment and the data differ in rows");
    size_t N = d->N, bs = tp_in->batch_size < N ? tp_in->batch_size : N, K = mom->K ? mom->K : 1;
    size_t S = mom->C + mom->E;
    int run = cp->momentum > 0, best = cp->select == FAIRC_SELECT_BEST;
    lagrangian L;
    memset(&L, 0, sizeof L);
    L.mom = mom;
    L.cp = *cp;
    L.m = m;
    L.d = d;
    L.threads = threads;
    L.st = st;
    int rc = fairc_moment_eval_new(mom, &L.evs, st);
    if (rc == FAIRC_OK) rc = fairc_moment_eval_new(mom, &L.evd, st);
    if (rc == FAIRC_OK) rc = fairc_moment_eval_new(mom, &L.evall, st);
    if (rc == FAIRC_OK) {
        L.lambda = calloc(K, sizeof *L.lambda);
        L.coef = calloc(K, sizeof *L.coef);
        L.f = malloc(bs * sizeof *L.f);
        L.hard = malloc(bs * sizeof *L.hard);
        L.dh = malloc(bs * sizeof *L.dh);
        L.z_all = malloc(N * sizeof *L.z_all);
        L.h_all = malloc(N * sizeof *L.h_all);
        L.best_lambda = calloc(K, sizeof *L.best_lambda);
        L.best_params = best ? malloc(m->count * sizeof *L.best_params) : NULL;
        if (run) {
            L.RN = calloc(S, sizeof *L.RN);
            L.RD = calloc(S, sizeof *L.RD);
        }
        if (!L.lambda || !L.coef || !L.f || !L.hard || !L.dh || !L.z_all || !L.h_all ||
            !L.best_lambda || (best && !L.best_params) || (run && (!L.RN || !L.RD)))
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory for constrained training");
    }
    if (rc == FAIRC_OK) rc = fairc_fair_record_init(rec, mom, run ? S : 0, st);
    if (rc == FAIRC_OK) {
        fairc_mlp_train_params tp = *tp_in;
        tp.batch_hook = lagrangian_batch_hook;
        tp.batch_user = &L;
        tp.epoch_hook = best ? lagrangian_epoch_hook : NULL;
        tp.epoch_user = &L;
        rc = fairc_mlp_train(m, s, d, &tp, &info->train, st);
    }
    if (rc == FAIRC_OK) {
        rec->mitigate = FAIRC_MITIGATE_CONSTRAINED;
        rec->eta = cp->eta;
        rec->lambda_max = cp->lambda_max;
        rec->dual_signal = cp->dual_signal;
        rec->select = cp->select;
        rec->momentum = cp->momentum;
        if (best && L.have_best) {
            memcpy(s->params, L.best_params, m->count * sizeof *s->params);
            memcpy(rec->lambda, L.best_lambda, mom->K * sizeof *rec->lambda);
            rec->steps = L.best_steps;
            rec->selected_epoch = L.best_epoch;
        } else {
            memcpy(rec->lambda, L.lambda, mom->K * sizeof *rec->lambda);
            rec->steps = L.steps;
            rec->selected_epoch = info->train.epochs;
        }
        for (size_t k = 0; run && k < S; k++) {
            rec->run_D[k] = L.RD[k];
            if (cp->dual_signal == FAIRC_DUAL_HARD) rec->run_hard[k] = L.RN[k];
            else rec->run_soft[k] = L.RN[k];
        }
        info->nonfinite_batches = L.nonfinite;
        rc = fairc_mlp_predict(m, s->params, d->X, N, L.z_all, NULL, threads, st);
    }
    if (rc == FAIRC_OK) rc = fairc_fair_record_evaluate(rec, mom, L.z_all, st);
    lagrangian_free(&L);
    return rc;
}
