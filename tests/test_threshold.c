/* test_threshold.c: ThresholdOptimizer (SPEC §9; threshold.c, and the predictor path of
 * postprocess.c / predictor.c). References from outside: SPEC §9.3's worked vector, Fairlearn
 * 0.9.0 on ../shared/golden/adult_test_predictions.csv (the table below, printed once by
 * tests/ref/threshold_ref.py; the tests need no Python), and cases worked by hand where fairc
 * differs on purpose (the true overall objective, weights). Properties: integer weights are row
 * copies, row order changes nothing, tolerances hold, the EO LP is optimal where the optimum is
 * known in closed form. */
#include "test.h"

#include "predictor.h"
#include "threshold.h"

#include <stdlib.h>

/* ---- helpers ------------------------------------------------------------------------------- */

static fairc_threshold_options opts(int constraint, int objective)
{
    fairc_threshold_options o;
    fairc_threshold_options_init(&o);
    o.constraint = constraint;
    o.objective = objective;
    return o;
}

/* Fits and fails the test (returning NULL) on an error. */
static fairc_thresholds *fit(size_t N, const double *s, const uint8_t *y, const double *w,
                             const int32_t *g, size_t G, const fairc_threshold_options *o,
                             fairc_threshold_result *res)
{
    static const char *const names[] = {"g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9"};
    fairc_thresholds *t = NULL;
    fairc_status st = {0};
    int rc = fairc_threshold_fit(N, s, y, w, g, G, names, o, &t, res, &st);
    CHECK_MSG(rc == FAIRC_OK, "fit: %s", st.message);
    return rc == FAIRC_OK ? t : NULL;
}

static size_t n_rules(const fairc_thresholds *t, size_t g) { return t->first[g + 1] - t->first[g]; }
static const fairc_rule *rules(const fairc_thresholds *t, size_t g) { return t->rules + t->first[g]; }

/* The probability of group g's rules with operator op and threshold th (0 when absent); finite
 * thresholds match within 1e-12 (Fairlearn's scores came through pandas' fast float parser, which
 * can differ from strtod in the last bit). */
static double prob_of(const fairc_thresholds *t, size_t g, int op, double th)
{
    double p = 0;
    for (size_t k = 0; k < n_rules(t, g); k++) {
        const fairc_rule *r = &rules(t, g)[k];
        int same_t = r->t == th || (isfinite(th) && fabs(r->t - th) <= 1e-12);
        if (r->op == op && (op > FAIRC_RULE_LT || same_t)) p += r->prob;
    }
    return p;
}

static int same_thresholds(const fairc_thresholds *a, const fairc_thresholds *b)
{
    if (a->G != b->G || a->n_pooled != b->n_pooled) return 0;
    if (memcmp(a->first, b->first, (a->G + 1) * sizeof *a->first) != 0) return 0;
    for (size_t k = 0; k < a->first[a->G]; k++)
        if (a->rules[k].prob != b->rules[k].prob || a->rules[k].op != b->rules[k].op ||
            memcmp(&a->rules[k].t, &b->rules[k].t, sizeof(double)) != 0)
            return 0;
    for (size_t k = 0; k < a->n_pooled; k++)
        if (a->pooled[k].prob != b->pooled[k].prob || a->pooled[k].t != b->pooled[k].t) return 0;
    return 1;
}

/* ---- SPEC §9.3's worked vector --------------------------------------------------------------- */

TEST(threshold_spec_vector_points_and_hull)
{
    const double s[] = {0.9, 0.6, 0.4, 0.1};
    const uint8_t y[] = {1, 0, 1, 0};
    fairc_threshold_options o = opts(FAIRC_THRESHOLD_DP, FAIRC_THRESHOLD_OBJ_ACCURACY);
    fairc_tradeoff_point pts[10], hull[10];
    size_t np = 0, nh = 0;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_threshold_curve(4, s, y, NULL, &o, pts, &np, hull, &nh, &st), FAIRC_OK);
    /* t = +inf, 0.75, 0.5, 0.25, -inf; points (0,.5) (.25,.75) (.5,.5) (.75,.75) (1,.5) */
    const double ex[] = {0, 0.25, 0.5, 0.75, 1}, ey[] = {0.5, 0.75, 0.5, 0.75, 0.5};
    const double et[] = {INFINITY, 0.75, 0.5, 0.25, -INFINITY};
    CHECK_EQ_INT(np, 5);
    for (size_t k = 0; k < 5 && k < np; k++) {
        CHECK_NEAR(pts[k].x, ex[k], 1e-15, 0);
        CHECK_NEAR(pts[k].y, ey[k], 1e-15, 0);
        CHECK(pts[k].t == et[k] && pts[k].op == FAIRC_RULE_GT);
    }
    /* hull (0,.5) (.25,.75) (.75,.75) (1,.5) */
    const size_t keep[] = {0, 1, 3, 4};
    CHECK_EQ_INT(nh, 4);
    for (size_t k = 0; k < 4 && k < nh; k++) {
        CHECK(hull[k].x == ex[keep[k]] && hull[k].y == ey[keep[k]] && hull[k].t == et[keep[k]]);
    }
}

/* At x = 0.5: t = 0.75 or t = 0.25 with probability 1/2 each, accuracy 0.75 (t = 0.5: 0.5).
 * A second group B, perfectly ranked with half positives, peaks sharply at selection rate 0.5,
 * so demographic parity puts the common x there; group A (the vector) sits on its flat hull. */
TEST(threshold_spec_vector_mixes_two_rules_at_half)
{
    const double s[] = {0.9, 0.6, 0.4, 0.1, 0.9, 0.8, 0.2, 0.1};
    const uint8_t y[] = {1, 0, 1, 0, 1, 1, 0, 0};
    const int32_t g[] = {0, 0, 0, 0, 1, 1, 1, 1};
    fairc_threshold_options o = opts(FAIRC_THRESHOLD_DP, FAIRC_THRESHOLD_OBJ_ACCURACY);
    fairc_threshold_result res;
    fairc_thresholds *t = fit(8, s, y, NULL, g, 2, &o, &res);
    if (!t) return;
    CHECK_NEAR(res.x_best, 0.5, 0, 0);
    CHECK_EQ_INT(n_rules(t, 0), 2);
    CHECK_NEAR(prob_of(t, 0, FAIRC_RULE_GT, 0.75), 0.5, 1e-15, 0);
    CHECK_NEAR(prob_of(t, 0, FAIRC_RULE_GT, 0.25), 0.5, 1e-15, 0);
    double acc = 0;
    for (int i = 0; i < 4; i++) {
        double p = fairc_thresholds_apply(t, 0, s[i]);
        acc += y[i] ? p : 1 - p;
    }
    CHECK_NEAR(acc / 4, 0.75, 1e-15, 0);
    /* the plain threshold 0.5 */
    double plain = 0;
    for (int i = 0; i < 4; i++) plain += (s[i] > 0.5) == y[i];
    CHECK_NEAR(plain / 4, 0.5, 0, 0);
    CHECK_NEAR(res.objective, 0.875, 1e-15, 0); /* (3 + 4) / 8 */
    fairc_thresholds_free(&t);
    fairc_threshold_result_clear(&res);
}

