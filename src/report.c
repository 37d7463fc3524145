/* report.c: turns per-group sums into the audit report's values and warnings (SPEC §2.4–2.6) and
 * writes the report as JSON (§3.1) or as a human table (§3.3). Not here: reading rows (audit.c)
 * and the bootstrap (bootstrap.c). */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fairc_warn(fairc_warnings *ws, const char *code, const char *group, const char *metrics,
                const char *fmt, ...)
{
    if (ws->failed) return;
    if (ws->n == ws->cap) {
        size_t cap = ws->cap ? 2 * ws->cap : 8;
        fairc_warning *items = realloc(ws->items, cap * sizeof *items);
        if (!items) {
            ws->failed = 1;
            return;
        }
        ws->items = items;
        ws->cap = cap;
    }
    fairc_warning *w = &ws->items[ws->n];
    memset(w, 0, sizeof *w);
    snprintf(w->code, sizeof w->code, "%s", code);
    fairc_buf msg = {0};
    va_list ap;
    va_start(ap, fmt);
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fairc_buf_puts(&msg, line);
    w->message = msg.p;
    w->group = group ? strdup(group) : NULL;
    w->metrics = metrics ? strdup(metrics) : NULL;
    if (!w->message || (group && !w->group) || (metrics && !w->metrics)) {
        free(w->message);
        free(w->group);
        free(w->metrics);
        ws->failed = 1;
        return;
    }
    ws->n++;
}

static void warnings_free(fairc_warnings *ws)
{
    for (size_t k = 0; k < ws->n; k++) {
        free(ws->items[k].group);
        free(ws->items[k].metrics);
        free(ws->items[k].message);
    }
    free(ws->items);
    memset(ws, 0, sizeof *ws);
}

int fairc_grouping_alloc(fairc_grouping *g, size_t G, size_t n_columns)
{
    g->G = G;
    g->n_columns = n_columns;
    g->columns = calloc(n_columns ? n_columns : 1, sizeof *g->columns);
    g->names = calloc(G ? G : 1, sizeof *g->names);
    size_t n_levels = G * n_columns, n_values = G * FAIRC_N_METRICS;
    g->levels = calloc(n_levels > 0 ? n_levels : 1, sizeof *g->levels);
    g->conf = calloc(G ? G : 1, sizeof *g->conf);
    g->values = calloc(n_values > 0 ? n_values : 1, sizeof *g->values);
    return g->columns && g->names && g->levels && g->conf && g->values ? 0 : -1;
}

static void grouping_free(fairc_grouping *g)
{
    for (size_t k = 0; k < g->G; k++) free(g->names[k]);
    if (g->levels)
        for (size_t k = 0; k < g->G * g->n_columns; k++) free(g->levels[k]);
    free(g->names);
    free(g->levels);
    free(g->columns);
    free(g->cell_group);
    free(g->conf);
    free(g->values);
    free(g->ci_lo);
    free(g->ci_hi);
    free(g->ci_undefined);
    warnings_free(&g->warnings);
}

/* Appends "\"a\",\"b\"" style lists of metric names. */
static void add_metric_name(fairc_buf *b, const char *name)
{
    if (b->len) fairc_buf_puts(b, ",");
    fairc_buf_printf(b, "\"%s\"", name);
}

