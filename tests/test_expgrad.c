/* test_expgrad.c: ExponentiatedGradient (expgrad.c) and the oracle (reduction.c).
 *
 * Against Fairlearn 0.9.0 (tests/ref/reductions_ref.h, from tests/ref/reductions_ref.py) on two
 * small tables with an identical deterministic learner (reduction_fixture.h): nu, every
 * iteration's multipliers, EG gap and LP gap, the stored classifiers (their decisions, errors
 * and gammas), best_iter and the final weights. Tolerance: 1e-9 absolute on multipliers and
 * gaps (the two sides sum in different orders; B = 100 scales rounding by 100), 1e-12 on errors
 * and gammas; decisions and counts exactly. Where the LP has several optimal vertices the
 * weights may differ: the test then checks that both are optimal for the same LP instead.
 *
 * fairc's own properties: integer weights equal row copies; the same run twice gives the same
 * bits; warm starts and the cache change no result of a deterministic learner; the LP step's
 * optimality conditions on EG's own LPs; bad parameters fail with a message. */
#include "reduction_fixture.h"

#include "ref/reductions_ref.h"
#include "simplex.h"

typedef struct eg_case {
    fx_data d;
    fairc_moment *m;
    fairc_red_problem pr;
    fairc_xy xy;
    fairc_oracle o;
    fairc_eg_result r;
    size_t P;
    int rc;
    fairc_status st;
} eg_case;

static void eg_case_run_nu(eg_case *c, const int (*counts)[4][2], size_t G, int kind,
                           const double *w, int warm, int cache, double nu)
{
    memset(c, 0, sizeof *c);
    c->d = fx_make(counts, G);
    c->P = c->d.P;
    CHECK(fairc_moment_new(kind, c->d.N, c->d.y, w, &c->d.gr, 1, 0.01, 1, &c->m, &c->st) == FAIRC_OK);
    CHECK(fairc_red_problem_classify(&c->pr, c->m, 1, 1, &c->st) == FAIRC_OK);
    c->xy = (fairc_xy){c->d.N, 1, c->d.X, c->d.y, w};
    fairc_red_learner L = fx_majority(&c->P);
    CHECK(fairc_oracle_init(&c->o, &c->pr, &c->xy, &L, 1, &c->st) == FAIRC_OK);
    c->o.warm_start = warm;
    c->o.use_cache = cache;
    fairc_eg_params p;
    fairc_eg_params_init(&p);
    p.nu = nu;
    c->rc = fairc_expgrad_run(&c->o, &p, &c->r, &c->st);
    CHECK_MSG(c->rc == FAIRC_OK, "expgrad: %s", c->st.message);
}

static void eg_case_run(eg_case *c, const int (*counts)[4][2], size_t G, int kind, const double *w,
                        int warm, int cache)
{
    eg_case_run_nu(c, counts, G, kind, w, warm, cache, NAN);
}

static void eg_case_free(eg_case *c)
{
    fairc_eg_result_clear(&c->r);
    fairc_oracle_free(&c->o);
    fairc_red_problem_clear(&c->pr);
    fairc_moment_free(&c->m);
    fx_free(&c->d);
}

/* Q and Q_ref are both optimal for the final LP: equal objective values. */
static double mixture_value(const eg_case *c, const double *Q, size_t J, double *max_violation)
{
    size_t K = c->m->K;
    double err = 0, mx = -INFINITY;
    double *g = calloc(K, sizeof *g);
    for (size_t j = 0; j < J; j++) {
        const fairc_red_fit *f = &c->o.fits[c->r.hs[j]];
        err += Q[j] * f->err;
        for (size_t k = 0; k < K; k++) g[k] += Q[j] * f->gamma[k];
    }
    for (size_t k = 0; k < K; k++) mx = fmax(mx, g[k] - 0.01);
    free(g);
    *max_violation = mx;
    return err + c->r.B * fmax(mx, 0);
}

