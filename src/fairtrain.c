/* fairtrain.c: the record of fairness-aware training that a model keeps (its MULT section,
 * SPEC §6 and §11): the constraint and its settings, the multipliers, each constraint's value on
 * the training rows and the violation V. Filled by penalty.c and constrained.c, saved and loaded
 * by modelfile.c, shown by `fairc train`, `fairc inspect` and `fairc audit --model`. */
#include "fairtrain.h"
#include "predictor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fairc_fair_record_free(fairc_fair_record **rp)
{
    if (!rp || !*rp) return;
    fairc_fair_record *r = *rp;
    if (r->names)
        for (size_t k = 0; k < r->K; k++) free(r->names[k]);
    free(r->names);
    free(r->lambda);
    free(r->gamma);
    free(r->run_D);
    free(r->run_soft);
    free(r->run_hard);
    free(r);
    *rp = NULL;
}

int fairc_fair_record_init(fairc_fair_record *r, const fairc_moment *m, size_t n_running,
                           fairc_status *st)
{
    memset(r, 0, sizeof *r);
    r->constraint = m->kind;
    r->eps = m->eps;
    r->r = m->r;
    r->violation = r->violation_soft = r->disparity = NAN;
    size_t K = m->K;
    r->names = calloc(K ? K : 1, sizeof *r->names);
    r->lambda = calloc(K ? K : 1, sizeof *r->lambda);
    r->gamma = calloc(K ? K : 1, sizeof *r->gamma);
    if (!r->names || !r->lambda || !r->gamma) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    r->K = K;
    for (size_t k = 0; k < K; k++)
        if (!(r->names[k] = strdup(m->names[k]))) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (n_running) {
        r->run_D = calloc(n_running, sizeof *r->run_D);
        r->run_soft = calloc(n_running, sizeof *r->run_soft);
        r->run_hard = calloc(n_running, sizeof *r->run_hard);
        if (!r->run_D || !r->run_soft || !r->run_hard)
            return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        r->n_running = n_running;
    }
    return FAIRC_OK;
}

int fairc_fair_record_evaluate(fairc_fair_record *r, const fairc_moment *m, const double *z,
                               fairc_status *st)
{
    size_t N = m->N;
    double *h = malloc((N ? N : 1) * sizeof *h);
    fairc_moment_eval ev;
    int rc = h ? fairc_moment_eval_new(m, &ev, st) : fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (rc != FAIRC_OK) {
        free(h);
        return rc;
    }
    for (size_t i = 0; i < N; i++) h[i] = fairc_sigmoid(z[i]);
    fairc_moment_evaluate(m, &ev, NULL, N, h, NULL, NULL, 0);
    r->violation_soft = fairc_moment_violation(m, &ev);
    for (size_t i = 0; i < N; i++) h[i] = z[i] > 0;
    fairc_moment_evaluate(m, &ev, NULL, N, h, NULL, NULL, 0);
    r->violation = fairc_moment_violation(m, &ev);
    r->disparity = fairc_moment_disparity(m, &ev);
    for (size_t k = 0; k < m->K && k < r->K; k++) r->gamma[k] = ev.gamma[k];
    fairc_moment_eval_free(&ev);
    free(h);
    return FAIRC_OK;
}

FAIRC_API size_t fairc_predictor_n_constraints(const fairc_predictor *p)
{
    return p && p->fair ? p->fair->K : 0;
}

FAIRC_API int fairc_predictor_constraint(const fairc_predictor *p, size_t k, const char **name,
                                         double *lambda, double *gamma, fairc_status *st)
{
    if (!p || !p->fair || k >= p->fair->K)
        return fairc_fail(st, FAIRC_EINVAL, "constraint %zu: the model has %zu", k,
                          fairc_predictor_n_constraints(p));
    if (name) *name = p->fair->names[k];
    if (lambda) *lambda = p->fair->lambda[k];
    if (gamma) *gamma = p->fair->gamma[k];
    return FAIRC_OK;
}
