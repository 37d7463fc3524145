/* test_cli_audit.c: `fairc audit` and `fairc synth` as a user runs them: exit codes, the exact
 * one-line errors for bad data, atomic output files, vocabularies, group options, determinism. */
#include "json.h"
#include "test.h"

#include <stdlib.h>
#include <sys/stat.h>

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Writes content to tmpdir/name, runs `fairc audit PATH args`, and checks the exit status and
 * that stderr's first line equals want (with PATH standing for the file). */
static void audit_case(const char *name, const char *content, const char *args, int want_exit,
                       const char *want_err)
{
    char path[512], cmd[2048], want[1024];
    test_write_file(name, content, strlen(content), path, sizeof path);
    snprintf(cmd, sizeof cmd, "audit %s %s", path, args);
    char *out = NULL, *err = NULL;
    int rc = test_run_fairc(cmd, &out, &err);
    CHECK_MSG(rc == want_exit, "%s: exit %d, expected %d (stderr: %s)", name, rc, want_exit, err ? err : "");
    if (want_err) {
        const char *at = strstr(want_err, "PATH");
        if (at) snprintf(want, sizeof want, "%.*s%s%s", (int)(at - want_err), want_err, path, at + 4);
        else snprintf(want, sizeof want, "%s", want_err);
        char *nl = err ? strchr(err, '\n') : NULL;
        if (nl) *nl = 0;
        CHECK_MSG(err && strcmp(err, want) == 0, "%s: stderr\n  got  '%s'\n  want '%s'", name,
                  err ? err : "(none)", want);
    }
    free(out);
    free(err);
}

