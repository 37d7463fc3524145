/* test_cli_postprocess.c: `fairc postprocess` and `fairc predict` / `fairc audit --model` on its
 * models, end to end: thresholds on a score column (Fairlearn's rates on the golden Adult
 * predictions) and around a fairc model, the model file, per-row decisions (SPEC §1.7), the
 * unseen-group policies, and each bad input of issue 7 as one line and the documented exit code. */
#include "json.h"
#include "test.h"

#include <stdlib.h>

/* One line on stderr, starting with "fairc". */
static int one_line(const char *err)
{
    if (!err || strncmp(err, "fairc", 5) != 0) return 0;
    const char *nl = strchr(err, '\n');
    return nl && nl[1] == 0;
}

/* Column k (0-based) of every data line of a CSV text, as numbers. */
static size_t column(const char *text, int k, double *v, size_t cap)
{
    size_t n = 0;
    const char *line = strchr(text, '\n');
    while (line && line[1] && n < cap) {
        line++;
        const char *f = line;
        for (int j = 0; j < k && f; j++) {
            f = strchr(f, ',');
            if (f) f++;
        }
        v[n++] = f ? strtod(f, NULL) : NAN;
        line = strchr(line, '\n');
    }
    return n;
}

/* DP on sex over the golden scores: every group's mean probability is Fairlearn's 0.155, and the
 * decisions' rate follows it (hashing, 5,421 women: within 4 sd). */
TEST(cli_postprocess_score_column_gives_fairlearn_rates)
{
    char golden[1024], model[600], out[600];
    if (!test_shared_path("golden/adult_test_predictions.csv", golden, sizeof golden)) SKIP("golden predictions not found");
    test_tmp_path("dp_sex.fairc", model, sizeof model);
    test_tmp_path("dp_sex.csv", out, sizeof out);
    char *err = NULL;
    int rc = test_runf(NULL, &err, "postprocess %s --label y_true --sensitive sex --score score --constraint dp -o %s", golden, model);
    CHECK_MSG(rc == 0 && err && strstr(err, "selection rate 0.1550 in every group"), "postprocess: %s", err ? err : "");
    free(err);
    err = NULL;
    rc = test_runf(NULL, &err, "predict %s %s --keep sex -o %s", model, golden, out);
    CHECK_MSG(rc == 0, "predict: %s", err ? err : "");
    free(err);
    char *text = test_read_file(out, NULL);
    CHECK(text != NULL);
    if (!text) return;
    static double p[20000], d[20000];
    size_t n = column(text, 1, p, 20000);
    column(text, 2, d, 20000);
    CHECK_EQ_INT(n, 16281);
    double sum[2] = {0, 0}, dec[2] = {0, 0}, cnt[2] = {0, 0};
    const char *line = strchr(text, '\n');
    for (size_t i = 0; i < n && line; i++) {
        int male = strncmp(line + 1, "Male", 4) == 0;
        sum[male] += p[i];
        dec[male] += d[i];
        cnt[male]++;
        CHECK(d[i] == 0 || d[i] == 1);
        line = strchr(line + 1, '\n');
    }
    for (int k = 0; k < 2; k++) {
        CHECK_NEAR(sum[k] / cnt[k], 0.155, 1e-9, 0);
        double sd = sqrt(0.155 * 0.845 / cnt[k]);
        CHECK_MSG(fabs(dec[k] / cnt[k] - sum[k] / cnt[k]) <= 4 * sd, "decision rate %g vs %g", dec[k] / cnt[k], sum[k] / cnt[k]);
    }
    free(text);
    /* the same decisions from fairc audit --model (the same per-row hash) */
    char *o1 = NULL;
    rc = test_runf(&o1, NULL, "audit %s --label y_true --sensitive sex --model %s --json", golden, model);
    CHECK_EQ_INT(rc, 0);
    json *j = o1 ? json_parse(o1) : NULL;
    CHECK(j != NULL);
    free(o1);
    json_free(j);
}

