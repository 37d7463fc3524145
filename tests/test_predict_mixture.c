/* test_predict_mixture.c: mixtures at prediction time, SPEC §7.3.4. On hand-built mixtures
 * (three linear members with weights 0.5, 0.3, 0.2, saved by the model-file writer):
 * a regression mixture gives each row the member that the row's uniform u picks (the first
 * whose cumulative weight exceeds u, with u hashed from the row as SPEC §1.7 says), the same for
 * the same seed and row in the library and in `fairc predict`, different for another seed, and
 * on average the expected prediction; `--expected` is sum_h Q_h h(x) as computed by hand;
 * `--mixture-scores` is sum_h Q_h f_h(x) of the members' probabilities beside the unchanged
 * score and decision; each bad combination is a clear error. Then a small ExponentiatedGradient
 * bounded-group-loss run, predicted both ways. */
#include "model.h"
#include "predictor.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (!c) abort();
    memcpy(c, s, n);
    return c;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) abort();
    return p;
}

/* The members: h_c(x) = beta_c . x + b_c on two numeric features x1, x2 (mean 0, sd 1, so the
 * encoded row is the raw one), with weights Q. As classifiers, f_c = sigmoid(h_c). */
#define C_MEMBERS 3
static const double Q[C_MEMBERS] = {0.5, 0.3, 0.2};
static const double BETA[C_MEMBERS][3] = {{1.0, 0.0, 0.0}, {0.0, 1.0, 10.0}, {0.5, -0.25, -5.0}};

static double member(size_t c, double x1, double x2)
{
    return BETA[c][0] * x1 + BETA[c][1] * x2 + BETA[c][2];
}

/* A mixture of the members (regress: a regressor; else a classifier), sensitive column g with
 * groups g=a, g=b. members = 0: a single model (member 0) instead. */
static fairc_predictor *hand_mixture(int regress, size_t members)
{
    fairc_predictor *p = xcalloc(1, sizeof *p);
    p->meta.version = xstrdup("0.1.0-test");
    p->meta.command = xstrdup("hand-built by tests/test_predict_mixture.c");
    p->meta.train_file = xstrdup("none.csv");
    p->meta.train_rows = 100;
    fairc_encoder *e = &p->enc;
    e->task = regress ? FAIRC_TASK_REGRESSION : FAIRC_TASK_CLASSIFY;
    e->label = xstrdup("y");
    e->n_features = 2;
    e->features = xcalloc(2, sizeof *e->features);
    e->features[0] = (fairc_feature){xstrdup("x1"), FAIRC_FEAT_NUMERIC, 0.0, 1.0, 0, NULL, 0, 0};
    e->features[1] = (fairc_feature){xstrdup("x2"), FAIRC_FEAT_NUMERIC, 0.0, 1.0, 0, NULL, 0, 1};
    e->D = 2;
    e->sensitive = xcalloc(1, sizeof *e->sensitive);
    e->sensitive[0] = xstrdup("g");
    e->n_sensitive = 1;
    e->group_names = xcalloc(2, sizeof *e->group_names);
    e->group_names[0] = xstrdup("g=a");
    e->group_names[1] = xstrdup("g=b");
    e->n_groups = 2;
    size_t M = members ? members : 1;
    p->n_params = 3 * M;
    p->params = xcalloc(p->n_params, sizeof *p->params);
    for (size_t c = 0; c < M; c++) memcpy(p->params + 3 * c, BETA[c], sizeof BETA[c]);
    p->n_nodes = members ? members + 1 : 1;
    p->nodes = xcalloc(p->n_nodes, sizeof *p->nodes);
    size_t first = 0;
    if (members) {
        fairc_node *root = &p->nodes[0];
        root->type = FAIRC_NODE_MIXTURE;
        root->vote = 1;
        root->n_children = members;
        root->children = xcalloc(members, sizeof *root->children);
        root->weights = xcalloc(members, sizeof *root->weights);
        for (size_t c = 0; c < members; c++) {
            root->children[c] = c + 1;
            root->weights[c] = Q[c];
        }
        first = 1;
    }
    for (size_t c = 0; c < M; c++) {
        fairc_node *n = &p->nodes[first + c];
        n->type = FAIRC_NODE_MODEL;
        n->model_kind = regress ? FAIRC_MODEL_LINEAR : FAIRC_MODEL_LOGISTIC;
        n->param_offset = 3 * c;
        n->param_count = 3;
    }
    return p;
}

