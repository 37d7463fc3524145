/* predictor.c: applying a predictor tree to encoded rows: MODEL nodes through the learners'
 * prediction functions, MIXTURE as the weighted sum of its children's probabilities (or, for a
 * voting mixture, of their hard decisions), CONSTANT,
 * and THRESHOLD (threshold.h), whose group-wise rules need each row's group and score (the
 * encoder's score column, or the probability of its base child). Also the per-row uniform of
 * randomised decisions (SPEC §1.7). Streaming raw rows through all this: predict.c. */
#include "model.h"
#include "predictor.h"
#include "threshold.h"

#include <stdlib.h>
#include <string.h>

FAIRC_API size_t fairc_predictor_width(const fairc_predictor *p) { return p ? p->enc.D : 0; }

/* The rows a tree is applied to: X (N, D); group (N, -1 = unseen) and score (N) when needed. */
typedef struct rows_in {
    const float *X;
    const int32_t *group;
    const double *score;
    size_t N;
    int unseen; /* -1: each node's own policy, else FAIRC_UNSEEN_* */
} rows_in;

static int node_predict(const fairc_predictor *p, const fairc_node *n, const rows_in *rows,
                        double *out, fairc_status *st);

/* THRESHOLD: each row's rules (its group's, or the unseen-group policy's) applied to its score. */
static int threshold_predict(const fairc_predictor *p, const fairc_node *n, const rows_in *rows,
                             double *out, fairc_status *st)
{
    const fairc_thresholds *t = n->thr;
    size_t N = rows->N;
    if (!t) return fairc_fail(st, FAIRC_EINVAL, "a threshold node without rules");
    if (!rows->group)
        return fairc_fail(st, FAIRC_EINVAL, "this predictor applies group-wise thresholds: it needs "
                          "each row's group (fairc_predictor_predict_groups)");
    const double *score = rows->score;
    double *base = NULL;
    if (n->n_children == 1) {
        if (!(base = malloc((N ? N : 1) * sizeof *base))) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        int rc = node_predict(p, &p->nodes[n->children[0]], rows, base, st);
        if (rc != FAIRC_OK) {
            free(base);
            return rc;
        }
        score = base;
    } else if (!score) {
        return fairc_fail(st, FAIRC_EINVAL, "this predictor thresholds the score column '%.100s': "
                          "it needs each row's score", p->enc.score_column ? p->enc.score_column : "?");
    }
    int rc = FAIRC_OK, unseen = rows->unseen >= 0 ? rows->unseen : t->unseen;
    if (unseen == FAIRC_UNSEEN_POOLED && t->n_pooled == 0) unseen = FAIRC_UNSEEN_ERROR;
    for (size_t i = 0; i < N; i++) {
        int32_t g = rows->group[i];
        if (g >= 0 && (size_t)g < t->G) {
            out[i] = fairc_thresholds_apply(t, (size_t)g, score[i]);
        } else if (g >= 0 || unseen == FAIRC_UNSEEN_ERROR) {
            rc = fairc_fail(st, FAIRC_EINVAL, "row %zu: its group was not seen when the thresholds "
                            "were fitted (--unseen-group pooled|0|1 chooses a fallback)", i + 1);
            break;
        } else {
            out[i] = unseen == FAIRC_UNSEEN_POOLED ? fairc_rules_apply(t->pooled, t->n_pooled, score[i])
                   : unseen == FAIRC_UNSEEN_ONE    ? 1.0
                                                   : 0.0;
        }
    }
    free(base);
    return rc;
}

