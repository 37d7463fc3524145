/* pyapi.c: small accessors that language bindings (python/fairc, through ctypes) need and the
 * rest of the API has no reason to offer: the library's own free(), the sizes of the public
 * structs (so a binding can refuse a library whose layout differs from the one it mirrors), and
 * the raw scores and parameters of a single-model predictor (scikit-learn's decision_function
 * and coef_), and the fairness penalty and moment of SPEC §5-§6 on one mini-batch with their
 * gradients, for PyTorch losses (fairc.torch), and SPEC §1.7's hashed decision uniforms of many
 * in-memory rows at once (a randomised predictor's predict in Python). Not here: the algebra
 * itself (moment.c, penalty.c), and anything a C caller would use on its own. */
#include "fairtrain.h"
#include "predictor.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

FAIRC_API void fairc_free(void *p) { free(p); }

FAIRC_API size_t fairc_sizeof(const char *type)
{
    static const struct {
        const char *name;
        size_t size;
    } sizes[] = {
        {"fairc_status", sizeof(fairc_status)},
        {"fairc_read_options", sizeof(fairc_read_options)},
        {"fairc_audit_options", sizeof(fairc_audit_options)},
        {"fairc_train_options", sizeof(fairc_train_options)},
        {"fairc_train_info", sizeof(fairc_train_info)},
        {"fairc_predict_info", sizeof(fairc_predict_info)},
        {"fairc_synth_options", sizeof(fairc_synth_options)},
        {"fairc_rng", sizeof(fairc_rng)},
        {"fairc_threshold_options", sizeof(fairc_threshold_options)},
        {"fairc_threshold_info", sizeof(fairc_threshold_info)},
        {"fairc_reduction_options", sizeof(fairc_reduction_options)},
        {"fairc_reduction_info", sizeof(fairc_reduction_info)},
        {"fairc_predict_options", sizeof(fairc_predict_options)},
        {"fairc_postprocess_options", sizeof(fairc_postprocess_options)},
        {"fairc_decorrelate_options", sizeof(fairc_decorrelate_options)},
        {"fairc_decorrelate_info", sizeof(fairc_decorrelate_info)},
        {"fairc_table_format", sizeof(fairc_table_format)},
    };
    if (!type) return 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        if (strcmp(type, sizes[k].name) == 0) return sizes[k].size;
    return 0;
}

/* The root of p when it is one model, with its layout; else an error naming what it is. */
static int single_model(const fairc_predictor *p, const fairc_node **node, fairc_mlp *m,
                        fairc_status *st)
{
    if (!p || p->n_nodes == 0 || !p->nodes) return fairc_fail(st, FAIRC_EINVAL, "empty predictor");
    const fairc_node *n = &p->nodes[0];
    if (n->type != FAIRC_NODE_MODEL)
        return fairc_fail(st, FAIRC_EINVAL,
                          "this predictor is a %s, not a single model: it has probabilities but "
                          "no scores or parameters of its own",
                          n->type == FAIRC_NODE_MIXTURE ? "mixture of models"
                          : n->type == FAIRC_NODE_THRESHOLD ? "threshold rule"
                          : "constant");
    const char *bad = fairc_mlp_layout(m, p->enc.D, n->hidden, n->n_hidden);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    if (n->param_offset > p->n_params || m->count > p->n_params - n->param_offset)
        return fairc_fail(st, FAIRC_EINVAL, "the predictor's parameters do not fit its layout");
    *node = n;
    return FAIRC_OK;
}

FAIRC_API int fairc_predictor_decision(const fairc_predictor *p, const float *X, size_t N,
                                       double *out, fairc_status *st)
{
    const fairc_node *n;
    fairc_mlp m;
    int rc = single_model(p, &n, &m, st);
    if (rc != FAIRC_OK) return rc;
    if (N && (!X || !out)) return fairc_fail(st, FAIRC_EINVAL, "X and out are required");
    return fairc_mlp_predict(&m, p->params + n->param_offset, X, N, out, NULL, 0, st);
}

FAIRC_API int fairc_predictor_params(const fairc_predictor *p, const double **params,
                                     size_t *n_params, fairc_status *st)
{
    const fairc_node *n;
    fairc_mlp m;
    if (params) *params = NULL;
    if (n_params) *n_params = 0;
    int rc = single_model(p, &n, &m, st);
    if (rc != FAIRC_OK) return rc;
    if (!params || !n_params) return fairc_fail(st, FAIRC_EINVAL, "params and n_params are required");
    *params = p->params + n->param_offset;
    *n_params = m.count;
    return FAIRC_OK;
}

