/* reduction.c: the pieces ExponentiatedGradient and GridSearch share (reduction.h): the problem
 * (objective + constraints as err, gamma and signed weights), the oracle (a learner fitted on
 * targets 1[s_i > 0] and weights |s_i|, warm-started, with a cache of every result), the record
 * kept in a predictor's `diag` section, and the entry point that train.c calls. Not here: the
 * two algorithms' loops (expgrad.c, gridsearch.c). */
#include "reduction.h"
#include "predictor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ------------------------------------------------------------------------------------------ */
/* Problem                                                                                     */

int fairc_red_problem_classify(fairc_red_problem *p, const fairc_moment *m, double c_fp,
                               double c_fn, fairc_status *st)
{
    memset(p, 0, sizeof *p);
    p->N = m->N;
    p->K = m->K;
    p->y = m->y;
    p->w = m->w;
    p->mom = m;
    p->c_fp = c_fp;
    p->c_fn = c_fn;
    p->names = (const char *const *)m->names;
    p->s_obj = malloc((p->N ? p->N : 1) * sizeof *p->s_obj);
    p->bound = malloc((p->K ? p->K : 1) * sizeof *p->bound);
    if (!p->s_obj || !p->bound) {
        fairc_red_problem_clear(p);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    fairc_error_rate_signed_weights(p->N, p->y, p->w, c_fp, c_fn, p->s_obj);
    for (size_t k = 0; k < p->K; k++) p->bound[k] = m->eps;
    return FAIRC_OK;
}

int fairc_red_problem_regress(fairc_red_problem *p, const fairc_bgl *b, fairc_status *st)
{
    memset(p, 0, sizeof *p);
    p->regression = 1;
    p->N = b->N;
    p->K = b->K;
    p->y = b->y;
    p->w = b->w;
    p->bgl = b;
    p->names = (const char *const *)b->names;
    p->s_obj = malloc((p->N ? p->N : 1) * sizeof *p->s_obj);
    p->bound = malloc((p->K ? p->K : 1) * sizeof *p->bound);
    if (!p->s_obj || !p->bound) {
        fairc_red_problem_clear(p);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    /* MeanLoss: s_i^obj = wt_i = n w_i / W */
    double scale = (double)p->N / b->W;
    for (size_t i = 0; i < p->N; i++) p->s_obj[i] = scale * (p->w ? p->w[i] : 1.0);
    for (size_t k = 0; k < p->K; k++) p->bound[k] = isnan(b->zeta) ? 0.0 : b->zeta;
    return FAIRC_OK;
}

void fairc_red_problem_clear(fairc_red_problem *p)
{
    free(p->s_obj);
    free(p->bound);
    memset(p, 0, sizeof *p);
}

int fairc_red_work_new(const fairc_red_problem *p, fairc_red_work *w, fairc_status *st)
{
    memset(w, 0, sizeof *w);
    if (!p->mom) return FAIRC_OK;
    int rc = fairc_moment_eval_new(p->mom, &w->ev, st);
    w->has_ev = rc == FAIRC_OK;
    return rc;
}

void fairc_red_work_free(fairc_red_work *w)
{
    if (w->has_ev) fairc_moment_eval_free(&w->ev);
    memset(w, 0, sizeof *w);
}

void fairc_red_signed_weights(const fairc_red_problem *p, fairc_red_work *w, const double *lambda,
                              int with_obj, double *s)
{
    if (p->regression) fairc_bgl_signed_weights(p->bgl, lambda, s);
    else fairc_moment_signed_weights(p->mom, &w->ev, lambda, s);
    if (with_obj)
        for (size_t i = 0; i < p->N; i++) s[i] += p->s_obj[i];
}

void fairc_red_evaluate(const fairc_red_problem *p, fairc_red_work *w, const double *h,
                        double *err, double *gamma)
{
    if (p->regression) {
        fairc_bgl_evaluate(p->bgl, h, err, gamma);
        return;
    }
    *err = fairc_error_rate(p->N, p->y, p->w, h, p->c_fp, p->c_fn);
    fairc_moment_evaluate(p->mom, &w->ev, NULL, p->N, h, NULL, NULL, 0);
    memcpy(gamma, w->ev.gamma, p->K * sizeof *gamma);
}

void fairc_red_project(const fairc_red_problem *p, double *lambda)
{
    if (!p->regression) fairc_moment_project(p->mom, lambda);
}

/* ------------------------------------------------------------------------------------------ */
/* Learners                                                                                    */

int fairc_red_learner_fit(const fairc_red_learner *L, const fairc_xy *d, double *params, int warm,
                          uint64_t call, int threads, fairc_status *st)
{
    int have;
    return fairc_red_learner_fit_out(L, d, params, warm, NULL, call, threads, NULL, &have, st);
}

int fairc_red_learner_fit_out(const fairc_red_learner *L, const fairc_xy *d, double *params,
                              int warm, const double *alt, uint64_t call, int threads, double *out,
                              int *have_out, fairc_status *st)
{
    *have_out = 0;
    switch (L->kind) {
    case FAIRC_LEARNER_LOGISTIC: {
        if (L->lr && L->lr->N == d->N && L->lr->D == d->D && L->logistic.fit_intercept &&
            isfinite(L->logistic.C)) {
            /* params may be one of the starts: copy them first */
            size_t n = d->D + 1;
            double *mem = warm ? malloc(n * sizeof *mem) : NULL;
            if (warm && !mem) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            const double *starts[1];
            size_t n_starts = 0;
            /* The model of the nearest multipliers when there is one (the last model is one of
             * the candidates it was chosen from, so it is no nearer), else the last model. */
            if (warm) {
                memcpy(mem, alt ? alt : params, n * sizeof *mem);
                starts[n_starts++] = mem;
            }
            int rc = fairc_red_lr_fit_from(L->lr, d->y, d->w, L->logistic.C, L->logistic.tol,
                                           starts, n_starts, threads, params, out, NULL, st);
            free(mem);
            if (rc == FAIRC_OK && out) {
                /* decisions 1[z > 0], as fairc_red_learner_predict gives them */
                for (size_t i = 0; i < d->N; i++) out[i] = out[i] > 0 ? 1.0 : 0.0;
                *have_out = 1;
            }
            return rc;
        }
        fairc_logistic_params lp = L->logistic;
        lp.warm_start = warm;
        lp.threads = threads;
        lp.progress = NULL;
        return fairc_logistic_fit(d, &lp, params, NULL, st);
    }
    case FAIRC_LEARNER_LINEAR: {
        fairc_linreg_params lp = L->linreg;
        lp.threads = threads;
        return fairc_linreg_fit(d, &lp, params, st);
    }
    case FAIRC_LEARNER_MLP: {
        fairc_mlp_state s;
        int rc = fairc_mlp_state_new(&s, &L->mlp, st);
        if (rc != FAIRC_OK) return rc;
        fairc_mlp_train_params tp = L->train;
        char init[48], shuffle[48];
        snprintf(init, sizeof init, "oracle/%llu/init", (unsigned long long)call);
        snprintf(shuffle, sizeof shuffle, "oracle/%llu/shuffle", (unsigned long long)call);
        tp.init_purpose = init;
        tp.shuffle_purpose = shuffle;
        tp.progress = NULL;
        tp.batch_hook = NULL;
        tp.epoch_hook = NULL;
        if (warm) {
            memcpy(s.params, params, L->mlp.count * sizeof *params);
            tp.start = FAIRC_START_WARM;
            tp.epochs = L->warm_epochs;
        } else {
            tp.start = FAIRC_START_INIT;
        }
        rc = fairc_mlp_train(&L->mlp, &s, d, &tp, NULL, st);
        if (rc == FAIRC_OK) memcpy(params, s.params, L->mlp.count * sizeof *params);
        fairc_mlp_state_free(&s);
        return rc;
    }
    case 0:
        return L->cb.fit(L->cb.user, d, params, warm, st);
    default:
        return fairc_fail(st, FAIRC_EINVAL, "unknown learner %d", L->kind);
    }
}

void fairc_red_learner_predict(const fairc_red_learner *L, const double *params, const float *X,
                               size_t N, int regression, double *out)
{
    if (L->kind == 0) {
        L->cb.predict(L->cb.user, params, X, N, out);
        return;
    }
    if (L->mlp.n_hidden == 0) {
        fairc_linear_predict(params, X, N, L->mlp.D, out, NULL, L->threads);
    } else if (fairc_mlp_predict(&L->mlp, params, X, N, out, NULL, L->threads, NULL) != FAIRC_OK) {
        for (size_t i = 0; i < N; i++) out[i] = NAN;
    }
    if (!regression)
        for (size_t i = 0; i < N; i++) out[i] = out[i] > 0 ? 1.0 : 0.0;
}

/* ------------------------------------------------------------------------------------------ */
/* Oracle                                                                                      */

int fairc_oracle_init(fairc_oracle *o, const fairc_red_problem *prob, const fairc_xy *data,
                      const fairc_red_learner *L, int normalise, fairc_status *st)
{
    memset(o, 0, sizeof *o);
    o->prob = prob;
    o->data = data;
    o->L = *L;
    o->n_params = L->kind == 0 ? L->cb.n_params : L->mlp.count;
    o->warm_start = 1;
    o->use_cache = 1;
    o->normalise = normalise;
    size_t N = prob->N ? prob->N : 1;
    o->s = malloc(N * sizeof *o->s);
    o->target = malloc(N * sizeof *o->target);
    o->weight = malloc(N * sizeof *o->weight);
    o->out = malloc(N * sizeof *o->out);
    o->last_params = calloc(o->n_params ? o->n_params : 1, sizeof *o->last_params);
    if (!o->s || !o->target || !o->weight || !o->out || !o->last_params) {
        fairc_oracle_free(o);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    int rc = fairc_red_work_new(prob, &o->work, st);
    if (rc == FAIRC_OK && L->kind == FAIRC_LEARNER_LOGISTIC && !L->lr && data->D <= FAIRC_RED_LR_MAX_D) {
        rc = fairc_red_lr_new(data->X, data->N, data->D, &o->lr, st);
        o->L.lr = o->lr;
    }
    if (rc != FAIRC_OK) fairc_oracle_free(o);
    return rc;
}

static void fit_clear(fairc_red_fit *f)
{
    free(f->params);
    free(f->gamma);
    free(f->lambda);
    memset(f, 0, sizeof *f);
}

void fairc_oracle_free(fairc_oracle *o)
{
    for (size_t k = 0; k < o->n_fits; k++) fit_clear(&o->fits[k]);
    free(o->fits);
    free(o->s);
    free(o->target);
    free(o->weight);
    free(o->out);
    free(o->last_params);
    fairc_red_work_free(&o->work);
    fairc_red_lr_free(&o->lr);
    memset(o, 0, sizeof *o);
}

int fairc_oracle_predict(const fairc_oracle *o, const fairc_red_fit *f, const float *X, size_t N,
                         double *out, fairc_status *st)
{
    (void)st;
    if (f->constant) {
        for (size_t i = 0; i < N; i++) out[i] = f->value;
        return FAIRC_OK;
    }
    fairc_red_learner_predict(&o->L, f->params, X, N, o->prob->regression, out);
    return FAIRC_OK;
}

/* Targets and learner weights from the signed weights s (SPEC §7.1 step 1, §8.3). Returns 1 and
 * sets *value when every row of positive weight has the same target (a constant predictor). */
static int make_targets(const fairc_red_problem *p, const double *s, int normalise, double *target,
                        double *weight, double *value)
{
    size_t N = p->N;
    fairc_ksum tot = {0, 0};
    for (size_t i = 0; i < N; i++) {
        target[i] = p->regression ? p->y[i] : (s[i] > 0 ? 1.0 : 0.0);
        weight[i] = p->regression && !normalise ? s[i] : fabs(s[i]);
        fairc_ksum_add(&tot, fabs(s[i]));
    }
    double total = fairc_ksum_value(&tot);
    if (normalise && total > 0) {
        double scale = (double)N / total;
        for (size_t i = 0; i < N; i++) weight[i] *= scale;
    }
    /* constant targets over the rows that count */
    int seen = 0;
    double first = 0;
    for (size_t i = 0; i < N; i++) {
        if (!(weight[i] > 0)) continue;
        if (!seen) {
            seen = 1;
            first = target[i];
        } else if (target[i] != first) {
            return 0;
        }
    }
    if (!seen) {
        /* no row has weight: predict the objective's best constant (majority / weighted mean) */
        fairc_ksum a = {0, 0}, W = {0, 0};
        for (size_t i = 0; i < N; i++) {
            double wi = p->w ? p->w[i] : 1.0;
            fairc_ksum_add(&a, wi * p->y[i]);
            fairc_ksum_add(&W, wi);
        }
        double mean = fairc_ksum_value(&a) / fairc_ksum_value(&W);
        *value = p->regression ? mean : (mean > 0.5 ? 1.0 : 0.0);
        return 1;
    }
    *value = first;
    return 1;
}

/* The convex learner's warm start: the model of the stored fit whose multipliers are nearest
 * lambda (squared distance; ties: the later fit), else the last model. EG asks for lambda_t and
 * for eval_gap's m lbar, m up to 10, in turn; starting each from its neighbour rather than from
 * the previous call halves the Newton steps on Adult. The optimum does not depend on it. */
static const double *nearest_params(const fairc_oracle *o, const double *lambda)
{
    const double *best = NULL;
    double best_d = INFINITY;
    for (size_t k = 0; k < o->n_fits; k++) {
        const fairc_red_fit *f = &o->fits[k];
        if (f->constant || !f->params) continue;
        double d = 0;
        for (size_t j = 0; j < o->prob->K; j++) d += (f->lambda[j] - lambda[j]) * (f->lambda[j] - lambda[j]);
        if (d <= best_d) best_d = d, best = f->params;
    }
    return best;
}

int fairc_oracle_call(fairc_oracle *o, const double *lambda, size_t *index, double *h,
                      fairc_status *st)
{
    const fairc_red_problem *p = o->prob;
    size_t K = p->K, N = p->N;
    if (o->use_cache) {
        for (size_t k = 0; k < o->n_fits; k++) {
            if (memcmp(o->fits[k].lambda, lambda, K * sizeof *lambda) != 0) continue;
            o->cache_hits++;
            *index = k;
            return h ? fairc_oracle_predict(o, &o->fits[k], o->data->X, N, h, st) : FAIRC_OK;
        }
    }
    if (o->n_fits == o->cap_fits) {
        size_t cap = o->cap_fits ? 2 * o->cap_fits : 64;
        fairc_red_fit *nf = realloc(o->fits, cap * sizeof *nf);
        if (!nf) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        o->fits = nf;
        o->cap_fits = cap;
    }
    fairc_red_fit f;
    memset(&f, 0, sizeof f);
    f.call = o->calls++;
    f.gamma = malloc((K ? K : 1) * sizeof *f.gamma);
    f.lambda = malloc((K ? K : 1) * sizeof *f.lambda);
    if (!f.gamma || !f.lambda) {
        fit_clear(&f);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    memcpy(f.lambda, lambda, K * sizeof *lambda);
    fairc_red_signed_weights(p, &o->work, lambda, 1, o->s);
    int rc = FAIRC_OK, have_out = 0;
    if (make_targets(p, o->s, o->normalise, o->target, o->weight, &f.value)) {
        f.constant = 1;
        o->dummy_calls++;
    } else {
        f.params = malloc((o->n_params ? o->n_params : 1) * sizeof *f.params);
        if (!f.params) {
            fit_clear(&f);
            return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        }
        f.warm = o->warm_start && o->have_last;
        /* the logistic learner also tries the model of the nearest multipliers */
        const double *alt = f.warm && o->L.kind == FAIRC_LEARNER_LOGISTIC ? nearest_params(o, lambda) : NULL;
        if (f.warm) memcpy(f.params, o->last_params, o->n_params * sizeof *f.params);
        else memset(f.params, 0, o->n_params * sizeof *f.params);
        fairc_xy d = {N, o->data->D, o->data->X, o->target, o->weight};
        double t0 = now_s();
        rc = fairc_red_learner_fit_out(&o->L, &d, f.params, f.warm, alt, f.call, o->L.threads,
                                       o->out, &have_out, st);
        o->fit_seconds += now_s() - t0;
        o->learner_fits++;
        if (rc != FAIRC_OK) {
            fit_clear(&f);
            return rc;
        }
        for (size_t j = 0; j < o->n_params; j++)
            if (!isfinite(f.params[j])) {
                fit_clear(&f);
                return fairc_fail(st, FAIRC_EINVAL, "oracle call %llu: the learner returned a "
                                  "parameter that is not finite",
                                  (unsigned long long)o->calls);
            }
        memcpy(o->last_params, f.params, o->n_params * sizeof *f.params);
        o->have_last = 1;
    }
    if (!have_out) fairc_oracle_predict(o, &f, o->data->X, N, o->out, st);
    fairc_red_evaluate(p, &o->work, o->out, &f.err, f.gamma);
    if (h) memcpy(h, o->out, N * sizeof *h);
    o->fits[o->n_fits] = f;
    *index = o->n_fits++;
    return FAIRC_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* The record (`diag` section)                                                                 */
/*
 * Payload, little-endian, f64 finite everywhere:
 *   u8 method (1 expgrad, 2 gridsearch) | u8 constraint (1..5 moments, 6 bounded group loss) |
 *   u8 deterministic (0/1) | f64 bound (eps or zeta; -1: none) | f64 B (0 for GridSearch) |
 *   f64 nu | u64 iterations | u64 best_iter | f64 best_gap |
 *   u64 oracle calls | u64 learner fits | u64 constant answers | u64 cache hits |
 *   u64 K, K x str name (u32 length <= 65,536 + UTF-8 bytes, no NUL) |
 *   u64 J, J x (f64 err | f64 weight in [0, 1] | u64 node index or 2^64 - 1 | K x f64 gamma |
 *              K x f64 lambda) |
 *   u64 T, T x (f64 gap | K x f64 lambda_t)
 */

#define RED_MAX_K 10000000u
#define RED_MAX_STRING 65536u

void fairc_red_record_free(fairc_red_record **rp)
{
    if (!rp || !*rp) return;
    fairc_red_record *r = *rp;
    if (r->names)
        for (size_t k = 0; k < r->K; k++) free(r->names[k]);
    free(r->names);
    free(r->err);
    free(r->gamma);
    free(r->lambda);
    free(r->weight);
    free(r->node);
    free(r->gap);
    free(r->iter_lambda);
    free(r);
    *rp = NULL;
}

static void put_le(fairc_buf *b, uint64_t v, int n)
{
    unsigned char x[8];
    for (int k = 0; k < n; k++) x[k] = (unsigned char)(v >> (8 * k));
    fairc_buf_add(b, x, (size_t)n);
}

static void put_f64(fairc_buf *b, double v)
{
    uint64_t u;
    v = v + 0.0;
    memcpy(&u, &v, sizeof u);
    put_le(b, u, 8);
}

void fairc_red_record_write(const fairc_red_record *r, fairc_buf *b)
{
    put_le(b, (uint64_t)r->method, 1);
    put_le(b, (uint64_t)r->constraint, 1);
    put_le(b, (uint64_t)(r->deterministic != 0), 1);
    put_f64(b, isfinite(r->eps) ? r->eps : -1.0);
    put_f64(b, isfinite(r->B) ? r->B : 0.0);
    put_f64(b, isfinite(r->nu) ? r->nu : 0.0);
    put_le(b, r->iterations, 8);
    put_le(b, r->best_iter, 8);
    put_f64(b, isfinite(r->best_gap) ? r->best_gap : 0.0);
    put_le(b, r->oracle_calls, 8);
    put_le(b, r->learner_fits, 8);
    put_le(b, r->dummy_calls, 8);
    put_le(b, r->cache_hits, 8);
    put_le(b, r->K, 8);
    for (size_t k = 0; k < r->K; k++) {
        size_t n = strlen(r->names[k]);
        if (n > RED_MAX_STRING) n = RED_MAX_STRING;
        put_le(b, n, 4);
        fairc_buf_add(b, r->names[k], n);
    }
    put_le(b, r->J, 8);
    for (size_t j = 0; j < r->J; j++) {
        put_f64(b, r->err[j]);
        put_f64(b, r->weight[j]);
        put_le(b, r->node[j], 8);
        for (size_t k = 0; k < r->K; k++) put_f64(b, r->gamma[j * r->K + k]);
        for (size_t k = 0; k < r->K; k++) put_f64(b, r->lambda[j * r->K + k]);
    }
    put_le(b, r->T, 8);
    for (size_t t = 0; t < r->T; t++) {
        put_f64(b, isfinite(r->gap[t]) ? r->gap[t] : 0.0);
        for (size_t k = 0; k < r->K; k++) put_f64(b, r->iter_lambda[t * r->K + k]);
    }
}

typedef struct rcur {
    const unsigned char *p;
    size_t n, pos;
    size_t *at;
    char *msg;
    size_t n_msg;
    int code;
} rcur;

static int rfail(rcur *c, int code, const char *what)
{
    if (c->code == FAIRC_OK) {
        c->code = code;
        *c->at = c->pos;
        snprintf(c->msg, c->n_msg, "%s", what);
    }
    return code;
}

static int rget(rcur *c, int n, uint64_t *v, const char *what)
{
    if (c->code) return c->code;
    if (c->n - c->pos < (size_t)n) return rfail(c, FAIRC_EPARSE, what);
    uint64_t x = 0;
    for (int k = 0; k < n; k++) x |= (uint64_t)c->p[c->pos + (size_t)k] << (8 * k);
    c->pos += (size_t)n;
    *v = x;
    return FAIRC_OK;
}

static int rget_f64(rcur *c, double *v, const char *what)
{
    uint64_t u;
    if (rget(c, 8, &u, what) != FAIRC_OK) return c->code;
    memcpy(v, &u, sizeof *v);
    if (!isfinite(*v)) {
        c->pos -= 8;
        return rfail(c, FAIRC_EPARSE, what);
    }
    return FAIRC_OK;
}

int fairc_red_record_read(const unsigned char *p, size_t n, size_t n_nodes,
                          fairc_red_record **out, size_t *at, char *msg, size_t n_msg)
{
    *out = NULL;
    rcur c = {p, n, 0, at, msg, n_msg, FAIRC_OK};
    fairc_red_record *r = calloc(1, sizeof *r);
    if (!r) return rfail(&c, FAIRC_ENOMEM, "out of memory");
    uint64_t u = 0;
    if (rget(&c, 1, &u, "diag: truncated method") == FAIRC_OK && (u < 1 || u > 2))
        rfail(&c, FAIRC_EPARSE, "diag: unknown reduction method");
    r->method = (int)u;
    if (rget(&c, 1, &u, "diag: truncated constraint") == FAIRC_OK && (u < 1 || u > 6))
        rfail(&c, FAIRC_EPARSE, "diag: unknown constraint");
    r->constraint = (int)u;
    if (rget(&c, 1, &u, "diag: truncated flag") == FAIRC_OK && u > 1)
        rfail(&c, FAIRC_EPARSE, "diag: the deterministic flag must be 0 or 1");
    r->deterministic = (int)u;
    rget_f64(&c, &r->eps, "diag: the bound is not a finite number");
    rget_f64(&c, &r->B, "diag: B is not a finite number");
    rget_f64(&c, &r->nu, "diag: nu is not a finite number");
    rget(&c, 8, &r->iterations, "diag: truncated iterations");
    rget(&c, 8, &r->best_iter, "diag: truncated best iteration");
    rget_f64(&c, &r->best_gap, "diag: the best gap is not a finite number");
    rget(&c, 8, &r->oracle_calls, "diag: truncated counts");
    rget(&c, 8, &r->learner_fits, "diag: truncated counts");
    rget(&c, 8, &r->dummy_calls, "diag: truncated counts");
    rget(&c, 8, &r->cache_hits, "diag: truncated counts");
    uint64_t K = 0;
    if (rget(&c, 8, &K, "diag: truncated constraint count") == FAIRC_OK &&
        (K > RED_MAX_K || K > (c.n - c.pos) / 4))
        rfail(&c, K > RED_MAX_K ? FAIRC_ELIMIT : FAIRC_EPARSE, "diag: more constraints than the section holds");
    if (c.code == FAIRC_OK) {
        r->names = calloc(K ? (size_t)K : 1, sizeof *r->names);
        if (!r->names) rfail(&c, FAIRC_ENOMEM, "out of memory");
    }
    for (uint64_t k = 0; c.code == FAIRC_OK && k < K; k++) {
        uint64_t len;
        if (rget(&c, 4, &len, "diag: truncated constraint name") != FAIRC_OK) break;
        if (len > RED_MAX_STRING || len > c.n - c.pos) {
            c.pos -= 4;
            rfail(&c, FAIRC_EPARSE, "diag: a constraint name is longer than the section");
            break;
        }
        if (memchr(c.p + c.pos, 0, (size_t)len)) {
            rfail(&c, FAIRC_EPARSE, "diag: a constraint name holds a NUL byte");
            break;
        }
        r->names[k] = malloc((size_t)len + 1);
        if (!r->names[k]) {
            rfail(&c, FAIRC_ENOMEM, "out of memory");
            break;
        }
        memcpy(r->names[k], c.p + c.pos, (size_t)len);
        r->names[k][len] = 0;
        c.pos += (size_t)len;
        r->K = (size_t)k + 1;
    }
    uint64_t J = 0, T = 0;
    size_t rec = 24 + 16 * (size_t)K;
    if (c.code == FAIRC_OK && rget(&c, 8, &J, "diag: truncated candidate count") == FAIRC_OK &&
        J > (c.n - c.pos) / rec)
        rfail(&c, FAIRC_EPARSE, "diag: more candidates than the section holds");
    if (c.code == FAIRC_OK) {
        size_t Jc = J ? (size_t)J : 1, Kc = K ? (size_t)K : 1;
        r->err = malloc(Jc * sizeof *r->err);
        r->weight = malloc(Jc * sizeof *r->weight);
        r->node = malloc(Jc * sizeof *r->node);
        r->gamma = malloc(Jc * Kc * sizeof *r->gamma);
        r->lambda = malloc(Jc * Kc * sizeof *r->lambda);
        if (!r->err || !r->weight || !r->node || !r->gamma || !r->lambda) rfail(&c, FAIRC_ENOMEM, "out of memory");
    }
    for (uint64_t j = 0; c.code == FAIRC_OK && j < J; j++) {
        rget_f64(&c, &r->err[j], "diag: a candidate's error is not a finite number");
        if (rget_f64(&c, &r->weight[j], "diag: a candidate's weight is not a finite number") == FAIRC_OK &&
            !(r->weight[j] >= 0 && r->weight[j] <= 1)) {
            c.pos -= 8;
            rfail(&c, FAIRC_EPARSE, "diag: a candidate's weight is outside [0, 1]");
        }
        if (rget(&c, 8, &r->node[j], "diag: truncated node index") == FAIRC_OK && r->node[j] != UINT64_MAX &&
            r->node[j] >= n_nodes) {
            c.pos -= 8;
            rfail(&c, FAIRC_EPARSE, "diag: a candidate's node index is out of range");
        }
        for (uint64_t k = 0; k < K; k++) rget_f64(&c, &r->gamma[j * K + k], "diag: a gamma is not a finite number");
        for (uint64_t k = 0; k < K; k++) rget_f64(&c, &r->lambda[j * K + k], "diag: a lambda is not a finite number");
        if (c.code == FAIRC_OK) r->J = (size_t)j + 1;
    }
    size_t trec = 8 + 8 * (size_t)K;
    if (c.code == FAIRC_OK && rget(&c, 8, &T, "diag: truncated iteration count") == FAIRC_OK &&
        T > (c.n - c.pos) / trec)
        rfail(&c, FAIRC_EPARSE, "diag: more iterations than the section holds");
    if (c.code == FAIRC_OK) {
        r->gap = malloc((T ? (size_t)T : 1) * sizeof *r->gap);
        r->iter_lambda = malloc((T ? (size_t)T : 1) * (K ? (size_t)K : 1) * sizeof *r->iter_lambda);
        if (!r->gap || !r->iter_lambda) rfail(&c, FAIRC_ENOMEM, "out of memory");
    }
    for (uint64_t t = 0; c.code == FAIRC_OK && t < T; t++) {
        rget_f64(&c, &r->gap[t], "diag: a gap is not a finite number");
        for (uint64_t k = 0; k < K; k++) rget_f64(&c, &r->iter_lambda[t * K + k], "diag: a lambda is not a finite number");
        if (c.code == FAIRC_OK) r->T = (size_t)t + 1;
    }
    if (c.code == FAIRC_OK && c.pos != c.n) rfail(&c, FAIRC_EPARSE, "diag: bytes left over at the end");
    if (c.code != FAIRC_OK) {
        fairc_red_record_free(&r);
        return c.code;
    }
    *out = r;
    return FAIRC_OK;
}

static const char *constraint_label(int c)
{
    return c == FAIRC_CONSTRAINT_BGL ? "bounded_group_loss" : fairc_moment_kind_name(c);
}

void fairc_red_record_describe(const fairc_red_record *r, int json, fairc_buf *b)
{
    const char *method = r->method == FAIRC_RED_EXPGRAD ? "expgrad" : "gridsearch";
    size_t kept = 0;
    for (size_t j = 0; j < r->J; j++) kept += r->node[j] != UINT64_MAX;
    if (json) {
        fairc_buf_printf(b, "\"reduction\": {\"method\": \"%s\", \"constraint\": \"%s\", \"bound\": ",
                         method, constraint_label(r->constraint));
        if (r->eps >= 0) fairc_buf_printf(b, "%.17g", r->eps);
        else fairc_buf_puts(b, "null");
        fairc_buf_printf(b, ", \"deterministic\": %s, \"B\": %.17g, \"nu\": %.17g, \"iterations\": %llu, "
                         "\"best_iter\": %llu, \"best_gap\": %.17g, \"oracle_calls\": %llu, "
                         "\"learner_fits\": %llu, \"constant_answers\": %llu, \"cache_hits\": %llu, "
                         "\"candidates\": [",
                         r->deterministic ? "true" : "false", r->B, r->nu,
                         (unsigned long long)r->iterations, (unsigned long long)r->best_iter,
                         r->best_gap, (unsigned long long)r->oracle_calls,
                         (unsigned long long)r->learner_fits, (unsigned long long)r->dummy_calls,
                         (unsigned long long)r->cache_hits);
        for (size_t j = 0; j < r->J; j++) {
            fairc_buf_printf(b, "%s{\"err\": %.17g, \"weight\": %.17g, \"node\": ", j ? ", " : "",
                             r->err[j], r->weight[j]);
            if (r->node[j] == UINT64_MAX) fairc_buf_puts(b, "null");
            else fairc_buf_printf(b, "%llu", (unsigned long long)r->node[j]);
            fairc_buf_puts(b, ", \"gamma\": [");
            for (size_t k = 0; k < r->K; k++) fairc_buf_printf(b, "%s%.17g", k ? ", " : "", r->gamma[j * r->K + k]);
            fairc_buf_puts(b, "], \"lambda\": [");
            for (size_t k = 0; k < r->K; k++) fairc_buf_printf(b, "%s%.17g", k ? ", " : "", r->lambda[j * r->K + k]);
            fairc_buf_puts(b, "]}");
        }
        fairc_buf_puts(b, "], \"gaps\": [");
        for (size_t t = 0; t < r->T; t++) fairc_buf_printf(b, "%s%.17g", t ? ", " : "", r->gap[t]);
        fairc_buf_puts(b, "], \"constraints\": [");
        for (size_t k = 0; k < r->K; k++) {
            fairc_buf_puts(b, k ? ", \"" : "\"");
            for (const char *s = r->names[k]; *s; s++) {
                if (*s == '"' || *s == '\\') fairc_buf_printf(b, "\\%c", *s);
                else if ((unsigned char)*s < 0x20) fairc_buf_printf(b, "\\u%04x", (unsigned)(unsigned char)*s);
                else fairc_buf_add(b, s, 1);
            }
            fairc_buf_puts(b, "\"");
        }
        fairc_buf_puts(b, "]}");
        return;
    }
    fairc_buf_printf(b, "  reduction:    %s, %s", method, constraint_label(r->constraint));
    if (r->eps >= 0) fairc_buf_printf(b, " <= %g", r->eps);
    fairc_buf_printf(b, ", %zu constraints%s\n", r->K, r->deterministic ? ", deterministic" : "");
    if (r->method == FAIRC_RED_EXPGRAD)
        fairc_buf_printf(b, "  iterations:   %llu, best %llu (gap %.6g, nu %.6g, B %g)\n",
                         (unsigned long long)r->iterations, (unsigned long long)r->best_iter,
                         r->best_gap, r->nu, r->B);
    fairc_buf_printf(b, "  oracle:       %llu calls: %llu fits, %llu constant, %llu from the cache\n",
                     (unsigned long long)r->oracle_calls, (unsigned long long)r->learner_fits,
                     (unsigned long long)r->dummy_calls, (unsigned long long)r->cache_hits);
    fairc_buf_printf(b, "  candidates:   %zu (%s), %zu saved\n", r->J,
                     r->method == FAIRC_RED_EXPGRAD ? "classifiers found" : "grid points", kept);
    size_t show = r->J < 30 ? r->J : 30;
    for (size_t j = 0; j < show; j++) {
        double mx = -INFINITY;
        for (size_t k = 0; k < r->K; k++) mx = fmax(mx, r->gamma[j * r->K + k]);
        fairc_buf_printf(b, "    %3zu  err %.6f  max gamma %+.6f  weight %.6f%s\n", j, r->err[j], mx,
                         r->weight[j], r->node[j] == UINT64_MAX ? "" : "  (saved)");
    }
    if (r->J > show) fairc_buf_printf(b, "    ... (%zu in all: --json lists them)\n", r->J);
}

/* ------------------------------------------------------------------------------------------ */
/* Entry point                                                                                 */

FAIRC_API void fairc_reduction_options_init(fairc_reduction_options *r)
{
    memset(r, 0, sizeof *r);
    r->eg_eps = 0.01;
    r->max_iter = 50;
    r->eta0 = 2.0;
    r->nu = NAN;
    r->run_lp = 1;
    r->warm_start = 1;
    r->cache = 1;
    r->cost_fp = 1;
    r->cost_fn = 1;
    r->grid_size = 10;
    r->grid_limit = 2.0;
    r->grid_order = FAIRC_GRID_ORDER_LATTICE;
    r->constraint_weight = 0.5;
    r->group_order = FAIRC_ORDER_SIZE;
    r->loss = FAIRC_BGL_LOSS_SQUARE;
    r->upper_bound = NAN;
    r->loss_min = NAN;
    r->loss_max = NAN;
}

FAIRC_API const char *fairc_reduction_options_check(const fairc_reduction_options *r)
{
    if (!(r->eg_eps > 0) || !isfinite(r->eg_eps)) return "eg_eps (--eg-eps) must be a finite number > 0";
    if (r->max_iter < 1 || r->max_iter > 100000) return "max_iter (--max-iter) must be in 1..100000";
    if (!(r->eta0 > 0) || !isfinite(r->eta0)) return "eta0 (--eta0) must be a finite number > 0";
    if (!isnan(r->nu) && !(r->nu >= 0 && isfinite(r->nu))) return "nu (--nu) must be a finite number >= 0";
    if (!(r->cost_fp >= 0) || !(r->cost_fn >= 0) || !isfinite(r->cost_fp) || !isfinite(r->cost_fn) ||
        (r->cost_fp == 0 && r->cost_fn == 0))
        return "the costs must be finite numbers >= 0, not both 0";
    if (r->grid_size < 1 || r->grid_size > 1000000) return "the grid size (--grid-size) must be in 1..1000000";
    if (!(r->grid_limit > 0) || !isfinite(r->grid_limit)) return "the grid limit (--grid-limit) must be a finite number > 0";
    if (r->grid_order != FAIRC_GRID_ORDER_LATTICE && r->grid_order != FAIRC_GRID_ORDER_NORM)
        return "the grid order must be lattice or norm";
    if (r->n_grid_offset && !r->grid_offset) return "grid_offset is NULL with n_grid_offset > 0";
    for (size_t k = 0; k < r->n_grid_offset; k++)
        if (!isfinite(r->grid_offset[k])) return "the grid offset must be finite numbers";
    if (!(r->constraint_weight >= 0 && r->constraint_weight <= 1)) return "the constraint weight must be in [0, 1]";
    if (r->group_order != FAIRC_ORDER_SORTED && r->group_order != FAIRC_ORDER_APPEARANCE &&
        r->group_order != FAIRC_ORDER_SIZE)
        return "the group order must be size, sorted or appearance";
    if (!fairc_bgl_loss_name(r->loss)) return "the loss must be square, absolute or zero_one";
    if (!isnan(r->upper_bound) && !(r->upper_bound >= 0 && isfinite(r->upper_bound)))
        return "the upper bound (--upper-bound) must be a finite number >= 0";
    if (isnan(r->loss_min) != isnan(r->loss_max)) return "give both ends of the loss's clip range, or neither";
    if (!isnan(r->loss_min) && !(isfinite(r->loss_min) && isfinite(r->loss_max) && r->loss_min < r->loss_max))
        return "the loss's clip range must be finite with min < max";
    return NULL;
}

const char *fairc_reduction_check(const fairc_train_options *o, const fairc_reduction_options *r)
{
    if (o->mitigate != FAIRC_MITIGATE_EXPGRAD && o->mitigate != FAIRC_MITIGATE_GRIDSEARCH)
        return "not a reduction";
    const char *bad = r ? fairc_reduction_options_check(r) : NULL;
    if (bad) return bad;
    int bgl = o->constraint == FAIRC_CONSTRAINT_BGL;
    if (bgl && o->task != FAIRC_TASK_REGRESSION)
        return "--constraint bounded-group-loss is for --task regression";
    if (!bgl && o->task == FAIRC_TASK_REGRESSION)
        return "a regression label takes --constraint bounded-group-loss; dp, eo, tpr, fpr and "
               "error_rate are classification constraints";
    if (!bgl && !fairc_moment_kind_name(o->constraint))
        return "unknown constraint (dp, eo, tpr, fpr, error_rate, bounded-group-loss)";
    if (bgl && o->learner == FAIRC_LEARNER_LOGISTIC) return "bounded group loss needs a regressor (--model linear or mlp)";
    if (!bgl && o->learner == FAIRC_LEARNER_LINEAR) return "the linear learner is for regression";
    if (bgl && o->groups != FAIRC_GROUPS_INTERSECTION) return "bounded group loss takes one grouping: --groups intersection";
    if (!isnan(o->eps) && !(o->eps >= 0 && isfinite(o->eps))) return "the bound eps must be a finite number >= 0";
    if (!isnan(o->eps) && o->eps > 1) return "the bound eps must be in [0, 1] (a difference of rates)";
    if (!(o->ratio_bound == 0 || (o->ratio_bound > 0 && o->ratio_bound <= 1))) return "the ratio bound must be in (0, 1]";
    if (!isnan(o->eps) && o->ratio_bound > 0) return "give a difference bound (eps) or a ratio bound, not both";
    if (o->mitigate == FAIRC_MITIGATE_EXPGRAD && bgl && r && isnan(r->upper_bound))
        return "ExponentiatedGradient with bounded group loss needs an upper bound (--upper-bound)";
    if (o->groups != FAIRC_GROUPS_INTERSECTION && o->groups != FAIRC_GROUPS_MARGINAL &&
        o->groups != FAIRC_GROUPS_BOTH)
        return "groups must be intersection, marginal or both";
    return NULL;
}

/* Group x before group y: more weight, ties by index. */
static int size_before(const double *W, int32_t x, int32_t y)
{
    return W[x] != W[y] ? W[x] > W[y] : x < y;
}

/* Each grouping's groups by decreasing total weight, ties in sorted (index) order: GridSearch's
 * default basis leaves out the smallest group. Why: a grid point's multiplier on group g moves
 * g's selection rate by about lambda / (weight share of g), so a basis of large groups reaches
 * the fair point with multipliers inside grid_limit; leaving out the largest group (sorted
 * order, White on Adult's race) puts it out of reach. On Adult this is Fairlearn's basis for sex
 * and race (there, first appearance). */
static int32_t *size_order(const fairc_grouping_rows *g, const double *w, size_t N)
{
    int32_t *order = malloc((g->G ? g->G : 1) * sizeof *order);
    double *W = calloc(g->G ? g->G : 1, sizeof *W);
    if (!order || !W) {
        free(order);
        free(W);
        return NULL;
    }
    for (size_t i = 0; i < N; i++) W[g->group[i]] += w ? w[i] : 1.0;
    /* a stable merge sort: qsort has no context argument, and a global would race between
     * threads training at once */
    int32_t *tmp = malloc((g->G ? g->G : 1) * sizeof *tmp);
    if (!tmp) {
        free(order);
        free(W);
        return NULL;
    }
    for (size_t q = 0; q < g->G; q++) order[q] = (int32_t)q;
    for (size_t width = 1; width < g->G; width *= 2) {
        for (size_t lo = 0; lo < g->G; lo += 2 * width) {
            size_t mid = lo + width < g->G ? lo + width : g->G;
            size_t hi = lo + 2 * width < g->G ? lo + 2 * width : g->G, a = lo, b = mid, k = lo;
            while (a < mid && b < hi) tmp[k++] = size_before(W, order[b], order[a]) ? order[b++] : order[a++];
            while (a < mid) tmp[k++] = order[a++];
            while (b < hi) tmp[k++] = order[b++];
        }
        memcpy(order, tmp, g->G * sizeof *order);
    }
    free(tmp);
    free(W);
    return order;
}

/* Each grouping's groups in order of first appearance in the rows (Fairlearn's bases). */
static int32_t *appearance_order(const fairc_grouping_rows *g, size_t N)
{
    int32_t *order = malloc((g->G ? g->G : 1) * sizeof *order);
    uint8_t *seen = calloc(g->G ? g->G : 1, 1);
    if (!order || !seen) {
        free(order);
        free(seen);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < N && n < g->G; i++)
        if (!seen[g->group[i]]) {
            seen[g->group[i]] = 1;
            order[n++] = g->group[i];
        }
    for (size_t q = 0; q < g->G; q++) /* groups without rows go last */
        if (!seen[q]) order[n++] = (int32_t)q;
    free(seen);
    return order;
}

/* Appends a node for fit f to p (MODEL with its parameters, or a constant). */
static int add_fit_node(fairc_predictor *p, const fairc_oracle *o, const fairc_red_fit *f,
                        size_t at, fairc_status *st)
{
    fairc_node *n = &p->nodes[at];
    memset(n, 0, sizeof *n);
    const fairc_red_learner *L = &o->L;
    if (f->constant && !o->prob->regression) {
        n->type = FAIRC_NODE_CONSTANT;
        n->p = f->value;
        return FAIRC_OK;
    }
    size_t count = L->mlp.count;
    double *np = realloc(p->params, (p->n_params + count) * sizeof *np);
    if (!np) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    p->params = np;
    n->type = FAIRC_NODE_MODEL;
    n->model_kind = L->kind == FAIRC_LEARNER_MLP ? FAIRC_MODEL_MLP
                    : L->kind == FAIRC_LEARNER_LINEAR ? FAIRC_MODEL_LINEAR : FAIRC_MODEL_LOGISTIC;
    n->n_hidden = L->mlp.n_hidden;
    n->hidden = calloc(n->n_hidden ? n->n_hidden : 1, sizeof *n->hidden);
    if (!n->hidden) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t l = 0; l < n->n_hidden; l++) n->hidden[l] = L->mlp.width[l + 1];
    n->param_offset = p->n_params;
    n->param_count = count;
    if (f->constant) { /* a regression constant: a linear model with only its intercept */
        memset(p->params + p->n_params, 0, count * sizeof *np);
        /* zero weights: the output is the last bias (the intercept of a linear model) */
        p->params[p->n_params + count - 1] = f->value;
    } else {
        memcpy(p->params + p->n_params, f->params, count * sizeof *np);
    }
    p->n_params += count;
    return FAIRC_OK;
}

static double max_violation(const double *gamma, const double *bound, size_t K)
{
    double v = -INFINITY;
    for (size_t k = 0; k < K; k++) v = fmax(v, gamma[k] - bound[k]);
    return K ? v : 0.0;
}

int fairc_reduction_train(fairc_predictor *p, const fairc_xy *d, const fairc_grouping_rows *gr,
                          size_t n_gr, const fairc_train_options *o,
                          const fairc_reduction_options *r_in, fairc_train_info *info,
                          fairc_reduction_info *rinfo, fairc_status *st)
{
    double t_start = now_s();
    fairc_reduction_options r;
    if (r_in) r = *r_in;
    else fairc_reduction_options_init(&r);
    const char *bad = fairc_reduction_check(o, &r);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    int eg_method = o->mitigate == FAIRC_MITIGATE_EXPGRAD;
    const char *mname = eg_method ? "expgrad" : "gridsearch";
    if (!gr || n_gr == 0)
        return fairc_fail(st, FAIRC_EINVAL, "--mitigate %s needs groups: name the sensitive columns "
                          "(--sensitive)", mname);
    int bgl = o->constraint == FAIRC_CONSTRAINT_BGL;
    size_t N = d->N;
    /* A classification label must hold both classes among rows of positive weight. */
    if (!bgl) {
        int has[2] = {0, 0};
        for (size_t i = 0; i < N; i++)
            if (!d->w || d->w[i] > 0) has[d->y[i] == 1] = 1;
        if (!has[0] || !has[1])
            return fairc_fail(st, FAIRC_EINVAL, "every training row (of positive weight) has label %d: "
                              "--mitigate %s needs both classes", has[1], mname);
    }
    fairc_moment *mom = NULL;
    fairc_bgl *bg = NULL;
    fairc_red_problem pr;
    memset(&pr, 0, sizeof pr);
    fairc_oracle orc;
    memset(&orc, 0, sizeof orc);
    fairc_eg_result egr;
    memset(&egr, 0, sizeof egr);
    fairc_gs_result gsr;
    memset(&gsr, 0, sizeof gsr);
    fairc_gs_basis basis;
    memset(&basis, 0, sizeof basis);
    fairc_red_record *rec = NULL;
    int32_t **order = NULL;
    double *hbuf = NULL, *soft = NULL;
    int rc = FAIRC_OK;
    if (bgl) {
        double lo = r.loss_min, hi = r.loss_max;
        if (isnan(lo)) {
            lo = INFINITY, hi = -INFINITY;
            for (size_t i = 0; i < N; i++)
                if (!d->w || d->w[i] > 0) lo = fmin(lo, d->y[i]), hi = fmax(hi, d->y[i]);
            if (r.loss != FAIRC_BGL_LOSS_ZERO_ONE && !(lo < hi))
                rc = fairc_fail(st, FAIRC_EINVAL, "every training label is %g: bounded group loss "
                                "needs a label that varies", lo);
        }
        if (rc == FAIRC_OK) rc = fairc_bgl_new(r.loss, lo, hi, r.upper_bound, N, d->y, d->w, &gr[0], &bg, st);
        if (rc == FAIRC_OK) rc = fairc_red_problem_regress(&pr, bg, st);
    } else {
        double ratio = o->ratio_bound > 0 ? o->ratio_bound : 1;
        double eps = o->ratio_bound > 0 ? o->ratio_slack : isnan(o->eps) ? 0.01 : o->eps;
        rc = fairc_moment_new(o->constraint, N, d->y, d->w, gr, n_gr, eps, ratio, &mom, st);
        if (rc == FAIRC_OK) rc = fairc_red_problem_classify(&pr, mom, r.cost_fp, r.cost_fn, st);
    }
    /* the learner */
    fairc_red_learner L;
    memset(&L, 0, sizeof L);
    L.kind = o->learner ? o->learner : bgl ? FAIRC_LEARNER_LINEAR : FAIRC_LEARNER_LOGISTIC;
    L.threads = o->threads;
    if (rc == FAIRC_OK) {
        const char *lbad = fairc_mlp_layout(&L.mlp, d->D, L.kind == FAIRC_LEARNER_MLP ? o->hidden : NULL,
                                            L.kind == FAIRC_LEARNER_MLP ? o->n_hidden : 0);
        if (lbad) rc = fairc_fail(st, FAIRC_EINVAL, "%s", lbad);
    }
    fairc_logistic_params_init(&L.logistic);
    L.logistic.C = o->C;
    L.logistic.fit_intercept = o->fit_intercept;
    fairc_linreg_params_init(&L.linreg);
    L.linreg.alpha = o->alpha;
    L.linreg.fit_intercept = o->fit_intercept;
    fairc_mlp_train_params_init(&L.train);
    L.train.epochs = o->epochs;
    L.train.batch_size = o->batch;
    L.train.adam.lr = o->lr;
    L.train.adam.beta1 = o->beta1;
    L.train.adam.beta2 = o->beta2;
    L.train.adam.eps = o->adam_eps;
    L.train.adam.weight_decay = o->weight_decay;
    L.train.loss = bgl ? FAIRC_LOSS_SQUARED : FAIRC_LOSS_BCE;
    L.train.seed = o->seed;
    L.warm_epochs = r.warm_epochs ? r.warm_epochs : (o->epochs / 4 > 0 ? o->epochs / 4 : 1);
    if (rc == FAIRC_OK) rc = fairc_oracle_init(&orc, &pr, d, &L, eg_method, st);
    orc.warm_start = r.warm_start;
    orc.use_cache = r.cache;
    size_t K = pr.K;
    /* run */
    if (rc == FAIRC_OK && eg_method) {
        fairc_eg_params ep;
        fairc_eg_params_init(&ep);
        ep.eg_eps = r.eg_eps;
        ep.max_iter = r.max_iter;
        ep.eta0 = r.eta0;
        ep.nu = r.nu;
        ep.run_lp = r.run_lp;
        ep.progress = o->progress;
        ep.progress_user = o->progress_user;
        rc = fairc_expgrad_run(&orc, &ep, &egr, st);
    } else if (rc == FAIRC_OK) {
        if (r.group_order != FAIRC_ORDER_SORTED) {
            order = calloc(n_gr, sizeof *order);
            if (!order) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            for (size_t j = 0; rc == FAIRC_OK && j < n_gr; j++) {
                order[j] = r.group_order == FAIRC_ORDER_APPEARANCE ? appearance_order(&gr[j], N)
                                                                   : size_order(&gr[j], d->w, N);
                if (!order[j]) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            }
        }
        if (rc == FAIRC_OK)
            rc = bgl ? fairc_gs_basis_bgl(bg, order ? order[0] : NULL, &basis, st)
                     : fairc_gs_basis_moment(mom, gr, n_gr, (const int32_t *const *)order, &basis, st);
        fairc_gs_params gp;
        memset(&gp, 0, sizeof gp);
        gp.grid_size = r.grid_size;
        gp.grid_limit = r.grid_limit;
        gp.order_norm = r.grid_order == FAIRC_GRID_ORDER_NORM;
        gp.offset = r.grid_offset;
        gp.n_offset = r.n_grid_offset;
        gp.constraint_weight = r.constraint_weight;
        gp.dim = basis.dim;
        gp.basis_plus = basis.plus;
        gp.basis_minus = basis.minus;
        gp.neg = basis.neg;
        gp.force_l1 = basis.force_l1;
        gp.threads = o->threads;
        gp.progress = o->progress;
        gp.progress_user = o->progress_user;
        if (rc == FAIRC_OK) rc = fairc_gridsearch_run(&orc, &gp, &gsr, st);
    }
    /* the candidates, their weights and what to save */
    size_t J = 0, chosen = SIZE_MAX;
    const fairc_red_fit **cand = NULL;
    double *Q = NULL;
    if (rc == FAIRC_OK) {
        J = eg_method ? egr.n_hs : gsr.P;
        cand = calloc(J ? J : 1, sizeof *cand);
        Q = calloc(J ? J : 1, sizeof *Q);
        if (!cand || !Q) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        for (size_t j = 0; rc == FAIRC_OK && j < J; j++) {
            cand[j] = eg_method ? &orc.fits[egr.hs[j]] : &gsr.fits[j];
            Q[j] = eg_method ? egr.Q[j] : j == gsr.best;
        }
        if (rc == FAIRC_OK && !eg_method) chosen = gsr.best;
        if (rc == FAIRC_OK && eg_method && r.deterministic) {
            /* SPEC §7.3.6: lowest err among those meeting the bound, else the smallest
             * violation (ties: lower err, earlier h) */
            double best_err = INFINITY, best_v = INFINITY;
            for (size_t j = 0; j < J; j++) {
                double v = max_violation(cand[j]->gamma, pr.bound, K);
                if (v <= 0 && cand[j]->err < best_err) best_err = cand[j]->err, chosen = j;
            }
            if (chosen == SIZE_MAX)
                for (size_t j = 0; j < J; j++) {
                    double v = max_violation(cand[j]->gamma, pr.bound, K);
                    if (v < best_v || (v == best_v && cand[j]->err < best_err))
                        best_v = v, best_err = cand[j]->err, chosen = j;
                }
        }
    }
    /* the tree: one node (GridSearch, deterministic) or a voting mixture of the Q > 0 members */
    uint64_t *node_of = NULL;
    if (rc == FAIRC_OK) {
        node_of = malloc((J ? J : 1) * sizeof *node_of);
        if (!node_of) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        for (size_t j = 0; rc == FAIRC_OK && j < J; j++) node_of[j] = UINT64_MAX;
    }
    size_t members = 0;
    if (rc == FAIRC_OK && chosen != SIZE_MAX) {
        p->nodes = calloc(1, sizeof *p->nodes);
        if (!p->nodes) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        if (rc == FAIRC_OK) rc = add_fit_node(p, &orc, cand[chosen], 0, st);
        if (rc == FAIRC_OK) p->n_nodes = 1;
        node_of[chosen] = 0;
        members = 1;
    } else if (rc == FAIRC_OK) {
        for (size_t j = 0; j < J; j++) members += Q[j] > 0 || r.keep_all;
        p->nodes = calloc(members + 1, sizeof *p->nodes);
        if (!p->nodes) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        fairc_node *root = p->nodes;
        if (rc == FAIRC_OK) {
            root->type = FAIRC_NODE_MIXTURE;
            root->vote = 1;
            root->children = calloc(members ? members : 1, sizeof *root->children);
            root->weights = calloc(members ? members : 1, sizeof *root->weights);
            p->n_nodes = 1;
            if (!root->children || !root->weights) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        }
        fairc_ksum sum = {0, 0};
        for (size_t j = 0; j < J; j++)
            if (Q[j] > 0) fairc_ksum_add(&sum, Q[j]);
        double total = fairc_ksum_value(&sum);
        for (size_t j = 0; rc == FAIRC_OK && j < J; j++) {
            if (!(Q[j] > 0 || r.keep_all)) continue;
            size_t at = p->n_nodes;
            rc = add_fit_node(p, &orc, cand[j], at, st);
            if (rc != FAIRC_OK) break;
            p->n_nodes++;
            root = p->nodes;
            root->children[root->n_children] = at;
            root->weights[root->n_children] = Q[j] > 0 ? Q[j] / total : 0.0;
            root->n_children++;
            node_of[j] = at;
        }
    }
    /* expected training error, violation and disparity of the result */
    double res_err = 0, res_v = 0, res_disp = NAN;
    if (rc == FAIRC_OK) {
        double *g = calloc(K ? K : 1, sizeof *g);
        hbuf = malloc((N ? N : 1) * sizeof *hbuf);
        soft = calloc(N ? N : 1, sizeof *soft);
        if (!g || !hbuf || !soft) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        for (size_t j = 0; rc == FAIRC_OK && j < J; j++) {
            double q = chosen != SIZE_MAX ? (j == chosen) : (p->nodes[0].n_children ? Q[j] : 0);
            if (!(q > 0)) continue;
            if (chosen == SIZE_MAX) {
                /* the saved weight (renormalised) */
                for (size_t c = 0; c < p->nodes[0].n_children; c++)
                    if (p->nodes[0].children[c] == node_of[j]) q = p->nodes[0].weights[c];
            }
            res_err += q * cand[j]->err;
            for (size_t k = 0; k < K; k++) g[k] += q * cand[j]->gamma[k];
            if (mom) {
                fairc_oracle_predict(&orc, cand[j], d->X, N, hbuf, st);
                for (size_t i = 0; i < N; i++) soft[i] += q * hbuf[i];
            }
        }
        if (rc == FAIRC_OK) {
            res_v = max_violation(g, pr.bound, K);
            if (mom) {
                fairc_moment_evaluate(mom, &orc.work.ev, NULL, N, soft, NULL, NULL, 0);
                res_disp = fairc_moment_disparity(mom, &orc.work.ev);
            }
        }
        free(g);
    }
    /* the record */
    if (rc == FAIRC_OK) {
        rec = calloc(1, sizeof *rec);
        if (!rec) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    if (rc == FAIRC_OK) {
        size_t T = eg_method ? egr.T : 0, Kc = K ? K : 1;
        rec->method = eg_method ? FAIRC_RED_EXPGRAD : FAIRC_RED_GRIDSEARCH;
        rec->constraint = o->constraint;
        rec->deterministic = eg_method && r.deterministic;
        rec->eps = bgl ? (isnan(r.upper_bound) ? -1.0 : r.upper_bound) : mom->eps;
        rec->B = eg_method ? egr.B : 0;
        rec->nu = eg_method ? egr.nu : 0;
        rec->iterations = T;
        rec->best_iter = eg_method ? egr.best_iter : gsr.best;
        rec->best_gap = eg_method ? egr.best_gap : 0;
        rec->oracle_calls = orc.calls + orc.cache_hits;
        rec->learner_fits = orc.learner_fits;
        rec->dummy_calls = orc.dummy_calls;
        rec->cache_hits = orc.cache_hits;
        rec->K = K;
        rec->J = J;
        rec->T = T;
        rec->names = calloc(Kc, sizeof *rec->names);
        rec->err = malloc((J ? J : 1) * sizeof *rec->err);
        rec->weight = malloc((J ? J : 1) * sizeof *rec->weight);
        rec->node = malloc((J ? J : 1) * sizeof *rec->node);
        rec->gamma = malloc((J ? J : 1) * Kc * sizeof *rec->gamma);
        rec->lambda = malloc((J ? J : 1) * Kc * sizeof *rec->lambda);
        rec->gap = malloc((T ? T : 1) * sizeof *rec->gap);
        rec->iter_lambda = malloc((T ? T : 1) * Kc * sizeof *rec->iter_lambda);
        if (!rec->names || !rec->err || !rec->weight || !rec->node || !rec->gamma || !rec->lambda ||
            !rec->gap || !rec->iter_lambda)
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        for (size_t k = 0; rc == FAIRC_OK && k < K; k++)
            if (!(rec->names[k] = strdup(pr.names[k]))) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        for (size_t j = 0; rc == FAIRC_OK && j < J; j++) {
            rec->err[j] = cand[j]->err;
            rec->weight[j] = chosen != SIZE_MAX ? (j == chosen) : fmin(fmax(Q[j], 0.0), 1.0);
            rec->node[j] = node_of[j];
            memcpy(rec->gamma + j * K, cand[j]->gamma, K * sizeof(double));
            memcpy(rec->lambda + j * K, cand[j]->lambda, K * sizeof(double));
        }
        for (size_t t = 0; rc == FAIRC_OK && t < T; t++) {
            rec->gap[t] = egr.gap[t];
            memcpy(rec->iter_lambda + t * K, egr.lambda + t * K, K * sizeof(double));
        }
        if (rc == FAIRC_OK) {
            p->red = rec;
            rec = NULL;
        }
    }
    if (rc == FAIRC_OK) {
        int constant = 1;
        for (size_t i = 0; i < p->n_nodes; i++) constant &= p->nodes[i].type != FAIRC_NODE_MODEL;
        if (info) {
            info->iterations = (int)(eg_method ? egr.T : gsr.P);
            info->converged = eg_method ? egr.best_gap < egr.nu : 1;
            info->n_constraints = K;
            info->violation = res_v;
            info->disparity = res_disp;
            info->train_loss = res_err;
            info->train_accuracy = bgl || r.cost_fp != 1 || r.cost_fn != 1 ? NAN : 1 - res_err;
            info->objective = NAN;
        }
        if (rinfo) {
            memset(rinfo, 0, sizeof *rinfo);
            rinfo->method = o->mitigate;
            rinfo->iterations = eg_method ? egr.T : 0;
            rinfo->best_iter = eg_method ? egr.best_iter : 0;
            rinfo->best_gap = eg_method ? egr.best_gap : NAN;
            rinfo->nu = eg_method ? egr.nu : NAN;
            rinfo->oracle_calls = orc.calls + orc.cache_hits;
            rinfo->learner_fits = orc.learner_fits;
            rinfo->dummy_calls = orc.dummy_calls;
            rinfo->cache_hits = orc.cache_hits;
            rinfo->candidates = J;
            rinfo->members = members;
            rinfo->selected = eg_method ? chosen : gsr.best;
            rinfo->err = res_err;
            rinfo->violation = res_v;
            rinfo->disparity = res_disp;
            rinfo->det_err = chosen != SIZE_MAX ? cand[chosen]->err : NAN;
            rinfo->det_violation = chosen != SIZE_MAX ? max_violation(cand[chosen]->gamma, pr.bound, K) : NAN;
            rinfo->fit_seconds = orc.fit_seconds;
            rinfo->seconds = now_s() - t_start;
            rinfo->constant = constant;
        }
    }
    free(cand);
    free(Q);
    free(node_of);
    free(hbuf);
    free(soft);
    for (size_t j = 0; order && j < n_gr; j++) free(order[j]);
    free(order);
    fairc_red_record_free(&rec);
    fairc_gs_basis_clear(&basis);
    fairc_gs_result_clear(&gsr, orc.n_params);
    fairc_eg_result_clear(&egr);
    fairc_oracle_free(&orc);
    fairc_red_problem_clear(&pr);
    fairc_moment_free(&mom);
    fairc_bgl_free(&bg);
    return rc;
}
