/* bootstrap.c: percentile confidence intervals (SPEC §2.7) from per-cell sums, without passes over
 * the rows. Unweighted data without scores: a replicate's cell counts are one multinomial draw
 * (n rows over the cells, or n_g rows within each group when stratified), which is exactly the row
 * bootstrap. Weighted data, or a score column (whose sums counts cannot give): Poisson(1) row multiplicities accumulated in the single pass
 * (audit.c calls fairc_bootstrap_poisson_row), the Poisson bootstrap. Every replicate then goes
 * through the same metric code as the point estimates. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Replicate values kept in memory: B x values per grouping. */
#define MAX_REPLICATE_VALUES (64u * 1024 * 1024)
/* Poisson accumulators: groups x B. */
#define MAX_POISSON_CELLS (1u * 1024 * 1024)

int fairc_bootstrap_check_size(size_t B, size_t n_cells, size_t total_groups, fairc_status *st)
{
    if ((double)B * (double)FAIRC_CI_VALUES(total_groups) > MAX_REPLICATE_VALUES)
        return fairc_fail(st, FAIRC_ELIMIT,
                          "--bootstrap %zu with %zu groups needs more than %u replicate values: "
                          "use fewer replicates", B, total_groups, MAX_REPLICATE_VALUES);
    if ((double)B * (double)n_cells > MAX_POISSON_CELLS)
        return fairc_fail(st, FAIRC_ELIMIT,
                          "--bootstrap %zu with %zu groups needs more than %u accumulators: use "
                          "fewer replicates", B, n_cells, MAX_POISSON_CELLS);
    return FAIRC_OK;
}

void fairc_bootstrap_poisson_row(fairc_rng *rng, fairc_confusion *rep_cell, size_t B, int cell,
                                 double w, double s)
{
    for (size_t b = 0; b < B; b++) {
        uint64_t m = fairc_rng_poisson1(rng);
        if (!m) continue;
        double mw = (double)m * w;
        fairc_confusion *c = &rep_cell[b];
        c->rows[cell] += m;
        c->w[cell] += mw;
        if (s == s) {
            c->ws[cell] += mw * s;
            c->wss[cell] += mw * s * s;
        }
    }
}

/* Draws Multinomial(n, counts / total) over k cells into out, by sequential binomials. */
static void multinomial(fairc_rng *rng, uint64_t n, const uint64_t *counts, size_t k, uint64_t *out)
{
    uint64_t left_rows = n, left_mass = 0;
    for (size_t j = 0; j < k; j++) left_mass += counts[j];
    for (size_t j = 0; j < k; j++) {
        if (left_mass == 0 || left_rows == 0) {
            out[j] = 0;
            continue;
        }
        uint64_t draw = counts[j] >= left_mass ? left_rows
                        : fairc_rng_binomial(rng, left_rows, (double)counts[j] / (double)left_mass);
        out[j] = draw;
        left_rows -= draw;
        left_mass -= counts[j];
    }
}