/* ---- Fairlearn 0.9.0 on the golden Adult predictions ------------------------------------------ */

typedef struct golden_group {
    const char *name;
    double p0, t0, p1, t1, p_ignore; /* Fairlearn's interpolation: (p0, > t0), (p1, > t1), p_ignore */
    double sel, tpr, fpr;            /* expected rates under _pmf_predict */
} golden_group;

typedef struct golden_config {
    int constraint, objective;
    const char *column;
    double x_best, y_best, accuracy; /* expected overall accuracy under _pmf_predict */
    size_t G;
    golden_group groups[5];
} golden_config;

/* PYTHONPATH=../shared/peers/fairlearn-0.9.0 /usr/bin/python3 tests/ref/threshold_ref.py */
static const golden_config golden[] = {
    {FAIRC_THRESHOLD_DP, FAIRC_THRESHOLD_OBJ_ACCURACY, "sex", 0.155, NAN, 0.8327669027973985, 2, {
        {"sex=Female", 0.009694444444444521, 0.2874200062825346, 0.9903055555555554, 0.1905377121878901, 0.0, 0.15499999999999997, 0.7433612523540489, 0.08314466179074954},
        {"sex=Male", 0.32962962962962983, 0.7109681448978618, 0.6703703703703702, 0.6535381568419336, 0.0, 0.15499999999999997, 0.4253173628173628, 0.039251271260739955},
    }},
    {FAIRC_THRESHOLD_DP, FAIRC_THRESHOLD_OBJ_ACCURACY, "race", 0.218, NAN, 0.8494521964174727, 5, {
        {"race=Amer-Indian-Eskimo", 0.3340000000000002, 0.1975825479658973, 0.6659999999999998, 0.15571184160359874, 0.0, 0.218, 0.964842105263158, 0.11664285714285713},
        {"race=Asian-Pac-Islander", 0.33999999999999925, 0.5548595512181547, 0.6600000000000008, 0.5355504069110872, 0.0, 0.218, 0.6189473684210526, 0.06432276657060519},
        {"race=Black", 0.42836666666666656, 0.2103778722882911, 0.5716333333333334, 0.1535725946670454, 0.0, 0.218, 0.8507707635009312, 0.13604199228171734},
        {"race=Other", 0.17444444444444446, 0.22488939767804839, 0.8255555555555556, 0.1373567302599108, 0.0, 0.21800000000000003, 0.8920888888888889, 0.0647979797979798},
        {"race=White", 0.008576523031203662, 0.5777236032445745, 0.9914234769687963, 0.4752586933597121, 0.0, 0.218, 0.6294706063173491, 0.08065948584090012},
    }},
    {FAIRC_THRESHOLD_EO, FAIRC_THRESHOLD_OBJ_ACCURACY, "sex", 0.06, 0.5089918985324391, 0.838184561252734, 2, {
        {"sex=Female", 0.8258394160583942, 0.2874200062825346, 0.17416058394160583, 0.1905377121878901, 0.28032272514342077, 0.10886648591295685, 0.5089918985324391, 0.060000000000000005},
        {"sex=Male", 0.9993513513513513, 0.6008528152986478, 0.0006486486486486642, 0.4720391419040201, 0.0, 0.1946148822856005, 0.5089918985324391, 0.06},
    }},
    {FAIRC_THRESHOLD_EO, FAIRC_THRESHOLD_OBJ_ACCURACY, "race", 0.081, 0.630640687679083, 0.850881953492645, 5, {
        {"race=Amer-Indian-Eskimo", 0.41499999999999987, 0.2248874342207928, 0.5850000000000002, 0.1975825479658973, 0.2862297132183326, 0.14668033374781497, 0.6306406876790828, 0.08099999999999997},
        {"race=Asian-Pac-Islander", 0.7658888888888887, 0.5208197738465334, 0.23411111111111127, 0.4430942063357485, 0.03344439329225377, 0.23329627387774587, 0.630640687679083, 0.08099999999999997},
        {"race=Black", 0.02938888888888855, 0.36141589143065916, 0.9706111111111114, 0.26942088323361657, 0.1651932724443499, 0.14402734343020873, 0.6306406876790829, 0.081},
        {"race=Other", 0.8179999999999998, 0.1373567302599108, 0.18200000000000016, 0.0906233158023757, 0.35052147317781, 0.18278531253316352, 0.630640687679083, 0.081},
        {"race=White", 0.9149090909090885, 0.4752586933597121, 0.08509090909091155, 0.4720391419040201, 0.0, 0.21854811415459632, 0.6306406876790831, 0.081},
    }},
    {FAIRC_THRESHOLD_EO, FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY, "sex", 0.25, 0.8346298355422442, 0.7699917908909447, 2, {
        {"sex=Female", 0.7390510948905109, 0.0554035625099522, 0.2609489051094891, 0.0488209904967818, 0.135181483067048, 0.31362877752627266, 0.8346298355422441, 0.25},
        {"sex=Male", 0.007299270072993319, 0.29096203203790866, 0.9927007299270066, 0.27464608538389607, 0.0, 0.42528128402629345, 0.8346298355422445, 0.25},
    }},
    {FAIRC_THRESHOLD_EO, FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY, "race", 0.24, 0.8688099331423114, 0.7857037653009846, 5, {
        {"race=Amer-Indian-Eskimo", 0.8721311475409836, 0.15571184160359874, 0.12786885245901636, -INFINITY, 0.17261850902327452, 0.3151408096207792, 0.8688099331423111, 0.2399999999999999},
        {"race=Asian-Pac-Islander", 0.11625000000000023, 0.29463107270385447, 0.8837499999999998, 0.171265528173756, 0.019974265239831798, 0.4142327523081821, 0.8688099331423113, 0.23999999999999996},
        {"race=Black", 0.9470731707317074, 0.08339038935539675, 0.05292682926829262, 0.04223665883996465, 0.10173331737260354, 0.3121056874006879, 0.8688099331423114, 0.24},
        {"race=Other", 0.32999999999999996, 0.0906233158023757, 0.67, 0.0328273840491049, 0.15799419772052578, 0.3564462839152428, 0.8688099331423114, 0.24000000000000002},
        {"race=White", 0.42666666666669373, 0.21847459964331478, 0.5733333333333063, 0.21802262771419614, 0.0, 0.39736029446914284, 0.8688099331423114, 0.24000000000000002},
    }},
};

