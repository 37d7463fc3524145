/* test_decorrelate.c: CorrelationRemover (SPEC §10.2; decorrelate.c). After the transform the
 * numeric columns have zero weighted covariance with every sensitive indicator (intersection
 * groups and marginal levels); alpha 0 gives the input back, alpha blends linearly; integer
 * weights are row copies; a saved projection transforms new rows the same way; bad input. */
#include "test.h"

#include "internal.h"

#include <stdlib.h>

/* Weighted covariance of columns a and b over n rows of stride k. */
static double wcov(const double *a, const double *b, const double *w, size_t n)
{
    double W = 0, ma = 0, mb = 0, c = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        W += wi;
        ma += wi * a[i];
        mb += wi * b[i];
    }
    ma /= W;
    mb /= W;
    for (size_t i = 0; i < n; i++) c += (w ? w[i] : 1) * (a[i] - ma) * (b[i] - mb);
    return c / W;
}

/* General S (numbers and rank-deficient one-hot), weights: zero covariance after alpha = 1;
 * alpha = 0 is the identity (bit for bit); alpha = 0.5 lies halfway. */
TEST(decorrelate_arrays_remove_linear_correlation)
{
    enum { N = 500, J = 3, K = 4 };
    static double Z[N * J], Z0[N * J], Zh[N * J], S[N * K], w[N], col[N], sk[N];
    fairc_rng r;
    fairc_rng_seed(&r, 6, "test-decorrelate");
    for (size_t i = 0; i < N; i++) {
        int g = (int)(fairc_rng_next(&r) % 3);
        for (int k = 0; k < 3; k++) S[i * K + k] = g == k; /* one-hot: the columns sum to 1 */
        S[i * K + 3] = fairc_rng_uniform(&r);              /* and a number */
        for (size_t j = 0; j < J; j++)
            Z[i * J + j] = fairc_rng_normal(&r) + 2.0 * g * (double)j + 3 * S[i * K + 3];
        w[i] = 0.5 + fairc_rng_uniform(&r);
    }
    memcpy(Z0, Z, sizeof Z);
    memcpy(Zh, Z, sizeof Z);
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_decorrelate_arrays(N, J, Z, K, S, w, 1, &st), FAIRC_OK);
    CHECK_EQ_INT(fairc_decorrelate_arrays(N, J, Zh, K, S, w, 0.5, &st), FAIRC_OK);
    for (size_t j = 0; j < J; j++) {
        for (size_t i = 0; i < N; i++) col[i] = Z[i * J + j];
        for (size_t k = 0; k < K; k++) {
            for (size_t i = 0; i < N; i++) sk[i] = S[i * K + k];
            CHECK_MSG(fabs(wcov(col, sk, w, N)) <= 1e-10, "column %zu, indicator %zu: covariance %g", j, k, wcov(col, sk, w, N));
        }
        for (size_t i = 0; i < N; i++) CHECK_NEAR(Zh[i * J + j], 0.5 * (Z[i * J + j] + Z0[i * J + j]), 1e-12, 1e-12);
    }
    double Zc[N * J];
    memcpy(Zc, Z0, sizeof Zc);
    CHECK_EQ_INT(fairc_decorrelate_arrays(N, J, Zc, K, S, w, 0, &st), FAIRC_OK);
    CHECK(memcmp(Zc, Z0, sizeof Zc) == 0);
    CHECK_EQ_INT(fairc_decorrelate_arrays(N, J, Zc, K, S, w, 1.5, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "alpha") != NULL);
}

enum { NR = 600 };

typedef struct table {
    double x1[NR], x2[NR], w[NR];
    int a[NR], b[NR], y[NR];
    char c[NR];
} table;

/* Rows: x1, x2 numeric (x2 missing now and then), c categorical, a, b sensitive, y the label,
 * w a weight (1..3). */
