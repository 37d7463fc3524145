/* threshold.c: ThresholdOptimizer (Hardt et al. 2016) as SPEC §9 defines it. From each group's
 * scores, labels and weights: the trade-off points of the rules "score > t" (and "score < t"
 * with flip), their upper convex hull, its interpolation on a grid of the constraint metric,
 * then the choice of one point per group (simple constraints: the same grid x, or a window of
 * width tol; equalized odds: Fairlearn's construction with p_ignore, or an LP over each group's
 * ROC hull when tol > 0). The result is one randomised rule list per group, plus the pooled
 * rule list for groups unseen at fit. The objective is the true overall metric with weights
 * (fairc differs from Fairlearn, SPEC §9.6). The LP goes to simplex.c.
 * Not here: files (postprocess.c), applying rules to streamed rows (predictor.c, predict.c). */
#include "threshold.h"

#include "simplex.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Rules                                                                                       */

double fairc_rules_apply(const fairc_rule *r, size_t n, double s)
{
    double p = 0;
    for (size_t k = 0; k < n; k++) {
        const fairc_rule *u = &r[k];
        int yes = u->op == FAIRC_RULE_GT ? s > u->t : u->op == FAIRC_RULE_LT ? s < u->t
                                                     : u->op == FAIRC_RULE_ONE;
        if (yes) p += u->prob;
    }
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

const char *fairc_rules_check(const fairc_rule *r, size_t n)
{
    if (n < 1 || n > FAIRC_MAX_RULES) return "a rule list holds 1 to 16 rules";
    fairc_ksum sum = {0, 0};
    for (size_t k = 0; k < n; k++) {
        const fairc_rule *u = &r[k];
        if (!(u->prob >= 0 && u->prob <= 1)) return "a rule's probability is not in [0, 1]";
        if (u->op < FAIRC_RULE_GT || u->op > FAIRC_RULE_ZERO) return "a rule's operator is not >, <, 1 or 0";
        if (isnan(u->t)) return "a rule's threshold is NaN";
        fairc_ksum_add(&sum, u->prob);
    }
    if (!(fabs(fairc_ksum_value(&sum) - 1) <= 1e-9)) return "the rules' probabilities do not sum to 1";
    return NULL;
}

fairc_thresholds *fairc_thresholds_pack(size_t G, const fairc_rules *lists)
{
    fairc_thresholds *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    size_t total = 0;
    for (size_t g = 0; g < G; g++) total += lists[g].n;
    t->first = malloc((G + 1) * sizeof *t->first);
    t->rules = malloc((total ? total : 1) * sizeof *t->rules);
    if (!t->first || !t->rules) {
        fairc_thresholds_free(&t);
        return NULL;
    }
    t->G = G;
    t->first[0] = 0;
    for (size_t g = 0; g < G; g++) {
        memcpy(t->rules + t->first[g], lists[g].r, lists[g].n * sizeof *t->rules);
        t->first[g + 1] = t->first[g] + lists[g].n;
    }
    return t;
}

fairc_thresholds *fairc_thresholds_copy(const fairc_thresholds *t)
{
    fairc_thresholds *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    *c = *t;
    size_t total = t->first[t->G];
    c->first = malloc((t->G + 1) * sizeof *c->first);
    c->rules = malloc((total ? total : 1) * sizeof *c->rules);
    if (!c->first || !c->rules) {
        fairc_thresholds_free(&c);
        return NULL;
    }
    memcpy(c->first, t->first, (t->G + 1) * sizeof *c->first);
    memcpy(c->rules, t->rules, total * sizeof *c->rules);
    return c;
}

void fairc_thresholds_free(fairc_thresholds **tp)
{
    if (!tp || !*tp) return;
    free((*tp)->first);
    free((*tp)->rules);
    free(*tp);
    *tp = NULL;
}

void fairc_threshold_result_clear(fairc_threshold_result *r)
{
    if (!r) return;
    free(r->x);
    free(r->tpr);
    free(r->fpr);
    free(r->sel);
    memset(r, 0, sizeof *r);
}

static void rules_add(fairc_rules *r, int op, double t, double prob)
{
    if (!(prob > 0)) return;
    if (r->n < FAIRC_MAX_RULES) r->r[r->n++] = (fairc_rule){prob, op, t};
}

/* ------------------------------------------------------------------------------------------ */
/* Options                                                                                     */

FAIRC_API void fairc_threshold_options_init(fairc_threshold_options *o)
{
    memset(o, 0, sizeof *o);
    o->constraint = FAIRC_THRESHOLD_DP;
    o->objective = FAIRC_THRESHOLD_OBJ_ACCURACY;
    o->tol = 0;
    o->grid_size = 1000;
    o->flip = 0;
    o->unseen = FAIRC_UNSEEN_ERROR;
}

FAIRC_API const char *fairc_threshold_options_check(const fairc_threshold_options *o)
{
    if (!o) return "no options";
    if (o->constraint < FAIRC_THRESHOLD_DP || o->constraint > FAIRC_THRESHOLD_EO)
        return "the constraint must be dp, tpr, fpr, tnr, fnr or eo";
    if (o->objective < FAIRC_THRESHOLD_OBJ_ACCURACY || o->objective > FAIRC_THRESHOLD_OBJ_TNR)
        return "the objective must be accuracy, balanced_accuracy, selection_rate, tpr or tnr";
    if (o->constraint == FAIRC_THRESHOLD_EO && o->objective != FAIRC_THRESHOLD_OBJ_ACCURACY &&
        o->objective != FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY)
        return "equalized odds takes the objective accuracy or balanced_accuracy";
    if (!(o->tol >= 0) || !isfinite(o->tol)) return "the tolerance (--tol) must be a finite number >= 0";
    if (o->grid_size < 1 || o->grid_size > 10000000) return "the grid size must be in 1..10000000";
    if (o->unseen < FAIRC_UNSEEN_ERROR || o->unseen > FAIRC_UNSEEN_ONE)
        return "the unseen-group policy must be error, pooled, 0 or 1";
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Trade-off points and hulls (SPEC §9.2, §9.3)                                                */

typedef struct tpoint {
    double x, y;
    int op;    /* FAIRC_RULE_GT or LT */
    double t;
    size_t order; /* creation order, the last sort key (determinism) */
} tpoint;

/* Weighted confusion counts of a group at one rule. */
typedef struct counts {
    double tp, fp, tn, fn;
} counts;

/* What every group's points need to know about the data as a whole. */
typedef struct context {
    int constraint, objective;
    double P, N, W; /* overall weighted positives, negatives, total */
} context;

static double x_metric(const context *c, const counts *k, double Pg, double Ng)
{
    switch (c->constraint) {
    case FAIRC_THRESHOLD_DP: return (k->tp + k->fp) / (Pg + Ng);
    case FAIRC_THRESHOLD_TPR: return k->tp / Pg;
    case FAIRC_THRESHOLD_TNR: return k->tn / Ng;
    case FAIRC_THRESHOLD_FNR: return k->fn / Pg;
    default: return k->fp / Ng; /* FPR and EO */
    }
}

/* The group's additive share of the overall objective (SPEC §9.2); EO: the group's TPR. */
static double y_metric(const context *c, const counts *k, double Pg)
{
    if (c->constraint == FAIRC_THRESHOLD_EO) return k->tp / Pg;
    switch (c->objective) {
    case FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY: return k->tp / (2 * c->P) + k->tn / (2 * c->N);
    case FAIRC_THRESHOLD_OBJ_SELECTION_RATE: return (k->tp + k->fp) / c->W;
    case FAIRC_THRESHOLD_OBJ_TPR: return k->tp / c->P;
    case FAIRC_THRESHOLD_OBJ_TNR: return k->tn / c->N;
    default: return (k->tp + k->tn) / c->W;
    }
}

/* One row of a group, sorted by score, descending. */
typedef struct srow {
    double s, w;
    uint8_t y;
    int32_t g; /* its group (the pooled rows are split by it) */
} srow;

/* A group's rows and its points. */
typedef struct tgroup {
    srow *rows;      /* (n) sorted by score, descending */
    size_t n;
    double P, N;     /* weighted positives and negatives */
    tpoint *pts;     /* trade-off points, then (in place) the hull's vertices */
    size_t n_pts, n_hull;
    /* on the grid (grid_size + 1): the left vertex and its probability; y */
    size_t *seg;
    double *p0, *y;
} tgroup;

static void tgroup_free(tgroup *g)
{
    free(g->pts);
    free(g->seg);
    free(g->p0);
    free(g->y);
    memset(g, 0, sizeof *g);
}

/* The thresholds between runs of equal scores: t for "score > t" (and its flip "score < t")
 * separates score v from the next lower distinct score v2. The midpoint, as Fairlearn takes it;
 * should it round onto v (adjacent doubles), "> v2" says the same; "< v" likewise for the flip. */
static void midpoints(double v, double v2, double *t_gt, double *t_lt)
{
    double t = (v + v2) / 2;
    if (!isfinite(t) && isfinite(v) && isfinite(v2)) t = v / 2 + v2 / 2;
    *t_gt = v > t ? t : v2;
    *t_lt = t > v2 ? t : v;
    if (v2 == -INFINITY) *t_gt = *t_lt = -INFINITY; /* after the lowest: everyone, or nobody */
}

/* The points of SPEC §9.2 for group g (rows sorted). Returns -1 on ENOMEM. */
static int group_points(const context *c, tgroup *g, int flip)
{
    size_t runs = 0;
    for (size_t i = 0; i < g->n; i++)
        if (i == 0 || g->rows[i].s != g->rows[i - 1].s) runs++;
    size_t per = flip ? 2 : 1, cap = (runs + 1) * per;
    g->pts = malloc(cap * sizeof *g->pts);
    if (!g->pts) return -1;
    fairc_ksum tp = {0, 0}, fp = {0, 0};
    size_t i = 0, np = 0;
    double t_gt = INFINITY, t_lt = INFINITY;
    for (;;) {
        counts k;
        k.tp = fairc_ksum_value(&tp);
        k.fp = fairc_ksum_value(&fp);
        k.tn = g->N - k.fp;
        k.fn = g->P - k.tp;
        g->pts[np] = (tpoint){x_metric(c, &k, g->P, g->N), y_metric(c, &k, g->P), FAIRC_RULE_GT, t_gt, np};
        np++;
        if (flip) {
            counts f = {k.fn, k.tn, k.fp, k.tp}; /* "score < t": the complement */
            g->pts[np] = (tpoint){x_metric(c, &f, g->P, g->N), y_metric(c, &f, g->P), FAIRC_RULE_LT, t_lt, np};
            np++;
        }
        if (i >= g->n) break;
        double v = g->rows[i].s;
        for (; i < g->n && g->rows[i].s == v; i++) {
            double w = g->rows[i].w;
            if (g->rows[i].y) fairc_ksum_add(&tp, w);
            else fairc_ksum_add(&fp, w);
        }
        midpoints(v, i < g->n ? g->rows[i].s : -INFINITY, &t_gt, &t_lt);
    }
    g->n_pts = np;
    return 0;
}

static int cmp_tpoint(const void *a, const void *b)
{
    const tpoint *p = a, *q = b;
    if (p->x != q->x) return p->x < q->x ? -1 : 1;
    if (p->y != q->y) return p->y < q->y ? -1 : 1;
    return p->order < q->order ? -1 : p->order > q->order;
}

/* Upper (sign = 1) or lower (sign = -1) convex hull of pts sorted by (x, y): keep the highest
 * (lowest) y of each x, then Andrew's monotone chain, dropping r1 while
 * (y1 - y0)(x2 - x0) <= (y2 - y0)(x1 - x0) (SPEC §9.3; y negated for the lower hull).
 * Writes the vertices to out (room for n) and returns their number. */
static size_t hull_chain(const tpoint *pts, size_t n, int sign, tpoint *out)
{
    size_t h = 0;
    for (size_t k = 0; k < n; k++) {
        /* one point per x: the last (upper) or first (lower) of a run of equal x */
        if (sign > 0 && k + 1 < n && pts[k + 1].x == pts[k].x) continue;
        if (sign < 0 && k > 0 && pts[k - 1].x == pts[k].x) continue;
        tpoint r2 = pts[k];
        while (h >= 2) {
            const tpoint *r0 = &out[h - 2], *r1 = &out[h - 1];
            double y0 = sign * r0->y, y1 = sign * r1->y, y2 = sign * r2.y;
            if ((y1 - y0) * (r2.x - r0->x) <= (y2 - y0) * (r1->x - r0->x)) h--;
            else break;
        }
        out[h++] = r2;
    }
    return h;
}

/* Where x lies on g's hull: the segment j (vertices j, j+1) and p0 = the probability of vertex j
 * (SPEC §9.3); on a vertex, that vertex alone (p0 = 1 on j, or p0 = 0 with j + 1). The search
 * starts at *j_out (0, or the previous x's segment when x grows). */
static void hull_locate(const tgroup *g, double x, size_t *j_out, double *p0_out)
{
    const tpoint *h = g->pts;
    size_t j = *j_out;
    while (j + 2 < g->n_hull && x > h[j + 1].x) j++;
    double p0;
    if (x <= h[j].x) p0 = 1;
    else if (x >= h[j + 1].x) p0 = 0;
    else p0 = (h[j + 1].x - x) / (h[j + 1].x - h[j].x);
    *j_out = j;
    *p0_out = p0;
}

static double hull_y(const tgroup *g, size_t j, double p0)
{
    if (p0 == 1) return g->pts[j].y;
    if (p0 == 0) return g->pts[j + 1].y;
    return p0 * g->pts[j].y + (1 - p0) * g->pts[j + 1].y;
}

static double grid_x(size_t k, size_t grid) { return (double)k / (double)grid; }

/* g's hull on the grid x_k = k / grid, k = 0..grid; the vertex index walks forward once. */
static int group_grid(tgroup *g, size_t grid)
{
    g->seg = malloc((grid + 1) * sizeof *g->seg);
    g->p0 = malloc((grid + 1) * sizeof *g->p0);
    g->y = malloc((grid + 1) * sizeof *g->y);
    if (!g->seg || !g->p0 || !g->y) return -1;
    size_t j = 0;
    for (size_t k = 0; k <= grid; k++) {
        double p0;
        hull_locate(g, grid_x(k, grid), &j, &p0);
        g->seg[k] = j;
        g->p0[k] = p0;
        g->y[k] = hull_y(g, j, p0);
    }
    return 0;
}

/* The rules of the point (j, p0) of g's hull; EO's p_ignore mixes in a constant decision that
 * is 1 with probability xc (SPEC §9.6). */
static void hull_rules(const tgroup *g, size_t j, double p0, double p_ignore, double xc, fairc_rules *r)
{
    memset(r, 0, sizeof *r);
    double keep = 1 - p_ignore;
    if (p0 > 0) rules_add(r, g->pts[j].op, g->pts[j].t, keep * p0);
    if (p0 < 1) rules_add(r, g->pts[j + 1].op, g->pts[j + 1].t, keep * (1 - p0));
    if (p_ignore > 0) {
        rules_add(r, FAIRC_RULE_ONE, 0, p_ignore * xc);
        rules_add(r, FAIRC_RULE_ZERO, 0, p_ignore * (1 - xc));
    }
}

/* EO's move from (x, yg) down to y* along the segment to the diagonal point (x, x). */
static double p_ignore_of(double yg, double ystar, double x)
{
    if (yg == x || !(yg > ystar)) return 0;
    double p = (yg - ystar) / (yg - x);
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* Values compared rounded to 12 decimals (SPEC §9.4), so noise in the last bits of equal
 * objectives cannot pick the maximiser. */
static double r12(double v) { return nearbyint(v * 1e12); }

/* ------------------------------------------------------------------------------------------ */
/* Simple constraints (SPEC §9.4)                                                              */

/* No tol: one x for all groups, the first maximiser of sum_g y_g(x). */
static void simple_exact(tgroup *gs, size_t G, size_t grid, size_t *k_of)
{
    double best = -INFINITY;
    size_t kb = 0;
    for (size_t k = 0; k <= grid; k++) {
        double s = 0;
        for (size_t g = 0; g < G; g++) s += gs[g].y[k];
        double r = r12(s);
        if (r > best) {
            best = r;
            kb = k;
        }
    }
    for (size_t g = 0; g < G; g++) k_of[g] = kb;
}

/* With tol: windows of d + 1 grid points; per group a monotone deque holds the window's best
 * index (ties: the later one). Among windows with equal objective, the smaller spread, then
 * the later window. O(grid * G). */
static int simple_window(tgroup *gs, size_t G, size_t grid, size_t d, size_t *k_of)
{
    if (d > grid) d = grid;
    size_t len = grid + 1;
    uint32_t *dq = malloc(G * len * sizeof *dq);
    size_t *head = calloc(G, sizeof *head), *tail = calloc(G, sizeof *tail);
    size_t *cur = malloc(G * sizeof *cur);
    if (!dq || !head || !tail || !cur) {
        free(dq);
        free(head);
        free(tail);
        free(cur);
        return -1;
    }
    double best = -INFINITY;
    size_t best_spread = SIZE_MAX;
    for (size_t end = 0; end <= grid; end++) {
        for (size_t g = 0; g < G; g++) {
            uint32_t *q = dq + g * len;
            double rv = r12(gs[g].y[end]);
            while (tail[g] > head[g] && r12(gs[g].y[q[tail[g] - 1]]) <= rv) tail[g]--;
            q[tail[g]++] = (uint32_t)end;
        }
        if (end < d) continue;
        size_t start = end - d;
        double s = 0;
        size_t lo = SIZE_MAX, hi = 0;
        for (size_t g = 0; g < G; g++) {
            uint32_t *q = dq + g * len;
            while (q[head[g]] < start) head[g]++;
            cur[g] = q[head[g]];
            s += gs[g].y[cur[g]];
            if (cur[g] < lo) lo = cur[g];
            if (cur[g] > hi) hi = cur[g];
        }
        double r = r12(s);
        size_t spread = hi - lo;
        if (r > best || (r == best && spread <= best_spread)) {
            best = r;
            best_spread = spread;
            memcpy(k_of, cur, G * sizeof *k_of);
        }
    }
    free(dq);
    free(head);
    free(tail);
    free(cur);
    return 0;
}


/* ------------------------------------------------------------------------------------------ */
/* Equalized odds (SPEC §9.5)                                                                  */

static double eo_objective(const context *c, double x, double y)
{
    return c->objective == FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY ? (y + 1 - x) / 2
                                                                 : (c->P * y + c->N * (1 - x)) / c->W;
}

/* tol 0: the first maximiser x* of the objective at y_min(x) = min_g y_g(x); *ystar = y_min(x*). */
static size_t eo_exact(const context *c, const tgroup *gs, size_t G, size_t grid, double *ystar,
                       double *obj_out)
{
    double best = -INFINITY;
    size_t kb = 0;
    for (size_t k = 0; k <= grid; k++) {
        double x = grid_x(k, grid), ymin = INFINITY;
        for (size_t g = 0; g < G; g++)
            if (gs[g].y[k] < ymin) ymin = gs[g].y[k];
        double obj = eo_objective(c, x, ymin), r = r12(obj);
        if (r > best) {
            best = r;
            kb = k;
            *ystar = ymin;
            *obj_out = obj;
        }
    }
    return kb;
}

/* The LP of SPEC §9.5 for tol > 0. verts[g] (n_verts[g]): the vertices of group g's ROC hull
 * (x = FPR, y = TPR). Columns: every q_gv, then a_F, a_T (>= 0 without loss: rates are >= 0).
 * Rows per group: sum_v q = 1; a_F - FPR_g <= 0; FPR_g - a_F <= tol; a_T - TPR_g <= 0;
 * TPR_g - a_T <= tol. Objective: sum_g (kP P_g TPR_g - kN N_g FPR_g) (+ sum_g kN N_g). */
static int eo_lp(const context *c, const tgroup *gs, size_t G, tpoint *const *verts,
                 const size_t *n_verts, double tol, fairc_rules *rules, double *obj_out,
                 fairc_status *st)
{
    size_t nq = 0;
    for (size_t g = 0; g < G; g++) nq += n_verts[g];
    size_t n = nq + 2, m = 5 * G;
    /* the tableau has (m + 1) x (n + 6G + 1) doubles: keep it under 256 MiB */
    if ((double)(m + 1) * (double)(n + 6 * G + 1) > 32e6)
        return fairc_fail(st, FAIRC_ELIMIT, "equalized odds with --tol: the LP over %zu groups and "
                          "%zu hull vertices is too large for the dense solver (use --tol 0, or "
                          "fewer groups)", G, nq);
    double *A = calloc(m * n, sizeof *A), *b = calloc(m, sizeof *b), *cc = calloc(n, sizeof *cc);
    double *x = calloc(n, sizeof *x);
    int *type = calloc(m, sizeof *type);
    int rc = FAIRC_OK;
    if (!A || !b || !cc || !x || !type) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    double kP = c->objective == FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY ? 1 / (2 * c->P) : 1 / c->W;
    double kN = c->objective == FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY ? 1 / (2 * c->N) : 1 / c->W;
    double constant = 0;
    size_t col = 0, aF = nq, aT = nq + 1;
    for (size_t g = 0; rc == FAIRC_OK && g < G; g++) {
        double *r0 = A + (5 * g) * n, *r1 = r0 + n, *r2 = r1 + n, *r3 = r2 + n, *r4 = r3 + n;
        for (size_t v = 0; v < n_verts[g]; v++, col++) {
            const tpoint *p = &verts[g][v];
            r0[col] = 1;
            r1[col] = -p->x;
            r2[col] = p->x;
            r3[col] = -p->y;
            r4[col] = p->y;
            cc[col] = kP * gs[g].P * p->y - kN * gs[g].N * p->x;
        }
        r1[aF] = 1;
        r2[aF] = -1;
        r3[aT] = 1;
        r4[aT] = -1;
        b[5 * g] = 1;
        b[5 * g + 2] = tol;
        b[5 * g + 4] = tol;
        type[5 * g] = FAIRC_SIMPLEX_EQ; /* the other rows are <= (0) */
        constant += kN * gs[g].N;
    }
    double value = 0;
    if (rc == FAIRC_OK) {
        /* simplex.c minimises: maximise c.x as min -c.x */
        for (size_t j = 0; j < n; j++) cc[j] = -cc[j];
        fairc_simplex_lp lp = {m, n, A, b, type, cc};
        fairc_simplex_result res;
        rc = fairc_simplex_solve(&lp, 1e-12, x, NULL, &res, st);
        if (rc == FAIRC_OK && res.status != FAIRC_SIMPLEX_OPTIMAL)
            rc = fairc_fail(st, FAIRC_EINVAL, "equalized odds with --tol: the LP solver stopped "
                            "without an optimum (status %d)", res.status);
        value = -res.value;
    }
    col = 0;
    for (size_t g = 0; rc == FAIRC_OK && g < G; g++) {
        fairc_rules *r = &rules[g];
        memset(r, 0, sizeof *r);
        double sum = 0;
        size_t used = 0;
        for (size_t v = 0; v < n_verts[g]; v++)
            if (x[col + v] > 1e-12) {
                sum += x[col + v];
                used++;
            }
        if (used > FAIRC_MAX_RULES || !(sum > 0)) {
            rc = fairc_fail(st, FAIRC_EINVAL, "internal: the LP gave group %zu %zu rules", g, used);
            break;
        }
        for (size_t v = 0; v < n_verts[g]; v++)
            if (x[col + v] > 1e-12) rules_add(r, verts[g][v].op, verts[g][v].t, x[col + v] / sum);
        col += n_verts[g];
    }
    *obj_out = value + constant;
    free(A);
    free(b);
    free(cc);
    free(x);
    free(type);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* The fit                                                                                     */

static const char *metric_name(int constraint)
{
    switch (constraint) {
    case FAIRC_THRESHOLD_DP: return "selection rate";
    case FAIRC_THRESHOLD_TPR: return "true positive rate";
    case FAIRC_THRESHOLD_TNR: return "true negative rate";
    case FAIRC_THRESHOLD_FNR: return "false negative rate";
    default: return "false positive rate";
    }
}

/* Canonical order within a group: score descending, then label, then weight, so the sums (and
 * so every bit of the result) do not depend on the order of the input rows. */
static int cmp_srow_canonical(const void *a, const void *b)
{
    const srow *x = a, *y = b;
    if (x->s != y->s) return x->s > y->s ? -1 : 1;
    if (x->y != y->y) return x->y < y->y ? -1 : 1;
    return x->w < y->w ? -1 : x->w > y->w;
}

/* Rows in canonical order: an LSD radix sort (8-bit digits, passes over digits every key shares
 * skipped) on the scores' bits mapped so that unsigned ascending is score descending, then each
 * run of equal scores sorted by (label, weight). O(N) where a comparison sort of every group
 * (and of the pooled rows) dominated the fit. Rows are moved in place; tmp has room for n. */
static void sort_rows(srow *rows, size_t n, srow *tmp)
{
    uint64_t *key = malloc(2 * (n ? n : 1) * sizeof *key);
    if (!key) { /* no memory for the keys: the comparison sort, same order */
        qsort(rows, n, sizeof *rows, cmp_srow_canonical);
        return;
    }
    uint64_t *key2 = key + n;
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        double v = rows[i].s == 0 ? 0.0 : rows[i].s; /* -0.0 sorts as 0.0, which it equals */
        memcpy(&u, &v, sizeof u);
        u = (u >> 63) ? ~u : u | ((uint64_t)1 << 63); /* ascending in the score */
        key[i] = ~u;                                  /* descending */
    }
    srow *a = rows, *b = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++) count[(key[i] >> shift) & 0xff]++;
        if (n == 0 || count[(key[0] >> shift) & 0xff] == n) continue;
        size_t at = 0;
        for (int d = 0; d < 256; d++) {
            size_t c = count[d];
            count[d] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t to = count[(key[i] >> shift) & 0xff]++;
            b[to] = a[i];
            key2[to] = key[i];
        }
        srow *t = a;
        a = b;
        b = t;
        uint64_t *k = key;
        key = key2;
        key2 = k;
    }
    if (a != rows) memcpy(rows, a, n * sizeof *rows);
    free(key < key2 ? key : key2);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && rows[j].s == rows[i].s) j++;
        if (j - i > 1) qsort(rows + i, j - i, sizeof *rows, cmp_srow_canonical);
        i = j;
    }
}