static int node_predict(const fairc_predictor *p, const fairc_node *n, const rows_in *rows,
                        double *out, fairc_status *st)
{
    size_t N = rows->N;
    if (n->type == FAIRC_NODE_CONSTANT) {
        for (size_t i = 0; i < N; i++) out[i] = n->p;
        return FAIRC_OK;
    }
    if (n->type == FAIRC_NODE_MIXTURE) {
        double *tmp = malloc((N ? N : 1) * sizeof *tmp);
        if (!tmp) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        memset(out, 0, N * sizeof *out);
        int rc = FAIRC_OK;
        for (size_t c = 0; c < n->n_children && rc == FAIRC_OK; c++) {
            rc = node_predict(p, &p->nodes[n->children[c]], rows, tmp, st);
            /* a voting mixture (ExponentiatedGradient) mixes each classifier's hard decision */
            if (n->vote && p->enc.task != FAIRC_TASK_REGRESSION)
                for (size_t i = 0; rc == FAIRC_OK && i < N; i++) tmp[i] = tmp[i] > 0.5 ? 1.0 : 0.0;
            for (size_t i = 0; rc == FAIRC_OK && i < N; i++) out[i] += n->weights[c] * tmp[i];
        }
        free(tmp);
        return rc;
    }
    if (n->type == FAIRC_NODE_THRESHOLD) return threshold_predict(p, n, rows, out, st);
    if (n->type != FAIRC_NODE_MODEL) return fairc_fail(st, FAIRC_EINVAL, "this predictor node type cannot be applied here");
    fairc_mlp m;
    const char *bad = fairc_mlp_layout(&m, p->enc.D, n->hidden, n->n_hidden);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    if (!rows->X && N) return fairc_fail(st, FAIRC_EINVAL, "the model needs the encoded rows X");
    const double *params = p->params + n->param_offset;
    int regress = n->model_kind == FAIRC_MODEL_LINEAR || p->enc.task == FAIRC_TASK_REGRESSION;
    if (n->n_hidden == 0) {
        /* A linear model: one dot product a row, without the MLP's layer machinery. */
        fairc_linear_predict(params, rows->X, N, p->enc.D, regress ? out : NULL, regress ? NULL : out, 0);
        return FAIRC_OK;
    }
    return fairc_mlp_predict(&m, params, rows->X, N, regress ? out : NULL, regress ? NULL : out, 0, st);
}

FAIRC_API int fairc_predictor_predict(const fairc_predictor *p, const float *X, size_t N,
                                      double *out, fairc_status *st)
{
    if (!p || p->n_nodes == 0) return fairc_fail(st, FAIRC_EINVAL, "empty predictor");
    rows_in rows = {X, NULL, NULL, N, -1};
    return node_predict(p, &p->nodes[0], &rows, out, st);
}

int fairc_predictor_predict_rows(const fairc_predictor *p, const float *X, const int32_t *group,
                                 const double *score, size_t N, int unseen, double *out,
                                 fairc_status *st)
{
    if (!p || p->n_nodes == 0) return fairc_fail(st, FAIRC_EINVAL, "empty predictor");
    rows_in rows = {X, group, score, N, unseen};
    return node_predict(p, &p->nodes[0], &rows, out, st);
}

FAIRC_API int fairc_predictor_predict_groups(const fairc_predictor *p, const float *X,
                                             const int32_t *group, const double *score, size_t N,
                                             double *out, fairc_status *st)
{
    return fairc_predictor_predict_rows(p, X, group, score, N, -1, out, st);
}

int fairc_predictor_needs_groups(const fairc_predictor *p)
{
    for (size_t i = 0; p && i < p->n_nodes; i++)
        if (p->nodes[i].type == FAIRC_NODE_THRESHOLD) return 1;
    return 0;
}

int fairc_predictor_unseen_policy(const fairc_predictor *p)
{
    int policy = -1;
    for (size_t i = 0; p && i < p->n_nodes; i++) {
        const fairc_node *n = &p->nodes[i];
        if (n->type != FAIRC_NODE_THRESHOLD || !n->thr) continue;
        if (policy < 0 || n->thr->unseen == FAIRC_UNSEEN_ERROR) policy = n->thr->unseen;
    }
    return policy < 0 ? FAIRC_UNSEEN_ERROR : policy;
}

FAIRC_API int fairc_predictor_randomized(const fairc_predictor *p)
{
    for (size_t i = 0; p && i < p->n_nodes; i++)
        if (p->nodes[i].type == FAIRC_NODE_THRESHOLD || p->nodes[i].type == FAIRC_NODE_MIXTURE) return 1;
    return 0;
}

FAIRC_API double fairc_decision_uniform(const void *key, size_t n, uint64_t seed)
{
    return (double)(fairc_siphash(key, n, seed, 0x66616972635f7631ull) >> 11) * 0x1p-53;
}

FAIRC_API size_t fairc_predictor_ngroups(const fairc_predictor *p) { return p ? p->enc.n_groups : 0; }

FAIRC_API const char *fairc_predictor_group_name(const fairc_predictor *p, size_t g)
{
    return p && g < p->enc.n_groups ? p->enc.group_names[g] : NULL;
}

FAIRC_API const char *fairc_predictor_score_column(const fairc_predictor *p)
{
    return p ? p->enc.score_column : NULL;
}