typedef struct golden_data {
    size_t N;
    double *s;
    uint8_t *y;
    int32_t *sex, *race;
} golden_data;

static const char *const SEXES[] = {"Female", "Male"};
static const char *const RACES[] = {"Amer-Indian-Eskimo", "Asian-Pac-Islander", "Black", "Other", "White"};

static int level_of(const char *v, const char *const *levels, int n)
{
    for (int k = 0; k < n; k++)
        if (strcmp(v, levels[k]) == 0) return k;
    return -1;
}

/* The golden CSV (y_true,y_pred,score,sex,race,...) in arrays; 0 if absent. */
static int golden_load(golden_data *d)
{
    char path[1024];
    memset(d, 0, sizeof *d);
    if (!test_shared_path("golden/adult_test_predictions.csv", path, sizeof path)) return 0;
    char *text = test_read_file(path, NULL);
    if (!text) return 0;
    size_t cap = 20000;
    d->s = malloc(cap * sizeof *d->s);
    d->y = malloc(cap);
    d->sex = malloc(cap * sizeof *d->sex);
    d->race = malloc(cap * sizeof *d->race);
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    while ((line = strtok_r(NULL, "\n", &save)) && d->N < cap) {
        int yt, yp;
        char sex[64], race[64];
        if (sscanf(line, "%d,%d,%lf,%63[^,],%63[^,]", &yt, &yp, &d->s[d->N], sex, race) != 5) continue;
        d->y[d->N] = (uint8_t)yt;
        d->sex[d->N] = level_of(sex, SEXES, 2);
        d->race[d->N] = level_of(race, RACES, 5);
        d->N++;
    }
    free(text);
    return d->N == 16281;
}

static void golden_free(golden_data *d)
{
    free(d->s);
    free(d->y);
    free(d->sex);
    free(d->race);
}

static void check_golden(const golden_config *c, const golden_data *d)
{
    const int32_t *g = strcmp(c->column, "sex") == 0 ? d->sex : d->race;
    fairc_threshold_options o = opts(c->constraint, c->objective);
    fairc_threshold_result res;
    fairc_thresholds *t = fit(d->N, d->s, d->y, NULL, g, c->G, &o, &res);
    if (!t) return;
    CHECK_NEAR(res.x_best, c->x_best, 1e-12, 0);
    if (c->constraint == FAIRC_THRESHOLD_EO) CHECK_NEAR(res.y_best, c->y_best, 1e-9, 0);
    double acc = 0;
    for (size_t i = 0; i < d->N; i++) {
        double p = fairc_thresholds_apply(t, (size_t)g[i], d->s[i]);
        acc += d->y[i] ? p : 1 - p;
    }
    CHECK_MSG(fabs(acc / (double)d->N - c->accuracy) <= 1e-9, "%s %s: accuracy %.17g, Fairlearn %.17g",
              c->constraint == FAIRC_THRESHOLD_EO ? "eo" : "dp", c->column, acc / (double)d->N, c->accuracy);
    if (c->objective == FAIRC_THRESHOLD_OBJ_ACCURACY) CHECK_NEAR(res.objective, c->accuracy, 1e-9, 0);
    for (size_t k = 0; k < c->G; k++) {
        const golden_group *e = &c->groups[k];
        /* Fairlearn's rules as fairc writes them (SPEC §9.6), those of probability > 1e-9 */
        double keep = 1 - e->p_ignore;
        struct { int op; double t, p; } want[4] = {{FAIRC_RULE_GT, e->t0, keep * e->p0},
                                                   {FAIRC_RULE_GT, e->t1, keep * e->p1},
                                                   {FAIRC_RULE_ONE, 0, e->p_ignore * c->x_best},
                                                   {FAIRC_RULE_ZERO, 0, e->p_ignore * (1 - c->x_best)}};
        size_t n_want = 0;
        for (int r = 0; r < 4; r++) {
            if (want[r].p <= 1e-9) continue;
            n_want++;
            CHECK_MSG(fabs(prob_of(t, k, want[r].op, want[r].t) - want[r].p) <= 1e-9,
                      "%s: rule %d (t = %.17g): fairc %.17g, Fairlearn %.17g", e->name, want[r].op,
                      want[r].t, prob_of(t, k, want[r].op, want[r].t), want[r].p);
        }
        size_t n_have = 0;
        for (size_t r = 0; r < n_rules(t, k); r++) n_have += rules(t, k)[r].prob > 1e-9;
        CHECK_MSG(n_have == n_want, "%s: %zu rules, Fairlearn %zu", e->name, n_have, n_want);
        CHECK_NEAR(res.sel[k], e->sel, 1e-9, 0);
        CHECK_NEAR(res.tpr[k], e->tpr, 1e-9, 0);
        CHECK_NEAR(res.fpr[k], e->fpr, 1e-9, 0);
    }
    fairc_thresholds_free(&t);
    fairc_threshold_result_clear(&res);
}

TEST(threshold_matches_fairlearn_on_golden_adult_dp_and_eo)
{
    golden_data d;
    if (!golden_load(&d)) {
        golden_free(&d);
        SKIP("golden predictions not found");
    }
    for (size_t c = 0; c < sizeof golden / sizeof golden[0]; c++) check_golden(&golden[c], &d);
    golden_free(&d);
}

/* The same through a predictor (fairc_threshold_fit_arrays, fairc_predictor_predict_groups):
 * each group's mean probability is Fairlearn's expected selection rate. */