static void check_against_fairlearn(const int (*counts)[4][2], size_t G, int kind, double nu,
                                    size_t T, size_t best_iter, size_t n_hs, const double *lambda,
                                    const double *gap_eg, const double *gap_lp, const double *err,
                                    const double *gamma, const double *weights, const int *tables)
{
    eg_case c;
    eg_case_run(&c, counts, G, kind, NULL, 1, 1);
    if (c.rc != FAIRC_OK) {
        eg_case_free(&c);
        return;
    }
    size_t K = c.m->K;
    CHECK_NEAR(c.r.nu, nu, 1e-15, 0);
    CHECK_EQ_INT(c.r.T, T);
    CHECK_EQ_INT(c.r.n_hs, n_hs);
    CHECK_EQ_INT(c.r.best_iter, best_iter);
    for (size_t t = 0; t < T && t < c.r.T; t++) {
        for (size_t k = 0; k < K; k++)
            CHECK_MSG(test_near(c.r.lambda[t * K + k], lambda[t * K + k], 1e-9, 0),
                      "iteration %zu: lambda[%zu] = %.17g, Fairlearn %.17g", t, k,
                      c.r.lambda[t * K + k], lambda[t * K + k]);
        CHECK_MSG(test_near(c.r.gap_eg[t], gap_eg[t], 1e-9, 0), "iteration %zu: EG gap %.17g, Fairlearn %.17g",
                  t, c.r.gap_eg[t], gap_eg[t]);
        CHECK_MSG(test_near(c.r.gap_lp[t], gap_lp[t], 1e-9, 0), "iteration %zu: LP gap %.17g, Fairlearn %.17g",
                  t, c.r.gap_lp[t], gap_lp[t]);
    }
    for (size_t j = 0; j < n_hs && j < c.r.n_hs; j++) {
        const fairc_red_fit *f = &c.o.fits[c.r.hs[j]];
        for (size_t q = 0; q < c.P; q++)
            CHECK_MSG((f->constant ? f->value : f->params[q]) == tables[j * c.P + q],
                      "stored h %zu: pattern %zu decides %g, Fairlearn's %d", j, q,
                      f->constant ? f->value : f->params[q], tables[j * c.P + q]);
        CHECK_NEAR(f->err, err[j], 1e-12, 0);
        for (size_t k = 0; k < K; k++) CHECK_NEAR(f->gamma[k], gamma[j * K + k], 1e-12, 0);
    }
    int same = 1;
    for (size_t j = 0; j < n_hs && j < c.r.n_hs; j++) same &= test_near(c.r.Q[j], weights[j], 1e-9, 0);
    if (!same) {
        /* several optimal vertices: both must be optimal for the final LP */
        double v1, v2, m1, m2;
        v1 = mixture_value(&c, c.r.Q, c.r.n_hs, &m1);
        v2 = mixture_value(&c, weights, n_hs, &m2);
        CHECK_MSG(test_near(v1, v2, 1e-9, 0), "weights differ from Fairlearn's and are not as good: %.17g vs %.17g", v1, v2);
    }
    double sum = 0;
    for (size_t j = 0; j < c.r.n_hs; j++) sum += c.r.Q[j];
    CHECK_NEAR(sum, 1.0, 1e-12, 0);
    eg_case_free(&c);
}

TEST(expgrad_dp_sequence_matches_fairlearn)
{
    check_against_fairlearn(fx_dp2_counts, 2, FAIRC_CONSTRAINT_DP, eg_dp2_nu, eg_dp2_T,
                            eg_dp2_best_iter, eg_dp2_n_hs, eg_dp2_lambda, eg_dp2_gap_eg,
                            eg_dp2_gap_lp, eg_dp2_err, eg_dp2_gamma, eg_dp2_weights, eg_dp2_tables);
}

TEST(expgrad_eo_three_groups_sequence_matches_fairlearn)
{
    check_against_fairlearn(fx_eo3_counts, 3, FAIRC_CONSTRAINT_EO, eg_eo3_nu, eg_eo3_T,
                            eg_eo3_best_iter, eg_eo3_n_hs, eg_eo3_lambda, eg_eo3_gap_eg,
                            eg_eo3_gap_lp, eg_eo3_err, eg_eo3_gamma, eg_eo3_weights, eg_eo3_tables);
}

/* The cache answers repeated multipliers (t = 0's eval_gap asks lambda_0 again): fewer learner
 * fits than Fairlearn's oracle calls, the same result as without the cache. */
