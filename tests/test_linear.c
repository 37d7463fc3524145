/* test_linear.c: logistic regression (objective, gradient, optimum, weights, warm start,
 * determinism) and ridge regression (normal equations by hand, collinear columns). Reference
 * values come from formulas solved here independently: a bisection for a one-feature optimum,
 * the log-odds for an intercept-only model, Cramer's rule for the normal equations. */
#include "test.h"

#include "model.h"

#include <stdlib.h>

typedef struct {
    size_t N, D;
    float *X;
    double *y, *w;
} tdata;

/* Rows x ~ N(0, 1) (every third feature 0/1, like one-hot columns), labels drawn from a logistic
 * model, weights in [0, 3) with some exact zeros when weighted. */
static tdata make_data(size_t N, size_t D, uint64_t seed, int weighted)
{
    tdata t = {N, D, malloc(N * D * sizeof(float)), malloc(N * sizeof(double)),
               weighted ? malloc(N * sizeof(double)) : NULL};
    fairc_rng r;
    fairc_rng_seed(&r, seed, "test/data");
    double beta[64];
    for (size_t k = 0; k < D && k < 64; k++) beta[k] = fairc_rng_normal(&r);
    for (size_t i = 0; i < N; i++) {
        double z = 0.3;
        for (size_t k = 0; k < D; k++) {
            double x = k % 3 == 2 ? (fairc_rng_uniform(&r) < 0.3) : fairc_rng_normal(&r);
            t.X[i * D + k] = (float)x;
            z += (k < 64 ? beta[k] : 0) * (double)t.X[i * D + k];
        }
        t.y[i] = fairc_rng_uniform(&r) < fairc_sigmoid(z) ? 1 : 0;
        if (t.w) t.w[i] = i % 7 == 3 ? 0.0 : 3 * fairc_rng_uniform(&r);
    }
    return t;
}

static void free_data(tdata *t)
{
    free(t->X);
    free(t->y);
    free(t->w);
}

static fairc_xy view(const tdata *t) { return (fairc_xy){t->N, t->D, t->X, t->y, t->w}; }

static double objective(const fairc_xy *d, const fairc_logistic_params *p, const double *coef)
{
    double f = NAN;
    CHECK_EQ_INT(fairc_logistic_objective(d, p, coef, &f, NULL, NULL), FAIRC_OK);
    return f;
}

TEST(linear_logistic_gradient_matches_central_differences)
{
    for (int weighted = 0; weighted < 2; weighted++)
        for (int variant = 0; variant < 3; variant++) {
            tdata t = make_data(40, 5, 7 + (uint64_t)weighted, weighted);
            fairc_xy d = view(&t);
            fairc_logistic_params p;
            fairc_logistic_params_init(&p);
            p.C = variant == 0 ? 1.0 : variant == 1 ? 0.05 : INFINITY;
            p.fit_intercept = variant != 1;
            p.storage = variant == 2 ? FAIRC_STORAGE_SPARSE : FAIRC_STORAGE_AUTO;
            double coef[6] = {0.3, -0.2, 0.5, 1.0, -0.7, variant != 1 ? 0.4 : 0}, grad[6];
            double f;
            CHECK_EQ_INT(fairc_logistic_objective(&d, &p, coef, &f, grad, NULL), FAIRC_OK);
            for (size_t j = 0; j < (p.fit_intercept ? 6u : 5u); j++) {
                double keep = coef[j], h = 1e-6 * fmax(1.0, fabs(keep));
                coef[j] = keep + h;
                double up = objective(&d, &p, coef);
                coef[j] = keep - h;
                double down = objective(&d, &p, coef);
                coef[j] = keep;
                CHECK_NEAR(grad[j], (up - down) / (2 * h), 1e-7, 1e-6);
            }
            if (!p.fit_intercept) CHECK(grad[5] == 0);
            free_data(&t);
        }
}

