/* test_bootstrap.c: the cell-sum bootstrap (SPEC §2.7) against a plain row-resampling bootstrap
 * written here, its coverage of a known rate, determinism, and the exact samplers it uses. */
#include "json.h"
#include "test.h"
#include "internal.h"

#include <stdlib.h>

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(double *x, size_t n, double q)
{
    qsort(x, n, sizeof *x, cmp_d);
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)h;
    return lo + 1 < n ? x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]) : x[n - 1];
}

/* Runs fairc_audit_arrays with a bootstrap and returns the JSON of group 0's ci for `metric`. */
static int ci_of(size_t N, const uint8_t *y, const uint8_t *yh, const double *w, const int32_t *g,
                 size_t B, uint64_t seed, double level, const char *metric, int group,
                 double *lo, double *hi)
{
    const char *names[2] = {"g=a", "g=b"};
    fairc_audit_options o;
    fairc_audit_options_init(&o);
    o.bootstrap = B;
    o.seed = seed;
    o.ci = level;
    fairc_audit_report *r = NULL;
    fairc_status st = {0};
    if (fairc_audit_arrays(N, y, yh, NULL, w, g, 2, names, &o, 1, &r, &st) != FAIRC_OK) {
        test_fail(__FILE__, __LINE__, "%s", st.message);
        return -1;
    }
    char *text = NULL;
    fairc_audit_report_json(r, &text, &st);
    json *j = json_parse(text);
    const json *bg = json_path(j ? &json_get(j, "reports")->items[0] : NULL, "by_group");
    const json *ci = bg ? json_get(json_get(&bg->items[group], "ci"), metric) : NULL;
    int ok = ci && ci->type == JSON_ARRAY && ci->n == 2;
    if (ok) {
        *lo = ci->items[0].number;
        *hi = ci->items[1].number;
    }
    json_free(j);
    free(text);
    fairc_audit_report_free(&r);
    return ok ? 0 : -1;
}

static void make_data(size_t N, uint8_t *y, uint8_t *yh, int32_t *g, double *w, fairc_rng *rng)
{
    for (size_t i = 0; i < N; i++) {
        g[i] = fairc_rng_uniform(rng) < 0.3;
        y[i] = fairc_rng_uniform(rng) < 0.4;
        yh[i] = fairc_rng_uniform(rng) < (y[i] ? 0.7 : 0.2) + 0.1 * g[i];
        if (w) w[i] = 0.5 + 2 * fairc_rng_uniform(rng);
    }
}

/* A plain bootstrap that resamples rows and recomputes the group's TPR from scratch. */
static void row_bootstrap_tpr(size_t N, const uint8_t *y, const uint8_t *yh, const double *w,
                              const int32_t *g, int group, size_t B, double *lo, double *hi)
{
    fairc_rng rng;
    fairc_rng_seed(&rng, 99, "test/row-bootstrap");
    double *vals = malloc(B * sizeof *vals);
    size_t m = 0;
    for (size_t b = 0; b < B; b++) {
        double tp = 0, p = 0;
        for (size_t k = 0; k < N; k++) {
            size_t i = (size_t)(fairc_rng_uniform(&rng) * (double)N);
            if (g[i] != group || !y[i]) continue;
            double wi = w ? w[i] : 1;
            p += wi;
            tp += wi * yh[i];
        }
        if (p > 0) vals[m++] = tp / p;
    }
    *lo = quantile(vals, m, 0.025);
    *hi = quantile(vals, m, 0.975);
    free(vals);
}

static void compare_with_row_bootstrap(int weighted)
{
    enum { N = 600, B = 2000 };
    static uint8_t y[N], yh[N];
    static int32_t g[N];
    static double w[N];
    fairc_rng rng;
    fairc_rng_seed(&rng, weighted ? 2 : 1, "test/data");
    make_data(N, y, yh, g, weighted ? w : NULL, &rng);
    double lo, hi, rlo, rhi;
    CHECK(ci_of(N, y, yh, weighted ? w : NULL, g, B, 3, 0.95, "tpr", 1, &lo, &hi) == 0);
    row_bootstrap_tpr(N, y, yh, weighted ? w : NULL, g, 1, B, &rlo, &rhi);
    /* Both are Monte-Carlo estimates of the same quantiles: with B = 2000 and about 70 positives
     * in the group, each endpoint's standard error is about 0.01. */
    CHECK_MSG(fabs(lo - rlo) < 0.035 && fabs(hi - rhi) < 0.035,
              "fairc [%.4f, %.4f] vs row bootstrap [%.4f, %.4f]", lo, hi, rlo, rhi);
    CHECK(lo < hi);
}

TEST(bootstrap_multinomial_matches_row_resampling) { compare_with_row_bootstrap(0); }
TEST(bootstrap_poisson_weighted_matches_row_resampling) { compare_with_row_bootstrap(1); }