void fairc_grouping_evaluate(fairc_grouping *g, int has_score, long min_group_size)
{
    memset(&g->overall, 0, sizeof g->overall);
    for (size_t k = 0; k < g->G; k++) fairc_confusion_add(&g->overall, &g->conf[k]);
    fairc_metrics_compute(&g->overall, has_score, g->overall_values);
    for (size_t k = 0; k < g->G; k++) {
        const fairc_confusion *c = &g->conf[k];
        double *v = g->values + k * FAIRC_N_METRICS;
        fairc_metrics_compute(c, has_score, v);
        uint64_t rows = fairc_confusion_rows(c);
        double W = c->w[0] + c->w[1] + c->w[2] + c->w[3];
        if (rows == 0) continue; /* an empty combination listed on request: nulls, no warnings */
        if (W == 0)
            fairc_warn(&g->warnings, "zero_weight_group", g->names[k], NULL,
                       "group %s has total weight 0: its weighted metrics are null", g->names[k]);
        if ((long)rows < min_group_size)
            fairc_warn(&g->warnings, "small_group", g->names[k], NULL,
                       "group %s has only %llu rows (fewer than %ld): its metrics are noisy",
                       g->names[k], (unsigned long long)rows, min_group_size);
        uint64_t pos = c->rows[FAIRC_TP] + c->rows[FAIRC_FN], neg = c->rows[FAIRC_TN] + c->rows[FAIRC_FP];
        if (pos == 0 || neg == 0)
            fairc_warn(&g->warnings, "degenerate_labels", g->names[k], NULL,
                       "group %s has no %s labels", g->names[k], pos == 0 ? "positive" : "negative");
        fairc_buf list = {0}, plain = {0};
        for (int m = 0; m < FAIRC_N_METRICS; m++) {
            if (m == FAIRC_M_MEAN_SCORE && !has_score) continue;
            if (isnan(v[m])) {
                add_metric_name(&list, fairc_metric_names[m]);
                fairc_buf_printf(&plain, "%s%s", plain.len ? ", " : "", fairc_metric_names[m]);
            }
        }
        if (list.len && W > 0)
            fairc_warn(&g->warnings, "undefined_metric", g->names[k], list.p,
                       "group %s: %s undefined (no rows to divide by); reported as null and left "
                       "out of aggregates", g->names[k], plain.p);
        fairc_buf_free(&list);
        fairc_buf_free(&plain);
    }
    fairc_metrics_aggregate(g->values, g->G, g->overall_values, g->agg);
    fairc_metrics_disparities(g->agg, g->disp);
    /* Aggregate-level warnings, once per grouping. */
    size_t defined_sr = 0;
    for (size_t k = 0; k < g->G; k++)
        if (!isnan(g->values[k * FAIRC_N_METRICS + FAIRC_M_SELECTION_RATE])) defined_sr++;
    if (defined_sr == 1)
        fairc_warn(&g->warnings, "single_group", NULL, NULL,
                   "only one group has data: differences are 0 and ratios 1 by definition");
    fairc_buf list = {0};
    for (int m = 0; m < FAIRC_N_METRICS; m++) {
        if (m == FAIRC_M_MEAN_SCORE && !has_score) continue;
        int any = 0;
        for (size_t k = 0; k < g->G && !any; k++) any = !isnan(g->values[k * FAIRC_N_METRICS + m]);
        if (any && (isnan(g->agg[FAIRC_A_RATIO_BETWEEN * FAIRC_N_METRICS + m]) ||
                    isnan(g->agg[FAIRC_A_RATIO_TO_OVERALL * FAIRC_N_METRICS + m])))
            add_metric_name(&list, fairc_metric_names[m]);
    }
    if (list.len)
        fairc_warn(&g->warnings, "ratio_undefined", NULL, list.p,
                   "some ratios are null: a group maximum or the overall value is 0 (or negative)");
    fairc_buf_free(&list);
}

int fairc_report_collect_warnings(struct fairc_audit_report *r)
{
    size_t n = r->warnings.n;
    for (size_t k = 0; k < r->n_groupings; k++) n += r->groupings[k].warnings.n;
    free(r->all_warnings);
    r->all_warnings = calloc(n ? n : 1, sizeof *r->all_warnings);
    if (!r->all_warnings) return -1;
    r->n_all_warnings = 0;
    for (size_t k = 0; k < r->warnings.n; k++)
        r->all_warnings[r->n_all_warnings++] = r->warnings.items[k].message;
    for (size_t j = 0; j < r->n_groupings; j++)
        for (size_t k = 0; k < r->groupings[j].warnings.n; k++)
            r->all_warnings[r->n_all_warnings++] = r->groupings[j].warnings.items[k].message;
    int failed = r->warnings.failed;
    for (size_t k = 0; k < r->n_groupings; k++) failed |= r->groupings[k].warnings.failed;
    return failed ? -1 : 0;
}

FAIRC_API size_t fairc_audit_report_nwarnings(const fairc_audit_report *r)
{
    return r ? r->n_all_warnings : 0;
}

FAIRC_API const char *fairc_audit_report_warning(const fairc_audit_report *r, size_t i)
{
    return r && i < r->n_all_warnings ? r->all_warnings[i] : NULL;
}

static void free_strings(char **s, size_t n)
{
    if (!s) return;
    for (size_t k = 0; k < n; k++) free(s[k]);
    free(s);
}

FAIRC_API void fairc_audit_report_free(fairc_audit_report **rp)
{
    if (!rp || !*rp) return;
    fairc_audit_report *r = *rp;
    free(r->file);
    free(r->label);
    free_strings(r->pos_labels, r->n_pos_labels);
    free(r->pred);
    free(r->score);
    free(r->model);
    free(r->weight);
    free_strings(r->sensitive, r->n_sensitive);
    for (size_t k = 0; k < r->n_groupings; k++) grouping_free(&r->groupings[k]);
    free(r->groupings);
    warnings_free(&r->warnings);
    free(r->all_warnings);
    if (r->trained) free_strings(r->trained->sensitive, r->trained->n_sensitive);
    free(r->trained);
    free(r);
    *rp = NULL;
}