static int fit(const tdata *t, const fairc_logistic_params *p, double *coef, fairc_fit_info *info)
{
    fairc_xy d = view(t);
    fairc_status st = {0};
    int rc = fairc_logistic_fit(&d, p, coef, info, &st);
    CHECK_MSG(rc == FAIRC_OK, "fit failed: %s", st.message);
    return rc;
}

/* Rows of 5 numbers and 30 one-hot columns in 3 groups of 10 (13% non-zero): the data the sparse
 * path and the whole-Hessian preconditioner are for. */
static tdata make_onehot(size_t N, uint64_t seed)
{
    size_t D = 35;
    tdata t = {N, D, calloc(N * D, sizeof(float)), malloc(N * sizeof(double)), NULL};
    fairc_rng r;
    fairc_rng_seed(&r, seed, "test/onehot");
    for (size_t i = 0; i < N; i++) {
        double z = -0.5;
        for (size_t k = 0; k < 5; k++) {
            t.X[i * D + k] = (float)fairc_rng_normal(&r);
            z += 0.3 * (double)k * (double)t.X[i * D + k];
        }
        for (size_t g = 0; g < 3; g++) {
            size_t level = (size_t)fairc_rng_below(&r, 10);
            t.X[i * D + 5 + 10 * g + level] = 1;
            z += 0.2 * (double)level - 0.9;
        }
        t.y[i] = fairc_rng_uniform(&r) < fairc_sigmoid(z);
    }
    return t;
}

TEST(linear_logistic_sparse_and_dense_storage_give_the_same_bits)
{
    tdata t = make_onehot(3000, 2);
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    double a[36], b[36], g[36];
    fairc_fit_info ia, ib;
    p.storage = FAIRC_STORAGE_SPARSE;
    fit(&t, &p, a, &ia);
    p.storage = FAIRC_STORAGE_DENSE;
    fit(&t, &p, b, &ib);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(ia.converged && ia.iterations < 20);
    /* one-hot blocks next to an intercept are ill-conditioned; the solver still gets there */
    fairc_xy d = view(&t);
    double f;
    fairc_logistic_objective(&d, &p, a, &f, g, NULL);
    double gn = 0;
    for (int k = 0; k < 36; k++) gn += g[k] * g[k];
    CHECK(sqrt(gn) <= 1e-10 * ia.grad_norm0);
    free_data(&t);
}

TEST(linear_logistic_wide_dense_data_converges_with_the_diagonal_preconditioner)
{
    /* 60 dense features: building the Hessian would cost more than ten CG steps, so CG runs with
     * the Hessian's diagonal. */
    tdata t = make_data(3000, 60, 19, 1);
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    p.C = 0.1;
    double a[61];
    fairc_fit_info info;
    fit(&t, &p, a, &info);
    CHECK(info.converged);
    CHECK(info.cg_iterations > info.iterations); /* not the exact one-step preconditioner */
    CHECK(info.grad_norm <= 1e-10 * info.grad_norm0);
    free_data(&t);
}

TEST(linear_logistic_loss_is_finite_and_exact_for_huge_scores)
{
    /* One row x = 1, y = 0, score 1000: loss log(1 + e^1000) = 1000 (to the last bit), and
     * y = 1 at score -1000 likewise; gradient w (p - y) = 1 and -1. */
    float X[2] = {1, 1};
    double y[2] = {0, 1}, coef[2];
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    p.C = INFINITY;
    for (int row = 0; row < 2; row++) {
        fairc_xy d = {1, 1, X + row, y + row, NULL};
        coef[0] = row ? -1000 : 1000;
        coef[1] = 0;
        double f, g[2];
        CHECK_EQ_INT(fairc_logistic_objective(&d, &p, coef, &f, g, NULL), FAIRC_OK);
        CHECK(f == 1000);
        CHECK(g[0] == (row ? -1 : 1));
    }
}