TEST(expgrad_cache_and_warm_start_change_no_result)
{
    eg_case a, b;
    eg_case_run(&a, fx_eo3_counts, 3, FAIRC_CONSTRAINT_EO, NULL, 1, 1);
    eg_case_run(&b, fx_eo3_counts, 3, FAIRC_CONSTRAINT_EO, NULL, 0, 0);
    CHECK(a.o.cache_hits > 0);
    CHECK(a.o.learner_fits + a.o.dummy_calls < b.o.learner_fits + b.o.dummy_calls);
    CHECK_EQ_INT(a.o.learner_fits + a.o.dummy_calls + a.o.cache_hits, b.o.learner_fits + b.o.dummy_calls);
    CHECK_EQ_INT(a.r.T, b.r.T);
    CHECK_EQ_INT(a.r.n_hs, b.r.n_hs);
    for (size_t t = 0; t < a.r.T && t < b.r.T; t++) CHECK(a.r.gap[t] == b.r.gap[t]);
    for (size_t j = 0; j < a.r.n_hs && j < b.r.n_hs; j++) CHECK(a.r.Q[j] == b.r.Q[j]);
    eg_case_free(&a);
    eg_case_free(&b);
}

TEST(expgrad_same_run_twice_gives_the_same_bits)
{
    eg_case a, b;
    eg_case_run(&a, fx_dp2_counts, 2, FAIRC_CONSTRAINT_DP, NULL, 1, 1);
    eg_case_run(&b, fx_dp2_counts, 2, FAIRC_CONSTRAINT_DP, NULL, 1, 1);
    CHECK_EQ_INT(a.r.T, b.r.T);
    CHECK(memcmp(a.r.lambda, b.r.lambda, a.r.T * a.m->K * sizeof(double)) == 0);
    CHECK(memcmp(a.r.gap, b.r.gap, a.r.T * sizeof(double)) == 0);
    CHECK(memcmp(a.r.Q, b.r.Q, a.r.n_hs * sizeof(double)) == 0);
    eg_case_free(&a);
    eg_case_free(&b);
}

/* Integer weight k on a row equals k copies of it: build the eo3 table with every row of
 * bucket 1 weighted 2 and compare with the table whose bucket-1 counts are doubled. Row order
 * differs, so values agree to rounding, decisions exactly. The automatic nu is
 * 0.5 sd / sqrt(n) with n the number of rows (SPEC §7.1), which copies change, so both runs get
 * the same nu. */
TEST(expgrad_integer_weights_equal_row_copies)
{
    int doubled[3][4][2];
    memcpy(doubled, fx_eo3_counts, sizeof doubled);
    for (int g = 0; g < 3; g++)
        for (int l = 0; l < 2; l++) doubled[g][1][l] *= 2;
    fx_data d = fx_make(fx_eo3_counts, 3);
    double *w = malloc(d.N * sizeof *w);
    for (size_t i = 0; i < d.N; i++) w[i] = ((size_t)d.X[i] % 4) == 1 ? 2.0 : 1.0;
    eg_case a, b;
    eg_case_run_nu(&a, fx_eo3_counts, 3, FAIRC_CONSTRAINT_EO, w, 1, 1, 0.012);
    eg_case_run_nu(&b, (const int (*)[4][2])doubled, 3, FAIRC_CONSTRAINT_EO, NULL, 1, 1, 0.012);
    CHECK_EQ_INT(a.r.T, b.r.T);
    CHECK_EQ_INT(a.r.n_hs, b.r.n_hs);
    CHECK_EQ_INT(a.r.best_iter, b.r.best_iter);
    size_t K = a.m->K;
    for (size_t t = 0; t < a.r.T && t < b.r.T; t++) {
        CHECK_NEAR(a.r.gap[t], b.r.gap[t], 1e-9, 0);
        for (size_t k = 0; k < K; k++) CHECK_NEAR(a.r.lambda[t * K + k], b.r.lambda[t * K + k], 1e-9, 0);
    }
    for (size_t j = 0; j < a.r.n_hs && j < b.r.n_hs; j++) {
        const fairc_red_fit *fa = &a.o.fits[a.r.hs[j]], *fb = &b.o.fits[b.r.hs[j]];
        CHECK_NEAR(fa->err, fb->err, 1e-12, 0);
        for (size_t q = 0; q < a.P && !fa->constant && !fb->constant; q++) CHECK(fa->params[q] == fb->params[q]);
        CHECK_NEAR(a.r.Q[j], b.r.Q[j], 1e-9, 0);
    }
    eg_case_free(&a);
    eg_case_free(&b);
    fx_free(&d);
    free(w);
}

