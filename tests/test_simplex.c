/* test_simplex.c: the dense simplex (simplex.c). Every optimum is checked by its optimality
 * conditions, not by a stored answer: primal feasibility, dual feasibility (reduced costs >= 0,
 * dual signs by row type), complementary slackness and equal primal and dual values, each to
 * 1e-9. Cases: hand-solved LPs, mixed row types and negative right-hand sides, Beale's cycling
 * example (Bland's rule must terminate), infeasible and unbounded LPs, random feasible LPs, and
 * ExponentiatedGradient's LP (SPEC §7.2) with its multiplier reading. */
#include "test.h"

#include "model.h"
#include "simplex.h"

#include <stdlib.h>

/* Checks the optimality conditions of (x, y) for lp to tol. */
static void check_kkt(const fairc_simplex_lp *lp, const double *x, const double *y, double value,
                      double tol)
{
    size_t m = lp->m, n = lp->n;
    double cx = 0, by = 0;
    for (size_t j = 0; j < n; j++) {
        CHECK_MSG(x[j] >= -tol, "x[%zu] = %g < 0", j, x[j]);
        cx += lp->c[j] * x[j];
    }
    for (size_t i = 0; i < m; i++) {
        double ax = 0;
        for (size_t j = 0; j < n; j++) ax += lp->A[i * n + j] * x[j];
        double r = ax - lp->b[i];
        if (lp->type[i] == FAIRC_SIMPLEX_LE) CHECK_MSG(r <= tol, "row %zu: A x - b = %g > 0", i, r);
        if (lp->type[i] == FAIRC_SIMPLEX_GE) CHECK_MSG(r >= -tol, "row %zu: A x - b = %g < 0", i, r);
        if (lp->type[i] == FAIRC_SIMPLEX_EQ) CHECK_MSG(fabs(r) <= tol, "row %zu: A x - b = %g", i, r);
        if (lp->type[i] == FAIRC_SIMPLEX_LE) CHECK_MSG(y[i] <= tol, "y[%zu] = %g > 0 on a <= row", i, y[i]);
        if (lp->type[i] == FAIRC_SIMPLEX_GE) CHECK_MSG(y[i] >= -tol, "y[%zu] = %g < 0 on a >= row", i, y[i]);
        CHECK_MSG(fabs(y[i] * r) <= tol, "row %zu: complementary slackness y r = %g", i, y[i] * r);
        by += lp->b[i] * y[i];
    }
    for (size_t j = 0; j < n; j++) {
        double d = lp->c[j];
        for (size_t i = 0; i < m; i++) d -= lp->A[i * n + j] * y[i];
        CHECK_MSG(d >= -tol, "reduced cost %zu = %g < 0", j, d);
        CHECK_MSG(fabs(d * x[j]) <= tol, "column %zu: complementary slackness d x = %g", j, d * x[j]);
    }
    CHECK_NEAR(cx, value, tol, 0);
    CHECK_NEAR(by, value, tol, 0);
}

static int solve(const fairc_simplex_lp *lp, double *x, double *y, fairc_simplex_result *res)
{
    fairc_status st = {0};
    int rc = fairc_simplex_solve(lp, 1e-12, x, y, res, &st);
    CHECK_MSG(rc == FAIRC_OK, "lp_solve: %s", st.message);
    return res->status;
}

/* min -x1 - 2 x2  s.t.  x1 + x2 <= 4,  x1 + 3 x2 <= 6:  x = (3, 1), value -5, y = (-1/2, -1/2). */
TEST(simplex_solves_a_hand_worked_lp_with_its_duals)
{
    double A[] = {1, 1, 1, 3}, b[] = {4, 6}, c[] = {-1, -2}, x[2], y[2];
    int ty[] = {FAIRC_SIMPLEX_LE, FAIRC_SIMPLEX_LE};
    fairc_simplex_lp lp = {2, 2, A, b, ty, c};
    fairc_simplex_result res;
    CHECK_EQ_INT(solve(&lp, x, y, &res), FAIRC_SIMPLEX_OPTIMAL);
    CHECK_NEAR(x[0], 3, 1e-12, 0);
    CHECK_NEAR(x[1], 1, 1e-12, 0);
    CHECK_NEAR(y[0], -0.5, 1e-12, 0);
    CHECK_NEAR(y[1], -0.5, 1e-12, 0);
    CHECK_NEAR(res.value, -5, 1e-12, 0);
    check_kkt(&lp, x, y, res.value, 1e-9);
}

