/* test_constrained.c: constrained training (SPEC §6, constrained.c): the first dual step against
 * the formula (projected ascent on hard-decision violations, capped at lambda_max), the bound
 * met on biased data for every moment and for a ratio bound, best-epoch selection, momentum and
 * the soft dual signal, determinism, and the MULT section: a round trip and hostile bytes. */
#include "test.h"

#include "fairtrain.h"
#include "model.h"
#include "moment.h"
#include "predictor.h"
#include "sha256.h"

#include <stdlib.h>

typedef struct {
    size_t N;
    float *X; /* (N, 4): x0 = group == 1, x1 = group == 2, x2, x3 signals */
    double *y;
    int32_t *g;
} cdata;

/* Three groups of unequal size whose labels depend on the group. */
static cdata make_cdata(size_t N, uint64_t seed)
{
    cdata d = {N, malloc(N * 4 * sizeof(float)), malloc(N * sizeof(double)), malloc(N * sizeof(int32_t))};
    fairc_rng r;
    fairc_rng_seed(&r, seed, "test/constrained");
    for (size_t i = 0; i < N; i++) {
        double u = fairc_rng_uniform(&r);
        d.g[i] = u < 0.6 ? 0 : u < 0.85 ? 1 : 2;
        double a = fairc_rng_normal(&r), b = fairc_rng_normal(&r);
        d.X[i * 4] = (float)(d.g[i] == 1);
        d.X[i * 4 + 1] = (float)(d.g[i] == 2);
        d.X[i * 4 + 2] = (float)a;
        d.X[i * 4 + 3] = (float)b;
        double z = 1.5 * a + 0.7 * b - 0.3 - 1.2 * d.g[i];
        d.y[i] = fairc_rng_uniform(&r) < 1 / (1 + exp(-z));
    }
    return d;
}

static void free_cdata(cdata *d)
{
    free(d->X);
    free(d->y);
    free(d->g);
}

static const char *const gnames[3] = {"g=A", "g=B", "g=C"};

static void options(fairc_train_options *o, const cdata *d)
{
    fairc_train_options_init(o);
    o->label = "y";
    o->learner = FAIRC_LEARNER_LOGISTIC;
    o->mitigate = FAIRC_MITIGATE_CONSTRAINED;
    o->group_ids = d->g;
    o->n_group_ids = 3;
    o->group_names = gnames;
    o->epochs = 20;
    o->batch = 256;
    o->lr = 3e-3;
}

/* One epoch of one full batch: the multipliers after the step are
 * lambda_k = min(lambda_max, max(0, eta (gammaH_k - eps))), projected per cell, with gammaH the
 * hard-decision gamma at the initial parameters. */
TEST(constrained_first_dual_step_is_projected_ascent_on_hard_violations)
{
    cdata d = make_cdata(600, 1);
    for (int capped = 0; capped < 2; capped++) {
        fairc_train_options o;
        options(&o, &d);
        o.epochs = 1;
        o.batch = d.N;
        o.select = FAIRC_SELECT_LAST;
        o.eps = 0.01;
        o.dual_lr = capped ? 1e6 : 0.5;
        o.lambda_max = 3;
        o.seed = 9;
        fairc_predictor *p = NULL;
        fairc_train_info info;
        fairc_status st = {0};
        CHECK_EQ_INT(fairc_train_arrays(d.X, d.N, 4, d.y, NULL, &o, &p, &info, &st), FAIRC_OK);
        if (!p) break;
        /* the initial parameters and their hard decisions */
        fairc_mlp m;
        CHECK(fairc_mlp_layout(&m, 4, NULL, 0) == NULL);
        double params[5], z[600], h[600];
        fairc_mlp_init_params(&m, params, 9, "init");
        CHECK_EQ_INT(fairc_mlp_predict(&m, params, d.X, d.N, z, NULL, 1, &st), FAIRC_OK);
        for (size_t i = 0; i < d.N; i++) h[i] = z[i] > 0;
        fairc_grouping_rows gr = {d.g, 3, gnames};
        fairc_moment *mom = NULL;
        fairc_moment_eval ev;
        CHECK_EQ_INT(fairc_moment_new(FAIRC_CONSTRAINT_DP, d.N, d.y, NULL, &gr, 1, 0.01, 1, &mom, &st), FAIRC_OK);
        CHECK_EQ_INT(fairc_moment_eval_new(mom, &ev, &st), FAIRC_OK);
        fairc_moment_evaluate(mom, &ev, NULL, d.N, h, NULL, NULL, 0);
        double want[6];
        for (size_t k = 0; k < 6; k++)
            want[k] = fmin(3, fmax(0, o.dual_lr * (ev.gamma[k] - 0.01)));
        fairc_moment_project(mom, want);
        CHECK_EQ_INT(fairc_predictor_n_constraints(p), 6);
        size_t positive = 0;
        for (size_t k = 0; k < 6; k++) {
            double lam = -1;
            CHECK_EQ_INT(fairc_predictor_constraint(p, k, NULL, &lam, NULL, &st), FAIRC_OK);
            CHECK_NEAR(lam, want[k], 1e-15, 1e-12);
            CHECK(lam >= 0 && lam <= 3);
            positive += lam > 0;
        }
        CHECK(positive > 0);
        CHECK_EQ_INT(p->fair->steps, 1);
        CHECK_EQ_INT(p->fair->selected_epoch, 1);
        fairc_moment_eval_free(&ev);
        fairc_moment_free(&mom);
        fairc_predictor_free(&p);
    }
    free_cdata(&d);
}

