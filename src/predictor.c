/* predictor.c: applying a predictor tree to encoded rows: MODEL nodes through the learners'
 * prediction functions, MIXTURE as the weighted sum of its children's probabilities, CONSTANT.
 * Mitigations that add node types (thresholds) extend node_predict here. */
#include "model.h"
#include "predictor.h"

#include <stdlib.h>
#include <string.h>

FAIRC_API size_t fairc_predictor_width(const fairc_predictor *p) { return p ? p->enc.D : 0; }

/* Probabilities of a MODEL node for N rows. */
static int node_predict(const fairc_predictor *p, const fairc_node *n, const float *X, size_t N,
                        double *out, fairc_status *st)
{
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
            rc = node_predict(p, &p->nodes[n->children[c]], X, N, tmp, st);
            for (size_t i = 0; rc == FAIRC_OK && i < N; i++) out[i] += n->weights[c] * tmp[i];
        }
        free(tmp);
        return rc;
    }
    if (n->type != FAIRC_NODE_MODEL) return fairc_fail(st, FAIRC_EINVAL, "this predictor node type cannot be applied here");
    fairc_mlp m;
    const char *bad = fairc_mlp_layout(&m, p->enc.D, n->hidden, n->n_hidden);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    const double *params = p->params + n->param_offset;
    int regress = n->model_kind == FAIRC_MODEL_LINEAR || p->enc.task == FAIRC_TASK_REGRESSION;
    return fairc_mlp_predict(&m, params, X, N, regress ? out : NULL, regress ? NULL : out, 0, st);
}

FAIRC_API int fairc_predictor_predict(const fairc_predictor *p, const float *X, size_t N,
                                      double *out, fairc_status *st)
{
    if (!p || p->n_nodes == 0) return fairc_fail(st, FAIRC_EINVAL, "empty predictor");
    return node_predict(p, &p->nodes[0], X, N, out, st);
}