/* 90% intervals for a selection rate cover the true rate about 90% of the time. */
TEST(bootstrap_interval_covers_known_rate)
{
    enum { N = 200, RUNS = 200 };
    static uint8_t y[N], yh[N];
    static int32_t g[N];
    fairc_rng rng;
    fairc_rng_seed(&rng, 5, "test/coverage");
    int covered = 0;
    const char *names[2] = {"g=a", "g=b"};
    for (int run = 0; run < RUNS; run++) {
        for (size_t i = 0; i < N; i++) {
            g[i] = i % 2;
            y[i] = fairc_rng_uniform(&rng) < 0.5;
            yh[i] = fairc_rng_uniform(&rng) < 0.3; /* true selection rate 0.3 */
        }
        fairc_audit_options o;
        fairc_audit_options_init(&o);
        o.bootstrap = 400;
        o.ci = 0.9;
        o.seed = (uint64_t)run;
        fairc_audit_report *r = NULL;
        fairc_status st = {0};
        if (fairc_audit_arrays(N, y, yh, NULL, NULL, g, 2, names, &o, 1, &r, &st) != FAIRC_OK) break;
        char *text = NULL;
        fairc_audit_report_json(r, &text, &st);
        json *j = json_parse(text);
        const json *ci = json_path(&json_get(j, "reports")->items[0], "overall.ci.selection_rate");
        if (ci && ci->n == 2 && ci->items[0].number <= 0.3 && 0.3 <= ci->items[1].number) covered++;
        json_free(j);
        free(text);
        fairc_audit_report_free(&r);
    }
    /* Binomial(200, 0.9): mean 180, sd 4.2; percentile intervals run a little narrow. */
    CHECK_MSG(covered >= 160 && covered <= 195, "covered %d of %d", covered, RUNS);
}

TEST(bootstrap_same_seed_same_intervals_other_seed_differs)
{
    enum { N = 500 };
    static uint8_t y[N], yh[N];
    static int32_t g[N];
    fairc_rng rng;
    fairc_rng_seed(&rng, 8, "test/data");
    make_data(N, y, yh, g, NULL, &rng);
    double a0, a1, b0, b1, c0, c1;
    CHECK(ci_of(N, y, yh, NULL, g, 300, 7, 0.95, "selection_rate", 0, &a0, &a1) == 0);
    CHECK(ci_of(N, y, yh, NULL, g, 300, 7, 0.95, "selection_rate", 0, &b0, &b1) == 0);
    CHECK(ci_of(N, y, yh, NULL, g, 300, 8, 0.95, "selection_rate", 0, &c0, &c1) == 0);
    CHECK(a0 == b0 && a1 == b1);
    CHECK(a0 != c0 || a1 != c1);
}

TEST(binomial_sampler_has_the_right_mean_and_variance)
{
    fairc_rng rng;
    fairc_rng_seed(&rng, 1, "test/binomial");
    const struct { uint64_t n; double p; } cases[] = {{20, 0.3}, {1000, 0.02}, {100000, 0.37}, {5000000, 0.9}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        enum { DRAWS = 20000 };
        double s = 0, ss = 0;
        for (int k = 0; k < DRAWS; k++) {
            double x = (double)fairc_rng_binomial(&rng, cases[c].n, cases[c].p);
            CHECK(x >= 0 && x <= (double)cases[c].n);
            s += x;
            ss += x * x;
        }
        double mean = s / DRAWS, var = ss / DRAWS - mean * mean;
        double mu = (double)cases[c].n * cases[c].p, sigma2 = mu * (1 - cases[c].p);
        CHECK_MSG(fabs(mean - mu) < 5 * sqrt(sigma2 / DRAWS), "n=%llu p=%g: mean %g, expected %g",
                  (unsigned long long)cases[c].n, cases[c].p, mean, mu);
        CHECK_MSG(fabs(var / sigma2 - 1) < 0.06, "n=%llu p=%g: variance %g, expected %g",
                  (unsigned long long)cases[c].n, cases[c].p, var, sigma2);
    }
}

TEST(poisson1_sampler_has_mean_and_variance_one)
{
    fairc_rng rng;
    fairc_rng_seed(&rng, 2, "test/poisson");
    double s = 0, ss = 0;
    enum { DRAWS = 200000 };
    for (int k = 0; k < DRAWS; k++) {
        double x = (double)fairc_rng_poisson1(&rng);
        s += x;
        ss += x * x;
    }
    double mean = s / DRAWS, var = ss / DRAWS - mean * mean;
    CHECK_NEAR(mean, 1.0, 0.012, 0);
    CHECK_NEAR(var, 1.0, 0.02, 0);
}

/* SipHash-2-4 reference vector (Aumasson & Bernstein): key 00..0f, message 00..0e. */
TEST(siphash_matches_reference_vector)
{
    unsigned char msg[15];
    for (int k = 0; k < 15; k++) msg[k] = (unsigned char)k;
    uint64_t k0 = 0x0706050403020100ull, k1 = 0x0f0e0d0c0b0a0908ull;
    CHECK(fairc_siphash(msg, 15, k0, k1) == 0xa129ca6149be45e5ull);
    CHECK(fairc_siphash(msg, 0, k0, k1) == 0x726fdb47dd0e0e31ull);
}

TEST(rng_streams_differ_by_purpose_and_repeat_by_seed)
{
    fairc_rng a, b, c;
    fairc_rng_seed(&a, 42, "shuffle");
    fairc_rng_seed(&b, 42, "shuffle");
    fairc_rng_seed(&c, 42, "init");
    uint64_t x = fairc_rng_next(&a), y = fairc_rng_next(&b), z = fairc_rng_next(&c);
    CHECK(x == y);
    CHECK(x != z);
    for (int k = 0; k < 1000; k++) {
        double u = fairc_rng_uniform(&a);
        CHECK(u >= 0 && u < 1);
    }
}