TEST(threshold_predictor_arrays_reproduce_fairlearn_rates)
{
    golden_data d;
    if (!golden_load(&d)) {
        golden_free(&d);
        SKIP("golden predictions not found");
    }
    const golden_config *c = &golden[3]; /* EO race: p_ignore and constant rules */
    const char *names[5];
    for (int k = 0; k < 5; k++) names[k] = c->groups[k].name;
    fairc_threshold_options o = opts(c->constraint, c->objective);
    fairc_predictor *p = NULL;
    fairc_threshold_info info;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_threshold_fit_arrays(d.N, d.s, d.y, NULL, d.race, 5, names, &o, &p, &info, &st), FAIRC_OK);
    double *prob = malloc(d.N * sizeof *prob);
    if (p && prob) {
        CHECK_EQ_INT(fairc_predictor_predict_groups(p, NULL, d.race, d.s, d.N, prob, &st), FAIRC_OK);
        for (int k = 0; k < 5; k++) {
            double sum = 0;
            size_t n = 0;
            for (size_t i = 0; i < d.N; i++)
                if (d.race[i] == k) {
                    sum += prob[i];
                    n++;
                }
            CHECK_NEAR(sum / (double)n, c->groups[k].sel, 1e-9, 0);
        }
        CHECK_EQ_INT(fairc_predictor_randomized(p), 1);
        CHECK_STR(fairc_predictor_score_column(p), "score");
        /* without groups: a clear error, not a guess */
        CHECK(fairc_predictor_predict(p, NULL, 1, prob, &st) == FAIRC_EINVAL && strstr(st.message, "group"));
        /* unseen group: the predictor's policy (error by default) */
        int32_t unseen = -1;
        CHECK(fairc_predictor_predict_groups(p, NULL, &unseen, d.s, 1, prob, &st) == FAIRC_EINVAL &&
              strstr(st.message, "not seen"));
    }
    CHECK_NEAR(info.x_best, c->x_best, 1e-12, 0);
    free(prob);
    fairc_predictor_free(&p);
    golden_free(&d);
}

/* ---- where fairc differs on purpose (SPEC §9.6) ------------------------------------------------ */

/* Balanced accuracy: fairc maximises the true overall value TP/(2P) + TN/(2N); Fairlearn the
 * group-size average of per-group balanced accuracies. By hand (DP, grid 10, unweighted):
 * A = {.8/0, .4/0, .3/1, .2/0, .1/0}, B = {.7/1, .6/0}; P = 2, N = 5, y_g = TP_g/4 + TN_g/10.
 * A's hull (0,.4) (.6,.45 at t=.25) (1,.25); B's (0,.1) (.5,.35 at t=.65) (1,.25).
 * Sum at x = .5: (.4 + .05 * 5/6) + .35 = 19/24 = 0.7917; at x = .6: .45 + .33 = 0.78.
 * Fairlearn 0.9.0 picks x = 0.6 (true balanced accuracy 0.78); fairc picks x = 0.5:
 * A: 1/6 x [> +inf] + 5/6 x [> .25]; B: [> .65]. */
TEST(threshold_balanced_accuracy_is_the_true_overall_value)
{
    const double s[] = {0.8, 0.4, 0.3, 0.2, 0.1, 0.7, 0.6};
    const uint8_t y[] = {0, 0, 1, 0, 0, 1, 0};
    const int32_t g[] = {0, 0, 0, 0, 0, 1, 1};
    fairc_threshold_options o = opts(FAIRC_THRESHOLD_DP, FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY);
    o.grid_size = 10;
    fairc_threshold_result res;
    fairc_thresholds *t = fit(7, s, y, NULL, g, 2, &o, &res);
    if (!t) return;
    CHECK_NEAR(res.x_best, 0.5, 1e-15, 0);
    CHECK_NEAR(res.objective, 19.0 / 24, 1e-12, 0);
    CHECK_NEAR(prob_of(t, 0, FAIRC_RULE_GT, INFINITY), 1.0 / 6, 1e-12, 0);
    CHECK_NEAR(prob_of(t, 0, FAIRC_RULE_GT, 0.25), 5.0 / 6, 1e-12, 0);
    CHECK_NEAR(prob_of(t, 1, FAIRC_RULE_GT, (0.7 + 0.6) / 2), 1, 1e-15, 0);
    fairc_thresholds_free(&t);
    fairc_threshold_result_clear(&res);
}

/* Weights: the SPEC vector with weight 3 on row .1/0 is the vector with that row three times;
 * by hand (accuracy share over W = 6): points (0,4/6) (1/6,5/6) (2/6,4/6) (3/6,5/6) (1,2/6),
 * hull (0,4/6) (1/6,5/6) (3/6,5/6) (1,2/6). */
TEST(threshold_weight_three_is_three_copies_by_hand)
{
    const double s[] = {0.9, 0.6, 0.4, 0.1}, w[] = {1, 1, 1, 3};
    const uint8_t y[] = {1, 0, 1, 0};
    const double s3[] = {0.9, 0.6, 0.4, 0.1, 0.1, 0.1};
    const uint8_t y3[] = {1, 0, 1, 0, 0, 0};
    fairc_threshold_options o = opts(FAIRC_THRESHOLD_DP, FAIRC_THRESHOLD_OBJ_ACCURACY);
    fairc_tradeoff_point pw[12], hw[12], pc[14], hc[14];
    size_t npw, nhw, npc, nhc;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_threshold_curve(4, s, y, w, &o, pw, &npw, hw, &nhw, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_threshold_curve(6, s3, y3, NULL, &o, pc, &npc, hc, &nhc, &st), FAIRC_OK);
    const double ex[] = {0, 1.0 / 6, 2.0 / 6, 3.0 / 6, 1}, ey[] = {4.0 / 6, 5.0 / 6, 4.0 / 6, 5.0 / 6, 2.0 / 6};
    CHECK_EQ_INT(npw, 5);
    CHECK_EQ_INT(npc, 5);
    for (size_t k = 0; k < 5 && k < npw && k < npc; k++) {
        CHECK_NEAR(pw[k].x, ex[k], 1e-15, 0);
        CHECK_NEAR(pw[k].y, ey[k], 1e-15, 0);
        CHECK(pw[k].x == pc[k].x && pw[k].y == pc[k].y && pw[k].t == pc[k].t);
    }
    CHECK_EQ_INT(nhw, 4);
    CHECK_EQ_INT(nhc, 4);
    for (size_t k = 0; k < 4 && k < nhw && k < nhc; k++)
        CHECK(hw[k].x == hc[k].x && hw[k].y == hc[k].y && hw[k].t == hc[k].t);
    CHECK(nhw == 4 && hw[2].x == 3.0 / 6 && hw[2].t == 0.25);
}