/* The bound is met on the training rows for every moment (difference bound 0.03) and for a
 * ratio bound of 0.8, where the unconstrained model is far from it. Group C's positives number
 * about 2 per batch, so the dual signal uses running sums (--momentum 0.9): without them the
 * clip at 0 before the projection turns the batch noise into a bias of E[(gamma - eps)+] and
 * TPR parity settles just above the bound. */
TEST(constrained_training_meets_the_bound_for_every_moment)
{
    cdata d = make_cdata(20000, 2);
    static const int kinds[] = {FAIRC_CONSTRAINT_DP, FAIRC_CONSTRAINT_EO, FAIRC_CONSTRAINT_TPR,
                                FAIRC_CONSTRAINT_FPR, FAIRC_CONSTRAINT_ERROR_RATE};
    for (size_t ki = 0; ki < 6; ki++) {
        int ratio = ki == 5;
        fairc_train_options o;
        options(&o, &d);
        o.momentum = 0.9;
        o.constraint = ratio ? FAIRC_CONSTRAINT_DP : kinds[ki];
        if (ratio) o.ratio_bound = 0.8;
        else o.eps = kinds[ki] == FAIRC_CONSTRAINT_FPR ? 0.01 : 0.03; /* FPR gaps are smaller */
        fairc_predictor *p = NULL, *q = NULL;
        fairc_train_info info, plain;
        fairc_status st = {0};
        CHECK_EQ_INT(fairc_train_arrays(d.X, d.N, 4, d.y, NULL, &o, &p, &info, &st), FAIRC_OK);
        o.lambda_max = 1e-9; /* as good as unconstrained; a few epochs show the gap */
        o.dual_lr = 1e-12;
        o.epochs = 5;
        CHECK_EQ_INT(fairc_train_arrays(d.X, d.N, 4, d.y, NULL, &o, &q, &plain, &st), FAIRC_OK);
        const char *kn = fairc_constraint_name(o.constraint);
        CHECK_MSG(plain.violation > 0.02, "%s: unconstrained V %g", kn, plain.violation);
        double eps = o.eps;
        CHECK_MSG(info.violation <= 0, "%s%s: V %g (unconstrained %g)", kn, ratio ? " ratio" : "",
                  info.violation, plain.violation);
        if (ratio) CHECK_MSG(info.disparity >= 0.8, "ratio to overall %g", info.disparity);
        else CHECK_MSG(info.disparity <= eps, "%s: disparity %g", kn, info.disparity);
        CHECK(info.selected_epoch >= 1 && info.selected_epoch <= 20);
        CHECK_EQ_INT(info.nonfinite_batches, 0);
        fairc_predictor_free(&p);
        fairc_predictor_free(&q);
    }
    free_cdata(&d);
}

