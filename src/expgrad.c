/* expgrad.c: ExponentiatedGradient (Agarwal et al. 2018), exactly as SPEC §7.1 describes
 * Fairlearn's loop: multipliers lambda_t = B exp(theta) / (1 + sum exp(theta)), the best
 * response h_t to lambda_t from the oracle, the duality gap of the running mixture Q_EG against
 * the mean multipliers, the LP over the classifiers found so far (§7.2, simplex.c), step-size
 * shrinking, and the choice of the best iterate. What fairc adds (§7.3) lives in the oracle
 * (reduction.c: weights in the costs, warm starts, the cache) and in the predictor built from
 * the result (reduction.c). Not here: the learners, the moments.
 *
 * Candidates. The "stored h" of §7.1 step 3 are a subset of the oracle's results: a fit is
 * stored only if its Lagrangian value beats every stored one by 1e-8. Mixtures (Q) and the LP
 * range over the stored ones, indexed 0..J-1 in the order they were stored. */
#include "reduction.h"
#include "simplex.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EG_ACCURACY_MUL 0.5
#define EG_MIN_ITER 5
#define EG_REGRET_CHECK_START_T 5
#define EG_REGRET_CHECK_INCREASE_T 1.6
#define EG_SHRINK_REGRET 0.8
#define EG_SHRINK_ETA 0.8
#define EG_PRECISION 1e-8

void fairc_eg_params_init(fairc_eg_params *p)
{
    memset(p, 0, sizeof *p);
    p->eg_eps = 0.01;
    p->max_iter = 50;
    p->eta0 = 2.0;
    p->nu = NAN;
    p->run_lp = 1;
}

void fairc_eg_result_clear(fairc_eg_result *r)
{
    free(r->hs);
    free(r->lambda);
    free(r->gap);
    free(r->gap_eg);
    free(r->gap_lp);
    free(r->from_lp);
    free(r->Q);
    free(r->lambda_lp);
    memset(r, 0, sizeof *r);
}

int fairc_eg_lp(size_t J, size_t K, const double *err, const double *G, double B, double *Q,
                double *lambda, double *value, fairc_status *st)
{
    /* columns Q_0..Q_{J-1}, xi; rows: K constraints G_k . Q - xi <= 0, then sum Q = 1 */
    size_t n = J + 1, m = K + 1;
    double *A = calloc(m * n, sizeof *A), *b = calloc(m, sizeof *b), *c = malloc(n * sizeof *c);
    double *x = malloc(n * sizeof *x), *y = malloc(m * sizeof *y);
    int *type = malloc(m * sizeof *type);
    int rc = FAIRC_OK;
    if (!A || !b || !c || !x || !y || !type) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < K; k++) {
        for (size_t j = 0; j < J; j++) A[k * n + j] = G[k * J + j];
        A[k * n + J] = -1.0;
        type[k] = FAIRC_SIMPLEX_LE;
    }
    for (size_t j = 0; j < J; j++) A[K * n + j] = 1.0;
    b[K] = 1.0;
    type[K] = FAIRC_SIMPLEX_EQ;
    for (size_t j = 0; j < J; j++) c[j] = err[j];
    c[J] = B;
    fairc_simplex_lp lp = {m, n, A, b, type, c};
    fairc_simplex_result res;
    rc = fairc_simplex_solve(&lp, 1e-12, x, y, &res, st);
    if (rc == FAIRC_OK && res.status != FAIRC_SIMPLEX_OPTIMAL)
        rc = fairc_fail(st, FAIRC_EINVAL, "the LP step failed (simplex status %d): numerical "
                        "trouble; try --no-lp", res.status);
    if (rc == FAIRC_OK) {
        for (size_t j = 0; j < J; j++) Q[j] = x[j] > 0 ? x[j] : 0.0;
        for (size_t k = 0; k < K; k++) lambda[k] = y[k] < 0 ? -y[k] : 0.0;
        if (value) *value = res.value;
    }
