/* metrics.c: the metrics of SPEC §2.2 from weighted confusion sums, their aggregates over groups
 * (§2.4) and the named disparities (§2.5). NaN stands for null throughout; the report turns it
 * into JSON null and a warning. Not here: reading rows (audit.c) and the bootstrap. */
#include "metrics.h"

#include <math.h>
#include <string.h>

const char *const fairc_metric_names[FAIRC_N_METRICS] = {
    "count", "selection_rate", "accuracy", "error_rate", "balanced_accuracy", "precision",
    "tpr", "fpr", "tnr", "fnr", "f1", "mean_score"};

const char *const fairc_aggregate_names[FAIRC_N_AGGREGATES] = {
    "group_min", "group_max", "difference_between_groups", "difference_to_overall",
    "ratio_between_groups", "ratio_to_overall"};

const char *const fairc_disparity_names[FAIRC_N_DISPARITIES] = {
    "demographic_parity_difference_between_groups",
    "demographic_parity_ratio_between_groups",
    "equal_opportunity_difference_between_groups",
    "equal_opportunity_ratio_between_groups",
    "equalized_odds_difference_between_groups_worst_case",
    "equalized_odds_difference_between_groups_mean",
    "equalized_odds_ratio_between_groups_worst_case",
    "equalized_odds_ratio_between_groups_mean",
    "demographic_parity_difference_to_overall",
    "demographic_parity_ratio_to_overall",
    "equal_opportunity_difference_to_overall",
    "equal_opportunity_ratio_to_overall",
    "equalized_odds_difference_to_overall_worst_case",
    "equalized_odds_difference_to_overall_mean",
    "equalized_odds_ratio_to_overall_worst_case",
    "equalized_odds_ratio_to_overall_mean"};

void fairc_confusion_add(fairc_confusion *into, const fairc_confusion *c)
{
    for (int k = 0; k < 4; k++) {
        into->rows[k] += c->rows[k];
        into->w[k] += c->w[k];
        into->ws[k] += c->ws[k];
        into->wss[k] += c->wss[k];
    }
}

uint64_t fairc_confusion_rows(const fairc_confusion *c)
{
    return c->rows[0] + c->rows[1] + c->rows[2] + c->rows[3];
}

static double ratio_or_null(double num, double den) { return den > 0 ? num / den : NAN; }

void fairc_metrics_compute(const fairc_confusion *c, int has_score, double *out)
{
    double tp = c->w[FAIRC_TP], fp = c->w[FAIRC_FP], fn = c->w[FAIRC_FN], tn = c->w[FAIRC_TN];
    double P = tp + fn, N = tn + fp, W = P + N;
    out[FAIRC_M_COUNT] = (double)fairc_confusion_rows(c);
    out[FAIRC_M_SELECTION_RATE] = ratio_or_null(tp + fp, W);
    out[FAIRC_M_ACCURACY] = ratio_or_null(tp + tn, W);
    out[FAIRC_M_ERROR_RATE] = ratio_or_null(fp + fn, W);
    /* tpr = TP / P, not 1 - fnr: the two differ in the last bit, and the golden file uses TP / P. */
    out[FAIRC_M_TPR] = ratio_or_null(tp, P);
    out[FAIRC_M_FNR] = ratio_or_null(fn, P);
    out[FAIRC_M_FPR] = ratio_or_null(fp, N);
    out[FAIRC_M_TNR] = ratio_or_null(tn, N);
    out[FAIRC_M_BALANCED_ACCURACY] = (out[FAIRC_M_TPR] + out[FAIRC_M_TNR]) / 2; /* NaN stays */
    out[FAIRC_M_PRECISION] = ratio_or_null(tp, tp + fp);
    out[FAIRC_M_F1] = ratio_or_null(2 * tp, 2 * tp + fp + fn);
    double ws = c->ws[0] + c->ws[1] + c->ws[2] + c->ws[3];
    out[FAIRC_M_MEAN_SCORE] = has_score ? ratio_or_null(ws, W) : NAN;
}

/* rho(a, b) of SPEC §2.4 for a, b >= 0 with b > 0. */
static double rho(double a, double b)
{
    if (a == 0) return 0;
    return fmin(a / b, b / a);
}

