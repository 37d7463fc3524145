/* simplex.c: dense two-phase primal simplex with Bland's rule (simplex.h says why our own).
 *
 * Tableau: rows 0..m-1 are the constraints after flipping rows with b_i < 0 (so every
 * right-hand side starts >= 0; a flipped <= row becomes >=, and back). Columns: the n variables,
 * then one unit column per row (a slack for <= rows, an artificial for = and >= rows; together
 * the starting basis, the identity), then a surplus column (-1) per >= row. Pivots are row
 * operations on the whole tableau, so the unit columns always hold B^-1 and the duals are
 * y = c_B B^-1 read from them. Phase 1 minimises the sum of the artificials; phase 2 the real
 * costs, with artificials barred from entering. Bland's rule: the entering column is the first
 * with a negative reduced cost, the leaving row the one of smallest ratio, ties going to the
 * basic variable of smallest index; it never cycles. */
#include "simplex.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { COL_X = 0, COL_SLACK = 1, COL_ART = 2, COL_SURPLUS = 3 };

typedef struct tableau {
    size_t m, nc;     /* rows, columns */
    double *T;        /* (m, nc) */
    double *rhs;      /* (m) */
    double *d;        /* (nc) reduced costs */
    double *cost;     /* (nc) current phase's costs */
    size_t *basis;    /* (m) */
    unsigned char *kind; /* (nc) COL_* */
    double tol;
    size_t pivots, max_pivots;
} tableau;

static void reduced_costs(tableau *t)
{
    for (size_t j = 0; j < t->nc; j++) {
        double s = t->cost[j];
        for (size_t i = 0; i < t->m; i++) s -= t->cost[t->basis[i]] * t->T[i * t->nc + j];
        t->d[j] = s;
    }
}

static void pivot(tableau *t, size_t r, size_t q)
{
    size_t nc = t->nc;
    double *R = t->T + r * nc, p = R[q];
    for (size_t j = 0; j < nc; j++) R[j] /= p;
    t->rhs[r] /= p;
    R[q] = 1.0;
    for (size_t i = 0; i < t->m; i++) {
        if (i == r) continue;
        double *Ri = t->T + i * nc, f = Ri[q];
        if (f == 0) continue;
        for (size_t j = 0; j < nc; j++) Ri[j] -= f * R[j];
        Ri[q] = 0.0;
        t->rhs[i] -= f * t->rhs[r];
        if (t->rhs[i] < 0 && t->rhs[i] > -t->tol) t->rhs[i] = 0.0; /* rounding below a tie */
    }
    double f = t->d[q];
    if (f != 0) {
        for (size_t j = 0; j < nc; j++) t->d[j] -= f * R[j];
        t->d[q] = 0.0;
    }
    t->basis[r] = q;
    t->pivots++;
}

/* Runs the simplex on the current costs; columns of kind COL_ART may not enter when no_art.
 * Returns FAIRC_SIMPLEX_OPTIMAL, _UNBOUNDED or _STALLED. */
static int run(tableau *t, int no_art)
{
    size_t nc = t->nc;
    for (;;) {
        size_t q = nc;
        for (size_t j = 0; j < nc; j++) {
            if (no_art && t->kind[j] == COL_ART) continue;
            if (t->d[j] < -t->tol) {
                q = j;
                break;
            }
        }
        if (q == nc) return FAIRC_SIMPLEX_OPTIMAL;
        size_t r = t->m;
        double best = INFINITY;
        for (size_t i = 0; i < t->m; i++) {
            double a = t->T[i * nc + q];
            if (!(a > t->tol)) continue;
            double ratio = t->rhs[i] / a, slack = t->tol * (1.0 + fabs(best));
            if (r == t->m || ratio < best - slack) {
                best = ratio;
                r = i;
            } else if (ratio <= best + slack && t->basis[i] < t->basis[r]) {
                if (ratio < best) best = ratio;
                r = i;
            }
        }
        if (r == t->m) return FAIRC_SIMPLEX_UNBOUNDED;
        if (t->pivots >= t->max_pivots) return FAIRC_SIMPLEX_STALLED;
        pivot(t, r, q);
    }
}