/* Row i of the test data: x1, x2 on a grid of exact binary fractions (so float encoding is
 * exact), group a or b. */
static double row_x1(size_t i) { return (double)((i * 37) % 101) / 8.0 - 6.0; }
static double row_x2(size_t i) { return (double)((i * 53) % 89) / 16.0 - 3.0; }
static int row_g(size_t i) { return (int)(i % 3 == 0); }

static float *rows_X(size_t N)
{
    float *X = xcalloc(2 * N, sizeof *X);
    for (size_t i = 0; i < N; i++) {
        X[2 * i] = (float)row_x1(i);
        X[2 * i + 1] = (float)row_x2(i);
    }
    return X;
}

/* SPEC §1.7's u of row i, computed here from the definition: the encoded features as binary64,
 * little-endian, then the group name, hashed with the seed. */
static double row_u(size_t i, uint64_t seed)
{
    unsigned char key[16 + 3];
    double v[2] = {row_x1(i), row_x2(i)};
    for (int j = 0; j < 2; j++) {
        uint64_t b;
        memcpy(&b, &v[j], 8);
        for (int k = 0; k < 8; k++) key[8 * j + k] = (unsigned char)(b >> (8 * k));
    }
    memcpy(key + 16, row_g(i) ? "g=b" : "g=a", 3);
    return fairc_decision_uniform(key, sizeof key, seed);
}

/* The member SPEC §7.3.4 picks for u: the first whose cumulative weight exceeds u. */
static size_t pick_of(double u)
{
    double cum = 0;
    for (size_t c = 0; c < C_MEMBERS; c++) {
        cum += Q[c];
        if (cum > u) return c;
    }
    return C_MEMBERS - 1;
}

static double expected_of(size_t i)
{
    double s = 0;
    for (size_t c = 0; c < C_MEMBERS; c++) s += Q[c] * member(c, row_x1(i), row_x2(i));
    return s;
}

static const char *save(fairc_predictor *p, const char *name, char *buf, size_t n)
{
    fairc_status st = {0};
    test_tmp_path(name, buf, n);
    CHECK_MSG(fairc_predictor_save(p, buf, &st) == FAIRC_OK, "save: %s", st.message);
    return buf;
}

/* The data file of rows 0..N-1 (columns x1, x2, g), written once per N. */
static const char *data_file(size_t N, char *buf, size_t n)
{
    char name[64];
    snprintf(name, sizeof name, "mixture_rows_%zu.csv", N);
    test_tmp_path(name, buf, n);
    FILE *f = fopen(buf, "w");
    CHECK(f != NULL);
    if (!f) return buf;
    fputs("x1,x2,g\n", f);
    for (size_t i = 0; i < N; i++) fprintf(f, "%.17g,%.17g,%s\n", row_x1(i), row_x2(i), row_g(i) ? "b" : "a");
    fclose(f);
    return buf;
}

/* Reads column `col` (0-based) of a CSV of numbers with a header line into out (up to N rows);
 * returns the rows read. *header gets the header line (malloc'd) unless NULL. */
static size_t read_column(const char *path, size_t col, double *out, size_t N, char **header)
{
    char *text = test_read_file(path, NULL);
    if (header) *header = NULL;
    if (!text) return 0;
    char *line = text, *nl = strchr(line, '\n');
    if (!nl) {
        free(text);
        return 0;
    }
    *nl = 0;
    if (header) *header = xstrdup(line);
    size_t n = 0;
    for (line = nl + 1; *line && n < N; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl) *nl = 0;
        char *f = line;
        for (size_t k = 0; k < col && f; k++) {
            f = strchr(f, ',');
            if (f) f++;
        }
        out[n++] = f ? strtod(f, NULL) : NAN;
        if (!nl) break;
    }
    free(text);
    return n;
}

/* ------------------------------------------------------------------------------------------ */

