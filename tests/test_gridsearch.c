/* test_gridsearch.c: GridSearch (gridsearch.c). The lattice against SPEC §8.2's worked vectors;
 * the multiplier grids, point by point and bit for bit, against Fairlearn 0.9.0's
 * _GridGenerator for DP with 2 groups (grid 10, 11, 20), 3 groups and 5 groups, EO with 2
 * groups and bounded group loss with 3 groups (tests/ref/reductions_ref.h); GridSearch's errors,
 * gammas and selection against Fairlearn's on a small table with an identical deterministic
 * learner; the same bits on 1 and 2 threads with logistic regression; the norm order; errors. */
#include "reduction_fixture.h"

#include "ref/reductions_ref.h"

/* Rows as reductions_ref.py's data(): per group (sorted names a, b, ...) 12 rows, labels 0, 1
 * alternating. */
typedef struct {
    size_t N, G;
    double y[64];
    int32_t g[64];
    char *names[5];
    fairc_grouping_rows gr;
} small;

/* Fills *s in place: s->gr points into s itself. */
static void small_make(small *sp, size_t G)
{
    small s;
    memset(&s, 0, sizeof s);
    static const char *nm[] = {"a", "b", "c", "d", "e"};
    s.G = G;
    for (size_t q = 0; q < G; q++) {
        s.names[q] = (char *)nm[q];
        for (int k = 0; k < 12; k++, s.N++) {
            s.y[s.N] = k % 2;
            s.g[s.N] = (int32_t)q;
        }
    }
    *sp = s;
    sp->gr = (fairc_grouping_rows){sp->g, G, (const char *const *)sp->names};
}

/* The lambda grid (P, K) of a moment or BGL via the basis and the lattice, as gridsearch.c
 * builds it. */
static double *grid_of(const fairc_gs_basis *b, size_t K, size_t size, size_t *P)
{
    long *pts = NULL, units = 0;
    fairc_status st = {0};
    int rc = fairc_grid_lattice(size, b->dim, b->neg, b->force_l1, 0, &pts, P, &units, &st);
    CHECK_MSG(rc == FAIRC_OK, "lattice: %s", st.message);
    if (rc != FAIRC_OK) return NULL;
    double *lam = calloc(*P * K, sizeof *lam), scale = 2.0 / (double)units;
    for (size_t q = 0; q < *P; q++)
        for (size_t j = 0; j < b->dim; j++) {
            double c = (double)pts[q * b->dim + j] * scale;
            if (c > 0) lam[q * K + b->plus[j]] += c;
            else if (c < 0 && b->minus[j] != SIZE_MAX) lam[q * K + b->minus[j]] += -c;
        }
    free(pts);
    return lam;
}

