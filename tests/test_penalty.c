/* test_penalty.c: the fairness penalty of SPEC §5 (penalty.c): each FairTorch defect of SPEC
 * §5.4 with fairc's value worked out by hand and FairTorch 0.1.2's recorded beside it; the
 * penalty's gradient against central differences (every moment, weighted and unweighted, 2, 3
 * and 8 groups, p = 1, 1.5, 2, 3 and inf, a tolerance, running sums), also through a linear
 * model's and an MLP's parameters; mini-batches of 1 to 8 rows with missing groups (never NaN);
 * and penalty training end to end (it lowers the disparity, same seed same bits). */
#include "test.h"

#include "fairtrain.h"
#include "model.h"
#include "moment.h"

#include <stdlib.h>

static double logit(double f) { return log(f / (1 - f)); }

/* Rows (group, label, f) as SPEC §5.4 writes them; the moment is built over all n rows, the
 * batch holds the first nb of them. */
typedef struct {
    int group, label;
    double f;
} row3;

/* P of the batch (first nb rows) and dP/dz into dz (nb), with the moment over all n rows. */
static double penalty_of(int kind, const row3 *rows, size_t n, size_t nb, size_t G,
                         fairc_penalty_params pp, double *dz)
{
    double y[16], z[16];
    int32_t g[16];
    const char *names[8] = {"g=0", "g=1", "g=2", "g=3", "g=4", "g=5", "g=6", "g=7"};
    for (size_t i = 0; i < n; i++) {
        y[i] = rows[i].label;
        g[i] = rows[i].group;
        z[i] = logit(rows[i].f);
    }
    fairc_grouping_rows gr = {g, G, names};
    fairc_moment *m = NULL;
    fairc_penalty *pen = NULL;
    fairc_status st = {0};
    double P = NAN;
    if (fairc_moment_new(kind, n, y, NULL, &gr, 1, 0, 1, &m, &st) == FAIRC_OK &&
        fairc_penalty_new(m, &pp, 16, &pen, &st) == FAIRC_OK) {
        for (size_t i = 0; dz && i < nb; i++) dz[i] = 0;
        P = fairc_penalty_batch(pen, NULL, nb, z, dz);
    }
    CHECK_MSG(pen != NULL, "%s", st.message);
    fairc_penalty_free(&pen);
    fairc_moment_free(&m);
    return P;
}

static fairc_penalty_params pparams(double alpha, double p, double tol)
{
    fairc_penalty_params pp = {alpha, p, tol, 0};
    return pp;
}

/* B1: FairTorch's DP matrix puts group i's row at column i % 2, so with 3 groups only group 0
 * is compared (and its gap is 0 here). fairc: mu = 0.5, 0.2, 0.8, overall 0.5, so
 * P = 0 + 0.3^2 + 0.3^2 = 0.18. */
TEST(penalty_fairtorch_b1_constrains_every_group_not_only_the_first)
{
    const row3 r[6] = {{0, 0, .5}, {0, 1, .5}, {1, 0, .2}, {1, 1, .2}, {2, 0, .8}, {2, 1, .8}};
    const double fairtorch = 0.0; /* FairTorch 0.1.2 gives 3.7e-32 */
    double P = penalty_of(FAIRC_CONSTRAINT_DP, r, 6, 6, 3, pparams(1, 2, 0), NULL);
    CHECK_NEAR(P, 0.18, 1e-12, 0);
    CHECK(fabs(P - fairtorch) > 0.1);
}

/* B1 with two unequal groups: FairTorch gives 2 alpha (n_1/n)^2 (mu_0 - mu_1)^2 =
 * 2 (1/4)^2 0.09 = 0.01125; fairc alpha ((n_0/n)^2 + (n_1/n)^2) (mu_0 - mu_1)^2 =
 * (9/16 + 1/16) 0.09 = 0.05625 (overall 0.625: gaps 0.075 and -0.225). */
