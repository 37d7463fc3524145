/* test_moment.c: the moments of SPEC §4 (moment.c): hand-worked gamma values with weights,
 * constraint order and names, every moment's derivative against central differences (weighted
 * and unweighted, 2, 3 and 8 groups, difference and ratio bounds, batch subsets and running
 * sums), the signed-weights identity, the projection, the weight invariants, the errors that
 * name a group, and the ErrorRate objective. */
#include "test.h"

#include "model.h"
#include "moment.h"

#include <stdlib.h>

static const int kinds[] = {FAIRC_CONSTRAINT_DP, FAIRC_CONSTRAINT_EO, FAIRC_CONSTRAINT_TPR,
                            FAIRC_CONSTRAINT_FPR, FAIRC_CONSTRAINT_ERROR_RATE};

typedef struct {
    size_t N, G;
    double *y, *w, *h;
    int32_t *group;
    char **names;
} mdata;

/* N rows over G groups; the first 2G rows give every group both labels, the rest are random.
 * Weights (when asked) in [0, 2) with some zeros; h soft in (0.05, 0.95). */
static mdata make_mdata(size_t N, size_t G, int weighted, uint64_t seed)
{
    mdata d = {N, G, malloc(N * sizeof(double)), weighted ? malloc(N * sizeof(double)) : NULL,
               malloc(N * sizeof(double)), malloc(N * sizeof(int32_t)), calloc(G, sizeof(char *))};
    fairc_rng r;
    fairc_rng_seed(&r, seed, "test/moment");
    for (size_t i = 0; i < N; i++) {
        d.group[i] = (int32_t)(i < 2 * G ? i % G : fairc_rng_below(&r, G));
        d.y[i] = i < 2 * G ? (double)(i / G) : (fairc_rng_uniform(&r) < 0.4);
        if (d.w) d.w[i] = i < 2 * G ? 0.5 + fairc_rng_uniform(&r) : (i % 7 == 3 ? 0.0 : 2 * fairc_rng_uniform(&r));
        d.h[i] = 0.05 + 0.9 * fairc_rng_uniform(&r);
    }
    for (size_t g = 0; g < G; g++) {
        d.names[g] = malloc(16);
        snprintf(d.names[g], 16, "g=%c", (char)('A' + g));
    }
    return d;
}

static void free_mdata(mdata *d)
{
    for (size_t g = 0; g < d->G; g++) free(d->names[g]);
    free(d->names);
    free(d->y);
    free(d->w);
    free(d->h);
    free(d->group);
}

static fairc_moment *make_moment(const mdata *d, int kind, double eps, double r)
{
    fairc_grouping_rows gr = {d->group, d->G, (const char *const *)d->names};
    fairc_moment *m = NULL;
    fairc_status st = {0};
    int rc = fairc_moment_new(kind, d->N, d->y, d->w, &gr, 1, eps, r, &m, &st);
    CHECK_MSG(rc == FAIRC_OK, "moment_new: %s", st.message);
    return m;
}

/* sum_k coef_k gamma_k at predictions h of rows (NULL: all). */
static double lin(const fairc_moment *m, fairc_moment_eval *ev, const size_t *rows, size_t nb,
                  const double *h, const double *coef, const double *RN, const double *RD,
                  double beta)
{
    fairc_moment_evaluate(m, ev, rows, nb, h, RN, RD, beta);
    double s = 0;
    for (size_t k = 0; k < m->K; k++) s += coef[k] * ev->gamma[k];
    return s;
}

/* Hand-worked: DP with weights. Group A rows (w 1, h 1), (w 3, h 0); group B (w 2, h 1):
 * mu_A = 1/4, mu_B = 1, mu = 3/6 = 1/2. */
