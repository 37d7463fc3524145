/* test_mlp.c: the MLP (layout, forward/backward against central differences, sparse and dense
 * inputs, training determinism, weights, hooks, prediction), Adam, and the matrix product the MLP
 * uses (portable kernel and the BLAS path against a naive triple loop). */
#include "test.h"

#include "blas.h"
#include "model.h"

#include <stdlib.h>

typedef struct {
    size_t N, D;
    float *X;
    double *y, *w;
} tdata;

/* Half the features N(0, 1), half one-hot-like 0/1 (sparse_only: every feature 0/1 with
 * P(1) = 0.15, so the sparse path is taken); labels from a nonlinear rule plus noise. */
static tdata make_data(size_t N, size_t D, uint64_t seed, int weighted, int sparse_only)
{
    tdata t = {N, D, malloc(N * D * sizeof(float)), malloc(N * sizeof(double)),
               weighted ? malloc(N * sizeof(double)) : NULL};
    fairc_rng r;
    fairc_rng_seed(&r, seed, "test/data");
    for (size_t i = 0; i < N; i++) {
        for (size_t k = 0; k < D; k++) {
            double x = (sparse_only || k % 2) ? (fairc_rng_uniform(&r) < 0.15)
                                              : fairc_rng_normal(&r);
            t.X[i * D + k] = (float)x;
        }
        double a = t.X[i * D], b = D > 1 ? t.X[i * D + 1] : 0;
        double z = 2.0 * a * (b > 0.5 ? 1 : -1) + 0.5 * fairc_rng_normal(&r);
        t.y[i] = z > 0;
        if (t.w) t.w[i] = i % 5 == 2 ? 0.0 : 2 * fairc_rng_uniform(&r);
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

static double loss_of(const fairc_mlp *m, const double *params, const fairc_xy *d, int loss,
                      int red, fairc_mlp_cache *c)
{
    double v = NAN;
    CHECK_EQ_INT(fairc_mlp_loss(m, params, d, loss, red, c, &v, NULL, NULL), FAIRC_OK);
    return v;
}

TEST(mlp_layout_matches_the_documented_offsets)
{
    fairc_mlp m;
    size_t h1[1] = {4};
    CHECK(fairc_mlp_layout(&m, 3, h1, 1) == NULL);
    CHECK_EQ_INT(m.w[0], 0);
    CHECK_EQ_INT(m.b[0], 12); /* H*D */
    CHECK_EQ_INT(m.w[1], 16); /* H*D + H */
    CHECK_EQ_INT(m.b[1], 20); /* H*D + 2H */
    CHECK_EQ_INT(m.count, 21);
    CHECK(fairc_mlp_layout(&m, 5, NULL, 0) == NULL); /* a linear model: beta at 0, bias at D */
    CHECK_EQ_INT(m.w[0], 0);
    CHECK_EQ_INT(m.b[0], 5);
    CHECK_EQ_INT(m.count, 6);
    size_t h2[2] = {4, 0};
    CHECK(fairc_mlp_layout(&m, 3, h2, 2) != NULL);
    CHECK(fairc_mlp_layout(&m, 0, h1, 1) != NULL);
    size_t big[1] = {(size_t)1 << 40};
    CHECK(fairc_mlp_layout(&m, 1 << 20, big, 1) != NULL);
    size_t many[64];
    for (int k = 0; k < 64; k++) many[k] = 2;
    CHECK(fairc_mlp_layout(&m, 3, many, 63) == NULL);
    CHECK(fairc_mlp_layout(&m, 3, many, 64) != NULL);
}

TEST(mlp_gradient_matches_central_differences)
{
    size_t hidden[2] = {5, 3};
    for (size_t nh = 0; nh <= 2; nh++)
        for (int weighted = 0; weighted < 2; weighted++)
            for (int variant = 0; variant < 4; variant++) {
                int loss = variant & 1 ? FAIRC_LOSS_SQUARED : FAIRC_LOSS_BCE;
                int red = variant & 2 ? FAIRC_REDUCE_SUM : FAIRC_REDUCE_MEAN;
                tdata t = make_data(23, 4, 100 + nh * 10 + (size_t)weighted, weighted, 0);
                fairc_xy d = view(&t);
                fairc_mlp m;
                CHECK(fairc_mlp_layout(&m, 4, hidden, nh) == NULL);
                double *params = malloc(m.count * sizeof(double));
                double *grads = calloc(m.count, sizeof(double));
                fairc_mlp_init_params(&m, params, 3, NULL);
                for (size_t j = 0; j < m.count; j++) params[j] *= 2; /* livelier units */
                fairc_mlp_cache *c = NULL;
                CHECK_EQ_INT(fairc_mlp_cache_new(&m, 7, &c, NULL), FAIRC_OK); /* 4 blocks */
                double v;
                CHECK_EQ_INT(fairc_mlp_loss(&m, params, &d, loss, red, c, &v, grads, NULL),
                             FAIRC_OK);
                for (size_t j = 0; j < m.count; j++) {
                    double keep = params[j], h = 1e-6 * fmax(1.0, fabs(keep));
                    params[j] = keep + h;
                    double up = loss_of(&m, params, &d, loss, red, c);
                    params[j] = keep - h;
                    double down = loss_of(&m, params, &d, loss, red, c);
                    params[j] = keep;
                    CHECK_NEAR(grads[j], (up - down) / (2 * h), 1e-7, 1e-6);
                }
                fairc_mlp_cache_free(&c);
                free(params);
                free(grads);
                free_data(&t);
            }
}

TEST(mlp_backward_adds_and_can_run_twice_after_one_forward)
{
    tdata t = make_data(9, 3, 5, 0, 0);
    size_t hidden[2] = {4, 4};
    fairc_mlp m;
    fairc_mlp_layout(&m, 3, hidden, 2);
    double params[64], g1[64] = {0}, g2[64] = {0}, scores[9], ds[9];
    fairc_mlp_init_params(&m, params, 1, NULL);
    fairc_mlp_cache *c = NULL;
    CHECK_EQ_INT(fairc_mlp_cache_new(&m, 9, &c, NULL), FAIRC_OK);
    fairc_mlp_forward(scores, c, &m, params, t.X, 9);
    for (int i = 0; i < 9; i++) ds[i] = 0.25 * (i - 4);
    fairc_mlp_backward(g1, ds, c, &m, params);
    fairc_mlp_backward(g2, ds, c, &m, params);
    fairc_mlp_backward(g2, ds, c, &m, params);
    for (size_t j = 0; j < m.count; j++) CHECK_NEAR(g2[j], 2 * g1[j], 1e-15, 1e-14);
    fairc_mlp_cache_free(&c);
    free_data(&t);
}

TEST(mlp_sparse_and_dense_inputs_give_the_same_scores_and_gradients)
{
    tdata t = make_data(40, 12, 8, 0, 1);
    size_t hidden[1] = {19}; /* not a multiple of 16 or 4: every kernel tail runs */
    /* The portable kernel sums in the sparse path's order; BLAS may not. */
    double tol = strcmp(fairc_gemm_backend(), "portable") == 0 ? 0 : 1e-13;
    for (size_t nh = 0; nh < 2; nh++) { /* a linear model, then an MLP */
        fairc_mlp m;
        fairc_mlp_layout(&m, 12, hidden, nh);
        double *params = malloc(m.count * sizeof(double)), sc[2][40], ds[40];
        double *g[2] = {calloc(m.count, sizeof(double)), calloc(m.count, sizeof(double))};
        fairc_mlp_init_params(&m, params, 2, NULL);
        for (int i = 0; i < 40; i++) ds[i] = 0.1 * (i % 7) - 0.3;
        for (int mode = 0; mode < 2; mode++) {
            fairc_mlp_cache *c = NULL;
            CHECK_EQ_INT(fairc_mlp_cache_new(&m, 40, &c, NULL), FAIRC_OK);
            fairc_mlp_cache_storage(c, mode ? FAIRC_STORAGE_DENSE : FAIRC_STORAGE_SPARSE);
            fairc_mlp_forward(sc[mode], c, &m, params, t.X, 40);
            fairc_mlp_backward(g[mode], ds, c, &m, params);
            fairc_mlp_cache_free(&c);
        }
        for (int i = 0; i < 40; i++) CHECK_NEAR(sc[0][i], sc[1][i], tol, tol);
        for (size_t j = 0; j < m.count; j++) CHECK_NEAR(g[0][j], g[1][j], tol, tol);
        free(params);
        free(g[0]);
        free(g[1]);
    }
    free_data(&t);
}

static void train(const tdata *t, const fairc_mlp *m, fairc_mlp_state *s,
                  const fairc_mlp_train_params *p, fairc_mlp_train_info *info)
{
    fairc_xy d = view(t);
    fairc_status st = {0};
    int rc = fairc_mlp_train(m, s, &d, p, info, &st);
    CHECK_MSG(rc == FAIRC_OK, "training failed: %s", st.message);
}

TEST(mlp_same_seed_gives_identical_params_and_another_seed_differs)
{
    tdata t = make_data(300, 6, 9, 1, 0);
    size_t hidden[2] = {8, 5};
    fairc_mlp m;
    fairc_mlp_layout(&m, 6, hidden, 2);
    fairc_mlp_train_params p;
    fairc_mlp_train_params_init(&p);
    p.epochs = 3;
    p.batch_size = 32;
    p.seed = 42;
    fairc_mlp_state a, b, c;
    fairc_mlp_state_new(&a, &m, NULL);
    fairc_mlp_state_new(&b, &m, NULL);
    fairc_mlp_state_new(&c, &m, NULL);
    train(&t, &m, &a, &p, NULL);
    train(&t, &m, &b, &p, NULL);
    p.seed = 43;
    train(&t, &m, &c, &p, NULL);
    CHECK(memcmp(a.params, b.params, m.count * sizeof(double)) == 0);
    CHECK(memcmp(a.params, c.params, m.count * sizeof(double)) != 0);
    /* The shuffle alone also changes the result: same init, other shuffle stream. */
    p.seed = 42;
    p.shuffle_purpose = "shuffle/other";
    train(&t, &m, &c, &p, NULL);
    CHECK(memcmp(a.params, c.params, m.count * sizeof(double)) != 0);
    fairc_mlp_state_free(&a);
    fairc_mlp_state_free(&b);
    fairc_mlp_state_free(&c);
    free_data(&t);
}

TEST(mlp_init_equals_warm_start_from_the_same_initial_params)
{
    tdata t = make_data(200, 5, 4, 0, 0);
    size_t hidden[1] = {6};
    fairc_mlp m;
    fairc_mlp_layout(&m, 5, hidden, 1);
    fairc_mlp_train_params p;
    fairc_mlp_train_params_init(&p);
    p.epochs = 2;
    p.batch_size = 16;
    fairc_mlp_state a, b;
    fairc_mlp_state_new(&a, &m, NULL);
    fairc_mlp_state_new(&b, &m, NULL);
    train(&t, &m, &a, &p, NULL);
    fairc_mlp_init_params(&m, b.params, p.seed, "init");
    b.m[0] = 5; /* WARM resets Adam's moments */
    p.start = FAIRC_START_WARM;
    train(&t, &m, &b, &p, NULL);
    CHECK(memcmp(a.params, b.params, m.count * sizeof(double)) == 0);
    CHECK(a.step == b.step);
    /* RESUME with zero epochs leaves everything as it was. */
    memcpy(b.buf, a.buf, 4 * m.count * sizeof(double));
    p.start = FAIRC_START_RESUME;
    p.epochs = 0;
    train(&t, &m, &b, &p, NULL);
    CHECK(memcmp(a.buf, b.buf, 4 * m.count * sizeof(double)) == 0);
    fairc_mlp_state_free(&a);
    fairc_mlp_state_free(&b);
    free_data(&t);
}

TEST(mlp_training_learns_a_nonlinear_rule)
{
    tdata t = make_data(2000, 6, 77, 0, 0);
    size_t hidden[1] = {16};
    fairc_mlp m;
    fairc_mlp_layout(&m, 6, hidden, 1);
    fairc_mlp_train_params p;
    fairc_mlp_train_params_init(&p);
    p.epochs = 1;
    p.batch_size = 64;
    p.adam.lr = 1e-2;
    fairc_mlp_state s;
    fairc_mlp_state_new(&s, &m, NULL);
    fairc_mlp_train_info info;
    train(&t, &m, &s, &p, &info);
    double first = info.last_epoch_loss;
    p.epochs = 30;
    p.start = FAIRC_START_RESUME;
    train(&t, &m, &s, &p, &info);
    CHECK_MSG(info.last_epoch_loss < 0.6 * first, "loss %g after 1 epoch, %g after 31", first,
              info.last_epoch_loss);
    CHECK_EQ_INT(info.epochs, 30);
    CHECK_EQ_INT(info.batches, 30 * 32);
    /* The rule a * sign(b - 0.5) is not linear: a linear model cannot reach this accuracy. */
    double *sc = malloc(t.N * sizeof(double));
    CHECK_EQ_INT(fairc_mlp_predict(&m, s.params, t.X, t.N, sc, NULL, 1, NULL), FAIRC_OK);
    size_t ok = 0;
    for (size_t i = 0; i < t.N; i++) ok += (sc[i] > 0) == (t.y[i] == 1);
    CHECK_MSG(ok > 0.85 * (double)t.N, "training accuracy %zu / %zu", ok, t.N);
    free(sc);
    fairc_mlp_state_free(&s);
    free_data(&t);
}

TEST(mlp_zero_weight_rows_have_no_effect_on_loss_or_gradient)
{
    tdata t = make_data(60, 5, 31, 1, 0); /* rows i % 5 == 2 have weight 0 */
    tdata kept = {0, 5, malloc(60 * 5 * sizeof(float)), malloc(60 * sizeof(double)),
                  malloc(60 * sizeof(double))};
    for (size_t i = 0; i < t.N; i++) {
        if (t.w[i] == 0) {
            t.y[i] = 1 - t.y[i];
            continue;
        }
        memcpy(kept.X + kept.N * 5, t.X + i * 5, 5 * sizeof(float));
        kept.y[kept.N] = t.y[i];
        kept.w[kept.N++] = t.w[i];
    }
    size_t hidden[1] = {7};
    fairc_mlp m;
    fairc_mlp_layout(&m, 5, hidden, 1);
    double params[64], ga[64] = {0}, gb[64] = {0}, va, vb;
    fairc_mlp_init_params(&m, params, 8, NULL);
    fairc_mlp_cache *c = NULL;
    fairc_mlp_cache_new(&m, 256, &c, NULL);
    fairc_xy da = view(&t), db = view(&kept);
    for (int red = 0; red < 2; red++) {
        memset(ga, 0, sizeof ga);
        memset(gb, 0, sizeof gb);
        fairc_mlp_loss(&m, params, &da, FAIRC_LOSS_BCE, red, c, &va, ga, NULL);
        fairc_mlp_loss(&m, params, &db, FAIRC_LOSS_BCE, red, c, &vb, gb, NULL);
        CHECK_NEAR(va, vb, 1e-15, 1e-14);
        for (size_t j = 0; j < m.count; j++) CHECK_NEAR(ga[j], gb[j], 1e-15, 1e-13);
    }
    fairc_mlp_cache_free(&c);
    free_data(&t);
    free_data(&kept);
}

TEST(mlp_unit_weights_equal_no_weights_bit_for_bit)
{
    tdata t = make_data(150, 4, 12, 0, 0);
    size_t hidden[1] = {5};
    fairc_mlp m;
    fairc_mlp_layout(&m, 4, hidden, 1);
    fairc_mlp_train_params p;
    fairc_mlp_train_params_init(&p);
    p.epochs = 2;
    p.batch_size = 20;
    fairc_mlp_state a, b;
    fairc_mlp_state_new(&a, &m, NULL);
    fairc_mlp_state_new(&b, &m, NULL);
    train(&t, &m, &a, &p, NULL);
    t.w = malloc(150 * sizeof(double));
    for (int i = 0; i < 150; i++) t.w[i] = 1;
    train(&t, &m, &b, &p, NULL);
    CHECK(memcmp(a.params, b.params, m.count * sizeof(double)) == 0);
    fairc_mlp_state_free(&a);
    fairc_mlp_state_free(&b);
    free_data(&t);
}

typedef struct {
    size_t calls, rows_seen, N;
    unsigned char *seen;
    int fail_at;
    double add;
} hook_log;

static int batch_hook(void *user, const size_t *rows, size_t nb, const double *scores,
                      double *dscores)
{
    hook_log *h = user;
    (void)scores;
    h->calls++;
    for (size_t r = 0; r < nb; r++) {
        if (rows[r] < h->N) h->seen[rows[r]]++;
        dscores[r] += h->add;
    }
    h->rows_seen += nb;
    return h->fail_at && (int)h->calls == h->fail_at ? FAIRC_EINVAL : FAIRC_OK;
}

TEST(mlp_batch_hook_sees_each_row_once_per_epoch_and_can_stop_training)
{
    tdata t = make_data(103, 4, 2, 0, 0);
    size_t hidden[1] = {3};
    fairc_mlp m;
    fairc_mlp_layout(&m, 4, hidden, 1);
    fairc_mlp_train_params p;
    fairc_mlp_train_params_init(&p);
    p.epochs = 1;
    p.batch_size = 10;
    hook_log h = {0, 0, 103, calloc(103, 1), 0, 0};
    p.batch_hook = batch_hook;
    p.batch_user = &h;
    fairc_mlp_state s, s2;
    fairc_mlp_state_new(&s, &m, NULL);
    fairc_mlp_state_new(&s2, &m, NULL);
    train(&t, &m, &s, &p, NULL);
    CHECK_EQ_INT(h.calls, 11);
    CHECK_EQ_INT(h.rows_seen, 103);
    for (int i = 0; i < 103; i++) CHECK_EQ_INT(h.seen[i], 1);
    /* What the hook adds reaches the gradient: a large constant dscore pushes the output bias
     * down by about lr per step. */
    double init[32];
    fairc_mlp_init_params(&m, init, 0, "init");
    h.add = 1.0;
    train(&t, &m, &s2, &p, NULL);
    CHECK_MSG(s2.params[m.b[1]] < init[m.b[1]] - 0.008, "bias %g from %g", s2.params[m.b[1]],
              init[m.b[1]]);
    /* A failing hook stops training with its code. */
    h.fail_at = (int)h.calls + 3;
    fairc_xy d = view(&t);
    CHECK_EQ_INT(fairc_mlp_train(&m, &s, &d, &p, NULL, NULL), FAIRC_EINVAL);
    free(h.seen);
    fairc_mlp_state_free(&s);
    fairc_mlp_state_free(&s2);
    free_data(&t);
}

static int cancel_after_first(void *user, double fraction, const char *what)
{
    (void)what;
    *(double *)user = fraction;
    return 1;
}

TEST(mlp_progress_callback_cancels_after_an_epoch)
{
    tdata t = make_data(50, 3, 6, 0, 0);
    fairc_mlp m;
    fairc_mlp_layout(&m, 3, NULL, 0);
    fairc_mlp_train_params p;
    fairc_mlp_train_params_init(&p);
    p.epochs = 4;
    double frac = -1;
    p.progress = cancel_after_first;
    p.progress_user = &frac;
    fairc_mlp_state s;
    fairc_mlp_state_new(&s, &m, NULL);
    fairc_mlp_train_info info;
    fairc_xy d = view(&t);
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_mlp_train(&m, &s, &d, &p, &info, &st), FAIRC_ECANCEL);
    CHECK_EQ_INT(info.epochs, 1);
    CHECK_NEAR(frac, 0.25, 0, 0);
    fairc_mlp_state_free(&s);
    free_data(&t);
}

TEST(mlp_predict_gives_forward_scores_and_sigmoid_on_any_thread_count)
{
    tdata t = make_data(1000, 7, 3, 0, 0);
    size_t hidden[2] = {9, 4};
    fairc_mlp m;
    fairc_mlp_layout(&m, 7, hidden, 2);
    double *params = malloc(m.count * sizeof(double));
    fairc_mlp_init_params(&m, params, 5, NULL);
    double *s1 = malloc(1000 * sizeof(double)), *s2 = malloc(1000 * sizeof(double));
    double *pr = malloc(1000 * sizeof(double)), one[1];
    CHECK_EQ_INT(fairc_mlp_predict(&m, params, t.X, 1000, s1, pr, 1, NULL), FAIRC_OK);
    CHECK_EQ_INT(fairc_mlp_predict(&m, params, t.X, 1000, s2, NULL, 2, NULL), FAIRC_OK);
    CHECK(memcmp(s1, s2, 1000 * sizeof(double)) == 0);
    fairc_mlp_cache *c = NULL;
    fairc_mlp_cache_new(&m, 1, &c, NULL);
    for (int i = 0; i < 1000; i += 97) {
        fairc_mlp_forward(one, c, &m, params, t.X + (size_t)i * 7, 1);
        CHECK_NEAR(one[0], s1[i], 1e-14, 1e-14);
        CHECK_NEAR(pr[i], 1 / (1 + exp(-s1[i])), 0, 1e-15);
    }
    fairc_mlp_cache_free(&c);
    free(params);
    free(s1);
    free(s2);
    free(pr);
    free_data(&t);
}

TEST(mlp_train_params_check_rejects_nonsense)
{
    fairc_mlp_train_params p;
    fairc_mlp_train_params_init(&p);
    CHECK(fairc_mlp_train_params_check(&p) == NULL);
    p.adam.lr = NAN;
    CHECK(fairc_mlp_train_params_check(&p) != NULL);
    p.adam.lr = -1;
    CHECK(fairc_mlp_train_params_check(&p) != NULL);
    fairc_mlp_train_params_init(&p);
    p.adam.beta1 = 1;
    CHECK(fairc_mlp_train_params_check(&p) != NULL);
    fairc_mlp_train_params_init(&p);
    p.adam.beta2 = NAN;
    CHECK(fairc_mlp_train_params_check(&p) != NULL);
    fairc_mlp_train_params_init(&p);
    p.adam.eps = 0;
    CHECK(fairc_mlp_train_params_check(&p) != NULL);
    fairc_mlp_train_params_init(&p);
    p.adam.weight_decay = NAN;
    CHECK(fairc_mlp_train_params_check(&p) != NULL);
    fairc_mlp_train_params_init(&p);
    p.batch_size = 0;
    CHECK(fairc_mlp_train_params_check(&p) != NULL);
    fairc_mlp_train_params_init(&p);
    p.loss = 7;
    CHECK(fairc_mlp_train_params_check(&p) != NULL);
    /* data checks happen in training */
    float X[2] = {0, 1};
    double y[2] = {0, 0.5};
    fairc_xy d = {2, 1, X, y, NULL};
    fairc_mlp m;
    fairc_mlp_layout(&m, 1, NULL, 0);
    fairc_mlp_state s;
    fairc_mlp_state_new(&s, &m, NULL);
    fairc_mlp_train_params_init(&p);
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_mlp_train(&m, &s, &d, &p, NULL, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "row 2") != NULL);
    p.loss = FAIRC_LOSS_SQUARED; /* regression takes any finite target */
    CHECK_EQ_INT(fairc_mlp_train(&m, &s, &d, &p, NULL, &st), FAIRC_OK);
    fairc_mlp_state_free(&s);
}