/* Equality, >= and a negative right-hand side: min x1 + x2 + x3 s.t. x1 + x2 = 2,
 * x2 - x3 >= 1, -x1 - x3 <= -1 (x1 + x3 >= 1): optimum value 2 (x = (1, 1, 0)... or ties). */
TEST(simplex_handles_equalities_ge_rows_and_negative_rhs)
{
    double A[] = {1, 1, 0, 0, 1, -1, -1, 0, -1}, b[] = {2, 1, -1}, c[] = {1, 1, 1}, x[3], y[3];
    int ty[] = {FAIRC_SIMPLEX_EQ, FAIRC_SIMPLEX_GE, FAIRC_SIMPLEX_LE};
    fairc_simplex_lp lp = {3, 3, A, b, ty, c};
    fairc_simplex_result res;
    CHECK_EQ_INT(solve(&lp, x, y, &res), FAIRC_SIMPLEX_OPTIMAL);
    CHECK_NEAR(res.value, 2, 1e-12, 0);
    check_kkt(&lp, x, y, res.value, 1e-9);
}

/* Beale (1955): the textbook LP on which the largest-coefficient rule cycles forever. */
TEST(simplex_terminates_on_beales_cycling_example)
{
    double A[] = {0.25, -60, -1.0 / 25, 9, 0.5, -90, -1.0 / 50, 3, 0, 0, 1, 0};
    double b[] = {0, 0, 1}, c[] = {-0.75, 150, -1.0 / 50, 6}, x[4], y[3];
    int ty[] = {FAIRC_SIMPLEX_LE, FAIRC_SIMPLEX_LE, FAIRC_SIMPLEX_LE};
    fairc_simplex_lp lp = {3, 4, A, b, ty, c};
    fairc_simplex_result res;
    CHECK_EQ_INT(solve(&lp, x, y, &res), FAIRC_SIMPLEX_OPTIMAL);
    CHECK_NEAR(res.value, -0.05, 1e-12, 0);
    check_kkt(&lp, x, y, res.value, 1e-9);
}

TEST(simplex_reports_infeasible_and_unbounded_lps)
{
    double A1[] = {1, 1, 1, 1}, b1[] = {1, 3}, c1[] = {1, 1}, x[2], y[2];
    int t1[] = {FAIRC_SIMPLEX_LE, FAIRC_SIMPLEX_GE};
    fairc_simplex_lp lp1 = {2, 2, A1, b1, t1, c1};
    fairc_simplex_result res;
    CHECK_EQ_INT(solve(&lp1, x, y, &res), FAIRC_SIMPLEX_INFEASIBLE);
    double A2[] = {1, -1}, b2[] = {1}, c2[] = {0, -1};
    int t2[] = {FAIRC_SIMPLEX_LE};
    fairc_simplex_lp lp2 = {1, 2, A2, b2, t2, c2};
    CHECK_EQ_INT(solve(&lp2, x, y, &res), FAIRC_SIMPLEX_UNBOUNDED);
    int bad[] = {7};
    fairc_simplex_lp lp3 = {1, 2, A2, b2, bad, c2};
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_simplex_solve(&lp3, 1e-12, x, y, &res, &st), FAIRC_EINVAL);
}

/* Random bounded feasible LPs (a box row keeps them bounded; b >= A x0 for a known x0 >= 0),
 * many degenerate (integer data, zero right-hand sides). */