TEST(moment_dp_gamma_matches_a_weighted_hand_calculation)
{
    double y[3] = {0, 1, 1}, w[3] = {1, 3, 2}, h[3] = {1, 0, 1};
    int32_t g[3] = {0, 0, 1};
    const char *names[2] = {"sex=A", "sex=B"};
    fairc_grouping_rows gr = {g, 2, names};
    fairc_moment *m = NULL;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_DP, 3, y, w, &gr, 1, 0.1, 1, &m, &st), FAIRC_OK);
    if (!m) return;
    CHECK_EQ_INT(m->K, 4);
    fairc_moment_eval ev;
    CHECK_EQ_INT(fairc_moment_eval_new(m, &ev, &st), FAIRC_OK);
    fairc_moment_evaluate(m, &ev, NULL, 3, h, NULL, NULL, 0);
    CHECK_STR(m->names[0], "+ all sex=A");
    CHECK_STR(m->names[3], "- all sex=B");
    CHECK_NEAR(ev.gamma[0], 0.25 - 0.5, 1e-15, 0);
    CHECK_NEAR(ev.gamma[1], 1 - 0.5, 1e-15, 0);
    CHECK_NEAR(ev.gamma[2], 0.5 - 0.25, 1e-15, 0);
    CHECK_NEAR(ev.gamma[3], 0.5 - 1, 1e-15, 0);
    CHECK_NEAR(fairc_moment_violation(m, &ev), 0.5 - 0.1, 1e-15, 0);
    CHECK_NEAR(fairc_moment_disparity(m, &ev), 0.5, 1e-15, 0);
    fairc_moment_eval_free(&ev);
    fairc_moment_free(&m);
    /* a ratio bound r = 0.8: gamma(+,c) = 0.8 mu_c - mu, gamma(-,c) = 0.8 mu - mu_c; the
     * disparity is the ratio to overall, min over groups of min(mu_c/mu, mu/mu_c) = 0.5 */
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_DP, 3, y, w, &gr, 1, 0, 0.8, &m, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_moment_eval_new(m, &ev, &st), FAIRC_OK);
    fairc_moment_evaluate(m, &ev, NULL, 3, h, NULL, NULL, 0);
    CHECK_NEAR(ev.gamma[0], 0.8 * 0.25 - 0.5, 1e-15, 0);
    CHECK_NEAR(ev.gamma[1], 0.8 * 1 - 0.5, 1e-15, 0);
    CHECK_NEAR(ev.gamma[2], 0.8 * 0.5 - 0.25, 1e-15, 0);
    CHECK_NEAR(ev.gamma[3], 0.8 * 0.5 - 1, 1e-15, 0);
    CHECK_NEAR(fairc_moment_disparity(m, &ev), 0.5, 1e-15, 0);
    fairc_moment_eval_free(&ev);
    fairc_moment_free(&m);
}

/* Equalized odds and error-rate parity on four rows (group, y, h): (A,0,1) (A,1,1) (B,0,0)
 * (B,1,0). EO: label=0 rates A 1, B 0, overall 1/2; label=1 likewise. Error rate: A errs on
 * its negative (1/2), B on its positive (1/2): no gap. */
TEST(moment_eo_and_error_rate_follow_their_events_and_utilities)
{
    double y[4] = {0, 1, 0, 1}, h[4] = {1, 1, 0, 0};
    int32_t g[4] = {0, 0, 1, 1};
    const char *names[2] = {"sex=A", "sex=B"};
    fairc_grouping_rows gr = {g, 2, names};
    fairc_moment *m = NULL;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_EO, 4, y, NULL, &gr, 1, 0, 1, &m, &st), FAIRC_OK);
    if (!m) return;
    CHECK_EQ_INT(m->K, 8);
    static const char *const want[8] = {"+ label=0 sex=A", "+ label=0 sex=B", "+ label=1 sex=A",
                                        "+ label=1 sex=B", "- label=0 sex=A", "- label=0 sex=B",
                                        "- label=1 sex=A", "- label=1 sex=B"};
    for (int k = 0; k < 8; k++) CHECK_STR(m->names[k], want[k]);
    fairc_moment_eval ev;
    CHECK_EQ_INT(fairc_moment_eval_new(m, &ev, &st), FAIRC_OK);
    fairc_moment_evaluate(m, &ev, NULL, 4, h, NULL, NULL, 0);
    static const double gamma[8] = {0.5, -0.5, 0.5, -0.5, -0.5, 0.5, -0.5, 0.5};
    for (int k = 0; k < 8; k++) CHECK_NEAR(ev.gamma[k], gamma[k], 1e-15, 0);
    for (int k = 0; k < 4; k++) CHECK_EQ_INT(m->con_pair[k], k + 4);
    fairc_moment_eval_free(&ev);
    fairc_moment_free(&m);
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_ERROR_RATE, 4, y, NULL, &gr, 1, 0, 1, &m, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_moment_eval_new(m, &ev, &st), FAIRC_OK);
    fairc_moment_evaluate(m, &ev, NULL, 4, h, NULL, NULL, 0);
    CHECK_STR(m->names[0], "+ all sex=A");
    for (int k = 0; k < 4; k++) CHECK_NEAR(ev.gamma[k], 0, 1e-15, 0);
    CHECK_NEAR(ev.mu[m->C], 0.5, 1e-15, 0); /* the overall error rate */
    fairc_moment_eval_free(&ev);
    fairc_moment_free(&m);
}