TEST(mlp_adam_step_matches_the_formula)
{
    fairc_adam_params a;
    fairc_adam_params_init(&a);
    a.weight_decay = 0.1;
    double p[2] = {1.0, -2.0}, g[2] = {0.5, -0.25}, m[2] = {0, 0}, v[2] = {0, 0};
    fairc_adam_step(&a, 1, p, g, m, v, 2);
    /* step 1: m_hat = g, v_hat = g^2, so the move is lr * g / (|g| + eps) after decay */
    CHECK_NEAR(p[0], 1.0 * (1 - 1e-4) - 1e-3 * 0.5 / (0.5 + 1e-8), 1e-15, 0);
    CHECK_NEAR(p[1], -2.0 * (1 - 1e-4) + 1e-3 * 0.25 / (0.25 + 1e-8), 1e-15, 0);
    CHECK_NEAR(m[0], 0.05, 1e-16, 0);
    CHECK_NEAR(v[0], 0.00025, 1e-18, 1e-15);
    /* step 2 with g = 0: m = 0.9 m, v = 0.999 v, corrections 1 - 0.9^2 and 1 - 0.999^2 */
    double q = p[0];
    g[0] = g[1] = 0;
    fairc_adam_step(&a, 2, p, g, m, v, 2);
    double mh = 0.045 / (1 - 0.81), vh = 0.00025 * 0.999 / (1 - 0.999 * 0.999);
    CHECK_NEAR(p[0], q * (1 - 1e-4) - 1e-3 * mh / (sqrt(vh) + 1e-8), 1e-15, 1e-12);
}