TEST(cli_audit_errors_are_one_line_with_position_and_exit_status)
{
    const char *base = "--label y --pred p --sensitive g";
    audit_case("e1.csv", "y,p,g\n1,0,a\n2,1,b\n", base, 1,
               "fairc: PATH:3:1: label '2' is not 0/1, -1/1 or false/true: name the positive value with --pos-label");
    audit_case("e2.csv", "y,p,g\ngood,1,a\nbad,0,b\n", base, 1,
               "fairc: PATH:2:1: label 'good' is not 0/1, -1/1 or false/true: name the positive value with --pos-label");
    audit_case("e3.csv", "y,p,g\n0,1,a\n-1,0,b\n", base, 1,
               "fairc: PATH:3:1: label '-1' mixes vocabularies (values seen: 0 -1 ): name the positive value with --pos-label");
    audit_case("e4.csv", "y,p,g\n1,yes,a\n", base, 1,
               "fairc: PATH:2:2: prediction 'yes' is not 0/1, -1/1 or false/true: name the positive value with --pos-label");
    audit_case("e5.csv", "y,p,g\n1,,a\n", base, 1, "fairc: PATH:2:2: the prediction is missing");
    audit_case("e6.csv", "y,p,g\n1,0,a\n?,1,b\n", base, 1,
               "fairc: PATH:3:1: the label is missing (--drop-missing-label drops such rows)");
    audit_case("e7.csv", "y,s,g\n1,0.3,a\n0,1.5,b\n", "--label y --score s --sensitive g", 1,
               "fairc: PATH:3:2: score 1.5 is outside [0, 1]: give --threshold");
    audit_case("e8.csv", "y,s,g\n1,0.3,a\n0,abc,b\n", "--label y --score s --sensitive g", 1,
               "fairc: PATH:3:2: score 'abc' is not a finite number (column 's')");
    audit_case("e9.csv", "y,p,g,w\n1,0,a,1\n0,1,b,-2\n", "--label y --pred p --sensitive g --weight w", 1,
               "fairc: PATH:3:4: weight -2 is negative");
    audit_case("e10.csv", "y,p,g,w\n1,0,a,1e999\n", "--label y --pred p --sensitive g --weight w", 1,
               "fairc: PATH:2:4: weight '1e999' is not a finite number (column 'w')");
    audit_case("e11.csv", "y,p,g,w\n1,0,a,0\n0,1,b,0\n", "--label y --pred p --sensitive g --weight w", 1,
               "fairc: PATH: the weights sum to 0");
    audit_case("e12.csv", "y,p,g\n1,0,a\n", "--label y --pred p --sensitive sex", 1,
               "fairc: PATH: no sensitive column named 'sex' (columns: y, p, g)");
    audit_case("e13.csv", "y,p,g\n", base, 1, "fairc: PATH: no rows to audit (the file has a header only)");
    audit_case("e14.csv", "y,p,g\n<=50K,1,a\n<=50K,0,b\n", "--label y --pred p --sensitive g --pos-label '>50K'", 1,
               "fairc: PATH: no label equals the positive label given (values seen: '<=50K')");
    audit_case("e15.csv", "y,p,g\n1,0,a\n", "--label y --pred p", 2,
               "fairc audit: at least one sensitive column is required (--sensitive)");
    audit_case("e16.csv", "y,p,g\n1,0,a\n", "--label y --pred p --score p --sensitive g", 2,
               "fairc audit: give exactly one of a prediction column (--pred), a score column (--score) or a model (--model)");
    audit_case("e17.csv", "y,p,g\n1,0,a\n", "--label y --pred p --sensitive g --frobnicate", 2,
               "fairc audit: unknown option '--frobnicate'");
    audit_case("e18.csv", "y,p,g\n1,0,a\n", "--label y --pred p --sensitive g --bootstrap -3", 2,
               "fairc: --bootstrap: '-3' is not a non-negative integer");
    audit_case("e19.csv", "y,p,g\n1,0,\n", "--label y --pred p --sensitive g --sensitive-missing error", 1,
               "fairc: PATH:2:3: sensitive column 'g' is missing here (--sensitive-missing error)");
    audit_case("e20.csv", "y,p,g\n1,0,a\n1,0\n", base, 1, NULL); /* ragged: the reader's message */
    audit_case("e21.csv", "y,p,g\n1,0,a\n", "--label y --pred p --sensitive g --groups all", 2,
               "fairc audit: --groups: 'all' is not one of intersection marginal both");
    audit_case("e22.csv", "y,s,g\n1,0.3,a\n", "--label y --pred s --threshold 0.2 --sensitive g", 2,
               "fairc audit: --threshold applies to --score only");
    char missing[600];
    snprintf(missing, sizeof missing, "audit %s/does-not-exist.csv --label y --pred p --sensitive g", test_tmpdir());
    char *err = NULL;
    CHECK_EQ_INT(test_run_fairc(missing, NULL, &err), 1);
    CHECK(err && strncmp(err, "fairc: ", 7) == 0 && strstr(err, "does-not-exist.csv") && strstr(err, "No such file"));
    free(err);
}

TEST(cli_audit_output_file_is_atomic)
{
    char path[512], out[600], cmd[2048];
    const char *ok = "y,p,g\n1,1,a\n0,0,b\n1,0,a\n";
    test_write_file("atomic.csv", ok, strlen(ok), path, sizeof path);
    snprintf(out, sizeof out, "%s/report.json", test_tmpdir());
    snprintf(cmd, sizeof cmd, "audit %s --label y --pred p --sensitive g --json -o %s", path, out);
    CHECK_EQ_INT(test_run_fairc(cmd, NULL, NULL), 0);
    char *first = test_read_file(out, NULL);
    json *parsed = first ? json_parse(first) : NULL;
    CHECK(parsed != NULL);
    json_free(parsed);
    /* A failing run leaves the earlier output as it was, and no temporary file. */
    const char *bad = "y,p,g\n1,1,a\n0,7,b\n";
    test_write_file("atomic-bad.csv", bad, strlen(bad), path, sizeof path);
    snprintf(cmd, sizeof cmd, "audit %s --label y --pred p --sensitive g --json -o %s", path, out);
    CHECK_EQ_INT(test_run_fairc(cmd, NULL, NULL), 1);
    char *second = test_read_file(out, NULL);
    CHECK(first && second && strcmp(first, second) == 0);
    snprintf(cmd, sizeof cmd, "ls %s | grep -c tmp > /dev/null", test_tmpdir());
    CHECK(system(cmd) != 0); /* grep found no temporary file */
    free(first);
    free(second);
}