int fairc_simplex_solve(const fairc_simplex_lp *lp, double tol, double *x, double *y, fairc_simplex_result *res,
                   fairc_status *st)
{
    res->status = FAIRC_SIMPLEX_STALLED;
    res->value = NAN;
    res->pivots = 0;
    size_t m = lp->m, n = lp->n;
    if (m == 0 || n == 0 || m > 100000 || n > 100000)
        return fairc_fail(st, FAIRC_EINVAL, "an LP needs 1 to 100000 rows and variables");
    if (!(tol >= 0)) return fairc_fail(st, FAIRC_EINVAL, "the LP tolerance must be >= 0");
    size_t n_ge = 0;
    for (size_t i = 0; i < m; i++) {
        int ty = lp->type[i];
        if (ty != FAIRC_SIMPLEX_LE && ty != FAIRC_SIMPLEX_EQ && ty != FAIRC_SIMPLEX_GE)
            return fairc_fail(st, FAIRC_EINVAL, "LP row %zu has an unknown type", i);
        if (!isfinite(lp->b[i])) return fairc_fail(st, FAIRC_EINVAL, "LP row %zu: b is not finite", i);
        int flip = lp->b[i] < 0;
        if ((ty == FAIRC_SIMPLEX_GE && !flip) || (ty == FAIRC_SIMPLEX_LE && flip)) n_ge++;
    }
    for (size_t j = 0; j < n; j++)
        if (!isfinite(lp->c[j])) return fairc_fail(st, FAIRC_EINVAL, "LP cost %zu is not finite", j);
    for (size_t k = 0; k < m * n; k++)
        if (!isfinite(lp->A[k])) return fairc_fail(st, FAIRC_EINVAL, "the LP matrix has a value that is not finite");
    tableau t;
    memset(&t, 0, sizeof t);
    t.m = m;
    t.nc = n + m + n_ge;
    t.tol = tol;
    t.max_pivots = 1000 * (t.nc + m);
    if (t.nc > SIZE_MAX / sizeof(double) / m) return fairc_fail(st, FAIRC_ENOMEM, "LP too large");
    t.T = calloc(m * t.nc, sizeof *t.T);
    t.rhs = calloc(m, sizeof *t.rhs);
    t.d = calloc(t.nc, sizeof *t.d);
    t.cost = calloc(t.nc, sizeof *t.cost);
    t.basis = calloc(m, sizeof *t.basis);
    t.kind = calloc(t.nc, 1);
    double *sign = calloc(m, sizeof *sign);
    int rc = FAIRC_OK;
    if (!t.T || !t.rhs || !t.d || !t.cost || !t.basis || !t.kind || !sign) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory for an LP");
        goto out;
    }
    size_t surplus = n + m;
    int any_art = 0;
    for (size_t i = 0; i < m; i++) {
        double s = lp->b[i] < 0 ? -1.0 : 1.0;
        int ty = lp->type[i];
        if (s < 0 && ty != FAIRC_SIMPLEX_EQ) ty = ty == FAIRC_SIMPLEX_LE ? FAIRC_SIMPLEX_GE : FAIRC_SIMPLEX_LE;
        sign[i] = s;
        double *R = t.T + i * t.nc;
        for (size_t j = 0; j < n; j++) R[j] = s * lp->A[i * n + j] + 0.0;
        t.rhs[i] = s * lp->b[i] + 0.0;
        R[n + i] = 1.0;
        t.kind[n + i] = ty == FAIRC_SIMPLEX_LE ? COL_SLACK : COL_ART;
        any_art |= ty != FAIRC_SIMPLEX_LE;
        if (ty == FAIRC_SIMPLEX_GE) {
            R[surplus] = -1.0;
            t.kind[surplus++] = COL_SURPLUS;
        }
        t.basis[i] = n + i;
    }
    double bmax = 1.0;
    for (size_t i = 0; i < m; i++) bmax = fmax(bmax, t.rhs[i]);
    int status = FAIRC_SIMPLEX_OPTIMAL;
    if (any_art) {
        for (size_t j = 0; j < t.nc; j++) t.cost[j] = t.kind[j] == COL_ART ? 1.0 : 0.0;
        reduced_costs(&t);
        status = run(&t, 0);
        if (status == FAIRC_SIMPLEX_OPTIMAL) {
            double infeas = 0;
            for (size_t i = 0; i < m; i++)
                if (t.kind[t.basis[i]] == COL_ART) infeas += t.rhs[i];
            if (infeas > 1e-9 * bmax) status = FAIRC_SIMPLEX_INFEASIBLE;
        }
        /* Artificials still basic (at 0): pivot them out on any usable column; a row with none
         * is redundant and keeps its artificial at 0, which phase 2 never lets grow. */
        for (size_t i = 0; status == FAIRC_SIMPLEX_OPTIMAL && i < m; i++) {
            if (t.kind[t.basis[i]] != COL_ART) continue;
            for (size_t j = 0; j < t.nc; j++)
                if (t.kind[j] != COL_ART && fabs(t.T[i * t.nc + j]) > tol) {
                    t.rhs[i] = 0.0;
                    pivot(&t, i, j);
                    break;
                }
        }
    }
    if (status == FAIRC_SIMPLEX_OPTIMAL) {
        for (size_t j = 0; j < t.nc; j++) t.cost[j] = j < n ? lp->c[j] : 0.0;
        reduced_costs(&t);
        status = run(&t, 1);
    }
    res->status = status;
    res->pivots = t.pivots;
    if (status == FAIRC_SIMPLEX_OPTIMAL) {
        double *xs = x ? x : NULL;
        if (xs) memset(xs, 0, n * sizeof *xs);
        fairc_ksum v = {0, 0};
        for (size_t i = 0; i < m; i++) {
            size_t j = t.basis[i];
            if (j < n) {
                if (xs) xs[j] = t.rhs[i];
                fairc_ksum_add(&v, lp->c[j] * t.rhs[i]);
            }
        }
        res->value = fairc_ksum_value(&v);
        for (size_t i = 0; y && i < m; i++) {
            double s = 0;
            for (size_t r = 0; r < m; r++) s += t.cost[t.basis[r]] * t.T[r * t.nc + n + i];
            y[i] = sign[i] * s + 0.0;
        }
    }
out:
    free(t.T);
    free(t.rhs);
    free(t.d);
    free(t.cost);
    free(t.basis);
    free(t.kind);
    free(sign);
    return rc;
}
