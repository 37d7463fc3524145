/* test_audit.c: fairc_audit against Fairlearn's golden values (SPEC §3.2), against a deliberately
 * simple reference written here on random data, the invariants of SPEC §1.4, the bootstrap
 * against a plain row-resampling bootstrap, and the label/prediction vocabularies. */
#include "json.h"
#include "test.h"

#include <stdlib.h>

/* ---- helpers ------------------------------------------------------------------------------ */

static json *audit_json(const char *path, const fairc_audit_options *o, fairc_status *st)
{
    fairc_audit_report *r = NULL;
    char *text = NULL;
    if (fairc_audit_file(path, NULL, o, &r, st) != FAIRC_OK) return NULL;
    json *j = NULL;
    if (fairc_audit_report_json(r, &text, st) == FAIRC_OK) j = json_parse(text);
    if (text && !j) test_fail(__FILE__, __LINE__, "fairc's JSON does not parse");
    free(text);
    fairc_audit_report_free(&r);
    return j;
}

static double num(const json *j)
{
    if (!j) return -12345.678; /* absent: makes any comparison fail loudly */
    return j->type == JSON_NULL ? NAN : j->number;
}

static const json *report0(const json *j)
{
    const json *reps = json_get(j, "reports");
    return reps && reps->n ? &reps->items[0] : NULL;
}

/* ---- golden -------------------------------------------------------------------------------- */

static const char *const golden_metric[][2] = {
    {"accuracy", "accuracy"}, {"balanced_accuracy", "balanced_accuracy"},
    {"precision", "precision"}, {"recall", "tpr"}, {"f1", "f1"},
    {"selection_rate", "selection_rate"}, {"tpr", "tpr"}, {"fpr", "fpr"}, {"tnr", "tnr"},
    {"fnr", "fnr"}, {"count", "count"}};
#define N_GOLDEN_METRICS (sizeof golden_metric / sizeof golden_metric[0])

static size_t compare_values(const json *gold, const json *mine, const char *where)
{
    size_t n = 0;
    for (size_t m = 0; m < N_GOLDEN_METRICS; m++) {
        const json *g = json_get(gold, golden_metric[m][0]);
        const json *f = json_get(mine, golden_metric[m][1]);
        CHECK_MSG(g && f, "%s: %s missing", where, golden_metric[m][0]);
        if (!g || !f) continue;
        double a = num(f), b = num(g);
        CHECK_MSG(test_near(a, b, 1e-9, 0), "%s.%s: fairc %.17g, Fairlearn %.17g", where,
                  golden_metric[m][0], a, b);
        n++;
    }
    return n;
}