TEST(linear_logistic_gradient_vanishes_at_the_solution)
{
    for (int variant = 0; variant < 3; variant++) {
        tdata t = make_data(3000, 12, 11, variant == 1);
        fairc_logistic_params p;
        fairc_logistic_params_init(&p);
        if (variant == 2) p.C = 1e-3;
        double coef[13], grad[13], grad0[13], zero[13] = {0};
        fairc_fit_info info;
        if (fit(&t, &p, coef, &info) != FAIRC_OK) {
            free_data(&t);
            continue;
        }
        CHECK(info.converged);
        CHECK(info.iterations > 0 && info.iterations < 30);
        fairc_xy d = view(&t);
        double f, f0;
        fairc_logistic_objective(&d, &p, coef, &f, grad, NULL);
        fairc_logistic_objective(&d, &p, zero, &f0, grad0, NULL);
        double gn = 0, g0n = 0;
        for (int k = 0; k < 13; k++) gn += grad[k] * grad[k], g0n += grad0[k] * grad0[k];
        CHECK_MSG(sqrt(gn) <= 1e-10 * sqrt(g0n), "|grad| = %g, |grad0| = %g", sqrt(gn), sqrt(g0n));
        CHECK_NEAR(info.objective, f, 0, 1e-15);
        CHECK(f < f0);
        free_data(&t);
    }
}

TEST(linear_logistic_one_feature_optimum_matches_bisection)
{
    /* No intercept, C = 2: the optimum b solves b / C + sum w x (sigmoid(b x) - y) = 0, which is
     * increasing in b, so bisection finds it independently of the solver. */
    float X[7] = {-2, -1, -0.5f, 0.5f, 1, 2, 3};
    double y[7] = {0, 1, 0, 1, 0, 1, 1}, w[7] = {1, 2, 1, 0.5, 1, 1, 3};
    double lo = -50, hi = 50;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi), g = mid / 2;
        for (int i = 0; i < 7; i++) g += w[i] * X[i] * (1 / (1 + exp(-mid * X[i])) - y[i]);
        if (g > 0) hi = mid;
        else lo = mid;
    }
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    p.C = 2;
    p.fit_intercept = 0;
    fairc_xy d = {7, 1, X, y, w};
    double coef[2] = {9, 9};
    fairc_fit_info info;
    CHECK_EQ_INT(fairc_logistic_fit(&d, &p, coef, &info, NULL), FAIRC_OK);
    CHECK_NEAR(coef[0], 0.5 * (lo + hi), 1e-12, 1e-10);
    CHECK(coef[1] == 0);
    CHECK(info.converged);
}

TEST(linear_logistic_intercept_only_model_gives_the_weighted_log_odds)
{
    /* A feature that is always 0 leaves only the (unpenalised) intercept: sigmoid(b) equals
     * the weighted positive rate, b = log(W1 / W0). */
    float X[5] = {0, 0, 0, 0, 0};
    double y[5] = {1, 0, 1, 1, 0}, w[5] = {0.5, 2, 1, 0, 1.25};
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    fairc_xy d = {5, 1, X, y, w};
    double coef[2];
    CHECK_EQ_INT(fairc_logistic_fit(&d, &p, coef, NULL, NULL), FAIRC_OK);
    CHECK_NEAR(coef[1], log(1.5 / 3.25), 1e-12, 1e-12);
    CHECK(coef[0] == 0);
}

TEST(linear_logistic_integer_weight_equals_repeated_rows)
{
    tdata t = make_data(300, 6, 21, 0);
    tdata rep = {0, 6, malloc(900 * 6 * sizeof(float)), malloc(900 * sizeof(double)), NULL};
    double *w = malloc(300 * sizeof(double));
    for (size_t i = 0; i < 300; i++) {
        w[i] = (double)(i % 4); /* 0..3 copies */
        for (size_t c = 0; c < i % 4; c++) {
            memcpy(rep.X + rep.N * 6, t.X + i * 6, 6 * sizeof(float));
            rep.y[rep.N++] = t.y[i];
        }
    }
    t.w = w;
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    double a[7], b[7];
    fit(&t, &p, a, NULL);
    fit(&rep, &p, b, NULL);
    for (int k = 0; k < 7; k++) CHECK_NEAR(a[k], b[k], 1e-9, 0);
    free_data(&t);
    free_data(&rep);
}