/* Equal runs give equal files; inspect shows the rules. */
TEST(cli_postprocess_is_deterministic_and_inspectable)
{
    char golden[1024], m1[600], m2[600];
    if (!test_shared_path("golden/adult_test_predictions.csv", golden, sizeof golden)) SKIP("golden predictions not found");
    test_tmp_path("eo_race1.fairc", m1, sizeof m1);
    test_tmp_path("eo_race2.fairc", m2, sizeof m2);
    /* the same command (the file records it) twice */
    size_t n1 = 0, n2 = 0;
    CHECK_EQ_INT(test_runf(NULL, NULL, "postprocess %s --label y_true --sensitive race --score score --constraint eo -o %s --quiet", golden, m1), 0);
    char *a = test_read_file(m1, &n1);
    CHECK_EQ_INT(test_runf(NULL, NULL, "postprocess %s --label y_true --sensitive race --score score --constraint eo -o %s --quiet", golden, m1), 0);
    char *b = test_read_file(m1, &n2);
    (void)m2;
    CHECK(a && b && n1 == n2 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);
    char *out = NULL;
    CHECK_EQ_INT(test_runf(&out, NULL, "inspect %s --json", m1), 0);
    json *j = out ? json_parse(out) : NULL;
    CHECK(j != NULL);
    CHECK(out && strstr(out, "\"type\": \"threshold\"") && strstr(out, "\"score_column\": \"score\"") &&
          strstr(out, "\"op\": \"1\"") && strstr(out, "fairc-model/1.3"));
    json_free(j);
    free(out);
}

/* A small data set: x (a score-like number), group g in {a, b}, label y. */
static const char *small_data(const char *name, char *buf, size_t n, int with_c)
{
    fairc_rng r;
    fairc_rng_seed(&r, 3, "test-cli-postprocess");
    char *text = malloc(1 << 16);
    size_t at = (size_t)sprintf(text, "id,x,g,y\n");
    for (int i = 0; i < 400; i++) {
        int g = i % 2;
        double x = fairc_rng_uniform(&r) + 0.3 * g;
        int y = fairc_rng_uniform(&r) < 0.2 + 0.5 * x;
        at += (size_t)sprintf(text + at, "p%d,%.6f,%s,%d\n", i, x, with_c && i % 50 == 7 ? "c" : g ? "b" : "a", y);
    }
    const char *path = test_write_file(name, text, at, buf, n);
    free(text);
    return path;
}

/* Around a fairc model: train, postprocess --base, predict, audit --model. */
TEST(cli_postprocess_wraps_a_fairc_model)
{
    char data[600], lr[600], to[600], out[600];
    small_data("small.csv", data, sizeof data, 0);
    test_tmp_path("small_lr.fairc", lr, sizeof lr);
    test_tmp_path("small_to.fairc", to, sizeof to);
    test_tmp_path("small_pred.csv", out, sizeof out);
    char *err = NULL;
    CHECK_EQ_INT(test_runf(NULL, NULL, "train %s --label y --sensitive g --drop id -o %s --quiet", data, lr), 0);
    int rc = test_runf(NULL, &err, "postprocess %s --label y --sensitive g --base %s --constraint eo -o %s", data, lr, to);
    CHECK_MSG(rc == 0 && strstr(err, "FPR") && strstr(err, "in every group"), "%s", err ? err : "");
    free(err);
    err = NULL;
    rc = test_runf(NULL, &err, "predict %s %s -o %s", to, data, out);
    CHECK_MSG(rc == 0, "%s", err ? err : "");
    free(err);
    char *text = test_read_file(out, NULL);
    CHECK(text && strncmp(text, "score,decision\n", 15) == 0);
    free(text);
    char *o = NULL;
    CHECK_EQ_INT(test_runf(&o, NULL, "inspect %s", to), 0);
    CHECK(o && strstr(o, "thresholds on the base model's probability") && strstr(o, "base: model logistic"));
    free(o);
    o = NULL;
    CHECK_EQ_INT(test_runf(&o, NULL, "audit %s --label y --sensitive g --model %s --json", data, to), 0);
    free(o);
}