static void golden_case(const char *sensitive, int weighted)
{
    char gp[1024], pp[1024];
    if (!test_shared_path("golden/adult_metrics.json", gp, sizeof gp) ||
        !test_shared_path("golden/adult_test_predictions.csv", pp, sizeof pp))
        SKIP("../shared/golden not found");
    char *text = test_read_file(gp, NULL);
    json *golden = text ? json_parse(text) : NULL;
    free(text);
    CHECK(golden != NULL);
    if (!golden) return;
    char key[64];
    snprintf(key, sizeof key, "%s|%s", sensitive, weighted ? "fnlwgt" : "unweighted");
    const json *G = json_get(json_get(golden, "results"), key);
    CHECK(G != NULL);
    const char *sens[2] = {"sex", "race"};
    size_t n_sens = strchr(sensitive, ',') ? 2 : 1;
    if (n_sens == 1) sens[0] = sensitive;
    fairc_audit_options o;
    fairc_audit_options_init(&o);
    o.label = "y_true";
    o.pred = "y_pred";
    o.sensitive = sens;
    o.n_sensitive = n_sens;
    o.weight = weighted ? "fnlwgt" : NULL;
    fairc_status st = {0};
    json *mine = audit_json(pp, &o, &st);
    CHECK_MSG(mine != NULL, "audit failed: %s", st.message);
    const json *R = report0(mine);
    const json *MF = json_get(G, "metric_frame");
    size_t compared = 0;
    if (R && MF) {
        compared += compare_values(json_get(MF, "overall"), json_path(R, "overall.metrics"), "overall");
        const json *gb = json_get(MF, "by_group"), *fb = json_get(R, "by_group");
        CHECK(gb && fb && gb->n == fb->n);
        for (size_t k = 0; gb && fb && k < gb->n && k < fb->n; k++) {
            for (size_t c = 0; c < n_sens; c++) {
                const json *gl = json_get(&gb->items[k], sens[c]);
                const json *fl = json_get(json_get(&fb->items[k], "levels"), sens[c]);
                CHECK_MSG(gl && fl && gl->string && fl->string && strcmp(gl->string, fl->string) == 0,
                          "group %zu: level of %s differs", k, sens[c]);
            }
            char where[64];
            snprintf(where, sizeof where, "by_group[%zu]", k);
            compared += compare_values(&gb->items[k], json_get(&fb->items[k], "metrics"), where);
        }
        static const char *const aggs[] = {"group_min", "group_max", "difference_between_groups",
                                           "difference_to_overall", "ratio_between_groups",
                                           "ratio_to_overall"};
        for (size_t a = 0; a < 6; a++)
            compared += compare_values(json_get(MF, aggs[a]),
                                       json_get(json_get(R, "aggregates"), aggs[a]), aggs[a]);
        const json *disp = json_get(R, "disparities");
        for (size_t k = 0; k < G->n; k++) {
            const json *item = &G->items[k];
            if (strcmp(item->key, "metric_frame") == 0) continue;
            if (strcmp(item->key, "equalized_odds_agg_v0_12") == 0) {
                for (size_t j = 0; j < item->n; j++) {
                    double a = num(json_get(disp, item->items[j].key)), b = num(&item->items[j]);
                    CHECK_MSG(test_near(a, b, 1e-9, 0), "%s: fairc %.17g, Fairlearn %.17g",
                              item->items[j].key, a, b);
                    compared++;
                }
                continue;
            }
            char mine_key[128];
            if (strncmp(item->key, "equalized_odds", 14) == 0)
                snprintf(mine_key, sizeof mine_key, "%s_worst_case", item->key);
            else
                snprintf(mine_key, sizeof mine_key, "%s", item->key);
            double a = num(json_get(disp, mine_key)), b = num(item);
            CHECK_MSG(test_near(a, b, 1e-9, 0), "%s: fairc %.17g, Fairlearn %.17g", mine_key, a, b);
            compared++;
        }
    }
    CHECK_MSG(compared > 100, "only %zu values compared", compared);
    json_free(mine);
    json_free(golden);
}

TEST(audit_matches_fairlearn_on_adult_by_sex) { golden_case("sex", 0); }
TEST(audit_matches_fairlearn_on_adult_by_sex_weighted) { golden_case("sex", 1); }
TEST(audit_matches_fairlearn_on_adult_by_race) { golden_case("race", 0); }
TEST(audit_matches_fairlearn_on_adult_by_race_weighted) { golden_case("race", 1); }
TEST(audit_matches_fairlearn_on_adult_by_sex_and_race) { golden_case("sex,race", 0); }
TEST(audit_matches_fairlearn_on_adult_by_sex_and_race_weighted) { golden_case("sex,race", 1); }

/* ---- a deliberately simple reference ----------------------------------------------------- */

typedef struct {
    int y, yhat, g;
    double w, s;
} row;

static unsigned long long lcg_state;
static double lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg_state >> 11) * 0x1.0p-53;
}