/* Small random data: scores on a coarse grid (ties), both labels in every group. */
static void random_data(fairc_rng *r, size_t N, size_t G, double *s, uint8_t *y, int32_t *g, double *w)
{
    for (size_t i = 0; i < N; i++) {
        g[i] = (int32_t)(i % G);
        s[i] = (double)(fairc_rng_next(r) % 40) / 40.0 + 0.1 * (double)g[i];
        y[i] = fairc_rng_uniform(r) < 0.2 + 0.6 * s[i] / 1.4;
        if (w) w[i] = (double)(fairc_rng_next(r) % 4); /* 0..3 */
    }
    for (size_t k = 0; k < G; k++) { /* both labels, with weight */
        y[k] = 1;
        y[G + k] = 0;
        if (w) w[k] = w[G + k] = 1;
    }
}

/* An integer weight k is k copies of the row (0 copies too), bit for bit, for every method. */
TEST(threshold_integer_weights_equal_row_copies)
{
    fairc_rng r;
    fairc_rng_seed(&r, 7, "test-threshold-weights");
    enum { N = 300, G = 3 };
    double s[N], w[N];
    uint8_t y[N];
    int32_t g[N];
    random_data(&r, N, G, s, y, g, w);
    size_t M = 0;
    for (size_t i = 0; i < N; i++) M += (size_t)w[i];
    double *s2 = malloc(M * sizeof *s2);
    uint8_t *y2 = malloc(M);
    int32_t *g2 = malloc(M * sizeof *g2);
    size_t at = M;
    /* copies in reverse order: the order of rows does not matter either */
    for (size_t i = 0; i < N; i++)
        for (int k = 0; k < (int)w[i]; k++) {
            at--;
            s2[at] = s[i];
            y2[at] = y[i];
            g2[at] = g[i];
        }
    const int cons[] = {FAIRC_THRESHOLD_DP, FAIRC_THRESHOLD_TPR, FAIRC_THRESHOLD_FNR, FAIRC_THRESHOLD_EO, FAIRC_THRESHOLD_DP, FAIRC_THRESHOLD_EO};
    const int objs[] = {FAIRC_THRESHOLD_OBJ_ACCURACY, FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY, FAIRC_THRESHOLD_OBJ_TNR,
                        FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY, FAIRC_THRESHOLD_OBJ_SELECTION_RATE, FAIRC_THRESHOLD_OBJ_ACCURACY};
    const double tols[] = {0, 0, 0.05, 0, 0.1, 0.05};
    for (int c = 0; c < 6; c++) {
        fairc_threshold_options o = opts(cons[c], objs[c]);
        o.tol = tols[c];
        o.flip = c == 2;
        fairc_threshold_result ra, rb;
        fairc_thresholds *a = fit(N, s, y, w, g, G, &o, &ra), *b = fit(M, s2, y2, NULL, g2, G, &o, &rb);
        if (a && b) CHECK_MSG(same_thresholds(a, b), "method %d: weights and copies differ", c);
        if (a && b && cons[c] != FAIRC_THRESHOLD_EO) CHECK(ra.objective == rb.objective);
        fairc_thresholds_free(&a);
        fairc_thresholds_free(&b);
        fairc_threshold_result_clear(&ra);
        fairc_threshold_result_clear(&rb);
    }
    free(s2);
    free(y2);
    free(g2);
}

/* All-ones weights are no weights, bit for bit; scaling every weight (by 4, exact) changes nothing. */
TEST(threshold_unit_weights_are_no_weights_and_scale_is_free)
{
    fairc_rng r;
    fairc_rng_seed(&r, 8, "test-threshold-ones");
    enum { N = 200, G = 2 };
    double s[N], w[N], ones[N], w4[N];
    uint8_t y[N];
    int32_t g[N];
    random_data(&r, N, G, s, y, g, w);
    for (size_t i = 0; i < N; i++) {
        ones[i] = 1;
        w4[i] = 4 * w[i];
    }
    fairc_threshold_options o = opts(FAIRC_THRESHOLD_EO, FAIRC_THRESHOLD_OBJ_ACCURACY);
    fairc_threshold_result r1, r2, r3, r4;
    fairc_thresholds *a = fit(N, s, y, NULL, g, G, &o, &r1), *b = fit(N, s, y, ones, g, G, &o, &r2);
    fairc_thresholds *c = fit(N, s, y, w, g, G, &o, &r3), *d = fit(N, s, y, w4, g, G, &o, &r4);
    if (a && b) CHECK(same_thresholds(a, b) && r1.objective == r2.objective);
    if (c && d) CHECK(same_thresholds(c, d) && r3.objective == r4.objective);
    fairc_thresholds_free(&a);
    fairc_thresholds_free(&b);
    fairc_thresholds_free(&c);
    fairc_thresholds_free(&d);
    fairc_threshold_result_clear(&r1);
    fairc_threshold_result_clear(&r2);
    fairc_threshold_result_clear(&r3);
    fairc_threshold_result_clear(&r4);
}

/* ---- tolerances ----------------------------------------------------------------------------- */

/* Simple constraints with tol: the spread of the groups' constraint metric stays within tol,
 * the objective is at least the exact-parity one, and tol 1 lets every group take its best. */