/* The derivative of sum_k coef_k gamma_k with respect to every h_i, against central
 * differences, for every moment, with and without weights, 2, 3 and 8 groups, r = 1 and 0.7,
 * on all rows, on a batch subset, and with running sums. gamma is linear in h once the rows
 * are fixed, so the differences are exact up to rounding. */
TEST(moment_gradients_match_central_differences_for_every_moment)
{
    static const size_t Gs[3] = {2, 3, 8};
    size_t checked = 0;
    for (size_t ki = 0; ki < sizeof kinds / sizeof kinds[0]; ki++)
        for (int weighted = 0; weighted < 2; weighted++)
            for (size_t gi = 0; gi < 3; gi++)
                for (int ri = 0; ri < 2; ri++) {
                    mdata d = make_mdata(120, Gs[gi], weighted, 17 + ki * 100 + gi * 10 + (size_t)weighted);
                    fairc_moment *m = make_moment(&d, kinds[ki], 0.02, ri ? 0.7 : 1.0);
                    if (!m) {
                        free_mdata(&d);
                        continue;
                    }
                    fairc_moment_eval ev;
                    CHECK_EQ_INT(fairc_moment_eval_new(m, &ev, NULL), FAIRC_OK);
                    double *coef = malloc(m->K * sizeof *coef), *dh = malloc(d.N * sizeof *dh);
                    fairc_rng r;
                    fairc_rng_seed(&r, 5, "test/coef");
                    for (size_t k = 0; k < m->K; k++) coef[k] = 2 * fairc_rng_uniform(&r) - 0.5;
                    /* a batch: every third row; running sums for momentum 0.6 */
                    size_t rows[40], nb = 0;
                    double hb[40];
                    for (size_t i = 0; i < d.N && nb < 40; i += 3) {
                        rows[nb] = i;
                        hb[nb++] = d.h[i];
                    }
                    size_t S = m->C + m->E;
                    double *RN = malloc(S * sizeof *RN), *RD = malloc(S * sizeof *RD);
                    for (size_t s = 0; s < S; s++) {
                        RD[s] = 1 + 3 * fairc_rng_uniform(&r);
                        RN[s] = RD[s] * fairc_rng_uniform(&r);
                    }
                    for (int mode = 0; mode < 3; mode++) {
                        const size_t *rr = mode ? rows : NULL;
                        size_t n = mode ? nb : d.N;
                        double *h = mode ? hb : d.h;
                        const double *rn = mode == 2 ? RN : NULL, *rd = mode == 2 ? RD : NULL;
                        double beta = mode == 2 ? 0.6 : 0;
                        fairc_moment_evaluate(m, &ev, rr, n, h, rn, rd, beta);
                        for (size_t k = 0; k < m->K; k++)
                            if (!ev.mask[k]) coef[k] = 0;
                        fairc_moment_backward(m, &ev, coef, rr, n, dh);
                        for (size_t q = 0; q < n; q++) {
                            double keep = h[q], step = 1e-4;
                            h[q] = keep + step;
                            double up = lin(m, &ev, rr, n, h, coef, rn, rd, beta);
                            h[q] = keep - step;
                            double down = lin(m, &ev, rr, n, h, coef, rn, rd, beta);
                            h[q] = keep;
                            double fd = (up - down) / (2 * step);
                            if (!test_near(dh[q], fd, 1e-9, 1e-6)) {
                                CHECK_MSG(0, "%s w%d G%zu r%d mode %d row %zu: dh %.12g, fd %.12g",
                                          fairc_moment_kind_name(kinds[ki]), weighted, Gs[gi], ri,
                                          mode, q, dh[q], fd);
                                break;
                            }
                            checked++;
                        }
                        /* backward again reproduces the same values from its own workspace */
                        fairc_moment_evaluate(m, &ev, rr, n, h, rn, rd, beta);
                    }
                    free(RN);
                    free(RD);
                    free(coef);
                    free(dh);
                    fairc_moment_eval_free(&ev);
                    fairc_moment_free(&m);
                    free_mdata(&d);
                }
    CHECK(checked > 10000);
}