TEST(simplex_random_lps_satisfy_the_optimality_conditions)
{
    fairc_rng r;
    fairc_rng_seed(&r, 7, "test/simplex");
    for (int trial = 0; trial < 300; trial++) {
        size_t m = 1 + fairc_rng_below(&r, 8), n = 1 + fairc_rng_below(&r, 10);
        size_t M = m + 1;
        double *A = calloc(M * n, sizeof *A), *b = calloc(M, sizeof *b), *c = calloc(n, sizeof *c);
        double *x0 = calloc(n, sizeof *x0), *x = calloc(n, sizeof *x), *y = calloc(M, sizeof *y);
        int *ty = calloc(M, sizeof *ty);
        int integer = trial % 2;
        for (size_t j = 0; j < n; j++) {
            x0[j] = integer ? (double)fairc_rng_below(&r, 3) : fairc_rng_uniform(&r);
            c[j] = integer ? (double)fairc_rng_below(&r, 7) - 3.0 : fairc_rng_normal(&r);
        }
        for (size_t i = 0; i < m; i++) {
            double ax = 0;
            for (size_t j = 0; j < n; j++) {
                A[i * n + j] = integer ? (double)fairc_rng_below(&r, 5) - 2.0 : fairc_rng_normal(&r);
                ax += A[i * n + j] * x0[j];
            }
            ty[i] = (int)fairc_rng_below(&r, 3);
            double slack = integer && fairc_rng_below(&r, 2) ? 0.0 : fairc_rng_uniform(&r);
            b[i] = ty[i] == FAIRC_SIMPLEX_LE ? ax + slack : ty[i] == FAIRC_SIMPLEX_GE ? ax - slack : ax;
        }
        double sum0 = 0;
        for (size_t j = 0; j < n; j++) A[m * n + j] = 1.0, sum0 += x0[j];
        b[m] = sum0 + 1.0;
        ty[m] = FAIRC_SIMPLEX_LE;
        fairc_simplex_lp lp = {M, n, A, b, ty, c};
        fairc_simplex_result res;
        CHECK_EQ_INT(solve(&lp, x, y, &res), FAIRC_SIMPLEX_OPTIMAL);
        if (res.status == FAIRC_SIMPLEX_OPTIMAL) check_kkt(&lp, x, y, res.value, 1e-9);
        free(A), free(b), free(c), free(x0), free(x), free(y), free(ty);
    }
}

/* SPEC §7.2: min sum_j Q_j err_j + B xi s.t. sum_j Q_j G_kj <= xi, sum_j Q_j = 1. With three
 * classifiers (err, G) = (0.10, +0.05), (0.20, -0.05), (0.30, -0.10) on one constraint and
 * B = 100, the optimum mixes the first two half and half (xi = 0, value 0.15), and the
 * multiplier lambda = -y_0 = 1 makes both equally good: err_j + lambda G_j = 0.15. */
TEST(simplex_eg_lp_mixes_two_classifiers_and_prices_the_constraint)
{
    /* columns Q0 Q1 Q2 xi; rows: constraint, sum Q = 1 */
    double A[] = {0.05, -0.05, -0.10, -1, 1, 1, 1, 0}, b[] = {0, 1};
    double c[] = {0.10, 0.20, 0.30, 100}, x[4], y[2];
    int ty[] = {FAIRC_SIMPLEX_LE, FAIRC_SIMPLEX_EQ};
    fairc_simplex_lp lp = {2, 4, A, b, ty, c};
    fairc_simplex_result res;
    CHECK_EQ_INT(solve(&lp, x, y, &res), FAIRC_SIMPLEX_OPTIMAL);
    check_kkt(&lp, x, y, res.value, 1e-9);
    CHECK_NEAR(x[0], 0.5, 1e-12, 0);
    CHECK_NEAR(x[1], 0.5, 1e-12, 0);
    CHECK_NEAR(x[2], 0, 1e-12, 0);
    CHECK_NEAR(x[3], 0, 1e-12, 0);
    CHECK_NEAR(res.value, 0.15, 1e-12, 0);
    CHECK_NEAR(-y[0], 1.0, 1e-12, 0);
    CHECK_NEAR(y[1], 0.15, 1e-12, 0);
}