/* --select best keeps an epoch that meets the bound with the lowest error (else the smallest
 * violation); --select last the last epoch. With momentum and the soft signal training stays
 * finite and deterministic. */
TEST(constrained_selection_momentum_and_soft_signal)
{
    cdata d = make_cdata(20000, 3);
    fairc_train_options o;
    options(&o, &d);
    o.eps = 0.02;
    o.epochs = 10;
    o.momentum = 0.9;
    o.learner = FAIRC_LEARNER_MLP;
    o.hidden[0] = 6;
    o.n_hidden = 1;
    fairc_predictor *best = NULL, *last = NULL, *soft = NULL, *soft2 = NULL;
    fairc_train_info ib, il, is, is2;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_train_arrays(d.X, d.N, 4, d.y, NULL, &o, &best, &ib, &st), FAIRC_OK);
    o.select = FAIRC_SELECT_LAST;
    CHECK_EQ_INT(fairc_train_arrays(d.X, d.N, 4, d.y, NULL, &o, &last, &il, &st), FAIRC_OK);
    /* the kept epoch meets the bound, or no epoch did and it has the smallest violation */
    CHECK_MSG(ib.violation <= fmax(0, il.violation), "V %g, last epoch's %g", ib.violation, il.violation);
    CHECK(ib.selected_epoch >= 1 && ib.selected_epoch <= 10);
    CHECK_EQ_INT(il.selected_epoch, 10);
    if (il.violation <= 0 && ib.selected_epoch != 10) /* both feasible: best errs no more */
        CHECK(ib.train_accuracy >= il.train_accuracy - 1e-12);
    o.select = FAIRC_SELECT_BEST;
    o.dual_signal = FAIRC_DUAL_SOFT;
    o.momentum = 0.95;
    CHECK_EQ_INT(fairc_train_arrays(d.X, d.N, 4, d.y, NULL, &o, &soft, &is, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_train_arrays(d.X, d.N, 4, d.y, NULL, &o, &soft2, &is2, &st), FAIRC_OK);
    CHECK(isfinite(is.violation) && isfinite(is.violation_soft));
    CHECK_EQ_INT(is.nonfinite_batches, 0);
    if (soft && soft2) {
        CHECK(soft->fair->n_running == soft->fair->K / 2 + 1); /* C + E cells: 3 groups, 1 event */
        CHECK(memcmp(soft->params, soft2->params, soft->n_params * sizeof(double)) == 0);
        CHECK(soft->fair->dual_signal == FAIRC_DUAL_SOFT && soft->fair->momentum == 0.95);
    }
    fairc_predictor_free(&best);
    fairc_predictor_free(&last);
    fairc_predictor_free(&soft);
    fairc_predictor_free(&soft2);
    free_cdata(&d);
}

/* Position of the MULT payload in serialized bytes. */
static size_t mult_payload(const unsigned char *b, size_t n)
{
    for (size_t k = 24; k + 16 <= n; k++)
        if (memcmp(b + k, "MULT", 4) == 0 && b[k + 4] == 0) return k + 16;
    return 0;
}

static void fix_crc(unsigned char *b, size_t n)
{
    uint32_t crc = fairc_crc32(0, b, n - 4);
    for (int j = 0; j < 4; j++) b[n - 4 + j] = (unsigned char)(crc >> (8 * j));
}