TEST(threshold_simple_tol_keeps_the_spread_and_never_loses)
{
    fairc_rng r;
    fairc_rng_seed(&r, 9, "test-threshold-tol");
    enum { N = 600, G = 4 };
    double s[N];
    uint8_t y[N];
    int32_t g[N];
    random_data(&r, N, G, s, y, g, NULL);
    const int cons[] = {FAIRC_THRESHOLD_DP, FAIRC_THRESHOLD_TPR, FAIRC_THRESHOLD_FPR, FAIRC_THRESHOLD_TNR, FAIRC_THRESHOLD_FNR};
    for (int c = 0; c < 5; c++) {
        fairc_threshold_options o = opts(cons[c], FAIRC_THRESHOLD_OBJ_ACCURACY);
        fairc_threshold_result r0, r1, rall;
        fairc_thresholds *t0 = fit(N, s, y, NULL, g, G, &o, &r0);
        o.tol = 0.05;
        fairc_thresholds *t1 = fit(N, s, y, NULL, g, G, &o, &r1);
        o.tol = 1;
        fairc_thresholds *tall = fit(N, s, y, NULL, g, G, &o, &rall);
        if (t0 && t1 && tall) {
            CHECK_MSG(r0.disparity <= 1e-12, "constraint %d: exact parity spread %g", cons[c], r0.disparity);
            CHECK_MSG(r1.disparity <= 0.05 + 1e-12, "constraint %d: spread %g > tol", cons[c], r1.disparity);
            CHECK(r1.grid_objective >= r0.grid_objective - 1e-12);
            CHECK(rall.grid_objective >= r1.grid_objective - 1e-12);
            /* tol 1: each group its own best grid point, so the sum is the sum of the groups'
             * own maxima (each fitted alone with the others' rows as weight 0) */
            double own = 0;
            for (int k = 0; k < G; k++) {
                double wk[N];
                for (size_t i = 0; i < N; i++) wk[i] = g[i] == k ? 1 : 0;
                /* a lone group: its y share is over its own W; rescale to the whole */
                double Wk = 0;
                for (size_t i = 0; i < N; i++) Wk += wk[i];
                fairc_threshold_options ok = opts(cons[c], FAIRC_THRESHOLD_OBJ_ACCURACY);
                fairc_threshold_result rk;
                int32_t g0[N];
                for (size_t i = 0; i < N; i++) g0[i] = 0;
                fairc_thresholds *tk = fit(N, s, y, wk, g0, 1, &ok, &rk);
                if (tk) own += rk.grid_objective * Wk / (double)N;
                fairc_thresholds_free(&tk);
                fairc_threshold_result_clear(&rk);
            }
            CHECK_NEAR(rall.grid_objective, own, 1e-12, 0);
        }
        fairc_thresholds_free(&t0);
        fairc_thresholds_free(&t1);
        fairc_thresholds_free(&tall);
        fairc_threshold_result_clear(&r0);
        fairc_threshold_result_clear(&r1);
        fairc_threshold_result_clear(&rall);
    }
}

/* EO with tol > 0 (the LP). A closed form: group A ranks perfectly (hull (0,0) (0,1) (1,1)),
 * group B not at all (one score: (0,0) (1,1)), one positive and one negative each, balanced
 * accuracy 1/2 + (TPR_A - FPR_A + TPR_B - FPR_B)/4. B stays on the diagonal, so A may rise
 * 2 tol above it: the optimum is 1/2 + tol/2 (tol <= 1/2), and 1 at tol = 1. */
TEST(threshold_eo_lp_reaches_the_closed_form_optimum)
{
    const double s[] = {0.9, 0.1, 0.5, 0.5};
    const uint8_t y[] = {1, 0, 1, 0};
    const int32_t g[] = {0, 0, 1, 1};
    const double tols[] = {0.1, 0.25, 0.5, 1};
    for (int k = 0; k < 4; k++) {
        fairc_threshold_options o = opts(FAIRC_THRESHOLD_EO, FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY);
        o.tol = tols[k];
        fairc_threshold_result res;
        fairc_thresholds *t = fit(4, s, y, NULL, g, 2, &o, &res);
        if (!t) continue;
        double want = tols[k] >= 1 ? 0.75 : 0.5 + tols[k] / 2;
        /* tol 1: A perfect (1), B random (1/2) */
        CHECK_NEAR(res.grid_objective, want, 1e-12, 0);
        CHECK_NEAR(res.objective, want, 1e-12, 0);
        CHECK_MSG(res.disparity <= tols[k] + 1e-12, "tol %g: spread %g", tols[k], res.disparity);
        fairc_thresholds_free(&t);
        fairc_threshold_result_clear(&res);
    }
}

/* EO tol > 0 on random data: feasible (spreads within tol), at least as good as Hardt et al.'s
 * construction (tol 0) whose solution it contains, monotone in tol, and at tol 1 equal to every
 * group's own best ROC vertex. */
TEST(threshold_eo_lp_is_feasible_monotone_and_bounded)
{
    fairc_rng r;
    fairc_rng_seed(&r, 10, "test-threshold-eo-lp");
    enum { N = 400, G = 3 };
    double s[N], w[N];
    uint8_t y[N];
    int32_t g[N];
    random_data(&r, N, G, s, y, g, w);
    for (int weighted = 0; weighted < 2; weighted++) {
        fairc_threshold_options o = opts(FAIRC_THRESHOLD_EO, FAIRC_THRESHOLD_OBJ_ACCURACY);
        fairc_threshold_result r0;
        fairc_thresholds *t0 = fit(N, s, y, weighted ? w : NULL, g, G, &o, &r0);
        double last = r0.objective - 1e-12;
        const double tols[] = {1e-4, 0.02, 0.1, 1};
        for (int k = 0; k < 4; k++) {
            o.tol = tols[k];
            fairc_threshold_result res;
            fairc_thresholds *t = fit(N, s, y, weighted ? w : NULL, g, G, &o, &res);
            if (!t) continue;
            CHECK_MSG(res.disparity <= tols[k] + 1e-9, "tol %g: spread %g", tols[k], res.disparity);
            CHECK_MSG(res.objective >= last - 1e-12, "tol %g: %.17g < %.17g", tols[k], res.objective, last);
            CHECK_NEAR(res.objective, res.grid_objective, 1e-12, 0);
            last = res.objective;
            fairc_thresholds_free(&t);
            fairc_threshold_result_clear(&res);
        }
        /* tol 1 = unconstrained: the best of each group's own points (accuracy share) */
        double best = 0;
        for (int k = 0; k < G; k++) {
            double Wt = 0, bk = -1;
            for (size_t i = 0; i < N; i++) Wt += weighted ? w[i] : 1;
            for (size_t a = 0; a < N; a++) {
                if (g[a] != k) continue;
                double tp = 0, tn = 0;
                for (size_t i = 0; i < N; i++) {
                    if (g[i] != k) continue;
                    double wi = weighted ? w[i] : 1;
                    if (y[i] && s[i] >= s[a]) tp += wi;
                    if (!y[i] && s[i] < s[a]) tn += wi;
                }
                if ((tp + tn) / Wt > bk) bk = (tp + tn) / Wt;
            }
            double all_neg = 0; /* nobody positive */
            for (size_t i = 0; i < N; i++)
                if (g[i] == k && !y[i]) all_neg += weighted ? w[i] : 1;
            if (all_neg / Wt > bk) bk = all_neg / Wt;
            best += bk;
        }
        CHECK_NEAR(last, best, 1e-12, 0);
        fairc_thresholds_free(&t0);
        fairc_threshold_result_clear(&r0);
    }
}