/* Reference metric m of SPEC §2.2 for rows of group g (g < 0: all rows), straight from the table. */
static double ref_metric(const row *rows, size_t n, int g, const char *m)
{
    double tp = 0, fp = 0, fn = 0, tn = 0, ws = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        if (g >= 0 && rows[i].g != g) continue;
        count++;
        double w = rows[i].w;
        if (rows[i].y && rows[i].yhat) tp += w;
        else if (!rows[i].y && rows[i].yhat) fp += w;
        else if (rows[i].y) fn += w;
        else tn += w;
        ws += w * rows[i].s;
    }
    double W = tp + fp + fn + tn, P = tp + fn, N = tn + fp;
    if (!strcmp(m, "count")) return count;
    if (!strcmp(m, "selection_rate")) return W > 0 ? (tp + fp) / W : NAN;
    if (!strcmp(m, "accuracy")) return W > 0 ? (tp + tn) / W : NAN;
    if (!strcmp(m, "error_rate")) return W > 0 ? (fp + fn) / W : NAN;
    if (!strcmp(m, "tpr")) return P > 0 ? tp / P : NAN;
    if (!strcmp(m, "fnr")) return P > 0 ? fn / P : NAN;
    if (!strcmp(m, "fpr")) return N > 0 ? fp / N : NAN;
    if (!strcmp(m, "tnr")) return N > 0 ? tn / N : NAN;
    if (!strcmp(m, "balanced_accuracy")) return P > 0 && N > 0 ? (tp / P + tn / N) / 2 : NAN;
    if (!strcmp(m, "precision")) return tp + fp > 0 ? tp / (tp + fp) : NAN;
    if (!strcmp(m, "f1")) return 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : NAN;
    if (!strcmp(m, "mean_score")) return W > 0 ? ws / W : NAN;
    return -1;
}

static const char *const all_metrics[] = {"count", "selection_rate", "accuracy", "error_rate",
                                          "balanced_accuracy", "precision", "tpr", "fpr", "tnr",
                                          "fnr", "f1", "mean_score"};

static const char *write_rows(const char *name, const row *rows, size_t n, char *buf, size_t bn)
{
    size_t cap = 64 + n * 96;
    char *text = malloc(cap), *p = text;
    p += sprintf(p, "y,yhat,g,w,s\n");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%d,%d,g%d,%.17g,%.17g\n", rows[i].y, rows[i].yhat, rows[i].g, rows[i].w, rows[i].s);
    const char *path = test_write_file(name, text, (size_t)(p - text), buf, bn);
    free(text);
    return path;
}

/* Random data with the hard cases: a group with no positives, a group whose weights are all 0
 * (when weighted), zero weights elsewhere, a one-row group. */
static size_t random_rows(row *rows, size_t n, int G, int weighted)
{
    for (size_t i = 0; i < n; i++) {
        int g = (int)(lcg() * G);
        rows[i].g = g;
        rows[i].y = g == 1 ? 0 : lcg() < 0.3 + 0.1 * g;
        rows[i].yhat = lcg() < 0.2 + 0.15 * rows[i].y + 0.05 * g;
        rows[i].w = weighted ? (g == 2 ? 0 : (lcg() < 0.1 ? 0 : floor(lcg() * 5) + 0.5)) : 1;
        rows[i].s = lcg();
    }
    rows[n - 1] = (row){1, 1, G, weighted ? 2.5 : 1, 0.5}; /* a one-row group */
    return n;
}