TEST(penalty_fairtorch_b1_weighs_unequal_groups_correctly)
{
    const row3 r[4] = {{0, 0, .7}, {0, 1, .7}, {0, 0, .7}, {1, 1, .4}};
    const double fairtorch = 0.01125;
    double P = penalty_of(FAIRC_CONSTRAINT_DP, r, 4, 4, 2, pparams(1, 2, 0), NULL);
    CHECK_NEAR(P, 0.05625, 1e-12, 0);
    CHECK_NEAR(P, 0.075 * 0.075 + 0.225 * 0.225, 1e-12, 0);
    CHECK(fabs(P - fairtorch) > 0.04);
    /* with two equal groups both libraries agree: 2 (1/2)^2 d^2 = ((1/2)^2 + (1/2)^2) d^2 */
    const row3 e[2] = {{0, 0, .7}, {1, 1, .4}};
    CHECK_NEAR(penalty_of(FAIRC_CONSTRAINT_DP, e, 2, 2, 2, pparams(1, 2, 0), NULL), 0.045, 1e-12, 0);
}

/* B2: FairTorch builds the EO matrix with y1 twice, so it penalises (d_a0 + d_a1)^2 and the
 * FPR gap (.3 vs .2) cancels the TPR gap (.6 vs .7). fairc: label=0 overall .2, gaps +-.1;
 * label=1 overall .7, gaps -+.1: P = 4 * 0.01 = 0.04. */
TEST(penalty_fairtorch_b2_equalized_odds_uses_each_labels_rates)
{
    const row3 r[4] = {{0, 0, .3}, {0, 1, .6}, {1, 0, .1}, {1, 1, .8}};
    const double fairtorch = 0.0; /* 1.1e-32 */
    double P = penalty_of(FAIRC_CONSTRAINT_EO, r, 4, 4, 2, pparams(1, 2, 0), NULL);
    CHECK_NEAR(P, 0.04, 1e-12, 0);
    CHECK(fabs(P - fairtorch) > 0.03);
}

/* B3: a group known to the model but absent from the batch: FairTorch's mean of an empty
 * tensor is NaN, and so are its loss and gradients (fairtorch#27). fairc masks the cell:
 * gaps +-0.15 give 0.045, gradient (0.063, -0.072). */
TEST(penalty_fairtorch_b3_absent_group_adds_zero_not_nan)
{
    const row3 r[3] = {{0, 0, .7}, {1, 1, .4}, {2, 1, .9}}; /* the batch: the first two rows */
    double dz[3];
    double P = penalty_of(FAIRC_CONSTRAINT_DP, r, 3, 2, 3, pparams(1, 2, 0), dz);
    CHECK(isnan(NAN)); /* FairTorch's value */
    CHECK_NEAR(P, 0.045, 1e-12, 0);
    CHECK_NEAR(dz[0], 0.063, 1e-12, 0);
    CHECK_NEAR(dz[1], -0.072, 1e-12, 0);
}

/* B4: FairTorch ignores p_norm != 2 in the value and halves the gradient (it detaches one
 * factor of the dot product). fairc with p = 1: P = |0.15| + |-0.15| = 0.3; dP/dd = sign(d);
 * dd_0/dv_0 = 1 - 1/2, dd_1/dv_0 = -1/2, so dP/dv_0 = 1, times f(1-f) = 0.21; row 1: -0.24. */