/* ---- determinism, bad input ------------------------------------------------------------------- */

TEST(threshold_row_order_changes_nothing)
{
    fairc_rng r;
    fairc_rng_seed(&r, 11, "test-threshold-order");
    enum { N = 250, G = 3 };
    double s[N], w[N], s2[N], w2[N];
    uint8_t y[N], y2[N];
    int32_t g[N], g2[N];
    random_data(&r, N, G, s, y, g, w);
    for (size_t i = 0; i < N; i++) w[i] = w[i] * 0.37 + 0.01; /* not integers */
    for (size_t i = 0; i < N; i++) {
        size_t j = (i * 97 + 13) % N; /* a permutation (97 is prime to 250) */
        s2[j] = s[i];
        y2[j] = y[i];
        g2[j] = g[i];
        w2[j] = w[i];
    }
    fairc_threshold_options o = opts(FAIRC_THRESHOLD_EO, FAIRC_THRESHOLD_OBJ_ACCURACY);
    fairc_threshold_result ra, rb;
    fairc_thresholds *a = fit(N, s, y, w, g, G, &o, &ra), *b = fit(N, s2, y2, w2, g2, G, &o, &rb);
    if (a && b) CHECK(same_thresholds(a, b));
    fairc_thresholds_free(&a);
    fairc_thresholds_free(&b);
    fairc_threshold_result_clear(&ra);
    fairc_threshold_result_clear(&rb);
}

TEST(threshold_rejects_undefined_metrics_and_bad_options)
{
    const double s[] = {0.9, 0.6, 0.4, 0.1};
    const uint8_t y[] = {1, 0, 1, 1};
    const int32_t g[] = {0, 0, 1, 1}; /* group 1 has no negatives */
    const char *const names[] = {"sex=F", "sex=M"};
    fairc_thresholds *t = NULL;
    fairc_status st = {0};
    fairc_threshold_options o = opts(FAIRC_THRESHOLD_EO, FAIRC_THRESHOLD_OBJ_ACCURACY);
    CHECK_EQ_INT(fairc_threshold_fit(4, s, y, NULL, g, 2, names, &o, &t, NULL, &st), FAIRC_EINVAL);
    CHECK_MSG(strstr(st.message, "'sex=M'") && strstr(st.message, "only positive"), "%s", st.message);
    o = opts(FAIRC_THRESHOLD_FPR, FAIRC_THRESHOLD_OBJ_ACCURACY);
    CHECK_EQ_INT(fairc_threshold_fit(4, s, y, NULL, g, 2, names, &o, &t, NULL, &st), FAIRC_EINVAL);
    CHECK_MSG(strstr(st.message, "'sex=M'") && strstr(st.message, "false positive rate"), "%s", st.message);
    /* DP does not need both labels in a group (Fairlearn refuses such a group) */
    o = opts(FAIRC_THRESHOLD_DP, FAIRC_THRESHOLD_OBJ_ACCURACY);
    CHECK_EQ_INT(fairc_threshold_fit(4, s, y, NULL, g, 2, names, &o, &t, NULL, &st), FAIRC_OK);
    fairc_thresholds_free(&t);
    const double bad[] = {0.9, NAN, 0.4, 0.1};
    CHECK_EQ_INT(fairc_threshold_fit(4, bad, y, NULL, g, 2, names, &o, &t, NULL, &st), FAIRC_EINVAL);
    CHECK_MSG(strstr(st.message, "row 2") && strstr(st.message, "finite"), "%s", st.message);
    o.tol = -0.01;
    CHECK(fairc_threshold_options_check(&o) != NULL);
    o.tol = NAN;
    CHECK(fairc_threshold_options_check(&o) != NULL);
    o = opts(FAIRC_THRESHOLD_EO, FAIRC_THRESHOLD_OBJ_SELECTION_RATE);
    CHECK(fairc_threshold_options_check(&o) != NULL);
}

/* --flip: on scores that rank backwards, "score < t" rules win (Fairlearn's flip). */
TEST(threshold_flip_uses_reversed_rules)
{
    const double s[] = {0.9, 0.8, 0.2, 0.1, 0.9, 0.8, 0.2, 0.1};
    const uint8_t y[] = {0, 0, 1, 1, 1, 1, 0, 0};
    const int32_t g[] = {0, 0, 0, 0, 1, 1, 1, 1};
    fairc_threshold_options o = opts(FAIRC_THRESHOLD_DP, FAIRC_THRESHOLD_OBJ_ACCURACY);
    o.flip = 1;
    fairc_threshold_result res;
    fairc_thresholds *t = fit(8, s, y, NULL, g, 2, &o, &res);
    if (!t) return;
    CHECK_NEAR(res.objective, 1, 1e-15, 0);
    CHECK_NEAR(prob_of(t, 0, FAIRC_RULE_LT, 0.5), 1, 1e-15, 0);
    CHECK_NEAR(prob_of(t, 1, FAIRC_RULE_GT, 0.5), 1, 1e-15, 0);
    fairc_thresholds_free(&t);
    fairc_threshold_result_clear(&res);
}

/* ---- the model file's THRESHOLD record (docs/model-format.md) --------------------------------- */

#include "sha256.h"

/* A small score-column predictor (two groups, EO: four rules in group 0), serialised. */
static void *threshold_bytes(size_t *n, int unseen)
{
    const double s[] = {0.9, 0.6, 0.4, 0.1, 0.8, 0.7, 0.3, 0.2};
    const uint8_t y[] = {1, 0, 1, 0, 1, 1, 0, 0};
    const int32_t g[] = {0, 0, 0, 0, 1, 1, 1, 1};
    const char *const names[] = {"g=a", "g=b"};
    fairc_threshold_options o = opts(FAIRC_THRESHOLD_EO, FAIRC_THRESHOLD_OBJ_ACCURACY);
    o.unseen = unseen;
    fairc_predictor *p = NULL;
    fairc_status st = {0};
    void *b = NULL;
    CHECK_EQ_INT(fairc_threshold_fit_arrays(8, s, y, NULL, g, 2, names, &o, &p, NULL, &st), FAIRC_OK);
    if (p) CHECK_EQ_INT(fairc_predictor_serialize(p, &b, n, &st), FAIRC_OK);
    fairc_predictor_free(&p);
    return b;
}