/* ---- a model trained under a fairness constraint ----------------------------------------- */

double fairc_trained_value(const fairc_trained_under *t, const fairc_grouping *g,
                           char *const *report_sensitive, const char **name, int *constrained)
{
    int ratio = t->r != 1;
    /* named disparities (metrics.c order): DP 8/9, equal opportunity 10/11, EO worst 12/14 */
    double v;
    switch (t->constraint) {
    case FAIRC_CONSTRAINT_DP: v = g->disp[ratio ? 9 : 8]; *name = fairc_disparity_names[ratio ? 9 : 8]; break;
    case FAIRC_CONSTRAINT_TPR: v = g->disp[ratio ? 11 : 10]; *name = fairc_disparity_names[ratio ? 11 : 10]; break;
    case FAIRC_CONSTRAINT_EO: v = g->disp[ratio ? 14 : 12]; *name = fairc_disparity_names[ratio ? 14 : 12]; break;
    default: {
        int m = t->constraint == FAIRC_CONSTRAINT_FPR ? FAIRC_M_FPR : FAIRC_M_ERROR_RATE;
        int a = ratio ? FAIRC_A_RATIO_TO_OVERALL : FAIRC_A_DIFF_TO_OVERALL;
        v = g->agg[a * FAIRC_N_METRICS + m];
        *name = t->constraint == FAIRC_CONSTRAINT_FPR
                    ? (ratio ? "fpr_ratio_to_overall" : "fpr_difference_to_overall")
                    : (ratio ? "error_rate_ratio_to_overall" : "error_rate_difference_to_overall");
    }
    }
    /* Was this grouping constrained in training? The intersection of the model's sensitive
     * columns (unless --groups marginal), or one of them alone (unless --groups intersection,
     * which for a single column is the same grouping). */
    int same = 0;
    if (!g->marginal && g->n_columns == t->n_sensitive) {
        same = 1;
        for (size_t c = 0; c < g->n_columns; c++)
            same = same && strcmp(report_sensitive[g->columns[c]], t->sensitive[c]) == 0;
        same = same && (t->groups != FAIRC_GROUPS_MARGINAL || t->n_sensitive == 1);
    } else if (g->n_columns == 1) {
        for (size_t c = 0; c < t->n_sensitive; c++)
            if (strcmp(report_sensitive[g->columns[0]], t->sensitive[c]) == 0)
                same = t->groups != FAIRC_GROUPS_INTERSECTION || t->n_sensitive == 1;
    }
    *constrained = same;
    return v;
}

/* "constrained dp: difference to overall <= 0.01" or "penalty dp (alpha 100, p 2, tol 0)" */
static void trained_bound_text(fairc_buf *b, const fairc_trained_under *t)
{
    const char *c = fairc_constraint_name(t->constraint);
    if (t->mitigate == FAIRC_MITIGATE_PENALTY) {
        fairc_buf_printf(b, "penalty %s (alpha %g, p %g, tol %g%s)", c, t->alpha, t->p_norm,
                         t->tol, t->r != 1 ? ", ratio form" : "");
    } else if (t->r != 1) {
        fairc_buf_printf(b, "constrained %s, ratio to overall >= %g", c, t->r);
        if (t->eps > 0) fairc_buf_printf(b, " (slack %g)", t->eps);
    } else {
        fairc_buf_printf(b, "constrained %s, difference to overall <= %g", c, t->eps);
    }
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void json_str(fairc_buf *b, const char *s)
{
    fairc_buf_add(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            fairc_buf_add(b, e, 2);
        } else if (*p < 0x20) {
            fairc_buf_printf(b, "\\u%04x", *p);
        } else {
            fairc_buf_add(b, p, 1);
        }
    }
    fairc_buf_add(b, "\"", 1);
}

/* 17 significant digits round-trip every double; NaN (null) is never printed as a number. */
static void json_num(fairc_buf *b, double v)
{
    if (!isfinite(v)) fairc_buf_puts(b, "null");
    else if (v == floor(v) && fabs(v) < 9007199254740992.0) fairc_buf_printf(b, "%.0f", v);
    else fairc_buf_printf(b, "%.17g", v);
}

static int metric_shown(int m, int has_score) { return m != FAIRC_M_MEAN_SCORE || has_score; }

static void json_values(fairc_buf *b, const double *v, int has_score)
{
    fairc_buf_puts(b, "{");
    for (int m = 0, first = 1; m < FAIRC_N_METRICS; m++) {
        if (!metric_shown(m, has_score)) continue;
        fairc_buf_printf(b, "%s\"%s\": ", first ? "" : ", ", fairc_metric_names[m]);
        json_num(b, v[m]);
        first = 0;
    }
    fairc_buf_puts(b, "}");
}