TEST(penalty_fairtorch_b4_p_is_a_true_exponent)
{
    const row3 r[2] = {{0, 0, .7}, {1, 1, .4}};
    double dz[2];
    const double fairtorch = 0.045, fairtorch_dz[2] = {0.0315, -0.036};
    double P = penalty_of(FAIRC_CONSTRAINT_DP, r, 2, 2, 2, pparams(1, 1, 0), dz);
    CHECK_NEAR(P, 0.3, 1e-12, 0);
    CHECK_NEAR(dz[0], 0.21, 1e-12, 0);
    CHECK_NEAR(dz[1], -0.24, 1e-12, 0);
    CHECK(fabs(P - fairtorch) > 0.2 && fabs(dz[0] - fairtorch_dz[0]) > 0.1 &&
          fabs(dz[1] - fairtorch_dz[1]) > 0.1);
    /* p = 2: 0.045 and (0.063, -0.072), twice FairTorch's p != 2 gradient */
    P = penalty_of(FAIRC_CONSTRAINT_DP, r, 2, 2, 2, pparams(1, 2, 0), dz);
    CHECK_NEAR(P, 0.045, 1e-12, 0);
    CHECK_NEAR(dz[0], 0.063, 1e-12, 0);
    CHECK_NEAR(dz[1], -0.072, 1e-12, 0);
    /* p = 3: 2 * 0.15^3; dP/dd = 3 * 0.15^2 sign(d) */
    P = penalty_of(FAIRC_CONSTRAINT_DP, r, 2, 2, 2, pparams(1, 3, 0), dz);
    CHECK_NEAR(P, 2 * 0.15 * 0.15 * 0.15, 1e-12, 0);
    CHECK_NEAR(dz[0], 3 * 0.0225 * 0.21, 1e-12, 0);
    /* p = inf: alpha max_k relu(|d_k|) = 0.15, on the first maximising cell only (row 0's
     * group: dP/dv_0 = 1 - 1/2, dP/dv_1 = -1/2) */
    P = penalty_of(FAIRC_CONSTRAINT_DP, r, 2, 2, 2, pparams(2, INFINITY, 0), dz);
    CHECK_NEAR(P, 0.3, 1e-12, 0);
    CHECK_NEAR(dz[0], 2 * 0.5 * 0.21, 1e-12, 0);
    CHECK_NEAR(dz[1], 2 * -0.5 * 0.24, 1e-12, 0);
}

/* B5: FairTorch's tolerance is fixed at 0. fairc with c = 0.1: 2 (0.15 - 0.1)^2 = 0.005, and
 * gaps inside the tolerance cost nothing. */
TEST(penalty_fairtorch_b5_tolerance_is_honoured)
{
    const row3 r[2] = {{0, 0, .7}, {1, 1, .4}};
    const double fairtorch = 0.045;
    double dz[2];
    double P = penalty_of(FAIRC_CONSTRAINT_DP, r, 2, 2, 2, pparams(1, 2, 0.1), dz);
    CHECK_NEAR(P, 0.005, 1e-12, 0);
    CHECK(fabs(P - fairtorch) > 0.03);
    CHECK_NEAR(dz[0], 2 * 0.05 * 0.5 * 2 * 0.21, 1e-12, 0); /* both cells: 2 * 0.1 * (1/2) each */
    CHECK_EQ_INT(penalty_of(FAIRC_CONSTRAINT_DP, r, 2, 2, 2, pparams(1, 2, 0.2), dz), 0);
    CHECK(dz[0] == 0 && dz[1] == 0);
}

/* ---- gradients ------------------------------------------------------------------------------ */

typedef struct {
    size_t N, G;
    double *y, *w, *z;
    int32_t *group;
    char **names;
} pdata;

static pdata make_pdata(size_t N, size_t G, int weighted, uint64_t seed)
{
    pdata d = {N, G, malloc(N * sizeof(double)), weighted ? malloc(N * sizeof(double)) : NULL,
               malloc(N * sizeof(double)), malloc(N * sizeof(int32_t)), calloc(G, sizeof(char *))};
    fairc_rng r;
    fairc_rng_seed(&r, seed, "test/penalty");
    for (size_t i = 0; i < N; i++) {
        d.group[i] = (int32_t)(i < 2 * G ? i % G : fairc_rng_below(&r, G));
        d.y[i] = i < 2 * G ? (double)(i / G) : (fairc_rng_uniform(&r) < 0.35);
        if (d.w) d.w[i] = i % 9 == 4 ? 0.0 : 0.25 + 2 * fairc_rng_uniform(&r);
        /* group-dependent scores, so that the gaps are well away from 0 */
        d.z[i] = 2 * fairc_rng_normal(&r) + 1.2 * (double)d.group[i] - 1;
    }
    for (size_t g = 0; g < G; g++) {
        d.names[g] = malloc(32);
        snprintf(d.names[g], 32, "g=%zu", g);
    }
    return d;
}

static void free_pdata(pdata *d)
{
    for (size_t g = 0; g < d->G; g++) free(d->names[g]);
    free(d->names);
    free(d->y);
    free(d->w);
    free(d->z);
    free(d->group);
}