TEST(mixture_regression_pick_is_the_member_the_rows_u_selects)
{
    size_t N = 3000;
    fairc_predictor *p = hand_mixture(1, C_MEMBERS);
    float *X = rows_X(N);
    int32_t *group = xcalloc(N, sizeof *group);
    for (size_t i = 0; i < N; i++) group[i] = row_g(i);
    double *out = xcalloc(N, sizeof *out), *again = xcalloc(N, sizeof *again);
    double *other = xcalloc(N, sizeof *other), *given = xcalloc(N, sizeof *given);
    double *u = xcalloc(N, sizeof *u);
    fairc_status st = {0};
    fairc_predict_options o;
    fairc_predict_options_init(&o);
    o.seed = 7;
    CHECK_EQ_INT(fairc_predictor_predict_opt(p, X, group, NULL, NULL, N, &o, out, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_predictor_predict_opt(p, X, group, NULL, NULL, N, &o, again, &st), FAIRC_OK);
    size_t bad = 0, differ = 0;
    for (size_t i = 0; i < N; i++) {
        u[i] = row_u(i, 7);
        double want = member(pick_of(u[i]), row_x1(i), row_x2(i));
        bad += out[i] != want || again[i] != out[i];
    }
    CHECK_MSG(bad == 0, "%zu of %zu rows are not the member their u picks", bad, N);
    /* the caller's own uniforms give the same */
    CHECK_EQ_INT(fairc_predictor_predict_opt(p, X, group, NULL, u, N, NULL, given, &st), FAIRC_OK);
    CHECK(memcmp(given, out, N * sizeof *out) == 0);
    /* another seed: another u, so many rows change member */
    o.seed = 8;
    CHECK_EQ_INT(fairc_predictor_predict_opt(p, X, group, NULL, NULL, N, &o, other, &st), FAIRC_OK);
    for (size_t i = 0; i < N; i++) differ += other[i] != out[i];
    CHECK_MSG(differ > N / 4, "only %zu of %zu rows changed with the seed", differ, N);
    /* predict_groups is the default (seed 0), and a row's value does not depend on the others */
    o.seed = 0;
    CHECK_EQ_INT(fairc_predictor_predict_opt(p, X, group, NULL, NULL, N, &o, out, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_predictor_predict_groups(p, X, group, NULL, N, again, &st), FAIRC_OK);
    CHECK(memcmp(again, out, N * sizeof *out) == 0);
    CHECK_EQ_INT(fairc_predictor_predict_groups(p, X + 2 * 1234, group + 1234, NULL, 1, again, &st), FAIRC_OK);
    CHECK(again[0] == out[1234]);
    free(X);
    free(group);
    free(out);
    free(again);
    free(other);
    free(given);
    free(u);
    fairc_predictor_free(&p);
}

TEST(mixture_regression_picks_average_to_the_expected_prediction)
{
    /* Over N rows, with independent uniform u_i, S = sum_i (pick_i - E_i) has mean 0 and variance
     * V = sum_i sum_c Q_c (h_c(x_i) - E_i)^2; we require |S| <= 4.5 sqrt(V) (a false alarm has
     * probability below 1e-5 for a fair hash; the hash is fixed, so the outcome is too). Each
     * member's share of rows must be within 4.5 standard errors of its weight. */
    size_t N = 50000;
    fairc_predictor *p = hand_mixture(1, C_MEMBERS);
    float *X = rows_X(N);
    int32_t *group = xcalloc(N, sizeof *group);
    for (size_t i = 0; i < N; i++) group[i] = row_g(i);
    double *pick = xcalloc(N, sizeof *pick), *expd = xcalloc(N, sizeof *expd);
    fairc_status st = {0};
    fairc_predict_options o;
    fairc_predict_options_init(&o);
    o.seed = 3;
    CHECK_EQ_INT(fairc_predictor_predict_opt(p, X, group, NULL, NULL, N, &o, pick, &st), FAIRC_OK);
    o.expected = 1;
    CHECK_EQ_INT(fairc_predictor_predict_opt(p, X, group, NULL, NULL, N, &o, expd, &st), FAIRC_OK);
    double S = 0, V = 0;
    size_t count[C_MEMBERS] = {0};
    for (size_t i = 0; i < N; i++) {
        CHECK_NEAR(expd[i], expected_of(i), 1e-12, 1e-12);
        S += pick[i] - expd[i];
        for (size_t c = 0; c < C_MEMBERS; c++) {
            double d = member(c, row_x1(i), row_x2(i)) - expd[i];
            V += Q[c] * d * d;
            count[c] += pick[i] == member(c, row_x1(i), row_x2(i));
        }
    }
    CHECK_MSG(fabs(S) <= 4.5 * sqrt(V), "mean pick - mean expected = %g, standard error %g", S / (double)N,
              sqrt(V) / (double)N);
    for (size_t c = 0; c < C_MEMBERS; c++) {
        double share = (double)count[c] / (double)N, se = sqrt(Q[c] * (1 - Q[c]) / (double)N);
        CHECK_MSG(fabs(share - Q[c]) <= 4.5 * se, "member %zu: share %g, weight %g (se %g)", c, share, Q[c], se);
    }
    /* stream draws: the same average */
    o.expected = 0;
    o.randomize = FAIRC_RANDOMIZE_STREAM;
    CHECK_EQ_INT(fairc_predictor_predict_opt(p, X, group, NULL, NULL, N, &o, pick, &st), FAIRC_OK);
    S = 0;
    for (size_t i = 0; i < N; i++) S += pick[i] - expd[i];
    CHECK_MSG(fabs(S) <= 4.5 * sqrt(V), "stream: mean pick - mean expected = %g", S / (double)N);
    free(X);
    free(group);
    free(pick);
    free(expd);
    fairc_predictor_free(&p);
}

TEST(mixture_regression_predict_file_picks_and_expected)
{
    size_t N = 2000;
    char mpath[600], dpath[600], out1[600], out2[600], out3[600], out4[600];
    fairc_predictor *p = hand_mixture(1, C_MEMBERS);
    save(p, "reg_mixture.fcm", mpath, sizeof mpath);
    data_file(N, dpath, sizeof dpath);
    test_tmp_path("reg_pick_s5.csv", out1, sizeof out1);
    test_tmp_path("reg_pick_s5_again.csv", out2, sizeof out2);
    test_tmp_path("reg_pick_s6.csv", out3, sizeof out3);
    test_tmp_path("reg_expected.csv", out4, sizeof out4);
    char *err = NULL;
    int rc = test_runf(NULL, &err, "predict %s %s --seed 5 -o %s", mpath, dpath, out1);
    CHECK_MSG(rc == 0, "predict: %s", err ? err : "");
    free(err);
    CHECK_EQ_INT(test_runf(NULL, NULL, "predict %s %s --seed 5 -o %s", mpath, dpath, out2), 0);
    CHECK_EQ_INT(test_runf(NULL, NULL, "predict %s %s --seed 6 -o %s", mpath, dpath, out3), 0);
    CHECK_EQ_INT(test_runf(NULL, NULL, "predict %s %s --expected --seed 5 -o %s", mpath, dpath, out4), 0);
    double *a = xcalloc(N, sizeof *a), *b = xcalloc(N, sizeof *b), *c6 = xcalloc(N, sizeof *c6);
    double *e = xcalloc(N, sizeof *e), *api = xcalloc(N, sizeof *api);
    char *header = NULL;
    CHECK_EQ_INT(read_column(out1, 0, a, N, &header), N);
    CHECK_STR(header, "prediction");
    free(header);
    CHECK_EQ_INT(read_column(out2, 0, b, N, NULL), N);
    CHECK_EQ_INT(read_column(out3, 0, c6, N, NULL), N);
    CHECK_EQ_INT(read_column(out4, 0, e, N, &header), N);
    CHECK_STR(header, "prediction");
    free(header);
    /* the library with the same seed and groups gives what the file has */
    float *X = rows_X(N);
    int32_t *group = xcalloc(N, sizeof *group);
    for (size_t i = 0; i < N; i++) group[i] = row_g(i);
    fairc_predict_options o;
    fairc_predict_options_init(&o);
    o.seed = 5;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_predict_opt(p, X, group, NULL, NULL, N, &o, api, &st), FAIRC_OK);
    size_t bad = 0, differ = 0, not_member = 0, bad_expected = 0;
    for (size_t i = 0; i < N; i++) {
        bad += a[i] != b[i] || a[i] != api[i] || a[i] != member(pick_of(row_u(i, 5)), row_x1(i), row_x2(i));
        differ += a[i] != c6[i];
        int is_member = 0;
        for (size_t c = 0; c < C_MEMBERS; c++) is_member |= c6[i] == member(c, row_x1(i), row_x2(i));
        not_member += !is_member;
        bad_expected += !test_near(e[i], expected_of(i), 1e-12, 1e-12);
    }
    CHECK_MSG(bad == 0, "%zu rows differ between runs, the library or the rule", bad);
    CHECK_MSG(differ > N / 4, "seed 6 changed only %zu of %zu rows", differ, N);
    CHECK_EQ_INT(not_member, 0);
    CHECK_MSG(bad_expected == 0, "%zu rows: --expected is not sum_h Q_h h(x)", bad_expected);
    /* the same person in another row order gets the same member: rows reversed */
    char rev[600], outr[600];
    test_tmp_path("mixture_rows_reversed.csv", rev, sizeof rev);
    test_tmp_path("reg_pick_rev.csv", outr, sizeof outr);
    FILE *f = fopen(rev, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("g,x2,x1\n", f); /* columns in another order too */
        for (size_t k = N; k-- > 0;) fprintf(f, "%s,%.17g,%.17g\n", row_g(k) ? "b" : "a", row_x2(k), row_x1(k));
        fclose(f);
    }
    CHECK_EQ_INT(test_runf(NULL, NULL, "predict %s %s --seed 5 -o %s", mpath, rev, outr), 0);
    CHECK_EQ_INT(read_column(outr, 0, b, N, NULL), N);
    size_t moved = 0;
    for (size_t k = 0; k < N; k++) moved += b[k] != a[N - 1 - k];
    CHECK_EQ_INT(moved, 0);
    free(a);
    free(b);
    free(c6);
    free(e);
    free(api);
    free(X);
    free(group);
    fairc_predictor_free(&p);
}

static double sigmoid(double z) { return 1 / (1 + exp(-z)); }

TEST(mixture_scores_are_the_weighted_member_probabilities)
{
    size_t N = 1500;
    char mpath[600], dpath[600], out1[600], out2[600];
    fairc_predictor *p = hand_mixture(0, C_MEMBERS);
    save(p, "cls_mixture.fcm", mpath, sizeof mpath);
    data_file(N, dpath, sizeof dpath);
    test_tmp_path("cls_plain.csv", out1, sizeof out1);
    test_tmp_path("cls_scores.csv", out2, sizeof out2);
    CHECK_EQ_INT(test_runf(NULL, NULL, "predict %s %s --seed 2 -o %s", mpath, dpath, out1), 0);
    char *err = NULL;
    int rc = test_runf(NULL, &err, "predict %s %s --seed 2 --mixture-scores -o %s", mpath, dpath, out2);
    CHECK_MSG(rc == 0, "predict --mixture-scores: %s", err ? err : "");
    free(err);
    double *s1 = xcalloc(N, sizeof *s1), *d1 = xcalloc(N, sizeof *d1), *s2 = xcalloc(N, sizeof *s2);
    double *d2 = xcalloc(N, sizeof *d2), *m2 = xcalloc(N, sizeof *m2), *api = xcalloc(N, sizeof *api);
    char *header = NULL;
    CHECK_EQ_INT(read_column(out1, 0, s1, N, &header), N);
    CHECK_STR(header, "score,decision");
    free(header);
    CHECK_EQ_INT(read_column(out1, 1, d1, N, NULL), N);
    CHECK_EQ_INT(read_column(out2, 0, s2, N, &header), N);
    CHECK_STR(header, "score,decision,mixture_score");
    free(header);
    CHECK_EQ_INT(read_column(out2, 1, d2, N, NULL), N);
    CHECK_EQ_INT(read_column(out2, 2, m2, N, NULL), N);
    float *X = rows_X(N);
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_mixture_scores(p, X, NULL, NULL, N, api, &st), FAIRC_OK);
    size_t bad_score = 0, bad_mix = 0, changed = 0, spread = 0;
    for (size_t i = 0; i < N; i++) {
        double hard = 0, soft = 0;
        for (size_t c = 0; c < C_MEMBERS; c++) {
            double f = sigmoid(member(c, row_x1(i), row_x2(i)));
            hard += Q[c] * (f > 0.5);
            soft += Q[c] * f;
        }
        bad_score += !test_near(s2[i], hard, 1e-12, 0);
        bad_mix += !test_near(m2[i], soft, 1e-12, 1e-12) || !test_near(api[i], soft, 1e-12, 1e-12);
        changed += s1[i] != s2[i] || d1[i] != d2[i];
        spread += fabs(soft - hard) > 0.05;
    }
    CHECK_MSG(bad_score == 0, "%zu rows: score is not sum_h Q_h 1[f_h > 0.5]", bad_score);
    CHECK_MSG(bad_mix == 0, "%zu rows: mixture_score is not sum_h Q_h f_h", bad_mix);
    CHECK_MSG(changed == 0, "--mixture-scores changed %zu rows' score or decision", changed);
    CHECK_MSG(spread > N / 10, "the two columns hardly differ (%zu rows): a weak test", spread);
    free(s1);
    free(d1);
    free(s2);
    free(d2);
    free(m2);
    free(api);
    free(X);
    fairc_predictor_free(&p);
}