static void make_table(table *t, const char *name, char *path, size_t n, int with_weight)
{
    fairc_rng r;
    fairc_rng_seed(&r, 7, "test-decorrelate-file");
    char *text = malloc(1 << 17);
    size_t at = (size_t)sprintf(text, "x1,a,x2,c,b,y%s\n", with_weight ? ",w" : "");
    for (int i = 0; i < NR; i++) {
        t->a[i] = (int)(fairc_rng_next(&r) % 2);
        t->b[i] = (int)(fairc_rng_next(&r) % 3);
        t->x1[i] = 10 + 3 * t->a[i] + t->b[i] * t->b[i] + fairc_rng_normal(&r);
        t->x2[i] = i % 37 == 5 ? NAN : 100 * t->a[i] * t->b[i] + 10 * fairc_rng_normal(&r);
        t->c[i] = "uvw"[fairc_rng_next(&r) % 3];
        t->y[i] = fairc_rng_uniform(&r) < 0.3 + 0.2 * t->a[i];
        t->w[i] = (double)(1 + fairc_rng_next(&r) % 3);
        at += (size_t)sprintf(text + at, "%.6f,%s,", t->x1[i], t->a[i] ? "M" : "F");
        if (isnan(t->x2[i])) at += (size_t)sprintf(text + at, "?");
        else at += (size_t)sprintf(text + at, "%.6f", t->x2[i]);
        at += (size_t)sprintf(text + at, ",%c,%c,%d", t->c[i], "pqr"[t->b[i]], t->y[i]);
        if (with_weight) at += (size_t)sprintf(text + at, ",%g", t->w[i]);
        at += (size_t)sprintf(text + at, "\n");
        char buf[64];
        sprintf(buf, "%.6f", t->x1[i]);
        t->x1[i] = strtod(buf, NULL);
        if (!isnan(t->x2[i])) {
            sprintf(buf, "%.6f", t->x2[i]);
            t->x2[i] = strtod(buf, NULL);
        }
    }
    test_write_file(name, text, at, path, n);
    free(text);
}

/* The output's x1, x2 (NaN where missing), and the untouched columns checked against t. */
static int read_output(const char *path, const table *t, double *x1, double *x2, int with_weight)
{
    char *text = test_read_file(path, NULL);
    if (!text) return 0;
    const char *header = with_weight ? "x1,x2,c,y,w\n" : "x1,x2,c,y\n";
    CHECK_MSG(strncmp(text, header, strlen(header)) == 0, "header: %.40s", text);
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    int i = 0;
    while ((line = strtok_r(NULL, "\n", &save)) && i < NR) {
        char *end;
        x1[i] = strtod(line, &end);
        if (end[1] == ',') x2[i] = NAN, end++;
        else x2[i] = strtod(end + 1, &end);
        CHECK(end[0] == ',' && end[1] == t->c[i] && end[3] - '0' == t->y[i]);
        i++;
    }
    free(text);
    return i == NR;
}

/* Weighted covariance of x with every indicator, over rows where x is present. */
static void check_uncorrelated(const table *t, const double *x, const double *w, const char *what)
{
    static double xs[NR], ind[NR], ws[NR];
    for (int kind = 0; kind < 3; kind++) {
        int levels = kind == 0 ? 2 : kind == 1 ? 3 : 6;
        for (int l = 0; l < levels; l++) {
            size_t n = 0;
            for (int i = 0; i < NR; i++) {
                if (isnan(x[i])) continue;
                int v = kind == 0 ? t->a[i] : kind == 1 ? t->b[i] : 3 * t->a[i] + t->b[i];
                xs[n] = x[i];
                ind[n] = v == l;
                ws[n++] = w ? w[i] : 1;
            }
            CHECK_MSG(fabs(wcov(xs, ind, ws, n)) <= 1e-9, "%s: indicator kind %d level %d: covariance %g",
                      what, kind, l, wcov(xs, ind, ws, n));
        }
    }
}