TEST(linear_logistic_unit_weights_equal_no_weights_bit_for_bit)
{
    tdata t = make_data(1000, 8, 5, 0);
    double *ones = malloc(1000 * sizeof(double)), a[9], b[9];
    for (int i = 0; i < 1000; i++) ones[i] = 1;
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    fairc_fit_info ia, ib;
    fit(&t, &p, a, &ia);
    t.w = ones;
    fit(&t, &p, b, &ib);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK_EQ_INT(ia.iterations, ib.iterations);
    free_data(&t);
}

TEST(linear_logistic_scaling_weights_by_c_equals_scaling_C_by_c)
{
    tdata t = make_data(800, 7, 9, 1);
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    p.C = 0.3;
    double a[8], b[8];
    fit(&t, &p, a, NULL);
    for (size_t i = 0; i < t.N; i++) t.w[i] *= 4.5;
    p.C = 0.3 / 4.5; /* c (sum w loss + |beta|^2 / (2 c C)) has the same minimiser */
    fit(&t, &p, b, NULL);
    for (int k = 0; k < 8; k++) CHECK_NEAR(a[k], b[k], 1e-9, 1e-9);
    free_data(&t);
}

TEST(linear_logistic_zero_weight_rows_change_nothing)
{
    tdata t = make_data(900, 5, 13, 1); /* rows i % 7 == 3 have weight 0 */
    tdata kept = {0, 5, malloc(900 * 5 * sizeof(float)), malloc(900 * sizeof(double)),
                  malloc(900 * sizeof(double))};
    for (size_t i = 0; i < t.N; i++) {
        if (t.w[i] == 0) {
            t.y[i] = 1 - t.y[i]; /* their labels must not matter either */
            continue;
        }
        memcpy(kept.X + kept.N * 5, t.X + i * 5, 5 * sizeof(float));
        kept.y[kept.N] = t.y[i];
        kept.w[kept.N++] = t.w[i];
    }
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    double a[6], b[6];
    fit(&t, &p, a, NULL);
    fit(&kept, &p, b, NULL);
    for (int k = 0; k < 6; k++) CHECK_NEAR(a[k], b[k], 1e-11, 1e-11);
    free_data(&t);
    free_data(&kept);
}

TEST(linear_logistic_warm_start_at_the_optimum_stops_at_once)
{
    tdata t = make_data(2000, 10, 17, 1);
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    double a[11], b[11];
    fairc_fit_info ia, ib;
    fit(&t, &p, a, &ia);
    memcpy(b, a, sizeof a);
    p.warm_start = 1;
    fit(&t, &p, b, &ib);
    CHECK(ib.iterations <= 1);
    CHECK(ib.converged);
    CHECK_NEAR(ib.grad_norm0, ia.grad_norm0, 0, 1e-15);
    for (int k = 0; k < 11; k++) CHECK_NEAR(a[k], b[k], 1e-10, 1e-10);
    /* A warm start from elsewhere reaches the same optimum. */
    for (int k = 0; k < 11; k++) b[k] = a[k] + 0.5;
    fit(&t, &p, b, &ib);
    CHECK(ib.converged);
    for (int k = 0; k < 11; k++) CHECK_NEAR(a[k], b[k], 1e-8, 1e-8);
    free_data(&t);
}

TEST(linear_logistic_one_and_two_threads_give_the_same_bits)
{
    tdata t = make_data(5000, 9, 3, 1); /* 20 blocks of 256 rows */
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    double a[10], b[10];
    p.threads = 1;
    fit(&t, &p, a, NULL);
    p.threads = 2;
    fit(&t, &p, b, NULL);
    CHECK(memcmp(a, b, sizeof a) == 0);
    free_data(&t);
}

TEST(linear_logistic_unpenalised_fit_reaches_a_zero_gradient)
{
    tdata t = make_data(2000, 4, 29, 0);
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    p.C = INFINITY;
    double a[5], g[5], f;
    fairc_fit_info info;
    fit(&t, &p, a, &info);
    CHECK(info.converged);
    fairc_xy d = view(&t);
    fairc_logistic_objective(&d, &p, a, &f, g, NULL);
    for (int k = 0; k < 5; k++) CHECK_NEAR(g[k], 0, 1e-8 * info.grad_norm0, 0);
    free_data(&t);
}