static void fix_crc(unsigned char *b, size_t n)
{
    uint32_t crc = fairc_crc32(0, b, n - 4);
    for (int k = 0; k < 4; k++) b[n - 4 + (size_t)k] = (unsigned char)(crc >> (8 * k));
}

/* The offset of the first occurrence of the 8 bytes of v (little-endian), or SIZE_MAX. */
static size_t find_f64(const unsigned char *b, size_t n, double v)
{
    unsigned char pat[8];
    uint64_t u;
    memcpy(&u, &v, 8);
    for (int k = 0; k < 8; k++) pat[k] = (unsigned char)(u >> (8 * k));
    for (size_t i = 0; i + 8 <= n; i++)
        if (memcmp(b + i, pat, 8) == 0) return i;
    return SIZE_MAX;
}

TEST(threshold_model_file_round_trips_and_rejects_bad_records)
{
    size_t n = 0;
    unsigned char *b = threshold_bytes(&n, FAIRC_UNSEEN_POOLED);
    if (!b) return;
    fairc_status st = {0};
    fairc_predictor *p = NULL;
    CHECK_EQ_INT(fairc_predictor_load_memory(b, n, "t.fcm", &p, &st), FAIRC_OK);
    CHECK_EQ_INT(b[10], 3); /* format 1.3 */
    if (p) {
        /* round trip: the same bytes again, the same probabilities */
        void *b2 = NULL;
        size_t n2 = 0;
        CHECK_EQ_INT(fairc_predictor_serialize(p, &b2, &n2, &st), FAIRC_OK);
        CHECK(n2 == n && b2 && memcmp(b, b2, n) == 0);
        free(b2);
        const fairc_thresholds *t = p->nodes[0].thr;
        CHECK(t && t->G == 2 && t->unseen == FAIRC_UNSEEN_POOLED && t->n_pooled >= 1);
        double sc[3] = {0.5, 0.5, 0.5}, out[3];
        int32_t gr[3] = {0, 1, -1};
        CHECK_EQ_INT(fairc_predictor_predict_groups(p, NULL, gr, sc, 3, out, &st), FAIRC_OK);
        CHECK(out[2] >= 0 && out[2] <= 1);
    }
    fairc_predictor_free(&p);
    /* every rule's probability is in [0, 1] */
    size_t at = find_f64(b, n, 1.0); /* group b's single rule (probability 1), or a pooled one */
    CHECK(at != SIZE_MAX);
    unsigned char *c = malloc(n);
    if (at != SIZE_MAX && c) {
        memcpy(c, b, n);
        double bad = 1.5;
        memcpy(c + at, &bad, 8);
        fix_crc(c, n);
        CHECK_EQ_INT(fairc_predictor_load_memory(c, n, "t.fcm", &p, &st), FAIRC_EPARSE);
        CHECK_MSG(strstr(st.message, "t.fcm: byte") && strstr(st.message, "NODE: node 0") &&
                  strstr(st.message, "probability 1.5"), "%s", st.message);
        CHECK(p == NULL);
        /* NaN threshold right after the probability and the operator */
        memcpy(c, b, n);
        double nan = NAN;
        memcpy(c + at + 9, &nan, 8);
        fix_crc(c, n);
        CHECK_EQ_INT(fairc_predictor_load_memory(c, n, "t.fcm", &p, &st), FAIRC_EPARSE);
        CHECK_MSG(strstr(st.message, "NaN") || strstr(st.message, "sum to 1"), "%s", st.message);
        /* an operator out of range */
        memcpy(c, b, n);
        c[at + 8] = 7;
        fix_crc(c, n);
        CHECK_EQ_INT(fairc_predictor_load_memory(c, n, "t.fcm", &p, &st), FAIRC_EPARSE);
        CHECK_MSG(strstr(st.message, "operator 7"), "%s", st.message);
        /* a file that says 1.2 cannot hold a THRESHOLD node */
        memcpy(c, b, n);
        c[10] = 2;
        fix_crc(c, n);
        CHECK_EQ_INT(fairc_predictor_load_memory(c, n, "t.fcm", &p, &st), FAIRC_EPARSE);
        CHECK_MSG(strstr(st.message, "THRESHOLD nodes need format version 1.3"), "%s", st.message);
        /* every truncation fails cleanly (the CRC fixed, the length field too) */
        for (size_t cut = 28; cut < n; cut += 7) {
            memcpy(c, b, cut);
            uint64_t body = cut - 28;
            for (int k = 0; k < 8; k++) c[16 + k] = (unsigned char)(body >> (8 * k));
            fix_crc(c, cut);
            int rc = fairc_predictor_load_memory(c, cut, "t.fcm", &p, &st);
            CHECK(rc != FAIRC_OK && p == NULL);
        }
    }
    free(c);
    free(b);
}

/* The unseen-group policies in the file, and an in-memory predictor without groups. */
TEST(threshold_unseen_policies_apply_at_prediction)
{
    const int policies[] = {FAIRC_UNSEEN_ZERO, FAIRC_UNSEEN_ONE, FAIRC_UNSEEN_POOLED, FAIRC_UNSEEN_ERROR};
    for (int k = 0; k < 4; k++) {
        size_t n = 0;
        void *b = threshold_bytes(&n, policies[k]);
        fairc_predictor *p = NULL;
        fairc_status st = {0};
        if (!b || fairc_predictor_load_memory(b, n, "t.fcm", &p, &st) != FAIRC_OK) {
            CHECK_MSG(0, "load: %s", st.message);
            free(b);
            continue;
        }
        double sc[2] = {0.95, 0.05}, out[2];
        int32_t gr[2] = {-1, -1};
        int rc = fairc_predictor_predict_groups(p, NULL, gr, sc, 2, out, &st);
        if (policies[k] == FAIRC_UNSEEN_ERROR) {
            CHECK(rc == FAIRC_EINVAL && strstr(st.message, "row 1"));
        } else if (policies[k] == FAIRC_UNSEEN_POOLED) {
            CHECK(rc == FAIRC_OK && out[0] >= out[1]); /* the pooled rule ranks by score */
        } else {
            CHECK(rc == FAIRC_OK && out[0] == (double)(policies[k] == FAIRC_UNSEEN_ONE) && out[1] == out[0]);
        }
        fairc_predictor_free(&p);
        free(b);
    }
}