TEST(decorrelate_file_intersection_has_no_correlation_with_any_indicator)
{
    static table t;
    static double x1[NR], x2[NR];
    char data[600], out[600];
    make_table(&t, "dc.csv", data, sizeof data, 0);
    snprintf(out, sizeof out, "%s/dc_out.csv", test_tmpdir());
    char *err = NULL;
    int rc = test_runf(NULL, &err, "decorrelate %s --sensitive a,b --label y -o %s", data, out);
    CHECK_MSG(rc == 0, "%s", err ? err : "");
    free(err);
    if (!read_output(out, &t, x1, x2, 0)) return;
    check_uncorrelated(&t, x1, NULL, "x1");
    check_uncorrelated(&t, x2, NULL, "x2");
    for (int i = 0; i < NR; i++) CHECK(isnan(x2[i]) == isnan(t.x2[i])); /* missing stays missing */
}

/* Marginal: no correlation with each column's levels (the intersection may keep some). */
TEST(decorrelate_file_marginal_has_no_correlation_with_levels)
{
    static table t;
    static double x1[NR], x2[NR], xs[NR], ind[NR];
    char data[600], out[600];
    make_table(&t, "dcm.csv", data, sizeof data, 0);
    snprintf(out, sizeof out, "%s/dcm_out.csv", test_tmpdir());
    CHECK_EQ_INT(test_runf(NULL, NULL, "decorrelate %s --sensitive a,b --label y --cr-groups marginal -o %s", data, out), 0);
    if (!read_output(out, &t, x1, x2, 0)) return;
    for (int which = 0; which < 2; which++) {
        const double *x = which ? x2 : x1;
        for (int kind = 0; kind < 2; kind++)
            for (int l = 0; l < (kind ? 3 : 2); l++) {
                size_t n = 0;
                for (int i = 0; i < NR; i++) {
                    if (isnan(x[i])) continue;
                    xs[n] = x[i];
                    ind[n++] = (kind ? t.b[i] : t.a[i]) == l;
                }
                CHECK_MSG(fabs(wcov(xs, ind, NULL, n)) <= 1e-9, "x%d kind %d level %d", which + 1, kind, l);
            }
    }
}

/* alpha 0: the input back (minus the sensitive columns), text for text. */
TEST(decorrelate_alpha_zero_gives_the_input_back)
{
    static table t;
    static double x1[NR], x2[NR];
    char data[600], out[600];
    make_table(&t, "dc0.csv", data, sizeof data, 0);
    snprintf(out, sizeof out, "%s/dc0_out.csv", test_tmpdir());
    CHECK_EQ_INT(test_runf(NULL, NULL, "decorrelate %s --sensitive a,b --label y --alpha 0 -o %s", data, out), 0);
    if (!read_output(out, &t, x1, x2, 0)) return;
    for (int i = 0; i < NR; i++) {
        CHECK(x1[i] == t.x1[i]);
        CHECK(x2[i] == t.x2[i] || (isnan(x2[i]) && isnan(t.x2[i])));
    }
}

/* Weights: the fit is weighted (zero covariance under the weights), and an integer weight is
 * that many copies of the row. */
TEST(decorrelate_weights_are_row_copies)
{
    static table t;
    static double x1[NR], x2[NR];
    char data[600], out[600], dup[600], dout[600];
    make_table(&t, "dcw.csv", data, sizeof data, 1);
    snprintf(out, sizeof out, "%s/dcw_out.csv", test_tmpdir());
    CHECK_EQ_INT(test_runf(NULL, NULL, "decorrelate %s --sensitive a,b --label y --weight w -o %s", data, out), 0);
    if (!read_output(out, &t, x1, x2, 1)) return;
    check_uncorrelated(&t, x1, t.w, "x1 weighted");
    check_uncorrelated(&t, x2, t.w, "x2 weighted");
    /* copies: each row w times, no weight column */
    char *text = test_read_file(data, NULL), *copy = malloc(1 << 19);
    size_t at = (size_t)sprintf(copy, "x1,a,x2,c,b,y\n");
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *last = strrchr(line, ',');
        int k = atoi(last + 1);
        *last = 0;
        for (int j = 0; j < k; j++) at += (size_t)sprintf(copy + at, "%s\n", line);
    }
    test_write_file("dcw_dup.csv", copy, at, dup, sizeof dup);
    free(text);
    free(copy);
    snprintf(dout, sizeof dout, "%s/dcw_dup_out.csv", test_tmpdir());
    CHECK_EQ_INT(test_runf(NULL, NULL, "decorrelate %s --sensitive a,b --label y -o %s", dup, dout), 0);
    char *o = test_read_file(dout, NULL);
    if (!o) return;
    save = NULL;
    line = strtok_r(o, "\n", &save);
    for (int i = 0; i < NR; i++)
        for (int j = 0; j < (int)t.w[i]; j++) {
            line = strtok_r(NULL, "\n", &save);
            if (!line) break;
            CHECK_NEAR(strtod(line, NULL), x1[i], 1e-9, 1e-12);
        }
    free(o);
}