/* The LP of SPEC §7.2 on the stored h of a real run: primal feasible, dual feasible,
 * complementary slackness and equal values to 1e-9; lambda in the dual's box. */
TEST(expgrad_lp_step_satisfies_the_optimality_conditions)
{
    eg_case c;
    eg_case_run(&c, fx_eo3_counts, 3, FAIRC_CONSTRAINT_EO, NULL, 1, 1);
    size_t J = c.r.n_hs, K = c.m->K;
    double *errv = malloc(J * sizeof *errv), *G = malloc(J * K * sizeof *G);
    double *Q = malloc(J * sizeof *Q), *lam = malloc(K * sizeof *lam), value = 0;
    for (size_t j = 0; j < J; j++) {
        const fairc_red_fit *f = &c.o.fits[c.r.hs[j]];
        errv[j] = f->err;
        for (size_t k = 0; k < K; k++) G[k * J + j] = f->gamma[k] - 0.01;
    }
    fairc_status st = {0};
    double B = 100;
    CHECK(fairc_eg_lp(J, K, errv, G, B, Q, lam, &value, &st) == FAIRC_OK);
    /* primal: Q >= 0, sum Q = 1, xi = max(0, max_k G_k . Q) */
    double sum = 0, xi = 0, err = 0;
    for (size_t j = 0; j < J; j++) {
        CHECK(Q[j] >= 0);
        sum += Q[j];
        err += Q[j] * errv[j];
    }
    CHECK_NEAR(sum, 1, 1e-9, 0);
    double *row = calloc(K, sizeof *row);
    for (size_t k = 0; k < K; k++) {
        for (size_t j = 0; j < J; j++) row[k] += G[k * J + j] * Q[j];
        xi = fmax(xi, row[k]);
    }
    CHECK_NEAR(err + B * xi, value, 1e-9, 0);
    /* dual: lambda >= 0, sum lambda <= B, z = min_j err_j + lambda . G_j equals the value */
    double lsum = 0, z = INFINITY;
    for (size_t k = 0; k < K; k++) {
        CHECK(lam[k] >= 0);
        lsum += lam[k];
    }
    CHECK(lsum <= B + 1e-9);
    for (size_t j = 0; j < J; j++) {
        double v = errv[j];
        for (size_t k = 0; k < K; k++) v += lam[k] * G[k * J + j];
        z = fmin(z, v);
        /* complementary slackness: Q_j > 0 only on minimisers */
        CHECK_MSG(Q[j] * (v - (value)) <= 1e-9 && Q[j] * (v - value) >= -1e-9,
                  "h %zu: Q %g, reduced value %g vs %g", j, Q[j], v, value);
    }
    CHECK_NEAR(z, value, 1e-9, 0);
    for (size_t k = 0; k < K; k++) CHECK_MSG(fabs(lam[k] * (row[k] - xi)) <= 1e-9, "constraint %zu slack", k);
    CHECK(fabs(xi * (B - lsum)) <= 1e-9);
    free(row);
    free(errv), free(G), free(Q), free(lam);
    eg_case_free(&c);
}

TEST(expgrad_rejects_bad_parameters)
{
    fx_data d = fx_make(fx_dp2_counts, 2);
    fairc_moment *m = NULL;
    fairc_status st = {0};
    CHECK(fairc_moment_new(FAIRC_CONSTRAINT_DP, d.N, d.y, NULL, &d.gr, 1, 0.01, 1, &m, &st) == FAIRC_OK);
    fairc_red_problem pr;
    CHECK(fairc_red_problem_classify(&pr, m, 1, 1, &st) == FAIRC_OK);
    fairc_xy xy = {d.N, 1, d.X, d.y, NULL};
    size_t P = d.P;
    fairc_red_learner L = fx_majority(&P);
    fairc_oracle o;
    CHECK(fairc_oracle_init(&o, &pr, &xy, &L, 1, &st) == FAIRC_OK);
    fairc_eg_params p;
    fairc_eg_result r;
    fairc_eg_params_init(&p);
    p.eg_eps = 0;
    CHECK_EQ_INT(fairc_expgrad_run(&o, &p, &r, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "eg_eps") != NULL);
    fairc_eg_params_init(&p);
    p.eg_eps = NAN;
    CHECK_EQ_INT(fairc_expgrad_run(&o, &p, &r, &st), FAIRC_EINVAL);
    fairc_eg_params_init(&p);
    p.max_iter = 0;
    CHECK_EQ_INT(fairc_expgrad_run(&o, &p, &r, &st), FAIRC_EINVAL);
    fairc_eg_params_init(&p);
    p.nu = -1;
    CHECK_EQ_INT(fairc_expgrad_run(&o, &p, &r, &st), FAIRC_EINVAL);
    fairc_oracle_free(&o);
    fairc_red_problem_clear(&pr);
    fairc_moment_free(&m);
    fx_free(&d);
}

