/* gridsearch.c: GridSearch (SPEC §8): Fairlearn's lattice of multipliers, one learner fit per
 * grid point on targets 1[s_i > 0] and weights |s_i| (not normalised), and the selection
 * argmin_j (1 - cw) err_j + cw max_k gamma_kj.
 *
 * The lattice (§8.2) must equal Fairlearn's point for point, including which points the
 * grid_size cut keeps, so the enumeration follows its recursion exactly: coordinate j runs over
 * -rem..rem (0..rem when it may not be negative) in increasing order, rem being the L1 budget
 * left; under a forced norm (bounded group loss) the last coordinate takes what remains.
 *
 * Parallel fits: grid points are independent problems. Each is fitted on one thread, starting
 * from a fixed place (zeros; or, for the learners that warm-start, its parent point's model or
 * the model at lambda = 0 fitted first, see fairc_gridsearch_run), so the results are the same
 * bits for any thread count and order. */
#include "reduction.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#define MAX_LATTICE_POINTS 10000000u

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct lattice {
    size_t dim;
    const uint8_t *neg;
    int force_l1;
    long *entry;     /* (dim) */
    long *pts;       /* (cap, dim) kept points */
    size_t n, cap;   /* kept, allocated */
    size_t count;    /* points enumerated */
    size_t limit;    /* stop after this many */
    int grow;        /* keep every point (grow pts) */
    int nomem;
} lattice;

static void emit(lattice *L)
{
    if (L->n == L->cap && L->grow) {
        size_t cap = L->cap ? 2 * L->cap : 256;
        long *np = realloc(L->pts, cap * (L->dim ? L->dim : 1) * sizeof *np);
        if (!np) {
            L->nomem = 1;
            return;
        }
        L->pts = np;
        L->cap = cap;
    }
    if (L->n < L->cap) {
        memcpy(L->pts + L->n * L->dim, L->entry, L->dim * sizeof *L->entry);
        L->n++;
    }
    L->count++;
}

static void accumulate(lattice *L, size_t idx, long rem)
{
    if (L->count >= L->limit || L->nomem) return;
    if (idx == L->dim) {
        emit(L);
        return;
    }
    if (idx + 1 == L->dim && L->force_l1) {
        if (L->neg[idx] && rem > 0) {
            L->entry[idx] = -rem;
            accumulate(L, idx + 1, 0);
        }
        L->entry[idx] = rem;
        accumulate(L, idx + 1, 0);
        return;
    }
    for (long v = L->neg[idx] ? -rem : 0; v <= rem; v++) {
        L->entry[idx] = v;
        accumulate(L, idx + 1, rem - (v < 0 ? -v : v));
        if (L->count >= L->limit || L->nomem) return;
    }
}

typedef struct {
    long norm;
    size_t index;
} norm_item;

