/* simplex.h: a small dense linear-programming solver, internal API (not installed). Two-phase
 * primal simplex on a full tableau with Bland's rule, for the LP step of ExponentiatedGradient
 * (SPEC §7.2): a few dozen rows and columns, solved dozens of times per fit. Not here: the LP's
 * meaning (expgrad.c builds it and reads the multipliers from the duals).
 *
 * Why our own and not GLPK: the problems are tiny (K + 1 rows, one column per classifier found),
 * a dense tableau solves them in microseconds, and Bland's rule (smallest-index entering and
 * leaving variables) cannot cycle on the highly degenerate LPs EG produces (many classifiers with
 * equal constraint values; rows with right-hand side 0). One more system dependency for 300
 * lines was not worth it. The duals come from the final basis, y = c_B B^-1, read off the
 * tableau columns that started as the identity, so primal and dual are one consistent pair. */
#ifndef FAIRC_SIMPLEX_H
#define FAIRC_SIMPLEX_H

#include "internal.h"

enum { FAIRC_SIMPLEX_LE = 0, FAIRC_SIMPLEX_EQ = 1, FAIRC_SIMPLEX_GE = 2 };
enum { FAIRC_SIMPLEX_OPTIMAL = 0, FAIRC_SIMPLEX_INFEASIBLE = 1, FAIRC_SIMPLEX_UNBOUNDED = 2,
       FAIRC_SIMPLEX_STALLED = 3 };

/* minimise c . x  subject to  A_i . x (<=, =, >=) b_i for each row i,  x >= 0. */
typedef struct fairc_simplex_lp {
    size_t m, n;      /* rows, variables */
    const double *A;  /* (m, n) row-major */
    const double *b;  /* (m) any sign */
    const int *type;  /* (m) FAIRC_SIMPLEX_LE, _EQ or _GE */
    const double *c;  /* (n) */
} fairc_simplex_lp;

typedef struct fairc_simplex_result {
    int status;       /* FAIRC_SIMPLEX_* */
    double value;     /* c . x at the optimum */
    size_t pivots;    /* simplex pivots in both phases */
} fairc_simplex_result;

/* Solves lp with pivot tolerance tol (entries of magnitude <= tol are treated as 0; 1e-12 is
 * SPEC §7.2's). On FAIRC_SIMPLEX_OPTIMAL, x (n) is an optimal vertex and y (m) the matching duals:
 * y = c_B B^-1 in the rows' own orientation, so that c - A^T y >= 0 (reduced costs),
 * y_i <= 0 on <= rows, y_i >= 0 on >= rows, free on = rows, and b . y = c . x. x or y may be
 * NULL. Returns FAIRC_OK (res->status says whether an optimum was found) or FAIRC_ENOMEM /
 * FAIRC_EINVAL (bad sizes or a row type). */
int fairc_simplex_solve(const fairc_simplex_lp *lp, double tol, double *x, double *y, fairc_simplex_result *res,
                   fairc_status *st);

#endif