/* A saved projection transforms new rows as the fit did; an unseen level is an error unless
 * --unseen-group pooled (then the row is left unchanged). */
TEST(decorrelate_projection_saved_and_applied)
{
    static table t;
    char data[600], out1[600], out2[600], proj[600], newer[600], out3[600];
    make_table(&t, "dcp.csv", data, sizeof data, 0);
    snprintf(out1, sizeof out1, "%s/dcp_fit.csv", test_tmpdir());
    snprintf(out2, sizeof out2, "%s/dcp_apply.csv", test_tmpdir());
    snprintf(out3, sizeof out3, "%s/dcp_new.csv", test_tmpdir());
    snprintf(proj, sizeof proj, "%s/dcp_proj.csv", test_tmpdir());
    for (int marginal = 0; marginal < 2; marginal++) {
        CHECK_EQ_INT(test_runf(NULL, NULL, "decorrelate %s --sensitive a,b --label y --alpha 0.7 %s --save-projection %s -o %s",
                          data, marginal ? "--cr-groups marginal" : "", proj, out1), 0);
        CHECK_EQ_INT(test_runf(NULL, NULL, "decorrelate %s --label y --projection %s -o %s", data, proj, out2), 0);
        char *a = test_read_file(out1, NULL), *b = test_read_file(out2, NULL);
        CHECK(a && b && strcmp(a, b) == 0);
        free(a);
        free(b);
    }
    const char *rows = "x1,a,x2,c,b,y\n1.5,F,2,u,p,0\n2.5,X,3,v,q,1\n";
    test_write_file("dcp_new_in.csv", rows, strlen(rows), newer, sizeof newer);
    char *err = NULL;
    CHECK_EQ_INT(test_runf(NULL, &err, "decorrelate %s --label y --projection %s -o %s", newer, proj, out3), 1);
    CHECK_MSG(err && strstr(err, "row 2") && strstr(err, "not fitted on"), "%s", err ? err : "");
    free(err);
    err = NULL;
    CHECK_EQ_INT(test_runf(NULL, &err, "decorrelate %s --label y --projection %s --unseen-group pooled -o %s", newer, proj, out3), 0);
    CHECK(err && strstr(err, "1 rows"));
    free(err);
}

TEST(decorrelate_bad_input_is_one_clear_line)
{
    static table t;
    char data[600], out[600];
    make_table(&t, "dcb.csv", data, sizeof data, 0);
    snprintf(out, sizeof out, "%s/dcb_out.csv", test_tmpdir());
    const char *extra[] = {"--alpha 1.5", "--alpha -0.1", "--cr-groups both"};
    for (int k = 0; k < 3; k++) {
        char *err = NULL;
        CHECK_EQ_INT(test_runf(NULL, &err, "decorrelate %s --sensitive a,b %s -o %s", data, extra[k], out), 2);
        CHECK_MSG(err && strncmp(err, "fairc", 5) == 0 && strchr(err, '\n') == err + strlen(err) - 1, "%s", err ? err : "");
        free(err);
    }
    char *err = NULL;
    CHECK_EQ_INT(test_runf(NULL, &err, "decorrelate %s --sensitive nope -o %s", data, out), 1);
    CHECK(err && strstr(err, "no sensitive column named 'nope'"));
    free(err);
}