/* fairc_decision_uniform_rows: u (N) <- fairc_decision_uniform of each row's key, the row's D
 * features X (N, D) as binary64 little-endian (what `fairc predict` hashes for a model trained on
 * arrays: its encoder passes x0..x{D-1} through) followed by the suffix bytes (a group name, or
 * none). One call instead of N across ctypes. */
FAIRC_API int fairc_decision_uniform_rows(const float *X, size_t N, size_t D, const char *suffix,
                                          size_t suffix_len, uint64_t seed, double *u,
                                          fairc_status *st)
{
    if (N == 0) return FAIRC_OK;
    if ((D && !X) || !u || (suffix_len && !suffix))
        return fairc_fail(st, FAIRC_EINVAL, "X, u and the suffix are required");
    if (D > (SIZE_MAX - suffix_len - 1) / 8) return fairc_fail(st, FAIRC_ELIMIT, "rows too wide");
    size_t n = 8 * D + suffix_len;
    unsigned char *key = malloc(n ? n : 1);
    if (!key) return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    if (suffix_len) memcpy(key + 8 * D, suffix, suffix_len);
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < D; j++) {
            double v = (double)X[i * D + j];
            uint64_t b;
            memcpy(&b, &v, sizeof b);
            for (int k = 0; k < 8; k++) key[8 * j + (size_t)k] = (unsigned char)(b >> (8 * k));
        }
        u[i] = fairc_decision_uniform(key, n, seed);
    }
    free(key);
    return FAIRC_OK;
}

/* ---- fairness terms on one mini-batch (PyTorch losses) ------------------------------------ */

/* A moment over one batch. The penalty and the Lagrangian see only the batch, where a group or an
 * event may be absent (SPEC §5.1: such a cell adds exactly 0). fairc_moment_new refuses data
 * lacking a cell, so the moment is built over the batch's n rows plus one unit-weight row per
 * cell (rows n..n+E*G-1), which makes every cell exist with the layout cell = e G + g, and is
 * then evaluated on rows 0..n-1 only: the extra rows never enter a sum. */
typedef struct batch_moment {
    fairc_moment *m;
    fairc_moment_eval ev;
    double *y, *w, *f;
    int32_t *group;
} batch_moment;

static void batch_moment_free(batch_moment *b)
{
    fairc_moment_eval_free(&b->ev);
    fairc_moment_free(&b->m);
    free(b->y);
    free(b->w);
    free(b->f);
    free(b->group);
}

static int batch_moment_new(int constraint, size_t n, const double *z, const double *y,
                            const double *w, const int32_t *group, size_t G, batch_moment *b,
                            fairc_status *st)
{
    memset(b, 0, sizeof *b);
    int bad_args = fairc_batch_args_check(constraint, n, z, y, group, G, st);
    if (bad_args != FAIRC_OK) return bad_args;
    size_t E = constraint == FAIRC_CONSTRAINT_EO ? 2 : 1, extra = E * G;
    if (n > SIZE_MAX / 2 - extra) return fairc_fail(st, FAIRC_ELIMIT, "batch too large");
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(z[i])) return fairc_fail(st, FAIRC_EINVAL, "row %zu: the score is not a finite number", i);
        if (group[i] < 0 || (size_t)group[i] >= G)
            return fairc_fail(st, FAIRC_EINVAL, "row %zu: group %ld is not in 0..%zu", i, (long)group[i], G - 1);
        if (y && !(y[i] == 0 || y[i] == 1)) return fairc_fail(st, FAIRC_EINVAL, "row %zu: the label must be 0 or 1", i);
        if (w && !(w[i] >= 0 && isfinite(w[i])))
            return fairc_fail(st, FAIRC_EINVAL, "row %zu: the weight must be a finite number >= 0", i);
    }
    size_t N = n + extra;
    b->y = malloc(N * sizeof *b->y);
    b->w = malloc(N * sizeof *b->w);
    b->f = malloc(n * sizeof *b->f);
    b->group = malloc(N * sizeof *b->group);
    if (!b->y || !b->w || !b->f || !b->group) {
        batch_moment_free(b);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        b->y[i] = y ? y[i] : 0.0;
        b->w[i] = w ? w[i] : 1.0;
        b->group[i] = group[i];
    }
    /* the cell rows: events in the moment's order (all | label=1 | label=0 | label=0, label=1) */
    for (size_t e = 0; e < E; e++)
        for (size_t g = 0; g < G; g++) {
            size_t i = n + e * G + g;
            b->y[i] = constraint == FAIRC_CONSTRAINT_TPR ? 1.0
                      : constraint == FAIRC_CONSTRAINT_EO ? (double)e : 0.0;
            b->w[i] = 1.0;
            b->group[i] = (int32_t)g;
        }
    fairc_grouping_rows gr = {b->group, G, NULL};
    int rc = fairc_moment_new(constraint, N, b->y, b->w, &gr, 1, 0.0, 1.0, &b->m, st);
    if (rc == FAIRC_OK && b->m->K != 2 * extra)
        rc = fairc_fail(st, FAIRC_EINVAL, "internal: a batch moment has %zu constraints, not %zu",
                        b->m->K, 2 * extra);
    if (rc == FAIRC_OK) rc = fairc_moment_eval_new(b->m, &b->ev, st);
    if (rc != FAIRC_OK) batch_moment_free(b);
    return rc;
}

