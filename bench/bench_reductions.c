/* bench_reductions.c: fairc's ExponentiatedGradient and GridSearch on Adult (SPEC §12.2-12.4),
 * the C half of bench_reductions.py, which times Fairlearn 0.9.0 beside it in the same run.
 *
 * For one configuration (method, constraint, sensitive column, learner) it trains on
 * adult.data R times through the public API (fairc_train_reduction_file), reporting the best
 * in-memory reduction time (fairc_reduction_info.seconds: the EG / GridSearch loop with every
 * learner fit; parsing and encoding excluded, as the anchors' timed regions did) and the best
 * end-to-end time (the whole call, parsing included); then it writes the test split's
 * decisions for seeds 0..4 (per-row hashed, SPEC §1.7) to OUT.seedS.csv with the label and the
 * sensitive column, for the Python side to score with Fairlearn's own metric functions.
 *
 * Usage: bench_reductions --shared DIR --method expgrad|gridsearch --constraint dp|eo
 *                         --sensitive sex|race [--mlp H] [--epochs E] [--grid-size N]
 *                         [--group-order size|sorted|appearance] [--threads T] [--repeat R]
 *                         --out PREFIX
 * Output: one line "key=value ...". */
#include "fairc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    const char *shared = "../shared", *method = "expgrad", *constraint = "dp", *sens = "sex";
    const char *out = NULL, *group_order = "size";
    int threads = 1, repeat = 3;
    size_t mlp = 0, epochs = 20, grid = 20;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--shared")) shared = v;
        else if (!strcmp(k, "--method")) method = v;
        else if (!strcmp(k, "--constraint")) constraint = v;
        else if (!strcmp(k, "--sensitive")) sens = v;
        else if (!strcmp(k, "--out")) out = v;
        else if (!strcmp(k, "--threads")) threads = atoi(v);
        else if (!strcmp(k, "--repeat")) repeat = atoi(v);
        else if (!strcmp(k, "--mlp")) mlp = (size_t)atol(v);
        else if (!strcmp(k, "--epochs")) epochs = (size_t)atol(v);
        else if (!strcmp(k, "--grid-size")) grid = (size_t)atol(v);
        else if (!strcmp(k, "--group-order")) group_order = v;
        else {
            fprintf(stderr, "bench_reductions: unknown option %s\n", k);
            return 2;
        }
    }
    if (!out) {
        fprintf(stderr, "bench_reductions: --out PREFIX is required\n");
        return 2;
    }
    char train[1024], test[1024];
    snprintf(train, sizeof train, "%s/data/adult/adult.data", shared);
    snprintf(test, sizeof test, "%s/data/adult/adult.test", shared);
    const char *pos[] = {">50K"}, *drop[] = {"fnlwgt"}, *sensitive[] = {sens};
    fairc_train_options o;
    fairc_train_options_init(&o);
    o.label = "Y";
    o.pos_labels = pos;
    o.n_pos_labels = 1;
    o.drop = drop;
    o.n_drop = 1;
    o.sensitive = sensitive;
    o.n_sensitive = 1;
    o.threads = threads;
    o.mitigate = !strcmp(method, "gridsearch") ? FAIRC_MITIGATE_GRIDSEARCH : FAIRC_MITIGATE_EXPGRAD;
    o.constraint = !strcmp(constraint, "eo") ? FAIRC_CONSTRAINT_EO : FAIRC_CONSTRAINT_DP;
    o.eps = 0.01;
    if (mlp) {
        o.learner = FAIRC_LEARNER_MLP;
        o.hidden[0] = mlp;
        o.n_hidden = 1;
        o.epochs = epochs;
    }
    fairc_reduction_options r;
    fairc_reduction_options_init(&r);
    r.grid_size = grid;
    r.group_order = !strcmp(group_order, "appearance") ? FAIRC_ORDER_APPEARANCE
                    : !strcmp(group_order, "sorted")   ? FAIRC_ORDER_SORTED
                                                       : FAIRC_ORDER_SIZE;
    fairc_predictor *p = NULL;
    fairc_train_info info;
    fairc_reduction_info ri;
    double best_mem = INFINITY, best_e2e = INFINITY;
    for (int rep = 0; rep < repeat; rep++) {
        fairc_predictor_free(&p);
        fairc_status st = {0};
        double t0 = now_s();
        int rc = fairc_train_reduction_file(train, NULL, &o, &r, &p, &info, &ri, &st);
        double t = now_s() - t0;
        if (rc != FAIRC_OK) {
            fprintf(stderr, "bench_reductions: %s\n", st.message);
            return 1;
        }
        if (ri.seconds < best_mem) best_mem = ri.seconds;
        if (t < best_e2e) best_e2e = t;
    }
    const char *keep[] = {"Y", sens};
    for (int seed = 0; seed < 5; seed++) {
        fairc_predict_options po;
        fairc_predict_options_init(&po);
        po.keep = keep;
        po.n_keep = 2;
        po.seed = (uint64_t)seed;
        char path[1100];
        snprintf(path, sizeof path, "%s.seed%d.csv", out, seed);
        fairc_status st = {0};
        if (fairc_predict_file_opt(p, test, NULL, &po, path, NULL, &st) != FAIRC_OK) {
            fprintf(stderr, "bench_reductions: %s\n", st.message);
            return 1;
        }
    }
    printf("method=%s constraint=%s sensitive=%s learner=%s threads=%d time_s=%.4f e2e_s=%.4f "
           "fit_s=%.4f iterations=%zu oracle_calls=%llu learner_fits=%llu constant=%llu "
           "cached=%llu candidates=%zu members=%zu train_err=%.6f\n",
           method, constraint, sens, mlp ? "mlp" : "logistic", threads, best_mem, best_e2e,
           ri.fit_seconds, ri.iterations, (unsigned long long)ri.oracle_calls,
           (unsigned long long)ri.learner_fits, (unsigned long long)ri.dummy_calls,
           (unsigned long long)ri.cache_hits, ri.candidates, ri.members, ri.err);
    fairc_predictor_free(&p);
    return 0;
}