static void json_ci(fairc_buf *b, const double *lo, const double *hi, int has_score)
{
    fairc_buf_puts(b, "{");
    for (int m = 0, first = 1; m < FAIRC_N_METRICS; m++) {
        if (!metric_shown(m, has_score)) continue;
        fairc_buf_printf(b, "%s\"%s\": ", first ? "" : ", ", fairc_metric_names[m]);
        if (isnan(lo[m]) || isnan(hi[m])) {
            fairc_buf_puts(b, "null");
        } else {
            fairc_buf_puts(b, "[");
            json_num(b, lo[m]);
            fairc_buf_puts(b, ", ");
            json_num(b, hi[m]);
            fairc_buf_puts(b, "]");
        }
        first = 0;
    }
    fairc_buf_puts(b, "}");
}

static void json_support(fairc_buf *b, const fairc_confusion *c)
{
    fairc_buf_printf(b, "{\"rows\": %llu, \"positives\": %llu, \"negatives\": %llu, \"weight\": ",
                     (unsigned long long)fairc_confusion_rows(c),
                     (unsigned long long)(c->rows[FAIRC_TP] + c->rows[FAIRC_FN]),
                     (unsigned long long)(c->rows[FAIRC_TN] + c->rows[FAIRC_FP]));
    json_num(b, c->w[0] + c->w[1] + c->w[2] + c->w[3]);
    fairc_buf_puts(b, "}");
}

static void json_warnings(fairc_buf *b, const fairc_warnings *ws)
{
    fairc_buf_puts(b, "[");
    for (size_t k = 0; k < ws->n; k++) {
        const fairc_warning *w = &ws->items[k];
        fairc_buf_printf(b, "%s{\"code\": \"%s\"", k ? ", " : "", w->code);
        if (w->group) {
            fairc_buf_puts(b, ", \"group\": ");
            json_str(b, w->group);
        }
        if (w->metrics) fairc_buf_printf(b, ", \"metrics\": [%s]", w->metrics);
        fairc_buf_puts(b, ", \"message\": ");
        json_str(b, w->message);
        fairc_buf_puts(b, "}");
    }
    fairc_buf_puts(b, "]");
}

static void json_str_array(fairc_buf *b, char *const *s, size_t n)
{
    fairc_buf_puts(b, "[");
    for (size_t k = 0; k < n; k++) {
        if (k) fairc_buf_puts(b, ", ");
        json_str(b, s[k]);
    }
    fairc_buf_puts(b, "]");
}