/* ---- the public API and the model file ------------------------------------------------------ */

#include "sha256.h"

/* Random data with a group effect: N rows, D features, 2 groups. */
typedef struct {
    size_t N, D;
    float *X;
    double *y;
    int32_t *g;
} rdata;

static rdata rdata_make(size_t N, size_t D, uint64_t seed)
{
    rdata d = {N, D, malloc(N * D * sizeof(float)), malloc(N * sizeof(double)), malloc(N * sizeof(int32_t))};
    fairc_rng r;
    fairc_rng_seed(&r, seed, "test/expgrad/api");
    for (size_t i = 0; i < N; i++) {
        d.g[i] = (int32_t)(fairc_rng_uniform(&r) < 0.4);
        for (size_t j = 0; j < D; j++) d.X[i * D + j] = (float)(fairc_rng_normal(&r) + (j == 0 ? d.g[i] : 0));
        d.y[i] = fairc_rng_uniform(&r) < 1 / (1 + exp(-(d.X[i * D] + 0.5 * d.X[i * D + 1] - 0.5)));
    }
    return d;
}

static void rdata_free(rdata *d)
{
    free(d->X);
    free(d->y);
    free(d->g);
}

static fairc_predictor *train_eg(const rdata *d, int method, fairc_reduction_info *ri)
{
    const char *names[] = {"g=a", "g=b"};
    fairc_train_options o;
    fairc_train_options_init(&o);
    o.label = "y";
    o.mitigate = method;
    o.constraint = FAIRC_CONSTRAINT_DP;
    o.eps = 0.02;
    o.group_ids = d->g;
    o.n_group_ids = 2;
    o.group_names = names;
    o.threads = 1;
    fairc_reduction_options r;
    fairc_reduction_options_init(&r);
    fairc_predictor *p = NULL;
    fairc_status st = {0};
    int rc = fairc_train_reduction_arrays(d->X, d->N, d->D, d->y, NULL, &o, &r, &p, NULL, ri, &st);
    CHECK_MSG(rc == FAIRC_OK, "train: %s", st.message);
    return p;
}