static const int kinds[] = {FAIRC_CONSTRAINT_DP, FAIRC_CONSTRAINT_EO, FAIRC_CONSTRAINT_TPR,
                            FAIRC_CONSTRAINT_FPR, FAIRC_CONSTRAINT_ERROR_RATE};

TEST(penalty_gradient_matches_central_differences)
{
    static const size_t Gs[3] = {2, 3, 8};
    static const double ps[5] = {1, 1.5, 2, 3, INFINITY};
    size_t checked = 0, skipped = 0, positive = 0, configs = 0;
    for (size_t ki = 0; ki < 5; ki++)
        for (int weighted = 0; weighted < 2; weighted++)
            for (size_t gi = 0; gi < 3; gi++)
                for (size_t pi = 0; pi < 5; pi++)
                    for (int variant = 0; variant < 3; variant++) { /* plain, tol, momentum */
                        pdata d = make_pdata(150, Gs[gi], weighted, 1000 + 37 * ki + 7 * gi + (size_t)weighted);
                        fairc_grouping_rows gr = {d.group, d.G, (const char *const *)d.names};
                        fairc_moment *m = NULL;
                        fairc_penalty *pen = NULL;
                        fairc_penalty_params pp = {3, ps[pi], variant == 1 ? 0.02 : 0, variant == 2 ? 0.7 : 0};
                        CHECK_EQ_INT(fairc_moment_new(kinds[ki], d.N, d.y, d.w, &gr, 1, 0, 1, &m, NULL), FAIRC_OK);
                        CHECK_EQ_INT(fairc_penalty_new(m, &pp, d.N, &pen, NULL), FAIRC_OK);
                        if (!pen) {
                            fairc_moment_free(&m);
                            free_pdata(&d);
                            continue;
                        }
                        /* the batch: 60 rows; momentum: two earlier batches fill the running sums */
                        size_t rows[60];
                        double zb[60], dz[60];
                        for (int b = 0; b < (variant == 2 ? 3 : 1); b++) {
                            for (size_t q = 0; q < 60; q++) {
                                rows[q] = (q * 7 + (size_t)b * 13) % d.N;
                                zb[q] = d.z[rows[q]] + 0.1 * b;
                            }
                            if (b < 2 && variant == 2) {
                                fairc_penalty_batch(pen, rows, 60, zb, NULL);
                                fairc_penalty_commit(pen);
                            }
                        }
                        for (size_t q = 0; q < 60; q++) dz[q] = 0;
                        double P = fairc_penalty_batch(pen, rows, 60, zb, dz);
                        CHECK_MSG(P >= 0 && isfinite(P), "%s w%d G%zu p %g variant %d: P = %g",
                                  fairc_moment_kind_name(kinds[ki]), weighted, Gs[gi], ps[pi], variant, P);
                        positive += P > 0;
                        configs++;
                        for (size_t q = 0; q < 60; q++) {
                            double keep = zb[q], h = 1e-6 * fmax(1.0, fabs(keep));
                            zb[q] = keep + h;
                            double up = fairc_penalty_batch(pen, rows, 60, zb, NULL);
                            zb[q] = keep - h;
                            double down = fairc_penalty_batch(pen, rows, 60, zb, NULL);
                            zb[q] = keep;
                            double fd = (up - down) / (2 * h);
                            /* p = 1 and inf have kinks; skip the rare point on one */
                            if ((ps[pi] == 1 || isinf(ps[pi])) && fabs(up + down - 2 * P) > 1e-9 * fmax(1, P)) {
                                skipped++;
                                continue;
                            }
                            if (!test_near(dz[q], fd, 1e-9, 1e-6)) {
                                CHECK_MSG(0, "%s w%d G%zu p %g variant %d row %zu: dz %.12g fd %.12g",
                                          fairc_moment_kind_name(kinds[ki]), weighted, Gs[gi],
                                          ps[pi], variant, q, dz[q], fd);
                                break;
                            }
                            checked++;
                        }
                        fairc_penalty_free(&pen);
                        fairc_moment_free(&m);
                        free_pdata(&d);
                    }
    CHECK(checked > 20000);
    CHECK(skipped < checked / 100);
    CHECK_MSG(positive >= configs * 9 / 10, "%zu of %zu batches had a positive penalty", positive, configs);
}