/* SPEC §1.7: the decision of a row depends on its key, not on its position: the same rows in
 * another order get the same decisions (key: the score and group name; or the id column). */
TEST(cli_predict_decisions_follow_the_row_not_its_position)
{
    char data[600], rev[600], model[600], o1[600], o2[600];
    small_data("order.csv", data, sizeof data, 0);
    char *text = test_read_file(data, NULL);
    if (!text) return;
    /* reversed data lines */
    size_t n = strlen(text);
    char *r = malloc(n + 1);
    const char *body = strchr(text, '\n') + 1;
    size_t at = (size_t)(body - text);
    memcpy(r, text, at);
    const char *end = text + n;
    while (end > body) {
        const char *start = end - 1;
        while (start > body && start[-1] != '\n') start--;
        memcpy(r + at, start, (size_t)(end - start));
        at += (size_t)(end - start);
        end = start;
    }
    test_write_file("order_rev.csv", r, at, rev, sizeof rev);
    free(r);
    free(text);
    test_tmp_path("order.fairc", model, sizeof model);
    test_tmp_path("order1.csv", o1, sizeof o1);
    test_tmp_path("order2.csv", o2, sizeof o2);
    for (int with_id = 0; with_id < 2; with_id++) {
        CHECK_EQ_INT(test_runf(NULL, NULL, "postprocess %s --label y --sensitive g --score x --constraint dp %s -o %s --quiet",
                          data, with_id ? "--id id" : "", model), 0);
        CHECK_EQ_INT(test_runf(NULL, NULL, "predict %s %s --keep id -o %s", model, data, o1), 0);
        CHECK_EQ_INT(test_runf(NULL, NULL, "predict %s %s --keep id -o %s", model, rev, o2), 0);
        char *a = test_read_file(o1, NULL), *b = test_read_file(o2, NULL);
        CHECK(a && b);
        if (!a || !b) return;
        /* line i of a is line 401 - i of b */
        char *la[402], *lb[402], *sa = NULL, *sb = NULL;
        size_t na = 0, nb = 0;
        for (char *l = strtok_r(a, "\n", &sa); l && na < 402; l = strtok_r(NULL, "\n", &sa)) la[na++] = l;
        for (char *l = strtok_r(b, "\n", &sb); l && nb < 402; l = strtok_r(NULL, "\n", &sb)) lb[nb++] = l;
        CHECK(na == 401 && nb == 401);
        size_t mixed = 0;
        for (size_t i = 1; i < na && na == nb; i++) {
            CHECK_STR(la[i], lb[na - i]);
            double p = strtod(strchr(la[i], ',') + 1, NULL);
            mixed += p > 0 && p < 1;
        }
        CHECK(mixed > 0); /* some rows were randomised */
        free(a);
        free(b);
    }
}

/* Library: STREAM draws u in row order from the seeded generator; HASH is the default. Both keep
 * the probabilities; the seed changes decisions only where 0 < p < 1. */
TEST(predict_file_opt_stream_and_seed)
{
    char data[600], model[600], o1[600], o2[600], o3[600];
    small_data("stream.csv", data, sizeof data, 0);
    test_tmp_path("stream.fairc", model, sizeof model);
    CHECK_EQ_INT(test_runf(NULL, NULL, "postprocess %s --label y --sensitive g --score x -o %s --quiet", data, model), 0);
    fairc_predictor *p = NULL;
    fairc_status st = {0};
    CHECK_EQ_INT(fairc_predictor_load(model, &p, &st), FAIRC_OK);
    if (!p) return;
    fairc_predict_options o;
    fairc_predict_options_init(&o);
    CHECK_EQ_INT(fairc_predict_file_opt(p, data, NULL, &o, test_tmp_path("s1.csv", o1, sizeof o1), NULL, &st), FAIRC_OK);
    o.randomize = FAIRC_RANDOMIZE_STREAM;
    CHECK_EQ_INT(fairc_predict_file_opt(p, data, NULL, &o, test_tmp_path("s2.csv", o2, sizeof o2), NULL, &st), FAIRC_OK);
    o.seed = 5;
    CHECK_EQ_INT(fairc_predict_file_opt(p, data, NULL, &o, test_tmp_path("s3.csv", o3, sizeof o3), NULL, &st), FAIRC_OK);
    static double p1[500], p2[500], p3[500], d1[500], d2[500], d3[500];
    char *a = test_read_file(o1, NULL), *b = test_read_file(o2, NULL), *c = test_read_file(o3, NULL);
    if (a && b && c) {
        size_t n = column(a, 0, p1, 500);
        column(b, 0, p2, 500);
        column(c, 0, p3, 500);
        column(a, 1, d1, 500);
        column(b, 1, d2, 500);
        column(c, 1, d3, 500);
        size_t differ = 0;
        for (size_t i = 0; i < n; i++) {
            CHECK(p1[i] == p2[i] && p2[i] == p3[i]);
            if (p1[i] == 0 || p1[i] == 1) CHECK(d1[i] == p1[i] && d2[i] == p1[i] && d3[i] == p1[i]);
            differ += d2[i] != d3[i];
        }
        CHECK(differ > 0);
    }
    free(a);
    free(b);
    free(c);
    fairc_predictor_free(&p);
}