static void json_grouping(fairc_buf *b, const fairc_audit_report *r, const fairc_grouping *g)
{
    int hs = r->has_score;
    fairc_buf_printf(b, "{\"grouping\": \"%s\", \"columns\": [",
                     g->marginal ? "marginal" : "intersection");
    for (size_t c = 0; c < g->n_columns; c++) {
        if (c) fairc_buf_puts(b, ", ");
        json_str(b, r->sensitive[g->columns[c]]);
    }
    fairc_buf_puts(b, "], \"metrics\": [");
    for (int m = 0, first = 1; m < FAIRC_N_METRICS; m++) {
        if (!metric_shown(m, hs)) continue;
        fairc_buf_printf(b, "%s\"%s\"", first ? "" : ", ", fairc_metric_names[m]);
        first = 0;
    }
    fairc_buf_puts(b, "],\n  \"overall\": {\"support\": ");
    json_support(b, &g->overall);
    fairc_buf_puts(b, ", \"metrics\": ");
    json_values(b, g->overall_values, hs);
    size_t ci_overall = g->G * FAIRC_N_METRICS;
    if (g->ci_lo) {
        fairc_buf_puts(b, ", \"ci\": ");
        json_ci(b, g->ci_lo + ci_overall, g->ci_hi + ci_overall, hs);
    }
    fairc_buf_puts(b, "},\n  \"by_group\": [");
    for (size_t k = 0; k < g->G; k++) {
        fairc_buf_puts(b, k ? ",\n    {\"group\": " : "\n    {\"group\": ");
        json_str(b, g->names[k]);
        fairc_buf_puts(b, ", \"levels\": {");
        for (size_t c = 0; c < g->n_columns; c++) {
            if (c) fairc_buf_puts(b, ", ");
            json_str(b, r->sensitive[g->columns[c]]);
            fairc_buf_puts(b, ": ");
            json_str(b, g->levels[k * g->n_columns + c]);
        }
        fairc_buf_puts(b, "}, \"support\": ");
        json_support(b, &g->conf[k]);
        fairc_buf_puts(b, ", \"metrics\": ");
        json_values(b, g->values + k * FAIRC_N_METRICS, hs);
        if (g->ci_lo) {
            fairc_buf_puts(b, ", \"ci\": ");
            json_ci(b, g->ci_lo + k * FAIRC_N_METRICS, g->ci_hi + k * FAIRC_N_METRICS, hs);
        }
        fairc_buf_puts(b, "}");
    }
    fairc_buf_puts(b, "],\n  \"aggregates\": {");
    for (int a = 0; a < FAIRC_N_AGGREGATES; a++) {
        fairc_buf_printf(b, "%s\"%s\": ", a ? ",\n    " : "\n    ", fairc_aggregate_names[a]);
        json_values(b, g->agg + a * FAIRC_N_METRICS, hs);
    }
    fairc_buf_puts(b, "}");
    size_t ci_agg = (g->G + 1) * FAIRC_N_METRICS;
    if (g->ci_lo) {
        fairc_buf_puts(b, ",\n  \"aggregates_ci\": {");
        for (int a = 0; a < FAIRC_N_AGGREGATES; a++) {
            fairc_buf_printf(b, "%s\"%s\": ", a ? ",\n    " : "\n    ", fairc_aggregate_names[a]);
            size_t at = ci_agg + (size_t)a * FAIRC_N_METRICS;
            json_ci(b, g->ci_lo + at, g->ci_hi + at, hs);
        }
        fairc_buf_puts(b, "}");
    }
    fairc_buf_puts(b, ",\n  \"disparities\": {");
    for (int d = 0; d < FAIRC_N_DISPARITIES; d++) {
        fairc_buf_printf(b, "%s\"%s\": ", d ? ",\n    " : "\n    ", fairc_disparity_names[d]);
        json_num(b, g->disp[d]);
    }
    fairc_buf_puts(b, "}");
    if (g->ci_lo) {
        size_t at = ci_agg + FAIRC_N_AGGREGATES * FAIRC_N_METRICS;
        fairc_buf_puts(b, ",\n  \"disparities_ci\": {");
        for (int d = 0; d < FAIRC_N_DISPARITIES; d++) {
            fairc_buf_printf(b, "%s\"%s\": ", d ? ",\n    " : "\n    ", fairc_disparity_names[d]);
            double lo = g->ci_lo[at + (size_t)d], hi = g->ci_hi[at + (size_t)d];
            if (isnan(lo) || isnan(hi)) {
                fairc_buf_puts(b, "null");
            } else {
                fairc_buf_puts(b, "[");
                json_num(b, lo);
                fairc_buf_puts(b, ", ");
                json_num(b, hi);
                fairc_buf_puts(b, "]");
            }
        }
        fairc_buf_puts(b, "}");
        uint64_t undefined = 0;
        for (size_t k = 0; k < FAIRC_CI_VALUES(g->G); k++)
            undefined = g->ci_undefined[k] > undefined ? g->ci_undefined[k] : undefined;
        fairc_buf_printf(b, ",\n  \"ci_undefined_replicates\": %llu", (unsigned long long)undefined);
    }
    if (r->trained) {
        const fairc_trained_under *t = r->trained;
        const char *dn;
        int cons;
        double v = fairc_trained_value(t, g, r->sensitive, &dn, &cons);
        static const char *const groupings[] = {"intersection", "marginal", "both"};
        fairc_buf_printf(b, ",\n  \"trained_under\": {\"mitigate\": \"%s\", \"constraint\": \"%s\", "
                         "\"groups\": \"%s\", \"sensitive\": ",
                         t->mitigate == FAIRC_MITIGATE_PENALTY ? "penalty" : "constrained",
                         fairc_constraint_name(t->constraint), groupings[t->groups]);
        json_str_array(b, t->sensitive, t->n_sensitive);
        fairc_buf_puts(b, ", \"eps\": ");
        json_num(b, t->eps);
        fairc_buf_puts(b, ", \"ratio_bound\": ");
        json_num(b, t->r);
        if (t->mitigate == FAIRC_MITIGATE_PENALTY) {
            fairc_buf_puts(b, ", \"alpha\": ");
            json_num(b, t->alpha);
            fairc_buf_puts(b, ", \"p_norm\": ");
            if (isinf(t->p_norm)) fairc_buf_puts(b, "\"inf\"");
            else json_num(b, t->p_norm);
            fairc_buf_puts(b, ", \"tol\": ");
            json_num(b, t->tol);
        }
        fairc_buf_printf(b, ", \"disparity\": \"%s\", \"value\": ", dn);
        json_num(b, v);
        fairc_buf_printf(b, ", \"constrained_in_training\": %s", cons ? "true" : "false");
        fairc_buf_puts(b, ", \"train_value\": ");
        json_num(b, cons ? t->train_disparity : NAN);
        fairc_buf_puts(b, ", \"met\": ");
        if (!cons || t->mitigate != FAIRC_MITIGATE_CONSTRAINED || isnan(v)) fairc_buf_puts(b, "null");
        else fairc_buf_puts(b, (t->r == 1 ? v <= t->eps : v >= t->r) ? "true" : "false");
        fairc_buf_puts(b, "}");
    }
    fairc_buf_puts(b, ",\n  \"warnings\": ");
    json_warnings(b, &g->warnings);
    fairc_buf_puts(b, "}");
}