static int cmp_norm(const void *a, const void *b)
{
    const norm_item *x = a, *y = b;
    if (x->norm != y->norm) return x->norm < y->norm ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

int fairc_grid_lattice(size_t grid_size, size_t dim, const uint8_t *neg, int force_l1,
                       int order_norm, long **points, size_t *n_keep, long *n_units,
                       fairc_status *st)
{
    *points = NULL;
    *n_keep = 0;
    *n_units = 0;
    if (grid_size < 1 || grid_size > 1000000) return fairc_fail(st, FAIRC_EINVAL, "the grid size must be in 1..1000000");
    if (dim < 1 || dim > 100000) return fairc_fail(st, FAIRC_EINVAL, "a grid needs 1 to 100000 coordinates");
    size_t n_neg = 0;
    for (size_t j = 0; j < dim; j++) n_neg += neg[j] != 0;
    size_t tdim = force_l1 ? dim - 1 : dim;
    long units;
    if (tdim == 0) {
        units = 1; /* one point whatever the scale: the norm is forced on the only coordinate */
    } else {
        double u = floor(pow((double)grid_size / pow(2.0, (double)n_neg), 1.0 / (double)tdim) - 1.0);
        units = u > 0 ? (long)u : 0;
    }
    lattice L;
    memset(&L, 0, sizeof L);
    L.dim = dim;
    L.neg = neg;
    L.force_l1 = force_l1;
    L.entry = calloc(dim, sizeof *L.entry);
    if (!L.entry) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    int rc = FAIRC_OK;
    for (;;) {
        L.n = 0;
        L.count = 0;
        L.grow = order_norm;
        L.limit = order_norm ? MAX_LATTICE_POINTS + 1 : grid_size;
        if (!order_norm && !L.pts) {
            L.pts = malloc(grid_size * dim * sizeof *L.pts);
            L.cap = grid_size;
            if (!L.pts) {
                rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
                break;
            }
        }
        accumulate(&L, 0, units);
        if (L.nomem) {
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory for the grid");
            break;
        }
        if (L.count > MAX_LATTICE_POINTS) {
            rc = fairc_fail(st, FAIRC_ELIMIT, "the grid's lattice has more than %u points: a "
                            "smaller --grid-size, or --grid-order lattice", MAX_LATTICE_POINTS);
            break;
        }
        if (L.count >= grid_size) break;
        units++;
    }
    free(L.entry);
    if (rc != FAIRC_OK) {
        free(L.pts);
        return rc;
    }
    if (order_norm) {
        norm_item *it = malloc(L.n * sizeof *it);
        long *kept = malloc(grid_size * dim * sizeof *kept);
        if (!it || !kept) {
            free(it);
            free(kept);
            free(L.pts);
            return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        }
        for (size_t q = 0; q < L.n; q++) {
            long s = 0;
            for (size_t j = 0; j < dim; j++) s += labs(L.pts[q * dim + j]);
            it[q] = (norm_item){s, q};
        }
        qsort(it, L.n, sizeof *it, cmp_norm);
        for (size_t q = 0; q < grid_size; q++)
            memcpy(kept + q * dim, L.pts + it[q].index * dim, dim * sizeof *kept);
        free(it);
        free(L.pts);
        L.pts = kept;
    }
    *points = L.pts;
    *n_keep = grid_size;
    *n_units = units;
    return FAIRC_OK;
}

void fairc_gs_basis_clear(fairc_gs_basis *b)
{
    free(b->plus);
    free(b->minus);
    free(b->neg);
    memset(b, 0, sizeof *b);
}

static int basis_alloc(fairc_gs_basis *b, size_t dim, fairc_status *st)
{
    memset(b, 0, sizeof *b);
    size_t n = dim ? dim : 1;
    b->plus = malloc(n * sizeof *b->plus);
    b->minus = malloc(n * sizeof *b->minus);
    b->neg = calloc(n, 1);
    if (!b->plus || !b->minus || !b->neg) {
        fairc_gs_basis_clear(b);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    return FAIRC_OK;
}

int fairc_gs_basis_moment(const fairc_moment *m, const fairc_grouping_rows *gr, size_t n_gr,
                          const int32_t *const *order, fairc_gs_basis *b, fairc_status *st)
{
    size_t dim = 0;
    for (size_t j = 0; j < n_gr; j++) dim += m->E * (gr[j].G ? gr[j].G - 1 : 0);
    if (dim == 0) return fairc_fail(st, FAIRC_EINVAL, "a grid needs at least two groups");
    int rc = basis_alloc(b, dim, st);
    if (rc != FAIRC_OK) return rc;
    /* the constraints of each cell, by sign */
    size_t *kp = malloc((m->C ? m->C : 1) * sizeof *kp), *km = malloc((m->C ? m->C : 1) * sizeof *km);
    if (!kp || !km) {
        free(kp);
        free(km);
        fairc_gs_basis_clear(b);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    for (size_t c = 0; c < m->C; c++) kp[c] = km[c] = SIZE_MAX;
    for (size_t k = 0; k < m->K; k++) {
        if (m->con_sign[k] > 0) kp[m->con_cell[k]] = k;
        else km[m->con_cell[k]] = k;
    }
    size_t d = 0, offset = 0;
    for (size_t j = 0; j < n_gr; j++) {
        size_t G = gr[j].G;
        for (size_t e = 0; e < m->E; e++)
            for (size_t q = 0; q + 1 < G; q++) {
                size_t g = order && order[j] ? (size_t)order[j][q] : q;
                size_t c = offset + e * G + g;
                b->plus[d] = kp[c];
                b->minus[d] = km[c];
                b->neg[d] = 1;
                d++;
            }
        offset += m->E * G;
    }
    b->dim = dim;
    b->force_l1 = 0;
    free(kp);
    free(km);
    return FAIRC_OK;
}

int fairc_gs_basis_bgl(const fairc_bgl *bg, const int32_t *order, fairc_gs_basis *b,
                       fairc_status *st)
{
    int rc = basis_alloc(b, bg->K, st);
    if (rc != FAIRC_OK) return rc;
    size_t d = 0;
    for (size_t q = 0; q < bg->G; q++) {
        size_t g = order ? (size_t)order[q] : q;
        if (bg->group_con[g] < 0) continue;
        b->plus[d] = (size_t)bg->group_con[g];
        b->minus[d] = SIZE_MAX;
        b->neg[d] = 0;
        d++;
    }
    b->dim = d;
    b->force_l1 = 1;
    return FAIRC_OK;
}

void fairc_gs_result_clear(fairc_gs_result *r, size_t n_params)
{
    (void)n_params;
    for (size_t j = 0; r->fits && j < r->P; j++) {
        free(r->fits[j].params);
        free(r->fits[j].gamma);
        free(r->fits[j].lambda);
    }
    free(r->fits);
    free(r->lambda);
    free(r->err);
    free(r->gamma);
    memset(r, 0, sizeof *r);
}

/* Per-thread buffers. */
typedef struct gs_work {
    fairc_red_work w;
    double *s, *target, *weight, *out;
} gs_work;

static void gs_work_free(gs_work *g)
{
    fairc_red_work_free(&g->w);
    free(g->s);
    free(g->target);
    free(g->weight);
    free(g->out);
}

/* Fits grid point j: lambda -> signed weights -> targets and weights -> a constant or the
 * learner (from base when given) -> err and gamma on the training rows. */
static int fit_point(const fairc_oracle *o, gs_work *g, const double *lambda, const double *base,
                     uint64_t call, int threads, fairc_red_fit *f, fairc_status *st)
{
    const fairc_red_problem *p = o->prob;
    size_t N = p->N;
    fairc_red_signed_weights(p, &g->w, lambda, !p->regression, g->s);
    int constant = 1, seen = 0, have_out = 0;
    double first = 0;
    for (size_t i = 0; i < N; i++) {
        g->target[i] = p->regression ? p->y[i] : (g->s[i] > 0 ? 1.0 : 0.0);
        g->weight[i] = p->regression ? g->s[i] : fabs(g->s[i]);
        if (g->weight[i] < 0)
            return fairc_fail(st, FAIRC_EINVAL, "grid point %llu: a row's weight is negative "
                              "(a negative --grid-offset?)", (unsigned long long)call);
        if (!(g->weight[i] > 0)) continue;
        if (!seen) seen = 1, first = g->target[i];
        else if (g->target[i] != first) constant = 0;
    }
    if (!seen) {
        fairc_ksum a = {0, 0}, W = {0, 0};
        for (size_t i = 0; i < N; i++) {
            double wi = p->w ? p->w[i] : 1.0;
            fairc_ksum_add(&a, wi * p->y[i]);
            fairc_ksum_add(&W, wi);
        }
        double mean = fairc_ksum_value(&a) / fairc_ksum_value(&W);
        first = p->regression ? mean : (mean > 0.5 ? 1.0 : 0.0);
    }
    f->call = call;
    if (constant) {
        f->constant = 1;
        f->value = first;
    } else {
        f->params = malloc((o->n_params ? o->n_params : 1) * sizeof *f->params);
        if (!f->params) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        f->warm = base != NULL;
        if (base) memcpy(f->params, base, o->n_params * sizeof *base);
        else memset(f->params, 0, o->n_params * sizeof *f->params);
        fairc_xy d = {N, o->data->D, o->data->X, g->target, g->weight};
        int rc = fairc_red_learner_fit_out(&o->L, &d, f->params, f->warm, NULL, call, threads,
                                           g->out, &have_out, st);
        if (rc != FAIRC_OK) return rc;
        for (size_t j = 0; j < o->n_params; j++)
            if (!isfinite(f->params[j]))
                return fairc_fail(st, FAIRC_EINVAL, "grid point %llu: the learner returned a "
                                  "parameter that is not finite", (unsigned long long)call);
    }
    if (!have_out) fairc_oracle_predict(o, f, o->data->X, N, g->out, st);
    fairc_red_evaluate(p, &g->w, g->out, &f->err, f->gamma);
    return FAIRC_OK;
}

static int gs_work_new(const fairc_red_problem *p, gs_work *g, fairc_status *st)
{
    memset(g, 0, sizeof *g);
    size_t N = p->N ? p->N : 1;
    g->s = malloc(N * sizeof *g->s);
    g->target = malloc(N * sizeof *g->target);
    g->weight = malloc(N * sizeof *g->weight);
    g->out = malloc(N * sizeof *g->out);
    if (!g->s || !g->target || !g->weight || !g->out) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    return fairc_red_work_new(p, &g->w, st);
}

int fairc_gridsearch_run(fairc_oracle *o, const fairc_gs_params *p, fairc_gs_result *r,
                         fairc_status *st)
{
    memset(r, 0, sizeof *r);
    const fairc_red_problem *pr = o->prob;
    size_t K = pr->K, Kc = K ? K : 1;
    if (!(p->grid_limit > 0) || !isfinite(p->grid_limit))
        return fairc_fail(st, FAIRC_EINVAL, "the grid limit must be a finite number > 0");
    if (!(p->constraint_weight >= 0 && p->constraint_weight <= 1))
        return fairc_fail(st, FAIRC_EINVAL, "the constraint weight must be in [0, 1]");
    if (p->n_offset != 0 && p->n_offset != 1 && p->n_offset != K)
        return fairc_fail(st, FAIRC_EINVAL, "--grid-offset takes 1 value or one per constraint "
                          "(%zu), not %zu", K, p->n_offset);
    long *pts = NULL;
    size_t P = 0;
    int rc = fairc_grid_lattice(p->grid_size, p->dim, p->neg, p->force_l1, p->order_norm, &pts,
                                &P, &r->n_units, st);
    if (rc != FAIRC_OK) return rc;
    r->K = K;
    r->P = P;
    r->lambda = calloc(P * Kc, sizeof *r->lambda);
    r->err = calloc(P, sizeof *r->err);
    r->gamma = calloc(P * Kc, sizeof *r->gamma);
    r->fits = calloc(P, sizeof *r->fits);
    if (!r->lambda || !r->err || !r->gamma || !r->fits) {
        free(pts);
        fairc_gs_result_clear(r, o->n_params);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    double scale = r->n_units > 0 ? p->grid_limit / (double)r->n_units : 0.0;
    for (size_t q = 0; q < P; q++) {
        double *lam = r->lambda + q * K;
        for (size_t j = 0; j < p->dim; j++) {
            double c = (double)pts[q * p->dim + j] * scale;
            if (c > 0 && p->basis_plus[j] != SIZE_MAX) lam[p->basis_plus[j]] += c;
            else if (c < 0 && p->basis_minus[j] != SIZE_MAX) lam[p->basis_minus[j]] += -c;
        }
        for (size_t k = 0; k < K && p->n_offset; k++) lam[k] += p->offset[p->n_offset == 1 ? 0 : k];
    }
    /* Warm starts along the lattice: point v starts from its parent, v with its largest
     * coordinate (the first of equals) moved one step towards 0, when the grid holds it, else
     * from the model at lambda = 0. Points are fitted by L1 norm, level after level, in
     * parallel within a level: a fixed dependency, so any thread count gives the same bits. */
    size_t *parent = malloc(P * sizeof *parent);
    long *level = malloc(P * sizeof *level), max_level = 0;
    long *probe = malloc((p->dim ? p->dim : 1) * sizeof *probe);
    fairc_strmap map;
    memset(&map, 0, sizeof map);
    if (!parent || !level || !probe) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t q = 0; rc == FAIRC_OK && q < P; q++) {
        int ins;
        if (fairc_strmap_intern(&map, (const char *)(pts + q * p->dim), p->dim * sizeof *pts, &ins) < 0)
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    for (size_t q = 0; rc == FAIRC_OK && q < P; q++) {
        const long *v = pts + q * p->dim;
        long norm = 0, big = 0;
        size_t jmax = 0;
        for (size_t j = 0; j < p->dim; j++) {
            long a = labs(v[j]);
            norm += a;
            if (a > big) big = a, jmax = j;
        }
        level[q] = norm;
        if (norm > max_level) max_level = norm;
        parent[q] = SIZE_MAX;
        if (norm == 0) continue;
        memcpy(probe, v, p->dim * sizeof *probe);
        probe[jmax] += probe[jmax] > 0 ? -1 : 1;
        long at = fairc_strmap_find(&map, (const char *)probe, p->dim * sizeof *probe);
        if (at >= 0) parent[q] = (size_t)at;
    }
    fairc_strmap_free(&map);
    free(probe);
    free(pts);
    if (rc != FAIRC_OK) {
        free(parent);
        free(level);
        fairc_gs_result_clear(r, o->n_params);
        return rc;
    }
    /* The base model for warm starts: the problem at lambda = 0 (classification; learners that
     * warm-start). */
    double *base = NULL;
    int warm = o->warm_start && !pr->regression &&
               (o->L.kind == FAIRC_LEARNER_LOGISTIC || o->L.kind == FAIRC_LEARNER_MLP);
    int threads = o->L.threads;
#ifdef _OPENMP
    int T = threads > 0 ? threads : omp_get_max_threads();
#else
    int T = 1;
#endif
    if ((size_t)T > P) T = (int)P;
    if (T < 1) T = 1;
    gs_work *gw = calloc((size_t)T, sizeof *gw);
    int *prc = calloc(P, sizeof *prc);
    fairc_status *pst = calloc(P, sizeof *pst);
    if (!gw || !prc || !pst) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (int t = 0; rc == FAIRC_OK && t < T; t++) rc = gs_work_new(pr, &gw[t], st);
    for (size_t q = 0; rc == FAIRC_OK && q < P; q++) {
        r->fits[q].gamma = calloc(Kc, sizeof *r->fits[q].gamma);
        r->fits[q].lambda = malloc(Kc * sizeof *r->fits[q].lambda);
        if (!r->fits[q].gamma || !r->fits[q].lambda) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        else memcpy(r->fits[q].lambda, r->lambda + q * K, K * sizeof(double));
    }
    double t0 = now_s();
    if (rc == FAIRC_OK && warm) {
        fairc_red_fit bf;
        memset(&bf, 0, sizeof bf);
        double *zero = calloc(Kc, sizeof *zero);
        bf.gamma = calloc(Kc, sizeof *bf.gamma);
        if (!zero || !bf.gamma) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        if (rc == FAIRC_OK) rc = fit_point(o, &gw[0], zero, NULL, 0, threads, &bf, st);
        if (rc == FAIRC_OK && !bf.constant) {
            base = bf.params;
            bf.params = NULL;
        }
        o->learner_fits += rc == FAIRC_OK && !bf.constant;
        o->calls++; /* the base model is an oracle call too */
        free(bf.params);
        free(bf.gamma);
        free(zero);
    }
    if (rc == FAIRC_OK) {
        int inner = T > 1 ? 1 : threads;
        size_t done = 0;
        int cancel = 0;
        for (long lv = 0; lv <= max_level; lv++) {
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(T)
#endif
        for (size_t q = 0; q < P; q++) {
            if (level[q] != lv) continue;
#ifdef _OPENMP
            int t = omp_get_thread_num();
#else
            int t = 0;
#endif
            const fairc_red_fit *pf = parent[q] != SIZE_MAX ? &r->fits[parent[q]] : NULL;
            const double *start = !warm ? NULL : pf && pf->params && prc[parent[q]] == FAIRC_OK ? pf->params : base;
            int stop;
#ifdef _OPENMP
#pragma omp atomic read
#endif
            stop = cancel;
            if (stop) {
                prc[q] = FAIRC_ECANCEL;
                continue;
            }
            prc[q] = fit_point(o, &gw[t], r->lambda + q * K, start, q + 1, inner, &r->fits[q], &pst[q]);
            if (p->progress) {
#ifdef _OPENMP
#pragma omp critical /* unnamed: a named one exports a .gomp_critical_user_ symbol */
#endif
                {
                    done++;
                    char what[96];
                    snprintf(what, sizeof what, "grid point %zu/%zu", done, P);
                    if (p->progress(p->progress_user, (double)done / (double)P, what) != 0) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
                        cancel = 1;
                    }
                }
            }
        }
        }
        o->fit_seconds += now_s() - t0; /* fits, with the predictions and evaluations */
        for (size_t q = 0; rc == FAIRC_OK && q < P; q++) {
            if (prc[q] == FAIRC_OK) continue;
            rc = prc[q];
            if (rc == FAIRC_ECANCEL) fairc_fail(st, rc, "cancelled");
            else if (st) *st = pst[q];
        }
    }
    if (rc == FAIRC_OK) {
        double best = INFINITY;
        for (size_t q = 0; q < P; q++) {
            fairc_red_fit *f = &r->fits[q];
            o->learner_fits += !f->constant;
            o->dummy_calls += f->constant != 0;
            o->calls++;
            r->err[q] = f->err;
            memcpy(r->gamma + q * K, f->gamma, K * sizeof(double));
            double mx = -INFINITY;
            for (size_t k = 0; k < K; k++)
                if (f->gamma[k] > mx) mx = f->gamma[k];
            double loss = (1 - p->constraint_weight) * f->err + p->constraint_weight * mx;
            if (loss < best) { /* first index wins ties */
                best = loss;
                r->best = q;
            }
        }
    }
    for (int t = 0; gw && t < T; t++) gs_work_free(&gw[t]);
    free(gw);
    free(parent);
    free(level);
    free(prc);
    free(pst);
    free(base);
    if (rc != FAIRC_OK) fairc_gs_result_clear(r, o->n_params);
    return rc;
}