/* Unseen group at prediction: the error names the group and the line; --unseen-group chooses
 * the pooled rule or a constant, recorded in the model. */
TEST(cli_postprocess_unseen_group_error_or_fallback)
{
    char data[600], newer[600], model[600], out[600];
    small_data("seen.csv", data, sizeof data, 0);
    small_data("unseen.csv", newer, sizeof newer, 1); /* rows 7, 57, ... in group c */
    test_tmp_path("seen.fairc", model, sizeof model);
    test_tmp_path("unseen_pred.csv", out, sizeof out);
    CHECK_EQ_INT(test_runf(NULL, NULL, "postprocess %s --label y --sensitive g --score x -o %s --quiet", data, model), 0);
    char *err = NULL;
    CHECK_EQ_INT(test_runf(NULL, &err, "predict %s %s -o %s", model, newer, out), 1);
    CHECK_MSG(one_line(err) && strstr(err, "unseen.csv:9:1: group 'g=c' was not seen"), "%s", err ? err : "");
    free(err);
    const char *policy[] = {"0", "1", "pooled"};
    for (int k = 0; k < 3; k++) {
        CHECK_EQ_INT(test_runf(NULL, NULL, "postprocess %s --label y --sensitive g --score x --unseen-group %s -o %s --quiet",
                          data, policy[k], model), 0);
        err = NULL;
        CHECK_EQ_INT(test_runf(NULL, &err, "predict %s %s --keep g -o %s", model, newer, out), 0);
        free(err);
        char *text = test_read_file(out, NULL);
        CHECK(text != NULL);
        if (!text) continue;
        size_t seen = 0;
        for (char *l = strstr(text, "\nc,"); l; l = strstr(l + 1, "\nc,")) {
            double p = strtod(l + 3, NULL);
            if (k < 2) CHECK_NEAR(p, (double)k, 0, 0);
            else CHECK(p >= 0 && p <= 1);
            seen++;
        }
        CHECK_EQ_INT(seen, 8);
        free(text);
    }
}