static json *run_json(const char *content, const char *args)
{
    char path[512], cmd[2048];
    test_write_file("case.csv", content, strlen(content), path, sizeof path);
    snprintf(cmd, sizeof cmd, "audit %s %s --json", path, args);
    char *out = NULL, *err = NULL;
    int rc = test_run_fairc(cmd, &out, &err);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err ? err : "");
    json *j = out ? json_parse(out) : NULL;
    CHECK(j != NULL);
    free(out);
    free(err);
    return j;
}

static const char *group_name(const json *j, size_t report, size_t k)
{
    const json *reps = json_get(j, "reports");
    if (!reps || report >= reps->n) return "(no report)";
    const json *bg = json_get(&reps->items[report], "by_group");
    if (!bg || k >= bg->n) return "(no group)";
    return json_get(&bg->items[k], "group")->string;
}

TEST(cli_audit_sorts_levels_numerically_and_escapes_names)
{
    json *j = run_json("y,p,age,name\n1,1,10,\"a,b\"\n0,1,9,x=y\n1,0,2,\"a,b\"\n0,0,10,x=y\n",
                       "--label y --pred p --sensitive age,name");
    CHECK_STR(group_name(j, 0, 0), "age=2,name=a\\,b");
    CHECK_STR(group_name(j, 0, 1), "age=9,name=x\\=y");
    CHECK_STR(group_name(j, 0, 2), "age=10,name=a\\,b");
    CHECK_STR(group_name(j, 0, 3), "age=10,name=x\\=y");
    json_free(j);
    j = run_json("y,p,age\n1,1,10\n0,1,9\n1,0,2\n", "--label y --pred p --sensitive age --group-order appearance");
    CHECK_STR(group_name(j, 0, 0), "age=10");
    CHECK_STR(group_name(j, 0, 2), "age=2");
    json_free(j);
}

TEST(cli_audit_marginal_both_and_all_combinations)
{
    const char *data = "y,p,a,b\n1,1,x,u\n0,1,x,v\n1,0,y,u\n0,0,x,u\n";
    json *j = run_json(data, "--label y --pred p --sensitive a,b --groups both --all-combinations");
    const json *reps = json_get(j, "reports");
    CHECK(reps && reps->n == 3);
    CHECK_STR(group_name(j, 0, 3), "a=y,b=v"); /* empty intersection listed */
    const json *empty = &json_get(&reps->items[0], "by_group")->items[3];
    CHECK_EQ_INT(json_path(empty, "metrics.count")->number, 0);
    CHECK(json_path(empty, "metrics.selection_rate")->type == JSON_NULL);
    CHECK_STR(group_name(j, 1, 0), "a=x");
    CHECK_STR(group_name(j, 2, 1), "b=v");
    const json *ax = &json_get(&reps->items[1], "by_group")->items[0];
    CHECK_EQ_INT(json_path(ax, "metrics.count")->number, 3);
    CHECK_NEAR(json_path(ax, "metrics.selection_rate")->number, 2.0 / 3, 1e-15, 0);
    json_free(j);
}

TEST(cli_audit_missing_sensitive_is_its_own_group_with_a_warning)
{
    const char *data = "y,p,g\n1,1,a\n0,1,?\n1,0,a\n0,0,\n";
    json *j = run_json(data, "--label y --pred p --sensitive g");
    CHECK_STR(group_name(j, 0, 1), "g=?");
    const json *w = json_get(j, "warnings");
    CHECK(w && w->n >= 1 && strcmp(json_get(&w->items[0], "code")->string, "missing_sensitive") == 0);
    json_free(j);
    j = run_json(data, "--label y --pred p --sensitive g --sensitive-missing drop");
    CHECK_EQ_INT(json_path(j, "input.rows_used")->number, 2);
    json_free(j);
}

