/* reduction_fixture.h: what tests/test_expgrad.c and tests/test_gridsearch.c share: the counts
 * tables of tests/ref/reductions_ref.py expanded into rows in the script's order, and its
 * deterministic "majority" learner (per pattern, 1 iff the weight of target-1 rows exceeds that
 * of target-0 rows), so that fairc's reductions and Fairlearn's see the same oracle. */
#ifndef FAIRC_REDUCTION_FIXTURE_H
#define FAIRC_REDUCTION_FIXTURE_H

#include "test.h"

#include "reduction.h"

#include <stdlib.h>

/* counts[g][b] = {rows with y = 0, rows with y = 1}; pattern 4 g + b */
static const int fx_dp2_counts[2][4][2] = {{{30, 5}, {20, 10}, {10, 20}, {5, 30}},
                                           {{40, 2}, {30, 6}, {15, 10}, {8, 14}}};
static const int fx_eo3_counts[3][4][2] = {{{30, 5}, {20, 10}, {10, 20}, {5, 30}},
                                           {{40, 2}, {30, 6}, {15, 10}, {8, 14}},
                                           {{12, 9}, {9, 12}, {7, 7}, {3, 11}}};

typedef struct fx_data {
    size_t N, G, P;      /* rows, groups, patterns */
    float *X;            /* (N, 1) pattern index */
    double *y;
    int32_t *group;
    char **names;        /* (G) heap: the struct may be copied */
    fairc_grouping_rows gr;
} fx_data;

static fx_data fx_make(const int (*counts)[4][2], size_t G)
{
    fx_data d;
    memset(&d, 0, sizeof d);
    d.G = G;
    d.P = 4 * G;
    for (size_t g = 0; g < G; g++)
        for (int b = 0; b < 4; b++) d.N += (size_t)(counts[g][b][0] + counts[g][b][1]);
    d.X = malloc(d.N * sizeof *d.X);
    d.y = malloc(d.N * sizeof *d.y);
    d.group = malloc(d.N * sizeof *d.group);
    size_t i = 0;
    for (size_t g = 0; g < G; g++)
        for (int b = 0; b < 4; b++)
            for (int lab = 0; lab < 2; lab++)
                for (int k = 0; k < counts[g][b][lab]; k++, i++) {
                    d.X[i] = (float)(4 * g + (size_t)b);
                    d.y[i] = lab;
                    d.group[i] = (int32_t)g;
                }
    d.names = calloc(G, sizeof *d.names);
    for (size_t g = 0; g < G; g++) {
        d.names[g] = malloc(24);
        snprintf(d.names[g], 24, "g%zu", g);
    }
    d.gr = (fairc_grouping_rows){d.group, G, (const char *const *)d.names};
    return d;
}

static void fx_free(fx_data *d)
{
    free(d->X);
    free(d->y);
    free(d->group);
    for (size_t g = 0; g < d->G; g++) free(d->names[g]);
    free(d->names);
}

/* The majority learner: params[q] = 1 iff sum of w over target-1 rows of pattern q exceeds
 * that over target-0 rows. */
static int fx_majority_fit(void *user, const fairc_xy *d, double *params, int warm,
                           fairc_status *st)
{
    (void)warm;
    (void)st;
    size_t P = *(const size_t *)user;
    double *w1 = calloc(P, sizeof *w1), *w0 = calloc(P, sizeof *w0);
    for (size_t i = 0; i < d->N; i++) {
        size_t q = (size_t)d->X[i * d->D];
        double w = d->w ? d->w[i] : 1.0;
        if (d->y[i] == 1) w1[q] += w;
        else w0[q] += w;
    }
    for (size_t q = 0; q < P; q++) params[q] = w1[q] > w0[q] ? 1.0 : 0.0;
    free(w1);
    free(w0);
    return FAIRC_OK;
}

static void fx_majority_predict(void *user, const double *params, const float *X, size_t N,
                                double *out)
{
    (void)user;
    for (size_t i = 0; i < N; i++) out[i] = params[(size_t)X[i]];
}

static fairc_red_learner fx_majority(size_t *P)
{
    fairc_red_learner L;
    memset(&L, 0, sizeof L);
    L.kind = 0;
    L.cb.n_params = *P;
    L.cb.fit = fx_majority_fit;
    L.cb.predict = fx_majority_predict;
    L.cb.user = P;
    L.mlp.D = 1;
    return L;
}

#endif