static void check_against_reference(int weighted, unsigned long long seed)
{
    lcg_state = seed;
    enum { N = 400, G = 5 };
    static row rows[N];
    random_rows(rows, N, G, weighted);
    char path[512];
    write_rows("ref.csv", rows, N, path, sizeof path);
    const char *sens[] = {"g"};
    fairc_audit_options o;
    fairc_audit_options_init(&o);
    o.label = "y";
    o.pred = "yhat";
    o.sensitive = sens;
    o.n_sensitive = 1;
    o.weight = weighted ? "w" : NULL;
    fairc_status st = {0};
    json *j = audit_json(path, &o, &st);
    CHECK_MSG(j, "%s", st.message);
    const json *R = report0(j), *bg = json_get(R, "by_group");
    CHECK(bg && bg->n == G + 1);
    for (int g = 0; bg && g <= G && (size_t)g < bg->n; g++) {
        const json *m = json_get(&bg->items[g], "metrics");
        char name[16];
        snprintf(name, sizeof name, "g=g%d", g);
        CHECK_STR(json_get(&bg->items[g], "group")->string, name);
        for (size_t k = 0; k < 11; k++) {
            double want = ref_metric(rows, N, g, all_metrics[k]);
            if (weighted && g == 2 && k > 0) want = NAN; /* total weight 0: every weighted metric null */
            CHECK_MSG(test_near(num(json_get(m, all_metrics[k])), want, 1e-12, 1e-12),
                      "group g%d %s: fairc %.17g, reference %.17g", g, all_metrics[k],
                      num(json_get(m, all_metrics[k])), want);
        }
    }
    /* Aggregates from the reference values, undefined ones left out. */
    for (size_t k = 0; R && k < 11; k++) {
        double lo = INFINITY, hi = -INFINITY, overall = ref_metric(rows, N, -1, all_metrics[k]);
        double dev = 0;
        for (int g = 0; g <= G; g++) {
            double v = ref_metric(rows, N, g, all_metrics[k]);
            if (weighted && g == 2 && k > 0) continue;
            if (isnan(v)) continue;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
            dev = fmax(dev, fabs(v - overall));
        }
        const json *agg = json_get(R, "aggregates");
        CHECK_NEAR(num(json_get(json_get(agg, "group_min"), all_metrics[k])), lo, 1e-12, 1e-12);
        CHECK_NEAR(num(json_get(json_get(agg, "group_max"), all_metrics[k])), hi, 1e-12, 1e-12);
        CHECK_NEAR(num(json_get(json_get(agg, "difference_between_groups"), all_metrics[k])), hi - lo, 1e-12, 1e-12);
        CHECK_NEAR(num(json_get(json_get(agg, "difference_to_overall"), all_metrics[k])), dev, 1e-12, 1e-12);
        double ratio = hi > 0 ? lo / hi : NAN;
        CHECK_NEAR(num(json_get(json_get(agg, "ratio_between_groups"), all_metrics[k])), ratio, 1e-12, 1e-12);
    }
    json_free(j);
}

TEST(audit_agrees_with_simple_reference_unweighted) { check_against_reference(0, 1); }
TEST(audit_agrees_with_simple_reference_weighted) { check_against_reference(1, 2); }
TEST(audit_agrees_with_simple_reference_weighted_other_seed) { check_against_reference(1, 3); }

/* The in-memory kernel gives the same numbers as the file path, for 1 and 2 threads. */
TEST(audit_arrays_equal_file_path_for_any_thread_count)
{
    lcg_state = 7;
    enum { N = 150000, G = 4 };
    row *rows = malloc(N * sizeof *rows);
    uint8_t *y = malloc(N), *yh = malloc(N);
    int32_t *g = malloc(N * sizeof *g);
    double *w = malloc(N * sizeof *w);
    for (size_t i = 0; i < N; i++) {
        rows[i] = (row){lcg() < 0.4, lcg() < 0.3, (int)(lcg() * G), floor(lcg() * 100) / 8, 0};
        y[i] = (uint8_t)rows[i].y;
        yh[i] = (uint8_t)rows[i].yhat;
        g[i] = rows[i].g;
        w[i] = rows[i].w;
    }
    const char *names[G] = {"g=g0", "g=g1", "g=g2", "g=g3"};
    fairc_audit_options o;
    fairc_audit_options_init(&o);
    fairc_audit_report *r1 = NULL, *r2 = NULL;
    fairc_status st = {0};
    CHECK(fairc_audit_arrays(N, y, yh, NULL, w, g, G, names, &o, 1, &r1, &st) == FAIRC_OK);
    CHECK(fairc_audit_arrays(N, y, yh, NULL, w, g, G, names, &o, 2, &r2, &st) == FAIRC_OK);
    char *j1 = NULL, *j2 = NULL;
    if (r1 && r2) {
        fairc_audit_report_json(r1, &j1, &st);
        fairc_audit_report_json(r2, &j2, &st);
        CHECK(j1 && j2 && strcmp(j1, j2) == 0);
    }
    char path[512];
    write_rows("arrays.csv", rows, N, path, sizeof path);
    const char *sens[] = {"g"};
    o.label = "y";
    o.pred = "yhat";
    o.weight = "w";
    o.sensitive = sens;
    o.n_sensitive = 1;
    json *jf = audit_json(path, &o, &st), *ja = j1 ? json_parse(j1) : NULL;
    const json *bf = json_get(report0(jf), "by_group"), *ba = json_get(report0(ja), "by_group");
    CHECK(bf && ba && bf->n == G && ba->n == G);
    for (size_t k = 0; bf && ba && k < G; k++)
        for (size_t m = 0; m < 11; m++) {
            double a = num(json_get(json_get(&bf->items[k], "metrics"), all_metrics[m]));
            double b = num(json_get(json_get(&ba->items[k], "metrics"), all_metrics[m]));
            CHECK_MSG(a == b || (isnan(a) && isnan(b)), "%s differs: %.17g vs %.17g", all_metrics[m], a, b);
        }
    json_free(jf);
    json_free(ja);
    free(j1);
    free(j2);
    fairc_audit_report_free(&r1);
    fairc_audit_report_free(&r2);
    free(rows);
    free(y);
    free(yh);
    free(g);
    free(w);
}