/* Exactly one line on stderr, starting "fairc" and holding want. */
static void expect_one_line(const char *err, const char *want)
{
    size_t n = err ? strlen(err) : 0;
    CHECK_MSG(err && n > 0 && strchr(err, '\n') == err + n - 1 && strncmp(err, "fairc", 5) == 0,
              "not one 'fairc' line: %s", err ? err : "(null)");
    CHECK_MSG(err && strstr(err, want), "'%s' not in: %s", want, err ? err : "(null)");
}

TEST(mixture_predict_options_bad_combinations_are_errors)
{
    size_t N = 10;
    char reg[600], cls[600], single_reg[600], single_cls[600], dpath[600], out[600];
    fairc_predictor *p;
    save(p = hand_mixture(1, C_MEMBERS), "bad_reg.fcm", reg, sizeof reg);
    fairc_predictor_free(&p);
    save(p = hand_mixture(0, C_MEMBERS), "bad_cls.fcm", cls, sizeof cls);
    fairc_predictor_free(&p);
    save(p = hand_mixture(1, 0), "bad_single_reg.fcm", single_reg, sizeof single_reg);
    fairc_predictor_free(&p);
    save(p = hand_mixture(0, 0), "bad_single_cls.fcm", single_cls, sizeof single_cls);
    fairc_predictor_free(&p);
    data_file(N, dpath, sizeof dpath);
    test_tmp_path("bad_combination.csv", out, sizeof out);
    static const struct {
        int model; /* 0 reg mixture, 1 cls mixture, 2 single reg, 3 single cls */
        const char *flags, *want;
    } cases[] = {
        {1, "--expected", "the expected prediction (--expected) is for regression mixtures; a classifier's"},
        {3, "--expected", "the expected prediction (--expected) is for regression mixtures; a classifier's"},
        {2, "--expected", "this model is a single model, whose prediction is not randomised"},
        {0, "--mixture-scores", "mixture scores (--mixture-scores) are for classification mixtures"},
        {2, "--mixture-scores", "mixture scores (--mixture-scores) are for classification mixtures"},
        {3, "--mixture-scores", "this model is a single model, whose score is already its probability"},
    };
    const char *models[] = {reg, cls, single_reg, single_cls};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        remove(out);
        char *err = NULL;
        int rc = test_runf(NULL, &err, "predict %s %s %s -o %s", models[cases[k].model], dpath, cases[k].flags, out);
        CHECK_MSG(rc == 1, "case %zu: exit %d", k, rc);
        expect_one_line(err, cases[k].want);
        free(err);
        FILE *f = fopen(out, "r");
        CHECK_MSG(f == NULL, "case %zu wrote an output", k);
        if (f) fclose(f);
    }
    /* both options: a usage error before any model is read */
    char *err = NULL;
    CHECK_EQ_INT(test_runf(NULL, &err, "predict %s %s --expected --mixture-scores -o %s", reg, dpath, out), 2);
    CHECK(err && strstr(err, "--expected (regression mixtures) and --mixture-scores (classification "
                             "mixtures) exclude each other"));
    free(err);
    /* the library says the same */
    fairc_status st = {0};
    fairc_predictor *q = hand_mixture(0, C_MEMBERS);
    fairc_predict_options o;
    fairc_predict_options_init(&o);
    o.expected = 1;
    double v[1];
    float x[2] = {0, 0};
    CHECK_EQ_INT(fairc_predictor_predict_opt(q, x, NULL, NULL, NULL, 1, &o, v, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "is for regression mixtures") != NULL);
    fairc_predictor_free(&q);
    q = hand_mixture(1, 0);
    CHECK_EQ_INT(fairc_predictor_mixture_scores(q, x, NULL, NULL, 1, v, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "are for classification mixtures") != NULL);
    fairc_predictor_free(&q);
    /* help documents both */
    char *help = NULL;
    CHECK_EQ_INT(test_runf(&help, NULL, "predict --help"), 0);
    CHECK(help && strstr(help, "--expected") && strstr(help, "--mixture-scores") &&
          strstr(help, "Either option on any other model is an error"));
    free(help);
}