TEST(cli_audit_undefined_metric_is_null_with_a_warning_not_zero)
{
    /* group b has no positive labels: tpr, fnr, balanced accuracy are undefined. */
    json *j = run_json("y,p,g\n1,1,a\n0,1,a\n0,0,b\n0,1,b\n", "--label y --pred p --sensitive g --min-group-size 0");
    const json *b = &json_get(&json_get(j, "reports")->items[0], "by_group")->items[1];
    CHECK(json_path(b, "metrics.tpr")->type == JSON_NULL);
    CHECK(json_path(b, "metrics.balanced_accuracy")->type == JSON_NULL);
    CHECK_NEAR(json_path(b, "metrics.fpr")->number, 0.5, 0, 0);
    const json *agg = json_path(&json_get(j, "reports")->items[0], "aggregates.group_min");
    CHECK_NEAR(json_get(agg, "tpr")->number, 1.0, 0, 0); /* b left out, not a 0 */
    const json *ws = json_get(&json_get(j, "reports")->items[0], "warnings");
    int found = 0;
    for (size_t k = 0; ws && k < ws->n; k++)
        if (!strcmp(json_get(&ws->items[k], "code")->string, "undefined_metric") &&
            !strcmp(json_get(&ws->items[k], "group")->string, "g=b"))
            found = 1;
    CHECK(found);
    json_free(j);
}

TEST(cli_audit_pos_labels_several_spellings_and_scores_with_threshold)
{
    json *j = run_json("Y,s,g\n>50K,0.9,a\n>50K.,0.2,a\n<=50K,0.7,b\n<=50K.,0.1,b\n",
                       "--label Y --pos-label '>50K' --pos-label '>50K.' --score s --threshold 0.5 --sensitive g");
    const json *a = &json_get(&json_get(j, "reports")->items[0], "by_group")->items[0];
    CHECK_EQ_INT(json_path(a, "support.positives")->number, 2);
    CHECK_NEAR(json_path(a, "metrics.tpr")->number, 0.5, 0, 0);
    CHECK_NEAR(json_path(a, "metrics.mean_score")->number, 0.55, 1e-15, 0);
    json_free(j);
    /* Scores outside [0, 1] work once a threshold is given; the decision is strict. */
    j = run_json("y,s,g\n1,2.5,a\n0,-1,a\n1,0,b\n", "--label y --score s --threshold 0 --sensitive g");
    const json *b = &json_get(&json_get(j, "reports")->items[0], "by_group")->items[1];
    CHECK_NEAR(json_path(b, "metrics.selection_rate")->number, 0, 0, 0);
    json_free(j);
    /* true/false and -1/1 vocabularies */
    j = run_json("y,p,g\nTrue,false,a\nfalse,TRUE,a\n", "--label y --pred p --sensitive g");
    CHECK_NEAR(json_path(&json_get(j, "reports")->items[0], "overall.metrics.accuracy")->number, 0, 0, 0);
    json_free(j);
    j = run_json("y,p,g\n1,-1,a\n-1,1.0,a\n1,1,a\n", "--label y --pred p --sensitive g");
    CHECK_NEAR(json_path(&json_get(j, "reports")->items[0], "overall.metrics.tpr")->number, 0.5, 0, 0);
    json_free(j);
}

TEST(cli_audit_reads_adult_test_with_trailing_dot_labels)
{
    char p[1024];
    if (!test_shared_path("data/adult/adult.test", p, sizeof p)) SKIP("adult.test not found");
    char cmd[2048], *out = NULL, *err = NULL;
    /* No prediction column in adult.test: audit the label against itself (accuracy must be 1). */
    snprintf(cmd, sizeof cmd, "audit %s --label Y --pos-label '>50K.' --pred Y --sensitive sex --json", p);
    int rc = test_run_fairc(cmd, &out, &err);
    CHECK_MSG(rc == 0, "%s", err ? err : "");
    json *j = out ? json_parse(out) : NULL;
    const json *o = j ? json_path(&json_get(j, "reports")->items[0], "overall") : NULL;
    CHECK(o && json_path(o, "support.rows")->number == 16281);
    CHECK(o && json_path(o, "support.positives")->number == 3846);
    CHECK(o && json_path(o, "metrics.accuracy")->number == 1);
    json_free(j);
    free(out);
    free(err);
}