FAIRC_API int fairc_audit_report_json(const fairc_audit_report *r, char **json, fairc_status *st)
{
    *json = NULL;
    fairc_buf b = {0};
    fairc_buf_printf(&b, "{\"schema\": \"fairc-audit/1\", \"fairc_version\": \"%s\",\n",
                     FAIRC_VERSION);
    fairc_buf_puts(&b, " \"input\": {\"file\": ");
    json_str(&b, r->file ? r->file : "");
    fairc_buf_printf(&b, ", \"rows_read\": %llu, \"rows_used\": %llu, \"label\": ",
                     (unsigned long long)r->rows_read, (unsigned long long)r->rows_used);
    json_str(&b, r->label ? r->label : "");
    fairc_buf_puts(&b, ", \"positive_labels\": ");
    json_str_array(&b, r->pos_labels, r->n_pos_labels);
    fairc_buf_puts(&b, ",\n  \"prediction\": {");
    if (r->pred) {
        fairc_buf_puts(&b, "\"pred\": ");
        json_str(&b, r->pred);
    } else if (r->score) {
        fairc_buf_puts(&b, "\"score\": ");
        json_str(&b, r->score);
        fairc_buf_puts(&b, ", \"threshold\": ");
        json_num(&b, r->threshold);
    } else if (r->model) {
        fairc_buf_puts(&b, "\"model\": ");
        json_str(&b, r->model);
    }
    fairc_buf_puts(&b, "}, \"weight\": ");
    if (r->weight) json_str(&b, r->weight);
    else fairc_buf_puts(&b, "null");
    fairc_buf_puts(&b, ", \"sensitive\": ");
    json_str_array(&b, r->sensitive, r->n_sensitive);
    static const char *const groups[] = {"intersection", "marginal", "both"};
    fairc_buf_printf(&b, ", \"groups\": \"%s\", \"group_order\": \"%s\", \"min_group_size\": %ld",
                     groups[r->groups], r->group_order ? "appearance" : "sorted",
                     r->min_group_size);
    if (r->bootstrap)
        fairc_buf_printf(&b, ",\n  \"bootstrap\": %zu, \"ci_level\": %.17g, \"ci_method\": \"%s\"",
                         r->bootstrap, r->ci, r->ci_method);
    fairc_buf_printf(&b, ", \"seed\": %llu},\n \"reports\": [", (unsigned long long)r->seed);
    for (size_t k = 0; k < r->n_groupings; k++) {
        fairc_buf_puts(&b, k ? ",\n " : "\n ");
        json_grouping(&b, r, &r->groupings[k]);
    }
    fairc_buf_puts(&b, "],\n \"warnings\": ");
    json_warnings(&b, &r->warnings);
    fairc_buf_puts(&b, "}\n");
    if (b.failed) {
        fairc_buf_free(&b);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory writing the report");
    }
    *json = b.p;
    return FAIRC_OK;
}

/* ---- Human table ----------------------------------------------------------------------- */

static const char *const default_table_metrics = "selection_rate,accuracy,tpr,fpr,precision,f1";

static void cell_num(char *out, size_t n, double v, int digits, int integer)
{
    if (isnan(v)) snprintf(out, n, "n/a");
    else if (integer) snprintf(out, n, "%.0f", v);
    else snprintf(out, n, "%.*f", digits, v);
}

static void table_row(fairc_buf *b, const char *label, size_t label_w, const double *v,
                      const double *lo, const double *hi, const int *cols, size_t n_cols,
                      const size_t *col_w, int digits, int count_is_integer)
{
    fairc_buf_printf(b, "%-*s", (int)label_w, label);
    for (size_t c = 0; c < n_cols; c++) {
        char cell[96], a[40], z[40];
        int m = cols[c], integer = m == FAIRC_M_COUNT && count_is_integer;
        cell_num(cell, sizeof cell, v[m], digits, integer);
        if (lo && !isnan(v[m])) {
            cell_num(a, sizeof a, lo[m], digits, integer);
            cell_num(z, sizeof z, hi[m], digits, integer);
            size_t len = strlen(cell);
            snprintf(cell + len, sizeof cell - len, " [%s, %s]", a, z);
        }
        fairc_buf_printf(b, "  %*s", (int)col_w[c], cell);
    }
    fairc_buf_puts(b, "\n");
}