out:
    free(A);
    free(b);
    free(c);
    free(x);
    free(y);
    free(type);
    return rc;
}

/* The state of one run. */
typedef struct eg {
    fairc_oracle *o;
    const fairc_red_problem *p;
    size_t K;
    double B, nu;
    size_t J, capJ;            /* stored h */
    size_t *hs;                /* (capJ) fit index of each stored h */
    double *tmp_gamma;         /* (K) */
    double *tmp_lambda;        /* (K) */
    double *proj;              /* (K) */
} eg;

static const fairc_red_fit *stored(const eg *e, size_t j) { return &e->o->fits[e->hs[j]]; }

static double dotK(const double *a, const double *b, size_t K)
{
    double s = 0;
    for (size_t k = 0; k < K; k++) s += a[k] * b[k];
    return s;
}

/* SPEC §7.1 best_h: the stored index answering lambda (storing the oracle's result when its
 * value beats every stored one by PRECISION). h (N) gets the result's outputs when not NULL
 * (those of the oracle's fit, which is the returned h whenever it was stored). */
static int best_h(eg *e, const double *lambda, size_t *out, double *h, fairc_status *st)
{
    size_t f;
    int rc = fairc_oracle_call(e->o, lambda, &f, h, st);
    if (rc != FAIRC_OK) return rc;
    const fairc_red_fit *fit = &e->o->fits[f];
    double value = fit->err + dotK(fit->gamma, lambda, e->K);
    size_t best = SIZE_MAX;
    double best_value = INFINITY;
    for (size_t j = 0; j < e->J; j++) {
        const fairc_red_fit *s = stored(e, j);
        double v = s->err + dotK(s->gamma, lambda, e->K);
        if (v < best_value) { /* first minimum, as pandas' idxmin */
            best_value = v;
            best = j;
        }
    }
    if (e->J == 0 || value < best_value - EG_PRECISION) {
        if (e->J == e->capJ) {
            size_t cap = e->capJ ? 2 * e->capJ : 32;
            size_t *n = realloc(e->hs, cap * sizeof *n);
            if (!n) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            e->hs = n;
            e->capJ = cap;
        }
        e->hs[e->J] = f;
        best = e->J++;
    }
    *out = best;
    return FAIRC_OK;
}

typedef struct gap_result {
    double L, L_low, L_high;
} gap_result;

static double gap_of(const gap_result *g) { return fmax(g->L - g->L_low, g->L_high - g->L); }

/* L(Q, lambda) and L_high(Q) over the first nQ stored h (weights Q, others 0). */
static void lagrangian(eg *e, const double *Q, size_t nQ, const double *lambda, double *L,
                       double *L_high)
{
    size_t K = e->K;
    double err = 0;
    for (size_t k = 0; k < K; k++) e->tmp_gamma[k] = 0;
    for (size_t j = 0; j < nQ; j++) {
        if (Q[j] == 0) continue;
        const fairc_red_fit *s = stored(e, j);
        err += Q[j] * s->err;
        for (size_t k = 0; k < K; k++) e->tmp_gamma[k] += Q[j] * s->gamma[k];
    }
    memcpy(e->proj, lambda, K * sizeof *lambda);
    fairc_red_project(e->p, e->proj);
    double l = err, maxc = -INFINITY;
    for (size_t k = 0; k < K; k++) {
        double c = e->tmp_gamma[k] - e->p->bound[k];
        l += e->proj[k] * c;
        if (c > maxc) maxc = c;
    }
    *L = l;
    *L_high = maxc <= 0 ? err : err + e->B * maxc;
}