/* Each bad input: one line "fairc...", exit 1 for data, 2 for usage. */
TEST(cli_postprocess_bad_input_is_one_clear_line)
{
    char f1[600], f2[600], f3[600], f4[600], model[600];
    test_tmp_path("bad.fairc", model, sizeof model);
    const char *nan_score = "x,g,y\n0.5,a,1\nNaN,a,0\n0.2,b,1\n0.1,b,0\n";
    const char *text_score = "x,g,y\n0.5,a,1\n0.3,a,0\nabc,b,1\n0.1,b,0\n";
    const char *empty_score = "x,g,y\n0.5,a,1\n,a,0\n0.2,b,1\n0.1,b,0\n";
    const char *one_label = "x,g,y\n0.5,a,1\n0.3,a,0\n0.2,b,1\n0.1,b,1\n";
    test_write_file("nan.csv", nan_score, strlen(nan_score), f1, sizeof f1);
    test_write_file("text.csv", text_score, strlen(text_score), f2, sizeof f2);
    test_write_file("empty.csv", empty_score, strlen(empty_score), f3, sizeof f3);
    test_write_file("onelabel.csv", one_label, strlen(one_label), f4, sizeof f4);
    struct {
        const char *file, *extra;
        int code;
        const char *want;
    } cases[] = {
        {f1, "", 1, "nan.csv:3:1: the score is missing (column 'x')"},
        {f2, "", 1, "text.csv:4:1: score 'abc' is not a finite number (column 'x')"},
        {f3, "", 1, "empty.csv:3:1: the score is missing (column 'x')"},
        {f4, "--constraint eo", 1, "group 'g=b' has only positive labels: equalized odds needs both"},
        {f4, "--constraint tpr --tol -0.01", 2, "the tolerance (--tol) must be a finite number >= 0"},
        {f4, "--constraint nope", 2, "--constraint: 'nope' is not dp"},
        {f4, "--constraint eo --objective tpr", 2, "equalized odds takes the objective accuracy or balanced_accuracy"},
        {f4, "--unseen-group maybe", 2, "--unseen-group: 'maybe' is not error, pooled, 0 or 1"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *err = NULL;
        int rc = test_runf(NULL, &err, "postprocess %s --label y --sensitive g --score x %s -o %s", cases[k].file, cases[k].extra, model);
        CHECK_MSG(rc == cases[k].code, "case %zu: exit %d, want %d (%s)", k, rc, cases[k].code, err ? err : "");
        CHECK_MSG(one_line(err) && strstr(err, cases[k].want), "case %zu: '%s', want '%s'", k, err ? err : "", cases[k].want);
        free(err);
    }
    /* score and base together, or neither */
    char *err = NULL;
    CHECK_EQ_INT(test_runf(NULL, &err, "postprocess %s --label y --sensitive g -o %s", f4, model), 2);
    CHECK(one_line(err) && strstr(err, "exactly one of --score COL or --base MODEL"));
    free(err);
}

/* fairc train --mitigate threshold = fairc train, then fairc postprocess --base: the same
 * probabilities on every row. */
TEST(cli_train_mitigate_threshold_is_train_then_postprocess)
{
    char data[600], one[600], lr[600], two[600], o1[600], o2[600];
    small_data("train_thr.csv", data, sizeof data, 0);
    test_tmp_path("thr_one.fairc", one, sizeof one);
    test_tmp_path("thr_lr.fairc", lr, sizeof lr);
    test_tmp_path("thr_two.fairc", two, sizeof two);
    test_tmp_path("thr_one.csv", o1, sizeof o1);
    test_tmp_path("thr_two.csv", o2, sizeof o2);
    char *err = NULL;
    int rc = test_runf(NULL, &err, "train %s --label y --sensitive g --drop id --mitigate threshold --constraint tpr --tol 0.02 -o %s", data, one);
    CHECK_MSG(rc == 0 && err && strstr(err, "TPR spread"), "%s", err ? err : "");
    free(err);
    CHECK_EQ_INT(test_runf(NULL, NULL, "train %s --label y --sensitive g --drop id -o %s --quiet", data, lr), 0);
    CHECK_EQ_INT(test_runf(NULL, NULL, "postprocess %s --label y --sensitive g --base %s --constraint tpr --tol 0.02 -o %s --quiet", data, lr, two), 0);
    CHECK_EQ_INT(test_runf(NULL, NULL, "predict %s %s -o %s", one, data, o1), 0);
    CHECK_EQ_INT(test_runf(NULL, NULL, "predict %s %s -o %s", two, data, o2), 0);
    char *a = test_read_file(o1, NULL), *b = test_read_file(o2, NULL);
    CHECK(a && b && strcmp(a, b) == 0);
    free(a);
    free(b);
    err = NULL;
    CHECK_EQ_INT(test_runf(NULL, &err, "train %s --label y --sensitive g --mitigate threshold --tol -1 -o %s", data, one), 2);
    CHECK(one_line(err) && strstr(err, "tolerance"));
    free(err);
}