FAIRC_API int fairc_audit_report_table(const fairc_audit_report *r, const fairc_table_format *fmt,
                                       char **text, fairc_status *st)
{
    *text = NULL;
    int digits = fmt && fmt->digits > 0 && fmt->digits <= 17 ? fmt->digits : 4;
    const char *list = fmt && fmt->metrics ? fmt->metrics : default_table_metrics;
    int cols[FAIRC_N_METRICS + 1];
    size_t n_cols = 0;
    cols[n_cols++] = FAIRC_M_COUNT;
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int found = -1;
        for (int m = 0; m < FAIRC_N_METRICS; m++)
            if (strlen(fairc_metric_names[m]) == len && strncmp(fairc_metric_names[m], p, len) == 0)
                found = m;
        if (found < 0 || (found == FAIRC_M_MEAN_SCORE && !r->has_score))
            return fairc_fail(st, FAIRC_EINVAL, "unknown metric '%.*s' in --metrics (known: count, "
                              "selection_rate, accuracy, error_rate, balanced_accuracy, precision, "
                              "tpr, fpr, tnr, fnr, f1%s)", (int)(len > 64 ? 64 : len), p,
                              r->has_score ? ", mean_score" : "");
        if (found != FAIRC_M_COUNT && n_cols < FAIRC_N_METRICS + 1) cols[n_cols++] = found;
        p += len;
        if (*p == ',') p++;
    }
    fairc_buf b = {0};
    for (size_t gi = 0; gi < r->n_groupings; gi++) {
        const fairc_grouping *g = &r->groupings[gi];
        if (gi) fairc_buf_puts(&b, "\n");
        fairc_buf_printf(&b, "%s: %llu rows", r->file, (unsigned long long)r->rows_used);
        if (r->rows_read != r->rows_used)
            fairc_buf_printf(&b, " (of %llu read)", (unsigned long long)r->rows_read);
        fairc_buf_printf(&b, "; label %s, positive ", r->label);
        for (size_t k = 0; k < r->n_pos_labels; k++)
            fairc_buf_printf(&b, "%s'%s'", k ? " or " : "", r->pos_labels[k]);
        if (r->pred) fairc_buf_printf(&b, "; prediction %s", r->pred);
        else if (r->score) fairc_buf_printf(&b, "; prediction %s > %g", r->score, r->threshold);
        else if (r->model) fairc_buf_printf(&b, "; model %s", r->model);
        if (r->weight) fairc_buf_printf(&b, "; weight %s", r->weight);
        fairc_buf_printf(&b, "\ngroups: %s of ", g->marginal ? "marginal" : "intersection");
        for (size_t c = 0; c < g->n_columns; c++)
            fairc_buf_printf(&b, "%s%s", c ? "," : "", r->sensitive[g->columns[c]]);
        if (r->bootstrap)
            fairc_buf_printf(&b, "; %.0f%% intervals from %zu bootstrap replicates (seed %llu)",
                             100 * r->ci, r->bootstrap, (unsigned long long)r->seed);
        fairc_buf_puts(&b, "\n\n");
        const char *row_labels[] = {"difference (between groups)", "difference (to overall)",
                                    "ratio (between groups)", "ratio (to overall)"};
        static const int row_aggs[] = {FAIRC_A_DIFF_BETWEEN, FAIRC_A_DIFF_TO_OVERALL,
                                       FAIRC_A_RATIO_BETWEEN, FAIRC_A_RATIO_TO_OVERALL};
        size_t label_w = strlen("group");
        for (size_t k = 0; k < g->G; k++)
            if (strlen(g->names[k]) > label_w) label_w = strlen(g->names[k]);
        for (int k = 0; k < 4; k++)
            if (strlen(row_labels[k]) > label_w) label_w = strlen(row_labels[k]);
        size_t col_w[FAIRC_N_METRICS + 1];
        for (size_t c = 0; c < n_cols; c++) {
            col_w[c] = strlen(fairc_metric_names[cols[c]]);
            size_t cell_w = (size_t)digits + 3 + (r->bootstrap ? 2 * ((size_t)digits + 3) + 4 : 0);
            if (cols[c] == FAIRC_M_COUNT) {
                char tmp[32];
                snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)fairc_confusion_rows(&g->overall));
                cell_w = strlen(tmp) * (r->bootstrap ? 3 : 1) + (r->bootstrap ? 4 : 0);
            }
            if (cell_w > col_w[c]) col_w[c] = cell_w;
        }
        fairc_buf_printf(&b, "%-*s", (int)label_w, "group");
        for (size_t c = 0; c < n_cols; c++)
            fairc_buf_printf(&b, "  %*s", (int)col_w[c], fairc_metric_names[cols[c]]);
        fairc_buf_puts(&b, "\n");
        for (size_t k = 0; k < g->G; k++)
            table_row(&b, g->names[k], label_w, g->values + k * FAIRC_N_METRICS,
                      g->ci_lo ? g->ci_lo + k * FAIRC_N_METRICS : NULL,
                      g->ci_hi ? g->ci_hi + k * FAIRC_N_METRICS : NULL, cols, n_cols, col_w,
                      digits, 1);
        size_t at = g->G * FAIRC_N_METRICS;
        table_row(&b, "overall", label_w, g->overall_values, g->ci_lo ? g->ci_lo + at : NULL,
                  g->ci_hi ? g->ci_hi + at : NULL, cols, n_cols, col_w, digits, 1);
        for (int k = 0; k < 4; k++) {
            size_t ca = (g->G + 1 + (size_t)row_aggs[k]) * FAIRC_N_METRICS;
            table_row(&b, row_labels[k], label_w, g->agg + row_aggs[k] * FAIRC_N_METRICS,
                      g->ci_lo ? g->ci_lo + ca : NULL, g->ci_hi ? g->ci_hi + ca : NULL, cols,
                      n_cols, col_w, digits, k < 2);
        }
        fairc_buf_puts(&b, "\n");
        static const struct { const char *name; int between, to; } named[] = {
            {"demographic parity difference", 0, 8}, {"demographic parity ratio", 1, 9},
            {"equal opportunity difference", 2, 10}, {"equal opportunity ratio", 3, 11},
            {"equalized odds difference (worst case)", 4, 12},
            {"equalized odds difference (mean)", 5, 13},
            {"equalized odds ratio (worst case)", 6, 14}, {"equalized odds ratio (mean)", 7, 15}};
        size_t disp_ci = (g->G + 1 + FAIRC_N_AGGREGATES) * FAIRC_N_METRICS;
        for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
            char a[96], z[96];
            const int idx[2] = {named[k].between, named[k].to};
            char *outs[2] = {a, z};
            for (int j = 0; j < 2; j++) {
                double v = g->disp[idx[j]];
                cell_num(outs[j], 40, v, digits, 0);
                if (g->ci_lo && !isnan(v)) {
                    char lo[24], hi[24];
                    cell_num(lo, sizeof lo, g->ci_lo[disp_ci + (size_t)idx[j]], digits, 0);
                    cell_num(hi, sizeof hi, g->ci_hi[disp_ci + (size_t)idx[j]], digits, 0);
                    size_t len = strlen(outs[j]);
                    snprintf(outs[j] + len, 96 - len, " [%s, %s]", lo, hi);
                }
            }
            fairc_buf_printf(&b, "%-40s %s between groups, %s to overall\n", named[k].name, a, z);
        }
        if (r->trained) {
            const fairc_trained_under *t = r->trained;
            const char *dn;
            int cons;
            double v = fairc_trained_value(t, g, r->sensitive, &dn, &cons);
            char here[40];
            cell_num(here, sizeof here, v, digits, 0);
            fairc_buf_puts(&b, "\ntrained under: ");
            trained_bound_text(&b, t);
            fairc_buf_printf(&b, "\n  achieved here: %s %s", dn, here);
            if (cons && !isnan(t->train_disparity))
                fairc_buf_printf(&b, " (training rows: %.*f)", digits, t->train_disparity);
            if (cons && t->mitigate == FAIRC_MITIGATE_CONSTRAINED && !isnan(v))
                fairc_buf_puts(&b, (t->r == 1 ? v <= t->eps : v >= t->r) ? "; bound met"
                                                                           : "; bound NOT met");
            if (!cons) {
                fairc_buf_puts(&b, "; this grouping was not constrained in training (trained on ");
                fairc_buf_puts(&b, t->n_sensitive == 1 ? "the groups of "
                                   : t->groups == FAIRC_GROUPS_MARGINAL ? "the groups of each of "
                                   : t->groups == FAIRC_GROUPS_BOTH ? "the intersection and each of "
                                                                    : "the intersection of ");
                for (size_t c = 0; c < t->n_sensitive; c++)
                    fairc_buf_printf(&b, "%s%s", c ? "," : "", t->sensitive[c]);
                fairc_buf_puts(&b, ")");
            }
            fairc_buf_puts(&b, "\n");
        }
    }
    if (b.failed) {
        fairc_buf_free(&b);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory writing the report");
    }
    *text = b.p;
    return FAIRC_OK;
}