/* SPEC §1.4 invariants: scaled weights, integer weights as copies, shuffled rows. */
TEST(audit_invariant_to_weight_scale_copies_and_row_order)
{
    lcg_state = 11;
    enum { N = 300 };
    static row rows[N], copies[3 * N], shuffled[N];
    size_t nc = 0;
    for (size_t i = 0; i < N; i++) {
        rows[i] = (row){lcg() < 0.5, lcg() < 0.4, (int)(lcg() * 3), (double)(1 + (int)(lcg() * 3)), lcg()};
        for (int k = 0; k < (int)rows[i].w; k++) {
            copies[nc] = rows[i];
            copies[nc++].w = 1;
        }
        shuffled[i] = rows[i];
    }
    for (size_t i = N - 1; i > 0; i--) {
        size_t j = (size_t)(lcg() * (double)(i + 1));
        row t = shuffled[i];
        shuffled[i] = shuffled[j];
        shuffled[j] = t;
    }
    static row scaled[N];
    for (size_t i = 0; i < N; i++) {
        scaled[i] = rows[i];
        scaled[i].w *= 0.125; /* a power of two: exact scaling */
    }
    const char *sens[] = {"g"};
    fairc_audit_options o;
    fairc_audit_options_init(&o);
    o.label = "y";
    o.score = "s";
    o.weight = "w";
    o.sensitive = sens;
    o.n_sensitive = 1;
    char p1[512], p2[512], p3[512], p4[512];
    write_rows("base.csv", rows, N, p1, sizeof p1);
    write_rows("copies.csv", copies, nc, p2, sizeof p2);
    write_rows("shuffled.csv", shuffled, N, p3, sizeof p3);
    write_rows("scaled.csv", scaled, N, p4, sizeof p4);
    fairc_status st = {0};
    json *a = audit_json(p1, &o, &st), *b = audit_json(p2, &o, &st), *c = audit_json(p3, &o, &st),
         *d = audit_json(p4, &o, &st);
    const json *ga = json_get(report0(a), "by_group"), *gb = json_get(report0(b), "by_group"),
               *gc = json_get(report0(c), "by_group"), *gd = json_get(report0(d), "by_group");
    CHECK(ga && gb && gc && gd);
    for (size_t k = 0; ga && gb && gc && gd && k < ga->n; k++)
        for (size_t m = 1; m < 12; m++) { /* count differs for copies by design */
            double va = num(json_get(json_get(&ga->items[k], "metrics"), all_metrics[m]));
            CHECK_NEAR(num(json_get(json_get(&gb->items[k], "metrics"), all_metrics[m])), va, 1e-12, 1e-12);
            CHECK_NEAR(num(json_get(json_get(&gc->items[k], "metrics"), all_metrics[m])), va, 1e-12, 1e-12);
            CHECK_NEAR(num(json_get(json_get(&gd->items[k], "metrics"), all_metrics[m])), va, 1e-12, 1e-12);
        }
    json_free(a);
    json_free(b);
    json_free(c);
    json_free(d);
}