TEST(cli_audit_reads_german_credit_arff)
{
    char p[1024];
    if (!test_shared_path("data/german-credit/credit-g.arff", p, sizeof p)) SKIP("credit-g.arff not found");
    char cmd[2048], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "audit %s --label class --pos-label good --pred class --sensitive foreign_worker --json", p);
    int rc = test_run_fairc(cmd, &out, &err);
    CHECK_MSG(rc == 0, "%s", err ? err : "");
    json *j = out ? json_parse(out) : NULL;
    const json *o = j ? json_path(&json_get(j, "reports")->items[0], "overall.support") : NULL;
    CHECK(o && json_get(o, "rows")->number == 1000 && json_get(o, "positives")->number == 700);
    json_free(j);
    free(out);
    free(err);
}

TEST(cli_synth_is_deterministic_and_audits_with_bias)
{
    char a[600], b[600], c[600], cmd[2048];
    snprintf(a, sizeof a, "%s/s1.csv", test_tmpdir());
    snprintf(b, sizeof b, "%s/s2.csv", test_tmpdir());
    snprintf(c, sizeof c, "%s/s3.csv", test_tmpdir());
    snprintf(cmd, sizeof cmd, "synth --rows 20000 --groups 4 --seed 1 -o %s", a);
    CHECK_EQ_INT(test_run_fairc(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "synth --rows 20000 --groups 4 --seed 1 -o %s", b);
    CHECK_EQ_INT(test_run_fairc(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "synth --rows 20000 --groups 4 --seed 2 -o %s", c);
    CHECK_EQ_INT(test_run_fairc(cmd, NULL, NULL), 0);
    size_t na, nb, nc;
    char *ta = test_read_file(a, &na), *tb = test_read_file(b, &nb), *tc = test_read_file(c, &nc);
    CHECK(ta && tb && na == nb && memcmp(ta, tb, na) == 0);
    CHECK(ta && tc && (na != nc || memcmp(ta, tc, na) != 0));
    free(ta);
    free(tb);
    free(tc);
    char *out = NULL;
    snprintf(cmd, sizeof cmd, "audit %s --label y --pred yhat --sensitive group --weight weight --json", a);
    CHECK_EQ_INT(test_run_fairc(cmd, &out, NULL), 0);
    json *j = out ? json_parse(out) : NULL;
    const json *r = j ? &json_get(j, "reports")->items[0] : NULL;
    CHECK(r && json_get(r, "by_group")->n == 4);
    double dpd = r ? json_path(r, "disparities.demographic_parity_difference_between_groups")->number : 0;
    CHECK_MSG(dpd > 0.2, "synthetic data should be biased: DP difference %g", dpd);
    json_free(j);
    free(out);
    snprintf(cmd, sizeof cmd, "synth --rows 0 -o %s/never.csv", test_tmpdir());
    CHECK_EQ_INT(test_run_fairc(cmd, NULL, NULL), 2);
    snprintf(cmd, sizeof cmd, "%s/never.csv", test_tmpdir());
    CHECK(!file_exists(cmd));
}

TEST(cli_audit_bootstrap_gives_intervals_around_the_estimate)
{
    json *j = NULL;
    char a[600], cmd[2048], *out = NULL;
    snprintf(a, sizeof a, "%s/boot.csv", test_tmpdir());
    snprintf(cmd, sizeof cmd, "synth --rows 5000 --groups 3 --seed 4 -o %s", a);
    CHECK_EQ_INT(test_run_fairc(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "audit %s --label y --pred yhat --sensitive group --bootstrap 200 --seed 7 --json", a);
    CHECK_EQ_INT(test_run_fairc(cmd, &out, NULL), 0);
    j = out ? json_parse(out) : NULL;
    const json *r = j ? &json_get(j, "reports")->items[0] : NULL;
    const json *ci = r ? json_path(r, "overall.ci.selection_rate") : NULL;
    double est = r ? json_path(r, "overall.metrics.selection_rate")->number : -1;
    CHECK(ci && ci->n == 2 && ci->items[0].number < est && est < ci->items[1].number);
    const json *d = r ? json_path(r, "disparities_ci.demographic_parity_difference_between_groups") : NULL;
    CHECK(d && d->n == 2 && d->items[0].number < d->items[1].number);
    CHECK(j && strcmp(json_path(j, "input.ci_method")->string, "multinomial") == 0);
    json_free(j);
    free(out);
}