static int eval_gap(eg *e, const double *Q, size_t nQ, const double *lhat, gap_result *g,
                    fairc_status *st)
{
    static const double mul[4] = {1.0, 2.0, 5.0, 10.0};
    lagrangian(e, Q, nQ, lhat, &g->L, &g->L_high);
    g->L_low = g->L;
    for (int m = 0; m < 4; m++) {
        for (size_t k = 0; k < e->K; k++) e->tmp_lambda[k] = mul[m] * lhat[k];
        size_t j;
        int rc = best_h(e, e->tmp_lambda, &j, NULL, st);
        if (rc != FAIRC_OK) return rc;
        double one = 1.0, L_mul, dummy;
        /* L at the single classifier j: Q = e_j */
        double *Qj = calloc(e->J, sizeof *Qj);
        if (!Qj) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        Qj[j] = one;
        lagrangian(e, Qj, e->J, lhat, &L_mul, &dummy);
        free(Qj);
        if (L_mul < g->L_low) g->L_low = L_mul;
        if (gap_of(g) > e->nu + EG_PRECISION) break;
    }
    return FAIRC_OK;
}

int fairc_expgrad_run(fairc_oracle *o, const fairc_eg_params *p, fairc_eg_result *r,
                      fairc_status *st)
{
    memset(r, 0, sizeof *r);
    if (!(p->eg_eps > 0) || !isfinite(p->eg_eps))
        return fairc_fail(st, FAIRC_EINVAL, "eg_eps must be a finite number > 0");
    if (p->max_iter < 1 || p->max_iter > 100000)
        return fairc_fail(st, FAIRC_EINVAL, "max_iter must be in 1..100000");
    if (!(p->eta0 > 0) || !isfinite(p->eta0)) return fairc_fail(st, FAIRC_EINVAL, "eta0 must be a finite number > 0");
    if (!isnan(p->nu) && !(p->nu >= 0 && isfinite(p->nu)))
        return fairc_fail(st, FAIRC_EINVAL, "nu must be a finite number >= 0");
    const fairc_red_problem *pr = o->prob;
    size_t K = pr->K, N = pr->N, T = p->max_iter;
    eg e;
    memset(&e, 0, sizeof e);
    e.o = o;
    e.p = pr;
    e.K = K;
    e.B = 1.0 / p->eg_eps;
    r->K = K;
    r->B = e.B;
    size_t Kc = K ? K : 1;
    double *theta = calloc(Kc, sizeof *theta), *lsum = calloc(Kc, sizeof *lsum);
    double *lbar = calloc(Kc, sizeof *lbar), *lambda = calloc(Kc, sizeof *lambda);
    double *h0 = malloc((N ? N : 1) * sizeof *h0);
    double *Qsum = NULL, *Q_eg = NULL, *Q_lp = NULL;
    double **Qs = calloc(T, sizeof *Qs);
    size_t *nQs = calloc(T, sizeof *nQs);
    e.tmp_gamma = malloc(Kc * sizeof *e.tmp_gamma);
    e.tmp_lambda = malloc(Kc * sizeof *e.tmp_lambda);
    e.proj = malloc(Kc * sizeof *e.proj);
    r->lambda = calloc(T * Kc, sizeof *r->lambda);
    r->gap = malloc(T * sizeof *r->gap);
    r->gap_eg = malloc(T * sizeof *r->gap_eg);
    r->gap_lp = malloc(T * sizeof *r->gap_lp);
    r->from_lp = calloc(T, sizeof *r->from_lp);
    r->lambda_lp = calloc(Kc, sizeof *r->lambda_lp);
    int rc = FAIRC_OK;
    if (!theta || !lsum || !lbar || !lambda || !h0 || !Qs || !nQs || !e.tmp_gamma ||
        !e.tmp_lambda || !e.proj || !r->lambda || !r->gap || !r->gap_eg || !r->gap_lp ||
        !r->from_lp || !r->lambda_lp) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        goto out;
    }
    double eta = 0, last_checked = EG_REGRET_CHECK_START_T, last_gap = INFINITY;
    double min_gap_eg = INFINITY;
    size_t lp_J = 0;            /* stored h when the last LP was built */
    size_t nQ_lp = 0, qsum_n = 0;
    gap_result g_lp = {0, 0, 0};
    int have_lp = 0;
    e.nu = p->nu;
    size_t t;
    for (t = 0; t < T && rc == FAIRC_OK; t++) {
        /* 1. multipliers: B exp(theta) / (1 + sum exp(theta)), shifted so exp cannot overflow */
        double M = 0;
        for (size_t k = 0; k < K; k++)
            if (theta[k] > M) M = theta[k];
        double den = exp(-M);
        for (size_t k = 0; k < K; k++) den += exp(theta[k] - M);
        for (size_t k = 0; k < K; k++) {
            lambda[k] = e.B * exp(theta[k] - M) / den;
            lsum[k] += lambda[k];
            lbar[k] = lsum[k] / (double)(t + 1);
        }
        memcpy(r->lambda + t * K, lambda, K * sizeof *lambda);
        /* 2. best response */
        size_t ht;
        rc = best_h(&e, lambda, &ht, t == 0 ? h0 : NULL, st);
        if (rc != FAIRC_OK) break;
        if (t == 0) {
            if (isnan(e.nu)) {
                /* nu = 0.5 sd(|h_0 - y|) / sqrt(n), weighted: wt_i = n w_i / W */
                fairc_ksum W = {0, 0}, a = {0, 0}, v = {0, 0};
                for (size_t i = 0; i < N; i++) fairc_ksum_add(&W, pr->w ? pr->w[i] : 1.0);
                double scale = (double)N / fairc_ksum_value(&W);
                for (size_t i = 0; i < N; i++)
                    fairc_ksum_add(&a, scale * (pr->w ? pr->w[i] : 1.0) * fabs(h0[i] - pr->y[i]));
                double abar = fairc_ksum_value(&a) / (double)N;
                for (size_t i = 0; i < N; i++) {
                    double d = fabs(h0[i] - pr->y[i]) - abar;
                    fairc_ksum_add(&v, scale * (pr->w ? pr->w[i] : 1.0) * d * d);
                }
                double sd = N > 1 ? sqrt(fairc_ksum_value(&v) / (double)(N - 1)) : 0.0;
                e.nu = EG_ACCURACY_MUL * sd / sqrt((double)N);
            }
            eta = p->eta0 / e.B;
        }
        /* 3. the running mixture and its gap against the mean multipliers */
        double *nq = realloc(Qsum, e.J * sizeof *nq);
        if (!nq) {
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            break;
        }
        Qsum = nq;
        for (size_t j = qsum_n; j < e.J; j++) Qsum[j] = 0; /* h stored since the last time */
        qsum_n = e.J;
        Qsum[ht] += 1.0;
        double total = 0;
        for (size_t j = 0; j < e.J; j++) total += Qsum[j];
        size_t nQ = e.J;
        nq = realloc(Q_eg, nQ * sizeof *nq);
        if (!nq) {
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            break;
        }
        Q_eg = nq;
        for (size_t j = 0; j < nQ; j++) Q_eg[j] = Qsum[j] / total;
        gap_result g_eg;
        rc = eval_gap(&e, Q_eg, nQ, lbar, &g_eg, st);
        if (rc != FAIRC_OK) break;
        double gap_eg = gap_of(&g_eg);
        if (gap_eg < min_gap_eg) min_gap_eg = gap_eg;
        /* 4. the LP over the stored h, when their set grew */
        double gap_lp = INFINITY;
        if (t > 0 && p->run_lp) {
            if (!have_lp || e.J != lp_J) {
                size_t J = e.J;
                double *err = malloc(J * sizeof *err), *G = malloc(J * Kc * sizeof *G);
                nq = realloc(Q_lp, J * sizeof *nq);
                if (nq) Q_lp = nq;
                if (!err || !G || !nq) {
                    free(err);
                    free(G);
                    rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
                    break;
                }
                for (size_t j = 0; j < J; j++) {
                    const fairc_red_fit *s = stored(&e, j);
                    err[j] = s->err;
                    for (size_t k = 0; k < K; k++) G[k * J + j] = s->gamma[k] - pr->bound[k];
                }
                rc = fairc_eg_lp(J, K, err, G, e.B, Q_lp, r->lambda_lp, NULL, st);
                free(err);
                free(G);
                if (rc != FAIRC_OK) break;
                r->lp_solves++;
                lp_J = J;
                nQ_lp = J;
                have_lp = 1;
                rc = eval_gap(&e, Q_lp, nQ_lp, r->lambda_lp, &g_lp, st);
                if (rc != FAIRC_OK) break;
            }
            gap_lp = gap_of(&g_lp);
        }
        /* 5. keep the better pair (ties: the LP's) */
        int use_lp = !(gap_eg < gap_lp);
        const double *Qk = use_lp ? Q_lp : Q_eg;
        size_t nk = use_lp ? nQ_lp : nQ;
        Qs[t] = malloc((nk ? nk : 1) * sizeof *Qs[t]);
        if (!Qs[t]) {
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            break;
        }
        memcpy(Qs[t], Qk, nk * sizeof *Qk);
        nQs[t] = nk;
        r->gap[t] = use_lp ? gap_lp : gap_eg;
        r->gap_eg[t] = gap_eg;
        r->gap_lp[t] = gap_lp;
        r->from_lp[t] = use_lp;
        r->T = t + 1;
        if (p->progress) {
            char what[160];
            snprintf(what, sizeof what, "iteration %zu/%zu, gap %.6f (nu %.6f), %llu oracle calls",
                     t + 1, T, r->gap[t], e.nu,
                     (unsigned long long)(o->calls + o->cache_hits));
            if (p->progress(p->progress_user, (double)(t + 1) / (double)T, what) != 0) {
                rc = fairc_fail(st, FAIRC_ECANCEL, "cancelled");
                break;
            }
        }
        /* 6. stop */
        if (r->gap[t] < e.nu && t >= EG_MIN_ITER) break;
        /* 7. shrink eta when the best gap stalls */
        if ((double)t >= last_checked * EG_REGRET_CHECK_INCREASE_T) {
            if (min_gap_eg > last_gap * EG_SHRINK_REGRET) eta *= EG_SHRINK_ETA;
            last_checked = (double)t;
            last_gap = min_gap_eg;
        }
        /* 8. theta += eta (gamma(h_t) - b) */
        const fairc_red_fit *sh = stored(&e, ht);
        for (size_t k = 0; k < K; k++) theta[k] += eta * (sh->gamma[k] - pr->bound[k]);
    }
    if (rc != FAIRC_OK) goto out;
    /* Result: the last iteration whose gap is within PRECISION of the smallest. */
    double min_gap = INFINITY;
    for (size_t u = 0; u < r->T; u++)
        if (r->gap[u] < min_gap) min_gap = r->gap[u];
    r->best_iter = 0;
    for (size_t u = 0; u < r->T; u++)
        if (r->gap[u] <= min_gap + EG_PRECISION) r->best_iter = u;
    r->best_gap = r->gap[r->best_iter];
    r->nu = e.nu;
    r->n_hs = e.J;
    r->hs = malloc((e.J ? e.J : 1) * sizeof *r->hs);
    r->Q = calloc(e.J ? e.J : 1, sizeof *r->Q);
    if (!r->hs || !r->Q) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(r->hs, e.hs, e.J * sizeof *r->hs);
    memcpy(r->Q, Qs[r->best_iter], nQs[r->best_iter] * sizeof *r->Q);
out:
    for (size_t u = 0; u < T && Qs; u++) free(Qs[u]);
    free(Qs);
    free(nQs);
    free(theta);
    free(lsum);
    free(lbar);
    free(lambda);
    free(h0);
    free(Qsum);
    free(Q_eg);
    free(Q_lp);
    free(e.hs);
    free(e.tmp_gamma);
    free(e.tmp_lambda);
    free(e.proj);
    if (rc != FAIRC_OK) fairc_eg_result_clear(r);
    return rc;
}