/* Sorts points by (x, y, order) as cmp_tpoint. Without flip the points come out of
 * group_points with x monotone (the rules' thresholds decrease), so reversing when x falls and
 * sorting runs of equal x gives the same order as a full sort, in O(n) when such runs are short. */
static void sort_points(tpoint *p, size_t n)
{
    if (n > 1 && p[n - 1].x < p[0].x)
        for (size_t i = 0, j = n - 1; i < j; i++, j--) {
            tpoint t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
    for (size_t i = 1; i < n; i++)
        if (p[i].x < p[i - 1].x) { /* not monotone (flip): sort it all */
            qsort(p, n, sizeof *p, cmp_tpoint);
            return;
        }
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && p[j].x == p[i].x) j++;
        if (j - i > 1) qsort(p + i, j - i, sizeof *p, cmp_tpoint);
        i = j;
    }
}

/* The group's P and N (its rows already in canonical order); then its points and upper hull.
 * lower (may be NULL) gets the lower hull of the same points (for the LP) in a new array. */
static int group_prepare(const context *c, tgroup *g, int flip, tpoint **lower, size_t *n_lower)
{
    fairc_ksum P = {0, 0}, Nn = {0, 0};
    for (size_t i = 0; i < g->n; i++) fairc_ksum_add(g->rows[i].y ? &P : &Nn, g->rows[i].w);
    g->P = fairc_ksum_value(&P);
    g->N = fairc_ksum_value(&Nn);
    if (group_points(c, g, flip) != 0) return -1;
    sort_points(g->pts, g->n_pts);
    if (lower) {
        *lower = malloc(g->n_pts * sizeof **lower);
        if (!*lower) return -1;
        *n_lower = hull_chain(g->pts, g->n_pts, -1, *lower);
    }
    g->n_hull = hull_chain(g->pts, g->n_pts, 1, g->pts);
    return 0;
}