/* C = beta C + op(A) op(B) by the book */
static void naive_gemm(int ta, int tb, size_t M, size_t N, size_t K, const double *A, size_t lda,
                       const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            double s = 0;
            for (size_t k = 0; k < K; k++)
                s += (ta ? A[k * lda + i] : A[i * lda + k]) * (tb ? B[j * ldb + k] : B[k * ldb + j]);
            C[i * ldc + j] = (beta == 0 ? 0 : C[i * ldc + j]) + s;
        }
}

TEST(mlp_gemm_portable_and_blas_paths_match_a_naive_product)
{
    fairc_rng r;
    fairc_rng_seed(&r, 1, "test/gemm");
    size_t sizes[][3] = {{1, 1, 1}, {5, 7, 3}, {9, 4, 13}, {16, 16, 16}, {33, 6, 65}, {4, 1, 9}};
    double *A = malloc(65 * 65 * sizeof(double)), *B = malloc(65 * 65 * sizeof(double));
    double *C0 = malloc(70 * 70 * sizeof(double)), *C1 = malloc(70 * 70 * sizeof(double));
    double *C2 = malloc(70 * 70 * sizeof(double)), *work = malloc(65 * 65 * sizeof(double));
    for (int k = 0; k < 65 * 65; k++) A[k] = fairc_rng_normal(&r), B[k] = fairc_rng_normal(&r);
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++)
                for (int beta = 0; beta < 2; beta++) {
                    size_t M = sizes[s][0], N = sizes[s][1], K = sizes[s][2];
                    size_t lda = (ta ? M : K) + 1, ldb = (tb ? K : N) + 2, ldc = N + 3;
                    for (int k = 0; k < 70 * 70; k++) C0[k] = C1[k] = C2[k] = beta ? 0.5 : NAN;
                    naive_gemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C0, ldc);
                    fairc_gemm_portable(ta, tb, M, N, K, A, lda, B, ldb, beta, C1, ldc, work);
                    fairc_gemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C2, ldc, work);
                    for (size_t i = 0; i < M; i++)
                        for (size_t j = 0; j < N; j++) {
                            /* the portable kernel sums in the naive order, up to the C term */
                            CHECK_NEAR(C1[i * ldc + j], C0[i * ldc + j], 1e-15, 1e-15);
                            CHECK_NEAR(C2[i * ldc + j], C0[i * ldc + j], 1e-12, 1e-12);
                        }
                }
    free(A);
    free(B);
    free(C0);
    free(C1);
    free(C2);
    free(work);
}