void fairc_metrics_aggregate(const double *by_group, size_t G, const double *overall, double *agg)
{
    for (int m = 0; m < FAIRC_N_METRICS; m++) {
        double lo = INFINITY, hi = -INFINITY, dev = 0, rmin = INFINITY, mo = overall[m];
        size_t defined = 0;
        int negative = 0;
        for (size_t g = 0; g < G; g++) {
            double v = by_group[g * FAIRC_N_METRICS + m];
            if (isnan(v)) continue;
            defined++;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
            if (v < 0) negative = 1;
            if (!isnan(mo)) dev = fmax(dev, fabs(v - mo));
            if (!isnan(mo) && mo > 0 && v >= 0) rmin = fmin(rmin, rho(v, mo));
        }
        double *a = agg;
        if (defined == 0) {
            for (int k = 0; k < FAIRC_N_AGGREGATES; k++) a[k * FAIRC_N_METRICS + m] = NAN;
            continue;
        }
        a[FAIRC_A_GROUP_MIN * FAIRC_N_METRICS + m] = lo;
        a[FAIRC_A_GROUP_MAX * FAIRC_N_METRICS + m] = hi;
        a[FAIRC_A_DIFF_BETWEEN * FAIRC_N_METRICS + m] = hi - lo;
        a[FAIRC_A_DIFF_TO_OVERALL * FAIRC_N_METRICS + m] = isnan(mo) ? NAN : dev;
        /* Ratios need non-negative values (a mean_score with negative scores gets null). */
        int ratio_ok = !negative && !(mo < 0);
        a[FAIRC_A_RATIO_BETWEEN * FAIRC_N_METRICS + m] = ratio_ok && hi > 0 ? lo / hi : NAN;
        a[FAIRC_A_RATIO_TO_OVERALL * FAIRC_N_METRICS + m] =
            ratio_ok && !isnan(mo) && mo > 0 ? rmin : NAN;
    }
}

void fairc_metrics_disparities(const double *agg, double *disp)
{
    static const int diff[2] = {FAIRC_A_DIFF_BETWEEN, FAIRC_A_DIFF_TO_OVERALL};
    static const int ratio[2] = {FAIRC_A_RATIO_BETWEEN, FAIRC_A_RATIO_TO_OVERALL};
    for (int k = 0; k < 2; k++) {
        const double *d = agg + diff[k] * FAIRC_N_METRICS, *r = agg + ratio[k] * FAIRC_N_METRICS;
        double *o = disp + 8 * k;
        o[0] = d[FAIRC_M_SELECTION_RATE];
        o[1] = r[FAIRC_M_SELECTION_RATE];
        o[2] = d[FAIRC_M_TPR];
        o[3] = r[FAIRC_M_TPR];
        /* fmax/fmin would drop a NaN; a null component makes the disparity null. */
        double dt = d[FAIRC_M_TPR], df = d[FAIRC_M_FPR], rt = r[FAIRC_M_TPR], rf = r[FAIRC_M_FPR];
        o[4] = isnan(dt) || isnan(df) ? NAN : (dt > df ? dt : df);
        o[5] = (dt + df) / 2;
        o[6] = isnan(rt) || isnan(rf) ? NAN : (rt < rf ? rt : rf);
        o[7] = (rt + rf) / 2;
    }
}

void fairc_group_acc_flush(fairc_group_acc *a)
{
    for (int k = 0; k < 4; k++) {
        fairc_ksum_merge(&a->w[k], &a->cw[k]);
        fairc_ksum_merge(&a->ws[k], &a->cws[k]);
        fairc_ksum_merge(&a->wss[k], &a->cwss[k]);
        a->cw[k] = a->cws[k] = a->cwss[k] = (fairc_ksum){0, 0};
    }
}

void fairc_group_acc_finish(const fairc_group_acc *a, fairc_confusion *out)
{
    for (int k = 0; k < 4; k++) {
        out->rows[k] = a->rows[k];
        /* As if the current chunk were flushed, without changing a. */
        fairc_ksum w = a->w[k], ws = a->ws[k], wss = a->wss[k];
        fairc_ksum_merge(&w, &a->cw[k]);
        fairc_ksum_merge(&ws, &a->cws[k]);
        fairc_ksum_merge(&wss, &a->cwss[k]);
        out->w[k] = fairc_ksum_value(&w);
        out->ws[k] = fairc_ksum_value(&ws);
        out->wss[k] = fairc_ksum_value(&wss);
    }
}