/* Batches of 1 to 8 rows drawn from 8 groups, so most groups are missing from each: the
 * penalty and its gradient are finite for every moment, and a one-row batch costs 0. */
TEST(penalty_tiny_batches_with_missing_groups_stay_finite)
{
    pdata d = make_pdata(200, 8, 1, 4242);
    fairc_grouping_rows gr = {d.group, d.G, (const char *const *)d.names};
    fairc_rng r;
    fairc_rng_seed(&r, 1, "test/batches");
    size_t batches = 0;
    for (size_t ki = 0; ki < 5; ki++)
        for (int mom = 0; mom < 2; mom++) {
            fairc_moment *m = NULL;
            fairc_penalty *pen = NULL;
            fairc_penalty_params pp = {100, 2, 0, mom ? 0.9 : 0};
            CHECK_EQ_INT(fairc_moment_new(kinds[ki], d.N, d.y, d.w, &gr, 1, 0, 1, &m, NULL), FAIRC_OK);
            CHECK_EQ_INT(fairc_penalty_new(m, &pp, 8, &pen, NULL), FAIRC_OK);
            for (size_t nb = 1; pen && nb <= 8; nb++)
                for (int rep = 0; rep < 50; rep++) {
                    size_t rows[8];
                    double z[8], dz[8];
                    for (size_t q = 0; q < nb; q++) {
                        rows[q] = (size_t)fairc_rng_below(&r, d.N);
                        z[q] = 30 * fairc_rng_normal(&r); /* saturated sigmoids too */
                        dz[q] = 0;
                    }
                    double P = fairc_penalty_batch(pen, rows, nb, z, dz);
                    fairc_penalty_commit(pen);
                    int ok = isfinite(P) && P >= 0;
                    for (size_t q = 0; q < nb; q++) ok = ok && isfinite(dz[q]);
                    if (nb == 1 && !mom) ok = ok && P == 0 && dz[0] == 0;
                    CHECK_MSG(ok, "%s batch of %zu: P = %g", fairc_moment_kind_name(kinds[ki]), nb, P);
                    batches++;
                }
            fairc_penalty_free(&pen);
            fairc_moment_free(&m);
        }
    CHECK_EQ_INT(batches, 5 * 2 * 8 * 50);
    free_pdata(&d);
}

/* The penalty through a model's parameters: P(z(theta)) with the model's backward against
 * central differences in every parameter, for a linear model (logistic regression trained by
 * Adam) and an MLP. */
TEST(penalty_gradient_through_linear_and_mlp_parameters)
{
    const size_t N = 48, D = 5;
    pdata d = make_pdata(N, 3, 1, 77);
    float *X = malloc(N * D * sizeof *X);
    fairc_rng r;
    fairc_rng_seed(&r, 2, "test/X");
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < D; k++)
            X[i * D + k] = k == 0 ? (float)d.group[i] : (float)fairc_rng_normal(&r);
    fairc_grouping_rows gr = {d.group, d.G, (const char *const *)d.names};
    size_t hidden[1] = {4};
    for (int mlp = 0; mlp < 2; mlp++)
        for (size_t ki = 0; ki < 5; ki++) {
            fairc_mlp m;
            CHECK(fairc_mlp_layout(&m, D, hidden, mlp ? 1 : 0) == NULL);
            double *params = malloc(m.count * sizeof *params), *grads = calloc(m.count, sizeof *grads);
            fairc_mlp_init_params(&m, params, 3, "init");
            fairc_mlp_cache *c = NULL;
            fairc_moment *mom = NULL;
            fairc_penalty *pen = NULL;
            fairc_penalty_params pp = {5, 2, 0, 0};
            CHECK_EQ_INT(fairc_mlp_cache_new(&m, N, &c, NULL), FAIRC_OK);
            CHECK_EQ_INT(fairc_moment_new(kinds[ki], N, d.y, d.w, &gr, 1, 0, 1, &mom, NULL), FAIRC_OK);
            CHECK_EQ_INT(fairc_penalty_new(mom, &pp, N, &pen, NULL), FAIRC_OK);
            double z[48], dz[48];
            fairc_mlp_forward(z, c, &m, params, X, N);
            for (size_t i = 0; i < N; i++) dz[i] = 0;
            double P = fairc_penalty_batch(pen, NULL, N, z, dz);
            CHECK(P > 0);
            fairc_mlp_backward(grads, dz, c, &m, params);
            for (size_t j = 0; j < m.count; j++) {
                double keep = params[j], h = 1e-6 * fmax(1.0, fabs(keep));
                params[j] = keep + h;
                fairc_mlp_forward(z, c, &m, params, X, N);
                double up = fairc_penalty_batch(pen, NULL, N, z, NULL);
                params[j] = keep - h;
                fairc_mlp_forward(z, c, &m, params, X, N);
                double down = fairc_penalty_batch(pen, NULL, N, z, NULL);
                params[j] = keep;
                CHECK_NEAR(grads[j], (up - down) / (2 * h), 1e-9, 1e-6);
            }
            fairc_penalty_free(&pen);
            fairc_moment_free(&mom);
            fairc_mlp_cache_free(&c);
            free(params);
            free(grads);
        }
    free(X);
    free_pdata(&d);
}