/* Evaluates one replicate for every grouping and stores its values in row b of vals[k]. */
static int evaluate_replicate(struct fairc_audit_report *r, const fairc_confusion *cells,
                              size_t n_cells, double *const *vals, size_t b,
                              fairc_confusion *scratch, double *values)
{
    for (size_t k = 0; k < r->n_groupings; k++) {
        const fairc_grouping *g = &r->groupings[k];
        size_t nv = FAIRC_CI_VALUES(g->G);
        memset(scratch, 0, g->G * sizeof *scratch);
        for (size_t c = 0; c < n_cells; c++) fairc_confusion_add(&scratch[g->cell_group[c]], &cells[c]);
        fairc_confusion overall;
        memset(&overall, 0, sizeof overall);
        for (size_t j = 0; j < g->G; j++) fairc_confusion_add(&overall, &scratch[j]);
        for (size_t j = 0; j < g->G; j++)
            fairc_metrics_compute(&scratch[j], r->has_score, values + j * FAIRC_N_METRICS);
        double *ov = values + g->G * FAIRC_N_METRICS;
        fairc_metrics_compute(&overall, r->has_score, ov);
        double *agg = ov + FAIRC_N_METRICS;
        fairc_metrics_aggregate(values, g->G, ov, agg);
        fairc_metrics_disparities(agg, agg + FAIRC_N_AGGREGATES * FAIRC_N_METRICS);
        memcpy(vals[k] + b * nv, values, nv * sizeof *values);
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* NumPy's default quantile: linear interpolation between order statistics. */
static double quantile_sorted(const double *x, size_t m, double q)
{
    double h = (double)(m - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= m) return x[m - 1];
    return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}

int fairc_bootstrap_run(struct fairc_audit_report *r, const fairc_confusion *cells,
                        size_t n_cells, const fairc_confusion *rep, int stratified,
                        fairc_status *st)
{
    size_t B = r->bootstrap, total_groups = 0, max_G = 0;
    for (size_t k = 0; k < r->n_groupings; k++) {
        total_groups += r->groupings[k].G;
        if (r->groupings[k].G > max_G) max_G = r->groupings[k].G;
    }
    int rc = fairc_bootstrap_check_size(B, rep ? n_cells : 0, total_groups, st);
    if (rc != FAIRC_OK) return rc;
    r->ci_method = rep ? (stratified ? "poisson-stratified" : "poisson")
                       : (stratified ? "multinomial-stratified" : "multinomial");
    double **vals = calloc(r->n_groupings, sizeof *vals);
    fairc_confusion *draw = calloc(n_cells ? n_cells : 1, sizeof *draw);
    fairc_confusion *scratch = calloc(max_G ? max_G : 1, sizeof *scratch);
    double *values = malloc(FAIRC_CI_VALUES(max_G) * sizeof *values);
    size_t n_counts = 4 * n_cells + 1;
    uint64_t *counts = malloc(n_counts * sizeof *counts);
    uint64_t *drawn = malloc(n_counts * sizeof *drawn);
    int ok = vals && draw && scratch && values && counts && drawn;
    for (size_t k = 0; ok && k < r->n_groupings; k++)
        ok = (vals[k] = malloc(B * FAIRC_CI_VALUES(r->groupings[k].G) * sizeof **vals)) != NULL;
    if (!ok) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory for the bootstrap");
        goto done;
    }
    fairc_rng rng;
    fairc_rng_seed(&rng, r->seed, "bootstrap/multinomial");
    uint64_t n_rows = 0;
    for (size_t c = 0; c < n_cells; c++)
        for (int j = 0; j < 4; j++) {
            counts[4 * c + (size_t)j] = cells[c].rows[j];
            n_rows += cells[c].rows[j];
        }
    for (size_t b = 0; b < B; b++) {
        if (rep) {
            for (size_t c = 0; c < n_cells; c++) {
                draw[c] = rep[c * B + b];
                if (stratified) {
                    /* Poisson multiplicities do not keep a group's size: rescale each group's
                     * replicate to its observed row count. */
                    uint64_t got = fairc_confusion_rows(&draw[c]), want = fairc_confusion_rows(&cells[c]);
                    double f = got ? (double)want / (double)got : 0;
                    for (int j = 0; j < 4; j++) {
                        draw[c].w[j] *= f;
                        draw[c].ws[j] *= f;
                        draw[c].wss[j] *= f;
                    }
                }
            }
        } else {
            if (stratified)
                for (size_t c = 0; c < n_cells; c++)
                    multinomial(&rng, fairc_confusion_rows(&cells[c]), counts + 4 * c, 4, drawn + 4 * c);
            else
                multinomial(&rng, n_rows, counts, 4 * n_cells, drawn);
            /* Unit weights and no scores (else the Poisson path runs): counts are the sums. */
            memset(draw, 0, n_cells * sizeof *draw);
            for (size_t c = 0; c < n_cells; c++)
                for (int j = 0; j < 4; j++) {
                    draw[c].rows[j] = drawn[4 * c + (size_t)j];
                    draw[c].w[j] = (double)draw[c].rows[j];
                }
        }
        evaluate_replicate(r, draw, n_cells, vals, b, scratch, values);
    }
    double qlo = (1 - r->ci) / 2, qhi = (1 + r->ci) / 2;
    double *column = malloc(B * sizeof *column);
    if (!column) {
        rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory for the bootstrap");
        goto done;
    }
    for (size_t k = 0; k < r->n_groupings && rc == FAIRC_OK; k++) {
        fairc_grouping *g = &r->groupings[k];
        size_t nv = FAIRC_CI_VALUES(g->G);
        g->ci_lo = malloc(nv * sizeof *g->ci_lo);
        g->ci_hi = malloc(nv * sizeof *g->ci_hi);
        g->ci_undefined = calloc(nv, sizeof *g->ci_undefined);
        if (!g->ci_lo || !g->ci_hi || !g->ci_undefined) {
            rc = fairc_fail(st, FAIRC_ENOMEM, "out of memory for the bootstrap");
            break;
        }
        for (size_t v = 0; v < nv; v++) {
            size_t m = 0;
            for (size_t b = 0; b < B; b++) {
                double x = vals[k][b * nv + v];
                if (isnan(x)) g->ci_undefined[v]++;
                else column[m++] = x;
            }
            if (m == 0) {
                g->ci_lo[v] = g->ci_hi[v] = NAN;
                continue;
            }
            qsort(column, m, sizeof *column, cmp_double);
            g->ci_lo[v] = quantile_sorted(column, m, qlo);
            g->ci_hi[v] = quantile_sorted(column, m, qhi);
        }
    }
    free(column);
done:
    for (size_t k = 0; vals && k < r->n_groupings; k++) free(vals[k]);
    free(vals);
    free(draw);
    free(scratch);
    free(values);
    free(counts);
    free(drawn);
    return rc;
}