/* All-ones weights equal no weights, bit for bit. */
TEST(audit_unit_weights_equal_no_weights_bit_for_bit)
{
    lcg_state = 5;
    enum { N = 2000 };
    static row rows[N];
    for (size_t i = 0; i < N; i++) rows[i] = (row){lcg() < 0.5, lcg() < 0.4, (int)(lcg() * 3), 1, lcg()};
    char path[512];
    write_rows("ones.csv", rows, N, path, sizeof path);
    const char *sens[] = {"g"};
    fairc_audit_options o;
    fairc_audit_options_init(&o);
    o.label = "y";
    o.pred = "yhat";
    o.sensitive = sens;
    o.n_sensitive = 1;
    fairc_status st = {0};
    fairc_audit_report *r1 = NULL, *r2 = NULL;
    char *j1 = NULL, *j2 = NULL;
    CHECK(fairc_audit_file(path, NULL, &o, &r1, &st) == FAIRC_OK);
    o.weight = "w";
    CHECK(fairc_audit_file(path, NULL, &o, &r2, &st) == FAIRC_OK);
    fairc_audit_report_json(r1, &j1, &st);
    fairc_audit_report_json(r2, &j2, &st);
    json *a = json_parse(j1), *b = json_parse(j2);
    const json *ra = report0(a), *rb = report0(b);
    /* Everything but the input section ("weight": null vs "w") is identical. */
    char *sa = strstr(j1, "\"reports\""), *sb = strstr(j2, "\"reports\"");
    CHECK(ra && rb && sa && sb && strcmp(sa, sb) == 0);
    json_free(a);
    json_free(b);
    free(j1);
    free(j2);
    fairc_audit_report_free(&r1);
    fairc_audit_report_free(&r2);
}

/* The in-memory kernel checks rows as it sums them; a bad row is named, wherever it is. */
TEST(audit_arrays_names_the_first_bad_row)
{
    enum { N = 200000 };
    uint8_t *y = calloc(N, 1), *yh = calloc(N, 1);
    int32_t *g = calloc(N, sizeof *g);
    double *w = malloc(N * sizeof *w), *s = malloc(N * sizeof *s);
    for (size_t i = 0; i < N; i++) {
        y[i] = (uint8_t)(i % 2);
        yh[i] = (uint8_t)(i % 3 == 0);
        g[i] = (int32_t)(i % 2);
        w[i] = 1;
        s[i] = 0.5;
    }
    const char *names[2] = {"g=a", "g=b"};
    fairc_audit_options o;
    fairc_audit_options_init(&o);
    fairc_audit_report *r = NULL;
    fairc_status st = {0};
    y[150001] = 2;
    CHECK(fairc_audit_arrays(N, y, yh, NULL, NULL, g, 2, names, &o, 2, &r, &st) == FAIRC_EINVAL);
    CHECK_STR(st.message, "row 150001: y and yhat must be 0 or 1");
    y[150001] = 1;
    g[70000] = 2;
    CHECK(fairc_audit_arrays(N, y, yh, NULL, NULL, g, 2, names, &o, 2, &r, &st) == FAIRC_EINVAL);
    CHECK_STR(st.message, "row 70000: group 2 is not in 0..1");
    g[70000] = 0;
    w[5] = -1;
    CHECK(fairc_audit_arrays(N, y, yh, NULL, w, g, 2, names, &o, 1, &r, &st) == FAIRC_EINVAL);
    CHECK_STR(st.message, "row 5: weight must be finite and >= 0");
    w[5] = 1;
    s[N - 1] = NAN;
    CHECK(fairc_audit_arrays(N, y, yh, s, w, g, 2, names, &o, 1, &r, &st) == FAIRC_EINVAL);
    CHECK_STR(st.message, "row 199999: score must be finite");
    for (size_t i = 0; i < N; i++) w[i] = 0;
    CHECK(fairc_audit_arrays(N, y, yh, NULL, w, g, 2, names, &o, 2, &r, &st) == FAIRC_EINVAL);
    CHECK_STR(st.message, "the weights sum to 0");
    CHECK(r == NULL);
    free(y);
    free(yh);
    free(g);
    free(w);
    free(s);
}
