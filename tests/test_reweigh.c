/* test_reweigh.c: Reweighing (SPEC §10.1; reweigh.c, and `fairc train --mitigate reweigh` in
 * postprocess.c). SPEC's worked example, the defining property (label and group independent
 * under the new weights, total weight unchanged) on weighted random data, and the CLI. */
#include "test.h"

#include <stdlib.h>

/* A has 4 positives and 2 negatives, B 1 and 3: w(A,1) = 0.75, w(A,0) = 1.5, w(B,1) = 2,
 * w(B,0) = 2/3. */
TEST(reweigh_spec_example)
{
    const uint8_t y[] = {1, 1, 1, 1, 0, 0, 1, 0, 0, 0};
    const int32_t g[] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
    double w[10];
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_reweigh_arrays(10, y, NULL, g, 2, w, &st), FAIRC_OK);
    const double want[] = {0.75, 0.75, 0.75, 0.75, 1.5, 1.5, 2, 2.0 / 3, 2.0 / 3, 2.0 / 3};
    double total = 0;
    for (int i = 0; i < 10; i++) {
        CHECK_NEAR(w[i], want[i], 1e-15, 0);
        total += w[i];
    }
    CHECK_NEAR(total, 10, 1e-12, 0);
}

/* With input weights (non-integer), five groups of different label balance: every group's
 * weighted positive rate becomes the overall one, and the total weight is unchanged. */
TEST(reweigh_makes_label_and_group_independent_with_weights)
{
    enum { N = 5000, G = 5 };
    static uint8_t y[N];
    static int32_t g[N];
    static double w[N], out[N];
    fairc_rng r;
    fairc_rng_seed(&r, 4, "test-reweigh");
    double W = 0, W1 = 0;
    for (size_t i = 0; i < N; i++) {
        g[i] = (int32_t)(fairc_rng_next(&r) % G);
        y[i] = fairc_rng_uniform(&r) < 0.1 + 0.18 * g[i];
        w[i] = 0.5 + 2 * fairc_rng_uniform(&r);
        W += w[i];
        W1 += y[i] * w[i];
    }
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_reweigh_arrays(N, y, w, g, G, out, &st), FAIRC_OK);
    double tot = 0, pos = 0, gw[G] = {0}, gp[G] = {0}, before[G] = {0}, gw0[G] = {0};
    for (size_t i = 0; i < N; i++) {
        tot += out[i];
        pos += y[i] * out[i];
        gw[g[i]] += out[i];
        gp[g[i]] += y[i] * out[i];
        gw0[g[i]] += w[i];
        before[g[i]] += y[i] * w[i];
    }
    CHECK_NEAR(tot, W, 0, 1e-12);
    CHECK_NEAR(pos / tot, W1 / W, 1e-12, 0);
    double spread_before = 0;
    for (int k = 0; k < G; k++) {
        CHECK_NEAR(gp[k] / gw[k], W1 / W, 1e-12, 0);
        CHECK_NEAR(gw[k], gw0[k], 0, 1e-12); /* each group keeps its weight */
        spread_before = fmax(spread_before, fabs(before[k] / gw0[k] - W1 / W));
    }
    CHECK(spread_before > 0.2); /* the groups really differed */
}

TEST(reweigh_empty_cells_and_bad_input)
{
    const uint8_t y[] = {1, 0, 1, 1};
    const int32_t g[] = {0, 0, 1, 1}; /* group 1 has no negatives: its cell (1, 0) is empty */
    double w[4];
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_reweigh_arrays(4, y, NULL, g, 2, w, &st), FAIRC_OK);
    /* W = 4, W_1 = 3, W_0 = 1: w(0,1) = 2*3/(4*1) = 1.5, w(0,0) = 2*1/(4*1) = 0.5, w(1,1) = 2*3/(4*2) */
    CHECK_NEAR(w[0], 1.5, 1e-15, 0);
    CHECK_NEAR(w[1], 0.5, 1e-15, 0);
    CHECK_NEAR(w[2], 0.75, 1e-15, 0);
    const int32_t bad_g[] = {0, 0, 2, 1};
    CHECK_EQ_INT(fairc_reweigh_arrays(4, y, NULL, bad_g, 2, w, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "row 3") != NULL);
    const double zero[] = {0, 0, 0, 0};
    CHECK_EQ_INT(fairc_reweigh_arrays(4, y, zero, g, 2, w, &st), FAIRC_EINVAL);
    CHECK(strstr(st.message, "total weight is 0") != NULL);
}