/* The expected decisions' rates per group and the objective, on the fitting rows. */
static void summarise(const context *c, const fairc_rules *lists, const tgroup *gs, size_t G,
                      fairc_threshold_result *res)
{
    fairc_ksum TP = {0, 0}, FP = {0, 0};
    double lo = INFINITY, hi = -INFINITY, flo = INFINITY, fhi = -INFINITY, tlo = INFINITY, thi = -INFINITY;
    for (size_t g = 0; g < G; g++) {
        fairc_ksum tp = {0, 0}, fp = {0, 0};
        for (size_t i = 0; i < gs[g].n; i++) {
            const srow *r = &gs[g].rows[i];
            double p = fairc_rules_apply(lists[g].r, lists[g].n, r->s) * r->w;
            fairc_ksum_add(r->y ? &tp : &fp, p);
        }
        double TPg = fairc_ksum_value(&tp), FPg = fairc_ksum_value(&fp);
        fairc_ksum_add(&TP, TPg);
        fairc_ksum_add(&FP, FPg);
        double Pg = gs[g].P, Ng = gs[g].N;
        counts k = {TPg, FPg, Ng - FPg, Pg - TPg};
        res->sel[g] = Pg + Ng > 0 ? (TPg + FPg) / (Pg + Ng) : NAN;
        res->tpr[g] = Pg > 0 ? TPg / Pg : NAN;
        res->fpr[g] = Ng > 0 ? FPg / Ng : NAN;
        res->x[g] = x_metric(c, &k, Pg, Ng);
        if (res->x[g] < lo) lo = res->x[g];
        if (res->x[g] > hi) hi = res->x[g];
        if (res->fpr[g] < flo) flo = res->fpr[g];
        if (res->fpr[g] > fhi) fhi = res->fpr[g];
        if (res->tpr[g] < tlo) tlo = res->tpr[g];
        if (res->tpr[g] > thi) thi = res->tpr[g];
    }
    double tpv = fairc_ksum_value(&TP), fpv = fairc_ksum_value(&FP), tn = c->N - fpv;
    switch (c->objective) {
    case FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY: res->objective = tpv / (2 * c->P) + tn / (2 * c->N); break;
    case FAIRC_THRESHOLD_OBJ_SELECTION_RATE: res->objective = (tpv + fpv) / c->W; break;
    case FAIRC_THRESHOLD_OBJ_TPR: res->objective = tpv / c->P; break;
    case FAIRC_THRESHOLD_OBJ_TNR: res->objective = tn / c->N; break;
    default: res->objective = (tpv + tn) / c->W;
    }
    res->disparity = c->constraint == FAIRC_THRESHOLD_EO ? fmax(fhi - flo, thi - tlo) : hi - lo;
}