TEST(expgrad_mixture_round_trips_through_the_model_file)
{
    rdata d = rdata_make(800, 3, 11);
    fairc_reduction_info ri;
    fairc_predictor *p = train_eg(&d, FAIRC_MITIGATE_EXPGRAD, &ri);
    if (!p) {
        rdata_free(&d);
        return;
    }
    CHECK(ri.members >= 1 && ri.members <= ri.candidates);
    CHECK(ri.violation <= 1e-9); /* the mixture meets the bound in expectation on the training rows */
    CHECK(fairc_predictor_randomized(p));
    void *bytes = NULL;
    size_t n = 0;
    fairc_status st = {0};
    CHECK(fairc_predictor_serialize(p, &bytes, &n, &st) == FAIRC_OK);
    CHECK(bytes && ((unsigned char *)bytes)[10] == 2); /* minor version 2: a voting mixture */
    fairc_predictor *q = NULL;
    CHECK_MSG(fairc_predictor_load_memory(bytes, n, "eg.fcm", &q, &st) == FAIRC_OK, "load: %s", st.message);
    double *a = malloc(d.N * sizeof *a), *b = malloc(d.N * sizeof *b);
    CHECK(fairc_predictor_predict(p, d.X, d.N, a, &st) == FAIRC_OK);
    CHECK(q && fairc_predictor_predict(q, d.X, d.N, b, &st) == FAIRC_OK);
    CHECK(memcmp(a, b, d.N * sizeof *a) == 0);
    /* p_i is a mixture of hard decisions: each value a sum of the saved weights */
    for (size_t i = 0; i < d.N; i++) CHECK(a[i] >= 0 && a[i] <= 1);
    char *text = NULL;
    CHECK(q && fairc_predictor_describe(q, 1, &text, &st) == FAIRC_OK);
    CHECK(text && strstr(text, "\"reduction\": {\"method\": \"expgrad\", \"constraint\": \"dp\""));
    free(text);
    /* writing again gives the same bytes */
    void *bytes2 = NULL;
    size_t n2 = 0;
    CHECK(q && fairc_predictor_serialize(q, &bytes2, &n2, &st) == FAIRC_OK);
    CHECK(n2 == n && memcmp(bytes, bytes2, n) == 0);
    free(bytes2);
    free(a);
    free(b);
    fairc_predictor_free(&q);
    /* A damaged diag section is an error naming its byte, never a crash: every byte of it
     * changed in turn (CRC recomputed), the file either loads or fails with a message. */
    unsigned char *c = malloc(n);
    size_t diag = 0;
    for (size_t k = 24; k + 4 <= n; k++)
        if (memcmp((unsigned char *)bytes + k, "diag", 4) == 0) diag = k;
    CHECK(diag > 0);
    size_t fails = 0;
    for (size_t k = diag + 16; diag && k < n - 4; k += 3) {
        memcpy(c, bytes, n);
        c[k] ^= 0xA5;
        uint32_t crc = fairc_crc32(0, c, n - 4);
        for (int j = 0; j < 4; j++) c[n - 4 + (size_t)j] = (unsigned char)(crc >> (8 * j));
        fairc_predictor *x = NULL;
        fairc_status s2 = {0};
        int rc = fairc_predictor_load_memory(c, n, "eg.fcm", &x, &s2);
        if (rc != FAIRC_OK) {
            fails++;
            CHECK_MSG(strstr(s2.message, "eg.fcm: byte ") && strstr(s2.message, "diag"), "%s", s2.message);
        }
        fairc_predictor_free(&x);
    }
    CHECK(fails > 0);
    free(c);
    free(bytes);
    fairc_predictor_free(&p);
    rdata_free(&d);
}

TEST(gridsearch_public_api_saves_the_selected_single_model)
{
    rdata d = rdata_make(800, 3, 12);
    fairc_reduction_info ri;
    fairc_predictor *p = train_eg(&d, FAIRC_MITIGATE_GRIDSEARCH, &ri);
    if (p) {
        CHECK_EQ_INT(ri.candidates, 10);
        CHECK_EQ_INT(ri.members, 1);
        CHECK(!fairc_predictor_randomized(p));
        CHECK(ri.selected < 10);
    }
    fairc_predictor_free(&p);
    rdata_free(&d);
}

/* The oracle's logistic solver reaches fairc_logistic_fit's optimum (same objective): weighted
 * rows, some of weight 0, sparse one-hot columns beside dense ones; cold and warm. */