/* fairc train --mitigate reweigh --write-weights: the written weights are SPEC's (computed here
 * independently from the file), and training with them is training with a weight column of
 * the same values. */
TEST(cli_train_reweigh_writes_the_weights_it_trains_with)
{
    char data[600], weights[600], m1[600], m2[600], wdata[600];
    fairc_rng r;
    fairc_rng_seed(&r, 5, "test-cli-reweigh");
    enum { N = 300 };
    char *text = malloc(1 << 16);
    size_t at = (size_t)sprintf(text, "x,s,t,y\n");
    int ys[N], ss[N], ts[N];
    double xs[N];
    for (int i = 0; i < N; i++) {
        ss[i] = i % 2;
        ts[i] = (i / 2) % 3;
        xs[i] = fairc_rng_uniform(&r);
        ys[i] = fairc_rng_uniform(&r) < 0.2 + 0.3 * ss[i] + 0.1 * ts[i];
        at += (size_t)sprintf(text + at, "%.6f,%c,%c,%d\n", xs[i], "FM"[ss[i]], "pqr"[ts[i]], ys[i]);
    }
    test_write_file("rw.csv", text, at, data, sizeof data);
    snprintf(weights, sizeof weights, "%s/rw_weights.csv", test_tmpdir());
    snprintf(m1, sizeof m1, "%s/rw.fairc", test_tmpdir());
    snprintf(m2, sizeof m2, "%s/rw_col.fairc", test_tmpdir());
    char cmd[4096], *err = NULL;
    snprintf(cmd, sizeof cmd, "train %s --label y --sensitive s,t --mitigate reweigh --write-weights %s -o %s", data, weights, m1);
    int rc = test_run_fairc(cmd, NULL, &err);
    CHECK_MSG(rc == 0, "train: %s", err ? err : "");
    free(err);
    char *wt = test_read_file(weights, NULL);
    CHECK(wt && strncmp(wt, "weight\n", 7) == 0);
    if (!wt) {
        free(text);
        return;
    }
    /* independent: cell counts of the intersection (s, t) x y */
    double cell[2][3][2] = {{{0}}}, Wy[2] = {0};
    for (int i = 0; i < N; i++) {
        cell[ss[i]][ts[i]][ys[i]]++;
        Wy[ys[i]]++;
    }
    const char *p = wt + 7;
    at = (size_t)sprintf(text, "x,s,t,y,w\n");
    for (int i = 0; i < N; i++) {
        double Wa = cell[ss[i]][ts[i]][0] + cell[ss[i]][ts[i]][1];
        double want = Wa * Wy[ys[i]] / (N * cell[ss[i]][ts[i]][ys[i]]);
        char *end = NULL;
        double got = strtod(p, &end);
        CHECK_NEAR(got, want, 1e-12, 0);
        p = end + 1;
        at += (size_t)sprintf(text + at, "%.6f,%c,%c,%d,%.17g\n", xs[i], "FM"[ss[i]], "pqr"[ts[i]], ys[i], got);
    }
    free(wt);
    /* the same model from a weight column of those values */
    test_write_file("rw_w.csv", text, at, wdata, sizeof wdata);
    snprintf(cmd, sizeof cmd, "train %s --label y --sensitive s,t --weight w -o %s --quiet", wdata, m2);
    CHECK_EQ_INT(test_run_fairc(cmd, NULL, NULL), 0);
    char *o1 = NULL, *o2 = NULL;
    snprintf(cmd, sizeof cmd, "predict %s %s", m1, data);
    CHECK_EQ_INT(test_run_fairc(cmd, &o1, NULL), 0);
    snprintf(cmd, sizeof cmd, "predict %s %s", m2, data);
    CHECK_EQ_INT(test_run_fairc(cmd, &o2, NULL), 0);
    if (o1 && o2) {
        const char *a = o1, *b = o2;
        size_t rows = 0;
        while ((a = strchr(a, '\n')) && (b = strchr(b, '\n')) && a[1] && b[1]) {
            a++;
            b++;
            CHECK_NEAR(strtod(a, NULL), strtod(b, NULL), 1e-12, 0);
            rows++;
        }
        CHECK_EQ_INT(rows, N);
    }
    free(o1);
    free(o2);
    free(text);
}