/* SPEC §4.1's identity: lambda . gamma(h) = -(1/n) sum_i s_i h_i + (terms without h). */
TEST(moment_signed_weights_satisfy_the_lagrangian_identity)
{
    for (size_t ki = 0; ki < sizeof kinds / sizeof kinds[0]; ki++)
        for (int weighted = 0; weighted < 2; weighted++)
            for (int ri = 0; ri < 2; ri++) {
                mdata d = make_mdata(90, 3, weighted, 99 + ki);
                fairc_moment *m = make_moment(&d, kinds[ki], 0.01, ri ? 0.9 : 1.0);
                if (!m) {
                    free_mdata(&d);
                    continue;
                }
                fairc_moment_eval ev;
                CHECK_EQ_INT(fairc_moment_eval_new(m, &ev, NULL), FAIRC_OK);
                double *lambda = malloc(m->K * sizeof *lambda), *s = malloc(d.N * sizeof *s);
                double *h2 = malloc(d.N * sizeof *h2);
                fairc_rng r;
                fairc_rng_seed(&r, 3, "test/lambda");
                for (size_t k = 0; k < m->K; k++) lambda[k] = 3 * fairc_rng_uniform(&r);
                for (size_t i = 0; i < d.N; i++) h2[i] = fairc_rng_uniform(&r) < 0.5;
                fairc_moment_signed_weights(m, &ev, lambda, s);
                double l1 = lin(m, &ev, NULL, d.N, d.h, lambda, NULL, NULL, 0);
                double l2 = lin(m, &ev, NULL, d.N, h2, lambda, NULL, NULL, 0);
                double rhs = 0;
                for (size_t i = 0; i < d.N; i++) rhs += -s[i] * (d.h[i] - h2[i]) / (double)d.N;
                CHECK_NEAR(l1 - l2, rhs, 1e-12, 1e-10);
                /* s_i = wt_i (u1 - u0)(A_i + B_i) by the formula, for DP with r = 1, row 0 */
                if (kinds[ki] == FAIRC_CONSTRAINT_DP && ri == 0) {
                    size_t i = 0, g = (size_t)d.group[i];
                    double W = 0, Wg = 0;
                    for (size_t j = 0; j < d.N; j++) {
                        double wj = d.w ? d.w[j] : 1;
                        W += wj;
                        if ((size_t)d.group[j] == g) Wg += wj;
                    }
                    double A = 0;
                    for (size_t q = 0; q < 3; q++) A += lambda[q] - lambda[3 + q]; /* p_e = 1 */
                    double B = (lambda[3 + g] - lambda[g]) / (Wg / W);
                    double wt = (double)d.N * (d.w ? d.w[i] : 1) / W;
                    CHECK_NEAR(s[i], wt * (A + B), 1e-12, 1e-12);
                }
                free(lambda);
                free(s);
                free(h2);
                fairc_moment_eval_free(&ev);
                fairc_moment_free(&m);
                free_mdata(&d);
            }
}

TEST(moment_projection_keeps_one_multiplier_per_cell)
{
    mdata d = make_mdata(20, 2, 0, 1);
    fairc_moment *m = make_moment(&d, FAIRC_CONSTRAINT_DP, 0.01, 1);
    if (m) {
        double l[4] = {3, 0.5, 1, 2}; /* +A, +B, -A, -B */
        fairc_moment_project(m, l);
        CHECK(l[0] == 2 && l[1] == 0 && l[2] == 0 && l[3] == 1.5);
        fairc_moment_free(&m);
    }
    m = make_moment(&d, FAIRC_CONSTRAINT_DP, 0, 0.5);
    if (m) { /* identity for r != 1 */
        double l[4] = {3, 0.5, 1, 2};
        fairc_moment_project(m, l);
        CHECK(l[0] == 3 && l[1] == 0.5 && l[2] == 1 && l[3] == 2);
        fairc_moment_free(&m);
    }
    free_mdata(&d);
}