/* ---- training ----------------------------------------------------------------------------- */

/* Data where the label depends on the group: x0 = the group (0/1), x1, x2 noise-free signals. */
static void biased_data(size_t N, float *X, double *y, int32_t *g, uint64_t seed)
{
    fairc_rng r;
    fairc_rng_seed(&r, seed, "test/biased");
    for (size_t i = 0; i < N; i++) {
        g[i] = fairc_rng_uniform(&r) < 0.3;
        double a = fairc_rng_normal(&r), b = fairc_rng_normal(&r);
        X[i * 3] = (float)g[i];
        X[i * 3 + 1] = (float)a;
        X[i * 3 + 2] = (float)b;
        y[i] = fairc_rng_uniform(&r) < 1 / (1 + exp(-(1.5 * a + 0.5 * b - 1.5 * g[i])));
    }
}

TEST(penalty_training_lowers_the_disparity_deterministically)
{
    const size_t N = 4000;
    float *X = malloc(N * 3 * sizeof *X);
    double *y = malloc(N * sizeof *y);
    int32_t *g = malloc(N * sizeof *g);
    biased_data(N, X, y, g, 5);
    const char *names[2] = {"a=0", "a=1"};
    fairc_train_options o;
    fairc_train_options_init(&o);
    o.label = "y";
    o.learner = FAIRC_LEARNER_MLP;
    o.hidden[0] = 8;
    o.n_hidden = 1;
    o.epochs = 8;
    o.batch = 64;
    o.lr = 1e-2;
    o.group_ids = g;
    o.n_group_ids = 2;
    o.group_names = names;
    fairc_predictor *p0 = NULL, *p1 = NULL, *p2 = NULL;
    fairc_train_info i0, i1, i2;
    fairc_status st = {0};
    o.mitigate = FAIRC_MITIGATE_PENALTY;
    o.fair_alpha = 0;
    CHECK_EQ_INT(fairc_train_arrays(X, N, 3, y, NULL, &o, &p0, &i0, &st), FAIRC_OK);
    o.fair_alpha = 200;
    CHECK_EQ_INT(fairc_train_arrays(X, N, 3, y, NULL, &o, &p1, &i1, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_train_arrays(X, N, 3, y, NULL, &o, &p2, &i2, &st), FAIRC_OK);
    if (p0 && p1 && p2) {
        CHECK_MSG(i0.disparity > 0.2, "unpenalised disparity %g", i0.disparity);
        CHECK_MSG(i1.disparity < 0.5 * i0.disparity, "penalised %g vs %g", i1.disparity, i0.disparity);
        CHECK_EQ_INT(i1.nonfinite_batches, 0);
        CHECK_EQ_INT(i1.n_constraints, 4);
        CHECK(isfinite(i1.penalty) && i1.penalty >= 0);
        CHECK_EQ_INT(fairc_predictor_n_constraints(p1), 4);
        void *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        CHECK_EQ_INT(fairc_predictor_serialize(p1, &a, &na, &st), FAIRC_OK);
        CHECK_EQ_INT(fairc_predictor_serialize(p2, &b, &nb, &st), FAIRC_OK);
        CHECK(a && b && na == nb && memcmp(a, b, na) == 0);
        /* the record survives a save and a load */
        fairc_predictor *q = NULL;
        CHECK_EQ_INT(fairc_predictor_load_memory(a, na, "m", &q, &st), FAIRC_OK);
        const char *name = NULL;
        double lam = -1, gam = NAN, gam1 = NAN;
        CHECK_EQ_INT(fairc_predictor_constraint(q, 1, &name, &lam, &gam, &st), FAIRC_OK);
        CHECK_EQ_INT(fairc_predictor_constraint(p1, 1, NULL, NULL, &gam1, &st), FAIRC_OK);
        CHECK_STR(name, "+ all a=1");
        CHECK(lam == 0 && gam == gam1);
        CHECK_EQ_INT(fairc_predictor_constraint(q, 4, &name, NULL, NULL, &st), FAIRC_EINVAL);
        fairc_predictor_free(&q);
        free(a);
        free(b);
    }
    fairc_predictor_free(&p0);
    fairc_predictor_free(&p1);
    fairc_predictor_free(&p2);
    /* bad options are refused before any work */
    o.fair_alpha = -1;
    CHECK_EQ_INT(fairc_train_arrays(X, N, 3, y, NULL, &o, &p0, &i0, &st), FAIRC_EINVAL);
    CHECK_STR(st.message, "the penalty weight alpha must be a finite number >= 0");
    o.fair_alpha = 1;
    o.p_norm = 0.5;
    CHECK_EQ_INT(fairc_train_arrays(X, N, 3, y, NULL, &o, &p0, &i0, &st), FAIRC_EINVAL);
    o.p_norm = 2;
    o.group_ids = NULL;
    CHECK_EQ_INT(fairc_train_arrays(X, N, 3, y, NULL, &o, &p0, &i0, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "needs groups") != NULL);
    free(X);
    free(y);
    free(g);
}

/* fairc_batch_penalty_typed computes the batch penalty without a moment: it must give
 * fairc_batch_penalty's value and gradient (to rounding) for every constraint, exponent,
 * weights or none, running sums, and read float32 scores, integer and float groups and labels. */
TEST(penalty_typed_batch_matches_the_moment_based_batch)
{
    enum { n = 97 };
    fairc_rng r;
    fairc_rng_seed(&r, 11, "penalty typed");
    double z[n], y[n], w[n], dz0[n], dz1[n];
    float z32[n], dz32[n];
    int32_t g[n];
    int64_t g64[n], y64[n];
    uint8_t y8[n];
    float gf[n];
    const double ps[] = {1, 1.5, 2, 3, INFINITY};
    fairc_status st;
    for (int kind = FAIRC_CONSTRAINT_DP; kind <= FAIRC_CONSTRAINT_ERROR_RATE; kind++)
        for (size_t G = 2; G <= 5; G += 3)
            for (int pi = 0; pi < 5; pi++)
                for (int weighted = 0; weighted < 2; weighted++) {
                    for (size_t i = 0; i < n; i++) {
                        z[i] = 2 * fairc_rng_normal(&r);
                        z32[i] = (float)z[i];
                        g[i] = (int32_t)(fairc_rng_next(&r) % G);
                        g64[i] = g[i];
                        gf[i] = (float)g[i];
                        y[i] = (double)(fairc_rng_next(&r) % 2);
                        y64[i] = (int64_t)y[i];
                        y8[i] = (uint8_t)y[i];
                        w[i] = i % 7 == 3 ? 0.0 : 0.5 + fairc_rng_uniform(&r);
                    }
                    const double *wp = weighted ? w : NULL;
                    double run0[2 * 12] = {0}, run1[2 * 12] = {0}, P0, P1, mom = pi == 2 ? 0.9 : 0;
                    for (int step = 0; step < 2; step++) {
                        CHECK_EQ_INT(fairc_batch_penalty(kind, n, z, y, wp, g, G, 3.0, ps[pi], 0.01,
                                                         mom, run0, 1, &P0, dz0, &st), FAIRC_OK);
                        CHECK_EQ_INT(fairc_batch_penalty_typed(kind, n, z, FAIRC_TYPE_F64, y,
                                                               FAIRC_TYPE_F64, wp, FAIRC_TYPE_F64,
                                                               g, FAIRC_TYPE_I32, G, 3.0, ps[pi],
                                                               0.01, mom, run1, 1, &P1, dz1, &st),
                                     FAIRC_OK);
                        CHECK_NEAR(P1, P0, 1e-15, 1e-12);
                        for (size_t i = 0; i < n; i++) CHECK_NEAR(dz1[i], dz0[i], 1e-15, 1e-12);
                        for (size_t s = 0; s < 2 * 12; s++) CHECK_NEAR(run1[s], run0[s], 0, 1e-12);
                        for (size_t i = 0; i < n; i++) z[i] += 0.1; /* a second step elsewhere */
                    }
                    /* other element types: the same batch read as float32, int64, uint8, float */
                    for (size_t i = 0; i < n; i++) z[i] = z32[i];
                    CHECK_EQ_INT(fairc_batch_penalty(kind, n, z, y, wp, g, G, 3.0, ps[pi], 0.01, 0,
                                                     NULL, 0, &P0, dz0, &st), FAIRC_OK);
                    CHECK_EQ_INT(fairc_batch_penalty_typed(kind, n, z32, FAIRC_TYPE_F32,
                                                           pi % 2 ? (void *)y64 : (void *)y8,
                                                           pi % 2 ? FAIRC_TYPE_I64 : FAIRC_TYPE_U8,
                                                           wp, FAIRC_TYPE_F64,
                                                           pi % 2 ? (void *)g64 : (void *)gf,
                                                           pi % 2 ? FAIRC_TYPE_I64 : FAIRC_TYPE_F32,
                                                           G, 3.0, ps[pi], 0.01, 0, NULL, 0, &P1,
                                                           dz32, &st), FAIRC_OK);
                    CHECK_NEAR(P1, P0, 1e-15, 1e-12);
                    for (size_t i = 0; i < n; i++) CHECK_NEAR(dz32[i], dz0[i], 1e-12, 1e-6);
                }
    /* bad input: the messages name the row */
    double P;
    float half[2] = {0.5f, 1.0f};
    CHECK_EQ_INT(fairc_batch_penalty_typed(FAIRC_CONSTRAINT_DP, 2, z, FAIRC_TYPE_F64, NULL, 0, NULL,
                                           0, half, FAIRC_TYPE_F32, 2, 1, 2, 0, 0, NULL, 0, &P,
                                           NULL, &st), FAIRC_EINVAL);
    CHECK_STR(st.message, "row 0: group 0.5 is not in 0..1");
    int64_t big[2] = {0, 2};
    CHECK_EQ_INT(fairc_batch_penalty_typed(FAIRC_CONSTRAINT_DP, 2, z, FAIRC_TYPE_F64, NULL, 0, NULL,
                                           0, big, FAIRC_TYPE_I64, 2, 1, 2, 0, 0, NULL, 0, &P,
                                           NULL, &st), FAIRC_EINVAL);
    CHECK_STR(st.message, "row 1: group 2 is not in 0..1");
    CHECK_EQ_INT(fairc_batch_penalty_typed(FAIRC_CONSTRAINT_DP, 2, z, FAIRC_TYPE_I64, NULL, 0, NULL,
                                           0, big, FAIRC_TYPE_I64, 2, 1, 2, 0, 0, NULL, 0, &P,
                                           NULL, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "unsupported element type") != NULL);
    CHECK_EQ_INT(fairc_batch_penalty_typed(FAIRC_CONSTRAINT_EO, 2, z, FAIRC_TYPE_F64, NULL, 0, NULL,
                                           0, big, FAIRC_TYPE_I64, 2, 1, 2, 0, 0, NULL, 0, &P,
                                           NULL, &st), FAIRC_EINVAL);
    CHECK_STR(st.message, "constraint eo needs the labels y");
}