FAIRC_API int fairc_batch_penalty(int constraint, size_t n, const double *z, const double *y,
                                  const double *w, const int32_t *group, size_t G, double alpha,
                                  double p, double tol, double momentum, double *running,
                                  int commit, double *value, double *dz, fairc_status *st)
{
    fairc_penalty_params pp = {alpha, p, tol, momentum};
    const char *bad = fairc_penalty_params_check(&pp);
    if (bad) return fairc_fail(st, FAIRC_EINVAL, "%s", bad);
    if (momentum > 0 && !running)
        return fairc_fail(st, FAIRC_EINVAL, "momentum needs the running sums");
    if (!value) return fairc_fail(st, FAIRC_EINVAL, "value is required");
    batch_moment b;
    int rc = batch_moment_new(constraint, n, z, y, w, group, G, &b, st);
    if (rc != FAIRC_OK) return rc;
    const fairc_moment *m = b.m;
    size_t S = m->C + m->E;
    double *RN = momentum > 0 ? running : NULL, *RD = momentum > 0 ? running + S : NULL;
    double *coef = calloc(m->K, sizeof *coef);
    if (!coef) {
        batch_moment_free(&b);
        return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) b.f[i] = fairc_sigmoid(z[i]);
    fairc_moment_evaluate(m, &b.ev, NULL, n, b.f, RN, RD, momentum);
    double P = fairc_penalty_value(m, &b.ev, &pp, coef);
    if (dz) {
        if (P > 0) {
            fairc_moment_backward(m, &b.ev, coef, NULL, n, dz);
            /* df/dz = f (1 - f) = sigmoid(z) sigmoid(-z), without cancellation */
            for (size_t i = 0; i < n; i++) dz[i] = dz[i] * b.f[i] * fairc_sigmoid(-z[i]) + 0.0;
        } else {
            memset(dz, 0, n * sizeof *dz);
        }
    }
    if (momentum > 0 && commit) fairc_moment_running_update(m, &b.ev, RN, RD, momentum);
    *value = P;
    free(coef);
    batch_moment_free(&b);
    return FAIRC_OK;
}

FAIRC_API int fairc_batch_moment(int constraint, size_t n, const double *z, const double *y,
                                 const double *w, const int32_t *group, size_t G,
                                 const double *coef, double *gamma_soft, double *gamma_hard,
                                 uint8_t *mask, double *dz, fairc_status *st)
{
    batch_moment b;
    int rc = batch_moment_new(constraint, n, z, y, w, group, G, &b, st);
    if (rc != FAIRC_OK) return rc;
    const fairc_moment *m = b.m;
    size_t K = m->K;
    if (gamma_hard) {
        for (size_t i = 0; i < n; i++) b.f[i] = z[i] > 0 ? 1.0 : 0.0;
        fairc_moment_evaluate(m, &b.ev, NULL, n, b.f, NULL, NULL, 0);
        memcpy(gamma_hard, b.ev.gamma, K * sizeof *gamma_hard);
    }
    for (size_t i = 0; i < n; i++) b.f[i] = fairc_sigmoid(z[i]);
    fairc_moment_evaluate(m, &b.ev, NULL, n, b.f, NULL, NULL, 0);
    if (gamma_soft) memcpy(gamma_soft, b.ev.gamma, K * sizeof *gamma_soft);
    if (mask) memcpy(mask, b.ev.mask, K);
    if (dz) {
        double *c = calloc(K, sizeof *c);
        if (!c) {
            batch_moment_free(&b);
            return fairc_fail(st, FAIRC_ENOMEM, "out of memory");
        }
        for (size_t k = 0; coef && k < K; k++) c[k] = b.ev.mask[k] ? coef[k] : 0.0;
        fairc_moment_backward(m, &b.ev, c, NULL, n, dz);
        for (size_t i = 0; i < n; i++) dz[i] = dz[i] * b.f[i] * fairc_sigmoid(-z[i]) + 0.0;
        free(c);
    }
    batch_moment_free(&b);
    return FAIRC_OK;
}