TEST(expgrad_oracle_logistic_solver_matches_fairc_logistic_fit)
{
    size_t N = 1500, D = 12;
    float *X = calloc(N * D, sizeof *X);
    double *y = malloc(N * sizeof *y), *w = malloc(N * sizeof *w);
    fairc_rng r;
    fairc_rng_seed(&r, 5, "test/expgrad/lr");
    for (size_t i = 0; i < N; i++) {
        X[i * D] = (float)fairc_rng_normal(&r);
        X[i * D + 1] = (float)fairc_rng_normal(&r);
        X[i * D + 2 + fairc_rng_below(&r, 5)] = 1;
        X[i * D + 7 + fairc_rng_below(&r, 5)] = 1;
        y[i] = fairc_rng_uniform(&r) < 1 / (1 + exp(-(X[i * D] - X[i * D + 1] + 0.5 * X[i * D + 3])));
        w[i] = i % 11 == 0 ? 0.0 : 0.2 + 2 * fairc_rng_uniform(&r);
    }
    fairc_red_lr *lr = NULL;
    fairc_status st = {0};
    CHECK(fairc_red_lr_new(X, N, D, &lr, &st) == FAIRC_OK);
    fairc_xy d = {N, D, X, y, w};
    fairc_logistic_params lp;
    fairc_logistic_params_init(&lp);
    for (int pass = 0; pass < 2; pass++) {
        double C = pass ? 0.05 : 1.0;
        lp.C = C;
        double ref[13] = {0}, got[13] = {0}, z[1500];
        CHECK(fairc_logistic_fit(&d, &lp, ref, NULL, &st) == FAIRC_OK);
        int it = 0;
        CHECK(fairc_red_lr_fit(lr, y, w, C, 1e-10, 0, 1, got, z, &it, &st) == FAIRC_OK);
        CHECK(it > 0 && it < 30);
        for (size_t j = 0; j <= D; j++) CHECK_NEAR(got[j], ref[j], 1e-8, 1e-8);
        double s[1500];
        fairc_linear_predict(ref, X, N, D, s, NULL, 1);
        for (size_t i = 0; i < N; i++) CHECK((z[i] > 0) == (s[i] > 0));
        /* warm from the optimum: no step; from a perturbed start: back to it */
        CHECK(fairc_red_lr_fit(lr, y, w, C, 1e-10, 1, 2, got, NULL, &it, &st) == FAIRC_OK);
        CHECK_EQ_INT(it, 0);
        for (size_t j = 0; j <= D; j++) got[j] += 0.3;
        CHECK(fairc_red_lr_fit(lr, y, w, C, 1e-10, 1, 2, got, NULL, &it, &st) == FAIRC_OK);
        for (size_t j = 0; j <= D; j++) CHECK_NEAR(got[j], ref[j], 1e-8, 1e-8);
    }
    fairc_red_lr_free(&lr);
    free(X), free(y), free(w);
}

/* The same with many real columns (64 of 72, stored dense),
 * a column mixing 1 with other values (real, not one-hot), rows without any one-hot column,
 * and a start far from the optimum (the intercept-only start wins): fairc_logistic_fit's optimum
 * each time, and the same bits on 1 and 2 threads. */
TEST(expgrad_oracle_logistic_solver_layouts_and_starts)
{
    for (int wide = 0; wide < 2; wide++) {
        size_t N = 900, D = wide ? 72 : 9;
        float *X = calloc(N * D, sizeof *X);
        double *y = malloc(N * sizeof *y), *w = malloc(N * sizeof *w);
        fairc_rng r;
        fairc_rng_seed(&r, 11 + (uint64_t)wide, "test/expgrad/lr-layouts");
        for (size_t i = 0; i < N; i++) {
            float *x = X + i * D;
            x[0] = (float)fairc_rng_normal(&r);
            x[1] = fairc_rng_uniform(&r) < 0.5 ? 1.0f : (float)(2 + fairc_rng_below(&r, 3)); /* mixed */
            if (i % 4) x[2 + fairc_rng_below(&r, 4)] = 1; /* one row in 4: no one-hot column */
            if (i % 5) x[6 + fairc_rng_below(&r, 3)] = 1;
            for (size_t j = 9; j < D; j++) x[j] = (float)(0.1 * fairc_rng_normal(&r));
            y[i] = fairc_rng_uniform(&r) < 1 / (1 + exp(-(x[0] + 0.4 * x[1] - x[3] + x[6])));
            w[i] = 0.5 + fairc_rng_uniform(&r);
        }
        fairc_red_lr *lr = NULL;
        fairc_status st = {0};
        CHECK(fairc_red_lr_new(X, N, D, &lr, &st) == FAIRC_OK);
        fairc_xy d = {N, D, X, y, w};
        fairc_logistic_params lp;
        fairc_logistic_params_init(&lp);
        double *ref = calloc(D + 1, sizeof *ref), *got = calloc(D + 1, sizeof *got);
        double *bad = malloc((D + 1) * sizeof *bad), *z1 = malloc(N * sizeof *z1), *z2 = malloc(N * sizeof *z2);
        CHECK(fairc_logistic_fit(&d, &lp, ref, NULL, &st) == FAIRC_OK);
        for (size_t j = 0; j <= D; j++) bad[j] = j % 2 ? 40.0 : -40.0;
        const double *starts[1] = {bad};
        int it = 0;
        CHECK(fairc_red_lr_fit_from(lr, y, w, 1.0, 1e-10, starts, 1, 1, got, z1, &it, &st) == FAIRC_OK);
        CHECK(it > 0 && it < 30);
        for (size_t j = 0; j <= D; j++) CHECK_NEAR(got[j], ref[j], 1e-8, 1e-8);
        CHECK(fairc_red_lr_fit_from(lr, y, w, 1.0, 1e-10, starts, 1, 2, got, z2, &it, &st) == FAIRC_OK);
        CHECK_MSG(memcmp(z1, z2, N * sizeof *z1) == 0, "wide %d: scores differ between 1 and 2 threads", wide);
        fairc_red_lr_free(&lr);
        free(X), free(y), free(w), free(ref), free(got), free(bad), free(z1), free(z2);
    }
}