TEST(mixture_classification_decisions_unchanged_by_regression_picking)
{
    /* A classification mixture's probability is still sum_h Q_h 1[f_h > 0.5], whatever the seed
     * or u, and its decisions 1[u < p] with u hashed from the row. */
    size_t N = 500;
    fairc_predictor *p = hand_mixture(0, C_MEMBERS);
    float *X = rows_X(N);
    int32_t *group = xcalloc(N, sizeof *group);
    for (size_t i = 0; i < N; i++) group[i] = row_g(i);
    double *a = xcalloc(N, sizeof *a), *b = xcalloc(N, sizeof *b);
    fairc_status st = {0};
    fairc_predict_options o;
    fairc_predict_options_init(&o);
    o.seed = 11;
    CHECK_EQ_INT(fairc_predictor_predict(p, X, N, a, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_predictor_predict_opt(p, X, group, NULL, NULL, N, &o, b, &st), FAIRC_OK);
    CHECK(memcmp(a, b, N * sizeof *a) == 0);
    for (size_t i = 0; i < N; i++) {
        double hard = 0;
        for (size_t c = 0; c < C_MEMBERS; c++) hard += Q[c] * (sigmoid(member(c, row_x1(i), row_x2(i))) > 0.5);
        CHECK_NEAR(a[i], hard, 1e-12, 0);
    }
    free(X);
    free(group);
    free(a);
    free(b);
    fairc_predictor_free(&p);
}

TEST(mixture_trained_bounded_group_loss_predicts_picks_and_expected)
{
    /* A small ExponentiatedGradient run with bounded group loss (4,000 synthetic rows, income by
     * group, a bound just above the unconstrained worst group's loss, where the result mixes
     * models). Whatever the number of members: every pick is a member's prediction, --expected
     * is sum_h Q_h h(x) of the loaded members, and the mean pick is near the mean expected. */
    char data[600], m[600], out1[600], out2[600];
    test_tmp_path("bgl_mix_synth.csv", data, sizeof data);
    CHECK_EQ_INT(test_runf(NULL, NULL, "synth --rows 4000 --groups 3 --bias 2 --seed 1 -o %s", data), 0);
    test_tmp_path("bgl_mix.fcm", m, sizeof m);
    test_tmp_path("bgl_mix_pick.csv", out1, sizeof out1);
    test_tmp_path("bgl_mix_expected.csv", out2, sizeof out2);
    char *err = NULL;
    int rc = test_runf(NULL, &err, "train %s --label income --task regression --drop id,score,yhat,weight,y "
                       "--sensitive group --model linear --mitigate expgrad --constraint bounded-group-loss "
                       "--loss square --upper-bound 226 -o %s", data, m);
    CHECK_MSG(rc == 0, "train: %s", err ? err : "");
    free(err);
    if (rc != 0) return;
    CHECK_EQ_INT(test_runf(NULL, NULL, "predict %s %s -o %s", m, data, out1), 0);
    CHECK_EQ_INT(test_runf(NULL, NULL, "predict %s %s --expected -o %s", m, data, out2), 0);
    size_t N = 4000;
    double *pick = xcalloc(N, sizeof *pick), *expd = xcalloc(N, sizeof *expd);
    CHECK_EQ_INT(read_column(out1, 0, pick, N, NULL), N);
    CHECK_EQ_INT(read_column(out2, 0, expd, N, NULL), N);
    /* the members' predictions on the same rows, through the library: each member as a
     * predictor of its own is not available, so a copy of the mixture with one weight at 1 */
    fairc_predictor *p = NULL;
    fairc_status st = {0};
    CHECK_MSG(fairc_predictor_load(m, &p, &st) == FAIRC_OK, "load: %s", st.message);
    if (!p) return;
    fairc_node *root = &p->nodes[0];
    CHECK(root->type == FAIRC_NODE_MIXTURE && root->vote);
    size_t C = root->n_children;
    double *q = xcalloc(C, sizeof *q);
    memcpy(q, root->weights, C * sizeof *q);
    double *h = xcalloc(C * N, sizeof *h);
    fairc_predict_options o;
    fairc_predict_options_init(&o);
    o.expected = 1;
    /* rows of the data, encoded by fairc predict's own path: write each member's expected
     * prediction (weights one-hot) through the file API */
    for (size_t c = 0; c < C; c++) {
        for (size_t k = 0; k < C; k++) root->weights[k] = k == c;
        char one[600], name[64];
        snprintf(name, sizeof name, "bgl_member_%zu.csv", c);
        test_tmp_path(name, one, sizeof one);
        CHECK_EQ_INT(fairc_predict_file_opt(p, data, NULL, &o, one, NULL, &st), FAIRC_OK);
        CHECK_EQ_INT(read_column(one, 0, h + c * N, N, NULL), N);
    }
    size_t not_member = 0, bad_expected = 0;
    double S = 0, V = 0;
    for (size_t i = 0; i < N; i++) {
        double e = 0;
        int is_member = 0;
        for (size_t c = 0; c < C; c++) {
            e += q[c] * h[c * N + i];
            is_member |= q[c] > 0 && pick[i] == h[c * N + i];
        }
        for (size_t c = 0; c < C; c++) V += q[c] * (h[c * N + i] - e) * (h[c * N + i] - e);
        not_member += !is_member;
        bad_expected += !test_near(expd[i], e, 1e-9, 1e-12);
        S += pick[i] - expd[i];
    }
    CHECK_MSG(not_member == 0, "%zu rows: the prediction is no member's", not_member);
    CHECK_MSG(bad_expected == 0, "%zu rows: --expected is not sum_h Q_h h(x)", bad_expected);
    CHECK_MSG(fabs(S) <= 4.5 * sqrt(V) + 1e-9, "mean pick - mean expected = %g (se %g)", S / (double)N,
              sqrt(V) / (double)N);
    free(q);
    free(h);
    free(pick);
    free(expd);
    fairc_predictor_free(&p);
}

TEST(mixture_regression_never_picks_a_member_of_weight_zero)
{
    /* --keep-all saves members with Q = 0: no u picks them, u = 0 included; weights whose
     * rounded total is below u give the last member of positive weight */
    size_t N = 2000;
    fairc_predictor *p = hand_mixture(1, C_MEMBERS);
    double *w = p->nodes[0].weights;
    w[0] = 0.0, w[1] = 0.75, w[2] = 0.25;
    float *X = rows_X(N);
    double *u = xcalloc(N, sizeof *u), *out = xcalloc(N, sizeof *out);
    for (size_t i = 0; i < N; i++) u[i] = i == 0 ? 0.0 : i == 1 ? 0x1.fffffffffffffp-1 : (double)i / (double)N;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_predict_opt(p, X, NULL, NULL, u, N, NULL, out, &st), FAIRC_OK);
    size_t bad = 0;
    for (size_t i = 0; i < N; i++) bad += out[i] != member(u[i] < 0.75 ? 1 : 2, row_x1(i), row_x2(i));
    CHECK_MSG(bad == 0, "%zu rows got the wrong member", bad);
    w[0] = 0.25, w[1] = 0.75 - 0x1p-40, w[2] = 0.0; /* total 1 - 2^-40 */
    CHECK_EQ_INT(fairc_predictor_predict_opt(p, X, NULL, NULL, u, N, NULL, out, &st), FAIRC_OK);
    CHECK(out[1] == member(1, row_x1(1), row_x2(1)));
    CHECK(out[0] == member(0, row_x1(0), row_x2(0)));
    free(X);
    free(u);
    free(out);
    fairc_predictor_free(&p);
}