/* SPEC §1.4: scaling the weights changes nothing; an integer weight k equals k copies. */
TEST(moment_weight_scaling_and_integer_weights_equal_copies)
{
    mdata d = make_mdata(30, 3, 1, 7);
    for (size_t i = 0; i < d.N; i++) d.w[i] = (double)(1 + i % 3); /* 1, 2, 3 */
    size_t Nc = 0;
    for (size_t i = 0; i < d.N; i++) Nc += (size_t)d.w[i];
    mdata c = make_mdata(Nc, 3, 0, 7);
    for (size_t i = 0, at = 0; i < d.N; i++)
        for (int k = 0; k < (int)d.w[i]; k++, at++) {
            c.y[at] = d.y[i];
            c.h[at] = d.h[i];
            c.group[at] = d.group[i];
        }
    double *w3 = malloc(d.N * sizeof *w3);
    for (size_t i = 0; i < d.N; i++) w3[i] = 1024 * d.w[i];
    for (size_t ki = 0; ki < sizeof kinds / sizeof kinds[0]; ki++) {
        fairc_moment *a = make_moment(&d, kinds[ki], 0, 1), *b = make_moment(&c, kinds[ki], 0, 1);
        double *keep = d.w;
        d.w = w3;
        fairc_moment *s = make_moment(&d, kinds[ki], 0, 1);
        d.w = keep;
        if (a && b && s) {
            fairc_moment_eval ea, eb, es;
            fairc_moment_eval_new(a, &ea, NULL);
            fairc_moment_eval_new(b, &eb, NULL);
            fairc_moment_eval_new(s, &es, NULL);
            fairc_moment_evaluate(a, &ea, NULL, d.N, d.h, NULL, NULL, 0);
            fairc_moment_evaluate(b, &eb, NULL, c.N, c.h, NULL, NULL, 0);
            fairc_moment_evaluate(s, &es, NULL, d.N, d.h, NULL, NULL, 0);
            CHECK_EQ_INT(a->K, b->K);
            for (size_t k = 0; k < a->K && k < b->K; k++) {
                CHECK_NEAR(ea.gamma[k], eb.gamma[k], 1e-14, 1e-12);
                CHECK_NEAR(ea.gamma[k], es.gamma[k], 1e-15, 1e-13);
            }
            fairc_moment_eval_free(&ea);
            fairc_moment_eval_free(&eb);
            fairc_moment_eval_free(&es);
        }
        fairc_moment_free(&a);
        fairc_moment_free(&b);
        fairc_moment_free(&s);
    }
    free(w3);
    free_mdata(&d);
    free_mdata(&c);
}

TEST(moment_errors_name_the_group_and_zero_weight_groups_are_left_out)
{
    /* group B has no positives: TPR and EO refuse, DP and FPR accept */
    double y[5] = {0, 1, 0, 0, 1};
    int32_t g[5] = {0, 0, 1, 1, 2};
    double w[5] = {1, 1, 1, 1, 0}; /* group C weighs nothing */
    const char *names[3] = {"sex=A", "sex=B", "sex=C"};
    fairc_grouping_rows gr = {g, 3, names};
    fairc_moment *m = NULL;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_TPR, 5, y, w, &gr, 1, 0, 1, &m, &st), FAIRC_EINVAL);
    CHECK_STR(st.message, "group sex=B has no positive labels (with weight): --constraint tpr compares true-positive rates, which need positives in every group");
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_EO, 5, y, w, &gr, 1, 0, 1, &m, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "group sex=B has no positive labels") != NULL);
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_DP, 5, y, w, &gr, 1, 0, 1, &m, &st), FAIRC_OK);
    if (m) {
        CHECK_EQ_INT(m->K, 4); /* C left out */
        fairc_moment_free(&m);
    }
    y[2] = 1;
    y[3] = 1; /* now B has no negatives */
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_FPR, 5, y, w, &gr, 1, 0, 1, &m, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "group sex=B has no negative labels") != NULL);
    /* one group only */
    int32_t one[5] = {0, 0, 0, 0, 1};
    fairc_grouping_rows g1 = {one, 2, names};
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_DP, 5, y, w, &g1, 1, 0, 1, &m, &st), FAIRC_EINVAL);
    CHECK_STR(st.message, "only one group (sex=A) has rows with weight: --constraint dp compares groups, so it needs at least two");
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_DP, 5, y, w, &gr, 1, -0.1, 1, &m, &st), FAIRC_EINVAL);
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_DP, 5, y, w, &gr, 1, 0, 1.5, &m, &st), FAIRC_EINVAL);
    CHECK(m == NULL);
}