int fairc_threshold_fit(size_t N, const double *score, const uint8_t *y, const double *w,
                        const int32_t *group, size_t G, const char *const *group_names,
                        const fairc_threshold_options *o, fairc_thresholds **out,
                        fairc_threshold_result *res_out, fairc_status *st)
{
    *out = NULL;
    const char *bad = fairc_threshold_options_check(o);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    if (N == 0 || G == 0 || !score || !y || !group)
        return fairc_fail(st, FAIRC_EINVAL, "the threshold optimizer needs rows: scores, labels and groups");
    context c = {o->constraint, o->objective, 0, 0, 0};
    fairc_ksum P = {0, 0}, Nn = {0, 0};
    size_t *count = calloc(G + 1, sizeof *count);
    if (!count) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    for (size_t i = 0; i < N; i++) {
        double wi = w ? w[i] : 1;
        if (!isfinite(score[i])) {
            free(count);
            return fairc_fail(st, FAIRC_EINVAL, "row %zu: the score is not a finite number", i + 1);
        }
        if (y[i] > 1 || !(wi >= 0) || !isfinite(wi) || group[i] < 0 || (size_t)group[i] >= G) {
            free(count);
            return fairc_fail(st, FAIRC_EINVAL, "row %zu: label not 0/1, weight not a finite number "
                              ">= 0, or group out of range", i + 1);
        }
        fairc_ksum_add(y[i] ? &P : &Nn, wi);
        /* a row of weight 0 is as if absent (an integer weight k is k copies, k = 0 too) */
        if (wi > 0) count[group[i] + 1]++;
    }
    c.P = fairc_ksum_value(&P);
    c.N = fairc_ksum_value(&Nn);
    c.W = c.P + c.N;
    const char *need = NULL;
    if (!(c.W > 0)) need = "the rows' total weight is 0";
    else if (o->objective == FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY && !(c.P > 0 && c.N > 0))
        need = "balanced accuracy needs positive and negative labels";
    else if (o->objective == FAIRC_THRESHOLD_OBJ_TPR && !(c.P > 0)) need = "the objective tpr needs positive labels";
    else if (o->objective == FAIRC_THRESHOLD_OBJ_TNR && !(c.N > 0)) need = "the objective tnr needs negative labels";
    if (need) {
        free(count);
        return fairc_fail(st, FAIRC_EINVAL, "%s", need);
    }
    /* the pooled rule (all rows as one group) only for --unseen-group pooled: it costs as much
     * as the groups together */
    int pooled = o->unseen == FAIRC_UNSEEN_POOLED;
    int lp = o->constraint == FAIRC_THRESHOLD_EO && o->tol > 0;
    size_t grid = o->grid_size;
    int rc = FAIRC_OK;
    /* groups 0..G-1, then the pooled group G */
    tgroup *gs = calloc(G + 1, sizeof *gs);
    srow *rows = malloc(2 * (N ? N : 1) * sizeof *rows);
    tpoint **lower = calloc(G, sizeof *lower);
    size_t *n_lower = calloc(G, sizeof *n_lower);
    size_t *k_of = calloc(G, sizeof *k_of);
    fairc_rules *lists = calloc(G, sizeof *lists), pooled_list;
    memset(&pooled_list, 0, sizeof pooled_list);
    fairc_thresholds *thr = NULL;
    fairc_threshold_result res;
    memset(&res, 0, sizeof res);
    res.x = malloc(G * sizeof *res.x);
    res.tpr = malloc(G * sizeof *res.tpr);
    res.fpr = malloc(G * sizeof *res.fpr);
    res.sel = malloc(G * sizeof *res.sel);
    res.x_best = res.y_best = NAN;
    if (!gs || !rows || !lower || !n_lower || !k_of || !lists || !res.x || !res.tpr || !res.fpr || !res.sel) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        goto done;
    }
    /* rows bucketed by group (a counting sort keeps each group's rows in input order) */
    for (size_t g = 0; g < G; g++) count[g + 1] += count[g];
    for (size_t g = 0; g < G; g++) {
        gs[g].rows = rows + count[g];
        gs[g].n = count[g + 1] - count[g];
    }
    /* every row of weight > 0 once, sorted canonically (the pooled group), then each group's
     * rows taken from it in that order: each group is sorted too */
    size_t used = count[G], u = 0;
    srow *all = rows + N;
    for (size_t i = 0; i < N; i++)
        if (!w || w[i] > 0) all[u++] = (srow){score[i], w ? w[i] : 1, y[i], group[i]};
    sort_rows(all, used, rows);
    for (size_t i = 0; i < used; i++) rows[count[all[i].g]++] = all[i];
    gs[G].rows = all;
    gs[G].n = used;
    for (size_t g = 0; g <= G && rc == FAIRC_OK; g++) {
        if (g == G && !pooled) break;
        if (group_prepare(&c, &gs[g], o->flip, g < G && lp ? &lower[g] : NULL, &n_lower[g]) != 0) {
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
            break;
        }
        if (g == G) break;
        /* the constraint metric must be defined in every group (SPEC §9.2) */
        const char *name = group_names ? group_names[g] : "?";
        const tgroup *t = &gs[g];
        int no_pos = !(t->P > 0), no_neg = !(t->N > 0);
        if (t->n == 0 || (no_pos && no_neg))
            rc = fairc_fail(st, FAIRC_EINVAL, "group '%.200s' has no rows with weight > 0", name);
        else if (o->constraint == FAIRC_THRESHOLD_EO && (no_pos || no_neg))
            rc = fairc_fail(st, FAIRC_EINVAL, "group '%.200s' has only %s labels: equalized odds needs "
                            "both in every group", name, no_pos ? "negative" : "positive");
        else if ((o->constraint == FAIRC_THRESHOLD_TPR || o->constraint == FAIRC_THRESHOLD_FNR) && no_pos)
            rc = fairc_fail(st, FAIRC_EINVAL, "group '%.200s' has no positive labels: its %s is "
                            "undefined", name, metric_name(o->constraint));
        else if ((o->constraint == FAIRC_THRESHOLD_FPR || o->constraint == FAIRC_THRESHOLD_TNR) && no_neg)
            rc = fairc_fail(st, FAIRC_EINVAL, "group '%.200s' has no negative labels: its %s is "
                            "undefined", name, metric_name(o->constraint));
        if (rc == FAIRC_OK && !lp && group_grid(&gs[g], grid) != 0)
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    if (rc != FAIRC_OK) goto done;

    double xp = NAN, yp = NAN; /* where the pooled rule sits */
    if (o->constraint != FAIRC_THRESHOLD_EO) {
        if (o->tol > 0) {
            size_t d = (size_t)floor(o->tol * (double)grid + 1e-9);
            if (simple_window(gs, G, grid, d, k_of) != 0) {
                rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
                goto done;
            }
        } else {
            simple_exact(gs, G, grid, k_of);
            res.x_best = grid_x(k_of[0], grid);
        }
        fairc_ksum xs = {0, 0}, gobj = {0, 0};
        for (size_t g = 0; g < G; g++) {
            size_t k = k_of[g];
            hull_rules(&gs[g], gs[g].seg[k], gs[g].p0[k], 0, 0, &lists[g]);
            fairc_ksum_add(&xs, (gs[g].P + gs[g].N) / c.W * grid_x(k, grid));
            fairc_ksum_add(&gobj, gs[g].y[k]);
        }
        res.grid_objective = fairc_ksum_value(&gobj);
        xp = fairc_ksum_value(&xs);
    } else if (!lp) {
        double ystar = NAN, obj = NAN;
        size_t k = eo_exact(&c, gs, G, grid, &ystar, &obj);
        double xstar = grid_x(k, grid);
        for (size_t g = 0; g < G; g++) {
            double pi = p_ignore_of(gs[g].y[k], ystar, xstar);
            hull_rules(&gs[g], gs[g].seg[k], gs[g].p0[k], pi, xstar, &lists[g]);
        }
        res.x_best = xp = xstar;
        res.y_best = yp = ystar;
        res.grid_objective = obj;
    } else {
        /* every group's vertices: its upper hull, then its lower hull */
        tpoint **verts = calloc(G, sizeof *verts);
        size_t *nv = calloc(G, sizeof *nv);
        if (!verts || !nv) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        for (size_t g = 0; rc == FAIRC_OK && g < G; g++) {
            nv[g] = gs[g].n_hull + n_lower[g];
            if (!(verts[g] = malloc(nv[g] * sizeof **verts))) {
                rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
                break;
            }
            memcpy(verts[g], gs[g].pts, gs[g].n_hull * sizeof **verts);
            memcpy(verts[g] + gs[g].n_hull, lower[g], n_lower[g] * sizeof **verts);
        }
        if (rc == FAIRC_OK) rc = eo_lp(&c, gs, G, verts, nv, o->tol, lists, &res.grid_objective, st);
        for (size_t g = 0; verts && g < G; g++) free(verts[g]);
        free(verts);
        free(nv);
        if (rc != FAIRC_OK) goto done;
    }
    summarise(&c, lists, gs, G, &res);
    if (lp) {
        /* the pooled rule aims at the weighted mean of the groups' rates */
        fairc_ksum xs = {0, 0}, ys = {0, 0};
        for (size_t g = 0; g < G; g++) {
            fairc_ksum_add(&xs, (gs[g].P + gs[g].N) / c.W * res.fpr[g]);
            fairc_ksum_add(&ys, (gs[g].P + gs[g].N) / c.W * res.tpr[g]);
        }
        xp = fairc_ksum_value(&xs);
        yp = fairc_ksum_value(&ys);
    }
    if (pooled) {
        const tgroup *pg = &gs[G];
        if (o->constraint == FAIRC_THRESHOLD_EO && !(pg->P > 0 && pg->N > 0)) {
            rc = fairc_fail(st, FAIRC_EINVAL, "the pooled rule for unseen groups needs positive and negative labels");
            goto done;
        }
        size_t j = 0;
        double p0;
        hull_locate(pg, xp, &j, &p0);
        double pi = o->constraint == FAIRC_THRESHOLD_EO ? p_ignore_of(hull_y(pg, j, p0), yp, xp) : 0;
        hull_rules(pg, j, p0, pi, xp, &pooled_list);
    }
    for (size_t g = 0; g < G && rc == FAIRC_OK; g++) {
        const char *why = fairc_rules_check(lists[g].r, lists[g].n);
        if (why) rc = fairc_fail(st, FAIRC_EINVAL, "internal: group %zu: %s", g, why);
    }
    if (rc != FAIRC_OK) goto done;
    if (!(thr = fairc_thresholds_pack(G, lists))) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        goto done;
    }
    thr->unseen = o->unseen;
    thr->n_pooled = pooled_list.n;
    memcpy(thr->pooled, pooled_list.r, sizeof thr->pooled);
    *out = thr;
    thr = NULL;
    if (res_out) {
        *res_out = res;
        memset(&res, 0, sizeof res);
    }