/* One-hot columns present in almost every pattern (the solver sums those over the pieces
 * without them), patterns of 1 to hundreds of rows, a row count that is not a multiple of the
 * 4-row vectors or the 8 blocks, one real column: fairc_logistic_fit's optimum, cold and warm,
 * and the same bits on 1 and 2 threads. */
TEST(expgrad_oracle_logistic_solver_frequent_columns)
{
    size_t N = 2001, D = 10;
    float *X = calloc(N * D, sizeof *X);
    double *y = malloc(N * sizeof *y), *w = malloc(N * sizeof *w);
    fairc_rng r;
    fairc_rng_seed(&r, 3, "test/expgrad/lr-frequent");
    for (size_t i = 0; i < N; i++) {
        float *x = X + i * D;
        x[0] = (float)fairc_rng_normal(&r);
        if (i % 50 == 0) { /* the only pattern without columns 2 and 5 */
            x[3] = x[6] = x[7] = 1;
        } else {
            x[2] = 1;                                       /* frequent */
            x[fairc_rng_uniform(&r) < 0.9 ? 5 : 6] = 1;     /* 5: frequent */
            if (i % 7) x[7 + fairc_rng_below(&r, 3)] = 1;   /* some rows: none of 7-9 */
            if (i % 3 == 0) x[4] = 1;
        }
        y[i] = fairc_rng_uniform(&r) < 1 / (1 + exp(-(x[0] + x[5] - x[8] - 0.5)));
        w[i] = 0.3 + fairc_rng_uniform(&r);
    }
    fairc_red_lr *lr = NULL;
    fairc_status st = {0};
    CHECK(fairc_red_lr_new(X, N, D, &lr, &st) == FAIRC_OK);
    fairc_xy d = {N, D, X, y, w};
    fairc_logistic_params lp;
    fairc_logistic_params_init(&lp);
    double ref[11] = {0}, got[11] = {0}, *z1 = malloc(N * sizeof *z1), *z2 = malloc(N * sizeof *z2);
    CHECK(fairc_logistic_fit(&d, &lp, ref, NULL, &st) == FAIRC_OK);
    int it = 0;
    CHECK(fairc_red_lr_fit(lr, y, w, 1.0, 1e-10, 0, 1, got, z1, &it, &st) == FAIRC_OK);
    CHECK(it > 0 && it < 30);
    for (size_t j = 0; j <= D; j++) CHECK_NEAR(got[j], ref[j], 1e-8, 1e-8);
    double s[2001];
    fairc_linear_predict(ref, X, N, D, s, NULL, 1);
    for (size_t i = 0; i < N; i++) CHECK_NEAR(z1[i], s[i], 1e-7, 1e-7);
    for (size_t j = 0; j <= D; j++) got[j] = ref[j] * 0.5 - 0.1;
    CHECK(fairc_red_lr_fit(lr, y, w, 1.0, 1e-10, 1, 2, got, z2, &it, &st) == FAIRC_OK);
    for (size_t j = 0; j <= D; j++) CHECK_NEAR(got[j], ref[j], 1e-8, 1e-8);
    CHECK(fairc_red_lr_fit(lr, y, w, 1.0, 1e-10, 0, 2, got, z2, &it, &st) == FAIRC_OK);
    CHECK_MSG(memcmp(z1, z2, N * sizeof *z1) == 0, "scores differ between 1 and 2 threads");
    fairc_red_lr_free(&lr);
    free(X), free(y), free(w), free(z1), free(z2);
}