/* With several groupings (--groups both) a row's derivative sums its cells over them. */
TEST(moment_several_groupings_take_the_union_of_constraints)
{
    mdata d = make_mdata(60, 4, 1, 11);
    int32_t *half = malloc(d.N * sizeof *half);
    for (size_t i = 0; i < d.N; i++) half[i] = d.group[i] / 2;
    const char *hn[2] = {"h=0", "h=1"};
    fairc_grouping_rows gr[2] = {{d.group, 4, (const char *const *)d.names}, {half, 2, hn}};
    fairc_moment *m = NULL, *m0 = NULL, *m1 = NULL;
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_EO, d.N, d.y, d.w, gr, 2, 0, 1, &m, NULL), FAIRC_OK);
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_EO, d.N, d.y, d.w, &gr[0], 1, 0, 1, &m0, NULL), FAIRC_OK);
    CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_EO, d.N, d.y, d.w, &gr[1], 1, 0, 1, &m1, NULL), FAIRC_OK);
    if (m && m0 && m1) {
        CHECK_EQ_INT(m->K, m0->K + m1->K);
        CHECK_STR(m->names[m0->K], "+ label=0 h=0");
        fairc_moment_eval e, e0, e1;
        fairc_moment_eval_new(m, &e, NULL);
        fairc_moment_eval_new(m0, &e0, NULL);
        fairc_moment_eval_new(m1, &e1, NULL);
        double *lam = malloc(m->K * sizeof *lam), *s = malloc(d.N * sizeof *s);
        double *s0 = malloc(d.N * sizeof *s0), *s1 = malloc(d.N * sizeof *s1);
        for (size_t k = 0; k < m->K; k++) lam[k] = 0.1 * (double)(k % 5);
        fairc_moment_signed_weights(m, &e, lam, s);
        fairc_moment_signed_weights(m0, &e0, lam, s0);
        fairc_moment_signed_weights(m1, &e1, lam + m0->K, s1);
        for (size_t i = 0; i < d.N; i++) CHECK_NEAR(s[i], s0[i] + s1[i], 1e-12, 1e-12);
        free(lam);
        free(s);
        free(s0);
        free(s1);
        fairc_moment_eval_free(&e);
        fairc_moment_eval_free(&e0);
        fairc_moment_eval_free(&e1);
    }
    fairc_moment_free(&m);
    fairc_moment_free(&m0);
    fairc_moment_free(&m1);
    free(half);
    free_mdata(&d);
}

/* SPEC §4.2 on three rows (y, w, h): (1, 1, 0) a false negative, (0, 2, 1) a false positive,
 * (1, 1, 1): err = (c_fn + 2 c_fp) / 4; s_i = wt_i (c_fn y_i - c_fp (1 - y_i)), wt = 3 w / 4. */
TEST(moment_error_rate_objective_matches_a_hand_calculation)
{
    double y[3] = {1, 0, 1}, w[3] = {1, 2, 1}, h[3] = {0, 1, 1}, s[3];
    CHECK_NEAR(fairc_error_rate(3, y, w, h, 1, 1), 0.75, 1e-15, 0);
    CHECK_NEAR(fairc_error_rate(3, y, w, h, 2, 0.5), (0.5 + 4) / 4, 1e-15, 0);
    CHECK_NEAR(fairc_error_rate(3, y, NULL, h, 1, 1), 2.0 / 3, 1e-15, 0);
    fairc_error_rate_signed_weights(3, y, w, 2, 0.5, s);
    CHECK_NEAR(s[0], 0.75 * 0.5, 1e-15, 0);
    CHECK_NEAR(s[1], 1.5 * -2, 1e-15, 0);
    CHECK_NEAR(s[2], 0.75 * 0.5, 1e-15, 0);
}