done:
    for (size_t g = 0; gs && g <= G; g++) tgroup_free(&gs[g]);
    for (size_t g = 0; lower && g < G; g++) free(lower[g]);
    free(lower);
    free(n_lower);
    free(gs);
    free(rows);
    free(count);
    free(k_of);
    free(lists);
    fairc_thresholds_free(&thr);
    fairc_threshold_result_clear(&res);
    return rc;
}

int fairc_threshold_curve(size_t N, const double *score, const uint8_t *y, const double *w,
                          const fairc_threshold_options *o, fairc_tradeoff_point *pts,
                          size_t *n_pts, fairc_tradeoff_point *hull, size_t *n_hull,
                          fairc_status *st)
{
    const char *bad = fairc_threshold_options_check(o);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    context c = {o->constraint, o->objective, 0, 0, 0};
    tgroup g;
    memset(&g, 0, sizeof g);
    g.rows = malloc((N ? N : 1) * sizeof *g.rows);
    if (!g.rows) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    fairc_ksum P = {0, 0}, Nn = {0, 0};
    for (size_t i = 0; i < N; i++) {
        double wi = w ? w[i] : 1;
        fairc_ksum_add(y[i] ? &P : &Nn, wi);
        if (wi > 0) g.rows[g.n++] = (srow){score[i], wi, y[i], 0};
    }
    srow *tmp = malloc((N ? N : 1) * sizeof *tmp);
    if (!tmp) {
        free(g.rows);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    sort_rows(g.rows, g.n, tmp);
    free(tmp);
    c.P = fairc_ksum_value(&P);
    c.N = fairc_ksum_value(&Nn);
    c.W = c.P + c.N;
    srow *rows = g.rows;
    int rc = group_prepare(&c, &g, o->flip, NULL, NULL) == 0 ? FAIRC_OK : fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (rc == FAIRC_OK) {
        /* the sorted points are gone (the hull was built in place): rebuild them */
        tgroup h = g;
        h.pts = NULL;
        if (group_points(&c, &h, o->flip) != 0) rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        else {
            sort_points(h.pts, h.n_pts);
            for (size_t k = 0; k < h.n_pts; k++) pts[k] = (fairc_tradeoff_point){h.pts[k].x, h.pts[k].y, h.pts[k].op, h.pts[k].t};
            *n_pts = h.n_pts;
            for (size_t k = 0; k < g.n_hull; k++) hull[k] = (fairc_tradeoff_point){g.pts[k].x, g.pts[k].y, g.pts[k].op, g.pts[k].t};
            *n_hull = g.n_hull;
        }
        free(h.pts);
    }
    free(g.pts);
    free(rows);
    return rc;
}