static void check_moment_grid(int kind, size_t G, size_t size, const double *ref, size_t n_ref)
{
    small s;
    small_make(&s, G);
    fairc_moment *m = NULL;
    fairc_status st = {0};
    CHECK(fairc_moment_new(kind, s.N, s.y, NULL, &s.gr, 1, 0.01, 1, &m, &st) == FAIRC_OK);
    fairc_gs_basis b;
    CHECK(fairc_gs_basis_moment(m, &s.gr, 1, NULL, &b, &st) == FAIRC_OK);
    size_t P = 0;
    double *lam = grid_of(&b, m->K, size, &P);
    CHECK_EQ_INT(P * m->K, n_ref);
    for (size_t q = 0; lam && q < P * m->K && q < n_ref; q++)
        CHECK_MSG(lam[q] == ref[q], "point %zu, constraint %zu: %.17g, Fairlearn %.17g", q / m->K,
                  q % m->K, lam[q], ref[q]);
    free(lam);
    fairc_gs_basis_clear(&b);
    fairc_moment_free(&m);
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

TEST(gridsearch_dp_two_groups_grid_equals_fairlearns)
{
    check_moment_grid(FAIRC_CONSTRAINT_DP, 2, 10, fl_dp2_10, N_OF(fl_dp2_10));
    check_moment_grid(FAIRC_CONSTRAINT_DP, 2, 11, fl_dp2_11, N_OF(fl_dp2_11));
    check_moment_grid(FAIRC_CONSTRAINT_DP, 2, 20, fl_dp2_20, N_OF(fl_dp2_20));
}

TEST(gridsearch_dp_three_and_five_groups_grids_equal_fairlearns)
{
    check_moment_grid(FAIRC_CONSTRAINT_DP, 3, 10, fl_dp3_10, N_OF(fl_dp3_10));
    check_moment_grid(FAIRC_CONSTRAINT_DP, 5, 20, fl_dp5_20, N_OF(fl_dp5_20));
}

TEST(gridsearch_eo_two_groups_grid_equals_fairlearns)
{
    check_moment_grid(FAIRC_CONSTRAINT_EO, 2, 10, fl_eo2_10, N_OF(fl_eo2_10));
}

TEST(gridsearch_bgl_three_groups_grid_equals_fairlearns)
{
    small s;
    small_make(&s, 3);
    double yr[64];
    for (size_t i = 0; i < s.N; i++) yr[i] = (double)i / (double)(s.N - 1);
    fairc_bgl *b = NULL;
    fairc_status st = {0};
    CHECK(fairc_bgl_new(FAIRC_BGL_LOSS_SQUARE, 0, 1, 0.1, s.N, yr, NULL, &s.gr, &b, &st) == FAIRC_OK);
    fairc_gs_basis B;
    CHECK(fairc_gs_basis_bgl(b, NULL, &B, &st) == FAIRC_OK);
    size_t P = 0;
    double *lam = grid_of(&B, b->K, 10, &P);
    CHECK_EQ_INT(P * b->K, N_OF(fl_bgl3_10));
    for (size_t q = 0; lam && q < P * b->K; q++) CHECK(lam[q] == fl_bgl3_10[q]);
    free(lam);
    fairc_gs_basis_clear(&B);
    fairc_bgl_free(&b);
}

/* SPEC §8.2's worked vectors, on the lattice alone. */
TEST(gridsearch_lattice_matches_the_spec_vectors)
{
    long *pts = NULL, units = 0;
    size_t P = 0;
    fairc_status st = {0};
    uint8_t neg1[] = {1}, neg2[] = {1, 1}, neg5[] = {1, 1, 1, 1}, pos2[] = {0, 0};
    /* DP, 2 groups: n_units 4 gives 9 points, 5 gives 11: kept -5..4 */
    CHECK(fairc_grid_lattice(10, 1, neg1, 0, 0, &pts, &P, &units, &st) == FAIRC_OK);
    CHECK_EQ_INT(units, 5);
    CHECK_EQ_INT(P, 10);
    for (size_t q = 0; q < P; q++) CHECK_EQ_INT(pts[q], (long)q - 5);
    free(pts);
    /* DP, 3 groups: n_units 2; kept (-2,0) (-1,-1) (-1,0) (-1,1) (0,-2) (0,-1) (0,0) (0,1) (0,2) (1,-1) */
    static const long want3[] = {-2, 0, -1, -1, -1, 0, -1, 1, 0, -2, 0, -1, 0, 0, 0, 1, 0, 2, 1, -1};
    CHECK(fairc_grid_lattice(10, 2, neg2, 0, 0, &pts, &P, &units, &st) == FAIRC_OK);
    CHECK_EQ_INT(units, 2);
    for (size_t q = 0; q < 20; q++) CHECK_EQ_INT(pts[q], want3[q]);
    free(pts);
    /* DP, 5 groups, grid 20: n_units 2 and no kept point with a positive first coordinate */
    CHECK(fairc_grid_lattice(20, 4, neg5, 0, 0, &pts, &P, &units, &st) == FAIRC_OK);
    CHECK_EQ_INT(units, 2);
    for (size_t q = 0; q < P; q++) CHECK(pts[q * 4] <= 0);
    free(pts);
    /* BGL, 2 groups: n_units 9, points (k, 9 - k) */
    CHECK(fairc_grid_lattice(10, 2, pos2, 1, 0, &pts, &P, &units, &st) == FAIRC_OK);
    CHECK_EQ_INT(units, 9);
    for (size_t q = 0; q < P; q++) {
        CHECK_EQ_INT(pts[2 * q], (long)q);
        CHECK_EQ_INT(pts[2 * q + 1], 9 - (long)q);
    }
    free(pts);
    /* grid 1: the single point 0 */
    CHECK(fairc_grid_lattice(1, 1, neg1, 0, 0, &pts, &P, &units, &st) == FAIRC_OK);
    CHECK_EQ_INT(P, 1);
    CHECK_EQ_INT(units, 0);
    CHECK_EQ_INT(pts[0], 0);
    free(pts);
}

/* --grid-order norm: by L1 norm, then lattice order: DP 3 groups keeps the 5 points of norm
 * <= 1 first, then the norm-2 points in lattice order. */
TEST(gridsearch_norm_order_is_nearly_symmetric)
{
    long *pts = NULL, units = 0;
    size_t P = 0;
    fairc_status st = {0};
    uint8_t neg2[] = {1, 1};
    static const long want[] = {0, 0, -1, 0, 0, -1, 0, 1, 1, 0, -2, 0, -1, -1, -1, 1, 0, -2, 0, 2};
    CHECK(fairc_grid_lattice(10, 2, neg2, 0, 1, &pts, &P, &units, &st) == FAIRC_OK);
    CHECK_EQ_INT(P, 10);
    for (size_t q = 0; q < 20; q++) CHECK_EQ_INT(pts[q], want[q]);
    free(pts);
}

TEST(gridsearch_rejects_a_grid_of_size_zero)
{
    long *pts = NULL, units = 0;
    size_t P = 0;
    fairc_status st = {0};
    uint8_t neg1[] = {1};
    CHECK_EQ_INT(fairc_grid_lattice(0, 1, neg1, 0, 0, &pts, &P, &units, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "grid size") != NULL);
    CHECK(pts == NULL);
}

/* GridSearch on the dp2 / eo3 tables with the majority learner: each point's error and gammas
 * and the selected point equal Fairlearn's. */
static void check_gs_run(const int (*counts)[4][2], size_t G, int kind, size_t size,
                         const double *err, const double *gamma, size_t best, int threads)
{
    fx_data d = fx_make(counts, G);
    fairc_moment *m = NULL;
    fairc_status st = {0};
    CHECK(fairc_moment_new(kind, d.N, d.y, NULL, &d.gr, 1, 0.01, 1, &m, &st) == FAIRC_OK);
    fairc_red_problem pr;
    CHECK(fairc_red_problem_classify(&pr, m, 1, 1, &st) == FAIRC_OK);
    fairc_xy xy = {d.N, 1, d.X, d.y, NULL};
    size_t P = d.P;
    fairc_red_learner L = fx_majority(&P);
    L.threads = threads;
    fairc_oracle o;
    CHECK(fairc_oracle_init(&o, &pr, &xy, &L, 0, &st) == FAIRC_OK);
    fairc_gs_basis b;
    CHECK(fairc_gs_basis_moment(m, &d.gr, 1, NULL, &b, &st) == FAIRC_OK);
    fairc_gs_params gp;
    memset(&gp, 0, sizeof gp);
    gp.grid_size = size;
    gp.grid_limit = 2.0;
    gp.constraint_weight = 0.5;
    gp.dim = b.dim;
    gp.basis_plus = b.plus;
    gp.basis_minus = b.minus;
    gp.neg = b.neg;
    gp.threads = threads;
    fairc_gs_result r;
    int rc = fairc_gridsearch_run(&o, &gp, &r, &st);
    CHECK_MSG(rc == FAIRC_OK, "gridsearch: %s", st.message);
    if (rc == FAIRC_OK) {
        CHECK_EQ_INT(r.P, size);
        CHECK_EQ_INT(r.best, best);
        for (size_t q = 0; q < r.P; q++) {
            CHECK_NEAR(r.err[q], err[q], 1e-12, 0);
            for (size_t k = 0; k < m->K; k++) CHECK_NEAR(r.gamma[q * m->K + k], gamma[q * m->K + k], 1e-12, 0);
        }
        fairc_gs_result_clear(&r, o.n_params);
    }
    fairc_gs_basis_clear(&b);
    fairc_oracle_free(&o);
    fairc_red_problem_clear(&pr);
    fairc_moment_free(&m);
    fx_free(&d);
}

TEST(gridsearch_errors_gammas_and_selection_equal_fairlearns)
{
    check_gs_run(fx_dp2_counts, 2, FAIRC_CONSTRAINT_DP, 10, gs_dp2_err, gs_dp2_gamma, gs_dp2_best, 1);
    check_gs_run(fx_eo3_counts, 3, FAIRC_CONSTRAINT_EO, 20, gs_eo3_err, gs_eo3_gamma, gs_eo3_best, 1);
    check_gs_run(fx_eo3_counts, 3, FAIRC_CONSTRAINT_EO, 20, gs_eo3_err, gs_eo3_gamma, gs_eo3_best, 2);
}

/* Logistic regression on random data: 1 and 2 threads give the same bits for every point. */
TEST(gridsearch_parallel_fits_give_identical_results)
{
    size_t N = 600, D = 4, G = 3;
    float *X = malloc(N * D * sizeof *X);
    double *y = malloc(N * sizeof *y), *w = malloc(N * sizeof *w);
    int32_t *g = malloc(N * sizeof *g);
    fairc_rng r;
    fairc_rng_seed(&r, 3, "test/gridsearch");
    for (size_t i = 0; i < N; i++) {
        g[i] = (int32_t)(i % G);
        for (size_t j = 0; j < D; j++) X[i * D + j] = (float)(fairc_rng_uniform(&r) * 2 - 1 + 0.3 * g[i]);
        y[i] = fairc_rng_uniform(&r) < 0.3 + 0.2 * g[i] + 0.2 * X[i * D];
        w[i] = 0.5 + fairc_rng_uniform(&r);
    }
    const char *names[] = {"g=0", "g=1", "g=2"};
    fairc_grouping_rows gr = {g, G, names};
    fairc_moment *m = NULL;
    fairc_status st = {0};
    CHECK(fairc_moment_new(FAIRC_CONSTRAINT_DP, N, y, w, &gr, 1, 0.01, 1, &m, &st) == FAIRC_OK);
    fairc_red_problem pr;
    CHECK(fairc_red_problem_classify(&pr, m, 1, 1, &st) == FAIRC_OK);
    fairc_xy xy = {N, D, X, y, w};
    fairc_red_learner L;
    memset(&L, 0, sizeof L);
    L.kind = FAIRC_LEARNER_LOGISTIC;
    fairc_logistic_params_init(&L.logistic);
    fairc_mlp_layout(&L.mlp, D, NULL, 0);
    fairc_gs_basis b;
    CHECK(fairc_gs_basis_moment(m, &gr, 1, NULL, &b, &st) == FAIRC_OK);
    fairc_gs_result res[2];
    for (int t = 0; t < 2; t++) {
        L.threads = t + 1;
        fairc_oracle o;
        CHECK(fairc_oracle_init(&o, &pr, &xy, &L, 0, &st) == FAIRC_OK);
        fairc_gs_params gp;
        memset(&gp, 0, sizeof gp);
        gp.grid_size = 12;
        gp.grid_limit = 2.0;
        gp.constraint_weight = 0.5;
        gp.dim = b.dim;
        gp.basis_plus = b.plus;
        gp.basis_minus = b.minus;
        gp.neg = b.neg;
        gp.threads = t + 1;
        CHECK(fairc_gridsearch_run(&o, &gp, &res[t], &st) == FAIRC_OK);
        fairc_oracle_free(&o);
    }
    CHECK_EQ_INT(res[0].best, res[1].best);
    for (size_t q = 0; q < res[0].P; q++) {
        CHECK(res[0].err[q] == res[1].err[q]);
        CHECK(res[0].fits[q].constant == res[1].fits[q].constant);
        if (!res[0].fits[q].constant)
            CHECK(memcmp(res[0].fits[q].params, res[1].fits[q].params, (D + 1) * sizeof(double)) == 0);
    }
    for (int t = 0; t < 2; t++) fairc_gs_result_clear(&res[t], D + 1);
    fairc_gs_basis_clear(&b);
    fairc_red_problem_clear(&pr);
    fairc_moment_free(&m);
    free(X), free(y), free(w), free(g);
}