TEST(linear_logistic_rejects_bad_parameters_and_one_class_data)
{
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    CHECK(fairc_logistic_params_check(&p) == NULL);
    p.C = NAN;
    CHECK(fairc_logistic_params_check(&p) != NULL);
    p.C = 0;
    CHECK(fairc_logistic_params_check(&p) != NULL);
    p.C = INFINITY;
    CHECK(fairc_logistic_params_check(&p) == NULL);
    p.tol = NAN;
    CHECK(fairc_logistic_params_check(&p) != NULL);
    fairc_logistic_params_init(&p);
    p.max_iter = -1;
    CHECK(fairc_logistic_params_check(&p) != NULL);

    fairc_logistic_params_init(&p);
    float X[3] = {1, 2, 3};
    double y[3] = {1, 1, 0}, w[3] = {1, 1, 0}, coef[2];
    fairc_xy d = {3, 1, X, y, w};
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_logistic_fit(&d, &p, coef, NULL, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "both labels") != NULL);
    y[2] = 2;
    w[2] = 1;
    CHECK_EQ_INT(fairc_logistic_fit(&d, &p, coef, NULL, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "row 3") != NULL);
    y[2] = 0;
    w[1] = NAN;
    CHECK_EQ_INT(fairc_logistic_fit(&d, &p, coef, NULL, &st), FAIRC_EINVAL);
    w[1] = 1;
    X[0] = INFINITY;
    CHECK_EQ_INT(fairc_logistic_fit(&d, &p, coef, NULL, &st), FAIRC_EINVAL);
}

static int cancel_second(void *user, double fraction, const char *what)
{
    (void)fraction;
    (void)what;
    return ++*(int *)user >= 2;
}

TEST(linear_logistic_progress_callback_can_cancel)
{
    tdata t = make_data(500, 5, 1, 0);
    fairc_logistic_params p;
    fairc_logistic_params_init(&p);
    int calls = 0;
    p.progress = cancel_second;
    p.progress_user = &calls;
    fairc_xy d = view(&t);
    double coef[6];
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_logistic_fit(&d, &p, coef, NULL, &st), FAIRC_ECANCEL);
    CHECK_EQ_INT(calls, 2);
    free_data(&t);
}

TEST(linear_predict_gives_scores_and_their_sigmoid)
{
    float X[4] = {1, 2, -3, 0.5f};
    double coef[3] = {0.5, -1, 0.25}, s[2], pr[2];
    fairc_linear_predict(coef, X, 2, 2, s, pr, 0);
    CHECK(s[0] == 0.5 - 2 + 0.25);
    CHECK(s[1] == -1.5 - 0.5 + 0.25);
    CHECK_NEAR(pr[0], 1 / (1 + exp(1.25)), 0, 1e-15);
    CHECK_NEAR(pr[1], 1 / (1 + exp(1.75)), 0, 1e-15);
}