TEST(constrained_mult_section_round_trips_and_rejects_hostile_bytes)
{
    cdata d = make_cdata(1500, 4);
    fairc_train_options o;
    options(&o, &d);
    o.eps = 0.02;
    o.momentum = 0.5;
    o.epochs = 3;
    fairc_predictor *p = NULL, *q = NULL;
    fairc_train_info info;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_train_arrays(d.X, d.N, 4, d.y, NULL, &o, &p, &info, &st), FAIRC_OK);
    void *v = NULL, *v2 = NULL;
    size_t n = 0, n2 = 0;
    CHECK_EQ_INT(fairc_predictor_serialize(p, &v, &n, &st), FAIRC_OK);
    unsigned char *b = v;
    CHECK(b && b[10] == 1 && b[11] == 0); /* format 1.1 */
    CHECK_EQ_INT(fairc_predictor_load_memory(v, n, "m", &q, &st), FAIRC_OK);
    if (q && p) {
        const fairc_fair_record *a = p->fair, *c = q->fair;
        CHECK(c && c->mitigate == FAIRC_MITIGATE_CONSTRAINED && c->constraint == FAIRC_CONSTRAINT_DP);
        CHECK(c && c->eps == 0.02 && c->r == 1 && c->eta == 0.05 && c->lambda_max == 100);
        CHECK(c && c->steps == a->steps && c->selected_epoch == a->selected_epoch);
        CHECK(c && c->violation == a->violation && c->K == a->K && c->n_running == a->n_running);
        for (size_t k = 0; c && k < c->K; k++)
            CHECK(strcmp(c->names[k], a->names[k]) == 0 && c->lambda[k] == a->lambda[k] &&
                  c->gamma[k] == a->gamma[k]);
        for (size_t k = 0; c && k < c->n_running; k++)
            CHECK(c->run_D[k] == a->run_D[k] && c->run_soft[k] == a->run_soft[k]);
        CHECK_EQ_INT(fairc_predictor_serialize(q, &v2, &n2, &st), FAIRC_OK);
        CHECK(n2 == n && memcmp(v, v2, n) == 0);
        free(v2);
    }
    fairc_predictor_free(&q);
    /* hostile: each change below, CRC made valid again, is a positioned error */
    size_t at = mult_payload(b, n);
    CHECK(at > 0);
    static const struct { size_t off; unsigned char byte; const char *want; } bad[] = {
        {0, 9, "MULT: the mitigation is 9, expected 1..2"},
        {1, 0, "MULT: the constraint is 0, expected 1..5"},
        {2, 3, "MULT: the groupings is 3, expected 0..2"},
        {5 + 7, 0xbf, "MULT: eps is -0.02, expected a number in [0, "}, /* the sign bit */
        {5 + 8 + 7, 0x40, "MULT: the ratio r is 65536, expected a number in (0, 1]"},
    };
    for (size_t k = 0; at && k < sizeof bad / sizeof bad[0]; k++) {
        unsigned char keep = b[at + bad[k].off];
        b[at + bad[k].off] = bad[k].byte;
        fix_crc(b, n);
        CHECK_EQ_INT(fairc_predictor_load_memory(b, n, "m", &q, &st), FAIRC_EPARSE);
        CHECK_MSG(strstr(st.message, bad[k].want) && strncmp(st.message, "m: byte ", 8) == 0,
                  "case %zu: %s", k, st.message);
        b[at + bad[k].off] = keep;
        fix_crc(b, n);
    }
    /* a MULT section in a file that says 1.0 */
    b[10] = 0;
    fix_crc(b, n);
    CHECK_EQ_INT(fairc_predictor_load_memory(b, n, "m", &q, &st), FAIRC_EPARSE);
    CHECK(strstr(st.message, "a MULT section needs format version 1.1 or later, the file says 1.0"));
    b[10] = 1;
    /* every truncation of the payload fails cleanly */
    size_t len = 0;
    for (int j = 0; j < 8; j++) len |= (size_t)b[at - 8 + j] << (8 * j);
    unsigned char *cut = malloc(n);
    for (size_t drop = 1; at && drop < len; drop += 7) {
        /* shorten the section by drop bytes: patch its length, the body length and the CRC */
        size_t m = n - drop;
        memcpy(cut, b, at + len - drop);
        memcpy(cut + at + len - drop, b + at + len, n - (at + len));
        size_t nl = len - drop, body = m - 28;
        for (int j = 0; j < 8; j++) {
            cut[at - 8 + j] = (unsigned char)(nl >> (8 * j));
            cut[16 + j] = (unsigned char)(body >> (8 * j));
        }
        fix_crc(cut, m);
        int rc = fairc_predictor_load_memory(cut, m, "m", &q, &st);
        CHECK_MSG(rc == FAIRC_EPARSE && strncmp(st.message, "m: byte ", 8) == 0, "drop %zu: %s", drop, st.message);
        fairc_predictor_free(&q);
    }
    free(cut);
    free(v);
    fairc_predictor_free(&p);
    free_cdata(&d);
}