/* 3 x 3 determinant */
static double det3(const double m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

TEST(linear_ridge_matches_normal_equations_solved_by_cramer)
{
    /* Two features plus intercept: (Z^T W Z + diag(alpha, alpha, 0)) theta = Z^T W y with
     * Z = [x1 x2 1], solved by Cramer's rule. */
    float X[12] = {1, 2, 2, 0, 3, 1, 4, 5, -1, 2, 0.5f, -2};
    double y[6] = {3, 1, 4, 9, 0.5, -1}, w[6] = {1, 2, 0.5, 1, 3, 0};
    for (int ridge = 0; ridge < 2; ridge++) {
        double alpha = ridge ? 2.5 : 0, A[3][3] = {{0}}, b[3] = {0};
        for (int i = 0; i < 6; i++) {
            double z[3] = {X[2 * i], X[2 * i + 1], 1};
            for (int j = 0; j < 3; j++) {
                b[j] += w[i] * z[j] * y[i];
                for (int k = 0; k < 3; k++) A[j][k] += w[i] * z[j] * z[k];
            }
        }
        A[0][0] += alpha;
        A[1][1] += alpha;
        double det = det3(A), want[3];
        for (int c = 0; c < 3; c++) {
            double M[3][3];
            memcpy(M, A, sizeof M);
            for (int r = 0; r < 3; r++) M[r][c] = b[r];
            want[c] = det3(M) / det;
        }
        fairc_linreg_params p;
        fairc_linreg_params_init(&p);
        p.alpha = alpha;
        fairc_xy d = {6, 2, X, y, w};
        double coef[3];
        CHECK_EQ_INT(fairc_linreg_fit(&d, &p, coef, NULL), FAIRC_OK);
        for (int k = 0; k < 3; k++) CHECK_NEAR(coef[k], want[k], 1e-12, 1e-11);
    }
}

TEST(linear_ridge_without_intercept_fits_through_the_origin)
{
    float X[3] = {1, 2, 3};
    double y[3] = {2, 3, 7}, coef[2];
    fairc_linreg_params p;
    fairc_linreg_params_init(&p);
    p.fit_intercept = 0;
    fairc_xy d = {3, 1, X, y, NULL};
    CHECK_EQ_INT(fairc_linreg_fit(&d, &p, coef, NULL), FAIRC_OK);
    CHECK_NEAR(coef[0], (2 + 6 + 21) / 14.0, 1e-14, 1e-14); /* sum x y / sum x^2 */
    CHECK(coef[1] == 0);
}

TEST(linear_ridge_duplicate_column_gives_the_minimum_norm_solution)
{
    /* With x2 = x1 the normal equations are singular; the minimum-norm least-squares solution
     * splits the one-feature slope equally. */
    tdata t = make_data(200, 1, 4, 1);
    float *X2 = malloc(400 * sizeof(float));
    for (size_t i = 0; i < 200; i++) {
        X2[2 * i] = X2[2 * i + 1] = t.X[i];
        t.y[i] = 2 * t.X[i] + 0.1 * (double)(i % 5);
    }
    fairc_linreg_params p;
    fairc_linreg_params_init(&p);
    double one[2], two[3];
    fairc_xy d1 = {200, 1, t.X, t.y, t.w}, d2 = {200, 2, X2, t.y, t.w};
    CHECK_EQ_INT(fairc_linreg_fit(&d1, &p, one, NULL), FAIRC_OK);
    CHECK_EQ_INT(fairc_linreg_fit(&d2, &p, two, NULL), FAIRC_OK);
    CHECK_NEAR(two[0], one[0] / 2, 1e-9, 1e-9);
    CHECK_NEAR(two[1], one[0] / 2, 1e-9, 1e-9);
    CHECK_NEAR(two[2], one[1], 1e-9, 1e-9);
    free(X2);
    free_data(&t);
}

TEST(linear_ridge_unit_weights_equal_no_weights_and_threads_do_not_matter)
{
    tdata t = make_data(3000, 6, 8, 0);
    double *ones = malloc(3000 * sizeof(double)), a[7], b[7], c[7];
    for (int i = 0; i < 3000; i++) ones[i] = 1;
    fairc_linreg_params p;
    fairc_linreg_params_init(&p);
    p.alpha = 0.5;
    p.threads = 1;
    fairc_xy d = view(&t);
    CHECK_EQ_INT(fairc_linreg_fit(&d, &p, a, NULL), FAIRC_OK);
    p.threads = 2;
    CHECK_EQ_INT(fairc_linreg_fit(&d, &p, c, NULL), FAIRC_OK);
    d.w = ones;
    CHECK_EQ_INT(fairc_linreg_fit(&d, &p, b, NULL), FAIRC_OK);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(memcmp(a, c, sizeof a) == 0);
    p.alpha = -1;
    CHECK(fairc_linreg_params_check(&p) != NULL);
    p.alpha = NAN;
    CHECK(fairc_linreg_params_check(&p) != NULL);
    free(ones);
    free_data(&t);
}
